// The lesson playing on the station: a player::Player and the GL texture its
// frames go to. UI thread only (GL). The event loop drives it:
//
//   if (auto request = app.TakePlaybackRequest()) playback.Open(*request, content_dir);
//   for (auto& command : app.TakePlayerCommands()) playback.Apply(command);
//   if (playback.Tick()) redraw;               // a new frame was uploaded
//   ... playback.DrawVideo(w, h) under the ImGui controls ...
//   sleep until playback.NextWakeup()
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "kiosk/app.h"
#include "player/gl_frame.h"
#include "player/player.h"

namespace kiosk {

class Playback {
 public:
  explicit Playback(bool null_audio);
  ~Playback();

  // Opens the lesson's file and starts it at request.start_ms.
  base::Result<player::MediaInfo> Open(const PlaybackRequest& request, const std::string& content_dir);
  void Close();
  bool is_open() const { return open_; }
  const player::MediaInfo& info() const { return info_; }

  void Apply(const PlayerCommand& command);
  // Advances the player; true when a new frame went to the texture.
  bool Tick();
  // The video fills the framebuffer (letterboxed); an audio-only lesson's
  // cover art goes in the upper middle, where the player screen leaves room.
  void DrawVideo(int framebuffer_width, int framebuffer_height);
  bool has_frame() const { return frame_shown_; }

  player::PlayerStatus Status() const { return player_.Status(); }
  player::TimePoint NextWakeup() const { return player_.NextWakeup(); }
  std::string Subtitle() const { return player_.CurrentSubtitle(); }
  // Opening, or a seek has not landed yet.
  bool Waiting() const;

 private:
  bool null_audio_;
  player::Player player_;
  player::GlFrame frame_;
  bool gl_ready_ = false;
  bool open_ = false;
  bool frame_shown_ = false;  // the texture holds this lesson's picture, not the last one's
  bool cover_art_ = false;    // ... and it is the cover art of an audio-only lesson
  player::MediaInfo info_;
};

}  // namespace kiosk
