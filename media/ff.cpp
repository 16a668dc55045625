#include "media/ff.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "base/log.h"

extern "C" {
#include <libavutil/error.h>
#include <libavutil/mem.h>
#include <libswresample/swresample.h>
}

namespace media::ff {

// ---------------------------------------------------------------------------
// Byte sources

namespace {

class Memory final : public ByteSource {
 public:
  explicit Memory(std::string_view bytes) : bytes_(bytes) {}
  std::int64_t Size() const override { return static_cast<std::int64_t>(bytes_.size()); }
  int ReadAt(std::int64_t offset, std::uint8_t* buffer, int size) override {
    if (offset < 0) return AVERROR(EINVAL);
    if (offset >= Size()) return 0;
    auto n = static_cast<std::size_t>(std::min<std::int64_t>(size, Size() - offset));
    std::memcpy(buffer, bytes_.data() + offset, n);
    return static_cast<int>(n);
  }

 private:
  std::string_view bytes_;
};

class File final : public ByteSource {
 public:
  File(int fd, std::int64_t size) : fd_(fd), size_(size) {}
  ~File() override { ::close(fd_); }
  std::int64_t Size() const override { return size_; }
  int ReadAt(std::int64_t offset, std::uint8_t* buffer, int size) override {
    for (;;) {
      ssize_t n = ::pread(fd_, buffer, static_cast<std::size_t>(size), offset);
      if (n >= 0) return static_cast<int>(n);
      if (errno != EINTR) return AVERROR(errno);
    }
  }

 private:
  int fd_;
  std::int64_t size_;
};

}  // namespace

std::unique_ptr<ByteSource> MemorySource(std::string_view bytes) {
  return std::make_unique<Memory>(bytes);
}

base::Result<std::unique_ptr<ByteSource>> FileSource(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    auto code = err == ENOENT ? base::ErrorCode::kNotFound : base::ErrorCode::kIo;
    return base::MakeError(code, "open " + path + ": " + std::strerror(err));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return base::MakeError(base::ErrorCode::kIo, "open " + path + ": not a regular file");
  }
  return std::unique_ptr<ByteSource>(std::make_unique<File>(fd, st.st_size));
}

// ---------------------------------------------------------------------------
// Demuxer

int Demuxer::Read(void* opaque, std::uint8_t* buffer, int size) {
  auto* self = static_cast<Demuxer*>(opaque);
  if (self->deadline_.Passed()) return AVERROR_EXIT;
  int n = self->source_->ReadAt(self->position_, buffer, size);
  if (n == 0) return AVERROR_EOF;
  if (n > 0) self->position_ += n;
  return n;
}

std::int64_t Demuxer::Seek(void* opaque, std::int64_t offset, int whence) {
  auto* self = static_cast<Demuxer*>(opaque);
  std::int64_t size = self->source_->Size();
  std::int64_t target = 0;
  switch (whence & ~AVSEEK_FORCE) {
    case AVSEEK_SIZE: return size;
    case SEEK_SET: target = offset; break;
    case SEEK_CUR: target = self->position_ + offset; break;
    case SEEK_END: target = size + offset; break;
    default: return AVERROR(EINVAL);
  }
  if (target < 0) return AVERROR(EINVAL);
  self->position_ = target;
  return target;
}

int Demuxer::Interrupt(void* opaque) {
  return static_cast<Demuxer*>(opaque)->deadline_.Passed() ? 1 : 0;
}

Demuxer::~Demuxer() {
  if (format_) avformat_close_input(&format_);
  if (io_) {
    av_freep(&io_->buffer);  // FFmpeg may have replaced the buffer we gave it
    avio_context_free(&io_);
  }
}

base::Result<std::unique_ptr<Demuxer>> Demuxer::Open(std::unique_ptr<ByteSource> source,
                                                     int timeout_ms, std::string what) {
  base::ff::RouteLogToBase();
  std::unique_ptr<Demuxer> self(new Demuxer());
  self->source_ = std::move(source);
  self->what_ = std::move(what);
  self->deadline_.set_timeout_ms(timeout_ms);
  self->deadline_.Arm(timeout_ms);

  constexpr int kBufferBytes = 64 * 1024;
  auto* buffer = static_cast<std::uint8_t*>(av_malloc(kBufferBytes));
  if (!buffer) return base::MakeError(base::ErrorCode::kIo, "out of memory");
  self->io_ = avio_alloc_context(buffer, kBufferBytes, 0, self.get(), &Demuxer::Read, nullptr,
                                 &Demuxer::Seek);
  if (!self->io_) {
    av_free(buffer);
    return base::MakeError(base::ErrorCode::kIo, "out of memory");
  }
  self->format_ = avformat_alloc_context();
  if (!self->format_) return base::MakeError(base::ErrorCode::kIo, "out of memory");
  self->format_->pb = self->io_;
  self->format_->flags |= AVFMT_FLAG_CUSTOM_IO;
  self->format_->interrupt_callback = {&Demuxer::Interrupt, self.get()};

  // The input is one self-contained file: a playlist or image sequence must
  // not make the demuxer open other files or URLs.
  AVDictionary* options = nullptr;
  av_dict_set(&options, "protocol_whitelist", "none", 0);
  int err = avformat_open_input(&self->format_, nullptr, nullptr, &options);
  av_dict_free(&options);
  if (err < 0) return self->ErrorFrom(err, "open");  // format_ was freed and set to null
  err = avformat_find_stream_info(self->format_, nullptr);
  if (err < 0) return self->ErrorFrom(err, "read stream info");
  return self;
}

base::Result<std::unique_ptr<Demuxer>> Demuxer::OpenDevice(const AVInputFormat* input_format,
                                                           const std::string& url,
                                                           AVDictionary** options, int timeout_ms) {
  base::ff::RouteLogToBase();
  std::unique_ptr<Demuxer> self(new Demuxer());
  self->what_ = url;
  self->deadline_.set_timeout_ms(timeout_ms);
  self->deadline_.Arm(timeout_ms);
  self->format_ = avformat_alloc_context();
  if (!self->format_) return base::MakeError(base::ErrorCode::kIo, "out of memory");
  self->format_->interrupt_callback = {&Demuxer::Interrupt, self.get()};
  int err = avformat_open_input(&self->format_, url.c_str(), input_format, options);
  if (err < 0) return self->ErrorFrom(err, "open");
  err = avformat_find_stream_info(self->format_, nullptr);
  if (err < 0) return self->ErrorFrom(err, "read stream info");
  return self;
}

base::Error Demuxer::ErrorFrom(int err, std::string_view doing) const {
  std::string prefix = std::string(doing) + " " + what_ + ": ";
  if (deadline_.cancelled()) return base::MakeError(base::ErrorCode::kUnavailable, prefix + "stopped");
  if (err == AVERROR_EXIT || deadline_.Passed()) {
    return base::MakeError(base::ErrorCode::kUnavailable,
                           prefix + "took longer than " + std::to_string(deadline_.timeout_ms()) + " ms");
  }
  base::ErrorCode code = base::ErrorCode::kInvalidInput;
  if (err == AVERROR(ENOENT)) code = base::ErrorCode::kNotFound;
  if (err == AVERROR(EIO)) code = base::ErrorCode::kIo;
  return base::MakeError(code, prefix + ErrorString(err));
}

// ---------------------------------------------------------------------------
// Decoding

void AverageStereoToMono(SwrContext* swr, int in_channels, int out_channels) {
  if (in_channels != 2 || out_channels != 1) return;
  const double matrix[2] = {0.5, 0.5};
  swr_set_matrix(swr, matrix, 2);
}

base::Result<CodecContextPtr> OpenDecoder(const AVStream* stream, int threads) {
  const AVCodec* codec = avcodec_find_decoder(stream->codecpar->codec_id);
  if (!codec) {
    return base::MakeError(base::ErrorCode::kInvalidInput,
                           std::string("no decoder for ") + avcodec_get_name(stream->codecpar->codec_id));
  }
  CodecContextPtr context(avcodec_alloc_context3(codec));
  if (!context) return base::MakeError(base::ErrorCode::kIo, "out of memory");
  int err = avcodec_parameters_to_context(context.get(), stream->codecpar);
  if (err >= 0) {
    context->pkt_timebase = stream->time_base;
    context->thread_count = threads;
    err = avcodec_open2(context.get(), codec, nullptr);
  }
  if (err < 0) {
    return base::MakeError(base::ErrorCode::kInvalidInput,
                           std::string("open decoder ") + codec->name + ": " + ErrorString(err));
  }
  return context;
}

FrameReader::FrameReader(Demuxer& demuxer, AVCodecContext* decoder, int stream_index)
    : demuxer_(demuxer), decoder_(decoder), stream_index_(stream_index) {}

void FrameReader::Reset() {
  avcodec_flush_buffers(decoder_);
  draining_ = false;
  packets_without_frame_ = 0;
}

base::Result<bool> FrameReader::Next(AVFrame* frame) {
  // A file of corrupt packets would otherwise be read to its end.
  constexpr int kMaxDecodeErrors = 64;
  for (;;) {
    int err = avcodec_receive_frame(decoder_, frame);
    if (err == 0) {
      packets_without_frame_ = 0;
      return true;
    }
    if (err == AVERROR_EOF) return false;
    if (err != AVERROR(EAGAIN)) {
      return base::MakeError(base::ErrorCode::kInvalidInput,
                             "decode " + demuxer_.what() + ": " + ErrorString(err));
    }
    if (demuxer_.deadline().Passed()) return demuxer_.ErrorFrom(AVERROR_EXIT, "decode");
    if (draining_) return false;  // EAGAIN while draining: nothing more will come

    err = av_read_frame(demuxer_.format(), packet_.get());
    if (err == AVERROR_EXIT) return demuxer_.ErrorFrom(err, "read");
    if (err < 0) {
      // The end, or a read/parse error (a truncated file): drain what the
      // decoder holds; those frames are still good.
      avcodec_send_packet(decoder_, nullptr);
      draining_ = true;
      continue;
    }
    if (packet_->stream_index == stream_index_) {
      if (max_packets_without_frame_ > 0 && ++packets_without_frame_ > max_packets_without_frame_) {
        av_packet_unref(packet_.get());
        return false;
      }
      err = avcodec_send_packet(decoder_, packet_.get());
      if (err < 0 && err != AVERROR(EAGAIN) && ++decode_errors_ > kMaxDecodeErrors) {
        av_packet_unref(packet_.get());
        return base::MakeError(base::ErrorCode::kInvalidInput,
                               "decode " + demuxer_.what() + ": too many corrupt packets");
      }
    }
    av_packet_unref(packet_.get());
  }
}

}  // namespace media::ff
