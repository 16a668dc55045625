// Outbox: durable finalisation and crash recovery. The order of operations
// and the invariant they keep are described in outbox.h; this file follows
// that order top to bottom.

#include "sync/outbox.h"

#include <sodium.h>

#include <cassert>
#include <charconv>
#include <nlohmann/json.hpp>

#include "base/log.h"
#include "store/sql.h"
#include "store/store.h"
#include "sync/enrolment.h"
#include "sync/ticket_code.h"

namespace station_sync {
namespace {

constexpr char kStagingPrefix[] = ".staging-";
constexpr char kEnvelopeName[] = "envelope";
constexpr int kTicketDraws = 16;  // a collision at 48 bits is already ~never

std::string RandomHex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string hex(bytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                 raw.size());
  hex.pop_back();
  return hex;
}

bool IsReportId(std::string_view id) {
  if (id.size() != 32) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string_view KindName(AttachmentKind kind) {
  return kind == AttachmentKind::kPhoto ? "photo" : "voice_note";
}

std::string ParentOf(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Writes one sealed blob into `dir` under its hash; returns its hash and size.
base::Result<SealedBlob> WriteBlob(FileSystem& fs, const std::string& dir, const ReportKey& key,
                                   const std::string& report_id, std::uint32_t index,
                                   std::string_view plaintext) {
  const std::string temp = dir + "/blob-" + std::to_string(index) + ".tmp";
  base::Result<std::unique_ptr<WritableFile>> file = fs.Create(temp, 0600);
  if (!file.ok()) return file.error();
  base::Result<SealedBlob> blob = SealBlob(key, report_id, index, plaintext, **file);
  base::Status status = blob.ok() ? (*file)->Sync() : base::Status(blob.error());
  if (base::Status closed = (*file)->Close(); status.ok()) status = closed;
  if (status.ok()) status = fs.Rename(temp, dir + "/" + blob->sha256_hex);
  if (!status.ok()) return status.error();
  return blob;
}

base::Status WriteNewFile(FileSystem& fs, const std::string& path, std::string_view bytes) {
  base::Result<std::unique_ptr<WritableFile>> file = fs.Create(path, 0600);
  if (!file.ok()) return file.error();
  base::Status status = (*file)->Append(bytes);
  if (status.ok()) status = (*file)->Sync();
  if (base::Status closed = (*file)->Close(); status.ok()) status = closed;
  return status;
}

int SettingInt(const store::Store& store, std::string_view key, int fallback, int low, int high) {
  const std::optional<std::string> text = store.GetSetting(key);
  if (!text) return fallback;
  int value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < low || value > high) {
    base::LogWarn("outbox", "setting " + std::string(key) + " = \"" + *text +
                                "\" is not a number in [" + std::to_string(low) + ", " +
                                std::to_string(high) + "]; using " + std::to_string(fallback));
    return fallback;
  }
  return value;
}

}  // namespace

// ---- Drafts ---------------------------------------------------------------------

const char* ToString(DraftProblem problem) {
  switch (problem) {
    case DraftProblem::kBadReportId: return "bad report id";
    case DraftProblem::kEmpty: return "nothing to send";
    case DraftProblem::kTooManyPhotos: return "too many photos";
    case DraftProblem::kTooManyVoiceNotes: return "too many voice notes";
    case DraftProblem::kPhotoTooLarge: return "a photo is too large";
    case DraftProblem::kVoiceNoteTooLarge: return "the voice note is too long";
    case DraftProblem::kTextTooLong: return "the text is too long";
    case DraftProblem::kTooLarge: return "the report is too large";
  }
  return "unknown";
}

std::vector<DraftProblem> CheckDraft(const ReportDraft& draft, const ReportLimits& limits) {
  std::vector<DraftProblem> problems;
  auto add = [&](DraftProblem p) {
    for (DraftProblem seen : problems) {
      if (seen == p) return;
    }
    problems.push_back(p);
  };
  if (!IsReportId(draft.report_id)) add(DraftProblem::kBadReportId);
  int photos = 0;
  int voice_notes = 0;
  const std::size_t typed = draft.text.size() + draft.place.detail.size() + draft.reporter.name.size() +
                            draft.reporter.phone.size() + draft.reporter.helper.size();
  std::size_t total = typed + draft.category.size() + draft.place.village.size();
  for (const Attachment& a : draft.attachments) {
    total += a.bytes.size();
    if (a.kind == AttachmentKind::kPhoto) {
      ++photos;
      if (a.bytes.size() > limits.max_photo_bytes) add(DraftProblem::kPhotoTooLarge);
    } else {
      ++voice_notes;
      if (a.bytes.size() > limits.max_voice_note_bytes) add(DraftProblem::kVoiceNoteTooLarge);
    }
  }
  if (draft.text.empty() && draft.attachments.empty()) add(DraftProblem::kEmpty);
  if (photos > limits.max_photos) add(DraftProblem::kTooManyPhotos);
  if (voice_notes > limits.max_voice_notes) add(DraftProblem::kTooManyVoiceNotes);
  if (typed > limits.max_text_bytes) add(DraftProblem::kTextTooLong);
  if (total > limits.max_total_bytes) add(DraftProblem::kTooLarge);
  return problems;
}

namespace {

nlohmann::json ReporterJson(const Reporter& reporter) {
  nlohmann::json json = {{"kind", reporter.kind == Reporter::Kind::kNamed ? "named" : "anonymous"}};
  if (reporter.kind == Reporter::Kind::kNamed) {
    json["name"] = reporter.name;
    json["phone"] = reporter.phone;
  }
  if (!reporter.helper.empty()) json["filed_by_helper"] = reporter.helper;
  return json;
}

}  // namespace

std::string ReportBodyJson(const ReportDraft& draft, const std::string& ticket_code,
                           std::int64_t saved_at_s) {
  nlohmann::json attachments = nlohmann::json::array();
  for (std::size_t i = 0; i < draft.attachments.size(); ++i) {
    const Attachment& a = draft.attachments[i];
    attachments.push_back({{"blob", i + 1},
                           {"kind", KindName(a.kind)},
                           {"mime_type", a.mime_type},
                           {"size_bytes", a.bytes.size()}});
  }
  const nlohmann::json body = {
      {"format", 1},
      {"report_id", draft.report_id},
      {"ticket_code", ticket_code},
      {"started_at", draft.started_at_s},
      {"saved_at", saved_at_s},
      {"category", draft.category},
      {"language", draft.language},
      {"text", draft.text},
      {"place", {{"village", draft.place.village}, {"detail", draft.place.detail}}},
      {"reporter", ReporterJson(draft.reporter)},
      {"attachments", attachments},
  };
  // Invalid UTF-8 in typed text is replaced rather than failing the report.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// ---- Configuration ------------------------------------------------------------

base::Result<OutboxConfig> LoadOutboxConfig(const store::Store& store, FileSystem& fs,
                                            const std::string& data_dir) {
  OutboxConfig config;
  config.dir = data_dir + "/outbox";
  // The key pinned at enrolment wins over a configured key file.
  // (Unreadable, e.g. a store without the sync tables yet: the key file.)
  base::Result<std::optional<CountyPublicKey>> pinned = PinnedCountyKey(store);
  if (!pinned.ok()) {
    base::LogWarn("outbox", "no pinned county key: " + pinned.error().message);
    pinned = std::optional<CountyPublicKey>();
  }
  const std::optional<std::string> key_file = store.GetSetting("report.county_key_file");
  if (*pinned) {
    config.county = **pinned;
  } else if (!key_file || key_file->empty()) {
    return base::MakeError(base::ErrorCode::kUnavailable,
                           "no county key: enrol, or set report.county_key_file (reporting is not set up)");
  } else {
    base::Result<std::string> key_text = fs.ReadFile(*key_file);
    if (!key_text.ok()) {
      return base::MakeError(base::ErrorCode::kUnavailable,
                             "cannot read the county key: " + key_text.error().message);
    }
    base::Result<CountyPublicKey> county = ParseCountyPublicKey(*key_text);
    if (!county.ok()) {
      return base::MakeError(base::ErrorCode::kUnavailable,
                             "county key " + *key_file + ": " + county.error().message);
    }
    config.county = *county;
  }

  const std::string keys_dir = data_dir + "/keys";
  if (base::Status made = fs.MakeDirectory(keys_dir); !made.ok()) return made.error();
  if (base::Status synced = fs.SyncDirectory(data_dir); !synced.ok()) return synced.error();
  base::Result<StationKey> station = LoadOrCreateStationKey(fs, keys_dir + "/station.key");
  if (!station.ok()) return station.error();
  config.station = *station;

  config.promise.reply_within_hours = SettingInt(store, "report.reply_within_hours", 24, 1, 24 * 30);
  config.promise.resolve_within_working_days =
      SettingInt(store, "report.resolve_within_working_days", 3, 1, 60);
  config.promise.utc_offset_minutes =
      SettingInt(store, "station.utc_offset_minutes", 8 * 60, -12 * 60, 14 * 60);
  return config;
}

// ---- Outbox ---------------------------------------------------------------------

Outbox::Outbox(store::Store& store, FileSystem& fs, Clock& clock, OutboxConfig config,
               std::unique_ptr<FileLock> lock)
    : store_(store), fs_(fs), clock_(clock), config_(std::move(config)), lock_(std::move(lock)) {}

Outbox::~Outbox() = default;

base::Result<std::unique_ptr<Outbox>> Outbox::Open(store::Store& store, FileSystem& fs,
                                                   Clock& clock, OutboxConfig config) {
  if (sodium_init() < 0) {
    return base::MakeError(base::ErrorCode::kUnavailable, "libsodium cannot initialise");
  }
  if (base::Status made = fs.MakeDirectory(config.dir); !made.ok()) return made.error();
  if (base::Status synced = fs.SyncDirectory(ParentOf(config.dir)); !synced.ok()) {
    return synced.error();
  }
  base::Result<std::unique_ptr<FileLock>> lock = fs.LockExclusive(config.dir + "/.lock");
  if (!lock.ok()) return lock.error();
  std::unique_ptr<Outbox> outbox(
      new Outbox(store, fs, clock, std::move(config), std::move(lock).value()));
  if (base::Status recovered = outbox->Recover(); !recovered.ok()) return recovered.error();
  return outbox;
}

base::Status Outbox::Recover() {
  base::Result<std::vector<DirectoryEntry>> entries = fs_.List(config_.dir);
  if (!entries.ok()) return entries.error();
  auto statement = store::sql::Statement::Prepare(
      store_.handle(), "SELECT status FROM reports WHERE report_id = ?1");
  if (!statement.ok()) return statement.error();
  bool removed_any = false;
  std::vector<std::string> present;
  for (const DirectoryEntry& entry : *entries) {
    const std::string path = config_.dir + "/" + entry.name;
    if (!entry.is_directory) continue;  // .lock
    if (entry.name.rfind(kStagingPrefix, 0) == 0) {
      if (base::Status removed = RemoveTree(fs_, path); !removed.ok()) return removed;
      ++recovery_.removed_staging;
      removed_any = true;
      continue;
    }
    if (!IsReportId(entry.name)) {
      base::LogWarn("outbox", "leaving unknown directory " + path);
      continue;
    }
    statement->Reset();
    statement->Bind(1, entry.name);
    base::Result<bool> row = statement->Step();
    if (!row.ok()) return row.error();
    if (!*row || statement->Text(0) == "acknowledged") {
      if (base::Status removed = RemoveTree(fs_, path); !removed.ok()) return removed;
      ++(*row ? recovery_.pruned_acknowledged : recovery_.removed_uncommitted);
      removed_any = true;
      continue;
    }
    present.push_back(entry.name);
  }
  if (removed_any) {
    if (base::Status synced = fs_.SyncDirectory(config_.dir); !synced.ok()) return synced;
  }
  if (recovery_.removed_staging + recovery_.removed_uncommitted > 0) {
    base::LogInfo("outbox", "recovered from an interrupted submission: removed " +
                                std::to_string(recovery_.removed_staging) + " staging and " +
                                std::to_string(recovery_.removed_uncommitted) +
                                " uncommitted report directories");
  }

  // Every unacknowledged row must have its files (the invariant of outbox.h).
  auto rows = store::sql::Statement::Prepare(
      store_.handle(),
      "SELECT r.report_id, b.sha256 FROM reports r JOIN report_blobs b USING (report_id) "
      "WHERE r.status != 'acknowledged' ORDER BY r.report_id, b.blob_index");
  if (!rows.ok()) return rows.error();
  std::string current;
  std::vector<DirectoryEntry> files;
  for (;;) {
    base::Result<bool> row = rows->Step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    const std::string id = rows->Text(0);
    if (id != current) {
      current = id;
      base::Result<std::vector<DirectoryEntry>> listed = fs_.List(config_.dir + "/" + id);
      files = listed.ok() ? std::move(listed).value() : std::vector<DirectoryEntry>{};
      bool has_envelope = false;
      for (const DirectoryEntry& f : files) has_envelope |= f.name == kEnvelopeName;
      if (!has_envelope) recovery_.damaged.push_back(id);
    }
    bool found = false;
    for (const DirectoryEntry& f : files) found |= f.name == rows->Text(1);
    if (!found && (recovery_.damaged.empty() || recovery_.damaged.back() != id)) {
      recovery_.damaged.push_back(id);
    }
  }
  for (const std::string& id : recovery_.damaged) {
    base::LogError("outbox", "report " + id + " is committed but its files are missing");
  }
  return base::Ok();
}

ReportDraft Outbox::StartReport() {
  ReportDraft draft;
  draft.report_id = RandomHex(16);
  draft.started_at_s = clock_.NowSeconds();
  return draft;
}

base::Result<std::optional<SubmittedReport>> Outbox::FindSubmitted(const std::string& report_id) {
  auto statement = store::sql::Statement::Prepare(
      store_.handle(),
      "SELECT ticket_code, saved_at, reply_due_at, resolve_due_at, sealed_size_bytes "
      "FROM reports WHERE report_id = ?1");
  if (!statement.ok()) return statement.error();
  statement->Bind(1, report_id);
  base::Result<bool> row = statement->Step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<SubmittedReport>();
  SubmittedReport report;
  report.report_id = report_id;
  report.ticket_code = statement->Text(0);
  report.saved_at_s = statement->Int(1);
  if (!statement->IsNull(2)) report.due.reply_due_s = statement->Int(2);
  if (!statement->IsNull(3)) report.due.resolve_due_s = statement->Int(3);
  report.sealed_size_bytes = static_cast<std::uint64_t>(statement->Int(4));
  report.promise = config_.promise;
  report.was_already_submitted = true;
  return std::optional<SubmittedReport>(report);
}

base::Result<std::string> Outbox::UniqueTicketCode() {
  auto statement = store::sql::Statement::Prepare(
      store_.handle(), "SELECT 1 FROM reports WHERE ticket_code = ?1");
  if (!statement.ok()) return statement.error();
  for (int draw = 0; draw < kTicketDraws; ++draw) {
    const std::string code = config_.ticket_random_below
                                 ? GenerateTicketCode(config_.ticket_random_below)
                                 : GenerateTicketCode();
    statement->Reset();
    statement->Bind(1, code);
    base::Result<bool> taken = statement->Step();
    if (!taken.ok()) return taken.error();
    if (!*taken) return code;
  }
  return base::MakeError(base::ErrorCode::kIo, "cannot draw an unused ticket code");
}

base::Result<SubmittedReport> Outbox::Finalise(const ReportDraft& draft) {
  if (!IsReportId(draft.report_id)) {
    return base::MakeError(base::ErrorCode::kInvalidInput, "draft has no valid report id");
  }
  base::Result<std::optional<SubmittedReport>> existing = FindSubmitted(draft.report_id);
  if (!existing.ok()) return existing.error();
  if (*existing) return **existing;

  if (std::vector<DraftProblem> problems = CheckDraft(draft, config_.limits); !problems.empty()) {
    std::string message = "report cannot be sent:";
    for (DraftProblem p : problems) message += std::string(" ") + ToString(p) + ";";
    return base::MakeError(base::ErrorCode::kInvalidInput, message);
  }
  base::Result<std::string> ticket = UniqueTicketCode();
  if (!ticket.ok()) return ticket.error();

  SubmittedReport result;
  result.report_id = draft.report_id;
  result.ticket_code = *ticket;
  result.saved_at_s = clock_.NowSeconds();
  result.promise = config_.promise;
  result.due = ComputeDueTimes(result.saved_at_s, config_.promise);

  // 1-3: seal everything into a staging directory.
  const ReportKey key = ReportKey::Generate();
  Envelope envelope;
  envelope.report_id = draft.report_id;
  envelope.station_key = config_.station.public_key;
  envelope.county_key_id = config_.county.Id();
  envelope.sealed_key = SealReportKey(key, config_.county);
  envelope.saved_at_s = result.saved_at_s;

  const std::string staging = config_.dir + "/" + kStagingPrefix + draft.report_id + "-" + RandomHex(4);
  const std::string final_dir = config_.dir + "/" + draft.report_id;
  std::string envelope_text;
  base::Status status = fs_.MakeDirectory(staging);
  if (status.ok()) {
    std::string body = ReportBodyJson(draft, result.ticket_code, result.saved_at_s);
    base::Result<SealedBlob> blob = WriteBlob(fs_, staging, key, draft.report_id, 0, body);
    sodium_memzero(body.data(), body.size());
    if (blob.ok()) envelope.blobs.push_back(*blob);
    status = blob.ok() ? base::Ok() : base::Status(blob.error());
  }
  for (std::size_t i = 0; status.ok() && i < draft.attachments.size(); ++i) {
    base::Result<SealedBlob> blob =
        WriteBlob(fs_, staging, key, draft.report_id, static_cast<std::uint32_t>(i + 1),
                  draft.attachments[i].bytes);
    if (blob.ok()) envelope.blobs.push_back(*blob);
    status = blob.ok() ? base::Ok() : base::Status(blob.error());
  }
  if (status.ok()) {
    envelope_text = SignEnvelope(envelope, config_.station);
    status = WriteNewFile(fs_, staging + "/" + kEnvelopeName, envelope_text);
  }
  if (status.ok()) status = fs_.SyncDirectory(staging);
  // 4: publish the directory. One left by an earlier attempt whose commit
  // failed has no row (checked above), so it is garbage.
  if (status.ok()) {
    base::Result<std::vector<DirectoryEntry>> leftover = fs_.List(final_dir);
    if (leftover.ok()) {
      status = RemoveTree(fs_, final_dir);
    } else if (leftover.error().code != base::ErrorCode::kNotFound) {
      status = leftover.error();
    }
  }
  if (status.ok()) status = fs_.Rename(staging, final_dir);
  if (!status.ok()) {
    (void)RemoveTree(fs_, staging);  // best effort; Open() removes what is left
    return status.error();
  }
  status = fs_.SyncDirectory(config_.dir);

  // 5: commit the row.
  assert(!status.ok() || envelope.blobs.size() == draft.attachments.size() + 1);
  result.sealed_size_bytes = envelope_text.size();
  for (const SealedBlob& b : envelope.blobs) result.sealed_size_bytes += b.size_bytes;
  if (status.ok()) {
    auto transaction = store::sql::Transaction::Begin(store_.handle());
    if (!transaction.ok()) status = transaction.error();
    auto insert = store::sql::Statement::Prepare(
        store_.handle(),
        "INSERT INTO reports (report_id, ticket_code, started_at, saved_at, reply_due_at, "
        "resolve_due_at, envelope_sha256, sealed_size_bytes) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (status.ok() && !insert.ok()) status = insert.error();
    if (status.ok()) {
      insert->Bind(1, draft.report_id).Bind(2, result.ticket_code).Bind(3, draft.started_at_s);
      insert->Bind(4, result.saved_at_s);
      if (result.due.reply_due_s) insert->Bind(5, *result.due.reply_due_s); else insert->BindNull(5);
      if (result.due.resolve_due_s) insert->Bind(6, *result.due.resolve_due_s); else insert->BindNull(6);
      insert->Bind(7, Sha256Hex(envelope_text));
      insert->Bind(8, static_cast<std::int64_t>(result.sealed_size_bytes));
      status = insert->Run();
    }
    auto blobs = store::sql::Statement::Prepare(
        store_.handle(),
        "INSERT INTO report_blobs (report_id, blob_index, sha256, size_bytes) "
        "VALUES (?1, ?2, ?3, ?4)");
    if (status.ok() && !blobs.ok()) status = blobs.error();
    for (std::size_t i = 0; status.ok() && i < envelope.blobs.size(); ++i) {
      blobs->Reset();
      blobs->Bind(1, draft.report_id).Bind(2, static_cast<std::int64_t>(i));
      blobs->Bind(3, envelope.blobs[i].sha256_hex);
      blobs->Bind(4, static_cast<std::int64_t>(envelope.blobs[i].size_bytes));
      status = blobs->Run();
    }
    if (status.ok()) status = transaction->Commit();
  }
  if (status.ok()) return result;

  // A failed COMMIT may still have committed (an error after the WAL was
  // synced): trust the database, never remove the files of a committed row.
  base::Result<std::optional<SubmittedReport>> committed = FindSubmitted(draft.report_id);
  if (committed.ok() && *committed) {
    result.was_already_submitted = false;
    return result;
  }
  if (committed.ok()) {
    (void)RemoveTree(fs_, final_dir);
    (void)fs_.SyncDirectory(config_.dir);
  }
  return status.error();
}

}  // namespace station_sync
