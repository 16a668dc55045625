// The station's clock: the county's time carried on the boot clock, for a
// box whose own clock is wrong (no clock battery, a date typed wrong).

#include <catch2/catch.hpp>

#include <limits>
#include <string>

#include "base/files.h"
#include "sync/clock.h"
#include "tests/base/scratch_dir.h"

namespace {

using namespace station_sync;

constexpr std::int64_t kCountyNow = 1'796'000'000;  // 2026-12
constexpr std::int64_t kJan1970 = 2 * 86'400;

class FakeBootClock : public BootClock {
 public:
  explicit FakeBootClock(std::string boot_id) : boot_id_(std::move(boot_id)) {}
  std::int64_t NowMs() override { return now_ms_; }
  std::string BootId() override { return boot_id_; }
  void AdvanceMs(std::int64_t ms) { now_ms_ += ms; }

 private:
  std::string boot_id_;
  std::int64_t now_ms_ = 30'000;
};

}  // namespace

TEST_CASE("the station's time: the box's clock until the county is heard, then the county's", "[sync]") {
  const CountyTimeMark mark{kCountyNow, 60'000, "boot-a"};

  SECTION("no mark: the box's clock, whatever it says") {
    CHECK(StationNow(kJan1970, 5'000, "boot-a", std::nullopt) == kJan1970);
    CHECK(StationNow(kCountyNow, 5'000, "boot-a", std::nullopt) == kCountyNow);
  }
  SECTION("a mark from this boot: the county's time counted on the boot clock") {
    // 90.5 s after the county spoke, the box says 1970.
    CHECK(StationNow(kJan1970, 150'500, "boot-a", mark) == kCountyNow + 90);
    // The box was set a year ahead, then back: the station's time does not move.
    CHECK(StationNow(kCountyNow + 365 * 86'400, 150'500, "boot-a", mark) == kCountyNow + 90);
    CHECK(StationNow(kCountyNow - 365 * 86'400, 150'500, "boot-a", mark) == kCountyNow + 90);
  }
  SECTION("a box clock within two minutes of the county's is trusted (finer steps)") {
    CHECK(StationNow(kCountyNow + 90 + 100, 150'500, "boot-a", mark) == kCountyNow + 190);
    CHECK(StationNow(kCountyNow + 90 - kClockToleranceS, 150'500, "boot-a", mark) == kCountyNow + 90 - kClockToleranceS);
    CHECK(StationNow(kCountyNow + 90 + kClockToleranceS + 1, 150'500, "boot-a", mark) == kCountyNow + 90);
  }
  SECTION("a mark from an earlier boot: never before it plus the time since this boot") {
    // A power cut; the box boots in 1970 and has been up 45 s.
    CHECK(StationNow(kJan1970, 45'000, "boot-b", mark) == kCountyNow + 45);
    // A box whose clock is later than that is believed (it may have been off for days).
    CHECK(StationNow(kCountyNow + 3 * 86'400, 45'000, "boot-b", mark) == kCountyNow + 3 * 86'400);
  }
}

TEST_CASE("a county time mark is written as three fields and anything else is refused", "[sync]") {
  const CountyTimeMark mark{kCountyNow, 123'456, "0b5f2d6e-1c3a-4a0e-9d1b-8f1e2a3b4c5d"};
  CHECK(ParseCountyTimeMark(FormatCountyTimeMark(mark)) == mark);
  for (const char* bad : {"", "\n", "1796000000", "1796000000 123", "x 1 b", "1796000000 x b", "1796000000 -5 b",
                          "1796000000 2 b c", "1796000000 123 ", "\xff\xfe", "5 2 b", "1796000000000 2 b",
                          "9223372036854775807 2 b", "1796000000 9223372036854775807 b"}) {
    INFO(bad);
    CHECK_FALSE(ParseCountyTimeMark(bad).has_value());
  }
}

TEST_CASE("a StationClock keeps the county's time for the other processes of this boot, and after a reboot "
          "as a floor",
          "[sync]") {
  test::ScratchDir dir;
  const std::string mark_path = CountyTimeMarkPath(dir.path());
  ManualClock box(kJan1970);  // no clock battery
  FakeBootClock boot("boot-a");
  StationClock clock(mark_path, box, boot);
  CHECK(clock.NowSeconds() == kJan1970);
  CHECK(clock.SystemErrorSeconds() == 0);

  clock.HeardCountyTime(kCountyNow);
  CHECK(clock.NowSeconds() == kCountyNow);
  CHECK(clock.SystemErrorSeconds() == kJan1970 - kCountyNow);
  boot.AdvanceMs(10'000);
  box.Advance(10);
  CHECK(clock.NowSeconds() == kCountyNow + 10);

  SECTION("the kiosk and kiosk-sync share it through the file") {
    StationClock other(mark_path, box, boot);
    CHECK(other.NowSeconds() == kCountyNow + 10);
  }
  SECTION("the same county time again is not written again") {
    REQUIRE(base::WriteFileDurably(mark_path, "written by the test\n").ok());
    clock.HeardCountyTime(kCountyNow + 10);  // as predicted: nothing to write
    CHECK(*base::ReadFile(mark_path) == "written by the test\n");
    clock.HeardCountyTime(kCountyNow + 25);  // the county's clock moved 15 s: written
    CHECK(ParseCountyTimeMark(*base::ReadFile(mark_path)) == CountyTimeMark{kCountyNow + 25, 40'000, "boot-a"});
  }
  SECTION("a county clock before 2020 or after 2100 (milliseconds, say) is broken, not followed") {
    clock.HeardCountyTime(1'000'000);
    clock.HeardCountyTime(kCountyNow * 1000);
    clock.HeardCountyTime(std::numeric_limits<std::int64_t>::max());
    CHECK(clock.NowSeconds() == kCountyNow + 10);
  }
  SECTION("a running clock follows a mark another process wrote, within a second") {
    StationClock kiosk(mark_path, box, boot);
    CHECK(kiosk.NowSeconds() == kCountyNow + 10);
    StationClock kiosk_sync(mark_path, box, boot);
    kiosk_sync.HeardCountyTime(kCountyNow + 70);  // the county's clock was a minute ahead of the mark
    CHECK(kiosk.NowSeconds() == kCountyNow + 10);  // read less than a second ago
    boot.AdvanceMs(1000);
    CHECK(kiosk.NowSeconds() == kCountyNow + 71);
  }
  SECTION("the mark is carried forward while the station runs, so a power cut days later keeps a recent floor") {
    for (int minutes = 0; minutes < 3 * 24 * 60; minutes += 5) {  // three days unheard, the kiosk looking
      boot.AdvanceMs(5 * 60'000);
      clock.NowSeconds();
    }
    const std::int64_t last = clock.NowSeconds();
    CHECK(last == kCountyNow + 10 + 3 * 86'400);
    FakeBootClock rebooted("boot-b");  // up 30 s
    ManualClock box_again(kJan1970);
    StationClock after(mark_path, box_again, rebooted);
    CHECK(after.NowSeconds() >= last - 10 * 60 + 30);
    CHECK(after.NowSeconds() <= last + 30);
  }
  SECTION("after a reboot the box says 1970 again: the station's time is at least the mark plus the uptime") {
    FakeBootClock rebooted("boot-b");
    ManualClock box_again(kJan1970);
    StationClock after(mark_path, box_again, rebooted);
    CHECK(after.NowSeconds() == kCountyNow + 30);  // the fake boot clock starts at 30 s
    after.HeardCountyTime(kCountyNow + 7200);      // the county: two hours later
    CHECK(after.NowSeconds() == kCountyNow + 7200);
    StationClock kiosk_sync(mark_path, box_again, rebooted);
    CHECK(kiosk_sync.NowSeconds() == kCountyNow + 7200);
  }
  SECTION("a damaged mark file is ignored") {
    REQUIRE(base::WriteFileDurably(mark_path, "\x01\x02 garbage").ok());
    StationClock fresh(mark_path, box, boot);
    CHECK(fresh.NowSeconds() == box.NowSeconds());
  }
}
