// Small RAII helpers over the SQLite C API, for modules that own tables in
// the store (lessons, reports, sync state). Errors come back as base::Error
// with the code SQLite's result maps to (SQLITE_FULL -> kDiskFull, ...).
//
//   auto statement = sql::Statement::Prepare(db, "SELECT id FROM t WHERE x = ?1");
//   if (!statement) return statement.error();
//   statement->Bind(1, x);
//   while (true) {
//     auto row = statement->Step();
//     if (!row) return row.error();
//     if (!*row) break;
//     ids.push_back(statement->Text(0));
//   }
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace store::sql {

base::Error SqliteError(sqlite3* db, int rc, const std::string& what);

class Statement {
 public:
  static base::Result<Statement> Prepare(sqlite3* db, std::string_view sql);
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

  Statement& Bind(int index, std::int64_t value);
  Statement& Bind(int index, std::string_view text);  // an empty view binds '' (not NULL)
  Statement& BindNull(int index);

  // true: a row is ready; false: done.
  base::Result<bool> Step();
  // Steps once, expecting no row (INSERT, UPDATE, DELETE).
  base::Status Run();
  void Reset();  // for running again with new bindings

  std::int64_t Int(int column) const;
  std::string Text(int column) const;
  bool IsNull(int column) const;

 private:
  Statement(sqlite3* db, sqlite3_stmt* statement) : db_(db), statement_(statement) {}
  sqlite3* db_ = nullptr;
  sqlite3_stmt* statement_ = nullptr;
};

// BEGIN IMMEDIATE now, ROLLBACK unless Commit() succeeded.
class Transaction {
 public:
  static base::Result<Transaction> Begin(sqlite3* db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  base::Status Commit();

 private:
  explicit Transaction(sqlite3* db) : db_(db) {}
  sqlite3* db_;  // null once committed or moved from
};

base::Status Exec(sqlite3* db, const std::string& sql);

}  // namespace store::sql
