#include "kiosk/script_runner.h"

#include <algorithm>

#include "base/log.h"

namespace kiosk {
namespace {

using Kind = ScriptStep::Kind;

constexpr SDL_TouchID kScriptTouchDevice = 0x5C1;
constexpr SDL_FingerID kScriptFinger = 1;
constexpr std::uint64_t kTapHoldMs = 80;
constexpr std::uint64_t kMoveIntervalMs = 16;
constexpr std::uint64_t kStepTimeoutMs = 15000;  // no ordinary step takes longer

std::string ShownWidgets(const WidgetRegistry& registry) {
  std::string list;
  for (const WidgetInfo& w : registry.shown()) list += (list.empty() ? "" : ", ") + w.id;
  return list.empty() ? "none" : list;
}

// Splits UTF-8 text into SDL_TEXTINPUT-sized pieces, never inside a character.
std::vector<std::string> TextChunks(const std::string& text) {
  std::vector<std::string> chunks;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = std::min(text.size(), start + SDL_TEXTINPUTEVENT_TEXT_SIZE - 1);
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    chunks.push_back(text.substr(start, end - start));
    start = end;
  }
  return chunks;
}

}  // namespace

ScriptRunner::ScriptRunner(std::vector<ScriptStep> steps, std::string screenshot_dir)
    : steps_(std::move(steps)), screenshot_dir_(std::move(screenshot_dir)) {}

void ScriptRunner::Fail(const ScriptStep& step, const std::string& why) {
  failed_ = true;
  failure_ = Describe(step) + ": " + why;
  base::LogError("script", failure_);
}

bool ScriptRunner::Resolve(const ScriptHost& host, const ScriptTarget& target, float& x, float& y) {
  if (target.at_point) {
    x = target.x;
    y = target.y;
    return true;
  }
  const WidgetInfo* widget = host.Widgets().Find(target.name);
  if (!widget) return false;
  x = (widget->min.x + widget->max.x) / 2;
  y = (widget->min.y + widget->max.y) / 2;
  return true;
}

void ScriptRunner::QueuePointer(ScriptHost& host, bool finger, Uint32 type, float x, float y, std::uint64_t due_ms) {
  SDL_Event event{};
  event.type = type;
  int w = 1, h = 1;
  SDL_GetWindowSize(host.Window(), &w, &h);
  if (finger) {
    event.tfinger.touchId = kScriptTouchDevice;
    event.tfinger.fingerId = kScriptFinger;
    event.tfinger.x = x / static_cast<float>(w);
    event.tfinger.y = y / static_cast<float>(h);
    event.tfinger.pressure = type == SDL_FINGERUP ? 0.0f : 1.0f;
    event.tfinger.windowID = SDL_GetWindowID(host.Window());
  } else if (type == SDL_MOUSEMOTION) {
    event.motion.windowID = SDL_GetWindowID(host.Window());
    event.motion.x = static_cast<Sint32>(x);
    event.motion.y = static_cast<Sint32>(y);
  } else {
    event.button.windowID = SDL_GetWindowID(host.Window());
    event.button.button = SDL_BUTTON_LEFT;
    event.button.state = type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED : SDL_RELEASED;
    event.button.clicks = 1;
    event.button.x = static_cast<Sint32>(x);
    event.button.y = static_cast<Sint32>(y);
  }
  pending_.push_back({due_ms, event});
}

bool ScriptRunner::Begin(ScriptHost& host, const ScriptStep& step, std::uint64_t now_ms) {
  float x = 0, y = 0;
  const bool needs_target = step.kind == Kind::kTap || step.kind == Kind::kClick ||
                            step.kind == Kind::kLongPress || step.kind == Kind::kDrag;
  if (needs_target && !Resolve(host, step.target, x, y)) {
    Fail(step, "'" + step.target.name + "' is not on screen (shown: " + ShownWidgets(host.Widgets()) + ")");
    return false;
  }
  switch (step.kind) {
    case Kind::kTap:
      QueuePointer(host, true, SDL_FINGERDOWN, x, y, now_ms);
      QueuePointer(host, true, SDL_FINGERUP, x, y, now_ms + kTapHoldMs);
      break;
    case Kind::kClick:
      QueuePointer(host, false, SDL_MOUSEMOTION, x, y, now_ms);
      QueuePointer(host, false, SDL_MOUSEBUTTONDOWN, x, y, now_ms);
      QueuePointer(host, false, SDL_MOUSEBUTTONUP, x, y, now_ms + kTapHoldMs);
      break;
    case Kind::kLongPress:
      QueuePointer(host, true, SDL_FINGERDOWN, x, y, now_ms);
      QueuePointer(host, true, SDL_FINGERUP, x, y, now_ms + step.duration_ms);
      break;
    case Kind::kDrag: {
      QueuePointer(host, true, SDL_FINGERDOWN, x, y, now_ms);
      const int moves = std::max<int>(1, step.duration_ms / kMoveIntervalMs);
      for (int i = 1; i <= moves; ++i) {
        const float t = static_cast<float>(i) / moves;
        QueuePointer(host, true, SDL_FINGERMOTION, x + step.dx * t, y + step.dy * t, now_ms + i * kMoveIntervalMs);
      }
      QueuePointer(host, true, SDL_FINGERUP, x + step.dx, y + step.dy, now_ms + moves * kMoveIntervalMs);
      break;
    }
    case Kind::kType:
      for (const std::string& chunk : TextChunks(step.text)) {
        SDL_Event event{};
        event.type = SDL_TEXTINPUT;
        event.text.windowID = SDL_GetWindowID(host.Window());
        chunk.copy(event.text.text, chunk.size());
        pending_.push_back({now_ms, event});
      }
      break;
    case Kind::kKey: {
      const SDL_Keycode key = SDL_GetKeyFromName(step.text.c_str());
      if (key == SDLK_UNKNOWN) {
        Fail(step, "unknown key name");
        return false;
      }
      for (Uint32 type : {SDL_KEYDOWN, SDL_KEYUP}) {
        SDL_Event event{};
        event.type = type;
        event.key.windowID = SDL_GetWindowID(host.Window());
        event.key.state = type == SDL_KEYDOWN ? SDL_PRESSED : SDL_RELEASED;
        event.key.keysym.sym = key;
        event.key.keysym.scancode = SDL_GetScancodeFromKey(key);
        pending_.push_back({now_ms + (type == SDL_KEYUP ? kTapHoldMs : 0), event});
      }
      break;
    }
    case Kind::kScreenshot:
      host.RequestScreenshot(screenshot_dir_ + "/" + step.text);
      break;
    case Kind::kQuit:
      host.RequestQuit();
      break;
    default:
      break;
  }
  return true;
}

bool ScriptRunner::StepComplete(ScriptHost& host, const ScriptStep& step, std::uint64_t now_ms) {
  const std::uint64_t elapsed = now_ms - step_start_ms_;
  switch (step.kind) {
    case Kind::kWait:
      return elapsed >= static_cast<std::uint64_t>(step.duration_ms);
    case Kind::kWaitFor:
      if (host.Widgets().Find(step.target.name)) return true;
      if (elapsed >= static_cast<std::uint64_t>(step.duration_ms)) {
        Fail(step, "did not appear within " + std::to_string(step.duration_ms) + " ms (shown: " +
                       ShownWidgets(host.Widgets()) + ")");
      }
      return false;
    case Kind::kWaitForText: {
      const WidgetInfo* widget = host.Widgets().Find(step.target.name);
      if (widget && widget->label.find(step.text) != std::string::npos) return true;
      if (elapsed >= static_cast<std::uint64_t>(step.duration_ms)) {
        Fail(step, widget ? "still says \"" + widget->label + "\" after " + std::to_string(step.duration_ms) + " ms"
                          : "did not appear within " + std::to_string(step.duration_ms) + " ms (shown: " +
                                ShownWidgets(host.Widgets()) + ")");
      }
      return false;
    }
    case Kind::kExpect:
      if (!host.Widgets().Find(step.target.name)) {
        Fail(step, "is not on screen (shown: " + ShownWidgets(host.Widgets()) + ")");
      }
      return true;
    case Kind::kExpectAbsent:
      if (host.Widgets().Find(step.target.name)) Fail(step, "is on screen");
      return true;
    case Kind::kExpectScreen:
      if (host.ScreenName() != step.text) Fail(step, "the screen is " + std::string(host.ScreenName()));
      return true;
    case Kind::kScreenshot:
      return host.ScreenshotDone();
    default:
      return true;
  }
}

void ScriptRunner::Advance(ScriptHost& host, std::uint64_t now_ms) {
  while (!finished()) {
    const ScriptStep& step = steps_[index_];
    if (!started_) {
      // Each step starts on a settled screen, so the widgets it names are current.
      if (!host.Idle()) {
        next_wake_ms_ = 0;
        if (index_ > 0 && now_ms - step_start_ms_ > kStepTimeoutMs) Fail(step, "the screen never settled");
        return;
      }
      started_ = true;
      step_start_ms_ = now_ms;
      base::LogInfo("script", Describe(step));
      if (!Begin(host, step, now_ms)) return;
    }
    // Push the events that are due, in order.
    std::sort(pending_.begin(), pending_.end(),
              [](const TimedEvent& a, const TimedEvent& b) { return a.due_ms < b.due_ms; });
    size_t pushed = 0;
    while (pushed < pending_.size() && pending_[pushed].due_ms <= now_ms) {
      SDL_Event event = pending_[pushed++].event;
      event.common.timestamp = SDL_GetTicks();
      SDL_PushEvent(&event);
    }
    pending_.erase(pending_.begin(), pending_.begin() + pushed);
    if (!pending_.empty()) {
      next_wake_ms_ = pending_.front().due_ms;
      return;
    }
    if (!StepComplete(host, step, now_ms)) {
      if (failed_) return;
      if (now_ms - step_start_ms_ > kStepTimeoutMs + static_cast<std::uint64_t>(step.duration_ms)) {
        Fail(step, "timed out");
        return;
      }
      next_wake_ms_ = step.kind == Kind::kWait ? step_start_ms_ + step.duration_ms : now_ms + 16;
      return;
    }
    if (failed_) return;
    ++index_;
    started_ = false;
    step_start_ms_ = now_ms;
  }
}

}  // namespace kiosk
