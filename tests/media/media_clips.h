// Test helpers for media/: inputs generated with the ffmpeg CLI (lavfi), and
// JPEG checks made the way the kiosk reads thumbnails (stb_image).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tests/base/scratch_dir.h"

namespace media_test {

// Runs `ffmpeg -y -v error <args> <dir>/<name>`; returns the path. Fails the
// test (REQUIRE) if ffmpeg fails.
std::string Ffmpeg(const test::ScratchDir& dir, const std::string& name, const std::string& args);

bool HasEncoder(const std::string& name);

struct Decoded {
  bool ok = false;
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;  // width * height * 3
};

// Decodes with stb_image, the kiosk's decoder.
Decoded DecodeWithStb(std::string_view bytes);

struct Stats {
  double mean = 0;    // of luma, 0..255
  double stddev = 0;
};
Stats LumaStats(const Decoded& image);

// Mean R, G, B of a rectangle in fractions of the picture (0..1).
struct Rgb {
  double r = 0, g = 0, b = 0;
};
Rgb MeanColor(const Decoded& image, double x0, double y0, double x1, double y1);

// The JPEG marker bytes (0xE0 APP0, 0xE1 APP1, 0xFE COM, 0xC0 SOF0...) of each
// segment before the entropy-coded data, in order.
std::vector<int> JpegMarkers(std::string_view jpeg);

// `jpeg` with an APP1 Exif segment inserted after SOI holding Orientation and
// a Make of "SpyCam" and a GPS latitude reference, for privacy checks.
std::string WithExif(std::string_view jpeg, int orientation);

// Milliseconds since `start`.
double MsSince(std::int64_t start_ns);
std::int64_t NowNs();

// Wall and CPU time of this process since construction. Time limits that
// must hold on a box busy with other work (tests run in parallel with
// compilers) are checked on CPU time; wall time only catches hangs.
class Stopwatch {
 public:
  Stopwatch();
  double wall_ms() const;
  double cpu_ms() const;

 private:
  std::int64_t wall_start_ns_;
  std::int64_t cpu_start_ns_;
};

}  // namespace media_test
