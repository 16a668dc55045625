#include "tests/kiosk/screen_harness.h"

#include <catch2/catch.hpp>

namespace test {

ScreenHarness::ScreenHarness(float w, float h) : width(w), height(h) {
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  io.DisplaySize = ImVec2(width, height);
  ImFont* font = io.Fonts->AddFontDefault();
  unsigned char* pixels;
  int tw, th;
  io.Fonts->GetTexDataAsRGBA32(&pixels, &tw, &th);
  ui.fonts = {font, font, font};
  ui.registry = &registry;
  ui.scale = std::min(height / 1080.0f, width / 1920.0f);
  auto loaded = kiosk::Translations::LoadDirectory(std::string(STATION_ASSETS_DIR) + "/i18n");
  REQUIRE(loaded.ok());
  translations_ = std::move(*loaded);
  ui.translations = &*translations_;
}

ScreenHarness::~ScreenHarness() { ImGui::DestroyContext(); }

void ScreenHarness::Finger(Uint32 type, float x, float y) {
  SDL_Event event{};
  event.type = type;
  event.tfinger.fingerId = 7;
  event.tfinger.x = x / width;
  event.tfinger.y = y / height;
  event.tfinger.timestamp = static_cast<Uint32>(now_s * 1000);
  input.Handle(event, ImVec2(width, height));
}

void ScreenHarness::Frame(const std::function<void()>& draw) {
  now_s += 1 / 60.0;
  ImGuiIO& io = ImGui::GetIO();
  io.DeltaTime = 1 / 60.0f;
  ui.now_s = now_s;
  ui.delta_s = io.DeltaTime;
  ui.animating = false;
  ui.wake_at_s = 0;
  registry.BeginFrame();
  input.BeginFrame(io, ui.gesture, now_s, ui.px(24));
  ImGui::NewFrame();
  draw();
  ImGui::Render();
  registry.EndFrame();
}

void ScreenHarness::Drag(ImVec2 from, ImVec2 to, int frames, const std::function<void()>& draw) {
  Finger(SDL_FINGERDOWN, from.x, from.y);
  Frame(draw);
  for (int i = 1; i <= frames; ++i) {
    const float t = static_cast<float>(i) / frames;
    Finger(SDL_FINGERMOTION, from.x + (to.x - from.x) * t, from.y + (to.y - from.y) * t);
    Frame(draw);
  }
  Finger(SDL_FINGERUP, to.x, to.y);
  Frame(draw);
}

void ScreenHarness::Tap(ImVec2 at, const std::function<void()>& draw) {
  Finger(SDL_FINGERDOWN, at.x, at.y);
  Finger(SDL_FINGERUP, at.x, at.y);
  for (int i = 0; i < 3; ++i) Frame(draw);
}

}  // namespace test
