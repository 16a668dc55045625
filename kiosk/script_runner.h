// Performs a parsed script (script.h) against the running kiosk by pushing
// real SDL events (finger, mouse, keyboard, text) into SDL's queue, so a
// scripted tap travels exactly the path a finger does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <SDL.h>

#include "kiosk/script.h"
#include "kiosk/ui.h"

namespace kiosk {

// What the runner needs from the kiosk.
class ScriptHost {
 public:
  virtual ~ScriptHost() = default;
  virtual const WidgetRegistry& Widgets() const = 0;
  virtual std::string_view ScreenName() const = 0;
  virtual SDL_Window* Window() const = 0;
  virtual bool Idle() const = 0;  // nothing queued, nothing animating
  virtual void RequestScreenshot(const std::string& path) = 0;
  virtual bool ScreenshotDone() const = 0;
  virtual void RequestQuit() = 0;
};

class ScriptRunner {
 public:
  ScriptRunner(std::vector<ScriptStep> steps, std::string screenshot_dir);

  // Does whatever is due at `now_ms` (SDL ticks).
  void Advance(ScriptHost& host, std::uint64_t now_ms);
  // When Advance() next has something to do; 0 means now.
  std::uint64_t NextWakeMs() const { return next_wake_ms_; }

  bool finished() const { return index_ >= steps_.size() || failed_; }
  bool failed() const { return failed_; }
  const std::string& failure() const { return failure_; }

 private:
  struct TimedEvent {
    std::uint64_t due_ms;
    SDL_Event event;
  };
  bool Begin(ScriptHost& host, const ScriptStep& step, std::uint64_t now_ms);
  bool Resolve(const ScriptHost& host, const ScriptTarget& target, float& x, float& y);
  bool StepComplete(ScriptHost& host, const ScriptStep& step, std::uint64_t now_ms);
  void Fail(const ScriptStep& step, const std::string& why);
  void QueuePointer(ScriptHost& host, bool finger, Uint32 type, float x, float y, std::uint64_t due_ms);

  std::vector<ScriptStep> steps_;
  std::string screenshot_dir_;
  size_t index_ = 0;
  bool started_ = false;        // the current step's events are scheduled
  std::uint64_t step_start_ms_ = 0;
  std::vector<TimedEvent> pending_;
  std::uint64_t next_wake_ms_ = 0;
  bool failed_ = false;
  std::string failure_;
};

}  // namespace kiosk
