// The station's SQLite database: one file in the data directory, shared by
// the kiosk and kiosk-sync (WAL + busy timeout), written with
// synchronous=FULL so a committed row survives a power cut.
//
// The schema is a sequence of numbered SQL files (store/migrations/NNNN_*.sql),
// each producing the version in its name; PRAGMA user_version records the
// version a database has. Opening:
//   - a new file gets every migration;
//   - an older database is upgraded, one transaction per migration;
//   - a newer database (from a newer program) is refused with kTooNew;
//   - a file that is not a database or fails quick_check is reported with
//     kCorrupt and left exactly as it was, never replaced.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

struct sqlite3;

namespace store {

struct Migration {
  int version;       // the schema version this migration produces
  std::string name;  // file name, for logs
  std::string sql;
};

// The migrations compiled into this program, in order.
const std::vector<Migration>& BuiltinMigrations();
int LatestSchemaVersion();

class Store {
 public:
  // Opens (creating if needed) the database at `path` and brings it to the
  // latest schema. `migrations` defaults to the built-in ones; tests pass
  // others to exercise upgrades.
  static base::Result<std::unique_ptr<Store>> Open(const std::string& path);
  static base::Result<std::unique_ptr<Store>> Open(const std::string& path,
                                                   const std::vector<Migration>& migrations);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  int schema_version() const { return schema_version_; }
  const std::string& path() const { return path_; }

  // Station settings, a key/value table (keys like "station.name").
  std::optional<std::string> GetSetting(std::string_view key) const;
  base::Status SetSetting(std::string_view key, std::string_view value);

  // Runs SQL with no results (for modules that own their tables).
  base::Status Exec(std::string_view sql);

  // For modules that own their own tables and statements. Owned by Store.
  sqlite3* handle() const { return db_; }

 private:
  Store(sqlite3* db, std::string path, int schema_version);
  sqlite3* db_;
  std::string path_;
  int schema_version_;
};

}  // namespace store
