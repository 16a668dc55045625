// Content down: the county's signed catalog (format 2, docs/protocol.md
// section 4) and its blobs, installed into the lesson library so that a
// villager only ever sees lessons whose every file is complete and verified.
//
//   ContentCatalog    the signed bytes, parsed and checked (pure)
//   VerifyCatalog     signature, key, no rollback, expiry, size (pure)
//   LessonsToInstall  which lessons the library may offer now (pure)
//   ContentLibrary    the station's content on disk and in the store:
//                     accept a catalog, install what is complete, remove
//                     what no catalog needs. Network and USB share it.
//   ContentSync       the network path: catalog (If-None-Match), blobs
//                     (transfer.h), retries with backoff.
//
// A catalog's life at the station:
//
//   fetched ──verify──> accepted ──blobs arrive──> lessons appear one by one ──all there──> complete
//      │  refused: bad signature, unknown key,     (content/catalog.signed.json       (unreferenced
//      │  version <= accepted, expired, unsafe      written durably, then the          blobs removed)
//      │  or malformed: logged, nothing changes     version in the settings table)
//
// Files: <data>/content/catalog.signed.json (the accepted catalog and its
// signature), <data>/content/blobs/<sha>, <data>/downloads/<sha>.part,
// and <data>/content/catalog.json: the installed lessons in format 1
// (store/catalog.h), which the kiosk reads for its glyph set and installs
// when it changes (the same lessons again, so harmless).
//
// Installing is ordered for power cuts: blobs are verified and renamed into
// blobs/ first, then catalog.json is replaced durably, then the library is
// switched in one transaction (LessonLibrary::ReplaceCatalog), and only
// after that are unreferenced blobs unlinked. A lesson playing from a blob
// that is unlinked keeps reading from its open file descriptor.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/lessons.h"
#include "sync/clock.h"
#include "sync/minisign.h"
#include "sync/transfer.h"

namespace store {
class Store;
}

namespace station_sync {

// ---- The catalog, format 2 (pure) --------------------------------------------

inline constexpr std::int64_t kMaxCatalogBytes = 8 << 20;

// The version of the catalog this station last accepted, as recorded (0:
// none), for display; ContentLibrary::accepted_version() also asks whose
// key signed it.
std::int64_t RecordedCatalogVersion(const store::Store& store);

struct CatalogBlob {
  std::string sha256;
  std::int64_t size_bytes = 0;
  std::string name;  // for its extension only
  bool operator==(const CatalogBlob&) const = default;
};

struct CatalogLesson {
  std::string id, title, category, summary, language;
  std::int64_t duration_s = 0;
  std::int64_t published_at = 0;
  CatalogBlob file;
  std::optional<CatalogBlob> subtitles;
  std::optional<CatalogBlob> thumbnail;
  std::vector<CatalogBlob> Blobs() const;  // thumbnail, subtitles, file: smallest first
};

struct CatalogNotice {
  std::string id, title, text;
  std::int64_t published_at = 0;
};

struct ContentCatalog {
  std::int64_t version = 0;
  std::int64_t published_at = 0;
  std::int64_t expires_at = 0;
  std::vector<CatalogLesson> lessons;
  std::vector<CatalogNotice> notices;
  std::set<std::string> BlobShas() const;
  // The title of the first lesson that uses the blob ("" if none): what the
  // admin area names while the blob comes.
  std::string LessonTitleOf(const std::string& sha256) const;
};

// The bytes of one pass over several files (a round's downloads, a USB
// import): one progress bar and one time left for them all, named by the
// file under way.
class PassProgress {
 public:
  explicit PassProgress(const std::vector<CatalogBlob>& files);
  std::int64_t done(std::int64_t of_current_file) const { return done_before_ + of_current_file; }
  std::int64_t total() const { return total_; }
  // A file that did not come is not coming this pass: it leaves the total.
  void FileEnded(const CatalogBlob& file, bool arrived);

 private:
  std::int64_t done_before_ = 0;
  std::int64_t total_ = 0;
};

// The accepted catalog's notices (meetings, announcements), for the kiosk's
// home screen: kept in the settings table when a catalog is accepted.
inline constexpr const char* kNoticesSetting = "content.notices";
std::string FormatNotices(const std::vector<CatalogNotice>& notices);
// Newest first; none when absent or unreadable.
std::vector<CatalogNotice> LoadNotices(const store::Store& store);

// Parses the signed bytes and checks every field: format 2, types, ids
// ([A-Za-z0-9._-], 1-64, unique), sha256 hex, sizes >= 0, safe names.
// kInvalidInput naming the lesson and field.
base::Result<ContentCatalog> ParseContentCatalog(std::string_view text);

// One file name: no '/', '\', NUL or control characters, not "." or "..",
// 1-100 bytes.
bool IsSafeFileName(std::string_view name);

// What the station knows when it judges a catalog.
struct CatalogJudgement {
  std::int64_t accepted_version = 0;  // 0: none yet
  std::string accepted_text;          // the accepted catalog's bytes, to recognise it again
  std::int64_t now_s = 0;             // county time when known, else the station's
};

// Everything a catalog must pass before the station acts on it, in order:
// size, signature (key id first), parse, then version and expiry. The very
// catalog already accepted passes (to finish its downloads). kInvalidInput
// with a message that says which rule refused it.
base::Result<ContentCatalog> VerifyCatalog(std::string_view text, std::string_view signature,
                                           const minisign::PublicKey& key, const CatalogJudgement& judgement);

// The lessons the library may offer: each lesson whose blobs are all
// present (`have`), in its new version; a lesson whose new files are not
// there yet keeps its installed version when that one's files are present;
// anything else waits. Paths are "blobs/<sha>", relative to <data>/content.
std::vector<store::Lesson> LessonsToInstall(const ContentCatalog& catalog,
                                            const std::function<bool(const std::string& sha)>& have,
                                            const std::vector<store::Lesson>& installed);

store::Lesson ToStoreLesson(const CatalogLesson& lesson);

// The installed lessons as a format-1 catalog (store/catalog.h).
std::string FormatCatalogV1(const std::vector<store::Lesson>& lessons, std::int64_t version);

// ---- The station's content -------------------------------------------------------

enum class AcceptOutcome { kNew, kSame };

class ContentLibrary {
 public:
  ContentLibrary(store::Store& store, std::string data_dir, minisign::PublicKey content_key, Clock& clock);

  const std::string& blobs_dir() const { return blobs_dir_; }
  const std::string& downloads_dir() const { return downloads_dir_; }

  // The accepted catalog (checked again against the key), if any; none if
  // another content key signed it (the station enrolled with another county).
  base::Result<std::optional<ContentCatalog>> Accepted();
  // Its version, the floor for the next (no rollback); 0 under another key.
  std::int64_t accepted_version() const;

  // Verifies a signed catalog (VerifyCatalog) and makes it the accepted one:
  // written durably, then its version recorded. Expiry is judged by the
  // county's time when known, else the station's clock. A refusal is logged
  // and changes nothing.
  base::Result<AcceptOutcome> Accept(std::string_view text, std::string_view signature,
                                     std::optional<std::int64_t> county_now_s);

  bool Have(const CatalogBlob& blob) const;
  std::vector<CatalogBlob> Missing(const ContentCatalog& catalog) const;  // unique, in lesson order

  // Installs every lesson whose blobs are there (LessonsToInstall) in one
  // transaction. Returns how many lessons the library now offers.
  base::Result<int> InstallComplete(const ContentCatalog& catalog);
  int lessons_offered() const { return lessons_offered_; }  // by the last InstallComplete

  // Blobs and partial downloads the accepted catalog and the installed
  // lessons do not name. Returns the number of files removed.
  base::Result<int> RemoveUnreferenced(const ContentCatalog& catalog);

  // Gets every missing blob through `fetch` (which verifies and installs it
  // into blobs_dir()), installing lessons as they complete (at most every
  // `install_every_ms`, and at the end). Stops at the first kUnavailable
  // (the link or the stick is gone) and returns it; other blob errors skip
  // that blob (its lessons wait) and are returned at the end. A fetch that
  // failed because `stopped` says so (a USB job, the kiosk closing) is no
  // problem to warn county IT of: it goes on next time.
  static constexpr std::int64_t kInstallEveryMs = 2000;
  base::Status Fill(const ContentCatalog& catalog, const std::function<base::Status(const CatalogBlob&)>& fetch,
                    std::int64_t install_every_ms = kInstallEveryMs, const std::function<bool()>& stopped = {});

 private:
  bool AcceptedUnderOtherKey() const;
  base::Status RecordAccepted(const ContentCatalog& catalog);
  store::Store& store_;
  std::string data_dir_;
  std::string content_dir_;
  std::string blobs_dir_;
  std::string downloads_dir_;
  minisign::PublicKey key_;
  Clock& clock_;
  int lessons_offered_ = 0;
};

// ---- The network path ---------------------------------------------------------

struct ContentSyncOptions {
  std::string server_url;       // "http://127.0.0.1:8080", no /v1
  HttpSettings http;            // token, low-speed limit, bandwidth cap
  BackoffPolicy backoff;        // between tries of one blob that made no progress
  int tries_without_progress = 4;  // then the pass ends (the next round tries again)
  std::int64_t max_wait_ms = 60'000;  // a longer backoff or Retry-After ends the pass instead
  std::int64_t checkpoint_interval_ms = 10'000;  // BlobRequest's: a power cut loses at most this much
  std::function<double()> unit_random;  // jitter in [0, 1); empty: libsodium
  ProgressFn progress;
};

struct ContentSyncReport {
  bool catalog_changed = false;      // a new catalog was accepted
  std::int64_t catalog_version = 0;  // the accepted one after the pass
  int lessons_offered = 0;
  int blobs_missing = 0;             // after the pass
  std::int64_t bytes_received = 0;
  int removed_files = 0;
  std::optional<std::int64_t> server_time_s;
};

class ContentSync {
 public:
  ContentSync(ContentLibrary& library, ContentSyncOptions options);

  // One pass: the catalog, then every missing blob, then clean-up. Errors:
  // a refused catalog (kInvalidInput; downloads of the accepted one still
  // ran), no county (kUnavailable), a blob that stayed wrong (kCorrupt).
  base::Result<ContentSyncReport> RunOnce();
  void RequestStop();

  // Body bytes taken from the network since construction (cut tries too).
  std::int64_t bytes_received() const { return bytes_received_; }
  // The longest wait the county asked for (429/503 Retry-After) since
  // construction, whether the pass ended in an error or not.
  std::optional<std::int64_t> retry_after_s() const { return retry_after_s_; }

 private:
  base::Status FetchCatalog(ContentSyncReport& report);
  base::Status FetchBlob(const CatalogBlob& blob, const std::string& lesson_title, const PassProgress& pass,
                         ContentSyncReport& report);
  bool Stopping() const;          // RequestStop or the settings' cancel flag
  bool SleepMs(std::int64_t ms);  // false if stopped
  void NoteRetryAfter(std::optional<std::int64_t> seconds);

  ContentLibrary& library_;
  ContentSyncOptions options_;
  HttpClient client_;
  std::atomic<bool> stop_{false};
  std::int64_t bytes_received_ = 0;
  std::optional<std::int64_t> retry_after_s_;
};

}  // namespace station_sync
