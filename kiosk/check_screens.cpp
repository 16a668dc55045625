// "Check my report": the ticket code typed on a keypad of exactly the
// symbols codes are made of, then the report's timeline, the county's
// replies and, once resolved, five faces to rate the handling.

#include <algorithm>
#include <optional>
#include <ctime>
#include <string>

#include <imgui.h>

#include "kiosk/screen_parts.h"
#include "kiosk/screens.h"
#include "kiosk/widgets.h"
#include "sync/ticket_code.h"

namespace kiosk {
namespace {

using station_sync::kTicketAlphabet;

// The keypad for ticket-format codes: eleven boxes and the 29 symbols.
void DrawCodeKeypad(Ui& ui, const char* screen_name, std::string_view title, std::string_view ok_label,
                    const std::string& typed, const Message& message_shown, std::vector<Action>& actions,
                    const std::optional<Action>& back = std::nullopt) {
  BeginScreen(screen_name);
  TopBar(ui, title, actions, back);
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float mid = display.x / 2, top = ui.px(kTopBarHeight) + ui.px(30);

  // Eleven boxes in groups of 3, 4, 4, as the code is printed and spoken.
  const float box = ui.px(96), gap = ui.px(12), group_gap = ui.px(44);
  const float total = 11 * box + 10 * gap + 2 * (group_gap - gap);
  float x = mid - total / 2;
  for (int i = 0; i < 11; ++i) {
    if (i == 3 || i == 7) x += group_gap - gap;
    const ImVec2 min(x, top), max(x + box, top + box * 1.2f);
    const bool next = i == static_cast<int>(typed.size());
    draw->AddRectFilled(min, max, colors::kSurface, ui.px(10));
    draw->AddRect(min, max, next ? colors::kCheck : colors::kKey, ui.px(10), 0, ui.px(next ? 5 : 3));
    if (i < static_cast<int>(typed.size())) {
      DrawCenteredText(draw, ui.fonts.display, ImVec2(x + box / 2, top + box * 0.6f), colors::kText,
                       std::string(1, typed[i]));
    }
    x += box + gap;
  }
  if (ui.registry) ui.registry->Add("code.typed", typed, ImVec2(mid - total / 2, top), ImVec2(mid + total / 2, top + box));
  float y = top + box * 1.2f + ui.px(50);
  const std::string message = MessageText(ui, message_shown);
  if (!message.empty()) DrawCenteredText(draw, ui.fonts.body, ImVec2(mid, y), colors::kDanger, message, display.x - ui.px(200));
  y += ui.px(50);

  // The keypad: 29 symbols in 4 rows of 8, then delete and look up.
  const int columns = 8;
  const float key_gap = ui.px(14);
  const ImVec2 key((display.x - 2 * ui.px(kMargin) - (columns - 1) * key_gap) / columns,
                   (display.y - y - ui.px(30) - 3 * key_gap) / 4);
  const float left = ui.px(kMargin);
  for (std::size_t i = 0; i < kTicketAlphabet.size(); ++i) {
    const char symbol = kTicketAlphabet[i];
    const std::string id = std::string("code.") + symbol;
    ImGui::SetCursorPos(ImVec2(left + (i % columns) * (key.x + key_gap), y + (i / columns) * (key.y + key_gap)));
    if (BigButton(ui, id.c_str(), std::string(1, symbol), key, colors::kKey, nullptr, ui.fonts.display)) {
      actions.push_back(CheckKey{symbol});
    }
  }
  const float last_y = y + 3 * (key.y + key_gap);
  const Icon backspace = Icon::kBackspace, ok = Icon::kCheck;
  ImGui::SetCursorPos(ImVec2(left + 5 * (key.x + key_gap), last_y));
  if (BigButton(ui, "code.delete", ui.T("report.keyboard.backspace"), key, colors::kKey, &backspace)) {
    actions.emplace_back(std::in_place_type<CheckDelete>);
  }
  ImGui::SetCursorPos(ImVec2(left + 6 * (key.x + key_gap), last_y));
  if (BigButton(ui, "code.ok", ok_label, ImVec2(key.x * 2 + key_gap, key.y),
                typed.size() == 11 ? colors::kLessons : colors::kCheck, &ok, ui.fonts.title)) {
    actions.push_back(CheckSubmit{});
  }
  EndScreen();
}

const char* StageKey(station_sync::Stage stage) {
  switch (stage) {
    case station_sync::Stage::kSaved: return "check.timeline.saved";
    case station_sync::Stage::kDelivered: return "check.timeline.delivered";
    case station_sync::Stage::kReplied: return "check.timeline.replied";
    case station_sync::Stage::kResolved: return "check.timeline.resolved";
  }
  return "";
}

void DrawTimeline(Ui& ui, const CheckView& view, ImVec2 pos, float width) {
  const station_sync::ReportStatusView& status = *view.check->status;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float step_h = ui.px(130), dot = ui.px(26);
  for (std::size_t i = 0; i < status.timeline.steps.size(); ++i) {
    const station_sync::TimelineStep& step = status.timeline.steps[i];
    const ImVec2 c(pos.x + dot, pos.y + dot + i * step_h);
    if (i + 1 < status.timeline.steps.size()) {
      draw->AddLine(ImVec2(c.x, c.y + dot), ImVec2(c.x, c.y + step_h - dot), step.done ? colors::kGood : colors::kKey, ui.px(6));
    }
    const ImU32 color = step.done ? colors::kGood : step.overdue ? colors::kDanger : colors::kKey;
    draw->AddCircleFilled(c, dot, color, 32);
    if (step.done) DrawIcon(draw, Icon::kOk, c, dot * 1.4f, colors::kBackground, color);
    const std::string& title = ui.T(StageKey(step.stage));
    draw->AddText(ui.fonts.title, ui.fonts.title->FontSize, ImVec2(c.x + dot * 2, c.y - ui.fonts.title->FontSize / 2),
                  step.done ? colors::kText : colors::kTextDim, title.c_str());
    std::string detail;
    if (step.done && step.at_s) detail = LocalTimeText(*step.at_s, view.utc_offset_minutes);
    else if (step.overdue) detail = ui.T("check.timeline.overdue");
    else if (step.due_s) detail = Format(ui.T("check.timeline.due"), {{"time", LocalTimeText(*step.due_s, view.utc_offset_minutes)}});
    else if (!step.done) detail = ui.T("check.timeline.waiting");
    draw->AddText(ui.fonts.body, ui.fonts.body->FontSize, ImVec2(c.x + dot * 2, c.y + ui.px(30)),
                  step.overdue ? colors::kDanger : colors::kTextDim, detail.c_str(), nullptr, width - dot * 3);
    if (ui.registry) {
      ui.registry->Add("timeline." + std::string(StageKey(step.stage)).substr(15), title + (step.done ? " ✓" : "") + " " + detail,
                       ImVec2(pos.x, c.y - dot), ImVec2(pos.x + width, c.y + step_h - dot));
    }
  }
}

void DrawReplies(Ui& ui, UiState& state, const CheckView& view, ImVec2 pos, ImVec2 size) {
  const station_sync::ReportStatusView& status = *view.check->status;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  draw->AddText(ui.fonts.title, ui.fonts.title->FontSize, pos, colors::kText, ui.T("check.replies").c_str());
  const float top = pos.y + ui.px(70);
  if (status.replies.empty()) {
    draw->AddText(ui.fonts.body, ui.fonts.body->FontSize, ImVec2(pos.x, top), colors::kTextDim, ui.T("check.no_replies").c_str());
    return;
  }
  ImGui::SetCursorPos(ImVec2(pos.x, top));
  BeginTouchScroll(ui, "check.replies", ImVec2(size.x, size.y - ui.px(70)), state.replies_scroll);
  ImGui::PushFont(ui.fonts.body);
  for (std::size_t i = 0; i < status.replies.size(); ++i) {
    const station_sync::ReportReply& reply = status.replies[i];
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colors::kTextDim), "%s",
                       LocalTimeText(reply.replied_at_s, view.utc_offset_minutes).c_str());
    ImGui::TextUnformatted(WrapToWidth(ui.fonts.body, reply.text, size.x - ui.px(30)).c_str());
    if (ui.registry) ui.registry->Add("reply." + std::to_string(i), reply.text, ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
    ImGui::Dummy(ImVec2(1, ui.px(24)));
  }
  ImGui::PopFont();
  EndTouchScroll(ui, state.replies_scroll);
}

// Five faces, from very unhappy to very happy; the chosen one stays marked.
void DrawRating(Ui& ui, const CheckView& view, ImVec2 pos, float width, std::vector<Action>& actions) {
  const station_sync::ReportStatusView& status = *view.check->status;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  draw->AddText(ui.fonts.title, ui.fonts.title->FontSize, pos, colors::kText, ui.T("check.rate.prompt").c_str());
  static constexpr ImU32 face_colors[] = {IM_COL32(0xE5, 0x39, 0x35, 0xFF), IM_COL32(0xFB, 0x8C, 0x00, 0xFF),
                                          IM_COL32(0xFD, 0xD8, 0x35, 0xFF), IM_COL32(0x7C, 0xB3, 0x42, 0xFF),
                                          IM_COL32(0x2E, 0x9D, 0x32, 0xFF)};
  const float cell = std::min(ui.px(220), width / 5);
  for (int faces = 1; faces <= 5; ++faces) {
    const ImVec2 min(pos.x + (faces - 1) * cell, pos.y + ui.px(70));
    const ImVec2 size(cell - ui.px(16), cell - ui.px(16));
    const std::string id = "rate." + std::to_string(faces);
    ImGui::SetCursorPos(min);
    const bool tapped = ImGui::InvisibleButton(id.c_str(), size) && !ui.gesture.dragging;
    if (ui.registry) ui.registry->Add(id, ui.T("check.rate." + std::to_string(faces)), min, ImVec2(min.x + size.x, min.y + size.y));
    const bool chosen = status.rating == faces;
    if (chosen) draw->AddRectFilled(min, ImVec2(min.x + size.x, min.y + size.y), colors::kSurface, ui.px(20));
    const ImVec2 c(min.x + size.x / 2, min.y + size.y * 0.42f);
    DrawFace(draw, c, size.x * 0.34f, faces, face_colors[faces - 1], colors::kBackground);
    DrawCenteredText(draw, ui.fonts.body, ImVec2(c.x, min.y + size.y * 0.88f), chosen ? colors::kText : colors::kTextDim,
                     ui.T("check.rate." + std::to_string(faces)));
    if (tapped && status.can_rate) actions.push_back(RateReport{faces});
  }
  const std::string message = MessageText(ui, view.check->message);
  if (!message.empty()) {
    draw->AddText(ui.fonts.body, ui.fonts.body->FontSize, ImVec2(pos.x, pos.y + ui.px(80) + cell),
                  view.check->message.is_error ? colors::kDanger : colors::kGood, message.c_str());
  }
}

void DrawCode(Ui& ui, const CheckView& view, std::vector<Action>& actions) {
  DrawCodeKeypad(ui, "check-code", ui.T("check.code.prompt"), ui.T("check.code.ok"), view.check->typed, view.check->message, actions);
}

void DrawStatus(Ui& ui, UiState& state, const CheckView& view, std::vector<Action>& actions) {
  const station_sync::ReportStatusView& status = *view.check->status;
  BeginScreen("check-status");
  TopBar(ui, station_sync::FormatTicketCode(status.ticket_code), actions);
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float margin = ui.px(kMargin), top = ui.px(kTopBarHeight) + ui.px(40);
  const float left_w = ui.px(700);
  DrawTimeline(ui, view, ImVec2(margin, top), left_w);
  const bool rating = status.can_rate || status.rating;
  const float replies_h = display.y - top - ui.px(40) - (rating ? ui.px(400) : 0);
  DrawReplies(ui, state, view, ImVec2(margin * 2 + left_w, top), ImVec2(display.x - 3 * margin - left_w, replies_h));
  if (rating) DrawRating(ui, view, ImVec2(margin * 2 + left_w, top + replies_h + ui.px(20)), display.x - 3 * margin - left_w, actions);
  EndScreen();
}

}  // namespace

void DrawEnrolCode(Ui& ui, const SyncPage& page, std::vector<Action>& actions) {
  DrawCodeKeypad(ui, "admin-enrol", ui.T("admin.enrol.prompt"), ui.T("admin.enrol.ok"), page.typed, page.code_message, actions,
                 Action{OpenSyncPage{}});
}

void DrawCheck(Ui& ui, UiState& state, const CheckView& view, std::vector<Action>& actions) {
  if (view.screen == Screen::kCheckStatus && view.check->status) return DrawStatus(ui, state, view, actions);
  DrawCode(ui, view, actions);
}

}  // namespace kiosk
