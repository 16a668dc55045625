#include "media/capture_camera.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "media/picture.h"

namespace media::capture {
namespace {

using Clock = std::chrono::steady_clock;

class CaptureCamera final : public Camera {
 public:
  CaptureCamera(std::unique_ptr<ff::Demuxer> demuxer, ff::CodecContextPtr decoder, int stream_index,
                const Settings& settings)
      : settings_(settings),
        demuxer_(std::move(demuxer)),
        decoder_(std::move(decoder)),
        reader_(*demuxer_, decoder_.get(), stream_index),
        stream_(demuxer_->format()->streams[stream_index]),
        orientation_(picture::OrientationForRotation(picture::RotationOf(stream_, nullptr))),
        opened_(Clock::now()) {
    thread_ = std::thread([this] { Run(); });
  }

  ~CaptureCamera() override {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    demuxer_->deadline().Cancel();  // unblocks a device read
    wake_.notify_all();
    thread_.join();
  }

  std::optional<PreviewFrame> TakePreview() override {
    std::lock_guard lock(mutex_);
    if (!preview_ || preview_->sequence <= taken_) return std::nullopt;
    taken_ = preview_->sequence;
    return preview_;
  }

  base::Result<Image> CaptureStill() override {
    ff::FramePtr frame = ff::MakeFrame();
    {
      std::lock_guard lock(mutex_);
      if (error_) return *error_;
      if (!latest_->buf[0]) return base::MakeError(base::ErrorCode::kUnavailable, "no frame captured yet");
      av_frame_ref(frame.get(), latest_.get());
    }
    constexpr int kAnySize = 1 << 15;  // full resolution: FitInside never scales up
    return picture::RenderFrame(frame.get(), Sar(frame.get()), orientation_, kAnySize, kAnySize);
  }

  base::Status status() const override {
    std::lock_guard lock(mutex_);
    if (error_) return *error_;
    return base::Ok();
  }

 private:
  AVRational Sar(const AVFrame* frame) const {
    return av_guess_sample_aspect_ratio(demuxer_->format(), stream_, const_cast<AVFrame*>(frame));
  }

  // Sleeps until `when` or until stopped; false when stopped.
  bool SleepUntil(Clock::time_point when) {
    std::unique_lock lock(mutex_);
    return !wake_.wait_until(lock, when, [this] { return stop_; });
  }

  bool Stopped() {
    std::lock_guard lock(mutex_);
    return stop_;
  }

  void Fail(base::Error error) {
    std::lock_guard lock(mutex_);
    if (!stop_) error_ = std::move(error);
  }

  base::Status Rewind() {
    AVFormatContext* format = demuxer_->format();
    std::int64_t start = stream_->start_time != AV_NOPTS_VALUE ? stream_->start_time : 0;
    int err = (format->iformat->flags & AVFMT_TS_DISCONT)
                  ? av_seek_frame(format, stream_->index, 0, AVSEEK_FLAG_BYTE)
                  : av_seek_frame(format, stream_->index, start, AVSEEK_FLAG_BACKWARD);
    if (err < 0) return demuxer_->ErrorFrom(err, "rewind");
    reader_.Reset();
    return base::Ok();
  }

  // The capture thread.
  void Run() {
    ff::FramePtr frame = ff::MakeFrame();
    std::int64_t first_us = AV_NOPTS_VALUE;  // timestamp of the pass's first frame
    Clock::time_point pass_start = Clock::now();
    int frames_this_pass = 0;
    bool first_pass = true;
    while (!Stopped()) {
      demuxer_->deadline().Arm(settings_.stall_timeout_ms);
      auto got = reader_.Next(frame.get());
      if (!got) {
        Fail(got.error());
        return;
      }
      if (!*got) {
        if (!settings_.loop) {
          Fail(base::MakeError(base::ErrorCode::kUnavailable, "capture from " + demuxer_->what() + " ended"));
          return;
        }
        if (frames_this_pass == 0 || (first_pass && frames_this_pass == 1)) {
          // A still image (or nothing more to show): its frame stays current.
          if (frames_this_pass == 0 && first_pass) {
            Fail(base::MakeError(base::ErrorCode::kInvalidInput, "no picture in " + demuxer_->what()));
          }
          std::unique_lock lock(mutex_);
          wake_.wait(lock, [this] { return stop_; });
          return;
        }
        if (auto rewound = Rewind(); !rewound) {
          Fail(rewound.error());
          return;
        }
        first_pass = false;
        frames_this_pass = 0;
        first_us = AV_NOPTS_VALUE;
        continue;
      }
      ++frames_this_pass;
      if (settings_.pace_to_timestamps && !Pace(frame.get(), first_us, pass_start)) return;

      auto preview = picture::RenderFrame(frame.get(), Sar(frame.get()), orientation_,
                                          settings_.preview_width, settings_.preview_height,
                                          PixelLayout::kRgba32, picture::Quality::kFast);
      if (!preview) {
        Fail(preview.error());
        return;
      }
      std::lock_guard lock(mutex_);
      av_frame_unref(latest_.get());
      av_frame_move_ref(latest_.get(), frame.get());
      PreviewFrame published;
      published.image = std::move(*preview);
      published.sequence = ++sequence_;
      published.time_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - opened_).count();
      preview_ = std::move(published);
    }
  }

  // Waits until `frame` is due: its timestamp after the pass's first frame,
  // counted from when that frame was shown. false when stopped.
  bool Pace(const AVFrame* frame, std::int64_t& first_us, Clock::time_point& pass_start) {
    std::int64_t pts = frame->best_effort_timestamp;
    if (pts == AV_NOPTS_VALUE) return SleepUntil(Clock::now() + std::chrono::milliseconds(33));
    std::int64_t us = av_rescale_q(pts, stream_->time_base, AVRational{1, 1000000});
    if (first_us == AV_NOPTS_VALUE) {
      // A new pass starts one frame interval after the previous frame.
      first_us = us;
      pass_start = sequence_ == 0 ? Clock::now() : last_shown_ + FrameInterval();
    }
    // A timestamp jump in a damaged file must not freeze the preview.
    std::int64_t offset_us = std::clamp<std::int64_t>(us - first_us, 0, 3600LL * 1000000);
    Clock::time_point due = pass_start + std::chrono::microseconds(offset_us);
    due = std::min(due, Clock::now() + std::chrono::seconds(1));
    if (!SleepUntil(due)) return false;
    last_shown_ = due;
    return true;
  }

  std::chrono::microseconds FrameInterval() const {
    AVRational rate = av_guess_frame_rate(demuxer_->format(), stream_, nullptr);
    if (rate.num <= 0 || rate.den <= 0) return std::chrono::microseconds(33333);
    return std::chrono::microseconds(av_rescale(1000000, rate.den, rate.num));
  }

  const Settings settings_;

  // The capture thread's own (set up before it starts).
  std::unique_ptr<ff::Demuxer> demuxer_;  // its deadline's Cancel() is called from any thread
  ff::CodecContextPtr decoder_;
  ff::FrameReader reader_;
  AVStream* stream_;
  const int orientation_;
  const Clock::time_point opened_;
  Clock::time_point last_shown_{};
  std::uint64_t sequence_ = 0;  // written by the capture thread under mutex_

  // Shared, guarded by mutex_.
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::optional<PreviewFrame> preview_;
  std::uint64_t taken_ = 0;
  ff::FramePtr latest_ = ff::MakeFrame();
  std::optional<base::Error> error_;

  std::thread thread_;  // last: starts after every member above exists
};

}  // namespace

base::Result<std::unique_ptr<Camera>> Start(std::unique_ptr<ff::Demuxer> demuxer, const Settings& settings) {
  AVFormatContext* format = demuxer->format();
  int index = -1;
  for (unsigned i = 0; i < format->nb_streams; ++i) {
    const AVStream* st = format->streams[i];
    if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && !(st->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
      index = static_cast<int>(i);
      break;
    }
  }
  if (index < 0) return base::MakeError(base::ErrorCode::kInvalidInput, "no pictures in " + demuxer->what());
  for (unsigned i = 0; i < format->nb_streams; ++i) {
    if (static_cast<int>(i) != index) format->streams[i]->discard = AVDISCARD_ALL;
  }
  auto decoder = ff::OpenDecoder(format->streams[index], 1);
  if (!decoder) return decoder.error();
  demuxer->deadline().Disarm();
  return std::unique_ptr<Camera>(
      std::make_unique<CaptureCamera>(std::move(demuxer), std::move(*decoder), index, settings));
}

}  // namespace media::capture
