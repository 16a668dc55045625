#include <catch2/catch.hpp>

#include "kiosk/app.h"
#include "store/store.h"
#include "tests/base/scratch_dir.h"

using namespace kiosk;

namespace {
constexpr std::int64_t kNow = 1'800'000'000;

// Types a PIN and submits it; a PIN handed out for checking is verified here,
// as the kiosk's worker thread would.
void EnterDigits(App& app, store::Store& store, const std::string& digits) {
  for (char d : digits) app.Apply(PinDigit{d});
  app.Apply(PinSubmit{});
  if (auto pin = app.TakePinToCheck()) {
    REQUIRE(app.state().pin.checking);
    app.Apply(PinDigit{'5'});  // ignored while checking
    CHECK(app.state().pin.digits.empty());
    app.Apply(PinChecked{AdminPin(store).Check(*pin, kNow)});
    CHECK_FALSE(app.state().pin.checking);
  }
}
}  // namespace

TEST_CASE("The admin area is reached by setting a PIN, then only with it", "[kiosk][app]") {
  test::ScratchDir dir;
  auto store = store::Store::Open(dir.File("station.db"));
  REQUIRE(store.ok());
  App app(**store);
  CHECK(app.state().screen == Screen::kHome);

  app.Apply(OpenAdmin{});
  REQUIRE(app.state().screen == Screen::kAdminPin);
  CHECK(app.state().pin.mode == PinPadState::Mode::kCreate);

  SECTION("a short PIN is refused") {
    EnterDigits(app, **store, "12");
    CHECK(app.state().pin.message.key == "admin.pin.too_short");
    CHECK(app.state().pin.mode == PinPadState::Mode::kCreate);
  }
  SECTION("a mismatched confirmation starts over") {
    EnterDigits(app, **store, "1357");
    CHECK(app.state().pin.mode == PinPadState::Mode::kConfirm);
    EnterDigits(app, **store, "1358");
    CHECK(app.state().pin.mode == PinPadState::Mode::kCreate);
    CHECK(app.state().pin.message.key == "admin.pin.mismatch");
  }
  SECTION("a confirmed PIN opens settings, and later guards them") {
    EnterDigits(app, **store, "1357");
    EnterDigits(app, **store, "1357");
    CHECK(app.state().screen == Screen::kAdminSettings);
    app.Apply(GoHome{});
    CHECK_FALSE(app.state().admin_unlocked);
    app.Apply(OpenAdmin{});
    CHECK(app.state().pin.mode == PinPadState::Mode::kEnter);
    EnterDigits(app, **store, "9999");
    CHECK(app.state().screen == Screen::kAdminPin);
    CHECK(app.state().pin.message.key == "admin.pin.wrong");
    EnterDigits(app, **store, "1357");
    CHECK(app.state().screen == Screen::kAdminSettings);
  }
}

TEST_CASE("Settings edited in the admin area are saved to the store", "[kiosk][app]") {
  test::ScratchDir dir;
  {
    auto store = store::Store::Open(dir.File("station.db"));
    REQUIRE(store.ok());
    App app(**store);
    StationSettings draft;
    draft.station_name = "石门村远程教育站";
    app.Apply(EditDraft{draft});  // locked: ignored
    CHECK(app.state().draft.station_name.empty());

    app.Apply(OpenAdmin{});
    EnterDigits(app, **store, "2468");
    EnterDigits(app, **store, "2468");
    draft = app.state().draft;
    draft.station_name = "石门村远程教育站";
    draft.village = "三组";
    draft.language = "en";
    app.Apply(EditDraft{draft});
    app.Apply(SaveDraft{});
    CHECK(app.state().settings_message.key == "admin.settings.saved");
  }
  auto store = store::Store::Open(dir.File("station.db"));
  REQUIRE(store.ok());
  const StationSettings loaded = LoadSettings(**store);
  CHECK(loaded.station_name == "石门村远程教育站");
  CHECK(loaded.village == "三组");
  CHECK(loaded.language == "en");
}

TEST_CASE("Every screen leads home, and idling does too", "[kiosk][app]") {
  test::ScratchDir dir;
  auto store = store::Store::Open(dir.File("station.db"));
  REQUIRE(store.ok());
  App app(**store);
  app.Apply(OpenService{Service::kWatchLessons});
  CHECK(app.state().screen == Screen::kLibrary);
  app.Apply(GoHome{});
  CHECK(app.state().screen == Screen::kHome);
  app.Apply(OpenService{Service::kReportProblem});
  CHECK(app.state().screen == Screen::kReportUnavailable);  // no county key in this store
  app.Apply(GoHome{});
  CHECK(app.state().screen == Screen::kHome);
  app.Apply(OpenService{Service::kCheckReport});
  CHECK(app.state().screen == Screen::kCheckCode);
  app.Apply(GoHome{});
  CHECK(app.state().screen == Screen::kHome);
  app.Apply(OpenAdmin{});
  app.Apply(PinDigit{'1'});
  app.Apply(IdleTimeout{});
  CHECK(app.state().screen == Screen::kHome);
  CHECK(app.state().pin.digits.empty());  // nothing half-typed is left behind
}

TEST_CASE("A PIN result that arrives after the villager left is ignored", "[kiosk][app]") {
  test::ScratchDir dir;
  auto store = store::Store::Open(dir.File("station.db"));
  REQUIRE(store.ok());
  REQUIRE(AdminPin(**store).Set("2468").ok());
  App app(**store);
  app.Apply(OpenAdmin{});
  for (char d : std::string("2468")) app.Apply(PinDigit{d});
  app.Apply(PinSubmit{});
  auto pin = app.TakePinToCheck();
  REQUIRE(pin);
  CHECK_FALSE(app.TakePinToCheck());  // handed out once
  app.Apply(IdleTimeout{});
  app.Apply(PinChecked{AdminPin(**store).Check(*pin, kNow)});
  CHECK(app.state().screen == Screen::kHome);
  CHECK_FALSE(app.state().admin_unlocked);
}
