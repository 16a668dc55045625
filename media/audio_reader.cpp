#include "media/audio_reader.h"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>
}

namespace media::ff {

base::Result<std::unique_ptr<AudioReader>> AudioReader::Open(std::unique_ptr<ByteSource> source,
                                                             std::string what, PcmFormat output,
                                                             int timeout_ms) {
  if (output.sample_rate < 1000 || output.sample_rate > 384000 || output.channels < 1 ||
      output.channels > 2) {
    return base::MakeError(base::ErrorCode::kInvalidInput, "unsupported PCM output format");
  }
  std::unique_ptr<AudioReader> self(new AudioReader());
  self->output_ = output;
  self->timeout_ms_ = timeout_ms;
  auto demuxer = Demuxer::Open(std::move(source), timeout_ms, std::move(what));
  if (!demuxer) return demuxer.error();
  self->demuxer_ = std::move(*demuxer);
  AVFormatContext* format = self->demuxer_->format();
  self->stream_index_ = av_find_best_stream(format, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  if (self->stream_index_ < 0) {
    return base::MakeError(base::ErrorCode::kInvalidInput, "no audio in " + self->demuxer_->what());
  }
  for (unsigned i = 0; i < format->nb_streams; ++i) {
    if (static_cast<int>(i) != self->stream_index_) format->streams[i]->discard = AVDISCARD_ALL;
  }
  auto decoder = OpenDecoder(format->streams[self->stream_index_], 1);
  if (!decoder) return decoder.error();
  self->decoder_ = std::move(*decoder);
  self->reader_ = std::make_unique<FrameReader>(*self->demuxer_, self->decoder_.get(), self->stream_index_);
  return self;
}

AudioReader::~AudioReader() { swr_free(&swr_); }

base::Status AudioReader::Convert(const AVFrame* frame, std::vector<std::int16_t>& out) {
  if (!swr_) {
    AVChannelLayout in_layout{};
    if (frame->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || frame->ch_layout.nb_channels <= 0) {
      av_channel_layout_default(&in_layout, std::max(1, frame->ch_layout.nb_channels));
    } else {
      av_channel_layout_copy(&in_layout, &frame->ch_layout);
    }
    AVChannelLayout out_layout{};
    av_channel_layout_default(&out_layout, output_.channels);
    int err = swr_alloc_set_opts2(&swr_, &out_layout, AV_SAMPLE_FMT_S16, output_.sample_rate,
                                  &in_layout, static_cast<AVSampleFormat>(frame->format),
                                  frame->sample_rate, 0, nullptr);
    if (err >= 0) AverageStereoToMono(swr_, in_layout.nb_channels, output_.channels);
    av_channel_layout_uninit(&in_layout);
    av_channel_layout_uninit(&out_layout);
    if (err >= 0) err = swr_init(swr_);
    if (err < 0) {
      return base::MakeError(base::ErrorCode::kInvalidInput, "audio conversion: " + ErrorString(err));
    }
  }
  // frame == nullptr flushes what the resampler holds.
  int in_samples = frame ? frame->nb_samples : 0;
  int capacity = swr_get_out_samples(swr_, in_samples);
  if (capacity <= 0) return base::Ok();
  std::size_t at = out.size();
  out.resize(at + static_cast<std::size_t>(capacity) * output_.channels);
  auto* dst = reinterpret_cast<std::uint8_t*>(out.data() + at);
  int got = swr_convert(swr_, &dst, capacity, frame ? const_cast<const std::uint8_t**>(frame->extended_data) : nullptr,
                        in_samples);
  if (got < 0) {
    out.resize(at);
    return base::MakeError(base::ErrorCode::kInvalidInput, "audio conversion: " + ErrorString(got));
  }
  out.resize(at + static_cast<std::size_t>(got) * output_.channels);
  return base::Ok();
}

base::Result<bool> AudioReader::Read(std::vector<std::int16_t>& out) {
  if (flushed_) return false;
  demuxer_->deadline().Arm(timeout_ms_);
  auto got = reader_->Next(frame_.get());
  if (!got) return got.error();
  if (!*got) {
    flushed_ = true;
    if (swr_) {
      if (auto flushed = Convert(nullptr, out); !flushed) return flushed.error();
    }
    return false;
  }
  auto converted = Convert(frame_.get(), out);
  av_frame_unref(frame_.get());
  if (!converted) return converted.error();
  return true;
}

base::Status AudioReader::Rewind() {
  demuxer_->deadline().Arm(timeout_ms_);
  AVStream* stream = demuxer_->format()->streams[stream_index_];
  std::int64_t start = stream->start_time != AV_NOPTS_VALUE ? stream->start_time : 0;
  int err = av_seek_frame(demuxer_->format(), stream_index_, start, AVSEEK_FLAG_BACKWARD);
  if (err < 0) err = av_seek_frame(demuxer_->format(), stream_index_, 0, AVSEEK_FLAG_BYTE);
  if (err < 0) return demuxer_->ErrorFrom(err, "rewind");
  reader_->Reset();
  swr_free(&swr_);  // drops the resampler's tail: the loop starts clean
  flushed_ = false;
  return base::Ok();
}

}  // namespace media::ff
