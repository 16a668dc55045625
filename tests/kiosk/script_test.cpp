#include <catch2/catch.hpp>

#include "kiosk/script.h"

using Kind = kiosk::ScriptStep::Kind;

TEST_CASE("A script parses into steps with targets, numbers and quoted text", "[kiosk][script]") {
  auto steps = kiosk::ParseScript(
      "# a tour\n"
      "tap home.watch\n"
      "tap \"看课程\"\n"
      "tap-at 40 50\n"
      "long-press 1900 20 3500\r\n"
      "drag settings.list 0 -600 400\n"
      "type \"村委会 \\\"一组\\\"\"\n"
      "wait 250   # settle\n"
      "wait-for admin.save\n"
      "screenshot home.png\n"
      "quit\n"
      "expect-absent lesson.broken\n"
      "wait-for-text reply.0 \"明天来修\" 90000\n"
      "wait-for-text usb.last 份报告\n");
  REQUIRE(steps.ok());
  REQUIRE(steps->size() == 13);
  const auto& s = *steps;
  CHECK(s[0].kind == Kind::kTap);
  CHECK(s[0].target.name == "home.watch");
  CHECK(s[1].target.name == "看课程");
  CHECK(s[2].target.at_point);
  CHECK(s[2].target.x == 40);
  CHECK(s[3].kind == Kind::kLongPress);
  CHECK(s[3].duration_ms == 3500);
  CHECK(s[4].dy == -600);
  CHECK(s[4].duration_ms == 400);
  CHECK(s[5].text == "村委会 \"一组\"");
  CHECK(s[6].duration_ms == 250);
  CHECK(s[7].duration_ms == 5000);  // the default wait-for timeout
  CHECK(s[8].text == "home.png");
  CHECK(s[9].kind == Kind::kQuit);
  CHECK(s[10].kind == Kind::kExpectAbsent);
  CHECK(s[10].target.name == "lesson.broken");
  CHECK(s[11].kind == Kind::kWaitForText);
  CHECK(s[11].target.name == "reply.0");
  CHECK(s[11].text == "明天来修");
  CHECK(s[11].duration_ms == 90000);
  CHECK(s[12].duration_ms == 5000);
  CHECK(s[0].line == 2);
}

TEST_CASE("Script mistakes are refused with their line number", "[kiosk][script]") {
  auto [text, why] = GENERATE(table<const char*, const char*>({
      {"fly away", "line 1: unknown command 'fly'"},
      {"\n\ntap", "line 3: tap takes a widget or x y"},
      {"wait soon", "wait takes milliseconds"},
      {"type \"open", "unclosed quote"},
      {"drag a 10", "drag needs dx dy"},
      {"quit now", "quit takes nothing"},
      {"type two words", "takes one word"},
      {"wait-for-text reply.0", "wait-for-text takes a widget, the text"},
      {"wait-for-text 10 20 text", "wait-for-text takes a widget, the text"},
      {"wait-for-text reply.0 text soon", "milliseconds expected"},
  }));
  auto steps = kiosk::ParseScript(text);
  REQUIRE_FALSE(steps.ok());
  CHECK_THAT(steps.error().message, Catch::Contains(why));
}
