// Photos: downsized, decodable by the kiosk's stb_image, and free of metadata.
#include <catch2/catch.hpp>

#include "media/photo.h"
#include "media/thumbnail.h"
#include "tests/media/media_clips.h"

using namespace media_test;
using base::ErrorCode;

namespace {

// A picture whose orientation can be read back: left half red, right half blue.
std::string RedBlue(const test::ScratchDir& dir, const std::string& name, const std::string& size) {
  int w = std::stoi(size.substr(0, size.find('x')));
  return Ffmpeg(dir, name,
                "-f lavfi -i color=c=red:size=" + size + ",drawbox=x=" + std::to_string(w / 2) +
                    ":y=0:w=" + std::to_string(w - w / 2) + ":h=ih:color=blue:t=fill -frames:v 1 -q:v 2");
}

bool Reddish(const Rgb& c) { return c.r > 180 && c.b < 80; }
bool Bluish(const Rgb& c) { return c.b > 180 && c.r < 80; }

}  // namespace

TEST_CASE("A photo is downscaled so its long edge is at most 1600 px", "[media][photo]") {
  struct Case {
    const char* name;
    const char* size;
    int want_w, want_h;
  };
  auto c = GENERATE(values<Case>({
      {"landscape.jpg", "4000x3000", 1600, 1200},
      {"portrait.jpg", "3000x4000", 1200, 1600},
      {"wide.png", "2400x1000", 1600, 667},
      {"small.jpg", "800x600", 800, 600},  // never scaled up
  }));
  INFO(c.name << " " << c.size);
  test::ScratchDir dir;
  std::string path = Ffmpeg(dir, c.name, std::string("-f lavfi -i testsrc2=size=") + c.size + " -frames:v 1");
  auto photo = media::MakePhoto(test::FileBytes(path));
  INFO((photo ? std::string() : photo.error().message));
  REQUIRE(photo.ok());
  CHECK(photo->width == c.want_w);
  CHECK(photo->height == c.want_h);

  Decoded decoded = DecodeWithStb(photo->jpeg);
  REQUIRE(decoded.ok);
  CHECK(decoded.width == c.want_w);
  CHECK(decoded.height == c.want_h);
  CHECK(LumaStats(decoded).stddev > 30);
  std::vector<int> markers = JpegMarkers(photo->jpeg);
  CHECK(std::count(markers.begin(), markers.end(), 0xC0) == 1);  // baseline

  SECTION("libavcodec decodes it too") {
    auto again = media::MakeThumbnail(photo->jpeg);
    REQUIRE(again.ok());
    CHECK(again->width * c.want_h == Approx(again->height * c.want_w).margin(c.want_w));
  }
}

TEST_CASE("A photo keeps none of its EXIF such as camera and GPS", "[media][photo]") {
  test::ScratchDir dir;
  std::string plain = test::FileBytes(RedBlue(dir, "plain.jpg", "640x480"));
  std::string with_exif = WithExif(plain, 1);
  // The input really carries the metadata and FFmpeg really sees it.
  std::vector<int> in_markers = JpegMarkers(with_exif);
  REQUIRE(in_markers.at(0) == 0xE1);
  REQUIRE(with_exif.find("SpyCam") != std::string::npos);
  REQUIRE(media::MakeThumbnail(with_exif).ok());

  auto photo = media::MakePhoto(with_exif);
  REQUIRE(photo.ok());
  std::vector<int> markers = JpegMarkers(photo->jpeg);
  CHECK(std::count(markers.begin(), markers.end(), 0xE1) == 0);  // no APP1: no EXIF, no XMP
  CHECK(std::count(markers.begin(), markers.end(), 0xFE) == 0);  // no comment
  CHECK(photo->jpeg.find("Exif") == std::string::npos);
  CHECK(photo->jpeg.find("SpyCam") == std::string::npos);
  CHECK(DecodeWithStb(photo->jpeg).ok);
}

TEST_CASE("A photo's EXIF orientation is applied to the pixels", "[media][photo]") {
  struct Case {
    int orientation;
    int want_w, want_h;
    bool red_first;  // red on the left (landscape) or on top (portrait)
  };
  auto c = GENERATE(values<Case>({
      {1, 400, 300, true},
      {3, 400, 300, false},  // 180°: red ends on the right
      {6, 300, 400, true},   // 90° clockwise: the left edge goes to the top
      {8, 300, 400, false},  // 90° counter-clockwise: the right edge goes to the top
      {2, 400, 300, false},  // mirrored
  }));
  INFO("orientation " << c.orientation);
  test::ScratchDir dir;
  std::string jpeg = WithExif(test::FileBytes(RedBlue(dir, "stored.jpg", "400x300")), c.orientation);
  auto photo = media::MakePhoto(jpeg);
  REQUIRE(photo.ok());
  CHECK(photo->width == c.want_w);
  CHECK(photo->height == c.want_h);
  Decoded decoded = DecodeWithStb(photo->jpeg);
  REQUIRE(decoded.ok);
  bool portrait = c.want_h > c.want_w;
  Rgb first = portrait ? MeanColor(decoded, 0, 0, 1, 0.4) : MeanColor(decoded, 0, 0, 0.4, 1);
  Rgb second = portrait ? MeanColor(decoded, 0, 0.6, 1, 1) : MeanColor(decoded, 0.6, 0, 1, 1);
  CHECK(Reddish(c.red_first ? first : second));
  CHECK(Bluish(c.red_first ? second : first));
}

TEST_CASE("A photo is made from camera pixels", "[media][photo]") {
  media::Image image;
  image.width = 2000;
  image.height = 1000;
  image.layout = media::PixelLayout::kRgba32;
  image.pixels.resize(2000 * 1000 * 4);
  for (int y = 0; y < 1000; ++y) {
    for (int x = 0; x < 2000; ++x) {
      std::uint8_t* p = &image.pixels[(y * 2000 + x) * 4];
      p[0] = x < 1000 ? 255 : 0;
      p[1] = 0;
      p[2] = x < 1000 ? 0 : 255;
      p[3] = 255;
    }
  }
  media::PhotoOptions options;
  options.jpeg_quality = 90;
  auto photo = media::MakePhoto(image, options);
  REQUIRE(photo.ok());
  CHECK(photo->width == 1600);
  CHECK(photo->height == 800);
  Decoded decoded = DecodeWithStb(photo->jpeg);
  REQUIRE(decoded.ok);
  CHECK(Reddish(MeanColor(decoded, 0, 0, 0.45, 1)));
  CHECK(Bluish(MeanColor(decoded, 0.55, 0, 1, 1)));

  SECTION("a lower quality gives a smaller file") {
    options.jpeg_quality = 30;
    auto smaller = media::MakePhoto(image, options);
    REQUIRE(smaller.ok());
    CHECK(smaller->jpeg.size() < photo->jpeg.size());
  }
}

TEST_CASE("Bytes that are not a picture give kInvalidInput", "[media][photo]") {
  auto bytes = GENERATE(std::string(), std::string("hello, not an image"), std::string(5000, '\xFF'));
  auto photo = media::MakePhoto(bytes);
  REQUIRE_FALSE(photo.ok());
  CHECK(photo.error().code == ErrorCode::kInvalidInput);

  media::Image empty;
  auto from_pixels = media::MakePhoto(empty);
  REQUIRE_FALSE(from_pixels.ok());
  CHECK(from_pixels.error().code == ErrorCode::kInvalidInput);
}
