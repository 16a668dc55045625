// Screens: each a function of a plain view struct that appends intents.
// No screen keeps state of its own; lasting presentation state is in UiState.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "kiosk/app.h"
#include "kiosk/pinyin_input.h"
#include "kiosk/ui.h"

namespace kiosk {

struct HomeView {
  std::string station_line;  // "<station> · <village>"
  std::string clock;         // "08:30"
  const station_sync::CatalogNotice* notice = nullptr;  // the newest, shown as a banner
};

// A notice from the county, big; the narrator reads it out.
void DrawNotice(Ui& ui, const station_sync::CatalogNotice& notice, std::vector<Action>& actions);

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

// Report a problem: every step, the ticket, and the notices around them.
// The station supplies textures for photos and the camera, and the levels of
// what is being recorded.
class PhotoTextures {
 public:
  virtual ~PhotoTextures() = default;
  // 0 while not ready.
  virtual ImTextureID Texture(const ReportPhoto& photo, ImVec2* size) = 0;
};

struct ReportView {
  Screen screen = Screen::kReportWhat;
  const ReportFlow* report = nullptr;
  std::string village;
  const PinyinView* pinyin = nullptr;  // null: no engine here
  bool pinyin_ready = false;
  ImTextureID camera_preview = 0;      // the photo step: live picture, 0 while starting
  ImVec2 camera_size{0, 0};
  bool camera_failed = false;
  float mic_level = 0;                 // 0..1, while recording
  std::int64_t recorded_ms = 0;        // while recording
  PhotoTextures* photos = nullptr;
};
void DrawReport(Ui& ui, const ReportView& view, std::vector<Action>& actions);

struct CheckView {
  Screen screen = Screen::kCheckCode;
  const CheckFlow* check = nullptr;
  int utc_offset_minutes = 480;  // for the times shown
};
void DrawCheck(Ui& ui, UiState& state, const CheckView& view, std::vector<Action>& actions);

// A lesson is "new" for this long after it arrives, until first watched.
inline constexpr std::int64_t kNewForSeconds = 14 * 24 * 3600;
bool IsNew(const store::LessonEntry& entry, std::int64_t now);

// The admin long-press corner, in window pixels (top right).
ImVec2 AdminCornerMin(const Ui& ui);

void DrawHome(Ui& ui, const HomeView& view, std::vector<Action>& actions);
void DrawLibrary(Ui& ui, UiState& state, const LibraryView& view, std::vector<Action>& actions);
void DrawLesson(Ui& ui, const LessonView& view, std::vector<Action>& actions);
// Drawn over the video (the window has no background). Controls show on a
// tap and hide after a few seconds of playing.
void DrawPlayer(Ui& ui, UiState& state, const PlayerView& view, std::vector<Action>& actions);
void DrawAdminPin(Ui& ui, const PinView& view, std::vector<Action>& actions);
void DrawAdminSettings(Ui& ui, UiState& state, const SettingsView& view, std::vector<Action>& actions);

// The admin area's sync page, and the enrolment code keypad.
struct SyncPageView {
  const SyncPage* page = nullptr;
  std::int64_t now = 0;
  int utc_offset_minutes = 480;
  // The box's own clock minus the station's (which follows the county's):
  // a dead clock battery or a date typed wrong.
  std::int64_t box_clock_error_s = 0;
};
void DrawAdminSync(Ui& ui, UiState& state, const SyncPageView& view, std::vector<Action>& actions);
void DrawEnrolCode(Ui& ui, const SyncPage& page, std::vector<Action>& actions);
struct UsbPageView {
  const SyncPage* sync = nullptr;  // its status: the USB job waiting, under way, last
  const UsbPage* usb = nullptr;
  std::int64_t now = 0;
  int utc_offset_minutes = 480;
};
void DrawAdminUsb(Ui& ui, UiState& state, const UsbPageView& view, std::vector<Action>& actions);
// Shown instead of everything when the store cannot be opened.
void DrawStartupError(Ui& ui, const std::string& detail);

}  // namespace kiosk
