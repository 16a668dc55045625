#include "sync/seal.h"

#include <catch2/catch.hpp>
#include <sodium.h>
#include <sys/stat.h>

#include <map>

#include "tests/base/scratch_dir.h"
#include "tests/sync/report_fixture.h"

namespace {

using namespace station_sync;

// A WritableFile into a string.
class StringFile : public WritableFile {
 public:
  std::string bytes;
  int appends = 0;
  base::Status Append(std::string_view b) override {
    bytes.append(b);
    ++appends;
    return base::Ok();
  }
  base::Status Sync() override { return base::Ok(); }
  base::Status Close() override { return base::Ok(); }
};

const std::string kReportId = "00112233445566778899aabbccddeeff";
const std::string kOtherReportId = "ffeeddccbbaa99887766554433221100";

std::string Sealed(const ReportKey& key, std::string_view plain, std::uint32_t index = 1,
                   const std::string& report_id = kReportId) {
  StringFile file;
  base::Result<SealedBlob> blob = SealBlob(key, report_id, index, plain, file);
  REQUIRE(blob.ok());
  CHECK(blob->size_bytes == file.bytes.size());
  CHECK(blob->sha256_hex == Sha256Hex(file.bytes));
  return file.bytes;
}

}  // namespace

TEST_CASE("County key files round-trip and reject what is not a key", "[sync]") {
  REQUIRE(sodium_init() >= 0);
  const CountySecretKey county = GenerateCountyKey();
  base::Result<CountyPublicKey> pub = ParseCountyPublicKey(FormatCountyPublicKey(county.public_key));
  REQUIRE(pub.ok());
  CHECK(pub->key == county.public_key.key);
  CHECK(pub->Id().size() == 16);
  base::Result<CountySecretKey> sec = ParseCountySecretKey(FormatCountySecretKey(county));
  REQUIRE(sec.ok());
  CHECK(sec->secret == county.secret);
  CHECK(sec->public_key.key == county.public_key.key);

  // Comments, blank lines and CRLF are fine.
  const std::string text = FormatCountyPublicKey(county.public_key);
  std::string crlf;
  for (char c : "# from the county IT office, 2026-11\n\n" + text) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  CHECK(ParseCountyPublicKey(crlf).ok());

  const std::string body = text.substr(text.find("village"));
  const std::string b64 = body.substr(body.find('\n') + 1);
  CHECK_FALSE(ParseCountyPublicKey(b64).ok());                                  // no header
  CHECK_FALSE(ParseCountyPublicKey("village-station county public key v1\n").ok());  // no key
  CHECK_FALSE(ParseCountyPublicKey("village-station county public key v1\nAAAA\n").ok());
  CHECK_FALSE(ParseCountyPublicKey(FormatCountySecretKey(county)).ok());  // the wrong half
  CHECK_FALSE(ParseCountySecretKey(text).ok());
}

TEST_CASE("The station key is made once, mode 0600, and never replaced", "[sync]") {
  test::ScratchDir dir;
  const std::string path = dir.File("station.key");
  FileSystem& fs = PosixFileSystem();
  base::Result<StationKey> made = LoadOrCreateStationKey(fs, path);
  REQUIRE(made.ok());
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);

  base::Result<StationKey> again = LoadOrCreateStationKey(fs, path);
  REQUIRE(again.ok());
  CHECK(again->public_key == made->public_key);
  CHECK(again->secret_key == made->secret_key);

  SECTION("a damaged key file is reported and left as it is") {
    std::string text = test::FileBytes(path);
    text[text.size() - 5] = text[text.size() - 5] == 'A' ? 'B' : 'A';
    REQUIRE(::unlink(path.c_str()) == 0);
    REQUIRE(WriteFileDurably(fs, path, text, 0600).ok());
    base::Result<StationKey> damaged = LoadOrCreateStationKey(fs, path);
    REQUIRE_FALSE(damaged.ok());
    CHECK(damaged.error().code == base::ErrorCode::kCorrupt);
    CHECK(test::FileBytes(path) == text);
  }
}

TEST_CASE("Blobs round-trip at every chunk boundary and are written chunk by chunk",
          "[sync]") {
  REQUIRE(sodium_init() >= 0);
  const ReportKey key = ReportKey::Generate();
  const std::size_t chunk = kBlobChunkBytes;
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, chunk - 1, chunk, chunk + 1,
                           3 * chunk, 3 * chunk + 777}) {
    INFO("size " << size);
    const std::string plain = test::PseudoRandomBytes(size, size);
    StringFile file;
    REQUIRE(SealBlob(key, kReportId, 2, plain, file).ok());
    // Header, then one append per chunk: never the whole blob at once.
    CHECK(file.appends == 1 + static_cast<int>(std::max<std::size_t>(1, (size + chunk - 1) / chunk)));
    base::Result<std::string> opened = OpenBlob(key, kReportId, 2, file.bytes);
    REQUIRE(opened.ok());
    CHECK(*opened == plain);
  }
}

TEST_CASE("A blob that was altered, cut, extended or moved does not open", "[sync]") {
  REQUIRE(sodium_init() >= 0);
  const ReportKey key = ReportKey::Generate();
  const std::string plain = test::PseudoRandomBytes(2 * kBlobChunkBytes + 100, 7);
  const std::string sealed = Sealed(key, plain, 1);
  const std::size_t full_chunk = kBlobChunkBytes + 17;

  std::string flipped = sealed;
  flipped[flipped.size() / 2] ^= 0x01;
  CHECK_FALSE(OpenBlob(key, kReportId, 1, flipped).ok());
  CHECK_FALSE(OpenBlob(key, kReportId, 1, sealed.substr(0, 24 + 2 * full_chunk)).ok());  // last chunk gone
  CHECK_FALSE(OpenBlob(key, kReportId, 1, sealed.substr(0, sealed.size() - 1)).ok());
  CHECK_FALSE(OpenBlob(key, kReportId, 1, sealed + "x").ok());
  CHECK_FALSE(OpenBlob(key, kReportId, 2, sealed).ok());        // another position
  CHECK_FALSE(OpenBlob(key, kOtherReportId, 1, sealed).ok());   // another report
  const ReportKey other = ReportKey::Generate();
  CHECK_FALSE(OpenBlob(other, kReportId, 1, sealed).ok());
  CHECK(OpenBlob(key, kReportId, 1, sealed).ok());
}

TEST_CASE("A report sealed for a test county opens with its secret key and no other",
          "[sync]") {
  REQUIRE(sodium_init() >= 0);
  const CountySecretKey county = GenerateCountyKey();
  StationKey station;
  crypto_sign_keypair(station.public_key.data(), station.secret_key.data());

  const ReportKey key = ReportKey::Generate();
  const std::vector<std::string> plains = {R"({"format":1})", test::PseudoRandomBytes(300000, 1),
                                           test::PseudoRandomBytes(180000, 2)};
  std::map<std::string, std::string> store;  // sha256 -> blob, as a server would hold them
  Envelope envelope;
  envelope.report_id = kReportId;
  envelope.station_key = station.public_key;
  envelope.county_key_id = county.public_key.Id();
  envelope.sealed_key = SealReportKey(key, county.public_key);
  envelope.saved_at_s = 1763890000;
  for (std::size_t i = 0; i < plains.size(); ++i) {
    StringFile file;
    base::Result<SealedBlob> blob =
        SealBlob(key, kReportId, static_cast<std::uint32_t>(i), plains[i], file);
    REQUIRE(blob.ok());
    envelope.blobs.push_back(*blob);
    store[blob->sha256_hex] = file.bytes;
  }
  const std::string text = SignEnvelope(envelope, station);
  auto read = [&](const std::string& sha) -> base::Result<std::string> {
    auto it = store.find(sha);
    if (it == store.end()) return base::MakeError(base::ErrorCode::kNotFound, sha);
    return it->second;
  };

  base::Result<OpenedReport> opened = OpenReport(text, county, read);
  REQUIRE(opened.ok());
  CHECK(opened->body_json == plains[0]);
  REQUIRE(opened->attachments.size() == 2);
  CHECK(opened->attachments[0] == plains[1]);
  CHECK(opened->attachments[1] == plains[2]);
  CHECK(opened->envelope.station_key == station.public_key);
  CHECK(opened->envelope.saved_at_s == 1763890000);

  SECTION("another county key cannot open it") {
    CountySecretKey other = GenerateCountyKey();
    CHECK_FALSE(OpenReport(text, other, read).ok());
    other.public_key = county.public_key;  // even claiming the right id
    CHECK_FALSE(OpenReport(text, other, read).ok());
  }
  SECTION("any change to the envelope breaks the signature") {
    for (std::size_t i = 0; i < text.find("signature"); i += 7) {
      std::string changed = text;
      changed[i] = changed[i] == '1' ? '2' : '1';
      INFO("byte " << i);
      CHECK_FALSE(VerifyEnvelope(changed).ok());
    }
  }
  SECTION("a swapped blob is caught by its hash") {
    auto swapped = [&](const std::string& sha) -> base::Result<std::string> {
      if (sha == envelope.blobs[1].sha256_hex) return store[envelope.blobs[2].sha256_hex];
      return read(sha);
    };
    CHECK_FALSE(OpenReport(text, county, swapped).ok());
  }
  SECTION("a re-signed envelope with blobs reordered fails to decrypt") {
    Envelope reordered = envelope;
    std::swap(reordered.blobs[1], reordered.blobs[2]);
    CHECK_FALSE(OpenReport(SignEnvelope(reordered, station), county, read).ok());
  }
}
