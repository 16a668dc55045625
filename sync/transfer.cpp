#include "sync/transfer.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <thread>

#include "base/files.h"
#include "base/log.h"
#include "base/numbers.h"

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
// transfer.h), written off the receiving thread.
//
// A fast link brings bytes faster than one thread can hash them and push
// them through the page cache to the disk, so the bytes go down a pipeline
// of a few aligned blocks:
//
//   receiving thread ──Append──> block ──> hasher thread ──> writer thread ──> free blocks
//   (copies into the fill block)           (SHA-256, in order) (O_DIRECT pwrite)
//                                                                   │ at a checkpoint
//                                                                   v
//                                                              syncer thread (fdatasync,
//                                                              then record the length)
//
// Each block holds bytes [offset, offset + size) of the blob, with offset
// aligned for O_DIRECT; the disk takes them straight from the block, so no
// page cache is dirtied and the final fsync has nothing left to write. A
// checkpoint sends the partly filled block (written padded to the alignment,
// then the file is cut back to its length) and carries its unaligned end
// into the next block, which rewrites it. The syncer works beside the writer
// (the disk takes new blocks while it flushes), and records a length only
// after an fdatasync that began once every byte before it was written, so the invariants of transfer.h
// hold: after a power cut the download resumes from a length whose bytes are
// on disk. Nothing here is durable until a checkpoint has been written.
class PartFile {
 public:
  ~PartFile() {
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
    }
    changed_.notify_all();
    for (std::thread* worker : {&hasher_, &writer_, &syncer_}) {
      if (worker->joinable()) worker->join();
    }
    if (fd_ >= 0) ::close(fd_);
  }

  // Opens (or creates) the .part, drops bytes past the durable length, hashes
  // what stays, and reserves the blob's size on disk (a full disk shows now,
  // not after hundreds of megabytes have crossed the link).
  base::Status Open(const std::string& downloads_dir, const std::string& sha256, std::int64_t size_bytes,
                    std::int64_t checkpoint_bytes) {
    path_ = downloads_dir + "/" + sha256 + ".part";
    length_path_ = path_ + ".len";
    checkpoint_bytes_ = std::max<std::int64_t>(checkpoint_bytes, 1);
    if (auto made = base::MakeDirectories(downloads_dir); !made) return made;
    // O_DIRECT where the file system takes it (not tmpfs): plain writes otherwise.
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_DIRECT, 0644);
    if (fd_ < 0 && errno == EINVAL) fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return ErrnoError(errno, "cannot open", path_);
    struct stat info {};
    if (::fstat(fd_, &info) != 0) return ErrnoError(errno, "cannot stat", path_);
    // Bytes past the recorded length may never have reached the disk (a power
    // cut keeps the file's size but not always its data): drop them.
    std::int64_t durable = 0;
    if (auto text = base::ReadFile(length_path_)) durable = base::ParseInt64(Trim(*text)).value_or(0);
    length_ = std::clamp<std::int64_t>(durable, 0, info.st_size);
    if (length_ != info.st_size && ::ftruncate(fd_, length_) != 0) return ErrnoError(errno, "cannot truncate", path_);
    if (size_bytes > length_ && ::fallocate(fd_, FALLOC_FL_KEEP_SIZE, 0, size_bytes) != 0 &&
        (errno == ENOSPC || errno == EDQUOT)) {
      return ErrnoError(errno, "no room for", path_);
    }
    if (auto read = ReadPrefix(); !read) return read;
    hasher_ = std::thread([this] { Run(to_hash_, &PartFile::HashBlock, to_write_); });
    writer_ = std::thread([this] { Run(to_write_, &PartFile::WriteBlock, free_); });
    syncer_ = std::thread([this] { RunSyncer(); });
    return base::Ok();
  }

  std::int64_t length() const { return length_; }
  const std::string& path() const { return path_; }

  // Takes bytes that continue the .part. Returns the pipeline's first error
  // (a full disk, say) once it happened.
  base::Status Append(std::string_view bytes, Clock::duration checkpoint_interval) {
    while (!bytes.empty()) {
      if (!fill_) fill_ = TakeFreeBlock(length_);
      const auto n = std::min(bytes.size(), static_cast<std::size_t>(kBlockBytes - fill_->size));
      std::memcpy(fill_->data.get() + fill_->size, bytes.data(), n);
      fill_->size += static_cast<std::int64_t>(n);
      length_ += static_cast<std::int64_t>(n);
      bytes.remove_prefix(n);
      if (fill_->size == kBlockBytes) SendFill(FullBlockIsCheckpoint());
    }
    // A slow link fills no block for minutes: the clock makes checkpoints
    // too, and waits for them (a slow link loses nothing by it), so a kill
    // or power cut costs at most one interval's bytes.
    if (Clock::now() - checkpoint_sent_at_ >= checkpoint_interval) return Checkpoint();
    return FirstError();
  }

  // Everything so far reaches the disk and its length is recorded; waits.
  base::Status Checkpoint() {
    SendFill(true);
    WaitUntilIdle();
    return FirstError();
  }

  base::Status Restart() {
    WaitUntilIdle();
    if (auto failed = FirstError(); !failed) return failed;
    if (::ftruncate(fd_, 0) != 0) return ErrnoError(errno, "cannot truncate", path_);
    if (fill_) {
      std::lock_guard lock(mutex_);
      free_.push_back(std::move(fill_));
    }
    length_ = hashed_ = checkpoint_requested_ = 0;
    recorded_ = -1;  // record the 0 even if it was recorded before
    hash_.Reset();
    return Checkpoint();
  }

  // Only after Checkpoint(): every byte has been hashed.
  std::string FinalHex() { return hash_.FinalHex(); }

  void Remove() {
    ::unlink(path_.c_str());
    ::unlink(length_path_.c_str());
  }

 private:
  static constexpr std::int64_t kAlignment = 4096;       // O_DIRECT's, for any device
  static constexpr std::int64_t kBlockBytes = 4 << 20;   // the disk's sweet spot here
  static constexpr int kMaxBlocks = 4;
  static constexpr Clock::duration kMinCheckpointGap = std::chrono::seconds(1);

  struct FreeDeleter {
    void operator()(char* data) const { std::free(data); }
  };
  struct Block {
    std::unique_ptr<char[], FreeDeleter> data;
    std::int64_t offset = 0;   // in the file, aligned
    std::int64_t size = 0;     // bytes of the blob in `data`
    bool checkpoint = false;   // once written: fdatasync, record offset + size
  };
  using Queue = std::deque<std::unique_ptr<Block>>;
  using Stage = base::Status (PartFile::*)(const Block&);

  static std::int64_t AlignDown(std::int64_t n) { return n / kAlignment * kAlignment; }

  // Hashes the durable prefix and puts its unaligned end in the fill block.
  base::Status ReadPrefix() {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoError(errno, "cannot open", path_);
    base::Status hashed = HashPrefix(fd, length_, hash_, path_);
    hashed_ = length_;
    recorded_ = length_;
    if (hashed && length_ % kAlignment != 0) {
      fill_ = TakeFreeBlock(length_);
      fill_->size = length_ - fill_->offset;
      if (::pread(fd, fill_->data.get(), static_cast<std::size_t>(fill_->size), fill_->offset) != fill_->size) {
        hashed = ErrnoError(errno, "cannot read", path_);
      }
    }
    ::close(fd);
    return hashed;
  }

  // After checkpoint_bytes, but at most once a second: on a fast link a
  // second's work is cheap to lose, and each checkpoint costs the disk three
  // flushes that would otherwise slow the download.
  bool FullBlockIsCheckpoint() const {
    return length_ - checkpoint_requested_ >= checkpoint_bytes_ && Clock::now() - checkpoint_sent_at_ >= kMinCheckpointGap;
  }

  // A block for bytes from `length` on: a free one, or a new one while fewer
  // than kMaxBlocks exist; else waits for the writer to hand one back.
  std::unique_ptr<Block> TakeFreeBlock(std::int64_t length) {
    std::unique_ptr<Block> block;
    {
      std::unique_lock lock(mutex_);
      if (free_.empty() && blocks_ >= kMaxBlocks) changed_.wait(lock, [&] { return !free_.empty(); });
      if (!free_.empty()) {
        block = std::move(free_.front());
        free_.pop_front();
      }
    }
    if (!block) {
      block = std::make_unique<Block>();
      block->data.reset(static_cast<char*>(std::aligned_alloc(kAlignment, kBlockBytes)));
      if (!block->data) throw std::bad_alloc();
      ++blocks_;
    }
    block->offset = AlignDown(length);
    block->size = 0;
    block->checkpoint = false;
    return block;
  }

  // Sends the fill block down the pipeline; its unaligned end starts the next one.
  void SendFill(bool checkpoint) {
    std::unique_ptr<Block> block = fill_ ? std::move(fill_) : TakeFreeBlock(length_);
    const std::int64_t end = block->offset + block->size;
    if (end % kAlignment != 0) {
      fill_ = TakeFreeBlock(end);
      fill_->size = end - fill_->offset;
      std::memcpy(fill_->data.get(), block->data.get() + (fill_->offset - block->offset), fill_->size);
    }
    block->checkpoint = checkpoint;
    if (checkpoint) {
      checkpoint_requested_ = length_;
      checkpoint_sent_at_ = Clock::now();
    }
    {
      std::lock_guard lock(mutex_);
      ++in_flight_;
      to_hash_.push_back(std::move(block));
    }
    changed_.notify_all();
  }

  // A worker thread: takes blocks from `in` in order, runs `stage` on each
  // unless an earlier one failed, passes them on to `out`.
  void Run(Queue& in, Stage stage, Queue& out) {
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [&] { return closing_ || !in.empty(); });
      if (in.empty()) return;
      std::unique_ptr<Block> block = std::move(in.front());
      in.pop_front();
      const bool skip = error_.has_value();
      lock.unlock();
      base::Status done = skip ? base::Ok() : (this->*stage)(*block);
      lock.lock();
      if (!done && !error_) error_ = done.error();
      if (&out == &free_) --in_flight_;
      out.push_back(std::move(block));
      changed_.notify_all();
    }
  }

  // Hasher thread. A block that continues an earlier one's carried end
  // starts with bytes already hashed.
  base::Status HashBlock(const Block& block) {
    const std::int64_t end = block.offset + block.size;
    if (end > hashed_) {
      const std::int64_t from = std::max(hashed_, block.offset);
      hash_.Update(block.data.get() + (from - block.offset), static_cast<std::size_t>(end - from));
      hashed_ = end;
    }
    return base::Ok();
  }

  // Writer thread.
  base::Status WriteBlock(const Block& block) {
    const std::int64_t end = block.offset + block.size;
    const std::int64_t padded = (block.size + kAlignment - 1) / kAlignment * kAlignment;
    for (std::int64_t done = 0; done < padded;) {
      const ssize_t n = ::pwrite(fd_, block.data.get() + done, static_cast<std::size_t>(padded - done), block.offset + done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EINVAL && DropDirectIo()) continue;  // O_DIRECT opened but not taken
      if (n < 0) return ErrnoError(errno, "cannot write", path_);
      done += n;
    }
    // The padding is no part of the blob.
    if (padded != block.size && ::ftruncate(fd_, end) != 0) return ErrnoError(errno, "cannot truncate", path_);
    if (block.checkpoint) {
      std::lock_guard lock(mutex_);
      ++syncs_wanted_;
      sync_length_ = end;
      changed_.notify_all();
    }
    return base::Ok();
  }

  // Syncer thread: makes the latest checkpoint's length durable, then records it.
  void RunSyncer() {
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [&] { return closing_ || syncs_done_ < syncs_wanted_; });
      if (syncs_done_ == syncs_wanted_) return;
      const int wanted = syncs_wanted_;
      const std::int64_t length = sync_length_;
      const bool skip = error_.has_value();
      lock.unlock();
      base::Status done = skip ? base::Ok() : Sync(length);
      lock.lock();
      if (!done && !error_) error_ = done.error();
      syncs_done_ = wanted;
      changed_.notify_all();
    }
  }

  base::Status Sync(std::int64_t length) {
    if (::fdatasync(fd_) != 0) return ErrnoError(errno, "cannot fsync", path_);
    if (length == recorded_) return base::Ok();
    recorded_ = length;
    return base::WriteFileDurably(length_path_, std::to_string(length) + "\n");
  }

  bool DropDirectIo() {
    const int flags = ::fcntl(fd_, F_GETFL);
    return flags >= 0 && (flags & O_DIRECT) != 0 && ::fcntl(fd_, F_SETFL, flags & ~O_DIRECT) == 0;
  }

  void WaitUntilIdle() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return in_flight_ == 0 && syncs_done_ == syncs_wanted_; });
  }

  base::Status FirstError() {
    std::lock_guard lock(mutex_);
    if (error_) return *error_;
    return base::Ok();
  }

  std::string path_;
  std::string length_path_;
  int fd_ = -1;
  std::int64_t checkpoint_bytes_ = 1;

  // The receiving thread's.
  std::int64_t length_ = 0;                 // bytes taken so far
  std::int64_t checkpoint_requested_ = 0;   // length at the last checkpoint sent
  Clock::time_point checkpoint_sent_at_ = Clock::now();
  std::unique_ptr<Block> fill_;             // being filled; offset aligned
  int blocks_ = 0;                          // allocated

  // The hasher thread's (the receiving thread's while the pipeline is idle).
  Sha256 hash_;
  std::int64_t hashed_ = 0;

  // The syncer thread's (idem).
  std::int64_t recorded_ = 0;               // length last recorded

  // Shared, under mutex_.
  std::mutex mutex_;
  std::condition_variable changed_;
  Queue to_hash_, to_write_, free_;
  int in_flight_ = 0;                       // blocks sent, not yet written
  int syncs_wanted_ = 0, syncs_done_ = 0;   // checkpoints written / made durable
  std::int64_t sync_length_ = 0;            // the latest written checkpoint's length
  std::optional<base::Error> error_;        // the first failure; later blocks are skipped
  bool closing_ = false;
  std::thread hasher_, writer_, syncer_;
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

// Holds a download to the bandwidth cap. libcurl's own limiter lets
// loopback bursts through (4 MB at a 2 MB/s cap in 0.2 s), so the body
// callback also waits out any lead over the cap, in short naps that a stop
// request cuts short.
class Pacer {
 public:
  explicit Pacer(std::int64_t bytes_per_s) : bytes_per_s_(bytes_per_s) {}

  void Take(std::int64_t bytes, const std::function<bool()>& stopping) {
    if (bytes_per_s_ <= 0) return;
    taken_ += bytes;
    const auto due = started_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                                    static_cast<double>(taken_) / static_cast<double>(bytes_per_s_)));
    while (Clock::now() < due && !stopping()) {
      std::this_thread::sleep_for(std::min<Clock::duration>(due - Clock::now(), std::chrono::milliseconds(100)));
    }
  }

 private:
  std::int64_t bytes_per_s_;
  std::int64_t taken_ = 0;
  Clock::time_point started_ = Clock::now();
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
  return std::max(backoff, std::min(*retry_after_s, kMaxRetryAfterS) * 1000);
}

std::optional<std::int64_t> ParseRetryAfterSeconds(std::string_view value, std::int64_t now_s) {
  const std::string text = Trim(value);
  if (auto seconds = base::ParseInt64(text)) {
    if (*seconds < 0) return std::nullopt;
    return std::min(*seconds, kMaxRetryAfterS);
  }
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return std::clamp<std::int64_t>(static_cast<std::int64_t>(timegm(&tm)) - now_s, 0, kMaxRetryAfterS);
}

std::optional<std::int64_t> ParseContentRangeStart(std::string_view value) {
  const std::string text = Trim(value);
  constexpr std::string_view kPrefix = "bytes ";
  if (text.rfind(kPrefix, 0) != 0) return std::nullopt;
  const std::size_t dash = text.find('-', kPrefix.size());
  if (dash == std::string::npos) return std::nullopt;
  return base::ParseInt64(std::string_view(text).substr(kPrefix.size(), dash - kPrefix.size()));
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
    if (space != std::string_view::npos) exchange.status = base::ParseInt64(line.substr(space + 1, 3)).value_or(0);
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
    if (auto time = base::ParseInt64(exchange.Header("x-server-time"))) last_server_time_s_ = time;
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
  if (auto opened = part.Open(request.downloads_dir, request.sha256, request.size_bytes, request.checkpoint_bytes); !opened) {
    return opened.error();
  }

  if (part.length() < request.size_bytes) {
    const std::int64_t resume_from = part.length();
    Exchange exchange;
    exchange.url = request.url;
    if (resume_from > 0) {
      exchange.request_headers = {"Range: bytes=" + std::to_string(resume_from) + "-",
                                  "If-Range: \"" + request.sha256 + "\""};
    }
    RateMeter meter;
    Pacer pacer(settings_.max_recv_bytes_per_s);
    DownloadProgress report;
    report.sha256 = request.sha256;
    report.bytes_done = resume_from;
    report.bytes_total = request.size_bytes;
    if (progress) progress(report);  // where it starts: the rate counts from here
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
      const auto length = base::ParseInt64(exchange.Header("content-length"));
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
      if (auto written = part.Append(bytes, std::chrono::milliseconds(request.checkpoint_interval_ms)); !written) return written;
      if (overflow) return Unavailable("county sent more than the " + std::to_string(request.size_bytes) + " bytes of blob " + request.sha256);
      pacer.Take(static_cast<std::int64_t>(bytes.size()),
                 [&] { return stop_.load() || (settings_.cancel != nullptr && settings_.cancel->load()); });
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
    DownloadProgress done;
    done.sha256 = request.sha256;
    done.bytes_done = done.bytes_total = request.size_bytes;
    done.seconds_left = 0;
    progress(done);
  }
  return outcome;
}

}  // namespace station_sync
