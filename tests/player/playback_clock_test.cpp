#include <catch2/catch.hpp>

#include "player/playback_clock.h"

using namespace std::chrono_literals;
using player::PlaybackClock;

TEST_CASE("A playback clock advances with wall time times speed only while running", "[player]") {
  PlaybackClock clock;
  player::TimePoint t0{};
  clock.Set(1'000'000, t0);
  REQUIRE(clock.Get(t0 + 500ms) == 1'000'000);  // starts paused

  clock.SetPaused(false, t0);
  REQUIRE(clock.Get(t0 + 500ms) == 1'500'000);

  SECTION("speed changes re-anchor without a jump") {
    clock.SetSpeed(1.5, t0 + 1s);
    REQUIRE(clock.Get(t0 + 1s) == 2'000'000);
    REQUIRE(clock.Get(t0 + 2s) == 3'500'000);
  }
  SECTION("pausing freezes the position") {
    clock.SetPaused(true, t0 + 1s);
    REQUIRE(clock.Get(t0 + 5s) == 2'000'000);
    clock.SetPaused(false, t0 + 5s);
    REQUIRE(clock.Get(t0 + 6s) == 3'000'000);
  }
  SECTION("time before the anchor does not run the clock backwards") {
    REQUIRE(clock.Get(t0 - 1s) == 1'000'000);
  }
}

TEST_CASE("The audio clock is the last written pts minus what the sink still holds", "[player]") {
  // 4800 frames at 48 kHz = 100 ms still to be heard.
  REQUIRE(player::AudioClockUs(5'000'000, 4800, 48000, 1.0) == 4'900'000);
  // At 1.5x each output frame carries 1.5 frames of media.
  REQUIRE(player::AudioClockUs(5'000'000, 4800, 48000, 1.5) == 4'850'000);
  REQUIRE(player::AudioClockUs(5'000'000, 0, 48000, 1.0) == 5'000'000);
}
