// The null audio sink: a device that exists only as arithmetic. Written
// frames are "played" at sample_rate * time_scale frames per second of the
// steady clock, computed lazily on every call, so there is no thread and the
// behaviour is deterministic enough for tests. It can misbehave on demand
// (extra latency, refusing to open, stalling) - see NullSinkOptions.
#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "player/audio_sink.h"

namespace player {
namespace {

class NullAudioSink final : public AudioSink {
 public:
  explicit NullAudioSink(const NullSinkOptions& options)
      : options_(options), origin_(Clock::now()) {}

  base::Result<AudioFormat> Open(const AudioFormat& wanted) override {
    if (options_.fail_open) {
      return base::MakeError(base::ErrorCode::kUnavailable, "null sink: told to fail open");
    }
    std::lock_guard lock(mutex_);
    format_ = options_.forced_format.sample_rate > 0 ? options_.forced_format : wanted;
    capacity_frames_ = std::int64_t{format_.sample_rate} * options_.buffer_ms / 1000;
    buffered_ = 0;
    played_total_ = 0;
    paused_ = true;
    open_ = true;
    last_ = Now();
    return format_;
  }

  void Close() override {
    std::lock_guard lock(mutex_);
    open_ = false;
    buffered_ = 0;
  }

  std::size_t Write(const float* samples, std::size_t frames) override {
    std::lock_guard lock(mutex_);
    if (!open_) return 0;
    Advance(Now());
    std::int64_t room = capacity_frames_ - buffered_;
    std::int64_t n = std::clamp<std::int64_t>(room, 0, static_cast<std::int64_t>(frames));
    buffered_ += n;
    if (options_.capture && n > 0) {
      std::lock_guard capture_lock(options_.capture->mutex);
      auto& out = options_.capture->samples;
      std::size_t count = static_cast<std::size_t>(n * format_.channels);
      count = std::min(count, options_.capture->max_samples - std::min(out.size(), options_.capture->max_samples));
      out.insert(out.end(), samples, samples + count);
    }
    return static_cast<std::size_t>(n);
  }

  void WaitForSpace(std::chrono::milliseconds timeout) override {
    std::chrono::duration<double> wait = timeout;
    {
      std::lock_guard lock(mutex_);
      Advance(Now());
      if (!open_ || buffered_ < capacity_frames_) return;
      if (!paused_ && !Stalled()) {
        // Wake the writer when a quarter of the buffer is free, as a device
        // does at its period (SDL: every callback), not for every
        // millisecond: waking 1000 times a second cost the benchmark 2% of
        // a core.
        double frames_needed = std::max<double>(1.0, static_cast<double>(capacity_frames_) / 4);
        std::chrono::duration<double> until_space(frames_needed / format_.sample_rate /
                                                  options_.time_scale);
        wait = std::min(wait, until_space);
      }
    }
    std::this_thread::sleep_for(wait);
  }

  std::int64_t BufferedFrames(TimePoint now) override {
    std::lock_guard lock(mutex_);
    Advance(now);
    if (!open_) return 0;
    std::int64_t latency = std::int64_t{format_.sample_rate} * options_.latency_ms / 1000;
    if (buffered_ > 0) return buffered_ + latency;
    // The last frames are still travelling through the (simulated) device.
    std::chrono::duration<double> since = now - drained_at_;
    std::int64_t heard = static_cast<std::int64_t>(since.count() * format_.sample_rate);
    return std::max<std::int64_t>(0, latency - heard);
  }

  void SetPaused(bool paused) override {
    std::lock_guard lock(mutex_);
    Advance(Now());
    paused_ = paused;
  }

  void Flush() override {
    std::lock_guard lock(mutex_);
    Advance(Now());
    buffered_ = 0;
  }

  std::int64_t Underruns() override {
    std::lock_guard lock(mutex_);
    return underruns_;
  }

  TimePoint Now() const override {
    auto real = Clock::now() - origin_;
    auto scaled = std::chrono::duration_cast<Clock::duration>(real * options_.time_scale);
    return origin_ + scaled;
  }

 private:
  bool Stalled() const {
    return options_.stall_after_ms >= 0 &&
           played_total_ * 1000 >= std::int64_t{options_.stall_after_ms} * format_.sample_rate;
  }

  // Plays what the (scaled) time since the last call allows. `now` may come
  // from the caller's Tick and lag our own clock slightly; never go backwards.
  void Advance(TimePoint now) {
    if (now <= last_) return;
    std::chrono::duration<double> elapsed = now - last_;
    last_ = now;
    if (!open_ || paused_ || Stalled()) return;
    std::int64_t can_play = static_cast<std::int64_t>(elapsed.count() * format_.sample_rate +
                                                      carry_);
    carry_ = elapsed.count() * format_.sample_rate + carry_ - static_cast<double>(can_play);
    if (options_.stall_after_ms >= 0) {
      std::int64_t stall_at = std::int64_t{options_.stall_after_ms} * format_.sample_rate / 1000;
      can_play = std::min(can_play, std::max<std::int64_t>(0, stall_at - played_total_));
    }
    std::int64_t played = std::min(can_play, buffered_);
    if (played < can_play && buffered_ > 0) ++underruns_;
    if (buffered_ == 0) carry_ = 0;
    buffered_ -= played;
    if (played > 0 && buffered_ == 0) drained_at_ = now;
    played_total_ += played;
  }

  const NullSinkOptions options_;
  const TimePoint origin_;

  // Guarded by mutex_ (audio thread writes, UI thread reads the clock).
  std::mutex mutex_;
  AudioFormat format_;
  bool open_ = false;
  bool paused_ = true;
  std::int64_t capacity_frames_ = 0;
  std::int64_t buffered_ = 0;
  std::int64_t played_total_ = 0;
  std::int64_t underruns_ = 0;
  double carry_ = 0;  // fractional frames not yet played
  TimePoint last_;
  TimePoint drained_at_;
};

}  // namespace

std::shared_ptr<AudioSink> MakeNullAudioSink(const NullSinkOptions& options) {
  return std::make_shared<NullAudioSink>(options);
}

}  // namespace player
