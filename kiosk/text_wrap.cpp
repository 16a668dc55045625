// Line breaking for mixed Chinese and Latin text (see text_wrap.h).

#include "kiosk/text_wrap.h"

#include <vector>

namespace kiosk {
namespace {

bool IsCjk(char32_t c) {
  return (c >= 0x1100 && c <= 0x11FF) || (c >= 0x2E80 && c <= 0xA4CF) || (c >= 0xAC00 && c <= 0xD7A3) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
         (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x20000 && c <= 0x2FFFD);
}

// Closing punctuation never starts a line; opening never ends one.
bool NoBreakBefore(char32_t c) {
  return std::u32string_view(U"，。、；：？！）」』】》〉〕”’…·～%,.;:!?)]}").find(c) != std::u32string_view::npos;
}
bool NoBreakAfter(char32_t c) {
  return std::u32string_view(U"（「『【《〈〔“‘([{").find(c) != std::u32string_view::npos;
}

// One code point at `text[i]`: its value and byte length (a malformed byte
// is one U+FFFD, as ImGui shows it).
std::pair<char32_t, std::size_t> DecodeAt(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
  if (length == 0 || i + length > text.size()) return {U'\uFFFD', 1};
  char32_t c = length == 1 ? lead : lead & (0x7F >> length);
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return {U'\uFFFD', 1};
    c = (c << 6) | (byte(i + k) & 0x3F);
  }
  return {c, length};
}

enum class Kind { kSpace, kNewline, kCjk, kOther };

Kind KindOf(char32_t c) {
  if (c == U'\n') return Kind::kNewline;
  if (c == U' ') return Kind::kSpace;
  return IsCjk(c) || NoBreakBefore(c) || NoBreakAfter(c) ? Kind::kCjk : Kind::kOther;
}

// May a line break between `before` and `after` (neither a space)?
bool MayBreakBetween(char32_t before, char32_t after) {
  if (NoBreakBefore(after) || NoBreakAfter(before)) return false;
  return IsCjk(before) || IsCjk(after);
}

}  // namespace

std::string BreakLines(std::string_view text, float width, const std::function<float(char32_t)>& advance) {
  std::string out;
  out.reserve(text.size() + 8);
  float line_width = 0;
  // The last place on this line where it may break: a byte offset into
  // `out`, whether a space is there (replaced by the '\n'), and the width
  // of what follows it.
  // (Plain values, not std::optional, and the insert by iterator: GCC 12
  // warns falsely about the others here.)
  constexpr std::size_t kNoBreak = std::string::npos;
  std::size_t break_at = kNoBreak;
  bool break_is_space = false;
  float width_after_break = 0;
  char32_t previous = 0;  // the last non-space character on this line; 0: none yet
  bool space_before = false;

  for (std::size_t i = 0; i < text.size();) {
    const auto [c, length] = DecodeAt(text, i);
    const std::string_view bytes = text.substr(i, length);
    i += length;
    const Kind kind = KindOf(c);
    if (kind == Kind::kNewline) {
      out += '\n';
      line_width = 0, break_at = kNoBreak, previous = 0, space_before = false;
      continue;
    }
    const float w = advance(c);
    if (kind == Kind::kSpace) {
      if (line_width == 0) continue;  // no line starts with a space
      if (line_width + w > width) {   // the space itself does not fit: break there
        out += '\n';
        line_width = 0, break_at = kNoBreak, previous = 0, space_before = false;
        continue;
      }
      break_at = out.size(), break_is_space = true, width_after_break = 0;
      out.append(bytes);
      line_width += w;
      space_before = true;
      continue;
    }
    if (previous != 0 && !space_before && MayBreakBetween(previous, c)) {
      break_at = out.size(), break_is_space = false, width_after_break = 0;
    }
    if (line_width > 0 && line_width + w > width) {
      if (break_at != kNoBreak) {
        if (break_is_space) {
          out[break_at] = '\n';
        } else {
          out.insert(out.begin() + static_cast<std::ptrdiff_t>(break_at), '\n');
        }
        line_width = width_after_break;
        break_at = kNoBreak;
      }
      if (break_at == kNoBreak && line_width + w > width && line_width > 0) {
        out += '\n';  // a word wider than the line: it breaks here
        line_width = 0;
      }
    }
    out.append(bytes);
    line_width += w;
    width_after_break += w;
    previous = c;
    space_before = false;
  }
  return out;
}

}  // namespace kiosk
