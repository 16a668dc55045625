// County IT's commands: minisign interop, publishing, opening reports, and
// USB sticks counted once with the network.

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <utility>
#include <vector>

#include "base/files.h"
#include "sync/minisign.h"
#include "sync/seal.h"
#include "sync/ticket_code.h"
#include "tests/county/county_fixture.h"
#include "tests/sync/report_fixture.h"

namespace {

using nlohmann::json;
using station_sync::minisign::ParsePublicKey;
using station_sync::minisign::ParseSecretKey;
using station_sync::minisign::Sign;
using station_sync::minisign::Verify;

std::string Read(const std::string& path) {
  auto text = base::ReadFile(path);
  REQUIRE(text.ok());
  return *text;
}

int Shell(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()); }

bool HaveMinisign() { return Shell("minisign -v") == 0; }

}  // namespace

TEST_CASE("minisign signatures: ours verify with minisign -V, minisign's verify with ours", "[county][minisign]") {
  test::ScratchDir dir;
  const std::string message = "{\"format\":2,\"version\":1}\n";
  REQUIRE(base::WriteFileDurably(dir.File("catalog.json"), message).ok());
  const station_sync::minisign::SecretKey key = station_sync::minisign::GenerateKey();
  REQUIRE(base::WriteFileDurably(dir.File("k.pub"), station_sync::minisign::FormatPublicKeyFile(key.public_key)).ok());
  REQUIRE(base::WriteFileDurably(dir.File("k.key"), station_sync::minisign::FormatSecretKeyFile(key)).ok());

  const std::string signature = Sign(message, key, "timestamp:1\tfile:catalog.json\thashed");
  auto comment = Verify(message, signature, key.public_key);
  REQUIRE(comment.ok());
  CHECK(*comment == "timestamp:1\tfile:catalog.json\thashed");

  SECTION("tampering with the content, the trusted comment or the key is refused") {
    CHECK_FALSE(Verify(message + " ", signature, key.public_key).ok());
    std::string comment_changed = signature;
    comment_changed.replace(comment_changed.find("timestamp:1"), 11, "timestamp:2");
    CHECK_FALSE(Verify(message, comment_changed, key.public_key).ok());
    CHECK_FALSE(Verify(message, signature, station_sync::minisign::GenerateKey().public_key).ok());
    CHECK_FALSE(Verify(message, "garbage", key.public_key).ok());
  }
  SECTION("the key files round-trip") {
    auto parsed = ParseSecretKey(Read(dir.File("k.key")));
    REQUIRE(parsed.ok());
    CHECK(parsed->secret == key.secret);
    auto public_key = ParsePublicKey(Read(dir.File("k.pub")));
    REQUIRE(public_key.ok());
    CHECK(public_key->key == key.public_key.key);
    CHECK(public_key->key_id == key.public_key.key_id);
  }
  REQUIRE(HaveMinisign());  // scripts/setup installs it (scripts/debian-packages.txt)
  SECTION("minisign -V accepts ours") {
    REQUIRE(base::WriteFileDurably(dir.File("catalog.json.minisig"), signature).ok());
    CHECK(Shell("minisign -V -p " + dir.File("k.pub") + " -m " + dir.File("catalog.json")) == 0);
    REQUIRE(base::WriteFileDurably(dir.File("catalog.json"), message + " ").ok());
    CHECK(Shell("minisign -V -p " + dir.File("k.pub") + " -m " + dir.File("catalog.json")) != 0);
  }
  SECTION("ours accepts minisign -S, prehashed and legacy, with minisign's own keys") {
    REQUIRE(Shell("minisign -G -W -p " + dir.File("m.pub") + " -s " + dir.File("m.key")) == 0);
    auto public_key = ParsePublicKey(Read(dir.File("m.pub")));
    REQUIRE(public_key.ok());
    REQUIRE(Shell("minisign -S -s " + dir.File("m.key") + " -m " + dir.File("catalog.json")) == 0);
    CHECK(Verify(message, Read(dir.File("catalog.json.minisig")), *public_key).ok());
    REQUIRE(Shell("minisign -S -l -s " + dir.File("m.key") + " -m " + dir.File("catalog.json") +
                  " -x " + dir.File("legacy.minisig")) == 0);
    CHECK(Read(dir.File("legacy.minisig")).find("\nRW") != std::string::npos);  // "Ed"
    CHECK(Verify(message, Read(dir.File("legacy.minisig")), *public_key).ok());
    CHECK_FALSE(Verify(message + "x", Read(dir.File("legacy.minisig")), *public_key).ok());
    // Sign with minisign's secret key through our code, verify with minisign.
    auto secret = ParseSecretKey(Read(dir.File("m.key")));
    REQUIRE(secret.ok());
    REQUIRE(base::WriteFileDurably(dir.File("catalog.json.minisig"), Sign(message, *secret, "ours")).ok());
    CHECK(Shell("minisign -V -p " + dir.File("m.pub") + " -m " + dir.File("catalog.json")) == 0);
  }
}

TEST_CASE("county init makes secret key files only the owner can read", "[county]") {
  test::CountyUnderTest county;
  for (const std::string& path : {county.paths().CountySecretKey(), county.paths().ContentSecretKey()}) {
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
  }
  CHECK_FALSE(county::InitKeys(county.data_dir()).ok());  // never replaced
}

TEST_CASE("a package the stations would refuse is not published, and uses up no version", "[county]") {
  test::CountyUnderTest county;
  test::ScratchDir package;
  REQUIRE(base::WriteFileDurably(package.File("a.mp4"), test::PseudoRandomBytes(5000, 1)).ok());
  county::PublishOptions options;
  options.package_dir = package.path();
  options.now = test::kCountyNow;
  const auto publish = [&](const std::string& lessons) {
    REQUIRE(base::WriteFileDurably(package.File("package.json"), R"({"lessons":[)" + lessons + "]}").ok());
    return county::Publish(county.store(), options);
  };
  const std::string good = R"({"id":"a","title":"A","category":"farming","duration_s":5,"file":"a.mp4"})";
  for (const auto& [lessons, reason] : std::vector<std::pair<std::string, std::string>>{
           {R"({"title":"A","category":"farming","file":"a.mp4"})", "id"},
           {R"({"id":"../a","title":"A","category":"farming","file":"a.mp4"})", "id"},
           {R"({"id":"a","category":"farming","file":"a.mp4"})", "title"},
           {good + "," + good, "appears twice"}}) {
    INFO(lessons);
    auto refused = publish(lessons);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message.find("the stations would refuse this catalog") != std::string::npos);
    CHECK(refused.error().message.find(reason) != std::string::npos);
    auto latest = county.store().LatestCatalog();
    REQUIRE(latest.ok());
    CHECK_FALSE(latest->has_value());
  }
  options.prepare_only = true;  // nor is one prepared for minisign -S
  CHECK_FALSE(publish(R"({"id":"a","category":"farming","file":"a.mp4"})").ok());
  CHECK_FALSE(std::filesystem::exists(package.File("catalog.json")));
  options.prepare_only = false;
  auto published = publish(good);
  REQUIRE(published.ok());
  CHECK(published->version == 1);
}

TEST_CASE("a catalog prepared for minisign -S is published only with a signature by the content key", "[county][minisign]") {
  REQUIRE(HaveMinisign());  // scripts/setup installs it (scripts/debian-packages.txt)
  test::CountyUnderTest county;
  test::ScratchDir package;
  REQUIRE(base::WriteFileDurably(package.File("a.mp4"), test::PseudoRandomBytes(5000, 1)).ok());
  REQUIRE(base::WriteFileDurably(package.File("package.json"),
                                 R"({"lessons":[{"id":"a","title":"A","category":"farming","summary":"",
                                     "duration_s":5,"file":"a.mp4"}]})").ok());
  county::PublishOptions options;
  options.package_dir = package.path();
  options.now = test::kCountyNow;
  options.prepare_only = true;
  auto prepared = county::Publish(county.store(), options);
  REQUIRE(prepared.ok());
  options.prepare_only = false;
  options.signature_file = prepared->catalog_path + ".minisig";

  SECTION("signed by another key: refused") {
    REQUIRE(Shell("minisign -G -W -p " + package.File("m.pub") + " -s " + package.File("m.key")) == 0);
    REQUIRE(Shell("minisign -S -s " + package.File("m.key") + " -m " + prepared->catalog_path) == 0);
    CHECK_FALSE(county::Publish(county.store(), options).ok());
    CHECK_FALSE(county.store().LatestCatalog()->has_value());
  }
  SECTION("signed with the county's content key by minisign: published") {
    REQUIRE(Shell("minisign -S -s " + county.paths().ContentSecretKey() + " -m " + prepared->catalog_path) == 0);
    auto published = county::Publish(county.store(), options);
    REQUIRE(published.ok());
    CHECK(published->version == 1);
    CHECK((*county.store().LatestCatalog())->catalog == Read(prepared->catalog_path));
  }
  SECTION("a package with a path outside its folder is refused") {
    REQUIRE(base::WriteFileDurably(package.File("package.json"),
                                   R"({"lessons":[{"id":"a","file":"../a.mp4"}]})").ok());
    options.signature_file.clear();
    CHECK_FALSE(county::Publish(county.store(), options).ok());
  }
}

TEST_CASE("county open decrypts a report by its ticket and saves the attachments", "[county]") {
  test::CountyUnderTest county;
  test::StationUnderTest station(county.SecretKey().public_key);
  httplib::Client client = county.Client();
  const std::string token = station.Enrol(client, county.EnrolCode());
  const test::SealedReport report = station.FileReport(2, 20);
  test::UploadBlobs(client, token, report);
  REQUIRE(client.Put(("/v1/reports/" + report.report_id).c_str(), test::Bearer(token), report.envelope,
                     "text/plain")->status == 200);

  test::ScratchDir saved;
  const std::string typed = station_sync::FormatTicketCode(report.ticket_code);  // "7KC 4MXT 92QF"
  auto opened = county::OpenReport(county.store(), typed, saved.File("r"));
  REQUIRE(opened.ok());
  CHECK(opened->row.report_id == report.report_id);
  json body = json::parse(opened->opened.body_json);
  CHECK(body["ticket_code"] == report.ticket_code);
  CHECK(body["category"] == "water");
  REQUIRE(opened->attachment_files.size() == 2);
  CHECK(Read(opened->attachment_files[0]) == opened->opened.attachments[0]);
  CHECK(opened->attachment_files[0].ends_with(".jpg"));

  auto listed = county::ListReports(county.store());
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK((*listed)[0].ticket_code == report.ticket_code);
  CHECK_FALSE(county::OpenReport(county.store(), "0000000000C", saved.File("x")).ok());
}

TEST_CASE("a package on a stick splits big blobs into parts that join to the blob", "[county]") {
  test::CountyUnderTest county;
  county.PublishPackage(2, 10000, 30);
  test::ScratchDir stick;
  REQUIRE(county::ExportPackage(county.store(), stick.path(), 4096).ok());
  REQUIRE(county::ExportPackage(county.store(), stick.path(), 4096).ok());  // resumes: nothing to do
  const std::string dir = stick.File("village-station/package");
  const std::string catalog_text = Read(dir + "/catalog.json");
  auto key = county::LoadCountyPublicKeys(county.paths());
  REQUIRE(key.ok());
  CHECK(Verify(catalog_text, Read(dir + "/catalog.json.minisig"), key->content).ok());
  const json catalog = json::parse(catalog_text);
  for (const json& lesson : catalog["lessons"]) {
    const std::string sha = lesson["file"]["sha256"];
    CHECK_FALSE(std::filesystem::exists(dir + "/blobs/" + sha));
    std::string joined;
    for (const char* part : {".part-000", ".part-001", ".part-002"}) {
      const std::string piece = Read(dir + "/blobs/" + sha + part);
      CHECK(piece.size() <= 4096);
      joined += piece;
    }
    CHECK_FALSE(std::filesystem::exists(dir + "/blobs/" + sha + ".part-003"));
    CHECK(joined.size() == 10000);
    CHECK(station_sync::Sha256Hex(joined) == sha);
  }
}

TEST_CASE("a report carried on a USB stick and over the network is counted once", "[county]") {
  test::CountyUnderTest county;
  test::StationUnderTest station(county.SecretKey().public_key);
  httplib::Client client = county.Client();
  const std::string token = station.Enrol(client, county.EnrolCode());
  auto station_id = county.store().StationByToken(token);
  REQUIRE(station_id.ok());
  const std::string station_dir = "village-station/outbox/" + (*station_id)->station_id;

  const test::SealedReport by_stick = station.FileReport(1, 40);
  const test::SealedReport by_both = station.FileReport(0, 41);
  test::ScratchDir stick;
  for (const test::SealedReport* report : {&by_stick, &by_both}) {
    const std::string dir = stick.File(station_dir + "/" + report->report_id);
    REQUIRE(base::MakeDirectories(dir).ok());
    REQUIRE(base::WriteFileDurably(dir + "/envelope", report->envelope).ok());
    for (const auto& [sha, bytes] : report->blobs) REQUIRE(base::WriteFileDurably(dir + "/" + sha, bytes).ok());
  }
  const std::string records = R"({"records":[{"record_id":"w1","lesson_id":"l","started_at":1,
                                     "seconds_watched":2,"completed":true}]})";
  REQUIRE(base::WriteFileDurably(stick.File(station_dir + "/watch-records.json"), records).ok());
  REQUIRE(base::WriteFileDurably(stick.File(station_dir + "/watch-records.json.sig"),
                                 station_sync::SignStationFile((*station_id)->station_id, "watch-records.json",
                                                               records, station.key()))
              .ok());

  // One of them arrives over the network first.
  test::UploadBlobs(client, token, by_both);
  REQUIRE(client.Put(("/v1/reports/" + by_both.report_id).c_str(), test::Bearer(token), by_both.envelope,
                     "text/plain")->status == 200);

  auto first = county::ImportUsb(county.store(), stick.path(), test::kCountyNow);
  REQUIRE(first.ok());
  CHECK(first->reports_new == 1);
  CHECK(first->reports_again == 1);
  CHECK(first->reports_refused == 0);
  CHECK(first->watch_records == 1);
  auto second = county::ImportUsb(county.store(), stick.path(), test::kCountyNow);
  REQUIRE(second.ok());
  CHECK(second->reports_new == 0);
  CHECK(second->reports_again == 2);

  // The station sends the stick's report over the network later: acknowledged, not doubled.
  auto late = client.Put(("/v1/reports/" + by_stick.report_id).c_str(), test::Bearer(token), by_stick.envelope,
                         "text/plain");
  CHECK(late->status == 200);
  CHECK(county.store().Reports()->size() == 2);
  CHECK(*county.store().CountWatchRecords() == 1);

  SECTION("a stick from a station the county does not know is refused") {
    test::ScratchDir other;
    REQUIRE(base::MakeDirectories(other.File("village-station/outbox/" + std::string(32, 'b') + "/x")).ok());
    auto refused = county::ImportUsb(county.store(), other.path(), test::kCountyNow);
    REQUIRE(refused.ok());
    CHECK(refused->reports_refused == 1);
  }
}
