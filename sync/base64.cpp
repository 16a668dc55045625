#include "sync/base64.h"

#include <sodium.h>

namespace station_sync {

std::string ToBase64(const unsigned char* data, std::size_t size) {
  std::string out(sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data, size, sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();  // the NUL
  return out;
}

bool FromBase64(std::string_view text, unsigned char* out, std::size_t size) {
  std::size_t decoded = 0;
  const char* end = nullptr;
  return sodium_base642bin(out, size, text.data(), text.size(), nullptr, &decoded, &end,
                           sodium_base64_VARIANT_ORIGINAL) == 0 &&
         decoded == size && end == text.data() + text.size();
}

}  // namespace station_sync
