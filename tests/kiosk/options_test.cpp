#include <catch2/catch.hpp>

#include "kiosk/options.h"

TEST_CASE("Kiosk options parse, with defaults from the data directory", "[kiosk][options]") {
  auto options = kiosk::ParseOptions({"--data-dir", "/tmp/s", "--windowed", "1920x1080", "--script", "t.txt"});
  REQUIRE(options.ok());
  CHECK(options->windowed);
  CHECK(options->width == 1920);
  CHECK(options->height == 1080);
  CHECK(options->screenshot_dir == "/tmp/s/screenshots");
  CHECK(options->script_path == "t.txt");
  CHECK_FALSE(options->null_audio);

  auto plain = kiosk::ParseOptions({"--windowed", "--data-dir", "/x"});
  REQUIRE(plain.ok());
  CHECK(plain->width == 1280);

  auto silent = kiosk::ParseOptions({"--audio", "null"});
  REQUIRE(silent.ok());
  CHECK(silent->null_audio);
  CHECK(silent->clock_shift_s == 0);

  auto in_1970 = kiosk::ParseOptions({"--clock-shift", "-1796000000"});
  REQUIRE(in_1970.ok());
  CHECK(in_1970->clock_shift_s == -1796000000LL);
}

TEST_CASE("Bad kiosk options are refused with a reason", "[kiosk][options]") {
  CHECK_FALSE(kiosk::ParseOptions({"--windowed", "huge"}).ok());
  CHECK_FALSE(kiosk::ParseOptions({"--data-dir"}).ok());
  CHECK_FALSE(kiosk::ParseOptions({"--idle-timeout", "-5"}).ok());
  CHECK_FALSE(kiosk::ParseOptions({"--frobnicate"}).ok());
  CHECK_FALSE(kiosk::ParseOptions({"--audio", "loud"}).ok());
  CHECK_FALSE(kiosk::ParseOptions({"--clock-shift", "yesterday"}).ok());
  CHECK_FALSE(kiosk::ParseOptions({"--clock-shift", "12x"}).ok());
  CHECK_FALSE(kiosk::ParseOptions({"--clock-shift"}).ok());
}
