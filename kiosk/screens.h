// Screens: each a function of a plain view struct that appends intents.
// No screen keeps state of its own; lasting presentation state is in UiState.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "kiosk/app.h"
#include "kiosk/ui.h"

namespace kiosk {

struct HomeView {
  std::string station_line;  // "<station> · <village>"
  std::string clock;         // "08:30"
};

struct NotYetOpenView {
  Service service;
};

struct PinView {
  PinPadState::Mode mode;
  int digits_entered = 0;
  Message message;
};

struct SettingsView {
  StationSettings draft;
  std::vector<std::pair<std::string, std::string>> languages;  // tag, own name
  Message message;
  bool unsaved_changes = false;
  std::string atlas_summary;
};

// The admin long-press corner, in window pixels (top right).
ImVec2 AdminCornerMin(const Ui& ui);

void DrawHome(Ui& ui, const HomeView& view, std::vector<Action>& actions);
void DrawNotYetOpen(Ui& ui, const NotYetOpenView& view, std::vector<Action>& actions);
void DrawAdminPin(Ui& ui, const PinView& view, std::vector<Action>& actions);
void DrawAdminSettings(Ui& ui, UiState& state, const SettingsView& view, std::vector<Action>& actions);
// Shown instead of everything when the store cannot be opened.
void DrawStartupError(Ui& ui, const std::string& detail);

}  // namespace kiosk
