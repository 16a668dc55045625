// minisign formats: see minisign.h.

#include "sync/base64.h"
#include "sync/minisign.h"

#include <sodium.h>

#include <cstdlib>
#include <cstring>
#include <vector>

namespace station_sync::minisign {
namespace {

constexpr std::size_t kKeyIdBytes = 8;
constexpr std::size_t kPublicKeyBytes = 2 + kKeyIdBytes + 32;
constexpr std::size_t kSecretKeyBytes = 2 + 2 + 2 + 32 + 8 + 8 + kKeyIdBytes + 64 + 32;
constexpr std::size_t kSignatureBytes = 2 + kKeyIdBytes + 64;
constexpr std::string_view kUntrustedPrefix = "untrusted comment: ";
constexpr std::string_view kTrustedPrefix = "trusted comment: ";

base::Error Invalid(std::string message) {
  return base::MakeError(base::ErrorCode::kInvalidInput, "minisign: " + std::move(message));
}

void EnsureSodium() {
  if (sodium_init() < 0) std::abort();
}

// Lines without their LF and trailing CR; a final empty line is dropped.
std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// The base64 payload line of a key file: the one after the untrusted comment,
// or the only line.
base::Result<std::string_view> KeyLine(std::string_view text) {
  std::vector<std::string_view> lines = Lines(text);
  if (lines.size() == 1) return lines[0];
  if (lines.size() == 2 && lines[0].substr(0, kUntrustedPrefix.size()) == kUntrustedPrefix) {
    return lines[1];
  }
  return Invalid("a key file is an untrusted comment line and one base64 line");
}

std::array<unsigned char, 32> SecretKeyChecksum(const SecretKey& key) {
  std::array<unsigned char, 32> checksum{};
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, checksum.size());
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>("Ed"), 2);
  crypto_generichash_update(&state, key.public_key.key_id.data(), kKeyIdBytes);
  crypto_generichash_update(&state, key.secret.data(), key.secret.size());
  crypto_generichash_final(&state, checksum.data(), checksum.size());
  return checksum;
}

std::array<unsigned char, 64> Blake2b512(std::string_view message) {
  std::array<unsigned char, 64> hash{};
  crypto_generichash(hash.data(), hash.size(),
                     reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                     nullptr, 0);
  return hash;
}

const unsigned char* Bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace

std::string PublicKey::KeyIdHex() const {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string hex;
  for (std::size_t i = kKeyIdBytes; i-- > 0;) {
    hex += kDigits[key_id[i] >> 4];
    hex += kDigits[key_id[i] & 15];
  }
  return hex;
}

SecretKey GenerateKey() {
  EnsureSodium();
  SecretKey key;
  randombytes_buf(key.public_key.key_id.data(), kKeyIdBytes);
  crypto_sign_keypair(key.public_key.key.data(), key.secret.data());
  return key;
}

base::Result<PublicKey> ParsePublicKey(std::string_view text) {
  base::Result<std::string_view> line = KeyLine(text);
  if (!line.ok()) return line.error();
  unsigned char raw[kPublicKeyBytes];
  if (!FromBase64(*line, raw, sizeof raw)) return Invalid("public key is not 42 bytes of base64");
  if (std::memcmp(raw, "Ed", 2) != 0) return Invalid("public key is not an Ed25519 key");
  PublicKey key;
  std::memcpy(key.key_id.data(), raw + 2, kKeyIdBytes);
  std::memcpy(key.key.data(), raw + 2 + kKeyIdBytes, key.key.size());
  return key;
}

std::string PublicKeyLine(const PublicKey& key) {
  unsigned char raw[kPublicKeyBytes];
  std::memcpy(raw, "Ed", 2);
  std::memcpy(raw + 2, key.key_id.data(), kKeyIdBytes);
  std::memcpy(raw + 2 + kKeyIdBytes, key.key.data(), key.key.size());
  return ToBase64(raw, sizeof raw);
}

std::string FormatPublicKeyFile(const PublicKey& key) {
  return std::string(kUntrustedPrefix) + "minisign public key " + key.KeyIdHex() + "\n" +
         PublicKeyLine(key) + "\n";
}

base::Result<SecretKey> ParseSecretKey(std::string_view text) {
  base::Result<std::string_view> line = KeyLine(text);
  if (!line.ok()) return line.error();
  unsigned char raw[kSecretKeyBytes];
  if (!FromBase64(*line, raw, sizeof raw)) return Invalid("secret key is not 158 bytes of base64");
  if (std::memcmp(raw, "Ed", 2) != 0 || std::memcmp(raw + 4, "B2", 2) != 0) {
    return Invalid("secret key is not an Ed25519 key with a BLAKE2b checksum");
  }
  if (raw[2] != 0 || raw[3] != 0) {
    return Invalid("secret key is password-protected; make one with `minisign -G -W`");
  }
  const unsigned char* keynum = raw + 2 + 2 + 2 + 32 + 8 + 8;
  SecretKey key;
  std::memcpy(key.public_key.key_id.data(), keynum, kKeyIdBytes);
  std::memcpy(key.secret.data(), keynum + kKeyIdBytes, key.secret.size());
  std::memcpy(key.public_key.key.data(), key.secret.data() + 32, 32);
  // minisign 0.11 writes an all-zero checksum for unencrypted keys (-W).
  const unsigned char* stored = keynum + kKeyIdBytes + 64;
  std::array<unsigned char, 32> checksum = SecretKeyChecksum(key);
  const bool intact = sodium_is_zero(stored, 32) || sodium_memcmp(checksum.data(), stored, 32) == 0;
  sodium_memzero(raw, sizeof raw);
  if (!intact) return Invalid("secret key checksum does not match (corrupt file)");
  return key;
}

std::string FormatSecretKeyFile(const SecretKey& key) {
  unsigned char raw[kSecretKeyBytes] = {};
  std::memcpy(raw, "Ed", 2);  // then kdf "\0\0" (not encrypted), salt/limits zero
  std::memcpy(raw + 4, "B2", 2);
  unsigned char* keynum = raw + 2 + 2 + 2 + 32 + 8 + 8;
  std::memcpy(keynum, key.public_key.key_id.data(), kKeyIdBytes);
  std::memcpy(keynum + kKeyIdBytes, key.secret.data(), key.secret.size());
  std::array<unsigned char, 32> checksum = SecretKeyChecksum(key);
  std::memcpy(keynum + kKeyIdBytes + 64, checksum.data(), checksum.size());
  std::string text = std::string(kUntrustedPrefix) + "minisign secret key (unencrypted)\n" +
                     ToBase64(raw, sizeof raw) + "\n";
  sodium_memzero(raw, sizeof raw);
  return text;
}

base::Result<std::string> Verify(std::string_view message, std::string_view signature_file,
                                 const PublicKey& key) {
  EnsureSodium();
  std::vector<std::string_view> lines = Lines(signature_file);
  if (lines.size() != 4 || lines[0].substr(0, kUntrustedPrefix.size()) != kUntrustedPrefix ||
      lines[2].substr(0, kTrustedPrefix.size()) != kTrustedPrefix) {
    return Invalid("a signature file is 4 lines: comment, signature, trusted comment, signature");
  }
  unsigned char signature[kSignatureBytes];
  unsigned char global[64];
  if (!FromBase64(lines[1], signature, sizeof signature) ||
      !FromBase64(lines[3], global, sizeof global)) {
    return Invalid("signature lines are not valid base64 of the right length");
  }
  const bool legacy = std::memcmp(signature, "Ed", 2) == 0;
  if (!legacy && std::memcmp(signature, "ED", 2) != 0) {
    return Invalid("unknown signature algorithm");
  }
  if (std::memcmp(signature + 2, key.key_id.data(), kKeyIdBytes) != 0) {
    return Invalid("signed by another key than the pinned one (" + key.KeyIdHex() + ")");
  }
  const unsigned char* sig = signature + 2 + kKeyIdBytes;
  std::array<unsigned char, 64> hash{};
  if (!legacy) hash = Blake2b512(message);
  const int message_ok =
      legacy ? crypto_sign_verify_detached(sig, Bytes(message), message.size(), key.key.data())
             : crypto_sign_verify_detached(sig, hash.data(), hash.size(), key.key.data());
  if (message_ok != 0) return Invalid("signature does not match the content");
  std::string_view comment = lines[2].substr(kTrustedPrefix.size());
  std::string global_message(reinterpret_cast<const char*>(sig), 64);
  global_message.append(comment);
  if (crypto_sign_verify_detached(global, Bytes(global_message), global_message.size(),
                                  key.key.data()) != 0) {
    return Invalid("trusted comment signature does not match");
  }
  return std::string(comment);
}

std::string Sign(std::string_view message, const SecretKey& key,
                 std::string_view trusted_comment) {
  EnsureSodium();
  unsigned char signature[kSignatureBytes];
  std::memcpy(signature, "ED", 2);
  std::memcpy(signature + 2, key.public_key.key_id.data(), kKeyIdBytes);
  unsigned char* sig = signature + 2 + kKeyIdBytes;
  std::array<unsigned char, 64> hash = Blake2b512(message);
  crypto_sign_detached(sig, nullptr, hash.data(), hash.size(), key.secret.data());
  std::string global_message(reinterpret_cast<const char*>(sig), 64);
  global_message.append(trusted_comment);
  unsigned char global[64];
  crypto_sign_detached(global, nullptr, Bytes(global_message), global_message.size(),
                       key.secret.data());
  return std::string(kUntrustedPrefix) + "signature from village-station county key " +
         key.public_key.KeyIdHex() + "\n" + ToBase64(signature, sizeof signature) + "\n" +
         std::string(kTrustedPrefix) + std::string(trusted_comment) + "\n" +
         ToBase64(global, sizeof global) + "\n";
}

}  // namespace station_sync::minisign
