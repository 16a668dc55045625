#include "kiosk/playback.h"

#include <chrono>

#include "base/log.h"
#include "player/audio_sink.h"

namespace kiosk {
namespace {
constexpr auto kOpeningPoll = std::chrono::milliseconds(20);
}

Playback::Playback(bool null_audio) : null_audio_(null_audio) {}

Playback::~Playback() { Close(); }

base::Status Playback::InitGl() {
  if (gl_ready_) return base::Ok();
  if (auto ready = frame_.Init(); !ready) return ready;
  gl_ready_ = true;
  return base::Ok();
}

void Playback::Open(const PlaybackRequest& request, const std::string& content_dir) {
  Close();
  if (auto ready = InitGl(); !ready) {
    open_result_ = ready.error();
    state_ = State::kFailed;
    return;
  }
  player::OpenOptions options;
  if (null_audio_) options.audio_sink = player::MakeNullAudioSink();
  if (!request.lesson.subtitle_path.empty()) options.subtitle_path = content_dir + "/" + request.lesson.subtitle_path;
  options.start_paused = request.start_ms > 0;  // seek first, so the start is not shown
  const std::string path = content_dir + "/" + request.lesson.media_path;
  const std::int64_t start_ms = request.start_ms;
  state_ = State::kOpening;
  opening_ = std::async(std::launch::async, [this, path, options, start_ms] {
    auto opened = player_.Open(path, options);
    if (opened && start_ms > 0) {
      player_.Seek(start_ms, true);
      player_.Play();
    }
    return opened;
  });
}

// UI thread: takes over the player from the opening worker once it is done.
void Playback::FinishOpening() {
  if (state_ != State::kOpening || opening_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
  auto opened = opening_.get();
  if (!opened) {
    state_ = State::kFailed;
    open_result_ = opened.error();
    return;
  }
  info_ = *opened;
  state_ = State::kOpen;
  open_result_ = info_;
  if (!info_.has_video) {
    if (auto cover = player_.CoverArt()) {
      frame_.Upload(*cover);
      frame_shown_ = cover_art_ = true;
    }
  }
  for (const PlayerCommand& command : pending_commands_) Apply(command);
  pending_commands_.clear();
}

std::optional<base::Result<player::MediaInfo>> Playback::TakeOpenResult() {
  FinishOpening();
  std::optional<base::Result<player::MediaInfo>> result;
  result.swap(open_result_);
  return result;
}

void Playback::Close() {
  if (opening_.valid()) opening_.wait();  // bounded by the player's stall timeout
  opening_ = {};
  if (state_ != State::kClosed) player_.Close();
  state_ = State::kClosed;
  frame_shown_ = cover_art_ = false;
  info_ = {};
  open_result_.reset();
  pending_commands_.clear();
}

void Playback::Apply(const PlayerCommand& command) {
  if (state_ == State::kOpening) {
    pending_commands_.push_back(command);
    return;
  }
  if (state_ != State::kOpen) return;
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
  FinishOpening();
  if (state_ != State::kOpen) return false;
  auto frame = player_.Tick(player_.Now());
  if (!frame) return false;
  frame_.Upload(*frame);
  frame_shown_ = true;
  cover_art_ = false;
  return true;
}

void Playback::DrawVideo(int framebuffer_width, int framebuffer_height) {
  if (state_ != State::kOpen || !frame_shown_) return;
  if (cover_art_) {  // the same box DrawPlayer leaves for a picture (GL counts y from the bottom)
    const int w = framebuffer_width / 2, h = framebuffer_height / 2;
    frame_.Draw({framebuffer_width / 4, framebuffer_height - framebuffer_height * 12 / 100 - h, w, h});
    return;
  }
  frame_.Draw({0, 0, framebuffer_width, framebuffer_height});
}

player::PlayerStatus Playback::Status() const {
  if (state_ == State::kOpen) return player_.Status();
  player::PlayerStatus status;
  status.state = state_ == State::kFailed ? player::State::kError : player::State::kOpening;
  return status;
}

player::TimePoint Playback::NextWakeup() const {
  if (state_ == State::kOpen) return player_.NextWakeup();
  return player::Clock::now() + kOpeningPoll;
}

std::string Playback::Subtitle() const { return state_ == State::kOpen ? player_.CurrentSubtitle() : ""; }

bool Playback::Waiting() const {
  if (state_ == State::kOpening) return true;
  if (state_ != State::kOpen) return false;
  const player::State state = player_.Status().state;
  return state == player::State::kOpening || state == player::State::kSeeking;
}

}  // namespace kiosk
