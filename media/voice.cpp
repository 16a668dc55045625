// Voice notes: PCM → swresample (48 kHz, note channels) → FIFO of 20 ms
// frames → libopus → Ogg muxer writing to memory.
#include "media/voice.h"

extern "C" {
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
}

#include <algorithm>
#include <cmath>

#include "media/audio_reader.h"
#include "media/ff.h"

namespace media {

Levels MeasureLevels(std::span<const std::int16_t> samples) {
  Levels levels;
  if (samples.empty()) return levels;
  double sum_sq = 0;
  int peak = 0;
  for (std::int16_t s : samples) {
    sum_sq += double(s) * s;
    peak = std::max(peak, std::abs(int(s)));
  }
  auto dbfs = [](double amplitude) {
    return amplitude <= 0 ? kSilenceDbfs : std::max(kSilenceDbfs, 20.0 * std::log10(amplitude / 32768.0));
  };
  levels.rms_dbfs = dbfs(std::sqrt(sum_sq / samples.size()));
  levels.peak_dbfs = dbfs(peak);
  return levels;
}

namespace {
constexpr int kOpusRate = 48000;  // libopus takes 8/12/16/24/48 kHz; 48 kHz is Ogg Opus's reference rate
}

struct VoiceEncoder::Impl {
  PcmFormat input;
  int channels = 1;
  std::int64_t input_frames = 0;  // sample frames appended, at the input rate
  std::int64_t next_pts = 0;      // at 48 kHz
  bool finished = false;

  ff::CodecContextPtr encoder;
  AVFormatContext* muxer = nullptr;  // owns its dynamic-buffer pb until Finish()
  AVStream* stream = nullptr;
  SwrContext* swr = nullptr;
  AVAudioFifo* fifo = nullptr;
  ff::PacketPtr packet = ff::MakePacket();
  std::vector<std::int16_t> scratch;

  ~Impl() {
    if (muxer && muxer->pb) {
      std::uint8_t* bytes = nullptr;
      avio_close_dyn_buf(muxer->pb, &bytes);
      av_free(bytes);
      muxer->pb = nullptr;
    }
    avformat_free_context(muxer);
    swr_free(&swr);
    if (fifo) av_audio_fifo_free(fifo);
  }

  base::Error Fail(const std::string& doing, int err) const {
    return base::MakeError(base::ErrorCode::kInvalidInput, doing + ": " + ff::ErrorString(err));
  }

  // Sends one frame (nullptr: end of stream) and writes the packets out.
  base::Status Encode(const AVFrame* frame) {
    int err = avcodec_send_frame(encoder.get(), frame);
    if (err < 0) return Fail("encode voice", err);
    for (;;) {
      err = avcodec_receive_packet(encoder.get(), packet.get());
      if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return base::Ok();
      if (err < 0) return Fail("encode voice", err);
      av_packet_rescale_ts(packet.get(), encoder->time_base, stream->time_base);
      packet->stream_index = stream->index;
      err = av_write_frame(muxer, packet.get());
      av_packet_unref(packet.get());
      if (err < 0) return Fail("write voice note", err);
    }
  }

  // Encodes whole frames from the FIFO; with `all`, the last partial one too.
  base::Status Drain(bool all) {
    const int frame_size = encoder->frame_size;
    while (av_audio_fifo_size(fifo) >= frame_size || (all && av_audio_fifo_size(fifo) > 0)) {
      int n = std::min(av_audio_fifo_size(fifo), frame_size);
      ff::FramePtr frame = ff::MakeFrame();
      frame->format = encoder->sample_fmt;
      frame->sample_rate = kOpusRate;
      av_channel_layout_copy(&frame->ch_layout, &encoder->ch_layout);
      // Without AV_CODEC_CAP_SMALL_LAST_FRAME every frame must be full: pad
      // the last with silence.
      bool small_ok = encoder->codec->capabilities & AV_CODEC_CAP_SMALL_LAST_FRAME;
      frame->nb_samples = small_ok ? n : frame_size;
      int err = av_frame_get_buffer(frame.get(), 0);
      if (err < 0) return Fail("voice frame", err);
      av_samples_set_silence(frame->extended_data, 0, frame->nb_samples, channels, encoder->sample_fmt);
      if (av_audio_fifo_read(fifo, reinterpret_cast<void**>(frame->extended_data), n) != n) {
        return base::MakeError(base::ErrorCode::kInvalidInput, "voice FIFO underflow");
      }
      frame->pts = next_pts;
      next_pts += frame->nb_samples;
      if (auto sent = Encode(frame.get()); !sent) return sent;
    }
    return base::Ok();
  }

  // Resamples `in` (nullptr: flush the resampler) into the FIFO.
  base::Status Resample(const std::int16_t* in, int in_frames) {
    int capacity = swr_get_out_samples(swr, in_frames);
    if (capacity <= 0) return base::Ok();
    scratch.resize(static_cast<std::size_t>(capacity) * channels);
    auto* dst = reinterpret_cast<std::uint8_t*>(scratch.data());
    const auto* src = reinterpret_cast<const std::uint8_t*>(in);
    int got = swr_convert(swr, &dst, capacity, in ? &src : nullptr, in_frames);
    if (got < 0) return Fail("resample voice", got);
    void* planes[1] = {scratch.data()};
    if (got > 0 && av_audio_fifo_write(fifo, planes, got) < got) {
      return base::MakeError(base::ErrorCode::kIo, "voice FIFO: out of memory");
    }
    return base::Ok();
  }
};

VoiceEncoder::VoiceEncoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VoiceEncoder::~VoiceEncoder() = default;

base::Result<std::unique_ptr<VoiceEncoder>> VoiceEncoder::Create(PcmFormat input,
                                                                 const VoiceOptions& options) {
  if (input.sample_rate < 1000 || input.sample_rate > 384000 || input.channels < 1 ||
      input.channels > 2 || options.channels < 1 || options.channels > 2 ||
      options.bitrate_bps < 6000 || options.bitrate_bps > 256000) {
    return base::MakeError(base::ErrorCode::kInvalidInput, "unsupported voice note format");
  }
  const AVCodec* codec = avcodec_find_encoder_by_name("libopus");
  if (!codec) return base::MakeError(base::ErrorCode::kUnavailable, "FFmpeg has no libopus encoder");

  auto impl = std::make_unique<Impl>();
  impl->input = input;
  impl->channels = options.channels;

  impl->encoder.reset(avcodec_alloc_context3(codec));
  AVCodecContext* enc = impl->encoder.get();
  enc->sample_fmt = AV_SAMPLE_FMT_S16;
  enc->sample_rate = kOpusRate;
  av_channel_layout_default(&enc->ch_layout, options.channels);
  enc->bit_rate = options.bitrate_bps;
  enc->time_base = AVRational{1, kOpusRate};
  av_opt_set(enc->priv_data, "application", "voip", 0);
  // Constrained VBR: a note's size follows its length (storage and sync
  // budgets), while quiet passages still cost less.
  av_opt_set(enc->priv_data, "vbr", "constrained", 0);

  int err = avformat_alloc_output_context2(&impl->muxer, nullptr, "ogg", nullptr);
  if (err < 0 || !impl->muxer) return impl->Fail("ogg muxer", err);
  if (impl->muxer->oformat->flags & AVFMT_GLOBALHEADER) enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  err = avcodec_open2(enc, codec, nullptr);
  if (err < 0) return impl->Fail("open libopus", err);

  impl->stream = avformat_new_stream(impl->muxer, nullptr);
  if (!impl->stream) return base::MakeError(base::ErrorCode::kIo, "out of memory");
  avcodec_parameters_from_context(impl->stream->codecpar, enc);
  impl->stream->time_base = enc->time_base;
  err = avio_open_dyn_buf(&impl->muxer->pb);
  if (err < 0) return impl->Fail("voice buffer", err);
  // No encoder or creation-time tags: the note carries nothing but audio.
  impl->muxer->flags |= AVFMT_FLAG_BITEXACT;
  err = avformat_write_header(impl->muxer, nullptr);
  if (err < 0) return impl->Fail("ogg header", err);

  AVChannelLayout in_layout{}, out_layout{};
  av_channel_layout_default(&in_layout, input.channels);
  av_channel_layout_default(&out_layout, options.channels);
  err = swr_alloc_set_opts2(&impl->swr, &out_layout, AV_SAMPLE_FMT_S16, kOpusRate, &in_layout,
                            AV_SAMPLE_FMT_S16, input.sample_rate, 0, nullptr);
  if (err >= 0) ff::AverageStereoToMono(impl->swr, input.channels, options.channels);
  if (err >= 0) err = swr_init(impl->swr);
  if (err < 0) return impl->Fail("voice resampler", err);
  impl->fifo = av_audio_fifo_alloc(AV_SAMPLE_FMT_S16, options.channels, enc->frame_size * 2);
  if (!impl->fifo) return base::MakeError(base::ErrorCode::kIo, "out of memory");
  return std::unique_ptr<VoiceEncoder>(new VoiceEncoder(std::move(impl)));
}

base::Status VoiceEncoder::Append(std::span<const std::int16_t> interleaved) {
  if (impl_->finished) return base::MakeError(base::ErrorCode::kInvalidInput, "voice note already finished");
  if (interleaved.size() % impl_->input.channels != 0) {
    return base::MakeError(base::ErrorCode::kInvalidInput, "a partial sample frame");
  }
  int frames = static_cast<int>(interleaved.size() / impl_->input.channels);
  if (frames == 0) return base::Ok();
  if (auto resampled = impl_->Resample(interleaved.data(), frames); !resampled) return resampled;
  impl_->input_frames += frames;
  return impl_->Drain(false);
}

std::int64_t VoiceEncoder::duration_ms() const {
  return impl_->input_frames * 1000 / impl_->input.sample_rate;
}

base::Result<VoiceNote> VoiceEncoder::Finish() {
  if (impl_->finished) return base::MakeError(base::ErrorCode::kInvalidInput, "voice note already finished");
  impl_->finished = true;
  if (auto flushed = impl_->Resample(nullptr, 0); !flushed) return flushed.error();
  if (auto drained = impl_->Drain(true); !drained) return drained.error();
  if (auto ended = impl_->Encode(nullptr); !ended) return ended.error();
  int err = av_write_trailer(impl_->muxer);
  if (err < 0) return impl_->Fail("ogg trailer", err);
  std::uint8_t* bytes = nullptr;
  int size = avio_close_dyn_buf(impl_->muxer->pb, &bytes);
  impl_->muxer->pb = nullptr;
  VoiceNote note;
  note.ogg.assign(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(std::max(size, 0)));
  av_free(bytes);
  note.duration_ms = duration_ms();
  return note;
}

base::Result<VoiceNote> EncodeVoiceNote(std::span<const std::int16_t> interleaved, PcmFormat input,
                                        const VoiceOptions& options) {
  auto encoder = VoiceEncoder::Create(input, options);
  if (!encoder) return encoder.error();
  if (auto appended = (*encoder)->Append(interleaved); !appended) return appended.error();
  return (*encoder)->Finish();
}

base::Result<Pcm> DecodeVoiceNote(std::string_view bytes, PcmFormat output) {
  if (bytes.empty()) return base::MakeError(base::ErrorCode::kInvalidInput, "empty voice note");
  auto reader = ff::AudioReader::Open(ff::MemorySource(bytes), "voice note", output, 5000);
  if (!reader) return reader.error();
  Pcm pcm;
  pcm.format = output;
  for (;;) {
    auto more = (*reader)->Read(pcm.samples);
    if (!more) return more.error();
    if (!*more) break;
  }
  return pcm;
}

}  // namespace media
