#include "sync/transfer.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>

#include "base/files.h"
#include "base/log.h"

namespace station_sync {
namespace {

constexpr const char* kLog = "transfer";
using Clock = std::chrono::steady_clock;

base::Error Unavailable(std::string message) {
  return base::MakeError(base::ErrorCode::kUnavailable, std::move(message));
}

base::Error ErrnoError(int err, std::string_view what, const std::string& path) {
  const auto code = (err == ENOSPC || err == EDQUOT) ? base::ErrorCode::kDiskFull : base::ErrorCode::kIo;
  return base::MakeError(code, std::string(what) + " " + path + ": " + std::strerror(err));
}

std::optional<std::int64_t> ParseInt(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && std::strchr(" \t\r\n", text.back()) != nullptr) text.remove_suffix(1);
  return std::string(text);
}

std::string ToHex(const unsigned char* bytes, std::size_t size) {
  static const char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (std::size_t i = 0; i < size; ++i) {
    hex += kDigits[bytes[i] >> 4];
    hex += kDigits[bytes[i] & 15];
  }
  return hex;
}

// Streaming SHA-256. OpenSSL's uses the CPU's SHA instructions (~1.5 GB/s
// here against libsodium's ~0.37 GB/s), which keeps hashing off a fast
// link's critical path.
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { Reset(); }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Reset() { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  void Update(const char* data, std::size_t size) { EVP_DigestUpdate(ctx_, data, size); }
  std::string FinalHex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctx_, digest, &length);
    return ToHex(digest, length);
  }

 private:
  EVP_MD_CTX* ctx_;
};

// Hashes `size` bytes of `fd` from offset 0 into `hash`.
base::Status HashPrefix(int fd, std::int64_t size, Sha256& hash, const std::string& path) {
  std::vector<char> buffer(1 << 20);
  std::int64_t offset = 0;
  while (offset < size) {
    const auto want = static_cast<std::size_t>(std::min<std::int64_t>(buffer.size(), size - offset));
    const ssize_t n = ::pread(fd, buffer.data(), want, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, "cannot read", path);
    if (n == 0) return base::MakeError(base::ErrorCode::kIo, "unexpected end of " + path);
    hash.Update(buffer.data(), static_cast<std::size_t>(n));
    offset += n;
  }
  return base::Ok();
}

void EnsureCurlInitialised() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// The .part file of one blob and its durable length (see the diagram in
// transfer.h). Closed by the destructor; nothing here is durable until
// Checkpoint().
class PartFile {
 public:
  ~PartFile() {
    if (fd_ >= 0) ::close(fd_);
  }

  base::Status Open(const std::string& downloads_dir, const std::string& sha256) {
    path_ = downloads_dir + "/" + sha256 + ".part";
    length_path_ = path_ + ".len";
    if (auto made = base::MakeDirectories(downloads_dir); !made) return made;
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return ErrnoError(errno, "cannot open", path_);
    struct stat info {};
    if (::fstat(fd_, &info) != 0) return ErrnoError(errno, "cannot stat", path_);
    // Bytes past the recorded length may never have reached the disk (a power
    // cut keeps the file's size but not always its data): drop them.
    std::int64_t durable = 0;
    if (auto text = base::ReadFile(length_path_)) durable = ParseInt(Trim(*text)).value_or(0);
    length_ = written_back_ = std::clamp<std::int64_t>(durable, 0, info.st_size);
    if (length_ != info.st_size && ::ftruncate(fd_, length_) != 0) return ErrnoError(errno, "cannot truncate", path_);
    return HashPrefix(fd_, length_, hash_, path_);
  }

  std::int64_t length() const { return length_; }
  const std::string& path() const { return path_; }

  base::Status Append(std::string_view bytes, std::int64_t checkpoint_bytes, Clock::duration checkpoint_interval) {
    while (!bytes.empty()) {
      const ssize_t n = ::pwrite(fd_, bytes.data(), bytes.size(), length_);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoError(errno, "cannot write", path_);
      hash_.Update(bytes.data(), static_cast<std::size_t>(n));
      length_ += n;
      unsynced_ += n;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    // Start writing back what arrived, without waiting: the disk works while
    // the network does, and the next fsync finds little left to do.
    if (length_ - written_back_ >= kWriteBackBytes) {
      ::sync_file_range(fd_, written_back_, length_ - written_back_, SYNC_FILE_RANGE_WRITE);
      written_back_ = length_;
    }
    if (unsynced_ >= checkpoint_bytes || Clock::now() - synced_at_ >= checkpoint_interval) return Checkpoint();
    return base::Ok();
  }

  // The bytes so far reach the disk, then their count is recorded.
  base::Status Checkpoint() {
    if (::fdatasync(fd_) != 0) return ErrnoError(errno, "cannot fsync", path_);
    unsynced_ = 0;
    synced_at_ = Clock::now();
    return base::WriteFileDurably(length_path_, std::to_string(length_) + "\n");
  }

  base::Status Restart() {
    if (::ftruncate(fd_, 0) != 0) return ErrnoError(errno, "cannot truncate", path_);
    length_ = 0;
    written_back_ = 0;
    hash_.Reset();
    return Checkpoint();
  }

  std::string FinalHex() { return hash_.FinalHex(); }

  void Remove() {
    ::unlink(path_.c_str());
    ::unlink(length_path_.c_str());
  }

 private:
  std::string path_;
  std::string length_path_;
  int fd_ = -1;
  std::int64_t length_ = 0;
  static constexpr std::int64_t kWriteBackBytes = 4 << 20;
  std::int64_t written_back_ = 0;  // writeback started up to here
  std::int64_t unsynced_ = 0;
  Clock::time_point synced_at_ = Clock::now();
  Sha256 hash_;
};

// A smoothed transfer rate for the admin area.
class RateMeter {
 public:
  // Returns true when a new estimate is ready (at most every half second).
  bool Add(std::int64_t bytes) {
    pending_ += bytes;
    const auto now = Clock::now();
    const double seconds = std::chrono::duration<double>(now - since_).count();
    if (seconds < 0.5) return false;
    const double instant = static_cast<double>(pending_) / seconds;
    rate_ = rate_ == 0 ? instant : 0.7 * rate_ + 0.3 * instant;
    pending_ = 0;
    since_ = now;
    return true;
  }
  double rate() const { return rate_; }

 private:
  Clock::time_point since_ = Clock::now();
  std::int64_t pending_ = 0;
  double rate_ = 0;
};

}  // namespace

// ---------------------------------------------------------------- pure parts

std::int64_t BackoffDelayMs(const BackoffPolicy& policy, int failures, double jitter) {
  if (failures <= 0) return 0;
  std::int64_t ceiling = policy.base_ms;
  for (int i = 0; i < failures && ceiling < policy.cap_ms; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, policy.cap_ms);
  jitter = std::clamp(jitter, 0.0, 1.0);
  return ceiling / 2 + static_cast<std::int64_t>(static_cast<double>(ceiling - ceiling / 2) * jitter);
}

std::int64_t NextTryDelayMs(const BackoffPolicy& policy, int failures, double jitter,
                            std::optional<std::int64_t> retry_after_s) {
  const std::int64_t backoff = BackoffDelayMs(policy, failures, jitter);
  if (!retry_after_s || *retry_after_s <= 0) return backoff;
  return std::max(backoff, *retry_after_s * 1000);
}

std::optional<std::int64_t> ParseRetryAfterSeconds(std::string_view value, std::int64_t now_s) {
  const std::string text = Trim(value);
  if (auto seconds = ParseInt(text)) {
    if (*seconds < 0) return std::nullopt;
    return seconds;
  }
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return std::max<std::int64_t>(0, static_cast<std::int64_t>(timegm(&tm)) - now_s);
}

std::optional<std::int64_t> ParseContentRangeStart(std::string_view value) {
  const std::string text = Trim(value);
  constexpr std::string_view kPrefix = "bytes ";
  if (text.rfind(kPrefix, 0) != 0) return std::nullopt;
  const std::size_t dash = text.find('-', kPrefix.size());
  if (dash == std::string::npos) return std::nullopt;
  return ParseInt(std::string_view(text).substr(kPrefix.size(), dash - kPrefix.size()));
}

BodyPlan PlanBody(long status, std::int64_t part_bytes, std::optional<std::int64_t> content_range_start) {
  if (status == 200 || status == 416) return BodyPlan::kRestart;
  if (status == 206 && part_bytes > 0 && content_range_start == part_bytes) return BodyPlan::kAppend;
  return BodyPlan::kRefuse;
}

bool IsSha256Hex(std::string_view text) {
  return text.size() == 64 &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string BlobPath(const std::string& blobs_dir, const std::string& sha256) { return blobs_dir + "/" + sha256; }

base::Status VerifyFile(const std::string& path, const std::string& sha256, std::int64_t size_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, "cannot open", path);
  struct stat info {};
  base::Status result = base::Ok();
  Sha256 hash;
  if (::fstat(fd, &info) != 0) {
    result = ErrnoError(errno, "cannot stat", path);
  } else if (info.st_size != size_bytes) {
    result = base::MakeError(base::ErrorCode::kCorrupt, path + " has " + std::to_string(info.st_size) +
                                                            " bytes, expected " + std::to_string(size_bytes));
  } else if (result = HashPrefix(fd, size_bytes, hash, path); result.ok() && hash.FinalHex() != sha256) {
    result = base::MakeError(base::ErrorCode::kCorrupt, path + " does not have SHA-256 " + sha256);
  }
  ::close(fd);
  return result;
}

base::Status InstallVerifiedBlob(const std::string& part_path, const std::string& blobs_dir,
                                 const std::string& sha256) {
  const int fd = ::open(part_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, "cannot open", part_path);
  const bool synced = ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!synced) return ErrnoError(err, "cannot fsync", part_path);
  if (auto made = base::MakeDirectories(blobs_dir); !made) return made;
  const std::string target = BlobPath(blobs_dir, sha256);
  if (::rename(part_path.c_str(), target.c_str()) != 0) return ErrnoError(errno, "cannot rename into", target);
  return base::FsyncDirectory(blobs_dir);
}

// ----------------------------------------------------------------- the client

// One request in flight: what the callbacks need and what they found.
struct HttpClient::Exchange {
  std::string url;
  std::vector<std::string> request_headers;
  // Called at the first body byte (status and headers known); an error
  // refuses the body and ends the transfer.
  std::function<base::Status()> on_body_start;
  std::function<base::Status(std::string_view)> on_body;

  long status = 0;
  std::map<std::string, std::string> headers;  // names lowercased
  bool body_started = false;
  std::optional<base::Error> refused;  // why a callback ended the transfer
  std::atomic<bool>* stop = nullptr;
  const std::atomic<bool>* cancel = nullptr;
  bool require_protocol_header = true;

  std::string Header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  bool FromCounty() const { return !require_protocol_header || headers.count("x-village-protocol") > 0; }
  base::Error NotCounty() const {
    return Unavailable("not the county's answer (no X-Village-Protocol header; a captive portal or proxy?): HTTP " +
                       std::to_string(status) + " from " + url);
  }
};

namespace {

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto& exchange = *static_cast<HttpClient::Exchange*>(user);
  const std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {  // "HTTP/1.1 206 Partial Content": a new answer
    exchange.headers.clear();
    const std::size_t space = line.find(' ');
    if (space != std::string_view::npos) exchange.status = ParseInt(line.substr(space + 1, 3)).value_or(0);
    return size * count;
  }
  const std::size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    exchange.headers[name] = Trim(line.substr(colon + 1));
  }
  return size * count;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto& exchange = *static_cast<HttpClient::Exchange*>(user);
  const size_t total = size * count;
  if (!exchange.body_started) {
    exchange.body_started = true;
    if (!exchange.FromCounty()) {
      exchange.refused = exchange.NotCounty();
      return 0;
    }
    if (auto started = exchange.on_body_start(); !started) {
      exchange.refused = started.error();
      return 0;
    }
  }
  if (auto taken = exchange.on_body(std::string_view(data, total)); !taken) {
    exchange.refused = taken.error();
    return 0;
  }
  return total;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto& exchange = *static_cast<HttpClient::Exchange*>(user);
  const bool cancelled = exchange.cancel != nullptr && exchange.cancel->load();
  return exchange.stop->load() || cancelled ? 1 : 0;
}

}  // namespace

HttpClient::HttpClient(HttpSettings settings) : settings_(std::move(settings)) {
  EnsureCurlInitialised();
  curl_ = curl_easy_init();
}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

base::Status HttpClient::Perform(Exchange& exchange) {
  CURL* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) return Unavailable("libcurl could not start");
  curl_easy_reset(curl);  // keeps the connection cache
  char error_text[CURL_ERROR_SIZE] = "";
  curl_slist* headers = nullptr;
  for (const std::string& header : exchange.request_headers) headers = curl_slist_append(headers, header.c_str());
  if (!settings_.bearer_token.empty()) {
    headers = curl_slist_append(headers, ("Authorization: Bearer " + settings_.bearer_token).c_str());
  }
  exchange.stop = &stop_;
  exchange.cancel = settings_.cancel;
  exchange.require_protocol_header = settings_.require_protocol_header;
  curl_easy_setopt(curl, CURLOPT_URL, exchange.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);  // a portal's redirect is not the county
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, settings_.connect_timeout_s);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, settings_.low_speed_bytes_per_s);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, settings_.low_speed_time_s);
  // libcurl's largest buffer means fewer callbacks on a fast link; under a
  // cap, reads of at most a tenth of a second's worth keep the cap honest.
  long buffer_bytes = 512L * 1024;
  if (settings_.max_recv_bytes_per_s > 0) {
    curl_easy_setopt(curl, CURLOPT_MAX_RECV_SPEED_LARGE, static_cast<curl_off_t>(settings_.max_recv_bytes_per_s));
    buffer_bytes = static_cast<long>(std::clamp<std::int64_t>(settings_.max_recv_bytes_per_s / 10, 1024, buffer_bytes));
  }
  curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, buffer_bytes);
  if (!settings_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, settings_.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &exchange);

  const CURLcode code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &exchange.status);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);

  if (exchange.FromCounty() && exchange.status > 0) {
    if (auto time = ParseInt(exchange.Header("x-server-time"))) last_server_time_s_ = time;
    last_retry_after_s_.reset();
    if (exchange.status == 429 || exchange.status == 503) {
      const auto now = std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch()).count();
      last_retry_after_s_ = ParseRetryAfterSeconds(exchange.Header("retry-after"), now);
    }
  }
  if (exchange.refused) return *exchange.refused;
  switch (code) {
    case CURLE_OK:
      return base::Ok();
    case CURLE_OPERATION_TIMEDOUT:
      return Unavailable("link stalled or too slow (" + std::string(error_text) + "): " + exchange.url);
    case CURLE_ABORTED_BY_CALLBACK:
      return Unavailable("transfer stopped: " + exchange.url);
    default:
      return Unavailable(std::string(curl_easy_strerror(code)) + (error_text[0] ? ": " : "") + error_text + " (" +
                         exchange.url + ")");
  }
}

base::Result<CountyAnswer> HttpClient::Get(const std::string& url, const std::vector<std::string>& headers,
                                           std::int64_t max_body_bytes) {
  stop_.store(false);
  CountyAnswer answer;
  Exchange exchange;
  exchange.url = url;
  exchange.request_headers = headers;
  exchange.on_body_start = [] { return base::Ok(); };
  exchange.on_body = [&](std::string_view bytes) -> base::Status {
    if (static_cast<std::int64_t>(answer.body.size() + bytes.size()) > max_body_bytes) {
      return base::MakeError(base::ErrorCode::kInvalidInput,
                             "answer larger than " + std::to_string(max_body_bytes) + " bytes refused: " + url);
    }
    body_bytes_received_ += static_cast<std::int64_t>(bytes.size());
    answer.body.append(bytes);
    return base::Ok();
  };
  if (auto done = Perform(exchange); !done) return done.error();
  if (!exchange.FromCounty()) return exchange.NotCounty();
  answer.status = exchange.status;
  answer.etag = exchange.Header("etag");
  answer.server_time_s = last_server_time_s_;
  answer.retry_after_s = last_retry_after_s_;
  return answer;
}

base::Result<BlobDownload> HttpClient::DownloadBlob(const BlobRequest& request, const ProgressFn& progress) {
  stop_.store(false);
  BlobDownload outcome;
  const std::string installed = BlobPath(request.blobs_dir, request.sha256);
  struct stat info {};
  if (::stat(installed.c_str(), &info) == 0 && info.st_size == request.size_bytes) {
    outcome.already_installed = true;
    return outcome;
  }
  PartFile part;
  if (auto opened = part.Open(request.downloads_dir, request.sha256); !opened) return opened.error();

  if (part.length() < request.size_bytes) {
    const std::int64_t resume_from = part.length();
    Exchange exchange;
    exchange.url = request.url;
    if (resume_from > 0) {
      exchange.request_headers = {"Range: bytes=" + std::to_string(resume_from) + "-",
                                  "If-Range: \"" + request.sha256 + "\""};
    }
    RateMeter meter;
    DownloadProgress report{request.sha256, resume_from, request.size_bytes};
    bool overflow = false;
    exchange.on_body_start = [&]() -> base::Status {
      const auto plan = PlanBody(exchange.status, resume_from, ParseContentRangeStart(exchange.Header("content-range")));
      if (plan == BodyPlan::kRefuse && exchange.status == 404) {
        return base::MakeError(base::ErrorCode::kNotFound, "the county has no blob " + request.sha256);
      }
      if (plan == BodyPlan::kRefuse) {
        return Unavailable("county answered HTTP " + std::to_string(exchange.status) + " for " + request.url);
      }
      if (plan == BodyPlan::kRestart && exchange.status == 416) return Unavailable("range refused");
      // A body that cannot end at the expected size is refused before it costs the link.
      const auto length = ParseInt(exchange.Header("content-length"));
      const std::int64_t start = plan == BodyPlan::kAppend ? resume_from : 0;
      if (length && start + *length != request.size_bytes) {
        return base::MakeError(base::ErrorCode::kCorrupt, "county offers " + std::to_string(start + *length) +
                                                              " bytes of blob " + request.sha256 + ", the catalog says " +
                                                              std::to_string(request.size_bytes) + ": refused");
      }
      if (plan == BodyPlan::kRestart && resume_from > 0) {
        base::LogInfo(kLog, "blob " + request.sha256.substr(0, 12) + ": full answer to a range request, from 0 again");
        return part.Restart();
      }
      return base::Ok();
    };
    exchange.on_body = [&](std::string_view bytes) -> base::Status {
      body_bytes_received_ += static_cast<std::int64_t>(bytes.size());
      const std::int64_t room = request.size_bytes - part.length();
      if (static_cast<std::int64_t>(bytes.size()) > room) {
        bytes = bytes.substr(0, static_cast<std::size_t>(room));
        overflow = true;
      }
      if (auto written = part.Append(bytes, request.checkpoint_bytes, std::chrono::milliseconds(request.checkpoint_interval_ms)); !written) return written;
      if (overflow) return Unavailable("county sent more than the " + std::to_string(request.size_bytes) + " bytes of blob " + request.sha256);
      if (progress && meter.Add(static_cast<std::int64_t>(bytes.size()))) {
        report.bytes_done = part.length();
        report.rate_bytes_per_s = meter.rate();
        report.seconds_left = meter.rate() > 0 ? static_cast<std::int64_t>(std::ceil(
                                                     static_cast<double>(request.size_bytes - part.length()) / meter.rate()))
                                               : -1;
        progress(report);
      }
      return base::Ok();
    };
    base::Status performed = Perform(exchange);
    if (performed && !exchange.FromCounty()) performed = exchange.NotCounty();  // a body-less redirect
    if (exchange.status == 416 && exchange.FromCounty()) {
      if (auto restarted = part.Restart(); !restarted) return restarted.error();
    }
    // Whatever arrived stays: durable before the next try counts on it.
    if (auto saved = part.Checkpoint(); !saved) return saved.error();
    if (!performed && performed.error().code == base::ErrorCode::kCorrupt) part.Remove();
    if (!performed && !overflow) return performed.error();
    if (overflow) base::LogWarn(kLog, performed.error().message + "; the extra bytes were dropped");
    if (performed && part.length() < request.size_bytes) {
      return Unavailable("answer ended at byte " + std::to_string(part.length()) + " of " +
                         std::to_string(request.size_bytes) + ": " + request.url);
    }
  }

  if (part.FinalHex() != request.sha256) {
    part.Remove();
    return base::MakeError(base::ErrorCode::kCorrupt, "blob " + request.sha256 + " from " + request.url +
                                                          " has the wrong SHA-256: refused, will download again");
  }
  if (auto moved = InstallVerifiedBlob(part.path(), request.blobs_dir, request.sha256); !moved) return moved.error();
  ::unlink((part.path() + ".len").c_str());
  if (progress) {
    progress(DownloadProgress{request.sha256, request.size_bytes, request.size_bytes, 0, 0});
  }
  return outcome;
}

}  // namespace station_sync
