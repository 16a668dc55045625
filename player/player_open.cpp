// Open(): probe the file (with the stall deadline armed), pick streams,
// open decoders, load a sidecar .srt and open the audio device.
#include "player/player_impl.h"

extern "C" {
#include <libavutil/display.h>
}

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "player/filters.h"
#include "player/hw_decode.h"

namespace player {
namespace {

int RotationOf(const AVStream* stream) {
  size_t size = 0;
  const uint8_t* matrix = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size);
  if (!matrix || size < 9 * sizeof(int32_t)) return 0;
  // av_display_rotation_get is counter-clockwise; renderers want clockwise.
  double theta = -av_display_rotation_get(reinterpret_cast<const int32_t*>(matrix));
  if (std::isnan(theta)) return 0;
  int degrees = static_cast<int>(std::lround(theta / 90.0)) * 90;
  return ((degrees % 360) + 360) % 360;
}

base::Error OpenError(const std::string& path, int err, int stall_timeout_ms) {
  if (err == AVERROR_EXIT) {
    return base::MakeError(base::ErrorCode::kUnavailable,
                           "open " + path + ": stalled for more than " +
                               std::to_string(stall_timeout_ms) + " ms");
  }
  base::ErrorCode code = base::ErrorCode::kInvalidInput;
  if (err == AVERROR(ENOENT)) code = base::ErrorCode::kNotFound;
  if (err == AVERROR(EIO)) code = base::ErrorCode::kIo;
  return base::MakeError(code, "open " + path + ": " + ff::ErrorString(err));
}

}  // namespace

base::Status Player::Impl::Probe() {
  format = avformat_alloc_context();
  format->interrupt_callback = {&Impl::Interrupt, this};
  ArmDeadline();
  int err = avformat_open_input(&format, path.c_str(), nullptr, nullptr);
  if (err < 0) {
    DisarmDeadline();
    return OpenError(path, err, options.stall_timeout_ms);  // avformat_open_input freed `format`
  }
  err = avformat_find_stream_info(format, nullptr);
  DisarmDeadline();
  if (err < 0) return OpenError(path, err, options.stall_timeout_ms);

  info.container = format->iformat->name;
  start_us = format->start_time != kNoPts ? format->start_time : 0;
  if (format->duration != kNoPts && format->duration > 0) {
    info.duration_ms = format->duration / 1000;
  }
  for (unsigned i = 0; i < format->nb_streams; ++i) {
    AVStream* st = format->streams[i];
    st->discard = AVDISCARD_ALL;
    if (st->disposition & AV_DISPOSITION_ATTACHED_PIC) {
      if (!info.has_cover_art) DecodeCoverArt(static_cast<int>(i));
      info.has_cover_art = true;
      continue;
    }
    if (st->codecpar->codec_type == AVMEDIA_TYPE_SUBTITLE) {
      const AVCodecDescriptor* desc = avcodec_descriptor_get(st->codecpar->codec_id);
      if (desc && (desc->props & AV_CODEC_PROP_TEXT_SUB)) {
        ++info.subtitle_tracks;
        if (subtitle_index < 0) subtitle_index = static_cast<int>(i);
      }
    }
  }
  video_index = -1;
  for (unsigned i = 0; i < format->nb_streams; ++i) {
    AVStream* st = format->streams[i];
    if (st->codecpar->codec_type != AVMEDIA_TYPE_VIDEO) continue;
    if (st->disposition & AV_DISPOSITION_ATTACHED_PIC) continue;
    video_index = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, static_cast<int>(i), -1,
                                      nullptr, 0);
    break;
  }
  audio_index = av_find_best_stream(format, AVMEDIA_TYPE_AUDIO, -1, video_index, nullptr, 0);
  if (audio_index < 0) audio_index = -1;
  if (video_index >= 0 && (format->streams[video_index]->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
    video_index = -1;
  }

  if (video_index >= 0) {
    auto opened = OpenDecoder(video_index, &video_codec, options.hw_decode);
    if (!opened) return opened.error();
    AVStream* st = format->streams[video_index];
    info.has_video = true;
    info.video_codec = avcodec_get_name(st->codecpar->codec_id);
    info.width = st->codecpar->width;
    info.height = st->codecpar->height;
    AVRational rate = av_guess_frame_rate(format, st, nullptr);
    if (rate.num > 0 && rate.den > 0) {
      info.frame_rate = av_q2d(rate);
      frame_duration_us = av_rescale_q(1, av_inv_q(rate), ff::kMicroseconds);
    }
    AVRational sar = av_guess_sample_aspect_ratio(format, st, nullptr);
    if (sar.num > 0 && sar.den > 0) {
      av_reduce(&info.sar_num, &info.sar_den, sar.num, sar.den, 1 << 16);
    }
    info.rotation_degrees = RotationOf(st);
    st->discard = AVDISCARD_DEFAULT;
  }
  if (audio_index >= 0) {
    auto opened = OpenDecoder(audio_index, &audio_codec);
    if (!opened) return opened.error();
    AVStream* st = format->streams[audio_index];
    info.has_audio = true;
    info.audio_codec = avcodec_get_name(st->codecpar->codec_id);
    info.audio_sample_rate = st->codecpar->sample_rate;
    info.audio_channels = st->codecpar->ch_layout.nb_channels;
    st->discard = AVDISCARD_DEFAULT;
  }
  if (!info.has_video && !info.has_audio) {
    return base::MakeError(base::ErrorCode::kInvalidInput, path + ": no playable stream");
  }
  if (subtitle_index >= 0) {
    if (OpenDecoder(subtitle_index, &subtitle_codec)) {
      format->streams[subtitle_index]->discard = AVDISCARD_DEFAULT;
    } else {
      subtitle_index = -1;
    }
  }
  return base::Ok();
}

base::Status Player::Impl::OpenDecoder(int index, ff::CodecContextPtr* out, bool hardware) {
  AVStream* st = format->streams[index];
  const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
  if (!codec) {
    return base::MakeError(base::ErrorCode::kInvalidInput,
                           std::string("no decoder for ") + avcodec_get_name(st->codecpar->codec_id));
  }
  ff::CodecContextPtr ctx(avcodec_alloc_context3(codec));
  int err = avcodec_parameters_to_context(ctx.get(), st->codecpar);
  if (err < 0) return base::MakeError(base::ErrorCode::kInvalidInput, ff::ErrorString(err));
  ctx->pkt_timebase = st->time_base;
  if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
    // Two cores: one decoder thread per core (frame threads; slices for
    // codecs without frame threading). Also what a hwaccel falls back to.
    ctx->thread_count = 2;
    ctx->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    if (hardware) {
      auto attached = AttachHardwareDecoder(ctx.get(), codec, options.hw_device, &hw_state);
      if (attached) {
        info.hw_decoder = *attached;
      } else {
        base::LogInfo(kLog, "software decoding: " + attached.error().message);
      }
    }
  }
  err = avcodec_open2(ctx.get(), codec, nullptr);
  if (err < 0) {
    return base::MakeError(base::ErrorCode::kInvalidInput,
                           std::string("open decoder ") + codec->name + ": " + ff::ErrorString(err));
  }
  *out = std::move(ctx);
  return base::Ok();
}

void Player::Impl::LoadSidecarSubtitles() {
  std::string srt = options.subtitle_path;
  if (srt.empty()) {
    std::size_t dot = path.find_last_of('.');
    std::size_t slash = path.find_last_of('/');
    std::string stem = (dot != std::string::npos && (slash == std::string::npos || dot > slash))
                           ? path.substr(0, dot) : path;
    srt = stem + ".srt";
  }
  std::ifstream in(srt, std::ios::binary);
  if (!in) {
    if (!options.subtitle_path.empty()) base::LogWarn(kLog, "cannot read subtitles " + srt);
    return;
  }
  std::stringstream bytes;
  bytes << in.rdbuf();
  auto cues = ParseSrt(bytes.str());
  if (!cues) {
    base::LogWarn(kLog, srt + ": " + cues.error().message);
    return;
  }
  std::lock_guard lock(subtitle_mutex);
  for (auto& cue : *cues) sidecar_subtitles.Add(std::move(cue));
  info.sidecar_subtitles = sidecar_subtitles.size() > 0;
}

void Player::Impl::OpenAudioOutput() {
  if (!info.has_audio) return;
  sink = options.audio_sink ? options.audio_sink : MakeDefaultAudioSink();
  AudioFormat wanted{info.audio_sample_rate > 0 ? info.audio_sample_rate : 48000,
                     std::clamp(info.audio_channels, 1, 2)};
  auto opened = sink->Open(wanted);
  if (!opened) {
    // Play on without sound (video on the monotonic clock) rather than fail.
    base::LogWarn(kLog, "audio output unavailable: " + opened.error().message);
    format->streams[audio_index]->discard = AVDISCARD_ALL;
    return;
  }
  sink_format = *opened;
  audio_output = true;
}

// Cover art (MP3 APIC, M4A covr) arrives as one packet at open. It is decoded
// here, on the caller's thread, and converted like any picture.
void Player::Impl::DecodeCoverArt(int index) {
  AVStream* st = format->streams[index];
  if (st->attached_pic.size <= 0) return;
  ff::CodecContextPtr ctx;
  if (!OpenDecoder(index, &ctx)) return;
  ff::FramePtr decoded = ff::MakeFrame();
  if (avcodec_send_packet(ctx.get(), &st->attached_pic) < 0) return;
  avcodec_send_packet(ctx.get(), nullptr);
  if (avcodec_receive_frame(ctx.get(), decoded.get()) < 0) {
    base::LogWarn(kLog, path + ": cover art could not be decoded");
    return;
  }
  if (!IsRenderablePixelFormat(decoded->format)) {
    FilterGraph convert;
    ff::FramePtr converted = ff::MakeFrame();
    if (!BuildVideoFilter(convert, decoded.get(), st->time_base, false) ||
        convert.Push(decoded.get()) < 0 || convert.Push(nullptr) < 0 ||
        convert.Pull(converted.get()) < 0) {
      base::LogWarn(kLog, path + ": cover art could not be converted");
      return;
    }
    decoded = std::move(converted);
  }
  cover.frame = std::move(decoded);
  cover.pts_us = start_us;
}

}  // namespace player
