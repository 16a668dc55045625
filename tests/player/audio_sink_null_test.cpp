#include <catch2/catch.hpp>

#include <cstdlib>
#include <thread>
#include <vector>

#include "player/audio_sink.h"

using namespace std::chrono_literals;

TEST_CASE("The null sink plays written frames at real-time pace times its time scale", "[player]") {
  player::NullSinkOptions options;
  options.time_scale = 10.0;
  options.buffer_ms = 1000;
  auto sink = player::MakeNullAudioSink(options);
  auto format = sink->Open({48000, 2});
  REQUIRE(format.ok());
  std::vector<float> samples(48000 * 2, 0.0f);
  REQUIRE(sink->Write(samples.data(), 48000) == 48000);
  REQUIRE(sink->Write(samples.data(), 10) == 0);  // full
  std::this_thread::sleep_for(20ms);  // 200 ms of sink time
  REQUIRE(sink->BufferedFrames(sink->Now()) == 48000);  // starts paused

  sink->SetPaused(false);
  auto t0 = sink->Now();
  // 250 ms of sink time later, a quarter second of audio has been heard.
  std::int64_t left = sink->BufferedFrames(t0 + 250ms);
  REQUIRE(left == Approx(36000).margin(48 * 20));

  SECTION("flush drops everything") {
    sink->Flush();
    REQUIRE(sink->BufferedFrames(sink->Now()) == 0);
  }
  SECTION("it runs dry and counts an underrun") {
    std::this_thread::sleep_for(150ms);  // 1.5 s of sink time
    REQUIRE(sink->BufferedFrames(sink->Now()) == 0);
    REQUIRE(sink->Underruns() == 1);
  }
}

TEST_CASE("The null sink can add latency, refuse to open, or stall", "[player]") {
  SECTION("latency is reported on top of the buffer") {
    player::NullSinkOptions options;
    options.latency_ms = 200;
    auto sink = player::MakeNullAudioSink(options);
    REQUIRE(sink->Open({48000, 2}).ok());
    std::vector<float> samples(480 * 2, 0.0f);
    REQUIRE(sink->Write(samples.data(), 480) == 480);
    REQUIRE(sink->BufferedFrames(sink->Now()) == 480 + 9600);
  }
  SECTION("fail_open makes Open fail with kUnavailable") {
    player::NullSinkOptions options;
    options.fail_open = true;
    auto opened = player::MakeNullAudioSink(options)->Open({48000, 2});
    REQUIRE_FALSE(opened.ok());
    REQUIRE(opened.error().code == base::ErrorCode::kUnavailable);
  }
  SECTION("stall_after_ms stops consumption") {
    player::NullSinkOptions options;
    options.time_scale = 20.0;
    options.stall_after_ms = 10;
    auto sink = player::MakeNullAudioSink(options);
    REQUIRE(sink->Open({48000, 1}).ok());
    std::vector<float> samples(4800, 0.0f);
    REQUIRE(sink->Write(samples.data(), 4800) == 4800);
    sink->SetPaused(false);
    std::this_thread::sleep_for(30ms);
    REQUIRE(sink->BufferedFrames(sink->Now()) == Approx(4800 - 480).margin(48));
  }
}

TEST_CASE("The default sink plays on SDL's dummy audio driver", "[player]") {
  setenv("SDL_AUDIODRIVER", "dummy", 1);  // no sound card on build machines
  auto sink = player::MakeDefaultAudioSink();
  auto format = sink->Open({48000, 2});
  REQUIRE(format.ok());
  std::vector<float> samples(static_cast<std::size_t>(format->sample_rate / 10 * format->channels), 0.1f);
  std::size_t written = sink->Write(samples.data(), samples.size() / format->channels);
  REQUIRE(written > 0);
  std::int64_t before = sink->BufferedFrames(sink->Now());
  REQUIRE(before >= static_cast<std::int64_t>(written));
  sink->SetPaused(false);
  std::this_thread::sleep_for(300ms);
  CHECK(sink->BufferedFrames(sink->Now()) < before);
  sink->Flush();
  sink->Close();
}
