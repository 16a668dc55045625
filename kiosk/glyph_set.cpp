#include "kiosk/glyph_set.h"

#include <algorithm>

namespace kiosk {
namespace {

// Symbols drawn by the UI itself, whatever the catalogs say.
constexpr char32_t kUiSymbols[] = {U'…', U'·', U'—', U'×', U'：', U'，', U'。', U'？'};

int SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 0;
}

}  // namespace

std::vector<char32_t> DecodeUtf8(std::string_view text) {
  std::vector<char32_t> out;
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const int length = SequenceLength(lead);
    if (length == 0 || i + length > text.size()) { ++i; continue; }
    char32_t cp = length == 1 ? lead : lead & (0x7F >> length);
    bool valid = true;
    for (int k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) { valid = false; break; }
      cp = (cp << 6) | (next & 0x3F);
    }
    constexpr char32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (!valid || cp < kMinForLength[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      ++i;
      continue;
    }
    out.push_back(cp);
    i += length;
  }
  return out;
}

std::vector<char32_t> BuildGlyphSet(const std::vector<std::string>& texts) {
  std::vector<char32_t> set;
  for (char32_t c = 0x20; c <= 0x7E; ++c) set.push_back(c);
  set.insert(set.end(), std::begin(kUiSymbols), std::end(kUiSymbols));
  for (const std::string& text : texts) {
    for (char32_t cp : DecodeUtf8(text)) {
      if (cp >= 0x20 && !(cp >= 0x7F && cp < 0xA0)) set.push_back(cp);
    }
  }
  std::sort(set.begin(), set.end());
  set.erase(std::unique(set.begin(), set.end()), set.end());
  return set;
}

std::vector<std::uint16_t> ToGlyphRanges(const std::vector<char32_t>& sorted_code_points) {
  std::vector<std::uint16_t> ranges;
  for (char32_t cp : sorted_code_points) {
    if (cp > 0xFFFF) break;
    if (!ranges.empty() && ranges.back() + 1u == cp) {
      ranges.back() = static_cast<std::uint16_t>(cp);
    } else {
      ranges.push_back(static_cast<std::uint16_t>(cp));
      ranges.push_back(static_cast<std::uint16_t>(cp));
    }
  }
  ranges.push_back(0);
  return ranges;
}

}  // namespace kiosk
