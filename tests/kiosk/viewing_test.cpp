#include <catch2/catch.hpp>

#include <set>

#include "kiosk/viewing.h"

using kiosk::Viewing;

TEST_CASE("A viewing counts only time spent playing, capped per observation", "[kiosk][viewing]") {
  Viewing v = kiosk::StartViewing("wheat", 0, 600'000, 1000);
  v.Observe(500, 600'000, true, 500);
  v.Observe(500, 600'000, false, 30'000);  // paused half a minute
  v.Observe(1500, 600'000, true, 60'000);  // the loop stalled: counts one second at most
  CHECK(v.watched_ms == 1500);
  CHECK(v.Record().seconds_watched == 2);
}

TEST_CASE("Resume position and completion follow the position in the lesson", "[kiosk][viewing]") {
  const auto [position, duration, resume, completed] = GENERATE(table<std::int64_t, std::int64_t, std::int64_t, bool>({
      {3'000, 600'000, 0, false},           // barely begun: start over
      {120'000, 600'000, 120'000, false},
      {591'000, 600'000, 0, true},          // within the last 10 s
      {589'000, 600'000, 589'000, false},
      {19'200, 20'000, 0, true},            // short lesson: within the last 5%
      {18'000, 20'000, 18'000, false},
      {40'000, 0, 40'000, false},           // unknown duration
  }));
  Viewing v = kiosk::StartViewing("l", 0, duration, 0);
  v.Observe(position, duration, true, 100);
  CHECK(v.ResumePositionMs() == resume);
  CHECK(v.Completed() == completed);
}

TEST_CASE("Record ids are random and never repeat", "[kiosk][viewing]") {
  std::set<std::string> ids;
  for (int i = 0; i < 10'000; ++i) ids.insert(kiosk::NewRecordId());
  CHECK(ids.size() == 10'000);
}
