// minisign's file formats (https://jedisct1.github.io/minisign/), so county IT
// can sign catalogs with Debian's `minisign` and the station verifies them
// with libsodium alone. Used by the county (sign, verify a provided
// signature) and the station (verify against the key pinned at enrolment).
//
//   public key   "untrusted comment: ...\n" + base64("Ed" ‖ key id(8) ‖ Ed25519 pk(32))
//                (a bare base64 line is accepted too: the enrolment answer sends one)
//   secret key   base64("Ed" ‖ kdf "\0\0" ‖ "B2" ‖ salt(32) ‖ ops(8) ‖ mem(8) ‖
//                key id(8) ‖ Ed25519 sk(64) ‖ BLAKE2b-256 checksum(32)); only
//                unencrypted keys (`minisign -G -W`) are read: a county server
//                signs unattended
//   signature    untrusted comment line, base64(alg ‖ key id ‖ sig(64)),
//                "trusted comment: <text>", base64(global sig(64))
//                alg "Ed": sig over the message; "ED": over BLAKE2b-512(message)
//                global sig: over sig(64) ‖ trusted comment text
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "base/result.h"

namespace station_sync::minisign {

struct PublicKey {
  std::array<unsigned char, 8> key_id{};
  std::array<unsigned char, 32> key{};
  // As minisign prints it: the key id as a little-endian number in upper hex.
  std::string KeyIdHex() const;
};

struct SecretKey {
  PublicKey public_key;
  std::array<unsigned char, 64> secret{};  // libsodium's seed ‖ public key
};

SecretKey GenerateKey();

// A .pub file or its base64 line alone.
base::Result<PublicKey> ParsePublicKey(std::string_view text);
std::string PublicKeyLine(const PublicKey& key);  // the base64 line
std::string FormatPublicKeyFile(const PublicKey& key);

// kInvalidInput for an encrypted key (with a message saying to use -W) or a
// bad checksum.
base::Result<SecretKey> ParseSecretKey(std::string_view text);
std::string FormatSecretKeyFile(const SecretKey& key);

// Verifies `signature_file` over `message` with `key` (both the signature
// and the trusted comment's global signature). Returns the trusted comment.
// kInvalidInput: malformed, another key id, or a signature that fails.
base::Result<std::string> Verify(std::string_view message, std::string_view signature_file,
                                 const PublicKey& key);

// A prehashed ("ED") signature file, as `minisign -S` writes today.
// `trusted_comment` must not contain a newline.
std::string Sign(std::string_view message, const SecretKey& key,
                 std::string_view trusted_comment);

}  // namespace station_sync::minisign
