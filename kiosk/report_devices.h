// The report flow's hardware at the station: the camera (live preview and
// photos), the microphone (a voice note encoded as it is spoken), playing
// the note back, photo textures, and the worker that saves a report
// durably. It follows the app state (kiosk/report_flow.h) and answers with
// intents; it owns GL textures, so it lives and dies on the UI thread with
// the GL context current.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kiosk/app.h"
#include "kiosk/screens.h"
#include "media/camera.h"
#include "media/microphone.h"
#include "media/voice.h"

namespace station_sync { class Outbox; }

namespace kiosk {

struct ReportDevicesConfig {
  std::string camera_source;  // a file standing in for the camera; empty: V4L2
  std::string camera_device = "/dev/video0";
  std::string mic_source;     // a file standing in for the microphone; empty: SDL capture
  bool null_audio = false;    // play voice notes to nobody, at real-time pace
  std::function<void()> wake;  // called from workers when a result is ready
};

class ReportDevices final : public PhotoTextures {
 public:
  explicit ReportDevices(ReportDevicesConfig config);
  ~ReportDevices() override;

  // Once per loop: opens and closes devices as the state asks, collects
  // samples and frames, and appends what happened as intents.
  void Service(const AppState& state, std::vector<Action>& out);
  // Saves the report on a worker (Outbox::Finalise); ReportFinalised follows.
  void StartFinalise(station_sync::Outbox& outbox, station_sync::ReportDraft draft);

  ImTextureID Texture(const ReportPhoto& photo, ImVec2* size) override;
  ImTextureID preview() const { return preview_texture_; }
  ImVec2 preview_size() const { return preview_size_; }
  bool camera_failed() const { return camera_failed_; }
  float mic_level() const { return mic_level_; }
  std::int64_t recorded_ms() const;
  // Something moves on screen or a result is due: keep drawing / polling.
  bool Active() const;
  bool Saving() const { return finalising_.valid(); }

 private:
  void ServiceCamera(const AppState& state, std::vector<Action>& out);
  void ServiceMicrophone(const AppState& state, std::vector<Action>& out);
  void ServicePlayback(const AppState& state, std::vector<Action>& out);
  void ServiceFinalise(std::vector<Action>& out);
  base::Result<ReportVoice> FinishRecording();
  void StopPlayback();
  void ForgetPhotoTextures(const std::vector<ReportPhoto>& photos);

  ReportDevicesConfig config_;
  // Camera: open while the photo step is on screen.
  std::unique_ptr<media::Camera> camera_;
  bool camera_failed_ = false;
  std::uint64_t photo_requests_done_ = 0;
  unsigned preview_texture_id_ = 0;
  ImTextureID preview_texture_ = 0;
  ImVec2 preview_size_{0, 0};
  // Microphone: open while recording.
  std::unique_ptr<media::Microphone> microphone_;
  std::unique_ptr<media::VoiceEncoder> encoder_;
  std::vector<std::int16_t> samples_;
  float mic_level_ = 0;
  // Playing the note back.
  bool playing_ = false;
  std::uint32_t audio_device_ = 0;
  std::chrono::steady_clock::time_point playback_ends_;
  // Photos as textures, by photo id.
  struct PhotoTexture { unsigned id = 0; ImVec2 size; };
  std::map<std::uint64_t, PhotoTexture> photo_textures_;
  std::future<base::Result<station_sync::SubmittedReport>> finalising_;
};

}  // namespace kiosk
