// Pieces every screen is made of: the full-screen window, the top bar with
// its Home (and Back) buttons, message text. Internal to kiosk_ui.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <imgui.h>

#include "kiosk/app.h"
#include "kiosk/ui.h"

namespace kiosk {

inline constexpr float kTopBarHeight = 132;  // px at 1080p
inline constexpr float kMargin = 48;

std::string MessageText(const Ui& ui, const Message& message);

// A full-screen window that every screen draws into.
void BeginScreen(const char* name, ImGuiWindowFlags extra_flags = 0);
void EndScreen();

// The bar on top of every screen but home: a big Home button at the left,
// always in the same place, an optional Back button beside it, and the
// title in the middle.
void TopBar(Ui& ui, std::string_view title, std::vector<Action>& actions,
            const std::optional<Action>& back = std::nullopt);

// "1:05" or "1:02:05".
std::string DurationText(std::int64_t ms);

// "11/24 14:30" in the station's time zone.
std::string LocalTimeText(std::int64_t unix_s, int utc_offset_minutes);

}  // namespace kiosk
