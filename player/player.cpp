// Player: threads, queues and the UI-thread tick.
//
//   Open() probes the file on the caller's thread, then starts:
//   demux thread  av_read_frame -> video/audio PacketQueue; text subtitles are
//                 decoded right there (cheap) into the embedded SubtitleTrack.
//   video thread  PacketQueue -> decoder -> [VideoFilter: yadif, format]
//                 -> FrameQueue (exact-seek frames before target discarded).
//   audio thread  PacketQueue -> decoder -> AudioFilter (atempo, aresample)
//                 -> volume -> AudioSink; records the media time of the last
//                 written sample, from which the UI derives the audio clock.
//   UI thread     Tick(): DropStaleFrames, UpdateState, UpdateClock, PresentVideo,
//                 HandleEnd. Never blocks on the workers.
//
// Seeks bump `serial`; every queued item carries the serial it was made
// under, and consumers drop stale ones (see queues.h). Errors from any
// thread land in `error` and Tick() turns them into State::kError.
#include "player/player.h"

extern "C" {
#include <libavutil/log.h>
}

#include <algorithm>

#include "player/frame_schedule.h"
#include "player/player_impl.h"

namespace player {

const char* ToString(State state) {
  switch (state) {
    case State::kOpening: return "opening";
    case State::kPlaying: return "playing";
    case State::kPaused: return "paused";
    case State::kSeeking: return "seeking";
    case State::kEnded: return "ended";
    case State::kError: return "error";
  }
  return "?";
}

namespace {

}  // namespace

// UI thread: the tick and its steps.
// The decoder may push one frame of the previous serial just after Seek()
// cleared the queue; drop such frames so they cannot block the head.
void Player::Impl::DropStaleFrames() {
  const std::uint64_t s = serial.load();
  while (auto head = frames->Peek()) {
    if (head->serial == s) break;
    frames->Pop();
  }
}

Player::Impl::Readiness Player::Impl::ReadyForSerial() {
  std::uint64_t s = serial.load();
  Readiness r;
  r.video = video_index < 0 || video_finished_serial.load() == s;
  if (!r.video) {
    auto head = frames->Peek();
    r.video = head && head->serial == s;
  }
  r.audio = !audio_output || audio_finished_serial.load() == s;
  if (!r.audio) {
    std::lock_guard lock(audio_clock_mutex);
    // Audio-only files start once a little audio is queued.
    r.audio = written_serial == s;
  }
  return r;
}

void Player::Impl::UpdateState(TimePoint now) {
  {
    std::lock_guard lock(error_mutex);
    if (error && state != State::kError) {
      state = State::kError;
      if (sink && audio_output) sink->SetPaused(true);
    }
  }
  if (state != State::kOpening && state != State::kSeeking) return;
  Readiness ready = ReadyForSerial();
  if (!ready.video || !ready.audio) {
    // Waiting is measured in real time: it is about stalls, not media.
    auto waited = Clock::now() - waiting_since;
    bool audio_late = ready.video && video_index >= 0 && waited > kAudioWait;
    if (!audio_late) {
      if (waited > std::chrono::milliseconds(options.stall_timeout_ms)) {
        Fail(base::MakeError(base::ErrorCode::kUnavailable,
                             path + ": nothing decoded within " +
                                 std::to_string(options.stall_timeout_ms) + " ms"));
      }
      return;
    }
    // Audio has not arrived (sparse or missing audio packets): start the
    // picture on the free-running clock; audio takes over when it comes.
  }
  // Start the clock at the first picture (or sample) of this serial.
  std::int64_t start = clock.Get(now);
  if (auto head = frames->Peek(); head && head->serial == serial.load()) {
    start = state == State::kOpening ? head->pts_us : std::max(start, head->pts_us);
    if (state == State::kSeeking && SkipUntilFor(serial.load()) == kNoPts) start = head->pts_us;
  } else if (state == State::kOpening && audio_output) {
    std::lock_guard lock(audio_clock_mutex);
    start = written_end_us != kNoPts ? written_end_us : start_us;
  }
  clock.Set(start, now);
  audio_drained = false;
  state = user_paused ? State::kPaused : State::kPlaying;
  ApplyPause(now);
}

void Player::Impl::ApplyPause(TimePoint now) {
  bool running = state == State::kPlaying;
  clock.SetPaused(!running, now);
  if (sink && audio_output) sink->SetPaused(!running);
}

void Player::Impl::UpdateClock(TimePoint now) {
  if (audio_output && state == State::kPlaying && !audio_drained) {
    std::lock_guard lock(audio_clock_mutex);
    if (written_serial == serial.load() && written_end_us != kNoPts) {
      std::int64_t buffered = sink->BufferedFrames(now);
      if (buffered == 0 && audio_finished_serial.load() == serial.load()) {
        audio_drained = true;  // video may run on past the audio's end
      }
      clock.Set(AudioClockUs(written_end_us, buffered, sink_format.sample_rate, speed.load()), now);
    }
  }
  clock_us = clock.Get(now);
}

std::optional<VideoFrame> Player::Impl::PresentVideo(TimePoint now) {
  // Default wake-ups: poll quickly while something is about to happen,
  // rarely when nothing will change without user input.
  switch (state) {
    case State::kOpening:
    case State::kSeeking: next_wakeup = now + kPoll / 2; break;
    case State::kPlaying:
      next_wakeup = now + (video_index < 0 ? std::chrono::milliseconds(50) : kPoll / 2);
      break;
    case State::kPaused: next_wakeup = now + (must_show ? kPoll / 2 : std::chrono::milliseconds(250)); break;
    case State::kEnded:
    case State::kError: next_wakeup = now + std::chrono::seconds(1); break;
  }
  late_clock_us.store(state == State::kPlaying && !must_show ? clock_us : kNoPts);
  if (video_index < 0 || state == State::kError || state == State::kOpening) return std::nullopt;
  if (state == State::kSeeking) return std::nullopt;
  const std::uint64_t s = serial.load();
  while (auto head = frames->Peek()) {
    if (head->serial != s) {
      frames->Pop();
      continue;
    }
    FrameScheduleInput in;
    in.clock_us = clock_us;
    in.frame_pts_us = head->pts_us;
    if (head->next_serial == s) in.next_pts_us = head->next_pts_us;
    in.must_show = must_show;
    FrameDecision decision = DecideFrame(in);
    if (decision.action == FrameAction::kWait) {
      if (state == State::kPlaying) {
        auto wait = std::chrono::microseconds(static_cast<std::int64_t>(decision.wait_us / speed.load()));
        next_wakeup = now + std::chrono::duration_cast<Clock::duration>(wait);
      }
      return std::nullopt;
    }
    auto popped = frames->Pop();
    if (!popped) return std::nullopt;
    if (decision.action == FrameAction::kDrop) {
      ++frames_dropped;
      continue;
    }
    current = std::move(*popped);
    must_show = false;
    ++frames_shown;
    last_shown_pts_us = current.pts_us;
    av_drift_us = clock_us - current.pts_us;
    next_wakeup = now;  // the next frame may be due already
    VideoFrame v = MakeVideoFrame(current);
    v.sequence = ++sequence;
    return v;
  }
  return std::nullopt;
}

VideoFrame Player::Impl::MakeVideoFrame(const DecodedFrame& d) const {
  const AVFrame* f = d.frame.get();
  VideoFrame v;
  v.format = f->format == AV_PIX_FMT_NV12 ? PixelFormat::kNv12 : PixelFormat::kYuv420p;
  v.width = f->width;
  v.height = f->height;
  int planes = v.format == PixelFormat::kNv12 ? 2 : 3;
  for (int i = 0; i < planes; ++i) {
    v.planes[i] = f->data[i];
    v.strides[i] = f->linesize[i];
  }
  bool bt709 = f->colorspace == AVCOL_SPC_BT709 ||
               (f->colorspace == AVCOL_SPC_UNSPECIFIED && f->height >= 720);
  v.matrix = bt709 ? ColorMatrix::kBt709 : ColorMatrix::kBt601;
  v.full_range = f->color_range == AVCOL_RANGE_JPEG || f->format == AV_PIX_FMT_YUVJ420P;
  AVRational sar = f->sample_aspect_ratio;
  if (sar.num > 0 && sar.den > 0) {
    av_reduce(&v.sar_num, &v.sar_den, sar.num, sar.den, 1 << 16);
  } else {
    v.sar_num = info.sar_num;
    v.sar_den = info.sar_den;
  }
  v.rotation_degrees = info.rotation_degrees;
  v.deinterlaced = d.deinterlaced;
  v.pts_ms = (d.pts_us - start_us) / 1000;
  return v;
}

void Player::Impl::HandleEnd() {
  if (state != State::kPlaying) return;
  const std::uint64_t s = serial.load();
  bool video_done = video_index < 0 || video_finished_serial.load() == s;
  if (video_done && video_index >= 0) {
    auto head = frames->Peek();
    video_done = !head || head->serial != s;
    // Show the last picture for its full duration.
    if (video_done && last_shown_pts_us != kNoPts && clock_us < last_shown_pts_us + frame_duration_us) {
      video_done = false;
    }
  }
  bool audio_done = !audio_output || (audio_finished_serial.load() == s && audio_drained);
  if (audio_output && audio_finished_serial.load() == s && !audio_drained) {
    std::lock_guard lock(audio_clock_mutex);
    // Nothing was written for this serial (e.g. sought past the audio's end).
    if (written_serial != s) audio_done = true;
  }
  if (!video_done || !audio_done) return;
  if (video_index >= 0 && frames_decoded.load() == 0 && decode_errors.load() > 0) {
    Fail(base::MakeError(base::ErrorCode::kCorrupt, path + ": no video frame could be decoded"));
    state = State::kError;
  } else {
    state = State::kEnded;
  }
  if (sink && audio_output) sink->SetPaused(true);
  clock.SetPaused(true, Clock::now());
}

void Player::Impl::StopThreads() {
  quit.store(true);
  seek_cv.notify_all();
  if (video_packets) video_packets->Abort();
  if (audio_packets) audio_packets->Abort();
  if (frames) frames->Abort();
  for (auto& t : threads) t.join();
  threads.clear();
}

Player::Impl::~Impl() {
  StopThreads();
  current = DecodedFrame{};
  video_codec.reset();
  audio_codec.reset();
  subtitle_codec.reset();
  if (format) avformat_close_input(&format);
  if (sink && audio_output) sink->Close();
}

Player::Player() { base::ff::RouteLogToBase(); }
Player::~Player() = default;

base::Result<MediaInfo> Player::Open(const std::string& path, const OpenOptions& options) {
  Close();
  impl_ = std::make_unique<Impl>();
  Impl& p = *impl_;
  p.path = path;
  p.options = options;
  p.options.stall_timeout_ms = std::max(100, options.stall_timeout_ms);
  p.speed.store(std::clamp(options.speed, 0.75, 1.5));
  p.volume.store(std::clamp(options.volume, 0.0, 1.0));
  p.clock.SetSpeed(p.speed.load(), Clock::now());
  p.user_paused = options.start_paused;

  auto probed = p.Probe();
  if (!probed) {
    p.Fail(probed.error());
    p.state = State::kError;
    return probed.error();
  }
  p.LoadSidecarSubtitles();
  p.OpenAudioOutput();
  p.video_packets = std::make_unique<PacketQueue>();
  p.audio_packets = std::make_unique<PacketQueue>();
  p.frames = std::make_unique<FrameQueue>(static_cast<std::size_t>(std::max(2, options.frame_queue_frames)));
  p.state = State::kOpening;
  p.waiting_since = Clock::now();
  p.threads.emplace_back([&p] { p.DemuxLoop(); });
  if (p.video_index >= 0) p.threads.emplace_back([&p] { p.VideoLoop(); });
  if (p.audio_output) p.threads.emplace_back([&p] { p.AudioLoop(); });
  base::LogInfo(kLog, "opened " + path + " (" + p.info.container + ", video " +
                          (p.info.has_video ? p.info.video_codec : "none") + ", audio " +
                          (p.info.has_audio ? p.info.audio_codec : "none") + ")");
  return p.info;
}

void Player::Close() { impl_.reset(); }

void Player::Play() {
  if (!impl_) return;
  Impl& p = *impl_;
  p.user_paused = false;
  if (p.state == State::kEnded) {
    Seek(0, false);
    return;
  }
  if (p.state == State::kPaused) {
    p.state = State::kPlaying;
    p.ApplyPause(Now());
  }
}

void Player::Pause() {
  if (!impl_) return;
  Impl& p = *impl_;
  p.user_paused = true;
  if (p.state == State::kPlaying) {
    p.state = State::kPaused;
    p.ApplyPause(Now());
  }
}

void Player::Seek(std::int64_t position_ms, bool exact) {
  if (!impl_) return;
  Impl& p = *impl_;
  if (p.state == State::kError || !p.frames) return;
  std::int64_t max_ms = p.info.duration_ms > 0 ? p.info.duration_ms : position_ms;
  std::int64_t target_us = p.start_us + std::clamp<std::int64_t>(position_ms, 0, max_ms) * 1000;
  {
    std::lock_guard lock(p.seek_mutex);
    std::uint64_t s = p.serial.load() + 1;
    p.skip_until_us = exact ? target_us : kNoPts;
    p.seek_position_us = target_us;
    p.seek_retries = 0;
    p.pending_seek = Impl::SeekRequest{target_us, s};
    p.serial.store(s);
  }
  p.seek_cv.notify_all();
  p.frames->Clear();
  TimePoint now = Now();
  p.state = State::kSeeking;
  p.waiting_since = Clock::now();
  p.late_clock_us.store(kNoPts);
  p.clock.Set(target_us, now);
  p.ApplyPause(now);
  p.must_show = true;
  p.audio_drained = false;
  p.last_shown_pts_us = kNoPts;
}

void Player::SetVolume(double volume) {
  if (impl_) impl_->volume.store(std::clamp(volume, 0.0, 1.0));
}

void Player::SetSpeed(double speed) {
  if (!impl_) return;
  double s = std::clamp(speed, 0.75, 1.5);
  impl_->speed.store(s);
  impl_->clock.SetSpeed(s, Now());
}

void Player::SetSubtitlesEnabled(bool enabled) {
  if (impl_) impl_->subtitles_enabled = enabled;
}

std::optional<VideoFrame> Player::Tick(TimePoint now) {
  if (!impl_) return std::nullopt;
  Impl& p = *impl_;
  if (!p.frames) {
    p.next_wakeup = now + std::chrono::milliseconds(100);
    return std::nullopt;
  }
  p.DropStaleFrames();
  p.UpdateState(now);
  p.UpdateClock(now);
  std::optional<VideoFrame> frame = p.PresentVideo(now);
  p.HandleEnd();
  return frame;
}

TimePoint Player::NextWakeup() const {
  if (!impl_) return Now() + std::chrono::milliseconds(100);
  return impl_->next_wakeup;
}

TimePoint Player::Now() const {
  if (impl_ && impl_->sink) return impl_->sink->Now();
  if (impl_ && impl_->options.audio_sink) return impl_->options.audio_sink->Now();
  return Clock::now();
}

PlayerStatus Player::Status() const {
  PlayerStatus status;
  if (!impl_) {
    status.state = State::kEnded;
    return status;
  }
  const Impl& p = *impl_;
  status.state = p.state;
  status.duration_ms = p.info.duration_ms;
  std::int64_t position = (p.clock_us - p.start_us) / 1000;
  if (p.info.duration_ms > 0) position = std::min(position, p.info.duration_ms);
  status.position_ms = std::max<std::int64_t>(0, position);
  status.speed = p.speed.load();
  status.volume = p.volume.load();
  status.deinterlacing = p.deinterlacing.load();
  status.av_drift_ms = p.av_drift_us / 1000;
  status.counters.frames_decoded = p.frames_decoded.load();
  status.counters.frames_shown = p.frames_shown;
  status.counters.frames_dropped_undecoded = p.frames_dropped_undecoded.load();
  status.counters.frames_dropped =
      p.frames_dropped + p.frames_dropped_early.load() + status.counters.frames_dropped_undecoded;
  status.hw_decoder = p.hw_state.active.load() ? p.info.hw_decoder : "";
  status.counters.frames_skipped = p.frames_skipped.load();
  status.counters.decode_errors = p.decode_errors.load();
  if (p.sink && p.audio_output) status.counters.audio_underruns = p.sink->Underruns();
  {
    std::lock_guard lock(p.error_mutex);
    if (p.state == State::kError) status.error = p.error;
  }
  return status;
}

std::optional<VideoFrame> Player::CoverArt() const {
  if (!impl_ || !impl_->cover.frame) return std::nullopt;
  VideoFrame v = impl_->MakeVideoFrame(impl_->cover);
  v.rotation_degrees = 0;
  v.pts_ms = 0;
  return v;
}

std::string Player::CurrentSubtitle() const {
  if (!impl_ || !impl_->subtitles_enabled) return "";
  const Impl& p = *impl_;
  std::int64_t t_ms = (p.clock_us - p.start_us) / 1000;
  std::lock_guard lock(p.subtitle_mutex);
  if (p.sidecar_subtitles.size() > 0) return p.sidecar_subtitles.TextAt(t_ms);
  return p.embedded_subtitles.TextAt(t_ms);
}

}  // namespace player
