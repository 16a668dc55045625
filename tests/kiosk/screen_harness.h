// A window-less ImGui frame loop for screen tests (as ImGui's example_null):
// real SDL finger events go through the kiosk's input layer, screens draw
// into a display of the given size, and the widget registry records what
// was on screen. The default font stands in for Noto CJK.
#pragma once

#include <functional>
#include <optional>

#include <SDL.h>
#include <imgui.h>

#include "kiosk/i18n.h"
#include "kiosk/pointer_input.h"
#include "kiosk/ui.h"

namespace test {

class ScreenHarness {
 public:
  ScreenHarness(float width, float height);
  ~ScreenHarness();

  void Finger(Uint32 type, float x, float y);
  // One frame 1/60 s after the last: `draw` runs between NewFrame and Render.
  void Frame(const std::function<void()>& draw);
  // Finger down at `from`, moves over `frames` frames to `to`, up.
  void Drag(ImVec2 from, ImVec2 to, int frames, const std::function<void()>& draw);
  void Tap(ImVec2 at, const std::function<void()>& draw);

  kiosk::Ui ui;
  kiosk::WidgetRegistry registry;
  kiosk::PointerInput input;
  double now_s = 100;
  const float width, height;

 private:
  std::optional<kiosk::Translations> translations_;
};

}  // namespace test
