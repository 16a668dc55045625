// Text subtitles: the SubRip (.srt) parser and the cue list both sidecar and
// embedded tracks end up in. Pure: ParseSrt takes the file's bytes, the
// caller reads the file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace player {

struct SubtitleCue {
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;  // exclusive
  std::string text;         // lines joined with '\n', markup removed
};

// Accepts UTF-8 with or without BOM, CRLF or LF, "," or "." before the
// milliseconds, missing or wrong cue numbers, and blank-line-less garbage
// between cues (skipped). Fails only when nothing at all could be parsed from
// non-empty input.
base::Result<std::vector<SubtitleCue>> ParseSrt(std::string_view text);

// "00:01:02,500" -> 62500; -1 if malformed.
std::int64_t ParseSrtTimestamp(std::string_view text);

// Removes <i>, </b>, <font ...> tags and ASS {\...} overrides; "\N" -> newline.
std::string StripSubtitleMarkup(std::string_view text);

// Cues sorted by start; overlapping cues are joined with a newline.
class SubtitleTrack {
 public:
  void Add(SubtitleCue cue);
  void Clear() { cues_.clear(); }
  std::string TextAt(std::int64_t time_ms) const;
  std::size_t size() const { return cues_.size(); }

 private:
  std::vector<SubtitleCue> cues_;
};

}  // namespace player
