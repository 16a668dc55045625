#include "tests/media/media_clips.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <map>

#include <stb_image.h>

namespace media_test {

std::string Ffmpeg(const test::ScratchDir& dir, const std::string& name, const std::string& args) {
  std::string path = dir.File(name);
  std::string command = "ffmpeg -nostdin -y -v error " + args + " '" + path + "' 2>'" + path + ".log'";
  int rc = std::system(command.c_str());
  INFO(command);
  REQUIRE(rc == 0);
  return path;
}

bool HasEncoder(const std::string& name) {
  static std::map<std::string, bool> cache;
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  std::string command = "ffmpeg -hide_banner -encoders 2>/dev/null | grep -qw " + name;
  return cache[name] = std::system(command.c_str()) == 0;
}

Decoded DecodeWithStb(std::string_view bytes) {
  Decoded out;
  int w = 0, h = 0, channels = 0;
  stbi_uc* pixels = stbi_load_from_memory(reinterpret_cast<const stbi_uc*>(bytes.data()),
                                          static_cast<int>(bytes.size()), &w, &h, &channels, 3);
  if (!pixels) return out;
  out.ok = true;
  out.width = w;
  out.height = h;
  out.rgb.assign(pixels, pixels + static_cast<std::size_t>(w) * h * 3);
  stbi_image_free(pixels);
  return out;
}

Stats LumaStats(const Decoded& image) {
  double sum = 0, sum_sq = 0;
  std::size_t n = static_cast<std::size_t>(image.width) * image.height;
  for (std::size_t i = 0; i < n; ++i) {
    double y = 0.299 * image.rgb[3 * i] + 0.587 * image.rgb[3 * i + 1] + 0.114 * image.rgb[3 * i + 2];
    sum += y;
    sum_sq += y * y;
  }
  Stats s;
  if (n == 0) return s;
  s.mean = sum / n;
  s.stddev = std::sqrt(std::max(0.0, sum_sq / n - s.mean * s.mean));
  return s;
}

Rgb MeanColor(const Decoded& image, double x0, double y0, double x1, double y1) {
  int ax = static_cast<int>(x0 * image.width), bx = static_cast<int>(x1 * image.width);
  int ay = static_cast<int>(y0 * image.height), by = static_cast<int>(y1 * image.height);
  Rgb c;
  double n = 0;
  for (int y = ay; y < by; ++y) {
    for (int x = ax; x < bx; ++x) {
      const std::uint8_t* p = &image.rgb[(static_cast<std::size_t>(y) * image.width + x) * 3];
      c.r += p[0];
      c.g += p[1];
      c.b += p[2];
      ++n;
    }
  }
  if (n > 0) {
    c.r /= n;
    c.g /= n;
    c.b /= n;
  }
  return c;
}

std::vector<int> JpegMarkers(std::string_view jpeg) {
  std::vector<int> markers;
  auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(jpeg[i]); };
  if (jpeg.size() < 4 || byte(0) != 0xFF || byte(1) != 0xD8) return markers;
  std::size_t i = 2;
  while (i + 4 <= jpeg.size() && byte(i) == 0xFF) {
    int marker = byte(i + 1);
    markers.push_back(marker);
    if (marker == 0xDA) break;  // start of scan: entropy-coded data follows
    std::size_t length = (std::size_t(byte(i + 2)) << 8) | byte(i + 3);
    i += 2 + length;
  }
  return markers;
}

std::string WithExif(std::string_view jpeg, int orientation) {
  // TIFF, little-endian; IFD0: Orientation (SHORT), Make (ASCII), GPSInfo
  // pointer to an IFD with GPSLatitudeRef = "N".
  auto u16 = [](std::string& s, unsigned v) {
    s.push_back(static_cast<char>(v & 0xFF));
    s.push_back(static_cast<char>(v >> 8));
  };
  auto u32 = [&](std::string& s, unsigned v) {
    u16(s, v & 0xFFFF);
    u16(s, v >> 16);
  };
  const std::string make = std::string("SpyCam") + '\0';
  const unsigned ifd0 = 8, entries0 = 3;
  const unsigned make_at = ifd0 + 2 + entries0 * 12 + 4;
  const unsigned gps_at = make_at + static_cast<unsigned>(make.size());
  std::string tiff = "II*";
  tiff.push_back('\0');
  u32(tiff, ifd0);
  u16(tiff, entries0);
  u16(tiff, 0x0112); u16(tiff, 3); u32(tiff, 1); u16(tiff, static_cast<unsigned>(orientation)); u16(tiff, 0);
  u16(tiff, 0x010F); u16(tiff, 2); u32(tiff, static_cast<unsigned>(make.size())); u32(tiff, make_at);
  u16(tiff, 0x8825); u16(tiff, 4); u32(tiff, 1); u32(tiff, gps_at);
  u32(tiff, 0);
  tiff += make;
  u16(tiff, 1);
  u16(tiff, 0x0001); u16(tiff, 2); u32(tiff, 2); tiff += std::string("N\0\0\0", 4);
  u32(tiff, 0);
  std::string app1 = std::string("Exif\0\0", 6) + tiff;
  std::string segment = "\xFF\xE1";
  unsigned length = static_cast<unsigned>(app1.size() + 2);
  segment.push_back(static_cast<char>(length >> 8));
  segment.push_back(static_cast<char>(length & 0xFF));
  segment += app1;
  std::string out(jpeg.substr(0, 2));
  out += segment;
  out += jpeg.substr(2);
  return out;
}

std::int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double MsSince(std::int64_t start_ns) { return (NowNs() - start_ns) / 1e6; }

namespace {
std::int64_t CpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return std::int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}
}  // namespace

Stopwatch::Stopwatch() : wall_start_ns_(NowNs()), cpu_start_ns_(CpuNs()) {}
double Stopwatch::wall_ms() const { return (NowNs() - wall_start_ns_) / 1e6; }
double Stopwatch::cpu_ms() const { return (CpuNs() - cpu_start_ns_) / 1e6; }

}  // namespace media_test
