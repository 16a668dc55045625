#include <catch2/catch.hpp>

#include "kiosk/glyph_set.h"
#include "kiosk/i18n.h"

TEST_CASE("UTF-8 decoding keeps valid characters and skips malformed bytes", "[kiosk][glyphs]") {
  CHECK(kiosk::DecodeUtf8("a看") == std::vector<char32_t>{U'a', U'看'});
  CHECK(kiosk::DecodeUtf8("\xE7\x9C") == std::vector<char32_t>{});             // truncated
  CHECK(kiosk::DecodeUtf8("\xC0\xAF" "b") == std::vector<char32_t>{U'b'});     // overlong '/'
  CHECK(kiosk::DecodeUtf8("\xED\xA0\x80" "c") == std::vector<char32_t>{U'c'}); // surrogate
  CHECK(kiosk::DecodeUtf8("\xF0\x9F\x98\x80") == std::vector<char32_t>{U'\U0001F600'});
}

TEST_CASE("The glyph set holds exactly ASCII, UI symbols and the characters used", "[kiosk][glyphs]") {
  const auto set = kiosk::BuildGlyphSet({"看课程", "课程表", "\n\t"});
  const auto has = [&](char32_t c) { return std::binary_search(set.begin(), set.end(), c); };
  CHECK(has(U'看'));
  CHECK(has(U'课'));
  CHECK(has(U'表'));
  CHECK(has(U'A'));
  CHECK_FALSE(has(U'村'));
  CHECK_FALSE(has(U'\n'));
  CHECK(std::is_sorted(set.begin(), set.end()));
  CHECK(std::adjacent_find(set.begin(), set.end()) == set.end());
  // 95 printable ASCII + the UI's own symbols + 4 distinct Chinese characters.
  const auto base_only = kiosk::BuildGlyphSet({});
  CHECK(set.size() == base_only.size() + 4);
}

TEST_CASE("The glyph set of the real catalogs is small", "[kiosk][glyphs]") {
  auto translations = kiosk::Translations::LoadDirectory(STATION_ASSETS_DIR "/i18n");
  REQUIRE(translations.ok());
  const auto set = kiosk::BuildGlyphSet(translations->AllTexts());
  CHECK(set.size() > 150);
  CHECK(set.size() < 1000);  // far from the 30,000+ of the whole font
}

TEST_CASE("Glyph ranges merge neighbours and end with zero", "[kiosk][glyphs]") {
  CHECK(kiosk::ToGlyphRanges({U'a', U'b', U'c', U'x', U'看'}) ==
        std::vector<std::uint16_t>{'a', 'c', 'x', 'x', 0x770B, 0x770B, 0});
  CHECK(kiosk::ToGlyphRanges({U'a', U'\U0001F600'}) == std::vector<std::uint16_t>{'a', 'a', 0});
}
