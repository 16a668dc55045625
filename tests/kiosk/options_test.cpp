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
}

TEST_CASE("Bad kiosk options are refused with a reason", "[kiosk][options]") {
  CHECK_FALSE(kiosk::ParseOptions({"--windowed", "huge"}).ok());
  CHECK_FALSE(kiosk::ParseOptions({"--data-dir"}).ok());
  CHECK_FALSE(kiosk::ParseOptions({"--idle-timeout", "-5"}).ok());
  CHECK_FALSE(kiosk::ParseOptions({"--frobnicate"}).ok());
  CHECK_FALSE(kiosk::ParseOptions({"--audio", "loud"}).ok());
}
