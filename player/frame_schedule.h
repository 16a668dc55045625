// Pure frame scheduling: given the clock and the head of the frame queue,
// decide whether to wait, show or drop. No threads, no FFmpeg.
//
// A frame is late when the next frame is already due; it is then dropped
// (counted) rather than shown, so video catches up with the clock instead of
// lagging behind it. A frame is never dropped when nothing has been shown yet
// since the last seek (the first picture matters), nor when it is the only
// one queued (showing it late beats showing nothing).
#pragma once

#include <cstdint>
#include <optional>

namespace player {

enum class FrameAction { kWait, kShow, kDrop };

struct FrameDecision {
  FrameAction action = FrameAction::kWait;
  std::int64_t wait_us = 0;  // kWait: media time until the frame is due
};

struct FrameScheduleInput {
  std::int64_t clock_us = 0;
  std::int64_t frame_pts_us = 0;
  std::optional<std::int64_t> next_pts_us;  // the frame after, if already decoded
  bool must_show = false;                   // first frame after open or seek
};

// A frame this close to due is shown now rather than waited for: the UI
// wakes at vsync granularity anyway.
inline constexpr std::int64_t kEarlyToleranceUs = 2000;

FrameDecision DecideFrame(const FrameScheduleInput& in);

}  // namespace player
