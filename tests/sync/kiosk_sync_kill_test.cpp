// kill -9 of the real kiosk-sync process at random moments while it
// delivers reports to the real county server, many times; then one clean
// run. Every report must be acknowledged at the station and held exactly
// once, byte for byte, at the county.

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "store/sql.h"
#include "sync/clock.h"
#include "sync/file_system.h"
#include "sync/sync_engine.h"
#include "sync/outbox_queue.h"
#include "tests/base/scratch_dir.h"
#include "tests/sync/county_fixture.h"
#include "tests/sync/running_engine.h"

extern char** environ;

namespace {

using namespace station_sync;

pid_t SpawnKioskSync(const std::string& data_dir, bool once = true) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<std::string> args = {KIOSK_SYNC, "--data", data_dir, "--log-level", "error"};
  if (once) args.push_back("--once");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  REQUIRE(::posix_spawn(&pid, KIOSK_SYNC, &actions, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

ReportState StateOf(test::StationFixture& station, const std::string& report_id) {
  base::Result<QueuedReport> report =
      OutboxQueue(station.store(), PosixFileSystem(), station.data_dir() + "/outbox").Get(report_id);
  REQUIRE(report.ok());
  return report->state;
}

// A report with a 1.5 MB photo at a station capped to 50 kB/s: half a
// minute to go up, so a run can be caught in the middle of it.
SubmittedReport FileSlowReport(test::StationFixture& station, std::uint64_t seed) {
  const SubmittedReport report = station.File(1, 1'500'000, seed);
  station.CloseOutbox();
  station.CapBandwidth(50'000);
  return report;
}

}  // namespace

TEST_CASE("kill -9 of kiosk-sync at random moments, then a clean run: every report once at the county",
          "[sync][slow]") {
  constexpr int kReports = 200;  // enough that delivery spans many kills (the county takes 500+/s)
  constexpr int kKills = 60;
  test::ScratchDir dir;
  test::CountyFixture county(dir.File("county"));
  test::StationFixture station(dir.File("station"), county.url(), county.NewEnrolCode());
  std::vector<SubmittedReport> reports;
  for (int i = 0; i < kReports; ++i) reports.push_back(station.File(i % 2, 24'000, 500 + i));
  station.CloseOutbox();

  auto acknowledged = [&] {
    auto count = store::sql::Statement::Prepare(
        station.store().handle(), "SELECT COUNT(*) FROM reports WHERE status = 'acknowledged'");
    REQUIRE(count.ok());
    REQUIRE(*count->Step());
    return count->Int(0);
  };
  // Calibration: how long until a run acknowledges its first report (start-
  // up, lock, enrolment read, first uploads), so that kills land during
  // delivery and not all before it. That run is killed too.
  const auto started = std::chrono::steady_clock::now();
  const pid_t first = SpawnKioskSync(station.data_dir());
  while (acknowledged() == 0 && std::chrono::steady_clock::now() - started < std::chrono::seconds(20)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const auto first_ack_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
  ::kill(first, SIGKILL);
  int first_status = 0;
  REQUIRE(::waitpid(first, &first_status, 0) == first);
  REQUIRE(acknowledged() > 0);

  std::mt19937_64 random(5);
  int killed_while_running = 0;
  int kills_during_delivery = 0;  // some reports still unacknowledged after it
  for (int kill = 0; kill < kKills; ++kill) {
    const pid_t pid = SpawnKioskSync(station.data_dir());
    std::this_thread::sleep_for(std::chrono::microseconds(first_ack_us / 2 + random() % (first_ack_us + 1)));
    if (::kill(pid, SIGKILL) == 0) ++killed_while_running;
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    const std::int64_t done = acknowledged();
    if (done < kReports) ++kills_during_delivery;
  }

  // The clean run delivers whatever is left and says so with exit code 0.
  const pid_t pid = SpawnKioskSync(station.data_dir());
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  INFO(killed_while_running << " of " << kKills << " runs killed while running");
  INFO(kills_during_delivery << " kills left reports undelivered");
  CHECK(killed_while_running >= kKills / 2);
  CHECK(kills_during_delivery >= 10);

  OutboxQueue queue(station.store(), PosixFileSystem(), station.data_dir() + "/outbox");
  base::Result<std::vector<county::ReportRow>> rows = county.store().Reports();
  REQUIRE(rows.ok());
  std::map<std::string, std::string> at_county;
  for (const county::ReportRow& row : *rows) {
    INFO("report " << row.report_id);
    CHECK(at_county.emplace(row.report_id, row.envelope).second);  // never twice
  }
  CHECK(at_county.size() == reports.size());
  for (const SubmittedReport& r : reports) {
    base::Result<QueuedReport> queued = queue.Get(r.report_id);
    REQUIRE(queued.ok());
    CHECK(queued->state == ReportState::kAcknowledged);
    REQUIRE(at_county.count(r.report_id) == 1);
    CHECK(Sha256Hex(at_county.at(r.report_id)) == queued->envelope_sha256);
  }
}

TEST_CASE("SIGTERM stops kiosk-sync within seconds, also in the middle of a slow upload, which goes on from "
          "there next time",
          "[sync]") {
  test::ScratchDir dir;
  test::CountyFixture county(dir.File("county"));
  test::StationFixture station(dir.File("station"), county.url(), county.NewEnrolCode());
  const SubmittedReport report = FileSlowReport(station, 31);
  const std::string photo_sha = station.PhotoSha(report.report_id);

  for (const bool once : {false, true}) {
    INFO((once ? "kiosk-sync --once (cron)" : "kiosk-sync as a service"));
    const std::uint64_t before = county.store().Upload(photo_sha).received;
    const pid_t pid = SpawnKioskSync(station.data_dir(), once);
    REQUIRE(county.WaitForUploadBeyond(photo_sha, before));  // this run has put more of it up
    const auto asked = std::chrono::steady_clock::now();
    REQUIRE(::kill(pid, SIGTERM) == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(std::chrono::steady_clock::now() - asked < std::chrono::seconds(3));
    REQUIRE(WIFEXITED(status));  // it ended by itself, not by the signal
    if (once) CHECK(WEXITSTATUS(status) == 1);  // not everything delivered
    if (!once) CHECK(WEXITSTATUS(status) == 0);
    CHECK(StateOf(station, report.report_id) != ReportState::kAcknowledged);
    auto after = ReadSyncStatus(station.store(), SystemClock().NowSeconds());
    REQUIRE(after.ok());
    CHECK(after->round_failures == 0);  // a stop is no failed round
  }
  // Without the cap, a clean run finishes the report: once at the county.
  station.CapBandwidth(0);
  const pid_t pid = SpawnKioskSync(station.data_dir());
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(StateOf(station, report.report_id) == ReportState::kAcknowledged);
  CHECK(county.store().Reports()->size() == 1);
}

TEST_CASE("kiosk-sync does not run a round while the kiosk's engine runs one: it says so with exit code 3",
          "[sync]") {
  test::ScratchDir dir;
  test::CountyFixture county(dir.File("county"));
  test::StationFixture station(dir.File("station"), county.url(), county.NewEnrolCode());
  const SubmittedReport report = FileSlowReport(station, 32);

  SyncOptions options;
  options.data_dir = station.data_dir();
  options.skip_content = true;
  test::RunningEngine kiosk_engine(station.store(), options);  // as inside the kiosk
  REQUIRE(county.WaitForUploadBeyond(station.PhotoSha(report.report_id), 0));  // its round is under way
  const pid_t pid = SpawnKioskSync(station.data_dir());
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 3);
  CHECK(county.store().Reports()->empty());  // the kiosk's round is still on the photo
}
