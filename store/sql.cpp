#include "store/sql.h"

#include <sqlite3.h>

#include <utility>

namespace store::sql {
namespace {

base::ErrorCode CodeFor(int rc) {
  switch (rc & 0xff) {
    case SQLITE_FULL: return base::ErrorCode::kDiskFull;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return base::ErrorCode::kLocked;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return base::ErrorCode::kCorrupt;
    default: return base::ErrorCode::kIo;
  }
}

}  // namespace

base::Error SqliteError(sqlite3* db, int rc, const std::string& what) {
  const char* detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return base::MakeError(CodeFor(rc), what + ": " + detail);
}

base::Result<Statement> Statement::Prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(raw);
    return SqliteError(db, rc, "cannot prepare " + std::string(sql.substr(0, 60)));
  }
  return Statement(db, raw);
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), statement_(std::exchange(other.statement_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(statement_);
    db_ = other.db_;
    statement_ = std::exchange(other.statement_, nullptr);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(statement_); }

Statement& Statement::Bind(int index, std::int64_t value) {
  sqlite3_bind_int64(statement_, index, value);
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  // SQLite reads a null pointer as SQL NULL, so an empty view must not carry one.
  sqlite3_bind_text(statement_, index, text.data() != nullptr ? text.data() : "", static_cast<int>(text.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(statement_, index);
  return *this;
}

base::Result<bool> Statement::Step() {
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const char* sql = sqlite3_sql(statement_);
  return SqliteError(db_, rc, "cannot run " + std::string(sql != nullptr ? sql : "").substr(0, 60));
}

base::Status Statement::Run() {
  base::Result<bool> row = Step();
  if (!row.ok()) return row.error();
  return base::Ok();
}

void Statement::Reset() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

std::int64_t Statement::Int(int column) const { return sqlite3_column_int64(statement_, column); }

std::string Statement::Text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
  return text == nullptr ? std::string()
                         : std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)));
}

bool Statement::IsNull(int column) const { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }

base::Status Exec(sqlite3* db, const std::string& sql) {
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db, rc, "cannot run SQL");
  return base::Ok();
}

base::Result<Transaction> Transaction::Begin(sqlite3* db) {
  if (base::Status begun = Exec(db, "BEGIN IMMEDIATE"); !begun.ok()) return begun.error();
  return Transaction(db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) (void)Exec(db_, "ROLLBACK");
}

base::Status Transaction::Commit() {
  base::Status committed = Exec(db_, "COMMIT");
  if (committed.ok()) db_ = nullptr;
  return committed;
}

}  // namespace store::sql
