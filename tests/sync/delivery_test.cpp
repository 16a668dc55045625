// Records up and events down against the real county server on 127.0.0.1,
// through real libcurl, and through the fault proxy where the link must
// misbehave: delivered exactly once, whatever is lost on the way.

#include <catch2/catch.hpp>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "base/files.h"
#include "county/console.h"
#include "store/lessons.h"
#include "store/sql.h"
#include "sync/clock.h"
#include "sync/delivery.h"
#include "sync/enrolment.h"
#include "sync/file_system.h"
#include "sync/outbox_queue.h"
#include "sync/report_lookup.h"
#include "sync/sync_engine.h"
#include "tests/base/scratch_dir.h"
#include "tests/sync/county_fixture.h"
#include "tests/sync/fault_proxy.h"

namespace {

using namespace station_sync;

// The real transport, noting each answer's path and status.
class RecordingTransport : public HttpTransport {
 public:
  RecordingTransport(const TransportLimits& limits, std::vector<std::pair<std::string, int>>& seen)
      : real_(MakeCurlTransport(limits)), seen_(seen) {}
  base::Result<HttpResponse> Send(const HttpRequest& request) override {
    base::Result<HttpResponse> response = real_->Send(request);
    seen_.emplace_back(request.url.substr(request.url.find("/v1/")), response.ok() ? response->status : 0);
    return response;
  }

 private:
  std::unique_ptr<HttpTransport> real_;
  std::vector<std::pair<std::string, int>>& seen_;
};

SyncOptions Options(const std::string& data_dir, const std::string& server_url) {
  SyncOptions options;
  options.data_dir = data_dir;
  options.server_url = server_url;
  options.delivery.unit_random = [] { return 0.5; };
  return options;
}

ReportState StateOf(test::StationFixture& station, const std::string& report_id) {
  OutboxQueue queue(station.store(), PosixFileSystem(), station.data_dir() + "/outbox");
  base::Result<QueuedReport> report = queue.Get(report_id);
  REQUIRE(report.ok());
  return report->state;
}

std::string EnvelopeSha(test::StationFixture& station, const std::string& report_id) {
  OutboxQueue queue(station.store(), PosixFileSystem(), station.data_dir() + "/outbox");
  return queue.Get(report_id)->envelope_sha256;
}

// The county's reports by id; fails the test if one id appears twice.
std::map<std::string, std::string> CountyEnvelopes(test::CountyFixture& county) {
  base::Result<std::vector<county::ReportRow>> rows = county.store().Reports();
  REQUIRE(rows.ok());
  std::map<std::string, std::string> envelopes;
  for (const county::ReportRow& row : *rows) {
    INFO("report " << row.report_id);
    CHECK(envelopes.emplace(row.report_id, row.envelope).second);
  }
  return envelopes;
}

// A server on 127.0.0.1 that is not the county: a captive portal, or
// something that mimics an overloaded county.
class FakeFront {
 public:
  explicit FakeFront(std::function<void(httplib::Response&)> answer) {
    auto handler = [answer](const httplib::Request&, httplib::Response& res) { answer(res); };
    server_.Get(".*", handler);
    server_.Put(".*", handler);
    server_.Post(".*", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakeFront() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace

TEST_CASE("a filed report is delivered, acknowledged by the county and leaves the outbox", "[sync]") {
  test::ScratchDir dir;
  test::CountyFixture county(dir.File("county"));
  test::StationFixture station(dir.File("station"), county.url(), county.NewEnrolCode());
  const SubmittedReport with_photos = station.File(2, 40'000, 1);
  const SubmittedReport text_only = station.File(0, 0, 2);

  SyncEngine engine(station.store(), PosixFileSystem(), SystemClock(), Options(station.data_dir(), county.url()));
  base::Result<RoundResult> round = engine.RunRound();
  REQUIRE(round.ok());
  CHECK(round->problems.empty());
  CHECK(round->delivery.problems.empty());
  CHECK(round->everything_delivered);
  CHECK(round->delivery.reports_acknowledged == 2);
  CHECK(StateOf(station, with_photos.report_id) == ReportState::kAcknowledged);
  CHECK(StateOf(station, text_only.report_id) == ReportState::kAcknowledged);
  CHECK(test::ListDirectory(station.data_dir() + "/outbox") == std::vector<std::string>{".lock"});

  // The county holds the same envelopes and can open them with its key.
  const std::map<std::string, std::string> envelopes = CountyEnvelopes(county);
  REQUIRE(envelopes.size() == 2);
  CHECK(Sha256Hex(envelopes.at(with_photos.report_id)) == EnvelopeSha(station, with_photos.report_id));
  base::Result<county::OpenedReport> opened =
      county::OpenReport(county.store(), with_photos.report_id, dir.File("opened"));
  REQUIRE(opened.ok());
  CHECK(nlohmann::json::parse(opened->opened.body_json).value("ticket_code", "") == with_photos.ticket_code);
  CHECK(opened->opened.attachments.size() == 2);

  base::Result<SyncStatus> status = ReadSyncStatus(station.store(), SystemClock().NowSeconds());
  REQUIRE(status.ok());
  CHECK(status->enrolled);
  CHECK(status->undelivered_count == 0);
  CHECK(status->stuck.empty());
  CHECK(status->last_error.empty());
  REQUIRE(status->clock_offset_s.has_value());
  CHECK(std::abs(*status->clock_offset_s) <= 2);
  REQUIRE(status->last_success_at_s.has_value());

  SECTION("a second round has nothing to send and still succeeds") {
    base::Result<RoundResult> again = engine.RunRound();
    REQUIRE(again.ok());
    CHECK(again->everything_delivered);
    CHECK(again->delivery.reports_due == 0);
    CHECK(CountyEnvelopes(county).size() == 2);
  }
}

TEST_CASE("a report whose acknowledgement is lost on the way is delivered once", "[sync]") {
  test::ScratchDir dir;
  test::CountyFixture county(dir.File("county"));
  test::FaultProxy proxy(county.port());
  const std::string via_proxy = "http://127.0.0.1:" + std::to_string(proxy.port());
  test::StationFixture station(dir.File("station"), county.url(), county.NewEnrolCode());
  const SubmittedReport report = station.File(1, 30'000, 3);
  ManualClock clock(SystemClock().NowSeconds());

  // The envelope reaches the county; its answer is cut after one byte.
  SyncOptions options = Options(station.data_dir(), via_proxy);
  options.make_transport = [&](const TransportLimits&) -> std::unique_ptr<HttpTransport> {
    return std::make_unique<test::ProxiedTransport>(proxy, [](const HttpRequest& request) {
      test::FaultPlan plan;
      if (request.url.find("/v1/reports/") != std::string::npos) plan.cut_down_after_bytes = 1;
      return plan;
    });
  };
  {
    SyncEngine engine(station.store(), PosixFileSystem(), clock, options);
    base::Result<RoundResult> round = engine.RunRound();
    REQUIRE(round.ok());
    CHECK_FALSE(round->everything_delivered);
    CHECK(round->delivery.reports_failed == 1);
  }
  CHECK(StateOf(station, report.report_id) == ReportState::kFailed);
  CHECK(CountyEnvelopes(county).size() == 1);  // the county has it; the station cannot know

  // The link heals; the retry is acknowledged again, and counted once.
  clock.Advance(3600);
  proxy.SetPlan({});
  options.make_transport = nullptr;
  SyncEngine engine(station.store(), PosixFileSystem(), clock, options);
  base::Result<RoundResult> round = engine.RunRound();
  REQUIRE(round.ok());
  CHECK(round->everything_delivered);
  CHECK(StateOf(station, report.report_id) == ReportState::kAcknowledged);
  const std::map<std::string, std::string> envelopes = CountyEnvelopes(county);
  REQUIRE(envelopes.size() == 1);
  CHECK(Sha256Hex(envelopes.begin()->second) == EnvelopeSha(station, report.report_id));
}

TEST_CASE("reports cross a link where 30% of requests fail, each exactly once", "[sync]") {
  test::ScratchDir dir;
  test::CountyFixture county(dir.File("county"));
  test::FaultProxy proxy(county.port());
  test::StationFixture station(dir.File("station"), county.url(), county.NewEnrolCode());
  std::vector<SubmittedReport> reports;
  for (int i = 0; i < 12; ++i) reports.push_back(station.File(i % 3, 70'000, 100 + i));
  ManualClock clock(SystemClock().NowSeconds());

  test::FailingLink link;  // 30% of requests fail
  SyncOptions options = Options(station.data_dir(), "http://127.0.0.1:" + std::to_string(proxy.port()));
  options.delivery.upload_chunk_bytes = 32 << 10;  // several PUTs per photo: resumes mid-blob
  options.make_transport = [&](const TransportLimits&) -> std::unique_ptr<HttpTransport> {
    return std::make_unique<test::ProxiedTransport>(
        proxy, [&](const HttpRequest& request) { return link.Plan(request); });
  };
  SyncEngine engine(station.store(), PosixFileSystem(), clock, options);
  int rounds = 0;
  for (; rounds < 200; ++rounds) {
    base::Result<RoundResult> round = engine.RunRound();
    REQUIRE(round.ok());
    if (round->everything_delivered) break;
    clock.Advance(3 * 3600);  // past any backoff
  }
  INFO(rounds << " rounds, " << link.requests << " requests, " << link.failed << " failed");
  CHECK(link.failed > 0);
  for (const SubmittedReport& r : reports) {
    CHECK(StateOf(station, r.report_id) == ReportState::kAcknowledged);
  }
  const std::map<std::string, std::string> envelopes = CountyEnvelopes(county);
  CHECK(envelopes.size() == reports.size());
  for (const SubmittedReport& r : reports) {
    REQUIRE(envelopes.count(r.report_id) == 1);
    CHECK(Sha256Hex(envelopes.at(r.report_id)) == EnvelopeSha(station, r.report_id));
  }
}

TEST_CASE("a reply and a resolution at the county console show on check-my-report", "[sync]") {
  test::ScratchDir dir;
  test::CountyFixture county(dir.File("county"));
  test::StationFixture station(dir.File("station"), county.url(), county.NewEnrolCode());
  const SubmittedReport report = station.File(1, 20'000, 7);
  SyncEngine engine(station.store(), PosixFileSystem(), SystemClock(), Options(station.data_dir(), county.url()));
  REQUIRE(engine.RunRound()->everything_delivered);

  // County IT answers with the real console tool, as a separate process.
  const std::string data = " --data " + county.data_dir() + " ";
  REQUIRE(std::system((COUNTY_TOOL " reply" + data + report.report_id + " '水管明天修好' >/dev/null").c_str()) == 0);
  REQUIRE(std::system((COUNTY_TOOL " resolve" + data + report.report_id + " >/dev/null").c_str()) == 0);

  base::Result<RoundResult> round = engine.RunRound();
  REQUIRE(round.ok());
  CHECK(round->delivery.events_applied == 2);
  base::Result<ReportStatusView> view = CheckReport(station.store(), report.ticket_code, SystemClock().NowSeconds());
  REQUIRE(view.ok());
  REQUIRE(view->replies.size() == 1);
  CHECK(view->replies[0].text == "水管明天修好");
  CHECK(view->timeline.steps.back().stage == Stage::kResolved);
  CHECK(view->timeline.steps.back().done);
  CHECK(view->can_rate);

  SECTION("events are applied once: an unchanged feed costs a 304 and changes nothing") {
    std::vector<std::pair<std::string, int>> seen;
    SyncOptions recorded = Options(station.data_dir(), county.url());
    recorded.make_transport = [&seen](const TransportLimits& limits) {
      return std::make_unique<RecordingTransport>(limits, seen);
    };
    SyncEngine watched(station.store(), PosixFileSystem(), SystemClock(), recorded);
    base::Result<RoundResult> again = watched.RunRound();
    REQUIRE(again.ok());
    CHECK(again->delivery.events_applied == 0);
    CHECK(CheckReport(station.store(), report.ticket_code, SystemClock().NowSeconds())->replies.size() == 1);
    std::vector<int> events_answers;
    for (const auto& [path, status] : seen) {
      if (path.rfind("/v1/events", 0) == 0) events_answers.push_back(status);
    }
    CHECK(events_answers == std::vector<int>{304});
  }
  SECTION("the villager's rating goes up once") {
    REQUIRE(RateReport(station.store(), report.ticket_code, 4, SystemClock().NowSeconds()).ok());
    base::Result<RoundResult> rated = engine.RunRound();
    REQUIRE(rated.ok());
    CHECK(rated->delivery.ratings_uploaded == 1);
    CHECK(*county.store().CountRatings() == 1);
    CHECK(engine.RunRound()->delivery.ratings_uploaded == 0);
    CHECK(ReadSyncStatus(station.store(), SystemClock().NowSeconds())->pending_ratings == 0);
  }
}

TEST_CASE("watch records go up in batches and are counted once", "[sync]") {
  test::ScratchDir dir;
  test::CountyFixture county(dir.File("county"));
  test::StationFixture station(dir.File("station"), county.url(), county.NewEnrolCode());
  store::LessonLibrary library(station.store());
  for (int i = 0; i < 7; ++i) {
    REQUIRE(library.AddWatchRecord({"record-" + std::to_string(i), "lesson-1", 1795132800 + i, 60, i % 2 == 0}).ok());
  }
  SyncOptions options = Options(station.data_dir(), county.url());
  options.delivery.watch_records_per_batch = 3;
  SyncEngine engine(station.store(), PosixFileSystem(), SystemClock(), options);
  base::Result<RoundResult> round = engine.RunRound();
  REQUIRE(round.ok());
  CHECK(round->delivery.watch_records_uploaded == 7);
  CHECK(*county.store().CountWatchRecords() == 7);
  CHECK(library.PendingWatchRecords(100)->empty());
  CHECK(engine.RunRound()->delivery.watch_records_uploaded == 0);
  CHECK(*county.store().CountWatchRecords() == 7);
}

TEST_CASE("a captive portal's 200 page is not taken for a delivery", "[sync]") {
  test::ScratchDir dir;
  test::CountyFixture county(dir.File("county"));
  test::StationFixture station(dir.File("station"), county.url(), county.NewEnrolCode());
  const SubmittedReport report = station.File(1, 10'000, 9);
  FakeFront portal([](httplib::Response& res) {
    res.status = 200;
    res.set_content("<html><body>Welcome! Log in to use the wifi.</body></html>", "text/html");
  });
  SyncEngine engine(station.store(), PosixFileSystem(), SystemClock(), Options(station.data_dir(), portal.url()));
  base::Result<RoundResult> round = engine.RunRound();
  REQUIRE(round.ok());
  CHECK_FALSE(round->everything_delivered);
  CHECK(StateOf(station, report.report_id) == ReportState::kFailed);
  base::Result<SyncStatus> status = ReadSyncStatus(station.store(), SystemClock().NowSeconds());
  REQUIRE(status.ok());
  CHECK(status->undelivered_count == 1);
  CHECK(status->next_try_at_s.has_value());
  CHECK(CountyEnvelopes(county).empty());
  // The admin area is told in its words that the county is not there, and
  // how many reports wait; the detail says what answered instead.
  REQUIRE(status->last_problems.size() == 2);
  CHECK(status->last_problems[0].code == problem::kUnreachable);
  CHECK(status->last_problems[0].detail.find("not the county") != std::string::npos);
  CHECK(status->last_problems[1] == MakeProblem(problem::kReportsNotDelivered, "", 1));
  CHECK(status->last_error == ProblemsText(status->last_problems));
}

TEST_CASE("an overloaded county's Retry-After is honoured", "[sync]") {
  test::ScratchDir dir;
  test::CountyFixture county(dir.File("county"));
  test::StationFixture station(dir.File("station"), county.url(), county.NewEnrolCode());
  station.File(0, 0, 11);
  station.File(0, 0, 12);
  FakeFront busy([](httplib::Response& res) {
    res.status = 429;
    res.set_header("X-Village-Protocol", "1");
    res.set_header("Retry-After", "900");
    res.set_content(R"({"protocol":"village-station/1","error":"overloaded","message":"busy"})",
                    "application/json");
  });
  ManualClock clock(SystemClock().NowSeconds());
  SyncEngine engine(station.store(), PosixFileSystem(), clock, Options(station.data_dir(), busy.url()));
  base::Result<RoundResult> round = engine.RunRound();
  REQUIRE(round.ok());
  CHECK(round->delivery.reports_failed == 1);  // the other waits: the county said so
  auto retry = store::sql::Statement::Prepare(
      station.store().handle(), "SELECT status, retry_at FROM reports ORDER BY status");
  REQUIRE(retry.ok());
  REQUIRE(*retry->Step());
  CHECK(retry->Text(0) == "failed");
  CHECK(retry->Int(1) >= clock.NowSeconds() + 900);
  REQUIRE(*retry->Step());
  CHECK(retry->Text(0) == "saved");
  base::Result<SyncStatus> status = ReadSyncStatus(station.store(), clock.NowSeconds());
  REQUIRE(status->next_try_at_s.has_value());
  CHECK(*status->next_try_at_s >= clock.NowSeconds() + 900);
}

TEST_CASE("a report the county refuses as a conflict is kept, flagged and retried", "[sync]") {
  test::ScratchDir dir;
  test::CountyFixture county(dir.File("county"));
  test::StationFixture station(dir.File("station"), county.url(), county.NewEnrolCode());
  const SubmittedReport report = station.File(0, 0, 13);

  // Another envelope with the same id reaches the county first (signed by
  // this station's key: e.g. restored from an old backup and re-filed).
  base::Result<StationKey> key = LoadOrCreateStationKey(PosixFileSystem(), station.data_dir() + "/keys/station.key");
  REQUIRE(key.ok());
  base::Result<std::string> original = PosixFileSystem().ReadFile(station.data_dir() + "/outbox/" + report.report_id + "/envelope");
  REQUIRE(original.ok());
  base::Result<Envelope> parsed = VerifyEnvelope(*original);
  REQUIRE(parsed.ok());
  Envelope other = *parsed;
  other.saved_at_s += 1;
  {
    std::unique_ptr<HttpTransport> transport = MakeCurlTransport({});
    CountyConnection connection(*transport, county.url(), SystemClock());
    auto token = store::sql::Statement::Prepare(station.store().handle(), "SELECT token FROM sync_enrolment");
    REQUIRE(*token->Step());
    connection.set_token(token->Text(0));
    for (const SealedBlob& blob : other.blobs) {
      base::Result<std::string> bytes = PosixFileSystem().ReadFile(
          station.data_dir() + "/outbox/" + report.report_id + "/" + blob.sha256_hex);
      REQUIRE(bytes.ok());
      const std::string range = "bytes 0-" + std::to_string(bytes->size() - 1) + "/" + std::to_string(bytes->size());
      REQUIRE(connection.Call("PUT", "/v1/uploads/" + blob.sha256_hex, *bytes,
                              {{"Content-Type", "application/octet-stream"}, {"Content-Range", range}})->status == 200);
    }
    base::Result<CountyResponse> put = connection.Call("PUT", "/v1/reports/" + report.report_id,
                                                       SignEnvelope(other, *key), {{"Content-Type", "text/plain"}});
    REQUIRE(put.ok());
    REQUIRE(put->status == 200);
  }

  SyncEngine engine(station.store(), PosixFileSystem(), SystemClock(), Options(station.data_dir(), county.url()));
  base::Result<RoundResult> round = engine.RunRound();
  REQUIRE(round.ok());
  CHECK_FALSE(round->everything_delivered);
  CHECK(round->delivery.reports_refused == 1);
  CHECK(StateOf(station, report.report_id) == ReportState::kFailed);
  base::Result<SyncStatus> status = ReadSyncStatus(station.store(), SystemClock().NowSeconds());
  REQUIRE(status.ok());
  REQUIRE(status->refused.size() == 1);
  CHECK(status->refused[0].report_id == report.report_id);
  CHECK(status->refused[0].error == "conflict");
  CHECK(PosixFileSystem().ReadFile(station.data_dir() + "/outbox/" + report.report_id + "/envelope").ok());
}

TEST_CASE("an outbox carried on a USB stick and then sent by network is counted once", "[sync]") {
  test::ScratchDir dir;
  test::CountyFixture county(dir.File("county"));
  test::StationFixture station(dir.File("station"), county.url(), county.NewEnrolCode());
  const SubmittedReport report = station.File(2, 15'000, 21);
  store::LessonLibrary library(station.store());
  REQUIRE(library.AddWatchRecord({"usb-record", "lesson-1", 1795132800, 30, false}).ok());

  const std::string stick = dir.File("stick");
  std::filesystem::create_directory(stick);  // the stick's mount
  base::Result<OutboxExport> exported = ExportOutbox(station.store(), PosixFileSystem(), station.data_dir(), stick);
  INFO((exported.ok() ? "" : exported.error().message));
  REQUIRE(exported.ok());
  CHECK(exported->reports == 1);
  CHECK(exported->watch_records == 1);
  // Exporting again is harmless (the same files).
  REQUIRE(ExportOutbox(station.store(), PosixFileSystem(), station.data_dir(), stick).ok());
  CHECK(StateOf(station, report.report_id) == ReportState::kSaved);  // only the county's answer delivers

  base::Result<county::ImportSummary> imported = county::ImportUsb(county.store(), stick, SystemClock().NowSeconds());
  REQUIRE(imported.ok());
  CHECK(imported->reports_new == 1);
  CHECK(imported->watch_records == 1);

  SyncEngine engine(station.store(), PosixFileSystem(), SystemClock(), Options(station.data_dir(), county.url()));
  base::Result<RoundResult> round = engine.RunRound();
  REQUIRE(round.ok());
  CHECK(round->everything_delivered);
  CHECK(StateOf(station, report.report_id) == ReportState::kAcknowledged);
  CHECK(CountyEnvelopes(county).size() == 1);
  CHECK(*county.store().CountWatchRecords() == 1);
}

TEST_CASE("watch records on a stick count only with the station's own signature", "[sync]") {
  test::ScratchDir dir;
  test::CountyFixture county(dir.File("county"));
  test::StationFixture station(dir.File("station"), county.url(), county.NewEnrolCode());
  store::LessonLibrary library(station.store());
  REQUIRE(library.AddWatchRecord({"usb-record-1", "lesson-1", 1795132800, 30, false}).ok());
  const std::string stick = dir.File("stick");
  std::filesystem::create_directory(stick);  // the stick's mount
  REQUIRE(ExportOutbox(station.store(), PosixFileSystem(), station.data_dir(), stick).ok());
  auto enrolment = LoadEnrolment(station.store());
  REQUIRE(enrolment.ok());
  REQUIRE(enrolment->has_value());
  const std::string records = stick + "/village-station/outbox/" + (*enrolment)->station_id + "/watch-records.json";
  auto body = base::ReadFile(records);
  REQUIRE(body.ok());

  SECTION("a record added on the stick") {
    std::string forged = *body;
    forged.replace(forged.find("\"seconds_watched\":30"), 20, "\"seconds_watched\":99");
    REQUIRE(base::WriteFileDurably(records, forged).ok());
  }
  SECTION("the signature taken away") { REQUIRE(::unlink((records + ".sig").c_str()) == 0); }
  SECTION("another file's signature") {
    auto ratings_sig = base::ReadFile(records.substr(0, records.rfind('/')) + "/ratings.json.sig");
    REQUIRE(ratings_sig.ok());
    REQUIRE(base::WriteFileDurably(records + ".sig", *ratings_sig).ok());
  }
  base::Result<county::ImportSummary> imported = county::ImportUsb(county.store(), stick, SystemClock().NowSeconds());
  REQUIRE(imported.ok());
  CHECK(imported->watch_records == 0);
  CHECK(imported->files_refused == 1);
  CHECK(*county.store().CountWatchRecords() == 0);
  // The station still has them to send by network.
  SyncEngine engine(station.store(), PosixFileSystem(), SystemClock(), Options(station.data_dir(), county.url()));
  REQUIRE(engine.RunRound().ok());
  CHECK(*county.store().CountWatchRecords() == 1);
}
