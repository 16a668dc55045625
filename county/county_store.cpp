// The county's database and blob directories: see county_store.h.

#include "county/county_store.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "base/files.h"
#include "base/log.h"
#include "store/sql.h"
#include "store/store.h"
#include "sync/ticket_code.h"

namespace county {
namespace {

using store::sql::Statement;
using store::sql::Transaction;

// The county schema, one migration per version (never edit a shipped one).
const std::vector<store::Migration>& CountyMigrations() {
  static const std::vector<store::Migration> migrations = {
      {1, "0001_county.sql", R"sql(
CREATE TABLE enrol_codes (
  code TEXT PRIMARY KEY,            -- canonical ticket-style code
  village TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  station_id TEXT                   -- set when used
);
CREATE TABLE stations (
  station_id TEXT PRIMARY KEY,      -- 32 hex
  station_key TEXT NOT NULL UNIQUE, -- base64 Ed25519 public key
  name TEXT NOT NULL,
  village TEXT NOT NULL,
  token_sha256 TEXT NOT NULL UNIQUE,
  enrolled_at INTEGER NOT NULL
);
CREATE TABLE uploads (
  sha256 TEXT PRIMARY KEY,
  size_bytes INTEGER NOT NULL
);
CREATE TABLE reports (
  report_id TEXT PRIMARY KEY,
  station_id TEXT NOT NULL REFERENCES stations(station_id),
  envelope TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  via TEXT NOT NULL CHECK (via IN ('network', 'usb')),
  status TEXT NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'resolved')),
  ticket_code TEXT NOT NULL DEFAULT '',   -- learnt when the console opens the body
  category TEXT NOT NULL DEFAULT ''
);
CREATE INDEX reports_by_ticket ON reports(ticket_code);
-- What stations read with a cursor. station_id NULL: for every station.
CREATE TABLE events (
  cursor INTEGER PRIMARY KEY AUTOINCREMENT,
  station_id TEXT,
  type TEXT NOT NULL CHECK (type IN ('reply', 'status', 'notice')),
  report_id TEXT NOT NULL DEFAULT '',
  reply_id TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT '',
  notice_id TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL DEFAULT '',
  text TEXT NOT NULL DEFAULT '',
  at INTEGER NOT NULL
);
CREATE INDEX events_by_station ON events(station_id, cursor);
CREATE TABLE ratings (
  report_id TEXT PRIMARY KEY,
  station_id TEXT NOT NULL,
  faces INTEGER NOT NULL CHECK (faces BETWEEN 1 AND 5),
  rated_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE TABLE watch_records (
  record_id TEXT PRIMARY KEY,
  station_id TEXT NOT NULL,
  lesson_id TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  seconds_watched INTEGER NOT NULL,
  completed INTEGER NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE TABLE health (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  station_id TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE TABLE catalogs (
  version INTEGER PRIMARY KEY,
  catalog TEXT NOT NULL,
  signature TEXT NOT NULL,
  published_at INTEGER NOT NULL
);
)sql"},
      // A watch record's id is the station's: two stations may use the same.
      {2, "0002_watch_records_per_station.sql", R"sql(
CREATE TABLE watch_records_per_station (
  record_id TEXT NOT NULL,
  station_id TEXT NOT NULL,
  lesson_id TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  seconds_watched INTEGER NOT NULL,
  completed INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (station_id, record_id)
);
INSERT INTO watch_records_per_station SELECT record_id, station_id, lesson_id, started_at, seconds_watched,
  completed, received_at FROM watch_records;
DROP TABLE watch_records;
ALTER TABLE watch_records_per_station RENAME TO watch_records;
)sql"},
  };
  return migrations;
}

base::Error Invalid(std::string message) {
  return base::MakeError(base::ErrorCode::kInvalidInput, std::move(message));
}

base::Error Errno(const std::string& what, const std::string& path) {
  const int err = errno;
  return base::MakeError(err == ENOSPC ? base::ErrorCode::kDiskFull : base::ErrorCode::kIo,
                         what + " " + path + ": " + std::strerror(err));
}

bool IsFile(const std::string& path, std::uint64_t* size = nullptr) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return false;
  if (size) *size = static_cast<std::uint64_t>(info.st_size);
  return true;
}

std::string FileSha256(const std::string& path, std::uint64_t* size) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return {};
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::vector<unsigned char> buffer(1 << 16);
  std::uint64_t total = 0;
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), file)) > 0) {
    crypto_hash_sha256_update(&state, buffer.data(), n);
    total += n;
  }
  std::fclose(file);
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  if (size) *size = total;
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

// Runs one statement with text and integer bindings.
template <typename... Args>
base::Status Run(sqlite3* db, std::string_view sql, const Args&... args) {
  auto statement = Statement::Prepare(db, sql);
  if (!statement.ok()) return statement.error();
  int index = 0;
  (statement->Bind(++index, args), ...);
  return statement->Run();
}

const char* ViaName(Via via) { return via == Via::kUsb ? "usb" : "network"; }

bool IsSafeId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

}  // namespace

// ---- Helpers ----------------------------------------------------------------

std::string RandomHex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string hex(bytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                 raw.size());
  hex.pop_back();
  return hex;
}

std::string Base64(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::optional<std::string> FromBase64(std::string_view text) {
  std::string out(text.size(), '\0');
  std::size_t decoded = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &decoded, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(decoded);
  return out;
}

std::string RandomBase64(std::size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  return Base64(raw);
}

bool IsLowerHex(std::string_view text, std::size_t length) {
  if (text.size() != length) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

base::Result<CountyPublicKeys> LoadCountyPublicKeys(const DataPaths& paths) {
  base::Result<std::string> box_text = base::ReadFile(paths.CountyPublicKey());
  if (!box_text.ok()) return box_text.error();
  base::Result<station_sync::CountyPublicKey> box = station_sync::ParseCountyPublicKey(*box_text);
  if (!box.ok()) return box.error();
  base::Result<std::string> content_text = base::ReadFile(paths.ContentPublicKey());
  if (!content_text.ok()) return content_text.error();
  auto content = station_sync::minisign::ParsePublicKey(*content_text);
  if (!content.ok()) return content.error();
  return CountyPublicKeys{*box, *content};
}

// ---- Shared flushes -------------------------------------------------------------

base::Status FlushGroup::Flush(const std::function<base::Status()>& flush) {
  std::unique_lock lock(mutex_);
  // The caller's change is made: the next round to start covers it.
  const std::shared_ptr<Round> mine = next_;
  while (!mine->done) {
    if (running_ || next_ != mine) {
      finished_.wait(lock);
      continue;
    }
    running_ = true;
    next_ = std::make_shared<Round>();
    lock.unlock();
    base::Status status = flush();
    lock.lock();
    mine->status = std::move(status);
    mine->done = true;
    running_ = false;
    finished_.notify_all();
  }
  return mine->status;
}

// As base::WriteFileDurably (temporary file, fsync, rename, fsync the
// directory), with the directory's fsync shared among concurrent uploads.
base::Status CountyStore::WriteReportBlob(const std::string& sha, std::string_view bytes) {
  const std::string path = paths_.ReportBlob(sha);
  std::string temp = path + ".tmp-XXXXXX";
  const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) return Errno("cannot create a temporary file for", path);
  bool written = true;
  for (std::string_view rest = bytes; written && !rest.empty();) {
    const ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    written = n > 0;
    if (written) rest.remove_prefix(static_cast<std::size_t>(n));
  }
  written = written && ::fsync(fd) == 0;
  std::optional<base::Error> failed;
  if (!written) failed = Errno("cannot write", temp);
  if (::close(fd) != 0 && !failed) failed = Errno("cannot close", temp);
  if (!failed && ::rename(temp.c_str(), path.c_str()) != 0) failed = Errno("cannot rename into", path);
  if (failed) {
    ::unlink(temp.c_str());
    return *failed;
  }
  return report_blobs_flush_.Flush([&] { return base::FsyncDirectory(paths_.root + "/report-blobs"); });
}

// ---- Opening ---------------------------------------------------------------------

CountyStore::CountyStore(DataPaths paths, std::unique_ptr<store::Store> db)
    : paths_(std::move(paths)), db_(std::move(db)) {}
CountyStore::~CountyStore() = default;

base::Result<std::unique_ptr<CountyStore>> CountyStore::Open(const std::string& data_dir) {
  if (sodium_init() < 0) return base::MakeError(base::ErrorCode::kUnavailable, "libsodium");
  DataPaths paths{data_dir};
  for (const std::string& dir : {paths.root + "/blobs", paths.root + "/uploads",
                                 paths.root + "/report-blobs", paths.root + "/logs"}) {
    if (base::Status made = base::MakeDirectories(dir); !made.ok()) return made.error();
  }
  auto db = store::Store::Open(paths.Database(), CountyMigrations());
  if (!db.ok()) return db.error();
  return std::unique_ptr<CountyStore>(new CountyStore(paths, std::move(*db)));
}

// ---- Enrolment ---------------------------------------------------------------------

base::Status CountyStore::AddEnrolCode(const std::string& code, const std::string& village,
                                       std::int64_t now, std::int64_t expires_at) {
  std::lock_guard lock(mutex_);
  return Run(db_->handle(),
             "INSERT INTO enrol_codes(code, village, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
             std::string_view(code), std::string_view(village), now, expires_at);
}

base::Result<EnrolOutcome> CountyStore::Enrol(const EnrolRequest& request, std::int64_t now) {
  using Kind = EnrolOutcome::Kind;
  std::optional<std::string> key = FromBase64(request.station_key);
  std::optional<std::string> proof = FromBase64(request.proof);
  if (!key || key->size() != crypto_sign_PUBLICKEYBYTES || !proof ||
      proof->size() != crypto_sign_BYTES || request.station_name.size() > 100 ||
      request.village.size() > 100) {
    return EnrolOutcome{Kind::kBadRequest, {}, {}, "station_key, proof, name or village malformed"};
  }
  const std::string message =
      "village-station-enrol/1\n" + request.code + "\n" + request.station_key + "\n";
  if (crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(proof->data()),
                                  reinterpret_cast<const unsigned char*>(message.data()),
                                  message.size(),
                                  reinterpret_cast<const unsigned char*>(key->data())) != 0) {
    return EnrolOutcome{Kind::kInvalidCode, {}, {}, "proof does not verify with station_key"};
  }
  std::lock_guard lock(mutex_);
  sqlite3* db = db_->handle();
  auto transaction = Transaction::Begin(db);
  if (!transaction.ok()) return transaction.error();
  auto code = Statement::Prepare(
      db, "SELECT expires_at, c.station_id, s.station_key FROM enrol_codes c "
          "LEFT JOIN stations s ON s.station_id = c.station_id WHERE code = ?1");
  if (!code.ok()) return code.error();
  code->Bind(1, request.code);
  auto found = code->Step();
  if (!found.ok()) return found.error();
  if (!*found) return EnrolOutcome{Kind::kInvalidCode, {}, {}, "no such enrolment code"};
  if (code->Int(0) <= now) return EnrolOutcome{Kind::kCodeExpired, {}, {}, "code expired"};
  std::string station_id = code->IsNull(1) ? "" : code->Text(1);
  if (!station_id.empty() && code->Text(2) != request.station_key) {
    return EnrolOutcome{Kind::kCodeUsed, {}, {}, "code already used by another station"};
  }
  if (station_id.empty()) {
    // A station enrolling again with a new code keeps its id.
    auto known = Statement::Prepare(db, "SELECT station_id FROM stations WHERE station_key = ?1");
    if (!known.ok()) return known.error();
    known->Bind(1, request.station_key);
    auto row = known->Step();
    if (!row.ok()) return row.error();
    station_id = *row ? known->Text(0) : RandomHex(16);
  }
  const std::string token = RandomBase64(32);
  const std::string token_hash = station_sync::Sha256Hex(token);
  auto upsert = Run(db,
                    "INSERT INTO stations(station_id, station_key, name, village, token_sha256, "
                    "enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(station_id) DO "
                    "UPDATE SET token_sha256 = ?5, name = ?3, village = ?4",
                    std::string_view(station_id), std::string_view(request.station_key),
                    std::string_view(request.station_name), std::string_view(request.village),
                    std::string_view(token_hash), now);
  if (!upsert.ok()) return upsert.error();
  auto used = Run(db, "UPDATE enrol_codes SET station_id = ?2 WHERE code = ?1",
                  std::string_view(request.code), std::string_view(station_id));
  if (!used.ok()) return used.error();
  if (base::Status committed = transaction->Commit(); !committed.ok()) return committed.error();
  stations_by_token_.clear();  // the station's old token is no longer valid
  return EnrolOutcome{Kind::kEnrolled, station_id, token, {}};
}

namespace {

base::Result<std::optional<Station>> StationWhere(sqlite3* db, std::string_view column,
                                                  const std::string& value) {
  auto statement = Statement::Prepare(
      db, "SELECT station_id, station_key, name, village FROM stations WHERE " +
              std::string(column) + " = ?1");
  if (!statement.ok()) return statement.error();
  statement->Bind(1, value);
  auto row = statement->Step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<Station>();
  return std::optional<Station>(Station{statement->Text(0), statement->Text(1),
                                        statement->Text(2), statement->Text(3)});
}

}  // namespace

base::Result<std::optional<Station>> CountyStore::StationByToken(const std::string& token) {
  const std::string token_hash = station_sync::Sha256Hex(token);
  std::lock_guard lock(mutex_);
  if (auto known = stations_by_token_.find(token_hash); known != stations_by_token_.end()) {
    return std::optional<Station>(known->second);
  }
  auto station = StationWhere(db_->handle(), "token_sha256", token_hash);
  if (station.ok() && *station) stations_by_token_.emplace(token_hash, **station);
  return station;
}

base::Result<std::optional<Station>> CountyStore::StationById(const std::string& station_id) {
  std::lock_guard lock(mutex_);
  return StationWhere(db_->handle(), "station_id", station_id);
}

// ---- Uploads -----------------------------------------------------------------------

UploadState CountyStore::Upload(const std::string& sha) {
  UploadState state;
  std::uint64_t size = 0;
  if (IsFile(paths_.ReportBlob(sha), &size)) return UploadState{size, size, true};
  if (IsFile(paths_.PartialUpload(sha), &size)) state.received = size;
  std::lock_guard lock(mutex_);
  auto statement = Statement::Prepare(db_->handle(), "SELECT size_bytes FROM uploads WHERE sha256 = ?1");
  if (statement.ok()) {
    statement->Bind(1, sha);
    auto row = statement->Step();
    if (row.ok() && *row) state.size = static_cast<std::uint64_t>(statement->Int(0));
  }
  return state;
}

base::Result<UploadOutcome> CountyStore::AppendUpload(const std::string& sha, std::uint64_t start,
                                                      std::uint64_t total,
                                                      std::string_view bytes) {
  using Kind = UploadOutcome::Kind;
  // Appends to one blob are serialised; different blobs go in parallel.
  std::lock_guard upload_lock(upload_mutexes_[std::stoi(sha.substr(0, 1), nullptr, 16)]);
  const std::string part = paths_.PartialUpload(sha);
  if (start == 0 && bytes.size() == total && !IsFile(paths_.ReportBlob(sha))) {
    // The whole blob in one request (the usual case for a report's small
    // blobs): checked in memory and written into place, no partial file.
    ::unlink(part.c_str());
    if (station_sync::Sha256Hex(bytes) != sha) {
      base::LogWarn("county", "upload " + sha + ": content does not match its SHA-256, discarded");
      return UploadOutcome{Kind::kHashMismatch, UploadState{0, total, false}};
    }
    if (base::Status written = WriteReportBlob(sha, bytes); !written.ok()) return written.error();
    return UploadOutcome{Kind::kOk, UploadState{total, total, true}};
  }
  UploadState state = Upload(sha);
  if (state.complete) return UploadOutcome{Kind::kOk, state};
  if (state.size && *state.size != total) {
    if (start != 0) return UploadOutcome{Kind::kSizeMismatch, state};
    ::unlink(part.c_str());
    state.received = 0;
  }
  if (start != state.received) return UploadOutcome{Kind::kOffsetMismatch, state};
  if (!state.size || *state.size != total) {
    std::lock_guard lock(mutex_);
    auto recorded = Run(db_->handle(),
                        "INSERT INTO uploads(sha256, size_bytes) VALUES (?1, ?2) "
                        "ON CONFLICT(sha256) DO UPDATE SET size_bytes = ?2",
                        std::string_view(sha), static_cast<std::int64_t>(total));
    if (!recorded.ok()) return recorded.error();
  }
  state.size = total;
  const int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("cannot open", part);
  std::string_view rest = bytes;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      base::Error error = Errno("cannot append to", part);
      ::close(fd);
      // Whatever went in is cut off again, so `received` stays what was acknowledged.
      if (::truncate(part.c_str(), static_cast<off_t>(start)) != 0) ::unlink(part.c_str());
      return error;
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return Errno("cannot sync", part);
  state.received = start + bytes.size();
  if (state.received < total) return UploadOutcome{Kind::kOk, state};

  std::uint64_t size = 0;
  if (FileSha256(part, &size) != sha || size != total) {
    base::LogWarn("county", "upload " + sha + ": content does not match its SHA-256, discarded");
    ::unlink(part.c_str());
    return UploadOutcome{Kind::kHashMismatch, UploadState{0, total, false}};
  }
  if (::rename(part.c_str(), paths_.ReportBlob(sha).c_str()) != 0) {
    return Errno("cannot rename", part);
  }
  if (base::Status synced = report_blobs_flush_.Flush(
          [&] { return base::FsyncDirectory(paths_.root + "/report-blobs"); });
      !synced.ok()) {
    return synced.error();
  }
  state.complete = true;
  return UploadOutcome{Kind::kOk, state};
}

base::Status CountyStore::PutReportBlob(const std::string& sha, std::string_view bytes) {
  if (IsFile(paths_.ReportBlob(sha))) return base::Ok();
  if (station_sync::Sha256Hex(bytes) != sha) return Invalid("blob " + sha + " does not match its SHA-256");
  return WriteReportBlob(sha, bytes);
}

// ---- Intake --------------------------------------------------------------------------

// One report checked and waiting for the intake transaction.
struct CountyStore::PendingReport {
  std::string station_id;
  station_sync::Envelope envelope;
  std::string_view text;
  Via via;
  std::int64_t now;
  std::optional<base::Result<IntakeOutcome>> outcome;  // set by the batch that stored it
  bool done = false;  // under intake_mutex_: the batch has committed or failed
};

base::Result<IntakeOutcome> CountyStore::TakeReport(const Station& station,
                                                    const std::string& report_id,
                                                    std::string_view envelope_text, Via via,
                                                    std::int64_t now) {
  using Kind = IntakeOutcome::Kind;
  base::Result<station_sync::Envelope> envelope = station_sync::VerifyEnvelope(envelope_text);
  if (!envelope.ok()) return IntakeOutcome{Kind::kInvalidEnvelope, false, 0, {}, envelope.error().message};
  if (envelope->report_id != report_id) {
    return IntakeOutcome{Kind::kIdMismatch, false, 0, {},
                         "envelope is for report " + envelope->report_id + ", not " + report_id};
  }
  const std::string key(reinterpret_cast<const char*>(envelope->station_key.data()),
                        envelope->station_key.size());
  if (Base64(key) != station.station_key) {
    return IntakeOutcome{Kind::kWrongStation, false, 0, {},
                         "envelope signed by another key than station " + station.station_id};
  }
  PendingReport report{station.station_id, std::move(*envelope), envelope_text, via, now, std::nullopt, false};
  return StoreInGroup(report);
}

namespace {

// Step 4 to 6 of docs/protocol.md 5.2 for one report, inside the intake
// transaction: an earlier report in the same batch counts as stored.
base::Result<IntakeOutcome> StoreReport(sqlite3* db, const DataPaths& paths, const std::string& station_id,
                                        const station_sync::Envelope& envelope, std::string_view text, Via via,
                                        std::int64_t now) {
  using Kind = IntakeOutcome::Kind;
  auto existing = Statement::Prepare(db, "SELECT envelope, received_at FROM reports WHERE report_id = ?1");
  if (!existing.ok()) return existing.error();
  existing->Bind(1, envelope.report_id);
  auto row = existing->Step();
  if (!row.ok()) return row.error();
  if (*row) {
    if (existing->Text(0) == text) return IntakeOutcome{Kind::kAcknowledged, true, existing->Int(1), {}, {}};
    return IntakeOutcome{Kind::kConflict, false, 0, {}, "report " + envelope.report_id + " exists with another envelope"};
  }
  IntakeOutcome missing{Kind::kMissingBlobs, false, 0, {}, {}};
  for (const station_sync::SealedBlob& blob : envelope.blobs) {
    std::uint64_t size = 0;
    if (!IsFile(paths.ReportBlob(blob.sha256_hex), &size) || size != blob.size_bytes) {
      missing.missing.push_back(blob.sha256_hex);
    }
  }
  if (!missing.missing.empty()) {
    missing.message = std::to_string(missing.missing.size()) + " blob(s) not uploaded";
    return missing;
  }
  auto stored = Run(db,
                    "INSERT INTO reports(report_id, station_id, envelope, received_at, via) "
                    "VALUES (?1, ?2, ?3, ?4, ?5)",
                    std::string_view(envelope.report_id), std::string_view(station_id), text, now,
                    std::string_view(ViaName(via)));
  if (!stored.ok()) return stored.error();
  return IntakeOutcome{Kind::kAcknowledged, false, now, {}, {}};
}

}  // namespace

// Group commit: the caller queues its report; whoever finds no batch being
// stored takes the whole queue and stores it in one transaction, while the
// reports arriving meanwhile gather for the next. A caller returns once the
// batch holding its report has committed (or failed as a whole).
base::Result<IntakeOutcome> CountyStore::StoreInGroup(PendingReport& report) {
  std::unique_lock lock(intake_mutex_);
  intake_queue_.push_back(&report);
  while (!report.done) {
    if (intake_leader_) {
      intake_stored_.wait(lock);
      continue;
    }
    intake_leader_ = true;
    std::vector<PendingReport*> batch;
    batch.swap(intake_queue_);
    lock.unlock();
    StoreBatch(batch);
    lock.lock();
    for (PendingReport* stored : batch) stored->done = true;
    intake_leader_ = false;
    intake_stored_.notify_all();
  }
  return std::move(*report.outcome);
}

void CountyStore::StoreBatch(const std::vector<PendingReport*>& batch) {
  std::optional<base::Error> failed;
  {
    std::lock_guard lock(mutex_);
    sqlite3* db = db_->handle();
    auto transaction = Transaction::Begin(db);
    if (!transaction.ok()) failed = transaction.error();
    for (std::size_t i = 0; !failed && i < batch.size(); ++i) {
      PendingReport& report = *batch[i];
      report.outcome = StoreReport(db, paths_, report.station_id, report.envelope, report.text, report.via, report.now);
      if (!report.outcome->ok()) failed = report.outcome->error();
    }
    if (!failed) {
      if (base::Status committed = transaction->Commit(); !committed.ok()) failed = committed.error();
    }
  }
  // Nothing of a failed batch is stored (the transaction rolled back), so no report in it is acknowledged.
  for (PendingReport* report : batch) {
    if (failed) {
      report->outcome = *failed;
    } else if (report->outcome->value().kind == IntakeOutcome::Kind::kAcknowledged && !report->outcome->value().again) {
      base::LogInfo("county", "report " + report->envelope.report_id + " received from station " + report->station_id +
                                  " via " + ViaName(report->via));
    }
  }
}

namespace {

// Parses a batch body {"<list_key>": [...]} and hands each item to `take`,
// which returns an error code to reject it or "" to accept it.
template <typename Take>
base::Result<BatchOutcome> TakeBatch(sqlite3* db, const std::string& json,
                                     const char* list_key, const char* id_key, Take take) {
  nlohmann::json body = nlohmann::json::parse(json, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains(list_key) ||
      !body[list_key].is_array()) {
    return Invalid(std::string("body must be {\"") + list_key + "\": [...]}");
  }
  if (body[list_key].size() > 1000) return Invalid("more than 1000 items");
  BatchOutcome outcome;
  auto transaction = Transaction::Begin(db);
  if (!transaction.ok()) return transaction.error();
  for (const nlohmann::json& item : body[list_key]) {
    if (!item.is_object() || !item.contains(id_key) || !item[id_key].is_string()) continue;
    const std::string id = item[id_key];
    base::Result<std::string> rejected = take(item, id);
    if (!rejected.ok()) return rejected.error();
    if (rejected->empty()) {
      outcome.accepted.push_back(id);
    } else {
      outcome.rejected.emplace_back(id, *rejected);
    }
  }
  if (base::Status committed = transaction->Commit(); !committed.ok()) return committed.error();
  return outcome;
}

bool IsInt(const nlohmann::json& item, const char* key) {
  return item.contains(key) && item[key].is_number_integer();
}

}  // namespace

base::Result<BatchOutcome> CountyStore::TakeRatings(const Station& station,
                                                    const std::string& json, std::int64_t now) {
  std::lock_guard lock(mutex_);
  sqlite3* db = db_->handle();
  return TakeBatch(db, json, "ratings", "report_id",
                   [&](const nlohmann::json& item, const std::string& id) -> base::Result<std::string> {
    if (!IsInt(item, "faces") || !IsInt(item, "rated_at") || item["faces"] < 1 ||
        item["faces"] > 5) {
      return std::string("bad_rating");
    }
    auto owner = Statement::Prepare(db, "SELECT 1 FROM reports WHERE report_id = ?1 AND station_id = ?2");
    if (!owner.ok()) return owner.error();
    owner->Bind(1, id).Bind(2, station.station_id);
    auto row = owner->Step();
    if (!row.ok()) return row.error();
    if (!*row) return std::string("unknown_report");
    auto stored = Run(db,
                      "INSERT INTO ratings(report_id, station_id, faces, rated_at, received_at) "
                      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                      std::string_view(id), std::string_view(station.station_id),
                      item["faces"].get<std::int64_t>(), item["rated_at"].get<std::int64_t>(), now);
    if (!stored.ok()) return stored.error();
    return std::string();
  });
}

base::Result<BatchOutcome> CountyStore::TakeWatchRecords(const Station& station,
                                                         const std::string& json,
                                                         std::int64_t now) {
  std::lock_guard lock(mutex_);
  sqlite3* db = db_->handle();
  return TakeBatch(db, json, "records", "record_id",
                   [&](const nlohmann::json& item, const std::string& id) -> base::Result<std::string> {
    if (!IsSafeId(id) || !item.contains("lesson_id") || !item["lesson_id"].is_string() ||
        !IsInt(item, "started_at") || !IsInt(item, "seconds_watched") ||
        item["seconds_watched"] < 0 || !item.contains("completed") ||
        !item["completed"].is_boolean()) {
      return std::string("bad_record");
    }
    auto stored = Run(db,
                      "INSERT INTO watch_records(record_id, station_id, lesson_id, started_at, "
                      "seconds_watched, completed, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                      "ON CONFLICT DO NOTHING",
                      std::string_view(id), std::string_view(station.station_id),
                      std::string_view(item["lesson_id"].get_ref<const std::string&>()),
                      item["started_at"].get<std::int64_t>(),
                      item["seconds_watched"].get<std::int64_t>(),
                      static_cast<std::int64_t>(item["completed"].get<bool>()), now);
    if (!stored.ok()) return stored.error();
    return std::string();
  });
}

base::Status CountyStore::TakeHealth(const Station& station, const std::string& json,
                                     std::int64_t now) {
  nlohmann::json body = nlohmann::json::parse(json, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return Invalid("health must be a JSON object");
  for (const char* field : {"free_disk_bytes", "station_time"}) {
    if (body.contains(field) && !(body[field].is_number_integer() && body[field].get<std::int64_t>() >= 0)) {
      return Invalid(std::string(field) + ": a non-negative integer");
    }
  }
  if (body.contains("versions")) {
    const nlohmann::json& versions = body["versions"];
    if (!versions.is_object() || versions.size() > 20) return Invalid("versions: an object of at most 20 entries");
    for (const auto& [component, version] : versions.items()) {
      if (component.size() > 100 || !version.is_string() || version.get_ref<const std::string&>().size() > 100) {
        return Invalid("versions: names and version strings of at most 100 bytes");
      }
    }
  }
  if (body.contains("last_errors")) {
    const nlohmann::json& errors = body["last_errors"];
    if (!errors.is_array() || errors.size() > 20) return Invalid("last_errors: at most 20 strings");
    for (const nlohmann::json& error : errors) {
      if (!error.is_string() || error.get_ref<const std::string&>().size() > 500) {
        return Invalid("last_errors: strings of at most 500 bytes");
      }
    }
  }
  std::lock_guard lock(mutex_);
  return Run(db_->handle(), "INSERT INTO health(station_id, received_at, body) VALUES (?1, ?2, ?3)",
             std::string_view(station.station_id), now, std::string_view(json));
}

// ---- Events ----------------------------------------------------------------------------

namespace {

constexpr std::string_view kEventColumns =
    "cursor, type, report_id, reply_id, status, notice_id, title, text, at";

base::Result<std::vector<Event>> ReadEvents(Statement& statement) {
  std::vector<Event> events;
  for (;;) {
    auto row = statement.Step();
    if (!row.ok()) return row.error();
    if (!*row) return events;
    events.push_back(Event{statement.Int(0), statement.Text(1), statement.Text(2),
                           statement.Text(3), statement.Text(4), statement.Text(5),
                           statement.Text(6), statement.Text(7), statement.Int(8)});
  }
}

}  // namespace

base::Result<EventPage> CountyStore::Events(const Station& station, std::int64_t after, int limit) {
  std::lock_guard lock(mutex_);
  sqlite3* db = db_->handle();
  auto statement = Statement::Prepare(
      db, "SELECT " + std::string(kEventColumns) +
              " FROM events WHERE cursor > ?1 AND (station_id = ?2 OR station_id IS NULL) "
              "ORDER BY cursor LIMIT ?3");
  if (!statement.ok()) return statement.error();
  statement->Bind(1, after).Bind(2, station.station_id).Bind(3, std::int64_t{limit} + 1);
  auto events = ReadEvents(*statement);
  if (!events.ok()) return events.error();
  EventPage page;
  page.more = static_cast<int>(events->size()) > limit;
  if (page.more) events->pop_back();
  page.events = std::move(*events);
  page.next = page.events.empty() ? after : page.events.back().cursor;
  auto latest = Statement::Prepare(
      db, "SELECT coalesce(max(cursor), 0) FROM events WHERE station_id = ?1 OR station_id IS NULL");
  if (!latest.ok()) return latest.error();
  latest->Bind(1, station.station_id);
  auto row = latest->Step();
  if (!row.ok()) return row.error();
  page.latest = latest->Int(0);
  return page;
}

namespace {

base::Result<std::string> ReportStation(sqlite3* db, const std::string& report_id) {
  auto statement = Statement::Prepare(db, "SELECT station_id FROM reports WHERE report_id = ?1");
  if (!statement.ok()) return statement.error();
  statement->Bind(1, report_id);
  auto row = statement->Step();
  if (!row.ok()) return row.error();
  if (!*row) return base::MakeError(base::ErrorCode::kNotFound, "no report " + report_id);
  return statement->Text(0);
}

}  // namespace

base::Result<std::string> CountyStore::AddReply(const std::string& report_id,
                                                const std::string& text, std::int64_t now) {
  std::lock_guard lock(mutex_);
  sqlite3* db = db_->handle();
  auto station_id = ReportStation(db, report_id);
  if (!station_id.ok()) return station_id.error();
  const std::string reply_id = RandomHex(16);
  auto stored = Run(db,
                    "INSERT INTO events(station_id, type, report_id, reply_id, text, at) "
                    "VALUES (?1, 'reply', ?2, ?3, ?4, ?5)",
                    std::string_view(*station_id), std::string_view(report_id),
                    std::string_view(reply_id), std::string_view(text), now);
  if (!stored.ok()) return stored.error();
  return reply_id;
}

base::Status CountyStore::Resolve(const std::string& report_id, std::int64_t now) {
  std::lock_guard lock(mutex_);
  sqlite3* db = db_->handle();
  auto station_id = ReportStation(db, report_id);
  if (!station_id.ok()) return station_id.error();
  auto transaction = Transaction::Begin(db);
  if (!transaction.ok()) return transaction.error();
  auto status = Run(db, "UPDATE reports SET status = 'resolved' WHERE report_id = ?1",
                    std::string_view(report_id));
  if (!status.ok()) return status.error();
  auto event = Run(db,
                   "INSERT INTO events(station_id, type, report_id, status, at) "
                   "VALUES (?1, 'status', ?2, 'resolved', ?3)",
                   std::string_view(*station_id), std::string_view(report_id), now);
  if (!event.ok()) return event.error();
  return transaction->Commit();
}

// ---- Console views ------------------------------------------------------------------------

namespace {

constexpr std::string_view kReportQuery =
    "SELECT r.report_id, r.station_id, s.name, s.village, r.envelope, r.received_at, r.via, "
    "r.status, r.ticket_code, r.category FROM reports r JOIN stations s USING (station_id) ";

base::Result<std::vector<ReportRow>> ReadReports(Statement& statement) {
  std::vector<ReportRow> reports;
  for (;;) {
    auto row = statement.Step();
    if (!row.ok()) return row.error();
    if (!*row) return reports;
    reports.push_back(ReportRow{statement.Text(0), statement.Text(1), statement.Text(2),
                                statement.Text(3), statement.Text(4), statement.Int(5),
                                statement.Text(6), statement.Text(7), statement.Text(8),
                                statement.Text(9)});
  }
}

base::Result<std::int64_t> Count(sqlite3* db, std::string_view sql) {
  auto statement = Statement::Prepare(db, sql);
  if (!statement.ok()) return statement.error();
  auto row = statement->Step();
  if (!row.ok()) return row.error();
  return statement->Int(0);
}

}  // namespace

base::Result<std::vector<ReportRow>> CountyStore::Reports() {
  std::lock_guard lock(mutex_);
  auto statement = Statement::Prepare(db_->handle(), std::string(kReportQuery) + "ORDER BY r.received_at, r.report_id");
  if (!statement.ok()) return statement.error();
  return ReadReports(*statement);
}

base::Result<std::optional<ReportRow>> CountyStore::Report(const std::string& report_id) {
  std::lock_guard lock(mutex_);
  auto statement = Statement::Prepare(db_->handle(), std::string(kReportQuery) + "WHERE r.report_id = ?1");
  if (!statement.ok()) return statement.error();
  statement->Bind(1, report_id);
  auto rows = ReadReports(*statement);
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return std::optional<ReportRow>();
  return std::optional<ReportRow>(std::move(rows->front()));
}

base::Result<std::vector<Event>> CountyStore::ReportEvents(const std::string& report_id) {
  std::lock_guard lock(mutex_);
  auto statement = Statement::Prepare(
      db_->handle(), "SELECT " + std::string(kEventColumns) + " FROM events WHERE report_id = ?1 ORDER BY cursor");
  if (!statement.ok()) return statement.error();
  statement->Bind(1, report_id);
  return ReadEvents(*statement);
}

base::Result<std::vector<StationHealth>> CountyStore::Stations(int health_reports) {
  std::lock_guard lock(mutex_);
  auto stations = Statement::Prepare(
      db_->handle(),
      "SELECT s.station_id, s.station_key, s.name, s.village, s.enrolled_at, "
      "(SELECT MAX(received_at) FROM reports r WHERE r.station_id = s.station_id) "
      "FROM stations s ORDER BY s.village, s.name, s.station_id");
  if (!stations.ok()) return stations.error();
  auto health = Statement::Prepare(
      db_->handle(), "SELECT received_at, body FROM health WHERE station_id = ?1 ORDER BY id DESC LIMIT ?2");
  if (!health.ok()) return health.error();
  std::vector<StationHealth> out;
  for (;;) {
    base::Result<bool> row = stations->Step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    StationHealth station;
    station.station = {stations->Text(0), stations->Text(1), stations->Text(2), stations->Text(3)};
    station.enrolled_at = stations->Int(4);
    station.last_report_at = stations->IsNull(5) ? 0 : stations->Int(5);
    health->Reset();
    health->Bind(1, station.station.station_id).Bind(2, std::int64_t{health_reports});
    for (;;) {
      base::Result<bool> report = health->Step();
      if (!report.ok()) return report.error();
      if (!*report) break;
      station.health.push_back({health->Int(0), health->Text(1)});
    }
    out.push_back(std::move(station));
  }
  return out;
}

base::Status CountyStore::RememberOpened(const std::string& report_id,
                                         const std::string& ticket_code,
                                         const std::string& category) {
  std::lock_guard lock(mutex_);
  return Run(db_->handle(), "UPDATE reports SET ticket_code = ?2, category = ?3 WHERE report_id = ?1",
             std::string_view(report_id), std::string_view(ticket_code), std::string_view(category));
}

base::Result<std::int64_t> CountyStore::CountRatings() {
  std::lock_guard lock(mutex_);
  return Count(db_->handle(), "SELECT count(*) FROM ratings");
}

base::Result<std::int64_t> CountyStore::CountWatchRecords() {
  std::lock_guard lock(mutex_);
  return Count(db_->handle(), "SELECT count(*) FROM watch_records");
}

// ---- Content ----------------------------------------------------------------------------------

base::Result<std::optional<PublishedCatalog>> CountyStore::LatestCatalog() {
  std::lock_guard lock(mutex_);
  auto statement = Statement::Prepare(
      db_->handle(), "SELECT version, catalog, signature FROM catalogs ORDER BY version DESC LIMIT 1");
  if (!statement.ok()) return statement.error();
  auto row = statement->Step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<PublishedCatalog>();
  return std::optional<PublishedCatalog>(
      PublishedCatalog{statement->Int(0), statement->Text(1), statement->Text(2)});
}

base::Status CountyStore::AddCatalog(const PublishedCatalog& catalog,
                                     const std::vector<Notice>& notices, std::int64_t now) {
  std::lock_guard lock(mutex_);
  sqlite3* db = db_->handle();
  auto transaction = Transaction::Begin(db);
  if (!transaction.ok()) return transaction.error();
  auto latest = Count(db, "SELECT coalesce(max(version), 0) FROM catalogs");
  if (!latest.ok()) return latest.error();
  if (catalog.version <= *latest) {
    return Invalid("catalog version " + std::to_string(catalog.version) +
                   " is not above the published " + std::to_string(*latest));
  }
  auto stored = Run(db, "INSERT INTO catalogs(version, catalog, signature, published_at) VALUES (?1, ?2, ?3, ?4)",
                    catalog.version, std::string_view(catalog.catalog),
                    std::string_view(catalog.signature), now);
  if (!stored.ok()) return stored.error();
  for (const Notice& notice : notices) {
    auto announced = Run(db,
                         "INSERT INTO events(station_id, type, notice_id, title, text, at) "
                         "SELECT NULL, 'notice', ?1, ?2, ?3, ?4 WHERE NOT EXISTS "
                         "(SELECT 1 FROM events WHERE type = 'notice' AND notice_id = ?1)",
                         std::string_view(notice.id), std::string_view(notice.title),
                         std::string_view(notice.text), now);
    if (!announced.ok()) return announced.error();
  }
  return transaction->Commit();
}

}  // namespace county
