// Fingers and the mouse, turned into ImGui's single pointer and the Gesture.
//
// Why not ImGui's SDL backend: ImGui 1.86 ignores SDL finger events and reads
// SDL's synthesised mouse state, which loses a tap shorter than a frame and
// leaves a phantom hover where the finger lifted. Here every pointer event is
// queued and replayed at most one press/release per frame, so a quick tap is
// always a press in one frame and a release in the next; after a finger lifts
// the pointer leaves the screen (no hover on a touch screen). Mouse events
// that SDL synthesises from touches, or that arrive just after a touch, are
// dropped so a touch never counts twice.
#pragma once

#include <cstdint>
#include <deque>

#include <SDL.h>
#include <imgui.h>

#include "kiosk/ui.h"

namespace kiosk {

class PointerInput {
 public:
  // Returns true when the event was a pointer event (consumed here).
  bool Handle(const SDL_Event& event, ImVec2 window_size);
  // Feeds this frame's pointer state into `io` and `gesture`.
  void BeginFrame(ImGuiIO& io, Gesture& gesture, double now_s, float drag_slop_px);
  bool HasPending() const { return !queue_.empty(); }

 private:
  struct Event {
    enum class Kind { kDown, kMove, kUp } kind;
    ImVec2 position;
  };
  void Push(Event::Kind kind, ImVec2 position);

  std::deque<Event> queue_;
  bool down_ = false;
  bool lifted_ = true;  // the pointer left the screen after the last release
  ImVec2 position_{-FLT_MAX, -FLT_MAX};
  SDL_FingerID finger_ = 0;  // the finger being followed; others are ignored
  bool following_finger_ = false;
  std::uint32_t last_touch_ms_ = 0;
};

}  // namespace kiosk
