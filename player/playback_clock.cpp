#include "player/playback_clock.h"

#include <chrono>

namespace player {

void PlaybackClock::Set(std::int64_t media_us, TimePoint now) {
  anchor_media_us_ = media_us;
  anchor_ = now;
}

std::int64_t PlaybackClock::Get(TimePoint now) const {
  if (paused_ || now <= anchor_) return anchor_media_us_;
  auto elapsed_us = std::chrono::duration_cast<std::chrono::microseconds>(now - anchor_).count();
  return anchor_media_us_ + static_cast<std::int64_t>(static_cast<double>(elapsed_us) * speed_);
}

void PlaybackClock::SetSpeed(double speed, TimePoint now) {
  Set(Get(now), now);
  speed_ = speed;
}

void PlaybackClock::SetPaused(bool paused, TimePoint now) {
  Set(Get(now), now);
  paused_ = paused;
}

std::int64_t AudioClockUs(std::int64_t written_end_media_us, std::int64_t buffered_frames,
                          int sample_rate, double speed) {
  if (sample_rate <= 0) return written_end_media_us;
  double buffered_media_us = static_cast<double>(buffered_frames) * 1e6 * speed / sample_rate;
  return written_end_media_us - static_cast<std::int64_t>(buffered_media_us);
}

}  // namespace player
