// Clock: wall-clock time for the outbox and the sync engine, behind an
// interface so tests can make it jump (a station without an RTC battery
// boots in 1970; an administrator sets the date a year ahead and back).
//
// StationClock is the station's own idea of the time. Every county answer
// carries the county's clock (X-Server-Time); the station keeps the last
// one it heard together with the boot clock's reading at that moment (a
// CountyTimeMark), and from then on counts forward on the boot clock, which
// nobody can set. So a box whose clock battery is dead, or whose date an
// administrator typed wrong, still stamps reports, shows the hour and
// judges deadlines by the county's time once it has heard the county once.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace station_sync {

// Clocks are read from more than one thread (the kiosk's UI and its sync
// engine, a round's watcher): every implementation is thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t NowSeconds() = 0;  // unix seconds, as the station believes
  // A county answer said its clock read `county_now_s`. A clock that keeps
  // the county's time (StationClock) takes it; others ignore it.
  virtual void HeardCountyTime(std::int64_t /*county_now_s*/) {}
};

// std::chrono::system_clock: the box's own clock.
Clock& SystemClock();

// A clock that says what it is told (tests move it while engines read it).
class ManualClock : public Clock {
 public:
  explicit ManualClock(std::int64_t now_s) : now_s_(now_s) {}
  std::int64_t NowSeconds() override { return now_s_.load(); }
  void Set(std::int64_t now_s) { now_s_.store(now_s); }
  void Advance(std::int64_t seconds) { now_s_ += seconds; }

 private:
  std::atomic<std::int64_t> now_s_;
};

// Another clock, shifted: a box whose clock is wrong by `shift_s` (tests
// and demos of a station without a clock battery).
class ShiftedClock : public Clock {
 public:
  ShiftedClock(Clock& base, std::int64_t shift_s) : base_(base), shift_s_(shift_s) {}
  std::int64_t NowSeconds() override { return base_.NowSeconds() + shift_s_; }

 private:
  Clock& base_;
  std::int64_t shift_s_;
};

// Where a station keeps its CountyTimeMark: <data>/county-time.
inline std::string CountyTimeMarkPath(const std::string& data_dir) { return data_dir + "/county-time"; }

// Time since boot, suspend included (CLOCK_BOOTTIME), and which boot this is.
class BootClock {
 public:
  virtual ~BootClock() = default;
  virtual std::int64_t NowMs() = 0;
  virtual std::string BootId() = 0;  // /proc/sys/kernel/random/boot_id
};
BootClock& SystemBootClock();

// The county's clock as last heard, and the boot clock then.
struct CountyTimeMark {
  std::int64_t county_s = 0;
  std::int64_t boot_ms = 0;
  std::string boot_id;
  bool operator==(const CountyTimeMark&) const = default;
};

// "county_s boot_ms boot_id"; nullopt for anything else.
std::string FormatCountyTimeMark(const CountyTimeMark& mark);
std::optional<CountyTimeMark> ParseCountyTimeMark(std::string_view text);

// The box's clock is trusted while it is within this of the county's.
inline constexpr std::int64_t kClockToleranceS = 120;

// Pure: the station's time.
//  - no mark: the box's clock;
//  - a mark from this boot: the county's time counted on from it, unless
//    the box's clock is within kClockToleranceS of that (then the box's,
//    which has finer steps);
//  - a mark from an earlier boot: the box's clock, but never earlier than
//    the mark plus the time since this boot (a box that boots in 1970 has
//    at least been up that long since the county last spoke).
std::int64_t StationNow(std::int64_t system_s, std::int64_t boot_ms, std::string_view boot_id,
                        const std::optional<CountyTimeMark>& mark);

// The station's clock: StationNow over the box's clock, the boot clock and
// the mark kept in `mark_path` (shared by the kiosk and kiosk-sync, and
// across restarts; re-read at most once a second; carried forward every ten
// minutes so that the floor after a power cut is recent even when the
// county has not been heard for days). Thread-safe.
class StationClock : public Clock {
 public:
  StationClock(std::string mark_path, Clock& system, BootClock& boot);

  std::int64_t NowSeconds() override;
  // Keeps the mark; written to mark_path when it moved by 2 s or more from
  // what the current mark predicts, or came from another boot. A county
  // time outside 2020-2100 is ignored.
  void HeardCountyTime(std::int64_t county_now_s) override;

  // The box's own clock minus the station's time: how far off the box's
  // clock is (0 while the box's clock is trusted).
  std::int64_t SystemErrorSeconds();
  std::optional<CountyTimeMark> mark();

 private:
  void RefreshLocked(std::int64_t boot_ms);
  void Keep();

  std::string mark_path_;
  Clock& system_;
  BootClock& boot_;
  std::mutex write_mutex_;  // taken before mutex_, never inside it
  std::mutex mutex_;
  std::optional<CountyTimeMark> mark_;
  std::string boot_id_;
  std::optional<std::int64_t> read_at_boot_ms_;  // when mark_path was last looked at
};

}  // namespace station_sync
