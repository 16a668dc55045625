#include "sync/clock.h"

#include <chrono>

namespace station_sync {

Clock& SystemClock() {
  struct System : Clock {
    std::int64_t NowSeconds() override {
      return std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    }
  };
  static System clock;
  return clock;
}

}  // namespace station_sync
