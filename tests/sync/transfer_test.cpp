// The blob download over real loopback links: a real HTTP server, libcurl,
// and the fault proxy between them cutting, stalling and slowing the link.

#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "base/files.h"
#include "sync/transfer.h"
#include "tests/base/scratch_dir.h"
#include "tests/sync/fault_proxy.h"
#include "tests/sync/test_http_server.h"

using namespace station_sync;

namespace {

std::string Pattern(std::size_t size, unsigned seed) {
  std::string bytes(size, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (char& c : bytes) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    c = static_cast<char>(x);
  }
  return bytes;
}

std::int64_t FileSize(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 ? info.st_size : -1;
}

struct BlobFixture {
  test::ScratchDir dir;
  std::shared_ptr<test::BlobSite> site = std::make_shared<test::BlobSite>();
  std::unique_ptr<test::TestHttpServer> server;
  std::string bytes;
  std::string sha;

  explicit BlobFixture(std::size_t size) : bytes(Pattern(size, static_cast<unsigned>(size))), sha(test::Sha256Hex(bytes)) {
    site->blobs[sha] = bytes;
    server = std::make_unique<test::TestHttpServer>(test::BlobHandler(site));
  }
  BlobRequest Request(int port) const {
    BlobRequest request;
    request.url = "http://127.0.0.1:" + std::to_string(port) + "/v1/blobs/" + sha;
    request.sha256 = sha;
    request.size_bytes = static_cast<std::int64_t>(bytes.size());
    request.downloads_dir = dir.File("downloads");
    request.blobs_dir = dir.File("content/blobs");
    request.checkpoint_bytes = 64 * 1024;
    return request;
  }
  std::string Installed() const { return dir.File("content/blobs/" + sha); }
  std::string Part() const { return dir.File("downloads/" + sha + ".part"); }
};

HttpSettings QuickSettings() {
  HttpSettings settings;
  settings.connect_timeout_s = 5;
  settings.low_speed_bytes_per_s = 1000;
  settings.low_speed_time_s = 2;
  return settings;
}

}  // namespace

TEST_CASE("backoff doubles from the base up to the cap, with jitter between half and all", "[sync]") {
  const BackoffPolicy policy{10'000, 30 * 60'000};
  const auto [failures, ceiling] = GENERATE(table<int, std::int64_t>({
      {1, 20'000}, {2, 40'000}, {3, 80'000}, {7, 1'280'000}, {8, 1'800'000}, {50, 1'800'000}}));
  CHECK(BackoffDelayMs(policy, failures, 0.0) == ceiling / 2);
  CHECK(BackoffDelayMs(policy, failures, 0.999999) == Approx(ceiling).epsilon(0.001));
  CHECK(BackoffDelayMs(policy, failures, 0.5) == ceiling / 2 + ceiling / 4);
  CHECK(BackoffDelayMs(policy, 0, 0.5) == 0);
}

TEST_CASE("a Retry-After longer than the backoff wins", "[sync]") {
  const BackoffPolicy policy{1'000, 60'000};
  CHECK(NextTryDelayMs(policy, 1, 0.0, std::nullopt) == 1'000);
  CHECK(NextTryDelayMs(policy, 1, 0.0, 30) == 30'000);
  CHECK(NextTryDelayMs(policy, 10, 1.0, 1) == 60'000);
}

TEST_CASE("Retry-After is read as seconds or as an HTTP date", "[sync]") {
  CHECK(ParseRetryAfterSeconds("120", 0) == 120);
  CHECK(ParseRetryAfterSeconds(" 5 ", 0) == 5);
  CHECK(ParseRetryAfterSeconds("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470) == 10);
  CHECK(ParseRetryAfterSeconds("Wed, 21 Oct 2015 07:28:00 GMT", 1445412490) == 0);
  CHECK_FALSE(ParseRetryAfterSeconds("soon", 0));
  // A county asking for days is asked again daily (no plan lies further ahead).
  CHECK(ParseRetryAfterSeconds("259200", 0) == kMaxRetryAfterS);
  CHECK(ParseRetryAfterSeconds("Wed, 21 Oct 2015 07:28:00 GMT", 0) == kMaxRetryAfterS);  // a box in 1970
  CHECK(NextTryDelayMs(BackoffPolicy{}, 1, 0.5, 259200) == kMaxRetryAfterS * 1000);
  CHECK_FALSE(ParseRetryAfterSeconds("-3", 0));
}

TEST_CASE("an answer to a range request appends, restarts or is refused", "[sync]") {
  CHECK(PlanBody(206, 100, 100) == BodyPlan::kAppend);
  CHECK(PlanBody(206, 100, 50) == BodyPlan::kRefuse);  // a range we did not ask for
  CHECK(PlanBody(206, 0, 0) == BodyPlan::kRefuse);     // a range we did not ask at all
  CHECK(PlanBody(200, 100, std::nullopt) == BodyPlan::kRestart);
  CHECK(PlanBody(200, 0, std::nullopt) == BodyPlan::kRestart);
  CHECK(PlanBody(416, 100, std::nullopt) == BodyPlan::kRestart);
  CHECK(PlanBody(404, 100, std::nullopt) == BodyPlan::kRefuse);
  CHECK(PlanBody(502, 0, std::nullopt) == BodyPlan::kRefuse);
  CHECK(ParseContentRangeStart("bytes 100-199/1000") == 100);
  CHECK_FALSE(ParseContentRangeStart("bytes */1000"));
  CHECK_FALSE(ParseContentRangeStart("items 1-2/3"));
}

TEST_CASE("a blob is downloaded, verified and renamed into the blob store", "[sync]") {
  BlobFixture fixture(300'000);
  HttpClient client(QuickSettings());
  std::vector<DownloadProgress> reports;
  auto done = client.DownloadBlob(fixture.Request(fixture.server->port()),
                                  [&](const DownloadProgress& p) { reports.push_back(p); });
  REQUIRE(done.ok());
  CHECK(test::FileBytes(fixture.Installed()) == fixture.bytes);
  CHECK(FileSize(fixture.Part()) == -1);
  CHECK(FileSize(fixture.Part() + ".len") == -1);
  CHECK(client.body_bytes_received() == 300'000);
  REQUIRE_FALSE(reports.empty());
  CHECK(reports.back().bytes_done == 300'000);
  CHECK(reports.back().bytes_total == 300'000);
  CHECK(client.last_server_time_s().has_value());

  SECTION("an installed blob is not fetched again") {
    auto again = client.DownloadBlob(fixture.Request(fixture.server->port()), nullptr);
    REQUIRE(again.ok());
    CHECK(again->already_installed);
    CHECK(client.body_bytes_received() == 300'000);
  }
}

TEST_CASE("cuts at random offsets resume where they stopped, and no byte crosses the link twice", "[sync]") {
  BlobFixture fixture(2'000'000);
  test::FaultPlan plan;
  plan.random_cut_down_min = 1'000;
  plan.random_cut_down_max = 300'000;
  plan.seed = GENERATE(1u, 2u, 3u);
  plan.reset = plan.seed == 2;
  test::FaultProxy proxy(fixture.server->port(), plan);
  HttpClient client(QuickSettings());
  int tries = 0;
  base::Result<BlobDownload> done = base::MakeError(base::ErrorCode::kUnavailable, "not yet");
  while (!done.ok() && tries < 200) {
    ++tries;
    done = client.DownloadBlob(fixture.Request(proxy.port()), nullptr);
    if (!done.ok()) REQUIRE(done.error().code == base::ErrorCode::kUnavailable);
  }
  REQUIRE(done.ok());
  CHECK(tries > 5);
  CHECK(proxy.stats().cuts >= tries - 1);
  CHECK(test::FileBytes(fixture.Installed()) == fixture.bytes);
  // Every body byte received was kept: the total is the blob's size exactly.
  CHECK(client.body_bytes_received() == static_cast<std::int64_t>(fixture.bytes.size()));
}

TEST_CASE("a blob of several write blocks, cut at random offsets: a recorded length always has its bytes, and it installs whole",
          "[sync]") {
  BlobFixture fixture(9'500'001);  // more than two of the writer's 4 MiB blocks, and an odd size
  test::FaultPlan plan;
  plan.random_cut_down_min = 100'000;
  plan.random_cut_down_max = 3'000'000;
  plan.seed = 7;
  test::FaultProxy proxy(fixture.server->port(), plan);
  HttpClient client(QuickSettings());
  BlobRequest request = fixture.Request(proxy.port());
  request.checkpoint_interval_ms = 20;  // checkpoints at unaligned lengths, mid-block
  // Beside the download, what a restart after a power cut would trust: the
  // recorded length, and the .part's bytes up to it.
  std::atomic<bool> finished{false};
  int lengths_seen = 0, lengths_wrong = 0;
  std::thread watcher([&] {
    while (!finished.load()) {
      auto recorded = base::ReadFile(fixture.Part() + ".len");
      auto part = base::ReadFile(fixture.Part());
      if (recorded.ok() && part.ok() && !part->empty()) {  // (gone or empty: not started, or installed)
        const std::size_t length = std::stoul(*recorded);
        ++lengths_seen;
        if (length > part->size() || part->compare(0, length, fixture.bytes, 0, length) != 0) ++lengths_wrong;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  int tries = 0;
  base::Result<BlobDownload> done = base::MakeError(base::ErrorCode::kUnavailable, "not yet");
  while (!done.ok() && done.error().code == base::ErrorCode::kUnavailable && tries < 100) {
    ++tries;
    done = client.DownloadBlob(request, nullptr);
  }
  finished.store(true);
  watcher.join();
  REQUIRE(done.ok());
  CHECK(tries > 3);
  CHECK(lengths_seen > 0);
  CHECK(lengths_wrong == 0);
  CHECK(test::FileBytes(fixture.Installed()) == fixture.bytes);
  CHECK(client.body_bytes_received() == static_cast<std::int64_t>(fixture.bytes.size()));
  CHECK(FileSize(fixture.Part()) == -1);
}

TEST_CASE("a download resumes from the recorded length after a restart, not from unsynced bytes", "[sync]") {
  BlobFixture fixture(500'000);
  REQUIRE(base::MakeDirectories(fixture.dir.File("downloads")).ok());
  // As after a power cut: 200,000 good bytes recorded, then 100,000 bytes of
  // garbage that were never recorded as durable.
  REQUIRE(base::WriteFileDurably(fixture.Part(), fixture.bytes.substr(0, 200'000) + std::string(100'000, 'Z')).ok());
  REQUIRE(base::WriteFileDurably(fixture.Part() + ".len", "200000\n").ok());
  HttpClient client(QuickSettings());
  auto done = client.DownloadBlob(fixture.Request(fixture.server->port()), nullptr);
  REQUIRE(done.ok());
  CHECK(test::FileBytes(fixture.Installed()) == fixture.bytes);
  CHECK(client.body_bytes_received() == 300'000);

  SECTION("a .part without a recorded length starts from 0") {
    BlobFixture other(100'000);
    REQUIRE(base::MakeDirectories(other.dir.File("downloads")).ok());
    REQUIRE(base::WriteFileDurably(other.Part(), std::string(50'000, 'Z')).ok());
    HttpClient fresh(QuickSettings());
    REQUIRE(fresh.DownloadBlob(other.Request(other.server->port()), nullptr).ok());
    CHECK(test::FileBytes(other.Installed()) == other.bytes);
  }
}

TEST_CASE("a 200 answer to a range request starts the .part again from 0", "[sync]") {
  BlobFixture fixture(400'000);
  fixture.site->ignore_range = true;
  REQUIRE(base::MakeDirectories(fixture.dir.File("downloads")).ok());
  REQUIRE(base::WriteFileDurably(fixture.Part(), fixture.bytes.substr(0, 150'000)).ok());
  REQUIRE(base::WriteFileDurably(fixture.Part() + ".len", "150000\n").ok());
  HttpClient client(QuickSettings());
  REQUIRE(client.DownloadBlob(fixture.Request(fixture.server->port()), nullptr).ok());
  CHECK(test::FileBytes(fixture.Installed()) == fixture.bytes);
  CHECK(client.body_bytes_received() == 400'000);
}

TEST_CASE("a tampered blob is refused and nothing is installed", "[sync]") {
  BlobFixture fixture(200'000);
  fixture.site->tamper = true;
  HttpClient client(QuickSettings());
  auto done = client.DownloadBlob(fixture.Request(fixture.server->port()), nullptr);
  REQUIRE_FALSE(done.ok());
  CHECK(done.error().code == base::ErrorCode::kCorrupt);
  CHECK_THAT(done.error().message, Catch::Contains("wrong SHA-256"));
  CHECK(FileSize(fixture.Installed()) == -1);
  CHECK(FileSize(fixture.Part()) == -1);  // the next try starts clean
}

TEST_CASE("an endless stream is cut at the expected size and refused", "[sync]") {
  BlobFixture fixture(100'000);
  fixture.site->endless = true;
  HttpClient client(QuickSettings());
  auto done = client.DownloadBlob(fixture.Request(fixture.server->port()), nullptr);
  REQUIRE_FALSE(done.ok());
  CHECK(done.error().code == base::ErrorCode::kCorrupt);
  CHECK(FileSize(fixture.Installed()) == -1);
  CHECK(client.body_bytes_received() < 100'000 + 1'000'000);  // stopped soon after the size
}

TEST_CASE("a captive portal's 200 page is not the county, and nothing of it is stored", "[sync]") {
  BlobFixture fixture(50'000);
  fixture.site->captive_portal = true;
  HttpClient client(QuickSettings());
  auto done = client.DownloadBlob(fixture.Request(fixture.server->port()), nullptr);
  REQUIRE_FALSE(done.ok());
  CHECK(done.error().code == base::ErrorCode::kUnavailable);
  CHECK_THAT(done.error().message, Catch::Contains("X-Village-Protocol"));
  CHECK(FileSize(fixture.Part()) == 0);
  auto catalog = client.Get(fixture.server->url() + "/v1/catalog", {}, 1 << 20);
  REQUIRE_FALSE(catalog.ok());
  CHECK(catalog.error().code == base::ErrorCode::kUnavailable);
}

TEST_CASE("429 with Retry-After is reported for the caller to honour", "[sync]") {
  BlobFixture fixture(10'000);
  fixture.site->busy_answers = 1;
  fixture.site->busy_retry_after_s = 7;
  HttpClient client(QuickSettings());
  auto done = client.DownloadBlob(fixture.Request(fixture.server->port()), nullptr);
  REQUIRE_FALSE(done.ok());
  CHECK(client.last_retry_after_s() == 7);
  CHECK(FileSize(fixture.Part()) == 0);
  REQUIRE(client.DownloadBlob(fixture.Request(fixture.server->port()), nullptr).ok());
  CHECK_FALSE(client.last_retry_after_s().has_value());
}

TEST_CASE("a stalled link is dropped by the low-speed limit and keeps what arrived", "[sync]") {
  BlobFixture fixture(1'000'000);
  test::FaultPlan plan;
  plan.stall_down_after_bytes = 20'000;
  test::FaultProxy proxy(fixture.server->port(), plan);
  // libcurl averages the speed over up to 5 s: under 20 kB/s for 2 s comes
  // about 3 s after 20 kB stop flowing.
  HttpSettings settings = QuickSettings();
  settings.low_speed_bytes_per_s = 20'000;
  HttpClient client(settings);
  const auto started = std::chrono::steady_clock::now();
  auto done = client.DownloadBlob(fixture.Request(proxy.port()), nullptr);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  REQUIRE_FALSE(done.ok());
  CHECK(done.error().code == base::ErrorCode::kUnavailable);
  CHECK_THAT(done.error().message, Catch::Contains("stalled"));
  CHECK(seconds < 6);
  const std::int64_t kept = FileSize(fixture.Part());
  CHECK(kept > 15'000);
  CHECK(kept <= 20'000);

  proxy.SetPlan({});  // the link comes back
  REQUIRE(client.DownloadBlob(fixture.Request(proxy.port()), nullptr).ok());
  CHECK(test::FileBytes(fixture.Installed()) == fixture.bytes);
  CHECK(client.body_bytes_received() == 1'000'000);
}

// libcurl 7.88's receive limiter alone lets loopback bursts through (4 MB at
// a 2 MB/s cap in 0.12-0.2 s); the download paces itself as well.
TEST_CASE("the bandwidth cap holds the download to the setting", "[sync]") {
  BlobFixture fixture(4'000'000);
  HttpSettings settings = QuickSettings();
  settings.max_recv_bytes_per_s = 2'000'000;
  HttpClient client(settings);
  const auto started = std::chrono::steady_clock::now();
  REQUIRE(client.DownloadBlob(fixture.Request(fixture.server->port()), nullptr).ok());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // 4 MB at 2 MB/s: 2 s (the first read comes at once); uncapped it takes ~10 ms.
  CHECK(seconds > 1.7);
  CHECK(test::FileBytes(fixture.Installed()) == fixture.bytes);
}

TEST_CASE("a server restarted mid-transfer is resumed from the byte where it stopped", "[sync]") {
  BlobFixture fixture(1'500'000);
  const int server_port = fixture.server->port();
  test::FaultPlan slow;
  slow.down_bytes_per_s = 2'000'000;
  test::FaultProxy proxy(server_port, slow);
  HttpClient client(QuickSettings());
  std::thread restart([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    fixture.server.reset();  // down mid-transfer
    fixture.server = std::make_unique<test::TestHttpServer>(test::BlobHandler(fixture.site), server_port);
  });
  auto first = client.DownloadBlob(fixture.Request(proxy.port()), nullptr);
  restart.join();
  REQUIRE_FALSE(first.ok());
  const std::int64_t kept = FileSize(fixture.Part());
  CHECK(kept > 0);
  CHECK(kept < 1'500'000);
  proxy.SetPlan({});
  REQUIRE(client.DownloadBlob(fixture.Request(proxy.port()), nullptr).ok());
  CHECK(test::FileBytes(fixture.Installed()) == fixture.bytes);
  CHECK(client.body_bytes_received() == 1'500'000);
}
