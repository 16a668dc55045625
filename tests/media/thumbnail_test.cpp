// Thumbnails from clips generated with the ffmpeg CLI, checked the way the
// kiosk reads them: decoded with stb_image.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>

#include "base/files.h"
#include "media/thumbnail.h"
#include "tests/media/media_clips.h"

using namespace media_test;
using base::ErrorCode;

namespace {

const char* kTestPattern = "-f lavfi -i testsrc2=size=320x240:rate=25:duration=4";

// Baseline (SOF0) JPEG with a JFIF header and nothing else before the scan.
void CheckBaselineJpeg(const std::string& jpeg) {
  std::vector<int> markers = JpegMarkers(jpeg);
  REQUIRE_FALSE(markers.empty());
  CHECK(markers.front() == 0xE0);  // APP0 JFIF
  CHECK(std::count(markers.begin(), markers.end(), 0xC0) == 1);
  CHECK(std::count(markers.begin(), markers.end(), 0xC2) == 0);  // not progressive
  CHECK(std::count(markers.begin(), markers.end(), 0xE1) == 0);  // no EXIF
}

std::string Truncated(const test::ScratchDir& dir, const std::string& from, double fraction) {
  std::string to = dir.File("cut-" + std::to_string(int(fraction * 100)) + "-" +
                            std::filesystem::path(from).filename().string());
  std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::resize_file(to, static_cast<std::uintmax_t>(std::filesystem::file_size(from) * fraction));
  return to;
}

enum class Outcome { kPicture, kError, kEither };

}  // namespace

TEST_CASE("A thumbnail is made from video in mp4 mkv ts and webm", "[media][thumbnail]") {
  struct Container {
    const char* name;
    const char* codec;
  };
  auto container = GENERATE(values<Container>({
      {"clip.mp4", "-c:v libx264 -pix_fmt yuv420p"},
      {"clip.mkv", "-c:v libx264 -pix_fmt yuv420p"},
      {"clip.ts", "-c:v mpeg2video -q:v 4"},
      {"clip.webm", "-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 300k"},
  }));
  INFO(container.name);
  test::ScratchDir dir;
  std::string path = Ffmpeg(dir, container.name, std::string(kTestPattern) + " " + container.codec);

  auto from_file = media::MakeThumbnailFromFile(path);
  INFO((from_file ? std::string() : from_file.error().message));
  REQUIRE(from_file.ok());
  CHECK(from_file->source == media::ThumbnailSource::kVideoFrame);
  // 320x240 fits 480x270 already: not scaled up.
  CHECK(from_file->width == 320);
  CHECK(from_file->height == 240);
  // Near 10% of 4 s, not the first frame.
  CHECK(from_file->position_ms >= 200);
  CHECK(from_file->position_ms <= 1000);
  CheckBaselineJpeg(from_file->jpeg);

  Decoded decoded = DecodeWithStb(from_file->jpeg);
  REQUIRE(decoded.ok);
  CHECK(decoded.width == 320);
  CHECK(decoded.height == 240);
  CHECK(LumaStats(decoded).stddev > 30);  // testsrc2 is busy

  SECTION("the same bytes in memory give the same thumbnail") {
    std::string bytes = test::FileBytes(path);
    auto from_memory = media::MakeThumbnail(bytes);
    REQUIRE(from_memory.ok());
    CHECK(from_memory->jpeg == from_file->jpeg);
    CHECK(from_memory->position_ms == from_file->position_ms);
  }
}

TEST_CASE("A large video is scaled down to fit the box with its aspect ratio kept", "[media][thumbnail]") {
  struct Case {
    const char* size;
    int box_w, box_h, want_w, want_h;
  };
  auto c = GENERATE(values<Case>({
      {"1280x720", 480, 270, 480, 270},
      {"640x480", 480, 270, 360, 270},
      {"1280x720", 200, 200, 200, 113},
      {"1280x720", 1920, 1080, 1280, 720},  // never scaled up
  }));
  INFO(c.size << " in " << c.box_w << "x" << c.box_h);
  test::ScratchDir dir;
  std::string path = Ffmpeg(dir, "big.mp4", std::string("-f lavfi -i testsrc2=size=") + c.size +
                                                ":rate=25:duration=2 -c:v libx264 -preset ultrafast");
  media::ThumbnailOptions options;
  options.max_width = c.box_w;
  options.max_height = c.box_h;
  auto thumb = media::MakeThumbnailFromFile(path, options);
  REQUIRE(thumb.ok());
  CHECK(thumb->width == c.want_w);
  CHECK(thumb->height == c.want_h);
  Decoded decoded = DecodeWithStb(thumb->jpeg);
  REQUIRE(decoded.ok);
  CHECK(decoded.width == c.want_w);
  CHECK(decoded.height == c.want_h);
}

TEST_CASE("Non-square pixels are stretched to the display aspect ratio", "[media][thumbnail]") {
  test::ScratchDir dir;
  // 320x240 stored, pixels twice as wide as high: shown as 640x240.
  std::string path = Ffmpeg(dir, "anamorphic.mkv",
                            std::string(kTestPattern) + " -vf setsar=2/1 -c:v libx264");
  auto thumb = media::MakeThumbnailFromFile(path);
  REQUIRE(thumb.ok());
  CHECK(thumb->width == 480);
  CHECK(thumb->height == 180);
}

TEST_CASE("A video with rotation metadata gives an upright portrait thumbnail", "[media][thumbnail]") {
  test::ScratchDir dir;
  // Stored landscape: left half red, right half blue; then tagged as rotated.
  std::string stored = Ffmpeg(dir, "stored.mp4",
                              "-f lavfi -i color=c=red:size=320x240:rate=25:duration=2,"
                              "drawbox=x=160:y=0:w=160:h=240:color=blue:t=fill -c:v libx264");
  std::string rotated = Ffmpeg(dir, "rotated.mp4",
                               "-i '" + stored + "' -c copy -metadata:s:v:0 rotate=90");
  // What FFmpeg itself shows for this file (the CLI applies the display matrix).
  std::string reference = Ffmpeg(dir, "reference.png", "-i '" + rotated + "' -frames:v 1");
  Decoded shown = DecodeWithStb(test::FileBytes(reference));
  REQUIRE(shown.ok);
  REQUIRE(shown.width == 240);
  REQUIRE(shown.height == 320);

  auto thumb = media::MakeThumbnailFromFile(rotated);
  REQUIRE(thumb.ok());
  CHECK(thumb->width == 203);  // 240x320 fitted to a height of 270
  CHECK(thumb->height == 270);
  Decoded decoded = DecodeWithStb(thumb->jpeg);
  REQUIRE(decoded.ok);
  // Same colour on top and at the bottom as FFmpeg's own rendering, and the
  // two differ (so a missing or mirrored rotation would fail).
  Rgb want_top = MeanColor(shown, 0, 0, 1, 0.25), want_bottom = MeanColor(shown, 0, 0.75, 1, 1);
  Rgb top = MeanColor(decoded, 0, 0, 1, 0.25), bottom = MeanColor(decoded, 0, 0.75, 1, 1);
  REQUIRE(std::abs(want_top.r - want_bottom.r) > 150);
  CHECK(std::abs(top.r - want_top.r) < 30);
  CHECK(std::abs(top.b - want_top.b) < 30);
  CHECK(std::abs(bottom.r - want_bottom.r) < 30);
  CHECK(std::abs(bottom.b - want_bottom.b) < 30);
}

TEST_CASE("A clip that starts black does not give a black thumbnail", "[media][thumbnail]") {
  // Black for the first 3 s of 10 (so 10% and 25% fall in the black), with
  // one keyframe only or one per second.
  auto gop = GENERATE("250", "25");
  INFO("keyframe interval " << gop);
  test::ScratchDir dir;
  std::string path = Ffmpeg(dir, "black-start.mp4",
                            "-f lavfi -i testsrc2=size=320x240:rate=25:duration=10 "
                            "-vf \"drawbox=color=black:t=fill:enable='lt(t,3)'\" -c:v libx264 -g " +
                                std::string(gop));
  auto thumb = media::MakeThumbnailFromFile(path);
  REQUIRE(thumb.ok());
  CHECK(thumb->position_ms >= 3000);
  Decoded decoded = DecodeWithStb(thumb->jpeg);
  REQUIRE(decoded.ok);
  Stats stats = LumaStats(decoded);
  CHECK(stats.mean > 40);
  CHECK(stats.stddev > 30);
}

TEST_CASE("A video that is black throughout still gives a thumbnail", "[media][thumbnail]") {
  test::ScratchDir dir;
  std::string path = Ffmpeg(dir, "black.mkv",
                            "-f lavfi -i color=c=black:size=320x240:rate=25:duration=3 -c:v libx264");
  auto thumb = media::MakeThumbnailFromFile(path);
  REQUIRE(thumb.ok());
  CHECK(thumb->width == 320);
  Decoded decoded = DecodeWithStb(thumb->jpeg);
  REQUIRE(decoded.ok);
  CHECK(LumaStats(decoded).mean < 20);
}

TEST_CASE("An audio file with cover art gives the cover", "[media][thumbnail]") {
  test::ScratchDir dir;
  // A square cover, top half green, bottom half magenta.
  std::string cover = Ffmpeg(dir, "cover.png",
                             "-f lavfi -i color=c=green:size=300x300,"
                             "drawbox=x=0:y=150:w=300:h=150:color=magenta:t=fill -frames:v 1");
  struct Case {
    const char* name;
    const char* args;
  };
  auto c = GENERATE(values<Case>({
      {"song.mp3", "-c:a libmp3lame -c:v png -id3v2_version 3"},
      {"song.m4a", "-c:a aac -c:v mjpeg"},
  }));
  INFO(c.name);
  std::string path = Ffmpeg(dir, c.name,
                            "-f lavfi -i sine=frequency=440:duration=2 -i '" + cover +
                                "' -map 0:a -map 1:v " + c.args + " -disposition:v attached_pic");
  auto thumb = media::MakeThumbnailFromFile(path);
  INFO((thumb ? std::string() : thumb.error().message));
  REQUIRE(thumb.ok());
  CHECK(thumb->source == media::ThumbnailSource::kCoverArt);
  CHECK(thumb->width == 270);
  CHECK(thumb->height == 270);
  Decoded decoded = DecodeWithStb(thumb->jpeg);
  REQUIRE(decoded.ok);
  Rgb top = MeanColor(decoded, 0.1, 0.1, 0.9, 0.4), bottom = MeanColor(decoded, 0.1, 0.6, 0.9, 0.9);
  CHECK(top.g > 100);
  CHECK(top.r < 40);
  CHECK(bottom.r > 200);
  CHECK(bottom.b > 200);
  CHECK(bottom.g < 40);
}

TEST_CASE("An audio file without cover art gives kNotFound", "[media][thumbnail]") {
  auto name = GENERATE("voice.m4a", "voice.ogg", "voice.wav", "voice.mp3");
  INFO(name);
  test::ScratchDir dir;
  std::string path = Ffmpeg(dir, name, "-f lavfi -i sine=frequency=440:duration=2");
  auto thumb = media::MakeThumbnailFromFile(path);
  REQUIRE_FALSE(thumb.ok());
  CHECK(thumb.error().code == ErrorCode::kNotFound);
  CHECK_THAT(thumb.error().message, Catch::Contains("no picture"));
}

TEST_CASE("A still image file gives itself scaled down", "[media][thumbnail]") {
  auto name = GENERATE("slide.png", "slide.jpg");
  test::ScratchDir dir;
  std::string path = Ffmpeg(dir, name, "-f lavfi -i testsrc2=size=960x720 -frames:v 1");
  auto thumb = media::MakeThumbnailFromFile(path);
  REQUIRE(thumb.ok());
  CHECK(thumb->width == 360);
  CHECK(thumb->height == 270);
}

TEST_CASE("Missing or empty or garbage files give clear errors fast", "[media][thumbnail]") {
  test::ScratchDir dir;
  Stopwatch watch;
  SECTION("missing") {
    auto thumb = media::MakeThumbnailFromFile(dir.File("nope.mp4"));
    REQUIRE_FALSE(thumb.ok());
    CHECK(thumb.error().code == ErrorCode::kNotFound);
  }
  SECTION("empty") {
    std::ofstream(dir.File("empty.mp4")).close();
    auto thumb = media::MakeThumbnailFromFile(dir.File("empty.mp4"));
    REQUIRE_FALSE(thumb.ok());
    CHECK(thumb.error().code == ErrorCode::kInvalidInput);
  }
  SECTION("random bytes") {
    auto seed = GENERATE(1u, 2u, 3u);
    std::string garbage(1 << 20, '\0');
    std::mt19937 random(seed);
    for (char& c : garbage) c = static_cast<char>(random());
    auto thumb = media::MakeThumbnail(garbage);
    REQUIRE_FALSE(thumb.ok());
    CHECK(thumb.error().code == ErrorCode::kInvalidInput);
    CHECK_FALSE(thumb.error().message.empty());
  }
  SECTION("a directory") {
    auto thumb = media::MakeThumbnailFromFile(dir.path());
    REQUIRE_FALSE(thumb.ok());
    CHECK(thumb.error().code == ErrorCode::kIo);
  }
  CHECK(watch.cpu_ms() < 500);
  CHECK(watch.wall_ms() < 3000);
}

TEST_CASE("Truncated files give an error or a valid thumbnail fast", "[media][thumbnail]") {
  struct Case {
    const char* name;
    const char* codec;
    double fraction;
    Outcome expect;
  };
  auto c = GENERATE(values<Case>({
      // FFmpeg writes the mp4 index at the end: without it nothing is readable.
      {"end.mp4", "-c:v libx264", 0.5, Outcome::kError},
      {"start.mp4", "-c:v libx264 -movflags +faststart", 0.5, Outcome::kPicture},
      {"start.mp4", "-c:v libx264 -movflags +faststart", 0.02, Outcome::kError},
      {"clip.mkv", "-c:v libx264", 0.5, Outcome::kPicture},
      {"clip.mkv", "-c:v libx264", 0.01, Outcome::kEither},
      {"clip.ts", "-c:v libx264", 0.5, Outcome::kPicture},
      // Part of the first keyframe: the decoder may conceal the rest.
      {"clip.ts", "-c:v libx264", 0.01, Outcome::kEither},
      {"clip.webm", "-c:v libvpx -deadline realtime -cpu-used 8", 0.5, Outcome::kPicture},
  }));
  INFO(c.name << " cut at " << c.fraction);
  test::ScratchDir dir;
  std::string whole = Ffmpeg(dir, c.name, "-f lavfi -i testsrc2=size=320x240:rate=25:duration=6 " +
                                              std::string(c.codec));
  std::string cut = Truncated(dir, whole, c.fraction);
  Stopwatch watch;
  auto thumb = media::MakeThumbnailFromFile(cut);
  CHECK(watch.cpu_ms() < 1000);
  CHECK(watch.wall_ms() < 5000);
  INFO((thumb ? std::string() : thumb.error().message));
  if (c.expect == Outcome::kPicture) REQUIRE(thumb.ok());
  if (c.expect == Outcome::kError) REQUIRE_FALSE(thumb.ok());
  if (thumb.ok()) {
    Decoded decoded = DecodeWithStb(thumb->jpeg);
    REQUIRE(decoded.ok);
    CHECK(decoded.width == 320);
    if (c.expect == Outcome::kPicture) CHECK(LumaStats(decoded).stddev > 30);
  } else {
    CHECK(thumb.error().code == ErrorCode::kInvalidInput);
    CHECK_FALSE(thumb.error().message.empty());
  }
}

TEST_CASE("A job over its time limit stops with kUnavailable", "[media][thumbnail]") {
  test::ScratchDir dir;
  std::string path = Ffmpeg(dir, "clip.mp4", std::string(kTestPattern) + " -c:v libx264");
  media::ThumbnailOptions options;
  options.timeout_ms = 0;
  auto thumb = media::MakeThumbnailFromFile(path, options);
  REQUIRE_FALSE(thumb.ok());
  CHECK(thumb.error().code == ErrorCode::kUnavailable);
}

TEST_CASE("WriteThumbnail replaces the JPEG only on success", "[media][thumbnail]") {
  test::ScratchDir dir;
  std::string path = Ffmpeg(dir, "clip.mkv", std::string(kTestPattern) + " -c:v libx264");
  std::string jpeg_path = dir.File("thumb.jpg");
  auto written = media::WriteThumbnail(path, jpeg_path);
  REQUIRE(written.ok());
  CHECK(test::FileBytes(jpeg_path) == written->jpeg);

  std::ofstream(dir.File("broken.mkv")) << "not a video at all";
  auto failed = media::WriteThumbnail(dir.File("broken.mkv"), jpeg_path);
  REQUIRE_FALSE(failed.ok());
  CHECK(test::FileBytes(jpeg_path) == written->jpeg);  // the old thumbnail is untouched
  // No temporary files left behind.
  CHECK(dir.List() == std::vector<std::string>{"broken.mkv", "clip.mkv", "clip.mkv.log", "thumb.jpg"});
}

TEST_CASE("A 1080p H.264 thumbnail takes well under a second", "[media][thumbnail][slow]") {
  test::ScratchDir dir;
  std::string path = Ffmpeg(dir, "hd.mp4",
                            "-f lavfi -i testsrc2=size=1920x1080:rate=25:duration=8 "
                            "-c:v libx264 -preset veryfast -pix_fmt yuv420p");
  std::vector<double> wall, cpu;
  for (int i = 0; i < 3; ++i) {
    Stopwatch watch;
    auto thumb = media::MakeThumbnailFromFile(path);
    wall.push_back(watch.wall_ms());
    cpu.push_back(watch.cpu_ms());
    REQUIRE(thumb.ok());
    CHECK(thumb->width == 480);
    CHECK(thumb->height == 270);
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  WARN("1080p H.264 thumbnail: median " << wall[1] << " ms wall, " << cpu[1] << " ms CPU");
  // About 120 ms on an idle 2-core box (one decoding thread, so CPU time is
  // wall time when the box is idle); CPU time holds on a box busy with other
  // work, and keeps room for sanitizer builds.
  CHECK(cpu[1] < 1000);
}
