#include "kiosk/app.h"

#include "base/log.h"
#include "store/store.h"

namespace kiosk {
namespace {

constexpr std::string_view kStationNameKey = "station.name";
constexpr std::string_view kVillageKey = "station.village";
constexpr std::string_view kLanguageKey = "ui.language";
constexpr std::string_view kCountyServerKey = "sync.county_server";

std::string MinutesText(std::int64_t seconds) {
  return std::to_string((seconds + 59) / 60);
}

}  // namespace

std::string_view ScreenName(Screen screen) {
  switch (screen) {
    case Screen::kHome: return "home";
    case Screen::kLibrary: return "library";
    case Screen::kLesson: return "lesson";
    case Screen::kPlayer: return "player";
    case Screen::kAdminPin: return "admin-pin";
    case Screen::kAdminSettings: return "admin-settings";
    case Screen::kAdminSync: return "admin-sync";
    case Screen::kAdminEnrol: return "admin-enrol";
    case Screen::kAdminUsb: return "admin-usb";
    case Screen::kNotice: return "notice";
    case Screen::kReportWhat: return "report-what";
    case Screen::kReportSay: return "report-say";
    case Screen::kReportWrite: return "report-write";
    case Screen::kReportPhotos: return "report-photos";
    case Screen::kReportWhere: return "report-where";
    case Screen::kReportWho: return "report-who";
    case Screen::kReportCheck: return "report-check";
    case Screen::kReportDone: return "report-done";
    case Screen::kReportUnavailable: return "report-unavailable";
    case Screen::kCheckCode: return "check-code";
    case Screen::kCheckStatus: return "check-status";
  }
  return "unknown";
}

StationSettings LoadSettings(const store::Store& store) {
  StationSettings settings;
  settings.station_name = store.GetSetting(kStationNameKey).value_or("");
  settings.village = store.GetSetting(kVillageKey).value_or("");
  settings.language = store.GetSetting(kLanguageKey).value_or("zh-CN");
  settings.county_server = store.GetSetting(kCountyServerKey).value_or("");
  return settings;
}

base::Status SaveSettings(store::Store& store, const StationSettings& settings) {
  const std::pair<std::string_view, const std::string*> fields[] = {
      {kStationNameKey, &settings.station_name},
      {kVillageKey, &settings.village},
      {kLanguageKey, &settings.language},
      {kCountyServerKey, &settings.county_server},
  };
  for (const auto& [key, value] : fields) {
    if (auto saved = store.SetSetting(key, *value); !saved) return saved;
  }
  return base::Ok();
}

App::App(store::Store& store) : store_(store), admin_pin_(store), library_(store) {
  state_.settings = LoadSettings(store);
  state_.draft = state_.settings;
  LoadNotices();
}

void App::Apply(const Action& action) {
  std::visit([this](const auto& intent) { On(intent); }, action);
}

void App::On(const GoHome&) {
  // A villager halfway through a report is asked before it is thrown away.
  if (IsReportStep(state_.screen) && state_.report.has_content() && !state_.report.saving) {
    state_.report.confirm_leave = true;
    state_.report.recording = false;
    state_.report.playing_voice = false;
    return;
  }
  ResetToHome();
}

void App::ResetToHome() {
  if (state_.report.saving) return;  // the report is being written: never abandon it halfway
  if (state_.viewing) FinishViewing(last_progress_at_, false);
  pin_to_check_.reset();
  report_to_finalise_.reset();
  const StationSettings saved = state_.settings;
  state_ = AppState{};
  state_.settings = saved;
  state_.draft = saved;
  LoadNotices();  // a catalog accepted since may have brought new ones
}

void App::On(const OpenService& open) {
  if (open.service == Service::kWatchLessons) {
    state_.library = LibraryState{};
    LoadShelf(store::Shelf::kAll, "");
    state_.screen = Screen::kLibrary;
    return;
  }
  if (open.service == Service::kReportProblem) {
    StartReportFlow();
    return;
  }
  state_.check = CheckFlow{};
  state_.screen = Screen::kCheckCode;
}

void App::On(const OpenAdmin&) {
  state_.pin = PinPadState{};
  state_.pin.mode = admin_pin_.IsSet() ? PinPadState::Mode::kEnter : PinPadState::Mode::kCreate;
  state_.screen = Screen::kAdminPin;
}

void App::On(const PinDigit& key) {
  if (state_.pin.checking) return;
  if (key.digit < '0' || key.digit > '9') return;
  if (state_.pin.digits.size() < kPinMaxDigits) state_.pin.digits += key.digit;
}

void App::On(const PinDelete&) {
  if (!state_.pin.checking && !state_.pin.digits.empty()) state_.pin.digits.pop_back();
}

void App::On(const PinSubmit&) {
  if (state_.pin.checking) return;
  switch (state_.pin.mode) {
    case PinPadState::Mode::kCreate: SubmitNewPin(); break;
    case PinPadState::Mode::kConfirm: SubmitConfirmedPin(); break;
    case PinPadState::Mode::kEnter: SubmitExistingPin(); break;
  }
  state_.pin.digits.clear();
}

void App::SubmitNewPin() {
  if (!IsValidPin(state_.pin.digits)) {
    state_.pin.message = {"admin.pin.too_short", {{"n", std::to_string(kPinMinDigits)}}, true};
    return;
  }
  state_.pin.first_entry = state_.pin.digits;
  state_.pin.mode = PinPadState::Mode::kConfirm;
  state_.pin.message = {};
}

void App::SubmitConfirmedPin() {
  if (state_.pin.digits != state_.pin.first_entry) {
    state_.pin = PinPadState{PinPadState::Mode::kCreate, "", "", {"admin.pin.mismatch", {}, true}};
    return;
  }
  if (auto saved = admin_pin_.Set(state_.pin.digits); !saved) {
    base::LogError("admin", "cannot save the new PIN: " + saved.error().message);
    state_.pin.message = {"admin.settings.save_failed", {{"reason", saved.error().message}}, true};
    return;
  }
  base::LogInfo("admin", "admin PIN set");
  EnterAdminSettings();
}

void App::SubmitExistingPin() {
  if (state_.pin.digits.empty()) return;
  pin_to_check_ = state_.pin.digits;
  state_.pin.checking = true;
  state_.pin.message = {"admin.pin.checking", {}, false};
}

std::optional<std::string> App::TakePinToCheck() {
  std::optional<std::string> pin;
  pin.swap(pin_to_check_);
  return pin;
}

void App::On(const PinChecked& checked) {
  if (!state_.pin.checking || state_.screen != Screen::kAdminPin) return;  // left meanwhile
  state_.pin.checking = false;
  const auto& check = checked.outcome;
  if (!check) {
    base::LogError("admin", "PIN check failed: " + check.error().message);
    state_.pin.message = {"admin.settings.save_failed", {{"reason", check.error().message}}, true};
    return;
  }
  switch (check->outcome) {
    case PinCheck::Outcome::kAccepted:
      base::LogInfo("admin", "admin area opened");
      EnterAdminSettings();
      break;
    case PinCheck::Outcome::kWrong:
      base::LogWarn("admin", "wrong PIN");
      state_.pin.message = {"admin.pin.wrong", {{"n", std::to_string(check->tries_left)}}, true};
      break;
    case PinCheck::Outcome::kLocked:
      base::LogWarn("admin", "PIN entry locked for " + std::to_string(check->seconds_locked) + " s");
      state_.pin.message = {"admin.pin.locked", {{"m", MinutesText(check->seconds_locked)}}, true};
      break;
    case PinCheck::Outcome::kNotSet:
      state_.pin = PinPadState{PinPadState::Mode::kCreate, "", "", {}};
      break;
  }
}

void App::EnterAdminSettings() {
  state_.admin_unlocked = true;
  state_.pin = PinPadState{};
  state_.draft = state_.settings;
  state_.settings_message = {};
  state_.screen = Screen::kAdminSettings;
  LoadQuarantined();
}

void App::On(const EditDraft& edit) {
  if (!state_.admin_unlocked) return;
  state_.draft = edit.draft;
  state_.settings_message = {};
}

void App::On(const SaveDraft&) {
  if (!state_.admin_unlocked) return;
  if (auto saved = SaveSettings(store_, state_.draft); !saved) {
    base::LogError("admin", "cannot save settings: " + saved.error().message);
    state_.settings_message = {"admin.settings.save_failed", {{"reason", saved.error().message}}, true};
    return;
  }
  state_.settings = state_.draft;
  state_.settings_message = {"admin.settings.saved", {}, false};
  base::LogInfo("admin", "station settings saved");
}

void App::On(const IdleTimeout&) {
  // A lesson playing is someone watching; a paused one left alone is not.
  if (state_.screen == Screen::kPlayer && !state_.controls.paused) return;
  // Nor is someone speaking into the microphone, or a report being saved.
  if (state_.report.recording || state_.report.saving) return;
  if (state_.screen != Screen::kHome) ResetToHome();
}

bool IsAdminScreen(Screen screen) {
  return screen == Screen::kAdminSettings || screen == Screen::kAdminSync || screen == Screen::kAdminEnrol ||
         screen == Screen::kAdminUsb;
}

}  // namespace kiosk
