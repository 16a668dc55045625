#include "player/frame_schedule.h"

namespace player {

FrameDecision DecideFrame(const FrameScheduleInput& in) {
  if (in.must_show) return {FrameAction::kShow, 0};
  std::int64_t early_us = in.frame_pts_us - in.clock_us;
  if (early_us > kEarlyToleranceUs) return {FrameAction::kWait, early_us};
  if (in.next_pts_us && *in.next_pts_us <= in.clock_us) return {FrameAction::kDrop, 0};
  return {FrameAction::kShow, 0};
}

}  // namespace player
