#include <catch2/catch.hpp>

#include <string>

#include "base/files.h"
#include "store/catalog.h"
#include "store/store.h"
#include "tests/base/scratch_dir.h"

namespace {

std::string CatalogWith(const std::string& lesson_fields) {
  return R"({"format": 1, "catalog_version": 7, "lessons": [{)" + lesson_fields + "}]}";
}

const std::string kGoodLesson =
    R"("id": "farming-wheat", "title": "冬小麦田间管理", "category": "farming", "summary": "s",)"
    R"( "language": "zh-CN", "duration_ms": 18000, "added_at": "2026-11-22T10:05:28Z",)"
    R"( "media": "lessons/farming-wheat/lesson.mp4", "subtitles": "lessons/farming-wheat/lesson.srt")";

}  // namespace

TEST_CASE("A well-formed catalog parses into lessons", "[store][catalog]") {
  auto catalog = store::ParseCatalog(CatalogWith(kGoodLesson));
  REQUIRE(catalog.ok());
  CHECK(catalog->version == 7);
  REQUIRE(catalog->lessons.size() == 1);
  const store::Lesson& l = catalog->lessons[0];
  CHECK(l.id == "farming-wheat");
  CHECK(l.title == "冬小麦田间管理");
  CHECK(l.duration_ms == 18000);
  CHECK(l.added_at == 1795341928);  // date -u -d 2026-11-22T10:05:28Z +%s
  CHECK(l.media_path == "lessons/farming-wheat/lesson.mp4");
  CHECK(l.subtitle_path == "lessons/farming-wheat/lesson.srt");
  CHECK(l.thumbnail_path.empty());
}

TEST_CASE("Paths outside the content directory are not safe", "[store][catalog]") {
  const auto [path, safe] = GENERATE(table<std::string, bool>({
      {"lessons/a/lesson.mp4", true},
      {"a.mp4", true},
      {"../a.mp4", false},
      {"lessons/../../etc/passwd", false},
      {"/etc/passwd", false},
      {"lessons//a.mp4", false},
      {"lessons/./a.mp4", false},
      {"lessons/a/", false},
      {"lessons\\..\\a.mp4", false},
      {"", false},
  }));
  CAPTURE(path);
  CHECK(store::IsSafeRelativePath(path) == safe);
}

TEST_CASE("A catalog with anything untrustworthy is refused whole, naming the problem", "[store][catalog]") {
  const auto [text, expected_words] = GENERATE(table<std::string, std::string>({
      {"{not json", "not valid JSON"},
      {"[]", "not a JSON object"},
      {R"({"format": 2, "lessons": []})", "format 2"},
      {R"({"format": 1})", "no \"lessons\" list"},
      {CatalogWith(R"("id": "x", "title": "t", "category": "c", "added_at": "2026-11-22T10:05:28Z")"), "missing \"media\""},
      {CatalogWith(R"("id": "x", "title": "t", "category": "c", "media": "../x.mp4", "added_at": "2026-11-22T10:05:28Z")"), "safe relative path"},
      {CatalogWith(R"("id": "x", "title": "t", "category": "c", "media": "/x.mp4", "added_at": "2026-11-22T10:05:28Z")"), "safe relative path"},
      {CatalogWith(R"("id": "../x", "title": "t", "category": "c", "media": "x.mp4", "added_at": "2026-11-22T10:05:28Z")"), "lesson id"},
      {CatalogWith(R"("id": "x", "title": "t", "category": "c", "media": "x.mp4", "added_at": "yesterday")"), "not a UTC time"},
      {CatalogWith(R"("id": "x", "title": 5, "category": "c", "media": "x.mp4", "added_at": "2026-11-22T10:05:28Z")"), "\"title\" is not text"},
      {CatalogWith(R"("id": "x", "title": "t", "category": "c", "media": "x.mp4", "duration_ms": -1, "added_at": "2026-11-22T10:05:28Z")"), "duration_ms"},
      {R"({"format": 1, "lessons": [)"
       R"({"id": "x", "title": "t", "category": "c", "media": "x.mp4", "added_at": "2026-11-22T10:05:28Z"},)"
       R"({"id": "x", "title": "t", "category": "c", "media": "y.mp4", "added_at": "2026-11-22T10:05:28Z"}]})",
       "appears twice"},
  }));
  CAPTURE(text);
  auto catalog = store::ParseCatalog(text);
  REQUIRE_FALSE(catalog.ok());
  CHECK_THAT(catalog.error().message, Catch::Contains(expected_words));
}

TEST_CASE("Importing a bad catalog file keeps the installed lessons", "[store][catalog]") {
  test::ScratchDir dir;
  auto opened = store::Store::Open(dir.File("station.db"));
  REQUIRE(opened.ok());
  store::LessonLibrary library(**opened);
  REQUIRE(base::WriteFileDurably(dir.File("catalog.json"), CatalogWith(kGoodLesson)).ok());
  auto imported = store::ImportCatalogFile(library, dir.path());
  REQUIRE(imported.ok());
  CHECK(*imported == 1);

  REQUIRE(base::WriteFileDurably(dir.File("catalog.json"), R"({"format": 1, "lessons": [{"id": "half)").ok());
  CHECK_FALSE(store::ImportCatalogFile(library, dir.path()).ok());
  auto all = library.List(store::Shelf::kAll);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 1);
  CHECK(all->front().lesson.id == "farming-wheat");
}
