#include <catch2/catch.hpp>

#include <cmath>

#include "kiosk/scroll_physics.h"

using kiosk::Momentum;
using kiosk::VelocityTracker;

TEST_CASE("A flick carries on and comes to rest", "[kiosk][touch]") {
  VelocityTracker tracker;
  for (int i = 0; i <= 6; ++i) tracker.Add(i * 0.016, i * 32.0f);  // 2000 px/s
  Momentum momentum;
  momentum.Start(tracker.VelocityPerSecond(6 * 0.016));
  CHECK(momentum.velocity == Approx(2000).epsilon(0.01));
  float travelled = 0;
  int frames = 0;
  while (momentum.active() && frames < 1000) {
    travelled += momentum.Step(1 / 60.0f);
    ++frames;
  }
  CHECK_FALSE(momentum.active());
  CHECK(frames < 200);  // stops within a few seconds
  // The exact distance of exponential decay: v0 / -ln(d), less the tail cut at kStopBelow.
  CHECK(travelled == Approx(2000 / -std::log(Momentum::kDecayPerSecond)).epsilon(0.05));
}

TEST_CASE("A drag that stops before the finger lifts does not fling", "[kiosk][touch]") {
  VelocityTracker tracker;
  for (int i = 0; i <= 6; ++i) tracker.Add(i * 0.016, i * 32.0f);
  CHECK(tracker.VelocityPerSecond(6 * 0.016 + 0.3) == 0);
}

TEST_CASE("Steps of any size cover the same distance", "[kiosk][touch]") {
  Momentum a, b;
  a.Start(1500);
  b.Start(1500);
  float da = a.Step(0.5f);
  float db = 0;
  for (int i = 0; i < 50; ++i) db += b.Step(0.01f);
  CHECK(da == Approx(db).epsilon(0.001));
}

TEST_CASE("Scrolling stops at the ends of the list", "[kiosk][touch]") {
  Momentum momentum;
  momentum.Start(-3000);
  CHECK(kiosk::ClampScroll(-50, 800, momentum) == 0);
  CHECK_FALSE(momentum.active());
  momentum.Start(3000);
  CHECK(kiosk::ClampScroll(900, 800, momentum) == 800);
  CHECK(kiosk::ClampScroll(400, 800, momentum) == 400);
}
