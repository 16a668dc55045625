// AudioSink: where decoded, resampled audio goes. One implementation per
// device, chosen by CMake (audio_sink_sdl.cpp | audio_sink_null.cpp); the null
// sink is always built, because tests and benchmarks use it.
//
// Samples are interleaved float32 at the format Open() returned. Write() never
// blocks; the writer waits with WaitForSpace(). All methods are thread-safe:
// the audio thread writes while the UI thread reads BufferedFrames() for the
// audio clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "base/result.h"
#include "player/player.h"

namespace player {

struct AudioFormat {
  int sample_rate = 48000;
  int channels = 2;
};

class AudioSink {
 public:
  virtual ~AudioSink() = default;

  // The device may pick a different format; use the one returned. A sink
  // starts paused.
  virtual base::Result<AudioFormat> Open(const AudioFormat& wanted) = 0;
  virtual void Close() = 0;

  // Copies up to `frames` frames; returns how many were accepted.
  virtual std::size_t Write(const float* samples, std::size_t frames) = 0;
  // Returns when at least one frame fits or `timeout` passed (real time).
  virtual void WaitForSpace(std::chrono::milliseconds timeout) = 0;
  // Frames written but not yet heard, device latency included. The audio
  // clock is "pts of the last written frame minus this".
  virtual std::int64_t BufferedFrames(TimePoint now) = 0;
  virtual void SetPaused(bool paused) = 0;
  // Drops everything buffered (seek).
  virtual void Flush() = 0;
  // Times the sink ran dry while playing.
  virtual std::int64_t Underruns() = 0;
  // The sink's notion of time; steady_clock except for a scaled null sink.
  virtual TimePoint Now() const { return Clock::now(); }
};

// What a null sink was given, for tests that check volume or pitch.
struct CapturedAudio {
  std::mutex mutex;
  std::vector<float> samples;  // interleaved, as written
  std::size_t max_samples = 48000 * 2 * 10;
};

// The null sink consumes samples at real-time pace (times time_scale) on a
// monotonic clock, without a thread: consumption is computed on each call.
struct NullSinkOptions {
  double time_scale = 1.0;      // 4.0: a second of audio plays in 250 ms
  int latency_ms = 0;           // extra latency reported on top of the buffer
  int buffer_ms = 100;          // capacity, like a device's ring buffer
  bool fail_open = false;       // Open() fails with kUnavailable
  int stall_after_ms = -1;      // >= 0: stops consuming after this much played audio
  AudioFormat forced_format{};  // sample_rate 0: accept the wanted format
  std::shared_ptr<CapturedAudio> capture;  // non-null: keep a copy of what is written
};
std::shared_ptr<AudioSink> MakeNullAudioSink(const NullSinkOptions& options = {});

// The sink CMake chose for this build (SDL2 audio, or null on builds without it).
std::shared_ptr<AudioSink> MakeDefaultAudioSink();

}  // namespace player
