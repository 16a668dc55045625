#include "kiosk/screen_parts.h"

#include <cstdio>
#include <ctime>

#include "kiosk/widgets.h"

namespace kiosk {

std::string MessageText(const Ui& ui, const Message& message) {
  return message.key.empty() ? std::string() : Format(ui.T(message.key), message.values);
}

void BeginScreen(const char* name, ImGuiWindowFlags extra_flags) {
  const ImGuiIO& io = ImGui::GetIO();
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(io.DisplaySize);
  ImGui::Begin(name, nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollWithMouse | extra_flags);
}

void EndScreen() { ImGui::End(); }

void TopBar(Ui& ui, std::string_view title, std::vector<Action>& actions, const std::optional<Action>& back) {
  const float bar = ui.px(kTopBarHeight);
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float width = ImGui::GetIO().DisplaySize.x;
  draw->AddRectFilled(ImVec2(0, 0), ImVec2(width, bar), colors::kSurface);
  const ImVec2 button(ui.px(300), bar - ui.px(32));
  ImGui::SetCursorPos(ImVec2(ui.px(24), ui.px(16)));
  const Icon home = Icon::kHome;
  if (BigButton(ui, "nav.home", ui.T("nav.home"), button, colors::kLessons, &home)) {
    actions.push_back(GoHome{});
  }
  if (back) {
    ImGui::SetCursorPos(ImVec2(ui.px(24 + 300 + 24), ui.px(16)));
    const Icon arrow = Icon::kBack;
    if (BigButton(ui, "nav.back", ui.T("nav.back"), button, colors::kKey, &arrow)) actions.push_back(*back);
  }
  DrawCenteredText(draw, ui.fonts.title, ImVec2(width / 2, bar / 2), colors::kText, title,
                   width - ui.px(back ? 1400 : 760));
}

std::string DurationText(std::int64_t ms) {
  const std::int64_t total_s = std::max<std::int64_t>(0, ms) / 1000;
  const std::int64_t h = total_s / 3600, m = total_s / 60 % 60, s = total_s % 60;
  char text[32];
  if (h > 0) std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", static_cast<long long>(h),
                           static_cast<long long>(m), static_cast<long long>(s));
  else std::snprintf(text, sizeof text, "%lld:%02lld", static_cast<long long>(m), static_cast<long long>(s));
  return text;
}

std::string LocalTimeText(std::int64_t unix_s, int utc_offset_minutes) {
  const std::time_t local = static_cast<std::time_t>(unix_s + utc_offset_minutes * 60);
  std::tm tm{};
  gmtime_r(&local, &tm);
  char text[48];
  std::snprintf(text, sizeof text, "%d/%d %02d:%02d", tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
  return text;
}

}  // namespace kiosk
