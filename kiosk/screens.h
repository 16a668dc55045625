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
  std::vector<store::QuarantinedLesson> quarantined;
  std::vector<std::pair<std::string, std::string>> languages;  // tag, own name
  Message message;
  bool unsaved_changes = false;
  std::string atlas_summary;
};

// Lesson thumbnails as textures. The station's implementation loads them in
// the background; until one is ready, tiles show a picture of the category.
class ThumbnailSource {
 public:
  virtual ~ThumbnailSource() = default;
  // 0 while loading or when there is none.
  virtual ImTextureID Thumbnail(const store::Lesson& lesson) = 0;
};

struct LibraryView {
  const LibraryState* library = nullptr;
  std::int64_t now = 0;  // unix seconds, for "new" badges
  ThumbnailSource* thumbnails = nullptr;
};

struct LessonView {
  const store::LessonEntry* entry = nullptr;
  Message message;
  std::int64_t now = 0;
  ThumbnailSource* thumbnails = nullptr;
};

struct PlayerView {
  std::string title;
  std::int64_t position_ms = 0;
  std::int64_t duration_ms = 0;
  PlayerControls controls;
  std::string subtitle;        // the cue showing now; "" for none
  bool has_subtitles = false;  // the lesson has any (the toggle shows only then)
  bool waiting = false;        // opening or seeking
  bool has_video = true;
  // Audio-only: the station draws the file's cover art itself, in the box
  // [25%..75%] x [12%..62%] of the screen; otherwise the lesson's thumbnail.
  bool cover_art_behind = false;
  ImTextureID cover = 0;
  ImVec2 cover_size{0, 0};
};

// A lesson is "new" for this long after it arrives, until first watched.
inline constexpr std::int64_t kNewForSeconds = 14 * 24 * 3600;
bool IsNew(const store::LessonEntry& entry, std::int64_t now);

// The admin long-press corner, in window pixels (top right).
ImVec2 AdminCornerMin(const Ui& ui);

void DrawHome(Ui& ui, const HomeView& view, std::vector<Action>& actions);
void DrawNotYetOpen(Ui& ui, const NotYetOpenView& view, std::vector<Action>& actions);
void DrawLibrary(Ui& ui, UiState& state, const LibraryView& view, std::vector<Action>& actions);
void DrawLesson(Ui& ui, const LessonView& view, std::vector<Action>& actions);
// Drawn over the video (the window has no background). Controls show on a
// tap and hide after a few seconds of playing.
void DrawPlayer(Ui& ui, UiState& state, const PlayerView& view, std::vector<Action>& actions);
void DrawAdminPin(Ui& ui, const PinView& view, std::vector<Action>& actions);
void DrawAdminSettings(Ui& ui, UiState& state, const SettingsView& view, std::vector<Action>& actions);
// Shown instead of everything when the store cannot be opened.
void DrawStartupError(Ui& ui, const std::string& detail);

}  // namespace kiosk
