// The sync engine's pure parts (window, stuck reports, what counts as the
// county's answer) and, with the real county server on 127.0.0.1 and real
// libcurl, a whole round: enrol, deliver, events, status, and the clock.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "base/files.h"
#include "base/log.h"
#include "base/version.h"
#include "county/console.h"
#include "store/store.h"
#include "sync/delivery.h"
#include "sync/enrolment.h"
#include "sync/clock.h"
#include "sync/file_system.h"
#include "sync/outbox.h"
#include "sync/outbox_queue.h"
#include "sync/sync_engine.h"
#include "sync/ticket_code.h"
#include "tests/base/scratch_dir.h"
#include "tests/sync/county_fixture.h"
#include "tests/sync/report_fixture.h"
#include "tests/sync/running_engine.h"

namespace {

using namespace station_sync;

constexpr std::int64_t kMidnightUtc = 1795132800;  // 2026-11-18 00:00:00 UTC
constexpr int kBeijing = 8 * 60;

std::int64_t LocalTime(int hours, int minutes) {  // that day, Beijing time
  return kMidnightUtc - kBeijing * 60 + hours * 3600 + minutes * 60;
}

}  // namespace

TEST_CASE("a sync window is read from HH:MM-HH:MM and may wrap midnight", "[sync]") {
  SECTION("nights only") {
    base::Result<SyncWindow> window = ParseSyncWindow("22:00-06:00");
    REQUIRE(window.ok());
    CHECK(InSyncWindow(*window, LocalTime(23, 0), kBeijing));
    CHECK(InSyncWindow(*window, LocalTime(2, 30), kBeijing));
    CHECK(InSyncWindow(*window, LocalTime(22, 0), kBeijing));
    CHECK_FALSE(InSyncWindow(*window, LocalTime(6, 0), kBeijing));
    CHECK_FALSE(InSyncWindow(*window, LocalTime(12, 0), kBeijing));
    CHECK(NextWindowOpen(*window, LocalTime(23, 0), kBeijing) == LocalTime(23, 0));
    CHECK(NextWindowOpen(*window, LocalTime(12, 0), kBeijing) == LocalTime(22, 0));
    CHECK(NextWindowOpen(*window, LocalTime(21, 59) + 30, kBeijing) == LocalTime(22, 0));
    CHECK(WindowCloses(*window, LocalTime(23, 0), kBeijing) == LocalTime(6, 0) + 24 * 3600);
    CHECK(WindowCloses(*window, LocalTime(2, 30) + 17, kBeijing) == LocalTime(6, 0));
    CHECK_FALSE(WindowCloses(*window, LocalTime(12, 0), kBeijing).has_value());
  }
  SECTION("lunch time, not wrapping") {
    base::Result<SyncWindow> window = ParseSyncWindow("12:00-13:30");
    REQUIRE(window.ok());
    CHECK(InSyncWindow(*window, LocalTime(12, 45), kBeijing));
    CHECK_FALSE(InSyncWindow(*window, LocalTime(13, 30), kBeijing));
    // After today's window: tomorrow's.
    CHECK(NextWindowOpen(*window, LocalTime(14, 0), kBeijing) == LocalTime(12, 0) + 24 * 3600);
    CHECK(WindowCloses(*window, LocalTime(12, 45), kBeijing) == LocalTime(13, 30));
  }
  SECTION("empty means any time") {
    base::Result<SyncWindow> window = ParseSyncWindow("");
    REQUIRE(window.ok());
    CHECK(window->always());
    CHECK(InSyncWindow(*window, LocalTime(15, 0), kBeijing));
    CHECK_FALSE(WindowCloses(*window, LocalTime(15, 0), kBeijing).has_value());
  }
  SECTION("anything else is refused") {
    const char* text = GENERATE("22-06", "25:00-06:00", "22:00", "22:00-6:00", "aa:bb-cc:dd", "22:60-01:00");
    CHECK_FALSE(ParseSyncWindow(text).ok());
  }
}

TEST_CASE("a report undelivered for more than a day is stuck", "[sync]") {
  const std::int64_t now = kMidnightUtc;
  std::vector<UndeliveredReport> reports = {
      {"a", "T1", now - 25 * 3600, 7, "no answer", std::nullopt},
      {"b", "T2", now - 23 * 3600, 3, "", std::nullopt},
      {"c", "T3", now + 3600, 0, "", std::nullopt},  // clock went backwards since
  };
  const std::vector<UndeliveredReport> stuck = StuckReports(reports, now);
  REQUIRE(stuck.size() == 1);
  CHECK(stuck[0].report_id == "a");
}

TEST_CASE("only the county's own answers count", "[sync]") {
  HttpResponse response;
  response.status = 200;
  response.body = R"({"protocol":"village-station/1","status":"acknowledged"})";
  SECTION("a captive portal's 200 page is not the county") {
    response.headers = {{"content-type", "text/html"}};
    response.body = "<html><body>Log in to the wifi</body></html>";
    CHECK_FALSE(ReadCountyResponse(response, 0).ok());
  }
  SECTION("the header without the JSON marker is not the county") {
    response.headers = {{"x-village-protocol", "1"}};
    response.body = R"({"status":"acknowledged"})";
    CHECK_FALSE(ReadCountyResponse(response, 0).ok());
  }
  SECTION("the marker without the header is not the county") {
    CHECK_FALSE(ReadCountyResponse(response, 0).ok());
  }
  SECTION("header and marker: the county, with its clock and Retry-After") {
    response.status = 429;
    response.body = R"({"protocol":"village-station/1","error":"overloaded"})";
    response.headers = {{"x-village-protocol", "1"}, {"x-server-time", "1795132800"},
                        {"retry-after", "7"}};
    base::Result<CountyResponse> answer = ReadCountyResponse(response, 0);
    REQUIRE(answer.ok());
    CHECK(answer->status == 429);
    CHECK(answer->error == "overloaded");
    CHECK(answer->retry_after_s == 7);
    CHECK(answer->server_time_s == 1795132800);
  }
  SECTION("a 304 has no body") {
    response.status = 304;
    response.body.clear();
    response.headers = {{"x-village-protocol", "1"}, {"etag", "\"ev-0-3\""}};
    base::Result<CountyResponse> answer = ReadCountyResponse(response, 0);
    REQUIRE(answer.ok());
    CHECK(answer->etag == "\"ev-0-3\"");
  }
}

TEST_CASE("a round's problems are kept as codes the admin area can say in its own language", "[sync]") {
  const std::vector<SyncProblem> problems = {
      MakeProblem(problem::kReportsNotDelivered, "report: couldn't connect", 3),
      MakeProblem(problem::kCountyBusy, "", 120),
      MakeProblem(problem::kUnreachable, "ratings: couldn't connect \xff")};  // bytes that are not UTF-8
  const std::vector<SyncProblem> read = ParseProblems(ProblemsJson(problems));
  REQUIRE(read.size() == 3);
  CHECK(read[0] == problems[0]);
  CHECK(read[1] == problems[1]);
  CHECK(read[2].code == problem::kUnreachable);
  CHECK(ProblemsText(read).rfind("3 report(s) not delivered; retrying: report: couldn't connect; "
                                 "the county is busy: again in 120 s or later; ratings: couldn't connect",
                                 0) == 0);
  // What an older station stored, or a damaged row, reads as no problems.
  CHECK(ParseProblems("").empty());
  CHECK(ParseProblems("{\"code\":\"x\"}").empty());
  CHECK(ParseProblems(R"([{"count":2},{"code":"county_busy","count":"lots","detail":7}])") ==
        std::vector<SyncProblem>{MakeProblem(problem::kCountyBusy)});
}

namespace {

// Polls the station's status (through a connection of its own, as the
// kiosk's admin area does) until `done` says so or 30 s pass.
template <typename Done>
SyncStatus WaitForStatus(const std::string& db_path, Done done) {
  auto reader = store::Store::Open(db_path);
  REQUIRE(reader.ok());
  SyncStatus status;
  for (int i = 0; i < 300; ++i) {
    auto read = ReadSyncStatus(**reader, SystemClock().NowSeconds());
    REQUIRE(read.ok());
    status = *read;
    if (done(status)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return status;
}

// A window that opens an hour from now, Beijing time: closed now.
std::string ClosedWindow() {
  const std::int64_t local = SystemClock().NowSeconds() + kBeijing * 60;
  const int start = static_cast<int>((local / 60 + 60) % (24 * 60));
  const int end = (start + 60) % (24 * 60);
  char text[16];
  std::snprintf(text, sizeof text, "%02d:%02d-%02d:%02d", start / 60, start % 60, end / 60, end % 60);
  return text;
}

}  // namespace

TEST_CASE("outside the sync window, a code typed at the station enrols it and sync now runs at once",
          "[sync]") {
  test::ScratchDir county_dir;
  test::CountyFixture county(county_dir.path());
  test::ScratchDir station;
  const std::string db_path = station.File("station.db");
  auto db = store::Store::Open(db_path);
  REQUIRE(db.ok());
  REQUIRE((*db)->SetSetting("sync.county_server", county.url()).ok());
  REQUIRE((*db)->SetSetting("sync.window", ClosedWindow()).ok());
  REQUIRE((*db)->SetSetting("station.utc_offset_minutes", std::to_string(kBeijing)).ok());

  SyncOptions options;
  options.data_dir = station.path();
  options.skip_content = true;
  test::RunningEngine engine(**db, options);

  // The window is closed: nothing happens by itself.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  SyncStatus before = WaitForStatus(db_path, [](const SyncStatus&) { return true; });
  CHECK_FALSE(before.last_round_at_s.has_value());
  CHECK_FALSE(before.enrolled);

  auto admin = store::Store::Open(db_path);  // the admin area's connection
  REQUIRE(admin.ok());
  REQUIRE(RequestEnrolment(**admin, county.NewEnrolCode()).ok());
  // The round that enrolled has ended once it recorded its time.
  SyncStatus enrolled = WaitForStatus(db_path, [](const SyncStatus& s) {
    return s.enrolled && !s.enrolment_pending && s.last_round_at_s.has_value();
  });
  CHECK(enrolled.enrolled);
  CHECK_FALSE(enrolled.enrolment_pending);
  CHECK_FALSE(enrolled.sync_now_pending);
  REQUIRE(enrolled.last_round_at_s.has_value());
  const std::string station_id = enrolled.station_id;

  SECTION("a wrong code is refused with the reason, and the enrolment before it holds") {
    REQUIRE(RequestEnrolment(**admin, "2222222222").ok());
    SyncStatus refused = WaitForStatus(db_path, [](const SyncStatus& s) {
      return !s.enrolment_pending && s.last_error.find("enrolment") != std::string::npos;
    });
    CHECK(refused.last_error.find("enrolment") != std::string::npos);
    REQUIRE_FALSE(refused.last_problems.empty());
    CHECK(refused.last_problems[0].code == problem::kEnrolmentRefused);
    CHECK(refused.enrolled);
    CHECK(refused.station_id == station_id);
  }
  SECTION("sync now starts a round within seconds, window or not") {
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // rounds are timed in seconds
    REQUIRE(RequestSyncNow(**admin).ok());
    SyncStatus again = WaitForStatus(db_path, [&](const SyncStatus& s) {
      return !s.sync_now_pending && s.last_round_at_s > enrolled.last_round_at_s;
    });
    CHECK(again.last_round_at_s > enrolled.last_round_at_s);
    CHECK(again.last_error.empty());
  }
}

namespace {

// The real county through real libcurl, except that requests whose path
// starts with `busy_path` are answered as a county under load answers them:
// 429, Retry-After, the protocol's error body. Records every request's path.
class BusyOnPath : public HttpTransport {
 public:
  BusyOnPath(const TransportLimits& limits, std::string busy_path, int retry_after_s,
             std::vector<std::string>& seen)
      : real_(MakeCurlTransport(limits)), busy_path_(std::move(busy_path)), retry_after_s_(retry_after_s), seen_(seen) {}

  base::Result<HttpResponse> Send(const HttpRequest& request) override {
    const std::string path = request.url.substr(request.url.find("/v1/"));
    seen_.push_back(path);
    if (path.rfind(busy_path_, 0) != 0) return real_->Send(request);
    HttpResponse busy;
    busy.status = 429;
    busy.headers = {{"x-village-protocol", "1"}, {"content-type", "application/json"},
                    {"retry-after", std::to_string(retry_after_s_)}};
    busy.body = R"({"protocol":"village-station/1","error":"overloaded","message":"busy"})";
    return busy;
  }

 private:
  std::unique_ptr<HttpTransport> real_;
  std::string busy_path_;
  int retry_after_s_;
  std::vector<std::string>& seen_;
};

}  // namespace

TEST_CASE("a county that asks for a wait is asked nothing more that round, and the next round waits for it",
          "[sync]") {
  test::CountyAndStation world;
  test::CountyFixture& county = world.county;
  test::StationFixture& station = world.station;
  station.File(0, 0, 1);

  std::vector<std::string> seen;
  SyncOptions options;
  options.data_dir = station.data_dir();
  options.server_url = county.url();
  options.content_down = [&](CountyConnection&) {
    seen.push_back("content");
    return base::Ok();
  };
  options.make_transport = [&](const TransportLimits& limits) {
    return std::make_unique<BusyOnPath>(limits, "/v1/events", 600, seen);
  };
  ManualClock clock(SystemClock().NowSeconds());
  SyncEngine engine(station.store(), PosixFileSystem(), clock, options);
  base::Result<RoundResult> round = engine.RunRound();
  REQUIRE(round.ok());
  CHECK(round->ran);
  CHECK(round->delivery.reports_acknowledged == 1);  // what came before the 429 went through
  CHECK(round->retry_after_s == 600);
  CHECK_FALSE(round->everything_delivered);
  // Nothing after the events: no health, no content.
  REQUIRE_FALSE(seen.empty());
  CHECK(seen.back().rfind("/v1/events", 0) == 0);
  CHECK(std::count(seen.begin(), seen.end(), "content") == 0);

  auto status = ReadSyncStatus(station.store(), clock.NowSeconds());
  REQUIRE(status.ok());
  REQUIRE(status->next_try_at_s.has_value());
  CHECK(*status->next_try_at_s >= clock.NowSeconds() + 600);
  CHECK(status->last_error.find("busy") != std::string::npos);
  CHECK(std::count(status->last_problems.begin(), status->last_problems.end(),
                   MakeProblem(problem::kCountyBusy, "", 600)) == 1);

  SECTION("a report due sooner does not pull the round before the county's wait") {
    station.File(0, 0, 2);
    RoundResult last;
    last.retry_after_s = 600;
    CHECK(engine.NextRoundAt(last, clock.NowSeconds(), 1) >= clock.NowSeconds() + 600);
    CHECK(engine.NextRoundAt(RoundResult{}, clock.NowSeconds(), 1) < clock.NowSeconds() + 600);
  }
}

TEST_CASE("county IT sees each station's health: version, disk, and every logged problem once", "[sync]") {
  test::CountyAndStation world;
  test::CountyFixture& county = world.county;
  test::StationFixture& station = world.station;
  REQUIRE(base::MakeDirectories(station.data_dir() + "/logs").ok());
  const std::string log_path = station.data_dir() + "/logs/station.log";
  const auto append_log = [&](const std::string& level_and_text) {
    const std::string line = base::LogTimestampNow() + " " + level_and_text + "\n";
    base::Result<std::string> before = base::ReadFile(log_path);
    const std::string text = before.ok() ? *before : "";
    REQUIRE(base::WriteFileDurably(log_path, text + line).ok());
  };
  append_log("I kiosk: started");
  append_log("E media: camera /dev/video0: no such device");

  SyncOptions options;
  options.data_dir = station.data_dir();
  options.skip_content = true;
  SyncEngine engine(station.store(), PosixFileSystem(), SystemClock(), options);
  REQUIRE(engine.RunRound().ok());

  const std::int64_t now = SystemClock().NowSeconds();
  auto rows = county::ListStations(county.store(), now);
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 1);
  const county::StationRow& row = rows->front();
  CHECK(row.version == base::StationVersion());
  REQUIRE(row.free_disk_bytes.has_value());
  CHECK(*row.free_disk_bytes > 0);
  REQUIRE(row.clock_offset_s.has_value());
  CHECK(std::llabs(*row.clock_offset_s) <= 5);
  CHECK(row.last_heard_at >= now - 5);
  REQUIRE(row.problems.size() == 1);
  CHECK(row.problems[0].find("E media: camera /dev/video0: no such device") != std::string::npos);
  CHECK(std::find(row.attention.begin(), row.attention.end(), "1 new problem(s)") != row.attention.end());

  SECTION("the next round reports only what was logged since") {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // a later log timestamp
    append_log("W player: lesson 7 failed to open: truncated file");
    REQUIRE(engine.RunRound().ok());
    auto again = county::ListStations(county.store(), now);
    REQUIRE(again.ok());
    const std::vector<std::string>& problems = again->front().problems;  // newest report first
    REQUIRE(problems.size() == 2);
    CHECK(problems[0].find("lesson 7 failed to open") != std::string::npos);
    CHECK(problems[1].find("camera") != std::string::npos);
  }
  SECTION("a station silent for days is named") {
    auto later = county::ListStations(county.store(), now + 5 * 86400);
    REQUIRE(later.ok());
    const std::vector<std::string>& attention = later->front().attention;
    CHECK(std::find(attention.begin(), attention.end(), "silent 5 days") != attention.end());
  }
}

TEST_CASE("a box whose clock says 1970 takes the county's time from its first answer, and stamps reports with it",
          "[sync]") {
  test::ScratchDir county_dir;
  test::CountyFixture county(county_dir.path());
  test::ScratchDir station;
  auto db = store::Store::Open(station.File("station.db"));
  REQUIRE(db.ok());
  ManualClock box(2 * 86'400);  // no clock battery: 1970-01-03
  StationClock clock(CountyTimeMarkPath(station.path()), box, SystemBootClock());

  SyncOptions options;
  options.data_dir = station.path();
  options.server_url = county.url();
  options.skip_content = true;
  SyncEngine engine(**db, PosixFileSystem(), clock, options);
  REQUIRE(engine.Enrol(county.NewEnrolCode()).ok());
  const std::int64_t county_now = SystemClock().NowSeconds();
  CHECK(std::llabs(clock.NowSeconds() - county_now) <= 5);
  CHECK(std::llabs(clock.SystemErrorSeconds() - (2 * 86'400 - county_now)) <= 5);

  auto config = LoadOutboxConfig(**db, PosixFileSystem(), station.path());
  REQUIRE(config.ok());
  auto outbox = Outbox::Open(**db, PosixFileSystem(), clock, std::move(*config));
  REQUIRE(outbox.ok());
  auto filed = (*outbox)->Finalise(test::MakeDraft(**outbox, 1, 2000, 0, 7));
  REQUIRE(filed.ok());
  CHECK(std::llabs(filed->saved_at_s - county_now) <= 5);
  REQUIRE(filed->due.reply_due_s.has_value());  // deadlines, which a 1970 stamp would not have
  CHECK(*filed->due.reply_due_s >= county_now + 23 * 3600);

  auto round = engine.RunRound();
  REQUIRE(round.ok());
  CHECK(round->everything_delivered);
  auto status = ReadSyncStatus(**db, clock.NowSeconds());
  REQUIRE(status.ok());
  REQUIRE(status->last_round_at_s.has_value());
  CHECK(std::llabs(*status->last_round_at_s - county_now) <= 5);
  REQUIRE(status->clock_offset_s.has_value());
  CHECK(std::llabs(*status->clock_offset_s) <= 2);  // the station's time is the county's

  // The kiosk started again in this boot (or kiosk-sync beside it) reads the same time.
  StationClock restarted(CountyTimeMarkPath(station.path()), box, SystemBootClock());
  CHECK(std::llabs(restarted.NowSeconds() - county_now) <= 5);
}

namespace {

// A report whose try failed in a round that ended at `now` (by the clock
// before it went back), its retry planned 10 minutes on.
SubmittedReport FailedInARoundAt(test::StationFixture& station, std::int64_t now, std::uint64_t seed) {
  const SubmittedReport filed = station.File(1, 2000, seed);
  OutboxQueue queue(station.store(), PosixFileSystem(), station.data_dir() + "/outbox");
  REQUIRE(queue.BeginSending(filed.report_id).ok());
  REQUIRE(queue.MarkFailed(filed.report_id, now + 600, "link down").ok());
  REQUIRE(station.store().Exec("UPDATE sync_state SET last_round_at = " + std::to_string(now)).ok());
  station.CloseOutbox();
  return filed;
}

}  // namespace

TEST_CASE("a clock that goes back stops neither the rounds nor a report's retry", "[sync]") {
  test::CountyAndStation world;
  test::CountyFixture& county = world.county;
  test::StationFixture& station = world.station;
  const std::int64_t now = SystemClock().NowSeconds();
  const SubmittedReport filed = FailedInARoundAt(station, now, 11);
  // and the next round planned 15 minutes on, by the same clock
  REQUIRE(station.store().Exec("UPDATE sync_state SET next_round_at = " + std::to_string(now + 900)).ok());

  std::int64_t jump_s = 0;
  SECTION("years: a power cut, a box without a clock battery") { jump_s = 3 * 365 * 86'400; }
  SECTION("an hour: an administrator setting the clock") { jump_s = 3600; }
  ManualClock gone_back(now - jump_s);
  SyncOptions options;
  options.data_dir = station.data_dir();
  options.skip_content = true;
  test::RunningEngine engine(station.store(), options, gone_back);
  SyncStatus delivered = WaitForStatus(station.data_dir() + "/station.db", [&](const SyncStatus& s) {
    return s.last_round_at_s == gone_back.NowSeconds() && s.undelivered_count == 0;
  });
  CHECK(delivered.undelivered_count == 0);
  CHECK(delivered.last_round_at_s == gone_back.NowSeconds());
  auto reports = county::ListReports(county.store());
  REQUIRE(reports.ok());
  REQUIRE(reports->size() == 1);
  CHECK(reports->front().report_id == filed.report_id);
}

TEST_CASE("a single round (kiosk-sync --once) after the clock went back an hour sends a report whose retry "
          "the later clock planned",
          "[sync]") {
  test::CountyAndStation world;
  test::StationFixture& station = world.station;
  const std::int64_t now = SystemClock().NowSeconds();
  FailedInARoundAt(station, now, 13);

  ManualClock gone_back(now - 3600);
  SyncOptions options;
  options.data_dir = station.data_dir();
  options.skip_content = true;
  SyncEngine engine(station.store(), PosixFileSystem(), gone_back, options);
  auto round = engine.RunRound();
  REQUIRE(round.ok());
  CHECK(round->delivery.reports_acknowledged == 1);
  auto reports = county::ListReports(world.county.store());
  REQUIRE(reports.ok());
  CHECK(reports->size() == 1);
}

TEST_CASE("a county that asks for a three-day wait is asked again within a day, and not at once", "[sync]") {
  test::CountyAndStation world;
  test::StationFixture& station = world.station;
  station.File(1, 2000, 12);
  station.CloseOutbox();
  std::vector<std::string> seen;
  SyncOptions options;
  options.data_dir = station.data_dir();
  options.skip_content = true;
  options.make_transport = [&seen](const TransportLimits& limits) {
    return std::make_unique<BusyOnPath>(limits, "/v1/", 3 * 86'400, seen);  // down for maintenance
  };
  const std::int64_t now = SystemClock().NowSeconds();
  {
    test::RunningEngine engine(station.store(), options);
    std::this_thread::sleep_for(std::chrono::seconds(3));
  }
  CHECK(seen.size() <= 2);  // one round's first request, not one round after another
  auto status = ReadSyncStatus(station.store(), now);
  REQUIRE(status.ok());
  REQUIRE(status->next_try_at_s.has_value());
  CHECK(*status->next_try_at_s >= now + 86'400 - 5);
  CHECK(*status->next_try_at_s <= now + 86'400 + 5);
}

TEST_CASE("a report damaged at the station stops none of the round's other steps, and is no link failure",
          "[sync]") {
  test::CountyAndStation world;
  test::CountyFixture& county = world.county;
  test::StationFixture& station = world.station;
  const SubmittedReport filed = station.File(1, 20'000, 23);
  station.CloseOutbox();
  // Its photo, cut in half on the station's disk (a bad sector, a careless hand).
  OutboxQueue queue(station.store(), PosixFileSystem(), station.data_dir() + "/outbox");
  auto queued = queue.Get(filed.report_id);
  REQUIRE(queued.ok());
  REQUIRE(queued->blobs.size() == 2);
  const std::string photo = queued->directory + "/" + queued->blobs[1].sha256_hex;
  auto bytes = base::ReadFile(photo);
  REQUIRE(bytes.ok());
  REQUIRE(base::WriteFileDurably(photo, bytes->substr(0, bytes->size() / 2)).ok());

  SyncOptions options;
  options.data_dir = station.data_dir();
  options.skip_content = true;
  SyncEngine engine(station.store(), PosixFileSystem(), SystemClock(), options);
  auto round = engine.RunRound();
  REQUIRE(round.ok());
  CHECK(round->delivery.reports_failed == 1);
  CHECK_FALSE(round->delivery.last_report_failure_was_link);
  CHECK(round->delivery.last_report_failure.find("damaged at the station") != std::string::npos);
  // The round went on: the station's health reached the county.
  auto rows = county::ListStations(county.store(), SystemClock().NowSeconds());
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 1);
  CHECK(rows->front().version == base::StationVersion());
  auto status = ReadSyncStatus(station.store(), SystemClock().NowSeconds());
  REQUIRE(status.ok());
  for (const SyncProblem& p : status->last_problems) CHECK(p.code != problem::kUnreachable);
  CHECK(status->undelivered_count == 1);  // kept, never dropped
}

TEST_CASE("enrolling again with the code the station enrolled with asks the county nothing and keeps the enrolment",
          "[sync]") {
  test::ScratchDir county_dir;
  test::CountyFixture county(county_dir.path());
  test::ScratchDir station;
  auto db = store::Store::Open(station.File("station.db"));
  REQUIRE(db.ok());
  std::vector<std::string> seen;
  SyncOptions options;
  options.data_dir = station.path();
  options.server_url = county.url();
  options.skip_content = true;
  options.make_transport = [&seen](const TransportLimits& limits) {
    return std::make_unique<BusyOnPath>(limits, "/v1/never", 1, seen);  // the real county, paths noted
  };
  SyncEngine engine(**db, PosixFileSystem(), SystemClock(), options);
  const std::string code = county.NewEnrolCode();
  auto first = engine.Enrol(code);
  REQUIRE(first.ok());
  REQUIRE(engine.RunRound().ok());
  seen.clear();

  auto again = engine.Enrol(station_sync::FormatTicketCode(code));  // typed with its spaces, as on paper
  REQUIRE(again.ok());
  CHECK(again->station_id == first->station_id);
  CHECK(again->token == first->token);
  CHECK(std::count(seen.begin(), seen.end(), "/v1/enrol") == 0);
  auto round = engine.RunRound();  // the old token still works
  REQUIRE(round.ok());
  CHECK(round->everything_delivered);

  SECTION("another code is a new enrolment") {
    auto other = engine.Enrol(county.NewEnrolCode());
    REQUIRE(other.ok());
    CHECK(other->token != first->token);
    CHECK(std::count(seen.begin(), seen.end(), "/v1/enrol") == 1);
  }
  SECTION("a station whose key was lost asks the county, which refuses the used code") {
    REQUIRE(std::filesystem::remove(station.File("keys/station.key")));
    auto lost = engine.Enrol(code);
    CHECK(std::count(seen.begin(), seen.end(), "/v1/enrol") == 1);
    REQUIRE_FALSE(lost.ok());
    CHECK(lost.error().code == base::ErrorCode::kDenied);
  }
  SECTION("a station the county no longer knows asks the county again") {
    REQUIRE((*db)->Exec("UPDATE sync_enrolment SET token = 'revoked'").ok());
    auto refused = engine.RunRound();
    REQUIRE(refused.ok());
    REQUIRE_FALSE(refused->delivery.problems.empty());
    CHECK(refused->delivery.problems[0].code == problem::kUnknownStation);
    auto renewed = engine.Enrol(code);
    REQUIRE(renewed.ok());
    CHECK(std::count(seen.begin(), seen.end(), "/v1/enrol") == 1);
    CHECK(renewed->station_id == first->station_id);
    CHECK(renewed->token != "revoked");
    CHECK(engine.RunRound()->everything_delivered);
  }
}

TEST_CASE("a round the engine started in the sync window stops when the window closes, and goes on when it opens",
          "[sync]") {
  test::CountyAndStation world;
  test::CountyFixture& county = world.county;
  test::StationFixture& station = world.station;
  const SubmittedReport report = station.File(1, 1'500'000, 41);
  station.CloseOutbox();
  const std::string photo_sha = station.PhotoSha(report.report_id);
  REQUIRE(station.store().SetSetting("sync.window", "22:00-06:00").ok());
  REQUIRE(station.store().SetSetting("station.utc_offset_minutes", std::to_string(kBeijing)).ok());
  station.CapBandwidth(50'000);  // 30 s of photo
  const std::string db_path = station.data_dir() + "/station.db";

  ManualClock clock(LocalTime(5, 58));
  SyncOptions options;
  options.data_dir = station.data_dir();
  options.skip_content = true;
  test::RunningEngine engine(station.store(), options, clock);
  REQUIRE(county.WaitForUploadBeyond(photo_sha, 0));  // a chunk is at the county
  const auto closed_at = std::chrono::steady_clock::now();
  clock.Set(LocalTime(6, 0) + 1);  // 06:00:01: the window is closed
  SyncStatus stopped = WaitForStatus(db_path, [&](const SyncStatus& s) { return s.last_round_at_s == clock.NowSeconds(); });
  CHECK(std::chrono::steady_clock::now() - closed_at < std::chrono::seconds(5));  // not the ~25 s of photo left
  CHECK(stopped.last_round_at_s == clock.NowSeconds());
  CHECK(stopped.round_failures == 0);
  CHECK(stopped.last_error.empty());
  CHECK(stopped.undelivered_count == 1);
  const std::uint64_t received = county.store().Upload(photo_sha).received;
  std::this_thread::sleep_for(std::chrono::seconds(2));
  CHECK(county.store().Upload(photo_sha).received == received);  // nothing more goes up by day
  CHECK(ReadSyncStatus(station.store(), clock.NowSeconds())->next_try_at_s == LocalTime(22, 0));

  // 22:00: the window opens and the photo goes on from where it was.
  station.CapBandwidth(0);
  clock.Set(LocalTime(22, 0) + 1);
  SyncStatus delivered = WaitForStatus(db_path, [](const SyncStatus& s) { return s.undelivered_count == 0; });
  CHECK(delivered.undelivered_count == 0);
  CHECK(county.store().Reports()->size() == 1);
}
