// Internal to media/ (not a public header): FFmpeg plumbing shared by the
// thumbnail, photo, voice and file-capture code.
//
//   ByteSource  where a demuxer's bytes come from: memory or a file (pread)
//   Deadline    an armed time limit, polled by FFmpeg's interrupt callback
//   Demuxer     an AVFormatContext over a ByteSource, bounded by a Deadline
//   FrameReader packets of one stream in, decoded frames out, with draining
//
// Errors become base::Error here, so callers never see an AVERROR.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
}

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/ffmpeg.h"
#include "base/result.h"

struct SwrContext;

namespace media::ff {

// The owning pointers, MakeFrame/MakePacket and ErrorString (base/ffmpeg.h).
using namespace base::ff;


class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual std::int64_t Size() const = 0;
  // Up to `size` bytes at `offset` into `buffer`: the count read, 0 at the
  // end, or a negative AVERROR.
  virtual int ReadAt(std::int64_t offset, std::uint8_t* buffer, int size) = 0;
};

// `bytes` must outlive the source (it is not copied).
std::unique_ptr<ByteSource> MemorySource(std::string_view bytes);
// kNotFound for a missing file, kIo for other failures.
base::Result<std::unique_ptr<ByteSource>> FileSource(const std::string& path);

// Arm/Disarm/Passed belong to the thread running the demuxer; Cancel() may
// come from any thread (stopping a capture blocked in a device read).
class Deadline {
 public:
  using Clock = std::chrono::steady_clock;
  void Arm(int timeout_ms) { at_ = Clock::now() + std::chrono::milliseconds(timeout_ms); armed_ = true; }
  void Disarm() { armed_ = false; }
  void Cancel() { cancelled_ = true; }
  bool cancelled() const { return cancelled_; }
  bool Passed() const { return cancelled_ || (armed_ && Clock::now() >= at_); }
  int timeout_ms() const { return timeout_ms_; }
  void set_timeout_ms(int ms) { timeout_ms_ = ms; }

 private:
  Clock::time_point at_{};
  bool armed_ = false;
  std::atomic<bool> cancelled_{false};
  int timeout_ms_ = 0;
};

class Demuxer {
 public:
  // Probes the input and reads stream information with the deadline armed
  // for timeout_ms (it stays armed for the caller's reads: re-arm with
  // deadline().Arm() for long-lived demuxers). `what` names the input in
  // error messages.
  static base::Result<std::unique_ptr<Demuxer>> Open(std::unique_ptr<ByteSource> source,
                                                     int timeout_ms, std::string what);
  // A device (libavdevice input format) by its URL, e.g. video4linux2 and
  // "/dev/video0". `options` are the device's (video_size, framerate...).
  static base::Result<std::unique_ptr<Demuxer>> OpenDevice(const AVInputFormat* input_format,
                                                           const std::string& url,
                                                           AVDictionary** options, int timeout_ms);
  ~Demuxer();
  Demuxer(const Demuxer&) = delete;
  Demuxer& operator=(const Demuxer&) = delete;

  AVFormatContext* format() const { return format_; }
  Deadline& deadline() { return deadline_; }
  const std::string& what() const { return what_; }

  // kUnavailable when the deadline cut the call short, kNotFound for ENOENT,
  // kIo for EIO, kInvalidInput otherwise.
  base::Error ErrorFrom(int err, std::string_view doing) const;

 private:
  Demuxer() = default;
  static int Read(void* opaque, std::uint8_t* buffer, int size);
  static std::int64_t Seek(void* opaque, std::int64_t offset, int whence);
  static int Interrupt(void* opaque);

  std::unique_ptr<ByteSource> source_;
  std::int64_t position_ = 0;
  Deadline deadline_;
  std::string what_;
  AVIOContext* io_ = nullptr;
  AVFormatContext* format_ = nullptr;
};

// For a resampler not yet initialised: stereo to mono as the plain average
// (L+R)/2. swresample's default is -3 dB on each, which makes the many USB
// microphones that send the same signal on both channels 3 dB quieter.
void AverageStereoToMono(SwrContext* swr, int in_channels, int out_channels);

// A decoder for the stream's codec parameters. threads: 1 for one-off
// pictures (lowest latency), 0 for FFmpeg's choice.
base::Result<CodecContextPtr> OpenDecoder(const AVStream* stream, int threads);

// Decoded frames of one stream, in order. After a seek, call Reset().
class FrameReader {
 public:
  FrameReader(Demuxer& demuxer, AVCodecContext* decoder, int stream_index);

  // true: `frame` holds the next frame; false: the stream has ended (a read
  // error also ends it: what was decoded before stays usable). Errors only
  // for the deadline or a decoder that cannot go on.
  base::Result<bool> Next(AVFrame* frame);
  void Reset();

  // Next() reports the end after this many packets of the stream without a
  // frame (after a seek into a long run of frames that need an earlier
  // keyframe, a decoder outputs nothing). 0: no limit.
  void set_max_packets_without_frame(int packets) { max_packets_without_frame_ = packets; }

  int decode_errors() const { return decode_errors_; }

 private:
  Demuxer& demuxer_;
  AVCodecContext* decoder_;
  int stream_index_;
  PacketPtr packet_ = MakePacket();
  bool draining_ = false;
  int decode_errors_ = 0;
  int packets_without_frame_ = 0;
  int max_packets_without_frame_ = 0;
};

}  // namespace media::ff
