// The audio thread: decode, atempo + aresample, volume, write to the sink,
// and record the media time of the last written sample (the audio clock).
#include "player/player_impl.h"

#include <vector>

#include "player/filters.h"

namespace player {

void Player::Impl::AudioLoop() {
  AVStream* st = audio_index >= 0 ? format->streams[audio_index] : nullptr;
  AVCodecContext* ctx = audio_codec.get();
  ff::FramePtr frame = ff::MakeFrame();
  ff::FramePtr filtered = ff::MakeFrame();
  FilterGraph filter;
  AudioFilterKey filter_key;
  double filter_speed = 1.0;
  std::int64_t filter_base_us = kNoPts;  // media time of the first frame into the graph
  std::uint64_t decoder_serial = kNoSerial;
  std::int64_t skip_until = kNoPts;
  std::int64_t next_pts_us = kNoPts;
  std::vector<float> scratch;
  const int channels = sink_format.channels;
  const int rate = sink_format.sample_rate;

  // Writes filtered samples to the sink, keeping the audio clock's
  // "written end" in step with what the sink holds.
  auto play = [&](AVFrame* f) {
    std::int64_t out_us = ff::ToUs(f->pts, filter.OutputTimeBase());
    std::int64_t media_us = out_us == kNoPts || filter_base_us == kNoPts
                                ? next_pts_us
                                : filter_base_us + static_cast<std::int64_t>((out_us - filter_base_us) * filter_speed);
    if (media_us == kNoPts) media_us = start_us;
    const double media_us_per_frame = 1e6 * filter_speed / rate;
    std::int64_t offset = 0;
    std::int64_t count = f->nb_samples;
    next_pts_us = media_us + static_cast<std::int64_t>(count * media_us_per_frame);
    if (skip_until != kNoPts) {
      if (next_pts_us <= skip_until) return;
      if (media_us < skip_until) {
        offset = static_cast<std::int64_t>((skip_until - media_us) / media_us_per_frame);
        offset = std::min(offset, count);
      }
    }
    const float* samples = reinterpret_cast<const float*>(f->data[0]);
    float gain = static_cast<float>(volume.load());
    scratch.resize(static_cast<std::size_t>(count * channels));
    for (std::int64_t i = offset * channels; i < count * channels; ++i) {
      scratch[static_cast<std::size_t>(i)] = samples[i] * gain;
    }
    while (offset < count && !quit.load() && !Stale(decoder_serial)) {
      {
        std::lock_guard lock(audio_clock_mutex);
        std::size_t n = sink->Write(scratch.data() + offset * channels,
                                    static_cast<std::size_t>(count - offset));
        offset += static_cast<std::int64_t>(n);
        if (n > 0) {
          written_serial = decoder_serial;
          written_end_us = media_us + static_cast<std::int64_t>(offset * media_us_per_frame);
        }
      }
      if (offset < count) sink->WaitForSpace(kPoll);
    }
  };

  auto drain_filter = [&] {
    while (filter.Pull(filtered.get()) >= 0) {
      play(filtered.get());
      av_frame_unref(filtered.get());
    }
  };

  auto on_frame = [&](AVFrame* f) {
    if (f->best_effort_timestamp != kNoPts) f->pts = f->best_effort_timestamp;
    std::int64_t pts_us = ff::ToUs(f->pts, st->time_base);
    double s = speed.load();
    AudioFilterKey key = AudioKeyOf(f, s);
    if (!filter.built() || !(key == filter_key)) {
      auto built = BuildAudioFilter(filter, f, st->time_base, s, sink_format);
      if (!built) {
        Fail(built.error());
        return;
      }
      filter_key = key;
      filter_speed = s;
      filter_base_us = pts_us != kNoPts ? pts_us : next_pts_us;
    }
    if (filter.Push(f) < 0) {
      decode_errors.fetch_add(1);
      return;
    }
    drain_filter();
  };

  while (!quit.load()) {
    auto item = audio_packets->Pop(kPoll);
    if (!item || Stale(item->serial)) continue;
    if (item->serial != decoder_serial) {
      avcodec_flush_buffers(ctx);
      filter.Reset();
      decoder_serial = item->serial;
      skip_until = SkipUntilFor(decoder_serial);
      next_pts_us = kNoPts;
      std::lock_guard lock(audio_clock_mutex);
      sink->Flush();
      written_serial = kNoSerial;
    }
    if (item->packet) {
      Decode(ctx, item->packet.get(), frame.get(), on_frame);
      continue;
    }
    Decode(ctx, nullptr, frame.get(), on_frame);
    if (filter.built() && filter.Push(nullptr) >= 0) drain_filter();
    filter.Reset();
    avcodec_flush_buffers(ctx);
    audio_finished_serial.store(decoder_serial);
  }
}

}  // namespace player
