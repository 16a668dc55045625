#include "sync/outbox.h"

#include <catch2/catch.hpp>
#include <sodium.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/files.h"
#include "store/sql.h"
#include "store/store.h"
#include "sync/outbox_queue.h"
#include "sync/report_lookup.h"
#include "sync/ticket_code.h"
#include "tests/base/scratch_dir.h"
#include "tests/sync/report_fixture.h"

namespace {

using namespace station_sync;

constexpr std::int64_t kNow = 1795136400;  // Friday 2026-11-20 09:00 at UTC+8

std::unique_ptr<store::Store> OpenStore(const std::string& path) {
  auto opened = store::Store::Open(path);
  if (!opened.ok()) FAIL("cannot open store: " << opened.error().message);
  return std::move(opened).value();
}

std::unique_ptr<Outbox> OpenOutbox(store::Store& db, FileSystem& fs, Clock& clock,
                                   const OutboxConfig& config) {
  auto opened = Outbox::Open(db, fs, clock, config);
  if (!opened.ok()) FAIL("cannot open outbox: " << opened.error().message);
  return std::move(opened).value();
}

// A station with a data directory, a store and a test county key.
struct Station {
  test::ScratchDir dir;
  std::unique_ptr<store::Store> db = OpenStore(dir.File("station.db"));
  CountySecretKey county = GenerateCountyKey();
  OutboxConfig config = test::TestConfig(dir.File("outbox"), county);
  ManualClock clock{kNow};

  test::OutboxCheck Check(FileSystem& fs = PosixFileSystem()) {
    return test::CheckOutbox(*db, fs, config.dir, county);
  }
  std::int64_t Count(const char* table) {
    auto s = store::sql::Statement::Prepare(db->handle(), std::string("SELECT count(*) FROM ") + table);
    REQUIRE(s.ok());
    REQUIRE(*s->Step());
    return s->Int(0);
  }
};

}  // namespace

TEST_CASE("A finalised report is sealed on disk, committed, and opens for the county",
          "[sync]") {
  Station station;
  auto outbox = OpenOutbox(*station.db, PosixFileSystem(), station.clock, station.config);
  ReportDraft draft = test::MakeDraft(*outbox, 3, 50000, 30000, 1);
  CHECK(draft.started_at_s == kNow);
  station.clock.Advance(90);

  base::Result<SubmittedReport> submitted = outbox->Finalise(draft);
  REQUIRE(submitted.ok());
  CHECK(IsValidTicketCode(submitted->ticket_code));
  CHECK(submitted->report_id == draft.report_id);
  CHECK(submitted->saved_at_s == kNow + 90);
  CHECK(submitted->promise.reply_within_hours == 24);
  CHECK(submitted->promise.resolve_within_working_days == 3);
  REQUIRE(submitted->due.reply_due_s);
  CHECK(*submitted->due.reply_due_s == kNow + 90 + 24 * 3600);
  CHECK_FALSE(submitted->was_already_submitted);
  CHECK(submitted->sealed_size_bytes > 3 * 50000 + 30000);

  const test::OutboxCheck check = station.Check();
  CHECK(check.problems.empty());
  CHECK(check.intact == std::set<std::string>{draft.report_id});

  // The county sees exactly what the villager gave, and the ticket code.
  const std::string dir = station.config.dir + "/" + draft.report_id;
  auto opened = OpenReport(test::FileBytes(dir + "/envelope"), station.county,
                           [&](const std::string& sha) { return base::ReadFile(dir + "/" + sha); });
  REQUIRE(opened.ok());
  const auto body = nlohmann::json::parse(opened->body_json);
  CHECK(body["ticket_code"] == submitted->ticket_code);
  CHECK(body["text"] == draft.text);
  CHECK(body["category"] == "water");
  CHECK(body["started_at"] == kNow);
  CHECK(body["attachments"][3]["kind"] == "voice_note");
  REQUIRE(opened->attachments.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) CHECK(opened->attachments[i] == draft.attachments[i].bytes);

  SECTION("the station keeps only ciphertext: no plaintext byte run on disk") {
    for (const std::string& name : test::ListDirectory(dir)) {
      const std::string bytes = test::FileBytes(dir + "/" + name);
      CHECK(bytes.find(draft.text) == std::string::npos);
      CHECK(bytes.find(draft.attachments[0].bytes.substr(1000, 64)) == std::string::npos);
      struct stat info {};
      REQUIRE(::stat((dir + "/" + name).c_str(), &info) == 0);
      CHECK((info.st_mode & 0777) == 0600);
    }
  }
  SECTION("finalising the same draft again returns the same ticket and writes nothing") {
    base::Result<SubmittedReport> again = outbox->Finalise(draft);
    REQUIRE(again.ok());
    CHECK(again->was_already_submitted);
    CHECK(again->ticket_code == submitted->ticket_code);
    CHECK(station.Count("reports") == 1);
  }
  SECTION("the row cannot be edited or deleted, by anyone with the store") {
    CHECK_FALSE(station.db->Exec("DELETE FROM reports").ok());
    CHECK_FALSE(station.db->Exec("UPDATE reports SET ticket_code = 'X'").ok());
    CHECK_FALSE(station.db->Exec("UPDATE reports SET saved_at = 0").ok());
    CHECK_FALSE(station.db->Exec("DELETE FROM report_blobs").ok());
    CHECK_FALSE(station.db->Exec("UPDATE report_blobs SET sha256 = 'x'").ok());
  }
}

TEST_CASE("Limits are checked when the report is finalised, and nothing is written",
          "[sync]") {
  Station station;
  auto outbox = OpenOutbox(*station.db, PosixFileSystem(), station.clock, station.config);
  const ReportLimits limits = station.config.limits;
  using P = DraftProblem;

  ReportDraft empty = outbox->StartReport();
  CHECK(CheckDraft(empty, limits) == std::vector<P>{P::kEmpty});

  ReportDraft big = test::MakeDraft(*outbox, 1, limits.max_photo_bytes + 1, 0, 2);
  CHECK(CheckDraft(big, limits) == std::vector<P>{P::kPhotoTooLarge});
  ReportDraft many = test::MakeDraft(*outbox, limits.max_photos + 1, 10, 0, 3);
  CHECK(CheckDraft(many, limits) == std::vector<P>{P::kTooManyPhotos});
  ReportDraft long_voice = test::MakeDraft(*outbox, 0, 0, limits.max_voice_note_bytes + 1, 4);
  CHECK(CheckDraft(long_voice, limits) == std::vector<P>{P::kVoiceNoteTooLarge});
  ReportDraft no_id = test::MakeDraft(*outbox, 1, 10, 0, 5);
  no_id.report_id = "1";
  CHECK(CheckDraft(no_id, limits) == std::vector<P>{P::kBadReportId});

  base::Result<SubmittedReport> refused = outbox->Finalise(big);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == base::ErrorCode::kInvalidInput);
  CHECK(refused.error().message.find("photo is too large") != std::string::npos);
  CHECK(station.Count("reports") == 0);
  CHECK(test::ListDirectory(station.config.dir) == std::vector<std::string>{".lock"});
}

TEST_CASE("A ticket code already issued is never issued again", "[sync]") {
  Station station;
  // A random source that repeats: the first two reports draw the same code.
  int draws = 0;
  station.config.ticket_random_below = [&draws](std::uint32_t n) {
    return static_cast<std::uint32_t>((draws++ < 20 ? 7 : draws) % n);
  };
  auto outbox = OpenOutbox(*station.db, PosixFileSystem(), station.clock, station.config);
  auto first = outbox->Finalise(test::MakeDraft(*outbox, 0, 0, 100, 1));
  draws = 0;
  auto second = outbox->Finalise(test::MakeDraft(*outbox, 0, 0, 100, 2));
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(first->ticket_code != second->ticket_code);
  CHECK(IsValidTicketCode(second->ticket_code));
}

TEST_CASE("Opening the outbox removes half-written reports and keeps committed ones",
          "[sync]") {
  Station station;
  std::string kept;
  {
    auto outbox = OpenOutbox(*station.db, PosixFileSystem(), station.clock, station.config);
    auto submitted = outbox->Finalise(test::MakeDraft(*outbox, 1, 1000, 0, 1));
    REQUIRE(submitted.ok());
    kept = submitted->report_id;
  }
  // What a crash leaves: a staging directory (before the rename) and a
  // renamed directory whose row was never committed.
  const std::string staging = station.config.dir + "/.staging-" + std::string(32, 'a') + "-01020304";
  const std::string uncommitted = station.config.dir + "/" + std::string(32, 'b');
  std::filesystem::create_directories(staging);
  std::filesystem::create_directories(uncommitted);
  REQUIRE(base::WriteFileDurably(staging + "/blob-0.tmp", "half").ok());
  REQUIRE(base::WriteFileDurably(uncommitted + "/envelope", "whole").ok());

  auto outbox = OpenOutbox(*station.db, PosixFileSystem(), station.clock, station.config);
  CHECK(outbox->recovery().removed_staging == 1);
  CHECK(outbox->recovery().removed_uncommitted == 1);
  CHECK(outbox->recovery().damaged.empty());
  CHECK(test::ListDirectory(station.config.dir) == std::vector<std::string>{".lock", kept});
  CHECK(station.Check().problems.empty());

  SECTION("a second writer is refused while the first holds the outbox") {
    auto second = Outbox::Open(*station.db, PosixFileSystem(), station.clock, station.config);
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().code == base::ErrorCode::kLocked);
  }
}

TEST_CASE("Check my report: typo, unknown, timeline, replies and a rating", "[sync]") {
  Station station;
  auto outbox = OpenOutbox(*station.db, PosixFileSystem(), station.clock, station.config);
  auto submitted = outbox->Finalise(test::MakeDraft(*outbox, 1, 1000, 1000, 1));
  REQUIRE(submitted.ok());
  const std::string code = submitted->ticket_code;
  OutboxQueue queue(*station.db, PosixFileSystem(), station.config.dir);

  std::string typo = code;
  typo[4] = typo[4] == 'A' ? 'C' : 'A';
  auto bad = CheckReport(*station.db, typo, kNow);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == base::ErrorCode::kInvalidInput);
  auto unknown = CheckReport(*station.db, GenerateTicketCode(), kNow);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code == base::ErrorCode::kNotFound);

  // Typed as read from the screen, in lower case.
  std::string typed = FormatTicketCode(code);
  for (char& c : typed) c = static_cast<char>(std::tolower(c));
  auto view = CheckReport(*station.db, typed, kNow + 60);
  REQUIRE(view.ok());
  CHECK(view->report_id == submitted->report_id);
  CHECK(view->timeline.steps[0].done);
  CHECK_FALSE(view->timeline.steps[1].done);
  CHECK_FALSE(view->timeline.overdue);
  CHECK_FALSE(view->can_rate);
  CHECK(RateReport(*station.db, code, 5, kNow).error().code == base::ErrorCode::kInvalidInput);

  // Two days later, still no reply: overdue.
  CHECK(CheckReport(*station.db, code, kNow + 2 * 86400)->timeline.steps[2].overdue);

  REQUIRE(queue.BeginSending(submitted->report_id).ok());
  REQUIRE(queue.MarkAcknowledged(submitted->report_id, kNow + 3600).ok());
  REQUIRE(queue.RecordReply(submitted->report_id, "r1", kNow + 7200, "已转水务站处理", kNow + 7300).ok());
  REQUIRE(queue.RecordReply(submitted->report_id, "r1", kNow + 7200, "已转水务站处理", kNow + 9000).ok());
  REQUIRE(queue.RecordResolved(submitted->report_id, kNow + 86400).ok());

  view = CheckReport(*station.db, code, kNow + 2 * 86400);
  REQUIRE(view.ok());
  for (const TimelineStep& step : view->timeline.steps) CHECK(step.done);
  CHECK_FALSE(view->timeline.overdue);
  REQUIRE(view->replies.size() == 1);
  CHECK(view->replies[0].text == "已转水务站处理");
  CHECK(view->can_rate);

  CHECK(RateReport(*station.db, code, 0, kNow).error().code == base::ErrorCode::kInvalidInput);
  REQUIRE(RateReport(*station.db, code, 2, kNow).ok());
  REQUIRE(RateReport(*station.db, code, 4, kNow).ok());  // changed her mind
  auto ratings = queue.RatingsToUpload();
  REQUIRE(ratings.ok());
  REQUIRE(ratings->size() == 1);
  CHECK((*ratings)[0].faces == 4);
  REQUIRE(queue.MarkRatingUploaded(submitted->report_id, kNow).ok());
  CHECK(RateReport(*station.db, code, 1, kNow).error().code == base::ErrorCode::kLocked);
  CHECK(CheckReport(*station.db, code, kNow)->rating == 4);
}

TEST_CASE("Reports move Saved -> Sending -> Acknowledged or Failed(retry at), nothing else",
          "[sync]") {
  Station station;
  auto outbox = OpenOutbox(*station.db, PosixFileSystem(), station.clock, station.config);
  auto a = outbox->Finalise(test::MakeDraft(*outbox, 1, 100, 0, 1));
  station.clock.Advance(10);
  auto b = outbox->Finalise(test::MakeDraft(*outbox, 1, 100, 0, 2));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  OutboxQueue queue(*station.db, PosixFileSystem(), station.config.dir);

  auto due = queue.DueForSending(kNow, 10);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 2);
  CHECK((*due)[0].report_id == a->report_id);  // oldest first
  CHECK((*due)[0].blobs.size() == 2);
  CHECK((*due)[0].directory == station.config.dir + "/" + a->report_id);

  CHECK(queue.MarkFailed(a->report_id, kNow, "x").error().code == base::ErrorCode::kNotFound);
  REQUIRE(queue.BeginSending(a->report_id).ok());
  CHECK_FALSE(queue.BeginSending(a->report_id).ok());
  REQUIRE(queue.MarkFailed(a->report_id, kNow + 600, "timeout").ok());
  CHECK(queue.DueForSending(kNow, 10)->size() == 1);       // a waits for its retry time
  CHECK(queue.DueForSending(kNow + 600, 10)->size() == 2);
  REQUIRE(queue.BeginSending(a->report_id).ok());
  CHECK(queue.Get(a->report_id)->attempts == 2);

  SECTION("a send interrupted by a crash is retried") {
    REQUIRE(queue.RecoverInterrupted(kNow + 5).ok());
    CHECK(queue.Get(a->report_id)->state == ReportState::kFailed);
    CHECK(queue.DueForSending(kNow + 5, 10)->size() == 2);
  }
  SECTION("acknowledged is final and the files leave the outbox") {
    REQUIRE(queue.MarkAcknowledged(a->report_id, kNow + 700).ok());
    CHECK(queue.Get(a->report_id)->state == ReportState::kAcknowledged);
    CHECK_FALSE(std::filesystem::exists(station.config.dir + "/" + a->report_id));
    CHECK_FALSE(queue.BeginSending(a->report_id).ok());
    CHECK_FALSE(station.db->Exec("UPDATE reports SET status = 'saved'").ok());
    CHECK(queue.DueForSending(kNow + 10000, 10)->size() == 1);
    CHECK(station.Check().problems.empty());
    // The row, and so "check my report", stays.
    CHECK(CheckReport(*station.db, a->ticket_code, kNow)->timeline.steps[1].done);
  }
}

TEST_CASE("Fault loop: the Nth file call fails with ENOSPC or EIO, nothing is half-saved and a retry succeeds",
          "[sync]") {
  const int error_number = GENERATE(ENOSPC, EIO);
  const bool persistent = GENERATE(false, true);
  Station station;
  FaultyFileSystem fs(PosixFileSystem());
  std::set<std::string> submitted;
  int faults = 0;
  for (std::int64_t n = 1;; ++n) {
    INFO("failing call " << n << (persistent ? " and after" : ""));
    auto outbox = OpenOutbox(*station.db, fs, station.clock, station.config);
    const ReportDraft draft = test::MakeDraft(*outbox, 2, 70000, 2000, static_cast<std::uint64_t>(n));
    const std::int64_t base_calls = fs.calls();
    if (persistent) {
      fs.FailFromCall(base_calls + n, error_number);
    } else {
      fs.FailCall(base_calls + n, error_number);
    }
    base::Result<SubmittedReport> result = outbox->Finalise(draft);
    const bool faulted = fs.calls() >= base_calls + n;
    fs.Heal();
    if (result.ok()) {
      submitted.insert(result->report_id);
    } else {
      ++faults;
      CHECK(result.error().code ==
            (error_number == ENOSPC ? base::ErrorCode::kDiskFull : base::ErrorCode::kIo));
    }
    // After the failure (and after a restart), nothing half-saved is visible
    // and every report that said "submitted" is intact.
    outbox.reset();
    outbox = OpenOutbox(*station.db, fs, station.clock, station.config);
    const test::OutboxCheck check = station.Check();
    for (const std::string& p : check.problems) FAIL_CHECK(p);
    CHECK(check.intact == submitted);
    if (!result.ok()) {
      // The villager taps "send" again with the same draft.
      base::Result<SubmittedReport> retry = outbox->Finalise(draft);
      REQUIRE(retry.ok());
      submitted.insert(retry->report_id);
      CHECK(station.Check().intact == submitted);
    }
    if (!faulted) break;  // a run that met no fault: every call has been failed once
  }
  CHECK(faults >= 20);
  CHECK(station.Count("reports") == static_cast<std::int64_t>(submitted.size()));
}

TEST_CASE("Fault loop: the disk fills up after N bytes and a short write is never kept",
          "[sync]") {
  Station station;
  FaultyFileSystem fs(PosixFileSystem());
  std::set<std::string> submitted;
  int full = 0;
  // Byte budgets around every boundary of a small report: header, chunks, envelope.
  for (std::int64_t budget = 0; budget < 3000; budget += 37) {
    auto outbox = OpenOutbox(*station.db, fs, station.clock, station.config);
    fs.FailAfterBytes(budget);
    base::Result<SubmittedReport> result = outbox->Finalise(test::MakeDraft(*outbox, 1, 1200, 0, 9));
    fs.Heal();
    if (result.ok()) {
      submitted.insert(result->report_id);
    } else {
      CHECK(result.error().code == base::ErrorCode::kDiskFull);
      ++full;
    }
    outbox.reset();
    outbox = OpenOutbox(*station.db, fs, station.clock, station.config);
    const test::OutboxCheck check = station.Check();
    for (const std::string& p : check.problems) FAIL_CHECK(p);
    CHECK(check.intact == submitted);
  }
  CHECK(full > 10);
  CHECK_FALSE(submitted.empty());
}

TEST_CASE("A real full disk (1 MiB tmpfs) gives kDiskFull, keeps nothing half-saved, and recovers",
          "[sync][root]") {
  test::ScratchDir scratch;
  const std::string mount_point = scratch.File("tmpfs");
  std::filesystem::create_directories(mount_point);
  if (::mount("tmpfs", mount_point.c_str(), "tmpfs", 0, "size=1m,mode=0700") != 0) {
    WARN("cannot mount a tmpfs here (" << std::strerror(errno)
                                        << "); the real-disk-full case is skipped, the fault loops cover it");
    return;
  }
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{mount_point};

  // Everything on the small disk: the store too, so SQLITE_FULL is possible.
  CountySecretKey county = GenerateCountyKey();
  OutboxConfig config = test::TestConfig(mount_point + "/outbox", county);
  ManualClock clock(kNow);
  std::set<std::string> submitted;
  base::Error last_error{base::ErrorCode::kIo, ""};
  {
    auto db = OpenStore(mount_point + "/station.db");
    auto outbox = OpenOutbox(*db, PosixFileSystem(), clock, config);
    for (int i = 0; i < 40; ++i) {
      auto result = outbox->Finalise(test::MakeDraft(*outbox, 1, 150000, 0, static_cast<std::uint64_t>(i)));
      if (!result.ok()) {
        last_error = result.error();
        break;
      }
      submitted.insert(result->report_id);
    }
  }
  CHECK(last_error.code == base::ErrorCode::kDiskFull);
  INFO(last_error.message);
  CHECK(submitted.size() >= 2);
  CHECK(submitted.size() <= 7);

  auto db = OpenStore(mount_point + "/station.db");
  auto outbox = OpenOutbox(*db, PosixFileSystem(), clock, config);
  const test::OutboxCheck check = test::CheckOutbox(*db, PosixFileSystem(), config.dir, county);
  for (const std::string& p : check.problems) FAIL_CHECK(p);
  CHECK(check.intact == submitted);
  // A small report still fits once the big one is refused: the villager can retry smaller.
  auto small = outbox->Finalise(test::MakeDraft(*outbox, 0, 0, 2000, 99));
  if (small.ok()) submitted.insert(small->report_id);
  CHECK(test::CheckOutbox(*db, PosixFileSystem(), config.dir, county).intact == submitted);
}
