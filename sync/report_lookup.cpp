#include "sync/report_lookup.h"

#include "store/sql.h"
#include "store/store.h"
#include "sync/ticket_code.h"

namespace station_sync {
namespace {

std::optional<std::int64_t> OptionalInt(const store::sql::Statement& s, int column) {
  if (s.IsNull(column)) return std::nullopt;
  return s.Int(column);
}

}  // namespace

base::Result<ReportStatusView> CheckReport(const store::Store& store, std::string_view typed_code,
                                           std::int64_t now_s) {
  base::Result<std::string> code = NormaliseTicketCode(typed_code);
  if (!code.ok()) return code.error();
  auto report = store::sql::Statement::Prepare(
      store.handle(),
      "SELECT r.report_id, r.saved_at, r.delivered_at, r.resolved_at, r.reply_due_at, "
      "r.resolve_due_at, (SELECT min(replied_at) FROM report_replies p "
      "WHERE p.report_id = r.report_id), g.faces, g.uploaded_at "
      "FROM reports r LEFT JOIN report_ratings g USING (report_id) WHERE r.ticket_code = ?1");
  if (!report.ok()) return report.error();
  report->Bind(1, *code);
  base::Result<bool> row = report->Step();
  if (!row.ok()) return row.error();
  if (!*row) {
    return base::MakeError(base::ErrorCode::kNotFound, "no report with ticket code " + *code);
  }
  ReportStatusView view;
  view.report_id = report->Text(0);
  view.ticket_code = *code;
  ReportFacts facts;
  facts.saved_at_s = report->Int(1);
  facts.delivered_at_s = OptionalInt(*report, 2);
  facts.resolved_at_s = OptionalInt(*report, 3);
  facts.due.reply_due_s = OptionalInt(*report, 4);
  facts.due.resolve_due_s = OptionalInt(*report, 5);
  facts.first_reply_at_s = OptionalInt(*report, 6);
  if (!report->IsNull(7)) view.rating = static_cast<int>(report->Int(7));
  view.can_rate = facts.resolved_at_s.has_value() && report->IsNull(8);
  view.timeline = BuildTimeline(facts, now_s);

  auto replies = store::sql::Statement::Prepare(
      store.handle(),
      "SELECT reply_id, replied_at, text FROM report_replies WHERE report_id = ?1 "
      "ORDER BY replied_at, received_at, reply_id");
  if (!replies.ok()) return replies.error();
  replies->Bind(1, view.report_id);
  for (;;) {
    base::Result<bool> next = replies->Step();
    if (!next.ok()) return next.error();
    if (!*next) break;
    view.replies.push_back({replies->Text(0), replies->Int(1), replies->Text(2)});
  }
  return view;
}

base::Status RateReport(store::Store& store, std::string_view ticket_code, int faces,
                        std::int64_t now_s) {
  if (faces < 1 || faces > 5) {
    return base::MakeError(base::ErrorCode::kInvalidInput, "a rating is 1 to 5 faces");
  }
  base::Result<ReportStatusView> view = CheckReport(store, ticket_code, now_s);
  if (!view.ok()) return view.error();
  if (!view->timeline.steps.back().done) {
    return base::MakeError(base::ErrorCode::kInvalidInput, "the report is not resolved yet");
  }
  if (!view->can_rate) {
    return base::MakeError(base::ErrorCode::kLocked, "the rating was already sent");
  }
  auto upsert = store::sql::Statement::Prepare(
      store.handle(),
      "INSERT INTO report_ratings (report_id, faces, rated_at) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (report_id) DO UPDATE SET faces = excluded.faces, rated_at = excluded.rated_at "
      "WHERE report_ratings.uploaded_at IS NULL");
  if (!upsert.ok()) return upsert.error();
  upsert->Bind(1, view->report_id).Bind(2, std::int64_t{faces}).Bind(3, now_s);
  return upsert->Run();
}

}  // namespace station_sync
