#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "kiosk/text_editing.h"

using kiosk::EditableText;

namespace {

// The reference model: code points in a vector, encoded independently.
std::string Encode(const std::u32string& code_points) {
  std::string out;
  for (char32_t c : code_points) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

struct Model {
  std::u32string text;
  std::size_t cursor = 0;
  std::size_t max = 0;
};

void RequireSame(const EditableText& text, const Model& model) {
  REQUIRE(text.text() == Encode(model.text));
  REQUIRE(text.length() == model.text.size());
  REQUIRE(text.cursor() == model.cursor);
  REQUIRE(text.cursor_byte() == Encode(model.text.substr(0, model.cursor)).size());
  REQUIRE(text.before_cursor() == Encode(model.text.substr(0, model.cursor)));
  REQUIRE(text.after_cursor() == Encode(model.text.substr(model.cursor)));
  REQUIRE(text.full() == (model.text.size() >= model.max));
}

// One code point of each UTF-8 length, and an emoji beyond the BMP.
const std::u32string kAlphabet = U"aé你😀";

}  // namespace

TEST_CASE("An empty text has nothing to delete and nowhere to move", "[kiosk][text]") {
  EditableText text(10);
  CHECK(text.text().empty());
  CHECK(text.length() == 0);
  CHECK(text.cursor() == 0);
  CHECK_FALSE(text.Backspace());
  CHECK_FALSE(text.Delete());
  CHECK_FALSE(text.MoveLeft());
  CHECK_FALSE(text.MoveRight());
  CHECK_FALSE(text.full());
}

TEST_CASE("Insertions go at the cursor and leave it after what was inserted", "[kiosk][text]") {
  EditableText text(100);
  CHECK(text.Insert("ac") == 2);
  CHECK(text.MoveLeft());
  CHECK(text.Insert("b") == 1);
  CHECK(text.text() == "abc");
  CHECK(text.cursor() == 2);
  text.MoveToStart();
  CHECK(text.Insert("你好") == 2);
  CHECK(text.text() == "你好abc");
  CHECK(text.cursor() == 2);
  CHECK(text.cursor_byte() == 6);
  text.MoveToEnd();
  CHECK(text.Insert("😀") == 1);
  CHECK(text.text() == "你好abc😀");
  CHECK(text.length() == 6);
  CHECK(text.cursor() == 6);
  CHECK(text.cursor_byte() == text.text().size());
}

TEST_CASE("Backspace and Delete remove whole code points of every UTF-8 length", "[kiosk][text]") {
  EditableText text("a你😀é", 100);
  REQUIRE(text.text().size() == 1 + 3 + 4 + 2);
  CHECK(text.Backspace());
  CHECK(text.text() == "a你😀");
  CHECK(text.Backspace());
  CHECK(text.text() == "a你");
  CHECK(text.Backspace());
  CHECK(text.text() == "a");
  CHECK(text.Backspace());
  CHECK(text.text().empty());
  CHECK_FALSE(text.Backspace());

  EditableText forward("😀你éa", 100);
  forward.MoveToStart();
  CHECK(forward.Delete());
  CHECK(forward.text() == "你éa");
  CHECK(forward.Delete());
  CHECK(forward.text() == "éa");
  CHECK(forward.Delete());
  CHECK(forward.text() == "a");
  CHECK(forward.Delete());
  CHECK_FALSE(forward.Delete());
  CHECK(forward.cursor() == 0);
}

TEST_CASE("Every edit at every cursor position of every short mixed text matches the model",
          "[kiosk][text]") {
  // All texts of up to 4 code points over {a, é, 你, 😀} (341 texts), every
  // cursor position, every edit.
  std::vector<std::u32string> texts = {U""};
  for (std::size_t start = 0; texts.back().size() < 4;) {
    const std::size_t end = texts.size();
    for (std::size_t i = start; i < end; ++i) {
      for (char32_t c : kAlphabet) texts.push_back(texts[i] + c);
    }
    start = end;
  }
  REQUIRE(texts.size() == 1 + 4 + 16 + 64 + 256);
  enum Edit { kBackspace, kDelete, kLeft, kRight, kInsertCjk, kInsertEmoji, kInsertAscii };
  int checked = 0;
  for (const auto& initial : texts) {
    for (std::size_t cursor = 0; cursor <= initial.size(); ++cursor) {
      for (Edit edit : {kBackspace, kDelete, kLeft, kRight, kInsertCjk, kInsertEmoji, kInsertAscii}) {
        const std::size_t max = 5;  // some insertions hit the limit
        EditableText text(Encode(initial), max);
        text.SetCursor(cursor);
        Model model{initial, cursor, max};
        RequireSame(text, model);
        bool changed = false;
        std::size_t inserted = 0;
        auto insert = [&](const std::u32string& what) {
          inserted = text.Insert(Encode(what));
          const std::size_t fits = std::min(what.size(), max - model.text.size());
          model.text.insert(model.cursor, what.substr(0, fits));
          model.cursor += fits;
          REQUIRE(inserted == fits);
        };
        switch (edit) {
          case kBackspace:
            changed = text.Backspace();
            REQUIRE(changed == (model.cursor > 0));
            if (changed) model.text.erase(--model.cursor, 1);
            break;
          case kDelete:
            changed = text.Delete();
            REQUIRE(changed == (model.cursor < model.text.size()));
            if (changed) model.text.erase(model.cursor, 1);
            break;
          case kLeft:
            changed = text.MoveLeft();
            REQUIRE(changed == (model.cursor > 0));
            if (changed) --model.cursor;
            break;
          case kRight:
            changed = text.MoveRight();
            REQUIRE(changed == (model.cursor < model.text.size()));
            if (changed) ++model.cursor;
            break;
          case kInsertCjk: insert(U"你好"); break;
          case kInsertEmoji: insert(U"😀"); break;
          case kInsertAscii: insert(U"x"); break;
        }
        RequireSame(text, model);
        ++checked;
      }
    }
  }
  CHECK(checked == 7 * (1 * 1 + 4 * 2 + 16 * 3 + 64 * 4 + 256 * 5));
}

TEST_CASE("Long random edit sessions never split a character or pass the limit", "[kiosk][text]") {
  std::mt19937 random(20261123);  // fixed: a failure replays
  const std::vector<std::u32string> pieces = {U"a", U"é", U"你", U"😀", U"你好", U"village 村", U""};
  for (std::size_t max : {0u, 1u, 3u, 40u}) {
    EditableText text(max);
    Model model{U"", 0, max};
    for (int step = 0; step < 3000; ++step) {
      switch (random() % 6) {
        case 0: {
          const auto& piece = pieces[random() % pieces.size()];
          const std::size_t fits = std::min(piece.size(), max - model.text.size());
          REQUIRE(text.Insert(Encode(piece)) == fits);
          model.text.insert(model.cursor, piece.substr(0, fits));
          model.cursor += fits;
          break;
        }
        case 1:
          if (text.Backspace()) model.text.erase(--model.cursor, 1);
          break;
        case 2:
          if (text.Delete()) model.text.erase(model.cursor, 1);
          break;
        case 3:
          if (text.MoveLeft()) --model.cursor;
          break;
        case 4:
          if (text.MoveRight()) ++model.cursor;
          break;
        case 5: {
          const std::size_t to = random() % (model.text.size() + 3);
          text.SetCursor(to);
          model.cursor = std::min(to, model.text.size());
          break;
        }
      }
      RequireSame(text, model);
    }
  }
}

TEST_CASE("Malformed UTF-8 becomes U+FFFD, one per bad byte, and never reaches the text raw",
          "[kiosk][text]") {
  const std::string fffd = "\xEF\xBF\xBD";
  auto [input, expected] = GENERATE_COPY(table<std::string, std::string>({
      {"\xFF", fffd},                                     // never valid
      {"a\x80" "b", "a" + fffd + "b"},                    // a lone continuation byte
      {"\xC0\xAF", fffd + fffd},                          // overlong '/'
      {"\xE0\x80\xAF", fffd + fffd + fffd},               // overlong, 3 bytes
      {"\xED\xA0\x80", fffd + fffd + fffd},               // a UTF-16 surrogate
      {"\xF4\x90\x80\x80", fffd + fffd + fffd + fffd},    // above U+10FFFF
      {"\xE4\xBD", fffd + fffd},                          // 你 cut short at the end
      {"\xE4\xBD" "a", fffd + fffd + "a"},                // 你 cut short before a letter
      {"\xF0\x9F\x98" "\xE4\xBD\xA0", fffd + fffd + fffd + "你"},  // 😀 cut short, then 你
      {"\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBF"},           // U+10FFFF itself is fine
  }));
  EditableText text(100);
  text.Insert(input);
  CHECK(text.text() == expected);
  CHECK(text.length() == kiosk::CountCodePoints(expected));
  CHECK(kiosk::CountCodePoints(input) == text.length());
  // Editing over the replacements stays whole.
  while (text.Backspace()) {
  }
  CHECK(text.text().empty());
}

TEST_CASE("Control characters other than a new line are dropped", "[kiosk][text]") {
  EditableText text(100);
  CHECK(text.Insert(std::string("a\tb\r\n\x01" "c\x7F" "\xC2\x85" "d\xC2\xA0" "e", 14)) == 7);
  CHECK(text.text() == "ab\nc" "d\xC2\xA0" "e");  // NBSP (C2 A0) is not a control
  CHECK(text.Insert(std::string("\0", 1)) == 0);
  CHECK(text.text().find('\0') == std::string::npos);
}

TEST_CASE("The length limit counts code points and cuts insertions between characters",
          "[kiosk][text]") {
  EditableText text(5);
  CHECK(text.Insert("你好世界和平") == 5);
  CHECK(text.text() == "你好世界和");
  CHECK(text.full());
  CHECK(text.Insert("a") == 0);
  CHECK(text.text() == "你好世界和");
  text.SetCursor(2);
  CHECK(text.Backspace());
  CHECK(text.Insert("😀😀") == 1);
  CHECK(text.text() == "你😀世界和");
  CHECK(text.cursor() == 2);

  SECTION("an initial text is cut to the limit, cursor at its end") {
    EditableText initial("abcdefg", 3);
    CHECK(initial.text() == "abc");
    CHECK(initial.cursor() == 3);
  }
  SECTION("a limit of zero takes nothing") {
    EditableText none(0);
    CHECK(none.Insert("a") == 0);
    CHECK(none.full());
  }
}

TEST_CASE("The cursor can be placed anywhere and is clamped to the text", "[kiosk][text]") {
  EditableText text("a你😀", 10);
  text.SetCursor(2);
  CHECK(text.cursor_byte() == 4);
  CHECK(text.before_cursor() == "a你");
  CHECK(text.after_cursor() == "😀");
  text.SetCursor(99);
  CHECK(text.cursor() == 3);
  CHECK(text.cursor_byte() == text.text().size());
  text.MoveToStart();
  CHECK(text.cursor() == 0);
  text.Clear();
  CHECK(text.text().empty());
  CHECK(text.cursor() == 0);
  CHECK(text.length() == 0);
}

TEST_CASE("While composing, the preedit is drawn at the cursor but is not in the text",
          "[kiosk][text]") {
  EditableText text("村里路", 50);
  text.SetCursor(2);
  auto composed = kiosk::Compose(text, "shui beng");
  CHECK(composed.before == "村里");
  CHECK(composed.preedit == "shui beng");
  CHECK(composed.after == "路");
  CHECK(text.text() == "村里路");
  // The engine commits; the commit goes in at the cursor.
  text.Insert("水泵");
  composed = kiosk::Compose(text, "");
  CHECK(composed.before == "村里水泵");
  CHECK(composed.preedit.empty());
  CHECK(composed.after == "路");
}
