// Content down against the real county server (county/, in this process):
// enrol, then sync its published package through a link cut at random
// offsets, so every Range / If-Range answer the station relies on comes
// from the county's own code.

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "base/files.h"
#include "county/console.h"
#include "store/lessons.h"
#include "store/store.h"
#include "sync/content_sync.h"
#include "sync/enrolment.h"
#include "sync/outbox.h"
#include "sync/file_system.h"
#include "sync/sync_engine.h"
#include "tests/base/scratch_dir.h"
#include "tests/county/county_fixture.h"
#include "tests/sync/captured_log.h"
#include "tests/sync/fault_proxy.h"
#include "tests/sync/running_engine.h"
#include "tests/sync/report_fixture.h"
#include "tests/sync/test_http_server.h"

using namespace station_sync;

namespace {

// A station enrolled with the county, its content library driven by
// ContentSync directly (the engine's rounds are further down).
struct DirectStation {
  explicit DirectStation(test::CountyUnderTest& county) {
    auto keys = county::LoadCountyPublicKeys(county.paths());
    REQUIRE(keys.ok());
    test::StationUnderTest enrolled(keys->box);
    httplib::Client client = county.Client();
    token = enrolled.Enrol(client, county.EnrolCode());
    auto opened = store::Store::Open(dir.File("station.db"));
    REQUIRE(opened.ok());
    db = std::move(*opened);
    library = std::make_unique<ContentLibrary>(*db, dir.path(), keys->content, SystemClock());
  }
  ContentSyncOptions Options(int port) const {
    ContentSyncOptions options;
    options.server_url = "http://127.0.0.1:" + std::to_string(port);
    options.http.bearer_token = token;
    return options;
  }

  test::ScratchDir dir;
  std::unique_ptr<store::Store> db;
  std::unique_ptr<ContentLibrary> library;
  std::string token;
};

}  // namespace

TEST_CASE("the county's published package arrives whole through a link cut at random offsets", "[sync][county]") {
  test::CountyUnderTest county;
  county.PublishPackage(3, 300'000, 5);
  DirectStation station(county);
  ContentLibrary& library = *station.library;
  test::FaultPlan plan;
  plan.random_cut_down_min = 20'000;
  plan.random_cut_down_max = 200'000;
  test::FaultProxy proxy(county.port(), plan);
  ContentSyncOptions options = station.Options(proxy.port());
  options.backoff = {20, 200};
  options.tries_without_progress = 50;
  ContentSync sync(library, options);

  std::optional<ContentSyncReport> last;
  for (int pass = 0; pass < 20 && !(last && last->blobs_missing == 0); ++pass) {
    auto report = sync.RunOnce();
    if (report) last = *report;
  }
  REQUIRE(last.has_value());
  CHECK(last->blobs_missing == 0);
  CHECK(last->lessons_offered == 3);
  CHECK(proxy.stats().cuts > 3);
  store::LessonLibrary lessons(*station.db);
  auto listed = lessons.List(store::Shelf::kAll);
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 3);
  auto catalog = library.Accepted();
  REQUIRE(catalog.ok());
  for (const CatalogLesson& lesson : (*catalog)->lessons) {
    CHECK(VerifyFile(library.blobs_dir() + "/" + lesson.file.sha256, lesson.file.sha256, lesson.file.size_bytes).ok());
  }
  // The package's notice is kept for the home screen.
  const std::vector<CatalogNotice> notices = LoadNotices(*station.db);
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].title == "Meeting");
  CHECK(notices[0].text == "Friday 9:00");
  // Every byte crossed once, apart from the catalog answers.
  CHECK(sync.bytes_received() < 3 * 300'000 + 20 * 8'000);

  SECTION("then an unchanged catalog is one request answered 304") {
    auto again = sync.RunOnce();
    REQUIRE(again.ok());
    CHECK_FALSE(again->catalog_changed);
  }
  SECTION("a newer package replaces it, and the old files go") {
    county.PublishPackage(2, 200'000, 6);
    proxy.SetPlan({});
    auto updated = sync.RunOnce();
    REQUIRE(updated.ok());
    CHECK(updated->catalog_changed);
    CHECK(updated->lessons_offered == 2);
    CHECK(updated->removed_files >= 1);
  }
}

TEST_CASE("a round's downloads make one progress for them all, named by the lesson under way", "[sync][county]") {
  test::CountyUnderTest county;
  county.PublishPackage(3, 300'000, 7);
  DirectStation station(county);
  ContentSyncOptions options = station.Options(county.port());
  std::vector<DownloadProgress> seen;
  options.progress = [&seen](const DownloadProgress& p) { seen.push_back(p); };
  ContentSync sync(*station.library, options);
  auto report = sync.RunOnce();
  REQUIRE(report.ok());
  REQUIRE(report->lessons_offered == 3);

  REQUIRE_FALSE(seen.empty());
  std::vector<std::string> titles;
  std::int64_t done_before = 0;
  for (const DownloadProgress& p : seen) {
    CHECK(p.bytes_total == 3 * 300'000);  // the time left is for them all
    CHECK(p.bytes_done >= done_before);
    done_before = p.bytes_done;
    if (titles.empty() || titles.back() != p.lesson_title) titles.push_back(p.lesson_title);
  }
  CHECK(seen.back().bytes_done == 3 * 300'000);
  CHECK(titles == std::vector<std::string>{"Lesson 0", "Lesson 1", "Lesson 2"});
}

TEST_CASE("a station closing stops the download under way at once, and the next round resumes it", "[sync][county]") {
  test::CountyUnderTest county;
  constexpr std::size_t kLessonBytes = 3'000'000;
  county.PublishPackage(1, kLessonBytes, 9);
  test::FaultPlan slow;
  slow.down_bytes_per_s = 150'000;  // 20 s for the lesson
  test::FaultProxy proxy(county.port(), slow);

  test::ScratchDir dir;
  auto db = store::Store::Open(dir.File("station.db"));
  REQUIRE(db.ok());
  SyncOptions options;
  options.data_dir = dir.path();
  options.server_url = "http://127.0.0.1:" + std::to_string(proxy.port());
  options.enrolment_code = county.EnrolCode();
  std::atomic<bool> stop{false};
  auto engine = std::make_unique<SyncEngine>(**db, PosixFileSystem(), SystemClock(), options);
  std::thread running([&] { engine->RunUntil(stop); });

  // Wait until the lesson is coming down.
  auto reader = store::Store::Open(dir.File("station.db"));
  REQUIRE(reader.ok());
  std::int64_t done = 0;
  for (int i = 0; i < 300 && done < 300'000; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto status = ReadSyncStatus(**reader, SystemClock().NowSeconds());
    REQUIRE(status.ok());
    if (status->what.rfind("lesson", 0) == 0) done = status->done_bytes;
  }
  CHECK(done >= 300'000);  // (not REQUIRE: the engine must still be stopped below)

  const auto asked = std::chrono::steady_clock::now();
  engine->RequestStop();
  running.join();
  const double stop_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count();
  INFO("stopped after " << stop_s << " s");
  CHECK(stop_s < 3.0);  // the rest of the lesson would take over 10 s
  const std::int64_t down_when_stopped = proxy.stats().down_bytes;
  CHECK(down_when_stopped < static_cast<std::int64_t>(kLessonBytes));
  store::LessonLibrary lessons(**db);
  CHECK(lessons.List(store::Shelf::kAll)->empty());  // half a lesson is never offered
  // Closing the kiosk is not a failed round: no error for the admin area to
  // read at the next start, and the next round is due at once.
  auto stopped = ReadSyncStatus(**reader, SystemClock().NowSeconds());
  REQUIRE(stopped.ok());
  CHECK(stopped->round_failures == 0);
  CHECK(stopped->last_error.empty());
  REQUIRE(stopped->next_try_at_s.has_value());
  CHECK(*stopped->next_try_at_s <= SystemClock().NowSeconds());

  proxy.SetPlan({});
  engine = std::make_unique<SyncEngine>(**db, PosixFileSystem(), SystemClock(), options);
  base::Result<RoundResult> round = engine->RunRound();
  REQUIRE(round.ok());
  CHECK(round->problems.empty());
  CHECK(lessons.List(store::Shelf::kAll)->size() == 1);
  // Resumed: the bytes before the stop did not come again.
  CHECK(proxy.stats().down_bytes < static_cast<std::int64_t>(kLessonBytes) + 200'000);
}

TEST_CASE("over HTTPS with the county's own certificate: refused until the station has its CA file, then "
          "enrolment, a report and the package all go through",
          "[sync][county]") {
  test::ScratchDir certs;
  const std::string cert = certs.File("county.pem"), key = certs.File("county.key");
  REQUIRE(std::system(("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                       "-addext subjectAltName=IP:127.0.0.1 -keyout " + key + " -out " + cert + " >/dev/null 2>&1")
                          .c_str()) == 0);
  county::ServerOptions tls;
  tls.cert_file = cert;
  tls.key_file = key;
  test::CountyUnderTest county(tls);
  county.PublishPackage(2, 100'000, 9);

  test::ScratchDir station;
  auto db = store::Store::Open(station.File("station.db"));
  REQUIRE(db.ok());
  REQUIRE((*db)->SetSetting("sync.county_server", "https://127.0.0.1:" + std::to_string(county.port())).ok());
  SyncOptions options;
  options.data_dir = station.path();
  SyncEngine engine(**db, PosixFileSystem(), SystemClock(), options);
  const std::string code = county.EnrolCode();

  base::Result<Enrolment> refused = engine.Enrol(code);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("certificate") != std::string::npos);

  REQUIRE((*db)->SetSetting("sync.ca_file", cert).ok());
  REQUIRE(engine.Enrol(code).ok());  // the refused try never reached the county: the code still holds
  auto config = LoadOutboxConfig(**db, PosixFileSystem(), station.path());
  REQUIRE(config.ok());
  auto outbox = Outbox::Open(**db, PosixFileSystem(), SystemClock(), std::move(*config));
  REQUIRE(outbox.ok());
  REQUIRE((*outbox)->Finalise(test::MakeDraft(**outbox, 1, 20'000, 0, 3)).ok());

  base::Result<RoundResult> round = engine.RunRound();
  REQUIRE(round.ok());
  CHECK(round->problems.empty());
  CHECK(round->delivery.reports_acknowledged == 1);
  store::LessonLibrary lessons(**db);
  auto listed = lessons.List(store::Shelf::kAll);
  REQUIRE(listed.ok());
  CHECK(listed->size() == 2);
}

namespace {

// A station data directory enrolled with `county` through the sync engine.
struct EnrolledStation {
  test::ScratchDir dir;
  std::unique_ptr<store::Store> db;
  explicit EnrolledStation(test::CountyUnderTest& county) {
    auto opened = store::Store::Open(dir.File("station.db"));
    REQUIRE(opened.ok());
    db = std::move(*opened);
    REQUIRE(db->SetSetting("sync.county_server", "http://127.0.0.1:" + std::to_string(county.port())).ok());
    SyncOptions options;
    options.data_dir = dir.path();
    SyncEngine engine(*db, PosixFileSystem(), SystemClock(), options);
    REQUIRE(engine.Enrol(county.EnrolCode()).ok());
  }
  std::size_t Offered() const {
    store::LessonLibrary lessons(*db);
    auto listed = lessons.List(store::Shelf::kAll);
    REQUIRE(listed.ok());
    return listed->size();
  }
};

// The published lesson's blob: its sha and bytes.
std::pair<std::string, std::string> PublishedBlob(test::CountyUnderTest& county) {
  auto catalog = county.store().LatestCatalog();
  REQUIRE(catalog.ok());
  REQUIRE(catalog->has_value());
  const nlohmann::json parsed = nlohmann::json::parse((*catalog)->catalog);
  const std::string sha = parsed["lessons"][0]["file"]["sha256"];
  auto bytes = base::ReadFile(county.paths().ContentBlob(sha));
  REQUIRE(bytes.ok());
  return {sha, *bytes};
}

// The status as the admin area reads it.
SyncStatus StatusNow(const store::Store& db) {
  auto status = ReadSyncStatus(db, SystemClock().NowSeconds());
  REQUIRE(status.ok());
  return *status;
}

// Asks the running engine for an export to `stick`, as the admin area does,
// and waits for the outcome: the seconds it took.
double SecondsForUsbExport(store::Store& db, const std::string& stick, std::chrono::steady_clock::time_point deadline) {
  const auto asked = std::chrono::steady_clock::now();
  REQUIRE(RequestUsbJob(db, UsbJob::kExportOutbox, stick).ok());
  for (;;) {
    const SyncStatus status = StatusNow(db);
    if (!status.usb_pending && status.usb_last) break;
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count();
}

}  // namespace

TEST_CASE("the county restarted in the middle of a download: the station goes on from the byte it had",
          "[sync][county]") {
  constexpr std::int64_t kLesson = 8'000'000;
  test::CountyUnderTest county;
  county.PublishPackage(1, kLesson, 11);
  EnrolledStation station(county);
  // A 1 MB/s link (about 8 s of lesson) that counts what crosses it; its
  // port outlives the county's restarts.
  test::FaultPlan slow_link;
  slow_link.down_bytes_per_s = 1'000'000;
  test::FaultProxy link(county.port(), slow_link);
  REQUIRE(station.db->SetSetting("sync.county_server", "http://127.0.0.1:" + std::to_string(link.port())).ok());

  SyncOptions options;
  options.data_dir = station.dir.path();
  options.round_backoff = {200, 1000};
  options.content_checkpoint_interval_ms = 500;
  test::RunningEngine engine(*station.db, options);

  // Restart once the station has recorded a durable length (its first
  // checkpoint): that, not what crossed the wire, is where it goes on from.
  const std::string part = station.dir.File("downloads/" + PublishedBlob(county).first + ".part");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::int64_t recorded = 0;
  while (std::chrono::steady_clock::now() < deadline && station.Offered() == 0) {
    auto length = base::ReadFile(part + ".len");
    recorded = length.ok() ? std::atoll(length->c_str()) : 0;
    if (recorded >= 2'000'000) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(recorded >= 2'000'000);
  county.Restart();
  // What the stopped county's kernel still held for the old connection
  // would trickle on for seconds; a restart ends that connection.
  link.CutAll();
  const std::int64_t crossed_before = link.stats().down_bytes;
  CHECK(crossed_before < kLesson);  // the restart cut the download

  while (station.Offered() == 0 && std::chrono::steady_clock::now() < deadline + std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(station.Offered() == 1);
  // From byte 0 again, the total would be at least the lesson plus what
  // crossed before the restart; going on from the recorded length saves it.
  INFO("crossed before the restart " << crossed_before << ", recorded " << recorded);
  CHECK(link.stats().down_bytes <= kLesson + crossed_before - recorded + 100'000);
  const auto [sha, bytes] = PublishedBlob(county);
  CHECK(VerifyFile(station.dir.File("content/blobs/" + sha), sha, static_cast<std::int64_t>(bytes.size())).ok());
}

TEST_CASE("the settings' bandwidth cap holds a round's uploads and downloads, and a resumed download's rate "
          "counts only its new bytes",
          "[sync][county]") {
  test::CountyUnderTest county;
  county.PublishPackage(1, 1'000'000, 12);
  EnrolledStation station(county);
  constexpr std::int64_t kCap = 200'000;
  REQUIRE(station.db->SetSetting("sync.max_bytes_per_second", std::to_string(kCap)).ok());

  // An earlier try left 800 kB of the lesson, durably recorded.
  const auto [sha, bytes] = PublishedBlob(county);
  REQUIRE(base::MakeDirectories(station.dir.File("downloads")).ok());
  REQUIRE(base::WriteFileDurably(station.dir.File("downloads/" + sha + ".part"), bytes.substr(0, 800'000)).ok());
  REQUIRE(base::WriteFileDurably(station.dir.File("downloads/" + sha + ".part.len"), "800000\n").ok());
  // And a report with a 300 kB photo waits.
  auto config = LoadOutboxConfig(*station.db, PosixFileSystem(), station.dir.path());
  REQUIRE(config.ok());
  auto outbox = Outbox::Open(*station.db, PosixFileSystem(), SystemClock(), std::move(*config));
  REQUIRE(outbox.ok());
  REQUIRE((*outbox)->Finalise(test::MakeDraft(**outbox, 1, 300'000, 0, 4)).ok());

  SyncOptions options;
  options.data_dir = station.dir.path();
  SyncEngine engine(*station.db, PosixFileSystem(), SystemClock(), options);
  const auto started = std::chrono::steady_clock::now();
  base::Result<RoundResult> round = engine.RunRound();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  REQUIRE(round.ok());
  CHECK(round->problems.empty());
  CHECK(round->delivery.reports_acknowledged == 1);
  CHECK(station.Offered() == 1);
  // 300 kB up and 200 kB down at 200 kB/s: at least ~2.5 s (a slower machine only adds).
  CHECK(seconds >= 0.8 * (300'000.0 + 200'000.0) / kCap);
  auto status = ReadSyncStatus(*station.db, SystemClock().NowSeconds());
  REQUIRE(status.ok());
  CHECK(status->what == "lesson:Lesson 0");
  CHECK(status->rate_bytes_per_s <= 2 * kCap);  // counting the 800 kB from before would make it ~5x
}

TEST_CASE("the county's package on a stick, big files in parts, is installed at the station as if it came "
          "by network, and afterwards the network has nothing to send",
          "[sync][county][usb]") {
  test::CountyUnderTest county;
  county.PublishPackage(2, 250'000, 13);
  EnrolledStation station(county);
  test::ScratchDir stick;
  REQUIRE(county::ExportPackage(county.store(), stick.path(), 100'000).ok());
  const auto [sha, bytes] = PublishedBlob(county);
  CHECK(base::ReadFile(stick.File("village-station/package/blobs/" + sha + ".part-002")).ok());

  SyncOptions options;
  options.data_dir = station.dir.path();
  SyncEngine engine(*station.db, PosixFileSystem(), SystemClock(), options);
  base::Result<UsbJobResult> imported = engine.RunUsbJob(UsbJob::kImportPackage, stick.path());
  REQUIRE(imported.ok());
  INFO(imported->error);
  CHECK(imported->error.empty());
  CHECK(imported->blobs_copied == 2);
  CHECK(imported->blobs_missing == 0);
  CHECK(station.Offered() == 2);
  CHECK(VerifyFile(station.dir.File("content/blobs/" + sha), sha, static_cast<std::int64_t>(bytes.size())).ok());
  auto status = ReadSyncStatus(*station.db, SystemClock().NowSeconds());
  REQUIRE(status.ok());
  REQUIRE(status->usb_last);
  CHECK(status->usb_last->lessons_offered == 2);
  // Named by its lesson, for the admin area to say in the station's language.
  const auto [kind, name] = progress::SplitWhat(status->what);
  CHECK(kind == "usb_lesson");
  CHECK((name == "Lesson 0" || name == "Lesson 1"));
  // One bar for the whole import, not one per file.
  CHECK(status->total_bytes == 2 * 250'000);
  CHECK(status->done_bytes == status->total_bytes);

  // The same catalog by network: accepted already, nothing to fetch.
  test::FaultProxy link(county.port(), test::FaultPlan{});
  REQUIRE(station.db->SetSetting("sync.county_server", "http://127.0.0.1:" + std::to_string(link.port())).ok());
  base::Result<RoundResult> round = engine.RunRound();
  REQUIRE(round.ok());
  CHECK(round->problems.empty());
  CHECK(link.stats().down_bytes < 100'000);
  CHECK(station.Offered() == 2);
}

TEST_CASE("a stick whose package was altered installs nothing, and the lessons already offered stay",
          "[sync][county][usb]") {
  test::CountyUnderTest county;
  county.PublishPackage(1, 50'000, 14);
  EnrolledStation station(county);
  SyncOptions options;
  options.data_dir = station.dir.path();
  SyncEngine engine(*station.db, PosixFileSystem(), SystemClock(), options);
  REQUIRE(engine.RunRound().ok());
  REQUIRE(station.Offered() == 1);

  county.PublishPackage(2, 50'000, 15);
  test::ScratchDir stick;
  REQUIRE(county::ExportPackage(county.store(), stick.path(), 1 << 30).ok());
  const std::string catalog = stick.File("village-station/package/catalog.json");
  auto text = base::ReadFile(catalog);
  REQUIRE(text.ok());
  std::string altered = *text;
  altered[altered.find("\"version\"") + 1] = 'V';  // one byte
  REQUIRE(base::WriteFileDurably(catalog, altered).ok());

  base::Result<UsbJobResult> imported = engine.RunUsbJob(UsbJob::kImportPackage, stick.path());
  REQUIRE(imported.ok());
  CHECK(imported->error.find("signature") != std::string::npos);
  CHECK(imported->error_code == problem::kUsbPackageRefused);
  CHECK(station.Offered() == 1);
  auto status = ReadSyncStatus(*station.db, SystemClock().NowSeconds());
  REQUIRE(status.ok());
  REQUIRE(status->usb_last);
  CHECK(status->usb_last->error == imported->error);
}

TEST_CASE("a stick without a package, a stick pulled out, a station key lost: each told apart, nothing written",
          "[sync][county][usb]") {
  test::CountyUnderTest county;
  county.PublishPackage(1, 50'000, 19);
  EnrolledStation station(county);
  SyncOptions options;
  options.data_dir = station.dir.path();
  SyncEngine engine(*station.db, PosixFileSystem(), SystemClock(), options);
  test::ScratchDir stick;

  base::Result<UsbJobResult> imported = engine.RunUsbJob(UsbJob::kImportPackage, stick.path());
  REQUIRE(imported.ok());
  CHECK(imported->error_code == problem::kUsbNoPackage);
  CHECK(station.Offered() == 0);

  const std::string pulled_out = stick.File("gone");  // a mount point whose stick went away
  base::Result<UsbJobResult> exported = engine.RunUsbJob(UsbJob::kExportOutbox, pulled_out);
  REQUIRE(exported.ok());
  CHECK(exported->error_code == problem::kUsbStickGone);
  CHECK_FALSE(std::filesystem::exists(pulled_out));
  auto status = ReadSyncStatus(*station.db, SystemClock().NowSeconds());
  REQUIRE(status.ok());
  REQUIRE(status->usb_last);
  CHECK(status->usb_last->error_code == problem::kUsbStickGone);

  // The station's key lost: nothing goes on the stick that the county would
  // refuse, and no new key is made in its place.
  const std::string key = station.dir.File("keys/station.key");
  REQUIRE(std::filesystem::remove(key));
  base::Result<UsbJobResult> unsigned_export = engine.RunUsbJob(UsbJob::kExportOutbox, stick.path());
  REQUIRE(unsigned_export.ok());
  CHECK(unsigned_export->error_code == problem::kStationError);
  CHECK(unsigned_export->error.find("signing key") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(stick.File("village-station")));
  CHECK_FALSE(std::filesystem::exists(key));
}

TEST_CASE("the admin area's USB requests are done by the running engine: lessons in, outbox out, each once",
          "[sync][county][usb]") {
  test::CountyUnderTest county;
  county.PublishPackage(1, 80'000, 16);
  EnrolledStation station(county);
  // No network from here on: the stick is the only way.
  REQUIRE(station.db->SetSetting("sync.county_server", "http://127.0.0.1:9").ok());
  auto config = LoadOutboxConfig(*station.db, PosixFileSystem(), station.dir.path());
  REQUIRE(config.ok());
  auto outbox = Outbox::Open(*station.db, PosixFileSystem(), SystemClock(), std::move(*config));
  REQUIRE(outbox.ok());
  REQUIRE((*outbox)->Finalise(test::MakeDraft(**outbox, 1, 20'000, 0, 5)).ok());
  test::ScratchDir stick;
  REQUIRE(county::ExportPackage(county.store(), stick.path(), 1 << 30).ok());

  SyncOptions options;
  options.data_dir = station.dir.path();
  options.round_backoff = {60'000, 60'000};
  test::RunningEngine engine(*station.db, options);
  const auto wait_for_outcome = [&](UsbJob job) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
      auto status = ReadSyncStatus(*station.db, SystemClock().NowSeconds());
      REQUIRE(status.ok());
      if (!status->usb_pending && status->usb_last && status->usb_last->job == job) return *status->usb_last;
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  };

  REQUIRE(RequestUsbJob(*station.db, UsbJob::kImportPackage, stick.path()).ok());
  const UsbJobResult imported = wait_for_outcome(UsbJob::kImportPackage);
  CHECK(imported.error.empty());
  CHECK(imported.lessons_offered == 1);
  CHECK(station.Offered() == 1);

  REQUIRE(RequestUsbJob(*station.db, UsbJob::kExportOutbox, stick.path()).ok());
  const UsbJobResult exported = wait_for_outcome(UsbJob::kExportOutbox);
  CHECK(exported.error.empty());
  CHECK(exported.exported.reports == 1);

  auto first = county::ImportUsb(county.store(), stick.path(), test::kCountyNow);
  REQUIRE(first.ok());
  CHECK(first->reports_new == 1);
  CHECK(first->files_refused == 0);
  auto again = county::ImportUsb(county.store(), stick.path(), test::kCountyNow);
  REQUIRE(again.ok());
  CHECK(again->reports_new == 0);
  CHECK(again->reports_again == 1);
}

TEST_CASE("a catalog past its expiry with no newer one is told to the administrator and county IT, and its "
          "lessons still play",
          "[sync][county]") {
  test::CountyUnderTest county;
  county.PublishPackage(1, 20'000, 21);  // valid for a year
  EnrolledStation station(county);
  test::ScratchDir logs;
  test::CapturedLog log(logs);
  SyncOptions options;
  options.data_dir = station.dir.path();
  ManualClock station_time(SystemClock().NowSeconds());
  SyncEngine engine(*station.db, PosixFileSystem(), station_time, options);
  auto fresh = engine.RunRound();
  REQUIRE(fresh.ok());
  CHECK(fresh->problems.empty());
  REQUIRE(station.Offered() == 1);

  station_time.Advance(400 * 86'400);  // the county has published nothing since
  const std::int64_t days_past = (station_time.NowSeconds() - (test::kCountyNow + 365 * 86'400)) / 86'400;
  auto stale = engine.RunRound();
  REQUIRE(stale.ok());
  REQUIRE(stale->problems.size() == 1);
  CHECK(stale->problems[0].code == problem::kContentExpired);
  CHECK(stale->problems[0].count == days_past);
  CHECK(station.Offered() == 1);
  CHECK(log.Text().find(" E content: the county's catalog expired " + std::to_string(days_past) + " day(s) ago") !=
        std::string::npos);
  auto status = ReadSyncStatus(*station.db, station_time.NowSeconds());
  REQUIRE(status.ok());
  REQUIRE_FALSE(status->last_problems.empty());
  CHECK(status->last_problems[0].code == problem::kContentExpired);
  // Said, but no failed round: no backoff, the next round after the usual interval.
  CHECK(status->round_failures == 0);
  CHECK(status->last_success_at_s == station_time.NowSeconds());
  REQUIRE(status->next_try_at_s.has_value());
  CHECK(*status->next_try_at_s == station_time.NowSeconds() + 15 * 60);
  CHECK(stale->everything_delivered);

  // Once a day to county IT, even from a new process (kiosk-sync from cron).
  SyncEngine next_run(*station.db, PosixFileSystem(), station_time, options);
  REQUIRE(next_run.RunRound().ok());
  const std::string line = " E content: the county's catalog expired ";
  const std::string text = log.Text();
  CHECK(text.find(line) == text.rfind(line));
}

TEST_CASE("a USB job asked for during a slow download is done within seconds, and the download goes on after it",
          "[sync][county][usb]") {
  constexpr std::int64_t kLesson = 6'000'000;
  test::CountyUnderTest county;
  county.PublishPackage(1, kLesson, 17);
  EnrolledStation station(county);
  test::FaultPlan slow_link;
  slow_link.down_bytes_per_s = 300'000;  // 20 s of lesson
  test::FaultProxy link(county.port(), slow_link);
  REQUIRE(station.db->SetSetting("sync.county_server", "http://127.0.0.1:" + std::to_string(link.port())).ok());
  test::ScratchDir stick;

  SyncOptions options;
  options.data_dir = station.dir.path();
  options.round_backoff = {200, 1000};
  options.content_checkpoint_interval_ms = 500;
  test::RunningEngine engine(*station.db, options);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (StatusNow(*station.db).done_bytes < 600'000) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(station.Offered() == 0);
  CHECK(SecondsForUsbExport(*station.db, stick.path(), deadline) < 8);  // not the ~15 s of lesson still to come
  CHECK(station.Offered() == 0);
  CHECK(StatusNow(*station.db).usb_last->error.empty());

  // The lesson arrives after all, having crossed the link about once.
  while (station.Offered() == 0) {
    REQUIRE(std::chrono::steady_clock::now() < deadline + std::chrono::seconds(30));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(link.stats().down_bytes < kLesson + 1'000'000);
}

TEST_CASE("a USB job asked for while a report goes up is done within seconds, and the report is no failed try: "
          "it goes on from the bytes the county has",
          "[sync][county][usb]") {
  test::CountyUnderTest county;
  EnrolledStation station(county);
  // The station's bandwidth cap makes the report's 1.5 MB photo take ~15 s to go up.
  REQUIRE(station.db->SetSetting("sync.max_bytes_per_second", "100000").ok());
  auto config = LoadOutboxConfig(*station.db, PosixFileSystem(), station.dir.path());
  REQUIRE(config.ok());
  auto outbox = Outbox::Open(*station.db, PosixFileSystem(), SystemClock(), std::move(*config));
  REQUIRE(outbox.ok());
  auto filed = (*outbox)->Finalise(test::MakeDraft(**outbox, 1, 1'500'000, 0, 19));
  REQUIRE(filed.ok());
  outbox->reset();
  test::ScratchDir stick;
  test::ScratchDir logs;
  test::CapturedLog log(logs);

  SyncOptions options;
  options.data_dir = station.dir.path();
  options.skip_content = true;
  options.round_backoff = {120'000, 120'000};       // a failed round would wait two minutes,
  options.delivery.backoff = {120'000, 120'000};    // and so would a failed report
  test::RunningEngine engine(*station.db, options);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (StatusNow(*station.db).done_bytes < 256 << 10) {  // the first chunk is at the county
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(StatusNow(*station.db).undelivered_count == 1);
  CHECK(SecondsForUsbExport(*station.db, stick.path(), deadline) < 8);  // not the ~12 s of photo still to go
  CHECK(StatusNow(*station.db).usb_last->exported.reports == 1);

  // Right after the job, not after a failed try's two minutes.
  while (StatusNow(*station.db).undelivered_count > 0) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto reports = county::ListReports(county.store());
  REQUIRE(reports.ok());
  REQUIRE(reports->size() == 1);
  CHECK(reports->front().report_id == filed->report_id);
  const SyncStatus after = StatusNow(*station.db);
  CHECK(after.round_failures == 0);
  CHECK(after.last_error.empty());
  CHECK(log.Text().find("report " + filed->report_id + ": stopped on purpose") != std::string::npos);
  CHECK(log.Text().find(" W delivery:") == std::string::npos);
  // The stick carries it too: the county counts it once.
  auto imported = county::ImportUsb(county.store(), stick.path(), test::kCountyNow);
  REQUIRE(imported.ok());
  CHECK(imported->reports_new == 0);
  CHECK(imported->reports_again == 1);
}

TEST_CASE("a USB job asked for while the download is stalled is done at once, and the round it paused is no failure",
          "[sync][county][usb]") {
  constexpr std::int64_t kLesson = 4'000'000;
  test::CountyUnderTest county;
  county.PublishPackage(1, kLesson, 18);
  EnrolledStation station(county);
  test::FaultPlan stalls;
  stalls.stall_down_after_bytes = 1'500'000;  // then nothing, the connection held open
  test::FaultProxy link(county.port(), stalls);
  REQUIRE(station.db->SetSetting("sync.county_server", "http://127.0.0.1:" + std::to_string(link.port())).ok());
  test::ScratchDir stick;
  test::ScratchDir logs;
  test::CapturedLog log(logs);

  SyncOptions options;
  options.data_dir = station.dir.path();
  options.round_backoff = {120'000, 120'000};  // a failed round would wait two minutes
  options.content_checkpoint_interval_ms = 200;
  test::RunningEngine engine(*station.db, options);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(50);
  // Stalled: the proxy has passed what it will of the lesson, and holds on.
  while (link.stats().down_bytes < stalls.stall_down_after_bytes) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  REQUIRE(station.Offered() == 0);
  // The link is good again for new connections; the stalled one stays stalled.
  link.SetPlan({});

  CHECK(SecondsForUsbExport(*station.db, stick.path(), deadline) < 5);  // not the minute of the low-speed limit
  CHECK(StatusNow(*station.db).usb_last->error.empty());

  // The round after the job goes on at once, not after a failed round's backoff.
  while (station.Offered() == 0) {
    REQUIRE(std::chrono::steady_clock::now() < deadline + std::chrono::seconds(30));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const SyncStatus after = StatusNow(*station.db);
  CHECK(after.round_failures == 0);
  CHECK(after.last_error.empty());
  // Nothing for county IT to worry about: the pause is no warning.
  CHECK(log.Text().find("file lesson-0.mp4 (") != std::string::npos);
  CHECK(log.Text().find(" W content:") == std::string::npos);
  CHECK(log.Text().find(" W sync:") == std::string::npos);
  CHECK(link.stats().down_bytes < kLesson + 1'000'000);
}
