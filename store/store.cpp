// Store: opening, checking and migrating the station database.
//
// Open() is careful never to change a file it cannot trust:
//   1. an existing non-empty file must start with the SQLite header before
//      SQLite touches it (switching a garbage file to WAL could write to it);
//   2. the first read (user_version) and PRAGMA quick_check must succeed;
//   3. a schema newer than this program knows is refused;
// and only then is the database configured (WAL, synchronous=FULL) and
// migrated, one transaction per migration.

#include "store/store.h"

#include <sqlite3.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "base/log.h"
#include "store/sql.h"

namespace store {
namespace {

constexpr int kBusyTimeoutMs = 5000;  // lets kiosk and kiosk-sync share the file
constexpr char kSqliteHeader[16] = "SQLite format 3";  // 15 characters and a NUL

using sql::SqliteError;

base::Error CorruptError(const std::string& path, const std::string& why) {
  return base::MakeError(base::ErrorCode::kCorrupt,
                         "database " + path + " cannot be trusted (" + why +
                             "); it was left untouched");
}

// Checks the header of an existing, non-empty file before SQLite reads it
// as a database. A missing or empty file is fine: SQLite makes it a new one.
// The bytes are read through SQLite's own VFS, not fopen: closing a file
// drops every POSIX lock the process holds on it, those of a store already
// open in this process too (SQLite's "How To Corrupt" 2.2), and another
// process closing last would then delete the WAL under it. SQLite's close
// keeps such a file open until the process's other connections let go.
base::Status CheckHeader(const std::string& path) {
  sqlite3_vfs* vfs = sqlite3_vfs_find(nullptr);
  if (vfs == nullptr) return base::MakeError(base::ErrorCode::kIo, "SQLite has no file system");
  int exists = 0;
  if (vfs->xAccess(vfs, path.c_str(), SQLITE_ACCESS_EXISTS, &exists) != SQLITE_OK || exists == 0) return base::Ok();
  std::vector<char> storage(static_cast<std::size_t>(vfs->szOsFile));
  auto* file = reinterpret_cast<sqlite3_file*>(storage.data());
  int opened_as = 0;
  if (vfs->xOpen(vfs, path.c_str(), file, SQLITE_OPEN_READONLY | SQLITE_OPEN_MAIN_DB, &opened_as) != SQLITE_OK) {
    return base::Ok();  // sqlite3_open_v2 says why
  }
  sqlite3_int64 size = 0;
  char header[sizeof kSqliteHeader] = {};
  int rc = file->pMethods->xFileSize(file, &size);
  const bool empty = rc == SQLITE_OK && size == 0;
  if (rc == SQLITE_OK && !empty) rc = file->pMethods->xRead(file, header, sizeof header, 0);
  file->pMethods->xClose(file);
  if (empty) return base::Ok();
  if (rc == SQLITE_IOERR_SHORT_READ || (rc == SQLITE_OK && std::memcmp(header, kSqliteHeader, sizeof header) != 0)) {
    return CorruptError(path, "not an SQLite database");
  }
  if (rc != SQLITE_OK) {
    return base::MakeError(base::ErrorCode::kIo, "cannot read " + path + " (SQLite error " + std::to_string(rc) + ")");
  }
  return base::Ok();
}

// Runs a statement expected to return one text or integer column in one row.
base::Result<std::string> QueryText(sqlite3* db, const char* query) {
  base::Result<sql::Statement> statement = sql::Statement::Prepare(db, query);
  if (!statement.ok()) return statement.error();
  base::Result<bool> row = statement->Step();
  if (!row.ok()) return row.error();
  if (!*row) return base::MakeError(base::ErrorCode::kIo, std::string(query) + ": no result");
  return statement->Text(0);
}

// Names the file, and says it was not touched, when SQLite finds it corrupt.
base::Error ExplainReadError(const std::string& path, const base::Error& error) {
  if (error.code != base::ErrorCode::kCorrupt) return error;
  return CorruptError(path, error.message);
}

// The first read fails with SQLITE_NOTADB or SQLITE_CORRUPT on a bad file.
// Returns the schema version.
base::Result<int> CheckIntegrity(sqlite3* db, const std::string& path) {
  base::Result<std::string> version = QueryText(db, "PRAGMA user_version");
  if (!version.ok()) return ExplainReadError(path, version.error());
  base::Result<std::string> check = QueryText(db, "PRAGMA quick_check");
  if (!check.ok()) return ExplainReadError(path, check.error());
  if (*check != "ok") return CorruptError(path, "quick_check: " + *check);
  return std::stoi(*version);
}

base::Status Configure(sqlite3* db, const std::string& path) {
  base::Result<std::string> mode = QueryText(db, "PRAGMA journal_mode=WAL");
  if (!mode.ok()) return mode.error();
  if (*mode != "wal") {
    return base::MakeError(base::ErrorCode::kIo,
                           "database " + path + " cannot use WAL (journal_mode is " + *mode + ")");
  }
  return sql::Exec(db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
}

// One transaction: the migration's SQL and the version it produces commit
// together or not at all. The version is read again under the write lock,
// since another process (kiosk-sync) may have opened the same new file at the
// same moment and applied the migration first.
base::Status ApplyMigration(sqlite3* db, const std::string& path, const Migration& migration) {
  if (base::Status begun = sql::Exec(db, "BEGIN IMMEDIATE"); !begun.ok()) return begun;
  base::Result<std::string> current = QueryText(db, "PRAGMA user_version");
  if (current.ok() && std::stoi(*current) >= migration.version) return sql::Exec(db, "COMMIT");
  base::LogInfo("store", "migrating " + path + " to version " +
                             std::to_string(migration.version) + " (" + migration.name + ")");
  const std::string set_version = "PRAGMA user_version=" + std::to_string(migration.version);
  base::Status applied = current.ok() ? sql::Exec(db, migration.sql) : current.error();
  if (applied.ok()) applied = sql::Exec(db, set_version);
  if (applied.ok()) applied = sql::Exec(db, "COMMIT");
  if (applied.ok()) return base::Ok();
  (void)sql::Exec(db, "ROLLBACK");  // fails harmlessly if SQLite already rolled back
  return base::MakeError(applied.error().code, "migration " + migration.name +
                                                   " failed and was rolled back: " +
                                                   applied.error().message);
}

base::Status Migrate(sqlite3* db, const std::string& path, int from_version,
                     const std::vector<Migration>& migrations) {
  for (const Migration& migration : migrations) {
    if (migration.version <= from_version) continue;
    if (base::Status applied = ApplyMigration(db, path, migration); !applied.ok()) return applied;
  }
  return base::Ok();
}

int LatestVersion(const std::vector<Migration>& migrations) {
  return migrations.empty() ? 0 : migrations.back().version;
}

bool InOrder(const std::vector<Migration>& migrations) {
  for (std::size_t i = 1; i < migrations.size(); ++i) {
    if (migrations[i].version <= migrations[i - 1].version) return false;
  }
  return true;
}

// Everything after sqlite3_open_v2: returns the schema version reached.
base::Result<int> Prepare(sqlite3* db, const std::string& path,
                          const std::vector<Migration>& migrations) {
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  base::Result<int> version = CheckIntegrity(db, path);
  if (!version.ok()) return version;
  const int latest = LatestVersion(migrations);
  if (*version > latest) {
    return base::MakeError(
        base::ErrorCode::kTooNew,
        "database " + path + " has schema version " + std::to_string(*version) +
            " but this program knows only up to " + std::to_string(latest) +
            "; it was written by a newer version of the station software. "
            "Upgrade the software; the database was not changed.");
  }
  if (base::Status configured = Configure(db, path); !configured.ok()) return configured.error();
  if (base::Status migrated = Migrate(db, path, *version, migrations); !migrated.ok()) {
    return migrated.error();
  }
  return latest;
}

}  // namespace

int LatestSchemaVersion() { return LatestVersion(BuiltinMigrations()); }

base::Result<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  return Open(path, BuiltinMigrations());
}

base::Result<std::unique_ptr<Store>> Store::Open(const std::string& path,
                                                 const std::vector<Migration>& migrations) {
  if (!InOrder(migrations)) {
    return base::MakeError(base::ErrorCode::kInvalidInput, "migrations are not in version order");
  }
  if (base::Status header = CheckHeader(path); !header.ok()) return header.error();
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    base::Error error = SqliteError(db, rc, "cannot open database " + path);
    sqlite3_close_v2(db);
    return error;
  }
  base::Result<int> version = Prepare(db, path, migrations);
  if (!version.ok()) {
    sqlite3_close_v2(db);
    return version.error();
  }
  return std::unique_ptr<Store>(new Store(db, path, *version));
}

Store::Store(sqlite3* db, std::string path, int schema_version)
    : db_(db), path_(std::move(path)), schema_version_(schema_version) {}

Store::~Store() { sqlite3_close_v2(db_); }

std::optional<std::string> Store::GetSetting(std::string_view key) const {
  base::Result<sql::Statement> statement = sql::Statement::Prepare(db_, "SELECT value FROM settings WHERE key = ?1");
  base::Result<bool> row = statement.ok() ? statement->Bind(1, key).Step() : base::Result<bool>(statement.error());
  if (row.ok() && *row) return statement->Text(0);
  // The signature has no room for an error, so at least it is not silent.
  if (!row.ok()) base::LogError("store", "cannot read setting " + std::string(key) + ": " + row.error().message);
  return std::nullopt;
}

base::Status Store::SetSetting(std::string_view key, std::string_view value) {
  base::Result<sql::Statement> statement = sql::Statement::Prepare(
      db_,
      "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at");
  if (!statement.ok()) return statement.error();
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch());
  base::Status saved = statement->Bind(1, key).Bind(2, value).Bind(3, std::int64_t{now_s.count()}).Run();
  if (!saved.ok()) return base::MakeError(saved.error().code, "cannot save setting " + std::string(key) + ": " +
                                                                  saved.error().message);
  return base::Ok();
}

base::Status Store::Exec(std::string_view sql) { return sql::Exec(db_, std::string(sql)); }

}  // namespace store
