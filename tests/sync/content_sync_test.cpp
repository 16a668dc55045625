// Content down, end to end on 127.0.0.1: a signed catalog and its blobs
// from a real HTTP server, verified and installed into a real store; every
// catalog the station must refuse, refused with the installed content kept;
// the USB package through the same checks.

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/files.h"
#include "base/log.h"
#include "store/catalog.h"
#include "store/lessons.h"
#include "store/store.h"
#include "sync/content_sync.h"
#include "sync/package_import.h"
#include "tests/base/scratch_dir.h"
#include "tests/player/clips.h"
#include "tests/sync/captured_log.h"
#include "tests/sync/fault_proxy.h"
#include "tests/sync/test_http_server.h"

using namespace station_sync;
using nlohmann::json;

extern char** environ;

namespace {

constexpr std::int64_t kNow = 1795136400;

std::string Bytes(std::size_t size, unsigned seed) {
  std::string bytes(size, '\0');
  std::uint32_t x = seed * 2654435761u + 7;
  for (char& c : bytes) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    c = static_cast<char>(x);
  }
  return bytes;
}

bool Exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

json BlobJson(const std::string& bytes, const std::string& name) {
  return {{"sha256", test::Sha256Hex(bytes)}, {"size", bytes.size()}, {"name", name}};
}

// A county's content: lessons with their files, as catalog JSON.
struct Content {
  std::map<std::string, std::string> files;  // lesson id -> media bytes
  std::map<std::string, std::string> thumbnails;
  json Lesson(const std::string& id) const {
    json lesson = {{"id", id},
                   {"title", "课程 " + id},
                   {"category", "farming"},
                   {"summary", "summary of " + id},
                   {"duration_s", 90},
                   {"published_at", kNow - 3600},
                   {"file", BlobJson(files.at(id), id + ".mp4")},
                   {"subtitles", nullptr},
                   {"thumbnail", nullptr}};
    if (thumbnails.count(id)) lesson["thumbnail"] = BlobJson(thumbnails.at(id), id + ".jpg");
    return lesson;
  }
  json Catalog(std::int64_t version, const std::vector<std::string>& ids) const {
    json lessons = json::array();
    for (const auto& id : ids) lessons.push_back(Lesson(id));
    return {{"format", 2},
            {"version", version},
            {"published_at", kNow - 60},
            {"expires_at", kNow + 30 * 86400},
            {"lessons", lessons},
            {"notices", json::array({{{"id", "n1"}, {"title", "通知"}, {"text", "text"}, {"published_at", kNow}}})}};
  }
};

struct Station {
  test::ScratchDir dir;
  minisign::SecretKey key = minisign::GenerateKey();
  ManualClock clock{kNow};
  std::unique_ptr<store::Store> db;
  std::unique_ptr<ContentLibrary> library;
  std::shared_ptr<test::BlobSite> site = std::make_shared<test::BlobSite>();
  std::unique_ptr<test::TestHttpServer> server;
  Content content;

  Station() {
    Open();
    site->server_time_s = kNow;
    server = std::make_unique<test::TestHttpServer>(test::BlobHandler(site));
    for (const std::string id : {"a", "b", "c", "d"}) {
      content.files[id] = Bytes(40'000 + id[0] * 1000, id[0]);
      site->blobs[test::Sha256Hex(content.files[id])] = content.files[id];
    }
    content.thumbnails["a"] = Bytes(3'000, 99);
    site->blobs[test::Sha256Hex(content.thumbnails["a"])] = content.thumbnails["a"];
  }
  void Open() {
    library.reset();
    db.reset();
    auto opened = store::Store::Open(dir.File("station.db"));
    REQUIRE(opened.ok());
    db = std::move(opened).value();
    library = std::make_unique<ContentLibrary>(*db, dir.path(), key.public_key, clock);
  }
  void Publish(const json& catalog, const minisign::SecretKey* signer = nullptr) {
    Publish(catalog.dump(), signer);
  }
  void Publish(const std::string& text, const minisign::SecretKey* signer = nullptr) {
    std::lock_guard<std::mutex> lock(site->mutex);
    site->catalog_text = text;
    site->catalog_signature = minisign::Sign(text, signer ? *signer : key, "timestamp:1795136400\tfile:catalog.json");
    const json parsed = json::parse(text, nullptr, false);
    site->catalog_version = parsed.is_object() && parsed.value("version", json()).is_number_integer()
                                ? parsed["version"].get<std::int64_t>()
                                : site->catalog_version + 1;
  }
  ContentSyncOptions Options(int port = 0) const {
    ContentSyncOptions options;
    options.server_url = "http://127.0.0.1:" + std::to_string(port ? port : server->port());
    options.http.connect_timeout_s = 5;
    options.http.low_speed_bytes_per_s = 1000;
    options.http.low_speed_time_s = 2;
    options.backoff = {20, 200};
    options.unit_random = [] { return 0.5; };
    return options;
  }
  std::vector<std::string> OfferedIds() const {
    store::LessonLibrary lessons(*db);
    auto listed = lessons.List(store::Shelf::kAll);
    REQUIRE(listed.ok());
    std::vector<std::string> ids;
    for (const auto& entry : *listed) ids.push_back(entry.lesson.id);
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  std::string BlobFile(const std::string& bytes) const { return dir.File("content/blobs/" + test::Sha256Hex(bytes)); }
};

using Ids = std::vector<std::string>;

using test::CapturedLog;

}  // namespace

TEST_CASE("a catalog that is malformed or names unsafe files is refused with the reason", "[sync]") {
  Content content;
  content.files["a"] = "media";
  const json good = content.Catalog(3, {"a"});
  REQUIRE(ParseContentCatalog(good.dump()).ok());
  CHECK(ParseContentCatalog(good.dump())->lessons.at(0).file.size_bytes == 5);

  using Mutation = std::function<void(json&)>;
  const auto [mutate, reason] = GENERATE(table<Mutation, std::string>({
      {[](json& c) { c["lessons"][0]["file"]["name"] = "../../etc/passwd"; }, "not a safe file name"},
      {[](json& c) { c["lessons"][0]["file"]["name"] = "/etc/passwd"; }, "not a safe file name"},
      {[](json& c) { c["lessons"][0]["file"]["name"] = ".."; }, "not a safe file name"},
      {[](json& c) { c["lessons"][0]["id"] = "../a"; }, "lesson id"},
      {[](json& c) { c["lessons"][0]["file"]["sha256"] = "ABC"; }, "64 lowercase hex"},
      {[](json& c) { c["lessons"][0]["file"]["size"] = -1; }, "\"size\" is below 0"},
      {[](json& c) { c["lessons"][0].erase("title"); }, "missing \"title\""},
      {[](json& c) { c["lessons"][0]["duration_s"] = "long"; }, "not an integer"},
      {[](json& c) { c["lessons"].push_back(c["lessons"][0]); }, "appears twice"},
      {[](json& c) { c["format"] = 1; }, "\"format\" is not 2"},
      {[](json& c) { c["expires_at"] = c["published_at"]; }, "expires_at"},
      {[](json& c) { c["lessons"] = "none"; }, "no \"lessons\" list"},
      {[](json& c) { c.erase("version"); }, "missing \"version\""},
  }));
  json bad = good;
  mutate(bad);
  auto parsed = ParseContentCatalog(bad.dump());
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.error().code == base::ErrorCode::kInvalidInput);
  CHECK_THAT(parsed.error().message, Catch::StartsWith("catalog refused: ") && Catch::Contains(reason));
  CHECK_FALSE(ParseContentCatalog("{\"format\": 2, ").ok());
  CHECK_FALSE(ParseContentCatalog("[]").ok());
}

TEST_CASE("only lessons whose files are all there are offered, and a changed lesson keeps its old files until then",
          "[sync]") {
  Content content;
  content.files = {{"a", "A1"}, {"b", "B1"}, {"c", "C1"}};
  auto catalog = ParseContentCatalog(content.Catalog(2, {"a", "b", "c"}).dump());
  REQUIRE(catalog.ok());
  std::set<std::string> present = {test::Sha256Hex("A1"), test::Sha256Hex("B0")};
  const auto have = [&](const std::string& sha) { return present.count(sha) > 0; };
  store::Lesson old_b = ToStoreLesson(catalog->lessons[1]);
  old_b.media_path = "blobs/" + test::Sha256Hex("B0");  // version 1 of lesson b
  store::Lesson old_c = ToStoreLesson(catalog->lessons[2]);  // its file is gone

  const auto lessons = LessonsToInstall(*catalog, have, {old_b, old_c});
  REQUIRE(lessons.size() == 2);
  CHECK(lessons[0].id == "a");
  CHECK(lessons[0].media_path == "blobs/" + test::Sha256Hex("A1"));
  CHECK(lessons[0].duration_ms == 90'000);
  CHECK(lessons[1] == old_b);
}

TEST_CASE("a signed catalog is installed: lessons play from verified blobs, catalog.json names the same lessons",
          "[sync]") {
  Station station;
  station.Publish(station.content.Catalog(5, {"a", "b", "c"}));
  ContentSync sync(*station.library, station.Options());
  auto report = sync.RunOnce();
  REQUIRE(report.ok());
  CHECK(report->catalog_changed);
  CHECK(report->catalog_version == 5);
  CHECK(report->lessons_offered == 3);
  CHECK(report->blobs_missing == 0);
  CHECK(station.OfferedIds() == Ids{"a", "b", "c"});
  CHECK(station.library->accepted_version() == 5);

  store::LessonLibrary lessons(*station.db);
  auto a = lessons.Get("a");
  REQUIRE(a.ok());
  REQUIRE(a->has_value());
  CHECK(test::FileBytes(station.dir.File("content/" + (*a)->lesson.media_path)) == station.content.files["a"]);
  CHECK(test::FileBytes(station.dir.File("content/" + (*a)->lesson.thumbnail_path)) == station.content.thumbnails["a"]);
  CHECK((*a)->lesson.title == "课程 a");

  // The kiosk's own importer reads catalog.json to the very same lessons.
  auto mirror = store::ParseCatalog(test::FileBytes(station.dir.File("content/catalog.json")));
  REQUIRE(mirror.ok());
  CHECK(mirror->lessons.size() == 3);
  CHECK(std::find(mirror->lessons.begin(), mirror->lessons.end(), (*a)->lesson) != mirror->lessons.end());

  SECTION("an unchanged catalog costs one small request answered 304") {
    const int before = station.server->requests();
    auto again = sync.RunOnce();
    REQUIRE(again.ok());
    CHECK_FALSE(again->catalog_changed);
    CHECK(station.server->requests() == before + 1);
    CHECK(station.site->catalog_not_modified == 1);
  }

  SECTION("an update removes blobs no catalog needs; a lesson playing from one keeps reading") {
    const int playing = ::open(station.BlobFile(station.content.files["b"]).c_str(), O_RDONLY);
    REQUIRE(playing >= 0);
    station.Publish(station.content.Catalog(6, {"a", "c", "d"}));
    auto updated = sync.RunOnce();
    REQUIRE(updated.ok());
    CHECK(updated->catalog_version == 6);
    CHECK(station.OfferedIds() == Ids{"a", "c", "d"});
    CHECK_FALSE(Exists(station.BlobFile(station.content.files["b"])));
    CHECK(updated->removed_files == 1);
    std::string read_back(station.content.files["b"].size() + 10, '\0');
    const ssize_t n = ::pread(playing, read_back.data(), read_back.size(), 0);
    ::close(playing);
    REQUIRE(n == static_cast<ssize_t>(station.content.files["b"].size()));
    read_back.resize(static_cast<std::size_t>(n));
    CHECK(read_back == station.content.files["b"]);
  }

  SECTION("rollback is refused after a restart too") {
    station.Open();
    ContentSync restarted(*station.library, station.Options());
    station.Publish(station.content.Catalog(4, {"d"}));
    auto refused = restarted.RunOnce();
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().message, Catch::Contains("not newer than the installed version 5"));
    CHECK(station.OfferedIds() == Ids{"a", "b", "c"});
  }
}

TEST_CASE("a catalog update that drops the lesson playing: it plays to the end, decoded from the removed file",
          "[sync][player]") {
  Station station;
  const std::string clip = player_test::MakeClip(
      "lesson.mp4", player_test::VideoInput(3) + " " + player_test::AudioInput(3) +
                        " -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac");
  station.content.files["b"] = test::FileBytes(clip);
  station.site->blobs[test::Sha256Hex(station.content.files["b"])] = station.content.files["b"];
  station.Publish(station.content.Catalog(5, {"a", "b"}));
  ContentSync sync(*station.library, station.Options());
  REQUIRE(sync.RunOnce().ok());
  const std::string playing = station.BlobFile(station.content.files["b"]);
  REQUIRE(Exists(playing));

  // A second into the lesson, the county's next catalog no longer has it.
  bool updated = false;
  player_test::PlayParams params;
  params.on_tick = [&](player::Player& player, const std::optional<player::VideoFrame>&) {
    if (!updated && player.Status().position_ms >= 1000) {
      updated = true;
      station.Publish(station.content.Catalog(6, {"a"}));
      auto update = sync.RunOnce();
      REQUIRE(update.ok());
      CHECK(update->removed_files == 1);
      CHECK(station.OfferedIds() == Ids{"a"});
      CHECK_FALSE(Exists(playing));
    }
    return true;
  };
  const player_test::PlayRun run = player_test::PlayToEnd(playing, params);
  REQUIRE(run.open_ok);
  REQUIRE(updated);
  REQUIRE_FALSE(run.timed_out);
  CHECK(run.status.state == player::State::kEnded);
  CHECK(run.status.counters.frames_decoded == 75);  // 3 s at 25 fps, every one
  CHECK(run.status.counters.decode_errors == 0);
  CHECK(run.status.position_ms >= 2800);
}

TEST_CASE("a busy county's Retry-After outlives the pass it ended, catalog or blob", "[sync]") {
  Station station;
  station.Publish(station.content.Catalog(5, {"a"}));
  ContentSync sync(*station.library, station.Options());
  SECTION("the catalog answered 429: the pass ends, the wait is kept") {
    station.site->busy_answers = 1;
    station.site->busy_retry_after_s = 300;
    auto report = sync.RunOnce();
    CHECK_FALSE(report.ok());
    CHECK(sync.retry_after_s() == 300);
    CHECK(station.OfferedIds().empty());
  }
  SECTION("a blob answered 429 with a wait longer than the pass may sleep: the pass ends") {
    ContentSyncOptions options = station.Options();
    options.max_wait_ms = 1'000;
    ContentSync short_waits(*station.library, options);
    station.site->blob_busy_answers = 1;
    station.site->busy_retry_after_s = 120;
    auto report = short_waits.RunOnce();
    CHECK_FALSE(report.ok());
    CHECK(short_waits.retry_after_s() == 120);
    CHECK(station.OfferedIds().empty());
  }
  SECTION("a short wait is slept out and the pass completes") {
    station.site->blob_busy_answers = 1;
    station.site->busy_retry_after_s = 1;
    const auto started = std::chrono::steady_clock::now();
    auto report = sync.RunOnce();
    REQUIRE(report.ok());
    CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(900));
    CHECK(station.OfferedIds() == Ids{"a"});
    CHECK(sync.retry_after_s() == 1);
  }
}

TEST_CASE("a station enrolled with another county takes that county's versions from 1, and keeps its lessons "
          "until they arrive",
          "[sync]") {
  Station station;
  station.Publish(station.content.Catalog(5, {"a", "b"}));
  {
    ContentSync first(*station.library, station.Options());
    REQUIRE(first.RunOnce().ok());
  }
  REQUIRE(station.OfferedIds() == Ids{"a", "b"});

  // The new county's content key (pinned at the new enrolment).
  const minisign::SecretKey other_county = minisign::GenerateKey();
  ContentLibrary moved(*station.db, station.dir.path(), other_county.public_key, station.clock);
  CHECK(moved.accepted_version() == 0);
  auto nothing_yet = moved.Accepted();
  REQUIRE(nothing_yet.ok());
  CHECK_FALSE(nothing_yet->has_value());
  CHECK(station.OfferedIds() == Ids{"a", "b"});  // still playable meanwhile

  station.Publish(station.content.Catalog(2, {"c"}), &other_county);
  ContentSync second(moved, station.Options());
  auto report = second.RunOnce();
  REQUIRE(report.ok());
  CHECK(report->catalog_version == 2);
  CHECK(station.OfferedIds() == Ids{"c"});

  SECTION("under the new key, versions only go up again") {
    station.Publish(station.content.Catalog(1, {"a"}), &other_county);
    CHECK_FALSE(second.RunOnce().ok());
    CHECK(station.OfferedIds() == Ids{"c"});
  }
  SECTION("the old county's catalogs no longer verify") {
    station.Publish(station.content.Catalog(9, {"a"}));
    CHECK_FALSE(second.RunOnce().ok());
    CHECK(station.OfferedIds() == Ids{"c"});
  }
}

TEST_CASE("a catalog kept on disk but not recorded (a power cut between the two) is recorded when it comes again",
          "[sync]") {
  Station station;
  station.Publish(station.content.Catalog(1, {"a"}));
  REQUIRE(station.library->Accept(station.site->catalog_text, station.site->catalog_signature, kNow).ok());
  json v2 = station.content.Catalog(2, {"a", "b"});
  v2["notices"] = json::array({{{"id", "n2"}, {"title", "新通知"}, {"text", "周五开会"}, {"published_at", kNow}}});
  station.Publish(v2);
  // What Accept writes first, and then the power went: the settings still say version 1.
  const json saved = {{"catalog", station.site->catalog_text}, {"signature", station.site->catalog_signature}};
  REQUIRE(base::WriteFileDurably(station.dir.File("content/catalog.signed.json"), saved.dump()).ok());
  REQUIRE(station.library->accepted_version() == 1);

  auto again = station.library->Accept(station.site->catalog_text, station.site->catalog_signature, kNow);
  REQUIRE(again.ok());
  CHECK(*again == AcceptOutcome::kSame);
  CHECK(station.library->accepted_version() == 2);
  const std::vector<CatalogNotice> notices = LoadNotices(*station.db);
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].id == "n2");
}

TEST_CASE("a refused catalog changes nothing: the installed lessons and their files stay", "[sync]") {
  Station station;
  station.Publish(station.content.Catalog(5, {"a", "b"}));
  ContentSync sync(*station.library, station.Options());
  REQUIRE(sync.RunOnce().ok());
  const std::string accepted = test::FileBytes(station.dir.File("content/catalog.signed.json"));
  const std::string mirror = test::FileBytes(station.dir.File("content/catalog.json"));
  const minisign::SecretKey stranger = minisign::GenerateKey();
  CapturedLog log(station.dir);
  std::string refusal;

  SECTION("bad signature") {
    station.Publish(station.content.Catalog(6, {"c"}));
    station.site->catalog_signature = minisign::Sign("other bytes", station.key, "x");
    auto refused = sync.RunOnce();
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().message, Catch::Contains("signature does not match"));
    refusal = refused.error().message;
  }
  SECTION("unknown key") {
    station.Publish(station.content.Catalog(6, {"c"}), &stranger);
    auto refused = sync.RunOnce();
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().message, Catch::Contains("another key"));
    refusal = refused.error().message;
  }
  SECTION("older version") {
    station.Publish(station.content.Catalog(4, {"c"}));
    auto refused = sync.RunOnce();
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().message, Catch::Contains("no rollback"));
    refusal = refused.error().message;
  }
  SECTION("same version, other content") {
    // (Over the network the ETag already says "unchanged"; a stick can carry anything.)
    const std::string text = station.content.Catalog(5, {"c"}).dump();
    auto refused = station.library->Accept(text, minisign::Sign(text, station.key, "x"), kNow);
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().message, Catch::Contains("not newer"));
    refusal = refused.error().message;
  }
  SECTION("expired, by the county's clock") {
    json catalog = station.content.Catalog(6, {"c"});
    catalog["expires_at"] = kNow - 1;
    catalog["published_at"] = kNow - 100;
    station.Publish(catalog);
    auto refused = sync.RunOnce();
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().message, Catch::Contains("expired"));
    refusal = refused.error().message;
  }
  SECTION("a ../ name") {
    json catalog = station.content.Catalog(6, {"c"});
    catalog["lessons"][0]["file"]["name"] = "../../../bin/sh";
    station.Publish(catalog);
    auto refused = sync.RunOnce();
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().message, Catch::Contains("not a safe file name"));
    refusal = refused.error().message;
  }
  SECTION("an absolute name") {
    json catalog = station.content.Catalog(6, {"c"});
    catalog["lessons"][0]["thumbnail"] = BlobJson("x", "/etc/shadow");
    station.Publish(catalog);
    auto refused = sync.RunOnce();
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().message, Catch::Contains("not a safe file name"));
    refusal = refused.error().message;
  }
  SECTION("oversized") {
    json catalog = station.content.Catalog(6, {"c"});
    catalog["lessons"][0]["summary"] = std::string(60'000, 'x');
    for (int i = 0; i < 150; ++i) {
      json copy = catalog["lessons"][0];
      copy["id"] = "c" + std::to_string(i);
      catalog["lessons"].push_back(copy);
    }
    station.Publish(catalog);
    auto refused = sync.RunOnce();
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().message, Catch::Contains("over the 8 MiB limit"));
    refusal = refused.error().message;
  }
  SECTION("malformed") {
    station.Publish(std::string("{\"format\": 2, \"version\": 6, \"lessons\": [}"));
    auto refused = sync.RunOnce();
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().message, Catch::Contains("not valid JSON"));
    refusal = refused.error().message;
  }

  // Logged as an error with its reason, and what stays.
  CHECK_THAT(log.Text(), Catch::Contains(" E content: " + refusal + "; the installed content stays"));
  CHECK(station.OfferedIds() == Ids{"a", "b"});
  CHECK(station.library->accepted_version() == 5);
  CHECK(test::FileBytes(station.dir.File("content/catalog.signed.json")) == accepted);
  CHECK(test::FileBytes(station.dir.File("content/catalog.json")) == mirror);
  CHECK(Exists(station.BlobFile(station.content.files["a"])));
  CHECK_FALSE(Exists(station.BlobFile(station.content.files["c"])));
}

TEST_CASE("a tampered or missing blob keeps its lesson waiting while the others appear", "[sync]") {
  Station station;
  station.site->blobs[test::Sha256Hex(station.content.files["b"])] = "not the right bytes";
  station.site->blobs.erase(test::Sha256Hex(station.content.files["c"]));
  station.Publish(station.content.Catalog(5, {"a", "b", "c", "d"}));
  ContentSync sync(*station.library, station.Options());
  CapturedLog log(station.dir);
  auto first = sync.RunOnce();
  REQUIRE_FALSE(first.ok());
  CHECK(first.error().code == base::ErrorCode::kCorrupt);
  CHECK(station.OfferedIds() == Ids{"a", "d"});
  // Each file that did not come says which and why.
  const std::string logged = log.Text();
  const auto shown = [&](const std::string& id) { return test::Sha256Hex(station.content.files[id]).substr(0, 12); };
  CHECK_THAT(logged, Catch::Contains("W content: file b.mp4 (" + shown("b") + "): county offers 19 bytes") &&
                         Catch::Contains("W content: file c.mp4 (" + shown("c") + "): the county has no blob"));
  CHECK_FALSE(Exists(station.BlobFile(station.content.files["b"])));

  // The county's copy is repaired: the next pass completes the catalog.
  station.site->blobs[test::Sha256Hex(station.content.files["b"])] = station.content.files["b"];
  station.site->blobs[test::Sha256Hex(station.content.files["c"])] = station.content.files["c"];
  auto second = sync.RunOnce();
  REQUIRE(second.ok());
  CHECK(station.OfferedIds() == Ids{"a", "b", "c", "d"});
}

TEST_CASE("lessons appear in the library one by one as their files complete", "[sync]") {
  Station station;
  station.Publish(station.content.Catalog(5, {"a", "b", "c"}));
  station.server.reset();
  // Accept the catalog straight from the "network" answer, then fill it
  // with a fetch that reports what the library offers at each step.
  REQUIRE(station.library->Accept(station.site->catalog_text, station.site->catalog_signature, kNow).ok());
  auto catalog = station.library->Accepted();
  REQUIRE(catalog.ok());
  std::vector<std::size_t> offered_before_each_fetch;
  auto filled = station.library->Fill(
      **catalog,
      [&](const CatalogBlob& blob) -> base::Status {
        offered_before_each_fetch.push_back(station.OfferedIds().size());
        const std::string part = station.library->downloads_dir() + "/" + blob.sha256 + ".t";
        REQUIRE(base::MakeDirectories(station.library->downloads_dir()).ok());
        REQUIRE(base::WriteFileDurably(part, station.site->blobs.at(blob.sha256)).ok());
        return InstallVerifiedBlob(part, station.library->blobs_dir(), blob.sha256);
      },
      /*install_every_ms=*/0);
  REQUIRE(filled.ok());
  // a has a thumbnail and a file: a appears after both, then b, then c.
  CHECK(offered_before_each_fetch == std::vector<std::size_t>{0, 0, 1, 2});
  CHECK(station.OfferedIds() == Ids{"a", "b", "c"});
}

TEST_CASE("a content sync through a link cut at random offsets delivers every lesson, each byte once", "[sync]") {
  Station station;
  station.Publish(station.content.Catalog(5, {"a", "b", "c", "d"}));
  test::FaultPlan plan;
  plan.random_cut_down_min = 2'000;
  plan.random_cut_down_max = 30'000;
  plan.seed = 11;
  test::FaultProxy proxy(station.server->port(), plan);
  ContentSyncOptions options = station.Options(proxy.port());
  options.tries_without_progress = 50;
  ContentSync sync(*station.library, options);
  int passes = 0;
  while (station.OfferedIds().size() < 4 && passes < 20) {
    ++passes;
    (void)sync.RunOnce();
  }
  CHECK(station.OfferedIds() == Ids{"a", "b", "c", "d"});
  CHECK(proxy.stats().cuts > 5);
  std::int64_t blob_bytes = 0;
  for (const auto& [id, bytes] : station.content.files) blob_bytes += static_cast<std::int64_t>(bytes.size());
  blob_bytes += static_cast<std::int64_t>(station.content.thumbnails["a"].size());
  // Everything beyond the blobs is catalog answers (cut ones included).
  const std::int64_t catalog_answer = static_cast<std::int64_t>(station.site->catalog_text.size()) + 2000;
  CHECK(sync.bytes_received() >= blob_bytes);
  CHECK(sync.bytes_received() <= blob_bytes + passes * 2 * catalog_answer);
}

TEST_CASE("a USB package goes through the same checks, big blobs in parts", "[sync]") {
  Station station;
  const std::string package = station.dir.File("stick/village-station/package");
  REQUIRE(base::MakeDirectories(package + "/blobs").ok());
  const auto write_package = [&](const json& catalog, const minisign::SecretKey& signer) {
    const std::string text = catalog.dump();
    REQUIRE(base::WriteFileDurably(package + "/catalog.json", text).ok());
    REQUIRE(base::WriteFileDurably(package + "/catalog.json.minisig", minisign::Sign(text, signer, "usb")).ok());
  };
  // a: whole; b: in three parts; c: not on the stick; thumbnail of a whole.
  for (const std::string* bytes : {&station.content.files["a"], &station.content.thumbnails["a"]}) {
    REQUIRE(base::WriteFileDurably(package + "/blobs/" + test::Sha256Hex(*bytes), *bytes).ok());
  }
  const std::string& b = station.content.files["b"];
  const std::string b_sha = test::Sha256Hex(b);
  REQUIRE(base::WriteFileDurably(package + "/blobs/" + b_sha + ".part-000", b.substr(0, 20'000)).ok());
  REQUIRE(base::WriteFileDurably(package + "/blobs/" + b_sha + ".part-001", b.substr(20'000, 20'000)).ok());
  REQUIRE(base::WriteFileDurably(package + "/blobs/" + b_sha + ".part-002", b.substr(40'000)).ok());
  write_package(station.content.Catalog(7, {"a", "b", "c"}), station.key);

  auto imported = ImportPackage(*station.library, station.dir.File("stick"));
  REQUIRE(imported.ok());
  CHECK(imported->catalog_version == 7);
  CHECK(imported->blobs_copied == 3);
  CHECK(imported->blobs_missing == 1);
  CHECK(station.OfferedIds() == Ids{"a", "b"});
  CHECK(test::FileBytes(station.BlobFile(b)) == b);

  SECTION("the network then brings what the stick lacked") {
    station.Publish(test::FileBytes(package + "/catalog.json"));
    station.site->catalog_signature = test::FileBytes(package + "/catalog.json.minisig");
    ContentSync sync(*station.library, station.Options());
    auto report = sync.RunOnce();
    REQUIRE(report.ok());
    CHECK_FALSE(report->catalog_changed);
    CHECK(station.OfferedIds() == Ids{"a", "b", "c"});
    CHECK(report->bytes_received < static_cast<std::int64_t>(station.content.files["c"].size() + 5'000));
  }
  SECTION("a package signed by another key is refused") {
    write_package(station.content.Catalog(8, {"d"}), minisign::GenerateKey());
    CapturedLog log(station.dir);
    auto refused = ImportPackage(*station.library, station.dir.File("stick"));
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().message, Catch::Contains("another key"));
    CHECK_THAT(log.Text(), Catch::Contains(" E content: catalog refused: minisign: signed by another key") &&
                               Catch::Contains("; the installed content stays"));
    CHECK(station.OfferedIds() == Ids{"a", "b"});
  }
  SECTION("a tampered blob on the stick is not installed") {
    write_package(station.content.Catalog(8, {"a", "b", "d"}), station.key);
    std::string wrong = station.content.files["d"];
    wrong[100] ^= 1;
    REQUIRE(base::WriteFileDurably(package + "/blobs/" + test::Sha256Hex(station.content.files["d"]), wrong).ok());
    CapturedLog log(station.dir);
    auto result = ImportPackage(*station.library, station.dir.File("stick"));
    REQUIRE(result.ok());
    CHECK(result->blobs_missing == 1);
    CHECK_THAT(log.Text(), Catch::Contains(" W content: file d.mp4 (" +
                                           test::Sha256Hex(station.content.files["d"]).substr(0, 12) + "): "));
    CHECK(station.OfferedIds() == Ids{"a", "b"});
    CHECK_FALSE(Exists(station.BlobFile(station.content.files["d"])));
  }
  SECTION("an older package is refused") {
    write_package(station.content.Catalog(6, {"a"}), station.key);
    CapturedLog log(station.dir);
    auto refused = ImportPackage(*station.library, station.dir.File("stick"));
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().message, Catch::Contains("no rollback"));
    CHECK_THAT(log.Text(), Catch::Contains(" E content: " + refused.error().message + "; the installed content stays"));
  }
}

namespace {

pid_t SpawnCrashtest(const std::vector<std::string>& arguments, int& out_fd) {
  int pipe_fds[2];
  REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<std::string> args = arguments;
  args.insert(args.begin(), CONTENT_CRASHTEST);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  REQUIRE(::posix_spawn(&pid, CONTENT_CRASHTEST, &actions, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  out_fd = pipe_fds[0];
  return pid;
}

std::string ReadAll(int fd) {
  std::string output;
  char buffer[256];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) output.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return output;
}

}  // namespace

TEST_CASE("kill -9 of the sync process at random moments, then a restart completes with every file intact",
          "[sync][slow]") {
  Station station;
  for (const std::string id : {"a", "b", "c", "d"}) {
    station.site->blobs.erase(test::Sha256Hex(station.content.files[id]));
    station.content.files[id] = Bytes(700'000, id[0] + 50u);
    station.site->blobs[test::Sha256Hex(station.content.files[id])] = station.content.files[id];
  }
  station.Publish(station.content.Catalog(5, {"a", "b", "c", "d"}));
  test::FaultPlan slow;
  slow.down_bytes_per_s = 3'000'000;
  test::FaultProxy proxy(station.server->port(), slow);
  station.library.reset();
  station.db.reset();
  const std::vector<std::string> args = {"--data-dir", station.dir.path(), "--server",
                                         "http://127.0.0.1:" + std::to_string(proxy.port()), "--content-key",
                                         minisign::PublicKeyLine(station.key.public_key)};
  std::uint32_t random = 12345;
  int kills = 0;
  std::string output;
  for (int round = 0; round < 8; ++round) {
    int out = -1;
    const pid_t child = SpawnCrashtest(args, out);
    random = random * 1103515245u + 12345u;
    std::this_thread::sleep_for(std::chrono::milliseconds(60 + (random >> 8) % 300));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    output = ReadAll(out);
    if (WIFSIGNALED(status)) ++kills;
    if (output.find("complete") != std::string::npos) break;
    // What a restart will trust is a true prefix of its blob.
    for (const auto& [id, bytes] : station.content.files) {
      const std::string part = station.dir.File("downloads/" + test::Sha256Hex(bytes) + ".part");
      auto length = base::ReadFile(part + ".len");
      if (!length.ok() || !Exists(part)) continue;  // (killed between install and removing .len)
      const std::size_t durable = std::stoul(*length);
      const std::string stored = test::FileBytes(part);
      REQUIRE(durable <= stored.size());
      CHECK(stored.compare(0, durable, bytes, 0, durable) == 0);
    }
  }
  CHECK(kills >= 3);
  int out = -1;
  const pid_t last = SpawnCrashtest(args, out);
  int status = 0;
  ::waitpid(last, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK_THAT(ReadAll(out), Catch::Contains("complete 4"));

  station.Open();
  CHECK(station.OfferedIds() == Ids{"a", "b", "c", "d"});
  for (const auto& [id, bytes] : station.content.files) CHECK(test::FileBytes(station.BlobFile(bytes)) == bytes);
  CHECK(test::ListDirectory(station.dir.File("downloads")).empty());
  // Each kill costs at most what arrived since the last checkpoint (100 ms).
  const std::int64_t total = 4 * 700'000 + 3'000;
  CHECK(proxy.stats().down_bytes < total + kills * 600'000 + 200'000);
}
