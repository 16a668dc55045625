#include "kiosk/screens.h"

#include <algorithm>
#include <string>

#include <imgui.h>

#include "kiosk/screen_parts.h"
#include "kiosk/widgets.h"

namespace kiosk {
namespace {

ImU32 ServiceColor(Service service) {
  switch (service) {
    case Service::kWatchLessons: return colors::kLessons;
    case Service::kReportProblem: return colors::kReport;
    case Service::kCheckReport: return colors::kCheck;
  }
  return colors::kSurface;
}

Icon ServiceIcon(Service service) {
  switch (service) {
    case Service::kWatchLessons: return Icon::kWatch;
    case Service::kReportProblem: return Icon::kReport;
    case Service::kCheckReport: return Icon::kCheck;
  }
  return Icon::kHome;
}

const char* ServiceKey(Service service) {
  switch (service) {
    case Service::kWatchLessons: return "home.watch";
    case Service::kReportProblem: return "home.report";
    case Service::kCheckReport: return "home.check";
  }
  return "";
}

}  // namespace

ImVec2 AdminCornerMin(const Ui& ui) {
  return ImVec2(ImGui::GetIO().DisplaySize.x - ui.px(160), 0);
}

// The newest notice across the top of home: a tap opens it and reads it out.
void DrawNoticeBanner(Ui& ui, const station_sync::CatalogNotice& notice, ImVec2 pos, ImVec2 size,
                      std::vector<Action>& actions) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  ImGui::SetCursorPos(pos);
  if (ImGui::InvisibleButton("home.notice", size)) actions.push_back(OpenNotice{0});
  const std::string line = notice.title + (notice.text.empty() ? "" : "：" + notice.text);
  if (ui.registry) ui.registry->Add("home.notice", line, pos, ImVec2(pos.x + size.x, pos.y + size.y));
  draw->AddRectFilled(pos, ImVec2(pos.x + size.x, pos.y + size.y), colors::kSurface, ui.px(16));
  const float icon = size.y * 0.8f;
  DrawIcon(draw, Icon::kListen, ImVec2(pos.x + size.y / 2 + ui.px(10), pos.y + size.y / 2), icon, colors::kText,
           colors::kSurface);
  const ImVec2 text_pos(pos.x + size.y + ui.px(30), pos.y + (size.y - ui.fonts.title->FontSize) / 2);
  draw->PushClipRect(text_pos, ImVec2(pos.x + size.x - ui.px(20), pos.y + size.y), true);
  draw->AddText(ui.fonts.title, ui.fonts.title->FontSize, text_pos, colors::kText, line.c_str());
  draw->PopClipRect();
}

void DrawHome(Ui& ui, const HomeView& view, std::vector<Action>& actions) {
  BeginScreen("home");
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float bar = ui.px(kTopBarHeight);
  draw->AddRectFilled(ImVec2(0, 0), ImVec2(display.x, bar), colors::kSurface);
  draw->AddText(ui.fonts.title, ui.fonts.title->FontSize, ImVec2(ui.px(kMargin), (bar - ui.fonts.title->FontSize) / 2),
                colors::kText, view.station_line.c_str());
  const ImVec2 clock_size = ui.fonts.title->CalcTextSizeA(ui.fonts.title->FontSize, FLT_MAX, 0, view.clock.c_str());
  draw->AddText(ui.fonts.title, ui.fonts.title->FontSize,
                ImVec2(display.x - ui.px(kMargin) - clock_size.x, (bar - clock_size.y) / 2), colors::kTextDim,
                view.clock.c_str());

  const Service services[] = {Service::kWatchLessons, Service::kReportProblem, Service::kCheckReport};
  const float gap = ui.px(kMargin);
  const float tile_w = (display.x - gap * 4) / 3;
  const float banner_h = view.notice ? ui.px(96) : 0;
  const float tile_h = std::min(display.y - bar - gap * 2 - banner_h, tile_w * 1.25f);
  const float top = bar + banner_h + (display.y - bar - banner_h - tile_h) / 2;
  if (view.notice) DrawNoticeBanner(ui, *view.notice, ImVec2(gap, bar + gap / 2), ImVec2(display.x - 2 * gap, banner_h), actions);
  for (int i = 0; i < 3; ++i) {
    ImGui::SetCursorPos(ImVec2(gap + i * (tile_w + gap), top));
    const Service service = services[i];
    if (Tile(ui, ServiceKey(service), ui.T(ServiceKey(service)), ServiceIcon(service), ServiceColor(service),
             ImVec2(tile_w, tile_h))) {
      actions.push_back(OpenService{service});
    }
  }
  EndScreen();
}

void DrawNotice(Ui& ui, const station_sync::CatalogNotice& notice, std::vector<Action>& actions) {
  BeginScreen("notice");
  TopBar(ui, ui.T("notice.title"), actions);
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float margin = ui.px(kMargin) * 2;
  const float width = display.x - 2 * margin;
  ImGui::SetCursorPos(ImVec2(margin, ui.px(kTopBarHeight) + ui.px(60)));
  ImGui::PushFont(ui.fonts.display);
  ImGui::TextUnformatted(WrapToWidth(ui.fonts.display, notice.title, width).c_str());
  if (ui.registry) ui.registry->Add("notice.title", notice.title, ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
  ImGui::PopFont();
  ImGui::Dummy(ImVec2(1, ui.px(40)));
  ImGui::SetCursorPosX(margin);
  ImGui::PushFont(ui.fonts.title);
  ImGui::TextUnformatted(WrapToWidth(ui.fonts.title, notice.text, width).c_str());
  if (ui.registry) ui.registry->Add("notice.text", notice.text, ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
  ImGui::PopFont();
  EndScreen();
}

void DrawAdminPin(Ui& ui, const PinView& view, std::vector<Action>& actions) {
  BeginScreen("admin-pin");
  const char* title_key = view.mode == PinPadState::Mode::kEnter    ? "admin.pin.enter"
                          : view.mode == PinPadState::Mode::kCreate ? "admin.pin.create"
                                                                    : "admin.pin.confirm";
  TopBar(ui, ui.T(title_key), actions);
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float mid = display.x / 2;
  float y = ui.px(kTopBarHeight) + ui.px(70);

  // One dot per possible digit: filled ones were typed.
  const float dot = ui.px(22), spacing = ui.px(64);
  const int shown = std::max(kPinMinDigits, std::min(kPinMaxDigits, view.digits_entered + 1));
  for (int i = 0; i < shown; ++i) {
    const ImVec2 c(mid + (i - (shown - 1) / 2.0f) * spacing, y);
    if (i < view.digits_entered) draw->AddCircleFilled(c, dot, colors::kText);
    else draw->AddCircle(c, dot, colors::kTextDim, 24, ui.px(4));
  }
  y += ui.px(70);
  const std::string message = MessageText(ui, view.message);
  if (!message.empty()) {
    DrawCenteredText(draw, ui.fonts.body, ImVec2(mid, y), view.message.is_error ? colors::kDanger : colors::kGood,
                     message);
  }
  y += ui.px(60);

  // The keypad: 1-9, then delete, 0, OK.
  const ImVec2 key(ui.px(220), std::min(ui.px(150), (display.y - y - ui.px(40)) / 4 - ui.px(20)));
  const float gap = ui.px(24);
  const float left = mid - (key.x * 3 + gap * 2) / 2;
  const char* labels[] = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "", "0", ""};
  for (int i = 0; i < 12; ++i) {
    ImGui::SetCursorPos(ImVec2(left + (i % 3) * (key.x + gap), y + (i / 3) * (key.y + gap)));
    if (i == 9) {
      const Icon icon = Icon::kBackspace;
      if (BigButton(ui, "pin.delete", ui.T("admin.pin.delete"), key, colors::kKey, &icon)) {
        actions.push_back(PinDelete{});
      }
    } else if (i == 11) {
      const Icon icon = Icon::kOk;
      if (BigButton(ui, "pin.ok", ui.T("admin.pin.ok"), key, colors::kLessons, &icon)) {
        actions.push_back(PinSubmit{});
      }
    } else {
      const std::string id = std::string("pin.") + labels[i];
      if (BigButton(ui, id.c_str(), labels[i], key, colors::kKey, nullptr, ui.fonts.display)) {
        actions.push_back(PinDigit{labels[i][0]});
      }
    }
  }
  EndScreen();
}

namespace {

// A labelled text field; returns true when its text changed.
bool Field(Ui& ui, const char* id, std::string_view label, std::string& value, float width) {
  ImGui::PushFont(ui.fonts.body);
  ImGui::TextUnformatted(label.data(), label.data() + label.size());
  char buffer[256];
  const size_t n = std::min(value.size(), sizeof(buffer) - 1);
  value.copy(buffer, n);
  buffer[n] = '\0';
  ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(0x10, 0x10, 0x10, 0xFF));
  ImGui::SetNextItemWidth(width);
  const bool changed = ImGui::InputText(id, buffer, sizeof(buffer));
  ImGui::PopStyleColor();
  if (ui.registry) ui.registry->Add(std::string(id).substr(2), std::string(label), ImGui::GetItemRectMin(),
                                    ImGui::GetItemRectMax());
  ImGui::PopFont();
  if (changed) value = buffer;
  return changed;
}

}  // namespace

void DrawAdminSettings(Ui& ui, UiState& state, const SettingsView& view, std::vector<Action>& actions) {
  BeginScreen("admin-settings");
  TopBar(ui, ui.T("admin.settings.title"), actions);
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float top = ui.px(kTopBarHeight) + ui.px(24);
  const float margin = ui.px(kMargin);
  const float bottom_bar = ui.px(170);

  ImGui::SetCursorPos(ImVec2(margin, top));
  BeginTouchScroll(ui, "settings.list", ImVec2(display.x - 2 * margin, display.y - top - bottom_bar), state.settings_scroll);
  const float field_w = std::min(ui.px(1100), display.x - 2 * margin - ui.px(20));
  StationSettings draft = view.draft;
  bool edited = false;
  edited |= Field(ui, "##admin.station_name", ui.T("admin.settings.station_name"), draft.station_name, field_w);
  edited |= Field(ui, "##admin.village", ui.T("admin.settings.village"), draft.village, field_w);
  edited |= Field(ui, "##admin.county_server", ui.T("admin.settings.county_server"), draft.county_server, field_w);

  ImGui::PushFont(ui.fonts.body);
  ImGui::TextUnformatted(ui.T("admin.settings.language").c_str());
  ImGui::PopFont();
  const Icon tick = Icon::kOk;
  for (const auto& [tag, name] : view.languages) {
    const std::string id = "admin.language." + tag;
    const bool selected = draft.language == tag;
    if (BigButton(ui, id.c_str(), name, ImVec2(ui.px(300), ui.px(100)), selected ? colors::kCheck : colors::kKey,
                  selected ? &tick : nullptr)) {
      draft.language = tag;
      edited = true;
    }
    ImGui::SameLine();
  }
  ImGui::NewLine();
  ImGui::PushFont(ui.fonts.body);
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colors::kTextDim), "%s", view.atlas_summary.c_str());
  ImGui::Dummy(ImVec2(1, ui.px(24)));
  ImGui::TextUnformatted(ui.T("admin.quarantine.title").c_str());
  if (view.quarantined.empty()) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colors::kGood), "%s", ui.T("admin.quarantine.none").c_str());
  }
  for (const store::QuarantinedLesson& lesson : view.quarantined) {
    const std::string row = Format(ui.T("admin.quarantine.row"),
                                   {{"title", lesson.title.empty() ? lesson.lesson_id : lesson.title},
                                    {"n", std::to_string(lesson.failures)},
                                    {"error", lesson.last_error}});
    const std::string id = "admin.restore." + lesson.lesson_id;
    if (BigButton(ui, id.c_str(), ui.T("admin.quarantine.restore"), ImVec2(ui.px(260), ui.px(90)), colors::kCheck)) {
      actions.push_back(RestoreLesson{lesson.lesson_id});
    }
    ImGui::SameLine();
    ImGui::PushTextWrapPos(0);
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colors::kDanger), "%s", row.c_str());
    ImGui::PopTextWrapPos();
  }
  ImGui::PopFont();
  EndTouchScroll(ui, state.settings_scroll);
  if (edited) actions.push_back(EditDraft{draft});

  // Bottom bar: save, the outcome, leave.
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float y = display.y - bottom_bar + ui.px(20);
  ImGui::SetCursorPos(ImVec2(margin, y));
  const Icon save = Icon::kSave;
  if (BigButton(ui, "admin.save", ui.T("admin.settings.save"), ImVec2(ui.px(360), ui.px(120)),
                view.unsaved_changes ? colors::kLessons : colors::kKey, &save, ui.fonts.title)) {
    actions.push_back(SaveDraft{});
  }
  const std::string message = MessageText(ui, view.message);
  if (!message.empty()) {
    draw->AddText(ui.fonts.body, ui.fonts.body->FontSize, ImVec2(margin + ui.px(400), y + ui.px(40)),
                  view.message.is_error ? colors::kDanger : colors::kGood, message.c_str());
  }
  ImGui::SetCursorPos(ImVec2(display.x - margin - ui.px(360) * 2 - ui.px(30), y));
  const Icon sync = Icon::kRestart;
  if (BigButton(ui, "admin.sync", ui.T("admin.settings.sync"), ImVec2(ui.px(360), ui.px(120)), colors::kCheck, &sync,
                ui.fonts.title)) {
    actions.push_back(OpenSyncPage{});
  }
  ImGui::SetCursorPos(ImVec2(display.x - margin - ui.px(360), y));
  const Icon exit = Icon::kExit;
  if (BigButton(ui, "admin.exit", ui.T("admin.exit"), ImVec2(ui.px(360), ui.px(120)), colors::kReport, &exit,
                ui.fonts.title)) {
    actions.push_back(GoHome{});
  }
  EndScreen();
}

void DrawStartupError(Ui& ui, const std::string& detail) {
  BeginScreen("startup-error");
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float mid = display.x / 2;
  draw->AddCircleFilled(ImVec2(mid, ui.px(260)), ui.px(130), colors::kReport);
  DrawIcon(draw, Icon::kReport, ImVec2(mid, ui.px(260)), ui.px(180), colors::kText, colors::kReport);
  DrawCenteredText(draw, ui.fonts.display, ImVec2(mid, ui.px(500)), colors::kText, ui.T("startup.error.title"));
  DrawCenteredText(draw, ui.fonts.body, ImVec2(mid, ui.px(600)), colors::kTextDim, ui.T("startup.error.body"),
                   display.x - ui.px(200));
  DrawCenteredText(draw, ui.fonts.body, ImVec2(mid, ui.px(760)), colors::kTextDim, detail, display.x - ui.px(200));
  if (ui.registry) ui.registry->Add("startup.error", detail, ImVec2(0, 0), display);
  EndScreen();
}

}  // namespace kiosk
