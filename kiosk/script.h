// The scripted driver's language: a plain-text list of steps run against the
// real UI (see docs/SCRIPTING.md). Parsing is pure; kiosk/script_runner.cpp
// performs the steps with real SDL events.
//
//   # comment
//   tap home.watch              finger tap on a widget, by id...
//   tap "看课程"                 ...or by its exact label
//   tap-at 40 40                finger tap at window pixels
//   click admin.save            mouse click (the same, through the mouse path)
//   long-press 30 30 3500       hold a finger (target or x y, then ms)
//   drag lessons.list 0 -600 400  finger drag by dx dy over ms
//   type "村委会"                text input to the focused field
//   key Return                  a key press (Return, BackSpace, Escape, Tab)
//   wait 500                    milliseconds
//   wait-for admin.settings 5000  until the widget is on screen
//   expect home.watch           fail unless the widget is on screen now
//   expect-absent lesson.x      fail if the widget is on screen now
//   expect-screen home          fail unless this screen is showing
//   screenshot home.png         written into --screenshot-dir
//   quit
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace kiosk {

struct ScriptTarget {
  std::string name;      // widget id or label; empty when `at_point`
  bool at_point = false;
  float x = 0, y = 0;    // window pixels when at_point
};

struct ScriptStep {
  enum class Kind {
    kTap, kClick, kLongPress, kDrag, kType, kKey, kWait, kWaitFor, kWaitForText,
    kExpect, kExpectAbsent, kExpectScreen, kScreenshot, kQuit,
  };
  Kind kind;
  int line = 0;
  ScriptTarget target;
  float dx = 0, dy = 0;
  int duration_ms = 0;
  std::string text;       // typed text, key name, screen name, file name or text awaited
};

base::Result<std::vector<ScriptStep>> ParseScript(std::string_view text);

// For messages: "line 12: tap home.watch".
std::string Describe(const ScriptStep& step);

}  // namespace kiosk
