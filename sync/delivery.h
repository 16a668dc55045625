// Delivery: the station's records going UP to the county and the events
// feed coming DOWN (docs/protocol.md). Exactly once, over any link:
//
//   HttpTransport     one HTTP exchange (libcurl in production; anything
//                     that can fail on demand in tests)
//   CountyConnection  speaks to one county server: adds the token, records
//                     X-Server-Time, and tells the county's own answers
//                     (X-Village-Protocol header + JSON marker) from
//                     anything else on the way (a captive portal's 200 page
//                     is not a delivery)
//   Delivery          one pass over what is due:
//     reports         BeginSending -> blobs (resumable) -> PUT envelope ->
//                     the county's "acknowledged" -> MarkAcknowledged;
//                     anything else -> MarkFailed(retry_at) with capped
//                     exponential backoff and jitter, never giving up;
//                     Retry-After is honoured; a refusal (409 conflict,
//                     400, 403, 413) is logged loudly, kept in
//                     sync_report_refusals and retried at the cap
//     ratings, watch records   in batches; marked uploaded only for the ids
//                     the county lists as accepted
//     health          free disk, versions, last errors
//     events          replies and status changes applied idempotently
//                     (reply ids are unique), the cursor stored after
//                     applying; ETag / If-None-Match -> 304 costs nothing
//
// Why exactly once holds: the report id is the county's idempotency key, so
// a resend after a lost answer is acknowledged again and counted once; the
// station only forgets a report (MarkAcknowledged) after the county's own
// success answer, so nothing is lost.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "sync/clock.h"
#include "sync/file_system.h"
#include "sync/sync_problem.h"
#include "sync/outbox_queue.h"
#include "sync/transfer.h"

namespace store {
class Store;
}

namespace station_sync {

// ---- Transport ---------------------------------------------------------------

struct HttpRequest {
  std::string method;  // "GET", "PUT", "POST"
  std::string url;     // absolute
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  std::optional<std::string> Header(std::string_view lower_case_name) const;
};

// One request, one answer. An error means no HTTP answer arrived (refused,
// reset, timed out, stalled below the low-speed limit): kUnavailable.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual base::Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

struct TransportLimits {
  std::int64_t connect_timeout_s = 20;
  // A transfer slower than this for low_speed_time_s is dropped (a stalled link).
  std::int64_t low_speed_bytes_per_s = 100;
  std::int64_t low_speed_time_s = 60;
  // No request may take longer (a half-open connection that never answers).
  // Upload chunks are small enough to fit at tens of kbit/s.
  std::int64_t request_timeout_s = 900;
  std::int64_t max_bytes_per_s = 0;  // bandwidth cap, both ways; 0: none
  std::string ca_file;               // for an HTTPS county with its own CA; empty: system
  // When set and true, a request under way stops soon (the station is
  // closing); the owner's flag, which must outlive the transport.
  const std::atomic<bool>* cancel = nullptr;
};

// libcurl, one handle kept alive across requests (keep-alive on a slow link).
std::unique_ptr<HttpTransport> MakeCurlTransport(const TransportLimits& limits);

// ---- The county's answers -------------------------------------------------------

// A response that is the county's own (docs/protocol.md section 1): the
// X-Village-Protocol: 1 header, and a JSON object body with the
// "protocol": "village-station/1" marker (304 has no body).
struct CountyResponse {
  int status = 0;
  std::string body;                           // JSON text ("" for 304)
  std::string error;                          // the "error" code of an error answer
  std::optional<std::int64_t> retry_after_s;  // 429 / 503
  std::optional<std::int64_t> server_time_s;  // X-Server-Time
  std::string etag;
};

// Pure: is this response the county's? kUnavailable with the reason if not
// (no protocol header, HTML, JSON without the marker). `now_s` reads an
// HTTP-date Retry-After.
base::Result<CountyResponse> ReadCountyResponse(const HttpResponse& response, std::int64_t now_s);

class CountyConnection {
 public:
  // `base_url` like "http://127.0.0.1:8080" (no trailing /v1).
  CountyConnection(HttpTransport& transport, std::string base_url, Clock& clock);

  void set_token(std::string token) { token_ = std::move(token); }
  const std::string& base_url() const { return base_url_; }

  // Sends `method path` (path starts with /v1/) with the token and JSON
  // body if any. Errors: no answer, or not the county's (kUnavailable).
  base::Result<CountyResponse> Call(const std::string& method, const std::string& path,
                                  const std::string& body = "",
                                  std::vector<std::pair<std::string, std::string>> headers = {});

  // County time minus station time at the last county answer (about 0 with
  // a StationClock, which follows the county's).
  std::optional<std::int64_t> clock_offset_s() const { return clock_offset_s_; }
  // The longest wait the county asked for (429/503 Retry-After, at least 1 s)
  // on this connection or one noted beside it: nothing more should be asked
  // of it until then.
  std::optional<std::int64_t> retry_after_s() const { return retry_after_s_; }
  void NoteRetryAfter(std::int64_t seconds) { retry_after_s_ = std::max(retry_after_s_.value_or(0), std::max<std::int64_t>(1, seconds)); }
  std::int64_t bytes_sent() const { return bytes_sent_; }

 private:
  HttpTransport& transport_;
  std::string base_url_;
  Clock& clock_;
  std::string token_;
  std::optional<std::int64_t> clock_offset_s_;
  std::optional<std::int64_t> retry_after_s_;
  std::int64_t bytes_sent_ = 0;
};

// ---- Delivery -------------------------------------------------------------------

struct DeliveryOptions {
  // docs/protocol.md section 9: base 10 s, cap 30 min (transfer.h's backoff).
  BackoffPolicy backoff{10'000, 30 * 60'000};
  std::size_t upload_chunk_bytes = 256 << 10;  // one PUT; a cut link loses at most this
  int reports_per_pass = 1000;
  int watch_records_per_batch = 500;
  std::function<double()> unit_random;    // [0, 1) for jitter; empty: libsodium
  // The transport's cancel flag (TransportLimits::cancel): a report cut
  // because it was set (a USB job, the kiosk closing) failed nothing; it is
  // due again at once and goes on from the bytes the county has.
  const std::atomic<bool>* stopped = nullptr;
};

// What a transfer is, as "<kind>" or "<kind>:<name>", for the admin area
// to say in the station's language: the kiosk's catalogs have a sentence
// "admin.sync.what.<kind>" for each kind (a test checks), with the name in it.
namespace progress {
inline constexpr std::string_view kReports = "reports";
inline constexpr std::string_view kWatchRecords = "watch_records";
inline constexpr std::string_view kLesson = "lesson";         // name: the lesson's title
inline constexpr std::string_view kUsbLesson = "usb_lesson";  // the same, from a USB stick
inline constexpr std::string_view kKinds[] = {kReports, kWatchRecords, kLesson, kUsbLesson};
std::string What(std::string_view kind, std::string_view name = {});
// {kind, name}; a `what` without a kind we know is all name.
std::pair<std::string, std::string> SplitWhat(const std::string& what);
}  // namespace progress

// Progress for the admin area: what is being sent and how far it is.
struct TransferProgress {
  std::string what;  // progress::What(...)
  std::int64_t done_bytes = 0;
  std::int64_t total_bytes = 0;
};

struct DeliveryReport {
  int reports_due = 0;
  int reports_acknowledged = 0;
  int reports_failed = 0;
  int reports_refused = 0;
  int ratings_uploaded = 0;
  int watch_records_uploaded = 0;
  int events_applied = 0;
  std::int64_t earliest_retry_after_s = 0;  // the largest Retry-After seen (0: none)
  std::vector<SyncProblem> problems;        // steps that failed, for the status
  std::string last_report_failure;          // why the last report that failed did
  bool last_report_failure_was_link = false;  // no answer, or none from the county
  int reports_failed_on_link = 0;             // of reports_failed: no answer, or none from the county
  bool AllDelivered() const { return reports_failed == 0 && reports_refused == 0 && problems.empty(); }
};

class Delivery {
 public:
  Delivery(store::Store& store, FileSystem& fs, Clock& clock, CountyConnection& county,
           std::string outbox_dir, DeliveryOptions options);

  void set_progress_listener(std::function<void(const TransferProgress&)> listener) {
    progress_ = std::move(listener);
  }

  // Every report due now, once each. Stops early when the county says to
  // wait (429/503) or the link is down: the rest stay due.
  base::Status SendDueReports(DeliveryReport& report);
  base::Status SendRatings(DeliveryReport& report);
  base::Status SendWatchRecords(DeliveryReport& report);
  // Free disk, versions, the station's recent problems. True if the county took it.
  base::Result<bool> SendHealth(const std::string& data_dir, const std::vector<std::string>& last_errors,
                                DeliveryReport& report);
  base::Status ApplyEvents(DeliveryReport& report);

  enum class Outcome { kAcknowledged, kFailed, kRefused, kWaitForCounty, kUnauthorized, kStopped };
  // One report, already in state Sending; leaves it Acknowledged or Failed.
  Outcome SendOne(const QueuedReport& report, DeliveryReport& out);

 private:
  base::Status UploadBlob(const QueuedReport& report, const SealedBlob& blob, bool ask_first,
                          std::optional<std::int64_t>& retry_after);
  std::int64_t RetryAt(int attempts, std::optional<std::int64_t> retry_after_s);

  store::Store& store_;
  FileSystem& fs_;
  Clock& clock_;
  CountyConnection& county_;
  OutboxQueue queue_;
  std::string outbox_dir_;
  DeliveryOptions options_;
  std::function<void(const TransferProgress&)> progress_;
  TransferProgress pass_;  // the reports of this pass, for the admin area
};

// Reports the county refused (409 conflict, 400 invalid_envelope, 403
// wrong_station, 413): kept, retried at the backoff's cap, and listed for
// the administrator, because only a person can tell why.
struct ReportRefusal {
  std::string report_id;
  std::string error;  // the county's error code
  std::string detail;
  std::int64_t first_at_s = 0;
  std::int64_t last_at_s = 0;
};
base::Result<std::vector<ReportRefusal>> ListReportRefusals(const store::Store& store);

}  // namespace station_sync
