// The admin area's sync page through the reducer, with a real store: what
// the administrator asks (sync now, an enrolment code) reaches the engine's
// row, and a typo in the code never leaves the station.

#include <catch2/catch.hpp>

#include "kiosk/admin_pin.h"
#include "kiosk/app.h"
#include "store/sql.h"
#include "store/store.h"
#include "sync/content_sync.h"
#include "sync/sync_engine.h"
#include "sync/ticket_code.h"
#include "tests/base/scratch_dir.h"

using namespace kiosk;

namespace {

constexpr std::int64_t kNow = 1'800'000'000;

void Unlock(App& app, store::Store& store) {
  app.Apply(OpenAdmin{});
  for (char d : std::string("2468")) app.Apply(PinDigit{d});
  app.Apply(PinSubmit{});
  auto pin = app.TakePinToCheck();
  REQUIRE(pin);
  app.Apply(PinChecked{AdminPin(store).Check(*pin, kNow)});
  REQUIRE(app.state().screen == Screen::kAdminSettings);
}

std::string StoredEnrolmentCode(store::Store& store) {
  auto read = store::sql::Statement::Prepare(store.handle(), "SELECT enrolment_code FROM sync_state WHERE id = 1");
  REQUIRE(read.ok());
  REQUIRE(*read->Step());
  return read->Text(0);
}

}  // namespace

TEST_CASE("The sync page: sync now and an enrolment code reach the engine, a typo stays here", "[kiosk][sync]") {
  test::ScratchDir dir;
  auto store = store::Store::Open(dir.File("station.db"));
  REQUIRE(store.ok());
  store::Store& db = **store;
  REQUIRE(AdminPin(db).Set("2468").ok());
  App app(db);

  app.Apply(OpenSyncPage{kNow});  // not without the PIN
  CHECK(app.state().screen == Screen::kHome);

  Unlock(app, db);
  app.Apply(OpenSyncPage{kNow});
  REQUIRE(app.state().screen == Screen::kAdminSync);
  REQUIRE(app.state().sync.status);
  CHECK_FALSE(app.state().sync.status->enrolled);
  CHECK_FALSE(app.state().sync.status->sync_now_pending);

  app.Apply(SyncNow{kNow});
  CHECK(app.state().sync.message.key == "admin.sync.requested");
  CHECK(app.state().sync.status->sync_now_pending);
  CHECK(station_sync::ReadSyncStatus(db, kNow)->sync_now_pending);

  app.Apply(OpenEnrolment{});
  REQUIRE(app.state().screen == Screen::kAdminEnrol);
  const std::string code = station_sync::GenerateTicketCode();
  std::string typo = code;
  typo[2] = typo[2] == '7' ? '9' : '7';
  for (char c : typo) app.Apply(CheckKey{c});
  app.Apply(CheckSubmit{kNow});
  CHECK(app.state().screen == Screen::kAdminEnrol);
  CHECK(app.state().sync.code_message.key == "admin.enrol.typo");
  CHECK(StoredEnrolmentCode(db).empty());
  CHECK(app.state().check.typed.empty());  // the villagers' keypad state is untouched

  while (!app.state().sync.typed.empty()) app.Apply(CheckDelete{});
  for (char c : code) app.Apply(CheckKey{c});
  app.Apply(CheckSubmit{kNow});
  CHECK(app.state().screen == Screen::kAdminSync);
  CHECK(app.state().sync.message.key == "admin.enrol.requested");
  CHECK(app.state().sync.status->enrolment_pending);
  CHECK(StoredEnrolmentCode(db) == code);

  app.Apply(BackToSettings{});
  CHECK(app.state().screen == Screen::kAdminSettings);
  app.Apply(GoHome{});
  CHECK_FALSE(app.state().admin_unlocked);
  app.Apply(BackToSettings{});
  CHECK(app.state().screen == Screen::kHome);
}

TEST_CASE("The county's notices are on home, newest first, and open big", "[kiosk][sync]") {
  test::ScratchDir dir;
  auto store = store::Store::Open(dir.File("station.db"));
  REQUIRE(store.ok());
  std::vector<station_sync::CatalogNotice> notices = {{"old", "旧通知", "上个月的事", 100},
                                                      {"meeting", "村民大会", "周五上午九点在活动室开会", 200}};
  REQUIRE((*store)->SetSetting(station_sync::kNoticesSetting, station_sync::FormatNotices(notices)).ok());
  App app(**store);
  REQUIRE(app.state().notices.size() == 2);
  CHECK(app.state().notices[0].id == "meeting");
  app.Apply(OpenNotice{5});  // no such notice
  CHECK(app.state().screen == Screen::kHome);
  app.Apply(OpenNotice{0});
  CHECK(app.state().screen == Screen::kNotice);
  CHECK(app.state().notices[app.state().notice_shown].title == "村民大会");
  app.Apply(GoHome{});
  CHECK(app.state().screen == Screen::kHome);
  CHECK(app.state().notices.size() == 2);  // still there after going home
}
