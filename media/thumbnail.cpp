// Thumbnail: open → pick the stream → choose a frame → render → JPEG.
#include "media/thumbnail.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "base/files.h"
#include "media/ff.h"
#include "media/picture.h"

namespace media {
namespace {

// How far to look at each candidate position for a frame that is not nearly
// uniform: this many frames at or after the position (those before it, from
// the keyframe on, are decoded anyway and looked at too).
constexpr int kFramesPastTarget = 25;
// Overall, for a video that is uniform throughout (or black for long): the
// most detailed frame seen by then is used. timeout_ms bounds it too.
constexpr int kMaxFramesDecoded = 300;
// A candidate position this many frames or fewer after its keyframe is
// decoded up to; from further away the first detailed frame is taken.
constexpr int kMaxFramesToTarget = 50;
// After a seek that landed between keyframes (MPEG-TS has no index), give up
// on the position when this many packets bring no frame.
constexpr int kMaxPacketsWithoutFrame = 300;

struct Chosen {
  ff::FramePtr frame = ff::MakeFrame();
  double detail = -1;
  std::int64_t position_ms = 0;
};

std::int64_t PositionMs(const AVFrame* frame, const AVStream* stream, std::int64_t start_us) {
  std::int64_t pts = frame->best_effort_timestamp;
  if (pts == AV_NOPTS_VALUE) return 0;
  std::int64_t us = av_rescale_q(pts, stream->time_base, AVRational{1, 1000000}) - start_us;
  return std::max<std::int64_t>(0, us / 1000);
}

base::Result<Thumbnail> Finish(const AVFrame* frame, AVRational sar, int rotation,
                               ThumbnailSource source, std::int64_t position_ms,
                               const ThumbnailOptions& options) {
  auto image = picture::RenderFrame(frame, sar, picture::OrientationForRotation(rotation),
                                    options.max_width, options.max_height);
  if (!image) return image.error();
  auto jpeg = picture::EncodeJpeg(*image, options.jpeg_quality);
  if (!jpeg) return jpeg.error();
  Thumbnail thumbnail;
  thumbnail.jpeg = std::move(*jpeg);
  thumbnail.width = image->width;
  thumbnail.height = image->height;
  thumbnail.source = source;
  thumbnail.position_ms = position_ms;
  return thumbnail;
}

base::Result<Thumbnail> FromCoverArt(ff::Demuxer& demuxer, int index, const ThumbnailOptions& options) {
  AVStream* stream = demuxer.format()->streams[index];
  auto decoder = ff::OpenDecoder(stream, 1);
  if (!decoder) return decoder.error();
  ff::FramePtr frame = ff::MakeFrame();
  int err = avcodec_send_packet(decoder->get(), &stream->attached_pic);
  if (err >= 0) avcodec_send_packet(decoder->get(), nullptr);
  if (err >= 0) err = avcodec_receive_frame(decoder->get(), frame.get());
  if (err < 0) {
    return base::MakeError(base::ErrorCode::kInvalidInput,
                           "decode cover art of " + demuxer.what() + ": " + ff::ErrorString(err));
  }
  AVRational sar = av_guess_sample_aspect_ratio(demuxer.format(), stream, frame.get());
  return Finish(frame.get(), sar, 0, ThumbnailSource::kCoverArt, 0, options);
}

// Where to look, in order: stream timestamps. Without a known duration (a
// still image, a live-style stream) only the start.
std::vector<std::int64_t> Candidates(const AVFormatContext* format, const AVStream* stream) {
  std::int64_t start = stream->start_time != AV_NOPTS_VALUE ? stream->start_time : 0;
  std::int64_t duration = stream->duration;
  if (duration == AV_NOPTS_VALUE || duration <= 0) {
    if (format->duration != AV_NOPTS_VALUE && format->duration > 0) {
      duration = av_rescale_q(format->duration, AVRational{1, AV_TIME_BASE}, stream->time_base);
    }
  }
  std::vector<std::int64_t> positions;
  if (duration > 0 && (format->pb->seekable & AVIO_SEEKABLE_NORMAL)) {
    for (double fraction : {0.10, 0.25, 0.50, 0.75}) {
      positions.push_back(start + static_cast<std::int64_t>(duration * fraction));
    }
  }
  positions.push_back(start);
  return positions;
}

base::Result<Thumbnail> FromVideo(ff::Demuxer& demuxer, int index, const ThumbnailOptions& options) {
  AVFormatContext* format = demuxer.format();
  AVStream* stream = format->streams[index];
  auto decoder = ff::OpenDecoder(stream, 1);
  if (!decoder) return decoder.error();
  for (unsigned i = 0; i < format->nb_streams; ++i) {
    if (static_cast<int>(i) != index) format->streams[i]->discard = AVDISCARD_ALL;
  }
  const std::int64_t stream_start = stream->start_time != AV_NOPTS_VALUE ? stream->start_time : 0;
  const std::int64_t start_us = av_rescale_q(stream_start, stream->time_base, AVRational{1, 1000000});

  ff::FrameReader reader(demuxer, decoder->get(), index);
  reader.set_max_packets_without_frame(kMaxPacketsWithoutFrame);
  ff::FramePtr frame = ff::MakeFrame();
  Chosen best;
  int decoded = 0;
  bool moved = false;  // a seek was tried or a packet read: no longer at the start
  std::int64_t last_pts = AV_NOPTS_VALUE;  // of the last frame decoded, stream time base
  const AVRational frame_rate = av_guess_frame_rate(format, stream, nullptr);
  for (std::int64_t target : Candidates(format, stream)) {
    // Seek, unless the decoder is already before the target in the same run
    // of frames from one keyframe (a long GOP): then decoding on is cheaper
    // than going back to that keyframe.
    bool seek = true;
    if (!moved) {
      seek = target != stream_start;
    } else if (last_pts != AV_NOPTS_VALUE && target > last_pts) {
      int entry = av_index_search_timestamp(stream, target, AVSEEK_FLAG_BACKWARD);
      const AVIndexEntry* keyframe = entry >= 0 ? avformat_index_get_entry(stream, entry) : nullptr;
      seek = !keyframe || keyframe->timestamp > last_pts;
    }
    moved = true;
    if (seek) {
      int err = 0;
      if (target == stream_start && (format->iformat->flags & AVFMT_TS_DISCONT)) {
        // MPEG-TS/PS have no index: a timestamp seek may land just after the
        // first keyframe, and with one keyframe only nothing would decode.
        err = av_seek_frame(format, index, 0, AVSEEK_FLAG_BYTE);
      } else {
        err = av_seek_frame(format, index, target, AVSEEK_FLAG_BACKWARD);
      }
      if (err == AVERROR_EXIT) return demuxer.ErrorFrom(err, "seek");
      if (err < 0) continue;
      reader.Reset();
    }
    // Decode on to the target itself when its keyframe is near; from a far
    // keyframe (a long GOP) the first detailed frame will do: speed first.
    bool to_target = !seek;
    int past_target = 0;
    bool accepted = false;
    for (bool first = true;; first = false) {
      auto got = reader.Next(frame.get());
      if (!got) {
        // Out of time with a usable frame in hand: better than nothing.
        if (got.error().code == base::ErrorCode::kUnavailable && best.detail >= 0) break;
        return got.error();
      }
      if (!*got) break;
      ++decoded;
      const std::int64_t pts = frame->best_effort_timestamp;
      if (pts != AV_NOPTS_VALUE) last_pts = pts;
      const bool reached = pts == AV_NOPTS_VALUE || pts >= target;
      if (first && !reached && frame_rate.num > 0) {
        std::int64_t frames_to_target =
            av_rescale_q(target - pts, stream->time_base, av_inv_q(frame_rate));
        to_target = frames_to_target <= kMaxFramesToTarget;
      }
      const double detail = picture::DetailOf(frame.get());
      const bool take = detail >= picture::kUniformDetail && (reached || !to_target);
      if (take || detail > best.detail) {
        av_frame_unref(best.frame.get());
        av_frame_move_ref(best.frame.get(), frame.get());
        best.detail = detail;
        best.position_ms = PositionMs(best.frame.get(), stream, start_us);
      } else {
        av_frame_unref(frame.get());
      }
      accepted = take;
      if (accepted || decoded >= kMaxFramesDecoded) break;
      if (reached && ++past_target >= kFramesPastTarget) break;
    }
    if (accepted || best.detail >= picture::kUniformDetail || decoded >= kMaxFramesDecoded ||
        demuxer.deadline().Passed()) {
      break;
    }
  }
  if (best.detail < 0) {
    return base::MakeError(base::ErrorCode::kInvalidInput,
                           "no decodable video frame in " + demuxer.what());
  }
  AVRational sar = av_guess_sample_aspect_ratio(format, stream, best.frame.get());
  return Finish(best.frame.get(), sar, picture::RotationOf(stream, best.frame.get()),
                ThumbnailSource::kVideoFrame, best.position_ms, options);
}

base::Result<Thumbnail> Make(std::unique_ptr<ff::ByteSource> source, std::string what,
                             const ThumbnailOptions& options) {
  if (options.max_width < 1 || options.max_height < 1) {
    return base::MakeError(base::ErrorCode::kInvalidInput, "thumbnail box must be at least 1x1");
  }
  if (source->Size() == 0) return base::MakeError(base::ErrorCode::kInvalidInput, what + " is empty");
  auto demuxer = ff::Demuxer::Open(std::move(source), options.timeout_ms, std::move(what));
  if (!demuxer) return demuxer.error();
  AVFormatContext* format = (*demuxer)->format();
  int video = -1, cover = -1;
  for (unsigned i = 0; i < format->nb_streams; ++i) {
    const AVStream* st = format->streams[i];
    if (st->codecpar->codec_type != AVMEDIA_TYPE_VIDEO) continue;
    if (st->disposition & AV_DISPOSITION_ATTACHED_PIC) {
      if (cover < 0 && st->attached_pic.size > 0) cover = static_cast<int>(i);
    } else if (video < 0 && st->codecpar->width > 0 && st->codecpar->height > 0) {
      video = static_cast<int>(i);
    }
  }
  if (video >= 0) return FromVideo(**demuxer, video, options);
  if (cover >= 0) return FromCoverArt(**demuxer, cover, options);
  return base::MakeError(base::ErrorCode::kNotFound,
                         "no picture in " + (*demuxer)->what() + ": no video and no cover art");
}

}  // namespace

base::Result<Thumbnail> MakeThumbnail(std::string_view media_bytes, const ThumbnailOptions& options) {
  return Make(ff::MemorySource(media_bytes), "media bytes", options);
}

base::Result<Thumbnail> MakeThumbnailFromFile(const std::string& media_path,
                                              const ThumbnailOptions& options) {
  auto source = ff::FileSource(media_path);
  if (!source) return source.error();
  return Make(std::move(*source), media_path, options);
}

base::Result<Thumbnail> WriteThumbnail(const std::string& media_path, const std::string& jpeg_path,
                                       const ThumbnailOptions& options) {
  auto thumbnail = MakeThumbnailFromFile(media_path, options);
  if (!thumbnail) return thumbnail;
  if (auto written = base::WriteFileDurably(jpeg_path, thumbnail->jpeg); !written) {
    return written.error();
  }
  return thumbnail;
}

}  // namespace media
