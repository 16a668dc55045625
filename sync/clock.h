// Clock: wall-clock time for the outbox, behind an interface so tests can
// make it jump (a station without an RTC battery boots in 1970; an
// administrator sets the date a year ahead and back).
#pragma once

#include <cstdint>

namespace station_sync {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t NowSeconds() = 0;  // unix seconds, as the station believes
};

// std::chrono::system_clock.
Clock& SystemClock();

// A clock that says what it is told.
class ManualClock : public Clock {
 public:
  explicit ManualClock(std::int64_t now_s) : now_s_(now_s) {}
  std::int64_t NowSeconds() override { return now_s_; }
  void Set(std::int64_t now_s) { now_s_ = now_s; }
  void Advance(std::int64_t seconds) { now_s_ += seconds; }

 private:
  std::int64_t now_s_;
};

}  // namespace station_sync
