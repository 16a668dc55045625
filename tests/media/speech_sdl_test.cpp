// Speech through SDL with SDL's own stand-in drivers: "disk" writes what the
// device plays to a raw PCM file at the device's pace.
#include <catch2/catch.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "media/speech_sdl.h"
#include "tests/base/scratch_dir.h"

using namespace std::chrono_literals;

namespace {

std::shared_ptr<const media::Utterance> Tone(media::PcmFormat format, int duration_ms) {
  auto utterance = std::make_shared<media::Utterance>();
  utterance->text = "tone";
  utterance->pcm.format = format;
  const std::size_t frames = static_cast<std::size_t>(format.sample_rate) * duration_ms / 1000;
  for (std::size_t i = 0; i < frames; ++i) {
    const auto s = static_cast<std::int16_t>(std::lround(0.5 * 32767 * std::sin(2 * M_PI * 440.0 * i / format.sample_rate)));
    for (int c = 0; c < format.channels; ++c) utterance->pcm.samples.push_back(s);
  }
  return utterance;
}

}  // namespace

template <typename Predicate>
bool WaitFor(Predicate done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

TEST_CASE("Speech through SDL plays every sample in order and stops when told", "[media][speech]") {
  test::ScratchDir dir;
  const std::string played = dir.File("played.raw");
  setenv("SDL_AUDIODRIVER", "disk", 1);
  setenv("SDL_DISKAUDIOFILE", played.c_str(), 1);
  auto output = media::OpenSdlSpeechOutput();
  INFO((output ? std::string() : output.error().message));
  REQUIRE(output.ok());

  SECTION("an utterance is heard whole, in order") {
    auto tone = Tone({22050, 1}, 300);
    (*output)->Play(tone);
    CHECK((*output)->playing());
    REQUIRE(WaitFor([&] { return !(*output)->playing(); }, 5s));
    std::this_thread::sleep_for(200ms);  // the device's last buffer
    output = base::MakeError(base::ErrorCode::kNotFound, "closed");  // closes the device and its file
    const std::string bytes = test::FileBytes(played);
    std::vector<std::int16_t> heard(bytes.size() / 2);
    std::memcpy(heard.data(), bytes.data(), heard.size() * 2);
    auto first = std::find_if(heard.begin(), heard.end(), [](std::int16_t s) { return s != 0; });
    REQUIRE(static_cast<std::size_t>(heard.end() - first) >= tone->pcm.samples.size() - 1);
    // A sine starts at 0, so the first non-zero heard is the tone's second sample.
    CHECK(std::equal(tone->pcm.samples.begin() + 1, tone->pcm.samples.end(), first));
  }
  SECTION("Stop silences at once") {
    (*output)->Play(Tone({22050, 1}, 5000));
    std::this_thread::sleep_for(100ms);
    CHECK((*output)->playing());
    (*output)->Stop();
    CHECK_FALSE((*output)->playing());
  }
  SECTION("an utterance in another format reopens the device") {
    (*output)->Play(Tone({48000, 2}, 200));
    CHECK((*output)->playing());
    CHECK(WaitFor([&] { return !(*output)->playing(); }, 5s));
  }
}

TEST_CASE("No SDL speaker gives kUnavailable", "[media][speech]") {
  setenv("SDL_AUDIODRIVER", "dummy", 1);
  auto output = media::OpenSdlSpeechOutput("station-test-no-such-speaker");
  REQUIRE_FALSE(output.ok());
  CHECK(output.error().code == base::ErrorCode::kUnavailable);
}
