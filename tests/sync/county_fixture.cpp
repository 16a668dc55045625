#include "tests/sync/county_fixture.h"

#include <stdexcept>
#include <thread>

#include "base/files.h"
#include "county/console.h"
#include "sync/clock.h"
#include "sync/file_system.h"
#include "sync/outbox_queue.h"
#include "tests/sync/report_fixture.h"

namespace test {
namespace {

template <typename T>
T Must(base::Result<T> result, const char* what) {
  if (!result.ok()) throw std::runtime_error(std::string(what) + ": " + result.error().message);
  return std::move(result).value();
}

void Must(const base::Status& status, const char* what) {
  if (!status.ok()) throw std::runtime_error(std::string(what) + ": " + status.error().message);
}

}  // namespace

CountyFixture::CountyFixture(const std::string& data_dir, county::ServerOptions options)
    : data_dir_(data_dir) {
  Must(county::InitKeys(data_dir_), "county keys");
  store_ = Must(county::CountyStore::Open(data_dir_), "county store");
  secret_ = Must(county::LoadCountySecretKey(store_->paths()), "county secret key");
  const county::CountyPublicKeys keys = Must(county::LoadCountyPublicKeys(store_->paths()), "county keys");
  options.host = "127.0.0.1";
  options.port = 0;
  server_ = Must(county::Server::Bind(*store_, keys, options), "county server");
  thread_ = std::thread([this] { server_->Run(); });
}

CountyFixture::~CountyFixture() {
  server_->Stop();
  thread_.join();
}

std::string CountyFixture::NewEnrolCode() {
  return Must(county::MakeEnrolCode(*store_, "", 72, station_sync::SystemClock().NowSeconds()),
              "enrolment code");
}

bool CountyFixture::WaitForUploadBeyond(const std::string& sha, std::uint64_t bytes, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (store_->Upload(sha).received <= bytes) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

StationFixture::StationFixture(const std::string& data_dir, const std::string& server_url,
                               const std::string& code)
    : data_dir_(data_dir) {
  Must(base::MakeDirectories(data_dir_), "station directory");
  store_ = Must(store::Store::Open(data_dir_ + "/station.db"), "station store");
  station_sync::SyncOptions options;
  options.data_dir = data_dir_;
  options.server_url = server_url;
  station_sync::SyncEngine engine(*store_, station_sync::PosixFileSystem(),
                                  station_sync::SystemClock(), options);
  Must(engine.Enrol(code), "enrolment");
  station_sync::OutboxConfig config = Must(
      station_sync::LoadOutboxConfig(*store_, station_sync::PosixFileSystem(), data_dir_), "outbox config");
  outbox_ = Must(station_sync::Outbox::Open(*store_, station_sync::PosixFileSystem(),
                                            station_sync::SystemClock(), std::move(config)),
                 "outbox");
}

StationFixture::~StationFixture() = default;

std::string StationFixture::PhotoSha(const std::string& report_id) {
  station_sync::OutboxQueue queue(*store_, station_sync::PosixFileSystem(), data_dir_ + "/outbox");
  return Must(queue.Get(report_id), "queued report").blobs.back().sha256_hex;
}

void StationFixture::CapBandwidth(std::int64_t bytes_per_s) {
  Must(store_->SetSetting("sync.max_bytes_per_second", std::to_string(bytes_per_s)), "bandwidth cap");
}

station_sync::SubmittedReport StationFixture::File(int photos, std::size_t photo_bytes,
                                                   std::uint64_t seed) {
  const station_sync::ReportDraft draft = MakeDraft(*outbox_, photos, photo_bytes, 0, seed);
  return Must(outbox_->Finalise(draft), "finalise");
}

base::Result<station_sync::HttpResponse> ProxiedTransport::Send(const station_sync::HttpRequest& request) {
  proxy_.SetPlan(planner_(request));
  station_sync::TransportLimits limits;
  limits.low_speed_time_s = 5;
  limits.request_timeout_s = 10;
  return station_sync::MakeCurlTransport(limits)->Send(request);
}

FaultPlan FailingLink::Plan(const station_sync::HttpRequest& request) {
  FaultPlan plan;
  ++requests;
  if (std::uniform_real_distribution<double>(0, 1)(random) >= fraction) return plan;
  ++failed;
  if (random() % 2 == 0) {
    plan.cut_up_after_bytes = 1 + static_cast<std::int64_t>(random() % (request.body.size() + 200));
  } else {
    plan.cut_down_after_bytes = 1 + static_cast<std::int64_t>(random() % 150);
  }
  plan.reset = random() % 2 == 0;
  return plan;
}

}  // namespace test
