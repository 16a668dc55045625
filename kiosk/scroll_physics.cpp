#include "kiosk/scroll_physics.h"

#include <algorithm>
#include <cmath>

namespace kiosk {

void VelocityTracker::Add(double time_s, float position) {
  samples_[next_] = {time_s, position};
  next_ = (next_ + 1) % samples_.size();
  count_ = std::min(count_ + 1, samples_.size());
}

float VelocityTracker::VelocityPerSecond(double now_s) const {
  if (count_ < 2) return 0;
  const Sample& newest = samples_[(next_ + samples_.size() - 1) % samples_.size()];
  if (now_s - newest.time_s > kWindowSeconds) return 0;  // the finger stopped before lifting
  const Sample* oldest = &newest;
  for (size_t k = 1; k < count_; ++k) {
    const Sample& s = samples_[(next_ + samples_.size() - 1 - k) % samples_.size()];
    if (newest.time_s - s.time_s > kWindowSeconds) break;
    oldest = &s;
  }
  const double span = newest.time_s - oldest->time_s;
  if (span <= 0) return 0;
  return static_cast<float>((newest.position - oldest->position) / span);
}

void Momentum::Start(float velocity_px_s) {
  velocity = std::clamp(velocity_px_s, -kMaxVelocity, kMaxVelocity);
  if (std::fabs(velocity) < kStopBelow) velocity = 0;
}

float Momentum::Step(float dt_seconds) {
  if (velocity == 0 || dt_seconds <= 0) return 0;
  // Exact integral of v(t) = v0 * d^t over [0, dt], with d = kDecayPerSecond.
  const float log_decay = std::log(kDecayPerSecond);
  const float decay = std::exp(log_decay * dt_seconds);
  const float distance = velocity * (decay - 1.0f) / log_decay;
  velocity *= decay;
  if (std::fabs(velocity) < kStopBelow) velocity = 0;
  return distance;
}

float ClampScroll(float offset, float max_offset, Momentum& momentum) {
  const float clamped = std::clamp(offset, 0.0f, std::max(0.0f, max_offset));
  if (clamped != offset) momentum.Stop();
  return clamped;
}

}  // namespace kiosk
