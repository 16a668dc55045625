// What every screen and widget draws with: sizes scaled to the display,
// fonts, translated text, the finger's gesture, and the registry of widgets
// the scripted driver taps. Only kiosk/ includes ImGui.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <imgui.h>

#include "kiosk/i18n.h"
#include "kiosk/scroll_physics.h"

namespace kiosk {

// Widgets drawn in the last complete frame, by id and label, for the driver.
struct WidgetInfo {
  std::string id;
  std::string label;
  ImVec2 min, max;
};

class WidgetRegistry {
 public:
  void BeginFrame() { building_.clear(); }
  void EndFrame() { shown_.swap(building_); }
  void Add(std::string id, std::string label, ImVec2 min, ImVec2 max);
  // By id first, then by exact label, then "prefix*" for the first id
  // starting with prefix; null when not on screen.
  const WidgetInfo* Find(std::string_view name) const;
  const std::vector<WidgetInfo>& shown() const { return shown_; }

 private:
  std::vector<WidgetInfo> building_;
  std::vector<WidgetInfo> shown_;
};

// One finger (or the mouse): where it went down, where it is, whether it has
// moved far enough to be a drag (which cancels taps).
struct Gesture {
  bool down = false;
  bool dragging = false;   // moved beyond the slop since it went down
  bool consumed = false;   // a long-press already acted on it
  ImVec2 start{0, 0};
  ImVec2 position{0, 0};
  // Where the finger crossed the slop (on the way from start), once
  // dragging: a drag moves things from here, not from the first move seen,
  // which on a stalled frame may already be the end of the drag.
  ImVec2 drag_origin{0, 0};
  double down_time_s = 0;
};

struct Fonts {
  ImFont* body = nullptr;     // 36 px at 1080p: running text, buttons
  ImFont* title = nullptr;    // 48 px: screen titles
  ImFont* display = nullptr;  // 64 px: tile labels, the PIN dots
};

// Drag-to-scroll state of one list, owned by UiState (screens keep none).
struct ScrollState {
  float offset = 0;
  float drag_start_offset = 0;
  bool dragging = false;
  VelocityTracker tracker;
  Momentum momentum;
};

// Presentation state that outlives a frame but is not app state.
struct UiState {
  ScrollState settings_scroll;
  ScrollState library_scroll;
  ScrollState replies_scroll;
  ScrollState sync_scroll;
  ScrollState usb_scroll;
  std::uint64_t library_generation = 0;  // the shelf the scroll position belongs to
  // Player controls: shown until this time (ui.now_s); a scrub in progress.
  double player_controls_until_s = 0;
  bool scrubbing = false;
  float scrub_fraction = 0;
};

struct Ui {
  float scale = 1;  // display height / 1080, so sizes are written at 1080p
  Fonts fonts;
  const Translations* translations = nullptr;
  std::string language = "zh-CN";
  Gesture gesture;
  WidgetRegistry* registry = nullptr;
  double now_s = 0;       // monotonic seconds
  float delta_s = 0;      // since the last frame
  bool animating = false; // a widget needs the next frame soon
  double wake_at_s = 0;   // a screen wants a frame at this time (0: none)

  float px(float at_1080p) const { return at_1080p * scale; }
  const std::string& T(std::string_view key) const { return translations->Text(language, key); }
};

}  // namespace kiosk
