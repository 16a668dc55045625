#include "sync/outbox_queue.h"

#include <sqlite3.h>

#include <cassert>

#include "base/log.h"
#include "store/sql.h"
#include "store/store.h"

namespace station_sync {
namespace {

ReportState ParseState(const std::string& text) {
  if (text == "sending") return ReportState::kSending;
  if (text == "acknowledged") return ReportState::kAcknowledged;
  if (text == "failed") return ReportState::kFailed;
  assert(text == "saved");
  return ReportState::kSaved;
}

}  // namespace

const char* ToString(ReportState state) {
  switch (state) {
    case ReportState::kSaved: return "saved";
    case ReportState::kSending: return "sending";
    case ReportState::kAcknowledged: return "acknowledged";
    case ReportState::kFailed: return "failed";
  }
  return "unknown";
}

OutboxQueue::OutboxQueue(store::Store& store, FileSystem& fs, std::string outbox_dir)
    : store_(store), fs_(fs), dir_(std::move(outbox_dir)) {}

base::Status OutboxQueue::UpdateOne(
    const std::string& report_id, const char* sql,
    const std::function<void(store::sql::Statement&)>& bind_more) {
  auto statement = store::sql::Statement::Prepare(store_.handle(), sql);
  if (!statement.ok()) return statement.error();
  statement->Bind(1, report_id);
  if (bind_more) bind_more(*statement);
  if (base::Status ran = statement->Run(); !ran.ok()) return ran;
  if (sqlite3_changes(store_.handle()) != 1) {
    return base::MakeError(base::ErrorCode::kNotFound, "no report " + report_id +
                                                           " in a state that allows this");
  }
  return base::Ok();
}

base::Status OutboxQueue::RecoverInterrupted(std::int64_t now_s) {
  auto statement = store::sql::Statement::Prepare(
      store_.handle(),
      "UPDATE reports SET status = 'failed', retry_at = ?1, "
      "last_error = 'interrupted while sending' WHERE status = 'sending'");
  if (!statement.ok()) return statement.error();
  statement->Bind(1, now_s);
  return statement->Run();
}

base::Result<QueuedReport> OutboxQueue::Get(const std::string& report_id) {
  auto report = store::sql::Statement::Prepare(
      store_.handle(),
      "SELECT status, attempts, envelope_sha256 FROM reports WHERE report_id = ?1");
  if (!report.ok()) return report.error();
  report->Bind(1, report_id);
  base::Result<bool> row = report->Step();
  if (!row.ok()) return row.error();
  if (!*row) return base::MakeError(base::ErrorCode::kNotFound, "no report " + report_id);
  QueuedReport queued;
  queued.report_id = report_id;
  queued.state = ParseState(report->Text(0));
  queued.attempts = static_cast<int>(report->Int(1));
  queued.envelope_sha256 = report->Text(2);
  queued.directory = dir_ + "/" + report_id;
  auto blobs = store::sql::Statement::Prepare(
      store_.handle(),
      "SELECT sha256, size_bytes FROM report_blobs WHERE report_id = ?1 ORDER BY blob_index");
  if (!blobs.ok()) return blobs.error();
  blobs->Bind(1, report_id);
  for (;;) {
    base::Result<bool> next = blobs->Step();
    if (!next.ok()) return next.error();
    if (!*next) break;
    queued.blobs.push_back({blobs->Text(0), static_cast<std::uint64_t>(blobs->Int(1))});
  }
  return queued;
}

base::Result<std::vector<QueuedReport>> OutboxQueue::DueForSending(std::int64_t now_s,
                                                                   int limit) {
  auto statement = store::sql::Statement::Prepare(
      store_.handle(),
      "SELECT report_id FROM reports WHERE status = 'saved' "
      "OR (status = 'failed' AND (retry_at <= ?1 OR retry_at > ?1 + ?3)) ORDER BY saved_at, report_id LIMIT ?2");
  if (!statement.ok()) return statement.error();
  statement->Bind(1, now_s).Bind(2, std::int64_t{limit}).Bind(3, kLongestPlannedWaitS);
  std::vector<std::string> ids;
  for (;;) {
    base::Result<bool> row = statement->Step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    ids.push_back(statement->Text(0));
  }
  std::vector<QueuedReport> due;
  for (const std::string& id : ids) {
    base::Result<QueuedReport> report = Get(id);
    if (!report.ok()) return report.error();
    due.push_back(std::move(report).value());
  }
  return due;
}

base::Status OutboxQueue::BeginSending(const std::string& report_id) {
  return UpdateOne(report_id,
                   "UPDATE reports SET status = 'sending', attempts = attempts + 1 "
                   "WHERE report_id = ?1 AND status IN ('saved', 'failed')",
                   nullptr);
}

base::Status OutboxQueue::MarkFailed(const std::string& report_id, std::int64_t retry_at_s,
                                     std::string_view error) {
  return UpdateOne(report_id,
                   "UPDATE reports SET status = 'failed', retry_at = ?2, last_error = ?3 "
                   "WHERE report_id = ?1 AND status = 'sending'",
                   [&](store::sql::Statement& s) { s.Bind(2, retry_at_s).Bind(3, error); });
}

base::Status OutboxQueue::MarkAcknowledged(const std::string& report_id, std::int64_t at_s) {
  // The row first, durably: a crash before the files are removed leaves
  // them to Outbox::Open(), which prunes acknowledged reports.
  base::Status marked = UpdateOne(
      report_id,
      "UPDATE reports SET status = 'acknowledged', delivered_at = ?2, retry_at = NULL, "
      "last_error = '' WHERE report_id = ?1 AND status != 'acknowledged'",
      [&](store::sql::Statement& s) { s.Bind(2, at_s); });
  if (!marked.ok()) return marked;
  const std::string dir = dir_ + "/" + report_id;
  if (base::Status removed = RemoveTree(fs_, dir); !removed.ok()) {
    base::LogWarn("outbox", "acknowledged report's files stay until next start: " +
                                removed.error().message);
    return base::Ok();
  }
  (void)fs_.SyncDirectory(dir_);
  return base::Ok();
}

base::Status OutboxQueue::RecordReply(const std::string& report_id, const std::string& reply_id,
                                      std::int64_t replied_at_s, std::string_view text,
                                      std::int64_t received_at_s) {
  auto statement = store::sql::Statement::Prepare(
      store_.handle(),
      "INSERT INTO report_replies (report_id, reply_id, replied_at, received_at, text) "
      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING");
  if (!statement.ok()) return statement.error();
  statement->Bind(1, report_id).Bind(2, reply_id).Bind(3, replied_at_s).Bind(4, received_at_s);
  statement->Bind(5, text);
  return statement->Run();
}

base::Status OutboxQueue::RecordResolved(const std::string& report_id,
                                         std::int64_t resolved_at_s) {
  return UpdateOne(report_id,
                   "UPDATE reports SET resolved_at = ?2 WHERE report_id = ?1",
                   [&](store::sql::Statement& s) { s.Bind(2, resolved_at_s); });
}

base::Result<std::vector<OutboxQueue::Rating>> OutboxQueue::RatingsToUpload() {
  auto statement = store::sql::Statement::Prepare(
      store_.handle(),
      "SELECT report_id, faces, rated_at FROM report_ratings WHERE uploaded_at IS NULL "
      "ORDER BY rated_at, report_id");
  if (!statement.ok()) return statement.error();
  std::vector<Rating> ratings;
  for (;;) {
    base::Result<bool> row = statement->Step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    ratings.push_back({statement->Text(0), static_cast<int>(statement->Int(1)),
                       statement->Int(2)});
  }
  return ratings;
}

base::Status OutboxQueue::MarkRatingUploaded(const std::string& report_id, std::int64_t at_s) {
  return UpdateOne(report_id,
                   "UPDATE report_ratings SET uploaded_at = ?2 "
                   "WHERE report_id = ?1 AND uploaded_at IS NULL",
                   [&](store::sql::Statement& s) { s.Bind(2, at_s); });
}

}  // namespace station_sync
