// Standard base64 (with padding, one line), as every key file, envelope and
// protocol field of the station uses it; libsodium underneath.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace station_sync {

std::string ToBase64(const unsigned char* data, std::size_t size);

// Decodes into exactly `size` bytes; false for anything else (bad
// characters, another length, trailing text).
bool FromBase64(std::string_view text, unsigned char* out, std::size_t size);

}  // namespace station_sync
