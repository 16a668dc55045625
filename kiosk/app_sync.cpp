// The admin area's sync page: what the engine is doing (it runs on its own
// thread and writes its status row), "sync now", enrolling the station with
// a code from county IT, and USB sticks (lessons in, outbox out). Requests
// go through the store, so a running kiosk-sync process would take them
// just the same.

#include "base/log.h"
#include "kiosk/app.h"
#include "store/store.h"
#include "sync/content_sync.h"
#include "sync/report_lookup.h"
#include "sync/sync_engine.h"
#include "sync/ticket_code.h"
#include "sync/usb_sticks.h"

namespace kiosk {

void App::LoadSyncStatus(std::int64_t now) {
  SyncPage& page = state_.sync;
  auto status = station_sync::ReadSyncStatus(store_, now);
  page.read_at = now;
  if (!status) {
    page.message = {"admin.sync.unreadable", {{"reason", status.error().message}}, true};
    return;
  }
  page.status = std::move(*status);
}

void App::On(const OpenSyncPage& open) {
  if (!state_.admin_unlocked) return;
  state_.sync = SyncPage{};
  state_.screen = Screen::kAdminSync;
  LoadSyncStatus(open.now);
}

// "Starts within seconds" is over once the engine took the request: the
// page's own lines (the transfer, the outcome, the job under way) say the rest.
void App::ForgetRequestedOnceStarted() {
  const auto& status = state_.sync.status;
  if (!status) return;
  Message& sync = state_.sync.message;
  if ((sync.key == "admin.sync.requested" && !status->sync_now_pending) ||
      (sync.key == "admin.enrol.requested" && !status->enrolment_pending)) {
    sync = {};
  }
  Message& usb = state_.usb.message;
  if (usb.key.ends_with("_requested") && status->usb_pending) usb = {};
}

// Also refreshes a report a villager is looking at: a reply may just have
// come; and the sticks once a USB job is done (a package, free space).
void App::On(const SyncStatusChanged& changed) {
  if (state_.screen == Screen::kAdminSync || state_.screen == Screen::kAdminEnrol ||
      state_.screen == Screen::kAdminUsb) {
    LoadSyncStatus(changed.now);
    ForgetRequestedOnceStarted();
  }
  if (state_.screen == Screen::kAdminUsb) {
    const auto& status = state_.sync.status;
    const std::int64_t finished = status && status->usb_last ? status->usb_last->finished_at_s : 0;
    if (finished != state_.usb.last_job_seen) {
      state_.usb.message = {};  // "starts within seconds" is over: the outcome shows
      LoadSticks();
    }
  }
  if (state_.screen == Screen::kCheckStatus && state_.check.status) {
    auto status = station_sync::CheckReport(store_, state_.check.status->ticket_code, changed.now);
    if (status) state_.check.status = std::move(*status);
  }
}

void App::On(const SyncNow& now) {
  if (state_.screen != Screen::kAdminSync) return;
  if (auto asked = station_sync::RequestSyncNow(store_); !asked) {
    state_.sync.message = {"admin.sync.request_failed", {{"reason", asked.error().message}}, true};
    return;
  }
  base::LogInfo("sync", "the administrator asked for a sync now");
  state_.sync.message = {"admin.sync.requested", {}, false};
  LoadSyncStatus(now.now);
}

void App::On(const BackToSettings&) {
  if (state_.admin_unlocked) EnterAdminSettings();
}

void App::On(const OpenEnrolment&) {
  if (state_.screen != Screen::kAdminSync) return;
  state_.sync.typed.clear();
  state_.sync.code_message = {};
  state_.screen = Screen::kAdminEnrol;
}

// A typo is caught here (the code carries a check symbol); whether the
// county knows the code shows on the sync page once the engine has asked.
void App::SubmitEnrolmentCode() {
  SyncPage& page = state_.sync;
  auto code = station_sync::NormaliseTicketCode(page.typed);
  if (!code) {
    page.code_message = {"admin.enrol.typo", {}, true};
    return;
  }
  if (auto asked = station_sync::RequestEnrolment(store_, *code); !asked) {
    page.code_message = {"admin.sync.request_failed", {{"reason", asked.error().message}}, true};
    return;
  }
  base::LogInfo("sync", "enrolment code entered; the engine enrols with it now");
  page.message = {"admin.enrol.requested", {}, false};
  page.typed.clear();
  state_.screen = Screen::kAdminSync;
  LoadSyncStatus(page.read_at);
}

// ---- USB sticks ----

void App::LoadSticks() {
  UsbPage& usb = state_.usb;
  const std::string chosen_dir = usb.chosen < usb.sticks.size() ? usb.sticks[usb.chosen].dir : "";
  usb.sticks = station_sync::FindUsbSticks(store_);
  usb.chosen = 0;
  for (std::size_t i = 0; i < usb.sticks.size(); ++i) {
    if (usb.sticks[i].dir == chosen_dir) usb.chosen = i;
  }
  usb.installed_version = station_sync::RecordedCatalogVersion(store_);
  const auto& status = state_.sync.status;
  usb.last_job_seen = status && status->usb_last ? status->usb_last->finished_at_s : 0;
}

void App::On(const OpenUsbPage& open) {
  if (state_.screen != Screen::kAdminSync) return;
  state_.usb = UsbPage{};
  state_.screen = Screen::kAdminUsb;
  LoadSyncStatus(open.now);
  LoadSticks();
}

void App::On(const LookForSticks&) {
  if (state_.screen == Screen::kAdminUsb) LoadSticks();
}

void App::On(const ChooseStick& choose) {
  if (state_.screen != Screen::kAdminUsb || choose.index >= state_.usb.sticks.size()) return;
  state_.usb.chosen = choose.index;
  state_.usb.message = {};
}

// Asks the engine; it takes the job within a second, or after the transfer
// under way (a round yields to a stick).
void App::On(const StartUsbJob& start) {
  UsbPage& usb = state_.usb;
  if (state_.screen != Screen::kAdminUsb) return;
  if (usb.chosen >= usb.sticks.size()) {
    usb.message = {"admin.usb.no_stick", {}, true};
    return;
  }
  const station_sync::UsbStick& stick = usb.sticks[usb.chosen];
  const bool import = start.job == station_sync::UsbJob::kImportPackage;
  if (import && !stick.has_package) {
    usb.message = {"admin.usb.no_package_on", {{"stick", stick.name}}, true};
    return;
  }
  if (auto asked = station_sync::RequestUsbJob(store_, start.job, stick.dir); !asked) {
    usb.message = {"admin.sync.request_failed", {{"reason", asked.error().message}}, true};
    return;
  }
  base::LogInfo("usb", std::string("the administrator asked to ") +
                           (import ? "bring lessons in from " : "copy the outbox to ") + stick.dir);
  usb.message = {import ? "admin.usb.import_requested" : "admin.usb.export_requested", {{"stick", stick.name}}, false};
  LoadSyncStatus(start.now);
}

void App::LoadNotices() { state_.notices = station_sync::LoadNotices(store_); }

void App::On(const OpenNotice& open) {
  if (state_.screen != Screen::kHome || open.index >= state_.notices.size()) return;
  state_.notice_shown = open.index;
  state_.screen = Screen::kNotice;
}

}  // namespace kiosk
