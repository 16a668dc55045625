// The admin area's sync page: is the station enrolled, what is moving and
// how fast, what failed and when the next try is, which reports are stuck
// or refused, and what an administrator can do: sync now, enrol, and go to
// the USB page (lessons in from a county stick, the outbox out to one).

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include <imgui.h>

#include "kiosk/screen_parts.h"
#include "kiosk/screens.h"
#include "kiosk/widgets.h"
#include "sync/clock.h"
#include "sync/delivery.h"
#include "sync/ticket_code.h"
#include "sync/usb_sticks.h"

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

// `key_prefix` + the problem's code, in the station's language; a code this
// kiosk does not know (a newer kiosk-sync beside it), in the engine's English.
std::string ProblemSentence(const Ui& ui, const std::string& key_prefix, const station_sync::SyncProblem& p) {
  const std::string key = key_prefix + p.code;
  const std::string& text = ui.T(key);
  if (text == key) return station_sync::ProblemText(p);
  return Format(text, {{"n", std::to_string(p.count)}});
}

// One line of the page, registered for scripts and tests under `id`.
void Line(Ui& ui, const std::string& id, const std::string& text, ImU32 color) {
  const std::string lines = WrapToWidth(ImGui::GetFont(), text, ImGui::GetContentRegionAvail().x - ui.px(20));
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(color), "%s", lines.c_str());
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

// "课程《玉米播种》": what the sync engine recorded, in the station's words
// (a kind this kiosk does not know is shown as recorded).
std::string WhatText(const Ui& ui, const std::string& what) {
  const auto [kind, name] = station_sync::progress::SplitWhat(what);
  if (kind.empty()) return name;
  return Format(ui.T("admin.sync.what." + kind), {{"name", name}});
}

// The transfer under way; a progress row older than a minute is history.
void DrawTransfer(Ui& ui, const station_sync::SyncStatus& s, std::int64_t now, float width) {
  const bool moving = !s.what.empty() && s.done_bytes < s.total_bytes && s.progress_at_s &&
                      now - *s.progress_at_s < 60;
  if (!moving) {
    Line(ui, "sync.idle", ui.T("admin.sync.idle"), colors::kTextDim);
    return;
  }
  Line(ui, "sync.transfer", Format(ui.T("admin.sync.transfer"), {{"what", WhatText(ui, s.what)}}), colors::kText);
  ProgressBar(ui, s, width);
  // The first second of a transfer has no rate yet: no "0 B per second".
  const bool measured = s.rate_bytes_per_s > 0 && s.seconds_left;
  Line(ui, "sync.transfer_detail",
       Format(ui.T(measured ? "admin.sync.transfer_detail" : "admin.sync.transfer_detail_starting"),
              {{"done", BytesText(s.done_bytes)},
               {"total", BytesText(s.total_bytes)},
               {"rate", BytesText(s.rate_bytes_per_s)},
               {"left", measured ? SpanText(ui, *s.seconds_left) : ""}}),
       colors::kTextDim);
}

// "25 分钟", "3 小时", "20410 天": how far off the box's clock is.
std::string ClockErrorText(const Ui& ui, std::int64_t error_s) {
  const std::int64_t minutes = std::llabs(error_s) / 60;
  if (minutes < 120) return Format(ui.T("admin.sync.box_clock.minutes"), {{"n", std::to_string(minutes)}});
  if (minutes < 48 * 60) return Format(ui.T("admin.sync.box_clock.hours"), {{"n", std::to_string(minutes / 60)}});
  return Format(ui.T("admin.sync.box_clock.days"), {{"n", std::to_string(minutes / 1440)}});
}

void DrawClocks(Ui& ui, const station_sync::SyncStatus& s, std::int64_t box_clock_error_s) {
  if (std::llabs(box_clock_error_s) >= station_sync::kClockToleranceS) {
    const char* key = box_clock_error_s < 0 ? "admin.sync.box_clock.behind" : "admin.sync.box_clock.ahead";
    Line(ui, "sync.box_clock", Format(ui.T(key), {{"amount", ClockErrorText(ui, box_clock_error_s)}}), colors::kDanger);
  } else if (s.clock_offset_s && std::llabs(*s.clock_offset_s) >= station_sync::kClockToleranceS) {
    Line(ui, "sync.clock", Format(ui.T("admin.sync.clock"), {{"minutes", std::to_string(*s.clock_offset_s / 60)}}),
         colors::kDanger);
  }
}

void DrawRounds(Ui& ui, const station_sync::SyncStatus& s, std::int64_t now, int offset) {
  if (s.last_success_at_s) {
    Line(ui, "sync.last_success",
         Format(ui.T("admin.sync.last_success"), {{"time", LocalTimeText(*s.last_success_at_s, offset)}}),
         colors::kGood);
  } else {
    Line(ui, "sync.never", ui.T("admin.sync.never"), colors::kTextDim);
  }
  // An error older than the last success is history: shown dim. What went
  // wrong in the station's words, then the engine's technical ones, dim,
  // for whoever helps on the phone.
  if (!s.last_error.empty() && s.last_error_at_s) {
    const bool current = !s.last_success_at_s || *s.last_error_at_s >= *s.last_success_at_s;
    std::string what = s.last_problems.empty() ? s.last_error : "";  // one recorded before codes
    std::string details;
    std::set<std::string> said;  // a link down fails every step: say so once
    for (const station_sync::SyncProblem& p : s.last_problems) {
      if (!said.insert(p.code).second) continue;
      if (!what.empty()) what += ui.T("admin.sync.problem_separator");
      what += ProblemSentence(ui, "admin.sync.problem.", p);
      if (!p.detail.empty()) details += (details.empty() ? "" : "; ") + p.detail;
    }
    Line(ui, "sync.last_error",
         Format(ui.T("admin.sync.last_error"), {{"time", LocalTimeText(*s.last_error_at_s, offset)},
                                                 {"error", what}}),
         current ? colors::kDanger : colors::kTextDim);
    if (!details.empty()) {
      Line(ui, "sync.last_error_detail", Format(ui.T("admin.sync.detail"), {{"detail", details}}), colors::kTextDim);
    }
  }
  if (s.sync_now_pending || (s.next_try_at_s && *s.next_try_at_s <= now)) {
    Line(ui, "sync.next", ui.T("admin.sync.next_now"), colors::kText);
  } else if (s.next_try_at_s) {
    Line(ui, "sync.next", Format(ui.T("admin.sync.next_try"), {{"time", LocalTimeText(*s.next_try_at_s, offset)}}),
         colors::kTextDim);
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

// The sticks, one row each: tapping one makes it the one the buttons use.
void DrawSticks(Ui& ui, const UsbPage& usb, float width, std::vector<Action>& actions) {
  if (usb.sticks.empty()) {
    Line(ui, "usb.none", ui.T("admin.usb.none"), colors::kDanger);
    return;
  }
  for (std::size_t i = 0; i < usb.sticks.size(); ++i) {
    const station_sync::UsbStick& stick = usb.sticks[i];
    std::string label = stick.name;
    if (stick.free_bytes >= 0) label += "  ·  " + Format(ui.T("admin.usb.free"), {{"free", BytesText(stick.free_bytes)}});
    const std::string id = "usb.stick." + std::to_string(i);
    if (BigButton(ui, id.c_str(), label, ImVec2(width, ui.px(90)), i == usb.chosen ? colors::kCheck : colors::kKey)) {
      actions.push_back(ChooseStick{i});
    }
    ImGui::Dummy(ImVec2(1, ui.px(8)));
  }
}

// What the chosen stick's package is, next to the station's lessons.
void DrawPackage(Ui& ui, const UsbPage& usb) {
  if (usb.installed_version > 0) {
    Line(ui, "usb.installed", Format(ui.T("admin.usb.installed"), {{"version", std::to_string(usb.installed_version)}}),
         colors::kTextDim);
  } else {
    Line(ui, "usb.installed", ui.T("admin.usb.installed_none"), colors::kTextDim);
  }
  if (usb.chosen >= usb.sticks.size()) return;
  const station_sync::UsbStick& stick = usb.sticks[usb.chosen];
  const std::vector<std::pair<std::string, std::string>> values = {
      {"stick", stick.name}, {"version", std::to_string(stick.package_version.value_or(0))},
      {"reason", stick.package_problem}};
  if (!stick.has_package) {
    Line(ui, "usb.package", Format(ui.T("admin.usb.no_package"), values), colors::kTextDim);
  } else if (!stick.package_version) {
    Line(ui, "usb.package", Format(ui.T("admin.usb.package_damaged"), values), colors::kDanger);
  } else if (*stick.package_version > usb.installed_version) {
    Line(ui, "usb.package", Format(ui.T("admin.usb.package_newer"), values), colors::kGood);
  } else if (*stick.package_version == usb.installed_version) {
    Line(ui, "usb.package", Format(ui.T("admin.usb.package_same"), values), colors::kText);
  } else {
    Line(ui, "usb.package", Format(ui.T("admin.usb.package_older"), values), colors::kDanger);
  }
}

// The job waiting or under way, else how the last one ended (while one is
// under way, the last one's outcome, perhaps a failure, would only confuse).
void DrawUsbJobs(Ui& ui, const station_sync::SyncStatus& s, std::int64_t now, float width, int offset) {
  if (s.usb_pending) {
    const bool import = *s.usb_pending == station_sync::UsbJob::kImportPackage;
    Line(ui, "usb.pending",
         Format(ui.T(import ? "admin.usb.pending_import" : "admin.usb.pending_export"),
                {{"stick", station_sync::StickName(s.usb_pending_stick)}}),
         colors::kText);
    if (station_sync::progress::SplitWhat(s.what).first == station_sync::progress::kUsbLesson) {
      DrawTransfer(ui, s, now, width);
    }
    return;
  }
  if (!s.usb_last) return;
  const station_sync::UsbJobResult& last = *s.usb_last;
  const std::string error =
      last.error_code.empty() ? last.error
                              : ProblemSentence(ui, "admin.usb.error.", {last.error_code, 0, last.error});
  const std::vector<std::pair<std::string, std::string>> values = {
      {"time", LocalTimeText(last.finished_at_s, offset)},
      {"stick", station_sync::StickName(last.stick_dir)},
      {"error", error},
      {"version", std::to_string(last.catalog_version)},
      {"offered", std::to_string(last.lessons_offered)},
      {"copied", std::to_string(last.blobs_copied)},
      {"missing", std::to_string(last.blobs_missing)},
      {"reports", std::to_string(last.exported.reports)},
      {"ratings", std::to_string(last.exported.ratings)},
      {"watch", std::to_string(last.exported.watch_records)}};
  if (!last.error.empty()) {
    Line(ui, "usb.last", Format(ui.T("admin.usb.failed"), values), colors::kDanger);
    if (error != last.error) {
      Line(ui, "usb.last_detail", Format(ui.T("admin.usb.detail"), {{"detail", last.error}}), colors::kTextDim);
    }
  } else if (last.job == station_sync::UsbJob::kExportOutbox) {
    Line(ui, "usb.last", Format(ui.T("admin.usb.exported"), values), colors::kGood);
  } else {
    Line(ui, "usb.last", Format(ui.T("admin.usb.imported"), values), colors::kGood);
    if (last.blobs_missing > 0) Line(ui, "usb.missing", Format(ui.T("admin.usb.missing"), values), colors::kDanger);
  }
}

}  // namespace

void DrawAdminUsb(Ui& ui, UiState& state, const UsbPageView& view, std::vector<Action>& actions) {
  BeginScreen("admin-usb");
  TopBar(ui, ui.T("admin.usb.title"), actions, Action{OpenSyncPage{view.now}});
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float top = ui.px(kTopBarHeight) + ui.px(24), margin = ui.px(kMargin);
  const ImVec2 button(ui.px(420), ui.px(140));
  const float list_w = display.x - 3 * margin - button.x;
  const UsbPage& usb = *view.usb;

  ImGui::SetCursorPos(ImVec2(margin, top));
  BeginTouchScroll(ui, "usb.list", ImVec2(list_w, display.y - top - margin), state.usb_scroll);
  ImGui::PushFont(ui.fonts.body);
  const std::string message = MessageText(ui, usb.message);
  if (!message.empty()) Line(ui, "usb.message", message, usb.message.is_error ? colors::kDanger : colors::kGood);
  DrawSticks(ui, usb, list_w - ui.px(40), actions);
  ImGui::Dummy(ImVec2(1, ui.px(16)));
  DrawPackage(ui, usb);
  if (const auto& status = view.sync->status) {
    ImGui::Dummy(ImVec2(1, ui.px(16)));
    DrawUsbJobs(ui, *status, view.now, list_w - ui.px(40), view.utc_offset_minutes);
  }
  ImGui::PopFont();
  EndTouchScroll(ui, state.usb_scroll);

  const float x = display.x - margin - button.x;
  const bool chosen_has_package = usb.chosen < usb.sticks.size() && usb.sticks[usb.chosen].has_package;
  const Icon lessons = Icon::kWatch, outbox = Icon::kReport, look = Icon::kRestart;
  ImGui::SetCursorPos(ImVec2(x, top));
  if (BigButton(ui, "usb.import", ui.T("admin.usb.import"), button, chosen_has_package ? colors::kLessons : colors::kKey,
                &lessons, ui.fonts.title)) {
    actions.push_back(StartUsbJob{station_sync::UsbJob::kImportPackage, view.now});
  }
  ImGui::SetCursorPos(ImVec2(x, top + button.y + ui.px(30)));
  if (BigButton(ui, "usb.export", ui.T("admin.usb.export"), button, usb.sticks.empty() ? colors::kKey : colors::kReport,
                &outbox, ui.fonts.title)) {
    actions.push_back(StartUsbJob{station_sync::UsbJob::kExportOutbox, view.now});
  }
  ImGui::SetCursorPos(ImVec2(x, top + 2 * (button.y + ui.px(30))));
  if (BigButton(ui, "usb.look", ui.T("admin.usb.look"), button, colors::kKey, &look, ui.fonts.title)) {
    actions.emplace_back(std::in_place_type<LookForSticks>);
  }
  EndScreen();
}

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
    DrawClocks(ui, *status, view.box_clock_error_s);
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
  const Icon stick = Icon::kSave;
  ImGui::SetCursorPos(ImVec2(x, top + 2 * (button.y + ui.px(30))));
  if (BigButton(ui, "sync.usb", ui.T("admin.sync.usb"), button, colors::kKey, &stick, ui.fonts.title)) {
    actions.push_back(OpenUsbPage{view.now});
  }
  EndScreen();
}

}  // namespace kiosk
