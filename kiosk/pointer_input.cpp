#include "kiosk/pointer_input.h"

#include <cmath>

namespace kiosk {
namespace {

constexpr std::uint32_t kMouseIgnoredAfterTouchMs = 800;

}  // namespace

void PointerInput::Push(Event::Kind kind, ImVec2 position) { queue_.push_back({kind, position}); }

bool PointerInput::Handle(const SDL_Event& event, ImVec2 window_size) {
  switch (event.type) {
    case SDL_FINGERDOWN:
    case SDL_FINGERMOTION:
    case SDL_FINGERUP: {
      last_touch_ms_ = event.tfinger.timestamp;
      const ImVec2 at(event.tfinger.x * window_size.x, event.tfinger.y * window_size.y);
      if (event.type == SDL_FINGERDOWN) {
        if (following_finger_) return true;  // a second finger: ignore it
        following_finger_ = true;
        finger_ = event.tfinger.fingerId;
        Push(Event::Kind::kDown, at);
      } else if (following_finger_ && event.tfinger.fingerId == finger_) {
        if (event.type == SDL_FINGERUP) following_finger_ = false;
        Push(event.type == SDL_FINGERUP ? Event::Kind::kUp : Event::Kind::kMove, at);
      }
      return true;
    }
    case SDL_MOUSEMOTION:
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP: {
      const bool from_touch = event.motion.which == SDL_TOUCH_MOUSEID ||
                              (last_touch_ms_ != 0 && event.motion.timestamp - last_touch_ms_ < kMouseIgnoredAfterTouchMs);
      if (from_touch) return true;
      if (event.type == SDL_MOUSEMOTION) {
        Push(Event::Kind::kMove, ImVec2(static_cast<float>(event.motion.x), static_cast<float>(event.motion.y)));
      } else if (event.button.button == SDL_BUTTON_LEFT) {
        const ImVec2 at(static_cast<float>(event.button.x), static_cast<float>(event.button.y));
        Push(event.type == SDL_MOUSEBUTTONDOWN ? Event::Kind::kDown : Event::Kind::kUp, at);
      }
      return true;
    }
    default:
      return false;
  }
}

void PointerInput::BeginFrame(ImGuiIO& io, Gesture& gesture, double now_s, float drag_slop_px) {
  if (!down_ && lifted_) position_ = ImVec2(-FLT_MAX, -FLT_MAX);
  bool moved = false;
  while (!queue_.empty()) {
    const Event event = queue_.front();
    // A finger that moved and lifted within one (stalled) frame: this frame
    // shows it down where it moved to, so a list follows the drag; the
    // release comes next frame.
    if (event.kind == Event::Kind::kUp && down_ && moved) break;
    queue_.pop_front();
    moved = moved || (event.kind == Event::Kind::kMove && down_ &&
                      (event.position.x != position_.x || event.position.y != position_.y));
    position_ = event.position;
    lifted_ = false;
    if (event.kind == Event::Kind::kDown && !down_) {
      down_ = true;
      gesture = Gesture{.down = true, .start = position_, .position = position_, .down_time_s = now_s};
      break;  // one transition per frame
    }
    if (event.kind == Event::Kind::kUp && down_) {
      down_ = false;
      lifted_ = true;
      gesture.down = false;
      break;
    }
  }
  gesture.position = position_;
  if (gesture.down && !gesture.dragging) {
    const float dx = position_.x - gesture.start.x, dy = position_.y - gesture.start.y;
    const float distance = std::sqrt(dx * dx + dy * dy);
    gesture.dragging = distance > drag_slop_px;
    if (gesture.dragging) {
      const float at_slop = drag_slop_px / distance;
      gesture.drag_origin = ImVec2(gesture.start.x + dx * at_slop, gesture.start.y + dy * at_slop);
    }
  }
  io.MousePos = position_;
  io.MouseDown[0] = down_;
  for (int i = 1; i < 5; ++i) io.MouseDown[i] = false;
}

}  // namespace kiosk
