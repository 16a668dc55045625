#include "kiosk/text_editing.h"

#include <algorithm>

namespace kiosk {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool IsContinuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

bool InRange(std::string_view s, std::size_t i, unsigned char low, unsigned char high) {
  if (i >= s.size()) return false;
  const auto byte = static_cast<unsigned char>(s[i]);
  return byte >= low && byte <= high;
}

// The length of the well-formed UTF-8 sequence starting at s[i] (Unicode
// table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF), or 0.
std::size_t SequenceLength(std::string_view s, std::size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  if (lead <= 0x7F) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return InRange(s, i + 1, 0x80, 0xBF) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    const unsigned char low = lead == 0xE0 ? 0xA0 : 0x80;
    const unsigned char high = lead == 0xED ? 0x9F : 0xBF;
    return InRange(s, i + 1, low, high) && InRange(s, i + 2, 0x80, 0xBF) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    const unsigned char low = lead == 0xF0 ? 0x90 : 0x80;
    const unsigned char high = lead == 0xF4 ? 0x8F : 0xBF;
    return InRange(s, i + 1, low, high) && InRange(s, i + 2, 0x80, 0xBF) &&
                   InRange(s, i + 3, 0x80, 0xBF)
               ? 4
               : 0;
  }
  return 0;
}

// C0 controls other than '\n', DEL, and the C1 controls (U+0080..U+009F,
// encoded C2 80..C2 9F): nothing a keyboard should put into a report.
bool IsDroppedControl(std::string_view s, std::size_t i, std::size_t length) {
  const auto lead = static_cast<unsigned char>(s[i]);
  if (length == 1) return (lead < 0x20 && lead != '\n') || lead == 0x7F;
  return length == 2 && lead == 0xC2 && static_cast<unsigned char>(s[i + 1]) <= 0x9F;
}

}  // namespace

std::size_t CountCodePoints(std::string_view utf8) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < utf8.size(); ++count) {
    i += std::max<std::size_t>(1, SequenceLength(utf8, i));
  }
  return count;
}

EditableText::EditableText(std::size_t max_code_points) : max_length_(max_code_points) {}

EditableText::EditableText(std::string_view initial, std::size_t max_code_points)
    : max_length_(max_code_points) {
  Insert(initial);
}

std::size_t EditableText::Insert(std::string_view utf8) {
  std::string clean;
  std::size_t added = 0;
  for (std::size_t i = 0; i < utf8.size() && length_ + added < max_length_;) {
    const std::size_t length = SequenceLength(utf8, i);
    if (length == 0) {
      clean += kReplacement;
      ++added;
      ++i;
      continue;
    }
    if (!IsDroppedControl(utf8, i, length)) {
      clean.append(utf8.substr(i, length));
      ++added;
    }
    i += length;
  }
  text_.insert(cursor_byte_, clean);
  cursor_byte_ += clean.size();
  cursor_ += added;
  length_ += added;
  return added;
}

bool EditableText::MoveLeft() {
  if (cursor_byte_ == 0) return false;
  do {
    --cursor_byte_;
  } while (cursor_byte_ > 0 && IsContinuation(static_cast<unsigned char>(text_[cursor_byte_])));
  --cursor_;
  return true;
}

bool EditableText::MoveRight() {
  if (cursor_byte_ == text_.size()) return false;
  cursor_byte_ += SequenceLength(text_, cursor_byte_);  // text_ is valid: never 0
  ++cursor_;
  return true;
}

bool EditableText::Backspace() {
  const std::size_t end = cursor_byte_;
  if (!MoveLeft()) return false;
  text_.erase(cursor_byte_, end - cursor_byte_);
  --length_;
  return true;
}

bool EditableText::Delete() {
  if (cursor_byte_ == text_.size()) return false;
  text_.erase(cursor_byte_, SequenceLength(text_, cursor_byte_));
  --length_;
  return true;
}

void EditableText::MoveToStart() {
  cursor_ = 0;
  cursor_byte_ = 0;
}

void EditableText::MoveToEnd() {
  cursor_ = length_;
  cursor_byte_ = text_.size();
}

void EditableText::SetCursor(std::size_t code_points) {
  MoveToStart();
  while (cursor_ < code_points && MoveRight()) {
  }
}

void EditableText::Clear() {
  text_.clear();
  length_ = 0;
  MoveToStart();
}

ComposedText Compose(const EditableText& text, std::string_view preedit) {
  return ComposedText{text.before_cursor(), preedit, text.after_cursor()};
}

}  // namespace kiosk
