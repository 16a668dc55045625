// The lesson playing on the station: a player::Player and the GL texture its
// frames go to. The event loop drives it on the UI thread (GL):
//
//   if (auto request = app.TakePlaybackRequest()) playback.Open(*request, content_dir);
//   if (auto opened = playback.TakeOpenResult()) ... report a failure ...
//   for (auto& command : app.TakePlayerCommands()) playback.Apply(command);
//   if (playback.Tick()) redraw;               // a new frame was uploaded
//   ... playback.DrawVideo(w, h) under the ImGui controls ...
//   sleep until playback.NextWakeup()
//
// Opening (probing the file) runs on a worker: a file on a slow or stalled
// disk may take up to the player's stall timeout, and the screen must stay
// alive meanwhile. Commands given while it opens are applied once it has.
#pragma once

#include <cstdint>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "kiosk/app.h"
#include "player/gl_frame.h"
#include "player/player.h"

namespace kiosk {

class Playback {
 public:
  explicit Playback(bool null_audio);
  ~Playback();

  // Compiles the video shaders (software GL takes ~0.4 s): call at start-up,
  // with the GL context current, so no villager waits for it.
  base::Status InitGl();

  // Starts opening the lesson's file, to play from request.start_ms.
  void Open(const PlaybackRequest& request, const std::string& content_dir);
  // Once, when opening has finished: the media, or why it cannot play.
  std::optional<base::Result<player::MediaInfo>> TakeOpenResult();
  void Close();
  bool is_open() const { return state_ != State::kClosed; }
  const player::MediaInfo& info() const { return info_; }

  void Apply(const PlayerCommand& command);
  // Advances the player; true when a new frame went to the texture.
  bool Tick();
  // The video fills the framebuffer (letterboxed); an audio-only lesson's
  // cover art goes in the upper middle, where the player screen leaves room.
  void DrawVideo(int framebuffer_width, int framebuffer_height);
  bool has_frame() const { return frame_shown_; }

  player::PlayerStatus Status() const;
  player::TimePoint NextWakeup() const;
  std::string Subtitle() const;
  // Opening, or a seek has not landed yet.
  bool Waiting() const;

 private:
  enum class State { kClosed, kOpening, kOpen, kFailed };
  void FinishOpening();

  bool null_audio_;
  player::Player player_;  // touched by the opening worker only while state_ is kOpening
  player::GlFrame frame_;
  bool gl_ready_ = false;
  State state_ = State::kClosed;
  std::future<base::Result<player::MediaInfo>> opening_;
  std::optional<base::Result<player::MediaInfo>> open_result_;
  std::vector<PlayerCommand> pending_commands_;  // given while opening
  bool frame_shown_ = false;  // the texture holds this lesson's picture, not the last one's
  bool cover_art_ = false;    // ... and it is the cover art of an audio-only lesson
  player::MediaInfo info_;
};

}  // namespace kiosk
