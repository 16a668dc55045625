// sync-download-bench: issue 5's two download figures, on this machine.
//
//   (a) a 200 MB package (signed catalog + 20 lessons of 10 MB) through the
//       fault proxy cutting every connection after 4 MiB: bytes that crossed
//       the link against the package size (target <= 1% beyond), verified;
//   (b) one 1 GiB blob over loopback: kiosk-sync's download (resume file,
//       checkpoints, SHA-256, fdatasync, rename) against curl from the same
//       server, same blob, same disk: `curl -o FILE` alone, then with what
//       ours does beside it (sync; a SHA-256 after or through a pipe), the
//       disk's own durable write and the SHA-256 alone, side by side in
//       each of N runs (the order rotating from run to run); then ours and
//       `curl -o` again writing to a memory file system (/dev/shm, or
//       --memory DIR); the median of each, and the CPU each used
//       (target: ours >= 90% of `curl -o`).
//
// (a) is published with the county's own `publish` and served by the real
// county server (county::Server, in this process), as is (b) unless
// --server sendfile (tests/sync's HTTP server, sendfile(2)). Prints Markdown
// tables for docs/BENCHMARKS.md.
//
//   sync-download-bench [--work DIR] [--package-mb 200] [--cut-mb 4] [--big-mb 1024] [--runs 5]
//                       [--checkpoint-mb N]   (N: BlobRequest::checkpoint_bytes; 0: the default)
//                       [--server county|sendfile] [--memory DIR|none]
//                       [--kinds N]   (only the first N downloads of the table: 2 is ours and `curl -o`)

#include <fcntl.h>
#include <linux/magic.h>
#include <sodium.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/files.h"
#include "base/log.h"
#include "county/console.h"
#include "county/county_store.h"
#include "county/server.h"
#include "store/lessons.h"
#include "store/store.h"
#include "sync/content_sync.h"
#include "sync/file_system.h"
#include "sync/sync_engine.h"
#include "tests/sync/fault_proxy.h"
#include "tests/sync/test_http_server.h"

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

int Fail(const std::string& message) {
  std::fprintf(stderr, "sync-download-bench: %s\n", message.c_str());
  return 1;
}

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

// CPU seconds used so far by this process (every thread: the county server
// and our client) and by its waited-for children (curl).
struct CpuSeconds {
  double self = 0, children = 0;
  static CpuSeconds Now() {
    const auto seconds = [](const rusage& usage) {
      return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
             static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    };
    rusage self_usage {}, children_usage {};
    ::getrusage(RUSAGE_SELF, &self_usage);
    ::getrusage(RUSAGE_CHILDREN, &children_usage);
    return {seconds(self_usage), seconds(children_usage)};
  }
};

// Writes `size` pseudo-random bytes (incompressible, like video) and
// returns their SHA-256.
std::string WriteBlobFile(const std::string& path, std::int64_t size, std::uint64_t seed) {
  std::vector<std::uint64_t> buffer(1 << 17);  // 1 MiB
  crypto_hash_sha256_state hash;
  crypto_hash_sha256_init(&hash);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  std::uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
  for (std::int64_t left = size; left > 0;) {
    for (auto& word : buffer) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      word = x;
    }
    const auto n = static_cast<std::size_t>(std::min<std::int64_t>(left, 8 * buffer.size()));
    if (::write(fd, buffer.data(), n) != static_cast<ssize_t>(n)) std::abort();
    crypto_hash_sha256_update(&hash, reinterpret_cast<const unsigned char*>(buffer.data()), n);
    left -= static_cast<std::int64_t>(n);
  }
  ::fsync(fd);  // written back now, not while the next transfers are timed
  ::close(fd);
  unsigned char digest[32];
  crypto_hash_sha256_final(&hash, digest);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

// The real county server (county::Server, in this process) over its own
// data directory and keys.
class BenchCounty {
 public:
  bool Start(const std::string& dir) {
    if (!county::InitKeys(dir).ok()) return false;
    auto store = county::CountyStore::Open(dir);
    if (!store.ok()) return false;
    store_ = std::move(*store);
    auto keys = county::LoadCountyPublicKeys(store_->paths());
    if (!keys.ok()) return false;
    auto server = county::Server::Bind(*store_, *keys, county::ServerOptions{});
    if (!server.ok()) return false;
    server_ = std::move(*server);
    thread_ = std::thread([this] { server_->Run(); });
    server_->WaitUntilRunning();
    return true;
  }
  ~BenchCounty() {
    if (!server_) return;
    server_->Stop();
    thread_.join();
  }
  // A blob served as if published, moved into the blob store; its path there.
  std::string AddBlob(const std::string& path, const std::string& sha) {
    const std::string served = store_->paths().ContentBlob(sha);
    std::error_code moved;
    std::filesystem::rename(path, served, moved);
    return moved ? "" : served;
  }
  county::CountyStore& store() { return *store_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

 private:
  std::unique_ptr<county::CountyStore> store_;
  std::unique_ptr<county::Server> server_;
  std::thread thread_;
};

struct PackageResult {
  std::int64_t package_bytes = 0;
  std::int64_t link_bytes = 0;      // everything the proxy forwarded down (headers, catalog, blobs)
  std::int64_t body_bytes = 0;      // HTTP bodies received
  std::int64_t cuts = 0;
  int lessons = 0;
  int verified = 0;
  double seconds = 0;
};

// (a) The package, published by the real county tools and served by the
// real county server, through a link cut every `cut_bytes`.
bool RunPackage(const std::string& dir, int lessons, std::int64_t lesson_bytes, std::int64_t cut_bytes,
                PackageResult& result) {
  // County IT: keys, a folder of lessons, `county publish`, an enrolment code.
  const std::string package = dir + "/package";
  if (!base::MakeDirectories(package).ok()) return false;
  json list = json::array();
  std::map<std::string, std::string> sha_of;  // lesson id -> sha
  for (int i = 0; i < lessons; ++i) {
    const std::string id = "lesson-" + std::to_string(i), file = "lesson" + std::to_string(i) + ".mp4";
    sha_of[id] = WriteBlobFile(package + "/" + file, lesson_bytes, 1000 + i);
    list.push_back({{"id", id}, {"title", "第" + std::to_string(i) + "课"}, {"category", "farming"},
                    {"duration_s", 600}, {"file", file}});
  }
  if (!base::WriteFileDurably(package + "/package.json", json{{"lessons", list}}.dump()).ok()) return false;
  BenchCounty county;
  if (!county.Start(dir + "/county")) return Fail("county server did not start") == 0;
  const std::int64_t now = std::time(nullptr);
  county::PublishOptions publish;
  publish.package_dir = package;
  publish.now = now;
  if (auto published = county::Publish(county.store(), publish); !published.ok()) {
    return Fail("publish: " + published.error().message) == 0;
  }
  auto catalog = county.store().LatestCatalog();
  if (!catalog.ok() || !*catalog) return false;
  auto code = county::MakeEnrolCode(county.store(), "", 72, now);
  if (!code.ok()) return false;

  // The station enrols directly, then fetches the package through the link.
  const std::string data = dir + "/station";
  (void)base::MakeDirectories(data);
  auto db = store::Store::Open(data + "/station.db");
  if (!db) return false;
  station_sync::SyncOptions enrol;
  enrol.data_dir = data;
  enrol.server_url = county.url();
  station_sync::SyncEngine engine(**db, station_sync::PosixFileSystem(), station_sync::SystemClock(), enrol);
  auto enrolment = engine.Enrol(*code);
  if (!enrolment.ok()) return Fail("enrolment: " + enrolment.error().message) == 0;
  auto content_key = station_sync::minisign::ParsePublicKey(enrolment->content_key);
  if (!content_key.ok()) return false;
  test::FaultPlan plan;
  plan.cut_down_after_bytes = cut_bytes;
  test::FaultProxy proxy(std::stoi(county.url().substr(county.url().rfind(':') + 1)), plan);
  station_sync::ContentLibrary library(**db, data, *content_key, station_sync::SystemClock());
  station_sync::ContentSyncOptions options;
  options.server_url = "http://127.0.0.1:" + std::to_string(proxy.port());
  options.http.bearer_token = enrolment->token;
  options.backoff = {10, 100};
  station_sync::ContentSync sync(library, options);
  const auto started = Clock::now();
  for (int pass = 0; pass < 200; ++pass) {
    auto report = sync.RunOnce();
    if (report && report->blobs_missing == 0) break;
  }
  result.seconds = Seconds(started);
  result.package_bytes = lessons * lesson_bytes + static_cast<std::int64_t>((*catalog)->catalog.size());
  result.link_bytes = proxy.stats().down_bytes;
  result.body_bytes = sync.bytes_received();
  result.cuts = proxy.stats().cuts;
  result.lessons = lessons;
  store::LessonLibrary offered(**db);
  auto listed = offered.List(store::Shelf::kAll);
  if (!listed) return false;
  for (const auto& entry : *listed) {
    const auto sha = sha_of.find(entry.lesson.id);
    if (sha != sha_of.end() &&
        station_sync::VerifyFile(data + "/content/" + entry.lesson.media_path, sha->second, lesson_bytes)) {
      ++result.verified;
    }
  }
  return true;
}

// (b) One big blob: ours against curl, side by side.
//
// `curl -o` does less than ours: it neither checks the bytes nor waits for
// the disk (its gigabyte stays dirty in the page cache), while ours hashes
// every byte with SHA-256 and is durable before it returns. So each run
// also times curl doing those jobs too (then `sync FILE`; then `openssl
// dgst -sha256 FILE`; or hashing through a pipe as it downloads), the
// disk's own durable write, the SHA-256 of the gigabyte alone (what any
// download that verifies before use is bounded by), and, when given a
// memory file system, ours and `curl -o` writing there.
enum Kind {
  kOursDisk, kCurlDisk, kCurlSync, kCurlThenHash, kCurlPipeHash, kDiskWrite, kHashOnly, kOursMemory, kCurlMemory,
  kKinds
};
constexpr const char* kKindNames[kKinds] = {
    "**ours** (verified, fdatasynced, installed)",
    "`curl -o FILE` (not verified, left dirty in the page cache)",
    "`curl -o FILE && sync FILE` (durable, not verified)",
    "`curl -o FILE && openssl dgst -sha256 FILE` (verified after, not durable)",
    "`curl \\| tee FILE \\| openssl dgst -sha256` (verified while downloading, not durable)",  // \| in a table
    "the disk's durable write alone (4 MiB `O_DIRECT` writes + fdatasync, no network)",
    "SHA-256 of the gigabyte alone (the station's `VerifyFile`, from the page cache, one core)",
    "**ours**, to tmpfs",
    "`curl -o FILE`, to tmpfs",
};

struct BigRuns {
  std::vector<double> seconds[kKinds];  // one per run
  // CPU seconds summed over the runs: this process (the county server, and
  // our client when it is ours) and its children (curl, tee, openssl).
  double self_cpu_s[kKinds] = {}, child_cpu_s[kKinds] = {};
};

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

bool DownloadOurs(const std::string& url, const std::string& sha, std::int64_t size, std::int64_t checkpoint_bytes,
                  const std::string& data) {
  station_sync::HttpClient client({});
  station_sync::BlobRequest request;
  request.url = url;
  request.sha256 = sha;
  request.size_bytes = size;
  request.downloads_dir = data + "/downloads";
  request.blobs_dir = data + "/content/blobs";
  if (checkpoint_bytes > 0) request.checkpoint_bytes = checkpoint_bytes;
  auto done = client.DownloadBlob(request, nullptr);
  if (!done) Fail(done.error().message);
  return done.ok();
}

// Runs a shell command; when `expected` is given, its output must hold it
// (the digest, so a failed download cannot pass for a fast one).
bool RunShell(const std::string& command, const std::string& expected) {
  FILE* pipe = ::popen(("bash -c '" + command + "'").c_str(), "r");
  if (pipe == nullptr) return false;
  std::string output;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = ::pclose(pipe);
  if (status != 0) return Fail("failed: " + command) == 0;
  if (!expected.empty() && output.find(expected) == std::string::npos) {
    return Fail("wrong digest from: " + command + ": " + output) == 0;
  }
  return true;
}

// The disk's durable write rate: `size` bytes in 4 MiB O_DIRECT writes (the
// space reserved first), then fdatasync, as `dd bs=4M oflag=direct
// conv=fdatasync` would, and as ours writes.
bool WriteDiskDurably(const std::string& path, std::int64_t size) {
  constexpr std::size_t kBlock = 4 << 20;
  std::unique_ptr<char, decltype(&std::free)> block(static_cast<char*>(std::aligned_alloc(4096, kBlock)), &std::free);
  std::memset(block.get(), 0x5a, kBlock);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_DIRECT, 0644);
  if (fd < 0) return Fail("cannot open " + path + " with O_DIRECT") == 0;
  bool ok = ::fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, size) == 0;
  for (std::int64_t done = 0; ok && done < size; done += kBlock) ok = ::pwrite(fd, block.get(), kBlock, done) == kBlock;
  ok = ok && ::fdatasync(fd) == 0;
  ::close(fd);
  ::unlink(path.c_str());
  return ok || Fail("cannot write " + path) == 0;
}

bool RunBig(const std::string& dir, const std::string& memory_dir, std::int64_t size, int runs,
            std::int64_t checkpoint_bytes, bool county_server, int only_kinds, BigRuns& result) {
  const std::string path = dir + "/big.blob";
  const std::string sha = WriteBlobFile(path, size, 7);
  // The served file stays in the page cache, as a county's hot blob would.
  const auto site = std::make_shared<test::BlobSite>();
  site->blob_files[sha] = path;
  std::unique_ptr<test::TestHttpServer> plain;
  BenchCounty county;
  std::string base_url, served_path = path;
  if (county_server) {
    if (!county.Start(dir + "/county")) return Fail("county server did not start") == 0;
    served_path = county.AddBlob(path, sha);
    if (served_path.empty()) return Fail("cannot move the blob into the county's store") == 0;
    base_url = county.url();
  } else {
    plain = std::make_unique<test::TestHttpServer>(test::BlobHandler(site));
    base_url = plain->url();
  }
  const std::string url = base_url + "/v1/blobs/" + sha;
  const std::string out = dir + "/curl.out";
  const auto run_kind = [&](Kind kind) -> bool {
    switch (kind) {
      case kOursDisk: return DownloadOurs(url, sha, size, checkpoint_bytes, dir + "/ours");
      case kCurlDisk: return RunShell("curl -sf -o " + out + " " + url, "");
      case kCurlSync: return RunShell("curl -sf -o " + out + " " + url + " && sync " + out, "");
      case kCurlThenHash: return RunShell("curl -sf -o " + out + " " + url + " && openssl dgst -sha256 " + out, sha);
      case kCurlPipeHash: return RunShell("curl -sf " + url + " | tee " + out + " | openssl dgst -sha256", sha);
      case kDiskWrite: return WriteDiskDurably(dir + "/disk.out", size);
      case kHashOnly: return station_sync::VerifyFile(served_path, sha, size).ok();
      case kOursMemory: return DownloadOurs(url, sha, size, checkpoint_bytes, memory_dir + "/ours");
      case kCurlMemory: return RunShell("curl -sf -o " + memory_dir + "/curl.out " + url, "");
      case kKinds: break;
    }
    return false;
  };
  int kinds = memory_dir.empty() ? kOursMemory : kKinds;
  if (only_kinds > 0) kinds = std::min(kinds, only_kinds);
  for (int run = 0; run < runs; ++run) {
    // Rotate who goes first: none always meets a disk still busy with another's bytes.
    for (int i = 0; i < kinds; ++i) {
      const auto kind = static_cast<Kind>((i + run) % kinds);
      const CpuSeconds cpu_before = CpuSeconds::Now();
      const auto started = Clock::now();
      const bool ok = run_kind(kind);
      result.seconds[kind].push_back(Seconds(started));
      const CpuSeconds cpu_after = CpuSeconds::Now();
      result.self_cpu_s[kind] += cpu_after.self - cpu_before.self;
      result.child_cpu_s[kind] += cpu_after.children - cpu_before.children;
      std::filesystem::remove_all(dir + "/ours");
      std::filesystem::remove(out);
      if (!memory_dir.empty()) {
        std::filesystem::remove_all(memory_dir + "/ours");
        std::filesystem::remove(memory_dir + "/curl.out");
      }
      if (!ok) return false;
    }
    const double mb = static_cast<double>(size) / 1e6;
    std::fprintf(stderr, "run %d (MB/s):", run + 1);
    for (int kind = 0; kind < kinds; ++kind) std::fprintf(stderr, " %.0f", mb / result.seconds[kind].back());
    std::fprintf(stderr, "\n");
  }
  return true;
}

// A directory on a memory file system for the like-for-like run: --memory
// DIR, else /dev/shm when it is tmpfs with room for two copies of the blob.
std::string MemoryWorkDir(const std::string& chosen, std::int64_t blob_bytes) {
  std::string base = chosen;
  if (base.empty()) {
    struct statfs info {};
    if (::statfs("/dev/shm", &info) != 0 || info.f_type != TMPFS_MAGIC ||
        static_cast<std::int64_t>(info.f_bavail) * info.f_bsize < 3 * blob_bytes) {
      return "";
    }
    base = "/dev/shm";
  }
  std::string dir = base + "/sync-download-XXXXXX";
  return ::mkdtemp(dir.data()) != nullptr ? dir : "";
}

}  // namespace

int main(int argc, char** argv) {
  std::string work = std::filesystem::current_path().string();
  int package_mb = 200, cut_mb = 4, big_mb = 1024, runs = 5, checkpoint_mb = 0, only_kinds = 0;
  bool county_server = true;
  std::string memory;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--work") work = argv[i + 1];
    else if (flag == "--package-mb") package_mb = std::atoi(argv[i + 1]);
    else if (flag == "--cut-mb") cut_mb = std::atoi(argv[i + 1]);
    else if (flag == "--big-mb") big_mb = std::atoi(argv[i + 1]);
    else if (flag == "--runs") runs = std::max(1, std::atoi(argv[i + 1]));
    else if (flag == "--checkpoint-mb") checkpoint_mb = std::atoi(argv[i + 1]);
    else if (flag == "--server") county_server = std::string(argv[i + 1]) != "sendfile";
    else if (flag == "--memory") memory = argv[i + 1];
    else if (flag == "--kinds") only_kinds = std::atoi(argv[i + 1]);
    else return Fail("usage: sync-download-bench [--work DIR] [--package-mb N] [--cut-mb N] [--big-mb N] [--runs N] "
                     "[--checkpoint-mb N] [--server county|sendfile] [--memory DIR|none] [--kinds N]");
  }
  if (sodium_init() < 0) return Fail("libsodium");
  base::ConfigureLog({base::LogLevel::kWarn, base::LogLevel::kWarn, "", 0, 0});
  std::string dir = work + "/sync-download-XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) return Fail("cannot make a directory in " + work);

  PackageResult package;
  const int lessons = std::max(1, package_mb / 10);
  if (package_mb > 0 && !RunPackage(dir + "/package", lessons, std::int64_t{package_mb} * 1'000'000 / lessons,
                                    std::int64_t{cut_mb} << 20, package)) {
    return Fail("package run failed");
  }
  BigRuns big_runs;
  const std::int64_t big = std::int64_t{big_mb} << 20;
  const std::string memory_dir = big_mb > 0 && memory != "none" ? MemoryWorkDir(memory, big) : "";
  if (big_mb > 0 && !RunBig(dir, memory_dir, big, runs, std::int64_t{checkpoint_mb} << 20, county_server, only_kinds, big_runs)) {
    return Fail("big blob run failed");
  }
  std::filesystem::remove_all(dir);
  if (!memory_dir.empty()) std::filesystem::remove_all(memory_dir);

  if (package_mb > 0) {
    std::printf("| figure | result | target |\n|---|---|---|\n");
    const double overhead = 100.0 * static_cast<double>(package.link_bytes - package.package_bytes) /
                            static_cast<double>(package.package_bytes);
    std::printf("| %d MB package, link cut every %d MiB (%lld cuts): bytes on the link / package | %lld / %lld "
                "(+%.3f%%; HTTP bodies %lld), %d/%d lessons verified, %.1f s | <= 1%% |\n",
                package_mb, cut_mb, static_cast<long long>(package.cuts), static_cast<long long>(package.link_bytes),
                static_cast<long long>(package.package_bytes), overhead, static_cast<long long>(package.body_bytes),
                package.verified, package.lessons, package.seconds);
  }
  if (big_mb > 0) {
    const double mb = static_cast<double>(big) / 1e6;
    const auto rate = [&](Kind kind) { return mb / Median(big_runs.seconds[kind]); };
    int kinds = 0;
    while (kinds < kKinds && !big_runs.seconds[kinds].empty()) ++kinds;
    std::printf("\n%d MiB blob over loopback from the %s, median of %d runs; the target is ours >= 90%% of `curl -o`\n\n",
                big_mb, county_server ? "county-server" : "sendfile server", runs);
    std::printf("| download | MB/s | ours ÷ it | CPU s per run: this process (server + ours) | CPU s per run: curl etc. |\n"
                "|---|---|---|---|---|\n");
    for (int kind = 0; kind < kinds; ++kind) {
      const Kind ours = kind >= kOursMemory ? kOursMemory : kOursDisk;
      std::printf("| %s | %.0f | %.0f%% | %.2f | %.2f |\n", kKindNames[kind], rate(static_cast<Kind>(kind)),
                  100.0 * rate(ours) / rate(static_cast<Kind>(kind)), big_runs.self_cpu_s[kind] / runs,
                  big_runs.child_cpu_s[kind] / runs);
    }
  }
  return 0;
}
