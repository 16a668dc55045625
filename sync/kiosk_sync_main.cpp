// kiosk-sync: the station's sync with its county as a process, sharing the
// store with the kiosk (one engine at a time: <data>/sync.lock).
//
//   kiosk-sync --data DIR [--server URL] [--enrol CODE]     rounds until SIGTERM
//   kiosk-sync --data DIR --once [...]                      one round now
//   kiosk-sync --data DIR --export-outbox STICK             outbox to a USB stick
//   kiosk-sync --data DIR --import-package STICK            the county's lessons from one
//   kiosk-sync --data DIR --status                          what the admin area shows
//   kiosk-sync --data DIR --sync-now                        ask the engine running (in the
//                                                           kiosk or here) for a round now
//
// Exit codes: 0 everything due was delivered (or the export/status worked);
// 1 something is still undelivered or a step failed (it is retried next
// time); 2 bad usage or setup (no store, not enrolled, enrolment refused);
// 3 another sync engine is running.

#include <signal.h>
#include <sodium.h>

#include <atomic>
#include <cstdio>
#include <string>

#include "base/files.h"
#include "base/log.h"
#include "base/numbers.h"
#include "store/store.h"
#include "sync/clock.h"
#include "sync/file_system.h"
#include "sync/sync_engine.h"

namespace {

using namespace station_sync;

std::atomic<bool> g_stop{false};
std::atomic<SyncEngine*> g_engine{nullptr};  // set while it runs

// SIGTERM/SIGINT: stop between rounds, and cut a transfer under way (it
// resumes from the same byte next time). RequestStop only stores atomics.
void OnSignal(int) {
  g_stop.store(true);
  if (SyncEngine* engine = g_engine.load()) engine->RequestStop();
}

int Usage(const std::string& problem) {
  std::fprintf(stderr,
               "kiosk-sync: %s\n"
               "usage: kiosk-sync --data DIR [--once] [--server URL] [--enrol CODE]\n"
               "                  [--export-outbox STICK] [--import-package STICK] [--status]\n"
               "                  [--sync-now] [--log-level LEVEL] [--clock-shift SECONDS]\n",
               problem.c_str());
  return 2;
}

std::string Time(std::optional<std::int64_t> at_s) {
  return at_s ? std::to_string(*at_s) : "-";
}

int PrintStatus(const store::Store& store, StationClock& clock) {
  base::Result<SyncStatus> status = ReadSyncStatus(store, clock.NowSeconds());
  if (!status.ok()) return Usage(status.error().message);
  const SyncStatus& s = *status;
  std::printf("enrolled: %s %s\ncounty: %s\n", s.enrolled ? "yes" : "no", s.station_id.c_str(),
              s.county_server.c_str());
  std::printf("transfer: %s %lld/%lld bytes, %lld B/s, %s s left\n", s.what.c_str(),
              static_cast<long long>(s.done_bytes), static_cast<long long>(s.total_bytes),
              static_cast<long long>(s.rate_bytes_per_s), Time(s.seconds_left).c_str());
  std::printf("last round: %s, last success: %s, next try: %s, failed rounds: %d\n",
              Time(s.last_round_at_s).c_str(), Time(s.last_success_at_s).c_str(),
              Time(s.next_try_at_s).c_str(), s.round_failures);
  std::printf("last error: %s\nclock offset: %s s\n", s.last_error.c_str(),
              Time(s.clock_offset_s).c_str());
  std::printf("station time: %lld, the box's clock %+lld s off it\n", static_cast<long long>(clock.NowSeconds()),
              static_cast<long long>(clock.SystemErrorSeconds()));
  std::printf("undelivered reports: %d, stuck over a day: %zu, refused: %zu\n",
              s.undelivered_count, s.stuck.size(), s.refused.size());
  for (const UndeliveredReport& r : s.stuck) {
    std::printf("  stuck %s ticket %s saved %lld, %d tries: %s\n", r.report_id.c_str(),
                r.ticket_code.c_str(), static_cast<long long>(r.saved_at_s), r.attempts,
                r.last_error.c_str());
  }
  for (const ReportRefusal& r : s.refused) {
    std::printf("  refused %s: %s (%s)\n", r.report_id.c_str(), r.error.c_str(), r.detail.c_str());
  }
  std::printf("pending ratings: %d, pending watch records: %d\n", s.pending_ratings,
              s.pending_watch_records);
  return 0;
}

// The same job the admin area's USB page asks the engine for.
int RunUsbJob(SyncEngine& engine, const std::string& export_to, const std::string& import_from) {
  if (!export_to.empty() && !import_from.empty()) return Usage("one of --export-outbox and --import-package at a time");
  const bool exporting = !export_to.empty();
  base::Result<UsbJobResult> done =
      engine.RunUsbJob(exporting ? UsbJob::kExportOutbox : UsbJob::kImportPackage, exporting ? export_to : import_from);
  if (!done.ok()) {
    std::fprintf(stderr, "kiosk-sync: %s\n", done.error().message.c_str());
    return done.error().code == base::ErrorCode::kLocked ? 3 : 1;
  }
  if (!done->error.empty()) {
    std::fprintf(stderr, "kiosk-sync: %s: %s\n", exporting ? "export" : "import", done->error.c_str());
    return 1;
  }
  if (exporting) {
    std::printf("exported %d report(s), %d rating(s), %d watch record(s) to %s\n", done->exported.reports,
                done->exported.ratings, done->exported.watch_records, export_to.c_str());
    return 0;
  }
  std::printf("package version %lld: %d file(s) copied, %d missing, %d lesson(s) offered\n",
              static_cast<long long>(done->catalog_version), done->blobs_copied, done->blobs_missing,
              done->lessons_offered);
  return done->blobs_missing == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  SyncOptions options;
  bool once = false;
  bool status = false;
  bool sync_now = false;
  std::string export_to;
  std::string import_from;
  std::string enrol_code;
  std::string log_level = "info";
  std::int64_t clock_shift_s = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (flag == "--data") options.data_dir = value();
    else if (flag == "--once") once = true;
    else if (flag == "--status") status = true;
    else if (flag == "--sync-now") sync_now = true;
    else if (flag == "--server") options.server_url = value();
    else if (flag == "--enrol") enrol_code = value();
    else if (flag == "--export-outbox") export_to = value();
    else if (flag == "--import-package") import_from = value();
    else if (flag == "--log-level") log_level = value();
    else if (flag == "--clock-shift") {
      const std::optional<std::int64_t> shift = base::ParseInt64(value());
      if (!shift) return Usage("--clock-shift needs seconds, e.g. -1700000000");
      clock_shift_s = *shift;
    }
    else return Usage("unknown option " + flag);
  }
  if (options.data_dir.empty()) return Usage("--data DIR is required");
  if (sodium_init() < 0) return Usage("libsodium cannot initialise");

  base::LogConfig log;
  log.stderr_level = base::ParseLogLevel(log_level, base::LogLevel::kInfo);
  if (base::MakeDirectories(options.data_dir + "/logs").ok()) {
    log.file_path = options.data_dir + "/logs/station.log";
  }
  base::ConfigureLog(log);

  auto store = store::Store::Open(options.data_dir + "/station.db");
  if (!store.ok()) return Usage("cannot open the store: " + store.error().message);
  FileSystem& fs = PosixFileSystem();
  ShiftedClock box_clock(SystemClock(), clock_shift_s);
  StationClock clock(CountyTimeMarkPath(options.data_dir), box_clock, SystemBootClock());

  if (status) return PrintStatus(**store, clock);
  if (sync_now) {
    base::Status asked = RequestSyncNow(**store);
    if (!asked.ok()) return Usage("cannot ask for a sync: " + asked.error().message);
    std::printf("asked the running sync engine for a round now\n");
    return 0;
  }

  SyncEngine engine(**store, fs, clock, options);
  struct ForgetEngineOnExit {
    ~ForgetEngineOnExit() { g_engine.store(nullptr); }
  } forget_engine_on_exit;  // destroyed before the engine, however main returns
  g_engine.store(&engine);
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  if (!export_to.empty() || !import_from.empty()) return RunUsbJob(engine, export_to, import_from);
  if (!enrol_code.empty()) {
    base::Result<Enrolment> enrolled = engine.Enrol(enrol_code);
    if (!enrolled.ok()) {
      if (enrolled.error().code == base::ErrorCode::kLocked) return 3;
      return Usage("enrolment failed: " + enrolled.error().message);
    }
    std::printf("enrolled as station %s\n", enrolled->station_id.c_str());
  }

  if (once) {
    base::Result<RoundResult> round = engine.RunRound();
    if (!round.ok()) {
      base::LogError("kiosk-sync", round.error().message);
      return round.error().code == base::ErrorCode::kLocked ? 3 : 1;
    }
    const DeliveryReport& d = round->delivery;
    std::printf("reports: %d due, %d acknowledged, %d failed, %d refused; ratings %d, "
                "watch records %d, events %d\n",
                d.reports_due, d.reports_acknowledged, d.reports_failed, d.reports_refused,
                d.ratings_uploaded, d.watch_records_uploaded, d.events_applied);
    for (const SyncProblem& p : round->problems) std::printf("error: %s\n", ProblemText(p).c_str());
    for (const SyncProblem& p : d.problems) std::printf("error: %s\n", ProblemText(p).c_str());
    if (round->paused_for_usb) std::printf("paused for a USB job; the round goes on after it\n");
    if (!round->ran) return 2;
    return round->everything_delivered ? 0 : 1;
  }

  engine.RunUntil(g_stop);
  return 0;
}
