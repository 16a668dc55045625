#include "store/lessons.h"

#include <sqlite3.h>

#include "store/sql.h"
#include "store/store.h"

namespace store {
namespace {

using sql::Statement;

// Columns of a LessonEntry, in the order ReadEntry() expects.
constexpr const char* kEntryColumns =
    "l.id, l.title, l.category, l.summary, l.language, l.duration_ms, l.added_at, l.media_path, "
    "l.subtitle_path, l.thumbnail_path, "
    "COALESCE(p.position_ms, 0), COALESCE(p.completed, 0), COALESCE(p.views, 0), COALESCE(p.updated_at, 0)";
constexpr const char* kVisibleLessons =
    " FROM lessons l LEFT JOIN lesson_progress p ON p.lesson_id = l.id "
    "LEFT JOIN lesson_health h ON h.lesson_id = l.id "
    "WHERE h.quarantined_at IS NULL";

LessonEntry ReadEntry(const Statement& row) {
  LessonEntry entry;
  Lesson& l = entry.lesson;
  l.id = row.Text(0);
  l.title = row.Text(1);
  l.category = row.Text(2);
  l.summary = row.Text(3);
  l.language = row.Text(4);
  l.duration_ms = row.Int(5);
  l.added_at = row.Int(6);
  l.media_path = row.Text(7);
  l.subtitle_path = row.Text(8);
  l.thumbnail_path = row.Text(9);
  entry.progress.position_ms = row.Int(10);
  entry.progress.completed = row.Int(11) != 0;
  entry.progress.views = static_cast<int>(row.Int(12));
  entry.progress.updated_at = row.Int(13);
  return entry;
}

std::string ShelfQuery(Shelf shelf) {
  std::string query = std::string("SELECT ") + kEntryColumns + kVisibleLessons;
  switch (shelf) {
    case Shelf::kAll: return query + " ORDER BY l.added_at DESC, l.id LIMIT ?2";
    case Shelf::kCategory: return query + " AND l.category = ?1 ORDER BY l.added_at DESC, l.id LIMIT ?2";
    case Shelf::kContinueWatching:
      return query + " AND p.position_ms > 0 AND p.completed = 0 ORDER BY p.updated_at DESC, l.id LIMIT ?2";
    case Shelf::kMostWatched: return query + " AND p.views > 0 ORDER BY p.views DESC, l.id LIMIT ?2";
  }
  return query;
}

template <typename T, typename ReadRow>
base::Result<std::vector<T>> CollectRows(Statement& statement, ReadRow read) {
  std::vector<T> rows;
  while (true) {
    base::Result<bool> row = statement.Step();
    if (!row.ok()) return row.error();
    if (!*row) return rows;
    rows.push_back(read(statement));
  }
}

// Runs one statement with bindings made by `bind` and no result rows.
template <typename Bind>
base::Status RunOnce(sqlite3* db, const char* query, Bind bind) {
  base::Result<Statement> statement = Statement::Prepare(db, query);
  if (!statement.ok()) return statement.error();
  bind(*statement);
  return statement->Run();
}

}  // namespace

LessonLibrary::LessonLibrary(Store& store) : store_(store) {}

base::Status LessonLibrary::ReplaceCatalog(const std::vector<Lesson>& lessons) {
  sqlite3* db = store_.handle();
  base::Result<sql::Transaction> transaction = sql::Transaction::Begin(db);
  if (!transaction.ok()) return transaction.error();
  if (base::Status cleared = sql::Exec(db, "DELETE FROM lessons"); !cleared.ok()) return cleared;
  base::Result<Statement> insert = Statement::Prepare(
      db,
      "INSERT OR REPLACE INTO lessons (id, title, category, summary, language, duration_ms, added_at, "
      "media_path, subtitle_path, thumbnail_path) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  if (!insert.ok()) return insert.error();
  for (const Lesson& l : lessons) {
    insert->Reset();
    insert->Bind(1, l.id).Bind(2, l.title).Bind(3, l.category).Bind(4, l.summary).Bind(5, l.language);
    insert->Bind(6, l.duration_ms).Bind(7, l.added_at).Bind(8, l.media_path).Bind(9, l.subtitle_path);
    insert->Bind(10, l.thumbnail_path);
    if (base::Status inserted = insert->Run(); !inserted.ok()) return inserted;
  }
  return transaction->Commit();
}

base::Result<std::vector<LessonEntry>> LessonLibrary::List(Shelf shelf, const std::string& category,
                                                           int limit) const {
  base::Result<Statement> statement = Statement::Prepare(store_.handle(), ShelfQuery(shelf));
  if (!statement.ok()) return statement.error();
  if (shelf == Shelf::kCategory) statement->Bind(1, category);
  statement->Bind(2, std::int64_t{limit});
  return CollectRows<LessonEntry>(*statement, ReadEntry);
}

base::Result<std::optional<LessonEntry>> LessonLibrary::Get(const std::string& lesson_id) const {
  const std::string query = std::string("SELECT ") + kEntryColumns + kVisibleLessons + " AND l.id = ?1";
  base::Result<Statement> statement = Statement::Prepare(store_.handle(), query);
  if (!statement.ok()) return statement.error();
  statement->Bind(1, lesson_id);
  base::Result<bool> row = statement->Step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<LessonEntry>();
  return std::optional<LessonEntry>(ReadEntry(*statement));
}

base::Result<std::vector<std::pair<std::string, int>>> LessonLibrary::Categories() const {
  const std::string query =
      std::string("SELECT l.category, COUNT(*)") + kVisibleLessons + " GROUP BY l.category ORDER BY 2 DESC, 1";
  base::Result<Statement> statement = Statement::Prepare(store_.handle(), query);
  if (!statement.ok()) return statement.error();
  return CollectRows<std::pair<std::string, int>>(
      *statement, [](const Statement& row) { return std::make_pair(row.Text(0), static_cast<int>(row.Int(1))); });
}

base::Status LessonLibrary::SaveProgress(const std::string& lesson_id, std::int64_t position_ms, bool completed,
                                         std::int64_t now) {
  // completed stays set once a lesson was watched to the end.
  return RunOnce(store_.handle(),
                 "INSERT INTO lesson_progress (lesson_id, position_ms, completed, updated_at) VALUES (?1, ?2, ?3, ?4) "
                 "ON CONFLICT (lesson_id) DO UPDATE SET position_ms = excluded.position_ms, "
                 "completed = MAX(completed, excluded.completed), updated_at = excluded.updated_at",
                 [&](Statement& s) { s.Bind(1, lesson_id).Bind(2, position_ms).Bind(3, std::int64_t{completed}).Bind(4, now); });
}

base::Status LessonLibrary::AddWatchRecord(const WatchRecord& record) {
  sqlite3* db = store_.handle();
  base::Result<sql::Transaction> transaction = sql::Transaction::Begin(db);
  if (!transaction.ok()) return transaction.error();
  base::Status added = RunOnce(
      db,
      "INSERT INTO watch_records (record_id, lesson_id, started_at, seconds_watched, completed) "
      "VALUES (?1, ?2, ?3, ?4, ?5)",
      [&](Statement& s) {
        s.Bind(1, record.record_id).Bind(2, record.lesson_id).Bind(3, record.started_at);
        s.Bind(4, record.seconds_watched).Bind(5, std::int64_t{record.completed});
      });
  if (!added.ok()) return added;
  base::Status counted = RunOnce(db,
                                 "INSERT INTO lesson_progress (lesson_id, views, updated_at) VALUES (?1, 1, ?2) "
                                 "ON CONFLICT (lesson_id) DO UPDATE SET views = views + 1",
                                 [&](Statement& s) { s.Bind(1, record.lesson_id).Bind(2, record.started_at); });
  if (!counted.ok()) return counted;
  return transaction->Commit();
}

base::Result<std::vector<WatchRecord>> LessonLibrary::PendingWatchRecords(int limit) const {
  base::Result<Statement> statement = Statement::Prepare(
      store_.handle(),
      "SELECT record_id, lesson_id, started_at, seconds_watched, completed FROM watch_records "
      "WHERE uploaded_at IS NULL ORDER BY started_at, record_id LIMIT ?1");
  if (!statement.ok()) return statement.error();
  statement->Bind(1, std::int64_t{limit});
  return CollectRows<WatchRecord>(*statement, [](const Statement& row) {
    return WatchRecord{row.Text(0), row.Text(1), row.Int(2), row.Int(3), row.Int(4) != 0};
  });
}

base::Status LessonLibrary::PlaybackStarted(const std::string& lesson_id, std::int64_t now) {
  return RunOnce(store_.handle(),
                 "INSERT INTO lesson_health (lesson_id, playing_since) VALUES (?1, ?2) "
                 "ON CONFLICT (lesson_id) DO UPDATE SET playing_since = excluded.playing_since",
                 [&](Statement& s) { s.Bind(1, lesson_id).Bind(2, now); });
}

base::Status LessonLibrary::PlaybackFinished(const std::string& lesson_id) {
  return RunOnce(store_.handle(), "UPDATE lesson_health SET playing_since = NULL WHERE lesson_id = ?1",
                 [&](Statement& s) { s.Bind(1, lesson_id); });
}

base::Result<bool> LessonLibrary::PlaybackFailed(const std::string& lesson_id, const std::string& error,
                                                 std::int64_t now) {
  sqlite3* db = store_.handle();
  base::Result<sql::Transaction> transaction = sql::Transaction::Begin(db);
  if (!transaction.ok()) return transaction.error();
  base::Status counted = RunOnce(
      db,
      "INSERT INTO lesson_health (lesson_id, failures, last_error) VALUES (?1, 1, ?2) "
      "ON CONFLICT (lesson_id) DO UPDATE SET failures = failures + 1, last_error = excluded.last_error, "
      "playing_since = NULL",
      [&](Statement& s) { s.Bind(1, lesson_id).Bind(2, error); });
  if (!counted.ok()) return counted.error();
  base::Status quarantined = RunOnce(
      db,
      "UPDATE lesson_health SET quarantined_at = ?2 "
      "WHERE lesson_id = ?1 AND quarantined_at IS NULL AND failures >= ?3",
      [&](Statement& s) { s.Bind(1, lesson_id).Bind(2, now).Bind(3, std::int64_t{kQuarantineAfter}); });
  if (!quarantined.ok()) return quarantined.error();
  const bool newly_quarantined = sqlite3_changes(db) > 0;
  if (base::Status committed = transaction->Commit(); !committed.ok()) return committed.error();
  return newly_quarantined;
}

base::Result<std::vector<std::string>> LessonLibrary::RecoverInterruptedPlaybacks(std::int64_t now) {
  base::Result<Statement> statement = Statement::Prepare(
      store_.handle(), "SELECT lesson_id FROM lesson_health WHERE playing_since IS NOT NULL ORDER BY lesson_id");
  if (!statement.ok()) return statement.error();
  base::Result<std::vector<std::string>> interrupted =
      CollectRows<std::string>(*statement, [](const Statement& row) { return row.Text(0); });
  if (!interrupted.ok()) return interrupted.error();
  std::vector<std::string> quarantined;
  for (const std::string& lesson_id : *interrupted) {
    base::Result<bool> failed = PlaybackFailed(lesson_id, "the station stopped during playback", now);
    if (!failed.ok()) return failed.error();
    if (*failed) quarantined.push_back(lesson_id);
  }
  return quarantined;
}

base::Result<std::vector<QuarantinedLesson>> LessonLibrary::Quarantined() const {
  base::Result<Statement> statement = Statement::Prepare(
      store_.handle(),
      "SELECT h.lesson_id, COALESCE(l.title, ''), h.failures, h.last_error, h.quarantined_at "
      "FROM lesson_health h LEFT JOIN lessons l ON l.id = h.lesson_id "
      "WHERE h.quarantined_at IS NOT NULL ORDER BY h.quarantined_at DESC, h.lesson_id");
  if (!statement.ok()) return statement.error();
  return CollectRows<QuarantinedLesson>(*statement, [](const Statement& row) {
    return QuarantinedLesson{row.Text(0), row.Text(1), static_cast<int>(row.Int(2)), row.Text(3), row.Int(4)};
  });
}

base::Status LessonLibrary::Restore(const std::string& lesson_id) {
  return RunOnce(store_.handle(),
                 "UPDATE lesson_health SET failures = 0, quarantined_at = NULL, playing_since = NULL "
                 "WHERE lesson_id = ?1",
                 [&](Statement& s) { s.Bind(1, lesson_id); });
}

}  // namespace store
