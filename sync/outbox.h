// The station's outbox for villagers' reports (issue 4): from a finished
// draft to sealed files and a committed row, durably, before the screen may
// say "submitted".
//
//   StartReport()      a draft with a fresh random report id (the county's
//                      key for idempotent intake) and the start time
//   CheckDraft()       size and count limits, checked here and not at send
//                      time, so a saved report can never be stuck for size
//   Finalise(draft)    seals and writes, then commits; returns the ticket
//
// Finalise, step by step (each step's failure leaves nothing visible):
//   1. a staging directory  <outbox>/.staging-<id>-<random>/
//   2. each blob (body JSON, then attachments) sealed chunk by chunk into a
//      temporary file, fsynced, closed, renamed to its SHA-256
//   3. the signed envelope, fsynced, closed; the staging directory fsynced
//   4. the staging directory renamed to <outbox>/<id>, <outbox> fsynced
//   5. one SQLite transaction (synchronous=FULL): the report row and its
//      blob rows, with a fresh unique ticket code
// Invariant: a committed row always has its complete directory (step 4 is
// durable before step 5 begins). Open() restores the invariant's other half
// after a crash: staging directories, and report directories without a
// row, are removed; directories of acknowledged reports (which have left
// the outbox) are pruned.
//
// There is deliberately no way here to read, edit or delete a report: the
// station keeps only ciphertext, and the table refuses changes (see
// store/migrations/0003_reports.sql). One process writes the outbox at a
// time (an advisory lock on <outbox>/.lock).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "sync/clock.h"
#include "sync/file_system.h"
#include "sync/report_timeline.h"
#include "sync/seal.h"

namespace store {
class Store;
}

namespace station_sync {

enum class AttachmentKind { kPhoto, kVoiceNote };

// Already encoded by media/ (JPEG downscaled and stripped of metadata; Opus).
struct Attachment {
  AttachmentKind kind = AttachmentKind::kPhoto;
  std::string mime_type;  // "image/jpeg", "audio/ogg"
  std::string bytes;
};

// Where the problem is: the station's village group, and what the villager
// adds ("the bridge by the school").
struct ReportPlace {
  std::string village;
  std::string detail;
};

// Who files it. A station administrator filing for a resident (代发) is
// recorded as the helper, apart from the resident, who may stay anonymous.
struct Reporter {
  enum class Kind { kAnonymous, kNamed };
  Kind kind = Kind::kAnonymous;
  std::string name;    // kNamed
  std::string phone;   // kNamed
  std::string helper;  // non-empty: filed for the resident by this administrator
};

struct ReportDraft {
  std::string report_id;        // from StartReport(); 32 lowercase hex
  std::int64_t started_at_s = 0;
  std::string category;         // picked from pictures, e.g. "water", "road"
  std::string text;             // optional, typed or by a helper
  std::string language;         // the screen language, e.g. "zh-CN", "ug"
  ReportPlace place;
  Reporter reporter;
  std::vector<Attachment> attachments;
};

struct ReportLimits {
  int max_photos = 5;
  int max_voice_notes = 1;
  std::size_t max_photo_bytes = 2 << 20;         // a downscaled JPEG is ~300 KB
  std::size_t max_voice_note_bytes = 1 << 20;    // 5 minutes of Opus at 24 kbit/s
  std::size_t max_text_bytes = 8 << 10;
  std::size_t max_total_bytes = 12 << 20;
};

enum class DraftProblem {
  kBadReportId,       // not from StartReport()
  kEmpty,             // no text, no photo, no voice note
  kTooManyPhotos,
  kTooManyVoiceNotes,
  kPhotoTooLarge,
  kVoiceNoteTooLarge,
  kTextTooLong,
  kTooLarge,          // everything together
};

// Empty when the draft may be finalised.
std::vector<DraftProblem> CheckDraft(const ReportDraft& draft, const ReportLimits& limits);
const char* ToString(DraftProblem problem);

struct SubmittedReport {
  std::string report_id;
  std::string ticket_code;  // canonical; FormatTicketCode() for the screen
  std::int64_t saved_at_s = 0;
  ReportPromise promise;    // "reply within 24 hours, resolve within 3 working days"
  DueTimes due;             // the same as times, if the clock is plausible
  std::uint64_t sealed_size_bytes = 0;
  bool was_already_submitted = false;  // Finalise() was called again for the same id
};

struct OutboxConfig {
  std::string dir;          // <data>/outbox
  CountyPublicKey county;
  StationKey station;
  ReportPromise promise;
  ReportLimits limits;
  // Tests only: the ticket code's random source (empty: libsodium).
  std::function<std::uint32_t(std::uint32_t)> ticket_random_below;
};

// Reads the configuration from the data directory and the store's settings:
//   report.county_key_file              path of the county public key file
//                                       (until enrolment pins a key)
//   report.reply_within_hours           default 24
//   report.resolve_within_working_days  default 3
//   station.utc_offset_minutes          default 480
// and the station signing key <data>/keys/station.key (made if missing).
// kUnavailable when no county key is configured: reporting is not set up.
base::Result<OutboxConfig> LoadOutboxConfig(const store::Store& store, FileSystem& fs,
                                            const std::string& data_dir);

class Outbox {
 public:
  struct Recovery {
    int removed_staging = 0;      // crashed before step 4
    int removed_uncommitted = 0;  // crashed between steps 4 and 5
    int pruned_acknowledged = 0;  // acknowledged reports whose files were still there
    std::vector<std::string> damaged;  // committed but files missing: must never happen
  };

  // Takes the writer lock, creates the directory if needed and recovers
  // from a crash (see above). `store`, `fs` and `clock` must outlive the Outbox.
  static base::Result<std::unique_ptr<Outbox>> Open(store::Store& store, FileSystem& fs,
                                                    Clock& clock, OutboxConfig config);
  ~Outbox();

  ReportDraft StartReport();

  // kInvalidInput: CheckDraft() found problems (the message lists them);
  // kDiskFull: no room; kIo: the disk failed. On any error nothing was
  // saved and the villager can try again with the same draft. Calling it
  // again after success returns the same ticket (was_already_submitted).
  base::Result<SubmittedReport> Finalise(const ReportDraft& draft);

  const Recovery& recovery() const { return recovery_; }
  const OutboxConfig& config() const { return config_; }

 private:
  Outbox(store::Store& store, FileSystem& fs, Clock& clock, OutboxConfig config,
         std::unique_ptr<FileLock> lock);
  base::Status Recover();
  base::Result<std::optional<SubmittedReport>> FindSubmitted(const std::string& report_id);
  base::Result<std::string> UniqueTicketCode();

  store::Store& store_;
  FileSystem& fs_;
  Clock& clock_;
  OutboxConfig config_;
  std::unique_ptr<FileLock> lock_;
  Recovery recovery_;
};

// The JSON sealed as blob 0 (docs/report-format.md, "Body").
std::string ReportBodyJson(const ReportDraft& draft, const std::string& ticket_code,
                           std::int64_t saved_at_s);

}  // namespace station_sync
