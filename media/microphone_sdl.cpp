// The SDL2 microphone: SDL's capture callback pushes into a PcmQueue. SDL
// converts from the device's native format to the one asked for.
#include "media/microphone_sdl.h"

#include <SDL.h>

#include "media/pcm_queue.h"

namespace media {
namespace {

class SdlMicrophone final : public Microphone {
 public:
  explicit SdlMicrophone(const MicrophoneOptions& options)
      : options_(options), queue_(options.format, options.max_buffered_ms) {}

  ~SdlMicrophone() override {
    if (device_ != 0) SDL_CloseAudioDevice(device_);  // waits for the callback to finish
    if (subsystem_) SDL_QuitSubSystem(SDL_INIT_AUDIO);
  }

  base::Status Open() {
    if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
      return base::MakeError(base::ErrorCode::kUnavailable, std::string("no audio: ") + SDL_GetError());
    }
    subsystem_ = true;
    SDL_AudioSpec want{};
    want.freq = options_.format.sample_rate;
    want.format = AUDIO_S16SYS;
    want.channels = static_cast<Uint8>(options_.format.channels);
    want.samples = 1024;
    want.callback = &SdlMicrophone::Callback;
    want.userdata = this;
    SDL_AudioSpec have{};
    device_ = SDL_OpenAudioDevice(options_.device.empty() ? nullptr : options_.device.c_str(),
                                  /*iscapture=*/1, &want, &have, /*allowed_changes=*/0);
    if (device_ == 0) {
      return base::MakeError(base::ErrorCode::kUnavailable, std::string("no microphone: ") + SDL_GetError());
    }
    SDL_PauseAudioDevice(device_, 0);
    return base::Ok();
  }

  std::size_t Take(std::vector<std::int16_t>& out) override { return queue_.Take(out); }
  PcmFormat format() const override { return options_.format; }
  std::uint64_t dropped_frames() const override { return queue_.dropped_frames(); }
  base::Status status() const override {
    if (device_ != 0 && SDL_GetAudioDeviceStatus(device_) == SDL_AUDIO_STOPPED) {
      return base::MakeError(base::ErrorCode::kUnavailable, "the microphone stopped (unplugged?)");
    }
    return queue_.status();
  }

 private:
  // SDL's audio thread.
  static void Callback(void* userdata, Uint8* stream, int len) {
    auto* self = static_cast<SdlMicrophone*>(userdata);
    self->queue_.Push(reinterpret_cast<const std::int16_t*>(stream), static_cast<std::size_t>(len) / 2);
  }

  const MicrophoneOptions options_;
  PcmQueue queue_;
  SDL_AudioDeviceID device_ = 0;
  bool subsystem_ = false;
};

}  // namespace

base::Result<std::unique_ptr<Microphone>> OpenSdlMicrophone(const MicrophoneOptions& options) {
  if (options.format.channels < 1 || options.format.channels > 2 || options.format.sample_rate < 8000) {
    return base::MakeError(base::ErrorCode::kInvalidInput, "unsupported microphone format");
  }
  auto microphone = std::make_unique<SdlMicrophone>(options);
  if (auto opened = microphone->Open(); !opened) return opened.error();
  return std::unique_ptr<Microphone>(std::move(microphone));
}

}  // namespace media
