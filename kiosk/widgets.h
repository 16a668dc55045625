// Touch widgets: big targets (never under 64 px at 1080p), a visible pressed
// state, no hover effects, and taps cancelled by drags. Every widget is
// registered with an id and label for the scripted driver.
#pragma once

#include <string>
#include <string_view>

#include <imgui.h>

#include "kiosk/ui.h"

namespace kiosk {

namespace colors {
inline constexpr ImU32 kBackground = IM_COL32(0x0F, 0x1A, 0x2A, 0xFF);
inline constexpr ImU32 kSurface = IM_COL32(0x1E, 0x2E, 0x45, 0xFF);
inline constexpr ImU32 kText = IM_COL32(0xFF, 0xFF, 0xFF, 0xFF);
inline constexpr ImU32 kTextDim = IM_COL32(0xC9, 0xD4, 0xE3, 0xFF);
inline constexpr ImU32 kLessons = IM_COL32(0x2E, 0x7D, 0x32, 0xFF);
inline constexpr ImU32 kReport = IM_COL32(0xD8, 0x4A, 0x05, 0xFF);
inline constexpr ImU32 kCheck = IM_COL32(0x15, 0x65, 0xC0, 0xFF);
inline constexpr ImU32 kKey = IM_COL32(0x2A, 0x3F, 0x5E, 0xFF);
inline constexpr ImU32 kDanger = IM_COL32(0xFF, 0x8A, 0x80, 0xFF);
inline constexpr ImU32 kGood = IM_COL32(0x9C, 0xE0, 0x9F, 0xFF);
}  // namespace colors

inline constexpr float kMinTarget = 64;  // px at 1080p

enum class Icon {
  kWatch, kReport, kCheck, kHome, kBackspace, kOk, kExit, kSave,
  kBack, kPlay, kPause, kRewind, kForward, kVolumeDown, kVolumeUp, kSubtitles, kRestart,
  // Report a problem: the categories, then the steps (icons_report.cpp).
  kRoad, kWater, kElectricity, kHousing, kEnvironment, kLand, kAllowance, kPublicOrder, kSuggestion, kOther,
  kMicrophone, kStop, kCamera, kKeyboard, kPlace, kPerson, kAnonymous, kListen, kNext, kTrash,
};

void DrawIcon(ImDrawList* draw, Icon icon, ImVec2 center, float size, ImU32 color, ImU32 detail);
// The report flow's icons (icons_report.cpp); DrawIcon() forwards to it.
void DrawReportIcon(ImDrawList* draw, Icon icon, ImVec2 center, float size, ImU32 color, ImU32 detail);
// A face for the satisfaction rating: 1 (very unhappy) to 5 (very happy).
void DrawFace(ImDrawList* draw, ImVec2 center, float radius, int faces, ImU32 color, ImU32 detail);

// `text` broken into lines no wider than `width` in `font` (text_wrap.h):
// Chinese breaks between characters, not only at spaces as ImGui does.
std::string WrapToWidth(const ImFont* font, std::string_view text, float width);

// Centered text (wrapped to `wrap_width` when given) around `center`.
void DrawCenteredText(ImDrawList* draw, ImFont* font, ImVec2 center, ImU32 color,
                      std::string_view text, float wrap_width = 0);

// A big picture tile: icon above, label below. Returns true when tapped.
bool Tile(Ui& ui, const char* id, std::string_view label, Icon icon, ImU32 color, ImVec2 size);

// A lesson tile: a 16:9 picture (or a placeholder of `color` with `icon`)
// with optional badge, corner text and progress bar, and a title below.
struct PictureTileContent {
  std::string_view title;
  ImTextureID picture = 0;
  ImU32 color = colors::kSurface;
  Icon icon = Icon::kWatch;
  std::string_view badge;        // top left, e.g. "new"; empty for none
  std::string_view corner_text;  // bottom right on the picture, e.g. the duration
  float progress = 0;            // 0..1: a bar under the picture; 0 for none
};
bool PictureTile(Ui& ui, const char* id, const PictureTileContent& content, ImVec2 size);

// Draws a picture scaled to fit (aspect kept) and centred in [min, max].
void DrawPictureFit(ImDrawList* draw, ImTextureID texture, ImVec2 texture_size, ImVec2 min, ImVec2 max);

// A button with an optional icon left of its label. Returns true when tapped.
bool BigButton(Ui& ui, const char* id, std::string_view label, ImVec2 size, ImU32 color,
               const Icon* icon = nullptr, ImFont* font = nullptr);

// A vertical list that scrolls by dragging a finger, with momentum.
void BeginTouchScroll(Ui& ui, const char* id, ImVec2 size, ScrollState& state);
void EndTouchScroll(Ui& ui, ScrollState& state);

// Applies theme sizes and colors to ImGui's style for this scale.
void ApplyTheme(float scale);

}  // namespace kiosk
