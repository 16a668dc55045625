#include "kiosk/playback.h"

#include "base/log.h"
#include "player/audio_sink.h"

namespace kiosk {

Playback::Playback(bool null_audio) : null_audio_(null_audio) {}

Playback::~Playback() { Close(); }

base::Result<player::MediaInfo> Playback::Open(const PlaybackRequest& request, const std::string& content_dir) {
  Close();
  if (!gl_ready_) {
    if (auto ready = frame_.Init(); !ready) return ready.error();
    gl_ready_ = true;
  }
  player::OpenOptions options;
  if (null_audio_) options.audio_sink = player::MakeNullAudioSink();
  if (!request.lesson.subtitle_path.empty()) options.subtitle_path = content_dir + "/" + request.lesson.subtitle_path;
  options.start_paused = request.start_ms > 0;  // seek first, so the start is not shown
  auto opened = player_.Open(content_dir + "/" + request.lesson.media_path, options);
  if (!opened) return opened.error();
  info_ = *opened;
  open_ = true;
  if (!info_.has_video) {
    if (auto cover = player_.CoverArt()) {
      frame_.Upload(*cover);
      frame_shown_ = cover_art_ = true;
    }
  }
  if (request.start_ms > 0) {
    player_.Seek(request.start_ms, true);
    player_.Play();
  }
  return info_;
}

void Playback::Close() {
  if (!open_) return;
  player_.Close();
  open_ = frame_shown_ = cover_art_ = false;
  info_ = {};
}

void Playback::Apply(const PlayerCommand& command) {
  using Kind = PlayerCommand::Kind;
  switch (command.kind) {
    case Kind::kPlay: player_.Play(); break;
    case Kind::kPause: player_.Pause(); break;
    case Kind::kSeek: player_.Seek(command.position_ms, true); break;
    case Kind::kVolume: player_.SetVolume(command.value); break;
    case Kind::kSpeed: player_.SetSpeed(command.value); break;
    case Kind::kSubtitles: player_.SetSubtitlesEnabled(command.enabled); break;
  }
}

bool Playback::Tick() {
  if (!open_) return false;
  auto frame = player_.Tick(player_.Now());
  if (!frame) return false;
  frame_.Upload(*frame);
  frame_shown_ = true;
  cover_art_ = false;
  return true;
}

void Playback::DrawVideo(int framebuffer_width, int framebuffer_height) {
  if (!open_ || !frame_shown_) return;
  if (cover_art_) {  // the same box DrawPlayer leaves for a picture (GL counts y from the bottom)
    const int w = framebuffer_width / 2, h = framebuffer_height / 2;
    frame_.Draw({framebuffer_width / 4, framebuffer_height - framebuffer_height * 12 / 100 - h, w, h});
    return;
  }
  frame_.Draw({0, 0, framebuffer_width, framebuffer_height});
}

bool Playback::Waiting() const {
  if (!open_) return false;
  const player::State state = player_.Status().state;
  return state == player::State::kOpening || state == player::State::kSeeking;
}

}  // namespace kiosk
