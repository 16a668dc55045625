// Drag-to-scroll with momentum, as pure arithmetic (tested without a window).
// A finger drag moves content 1:1; on release the recent finger velocity
// carries on and decays exponentially, like a phone list.
#pragma once

#include <array>
#include <cstddef>

namespace kiosk {

// Recent finger positions, to estimate the release velocity from the last
// kWindowSeconds only (a slow drag that ends in a stop must not fling).
class VelocityTracker {
 public:
  static constexpr double kWindowSeconds = 0.1;
  void Reset() { count_ = 0; next_ = 0; }
  void Add(double time_s, float position);
  float VelocityPerSecond(double now_s) const;

 private:
  struct Sample { double time_s; float position; };
  std::array<Sample, 16> samples_{};
  size_t count_ = 0;
  size_t next_ = 0;
};

struct Momentum {
  static constexpr float kDecayPerSecond = 0.05f;   // velocity left after 1 s
  static constexpr float kStopBelow = 20.0f;        // px/s: stop animating
  static constexpr float kMaxVelocity = 6000.0f;    // px/s: cap wild flings

  float velocity = 0;  // px/s, in the direction the offset grows

  bool active() const { return velocity != 0; }
  // Advances by dt seconds and returns how far the offset moves.
  float Step(float dt_seconds);
  void Start(float velocity_px_s);
  void Stop() { velocity = 0; }
};

// Keeps an offset within [0, max_offset]; hitting an edge stops momentum.
float ClampScroll(float offset, float max_offset, Momentum& momentum);

}  // namespace kiosk
