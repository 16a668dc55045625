// For the sync tests, the benchmark and the kill -9 test: the real county
// server on 127.0.0.1 (in-process, its own data directory and keys), and a
// station data directory enrolled with it, with an outbox sealing to the
// key pinned at enrolment.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "county/county_store.h"
#include "county/server.h"
#include "store/store.h"
#include "sync/outbox.h"
#include "sync/seal.h"
#include "sync/sync_engine.h"
#include "tests/base/scratch_dir.h"
#include "tests/sync/fault_proxy.h"

namespace test {

class CountyFixture {
 public:
  // `data_dir` must exist and be empty; keys are made there.
  explicit CountyFixture(const std::string& data_dir, county::ServerOptions options = {});
  ~CountyFixture();
  CountyFixture(const CountyFixture&) = delete;
  CountyFixture& operator=(const CountyFixture&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  int port() const { return server_->port(); }
  const std::string& data_dir() const { return data_dir_; }
  county::CountyStore& store() { return *store_; }
  const station_sync::CountySecretKey& secret_key() const { return secret_; }
  std::string NewEnrolCode();
  // Waits until the county holds more than `bytes` of upload `sha`; false
  // if it does not within `limit`.
  bool WaitForUploadBeyond(const std::string& sha, std::uint64_t bytes,
                           std::chrono::seconds limit = std::chrono::seconds(30));

 private:
  std::string data_dir_;
  std::unique_ptr<county::CountyStore> store_;
  std::unique_ptr<county::Server> server_;
  station_sync::CountySecretKey secret_;
  std::thread thread_;
};

// A station at `data_dir` (created), enrolled with the county at
// `server_url` using `code`; its outbox is open.
class StationFixture {
 public:
  StationFixture(const std::string& data_dir, const std::string& server_url, const std::string& code);
  ~StationFixture();

  const std::string& data_dir() const { return data_dir_; }
  store::Store& store() { return *store_; }
  station_sync::Outbox& outbox() { return *outbox_; }
  // Files a report with `photos` photos of ~`photo_bytes` each.
  station_sync::SubmittedReport File(int photos, std::size_t photo_bytes, std::uint64_t seed);
  // Closes the outbox (its lock) so that another process may own the station.
  void CloseOutbox() { outbox_.reset(); }
  // A filed report's photo (its last attachment) by the SHA-256 the county's
  // uploads know it by; with a bandwidth cap of `bytes_per_s` (0: none) it
  // goes up slowly enough to stop a round in the middle of it.
  std::string PhotoSha(const std::string& report_id);
  void CapBandwidth(std::int64_t bytes_per_s);

 private:
  std::string data_dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<station_sync::Outbox> outbox_;
};

// A county and a station enrolled with it, each in a scratch directory.
struct CountyAndStation {
  ScratchDir county_dir;
  CountyFixture county{county_dir.path()};
  ScratchDir station_dir;
  StationFixture station{station_dir.path(), county.url(), county.NewEnrolCode()};
};

// Every request on a new connection through the fault proxy, whose plan is
// chosen per request: the real libcurl and the real county, over a link
// that breaks where the planner says.
class ProxiedTransport : public station_sync::HttpTransport {
 public:
  using Planner = std::function<FaultPlan(const station_sync::HttpRequest&)>;
  ProxiedTransport(FaultProxy& proxy, Planner planner) : proxy_(proxy), planner_(std::move(planner)) {}
  base::Result<station_sync::HttpResponse> Send(const station_sync::HttpRequest& request) override;

 private:
  FaultProxy& proxy_;
  Planner planner_;
};

// A link where `fraction` of the requests fail: half cut on the way up (the
// county never sees the whole request), half on the way down (the county
// acted; its answer is lost), some with a reset instead of a close.
struct FailingLink {
  double fraction = 0.3;
  std::mt19937_64 random{20261123};
  std::int64_t requests = 0;
  std::int64_t failed = 0;
  FaultPlan Plan(const station_sync::HttpRequest& request);
};

}  // namespace test
