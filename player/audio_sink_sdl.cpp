// The SDL2 audio sink: SDL_OpenAudioDevice with a callback that drains our
// ring buffer. Only SDL's audio subsystem is used (no window, no video), so
// the player stays free of UI code. Latency = ring contents + the device
// buffer; the callback's timestamp lets BufferedFrames() interpolate between
// callbacks instead of jumping by a whole device period.
#include <SDL.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "player/audio_sink.h"

namespace player {
namespace {

class SdlAudioSink final : public AudioSink {
 public:
  ~SdlAudioSink() override { Close(); }

  base::Result<AudioFormat> Open(const AudioFormat& wanted) override {
    Close();
    if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
      return base::MakeError(base::ErrorCode::kUnavailable,
                             std::string("SDL audio init: ") + SDL_GetError());
    }
    subsystem_ = true;
    SDL_AudioSpec want{};
    want.freq = wanted.sample_rate;
    want.format = AUDIO_F32SYS;
    want.channels = static_cast<Uint8>(wanted.channels);
    want.samples = 1024;
    want.callback = &SdlAudioSink::Callback;
    want.userdata = this;
    SDL_AudioSpec have{};
    device_ = SDL_OpenAudioDevice(nullptr, 0, &want, &have,
                                  SDL_AUDIO_ALLOW_FREQUENCY_CHANGE |
                                      SDL_AUDIO_ALLOW_CHANNELS_CHANGE);
    if (device_ == 0) {
      std::string message = std::string("SDL_OpenAudioDevice: ") + SDL_GetError();
      SDL_QuitSubSystem(SDL_INIT_AUDIO);
      subsystem_ = false;
      return base::MakeError(base::ErrorCode::kUnavailable, message);
    }
    std::lock_guard lock(mutex_);
    format_ = AudioFormat{have.freq, have.channels};
    device_frames_ = have.samples;
    // 200 ms of ring: enough to ride out a busy UI thread on two cores.
    ring_.assign(static_cast<std::size_t>(format_.sample_rate / 5 * format_.channels), 0.0f);
    read_ = write_ = fill_ = 0;
    paused_ = true;
    return format_;
  }

  void Close() override {
    if (device_ != 0) {
      SDL_CloseAudioDevice(device_);  // waits for the callback to finish
      device_ = 0;
    }
    if (subsystem_) {
      SDL_QuitSubSystem(SDL_INIT_AUDIO);
      subsystem_ = false;
    }
  }

  std::size_t Write(const float* samples, std::size_t frames) override {
    std::lock_guard lock(mutex_);
    if (device_ == 0 || ring_.empty()) return 0;
    std::size_t channels = static_cast<std::size_t>(format_.channels);
    std::size_t room = (ring_.size() - fill_) / channels;
    std::size_t n = std::min(room, frames) * channels;
    for (std::size_t i = 0; i < n; ++i) {
      ring_[write_] = samples[i];
      write_ = (write_ + 1) % ring_.size();
    }
    fill_ += n;
    return n / channels;
  }

  void WaitForSpace(std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mutex_);
    space_.wait_for(lock, timeout, [&] { return device_ == 0 || fill_ < ring_.size(); });
  }

  std::int64_t BufferedFrames(TimePoint now) override {
    std::lock_guard lock(mutex_);
    if (device_ == 0) return 0;
    std::int64_t ring_frames = static_cast<std::int64_t>(fill_) / format_.channels;
    // Frames handed to SDL at the last callback, minus what it has played since.
    std::int64_t in_device = 0;
    if (!paused_ && last_callback_ != TimePoint{}) {
      std::chrono::duration<double> since = now - last_callback_;
      in_device = device_frames_ - static_cast<std::int64_t>(since.count() * format_.sample_rate);
      in_device = std::clamp<std::int64_t>(in_device, 0, device_frames_);
    }
    return ring_frames + in_device;
  }

  void SetPaused(bool paused) override {
    if (device_ == 0) return;
    {
      std::lock_guard lock(mutex_);
      paused_ = paused;
      if (paused) last_callback_ = TimePoint{};
    }
    SDL_PauseAudioDevice(device_, paused ? 1 : 0);
  }

  void Flush() override {
    std::lock_guard lock(mutex_);
    read_ = write_ = fill_ = 0;
    space_.notify_all();
  }

  std::int64_t Underruns() override {
    std::lock_guard lock(mutex_);
    return underruns_;
  }

 private:
  static void Callback(void* userdata, Uint8* stream, int len) {
    static_cast<SdlAudioSink*>(userdata)->Fill(reinterpret_cast<float*>(stream),
                                               static_cast<std::size_t>(len) / sizeof(float));
  }

  void Fill(float* out, std::size_t samples) {
    std::lock_guard lock(mutex_);
    std::size_t n = std::min(samples, fill_);
    for (std::size_t i = 0; i < n; ++i) {
      out[i] = ring_[read_];
      read_ = (read_ + 1) % ring_.size();
    }
    fill_ -= n;
    if (n < samples) {
      std::fill(out + n, out + samples, 0.0f);
      if (n > 0) ++underruns_;
    }
    last_callback_ = Clock::now();
    space_.notify_all();
  }

  SDL_AudioDeviceID device_ = 0;  // UI/audio thread on open and close only
  bool subsystem_ = false;

  // Guarded by mutex_ (audio thread writes, SDL's thread reads, UI thread
  // reads the clock).
  std::mutex mutex_;
  std::condition_variable space_;
  AudioFormat format_;
  std::int64_t device_frames_ = 0;
  std::vector<float> ring_;
  std::size_t read_ = 0, write_ = 0, fill_ = 0;  // in samples
  bool paused_ = true;
  TimePoint last_callback_{};
  std::int64_t underruns_ = 0;
};

}  // namespace

std::shared_ptr<AudioSink> MakeDefaultAudioSink() { return std::make_shared<SdlAudioSink>(); }

}  // namespace player
