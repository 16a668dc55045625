// The county's state: one SQLite database (WAL, synchronous=FULL, its own
// migration list) and three blob directories, all under the data directory:
//
//   <data>/county.db          stations, enrolment codes, reports, events,
//                             ratings, watch records, health, catalogs
//   <data>/keys/              county.key (X25519, report-format.md key file),
//                             county.pub, content.key / content.pub (minisign)
//   <data>/blobs/<sha>        published content, served to anyone
//   <data>/uploads/<sha>.part report blobs being uploaded (resumable)
//   <data>/report-blobs/<sha> report blobs received whole and verified
//
// Every method that answers a station (the server) or an administrator (the
// console) goes through here, so a report carried on a USB stick passes the
// same checks as one sent over the network and is counted once. Thread-safe:
// one connection behind a mutex (the server's handlers call it concurrently;
// the console is another process, which WAL and the busy timeout allow).
//
// Intake is durable before it answers, and flushes are what it costs (a
// flush takes the disk about a millisecond; parsing and verifying a report
// a tenth of that). So concurrent handlers share them: reports waiting to
// be stored go in one transaction (one commit, one WAL flush, each still
// checked one by one inside it), and uploaded blobs renamed into
// report-blobs/ share one flush of that directory (FlushGroup below). Each
// caller still returns only after the flush that covers its own change.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "sync/minisign.h"
#include "sync/seal.h"

namespace store {
class Store;
}

namespace county {

struct DataPaths {
  std::string root;
  std::string Database() const { return root + "/county.db"; }
  std::string Keys() const { return root + "/keys"; }
  std::string CountySecretKey() const { return root + "/keys/county.key"; }
  std::string CountyPublicKey() const { return root + "/keys/county.pub"; }
  std::string ContentSecretKey() const { return root + "/keys/content.key"; }
  std::string ContentPublicKey() const { return root + "/keys/content.pub"; }
  std::string ContentBlob(const std::string& sha) const { return root + "/blobs/" + sha; }
  std::string PartialUpload(const std::string& sha) const { return root + "/uploads/" + sha + ".part"; }
  std::string ReportBlob(const std::string& sha) const { return root + "/report-blobs/" + sha; }
  std::string Log() const { return root + "/logs/county.log"; }
};

struct Station {
  std::string station_id;   // 32 hex
  std::string station_key;  // base64 Ed25519 public key, as enrolled
  std::string name;
  std::string village;
};

// ---- Enrolment -------------------------------------------------------------

struct EnrolRequest {
  std::string code;         // as sent (canonical ticket-style code)
  std::string station_key;  // base64, 32 bytes
  std::string station_name;
  std::string village;
  std::string proof;        // base64 Ed25519 signature, see docs/protocol.md
};

struct EnrolOutcome {
  enum class Kind { kEnrolled, kBadRequest, kInvalidCode, kCodeUsed, kCodeExpired } kind;
  std::string station_id;
  std::string token;  // only when kEnrolled; the store keeps its SHA-256
  std::string message;
};

// ---- Reports -----------------------------------------------------------------

enum class Via { kNetwork, kUsb };

struct IntakeOutcome {
  enum class Kind {
    kAcknowledged,      // new, or the same envelope again (`again`)
    kConflict,          // the id exists with another envelope
    kMissingBlobs,      // `missing` lists what to upload
    kInvalidEnvelope,   // malformed or bad signature
    kIdMismatch,        // the envelope names another report id
    kWrongStation,      // signed by another key than this station's
  } kind;
  bool again = false;
  std::int64_t received_at = 0;
  std::vector<std::string> missing;
  std::string message;
};

struct UploadState {
  std::uint64_t received = 0;
  std::optional<std::uint64_t> size;  // total, once known
  bool complete = false;
};

struct UploadOutcome {
  enum class Kind { kOk, kOffsetMismatch, kSizeMismatch, kHashMismatch } kind;
  UploadState state;
};

struct ReportRow {
  std::string report_id;
  std::string station_id;
  std::string station_name;
  std::string village;
  std::string envelope;
  std::int64_t received_at = 0;
  std::string via;
  std::string status;         // "received", "resolved"
  std::string ticket_code;    // known once the console opened the body; else empty
  std::string category;       // idem
};

// A station as county IT watches it: its health reports, newest first.
struct StationHealth {
  Station station;
  std::int64_t enrolled_at = 0;
  std::int64_t last_report_at = 0;  // 0: none yet
  struct Report {
    std::int64_t received_at = 0;
    std::string body;  // the JSON the station sent (docs/protocol.md 5.5)
  };
  std::vector<Report> health;
};

// Items of a ratings or watch-records batch: accepted ids, and rejected ones
// with a reason (the station stops sending both).
struct BatchOutcome {
  std::vector<std::string> accepted;
  std::vector<std::pair<std::string, std::string>> rejected;  // id, error code
};

// ---- Events and content --------------------------------------------------------

struct Event {
  std::int64_t cursor = 0;
  std::string type;  // "reply", "status", "notice"
  std::string report_id, reply_id, status, notice_id, title, text;
  std::int64_t at = 0;
};

struct EventPage {
  std::vector<Event> events;
  std::int64_t next = 0;
  bool more = false;
  std::int64_t latest = 0;  // newest cursor visible to the station (for the ETag)
};

struct PublishedCatalog {
  std::int64_t version = 0;
  std::string catalog;    // the signed bytes
  std::string signature;  // minisign file text
};

struct Notice {
  std::string id, title, text;
};

// Shares one flush among concurrent callers: each has made its change (a
// rename, say) before Flush() and returns the result of a flush that began
// after that, run by whichever caller found none running.
class FlushGroup {
 public:
  base::Status Flush(const std::function<base::Status()>& flush);

 private:
  struct Round {
    bool done = false;
    base::Status status = base::Ok();
  };
  std::mutex mutex_;
  std::condition_variable finished_;
  std::shared_ptr<Round> next_ = std::make_shared<Round>();  // not started yet
  bool running_ = false;
};

class CountyStore {
 public:
  static base::Result<std::unique_ptr<CountyStore>> Open(const std::string& data_dir);
  ~CountyStore();

  const DataPaths& paths() const { return paths_; }

  // Enrolment and authentication.
  base::Status AddEnrolCode(const std::string& code, const std::string& village,
                            std::int64_t now, std::int64_t expires_at);
  base::Result<EnrolOutcome> Enrol(const EnrolRequest& request, std::int64_t now);
  base::Result<std::optional<Station>> StationByToken(const std::string& token);
  base::Result<std::optional<Station>> StationById(const std::string& station_id);

  // Resumable report-blob uploads (docs/protocol.md 5.1).
  UploadState Upload(const std::string& sha);
  base::Result<UploadOutcome> AppendUpload(const std::string& sha, std::uint64_t start,
                                           std::uint64_t total, std::string_view bytes);
  // A whole blob from a USB stick: verified and stored like a finished upload.
  base::Status PutReportBlob(const std::string& sha, std::string_view bytes);

  // The one intake of reports, ratings, watch records and health, for both
  // the network and USB sticks.
  // `report_id`: the id the envelope must carry (the URL's, the USB folder's).
  base::Result<IntakeOutcome> TakeReport(const Station& station, const std::string& report_id,
                                         std::string_view envelope, Via via, std::int64_t now);
  base::Result<BatchOutcome> TakeRatings(const Station& station, const std::string& json,
                                         std::int64_t now);
  base::Result<BatchOutcome> TakeWatchRecords(const Station& station, const std::string& json,
                                              std::int64_t now);
  base::Status TakeHealth(const Station& station, const std::string& json, std::int64_t now);

  // Events.
  base::Result<EventPage> Events(const Station& station, std::int64_t after, int limit);
  base::Result<std::string> AddReply(const std::string& report_id, const std::string& text,
                                     std::int64_t now);  // returns the reply id
  base::Status Resolve(const std::string& report_id, std::int64_t now);

  // Console views.
  base::Result<std::vector<ReportRow>> Reports();
  base::Result<std::optional<ReportRow>> Report(const std::string& report_id);
  base::Result<std::vector<Event>> ReportEvents(const std::string& report_id);
  base::Status RememberOpened(const std::string& report_id, const std::string& ticket_code,
                              const std::string& category);
  // Every station, with its newest `health_reports` health reports.
  base::Result<std::vector<StationHealth>> Stations(int health_reports);
  base::Result<std::int64_t> CountRatings();
  base::Result<std::int64_t> CountWatchRecords();

  // Content.
  base::Result<std::optional<PublishedCatalog>> LatestCatalog();
  // Stores a catalog whose blobs are already in blobs/, and a notice event
  // for every notice id not announced before, in one transaction.
  // kInvalidInput if `version` is not above the latest.
  base::Status AddCatalog(const PublishedCatalog& catalog, const std::vector<Notice>& notices,
                          std::int64_t now);

 private:
  struct PendingReport;
  CountyStore(DataPaths paths, std::unique_ptr<store::Store> db);
  base::Result<IntakeOutcome> StoreInGroup(PendingReport& report);
  void StoreBatch(const std::vector<PendingReport*>& batch);
  base::Status WriteReportBlob(const std::string& sha, std::string_view bytes);

  DataPaths paths_;
  std::mutex mutex_;  // guards db_ and stations_by_token_
  std::unique_ptr<store::Store> db_;
  // Authentication is on every request: enrolled stations by token hash,
  // filled on first use, emptied when a station enrols (its token changes).
  std::map<std::string, Station> stations_by_token_;
  std::array<std::mutex, 16> upload_mutexes_;  // by the sha's first hex digit
  FlushGroup report_blobs_flush_;              // fsync of report-blobs/

  // Reports waiting for the next intake transaction; one caller at a time
  // (the leader) stores a batch while the next one gathers.
  std::mutex intake_mutex_;
  std::condition_variable intake_stored_;
  std::vector<PendingReport*> intake_queue_;
  bool intake_leader_ = false;
};

// Crypto and encoding helpers the server and console share.
std::string RandomHex(std::size_t bytes);
std::string RandomBase64(std::size_t bytes);
bool IsLowerHex(std::string_view text, std::size_t length);
std::string Base64(std::string_view bytes);
std::optional<std::string> FromBase64(std::string_view text);

// The county's public keys, read from <data>/keys (what enrolment hands out).
struct CountyPublicKeys {
  station_sync::CountyPublicKey box;
  station_sync::minisign::PublicKey content;
};
base::Result<CountyPublicKeys> LoadCountyPublicKeys(const DataPaths& paths);

}  // namespace county
