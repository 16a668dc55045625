#include "tests/county/county_fixture.h"

#include <sodium.h>

#include <catch2/catch.hpp>

#include "base/files.h"
#include "sync/file_system.h"
#include "tests/sync/report_fixture.h"

namespace test {

CountyUnderTest::CountyUnderTest(county::ServerOptions options) : options_(std::move(options)) {
  REQUIRE(county::InitKeys(dir_.path()).ok());
  Start();
}

CountyUnderTest::~CountyUnderTest() { Stop(); }

void CountyUnderTest::Start() {
  auto store = county::CountyStore::Open(dir_.path());
  REQUIRE(store.ok());
  store_ = std::move(*store);
  auto keys = county::LoadCountyPublicKeys(store_->paths());
  REQUIRE(keys.ok());
  // The same port again after a restart, so clients need not know.
  if (server_) options_.port = server_->port();
  server_.reset();
  auto server = county::Server::Bind(*store_, *keys, options_);
  REQUIRE(server.ok());
  server_ = std::move(*server);
  thread_ = std::thread([this] { server_->Run(); });
  server_->WaitUntilRunning();
}

void CountyUnderTest::Stop() {
  if (!thread_.joinable()) return;
  server_->Stop();
  thread_.join();
}

httplib::Client CountyUnderTest::Client() const {
  httplib::Client client("127.0.0.1", server_->port());
  client.set_read_timeout(10, 0);
  return client;
}

station_sync::CountySecretKey CountyUnderTest::SecretKey() const {
  auto key = county::LoadCountySecretKey(store_->paths());
  REQUIRE(key.ok());
  return *key;
}

std::string CountyUnderTest::EnrolCode(int valid_hours) {
  auto code = county::MakeEnrolCode(*store_, "Xiaoshan", valid_hours, std::time(nullptr));
  REQUIRE(code.ok());
  return *code;
}

std::int64_t CountyUnderTest::PublishPackage(int lessons, std::size_t file_bytes, std::uint64_t seed) {
  nlohmann::json package = {{"lessons", nlohmann::json::array()},
                            {"notices", {{{"id", "n1"}, {"title", "Meeting"}, {"text", "Friday 9:00"}}}}};
  for (int i = 0; i < lessons; ++i) {
    const std::string file = "lesson-" + std::to_string(i) + ".mp4";
    REQUIRE(base::WriteFileDurably(package_dir_.File(file), PseudoRandomBytes(file_bytes, seed * 100 + i)).ok());
    package["lessons"].push_back({{"id", "l" + std::to_string(i)},
                                  {"title", "Lesson " + std::to_string(i)},
                                  {"category", "farming"},
                                  {"summary", "How to"},
                                  {"duration_s", 60},
                                  {"file", file}});
  }
  REQUIRE(base::WriteFileDurably(package_dir_.File("package.json"), package.dump()).ok());
  county::PublishOptions options;
  options.package_dir = package_dir_.path();
  options.now = kCountyNow;
  auto published = county::Publish(*store_, options);
  REQUIRE(published.ok());
  return published->version;
}

StationUnderTest::StationUnderTest(const station_sync::CountyPublicKey& county) {
  auto db = store::Store::Open(dir_.File("station.db"));
  REQUIRE(db.ok());
  db_ = std::move(*db);
  station_sync::CountySecretKey unused;  // TestConfig wants a secret key; only its public half is used
  unused.public_key = county;
  config_ = TestConfig(dir_.File("outbox"), unused);
  auto outbox = station_sync::Outbox::Open(*db_, station_sync::PosixFileSystem(), clock_, config_);
  REQUIRE(outbox.ok());
  outbox_ = std::move(*outbox);
}

StationUnderTest::~StationUnderTest() = default;

SealedReport StationUnderTest::FileReport(int photos, std::uint64_t seed) {
  station_sync::ReportDraft draft = MakeDraft(*outbox_, photos, 3000, 0, seed);
  auto submitted = outbox_->Finalise(draft);
  REQUIRE(submitted.ok());
  SealedReport report{submitted->report_id, submitted->ticket_code, {}, {}};
  const std::string dir = config_.dir + "/" + report.report_id;
  auto envelope = base::ReadFile(dir + "/envelope");
  REQUIRE(envelope.ok());
  report.envelope = *envelope;
  auto parsed = station_sync::VerifyEnvelope(report.envelope);
  REQUIRE(parsed.ok());
  for (const station_sync::SealedBlob& blob : parsed->blobs) {
    auto bytes = base::ReadFile(dir + "/" + blob.sha256_hex);
    REQUIRE(bytes.ok());
    report.blobs[blob.sha256_hex] = *bytes;
  }
  return report;
}

std::string StationUnderTest::KeyBase64() const {
  return county::Base64(std::string_view(reinterpret_cast<const char*>(config_.station.public_key.data()), 32));
}

nlohmann::json StationUnderTest::EnrolBody(const std::string& code) const {
  const std::string key = KeyBase64();
  const std::string message = "village-station-enrol/1\n" + code + "\n" + key + "\n";
  unsigned char proof[crypto_sign_BYTES];
  crypto_sign_detached(proof, nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), config_.station.secret_key.data());
  return {{"code", code},
          {"station_key", key},
          {"station_name", "Xiaoshan school"},
          {"village", "Xiaoshan"},
          {"proof", county::Base64(std::string_view(reinterpret_cast<char*>(proof), sizeof proof))}};
}

std::string StationUnderTest::Enrol(httplib::Client& client, const std::string& code) {
  auto res = client.Post("/v1/enrol", EnrolBody(code).dump(), "application/json");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  return nlohmann::json::parse(res->body)["token"];
}

httplib::Headers Bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

void UploadBlobs(httplib::Client& client, const std::string& token, const SealedReport& report) {
  for (const auto& [sha, bytes] : report.blobs) {
    httplib::Headers headers = Bearer(token);
    headers.emplace("Content-Range", "bytes 0-" + std::to_string(bytes.size() - 1) + "/" +
                                         std::to_string(bytes.size()));
    auto res = client.Put(("/v1/uploads/" + sha).c_str(), headers, bytes, "application/octet-stream");
    REQUIRE(res);
    REQUIRE(res->status == 200);
  }
}

}  // namespace test
