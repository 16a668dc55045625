// Internal: Player::Impl, shared by the player's translation units.
//
//   player_open.cpp    Open(): probe, decoders, sidecar subtitles, audio device
//   demux_thread.cpp   av_read_frame -> packet queues; text subtitles
//   video_thread.cpp   decode -> [deinterlace, convert] -> FrameQueue
//   audio_thread.cpp   decode -> atempo/aresample -> volume -> AudioSink
//   player.cpp         the UI-thread tick and the public Player methods
//
// Fields are grouped by the thread allowed to touch them. Seeks bump
// `serial`; every queued item carries the serial it was made under and
// consumers drop stale ones (queues.h).
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/log.h"
#include "player/audio_sink.h"
#include "player/ff_util.h"
#include "player/hw_decode.h"
#include "player/playback_clock.h"
#include "player/player.h"
#include "player/queues.h"
#include "player/subtitles.h"

namespace player {

inline constexpr char kLog[] = "player";
inline constexpr auto kPoll = std::chrono::milliseconds(10);
inline constexpr std::int64_t kNoPts = AV_NOPTS_VALUE;
inline constexpr std::uint64_t kNoSerial = ~std::uint64_t{0};
// How long a picture waits for the first audio after open or seek.
inline constexpr auto kAudioWait = std::chrono::milliseconds(1000);
// The decoder drops at most this many late frames in a row, so a box too
// slow for the stream still shows some pictures.
inline constexpr int kMaxEarlyDrops = 5;

struct Player::Impl {
  // ---- Set by Open() before the threads start; read-only afterwards. ----
  std::string path;
  OpenOptions options;
  MediaInfo info;
  AVFormatContext* format = nullptr;  // used by the demux thread only once running
  int video_index = -1;
  int audio_index = -1;
  int subtitle_index = -1;
  ff::CodecContextPtr video_codec, audio_codec, subtitle_codec;
  std::int64_t start_us = 0;           // container start time; media time 0
  std::int64_t frame_duration_us = 40000;
  std::shared_ptr<AudioSink> sink;
  AudioFormat sink_format;
  bool audio_output = false;           // audio decoded and played through the sink
  std::vector<std::thread> threads;
  DecodedFrame cover;  // attached picture, decoded once (may be empty)

  // ---- Shared by all threads: atomics, queues, or guarded by the named mutex. ----
  std::atomic<bool> quit{false};
  std::atomic<std::uint64_t> serial{0};  // current seek generation
  std::atomic<std::int64_t> io_deadline_ns{0};  // 0: no deadline (interrupt callback)
  std::atomic<double> speed{1.0};
  std::atomic<double> volume{1.0};
  std::unique_ptr<PacketQueue> video_packets, audio_packets;
  std::unique_ptr<FrameQueue> frames;
  std::atomic<std::int64_t> frames_decoded{0}, frames_skipped{0}, decode_errors{0};
  std::atomic<std::int64_t> frames_dropped_early{0};  // by the decoder, already late
  std::atomic<std::int64_t> frames_dropped_undecoded{0};  // skipped by the decoder, late
  HwDecodeState hw_state;  // written by the decoder's get_format, read by Status()
  std::atomic<std::int64_t> late_clock_us{kNoPts};     // UI's clock at its last tick while playing
  std::atomic<bool> deinterlacing{false};
  std::atomic<std::uint64_t> video_finished_serial{kNoSerial};  // decoder drained at EOS
  std::atomic<std::uint64_t> audio_finished_serial{kNoSerial};

  std::mutex seek_mutex;  // guards the seek request and per-serial targets
  std::condition_variable seek_cv;
  struct SeekRequest {
    std::int64_t target_us;
    std::uint64_t serial;
  };
  std::optional<SeekRequest> pending_seek;
  std::int64_t skip_until_us = kNoPts;  // exact seek target for `serial`
  std::int64_t seek_position_us = kNoPts;  // where the demuxer was last asked to seek
  int seek_retries = 0;                    // RetrySeekEarlier() calls for this target

  mutable std::mutex error_mutex;
  std::optional<base::Error> error;  // first error wins

  std::mutex audio_clock_mutex;  // audio thread writes, UI thread reads
  std::uint64_t written_serial = kNoSerial;
  std::int64_t written_end_us = kNoPts;  // media time after the last sample written

  mutable std::mutex subtitle_mutex;  // demux thread adds, UI thread reads
  SubtitleTrack embedded_subtitles;
  SubtitleTrack sidecar_subtitles;

  // ---- UI thread only. ----
  State state = State::kError;
  bool user_paused = false;
  bool must_show = true;
  bool subtitles_enabled = true;
  bool audio_drained = false;  // audio ended for this serial; clock runs free
  PlaybackClock clock;
  std::int64_t clock_us = 0;
  DecodedFrame current;  // keeps the last returned frame's planes alive
  std::uint64_t sequence = 0;
  std::int64_t frames_shown = 0, frames_dropped = 0;
  std::int64_t last_shown_pts_us = kNoPts;
  std::int64_t av_drift_us = 0;
  TimePoint next_wakeup{};
  TimePoint waiting_since{};  // real time Opening/Seeking began


  // ---- Helpers any thread may call. ----
  void Fail(base::Error e) {
    std::lock_guard lock(error_mutex);
    if (!error) {
      base::LogError(kLog, e.message);
      error = std::move(e);
    }
  }
  bool Stale(std::uint64_t s) const { return s != serial.load(); }
  std::int64_t SkipUntilFor(std::uint64_t s) {
    std::lock_guard lock(seek_mutex);
    return s == serial.load() ? skip_until_us : kNoPts;
  }

  // Called by the video thread when an exact seek landed after its target:
  // containers without a keyframe index (MPEG-TS) seek to the nearest
  // packet, and the decoder then waits for the next keyframe. Asks the
  // demuxer to seek again further back (1 s, 4 s, 16 s before the target)
  // under a new serial. False when the seek is no longer current or there
  // is nothing earlier to try.
  bool RetrySeekEarlier(std::uint64_t for_serial) {
    std::lock_guard lock(seek_mutex);
    if (serial.load() != for_serial || skip_until_us == kNoPts) return false;
    if (seek_retries >= 3 || seek_position_us <= start_us) return false;
    std::int64_t back_us = std::int64_t{1000000} << (2 * seek_retries);
    ++seek_retries;
    seek_position_us = std::max(start_us, skip_until_us - back_us);
    std::uint64_t s = for_serial + 1;
    pending_seek = SeekRequest{seek_position_us, s};
    serial.store(s);
    seek_cv.notify_all();
    return true;
  }

  static int Interrupt(void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    if (self->quit.load()) return 1;
    std::int64_t deadline = self->io_deadline_ns.load();
    return deadline != 0 && Clock::now().time_since_epoch().count() > deadline;
  }
  void ArmDeadline() {
    auto d = Clock::now() + std::chrono::milliseconds(options.stall_timeout_ms);
    io_deadline_ns.store(d.time_since_epoch().count());
  }
  void DisarmDeadline() { io_deadline_ns.store(0); }

  // Shared decode step: send one packet (null = drain), hand every frame out.
  template <typename OnFrame>
  void Decode(AVCodecContext* ctx, AVPacket* packet, AVFrame* frame, OnFrame on_frame) {
    for (;;) {
      int err = avcodec_send_packet(ctx, packet);
      bool retry = err == AVERROR(EAGAIN);
      if (err < 0 && !retry && err != AVERROR_EOF) decode_errors.fetch_add(1);
      for (;;) {
        int got = avcodec_receive_frame(ctx, frame);
        if (got == AVERROR(EAGAIN) || got == AVERROR_EOF) break;
        if (got < 0) {
          decode_errors.fetch_add(1);
          break;
        }
        on_frame(frame);
        av_frame_unref(frame);
        if (quit.load()) return;
      }
      if (!retry) return;
    }
  }

  // ---- Open (caller's thread, before the workers start): player_open.cpp ----
  base::Status Probe();
  // hardware: try VAAPI first (video only; falls back to software).
  base::Status OpenDecoder(int index, ff::CodecContextPtr* out, bool hardware = false);
  void LoadSidecarSubtitles();
  void OpenAudioOutput();
  void DecodeCoverArt(int index);

  // ---- Worker threads: demux_thread.cpp, video_thread.cpp, audio_thread.cpp ----
  bool QueuesFull() const;
  void DemuxLoop();
  void RoutePacket(ff::PacketPtr packet, std::uint64_t packet_serial);
  void DecodeSubtitle(AVPacket* packet, AVStream* st);
  void VideoLoop();
  void AudioLoop();

  // ---- UI thread: player.cpp ----
  struct Readiness {
    bool video = false;
    bool audio = false;
  };
  void DropStaleFrames();
  Readiness ReadyForSerial();
  void UpdateState(TimePoint now);
  void ApplyPause(TimePoint now);
  void UpdateClock(TimePoint now);
  std::optional<VideoFrame> PresentVideo(TimePoint now);
  VideoFrame MakeVideoFrame(const DecodedFrame& d) const;
  void HandleEnd();
  void StopThreads();
  ~Impl();
};

}  // namespace player
