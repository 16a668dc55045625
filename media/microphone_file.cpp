// An audio file standing in for a microphone (--mic-source FILE, and tests):
// decoded ahead by a little, delivered in 10 ms steps at the pace of the
// clock, as a capture device would.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <thread>

#include "media/audio_reader.h"
#include "media/microphone.h"
#include "media/pcm_queue.h"

namespace media {
namespace {

using Clock = std::chrono::steady_clock;

class FileMicrophone final : public Microphone {
 public:
  FileMicrophone(std::unique_ptr<ff::AudioReader> reader, const MicrophoneOptions& options)
      : options_(options), reader_(std::move(reader)), queue_(options.format, options.max_buffered_ms) {
    thread_ = std::thread([this] { Run(); });
  }

  ~FileMicrophone() override {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  std::size_t Take(std::vector<std::int16_t>& out) override { return queue_.Take(out); }
  PcmFormat format() const override { return options_.format; }
  std::uint64_t dropped_frames() const override { return queue_.dropped_frames(); }
  base::Status status() const override { return queue_.status(); }

 private:
  // The capture thread: every 10 ms, hand over what the clock says is due.
  void Run() {
    const int channels = options_.format.channels;
    const Clock::time_point start = Clock::now();
    std::int64_t delivered = 0;  // sample frames
    std::vector<std::int16_t> pending;
    std::size_t pending_at = 0;  // samples of `pending` already delivered
    bool ended = false;
    std::size_t decoded_this_pass = 0;  // a file without samples must not loop forever
    for (Clock::time_point tick = start;; ) {
      tick += std::chrono::milliseconds(10);
      {
        std::unique_lock lock(mutex_);
        if (wake_.wait_until(lock, tick, [this] { return stop_; })) return;
      }
      const std::int64_t due =
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count() *
              options_.format.sample_rate / 1000000 - delivered;
      const std::size_t want = static_cast<std::size_t>(std::max<std::int64_t>(0, due)) * channels;
      while (!ended && pending.size() - pending_at < want) {
        if (pending_at > 0) {
          pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(pending_at));
          pending_at = 0;
        }
        const std::size_t before = pending.size();
        auto more = reader_->Read(pending);
        if (!more) {
          queue_.Fail(more.error());
          return;
        }
        decoded_this_pass += pending.size() - before;
        if (!*more) {
          if (!options_.loop || decoded_this_pass == 0) {
            ended = true;
          } else if (auto rewound = reader_->Rewind(); !rewound) {
            queue_.Fail(rewound.error());
            return;
          }
          decoded_this_pass = 0;
        }
      }
      std::size_t available = pending.size() - pending_at;
      std::size_t n = std::min(want, available);
      queue_.Push(pending.data() + pending_at, n);
      pending_at += n;
      if (n < want && ended) {  // after the end, a microphone hears silence
        std::vector<std::int16_t> silence(want - n, 0);
        queue_.Push(silence.data(), silence.size());
        n = want;
      }
      delivered += static_cast<std::int64_t>(n) / channels;
    }
  }

  const MicrophoneOptions options_;
  std::unique_ptr<ff::AudioReader> reader_;  // the capture thread's
  PcmQueue queue_;

  std::mutex mutex_;  // guards stop_
  std::condition_variable wake_;
  bool stop_ = false;

  std::thread thread_;
};

}  // namespace

base::Result<std::unique_ptr<Microphone>> OpenFileMicrophone(const std::string& path,
                                                             const MicrophoneOptions& options) {
  auto source = ff::FileSource(path);
  if (!source) return source.error();
  auto reader = ff::AudioReader::Open(std::move(*source), path, options.format, 5000);
  if (!reader) return reader.error();
  return std::unique_ptr<Microphone>(std::make_unique<FileMicrophone>(std::move(*reader), options));
}

}  // namespace media
