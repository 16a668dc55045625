#include "kiosk/report_devices.h"

#include <algorithm>
#include <cmath>

#include <GL/gl.h>
#include <SDL.h>
#include <stb_image.h>

#include "base/log.h"
#include "media/microphone_sdl.h"
#include "media/photo.h"
#include "sync/outbox.h"

namespace kiosk {
namespace {

constexpr media::PcmFormat kVoiceFormat{48000, 1};

// Uploads RGBA pixels into `texture` (made if 0); returns the texture.
unsigned UploadRgba(unsigned texture, int width, int height, const std::uint8_t* rgba) {
  GLuint id = texture;
  if (!id) {
    glGenTextures(1, &id);
    glBindTexture(GL_TEXTURE_2D, id);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  }
  glBindTexture(GL_TEXTURE_2D, id);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
  return id;
}

void DeleteTexture(unsigned id) {
  GLuint texture = id;
  if (texture) glDeleteTextures(1, &texture);
}

ImTextureID AsImTexture(unsigned id) { return reinterpret_cast<ImTextureID>(static_cast<std::intptr_t>(id)); }

// The meter: speech sits around -30..-10 dBFS; map -50..-6 to 0..1.
float MeterLevel(const media::Levels& levels) {
  return static_cast<float>(std::clamp((levels.rms_dbfs + 50.0) / 44.0, 0.0, 1.0));
}

}  // namespace

ReportDevices::ReportDevices(ReportDevicesConfig config) : config_(std::move(config)) {}

ReportDevices::~ReportDevices() {
  if (finalising_.valid()) finalising_.wait();  // a report being saved is finished, never cut off
  StopPlayback();
  if (audio_device_) SDL_CloseAudioDevice(audio_device_);
  DeleteTexture(preview_texture_id_);
  for (const auto& [id, texture] : photo_textures_) DeleteTexture(texture.id);
}

void ReportDevices::Service(const AppState& state, std::vector<Action>& out) {
  ServiceCamera(state, out);
  ServiceMicrophone(state, out);
  ServicePlayback(state, out);
  ServiceFinalise(out);
  ForgetPhotoTextures(state.report.photos);
}

bool ReportDevices::Active() const { return camera_ != nullptr || microphone_ != nullptr || playing_ || Saving(); }

std::int64_t ReportDevices::recorded_ms() const { return encoder_ ? encoder_->duration_ms() : 0; }

// ---- Camera ---------------------------------------------------------------------

void ReportDevices::ServiceCamera(const AppState& state, std::vector<Action>& out) {
  const bool wanted = state.screen == Screen::kReportPhotos && !state.report.confirm_leave;
  if (!wanted) {
    if (camera_) base::LogInfo("camera", "closed");
    camera_.reset();
    camera_failed_ = false;
    preview_texture_ = 0;
    photo_requests_done_ = state.report.photo_requests;
    return;
  }
  if (!camera_ && !camera_failed_) {
    media::CameraOptions options;
    options.device = config_.camera_device;
    auto opened = config_.camera_source.empty() ? media::OpenV4l2Camera(options)
                                                : media::OpenFileCamera(config_.camera_source, options);
    if (!opened) {
      base::LogError("camera", "cannot open the camera: " + opened.error().message);
      camera_failed_ = true;
      return;
    }
    camera_ = std::move(*opened);
    base::LogInfo("camera", "open: " + (config_.camera_source.empty() ? config_.camera_device : config_.camera_source));
  }
  if (!camera_) return;
  if (auto frame = camera_->TakePreview()) {
    preview_texture_id_ = UploadRgba(preview_texture_id_, frame->image.width, frame->image.height, frame->image.pixels.data());
    preview_texture_ = AsImTexture(preview_texture_id_);
    preview_size_ = ImVec2(static_cast<float>(frame->image.width), static_cast<float>(frame->image.height));
  }
  if (auto status = camera_->status(); !status) {
    base::LogError("camera", "camera stopped: " + status.error().message);
    camera_.reset();
    camera_failed_ = true;
    preview_texture_ = 0;
    return;
  }
  while (photo_requests_done_ < state.report.photo_requests) {
    ++photo_requests_done_;
    auto still = camera_->CaptureStill();
    if (!still) {
      out.push_back(PhotoTaken{still.error()});
      continue;
    }
    auto photo = media::MakePhoto(*still);
    if (!photo) {
      out.push_back(PhotoTaken{photo.error()});
      continue;
    }
    out.push_back(PhotoTaken{ReportPhoto{0, std::move(photo->jpeg), photo->width, photo->height}});
  }
}

// ---- Microphone -----------------------------------------------------------------

void ReportDevices::ServiceMicrophone(const AppState& state, std::vector<Action>& out) {
  if (state.report.recording && !microphone_) {
    media::MicrophoneOptions options;
    options.format = kVoiceFormat;
    auto opened = config_.mic_source.empty() ? media::OpenSdlMicrophone(options)
                                             : media::OpenFileMicrophone(config_.mic_source, options);
    auto encoder = opened ? media::VoiceEncoder::Create(kVoiceFormat) : base::Result<std::unique_ptr<media::VoiceEncoder>>(opened.error());
    if (!opened || !encoder) {
      const base::Error error = !opened ? opened.error() : encoder.error();
      base::LogError("microphone", "cannot record: " + error.message);
      out.push_back(VoiceRecorded{error});
      return;
    }
    microphone_ = std::move(*opened);
    encoder_ = std::move(*encoder);
    mic_level_ = 0;
    base::LogInfo("microphone", "recording from " + (config_.mic_source.empty() ? std::string("the microphone") : config_.mic_source));
  }
  if (!microphone_) return;
  samples_.clear();
  microphone_->Take(samples_);
  if (!samples_.empty()) {
    mic_level_ = MeterLevel(media::MeasureLevels(samples_));
    if (auto appended = encoder_->Append(samples_); !appended) {
      microphone_.reset();
      encoder_.reset();
      out.push_back(VoiceRecorded{appended.error()});
      return;
    }
  }
  const bool failed = !microphone_->status();
  const bool full = encoder_->duration_ms() >= kMaxVoiceNoteMs;
  if (!state.report.recording || failed || full) {
    if (failed) {
      base::LogError("microphone", "stopped: " + microphone_->status().error().message);
      microphone_.reset();
      encoder_.reset();
      out.push_back(VoiceRecorded{base::MakeError(base::ErrorCode::kIo, "the microphone stopped")});
      return;
    }
    if (full) base::LogInfo("microphone", "three minutes reached: the note ends here");
    out.push_back(VoiceRecorded{FinishRecording()});
  }
}

base::Result<ReportVoice> ReportDevices::FinishRecording() {
  microphone_.reset();
  auto note = encoder_->Finish();
  encoder_.reset();
  mic_level_ = 0;
  if (!note) return note.error();
  return ReportVoice{std::move(note->ogg), note->duration_ms};
}

// ---- Playing the note back -----------------------------------------------------------

void ReportDevices::ServicePlayback(const AppState& state, std::vector<Action>& out) {
  const bool wanted = state.report.playing_voice && state.report.voice;
  if (!wanted) {
    if (playing_) StopPlayback();
    return;
  }
  if (!playing_) {
    auto pcm = media::DecodeVoiceNote(state.report.voice->ogg, kVoiceFormat);
    if (!pcm) {
      base::LogError("report", "cannot play the voice note: " + pcm.error().message);
      out.emplace_back(std::in_place_type<VoicePlaybackEnded>);
      return;
    }
    playing_ = true;
    playback_ends_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(pcm->duration_ms());
    base::LogInfo("report", "playing the voice note back (" + std::to_string(pcm->duration_ms()) + " ms)");
    if (!config_.null_audio) {
      if (!audio_device_) {
        if (SDL_InitSubSystem(SDL_INIT_AUDIO) == 0) {
          SDL_AudioSpec want{};
          want.freq = kVoiceFormat.sample_rate;
          want.format = AUDIO_S16SYS;
          want.channels = static_cast<Uint8>(kVoiceFormat.channels);
          want.samples = 2048;
          audio_device_ = SDL_OpenAudioDevice(nullptr, 0, &want, nullptr, 0);
        }
        if (!audio_device_) base::LogWarn("report", std::string("no sound output: ") + SDL_GetError());
      }
      if (audio_device_) {
        SDL_QueueAudio(audio_device_, pcm->samples.data(), static_cast<Uint32>(pcm->samples.size() * sizeof(std::int16_t)));
        SDL_PauseAudioDevice(audio_device_, 0);
      }
    }
    return;
  }
  const bool done = audio_device_ ? SDL_GetQueuedAudioSize(audio_device_) == 0
                                  : std::chrono::steady_clock::now() >= playback_ends_;
  if (done) {
    StopPlayback();
    out.emplace_back(std::in_place_type<VoicePlaybackEnded>);
  }
}

void ReportDevices::StopPlayback() {
  if (audio_device_) {
    SDL_PauseAudioDevice(audio_device_, 1);
    SDL_ClearQueuedAudio(audio_device_);
  }
  playing_ = false;
}

// ---- Saving -----------------------------------------------------------------------

void ReportDevices::StartFinalise(station_sync::Outbox& outbox, station_sync::ReportDraft draft) {
  if (finalising_.valid()) return;
  finalising_ = std::async(std::launch::async, [&outbox, draft = std::move(draft), wake = config_.wake] {
    auto outcome = outbox.Finalise(draft);
    if (wake) wake();
    return outcome;
  });
}

void ReportDevices::ServiceFinalise(std::vector<Action>& out) {
  if (!finalising_.valid() || finalising_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
  out.push_back(ReportFinalised{finalising_.get()});
}

// ---- Photo textures --------------------------------------------------------------------

ImTextureID ReportDevices::Texture(const ReportPhoto& photo, ImVec2* size) {
  auto it = photo_textures_.find(photo.id);
  if (it == photo_textures_.end()) {
    int w = 0, h = 0, channels = 0;
    unsigned char* rgba = stbi_load_from_memory(reinterpret_cast<const unsigned char*>(photo.jpeg.data()),
                                                static_cast<int>(photo.jpeg.size()), &w, &h, &channels, 4);
    PhotoTexture texture;
    if (rgba) {
      texture.id = UploadRgba(0, w, h, rgba);
      texture.size = ImVec2(static_cast<float>(w), static_cast<float>(h));
      stbi_image_free(rgba);
    }
    it = photo_textures_.emplace(photo.id, texture).first;
  }
  *size = it->second.size;
  return it->second.id ? AsImTexture(it->second.id) : 0;
}

void ReportDevices::ForgetPhotoTextures(const std::vector<ReportPhoto>& photos) {
  for (auto it = photo_textures_.begin(); it != photo_textures_.end();) {
    const bool kept = std::any_of(photos.begin(), photos.end(), [&](const ReportPhoto& p) { return p.id == it->first; });
    if (kept) {
      ++it;
    } else {
      DeleteTexture(it->second.id);
      it = photo_textures_.erase(it);
    }
  }
}

}  // namespace kiosk
