// The characters the font atlas must hold: printable ASCII plus every
// character of the texts the station can show (catalogs, lesson titles).
// Rasterising only these keeps a CJK atlas small (a few hundred glyphs
// instead of 30,000+) and fast to build.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kiosk {

// Decodes UTF-8; malformed bytes are skipped, never guessed.
std::vector<char32_t> DecodeUtf8(std::string_view text);

// Sorted, unique code points: ASCII 0x20..0x7E, a few symbols the UI draws,
// and every code point in `texts` (control characters excluded).
std::vector<char32_t> BuildGlyphSet(const std::vector<std::string>& texts);

// Collapses sorted code points into inclusive [first, last] pairs, the shape
// ImGui's glyph ranges take, terminated by 0. Code points above the Basic
// Multilingual Plane are dropped (ImGui 1.86 here uses 16-bit ImWchar).
std::vector<std::uint16_t> ToGlyphRanges(const std::vector<char32_t>& sorted_code_points);

}  // namespace kiosk
