#include <catch2/catch.hpp>

#include "player/subtitles.h"

TEST_CASE("SRT timestamps parse in their common spellings", "[player]") {
  struct Row {
    const char* text;
    std::int64_t ms;
  };
  auto row = GENERATE(values<Row>({
      {"00:00:00,000", 0},
      {"00:00:01,500", 1500},
      {"01:02:03,004", 3723004},
      {"00:00:01.250", 1250},    // dot instead of comma
      {"0:0:2,5", 2500},         // short fields: ",5" is 500 ms
      {"00:00:03", 3000},        // no milliseconds
      {"100:00:00,000", 360000000},
      {" 00:00:01,000 ", 1000},
      {"00:61:00,000", -1},
      {"00:00:01,0000", -1},
      {"abc", -1},
      {"", -1},
      {"00:00", -1},
  }));
  INFO(row.text);
  REQUIRE(player::ParseSrtTimestamp(row.text) == row.ms);
}

TEST_CASE("SRT files parse with BOM, CRLF, markup and sloppy blank lines", "[player]") {
  struct Row {
    const char* name;
    std::string text;
    std::size_t cues;
    std::int64_t probe_ms;
    const char* expected;
  };
  auto row = GENERATE(values<Row>({
      {"plain", "1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\n00:00:03,000 --> 00:00:04,000\nWorld\n",
       2, 3500, "World"},
      {"crlf and bom", "\xEF\xBB\xBF" "1\r\n00:00:01,000 --> 00:00:02,000\r\nHello\r\n\r\n", 1, 1500,
       "Hello"},
      {"two lines", "1\n00:00:01,000 --> 00:00:02,000\nline one\nline two\n", 1, 1000,
       "line one\nline two"},
      {"markup", "1\n00:00:01,000 --> 00:00:02,000\n<i>soft</i> {\\an8}<font color=\"red\">red</font>\n",
       1, 1999, "soft red"},
      {"no blank line between cues",
       "1\n00:00:01,000 --> 00:00:02,000\nA\n2\n00:00:02,000 --> 00:00:03,000\nB\n", 2, 2000, "B"},
      {"position hints", "1\n00:00:01,000 --> 00:00:02,000 X1:10 X2:20\nHi\n", 1, 1200, "Hi"},
      {"garbage cue skipped", "1\n00:00:01,000 --> nonsense\nX\n\n2\n00:00:05,000 --> 00:00:06,000\nOK\n",
       1, 5000, "OK"},
      {"end is exclusive", "1\n00:00:01,000 --> 00:00:02,000\nHello\n", 1, 2000, ""},
  }));
  INFO(row.name);
  auto cues = player::ParseSrt(row.text);
  REQUIRE(cues.ok());
  REQUIRE(cues->size() == row.cues);
  player::SubtitleTrack track;
  for (auto& cue : *cues) track.Add(cue);
  REQUIRE(track.TextAt(row.probe_ms) == row.expected);
}

TEST_CASE("An SRT file with no cue at all is an error, an empty one is not", "[player]") {
  auto bad = player::ParseSrt("this is not a subtitle file\n");
  REQUIRE_FALSE(bad.ok());
  REQUIRE(bad.error().code == base::ErrorCode::kInvalidInput);
  auto empty = player::ParseSrt("");
  REQUIRE(empty.ok());
  REQUIRE(empty->empty());
}

TEST_CASE("A subtitle track answers which text is active at time t", "[player]") {
  player::SubtitleTrack track;
  track.Add({1000, 2000, "one"});
  track.Add({1500, 2500, "two"});
  track.Add({1000, 2000, "one"});  // duplicate from a re-read after seek
  REQUIRE(track.size() == 2);
  REQUIRE(track.TextAt(999).empty());
  REQUIRE(track.TextAt(1000) == "one");
  REQUIRE(track.TextAt(1700) == "one\ntwo");
  REQUIRE(track.TextAt(2200) == "two");
  REQUIRE(track.TextAt(2500).empty());
}

TEST_CASE("Subtitle markup is stripped and ASS line breaks become newlines", "[player]") {
  REQUIRE(player::StripSubtitleMarkup("<b>bold</b>") == "bold");
  REQUIRE(player::StripSubtitleMarkup("a\\Nb") == "a\nb");
  REQUIRE(player::StripSubtitleMarkup("{\\i1}x{\\i0}") == "x");
  REQUIRE(player::StripSubtitleMarkup("1 < 2") == "1 < 2");
}
