// SyncEngine: the round, the schedule and the status (see sync_engine.h).
// Pure scheduling first, then the status read by the admin area, then the
// engine, then the USB export.

#include "sync/sync_engine.h"

#include <sodium.h>
#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/log.h"
#include "store/sql.h"
#include "store/store.h"
#include "sync/clock.h"
#include "sync/content_sync.h"
#include "sync/enrolment.h"
#include "sync/minisign.h"
#include "sync/outbox_queue.h"
#include "sync/package_import.h"

namespace station_sync {
namespace {

constexpr std::int64_t kDaySeconds = 24 * 3600;

std::optional<int> ParseClock(std::string_view text) {  // "HH:MM" -> minutes
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  int hours = 0;
  int minutes = 0;
  if (std::from_chars(text.data(), text.data() + 2, hours).ptr != text.data() + 2) return std::nullopt;
  if (std::from_chars(text.data() + 3, text.data() + 5, minutes).ptr != text.data() + 5) return std::nullopt;
  if (hours < 0 || hours > 24 || minutes < 0 || minutes > 59 || (hours == 24 && minutes != 0)) {
    return std::nullopt;
  }
  return (hours * 60 + minutes) % (24 * 60);
}

int LocalMinuteOfDay(std::int64_t now_s, int utc_offset_minutes) {
  const std::int64_t local_s = now_s + std::int64_t{utc_offset_minutes} * 60;
  return static_cast<int>(((local_s % kDaySeconds) + kDaySeconds) % kDaySeconds / 60);
}

int SettingInt(const store::Store& store, std::string_view key, int fallback, int low, int high) {
  const std::optional<std::string> text = store.GetSetting(key);
  int value = 0;
  if (!text) return fallback;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < low || value > high) {
    return fallback;
  }
  return value;
}

std::optional<std::int64_t> OptionalInt(const store::sql::Statement& s, int column) {
  if (s.IsNull(column)) return std::nullopt;
  return s.Int(column);
}

double UnitRandom() { return randombytes_uniform(1'000'000) / 1e6; }

}  // namespace

// ---- Pure scheduling -------------------------------------------------------------------

base::Result<SyncWindow> ParseSyncWindow(std::string_view text) {
  if (text.empty()) return SyncWindow{};
  const std::size_t dash = text.find('-');
  const std::optional<int> start = dash == std::string_view::npos ? std::nullopt : ParseClock(text.substr(0, dash));
  const std::optional<int> end = dash == std::string_view::npos ? std::nullopt : ParseClock(text.substr(dash + 1));
  if (!start || !end) {
    return base::MakeError(base::ErrorCode::kInvalidInput,
                           "sync window \"" + std::string(text) + "\" is not like 22:00-06:00");
  }
  return SyncWindow{*start, *end};
}

bool InSyncWindow(const SyncWindow& window, std::int64_t now_s, int utc_offset_minutes) {
  if (window.always()) return true;
  const int minute = LocalMinuteOfDay(now_s, utc_offset_minutes);
  if (window.start_minute < window.end_minute) {
    return minute >= window.start_minute && minute < window.end_minute;
  }
  return minute >= window.start_minute || minute < window.end_minute;  // wraps midnight
}

std::int64_t NextWindowOpen(const SyncWindow& window, std::int64_t now_s, int utc_offset_minutes) {
  if (InSyncWindow(window, now_s, utc_offset_minutes)) return now_s;
  const int minute = LocalMinuteOfDay(now_s, utc_offset_minutes);
  const std::int64_t into_minute_s =
      ((now_s + std::int64_t{utc_offset_minutes} * 60) % 60 + 60) % 60;
  const int wait_minutes = (window.start_minute - minute + 24 * 60) % (24 * 60);
  return now_s - into_minute_s + std::int64_t{wait_minutes} * 60;
}

std::optional<std::int64_t> WindowCloses(const SyncWindow& window, std::int64_t now_s, int utc_offset_minutes) {
  if (window.always() || !InSyncWindow(window, now_s, utc_offset_minutes)) return std::nullopt;
  const int minute = LocalMinuteOfDay(now_s, utc_offset_minutes);
  const std::int64_t into_minute_s = ((now_s + std::int64_t{utc_offset_minutes} * 60) % 60 + 60) % 60;
  const int left_minutes = (window.end_minute - minute + 24 * 60) % (24 * 60);
  return now_s - into_minute_s + std::int64_t{left_minutes} * 60;
}

std::vector<UndeliveredReport> StuckReports(const std::vector<UndeliveredReport>& undelivered,
                                            std::int64_t now_s, std::int64_t after_s) {
  std::vector<UndeliveredReport> stuck;
  for (const UndeliveredReport& r : undelivered) {
    if (now_s - r.saved_at_s > after_s) stuck.push_back(r);
  }
  return stuck;
}

// ---- Status ------------------------------------------------------------------------------

namespace {

base::Result<std::vector<UndeliveredReport>> Undelivered(const store::Store& store) {
  auto statement = store::sql::Statement::Prepare(
      store.handle(),
      "SELECT report_id, ticket_code, saved_at, attempts, last_error, retry_at FROM reports "
      "WHERE status != 'acknowledged' ORDER BY saved_at, report_id");
  if (!statement.ok()) return statement.error();
  std::vector<UndeliveredReport> reports;
  for (;;) {
    base::Result<bool> row = statement->Step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    reports.push_back({statement->Text(0), statement->Text(1), statement->Int(2),
                       static_cast<int>(statement->Int(3)), statement->Text(4),
                       OptionalInt(*statement, 5)});
  }
  return reports;
}

base::Result<int> Count(const store::Store& store, const char* sql) {
  auto statement = store::sql::Statement::Prepare(store.handle(), sql);
  if (!statement.ok()) return statement.error();
  base::Result<bool> row = statement->Step();
  if (!row.ok()) return row.error();
  return *row ? static_cast<int>(statement->Int(0)) : 0;
}

// USB jobs travel through two settings: the request and the last outcome.
constexpr const char* kUsbRequestSetting = "sync.usb_request";
constexpr const char* kUsbLastSetting = "sync.usb_last";

const char* UsbJobName(UsbJob job) { return job == UsbJob::kExportOutbox ? "export" : "import"; }

std::optional<UsbJob> ParseUsbJob(const std::string& name) {
  if (name == "import") return UsbJob::kImportPackage;
  if (name == "export") return UsbJob::kExportOutbox;
  return std::nullopt;
}

std::string UsbResultJson(const UsbJobResult& r) {
  return nlohmann::json{{"job", UsbJobName(r.job)},
                        {"stick", r.stick_dir},
                        {"finished_at", r.finished_at_s},
                        {"error", r.error},
                        {"error_code", r.error_code},
                        {"catalog_version", r.catalog_version},
                        {"blobs_copied", r.blobs_copied},
                        {"blobs_missing", r.blobs_missing},
                        {"lessons_offered", r.lessons_offered},
                        {"reports", r.exported.reports},
                        {"ratings", r.exported.ratings},
                        {"watch_records", r.exported.watch_records}}
      .dump();
}

std::optional<UsbJobResult> ParseUsbResult(const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  const std::optional<UsbJob> job = ParseUsbJob(j.value("job", ""));
  if (!job) return std::nullopt;
  UsbJobResult r;
  r.job = *job;
  r.stick_dir = j.value("stick", "");
  r.finished_at_s = j.value("finished_at", std::int64_t{0});
  r.error = j.value("error", "");
  r.error_code = j.value("error_code", "");
  r.catalog_version = j.value("catalog_version", std::int64_t{0});
  r.blobs_copied = j.value("blobs_copied", 0);
  r.blobs_missing = j.value("blobs_missing", 0);
  r.lessons_offered = j.value("lessons_offered", 0);
  r.exported = {j.value("reports", 0), j.value("ratings", 0), j.value("watch_records", 0)};
  return r;
}

struct UsbRequest {
  UsbJob job;
  std::string stick_dir;
};

std::optional<UsbRequest> ParseUsbRequest(const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  const std::optional<UsbJob> job = ParseUsbJob(j.value("job", ""));
  const std::string stick = j.value("stick", "");
  if (!job || stick.empty()) return std::nullopt;
  return UsbRequest{*job, stick};
}

std::optional<UsbRequest> ReadUsbRequest(const store::Store& store) {
  return ParseUsbRequest(store.GetSetting(kUsbRequestSetting).value_or(""));
}

}  // namespace

base::Status RequestUsbJob(store::Store& store, UsbJob job, const std::string& stick_dir) {
  if (stick_dir.empty()) return base::MakeError(base::ErrorCode::kInvalidInput, "no USB stick given");
  return store.SetSetting(kUsbRequestSetting, nlohmann::json{{"job", UsbJobName(job)}, {"stick", stick_dir}}.dump());
}

base::Result<SyncStatus> ReadSyncStatus(const store::Store& store, std::int64_t now_s) {
  SyncStatus status;
  base::Result<std::optional<Enrolment>> enrolment = LoadEnrolment(store);
  if (!enrolment.ok()) return enrolment.error();
  if (*enrolment) {
    status.enrolled = true;
    status.station_id = (*enrolment)->station_id;
  }
  status.county_server = store.GetSetting("sync.county_server").value_or("");
  auto state = store::sql::Statement::Prepare(
      store.handle(),
      "SELECT progress_what, progress_done_bytes, progress_total_bytes, progress_rate_bytes_per_s, "
      "progress_at, last_error, last_error_at, last_round_at, last_success_at, next_round_at, "
      "round_failures, clock_offset_s, sync_now_requested, enrolment_code, last_error_problems "
      "FROM sync_state WHERE id = 1");
  if (!state.ok()) return state.error();
  base::Result<bool> row = state->Step();
  if (!row.ok()) return row.error();
  if (*row) {
    status.what = state->Text(0);
    status.done_bytes = state->Int(1);
    status.total_bytes = state->Int(2);
    status.rate_bytes_per_s = state->Int(3);
    status.progress_at_s = OptionalInt(*state, 4);
    status.last_error = state->Text(5);
    status.last_error_at_s = OptionalInt(*state, 6);
    status.last_round_at_s = OptionalInt(*state, 7);
    status.last_success_at_s = OptionalInt(*state, 8);
    status.next_try_at_s = OptionalInt(*state, 9);
    status.round_failures = static_cast<int>(state->Int(10));
    status.clock_offset_s = OptionalInt(*state, 11);
    status.sync_now_pending = state->Int(12) != 0;
    status.enrolment_pending = !state->Text(13).empty();
    status.last_problems = ParseProblems(state->Text(14));
    if (status.rate_bytes_per_s > 0 && status.total_bytes >= status.done_bytes) {
      status.seconds_left = (status.total_bytes - status.done_bytes) / status.rate_bytes_per_s;
    }
  }
  base::Result<std::vector<UndeliveredReport>> undelivered = Undelivered(store);
  if (!undelivered.ok()) return undelivered.error();
  status.undelivered_count = static_cast<int>(undelivered->size());
  status.stuck = StuckReports(*undelivered, now_s);
  base::Result<std::vector<ReportRefusal>> refused = ListReportRefusals(store);
  if (!refused.ok()) return refused.error();
  status.refused = std::move(refused).value();
  base::Result<int> ratings = Count(store, "SELECT COUNT(*) FROM report_ratings WHERE uploaded_at IS NULL");
  if (!ratings.ok()) return ratings.error();
  status.pending_ratings = *ratings;
  base::Result<int> watch = Count(store, "SELECT COUNT(*) FROM watch_records WHERE uploaded_at IS NULL");
  if (!watch.ok()) return watch.error();
  status.pending_watch_records = *watch;
  if (std::optional<UsbRequest> request = ReadUsbRequest(store)) {
    status.usb_pending = request->job;
    status.usb_pending_stick = request->stick_dir;
  }
  status.usb_last = ParseUsbResult(store.GetSetting(kUsbLastSetting).value_or(""));
  return status;
}

// ---- The engine ------------------------------------------------------------------------------

SyncEngine::SyncEngine(store::Store& store, FileSystem& fs, Clock& clock, SyncOptions options)
    : store_(store), fs_(fs), clock_(clock), options_(std::move(options)) {
  if (!options_.make_transport) options_.make_transport = MakeCurlTransport;
  if (!options_.delivery.unit_random) options_.delivery.unit_random = UnitRandom;
  options_.transport.cancel = &round_cancel_;
  options_.delivery.stopped = &round_cancel_;
}

SyncEngine::~SyncEngine() = default;

void SyncEngine::RequestStop() {
  stopping_.store(true);
  round_cancel_.store(true);
}

void SyncEngine::NotifyStatusChanged() const {
  if (options_.on_status_changed) options_.on_status_changed();
}

namespace {

// While a round runs, looks twice a second for a USB job the admin area
// asked for. An administrator with a stick in hand should not wait out a
// slow download, nor a stalled one (no bytes move, so nothing in the round
// itself would look until the low-speed timeout). A read-only connection of
// its own: the round's is busy on the engine's thread.
class RoundWatch {
 public:
  // Twice a second: a USB job asked for (on_request), or time up (on_time_up
  // once `time_up` says so; an empty `time_up` never is).
  RoundWatch(const std::string& store_path, std::function<void()> on_request, std::function<bool()> time_up,
             std::function<void()> on_time_up)
      : on_request_(std::move(on_request)),
        time_up_(std::move(time_up)),
        on_time_up_(std::move(on_time_up)),
        thread_([this, store_path] { Watch(store_path); }) {}
  ~RoundWatch() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  RoundWatch(const RoundWatch&) = delete;
  RoundWatch& operator=(const RoundWatch&) = delete;

 private:
  void Watch(const std::string& store_path) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(store_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      base::LogWarn("sync", "cannot watch for USB jobs during the round: " + std::string(sqlite3_errmsg(db)));
      sqlite3_close_v2(db);
      db = nullptr;  // the time is still watched
    }
    if (db != nullptr) sqlite3_busy_timeout(db, 1000);
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::milliseconds(500), [this] { return done_; })) {
      if (db != nullptr && RequestWaiting(db)) {
        on_request_();
        break;
      }
      if (time_up_ && time_up_()) {
        on_time_up_();
        break;
      }
    }
    sqlite3_close_v2(db);
  }

  static bool RequestWaiting(sqlite3* db) {
    auto read = store::sql::Statement::Prepare(db, "SELECT value FROM settings WHERE key = ?1");
    if (!read.ok()) return false;
    base::Result<bool> row = read->Bind(1, kUsbRequestSetting).Step();
    return row.ok() && *row && ParseUsbRequest(read->Text(0));
  }

  std::function<void()> on_request_;
  std::function<bool()> time_up_;
  std::function<void()> on_time_up_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;  // last: starts once the rest is built
};

// Writes progress for the admin area at most once a second (each write is
// a synchronous=FULL commit), with a rate over this transfer's bytes (a
// resumed download starts with bytes that came on an earlier try).
class ProgressRecorder {
 public:
  ProgressRecorder(store::Store& store, Clock& clock, std::function<void()> on_written)
      : store_(store), clock_(clock), on_written_(std::move(on_written)) {}

  void operator()(const TransferProgress& progress) {
    const auto now = std::chrono::steady_clock::now();
    if (progress.what != what_) {
      what_ = progress.what;
      started_ = now;
      bytes_at_start_ = progress.done_bytes;
    }
    if (now - last_write_ < std::chrono::seconds(1) && progress.done_bytes < progress.total_bytes) return;
    last_write_ = now;
    const double seconds = std::chrono::duration<double>(now - started_).count();
    const auto rate = seconds > 0.5 ? static_cast<std::int64_t>((progress.done_bytes - bytes_at_start_) / seconds) : 0;
    auto update = store::sql::Statement::Prepare(
        store_.handle(),
        "UPDATE sync_state SET progress_what = ?1, progress_done_bytes = ?2, "
        "progress_total_bytes = ?3, progress_rate_bytes_per_s = ?4, progress_at = ?5 WHERE id = 1");
    if (!update.ok()) return;
    update->Bind(1, progress.what).Bind(2, progress.done_bytes).Bind(3, progress.total_bytes);
    update->Bind(4, rate).Bind(5, clock_.NowSeconds());
    (void)update->Run();  // progress is advisory; the next one will try again
    if (on_written_) on_written_();
  }

 private:
  store::Store& store_;
  Clock& clock_;
  std::function<void()> on_written_;
  std::string what_;
  std::chrono::steady_clock::time_point started_{};
  std::int64_t bytes_at_start_ = 0;
  std::chrono::steady_clock::time_point last_write_{};
};

}  // namespace

base::Result<RoundResult> SyncEngine::RunRound(bool until_window_end) {
  if (base::Status made = fs_.MakeDirectory(options_.data_dir); !made.ok()) return made.error();
  base::Result<std::unique_ptr<FileLock>> lock = fs_.LockExclusive(options_.data_dir + "/sync.lock");
  if (!lock.ok()) return lock.error();
  round_cancel_.store(stopping_.load());
  paused_for_usb_.store(false);
  window_ended_.store(false);
  std::optional<std::int64_t> window_closes_s;
  if (until_window_end) {
    if (auto window = ParseSyncWindow(store_.GetSetting("sync.window").value_or("")); window.ok() && !window->always()) {
      const std::int64_t now_s = clock_.NowSeconds();
      // Closed since RunUntil looked: the time is up at once.
      window_closes_s = WindowCloses(*window, now_s, StationUtcOffsetMinutes(store_)).value_or(now_s);
    }
  }
  base::Result<RoundResult> round = [&] {
    // The transfer under way stops (resumable, as after a cut), the round
    // ends, and RunUntil does the stick's job next, or waits for the window.
    RoundWatch watch(
        store_.path(),
        [this] {
          base::LogInfo("sync", "a USB job was asked for: the transfer under way stops and goes on after it");
          paused_for_usb_.store(true);
          round_cancel_.store(true);
        },
        window_closes_s ? std::function<bool()>([this, at = *window_closes_s] { return clock_.NowSeconds() >= at; })
                        : std::function<bool()>(),
        [this] {
          base::LogInfo("sync", "the sync window closed: the transfer under way stops and goes on when it opens");
          window_ended_.store(true);
          round_cancel_.store(true);
        });
    return RunRoundLocked();
  }();
  NotifyStatusChanged();
  return round;
}

namespace {

std::optional<std::int64_t> LastRoundAt(const store::Store& store) {
  auto read = store::sql::Statement::Prepare(store.handle(), "SELECT last_round_at FROM sync_state WHERE id = 1");
  if (!read.ok()) return std::nullopt;
  base::Result<bool> row = read->Step();
  if (!row.ok() || !*row || read->IsNull(0)) return std::nullopt;
  return read->Int(0);
}

// Retries planned by a clock that has since gone back: due now, or each
// report would wait for as long as the clock jumped.
void MakeReportRetriesDue(store::Store& store, std::int64_t now_s) {
  auto retries = store::sql::Statement::Prepare(
      store.handle(), "UPDATE reports SET retry_at = ?1 WHERE status = 'failed' AND retry_at > ?1");
  if (retries.ok()) (void)retries->Bind(1, now_s).Run();
}

// The code the administrator typed, taken off the row (it is used once,
// whatever the county says).
std::string TakeRequestedEnrolmentCode(store::Store& store) {
  auto read = store::sql::Statement::Prepare(store.handle(),
                                             "SELECT enrolment_code FROM sync_state WHERE id = 1");
  if (!read.ok()) return "";
  base::Result<bool> row = read->Step();
  if (!row.ok() || !*row || read->Text(0).empty()) return "";
  std::string code = read->Text(0);
  if (!store::sql::Exec(store.handle(), "UPDATE sync_state SET enrolment_code = '' WHERE id = 1").ok()) return "";
  return code;
}

}  // namespace

base::Result<RoundResult> SyncEngine::RunRoundLocked() {
  RoundResult result;
  // A single round (kiosk-sync --once from cron) after the clock went back:
  // RunUntil would have seen it; here the last round's end tells.
  const std::int64_t started_s = clock_.NowSeconds();
  if (const std::optional<std::int64_t> last = LastRoundAt(store_); last && started_s + kClockToleranceS < *last) {
    base::LogInfo("sync", "the clock went back " + std::to_string((*last - started_s) / 60) +
                              " min since the last round: the reports' retries are due");
    MakeReportRetriesDue(store_, started_s);
  }
  const std::string requested_code = TakeRequestedEnrolmentCode(store_);
  if (!requested_code.empty()) options_.enrolment_code = requested_code;
  base::Result<std::optional<Enrolment>> enrolment = LoadEnrolment(store_);
  if (!enrolment.ok()) return enrolment.error();
  // The address in the settings first (the administrator's to change when
  // the county moves), then the one enrolled with.
  std::string server = options_.server_url;
  if (server.empty()) server = store_.GetSetting("sync.county_server").value_or("");
  if (server.empty() && *enrolment) server = (*enrolment)->server_url;
  if (server.empty()) {
    result.problems.push_back(MakeProblem(problem::kNoServer));
    (void)SaveRoundState(result, nullptr);
    return result;
  }

  std::unique_ptr<HttpTransport> transport = options_.make_transport(Limits());
  CountyConnection county(*transport, server, clock_);

  if (!*enrolment || !requested_code.empty()) {
    if (options_.enrolment_code.empty()) {
      result.problems.push_back(MakeProblem(problem::kNotEnrolled));
      (void)SaveRoundState(result, nullptr);
      return result;
    }
    base::Result<Enrolment> enrolled = EnrolLocked(county);
    if (!enrolled.ok()) {
      result.problems.push_back(MakeProblem(problem::kEnrolmentRefused, enrolled.error().message));
      base::LogError("sync", "enrolment refused: " + enrolled.error().message);
      if (!*enrolment) {
        (void)SaveRoundState(result, &county);
        return result;
      }
      county.set_token((*enrolment)->token);  // the earlier enrolment still holds
    }
  } else {
    county.set_token((*enrolment)->token);
  }

  result.ran = true;
  if (base::Status ran = RunSteps(county, result); !ran.ok()) {
    result.problems.push_back(MakeProblem(problem::kStationError, ran.error().message));
  }
  for (const SyncProblem& p : result.delivery.problems) {
    if (p.code == problem::kUnknownStation) (void)ForgetEnrolmentCode(store_);  // "enrol again" must ask
  }
  result.paused_for_usb = paused_for_usb_.load();
  result.stopped_at_window_end = window_ended_.load() && !result.paused_for_usb;
  result.retry_after_s = std::max(county.retry_after_s().value_or(0), result.delivery.earliest_retry_after_s);
  if (base::Status saved = SaveRoundState(result, &county); !saved.ok()) {
    result.problems.push_back(MakeProblem(problem::kStationError, "cannot save the sync state: " + saved.error().message));
  }
  result.everything_delivered = !result.paused_for_usb && !result.stopped_at_window_end && !stopping_.load() &&
                                !AnyFailure(result.problems) && result.delivery.AllDelivered();
  if (result.everything_delivered) {
    base::Result<std::vector<QueuedReport>> due =
        OutboxQueue(store_, fs_, options_.data_dir + "/outbox").DueForSending(clock_.NowSeconds(), 1);
    result.everything_delivered = due.ok() && due->empty();
  }
  return result;
}

base::Result<Enrolment> SyncEngine::Enrol(const std::string& code) {
  if (base::Status made = fs_.MakeDirectory(options_.data_dir); !made.ok()) return made.error();
  base::Result<std::unique_ptr<FileLock>> lock = fs_.LockExclusive(options_.data_dir + "/sync.lock");
  if (!lock.ok()) return lock.error();
  round_cancel_.store(stopping_.load());  // a round paused for a USB job does not stop this
  std::string server = options_.server_url;
  if (server.empty()) server = store_.GetSetting("sync.county_server").value_or("");
  if (server.empty()) {
    return base::MakeError(base::ErrorCode::kInvalidInput, "no county server to enrol with");
  }
  std::unique_ptr<HttpTransport> transport = options_.make_transport(Limits());
  CountyConnection county(*transport, server, clock_);
  options_.enrolment_code = code;
  base::Result<Enrolment> enrolled = EnrolLocked(county);
  if (county.clock_offset_s()) {
    auto offset = store::sql::Statement::Prepare(
        store_.handle(), "UPDATE sync_state SET clock_offset_s = ?1, clock_offset_at = ?2 WHERE id = 1");
    if (offset.ok()) (void)offset->Bind(1, *county.clock_offset_s()).Bind(2, clock_.NowSeconds()).Run();
  }
  return enrolled;
}

base::Result<Enrolment> SyncEngine::EnrolLocked(CountyConnection& county) {
  const std::string keys_dir = options_.data_dir + "/keys";
  if (base::Status made = fs_.MakeDirectory(keys_dir); !made.ok()) return made.error();
  base::Result<StationKey> station = LoadOrCreateStationKey(fs_, keys_dir + "/station.key");
  if (!station.ok()) return station.error();
  EnrolmentRequest request;
  request.code = options_.enrolment_code;
  request.station_name = options_.station_name.empty()
                             ? store_.GetSetting("station.name").value_or("station")
                             : options_.station_name;
  request.village = store_.GetSetting("station.village").value_or("");
  return station_sync::Enrol(store_, county, *station, request, clock_.NowSeconds());
}

base::Status SyncEngine::RunSteps(CountyConnection& county, RoundResult& result) {
  ProgressRecorder recorder(store_, clock_, [this] { NotifyStatusChanged(); });
  Delivery delivery(store_, fs_, clock_, county, options_.data_dir + "/outbox", options_.delivery);
  delivery.set_progress_listener([&recorder](const TransferProgress& p) { recorder(p); });
  DeliveryReport& out = result.delivery;
  if (base::Status sent = delivery.SendDueReports(out); !sent.ok()) return sent;
  if (out.reports_failed > 0 && out.reports_acknowledged == 0 && out.reports_due > 0 &&
      out.reports_failed_on_link > 0) {
    // Nothing got through: the link or the county is down. The other steps
    // would only fail the same way; try again after the backoff. (A report
    // damaged at the station stops nothing else.)
    return base::Ok();
  }
  // A county that asked for a wait (429/503) is asked nothing more this
  // round, nor is one in a round paused for a USB job, at the window's end
  // or stopped.
  const auto ask_no_more = [&] {
    if (round_cancel_.load()) return true;
    if (!county.retry_after_s()) return false;
    result.problems.push_back(MakeProblem(problem::kCountyBusy, "", *county.retry_after_s()));
    return true;
  };
  if (ask_no_more()) return base::Ok();
  if (base::Status sent = delivery.SendRatings(out); !sent.ok()) return sent;
  if (ask_no_more()) return base::Ok();
  if (base::Status sent = delivery.SendWatchRecords(out); !sent.ok()) return sent;
  if (ask_no_more()) return base::Ok();
  if (base::Status applied = delivery.ApplyEvents(out); !applied.ok()) return applied;
  if (ask_no_more()) return base::Ok();
  if (base::Status sent = SendHealth(delivery, out); !sent.ok()) return sent;
  if (ask_no_more()) return base::Ok();
  const base::Status down = options_.content_down ? options_.content_down(county) : ContentDown(county);
  if (std::optional<SyncProblem> expired = ExpiredContent()) result.problems.push_back(*expired);
  if (down.ok() || ask_no_more()) return base::Ok();
  // kUnavailable: no answer, or none from the county; the link's fault, not the lessons'.
  const bool link = down.error().code == base::ErrorCode::kUnavailable;
  result.problems.push_back(link ? MakeProblem(problem::kUnreachable, "content: " + down.error().message)
                                 : MakeProblem(problem::kContentFailed, down.error().message));
  return base::Ok();
}

// The warnings and errors logged (by the kiosk and by this engine) since
// the last health report the county took, so that each reaches county IT once.
base::Status SyncEngine::SendHealth(Delivery& delivery, DeliveryReport& out) {
  constexpr std::size_t kMaxProblems = 20;  // docs/protocol.md 5.5
  std::string reported_until = store_.GetSetting("sync.health_reported_until").value_or("");
  if (reported_until > base::LogTimestampNow()) reported_until.clear();  // the clock went back since
  std::vector<std::string> problems =
      base::RecentProblems(options_.data_dir + "/logs/station.log", reported_until, kMaxProblems);
  base::Result<bool> taken = delivery.SendHealth(options_.data_dir, problems, out);
  if (!taken.ok()) return taken.error();
  if (!*taken || problems.empty()) return base::Ok();
  return store_.SetSetting("sync.health_reported_until", problems.back().substr(0, 24));
}

TransportLimits SyncEngine::Limits() const {
  TransportLimits limits = options_.transport;
  if (limits.max_bytes_per_s == 0) {
    limits.max_bytes_per_s = SettingInt(store_, "sync.max_bytes_per_second", 0, 0, 1 << 30);
  }
  // An HTTPS county whose certificate is its own (not from a CA the system
  // trusts): the administrator puts its CA certificate on the station.
  if (limits.ca_file.empty()) limits.ca_file = store_.GetSetting("sync.ca_file").value_or("");
  return limits;
}

base::Status SyncEngine::ContentDown(CountyConnection& county) {
  if (options_.skip_content) return base::Ok();
  base::Result<std::optional<Enrolment>> enrolment = LoadEnrolment(store_);
  if (!enrolment.ok()) return enrolment.error();
  if (!*enrolment) return base::Ok();
  base::Result<minisign::PublicKey> key = minisign::ParsePublicKey((*enrolment)->content_key);
  if (!key.ok()) return key.error();
  ContentLibrary library(store_, options_.data_dir, *key, clock_);
  ContentSyncOptions content;
  content.server_url = county.base_url();
  content.http.bearer_token = (*enrolment)->token;
  const TransportLimits limits = Limits();
  content.http.connect_timeout_s = static_cast<long>(limits.connect_timeout_s);
  content.http.low_speed_bytes_per_s = static_cast<long>(limits.low_speed_bytes_per_s);
  content.http.low_speed_time_s = static_cast<long>(limits.low_speed_time_s);
  content.http.max_recv_bytes_per_s = limits.max_bytes_per_s;
  content.http.ca_file = limits.ca_file;
  content.http.cancel = &round_cancel_;
  content.unit_random = options_.delivery.unit_random;
  content.checkpoint_interval_ms = options_.content_checkpoint_interval_ms;
  ProgressRecorder recorder(store_, clock_, [this] { NotifyStatusChanged(); });
  content.progress = [&recorder](const DownloadProgress& p) {
    recorder({progress::What(progress::kLesson, p.lesson_title), p.bytes_done, p.bytes_total});
  };
  ContentSync sync(library, content);
  base::Result<ContentSyncReport> report = sync.RunOnce();
  if (sync.retry_after_s()) county.NoteRetryAfter(*sync.retry_after_s());
  if (!report.ok()) return report.error();
  return base::Ok();
}

// The accepted catalog, past its expiry (the station's time, which follows
// the county's): the lessons stay, the administrator and county IT hear of it.
std::optional<SyncProblem> SyncEngine::ExpiredContent() {
  if (options_.skip_content) return std::nullopt;
  base::Result<std::optional<Enrolment>> enrolment = LoadEnrolment(store_);
  if (!enrolment.ok() || !*enrolment) return std::nullopt;
  base::Result<minisign::PublicKey> key = minisign::ParsePublicKey((*enrolment)->content_key);
  if (!key.ok()) return std::nullopt;
  ContentLibrary library(store_, options_.data_dir, *key, clock_);
  base::Result<std::optional<ContentCatalog>> accepted = library.Accepted();
  if (!accepted.ok() || !*accepted) return std::nullopt;
  const std::int64_t now_s = clock_.NowSeconds();
  if ((*accepted)->expires_at > now_s) return std::nullopt;
  const std::int64_t days = (now_s - (*accepted)->expires_at) / 86'400;
  const std::string detail = "catalog version " + std::to_string((*accepted)->version) + " expired at " +
                             std::to_string((*accepted)->expires_at);
  // Once a day, not every round (kiosk-sync --once from cron is a new
  // process each time): county IT's health view has room for other news.
  constexpr const char* kLoggedSetting = "content.expired_logged";
  const std::string logged = std::to_string((*accepted)->version) + " " + std::to_string(days);
  if (store_.GetSetting(kLoggedSetting) != logged) {
    (void)store_.SetSetting(kLoggedSetting, logged);
    base::LogError("content", "the county's catalog expired " + std::to_string(days) +
                                  " day(s) ago and no newer one came (" + detail + "); the lessons stay");
  }
  return MakeProblem(problem::kContentExpired, detail, days);
}

namespace {

// In the order they happened: reports first, then the delivery's other
// steps, then content. Reports that found no county say that first.
std::vector<SyncProblem> RoundProblems(const RoundResult& result) {
  const DeliveryReport& d = result.delivery;
  std::vector<SyncProblem> problems;
  if (d.reports_failed > 0 && d.last_report_failure_was_link) {
    problems.push_back(MakeProblem(problem::kUnreachable, d.last_report_failure));
    problems.push_back(MakeProblem(problem::kReportsNotDelivered, "", d.reports_failed));
  } else if (d.reports_failed > 0) {
    problems.push_back(MakeProblem(problem::kReportsNotDelivered, d.last_report_failure, d.reports_failed));
  }
  if (d.reports_refused > 0) problems.push_back(MakeProblem(problem::kReportsRefused, "", d.reports_refused));
  problems.insert(problems.end(), d.problems.begin(), d.problems.end());
  problems.insert(problems.end(), result.problems.begin(), result.problems.end());
  return problems;
}

}  // namespace

base::Status SyncEngine::SaveRoundState(const RoundResult& result, const CountyConnection* county) {
  const std::int64_t now_s = clock_.NowSeconds();
  if (result.paused_for_usb || result.stopped_at_window_end || stopping_.load()) {
    // Not a failure: what the pause (or the kiosk closing, or the window's
    // end) cut short goes on right after the job (or at the next start, or
    // when the window opens: RunUntil waits for it).
    auto update = store::sql::Statement::Prepare(
        store_.handle(), "UPDATE sync_state SET next_round_at = ?1, last_round_at = ?1 WHERE id = 1");
    if (!update.ok()) return update.error();
    return update->Bind(1, now_s).Run();
  }
  const bool failed = AnyFailure(result.problems) || !result.delivery.AllDelivered();
  const std::vector<SyncProblem> problems = RoundProblems(result);
  const std::string error_text = ProblemsText(problems);

  auto read = store::sql::Statement::Prepare(store_.handle(),
                                             "SELECT round_failures FROM sync_state WHERE id = 1");
  if (!read.ok()) return read.error();
  base::Result<bool> row = read->Step();
  if (!row.ok()) return row.error();
  const int failures = failed ? (*row ? static_cast<int>(read->Int(0)) : 0) + 1 : 0;
  const std::int64_t next_s = NextRoundAt(result, now_s, failures);

  auto update = store::sql::Statement::Prepare(
      store_.handle(),
      "UPDATE sync_state SET round_failures = ?1, next_round_at = ?2, last_round_at = ?3, "
      "last_success_at = CASE WHEN ?4 THEN ?3 ELSE last_success_at END, "
      "last_error = CASE WHEN ?5 != '' THEN ?5 ELSE last_error END, "
      "last_error_at = CASE WHEN ?5 != '' THEN ?3 ELSE last_error_at END, "
      "last_error_problems = CASE WHEN ?5 != '' THEN ?7 ELSE last_error_problems END, "
      "clock_offset_s = COALESCE(?6, clock_offset_s), "
      "clock_offset_at = CASE WHEN ?6 IS NULL THEN clock_offset_at ELSE ?3 END WHERE id = 1");
  if (!update.ok()) return update.error();
  update->Bind(1, std::int64_t{failures}).Bind(2, next_s).Bind(3, now_s);
  update->Bind(4, std::int64_t{failed ? 0 : 1}).Bind(5, error_text).Bind(7, ProblemsJson(problems));
  if (county != nullptr && county->clock_offset_s()) {
    update->Bind(6, *county->clock_offset_s());
  } else {
    update->BindNull(6);
  }
  if (base::Status ran = update->Run(); !ran.ok()) return ran;
  if (!error_text.empty()) base::LogWarn("sync", "round: " + error_text);
  if (base::Result<std::vector<UndeliveredReport>> undelivered = Undelivered(store_); undelivered.ok()) {
    if (const auto stuck = StuckReports(*undelivered, now_s); !stuck.empty()) {
      base::LogError("sync", std::to_string(stuck.size()) +
                                 " report(s) undelivered for over a day, the oldest " +
                                 stuck.front().report_id + ": " + stuck.front().last_error);
    }
  }
  return store_.SetSetting("sync.last_round_error", error_text);
}

std::int64_t SyncEngine::NextRoundAt(const RoundResult& last, std::int64_t now_s,
                                     int round_failures) const {
  const std::int64_t retry_after_s = std::max(last.retry_after_s, last.delivery.earliest_retry_after_s);
  std::int64_t next_s = 0;
  if (round_failures > 0) {
    const std::int64_t delay_ms =
        NextTryDelayMs(options_.round_backoff, round_failures, options_.delivery.unit_random(),
                       retry_after_s > 0 ? std::optional<std::int64_t>(retry_after_s) : std::nullopt);
    next_s = now_s + std::max<std::int64_t>(1, delay_ms / 1000);
  } else {
    next_s = now_s + 60 * std::int64_t{SettingInt(store_, "sync.interval_minutes", 15, 1, 24 * 60)};
  }
  // A report whose retry comes sooner pulls the round forward, but never
  // before the wait the county asked for.
  auto earliest = store::sql::Statement::Prepare(
      store_.handle(), "SELECT MIN(retry_at) FROM reports WHERE status = 'failed'");
  if (earliest.ok()) {
    base::Result<bool> row = earliest->Step();
    if (row.ok() && *row && !earliest->IsNull(0)) {
      next_s = std::min(next_s, std::max(now_s + 1, earliest->Int(0)));
    }
  }
  next_s = std::max(next_s, now_s + retry_after_s);
  base::Result<SyncWindow> window = ParseSyncWindow(store_.GetSetting("sync.window").value_or(""));
  if (!window.ok()) {
    base::LogWarn("sync", window.error().message + "; syncing at any time");
    return next_s;
  }
  const int offset = StationUtcOffsetMinutes(store_);
  return NextWindowOpen(*window, next_s, offset);
}

// ---- USB jobs ----------------------------------------------------------------------------------

namespace {

// What the administrator is told, from the kind of error: the package's
// fault, the stick's, or the station's own disk.
std::string_view UsbProblemCode(UsbJob job, base::ErrorCode code) {
  using base::ErrorCode;
  if (job == UsbJob::kImportPackage) {
    switch (code) {
      case ErrorCode::kNotFound: return problem::kUsbNoPackage;
      case ErrorCode::kInvalidInput:
      case ErrorCode::kCorrupt:
      case ErrorCode::kTooNew: return problem::kUsbPackageRefused;
      case ErrorCode::kDiskFull: return problem::kUsbStationDiskFull;
      default: return problem::kUsbStickFailed;
    }
  }
  switch (code) {
    case ErrorCode::kCorrupt: return problem::kStationError;  // its key or its outbox
    case ErrorCode::kDiskFull: return problem::kUsbStickFull;
    case ErrorCode::kNotFound:
    case ErrorCode::kUnavailable: return problem::kUsbStickGone;
    default: return problem::kUsbStickFailed;
  }
}

}  // namespace

base::Result<UsbJobResult> SyncEngine::RunUsbJob(UsbJob job, const std::string& stick_dir) {
  if (base::Status made = fs_.MakeDirectory(options_.data_dir); !made.ok()) return made.error();
  base::Result<std::unique_ptr<FileLock>> lock = fs_.LockExclusive(options_.data_dir + "/sync.lock");
  if (!lock.ok()) return lock.error();
  UsbJobResult result = RunUsbJobLocked(job, stick_dir);
  if (base::Status saved = store_.SetSetting(kUsbLastSetting, UsbResultJson(result)); !saved.ok()) {
    base::LogWarn("usb", "cannot record the USB outcome: " + saved.error().message);
  }
  NotifyStatusChanged();
  return result;
}

UsbJobResult SyncEngine::RunUsbJobLocked(UsbJob job, const std::string& stick_dir) {
  UsbJobResult result;
  result.job = job;
  result.stick_dir = stick_dir;
  const auto finish = [&](std::string_view code = "", std::string error = "") {
    result.error = std::move(error);
    result.error_code = code;
    result.finished_at_s = clock_.NowSeconds();
    if (!result.error.empty()) base::LogError("usb", std::string(UsbJobName(job)) + " with " + stick_dir + ": " + result.error);
    return result;
  };
  const auto failed = [&](const base::Error& error) { return finish(UsbProblemCode(job, error.code), error.message); };
  if (job == UsbJob::kExportOutbox) {
    base::Result<OutboxExport> exported = ExportOutbox(store_, fs_, options_.data_dir, stick_dir);
    if (!exported.ok()) return failed(exported.error());
    result.exported = *exported;
    return finish();
  }
  base::Result<std::optional<Enrolment>> enrolment = LoadEnrolment(store_);
  if (!enrolment.ok()) return finish(problem::kStationError, enrolment.error().message);
  if (!*enrolment) {
    return finish(problem::kUsbNotEnrolled, "not enrolled: the station has no county key to check a package with");
  }
  base::Result<minisign::PublicKey> key = minisign::ParsePublicKey((*enrolment)->content_key);
  if (!key.ok()) return finish(problem::kStationError, key.error().message);
  ContentLibrary library(store_, options_.data_dir, *key, clock_);
  ProgressRecorder recorder(store_, clock_, options_.on_status_changed);
  PackageImportOptions import;
  import.progress = [&recorder](const TransferProgress& p) { recorder(p); };
  import.cancel = &stopping_;
  base::Result<PackageImportReport> imported = ImportPackage(library, stick_dir, import);
  if (!imported.ok()) return failed(imported.error());
  result.catalog_version = imported->catalog_version;
  result.blobs_copied = imported->blobs_copied;
  result.blobs_missing = imported->blobs_missing;
  result.lessons_offered = imported->lessons_offered;
  return finish();
}

void SyncEngine::RunRequestedUsbJob() {
  std::optional<UsbRequest> request = ReadUsbRequest(store_);
  if (!request) return;
  base::LogInfo("usb", std::string("the administrator asked for a USB ") + UsbJobName(request->job) + " with " +
                           request->stick_dir);
  base::Result<UsbJobResult> done = RunUsbJob(request->job, request->stick_dir);
  if (!done.ok()) return;  // another engine holds the lock: it takes the request
  // Done, well or not (a stick pulled out shows as the outcome's error);
  // unless the administrator asked for another job meanwhile.
  std::optional<UsbRequest> now = ReadUsbRequest(store_);
  if (now && now->job == request->job && now->stick_dir == request->stick_dir) {
    (void)store_.SetSetting(kUsbRequestSetting, "");
  }
  NotifyStatusChanged();
}

void SyncEngine::RunUntil(const std::atomic<bool>& stop) {
  while (!stop.load() && !stopping_.load()) {
    RunRequestedUsbJob();
    auto next = store::sql::Statement::Prepare(
        store_.handle(), "SELECT next_round_at, sync_now_requested, last_round_at FROM sync_state WHERE id = 1");
    std::int64_t next_s = 0;
    std::optional<std::int64_t> planned_at_s;  // the next round was planned at the last one's end
    bool asked_now = false;
    if (next.ok()) {
      base::Result<bool> row = next->Step();
      if (row.ok() && *row && !next->IsNull(0)) next_s = next->Int(0);
      if (row.ok() && *row) asked_now = next->Int(1) != 0;
      if (row.ok() && *row && !next->IsNull(2)) planned_at_s = next->Int(2);
    }
    const std::int64_t now_s = clock_.NowSeconds();
    if (next_s > now_s && ((planned_at_s && now_s + kClockToleranceS < *planned_at_s) ||
                           next_s > now_s + kLongestPlannedWaitS)) {
      // Planned by a clock that has since gone back (a box without a clock
      // battery boots in 1970, or back to the last time it kept): waiting
      // for it would stop sync for as long as the clock jumped.
      base::LogInfo("sync", "the clock went back " + std::to_string((std::max(next_s, planned_at_s.value_or(0)) - now_s) / 60) +
                                " min since the next round was planned: a round now");
      next_s = now_s;
      // The plans are remade now (whether or not the round can run, so a
      // round that cannot take the lock waits its minute as usual), and the
      // reports' retries, planned by the same clock, are due.
      auto replanned = store::sql::Statement::Prepare(
          store_.handle(), "UPDATE sync_state SET next_round_at = ?1, last_round_at = ?1 WHERE id = 1");
      if (replanned.ok()) (void)replanned->Bind(1, now_s).Run();
      MakeReportRetriesDue(store_, now_s);
    }
    if (asked_now) {
      // The administrator is watching: a round now, window or not.
      (void)store::sql::Exec(store_.handle(), "UPDATE sync_state SET sync_now_requested = 0 WHERE id = 1");
      next_s = now_s;
    } else if (now_s >= next_s && !InWindowNow(now_s)) {
      next_s = NextRoundAt(RoundResult{}, now_s, 0);  // outside the window: its next opening
      auto later = store::sql::Statement::Prepare(
          store_.handle(), "UPDATE sync_state SET next_round_at = ?1 WHERE id = 1");
      if (later.ok()) (void)later->Bind(1, next_s).Run();
    }
    if (now_s >= next_s) {
      base::Result<RoundResult> round = RunRound(/*until_window_end=*/!asked_now);
      if (!round.ok()) {
        // Another engine holds the lock (the kiosk and kiosk-sync both
        // running): it does the work; look again later.
        base::LogInfo("sync", "round skipped: " + round.error().message);
        auto later = store::sql::Statement::Prepare(
            store_.handle(), "UPDATE sync_state SET next_round_at = ?1 WHERE id = 1");
        if (later.ok()) (void)later->Bind(1, clock_.NowSeconds() + 60).Run();
      }
      continue;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

bool SyncEngine::InWindowNow(std::int64_t now_s) const {
  base::Result<SyncWindow> window = ParseSyncWindow(store_.GetSetting("sync.window").value_or(""));
  if (!window.ok()) return true;
  return InSyncWindow(*window, now_s,
                      StationUtcOffsetMinutes(store_));
}

int StationUtcOffsetMinutes(const store::Store& store) {
  return SettingInt(store, "station.utc_offset_minutes", 8 * 60, -12 * 60, 14 * 60);
}

base::Status RequestSyncNow(store::Store& store) {
  return store::sql::Exec(store.handle(), "UPDATE sync_state SET sync_now_requested = 1 WHERE id = 1");
}

base::Status RequestEnrolment(store::Store& store, const std::string& code) {
  auto update = store::sql::Statement::Prepare(
      store.handle(), "UPDATE sync_state SET enrolment_code = ?1, sync_now_requested = 1 WHERE id = 1");
  if (!update.ok()) return update.error();
  return update->Bind(1, code).Run();
}

// ---- Sneakernet ------------------------------------------------------------------------------

base::Result<OutboxExport> ExportOutbox(store::Store& store, FileSystem& fs, const std::string& data_dir,
                                        const std::string& stick_dir) {
  using nlohmann::json;
  base::Result<std::optional<Enrolment>> enrolment = LoadEnrolment(store);
  if (!enrolment.ok()) return enrolment.error();
  if (!*enrolment) {
    return base::MakeError(base::ErrorCode::kUnavailable,
                           "not enrolled: the county could not tell whose reports these are");
  }
  // The key the county knows the station by: a new one would only get the
  // files refused, so a lost key is the station's problem to tell, first.
  const std::string key_path = data_dir + "/keys/station.key";
  base::Result<StationKey> key = LoadStationKey(fs, key_path);
  if (!key.ok() && key.error().code == base::ErrorCode::kNotFound) {
    return base::MakeError(base::ErrorCode::kCorrupt, "the station's signing key " + key_path +
                                                          " is missing: the county would refuse what it signs; enrol again");
  }
  if (!key.ok()) return key.error();
  // The stick's own directory is never made here: where it is missing, the
  // stick has been pulled out, and its mount point is not the stick.
  if (!fs.List(stick_dir).ok()) {
    return base::MakeError(base::ErrorCode::kNotFound, "no USB stick at " + stick_dir + " (pulled out?)");
  }
  std::string dir = stick_dir;
  for (const std::string& part : {std::string("/village-station"), std::string("/outbox"),
                                  "/" + (*enrolment)->station_id}) {
    dir += part;
    if (base::Status made = fs.MakeDirectory(dir); !made.ok()) return made.error();
  }
  OutboxQueue queue(store, fs, data_dir + "/outbox");
  base::Result<std::vector<UndeliveredReport>> undelivered = Undelivered(store);
  if (!undelivered.ok()) return undelivered.error();
  int written = 0;
  for (const UndeliveredReport& r : *undelivered) {
    base::Result<QueuedReport> report = queue.Get(r.report_id);
    if (!report.ok()) return report.error();
    const std::string target = dir + "/" + r.report_id;
    if (base::Status made = fs.MakeDirectory(target); !made.ok()) return made.error();
    std::vector<std::string> names = {"envelope"};
    for (const SealedBlob& blob : report->blobs) names.push_back(blob.sha256_hex);
    for (const std::string& name : names) {
      base::Result<std::string> bytes = fs.ReadFile(report->directory + "/" + name);
      if (!bytes.ok()) return bytes.error();
      if (base::Status copied = WriteFileDurably(fs, target + "/" + name, *bytes, 0644); !copied.ok()) {
        return copied.error();
      }
    }
    ++written;
  }

  base::Result<std::vector<OutboxQueue::Rating>> ratings = queue.RatingsToUpload();
  if (!ratings.ok()) return ratings.error();
  json rating_items = json::array();
  for (const OutboxQueue::Rating& r : *ratings) {
    rating_items.push_back({{"report_id", r.report_id}, {"faces", r.faces}, {"rated_at", r.rated_at_s}});
    if (rating_items.size() == 1000) break;  // the protocol's batch limit
  }
  auto records = store::sql::Statement::Prepare(
      store.handle(),
      "SELECT record_id, lesson_id, started_at, seconds_watched, completed FROM watch_records "
      "WHERE uploaded_at IS NULL ORDER BY started_at, record_id LIMIT 1000");
  if (!records.ok()) return records.error();
  json record_items = json::array();
  for (;;) {
    base::Result<bool> row = records->Step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    record_items.push_back({{"record_id", records->Text(0)},
                            {"lesson_id", records->Text(1)},
                            {"started_at", records->Int(2)},
                            {"seconds_watched", records->Int(3)},
                            {"completed", records->Int(4) != 0}});
  }
  // Signed, as a stick carries no token (seal.h SignStationFile).
  for (const auto& [name, body] : {std::pair{"ratings.json", json{{"ratings", rating_items}}.dump()},
                                   std::pair{"watch-records.json", json{{"records", record_items}}.dump()}}) {
    const std::string signature = SignStationFile((*enrolment)->station_id, name, body, *key);
    for (const auto& [path, bytes] : {std::pair{dir + "/" + name, body}, std::pair{dir + "/" + name + ".sig", signature}}) {
      if (base::Status saved = WriteFileDurably(fs, path, bytes, 0644); !saved.ok()) return saved.error();
    }
  }
  OutboxExport exported{written, static_cast<int>(rating_items.size()), static_cast<int>(record_items.size())};
  base::LogInfo("sync", "exported " + std::to_string(exported.reports) + " report(s), " +
                            std::to_string(exported.ratings) + " rating(s) and " +
                            std::to_string(exported.watch_records) + " watch record(s) to " + dir);
  return exported;
}

}  // namespace station_sync
