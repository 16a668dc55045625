// The running kiosk: window, GL context, ImGui, the event loop and the frame.
//
// The loop sleeps in SDL_WaitEventTimeout until something needs a frame:
// input, an intent's result, an animation, the clock's next minute, the idle
// timeout, or a scripted step. When nothing moves it draws nothing.
#pragma once

#include "kiosk/options.h"

namespace kiosk {

// Runs until quit; returns the process exit code.
int RunStation(const Options& options);

}  // namespace kiosk
