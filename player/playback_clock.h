// Pure timing logic, no threads and no FFmpeg, so it is unit-tested directly.
//
// PlaybackClock: media time that advances with wall time (times speed) from
// an anchor; the player re-anchors it from the audio clock on every tick when
// audio drives playback, and lets it run free for video-only files.
// AudioClockUs: "pts of the last written sample minus what the sink still
// holds", converted from output time back to media time.
#pragma once

#include <cstdint>

#include "player/player.h"

namespace player {

class PlaybackClock {
 public:
  // Media time `media_us` at wall time `now`.
  void Set(std::int64_t media_us, TimePoint now);
  std::int64_t Get(TimePoint now) const;
  void SetSpeed(double speed, TimePoint now);
  void SetPaused(bool paused, TimePoint now);
  bool paused() const { return paused_; }
  double speed() const { return speed_; }

 private:
  std::int64_t anchor_media_us_ = 0;
  TimePoint anchor_{};
  double speed_ = 1.0;
  bool paused_ = true;
};

// written_end_media_us: media time just after the last sample handed to the
// sink; buffered_frames: sink frames not yet heard (output rate). Output
// frames were produced by atempo at `speed`, so each one covers `speed`
// frames of media.
std::int64_t AudioClockUs(std::int64_t written_end_media_us, std::int64_t buffered_frames,
                          int sample_rate, double speed);

}  // namespace player
