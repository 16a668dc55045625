// Transfer: the station's HTTP client for the county (libcurl) and the
// resumable, verified blob download (docs/protocol.md, "Content").
//
// A blob on its way in, as files on disk:
//
//   <data>/downloads/<sha>.part      a prefix of the blob, as received
//   <data>/downloads/<sha>.part.len  its durable length: the .part is fsynced
//                                    at least this far (written durably)
//   <data>/content/blobs/<sha>       the verified blob, installed by rename
//
//   (none) ──GET──> .part ──bytes──> .part ──size reached──> verify ──sha ok──> blobs/<sha>
//                     ^  │                                    │      (fsync, rename, fsync dir)
//                     │  │ cut, stall, stop, restart:         │
//                     │  │ fsync, record the length,          │ wrong sha: .part removed,
//                     │  │ resume with Range: bytes=len-      │ kCorrupt (next try from 0)
//                     │  │ and If-Range: "<sha>"              v
//                     └──┘ a 200 or 416 answer to a Range: start again from 0
//
// The receiving thread only copies bytes into a few aligned blocks; a hasher
// thread and a writer thread (O_DIRECT) take them, and a syncer makes
// checkpoints durable, so hashing and the disk keep pace with a fast link
// (transfer.cpp, PartFile).
//
// Invariants: the .part never holds more than the expected size (a longer or
// endless stream is cut there); after a crash or power cut the download
// resumes from the recorded length, never from bytes that may not have
// reached the disk; nothing is in blobs/ unless its size and SHA-256 match.
//
// Only the county's answers count: an answer without the X-Village-Protocol
// header (a captive portal's "200 OK" login page, a proxy's error page) is
// refused before a byte of it is stored.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace station_sync {

// ---------------------------------------------------------------- pure parts

// Capped exponential backoff with jitter (docs/protocol.md section 9):
// after `failures` failures in a row (1, 2, ...) wait uniform(0.5, 1.0) x
// min(cap, base x 2^failures). `jitter` in [0, 1) picks the point (random in
// use, fixed in tests), so a county coming back is not hit by every station
// in the same second.
struct BackoffPolicy {
  std::int64_t base_ms = 10'000;
  std::int64_t cap_ms = 30 * 60'000;
};
std::int64_t BackoffDelayMs(const BackoffPolicy& policy, int failures, double jitter);

// The wait before the next try: the backoff, but never shorter than what a
// 429/503 Retry-After asked for.
std::int64_t NextTryDelayMs(const BackoffPolicy& policy, int failures, double jitter,
                            std::optional<std::int64_t> retry_after_s);

// Retry-After: delta-seconds or an HTTP-date; nullopt if neither. At most
// kMaxRetryAfterS: a county down for maintenance is asked again daily, and
// no plan of the station's lies further ahead than a day or two (a wait
// longer than that means the clock went back; outbox_queue.h).
inline constexpr std::int64_t kMaxRetryAfterS = 24 * 3600;
std::optional<std::int64_t> ParseRetryAfterSeconds(std::string_view value, std::int64_t now_s);

// What to do with the .part when an answer to `GET` (with `Range: bytes=
// part_bytes-` when part_bytes > 0) starts.
enum class BodyPlan {
  kAppend,   // 206 from part_bytes: the body continues the .part
  kRestart,  // 200 (full body; the range was ignored or If-Range failed), or 416
  kRefuse,   // anything else: keep the .part, store nothing
};
BodyPlan PlanBody(long status, std::int64_t part_bytes,
                  std::optional<std::int64_t> content_range_start);

// "bytes 100-199/1000" -> 100.
std::optional<std::int64_t> ParseContentRangeStart(std::string_view value);

bool IsSha256Hex(std::string_view text);  // 64 lowercase hex digits

// ----------------------------------------------------------------- the client

struct HttpSettings {
  std::string bearer_token;                  // empty: no Authorization header
  long connect_timeout_s = 20;
  // A link slower than this for this long is stalled and dropped.
  long low_speed_bytes_per_s = 100;
  long low_speed_time_s = 60;
  std::int64_t max_recv_bytes_per_s = 0;     // the bandwidth cap; 0: none
  std::string ca_file;                       // for https; empty: the system's
  bool require_protocol_header = true;       // false only to fetch from a plain static mirror
  // When set and true, transfers stop soon (the station is closing): the
  // owner's flag, which must outlive the client.
  const std::atomic<bool>* cancel = nullptr;
};

// An answer the county gave (it carried the protocol header).
struct CountyAnswer {
  long status = 0;
  std::string body;
  std::string etag;
  std::optional<std::int64_t> server_time_s;  // X-Server-Time
  std::optional<std::int64_t> retry_after_s;  // on 429 / 503
};

struct DownloadProgress {
  std::string sha256;
  std::int64_t bytes_done = 0;   // of this blob, including what earlier tries stored
  std::int64_t bytes_total = 0;
  double rate_bytes_per_s = 0;   // smoothed
  std::int64_t seconds_left = -1;  // -1: not known yet
  std::string lesson_title;        // ContentSync's: the lesson the blob is for
};
using ProgressFn = std::function<void(const DownloadProgress&)>;

struct BlobRequest {
  std::string url;               // .../v1/blobs/<sha>
  std::string sha256;            // expected, 64 hex
  std::int64_t size_bytes = 0;   // expected
  std::string downloads_dir;     // <data>/downloads
  std::string blobs_dir;         // <data>/content/blobs
  // fsync + record the length after this many bytes or this long, whichever
  // comes first: a power cut loses at most that much of a slow link's work.
  // By bytes at most once a second (a fast link's second is cheap to redo).
  std::int64_t checkpoint_bytes = 32 << 20;
  std::int64_t checkpoint_interval_ms = 10'000;
};

struct BlobDownload {
  bool already_installed = false;
};

class HttpClient {
 public:
  explicit HttpClient(HttpSettings settings);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // GET returning any answer that carries the protocol header (304 and
  // errors too: the caller reads the status). A body over max_body_bytes
  // is cut and refused (kInvalidInput). No header: kUnavailable.
  base::Result<CountyAnswer> Get(const std::string& url, const std::vector<std::string>& headers,
                                 std::int64_t max_body_bytes);

  // Downloads one blob to completion, resuming whatever .part is on disk,
  // verifies it and installs it. Errors: kUnavailable for a cut, stalled or
  // refused transfer (try again later; the .part keeps what arrived),
  // kNotFound for a blob the county does not have (404),
  // kCorrupt for a blob whose bytes are wrong (the .part is gone),
  // kIo/kDiskFull for the local disk.
  base::Result<BlobDownload> DownloadBlob(const BlobRequest& request, const ProgressFn& progress);

  // Asks a transfer in progress (any thread) to stop soon; it fails with
  // kUnavailable and keeps its .part. Cleared by the next call.
  void RequestStop() { stop_.store(true); }

  // The last answer the county gave: its clock and Retry-After.
  std::optional<std::int64_t> last_server_time_s() const { return last_server_time_s_; }
  std::optional<std::int64_t> last_retry_after_s() const { return last_retry_after_s_; }
  // Body bytes received since construction, by every call (failed ones too).
  std::int64_t body_bytes_received() const { return body_bytes_received_; }

  struct Exchange;  // one request in flight (internal to transfer.cpp)

 private:
  base::Status Perform(Exchange& exchange);

  HttpSettings settings_;
  void* curl_;  // one CURL easy handle, reused so connections are kept alive
  std::atomic<bool> stop_{false};
  std::optional<std::int64_t> last_server_time_s_;
  std::optional<std::int64_t> last_retry_after_s_;
  std::int64_t body_bytes_received_ = 0;
};

// The installed blob's path, and a verification of any file (size + SHA-256).
std::string BlobPath(const std::string& blobs_dir, const std::string& sha256);
base::Status VerifyFile(const std::string& path, const std::string& sha256, std::int64_t size_bytes);

// Moves a complete, verified file into blobs/ atomically (fsync, rename,
// fsync the directory). Used by downloads and the USB import.
base::Status InstallVerifiedBlob(const std::string& part_path, const std::string& blobs_dir,
                                 const std::string& sha256);

}  // namespace station_sync
