#include <catch2/catch.hpp>

#include "kiosk/app.h"
#include "store/lessons.h"
#include "store/store.h"
#include "tests/base/scratch_dir.h"

using namespace kiosk;

namespace {

constexpr std::int64_t kNow = 1'800'000'000;

store::Lesson MakeLesson(const std::string& id, const std::string& category, std::int64_t added_at) {
  store::Lesson l;
  l.id = id;
  l.title = id;
  l.category = category;
  l.duration_ms = 60'000;
  l.added_at = added_at;
  l.media_path = "lessons/" + id + ".mp4";
  return l;
}

struct Fixture {
  test::ScratchDir dir;
  std::unique_ptr<store::Store> db = Open();
  store::LessonLibrary library{*db};

  std::unique_ptr<store::Store> Open() {
    auto opened = store::Store::Open(dir.File("station.db"));
    if (!opened) FAIL(opened.error().message);
    return std::move(*opened);
  }
  void Install() {
    REQUIRE(library.ReplaceCatalog({MakeLesson("wheat", "farming", 100), MakeLesson("subsidy", "policy", 200),
                                    MakeLesson("pigs", "farming", 300)})
                .ok());
  }
  store::LessonProgress Progress(const std::string& id) {
    auto entry = library.Get(id);
    REQUIRE(entry.ok());
    REQUIRE(entry->has_value());
    return (*entry)->progress;
  }
};

// Plays for `ms` of steady time in half-second ticks from `from_ms`.
void Watch(App& app, std::int64_t from_ms, std::int64_t ms) {
  for (std::int64_t t = 0; t < ms; t += 500) {
    app.Apply(PlaybackProgress{from_ms + t + 500, 60'000, true, 500, kNow + (from_ms + t) / 1000});
  }
}

}  // namespace

TEST_CASE("The library opens on every lesson, newest first, and filters by shelf", "[kiosk][app][lessons]") {
  Fixture f;
  f.Install();
  App app(*f.db);
  app.Apply(OpenService{Service::kWatchLessons});
  REQUIRE(app.state().screen == Screen::kLibrary);
  const LibraryState& library = app.state().library;
  REQUIRE(library.entries.size() == 3);
  CHECK(library.entries[0].lesson.id == "pigs");
  CHECK(library.categories == std::vector<std::pair<std::string, int>>{{"farming", 2}, {"policy", 1}});
  CHECK_FALSE(library.any_in_progress);

  const auto generation = library.generation;
  app.Apply(ShowShelf{store::Shelf::kCategory, "policy"});
  REQUIRE(app.state().library.entries.size() == 1);
  CHECK(app.state().library.entries[0].lesson.id == "subsidy");
  CHECK(app.state().library.generation > generation);
}

TEST_CASE("A viewing saves its resume position, writes a watch record and resumes there", "[kiosk][app][lessons]") {
  Fixture f;
  f.Install();
  App app(*f.db);
  app.Apply(OpenService{Service::kWatchLessons});
  app.Apply(OpenLesson{"wheat"});
  REQUIRE(app.state().screen == Screen::kLesson);
  app.Apply(PlayLesson{"wheat", false, kNow});
  REQUIRE(app.state().screen == Screen::kPlayer);
  auto request = app.TakePlaybackRequest();
  REQUIRE(request);
  CHECK(request->lesson.id == "wheat");
  CHECK(request->start_ms == 0);
  CHECK_FALSE(app.TakePlaybackRequest());

  Watch(app, 0, 12'000);  // past the 10 s save point
  CHECK(f.Progress("wheat").position_ms >= 10'000);

  app.Apply(ControlPlayer{{PlayerCommand::Kind::kPause}});
  CHECK(app.state().controls.paused);
  // Paused time is not watching.
  app.Apply(PlaybackProgress{12'000, 60'000, false, 500, kNow + 13});
  app.Apply(ControlPlayer{{PlayerCommand::Kind::kSeek, 30'000}});
  auto commands = app.TakePlayerCommands();
  REQUIRE(commands.size() == 2);
  CHECK(commands[1].kind == PlayerCommand::Kind::kSeek);
  CHECK(commands[1].position_ms == 30'000);

  app.Apply(ClosePlayer{kNow + 20});
  CHECK(app.state().screen == Screen::kLesson);
  CHECK_FALSE(app.state().viewing);
  CHECK(app.state().lesson->progress.position_ms == 30'000);
  CHECK(app.state().lesson->progress.views == 1);
  auto records = f.library.PendingWatchRecords(10);
  REQUIRE(records.ok());
  REQUIRE(records->size() == 1);
  CHECK((*records)[0].lesson_id == "wheat");
  CHECK((*records)[0].started_at == kNow);
  CHECK((*records)[0].seconds_watched == 12);
  CHECK_FALSE((*records)[0].completed);
  CHECK((*records)[0].record_id.size() == 32);

  SECTION("continue watching lists it and playing resumes there") {
    app.Apply(BackToLibrary{});
    CHECK(app.state().library.any_in_progress);
    app.Apply(ShowShelf{store::Shelf::kContinueWatching, ""});
    REQUIRE(app.state().library.entries.size() == 1);
    app.Apply(OpenLesson{"wheat"});
    app.Apply(PlayLesson{"wheat", false, kNow + 100});
    CHECK(app.TakePlaybackRequest()->start_ms == 30'000);
  }
  SECTION("start over starts at zero") {
    app.Apply(PlayLesson{"wheat", true, kNow + 100});
    CHECK(app.TakePlaybackRequest()->start_ms == 0);
  }
  SECTION("watching to the end completes it and the next viewing starts over") {
    app.Apply(PlayLesson{"wheat", false, kNow + 100});
    Watch(app, 30'000, 2'000);
    app.Apply(PlaybackEnded{kNow + 200});
    CHECK(app.state().screen == Screen::kLesson);
    CHECK(f.Progress("wheat").completed);
    CHECK(f.Progress("wheat").position_ms == 0);
    CHECK(f.Progress("wheat").views == 2);
    app.Apply(BackToLibrary{});
    CHECK_FALSE(app.state().library.any_in_progress);
    CHECK(app.state().library.any_watched);
  }
}

TEST_CASE("Leaving for home while a lesson plays still records the viewing", "[kiosk][app][lessons]") {
  Fixture f;
  f.Install();
  App app(*f.db);
  app.Apply(PlayLesson{"pigs", false, kNow});
  Watch(app, 0, 7'000);
  app.Apply(IdleTimeout{});  // someone is watching: nothing happens
  CHECK(app.state().screen == Screen::kPlayer);
  app.Apply(ControlPlayer{{PlayerCommand::Kind::kPause}});
  app.Apply(IdleTimeout{});  // paused and left alone: home
  CHECK(app.state().screen == Screen::kHome);
  CHECK(f.Progress("pigs").position_ms == 7'000);
  auto records = f.library.PendingWatchRecords(10);
  REQUIRE(records.ok());
  REQUIRE(records->size() == 1);
  CHECK((*records)[0].seconds_watched == 7);
}

TEST_CASE("A lesson that fails twice is quarantined and listed for the administrator", "[kiosk][app][lessons]") {
  Fixture f;
  f.Install();
  App app(*f.db);
  app.Apply(OpenService{Service::kWatchLessons});
  app.Apply(PlayLesson{"subsidy", false, kNow});
  app.Apply(PlaybackFailed{base::MakeError(base::ErrorCode::kCorrupt, "not a media file"), kNow + 1});
  CHECK(app.state().screen == Screen::kLesson);
  CHECK(app.state().lesson_message.key == "player.error.broken");
  CHECK(f.library.PendingWatchRecords(10)->empty());

  app.Apply(PlayLesson{"subsidy", false, kNow + 2});
  app.Apply(PlaybackFailed{base::MakeError(base::ErrorCode::kCorrupt, "not a media file"), kNow + 3});
  CHECK(app.state().screen == Screen::kLibrary);
  CHECK(app.state().library.message.key == "player.error.quarantined");
  CHECK(app.state().library.entries.size() == 2);

  auto quarantined = f.library.Quarantined();
  REQUIRE(quarantined.ok());
  REQUIRE(quarantined->size() == 1);
  CHECK((*quarantined)[0].lesson_id == "subsidy");
}

TEST_CASE("A playback the station never finished counts against the lesson at start-up", "[kiosk][app][lessons]") {
  Fixture f;
  f.Install();
  for (int start = 0; start < 2; ++start) {
    App app(*f.db);
    app.RecoverInterruptedPlaybacks(kNow + start);
    app.Apply(PlayLesson{"pigs", false, kNow + start});
    // The station goes down: no ClosePlayer, no PlaybackEnded.
  }
  App app(*f.db);
  app.RecoverInterruptedPlaybacks(kNow + 10);
  auto quarantined = f.library.Quarantined();
  REQUIRE(quarantined.ok());
  REQUIRE(quarantined->size() == 1);
  CHECK((*quarantined)[0].lesson_id == "pigs");
}
