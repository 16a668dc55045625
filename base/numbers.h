// Whole-string decimal integers: "12" is 12; "", "12x", " 12" and numbers
// out of range are none (std::atoi would say 0 or 12).
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace base {

inline std::optional<std::int64_t> ParseInt64(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace base
