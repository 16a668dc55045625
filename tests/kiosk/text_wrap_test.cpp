// Line breaking for Chinese with numbers and Latin words in it.

#include <catch2/catch.hpp>

#include "kiosk/text_wrap.h"

using kiosk::BreakLines;

namespace {

// A Latin character is 1 wide, a CJK one 2, as in a CJK font.
float Advance(char32_t c) { return c < 0x2E80 ? 1.f : 2.f; }

std::string Break(std::string_view text, float width) { return BreakLines(text, width, Advance); }

}  // namespace

TEST_CASE("Chinese breaks between characters, not at the one space beside a number", "[kiosk][wrap]") {
  // ImGui would put "1" alone at the end of the first line.
  CHECK(Break("会自动再试；1 件反映还没送到", 16) == "会自动再试；1 件\n反映还没送到");
  // The last place it may break: "）" and "：" hold on to what comes before them.
  CHECK(Break("上次出错（12/3 01:40）：连不上", 22) == "上次出错（12/3\n01:40）：连不上");
  CHECK(Break("上次出错（12/3 01:40）：连不上", 26) == "上次出错（12/3 01:40）：连\n不上");
}

TEST_CASE("closing punctuation never starts a line, opening punctuation never ends one", "[kiosk][wrap]") {
  CHECK(Break("一二三四，五六", 8) == "一二三\n四，五六");
  CHECK(Break("一二三（四五）", 8) == "一二三\n（四五）");
  CHECK(Break("一二三“四五”", 8) == "一二三\n“四五”");
}

TEST_CASE("Latin text still breaks at spaces, and a word wider than the line between its letters",
          "[kiosk][wrap]") {
  CHECK(Break("the county is busy", 10) == "the county\nis busy");
  CHECK(Break("http://127.0.0.1:35135/v1", 10) == "http://127\n.0.0.1:351\n35/v1");
  CHECK(Break("no answer: 中文", 100) == "no answer: 中文");
  CHECK(Break("one\ntwo three", 5) == "one\ntwo\nthree");
}

TEST_CASE("no line is wider than asked unless one character is", "[kiosk][wrap]") {
  const std::string text = "技术细节（给县里的技术员看）：no answer from http://127.0.0.1:35135/v1/uploads/c6109: "
                           "Failed to connect to 127.0.0.1 port 35135 after 0 ms";
  for (float width : {3.f, 7.f, 16.f, 31.f, 60.f}) {
    const std::string broken = Break(text, width);
    std::size_t start = 0;
    while (start <= broken.size()) {
      const std::size_t end = std::min(broken.find('\n', start), broken.size());
      float line = 0;
      for (std::size_t i = start; i < end;) {
        const unsigned char lead = static_cast<unsigned char>(broken[i]);
        const std::size_t n = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
        line += n == 1 ? 1.f : 2.f;
        i += n;
      }
      INFO("width " << width << ": \"" << broken.substr(start, end - start) << '"');
      CHECK(line <= std::max(width, 2.f));
      start = end + 1;
    }
  }
  // Nothing is lost but spaces where lines broke.
  const auto letters = [](std::string_view t) {
    std::string kept;
    for (char c : t) {
      if (c != ' ' && c != '\n') kept += c;
    }
    return kept;
  };
  CHECK(letters(Break(text, 16)) == letters(text));
}

TEST_CASE("malformed UTF-8 is carried through, one replacement-wide each", "[kiosk][wrap]") {
  const std::string broken = Break("ab\xff" "cd", 100);
  CHECK(broken == "ab\xff" "cd");
}
