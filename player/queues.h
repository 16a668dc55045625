// Internal: the queues between the player's threads.
//
//   demux thread --PacketQueue (per stream, bounded by bytes/duration)-->
//     video decode thread --FrameQueue (a few frames)--> UI thread (Tick)
//     audio thread --------------------------------------> AudioSink
//
// Every item carries the seek serial it was produced under. A seek bumps the
// serial; consumers drop items whose serial is older than the current one,
// so no queue needs to be drained synchronously across threads.
// A PacketQueue item with a null packet marks end of stream.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

#include "player/ff_util.h"

namespace player {

struct QueuedPacket {
  ff::PacketPtr packet;  // null: end of stream for this serial
  std::uint64_t serial = 0;
};

class PacketQueue {
 public:
  // Never blocks; the demux thread checks Bytes()/DurationUs() itself so that
  // it can keep reacting to seeks while the queues are full.
  void Push(ff::PacketPtr packet, std::uint64_t serial, std::int64_t duration_us) {
    std::lock_guard lock(mutex_);
    if (packet) bytes_ += packet->size;
    duration_us_ += duration_us > 0 ? duration_us : 0;
    items_.push_back({QueuedPacket{std::move(packet), serial}, duration_us});
    ready_.notify_one();
  }

  std::optional<QueuedPacket> Pop(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!ready_.wait_for(lock, timeout, [&] { return !items_.empty() || aborted_; })) {
      return std::nullopt;
    }
    if (aborted_ || items_.empty()) return std::nullopt;
    Item item = std::move(items_.front());
    items_.pop_front();
    if (item.packet.packet) bytes_ -= item.packet.packet->size;
    duration_us_ -= item.duration_us > 0 ? item.duration_us : 0;
    return std::move(item.packet);
  }

  void Clear() {
    std::lock_guard lock(mutex_);
    items_.clear();
    bytes_ = 0;
    duration_us_ = 0;
  }

  void Abort() {
    std::lock_guard lock(mutex_);
    aborted_ = true;
    ready_.notify_all();
  }

  std::int64_t Bytes() const {
    std::lock_guard lock(mutex_);
    return bytes_;
  }
  std::int64_t DurationUs() const {
    std::lock_guard lock(mutex_);
    return duration_us_;
  }
  std::size_t Count() const {
    std::lock_guard lock(mutex_);
    return items_.size();
  }

 private:
  struct Item {
    QueuedPacket packet;
    std::int64_t duration_us;
  };
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Item> items_;
  std::int64_t bytes_ = 0;
  std::int64_t duration_us_ = 0;
  bool aborted_ = false;
};

struct DecodedFrame {
  ff::FramePtr frame;
  std::uint64_t serial = 0;
  std::int64_t pts_us = 0;  // media time, stream start not subtracted
  bool deinterlaced = false;
};

// Written by the video decode thread, read by the UI thread. Push blocks
// while full (bounded by `capacity`) but wakes on Abort() or Wake(), so the
// decoder can notice a seek.
class FrameQueue {
 public:
  explicit FrameQueue(std::size_t capacity) : capacity_(capacity) {}

  // False if it timed out (queue still full) or was aborted; the frame is
  // then left in `frame` for a retry.
  bool Push(DecodedFrame& frame, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!space_.wait_for(lock, timeout, [&] { return items_.size() < capacity_ || aborted_; })) {
      return false;
    }
    if (aborted_) return false;
    items_.push_back(std::move(frame));
    return true;
  }

  // Head of the queue (and the pts of the one after) without removing it.
  struct Peeked {
    std::uint64_t serial;
    std::int64_t pts_us;
    std::optional<std::int64_t> next_pts_us;
    std::optional<std::uint64_t> next_serial;
  };
  std::optional<Peeked> Peek() const {
    std::lock_guard lock(mutex_);
    if (items_.empty()) return std::nullopt;
    Peeked p{items_[0].serial, items_[0].pts_us, std::nullopt, std::nullopt};
    if (items_.size() > 1) {
      p.next_pts_us = items_[1].pts_us;
      p.next_serial = items_[1].serial;
    }
    return p;
  }

  std::optional<DecodedFrame> Pop() {
    std::lock_guard lock(mutex_);
    if (items_.empty()) return std::nullopt;
    DecodedFrame f = std::move(items_.front());
    items_.pop_front();
    space_.notify_all();
    return f;
  }

  std::size_t Size() const {
    std::lock_guard lock(mutex_);
    return items_.size();
  }

  void Clear() {
    std::lock_guard lock(mutex_);
    items_.clear();
    space_.notify_all();
  }

  void Abort() {
    std::lock_guard lock(mutex_);
    aborted_ = true;
    space_.notify_all();
  }

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable space_;
  std::deque<DecodedFrame> items_;
  bool aborted_ = false;
};

}  // namespace player
