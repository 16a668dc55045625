// store-peek DB KEY: another process reading one setting, as kiosk-sync
// --sync-now or the sqlite3 shell would; it opens, reads and closes, and so
// may be the last to close the file. Prints the value, or nothing.

#include <sqlite3.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: store-peek DB KEY\n");
    return 2;
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "store-peek: %s\n", sqlite3_errmsg(db));
    sqlite3_close_v2(db);
    return 1;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* statement = nullptr;
  int rc = sqlite3_prepare_v2(db, "SELECT value FROM settings WHERE key = ?1", -1, &statement, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(statement, 1, argv[2], -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) std::printf("%s", reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)));
  const bool ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
  if (!ok) std::fprintf(stderr, "store-peek: %s\n", sqlite3_errmsg(db));
  sqlite3_finalize(statement);
  sqlite3_close_v2(db);
  return ok ? 0 : 1;
}
