#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "base/files.h"
#include "store/store.h"
#include "tests/base/scratch_dir.h"

namespace {

using store::Migration;
using store::Store;

const Migration kNotesV1{1, "0001_notes.sql",
                         "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);"};
const Migration kNotesV2{2, "0002_note_time.sql",
                         "ALTER TABLE notes ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;"};
// Its first statement succeeds, so a missing rollback would show.
const Migration kBrokenV2{2, "0002_broken.sql",
                          "CREATE TABLE half_done (x INTEGER);\n"
                          "INSERT INTO no_such_table VALUES (1);"};

std::unique_ptr<Store> OpenOrFail(const std::string& path,
                                  const std::vector<Migration>& migrations =
                                      store::BuiltinMigrations()) {
  base::Result<std::unique_ptr<Store>> opened = Store::Open(path, migrations);
  if (!opened.ok()) FAIL("cannot open " << path << ": " << opened.error().message);
  return std::move(opened).value();
}

std::string QueryText(const Store& db, const char* sql) {
  sqlite3_stmt* statement = nullptr;
  REQUIRE(sqlite3_prepare_v2(db.handle(), sql, -1, &statement, nullptr) == SQLITE_OK);
  std::string text;
  if (sqlite3_step(statement) == SQLITE_ROW) {
    text = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  }
  sqlite3_finalize(statement);
  return text;
}

bool HasTable(const Store& db, const std::string& table) {
  const std::string sql = "SELECT count(*) FROM sqlite_schema WHERE name = '" + table + "'";
  return QueryText(db, sql.c_str()) == "1";
}

// A database whose pages are mostly table data, closed so everything is in
// the main file (the last connection checkpoints and removes the WAL).
void MakeDatabaseWithData(const std::string& path) {
  std::unique_ptr<Store> db = OpenOrFail(path);
  REQUIRE(db->Exec("BEGIN").ok());
  for (int i = 0; i < 500; ++i) {
    REQUIRE(db->SetSetting("key." + std::to_string(i), std::string(100, 'v')).ok());
  }
  REQUIRE(db->Exec("COMMIT").ok());
}

}  // namespace

TEST_CASE("A new database gets the latest schema, WAL and synchronous FULL", "[store]") {
  test::ScratchDir dir;
  std::unique_ptr<Store> db = OpenOrFail(dir.File("station.db"));

  CHECK(db->schema_version() == store::LatestSchemaVersion());
  CHECK(QueryText(*db, "PRAGMA user_version") == std::to_string(store::LatestSchemaVersion()));
  CHECK(QueryText(*db, "PRAGMA journal_mode") == "wal");
  CHECK(QueryText(*db, "PRAGMA synchronous") == "2");  // FULL
  CHECK(QueryText(*db, "PRAGMA foreign_keys") == "1");
  CHECK(HasTable(*db, "settings"));
}

TEST_CASE("An empty file is opened as a new database", "[store]") {
  test::ScratchDir dir;
  const std::string path = dir.File("station.db");
  REQUIRE(base::WriteFileDurably(path, "").ok());

  std::unique_ptr<Store> db = OpenOrFail(path);
  CHECK(db->schema_version() == store::LatestSchemaVersion());
}

TEST_CASE("The built-in migrations run 1, 2, 3... and are named by their version", "[store]") {
  const std::vector<Migration>& migrations = store::BuiltinMigrations();
  REQUIRE_FALSE(migrations.empty());
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    CAPTURE(migrations[i].name);
    CHECK(migrations[i].version == static_cast<int>(i) + 1);
    char prefix[8];
    std::snprintf(prefix, sizeof prefix, "%04d_", migrations[i].version);
    CHECK(migrations[i].name.starts_with(prefix));
    CHECK_FALSE(migrations[i].sql.empty());
  }
  CHECK(store::LatestSchemaVersion() == migrations.back().version);
}

TEST_CASE("Settings round-trip and survive reopening", "[store]") {
  test::ScratchDir dir;
  const std::string path = dir.File("station.db");
  {
    std::unique_ptr<Store> db = OpenOrFail(path);
    CHECK_FALSE(db->GetSetting("station.name").has_value());
    REQUIRE(db->SetSetting("station.name", "Xiaozhai").ok());
    REQUIRE(db->SetSetting("station.name", "Dazhai village").ok());
    REQUIRE(db->SetSetting("station.empty", "").ok());
    CHECK(db->GetSetting("station.name") == "Dazhai village");
  }
  std::unique_ptr<Store> db = OpenOrFail(path);
  CHECK(db->GetSetting("station.name") == "Dazhai village");
  CHECK(db->GetSetting("station.empty") == "");

  const long long updated_at = std::stoll(
      QueryText(*db, "SELECT updated_at FROM settings WHERE key = 'station.name'"));
  CHECK(std::abs(updated_at - static_cast<long long>(std::time(nullptr))) < 60);
}

TEST_CASE("An older database is upgraded and keeps its data", "[store]") {
  test::ScratchDir dir;
  const std::string path = dir.File("station.db");
  {
    std::unique_ptr<Store> db = OpenOrFail(path, {kNotesV1});
    REQUIRE(db->schema_version() == 1);
    REQUIRE(db->Exec("INSERT INTO notes (text) VALUES ('wall about to fall')").ok());
  }
  std::unique_ptr<Store> db = OpenOrFail(path, {kNotesV1, kNotesV2});

  CHECK(db->schema_version() == 2);
  CHECK(QueryText(*db, "PRAGMA user_version") == "2");
  CHECK(QueryText(*db, "SELECT text || '@' || created_at FROM notes") == "wall about to fall@0");
}

TEST_CASE("A failing migration is rolled back and leaves the version unchanged", "[store]") {
  test::ScratchDir dir;
  const std::string path = dir.File("station.db");
  OpenOrFail(path, {kNotesV1});

  base::Result<std::unique_ptr<Store>> opened = Store::Open(path, {kNotesV1, kBrokenV2});

  REQUIRE_FALSE(opened.ok());
  CHECK_THAT(opened.error().message, Catch::Contains("0002_broken.sql"));
  std::unique_ptr<Store> db = OpenOrFail(path, {kNotesV1});
  CHECK(db->schema_version() == 1);
  CHECK(QueryText(*db, "PRAGMA user_version") == "1");
  CHECK_FALSE(HasTable(*db, "half_done"));
}

TEST_CASE("A database from a newer program is refused and left unchanged", "[store]") {
  test::ScratchDir dir;
  const std::string path = dir.File("station.db");
  {
    std::unique_ptr<Store> db = OpenOrFail(path);
    REQUIRE(db->SetSetting("station.name", "Dazhai").ok());
    REQUIRE(db->Exec("PRAGMA user_version = 99").ok());
  }
  const std::string before = test::FileBytes(path);

  base::Result<std::unique_ptr<Store>> opened = Store::Open(path);

  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().code == base::ErrorCode::kTooNew);
  CHECK_THAT(opened.error().message, Catch::Contains(path) && Catch::Contains("99") &&
                                         Catch::Contains("Upgrade the software"));
  CHECK(test::FileBytes(path) == before);
}

TEST_CASE("A file that is not a database is reported corrupt and left byte-identical",
          "[store]") {
  const std::string garbage = GENERATE(std::string("hello"),
                                       std::string(4096, 'x'),
                                       std::string("SQLite format 2") + std::string(200, '\0'));
  test::ScratchDir dir;
  const std::string path = dir.File("station.db");
  REQUIRE(base::WriteFileDurably(path, garbage).ok());

  base::Result<std::unique_ptr<Store>> opened = Store::Open(path);

  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().code == base::ErrorCode::kCorrupt);
  CHECK_THAT(opened.error().message, Catch::Contains(path) && Catch::Contains("untouched"));
  CHECK(test::FileBytes(path) == garbage);
  CHECK(dir.List() == std::vector<std::string>{"station.db"});  // no -wal, -shm or -journal
}

TEST_CASE("A database with a corrupted page is reported corrupt and left as it was",
          "[store]") {
  test::ScratchDir dir;
  const std::string path = dir.File("station.db");
  MakeDatabaseWithData(path);
  std::string bytes = test::FileBytes(path);
  // The page size is a big-endian 16-bit number at offset 16; 1 means 65536.
  const unsigned raw_size = (static_cast<unsigned char>(bytes[16]) << 8) |
                            static_cast<unsigned char>(bytes[17]);
  const std::size_t page_size = raw_size == 1 ? 65536 : raw_size;
  REQUIRE(bytes.size() >= 3 * page_size);
  // Garbage over all of page 2, as a bad sector would leave it. (Bytes in a
  // page's unused middle would go unnoticed: quick_check reads only what the
  // b-tree points at.)
  std::memset(bytes.data() + page_size, 0xA5, page_size);
  REQUIRE(base::WriteFileDurably(path, bytes).ok());

  base::Result<std::unique_ptr<Store>> opened = Store::Open(path);

  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().code == base::ErrorCode::kCorrupt);
  CHECK_THAT(opened.error().message, Catch::Contains(path) && Catch::Contains("untouched"));
  CHECK(test::FileBytes(path) == bytes);
}

TEST_CASE("Several processes opening the same new file at once all succeed", "[store]") {
  test::ScratchDir dir;
  const std::string path = dir.File("station.db");
  std::vector<std::future<base::Result<std::unique_ptr<Store>>>> opens;
  for (int i = 0; i < 4; ++i) {
    opens.push_back(std::async(std::launch::async, [&] { return Store::Open(path); }));
  }
  for (auto& open : opens) {
    base::Result<std::unique_ptr<Store>> opened = open.get();
    if (!opened.ok()) FAIL(opened.error().message);
    CHECK(opened.value()->schema_version() == store::LatestSchemaVersion());
  }
}

namespace {

// A setting as another process sees it (tests/store/store_peek.cpp).
std::string PeekFromAnotherProcess(const std::string& path, const std::string& key) {
  const std::string command = std::string(STORE_PEEK) + " '" + path + "' '" + key + "'";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string value;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) value += buffer;
  REQUIRE(::pclose(pipe) == 0);
  return value;
}

}  // namespace

// The kiosk opens the store twice (its screens, its sync engine). A plain
// close() of the file by the second Open dropped every POSIX lock the
// process held on it (SQLite's "How To Corrupt" 2.2): another process
// closing the file then took itself for the last user and deleted the WAL
// under the kiosk, whose writes no other process saw from then on.
TEST_CASE("A second store in the same process keeps the first one's locks: what it writes, others see",
          "[store]") {
  test::ScratchDir dir;
  const std::string path = dir.File("station.db");
  std::unique_ptr<Store> kiosk = OpenOrFail(path);
  REQUIRE(kiosk->SetSetting("written.by", "kiosk 1").ok());
  std::unique_ptr<Store> engine = OpenOrFail(path);
  CHECK(PeekFromAnotherProcess(path, "written.by") == "kiosk 1");
  CHECK(std::filesystem::exists(path + "-wal"));
  REQUIRE(kiosk->SetSetting("written.by", "kiosk 2").ok());
  CHECK(PeekFromAnotherProcess(path, "written.by") == "kiosk 2");
  REQUIRE(engine->SetSetting("written.by", "engine").ok());
  CHECK(PeekFromAnotherProcess(path, "written.by") == "engine");
}

TEST_CASE("Two connections to one file both write, one waiting for the other", "[store]") {
  test::ScratchDir dir;
  const std::string path = dir.File("station.db");
  std::unique_ptr<Store> kiosk = OpenOrFail(path);
  std::unique_ptr<Store> sync = OpenOrFail(path);
  constexpr auto kHold = std::chrono::milliseconds(300);

  std::promise<void> holding;
  std::thread writer([&] {
    REQUIRE(kiosk->Exec("BEGIN IMMEDIATE").ok());
    REQUIRE(kiosk->SetSetting("from.kiosk", "1").ok());
    holding.set_value();
    std::this_thread::sleep_for(kHold);
    REQUIRE(kiosk->Exec("COMMIT").ok());
  });
  holding.get_future().wait();
  const auto start = std::chrono::steady_clock::now();
  const base::Status written = sync->SetSetting("from.sync", "2");
  const auto waited = std::chrono::steady_clock::now() - start;
  writer.join();

  REQUIRE(written.ok());
  CHECK(waited >= kHold / 2);  // it really had to wait for the lock
  for (Store* db : {kiosk.get(), sync.get()}) {
    CHECK(db->GetSetting("from.kiosk") == "1");
    CHECK(db->GetSetting("from.sync") == "2");
  }
}
