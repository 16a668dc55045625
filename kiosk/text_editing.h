// The text an on-screen keyboard edits: UTF-8 with a cursor counted in code
// points, and a limit on its length (a report's text, a name).
//
// The keyboard edits this model itself rather than an ImGui text field,
// because a field loses its focus when a key button is tapped. It is pure
// (no ImGui, no librime), so every edit is tested without a window.
//
// Invariants, after every call:
//   - text() is valid UTF-8: invalid input bytes become U+FFFD, and no edit
//     splits a multibyte character;
//   - length() <= max_length() (insertions are cut to fit, whole code points);
//   - 0 <= cursor() <= length().
//
// The cursor moves by code point, not by grapheme: a flag emoji (two
// regional indicators) or a ZWJ family takes several Backspaces. Pinyin
// input commits one code point per Chinese character, so typed text never
// meets this.
//
// With the pinyin engine (kiosk/pinyin_input.h), the pinyin being typed (the
// preedit, "ni hao") is not part of the text: the field draws it at the
// cursor (Compose() below) until the engine commits; then the committed text
// ("你好", from PinyinInput::TakeCommit()) is Insert()ed at the cursor.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kiosk {

class EditableText {
 public:
  explicit EditableText(std::size_t max_code_points);
  // Starts with `initial` (sanitised, cut to the limit), cursor at the end.
  EditableText(std::string_view initial, std::size_t max_code_points);

  const std::string& text() const { return text_; }
  std::size_t length() const { return length_; }         // in code points
  std::size_t max_length() const { return max_length_; }  // in code points
  bool full() const { return length_ >= max_length_; }
  std::size_t cursor() const { return cursor_; }          // code points before the cursor
  std::size_t cursor_byte() const { return cursor_byte_; }
  std::string_view before_cursor() const { return std::string_view(text_).substr(0, cursor_byte_); }
  std::string_view after_cursor() const { return std::string_view(text_).substr(cursor_byte_); }

  // Inserts at the cursor and moves the cursor after the insertion. Invalid
  // UTF-8 bytes become U+FFFD; control characters other than '\n' are
  // dropped. Inserts only as many whole code points as fit under the limit;
  // returns how many were inserted.
  std::size_t Insert(std::string_view utf8);
  // Delete the code point before / after the cursor; false if there is none.
  bool Backspace();
  bool Delete();
  // False (and no change) at the start / end.
  bool MoveLeft();
  bool MoveRight();
  void MoveToStart();
  void MoveToEnd();
  // Clamped to [0, length()].
  void SetCursor(std::size_t code_points);
  void Clear();

 private:
  std::string text_;
  std::size_t length_ = 0;
  std::size_t max_length_;
  std::size_t cursor_ = 0;
  std::size_t cursor_byte_ = 0;
};

// The field as drawn while the pinyin engine composes: the preedit sits at
// the cursor, shown (underlined) but not yet part of the text.
struct ComposedText {
  std::string_view before;   // text before the cursor
  std::string_view preedit;  // empty when not composing
  std::string_view after;    // text after the cursor
};
ComposedText Compose(const EditableText& text, std::string_view preedit);

// Code points in `utf8`; an invalid byte counts as one (as Insert() would
// turn it into one U+FFFD).
std::size_t CountCodePoints(std::string_view utf8);

}  // namespace kiosk
