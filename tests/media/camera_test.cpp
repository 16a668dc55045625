// Cameras: a file standing in for one (real decoding, real pacing), and the
// V4L2 camera's clear error when there is none (this machine has no camera).
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "media/camera.h"
#include "media/photo.h"
#include "tests/media/media_clips.h"

using namespace media_test;
using base::ErrorCode;
using namespace std::chrono_literals;

namespace {

struct Watched {
  std::vector<media::PreviewFrame> frames;  // the first few, pixels kept
  std::uint64_t count = 0;                  // previews taken
  std::uint64_t last_sequence = 0;
  bool increasing = true;
};

// Polls like a UI at ~200 Hz for `duration`.
Watched Watch(media::Camera& camera, std::chrono::milliseconds duration) {
  Watched w;
  auto end = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < end) {
    if (auto frame = camera.TakePreview()) {
      ++w.count;
      if (frame->sequence <= w.last_sequence) w.increasing = false;
      w.last_sequence = frame->sequence;
      if (w.frames.size() < 3) w.frames.push_back(std::move(*frame));
    }
    std::this_thread::sleep_for(5ms);
  }
  return w;
}

double Detail(const media::Image& image) {
  Decoded d;
  d.ok = true;
  d.width = image.width;
  d.height = image.height;
  for (std::size_t i = 0; i + 3 < image.pixels.size(); i += media::BytesPerPixel(image.layout)) {
    d.rgb.insert(d.rgb.end(), image.pixels.begin() + i, image.pixels.begin() + i + 3);
  }
  return LumaStats(d).stddev;
}

}  // namespace

TEST_CASE("A file camera gives RGBA previews of the preview size at the file's pace", "[media][camera]") {
  test::ScratchDir dir;
  std::string path = Ffmpeg(dir, "camera.mp4",
                            "-f lavfi -i testsrc2=size=640x480:rate=25:duration=3 -c:v libx264 -preset ultrafast");
  media::CameraOptions options;
  options.preview_width = 320;
  options.preview_height = 180;
  auto camera = media::OpenFileCamera(path, options);
  REQUIRE(camera.ok());
  Watched w = Watch(**camera, 1000ms);
  CHECK((*camera)->status().ok());
  // 25 fps for one second: the file's pace, not as fast as it decodes (which
  // is hundreds per second). The lower bound allows for a box busy with other
  // work.
  CHECK(w.count >= 8);
  CHECK(w.count <= 30);
  CHECK(w.last_sequence <= 30);
  CHECK(w.increasing);
  REQUIRE_FALSE(w.frames.empty());
  const media::Image& image = w.frames.front().image;
  CHECK(image.layout == media::PixelLayout::kRgba32);
  CHECK(image.width == 240);  // 640x480 fitted to 320x180
  CHECK(image.height == 180);
  CHECK(image.pixels.size() == 240u * 180u * 4u);
  CHECK(image.pixels[3] == 255);  // opaque
  CHECK(Detail(image) > 30);

  SECTION("a still is the full resolution and makes a photo") {
    auto still = (*camera)->CaptureStill();
    REQUIRE(still.ok());
    CHECK(still->width == 640);
    CHECK(still->height == 480);
    auto photo = media::MakePhoto(*still);
    REQUIRE(photo.ok());
    CHECK(DecodeWithStb(photo->jpeg).width == 640);
  }
}

TEST_CASE("A file camera loops at the end of its file", "[media][camera]") {
  test::ScratchDir dir;
  // 10 frames: a second of watching sees more than the file holds.
  std::string path = Ffmpeg(dir, "short.mkv", "-f lavfi -i testsrc2=size=320x240:rate=20:duration=0.5 -c:v libx264");
  auto camera = media::OpenFileCamera(path);
  REQUIRE(camera.ok());
  Watched w = Watch(**camera, 1200ms);
  CHECK((*camera)->status().ok());
  CHECK(w.last_sequence >= 12);  // beyond the file's 10 frames: it looped
  CHECK(w.last_sequence <= 28);  // at 20 fps, not as fast as it decodes
  CHECK(w.frames.front().image.width == 320);
}

TEST_CASE("A still image stands in for a camera as one steady frame", "[media][camera]") {
  test::ScratchDir dir;
  std::string path = Ffmpeg(dir, "photo.png", "-f lavfi -i testsrc2=size=800x600 -frames:v 1");
  auto camera = media::OpenFileCamera(path);
  REQUIRE(camera.ok());
  Watched w = Watch(**camera, 300ms);
  CHECK(w.count == 1);
  REQUIRE(w.frames.size() == 1);
  CHECK(w.frames[0].image.width == 480);  // 800x600 fitted to 640x360
  CHECK(w.frames[0].image.height == 360);
  CHECK((*camera)->status().ok());
  auto still = (*camera)->CaptureStill();
  REQUIRE(still.ok());
  CHECK(still->width == 800);
  CHECK(still->height == 600);
}

TEST_CASE("A file camera refuses files without pictures", "[media][camera]") {
  test::ScratchDir dir;
  SECTION("missing") {
    auto camera = media::OpenFileCamera(dir.File("nope.mp4"));
    REQUIRE_FALSE(camera.ok());
    CHECK(camera.error().code == ErrorCode::kNotFound);
  }
  SECTION("audio only") {
    std::string path = Ffmpeg(dir, "sound.m4a", "-f lavfi -i sine=duration=1");
    auto camera = media::OpenFileCamera(path);
    REQUIRE_FALSE(camera.ok());
    CHECK(camera.error().code == ErrorCode::kInvalidInput);
  }
  SECTION("garbage") {
    std::ofstream(dir.File("junk.mp4")) << std::string(10000, 'x');
    auto camera = media::OpenFileCamera(dir.File("junk.mp4"));
    REQUIRE_FALSE(camera.ok());
    CHECK(camera.error().code == ErrorCode::kInvalidInput);
  }
}

TEST_CASE("A V4L2 camera that is not there gives a clear kUnavailable", "[media][camera]") {
  // No such node; a node that is not a camera; a regular file.
  auto which = GENERATE(0, 1, 2);
  test::ScratchDir dir;
  std::ofstream(dir.File("not-a-device")) << "plain file";
  const std::string devices[] = {"/dev/video-station-test-absent", "/dev/null", dir.File("not-a-device")};
  const std::string& device = devices[which];
  INFO(device);
  media::CameraOptions options;
  options.device = device;
  auto start = NowNs();
  auto camera = media::OpenV4l2Camera(options);
  REQUIRE_FALSE(camera.ok());
  CHECK(camera.error().code == ErrorCode::kUnavailable);
  CHECK_THAT(camera.error().message, Catch::StartsWith("no camera"));
  CHECK_THAT(camera.error().message, Catch::Contains(device));
  CHECK(MsSince(start) < 2000);
}
