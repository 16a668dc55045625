// The county tests' world: a real county (data directory, keys, database)
// serving HTTP on 127.0.0.1 in this process, and a real station outbox that
// seals reports to that county with sync/'s Outbox::Finalise.
#pragma once

#include <httplib.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "county/console.h"
#include "county/county_store.h"
#include "county/server.h"
#include "store/store.h"
#include "sync/clock.h"
#include "sync/outbox.h"
#include "tests/base/scratch_dir.h"

namespace test {

constexpr std::int64_t kCountyNow = 1795136400;

class CountyUnderTest {
 public:
  explicit CountyUnderTest(county::ServerOptions options = {});
  ~CountyUnderTest();

  void Start();
  void Stop();
  void Restart() { Stop(); Start(); }

  httplib::Client Client() const;
  county::CountyStore& store() { return *store_; }
  const county::DataPaths& paths() const { return store_->paths(); }
  const std::string& data_dir() const { return dir_.path(); }
  station_sync::CountySecretKey SecretKey() const;
  int port() const { return server_->port(); }
  county::Server& server() { return *server_; }
  std::string EnrolCode(int valid_hours = 72);
  // Publishes a package of `lessons` lessons with files of `file_bytes`.
  std::int64_t PublishPackage(int lessons, std::size_t file_bytes, std::uint64_t seed);

 private:
  ScratchDir dir_;
  ScratchDir package_dir_;
  county::ServerOptions options_;
  std::unique_ptr<county::CountyStore> store_;
  std::unique_ptr<county::Server> server_;
  std::thread thread_;
};

struct SealedReport {
  std::string report_id;
  std::string ticket_code;
  std::string envelope;
  std::map<std::string, std::string> blobs;  // sha -> bytes
};

// A station: its own store and outbox, sealing to `county`.
class StationUnderTest {
 public:
  explicit StationUnderTest(const station_sync::CountyPublicKey& county);
  ~StationUnderTest();

  SealedReport FileReport(int photos, std::uint64_t seed);
  // The POST /v1/enrol body, signed with this station's key.
  nlohmann::json EnrolBody(const std::string& code) const;
  // Enrols through `client`; returns the token (fails the test otherwise).
  std::string Enrol(httplib::Client& client, const std::string& code);
  const station_sync::StationKey& key() const { return config_.station; }
  std::string KeyBase64() const;

 private:
  ScratchDir dir_;
  std::unique_ptr<store::Store> db_;
  station_sync::OutboxConfig config_;
  station_sync::ManualClock clock_{kCountyNow};
  std::unique_ptr<station_sync::Outbox> outbox_;
};

httplib::Headers Bearer(const std::string& token);

// Uploads every blob of `report` whole, one PUT each.
void UploadBlobs(httplib::Client& client, const std::string& token, const SealedReport& report);

}  // namespace test
