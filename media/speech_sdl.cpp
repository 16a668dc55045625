// Speech through SDL2 audio in queue mode (no callback): Play() replaces the
// queue with the new utterance, Stop() empties it. SDL locks the device for
// each call, so the speech worker and the UI thread may both use it.
#include "media/speech_sdl.h"

#include <SDL.h>

#include <mutex>

#include "base/log.h"

namespace media {
namespace {

class SdlSpeechOutput final : public SpeechOutput {
 public:
  explicit SdlSpeechOutput(std::string device) : device_name_(std::move(device)) {}

  ~SdlSpeechOutput() override {
    if (device_ != 0) SDL_CloseAudioDevice(device_);
    if (subsystem_) SDL_QuitSubSystem(SDL_INIT_AUDIO);
  }

  base::Status Init() {
    if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
      return base::MakeError(base::ErrorCode::kUnavailable, std::string("no audio: ") + SDL_GetError());
    }
    subsystem_ = true;
    return OpenDevice(PcmFormat{22050, 1});
  }

  void Play(std::shared_ptr<const Utterance> utterance) override {
    std::lock_guard lock(mutex_);
    const PcmFormat& format = utterance->pcm.format;
    if (format.sample_rate != format_.sample_rate || format.channels != format_.channels) {
      if (auto reopened = OpenDevice(format); !reopened) {
        base::LogWarn("speech", reopened.error().message);
        return;
      }
    }
    SDL_ClearQueuedAudio(device_);
    const auto& samples = utterance->pcm.samples;
    if (SDL_QueueAudio(device_, samples.data(), static_cast<Uint32>(samples.size() * sizeof(samples[0]))) != 0) {
      base::LogWarn("speech", std::string("cannot queue speech: ") + SDL_GetError());
    }
  }

  void Stop() override {
    std::lock_guard lock(mutex_);
    if (device_ != 0) SDL_ClearQueuedAudio(device_);
  }

  bool playing() const override {
    std::lock_guard lock(mutex_);
    return device_ != 0 && SDL_GetQueuedAudioSize(device_) > 0;
  }

 private:
  base::Status OpenDevice(PcmFormat format) {
    if (device_ != 0) SDL_CloseAudioDevice(device_);
    SDL_AudioSpec want{};
    want.freq = format.sample_rate;
    want.format = AUDIO_S16SYS;
    want.channels = static_cast<Uint8>(format.channels);
    want.samples = 1024;  // ~46 ms at 22050 Hz: what Stop() cannot take back
    SDL_AudioSpec have{};
    device_ = SDL_OpenAudioDevice(device_name_.empty() ? nullptr : device_name_.c_str(), /*iscapture=*/0, &want,
                                  &have, /*allowed_changes=*/0);
    if (device_ == 0) {
      format_ = {};
      return base::MakeError(base::ErrorCode::kUnavailable, std::string("no speaker: ") + SDL_GetError());
    }
    format_ = format;
    SDL_PauseAudioDevice(device_, 0);
    return base::Ok();
  }

  const std::string device_name_;
  mutable std::mutex mutex_;  // guards the device against Play/Stop/reopen races
  SDL_AudioDeviceID device_ = 0;
  PcmFormat format_{};
  bool subsystem_ = false;
};

}  // namespace

base::Result<std::shared_ptr<SpeechOutput>> OpenSdlSpeechOutput(const std::string& device) {
  auto output = std::make_shared<SdlSpeechOutput>(device);
  if (auto opened = output->Init(); !opened) return opened.error();
  return std::shared_ptr<SpeechOutput>(std::move(output));
}

}  // namespace media
