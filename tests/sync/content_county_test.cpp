// Content down against the real county server (county/, in this process):
// enrol, then sync its published package through a link cut at random
// offsets, so every Range / If-Range answer the station relies on comes
// from the county's own code.

#include <catch2/catch.hpp>

#include "county/console.h"
#include "store/lessons.h"
#include "store/store.h"
#include "sync/content_sync.h"
#include "tests/base/scratch_dir.h"
#include "tests/county/county_fixture.h"
#include "tests/sync/fault_proxy.h"

using namespace station_sync;

TEST_CASE("the county's published package arrives whole through a link cut at random offsets", "[sync][county]") {
  test::CountyUnderTest county;
  county.PublishPackage(3, 300'000, 5);
  auto keys = county::LoadCountyPublicKeys(county.paths());
  REQUIRE(keys.ok());
  test::StationUnderTest enrolled(keys->box);
  httplib::Client client = county.Client();
  const std::string token = enrolled.Enrol(client, county.EnrolCode());

  test::ScratchDir dir;
  auto db = store::Store::Open(dir.File("station.db"));
  REQUIRE(db.ok());
  ContentLibrary library(**db, dir.path(), keys->content, SystemClock());
  test::FaultPlan plan;
  plan.random_cut_down_min = 20'000;
  plan.random_cut_down_max = 200'000;
  test::FaultProxy proxy(county.port(), plan);
  ContentSyncOptions options;
  options.server_url = "http://127.0.0.1:" + std::to_string(proxy.port());
  options.http.bearer_token = token;
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
  store::LessonLibrary lessons(**db);
  auto listed = lessons.List(store::Shelf::kAll);
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 3);
  auto catalog = library.Accepted();
  REQUIRE(catalog.ok());
  for (const CatalogLesson& lesson : (*catalog)->lessons) {
    CHECK(VerifyFile(library.blobs_dir() + "/" + lesson.file.sha256, lesson.file.sha256, lesson.file.size_bytes).ok());
  }
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
