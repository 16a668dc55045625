// Where lines of text break, for the station's languages. ImGui (1.86)
// breaks only at spaces and ASCII punctuation, so Chinese with a number or
// a name in it breaks at that one space ("1\n件反映"). Here a line may break
// at a space or between any two CJK characters, except before closing
// punctuation (，。）…) and after opening punctuation (（“…): the usual
// kinsoku rules. A word wider than the line breaks between its characters.
// Pure: the glyph widths come from the caller (the font, in widgets.h).
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace kiosk {

// `text` with '\n' at the breaks (a space where a line breaks is dropped),
// so that no line is wider than `width` unless one character is.
// Existing '\n' stay. `advance` is one code point's width.
std::string BreakLines(std::string_view text, float width, const std::function<float(char32_t)>& advance);

}  // namespace kiosk
