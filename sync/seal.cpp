// Sealing, signing and opening reports: see seal.h for the overview and
// docs/report-format.md for the byte-level format this code must match.

#include "sync/base64.h"
#include "sync/seal.h"

#include <sodium.h>

#include <cstdlib>
#include <cstring>

namespace station_sync {
namespace {

constexpr std::string_view kCountyPublicHeader = "village-station county public key v1";
constexpr std::string_view kCountySecretHeader = "village-station county secret key v1";
constexpr std::string_view kStationKeyHeader = "village-station station secret key v1";
constexpr std::string_view kEnvelopeMagic = "village-station-report 1";
constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "vsreport";
constexpr std::size_t kMaxBlobs = 64;

static_assert(kSealedReportKeyBytes == crypto_box_SEALBYTES + 32);
static_assert(crypto_secretstream_xchacha20poly1305_KEYBYTES == 32);

void EnsureSodium() {
  if (sodium_init() < 0) std::abort();  // no safe randomness: nothing may be sealed
}

base::Error Invalid(std::string message) {
  return base::MakeError(base::ErrorCode::kInvalidInput, std::move(message));
}

std::string ToHex(const unsigned char* data, std::size_t size) {
  std::string out(size * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, size);
  out.pop_back();
  return out;
}

bool IsLowerHex(std::string_view text, std::size_t length) {
  if (text.size() != length) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// A key file's meaningful lines: not blank, not comments, CR stripped.
std::vector<std::string_view> KeyFileLines(std::string_view text) {
  std::vector<std::string_view> lines;
  for (std::string_view line : SplitLines(text)) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    lines.push_back(line);
  }
  return lines;
}

// The single base64 line after `header`, decoded into `out`.
base::Status ParseKeyFile(std::string_view text, std::string_view header, unsigned char* out,
                          std::size_t size) {
  const std::vector<std::string_view> lines = KeyFileLines(text);
  if (lines.empty() || lines[0] != header) {
    return Invalid("key file does not start with \"" + std::string(header) + "\"");
  }
  if (lines.size() != 2 || !FromBase64(lines[1], out, size)) {
    return Invalid("key file must hold one base64 line of " + std::to_string(size) + " bytes");
  }
  return base::Ok();
}

std::string KeyFile(std::string_view header, const unsigned char* key, std::size_t size) {
  return std::string(header) + "\n" + ToBase64(key, size) + "\n";
}

// Blob `index` of a report has its own subkey, and every chunk carries the
// report id and index as additional data: a blob cannot be moved to another
// report or position without failing authentication.
struct BlobCrypto {
  unsigned char subkey[crypto_secretstream_xchacha20poly1305_KEYBYTES];
  std::string ad;
  BlobCrypto(const ReportKey& key, std::string_view report_id, std::uint32_t index)
      : ad("village-station-report/1/" + std::string(report_id) + "/" + std::to_string(index)) {
    crypto_kdf_derive_from_key(subkey, sizeof subkey, index, kKdfContext, key.data());
  }
  ~BlobCrypto() { sodium_memzero(subkey, sizeof subkey); }
  const unsigned char* ad_data() const { return reinterpret_cast<const unsigned char*>(ad.data()); }
};

}  // namespace

// ---- Keys ------------------------------------------------------------------

std::string CountyPublicKey::Id() const {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, key.data(), key.size());
  return ToHex(digest, 8);
}

CountySecretKey GenerateCountyKey() {
  EnsureSodium();
  CountySecretKey key;
  crypto_box_keypair(key.public_key.key.data(), key.secret.data());
  return key;
}

base::Result<CountyPublicKey> ParseCountyPublicKey(std::string_view file_text) {
  CountyPublicKey key;
  if (base::Status parsed = ParseKeyFile(file_text, kCountyPublicHeader, key.key.data(), 32);
      !parsed.ok()) {
    return parsed.error();
  }
  return key;
}

base::Result<CountySecretKey> ParseCountySecretKey(std::string_view file_text) {
  EnsureSodium();
  CountySecretKey key;
  if (base::Status parsed = ParseKeyFile(file_text, kCountySecretHeader, key.secret.data(), 32);
      !parsed.ok()) {
    return parsed.error();
  }
  crypto_scalarmult_base(key.public_key.key.data(), key.secret.data());
  return key;
}

std::string FormatCountyPublicKey(const CountyPublicKey& key) {
  return "# key id " + key.Id() + "\n" + KeyFile(kCountyPublicHeader, key.key.data(), 32);
}

std::string FormatCountySecretKey(const CountySecretKey& key) {
  return "# secret: for the county server only; key id " + key.public_key.Id() + "\n" +
         KeyFile(kCountySecretHeader, key.secret.data(), 32);
}

base::Result<StationKey> LoadStationKey(FileSystem& fs, const std::string& path) {
  EnsureSodium();
  base::Result<std::string> text = fs.ReadFile(path);
  if (!text.ok()) return text.error();
  StationKey key;
  if (base::Status parsed = ParseKeyFile(*text, kStationKeyHeader, key.secret_key.data(), 64); !parsed.ok()) {
    return base::MakeError(base::ErrorCode::kCorrupt,
                           "station key " + path + " cannot be read (" + parsed.error().message +
                               "); it was left untouched");
  }
  // The secret key is seed || public key: the halves must agree.
  StationKey derived;
  crypto_sign_seed_keypair(derived.public_key.data(), derived.secret_key.data(), key.secret_key.data());
  if (derived.secret_key != key.secret_key) {
    return base::MakeError(base::ErrorCode::kCorrupt, "station key " + path + " is inconsistent; it was left untouched");
  }
  return derived;
}

base::Result<StationKey> LoadOrCreateStationKey(FileSystem& fs, const std::string& path) {
  base::Result<StationKey> loaded = LoadStationKey(fs, path);
  if (loaded.ok() || loaded.error().code != base::ErrorCode::kNotFound) return loaded;
  StationKey key;
  crypto_sign_keypair(key.public_key.data(), key.secret_key.data());
  const std::string file = "# the station's signing key: keep secret, never copy\n" +
                           KeyFile(kStationKeyHeader, key.secret_key.data(), 64);
  if (base::Status written = WriteFileDurably(fs, path, file, 0600); !written.ok()) {
    return written.error();
  }
  return key;
}

// ---- Per-report key and blobs ------------------------------------------------

ReportKey ReportKey::Generate() {
  EnsureSodium();
  ReportKey key;
  crypto_secretstream_xchacha20poly1305_keygen(key.key_.data());
  return key;
}

ReportKey::ReportKey(ReportKey&& other) noexcept : key_(other.key_) {
  sodium_memzero(other.key_.data(), other.key_.size());
}

ReportKey::~ReportKey() { sodium_memzero(key_.data(), key_.size()); }

std::string SealReportKey(const ReportKey& key, const CountyPublicKey& county) {
  std::string sealed(kSealedReportKeyBytes, '\0');
  crypto_box_seal(reinterpret_cast<unsigned char*>(sealed.data()), key.data(), 32,
                  county.key.data());
  return sealed;
}

base::Result<ReportKey> OpenReportKey(std::string_view sealed, const CountySecretKey& county) {
  EnsureSodium();
  ReportKey key;
  if (sealed.size() != kSealedReportKeyBytes ||
      crypto_box_seal_open(key.key_.data(), reinterpret_cast<const unsigned char*>(sealed.data()),
                           sealed.size(), county.public_key.key.data(),
                           county.secret.data()) != 0) {
    return Invalid("the report key was not sealed to this county key");
  }
  return key;
}

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return ToHex(digest, sizeof digest);
}

base::Result<SealedBlob> SealBlob(const ReportKey& key, std::string_view report_id,
                                  std::uint32_t index, std::string_view plaintext,
                                  WritableFile& out) {
  EnsureSodium();
  const BlobCrypto crypto(key, report_id, index);
  crypto_secretstream_xchacha20poly1305_state state;
  unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
  crypto_secretstream_xchacha20poly1305_init_push(&state, header, crypto.subkey);

  crypto_hash_sha256_state hash;
  crypto_hash_sha256_init(&hash);
  SealedBlob blob;
  auto emit = [&](const unsigned char* data, std::size_t size) -> base::Status {
    crypto_hash_sha256_update(&hash, data, size);
    blob.size_bytes += size;
    return out.Append(std::string_view(reinterpret_cast<const char*>(data), size));
  };
  if (base::Status written = emit(header, sizeof header); !written.ok()) return written.error();

  std::vector<unsigned char> chunk(kBlobChunkBytes + crypto_secretstream_xchacha20poly1305_ABYTES);
  std::size_t offset = 0;
  do {  // at least one chunk: an empty blob is one empty final chunk
    const std::size_t take = std::min(kBlobChunkBytes, plaintext.size() - offset);
    const bool last = offset + take == plaintext.size();
    unsigned long long chunk_size = 0;
    crypto_secretstream_xchacha20poly1305_push(
        &state, chunk.data(), &chunk_size,
        reinterpret_cast<const unsigned char*>(plaintext.data()) + offset, take,
        crypto.ad_data(), crypto.ad.size(),
        last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
    if (base::Status written = emit(chunk.data(), chunk_size); !written.ok()) {
      return written.error();
    }
    offset += take;
  } while (offset < plaintext.size());
  sodium_memzero(&state, sizeof state);

  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&hash, digest);
  blob.sha256_hex = ToHex(digest, sizeof digest);
  return blob;
}

base::Result<std::string> OpenBlob(const ReportKey& key, std::string_view report_id,
                                   std::uint32_t index, std::string_view sealed) {
  EnsureSodium();
  constexpr std::size_t kHeader = crypto_secretstream_xchacha20poly1305_HEADERBYTES;
  constexpr std::size_t kOverhead = crypto_secretstream_xchacha20poly1305_ABYTES;
  if (sealed.size() < kHeader + kOverhead) return Invalid("blob is too short");
  const BlobCrypto crypto(key, report_id, index);
  crypto_secretstream_xchacha20poly1305_state state;
  if (crypto_secretstream_xchacha20poly1305_init_pull(
          &state, reinterpret_cast<const unsigned char*>(sealed.data()), crypto.subkey) != 0) {
    return Invalid("blob header is invalid");
  }
  std::string plaintext;
  plaintext.reserve(sealed.size());
  std::size_t offset = kHeader;
  for (;;) {
    if (offset == sealed.size()) return Invalid("blob is truncated (no final chunk)");
    const std::size_t take = std::min(kBlobChunkBytes + kOverhead, sealed.size() - offset);
    if (take < kOverhead) return Invalid("blob ends inside a chunk");
    const std::size_t start = plaintext.size();
    plaintext.resize(start + take - kOverhead);
    unsigned long long plain_size = 0;
    unsigned char tag = 0;
    if (crypto_secretstream_xchacha20poly1305_pull(
            &state, reinterpret_cast<unsigned char*>(plaintext.data()) + start, &plain_size, &tag,
            reinterpret_cast<const unsigned char*>(sealed.data()) + offset, take,
            crypto.ad_data(), crypto.ad.size()) != 0) {
      sodium_memzero(plaintext.data(), plaintext.size());
      return Invalid("blob chunk fails authentication (altered, or another report's)");
    }
    offset += take;
    if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
      if (offset != sealed.size()) return Invalid("blob has bytes after its final chunk");
      return plaintext;
    }
    if (tag != 0) return Invalid("blob chunk has an unexpected tag");
  }
}

// ---- Envelope ---------------------------------------------------------------

namespace {

std::string EnvelopeBody(const Envelope& e) {
  std::string text;
  text.append(kEnvelopeMagic).append("\n");
  text.append("report-id ").append(e.report_id).append("\n");
  text.append("station-key ").append(ToBase64(e.station_key.data(), 32)).append("\n");
  text.append("county-key-id ").append(e.county_key_id).append("\n");
  text.append("sealed-key ")
      .append(ToBase64(reinterpret_cast<const unsigned char*>(e.sealed_key.data()),
                       e.sealed_key.size()))
      .append("\n");
  text.append("saved-at ").append(std::to_string(e.saved_at_s)).append("\n");
  for (std::size_t i = 0; i < e.blobs.size(); ++i) {
    text.append("blob ").append(std::to_string(i)).append(" ").append(e.blobs[i].sha256_hex);
    text.append(" ").append(std::to_string(e.blobs[i].size_bytes)).append("\n");
  }
  return text;
}

// "key value" with exactly one space; returns the value or nothing.
bool Field(std::string_view line, std::string_view key, std::string_view* value) {
  if (line.size() <= key.size() + 1 || line.substr(0, key.size()) != key ||
      line[key.size()] != ' ') {
    return false;
  }
  *value = line.substr(key.size() + 1);
  return true;
}

bool ParseDecimal(std::string_view text, std::int64_t* out, bool allow_negative) {
  if (text.empty() || text.size() > 19) return false;
  bool negative = false;
  if (allow_negative && text[0] == '-') {
    negative = true;
    text.remove_prefix(1);
    if (text.empty()) return false;
  }
  if (text.size() > 1 && text[0] == '0') return false;  // one spelling per number
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *out = negative ? -value : value;
  return true;
}

}  // namespace

std::string SignEnvelope(const Envelope& envelope, const StationKey& station) {
  EnsureSodium();
  const std::string body = EnvelopeBody(envelope);
  unsigned char signature[crypto_sign_BYTES];
  crypto_sign_detached(signature, nullptr, reinterpret_cast<const unsigned char*>(body.data()),
                       body.size(), station.secret_key.data());
  return body + "signature " + ToBase64(signature, sizeof signature) + "\n";
}

namespace {

std::string StationFileMessage(std::string_view station_id, std::string_view name, std::string_view body) {
  std::string message = "village-station file v1\n";
  message.append(station_id).append("\n").append(name).append("\n").append(body);
  return message;
}

}  // namespace

std::string SignStationFile(std::string_view station_id, std::string_view name, std::string_view body,
                            const StationKey& station) {
  EnsureSodium();
  const std::string message = StationFileMessage(station_id, name, body);
  unsigned char signature[crypto_sign_BYTES];
  crypto_sign_detached(signature, nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), station.secret_key.data());
  return ToBase64(signature, sizeof signature) + "\n";
}

bool VerifyStationFile(std::string_view station_id, std::string_view name, std::string_view body,
                       std::string_view signature_file, std::string_view station_key_base64) {
  EnsureSodium();
  while (!signature_file.empty() && (signature_file.back() == '\n' || signature_file.back() == '\r')) {
    signature_file.remove_suffix(1);
  }
  unsigned char signature[crypto_sign_BYTES];
  unsigned char key[crypto_sign_PUBLICKEYBYTES];
  if (!FromBase64(signature_file, signature, sizeof signature)) return false;
  if (!FromBase64(station_key_base64, key, sizeof key)) return false;
  const std::string message = StationFileMessage(station_id, name, body);
  return crypto_sign_verify_detached(signature, reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), key) == 0;
}

base::Result<Envelope> VerifyEnvelope(std::string_view text) {
  EnsureSodium();
  if (text.size() > 64 * 1024) return Invalid("envelope is too large");
  if (text.empty() || text.back() != '\n') return Invalid("envelope does not end with a newline");
  std::vector<std::string_view> lines = SplitLines(text.substr(0, text.size() - 1));
  if (lines.size() < 8) return Invalid("envelope is too short");
  if (lines[0] != kEnvelopeMagic) return Invalid("not a version 1 report envelope");

  Envelope e;
  std::string_view value;
  if (!Field(lines[1], "report-id", &value) || !IsLowerHex(value, 32)) {
    return Invalid("envelope: bad report-id");
  }
  e.report_id = std::string(value);
  if (!Field(lines[2], "station-key", &value) || !FromBase64(value, e.station_key.data(), 32)) {
    return Invalid("envelope: bad station-key");
  }
  if (!Field(lines[3], "county-key-id", &value) || !IsLowerHex(value, 16)) {
    return Invalid("envelope: bad county-key-id");
  }
  e.county_key_id = std::string(value);
  e.sealed_key.resize(kSealedReportKeyBytes);
  if (!Field(lines[4], "sealed-key", &value) ||
      !FromBase64(value, reinterpret_cast<unsigned char*>(e.sealed_key.data()),
                  kSealedReportKeyBytes)) {
    return Invalid("envelope: bad sealed-key");
  }
  if (!Field(lines[5], "saved-at", &value) || !ParseDecimal(value, &e.saved_at_s, true)) {
    return Invalid("envelope: bad saved-at");
  }
  const std::size_t signature_line = lines.size() - 1;
  for (std::size_t i = 6; i < signature_line; ++i) {
    const std::string prefix = std::to_string(i - 6);
    std::string_view rest;
    if (!Field(lines[i], "blob", &rest) || !Field(rest, prefix, &rest) || rest.size() < 66 ||
        !IsLowerHex(rest.substr(0, 64), 64) || rest[64] != ' ') {
      return Invalid("envelope: bad blob line " + std::to_string(i + 1));
    }
    std::int64_t size = 0;
    if (!ParseDecimal(rest.substr(65), &size, false)) {
      return Invalid("envelope: bad blob size on line " + std::to_string(i + 1));
    }
    e.blobs.push_back({std::string(rest.substr(0, 64)), static_cast<std::uint64_t>(size)});
  }
  if (e.blobs.empty() || e.blobs.size() > kMaxBlobs) return Invalid("envelope: bad blob count");

  unsigned char signature[crypto_sign_BYTES];
  if (!Field(lines[signature_line], "signature", &value) ||
      !FromBase64(value, signature, sizeof signature)) {
    return Invalid("envelope: bad signature line");
  }
  // The signature covers every byte before the signature line; those bytes
  // must also be exactly what this version writes (no second spelling).
  const std::size_t signed_size = static_cast<std::size_t>(lines[signature_line].data() - text.data());
  const std::string_view signed_bytes = text.substr(0, signed_size);
  if (crypto_sign_verify_detached(signature, reinterpret_cast<const unsigned char*>(signed_bytes.data()),
                                  signed_bytes.size(), e.station_key.data()) != 0) {
    return Invalid("envelope signature does not verify");
  }
  if (EnvelopeBody(e) != signed_bytes) return Invalid("envelope is not in canonical form");
  return e;
}

base::Result<OpenedReport> OpenReport(
    std::string_view envelope_text, const CountySecretKey& county,
    const std::function<base::Result<std::string>(const std::string& sha256_hex)>& read_blob) {
  base::Result<Envelope> envelope = VerifyEnvelope(envelope_text);
  if (!envelope.ok()) return envelope.error();
  if (envelope->county_key_id != county.public_key.Id()) {
    return Invalid("report was sealed to county key " + envelope->county_key_id + ", not " +
                   county.public_key.Id());
  }
  base::Result<ReportKey> key = OpenReportKey(envelope->sealed_key, county);
  if (!key.ok()) return key.error();
  OpenedReport report;
  for (std::size_t i = 0; i < envelope->blobs.size(); ++i) {
    const SealedBlob& ref = envelope->blobs[i];
    base::Result<std::string> sealed = read_blob(ref.sha256_hex);
    if (!sealed.ok()) return sealed.error();
    if (sealed->size() != ref.size_bytes || Sha256Hex(*sealed) != ref.sha256_hex) {
      return Invalid("blob " + std::to_string(i) + " does not match its hash or size");
    }
    base::Result<std::string> plain =
        OpenBlob(*key, envelope->report_id, static_cast<std::uint32_t>(i), *sealed);
    if (!plain.ok()) return plain.error();
    if (i == 0) {
      report.body_json = std::move(plain).value();
    } else {
      report.attachments.push_back(std::move(plain).value());
    }
  }
  report.envelope = std::move(envelope).value();
  return report;
}

}  // namespace station_sync
