// Sealing a report so that only the county can read it, and the station's
// signature so the county knows which station sent it. The wire and disk
// format is specified in docs/report-format.md (version 1); this header is
// its C++ face, used by the station (seal, sign) and by the county and the
// tests (verify, open).
//
//   CountyPublicKey   X25519 key the station seals to (key file, see below)
//   CountySecretKey   its secret half (county server, tests)
//   StationKey        Ed25519 keypair in the data directory (mode 0600)
//   ReportKey         a fresh secretstream key per report, sealed to the
//                     county with crypto_box_seal; wiped from memory on
//                     destruction
//   blobs             body JSON and each attachment, each a
//                     crypto_secretstream_xchacha20poly1305 stream of 64 KiB
//                     chunks under its own subkey, written chunk by chunk
//                     (no second copy of a voice note in memory)
//   Envelope          the signed list of what the report is made of:
//                     sealed key, blob hashes (SHA-256 of ciphertext) and sizes
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "sync/file_system.h"

namespace station_sync {

// ---- Keys ------------------------------------------------------------------

// Key files are text: a first line naming the kind and version, then the key
// in standard base64 on one line. Lines starting with '#' and blank lines are
// ignored (room for a comment saying which county, when).
//   village-station county public key v1
//   <base64 of 32 bytes>
struct CountyPublicKey {
  std::array<unsigned char, 32> key{};
  // First 8 bytes of SHA-256(key), hex: names the key in envelopes so the
  // county knows which of its keys (after a rotation) to use.
  std::string Id() const;
};

struct CountySecretKey {
  CountyPublicKey public_key;
  std::array<unsigned char, 32> secret{};
};

CountySecretKey GenerateCountyKey();
base::Result<CountyPublicKey> ParseCountyPublicKey(std::string_view file_text);
base::Result<CountySecretKey> ParseCountySecretKey(std::string_view file_text);
std::string FormatCountyPublicKey(const CountyPublicKey& key);
std::string FormatCountySecretKey(const CountySecretKey& key);

struct StationKey {
  std::array<unsigned char, 32> public_key{};
  std::array<unsigned char, 64> secret_key{};  // libsodium's seed || public key
};

// Reads the station's signing key from `path`: kNotFound if there is none,
// kCorrupt if the file cannot be parsed.
base::Result<StationKey> LoadStationKey(FileSystem& fs, const std::string& path);
// The same, but makes a key and writes it durably with mode 0600 if there is
// none. A file that exists but cannot be parsed is never replaced: the
// county knows the station by this key.
base::Result<StationKey> LoadOrCreateStationKey(FileSystem& fs, const std::string& path);

// ---- Per-report key and blobs ------------------------------------------------

class ReportKey {
 public:
  static ReportKey Generate();
  ReportKey(const ReportKey&) = delete;
  ReportKey& operator=(const ReportKey&) = delete;
  ReportKey(ReportKey&& other) noexcept;
  ~ReportKey();
  const unsigned char* data() const { return key_.data(); }

 private:
  ReportKey() = default;
  friend base::Result<ReportKey> OpenReportKey(std::string_view, const CountySecretKey&);
  std::array<unsigned char, 32> key_{};
};

inline constexpr std::size_t kSealedReportKeyBytes = 80;  // crypto_box_SEALBYTES + 32
inline constexpr std::size_t kBlobChunkBytes = 64 * 1024;

std::string SealReportKey(const ReportKey& key, const CountyPublicKey& county);
base::Result<ReportKey> OpenReportKey(std::string_view sealed, const CountySecretKey& county);

struct SealedBlob {
  std::string sha256_hex;        // of the ciphertext, as stored and sent
  std::uint64_t size_bytes = 0;  // of the ciphertext
};

// Encrypts `plaintext` as blob number `index` of report `report_id` and
// appends it to `out` chunk by chunk (the caller syncs and closes `out`).
base::Result<SealedBlob> SealBlob(const ReportKey& key, std::string_view report_id,
                                  std::uint32_t index, std::string_view plaintext,
                                  WritableFile& out);

// The inverse; kInvalidInput if the blob was altered, truncated, extended or
// belongs to another report or position.
base::Result<std::string> OpenBlob(const ReportKey& key, std::string_view report_id,
                                   std::uint32_t index, std::string_view sealed);

std::string Sha256Hex(std::string_view bytes);

// ---- Envelope ---------------------------------------------------------------

struct Envelope {
  std::string report_id;                 // 32 lowercase hex
  std::array<unsigned char, 32> station_key{};
  std::string county_key_id;             // CountyPublicKey::Id()
  std::string sealed_key;                // kSealedReportKeyBytes, raw
  std::int64_t saved_at_s = 0;           // station clock, unix seconds
  std::vector<SealedBlob> blobs;         // [0] the body, then the attachments
};

// The envelope text, signed with the station's key (docs/report-format.md).
std::string SignEnvelope(const Envelope& envelope, const StationKey& station);

// Parses an envelope and checks its signature against the station key it
// names. The county must still check that key is one it enrolled.
base::Result<Envelope> VerifyEnvelope(std::string_view text);

// ---- Files a USB stick carries for a station -------------------------------------

// A stick has no bearer token: the ratings and watch records a station
// exports are signed with its key, over the station id, the file's name and
// its bytes, so a stick cannot carry them in another station's name.
// The signature file (`<name>.sig`) is one base64 line.
std::string SignStationFile(std::string_view station_id, std::string_view name, std::string_view body,
                            const StationKey& station);
// `station_key_base64`: the key the county enrolled for `station_id`.
bool VerifyStationFile(std::string_view station_id, std::string_view name, std::string_view body,
                       std::string_view signature_file, std::string_view station_key_base64);

// ---- The county side ------------------------------------------------------------

struct OpenedReport {
  Envelope envelope;
  std::string body_json;
  std::vector<std::string> attachments;  // blob 1, 2, ... in order
};

// Verifies the envelope, fetches each blob by its SHA-256 through
// `read_blob`, checks hash and size, and decrypts everything.
base::Result<OpenedReport> OpenReport(
    std::string_view envelope_text, const CountySecretKey& county,
    const std::function<base::Result<std::string>(const std::string& sha256_hex)>& read_blob);

}  // namespace station_sync
