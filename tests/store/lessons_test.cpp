#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "store/lessons.h"
#include "store/store.h"
#include "tests/base/scratch_dir.h"

namespace {

using store::Lesson;
using store::LessonLibrary;
using store::Shelf;

std::unique_ptr<store::Store> OpenStore(const test::ScratchDir& dir) {
  auto opened = store::Store::Open(dir.File("station.db"));
  if (!opened.ok()) FAIL(opened.error().message);
  return std::move(opened).value();
}

Lesson MakeLesson(const std::string& id, const std::string& category, std::int64_t added_at) {
  Lesson l;
  l.id = id;
  l.title = "Title of " + id;
  l.category = category;
  l.summary = "summary";
  l.language = "zh-CN";
  l.duration_ms = 60000;
  l.added_at = added_at;
  l.media_path = "lessons/" + id + "/lesson.mp4";
  return l;
}

std::vector<std::string> Ids(const base::Result<std::vector<store::LessonEntry>>& entries) {
  REQUIRE(entries.ok());
  std::vector<std::string> ids;
  for (const auto& e : *entries) ids.push_back(e.lesson.id);
  return ids;
}

std::vector<Lesson> ThreeLessons() {
  return {MakeLesson("a", "farming", 100), MakeLesson("b", "policy", 300), MakeLesson("c", "farming", 200)};
}

}  // namespace

TEST_CASE("The installed catalog is listed newest first, by shelf and category", "[store][lessons]") {
  test::ScratchDir dir;
  auto db = OpenStore(dir);
  LessonLibrary library(*db);
  REQUIRE(library.ReplaceCatalog(ThreeLessons()).ok());

  CHECK(Ids(library.List(Shelf::kAll)) == std::vector<std::string>{"b", "c", "a"});
  CHECK(Ids(library.List(Shelf::kCategory, "farming")) == std::vector<std::string>{"c", "a"});
  CHECK(Ids(library.List(Shelf::kAll, "", 2)) == std::vector<std::string>{"b", "c"});
  auto categories = library.Categories();
  REQUIRE(categories.ok());
  CHECK(*categories == std::vector<std::pair<std::string, int>>{{"farming", 2}, {"policy", 1}});

  auto lesson = library.Get("c");
  REQUIRE(lesson.ok());
  REQUIRE(lesson->has_value());
  CHECK((*lesson)->lesson == ThreeLessons()[2]);
  auto missing = library.Get("zzz");
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());
}

TEST_CASE("Resume positions make the continue-watching shelf and survive a catalog update", "[store][lessons]") {
  test::ScratchDir dir;
  {
    auto db = OpenStore(dir);
    LessonLibrary library(*db);
    REQUIRE(library.ReplaceCatalog(ThreeLessons()).ok());
    REQUIRE(library.SaveProgress("a", 30000, false, 1000).ok());
    REQUIRE(library.SaveProgress("c", 5000, false, 2000).ok());
    REQUIRE(library.SaveProgress("b", 59000, true, 3000).ok());
    CHECK(Ids(library.List(Shelf::kContinueWatching)) == std::vector<std::string>{"c", "a"});

    // A new catalog without "c" hides it; the old lessons keep their places.
    REQUIRE(library.ReplaceCatalog({MakeLesson("a", "farming", 100), MakeLesson("d", "market", 400)}).ok());
    CHECK(Ids(library.List(Shelf::kContinueWatching)) == std::vector<std::string>{"a"});
    CHECK(Ids(library.List(Shelf::kAll)) == std::vector<std::string>{"d", "a"});
  }
  auto db = OpenStore(dir);  // and after a restart
  LessonLibrary library(*db);
  auto a = library.Get("a");
  REQUIRE(a.ok());
  REQUIRE(a->has_value());
  CHECK((*a)->progress.position_ms == 30000);
  CHECK_FALSE((*a)->progress.completed);
}

TEST_CASE("Watch records count views for the most-watched shelf and wait for upload", "[store][lessons]") {
  test::ScratchDir dir;
  auto db = OpenStore(dir);
  LessonLibrary library(*db);
  REQUIRE(library.ReplaceCatalog(ThreeLessons()).ok());
  REQUIRE(library.AddWatchRecord({"r1", "a", 1000, 40, false}).ok());
  REQUIRE(library.AddWatchRecord({"r2", "c", 1100, 60, true}).ok());
  REQUIRE(library.AddWatchRecord({"r3", "c", 1200, 10, false}).ok());
  CHECK(Ids(library.List(Shelf::kMostWatched)) == std::vector<std::string>{"c", "a"});

  auto pending = library.PendingWatchRecords(10);
  REQUIRE(pending.ok());
  REQUIRE(pending->size() == 3);
  CHECK((*pending)[1].record_id == "r2");
  CHECK((*pending)[1].seconds_watched == 60);
  CHECK((*pending)[1].completed);

  SECTION("a record id is taken once") {
    auto again = library.AddWatchRecord({"r1", "a", 1000, 40, false});
    CHECK_FALSE(again.ok());
    CHECK(Ids(library.List(Shelf::kMostWatched)) == std::vector<std::string>{"c", "a"});
    auto a = library.Get("a");
    REQUIRE(a.ok());
    CHECK((*a)->progress.views == 1);  // the refused record did not count
  }
  SECTION("saving progress keeps the view count and a finished lesson stays finished") {
    REQUIRE(library.SaveProgress("c", 100, false, 1300).ok());
    auto c = library.Get("c");
    REQUIRE(c.ok());
    CHECK((*c)->progress.views == 2);
    CHECK((*c)->progress.position_ms == 100);
  }
}

TEST_CASE("A lesson that fails to play twice is quarantined until restored", "[store][lessons]") {
  test::ScratchDir dir;
  auto db = OpenStore(dir);
  LessonLibrary library(*db);
  REQUIRE(library.ReplaceCatalog(ThreeLessons()).ok());

  auto first = library.PlaybackFailed("b", "garbage", 500);
  REQUIRE(first.ok());
  CHECK_FALSE(*first);
  CHECK(Ids(library.List(Shelf::kAll)).size() == 3);

  auto second = library.PlaybackFailed("b", "stalled", 600);
  REQUIRE(second.ok());
  CHECK(*second);
  CHECK(Ids(library.List(Shelf::kAll)) == std::vector<std::string>{"c", "a"});
  CHECK(Ids(library.List(Shelf::kCategory, "policy")).empty());
  auto hidden = library.Get("b");
  REQUIRE(hidden.ok());
  CHECK_FALSE(hidden->has_value());

  auto quarantined = library.Quarantined();
  REQUIRE(quarantined.ok());
  REQUIRE(quarantined->size() == 1);
  CHECK((*quarantined)[0].lesson_id == "b");
  CHECK((*quarantined)[0].title == "Title of b");
  CHECK((*quarantined)[0].failures == 2);
  CHECK((*quarantined)[0].last_error == "stalled");
  CHECK((*quarantined)[0].quarantined_at == 600);

  REQUIRE(library.Restore("b").ok());
  CHECK(Ids(library.List(Shelf::kAll)).size() == 3);
  auto none = library.Quarantined();
  REQUIRE(none.ok());
  CHECK(none->empty());
  // A restored lesson gets two fresh chances.
  auto after_restore = library.PlaybackFailed("b", "again", 700);
  REQUIRE(after_restore.ok());
  CHECK_FALSE(*after_restore);
}

TEST_CASE("A playback the station never finished counts as a failure at the next start", "[store][lessons]") {
  test::ScratchDir dir;
  auto crash_during_playback = [&](std::int64_t now) {
    auto db = OpenStore(dir);
    LessonLibrary library(*db);
    auto recovered = library.RecoverInterruptedPlaybacks(now);
    REQUIRE(recovered.ok());
    REQUIRE(library.PlaybackStarted("a", now).ok());
    return std::move(recovered).value();
    // The store closes here without PlaybackFinished: as if the power went.
  };
  {
    auto db = OpenStore(dir);
    LessonLibrary library(*db);
    REQUIRE(library.ReplaceCatalog(ThreeLessons()).ok());
    // A playback that finished normally is not counted.
    REQUIRE(library.PlaybackStarted("c", 10).ok());
    REQUIRE(library.PlaybackFinished("c").ok());
  }
  CHECK(crash_during_playback(100).empty());
  CHECK(crash_during_playback(200).empty());  // the first crash: one failure
  CHECK(crash_during_playback(300) == std::vector<std::string>{"a"});  // the second: quarantined

  auto db = OpenStore(dir);
  LessonLibrary library(*db);
  CHECK(Ids(library.List(Shelf::kAll)) == std::vector<std::string>{"b", "c"});
  auto quarantined = library.Quarantined();
  REQUIRE(quarantined.ok());
  REQUIRE(quarantined->size() == 1);
  CHECK((*quarantined)[0].last_error == "the station stopped during playback");
}

TEST_CASE("A shelf of 5,000 lessons loads whole", "[store][lessons]") {
  test::ScratchDir dir;
  auto db = OpenStore(dir);
  LessonLibrary library(*db);
  std::vector<Lesson> lessons;
  const char* categories[] = {"policy", "farming", "market", "management", "lectures", "party_history"};
  for (int i = 0; i < 5000; ++i) {
    lessons.push_back(MakeLesson("lesson-" + std::to_string(i), categories[i % 6], 1000 + i));
  }
  REQUIRE(library.ReplaceCatalog(lessons).ok());
  auto all = library.List(Shelf::kAll);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 5000);
  CHECK(all->front().lesson.id == "lesson-4999");
  CHECK(all->back().lesson.id == "lesson-0");
  auto farming = library.List(Shelf::kCategory, "farming");
  REQUIRE(farming.ok());
  CHECK(farming->size() == 834);
}
