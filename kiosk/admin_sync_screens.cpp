// The admin area's sync page: is the station enrolled, what is moving and
// how fast, what failed and when the next try is, which reports are stuck
// or refused, and the two things an administrator can do: sync now, enrol.

#include <cstdio>
#include <cstdlib>
#include <string>

#include <imgui.h>

#include "kiosk/screen_parts.h"
#include "kiosk/screens.h"
#include "kiosk/widgets.h"
#include "sync/ticket_code.h"

namespace kiosk {
namespace {

std::string BytesText(std::int64_t bytes) {
  char text[32];
  if (bytes >= 1'000'000'000) std::snprintf(text, sizeof text, "%.2f GB", bytes / 1e9);
  else if (bytes >= 1'000'000) std::snprintf(text, sizeof text, "%.1f MB", bytes / 1e6);
  else if (bytes >= 1'000) std::snprintf(text, sizeof text, "%.0f KB", bytes / 1e3);
  else std::snprintf(text, sizeof text, "%lld B", static_cast<long long>(bytes));
  return text;
}

std::string SpanText(const Ui& ui, std::int64_t seconds) {
  if (seconds < 120) return Format(ui.T("admin.sync.seconds"), {{"n", std::to_string(seconds)}});
  if (seconds < 2 * 3600) return Format(ui.T("admin.sync.minutes"), {{"n", std::to_string(seconds / 60)}});
  return Format(ui.T("admin.sync.hours"), {{"n", std::to_string(seconds / 3600)}});
}

// One line of the page, registered for scripts and tests under `id`.
void Line(Ui& ui, const std::string& id, const std::string& text, ImU32 color) {
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + ImGui::GetContentRegionAvail().x - ui.px(20));
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(color), "%s", text.c_str());
  ImGui::PopTextWrapPos();
  if (ui.registry) ui.registry->Add(id, text, ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
  ImGui::Dummy(ImVec2(1, ui.px(10)));
}

void ProgressBar(Ui& ui, const station_sync::SyncStatus& s, float width) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 min = ImGui::GetCursorScreenPos();
  const float h = ui.px(28);
  const float done = s.total_bytes > 0 ? static_cast<float>(s.done_bytes) / s.total_bytes : 0.f;
  draw->AddRectFilled(min, ImVec2(min.x + width, min.y + h), colors::kKey, h / 2);
  draw->AddRectFilled(min, ImVec2(min.x + std::max(h, width * std::min(done, 1.f)), min.y + h), colors::kLessons, h / 2);
  ImGui::Dummy(ImVec2(width, h + ui.px(12)));
}

void DrawConnection(Ui& ui, const station_sync::SyncStatus& s) {
  if (s.county_server.empty() && !s.enrolled) {
    Line(ui, "sync.server", ui.T("admin.sync.no_server"), colors::kDanger);
  } else if (!s.county_server.empty()) {
    Line(ui, "sync.server", Format(ui.T("admin.sync.server"), {{"url", s.county_server}}), colors::kTextDim);
  }
  if (s.enrolment_pending) {
    Line(ui, "sync.enrolling", ui.T("admin.sync.enrolling"), colors::kText);
  } else if (s.enrolled) {
    Line(ui, "sync.enrolled", Format(ui.T("admin.sync.enrolled"), {{"id", s.station_id}}), colors::kGood);
  } else {
    Line(ui, "sync.not_enrolled", ui.T("admin.sync.not_enrolled"), colors::kDanger);
  }
}

// The transfer under way; a progress row older than a minute is history.
void DrawTransfer(Ui& ui, const station_sync::SyncStatus& s, std::int64_t now, float width) {
  const bool moving = !s.what.empty() && s.done_bytes < s.total_bytes && s.progress_at_s &&
                      now - *s.progress_at_s < 60;
  if (!moving) {
    Line(ui, "sync.idle", ui.T("admin.sync.idle"), colors::kTextDim);
    return;
  }
  Line(ui, "sync.transfer", Format(ui.T("admin.sync.transfer"), {{"what", s.what}}), colors::kText);
  ProgressBar(ui, s, width);
  const std::string left = s.seconds_left ? SpanText(ui, *s.seconds_left) : "?";
  Line(ui, "sync.transfer_detail",
       Format(ui.T("admin.sync.transfer_detail"), {{"done", BytesText(s.done_bytes)},
                                                    {"total", BytesText(s.total_bytes)},
                                                    {"rate", BytesText(s.rate_bytes_per_s)},
                                                    {"left", left}}),
       colors::kTextDim);
}

void DrawRounds(Ui& ui, const station_sync::SyncStatus& s, std::int64_t now, int offset) {
  if (s.last_success_at_s) {
    Line(ui, "sync.last_success",
         Format(ui.T("admin.sync.last_success"), {{"time", LocalTimeText(*s.last_success_at_s, offset)}}),
         colors::kGood);
  } else {
    Line(ui, "sync.never", ui.T("admin.sync.never"), colors::kTextDim);
  }
  // An error older than the last success is history: shown dim.
  if (!s.last_error.empty() && s.last_error_at_s) {
    const bool current = !s.last_success_at_s || *s.last_error_at_s >= *s.last_success_at_s;
    Line(ui, "sync.last_error",
         Format(ui.T("admin.sync.last_error"), {{"time", LocalTimeText(*s.last_error_at_s, offset)},
                                                 {"error", s.last_error}}),
         current ? colors::kDanger : colors::kTextDim);
  }
  if (s.sync_now_pending || (s.next_try_at_s && *s.next_try_at_s <= now)) {
    Line(ui, "sync.next", ui.T("admin.sync.next_now"), colors::kText);
  } else if (s.next_try_at_s) {
    Line(ui, "sync.next", Format(ui.T("admin.sync.next_try"), {{"time", LocalTimeText(*s.next_try_at_s, offset)}}),
         colors::kTextDim);
  }
  if (s.clock_offset_s && std::llabs(*s.clock_offset_s) >= 120) {
    Line(ui, "sync.clock", Format(ui.T("admin.sync.clock"), {{"minutes", std::to_string(*s.clock_offset_s / 60)}}),
         colors::kDanger);
  }
}

void DrawOutbox(Ui& ui, const station_sync::SyncStatus& s, int offset) {
  if (s.undelivered_count == 0) {
    Line(ui, "sync.all_delivered", ui.T("admin.sync.all_delivered"), colors::kGood);
  } else {
    Line(ui, "sync.undelivered", Format(ui.T("admin.sync.undelivered"), {{"n", std::to_string(s.undelivered_count)}}),
         colors::kText);
  }
  for (std::size_t i = 0; i < s.stuck.size(); ++i) {
    const station_sync::UndeliveredReport& r = s.stuck[i];
    Line(ui, "sync.stuck." + std::to_string(i),
         Format(ui.T("admin.sync.stuck"), {{"ticket", station_sync::FormatTicketCode(r.ticket_code)},
                                           {"time", LocalTimeText(r.saved_at_s, offset)},
                                           {"n", std::to_string(r.attempts)},
                                           {"error", r.last_error}}),
         colors::kDanger);
  }
  for (std::size_t i = 0; i < s.refused.size(); ++i) {
    Line(ui, "sync.refused." + std::to_string(i),
         Format(ui.T("admin.sync.refused"), {{"id", s.refused[i].report_id}, {"error", s.refused[i].error}}),
         colors::kDanger);
  }
  if (s.pending_ratings > 0 || s.pending_watch_records > 0) {
    Line(ui, "sync.pending", Format(ui.T("admin.sync.pending"), {{"ratings", std::to_string(s.pending_ratings)},
                                                                 {"watch", std::to_string(s.pending_watch_records)}}),
         colors::kTextDim);
  }
}

}  // namespace

void DrawAdminSync(Ui& ui, UiState& state, const SyncPageView& view, std::vector<Action>& actions) {
  BeginScreen("admin-sync");
  TopBar(ui, ui.T("admin.sync.title"), actions, Action{BackToSettings{}});
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float top = ui.px(kTopBarHeight) + ui.px(24), margin = ui.px(kMargin);
  const ImVec2 button(ui.px(420), ui.px(140));
  const float list_w = display.x - 3 * margin - button.x;

  ImGui::SetCursorPos(ImVec2(margin, top));
  BeginTouchScroll(ui, "sync.list", ImVec2(list_w, display.y - top - margin), state.sync_scroll);
  ImGui::PushFont(ui.fonts.body);
  const std::string message = MessageText(ui, view.page->message);
  if (!message.empty()) Line(ui, "sync.message", message, view.page->message.is_error ? colors::kDanger : colors::kGood);
  if (const auto& status = view.page->status) {
    DrawConnection(ui, *status);
    ImGui::Dummy(ImVec2(1, ui.px(16)));
    DrawTransfer(ui, *status, view.now, list_w - ui.px(40));
    DrawRounds(ui, *status, view.now, view.utc_offset_minutes);
    ImGui::Dummy(ImVec2(1, ui.px(16)));
    DrawOutbox(ui, *status, view.utc_offset_minutes);
  }
  ImGui::PopFont();
  EndTouchScroll(ui, state.sync_scroll);

  const float x = display.x - margin - button.x;
  const Icon sync = Icon::kRestart, enrol = Icon::kKeyboard;
  ImGui::SetCursorPos(ImVec2(x, top));
  if (BigButton(ui, "sync.now", ui.T("admin.sync.now"), button, colors::kLessons, &sync, ui.fonts.title)) {
    actions.push_back(SyncNow{});
  }
  ImGui::SetCursorPos(ImVec2(x, top + button.y + ui.px(30)));
  if (BigButton(ui, "sync.enrol", ui.T("admin.sync.enrol"), button, colors::kCheck, &enrol, ui.fonts.title)) {
    actions.emplace_back(std::in_place_type<OpenEnrolment>);
  }
  EndScreen();
}

}  // namespace kiosk
