#include <catch2/catch.hpp>

#include "kiosk/app.h"
#include "store/store.h"
#include "temp_dir.h"

using namespace kiosk;

namespace {
std::int64_t FixedNow() { return 1'800'000'000; }

void EnterDigits(App& app, const std::string& digits) {
  for (char d : digits) app.Apply(PinDigit{d});
  app.Apply(PinSubmit{});
}
}  // namespace

TEST_CASE("The admin area is reached by setting a PIN, then only with it", "[kiosk][app]") {
  TempDir dir;
  auto store = store::Store::Open(dir / "station.db");
  REQUIRE(store.ok());
  App app(**store, &FixedNow);
  CHECK(app.state().screen == Screen::kHome);

  app.Apply(OpenAdmin{});
  REQUIRE(app.state().screen == Screen::kAdminPin);
  CHECK(app.state().pin.mode == PinPadState::Mode::kCreate);

  SECTION("a short PIN is refused") {
    EnterDigits(app, "12");
    CHECK(app.state().pin.message.key == "admin.pin.too_short");
    CHECK(app.state().pin.mode == PinPadState::Mode::kCreate);
  }
  SECTION("a mismatched confirmation starts over") {
    EnterDigits(app, "1357");
    CHECK(app.state().pin.mode == PinPadState::Mode::kConfirm);
    EnterDigits(app, "1358");
    CHECK(app.state().pin.mode == PinPadState::Mode::kCreate);
    CHECK(app.state().pin.message.key == "admin.pin.mismatch");
  }
  SECTION("a confirmed PIN opens settings, and later guards them") {
    EnterDigits(app, "1357");
    EnterDigits(app, "1357");
    CHECK(app.state().screen == Screen::kAdminSettings);
    app.Apply(GoHome{});
    CHECK_FALSE(app.state().admin_unlocked);
    app.Apply(OpenAdmin{});
    CHECK(app.state().pin.mode == PinPadState::Mode::kEnter);
    EnterDigits(app, "9999");
    CHECK(app.state().screen == Screen::kAdminPin);
    CHECK(app.state().pin.message.key == "admin.pin.wrong");
    EnterDigits(app, "1357");
    CHECK(app.state().screen == Screen::kAdminSettings);
  }
}

TEST_CASE("Settings edited in the admin area are saved to the store", "[kiosk][app]") {
  TempDir dir;
  {
    auto store = store::Store::Open(dir / "station.db");
    REQUIRE(store.ok());
    App app(**store, &FixedNow);
    StationSettings draft;
    draft.station_name = "石门村远程教育站";
    app.Apply(EditDraft{draft});  // locked: ignored
    CHECK(app.state().draft.station_name.empty());

    app.Apply(OpenAdmin{});
    EnterDigits(app, "2468");
    EnterDigits(app, "2468");
    draft = app.state().draft;
    draft.station_name = "石门村远程教育站";
    draft.village = "三组";
    draft.language = "en";
    app.Apply(EditDraft{draft});
    app.Apply(SaveDraft{});
    CHECK(app.state().settings_message.key == "admin.settings.saved");
  }
  auto store = store::Store::Open(dir / "station.db");
  REQUIRE(store.ok());
  const StationSettings loaded = LoadSettings(**store);
  CHECK(loaded.station_name == "石门村远程教育站");
  CHECK(loaded.village == "三组");
  CHECK(loaded.language == "en");
}

TEST_CASE("Every screen leads home, and idling does too", "[kiosk][app]") {
  TempDir dir;
  auto store = store::Store::Open(dir / "station.db");
  REQUIRE(store.ok());
  App app(**store, &FixedNow);
  for (Service service : {Service::kWatchLessons, Service::kReportProblem, Service::kCheckReport}) {
    app.Apply(OpenService{service});
    CHECK(app.state().screen == Screen::kNotYetOpen);
    CHECK(app.state().pending_service == service);
    app.Apply(GoHome{});
    CHECK(app.state().screen == Screen::kHome);
  }
  app.Apply(OpenAdmin{});
  app.Apply(PinDigit{'1'});
  app.Apply(IdleTimeout{});
  CHECK(app.state().screen == Screen::kHome);
  CHECK(app.state().pin.digits.empty());  // nothing half-typed is left behind
}
