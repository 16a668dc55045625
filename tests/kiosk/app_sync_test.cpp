// The admin area's sync and USB pages through the reducer, with a real
// store: what the administrator asks (sync now, an enrolment code, a stick's
// job) reaches the engine's row, and a typo in the code never leaves the
// station.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "base/files.h"

#include "kiosk/admin_pin.h"
#include "kiosk/app.h"
#include "store/sql.h"
#include "store/store.h"
#include "sync/clock.h"
#include "sync/content_sync.h"
#include "sync/file_system.h"
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
  app.Apply(SyncStatusChanged{kNow});  // not started yet: the message stays
  CHECK(app.state().sync.message.key == "admin.sync.requested");
  // The engine takes the request: its round's own lines say the rest.
  REQUIRE(store::sql::Exec(db.handle(), "UPDATE sync_state SET sync_now_requested = 0 WHERE id = 1").ok());
  app.Apply(SyncStatusChanged{kNow});
  CHECK(app.state().sync.message.key.empty());

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
  REQUIRE(store::sql::Exec(db.handle(), "UPDATE sync_state SET enrolment_code = '' WHERE id = 1").ok());
  app.Apply(SyncStatusChanged{kNow});  // the engine took the code: enrolled, or why not, shows
  CHECK(app.state().sync.message.key.empty());

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

namespace {

void WriteStickPackage(const std::string& stick, std::int64_t version) {
  REQUIRE(base::MakeDirectories(stick + "/village-station/package").ok());
  const std::string catalog = R"({"format": 2, "version": )" + std::to_string(version) +
                              R"(, "published_at": 1, "expires_at": 2, "lessons": []})";
  REQUIRE(base::WriteFileDurably(stick + "/village-station/package/catalog.json", catalog).ok());
}

}  // namespace

TEST_CASE("The USB page: the stick plugged in, what it carries, and a tap reaches the running engine, "
          "whose outcome shows",
          "[kiosk][sync][usb]") {
  test::ScratchDir dir;
  auto store = store::Store::Open(dir.File("station.db"));
  REQUIRE(store.ok());
  store::Store& db = **store;
  REQUIRE(AdminPin(db).Set("2468").ok());
  const std::string stick = dir.File("VILLAGE");
  REQUIRE(db.SetSetting("sync.usb_dir", stick).ok());
  App app(db);
  Unlock(app, db);
  app.Apply(OpenUsbPage{kNow});  // only from the sync page
  CHECK(app.state().screen == Screen::kAdminSettings);
  app.Apply(OpenSyncPage{kNow});
  app.Apply(OpenUsbPage{kNow});
  REQUIRE(app.state().screen == Screen::kAdminUsb);

  // Nothing plugged in yet: nothing to do.
  CHECK(app.state().usb.sticks.empty());
  app.Apply(StartUsbJob{station_sync::UsbJob::kExportOutbox, kNow});
  CHECK(app.state().usb.message.key == "admin.usb.no_stick");
  CHECK_FALSE(station_sync::ReadSyncStatus(db, kNow)->usb_pending);

  // Plugged in, empty: the outbox may go out, no lessons come in.
  REQUIRE(base::MakeDirectories(stick).ok());
  app.Apply(LookForSticks{});
  REQUIRE(app.state().usb.sticks.size() == 1);
  CHECK(app.state().usb.sticks[0].name == "VILLAGE");
  CHECK_FALSE(app.state().usb.sticks[0].has_package);
  app.Apply(StartUsbJob{station_sync::UsbJob::kImportPackage, kNow});
  CHECK(app.state().usb.message.key == "admin.usb.no_package_on");
  CHECK_FALSE(station_sync::ReadSyncStatus(db, kNow)->usb_pending);

  // A county package on it: bringing it in is asked of the engine.
  WriteStickPackage(stick, 3);
  app.Apply(LookForSticks{});
  REQUIRE(app.state().usb.sticks[0].package_version == 3);
  CHECK(app.state().usb.installed_version == 0);
  app.Apply(StartUsbJob{station_sync::UsbJob::kImportPackage, kNow});
  CHECK(app.state().usb.message.key == "admin.usb.import_requested");
  REQUIRE(app.state().sync.status->usb_pending == station_sync::UsbJob::kImportPackage);
  CHECK(app.state().sync.status->usb_pending_stick == stick);
  app.Apply(SyncStatusChanged{kNow});  // the job's own line shows from here
  CHECK(app.state().usb.message.key.empty());

  // The engine, running as in the kiosk, takes it. This station was never
  // enrolled, so it has no county key to check the package with: the
  // outcome says so and the request is done with.
  station_sync::SyncOptions options;
  options.data_dir = dir.path();
  options.round_backoff = {3600, 3600};
  station_sync::SyncEngine engine(db, station_sync::PosixFileSystem(), station_sync::SystemClock(), options);
  std::atomic<bool> stop{false};
  std::thread running([&] { engine.RunUntil(stop); });
  for (int i = 0; i < 200 && !station_sync::ReadSyncStatus(db, kNow)->usb_last; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop = true;
  running.join();
  app.Apply(SyncStatusChanged{kNow});
  const auto& status = app.state().sync.status;
  REQUIRE(status->usb_last);
  CHECK_FALSE(status->usb_pending);
  CHECK(status->usb_last->job == station_sync::UsbJob::kImportPackage);
  CHECK(status->usb_last->stick_dir == stick);
  CHECK_FALSE(status->usb_last->error.empty());
  CHECK(app.state().usb.last_job_seen == status->usb_last->finished_at_s);
  CHECK(app.state().usb.message.key.empty());  // the outcome replaces "it starts within seconds"

  app.Apply(ChooseStick{4});  // no such stick: nothing changes
  CHECK(app.state().usb.chosen == 0);
  // Back is the sync page.
  app.Apply(OpenSyncPage{kNow});
  CHECK(app.state().screen == Screen::kAdminSync);
}
