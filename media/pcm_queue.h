// Internal to media/ (not a public header): the hand-over between a
// microphone's capture thread (Push) and its reader (Take). Bounded: when
// full, the oldest samples go, and are counted.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

#include "base/result.h"
#include "media/voice.h"

namespace media {

class PcmQueue {
 public:
  PcmQueue(PcmFormat format, int max_buffered_ms)
      : format_(format),
        max_samples_(std::max<std::size_t>(1, static_cast<std::size_t>(max_buffered_ms) *
                                                  format.sample_rate / 1000) *
                     format.channels) {}

  void Push(const std::int16_t* samples, std::size_t count) {
    std::lock_guard lock(mutex_);
    samples_.insert(samples_.end(), samples, samples + count);
    if (samples_.size() > max_samples_) {
      std::size_t excess = samples_.size() - max_samples_;
      excess += (format_.channels - excess % format_.channels) % format_.channels;  // whole frames
      samples_.erase(samples_.begin(), samples_.begin() + static_cast<std::ptrdiff_t>(excess));
      dropped_frames_ += excess / format_.channels;
    }
  }

  std::size_t Take(std::vector<std::int16_t>& out) {
    std::lock_guard lock(mutex_);
    out.insert(out.end(), samples_.begin(), samples_.end());
    std::size_t frames = samples_.size() / format_.channels;
    samples_.clear();
    return frames;
  }

  std::uint64_t dropped_frames() const {
    std::lock_guard lock(mutex_);
    return dropped_frames_;
  }

  void Fail(base::Error error) {
    std::lock_guard lock(mutex_);
    if (!error_) error_ = std::move(error);
  }

  base::Status status() const {
    std::lock_guard lock(mutex_);
    if (error_) return *error_;
    return base::Ok();
  }

 private:
  const PcmFormat format_;
  const std::size_t max_samples_;
  mutable std::mutex mutex_;
  std::deque<std::int16_t> samples_;
  std::uint64_t dropped_frames_ = 0;
  std::optional<base::Error> error_;
};

}  // namespace media
