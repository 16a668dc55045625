// SyncEngine: one sync round with the county, and when the next one is due.
// Runs in a thread of the kiosk or as the `kiosk-sync` process; both share
// the store, and only one engine runs at a time (<data>/sync.lock).
//
// A round, in order (each step's failure is recorded and the next still
// runs where it can, so a county that refuses health reports still gets
// the reports):
//   1. enrol if a code was given and the station is not enrolled
//   2. reports up (exactly once; see delivery.h), ratings, watch records
//   3. events down (replies, resolved), then station health
//   4. content down (the content_down hook: catalog and blobs)
//   5. the status row for the admin area, the next round's time
//
// Scheduling is pure and separate from I/O (below, and the backoff in
// transfer.h): the sync window ("22:00-06:00", station local time),
// and which reports are stuck (undelivered for a day).
//
// Settings read (store settings table):
//   sync.county_server          base URL, e.g. "https://county.example:8443"
//   sync.window                 "HH:MM-HH:MM" local; empty or absent: any time
//   sync.max_bytes_per_second   bandwidth cap; 0 or absent: none
//   sync.interval_minutes       between rounds when nothing failed (default 15)
//   station.utc_offset_minutes  for the window (default 480)
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "sync/clock.h"
#include "sync/delivery.h"
#include "sync/enrolment.h"
#include "sync/file_system.h"
#include "sync/sync_problem.h"

namespace store {
class Store;
}

namespace station_sync {

// ---- Pure scheduling -------------------------------------------------------------

// Backoff with jitter is transfer.h's (BackoffDelayMs, NextTryDelayMs).

// Local minutes of the day [start, end); start > end wraps midnight;
// start == end: always open.
struct SyncWindow {
  int start_minute = 0;
  int end_minute = 0;
  bool always() const { return start_minute == end_minute; }
};

// "22:00-06:00" (empty: always). kInvalidInput otherwise.
base::Result<SyncWindow> ParseSyncWindow(std::string_view text);
bool InSyncWindow(const SyncWindow& window, std::int64_t now_s, int utc_offset_minutes);
// now_s if the window is open, else when it next opens.
std::int64_t NextWindowOpen(const SyncWindow& window, std::int64_t now_s, int utc_offset_minutes);
// When the window open at `now_s` closes; nullopt if it never does (no
// window) or is not open now.
std::optional<std::int64_t> WindowCloses(const SyncWindow& window, std::int64_t now_s, int utc_offset_minutes);

inline constexpr std::int64_t kStuckAfterSeconds = 24 * 3600;

struct UndeliveredReport {
  std::string report_id;
  std::string ticket_code;
  std::int64_t saved_at_s = 0;
  int attempts = 0;
  std::string last_error;
  std::optional<std::int64_t> retry_at_s;
};

// Those saved more than `after_s` ago (by the station clock). A station
// clock that jumped backwards makes a report look young, never stuck
// forever; one that jumped ahead flags early, which is the safe side.
std::vector<UndeliveredReport> StuckReports(const std::vector<UndeliveredReport>& undelivered,
                                            std::int64_t now_s,
                                            std::int64_t after_s = kStuckAfterSeconds);

// ---- USB sticks at the station ---------------------------------------------------

// The administrator's two things to do with a stick: bring the county's
// lessons from it (package_import.h) or carry the outbox to the county on it.
enum class UsbJob { kImportPackage, kExportOutbox };

struct OutboxExport {
  int reports = 0;
  int ratings = 0;
  int watch_records = 0;
};

struct UsbJobResult {
  UsbJob job = UsbJob::kImportPackage;
  std::string stick_dir;
  std::int64_t finished_at_s = 0;
  std::string error;       // empty: it worked; else English, as logged
  std::string error_code;  // then one of sync_problem.h's kUsb* codes, for the admin area
  // kImportPackage
  std::int64_t catalog_version = 0;
  int blobs_copied = 0;
  int blobs_missing = 0;
  int lessons_offered = 0;
  // kExportOutbox
  OutboxExport exported;
};

// Asks the running engine (in the kiosk or kiosk-sync) to do `job` with the
// stick at `stick_dir` within a second, between rounds; the outcome shows
// in SyncStatus::usb_last. One job waits at a time (a new one replaces it).
base::Status RequestUsbJob(store::Store& store, UsbJob job, const std::string& stick_dir);

// ---- Status for the admin area ---------------------------------------------------

struct SyncStatus {
  bool enrolled = false;
  std::string station_id;
  std::string county_server;
  // The transfer under way (or the last one): what, bytes, rate, time left.
  std::string what;
  std::int64_t done_bytes = 0;
  std::int64_t total_bytes = 0;
  std::int64_t rate_bytes_per_s = 0;
  std::optional<std::int64_t> seconds_left;
  std::optional<std::int64_t> progress_at_s;
  std::string last_error;                 // English, as logged
  std::vector<SyncProblem> last_problems;  // the same, for the admin area to say in its language
  std::optional<std::int64_t> last_error_at_s;
  std::optional<std::int64_t> last_round_at_s;
  std::optional<std::int64_t> last_success_at_s;
  std::optional<std::int64_t> next_try_at_s;
  int round_failures = 0;
  std::optional<std::int64_t> clock_offset_s;  // county - station
  int undelivered_count = 0;
  std::vector<UndeliveredReport> stuck;        // undelivered for more than a day
  std::vector<ReportRefusal> refused;     // the county refused them: needs a person
  int pending_ratings = 0;
  int pending_watch_records = 0;
  bool sync_now_pending = false;   // asked for, the engine has not started it yet
  bool enrolment_pending = false;  // a code waits for the next round
  std::optional<UsbJob> usb_pending;   // asked for, not finished yet
  std::string usb_pending_stick;
  std::optional<UsbJobResult> usb_last;  // the last USB job's outcome
};

base::Result<SyncStatus> ReadSyncStatus(const store::Store& store, std::int64_t now_s);

// The station's local time's offset from UTC (setting
// station.utc_offset_minutes, default +8 h): for the sync window and the
// times the kiosk shows.
int StationUtcOffsetMinutes(const store::Store& store);

// The admin's "sync now": the running engine starts a round within a
// second, even outside the sync window.
base::Status RequestSyncNow(store::Store& store);
// An enrolment code typed at the station: the running engine enrols with it
// within a second (again, if already enrolled), then forgets it. The outcome
// shows in the status: enrolled, or last_error "enrolment: ...".
base::Status RequestEnrolment(store::Store& store, const std::string& code);

// ---- The engine ------------------------------------------------------------------

struct SyncOptions {
  std::string data_dir;
  std::string server_url;      // overrides sync.county_server when not empty
  std::string enrolment_code;  // enrol with it when not enrolled yet
  std::string station_name;    // sent at enrolment (default: setting station.name)
  DeliveryOptions delivery;
  BackoffPolicy round_backoff{10'000, 30 * 60'000};
  TransportLimits transport;   // 0 / empty: max_bytes_per_s from sync.max_bytes_per_second, ca_file from sync.ca_file
  // Step 4. Runs with the connection the round opened; its error is
  // recorded like the others. Empty: content_sync.h's ContentSync with the
  // content key pinned at enrolment, unless skip_content.
  std::function<base::Status(CountyConnection&)> content_down;
  bool skip_content = false;
  // A download records its durable length this often (and every 32 MiB):
  // a power cut loses at most this much of a slow link's work.
  std::int64_t content_checkpoint_interval_ms = 10'000;
  // Tests: a transport of their own (empty: libcurl).
  std::function<std::unique_ptr<HttpTransport>(const TransportLimits&)> make_transport;
  // Called on the engine's thread when the status row changed (progress,
  // a round's end) and lessons may have been installed: the kiosk looks.
  std::function<void()> on_status_changed;
};

struct RoundResult {
  bool ran = false;               // false: not enrolled, no server, or another engine holds the lock
  bool everything_delivered = false;  // every due report acknowledged, every step succeeded
  DeliveryReport delivery;
  std::vector<SyncProblem> problems;  // the round's own (delivery's are in `delivery`)
  std::int64_t retry_after_s = 0;  // the longest wait the county asked for in the round (0: none)
  std::int64_t next_round_at_s = 0;
  // A USB job was asked for during the round: its transfers stopped where
  // they were, it is not a failed round, and the next one starts after the job.
  bool paused_for_usb = false;
  // A round RunUntil started by itself ran to the sync window's end: its
  // transfers stopped where they were, and it goes on when the window opens.
  bool stopped_at_window_end = false;
};

class SyncEngine {
 public:
  SyncEngine(store::Store& store, FileSystem& fs, Clock& clock, SyncOptions options);
  ~SyncEngine();

  // One round now (the window is not consulted: `kiosk-sync --once`, the
  // admin's "sync now"). kLocked if another engine is running. With
  // `until_window_end`, the round stops when the sync window closes (the
  // rounds RunUntil starts by itself: nights only means nights only).
  base::Result<RoundResult> RunRound(bool until_window_end = false);

  // Rounds until `stop` is set or RequestStop(), sleeping between them (in
  // steps of at most a second), inside the window only unless "sync now".
  void RunUntil(const std::atomic<bool>& stop);

  // From any thread: the transfer under way stops soon (its partial file
  // kept for the next time) and RunUntil returns. For a kiosk closing.
  void RequestStop();

  // Enrols now with `code` (again, if already enrolled: e.g. the station
  // moved to another county), under the engine lock.
  base::Result<Enrolment> Enrol(const std::string& code);

  // Does `job` with the stick now, under the engine lock (kLocked if another
  // engine holds it), and records the outcome for the admin area. The
  // result's `error` says what went wrong with the stick or its package;
  // the Result's error is only the lock's.
  base::Result<UsbJobResult> RunUsbJob(UsbJob job, const std::string& stick_dir);

  // When the next round should start after `last`, the `round_failures`th
  // failed round in a row (0: it succeeded): backoff or the interval,
  // pulled forward by a report's retry time, pushed into the sync window.
  std::int64_t NextRoundAt(const RoundResult& last, std::int64_t now_s, int round_failures) const;

 private:
  base::Result<Enrolment> EnrolLocked(CountyConnection& county);
  base::Status ContentDown(CountyConnection& county);
  std::optional<SyncProblem> ExpiredContent();
  base::Status SendHealth(Delivery& delivery, DeliveryReport& out);
  // options_.transport, with the station settings' bandwidth cap and CA file where it sets none.
  TransportLimits Limits() const;
  bool InWindowNow(std::int64_t now_s) const;
  base::Status RunSteps(CountyConnection& county, RoundResult& result);
  base::Status SaveRoundState(const RoundResult& result, const CountyConnection* county);

  base::Result<RoundResult> RunRoundLocked();
  UsbJobResult RunUsbJobLocked(UsbJob job, const std::string& stick_dir);
  // A job the admin area asked for (RequestUsbJob), if any: done now.
  void RunRequestedUsbJob();
  void NotifyStatusChanged() const;

  store::Store& store_;
  FileSystem& fs_;
  Clock& clock_;
  SyncOptions options_;
  std::atomic<bool> stopping_{false};
  // Stops the round's transfers: set by RequestStop(), and by a USB job
  // asked for during the round (then paused_for_usb_ too).
  std::atomic<bool> round_cancel_{false};
  std::atomic<bool> paused_for_usb_{false};
  std::atomic<bool> window_ended_{false};  // the round's sync window closed (RunRound(true))
};

// ---- Sneakernet -----------------------------------------------------------------

// Copies every undelivered report (envelope and blobs), pending ratings and
// watch records (signed with the station's key) to
// <stick>/village-station/outbox/<station_id>/ (docs/protocol.md section 7).
// Idempotent: writing again replaces the same files, and the county counts a
// report carried both ways once. Nothing is marked delivered: only the
// county's answer does that.
base::Result<OutboxExport> ExportOutbox(store::Store& store, FileSystem& fs, const std::string& data_dir,
                                        const std::string& stick_dir);

}  // namespace station_sync
