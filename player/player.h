// player: plays one lesson file (video and/or audio, optional subtitles).
//
// The UI thread owns a Player and calls Tick(now) once per frame; Tick returns
// the video frame to show if a new one is due, and NextWakeup() says when the
// event loop should wake next. Demuxing, decoding and audio output run on the
// player's own threads; nothing here ever calls back into the UI.
//
//   Player player;
//   auto info = player.Open("lesson.mp4", {});
//   if (!info) ShowError(info.error());
//   while (running) {
//     if (auto frame = player.Tick(player::Clock::now())) Upload(*frame);
//     Draw(); WaitUntil(player.NextWakeup());
//   }
//
// Errors never crash or hang the caller: a broken file, a stalled read or a
// failing device ends in State::kError with a code and message in Status().
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"

namespace player {

class AudioSink;

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

enum class PixelFormat {
  kYuv420p,  // planes[0..2] = Y, U, V; chroma is half width and half height
  kNv12,     // planes[0] = Y, planes[1] = interleaved UV
};

enum class ColorMatrix { kBt601, kBt709 };

// A decoded picture, referencing memory the Player owns. The planes stay valid
// until the next Tick() that returns a frame, Close(), or the Player's
// destruction, whichever comes first.
struct VideoFrame {
  PixelFormat format = PixelFormat::kYuv420p;
  int width = 0;
  int height = 0;
  const std::uint8_t* planes[3] = {nullptr, nullptr, nullptr};
  int strides[3] = {0, 0, 0};
  ColorMatrix matrix = ColorMatrix::kBt601;
  bool full_range = false;
  // Sample (pixel) aspect ratio; 1:1 for square pixels. Display width is
  // width * sar_num / sar_den.
  int sar_num = 1;
  int sar_den = 1;
  // Clockwise rotation the renderer must apply: 0, 90, 180 or 270.
  int rotation_degrees = 0;
  bool deinterlaced = false;  // this picture went through the deinterlacer
  std::int64_t pts_ms = 0;    // media time, 0 = start of the file
  std::uint64_t sequence = 0; // increases by one per frame returned
};

enum class State { kOpening, kPlaying, kPaused, kSeeking, kEnded, kError };
const char* ToString(State state);

struct Counters {
  // At the end of a run without seeks:
  //   decoded + dropped_undecoded == shown + dropped.
  std::int64_t frames_decoded = 0;  // video frames out of the decoder
  std::int64_t frames_shown = 0;    // returned by Tick()
  std::int64_t frames_dropped = 0;  // late: a later frame was due (Tick), already
                                    // a frame late when decoded (video thread), or
                                    // never decoded (frames_dropped_undecoded)
  // Part of frames_dropped: late non-reference frames the decoder was told to
  // skip (skip_frame) while the video thread was behind the clock.
  std::int64_t frames_dropped_undecoded = 0;
  std::int64_t frames_skipped = 0;  // before an exact seek target, never meant to show
  std::int64_t decode_errors = 0;   // rejected or corrupt packets, concealed frames
  std::int64_t audio_underruns = 0; // times the audio sink ran dry while playing
};

struct PlayerStatus {
  State state = State::kOpening;
  std::int64_t position_ms = 0;
  std::int64_t duration_ms = 0;  // 0 when unknown
  double speed = 1.0;
  double volume = 1.0;
  bool deinterlacing = false;    // interlaced frames seen and being deinterlaced
  // Clock minus pts of the last shown frame (positive: video late).
  std::int64_t av_drift_ms = 0;
  Counters counters;
  // The hardware decoder in use ("vaapi"), or "" for software decoding. May
  // differ from MediaInfo::hw_decoder when the hardware refused the stream
  // after Open() and decoding fell back to software.
  std::string hw_decoder;
  // Set only in State::kError.
  std::optional<base::Error> error;
};

struct MediaInfo {
  std::string container;      // e.g. "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm"
  std::int64_t duration_ms = 0;
  bool has_video = false;
  bool has_audio = false;
  bool has_cover_art = false; // an attached picture (MP3/M4A artwork): see Player::CoverArt()
  std::string video_codec;    // e.g. "h264"
  // Hardware decoding set up at Open(): "vaapi", or "" for software (no
  // device, the device lacks the codec, or OpenOptions::hw_decode is false).
  std::string hw_decoder;
  std::string audio_codec;    // e.g. "aac"
  int width = 0;
  int height = 0;
  double frame_rate = 0;
  int sar_num = 1;
  int sar_den = 1;
  int rotation_degrees = 0;   // clockwise
  int audio_sample_rate = 0;
  int audio_channels = 0;
  int subtitle_tracks = 0;    // embedded text tracks found
  bool sidecar_subtitles = false;
};

struct OpenOptions {
  // Where audio goes. Null: the default sink CMake chose for this build
  // (SDL2, or the null sink). Tests pass a null sink with a time_scale and
  // must then feed Tick() with player.Now(), which follows the sink's clock.
  std::shared_ptr<AudioSink> audio_sink;
  // Sidecar .srt; empty: "<path without extension>.srt" if it exists.
  std::string subtitle_path;
  bool start_paused = false;
  double volume = 1.0;  // 0..1
  double speed = 1.0;   // 0.75..1.5, pitch kept
  // A read, open or seek that takes longer than this fails with kUnavailable.
  int stall_timeout_ms = 5000;
  // Demuxer read-ahead per stream.
  std::int64_t max_queue_bytes = 8 << 20;
  std::int64_t max_queue_duration_ms = 3000;
  int frame_queue_frames = 4;
  // Decode video on the GPU through libavcodec's VAAPI hwaccel when the box
  // has a device that handles the codec; otherwise, or if it fails, decode
  // in software. Frames are copied back to memory as nv12.
  bool hw_decode = true;
  // VAAPI device (DRM render node); empty: libva's default.
  std::string hw_device;
};

class Player {
 public:
  Player();
  ~Player();
  Player(const Player&) = delete;
  Player& operator=(const Player&) = delete;

  // Probes the file and starts the worker threads. On failure the player is
  // in State::kError and the same error is returned. Calling Open again
  // closes the previous file first.
  base::Result<MediaInfo> Open(const std::string& path, const OpenOptions& options);
  void Close();

  void Play();
  void Pause();
  // exact: land on position_ms itself (decode forward from the previous
  // keyframe, discarding earlier frames); otherwise on the keyframe before.
  void Seek(std::int64_t position_ms, bool exact = true);
  void SetVolume(double volume);  // clamped to 0..1
  void SetSpeed(double speed);    // clamped to 0.75..1.5
  void SetSubtitlesEnabled(bool enabled);

  // The UI thread's per-frame call: advances the clock, handles state
  // changes, and returns a frame if a new one is due at `now`.
  std::optional<VideoFrame> Tick(TimePoint now);
  // When the next frame is due (or a poll interval if nothing is queued).
  TimePoint NextWakeup() const;
  // The clock Tick() expects: the audio sink's (scaled for the null sink).
  TimePoint Now() const;

  PlayerStatus Status() const;
  // The attached picture of a file with cover art (MP3/M4A), decoded at
  // Open(); planes stay valid until Close(). Not part of the video timeline.
  std::optional<VideoFrame> CoverArt() const;
  // Subtitle text active at the current position ("" if none or disabled).
  std::string CurrentSubtitle() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace player
