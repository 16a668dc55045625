// Power cuts at every I/O call of a submission, files and SQLite alike:
// only what was synced survives (tests/sync/power_cut.h). After each cut
// the station restarts; every report whose Finalise() returned must be
// intact and decryptable, and nothing half-written may be visible.

#include <catch2/catch.hpp>
#include <sodium.h>
#include <sqlite3.h>

#include <set>

#include "store/store.h"
#include "sync/outbox.h"
#include "tests/base/scratch_dir.h"
#include "tests/sync/power_cut.h"
#include "tests/sync/report_fixture.h"

namespace {

using namespace station_sync;

int CountRows(sqlite3* db) {
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &s, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  const int n = sqlite3_column_int(s, 0);
  sqlite3_finalize(s);
  return n;
}

// Commits `rows` rows with the given synchronous mode, cuts the power
// without closing cleanly, and returns how many rows survive.
int RowsAfterPowerCut(const std::string& path, const char* synchronous, int rows) {
  test::PowerSwitch power;
  test::PowerCutVfs vfs(power);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  const std::string setup = std::string("PRAGMA journal_mode=WAL; PRAGMA synchronous=") +
                            synchronous + "; CREATE TABLE t (x INTEGER);";
  REQUIRE(sqlite3_exec(db, setup.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  for (int i = 0; i < rows; ++i) {
    REQUIRE(sqlite3_exec(db, "INSERT INTO t VALUES (1)", nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  power.CutAtCall(power.calls() + 1);  // the very next write or sync fails
  sqlite3_close(db);
  vfs.PowerCut();
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  int survived = 0;
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW) {
    survived = sqlite3_column_int(s, 0);
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return survived;
}

}  // namespace

TEST_CASE("The power-cut VFS really drops unsynced writes: synchronous=OFF loses commits, FULL keeps them",
          "[sync]") {
  test::ScratchDir dir;
  // Without this, a passing power-cut test below would prove nothing.
  CHECK(RowsAfterPowerCut(dir.File("off.db"), "OFF", 20) == 0);
  CHECK(RowsAfterPowerCut(dir.File("full.db"), "FULL", 20) == 20);
  (void)CountRows;
}

TEST_CASE("The power-cut file system keeps only synced contents and names", "[sync]") {
  test::PowerSwitch power;
  test::PowerCutFileSystem fs(power);
  REQUIRE(fs.MakeDirectory("/d").ok());
  REQUIRE(fs.SyncDirectory("/").ok());
  REQUIRE(WriteFileDurably(fs, "/d/durable", "kept", 0600).ok());
  auto file = fs.Create("/d/unsynced", 0600);
  REQUIRE(file.ok());
  REQUIRE((*file)->Append("lost").ok());
  auto synced_name_only = fs.Create("/d/empty", 0600);
  REQUIRE(synced_name_only.ok());
  REQUIRE((*synced_name_only)->Append("lost too").ok());
  REQUIRE(fs.SyncDirectory("/d").ok());  // the name is durable, the content is not
  REQUIRE(fs.MakeDirectory("/d/sub").ok());
  REQUIRE(fs.Rename("/d/durable", "/d/renamed").ok());  // not durable: no directory sync

  fs.PowerCut();
  CHECK(*fs.ReadFile("/d/durable") == "kept");
  CHECK_FALSE(fs.ReadFile("/d/renamed").ok());
  CHECK(*fs.ReadFile("/d/unsynced") == "");
  CHECK(*fs.ReadFile("/d/empty") == "");
  CHECK_FALSE(fs.List("/d/sub").ok());
}

TEST_CASE("Power cut at every I/O call of three submissions: submitted reports survive, nothing half-written shows",
          "[sync][slow]") {
  REQUIRE(sodium_init() >= 0);
  const CountySecretKey county = GenerateCountyKey();
  test::PowerSwitch power;
  test::PowerCutVfs vfs(power);
  ManualClock clock(1795136400);
  int cuts = 0;
  for (std::int64_t cut_at = 1;; ++cut_at) {
    INFO("power cut at I/O call " << cut_at);
    test::ScratchDir dir;
    test::PowerCutFileSystem fs(power);
    REQUIRE(fs.MakeDirectory("/data").ok());
    REQUIRE(fs.SyncDirectory("/").ok());
    const OutboxConfig config = test::TestConfig("/data/outbox", county);
    std::set<std::string> submitted;
    bool cut = false;
    {
      auto db = store::Store::Open(dir.File("station.db"));
      REQUIRE(db.ok());
      auto outbox = Outbox::Open(**db, fs, clock, config);
      REQUIRE(outbox.ok());
      power.CutAtCall(power.calls() + cut_at);
      for (int i = 0; i < 3 && !power.off(); ++i) {
        auto result = (*outbox)->Finalise(test::MakeDraft(**outbox, 1, 70000, 3000, static_cast<std::uint64_t>(i)));
        if (result.ok()) submitted.insert(result->report_id);
      }
      cut = power.off();
      // The machine is dead: closing writes nothing (every call fails).
    }
    vfs.PowerCut();
    fs.PowerCut();

    auto db = store::Store::Open(dir.File("station.db"));
    REQUIRE(db.ok());
    auto outbox = Outbox::Open(**db, fs, clock, config);
    REQUIRE(outbox.ok());
    CHECK((*outbox)->recovery().damaged.empty());
    const test::OutboxCheck check = test::CheckOutbox(**db, fs, config.dir, county);
    for (const std::string& p : check.problems) FAIL_CHECK(p);
    for (const std::string& id : submitted) CHECK(check.intact.count(id) == 1);
    // At most the one in flight may have made it without the villager
    // seeing "submitted" (a duplicate at worst, never a loss).
    CHECK(check.intact.size() <= submitted.size() + 1);
    // And the station goes on working.
    auto after = (*outbox)->Finalise(test::MakeDraft(**outbox, 0, 0, 500, 77));
    REQUIRE(after.ok());
    if (!cut) break;
    ++cuts;
  }
  WARN(cuts << " power cuts, each followed by a restart and a full check");
  CHECK(cuts > 50);
}
