#include <catch2/catch.hpp>

#include "player/frame_geometry.h"

using Catch::Detail::Approx;

TEST_CASE("A frame is letterboxed honouring sample aspect ratio and rotation", "[player]") {
  SECTION("square pixels in a wider viewport are pillarboxed") {
    auto r = player::FitFrame(320, 240, 1, 1, 0, 800, 480);
    REQUIRE(r.width == Approx(640));
    REQUIRE(r.height == Approx(480));
    REQUIRE(r.x == Approx(80));
  }
  SECTION("4:3 pixels make 320x240 display as 426.7x240") {
    auto r = player::FitFrame(320, 240, 4, 3, 0, 1280, 720);
    REQUIRE(r.width / r.height == Approx(16.0 / 9.0));
  }
  SECTION("a 90 degree rotation swaps the display aspect") {
    auto r = player::FitFrame(320, 240, 1, 1, 90, 800, 480);
    REQUIRE(r.height == Approx(480));
    REQUIRE(r.width == Approx(360));
  }
}

TEST_CASE("Rotated texture coordinates put the picture's top-left where a clockwise turn moves it", "[player]") {
  auto upright = player::RotatedTexCoords(0);
  REQUIRE(upright[3] == std::array<float, 2>{0.f, 0.f});  // screen top-left = picture top-left
  auto turned = player::RotatedTexCoords(90);
  // After a clockwise quarter turn the picture's top-left is at the screen's top-right.
  REQUIRE(turned[2] == std::array<float, 2>{0.f, 0.f});
  REQUIRE(player::RotatedTexCoords(360) == upright);
  REQUIRE(player::RotatedTexCoords(180)[1] == std::array<float, 2>{0.f, 0.f});
}
