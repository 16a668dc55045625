// The file microphone: real decoding, delivered at the pace of the clock.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "media/microphone.h"
#include "tests/media/media_clips.h"

using namespace media_test;
using base::ErrorCode;
using namespace std::chrono_literals;

namespace {

// A 440 Hz sine at half scale (-6 dBFS peak), the same on both channels of a
// 44.1 kHz stereo file (as many USB microphones send it).
std::string SineFile(const test::ScratchDir& dir, const std::string& name, double seconds) {
  return Ffmpeg(dir, name, "-f lavfi -i \"aevalsrc=0.5*sin(2*PI*440*t)|0.5*sin(2*PI*440*t):s=44100:d=" +
                               std::to_string(seconds) + "\"");
}

}  // namespace

TEST_CASE("A file microphone delivers PCM at real-time pace", "[media][microphone]") {
  test::ScratchDir dir;
  std::string path = SineFile(dir, "voice.wav", 5);
  media::MicrophoneOptions options;
  options.format = {48000, 1};
  auto mic = media::OpenFileMicrophone(path, options);
  REQUIRE(mic.ok());
  CHECK((*mic)->format().sample_rate == 48000);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::int16_t> pcm;
  std::this_thread::sleep_for(1000ms);
  (*mic)->Take(pcm);
  double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(pcm.size() == Approx(48000 * elapsed_s).epsilon(0.2));
  std::this_thread::sleep_for(500ms);
  std::size_t frames = (*mic)->Take(pcm);
  CHECK(frames > 0);
  elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(pcm.size() == Approx(48000 * elapsed_s).epsilon(0.2));
  CHECK((*mic)->status().ok());
  CHECK((*mic)->dropped_frames() == 0);
  // The sine, converted to mono 48 kHz at the same level: -6 dBFS peak,
  // -9 dBFS RMS.
  media::Levels levels = media::MeasureLevels(std::span(pcm).subspan(4800, 48000));
  CHECK(levels.peak_dbfs == Approx(-6.02).margin(0.3));
  CHECK(levels.rms_dbfs == Approx(-9.03).margin(0.3));
}

TEST_CASE("A file microphone loops or goes silent at the end of its file", "[media][microphone]") {
  test::ScratchDir dir;
  std::string path = SineFile(dir, "short.ogg", 0.3);
  auto loop = GENERATE(true, false);
  INFO("loop " << loop);
  media::MicrophoneOptions options;
  options.format = {16000, 2};
  options.loop = loop;
  auto mic = media::OpenFileMicrophone(path, options);
  REQUIRE(mic.ok());
  std::this_thread::sleep_for(900ms);
  std::vector<std::int16_t> pcm;
  std::size_t frames = (*mic)->Take(pcm);
  CHECK(frames == Approx(16000 * 0.9).epsilon(0.2));  // time goes on either way
  CHECK(pcm.size() == frames * 2);
  // 0.5 s to 0.8 s: the file again, or silence after it.
  media::Levels tail = media::MeasureLevels(std::span(pcm).subspan(16000, 16000 * 2 * 3 / 10));
  if (loop) {
    CHECK(tail.rms_dbfs > -30);
  } else {
    CHECK(tail.rms_dbfs == media::kSilenceDbfs);
  }
}

TEST_CASE("Samples nobody takes are dropped beyond the buffer limit", "[media][microphone]") {
  test::ScratchDir dir;
  std::string path = SineFile(dir, "voice.wav", 3);
  media::MicrophoneOptions options;
  options.format = {8000, 1};
  options.max_buffered_ms = 200;
  auto mic = media::OpenFileMicrophone(path, options);
  REQUIRE(mic.ok());
  std::this_thread::sleep_for(700ms);
  std::vector<std::int16_t> pcm;
  std::size_t frames = (*mic)->Take(pcm);
  CHECK(frames <= 1600);  // 200 ms at 8 kHz
  CHECK(frames >= 1000);
  CHECK((*mic)->dropped_frames() >= 2400);  // about 500 ms gone
}

TEST_CASE("A file microphone refuses files without sound", "[media][microphone]") {
  test::ScratchDir dir;
  SECTION("missing") {
    auto mic = media::OpenFileMicrophone(dir.File("nope.wav"));
    REQUIRE_FALSE(mic.ok());
    CHECK(mic.error().code == ErrorCode::kNotFound);
  }
  SECTION("video only") {
    std::string path = Ffmpeg(dir, "silent.mkv", "-f lavfi -i testsrc2=duration=1 -c:v libx264");
    auto mic = media::OpenFileMicrophone(path);
    REQUIRE_FALSE(mic.ok());
    CHECK(mic.error().code == ErrorCode::kInvalidInput);
  }
}
