// The library and player screens in a window-less ImGui, driven by real SDL
// finger events: what is drawn for 5,000 lessons, and what taps and drags do.
#include <catch2/catch.hpp>

#include <algorithm>

#include "kiosk/screens.h"
#include "tests/kiosk/screen_harness.h"

using namespace kiosk;

namespace {

constexpr float kWidth = 1920, kHeight = 1080;

LibraryState ShelfOf(int lessons) {
  LibraryState library;
  library.generation = 1;
  library.categories = {{"farming", lessons}};
  for (int i = 0; i < lessons; ++i) {
    store::LessonEntry entry;
    entry.lesson.id = "l" + std::to_string(i);
    entry.lesson.title = "Lesson " + std::to_string(i);
    entry.lesson.category = "farming";
    entry.lesson.duration_ms = 600'000;
    library.entries.push_back(entry);
  }
  return library;
}

std::vector<int> LessonsOnScreen(const WidgetRegistry& registry) {
  std::vector<int> shown;
  for (const WidgetInfo& widget : registry.shown()) {
    if (widget.id.rfind("lesson.l", 0) == 0) shown.push_back(std::stoi(widget.id.substr(8)));
  }
  std::sort(shown.begin(), shown.end());
  return shown;
}

template <typename T>
std::vector<T> OfType(const std::vector<Action>& actions) {
  std::vector<T> found;
  for (const Action& action : actions) {
    if (const T* a = std::get_if<T>(&action)) found.push_back(*a);
  }
  return found;
}

}  // namespace

TEST_CASE("The library draws only the tiles on screen, however long the shelf", "[kiosk][library][touch]") {
  test::ScreenHarness h(kWidth, kHeight);
  UiState state;
  const LibraryState library = ShelfOf(5000);
  std::vector<Action> actions;
  auto draw = [&] { DrawLibrary(h.ui, state, {&library, 0, nullptr}, actions); };
  h.Frame(draw);
  h.Frame(draw);
  const std::vector<int> first = LessonsOnScreen(h.registry);
  REQUIRE_FALSE(first.empty());
  CHECK(first.front() == 0);
  CHECK(first.size() <= 16);  // four columns, a few rows

  SECTION("a tap on a tile opens that lesson") {
    const WidgetInfo* tile = h.registry.Find("lesson.l5");
    REQUIRE(tile != nullptr);
    h.Tap(ImVec2((tile->min.x + tile->max.x) / 2, (tile->min.y + tile->max.y) / 2), draw);
    const auto opened = OfType<OpenLesson>(actions);
    REQUIRE(opened.size() == 1);
    CHECK(opened[0].lesson_id == "l5");
  }
  SECTION("a flick scrolls far down the shelf, opening nothing, and still draws only what shows") {
    for (int flick = 0; flick < 5; ++flick) {
      h.Drag(ImVec2(960, 1000), ImVec2(960, 300), 6, draw);
    }
    for (int i = 0; i < 600 && state.library_scroll.momentum.active(); ++i) h.Frame(draw);
    CHECK(OfType<OpenLesson>(actions).empty());
    const std::vector<int> later = LessonsOnScreen(h.registry);
    REQUIRE_FALSE(later.empty());
    CHECK(later.front() > 40);
    CHECK(later.size() <= 16);
    // The scripted driver's "lesson.*" finds a tile on screen.
    const WidgetInfo* any = h.registry.Find("lesson.*");
    REQUIRE(any != nullptr);
    CHECK(any->id == "lesson.l" + std::to_string(later.front()));
    CHECK(h.registry.Find("nothing.*") == nullptr);
  }
  SECTION("a new shelf starts at its top") {
    state.library_scroll.offset = 5000;
    LibraryState other = ShelfOf(300);
    other.generation = 2;
    h.Frame([&] { DrawLibrary(h.ui, state, {&other, 0, nullptr}, actions); });
    CHECK(state.library_scroll.offset == 0);
  }
}

TEST_CASE("Shelf tabs switch shelves, and new and watched lessons are marked", "[kiosk][library]") {
  test::ScreenHarness h(kWidth, kHeight);
  UiState state;
  LibraryState library = ShelfOf(3);
  library.any_in_progress = true;
  std::vector<Action> actions;
  auto draw = [&] { DrawLibrary(h.ui, state, {&library, 0, nullptr}, actions); };
  h.Frame(draw);
  const WidgetInfo* tab = h.registry.Find("shelf.continue");
  REQUIRE(tab != nullptr);
  CHECK(h.registry.Find("shelf.most") == nullptr);  // nothing watched yet
  h.Tap(ImVec2((tab->min.x + tab->max.x) / 2, (tab->min.y + tab->max.y) / 2), draw);
  const auto shown = OfType<ShowShelf>(actions);
  REQUIRE(shown.size() == 1);
  CHECK(shown[0].shelf == store::Shelf::kContinueWatching);

  store::LessonEntry entry = library.entries[0];
  entry.lesson.added_at = 1'000'000;
  CHECK(IsNew(entry, 1'000'000 + 3600));
  CHECK_FALSE(IsNew(entry, 1'000'000 + kNewForSeconds + 1));
  entry.progress.views = 1;
  CHECK_FALSE(IsNew(entry, 1'000'000 + 3600));
}

TEST_CASE("Player controls appear on a tap, hide while playing, and the bar seeks where the finger lifts",
          "[kiosk][player][touch]") {
  test::ScreenHarness h(kWidth, kHeight);
  UiState state;
  PlayerView view;
  view.title = "Winter wheat";
  view.position_ms = 60'000;
  view.duration_ms = 600'000;
  std::vector<Action> actions;
  auto draw = [&] { DrawPlayer(h.ui, state, view, actions); };
  h.Frame(draw);
  CHECK(h.registry.Find("player.pause") == nullptr);  // playing: a clean picture

  h.Tap(ImVec2(960, 400), draw);
  REQUIRE(h.registry.Find("player.pause") != nullptr);
  CHECK(h.ui.wake_at_s > h.now_s);  // the loop wakes to hide them

  SECTION("they hide by themselves after a few seconds") {
    for (int i = 0; i < 5 * 60; ++i) h.Frame(draw);
    CHECK(h.registry.Find("player.pause") == nullptr);
  }
  SECTION("they stay while paused") {
    view.controls.paused = true;
    for (int i = 0; i < 5 * 60; ++i) h.Frame(draw);
    CHECK(h.registry.Find("player.play") != nullptr);
  }
  SECTION("a second tap on the picture hides them") {
    h.Tap(ImVec2(960, 400), draw);
    CHECK(h.registry.Find("player.pause") == nullptr);
  }
  SECTION("pause is a tap on the big button") {
    const WidgetInfo* pause = h.registry.Find("player.pause");
    h.Tap(ImVec2((pause->min.x + pause->max.x) / 2, (pause->min.y + pause->max.y) / 2), draw);
    const auto controls = OfType<ControlPlayer>(actions);
    REQUIRE(controls.size() == 1);
    CHECK(controls[0].command.kind == PlayerCommand::Kind::kPause);
  }
  SECTION("dragging the bar seeks once, to where the finger lifts") {
    const WidgetInfo* bar = h.registry.Find("player.scrub");
    REQUIRE(bar != nullptr);
    const float y = (bar->min.y + bar->max.y) / 2;
    const float left = bar->min.x + 30, right = bar->max.x - 30;
    h.Drag(ImVec2(left + (right - left) * 0.1f, y), ImVec2(left + (right - left) * 0.75f, y), 10, draw);
    const auto controls = OfType<ControlPlayer>(actions);
    REQUIRE(controls.size() == 1);
    CHECK(controls[0].command.kind == PlayerCommand::Kind::kSeek);
    CHECK(controls[0].command.position_ms == Approx(450'000).margin(3'000));
  }
  SECTION("forward 15 s does not run past the end") {
    view.position_ms = 595'000;
    h.Frame(draw);
    const WidgetInfo* forward = h.registry.Find("player.forward");
    REQUIRE(forward != nullptr);
    h.Tap(ImVec2((forward->min.x + forward->max.x) / 2, (forward->min.y + forward->max.y) / 2), draw);
    const auto controls = OfType<ControlPlayer>(actions);
    REQUIRE(controls.size() == 1);
    CHECK(controls[0].command.position_ms == 600'000);
  }
}
