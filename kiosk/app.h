// The station app's state and the one place it changes.
//
// Screens are functions of a view built from AppState; they return typed
// intents (Action). App::Apply() is the reducer: one small function per
// intent. Nothing here knows ImGui or SDL, so all of it is testable without
// a window, and the scripted driver exercises exactly what a finger does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"
#include "kiosk/admin_pin.h"

namespace store { class Store; }

namespace kiosk {

enum class Screen { kHome, kNotYetOpen, kAdminPin, kAdminSettings };
std::string_view ScreenName(Screen screen);  // "home", "not-yet-open", ...

// The services on the home screen. Each gets its screen with its own issue;
// until then a tile leads to a plain "not open yet" notice.
enum class Service { kWatchLessons, kReportProblem, kCheckReport };

struct StationSettings {
  std::string station_name;
  std::string village;
  std::string language = "zh-CN";
  std::string county_server;

  bool operator==(const StationSettings&) const = default;
};

StationSettings LoadSettings(const store::Store& store);
base::Status SaveSettings(store::Store& store, const StationSettings& settings);

// A message to show: a catalog key and its placeholder values.
struct Message {
  std::string key;  // empty: nothing to show
  std::vector<std::pair<std::string, std::string>> values;
  bool is_error = false;
};

struct PinPadState {
  enum class Mode { kEnter, kCreate, kConfirm };
  Mode mode = Mode::kEnter;
  std::string digits;
  std::string first_entry;  // kConfirm: what was typed in kCreate
  Message message;
  bool checking = false;    // a typed PIN is being verified off the UI thread
};

struct AppState {
  Screen screen = Screen::kHome;
  Service pending_service = Service::kWatchLessons;  // for kNotYetOpen
  StationSettings settings;  // as saved in the store
  StationSettings draft;     // being edited in the admin area
  PinPadState pin;
  Message settings_message;
  bool admin_unlocked = false;
  bool quit_requested = false;
};

// --- Intents -------------------------------------------------------------
struct GoHome {};
struct OpenService { Service service; };
struct OpenAdmin {};  // the hidden long-press gesture
struct PinDigit { char digit; };
struct PinDelete {};
struct PinSubmit {};
struct EditDraft { StationSettings draft; };
struct SaveDraft {};
struct IdleTimeout {};
// The outcome of verifying the PIN handed out by App::TakePinToCheck().
struct PinChecked { base::Result<PinCheck> outcome; };

using Action = std::variant<GoHome, OpenService, OpenAdmin, PinDigit, PinDelete, PinSubmit,
                            EditDraft, SaveDraft, IdleTimeout, PinChecked>;

class App {
 public:
  explicit App(store::Store& store);

  const AppState& state() const { return state_; }
  void Apply(const Action& action);

  // Verifying a PIN takes Argon2id's deliberate 0.1–1 s, too long for the UI
  // thread: a submitted PIN waits here for the caller to verify it (with
  // AdminPin::Check, on a worker) and report back with PinChecked.
  std::optional<std::string> TakePinToCheck();

 private:
  void On(const GoHome&);
  void On(const OpenService&);
  void On(const OpenAdmin&);
  void On(const PinDigit&);
  void On(const PinDelete&);
  void On(const PinSubmit&);
  void On(const EditDraft&);
  void On(const SaveDraft&);
  void On(const IdleTimeout&);
  void On(const PinChecked&);

  void SubmitNewPin();
  void SubmitConfirmedPin();
  void SubmitExistingPin();
  void EnterAdminSettings();

  store::Store& store_;
  AdminPin admin_pin_;
  AppState state_;
  std::optional<std::string> pin_to_check_;
};

}  // namespace kiosk
