// OutboxQueue: the sending side of the outbox, for kiosk-sync (issue 5).
// Each report row moves through this state machine; the function named on
// an arrow performs that transition, and the table's trigger refuses any
// other (store/migrations/0003_reports.sql).
//
//              Finalise()            BeginSending()            MarkAcknowledged()
//     (draft) ───────────▶ Saved ─────────────────▶ Sending ──────────────────▶ Acknowledged
//                                                   │    ▲                       (files pruned,
//                          MarkFailed(retry_at),    │    │ BeginSending(),        row kept for
//                          RecoverInterrupted()     ▼    │ once retry_at passed   "check my
//                                              Failed(retry_at)                   report")
//
//   - Any unacknowledged state may go straight to Acknowledged: the county's
//     receipt can arrive late (a lost response, then a later listing).
//   - Acknowledged is final. Only then do the report's files leave the
//     outbox; the row, the ticket and the timeline stay.
//   - Sending at start-up means the sender died mid-send: RecoverInterrupted()
//     makes it Failed(retry now). The county takes a report twice and keeps
//     it once (the report id), so resending is always safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "sync/file_system.h"
#include "sync/seal.h"

namespace store {
class Store;
namespace sql {
class Statement;
}
}  // namespace store

namespace station_sync {

// No wait the station plans is longer (a day's interval, then a day to the
// sync window's opening): a time planned further ahead than this was
// planned by a clock that has since gone back (a box without a clock
// battery after a power cut), and has come.
inline constexpr std::int64_t kLongestPlannedWaitS = 2 * 24 * 3600 + 3600;

enum class ReportState { kSaved, kSending, kAcknowledged, kFailed };
const char* ToString(ReportState state);

struct QueuedReport {
  std::string report_id;
  ReportState state = ReportState::kSaved;
  int attempts = 0;
  std::string directory;          // <outbox>/<report_id>: "envelope" and the blobs
  std::string envelope_sha256;
  std::vector<SealedBlob> blobs;  // [0] the body; file name = sha256_hex
};

class OutboxQueue {
 public:
  OutboxQueue(store::Store& store, FileSystem& fs, std::string outbox_dir);

  base::Status RecoverInterrupted(std::int64_t now_s);
  // Saved reports, and failed ones whose retry time has come (or lies
  // beyond kLongestPlannedWaitS: the clock went back), oldest first.
  base::Result<std::vector<QueuedReport>> DueForSending(std::int64_t now_s, int limit);
  base::Result<QueuedReport> Get(const std::string& report_id);

  base::Status BeginSending(const std::string& report_id);
  base::Status MarkFailed(const std::string& report_id, std::int64_t retry_at_s,
                          std::string_view error);
  base::Status MarkAcknowledged(const std::string& report_id, std::int64_t at_s);

  // What the county sends back (idempotent: a reply synced twice is kept once).
  base::Status RecordReply(const std::string& report_id, const std::string& reply_id,
                           std::int64_t replied_at_s, std::string_view text,
                           std::int64_t received_at_s);
  base::Status RecordResolved(const std::string& report_id, std::int64_t resolved_at_s);

  struct Rating {
    std::string report_id;
    int faces = 0;
    std::int64_t rated_at_s = 0;
  };
  base::Result<std::vector<Rating>> RatingsToUpload();
  base::Status MarkRatingUploaded(const std::string& report_id, std::int64_t at_s);

 private:
  // Runs an UPDATE whose ?1 is the report id; kNotFound if no row changed.
  base::Status UpdateOne(const std::string& report_id, const char* sql,
                         const std::function<void(store::sql::Statement&)>& bind_more);
  store::Store& store_;
  FileSystem& fs_;
  std::string dir_;
};

}  // namespace station_sync
