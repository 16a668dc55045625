#include "player/subtitles.h"

#include <algorithm>
#include <cctype>

namespace player {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits into lines, dropping '\r'.
std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

// Parses "start --> end" (with optional trailing position hints).
bool ParseTimingLine(std::string_view line, std::int64_t* start, std::int64_t* end) {
  std::size_t arrow = line.find("-->");
  if (arrow == std::string_view::npos) return false;
  std::string_view left = Trim(line.substr(0, arrow));
  std::string_view right = Trim(line.substr(arrow + 3));
  std::size_t space = right.find_first_of(" \t");
  if (space != std::string_view::npos) right = right.substr(0, space);
  *start = ParseSrtTimestamp(left);
  *end = ParseSrtTimestamp(right);
  return *start >= 0 && *end >= 0;
}

}  // namespace

std::int64_t ParseSrtTimestamp(std::string_view text) {
  text = Trim(text);
  // hh:mm:ss[,.]mmm ; hours may have more digits, milliseconds fewer.
  std::int64_t parts[4] = {0, 0, 0, 0};
  int digits[4] = {0, 0, 0, 0};
  int index = 0;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      if (digits[index] >= 9) return -1;
      parts[index] = parts[index] * 10 + (c - '0');
      ++digits[index];
    } else if (c == ':' && index < 2) {
      ++index;
    } else if ((c == ',' || c == '.') && index == 2) {
      ++index;
    } else {
      return -1;
    }
  }
  if (index < 2 || digits[0] == 0 || digits[1] == 0 || digits[2] == 0) return -1;
  if (parts[1] >= 60 || parts[2] >= 60) return -1;
  std::int64_t ms = parts[3];
  if (index == 3) {
    if (digits[3] == 0 || digits[3] > 3) return -1;
    for (int i = digits[3]; i < 3; ++i) ms *= 10;  // ",5" means 500 ms
  }
  return ((parts[0] * 60 + parts[1]) * 60 + parts[2]) * 1000 + ms;
}

std::string StripSubtitleMarkup(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '<') {
      std::size_t close = text.find('>', i);
      std::string_view tag = close == std::string_view::npos ? "" : text.substr(i + 1, close - i - 1);
      // Only strip things that look like tags, so "a < b" survives.
      if (!tag.empty() && (std::isalpha(static_cast<unsigned char>(tag[0])) || tag[0] == '/')) {
        i = close;
        continue;
      }
    } else if (c == '{' && i + 1 < text.size() && text[i + 1] == '\\') {
      std::size_t close = text.find('}', i);
      if (close != std::string_view::npos) {
        i = close;
        continue;
      }
    } else if (c == '\\' && i + 1 < text.size() && (text[i + 1] == 'N' || text[i + 1] == 'n')) {
      out.push_back('\n');
      ++i;
      continue;
    }
    out.push_back(c);
  }
  return std::string(Trim(out));
}

base::Result<std::vector<SubtitleCue>> ParseSrt(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<std::string_view> lines = Lines(text);
  std::vector<SubtitleCue> cues;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    SubtitleCue cue;
    if (!ParseTimingLine(lines[i], &cue.start_ms, &cue.end_ms)) continue;
    std::string body;
    std::size_t j = i + 1;
    for (; j < lines.size(); ++j) {
      std::string_view line = lines[j];
      if (Trim(line).empty()) break;
      // A cue without the blank line before the next one: number + timing.
      std::int64_t s, e;
      if (ParseTimingLine(line, &s, &e)) break;
      if (j + 1 < lines.size() && ParseTimingLine(lines[j + 1], &s, &e) &&
          std::all_of(line.begin(), line.end(),
                      [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        break;
      }
      if (!body.empty()) body.push_back('\n');
      body.append(line);
    }
    i = j - 1;
    cue.text = StripSubtitleMarkup(body);
    if (cue.end_ms <= cue.start_ms || cue.text.empty()) continue;
    cues.push_back(std::move(cue));
  }
  if (cues.empty() && !Trim(text).empty()) {
    return base::MakeError(base::ErrorCode::kInvalidInput, "srt: no cue could be parsed");
  }
  std::stable_sort(cues.begin(), cues.end(),
                   [](const SubtitleCue& a, const SubtitleCue& b) { return a.start_ms < b.start_ms; });
  return cues;
}

void SubtitleTrack::Add(SubtitleCue cue) {
  auto at = std::upper_bound(
      cues_.begin(), cues_.end(), cue.start_ms,
      [](std::int64_t start, const SubtitleCue& c) { return start < c.start_ms; });
  // Embedded tracks may deliver the same cue twice after a seek.
  for (auto it = cues_.begin(); it != cues_.end(); ++it) {
    if (it->start_ms == cue.start_ms && it->end_ms == cue.end_ms && it->text == cue.text) return;
  }
  cues_.insert(at, std::move(cue));
}

std::string SubtitleTrack::TextAt(std::int64_t time_ms) const {
  std::string text;
  for (const SubtitleCue& cue : cues_) {
    if (cue.start_ms > time_ms) break;
    if (time_ms < cue.end_ms) {
      if (!text.empty()) text.push_back('\n');
      text += cue.text;
    }
  }
  return text;
}

}  // namespace player
