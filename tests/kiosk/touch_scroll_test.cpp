// Drag-to-scroll and taps, with real SDL finger events fed through the
// kiosk's input layer into an ImGui context (no window: ImGui's example_null).
#include <catch2/catch.hpp>

#include <SDL.h>
#include <imgui.h>

#include "kiosk/pointer_input.h"
#include "kiosk/widgets.h"
#include "tests/kiosk/screen_harness.h"

namespace {

constexpr float kWidth = 1280, kHeight = 720;

// A list of 30 rows in a touch scroll, on the shared window-less harness.
class Harness {
 public:
  void Finger(Uint32 type, float x, float y) { screen.Finger(type, x, y); }

  // One frame of the list; returns the row tapped, or -1.
  int Frame() {
    int tapped = -1;
    screen.Frame([&] {
      ImGui::SetNextWindowPos(ImVec2(0, 0));
      ImGui::SetNextWindowSize(ImGui::GetIO().DisplaySize);
      ImGui::Begin("screen", nullptr, ImGuiWindowFlags_NoDecoration);
      ImGui::SetCursorPos(ImVec2(100, 100));
      kiosk::BeginTouchScroll(ui, "list", ImVec2(600, 400), scroll);
      for (int row = 0; row < 30; ++row) {
        const std::string id = "row" + std::to_string(row);
        if (kiosk::BigButton(ui, id.c_str(), id, ImVec2(500, 100), kiosk::colors::kKey)) tapped = row;
      }
      kiosk::EndTouchScroll(ui, scroll);
      ImGui::End();
    });
    return tapped;
  }

  int Frames(int n) {
    int tapped = -1;
    for (int i = 0; i < n; ++i) tapped = std::max(tapped, Frame());
    return tapped;
  }

  test::ScreenHarness screen{kWidth, kHeight};
  kiosk::Ui& ui = screen.ui;
  kiosk::PointerInput& input = screen.input;
  kiosk::ScrollState scroll;
};

}  // namespace

TEST_CASE("A finger tap on a row taps it, even when down and up come in one frame", "[kiosk][touch]") {
  Harness h;
  h.Frames(2);
  h.Finger(SDL_FINGERDOWN, 300, 160);
  h.Finger(SDL_FINGERUP, 300, 160);
  CHECK(h.Frames(3) == 0);
  CHECK(h.scroll.offset == 0);
  // After the finger lifts the pointer leaves the screen: nothing stays hovered.
  CHECK(ImGui::GetIO().MousePos.x < -1e30f);
}

TEST_CASE("Dragging a list by a finger scrolls it 1:1, never taps, and a flick carries on", "[kiosk][touch]") {
  Harness h;
  h.Frames(2);
  h.Finger(SDL_FINGERDOWN, 300, 450);
  int tapped = h.Frames(1);
  for (int step = 1; step <= 10; ++step) {
    h.Finger(SDL_FINGERMOTION, 300, 450 - step * 30.0f);
    tapped = std::max(tapped, h.Frames(1));
  }
  // Content follows the finger 1:1 from where it crossed the slop (24 px at 1080p),
  // without jumping by the slop.
  CHECK(h.scroll.offset == Approx(300 - h.ui.px(24)).margin(1));
  h.Finger(SDL_FINGERUP, 300, 150);
  tapped = std::max(tapped, h.Frames(1));
  const float at_release = h.scroll.offset;
  CHECK(h.scroll.momentum.active());
  CHECK(h.ui.animating);
  tapped = std::max(tapped, h.Frames(240));
  CHECK(tapped == -1);
  CHECK(h.scroll.offset > at_release + 100);  // the flick carried on
  CHECK_FALSE(h.scroll.momentum.active());    // and came to rest
  CHECK_FALSE(h.ui.animating);                // so the kiosk can sleep again
}

TEST_CASE("A drag whose moves and release all arrive while a frame is stalled still scrolls", "[kiosk][touch]") {
  Harness h;
  h.Frames(2);
  // A busy station (a thumbnail being made, a slow software renderer): the
  // finger went down, moved 300 px and lifted before the next frame.
  h.Finger(SDL_FINGERDOWN, 300, 450);
  h.Frames(1);
  for (int step = 1; step <= 10; ++step) h.Finger(SDL_FINGERMOTION, 300, 450 - step * 30.0f);
  h.Finger(SDL_FINGERUP, 300, 150);
  const int tapped = h.Frames(60);
  CHECK(tapped == -1);
  CHECK(h.scroll.offset == Approx(300 - h.ui.px(24)).margin(1));  // the whole drag counted, less the slop
}

TEST_CASE("A list cannot be dragged past its ends", "[kiosk][touch]") {
  Harness h;
  h.Frames(2);
  h.Finger(SDL_FINGERDOWN, 300, 150);
  h.Frames(1);
  for (int step = 1; step <= 10; ++step) {
    h.Finger(SDL_FINGERMOTION, 300, 150 + step * 30.0f);
    h.Frames(1);
  }
  CHECK(h.scroll.offset == 0);
  h.Finger(SDL_FINGERUP, 300, 450);
  h.Frames(60);
  CHECK(h.scroll.offset == 0);
}

TEST_CASE("A second finger is ignored while the first is down", "[kiosk][touch]") {
  Harness h;
  h.Frames(2);
  h.Finger(SDL_FINGERDOWN, 300, 160);
  SDL_Event other{};
  other.type = SDL_FINGERDOWN;
  other.tfinger.fingerId = 8;
  other.tfinger.x = 0.9f;
  other.tfinger.y = 0.9f;
  h.input.Handle(other, ImVec2(kWidth, kHeight));
  h.Frames(1);
  CHECK(h.ui.gesture.start.x == Approx(300));
  h.Finger(SDL_FINGERUP, 300, 160);
  CHECK(h.Frames(2) == 0);
}

TEST_CASE("Mouse events SDL synthesises from touches do not count twice", "[kiosk][touch]") {
  kiosk::PointerInput input;
  SDL_Event synthesized{};
  synthesized.type = SDL_MOUSEBUTTONDOWN;
  synthesized.button.which = SDL_TOUCH_MOUSEID;
  synthesized.button.button = SDL_BUTTON_LEFT;
  CHECK(input.Handle(synthesized, ImVec2(kWidth, kHeight)));
  CHECK_FALSE(input.HasPending());
  SDL_Event mouse = synthesized;
  mouse.button.which = 0;
  mouse.button.timestamp = 5000;
  CHECK(input.Handle(mouse, ImVec2(kWidth, kHeight)));
  CHECK(input.HasPending());
}
