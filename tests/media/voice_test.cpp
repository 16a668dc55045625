// Voice notes: Opus in Ogg round trips, and the level meter.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include "media/voice.h"
#include "tests/media/media_clips.h"

using base::ErrorCode;

namespace {

// A 440 Hz sine at `amplitude` (fraction of full scale) on every channel.
std::vector<std::int16_t> Sine(media::PcmFormat format, double seconds, double amplitude) {
  const auto frames = static_cast<std::size_t>(seconds * format.sample_rate);
  std::vector<std::int16_t> pcm(frames * format.channels);
  for (std::size_t i = 0; i < frames; ++i) {
    double v = amplitude * 32767.0 * std::sin(2 * M_PI * 440.0 * i / format.sample_rate);
    for (int c = 0; c < format.channels; ++c) pcm[i * format.channels + c] = static_cast<std::int16_t>(std::lround(v));
  }
  return pcm;
}

}  // namespace

TEST_CASE("The level meter reads a known sine", "[media][voice]") {
  auto amplitude = GENERATE(1.0, 0.5, 0.1);
  INFO("amplitude " << amplitude);
  auto pcm = Sine({48000, 1}, 1.0, amplitude);
  media::Levels levels = media::MeasureLevels(pcm);
  double peak = 20 * std::log10(amplitude);
  CHECK(levels.peak_dbfs == Approx(peak).margin(0.05));
  CHECK(levels.rms_dbfs == Approx(peak - 3.01).margin(0.05));  // a sine's RMS is peak / sqrt(2)
}

TEST_CASE("The level meter reads silence and full scale", "[media][voice]") {
  std::vector<std::int16_t> silence(4800, 0);
  CHECK(media::MeasureLevels(silence).rms_dbfs == media::kSilenceDbfs);
  CHECK(media::MeasureLevels(silence).peak_dbfs == media::kSilenceDbfs);
  CHECK(media::MeasureLevels({}).rms_dbfs == media::kSilenceDbfs);
  std::vector<std::int16_t> square(4800);
  for (std::size_t i = 0; i < square.size(); ++i) square[i] = i % 2 ? 32767 : -32768;
  CHECK(media::MeasureLevels(square).peak_dbfs == Approx(0).margin(0.01));
  CHECK(media::MeasureLevels(square).rms_dbfs == Approx(0).margin(0.01));
}

TEST_CASE("An Opus voice note round trips with its duration and sound", "[media][voice]") {
  auto input = GENERATE(media::PcmFormat{48000, 1}, media::PcmFormat{44100, 2}, media::PcmFormat{16000, 1},
                        media::PcmFormat{8000, 1}, media::PcmFormat{22050, 2});
  auto seconds = GENERATE(3.0, 1.234);
  INFO(input.sample_rate << " Hz x" << input.channels << ", " << seconds << " s");
  auto pcm = Sine(input, seconds, 0.5);
  auto note = media::EncodeVoiceNote(pcm, input);
  INFO((note ? std::string() : note.error().message));
  REQUIRE(note.ok());
  const std::int64_t frames = static_cast<std::int64_t>(pcm.size()) / input.channels;
  CHECK(note->duration_ms == frames * 1000 / input.sample_rate);
  REQUIRE(note->ogg.size() > 100);
  CHECK(note->ogg.compare(0, 4, "OggS") == 0);
  CHECK(note->ogg.find("OpusHead") != std::string::npos);
  // 24 kbit/s plus container overhead.
  CHECK(note->ogg.size() < seconds * 24000 / 8 * 1.3 + 1000);

  auto back = media::DecodeVoiceNote(note->ogg, {48000, 1});
  REQUIRE(back.ok());
  CHECK(std::abs(back->duration_ms() - seconds * 1000) <= 60);
  // The middle is the sine, a little changed by the codec: not silence.
  std::span<const std::int16_t> middle(back->samples.data() + back->samples.size() / 4,
                                       back->samples.size() / 2);
  media::Levels levels = media::MeasureLevels(middle);
  CHECK(levels.rms_dbfs == Approx(-9.03).margin(2.0));
  CHECK(levels.peak_dbfs > -8);
}

TEST_CASE("A voice note fed in small chunks equals the sum of its parts", "[media][voice]") {
  media::PcmFormat input{44100, 1};
  auto pcm = Sine(input, 2.0, 0.3);
  auto encoder = media::VoiceEncoder::Create(input);
  REQUIRE(encoder.ok());
  // 10 ms chunks, as a microphone delivers them.
  for (std::size_t at = 0; at < pcm.size(); at += 441) {
    std::size_t n = std::min<std::size_t>(441, pcm.size() - at);
    REQUIRE((*encoder)->Append(std::span(pcm).subspan(at, n)).ok());
  }
  CHECK((*encoder)->duration_ms() == 2000);
  auto note = (*encoder)->Finish();
  REQUIRE(note.ok());
  CHECK_FALSE((*encoder)->Append(pcm).ok());  // spent

  auto back = media::DecodeVoiceNote(note->ogg, {16000, 2});
  REQUIRE(back.ok());
  CHECK(back->format.channels == 2);
  CHECK(std::abs(back->duration_ms() - 2000) <= 60);
  CHECK(media::MeasureLevels(back->samples).rms_dbfs > -20);

  SECTION("FFmpeg's own prober sees mono Opus") {
    test::ScratchDir dir;
    std::string path = dir.File("note.ogg");
    { std::ofstream(path, std::ios::binary) << note->ogg; }
    std::string command = "ffprobe -v error -show_entries stream=codec_name,channels,sample_rate -of csv=p=0 '" +
                          path + "' > '" + path + ".txt'";
    REQUIRE(std::system(command.c_str()) == 0);
    CHECK(test::FileBytes(path + ".txt") == "opus,48000,1\n");
  }
}

TEST_CASE("Bad voice input is refused with kInvalidInput", "[media][voice]") {
  SECTION("an unsupported format") {
    auto encoder = media::VoiceEncoder::Create({48000, 6});
    REQUIRE_FALSE(encoder.ok());
    CHECK(encoder.error().code == ErrorCode::kInvalidInput);
  }
  SECTION("a partial stereo sample frame") {
    auto encoder = media::VoiceEncoder::Create({48000, 2});
    REQUIRE(encoder.ok());
    std::vector<std::int16_t> odd(3, 0);
    auto appended = (*encoder)->Append(odd);
    REQUIRE_FALSE(appended.ok());
    CHECK(appended.error().code == ErrorCode::kInvalidInput);
  }
  SECTION("bytes that are not audio") {
    auto pcm = media::DecodeVoiceNote("OggS but not really an ogg file at all");
    REQUIRE_FALSE(pcm.ok());
    CHECK(pcm.error().code == ErrorCode::kInvalidInput);
    CHECK_FALSE(media::DecodeVoiceNote("").ok());
  }
}
