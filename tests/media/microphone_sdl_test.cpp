// The SDL microphone with SDL's own stand-in drivers: "disk" captures from a
// raw PCM file at the device's pace, "dummy" has one default device.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <algorithm>
#include <fstream>
#include <vector>
#include <thread>

#include "media/microphone_sdl.h"
#include "tests/base/scratch_dir.h"

using base::ErrorCode;
using namespace std::chrono_literals;

TEST_CASE("The SDL microphone delivers exactly what the device hears as it hears it", "[media][microphone]") {
  test::ScratchDir dir;
  // 5 s of a half-scale 440 Hz sine, raw s16 mono 48 kHz: what SDL's disk driver reads.
  std::string raw = dir.File("heard.raw");
  std::vector<std::int16_t> heard(48000 * 5);
  for (std::size_t i = 0; i < heard.size(); ++i) {
    heard[i] = static_cast<std::int16_t>(std::lround(0.5 * 32767 * std::sin(2 * M_PI * 440.0 * i / 48000)));
  }
  std::ofstream(raw, std::ios::binary)
      .write(reinterpret_cast<const char*>(heard.data()), static_cast<std::streamsize>(heard.size() * 2));
  setenv("SDL_AUDIODRIVER", "disk", 1);
  setenv("SDL_DISKAUDIOFILEIN", raw.c_str(), 1);

  media::MicrophoneOptions options;
  options.format = {48000, 1};
  auto mic = media::OpenSdlMicrophone(options);
  INFO((mic ? std::string() : mic.error().message));
  REQUIRE(mic.ok());
  const auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(1000ms);
  std::vector<std::int16_t> pcm;
  (*mic)->Take(pcm);
  double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // SDL's disk driver sleeps a buffer's length per buffer, so it runs a
  // little slow on a busy box: the pace is checked loosely, the content exactly.
  CHECK(pcm.size() <= 48000 * elapsed_s * 1.2);
  CHECK(pcm.size() >= 48000 * elapsed_s * 0.5);
  CHECK((*mic)->status().ok());
  REQUIRE(pcm.size() > 24000);
  CHECK(std::equal(pcm.begin(), pcm.end(), heard.begin()));  // every sample, in order
  media::Levels levels = media::MeasureLevels(std::span(pcm).subspan(4800, 19200));
  CHECK(levels.peak_dbfs == Approx(-6.02).margin(0.1));
  CHECK(levels.rms_dbfs == Approx(-9.03).margin(0.1));
}

TEST_CASE("No such SDL capture device gives kUnavailable", "[media][microphone]") {
  SECTION("a device name SDL does not know") {
    setenv("SDL_AUDIODRIVER", "dummy", 1);
    media::MicrophoneOptions options;
    options.device = "station-test-no-such-microphone";
    auto mic = media::OpenSdlMicrophone(options);
    REQUIRE_FALSE(mic.ok());
    CHECK(mic.error().code == ErrorCode::kUnavailable);
    CHECK_THAT(mic.error().message, Catch::StartsWith("no microphone"));
  }
  SECTION("no audio driver at all") {
    setenv("SDL_AUDIODRIVER", "station-test-no-such-driver", 1);
    auto mic = media::OpenSdlMicrophone();
    REQUIRE_FALSE(mic.ok());
    CHECK(mic.error().code == ErrorCode::kUnavailable);
  }
  SECTION("the dummy default device opens and delivers silence") {
    setenv("SDL_AUDIODRIVER", "dummy", 1);
    auto mic = media::OpenSdlMicrophone();
    REQUIRE(mic.ok());
    std::this_thread::sleep_for(300ms);
    std::vector<std::int16_t> pcm;
    CHECK((*mic)->Take(pcm) > 0);
    CHECK(media::MeasureLevels(pcm).peak_dbfs == media::kSilenceDbfs);
  }
}
