// The video thread: decode, deinterlace/convert when needed, drop frames
// before an exact seek target or already late, queue the rest for Tick().
//
// Frames that will not be shown are dropped as early as possible:
//   - before sending a packet whose frame lies before an exact seek target,
//     or is already a frame late on the UI's clock, the decoder is told to
//     skip it if nothing refers to it (skip_frame = AVDISCARD_NONREF); such a
//     frame costs no decoding at all. Reference frames must still be decoded.
//   - a decoded frame before the seek target or already late is discarded
//     here, before it takes a queue slot or is uploaded.
// A skipped packet yields no frame, so the skip is only known once a later
// frame comes out (frames leave the decoder in pts order): `undecoded` keeps
// the pts of packets sent with the skip flag until then, to count them.
#include "player/player_impl.h"

#include <map>

#include "player/filters.h"
#include "player/hw_decode.h"

namespace player {

void Player::Impl::VideoLoop() {
  AVStream* st = format->streams[video_index];
  AVCodecContext* ctx = video_codec.get();
  ff::FramePtr frame = ff::MakeFrame();
  ff::FramePtr filtered = ff::MakeFrame();
  ff::FramePtr downloaded = ff::MakeFrame();
  FilterGraph filter;
  VideoFilterKey filter_key;
  std::uint64_t decoder_serial = kNoSerial;
  std::int64_t skip_until = kNoPts;
  std::int64_t next_pts_us = kNoPts;
  bool deinterlace = false;
  int early_drops = 0;
  bool first_after_seek = false;  // next frame is the first of a new serial
  // pts (us) of packets sent with skip_frame set -> true if skipped for
  // being late, false if for being before the seek target.
  std::map<std::int64_t, bool> undecoded;

  // Frames that will never come out of the decoder: count them.
  auto count_undecoded = [&](std::map<std::int64_t, bool>::iterator end) {
    for (auto it = undecoded.begin(); it != end; ++it) {
      if (it->second) frames_dropped_undecoded.fetch_add(1);
      else frames_skipped.fetch_add(1);
    }
    undecoded.erase(undecoded.begin(), end);
  };

  // Emits one finished picture into the frame queue, honouring exact seeks.
  auto emit = [&](AVFrame* f, AVRational tb, bool was_filtered) {
    std::int64_t pts_us = ff::ToUs(f->pts, tb);
    if (pts_us == kNoPts) pts_us = next_pts_us != kNoPts ? next_pts_us : start_us;
    next_pts_us = pts_us + frame_duration_us;
    if (first_after_seek && skip_until != kNoPts && pts_us - frame_duration_us / 2 > skip_until &&
        RetrySeekEarlier(decoder_serial)) {
      return;  // the next packets carry a new serial
    }
    first_after_seek = false;
    if (skip_until != kNoPts && pts_us + frame_duration_us / 2 < skip_until) {
      frames_skipped.fetch_add(1);
      return;
    }
    // Too slow for the stream: a frame already a frame late at the UI's
    // last tick would only be dropped there, after costing a queue slot.
    std::int64_t late_clock = late_clock_us.load();
    if (late_clock != kNoPts && pts_us + frame_duration_us < late_clock &&
        early_drops < kMaxEarlyDrops) {
      ++early_drops;
      frames_dropped_early.fetch_add(1);
      return;
    }
    early_drops = 0;
    DecodedFrame out;
    out.frame = ff::MakeFrame();
    av_frame_move_ref(out.frame.get(), f);
    out.serial = decoder_serial;
    out.pts_us = pts_us;
    out.deinterlaced = was_filtered && deinterlace;
    while (!quit.load() && !Stale(decoder_serial)) {
      if (frames->Push(out, kPoll)) return;
    }
  };

  auto on_frame = [&](AVFrame* f) {
    frames_decoded.fetch_add(1);
    // Concealed damage still yields a picture; count it, show it.
    if (f->decode_error_flags != 0 || (f->flags & AV_FRAME_FLAG_CORRUPT)) decode_errors.fetch_add(1);
    if (f->best_effort_timestamp != kNoPts) f->pts = f->best_effort_timestamp;
    if (!undecoded.empty() && f->pts != kNoPts) {
      std::int64_t pts_us = ff::ToUs(f->pts, st->time_base);
      auto at = undecoded.lower_bound(pts_us);
      count_undecoded(at);
      if (at != undecoded.end() && at->first == pts_us) undecoded.erase(at);  // a reference frame
    }
    if (IsHardwareFrame(f)) {
      // Copy the picture out of the device's surface (nv12 for 8-bit).
      av_frame_unref(downloaded.get());
      if (DownloadHardwareFrame(f, downloaded.get()) < 0) {
        decode_errors.fetch_add(1);
        return;
      }
      av_frame_unref(f);
      av_frame_move_ref(f, downloaded.get());
    }
    if (f->interlaced_frame && !deinterlace) {
      deinterlace = true;
      deinterlacing.store(true);
    }
    if (!deinterlace && IsRenderablePixelFormat(f->format)) {
      filter.Reset();
      emit(f, st->time_base, false);
      return;
    }
    VideoFilterKey key{f->width, f->height, f->format, deinterlace};
    if (!filter.built() || !(key == filter_key)) {
      auto built = BuildVideoFilter(filter, f, st->time_base, deinterlace);
      if (!built) {
        Fail(built.error());
        return;
      }
      filter_key = key;
    }
    if (filter.Push(f) < 0) {
      decode_errors.fetch_add(1);
      return;
    }
    while (filter.Pull(filtered.get()) >= 0) {
      emit(filtered.get(), filter.OutputTimeBase(), true);
      av_frame_unref(filtered.get());
    }
  };

  while (!quit.load()) {
    auto item = video_packets->Pop(kPoll);
    if (!item || Stale(item->serial)) continue;
    if (item->serial != decoder_serial) {
      avcodec_flush_buffers(ctx);
      undecoded.clear();
      filter.Reset();
      decoder_serial = item->serial;
      skip_until = SkipUntilFor(decoder_serial);
      next_pts_us = kNoPts;
      first_after_seek = true;
    }
    if (item->packet) {
      AVPacket* packet = item->packet.get();
      std::int64_t pts_us = ff::ToUs(packet->pts, st->time_base);
      // Set: skip this frame if nothing refers to it; the value says why
      // (true: late, false: before the seek target).
      std::optional<bool> skip;
      if (pts_us != kNoPts) {
        std::int64_t late_clock = late_clock_us.load();
        if (skip_until != kNoPts && pts_us + frame_duration_us / 2 < skip_until) {
          skip = false;
        } else if (late_clock != kNoPts && pts_us + frame_duration_us < late_clock) {
          skip = true;
        }
      }
      ctx->skip_frame = skip.has_value() ? AVDISCARD_NONREF : AVDISCARD_DEFAULT;
      if (skip.has_value()) undecoded[pts_us] = *skip;
      Decode(ctx, packet, frame.get(), on_frame);
      continue;
    }
    // End of stream: drain decoder and filter, then get ready for a seek.
    ctx->skip_frame = AVDISCARD_DEFAULT;
    Decode(ctx, nullptr, frame.get(), on_frame);
    count_undecoded(undecoded.end());
    if (filter.built() && filter.Push(nullptr) >= 0) {
      while (filter.Pull(filtered.get()) >= 0) {
        emit(filtered.get(), filter.OutputTimeBase(), true);
        av_frame_unref(filtered.get());
      }
    }
    filter.Reset();
    avcodec_flush_buffers(ctx);
    // An exact seek that reached the end without a single picture landed
    // past the last keyframe; try again from further back.
    if (first_after_seek && skip_until != kNoPts && RetrySeekEarlier(decoder_serial)) continue;
    video_finished_serial.store(decoder_serial);
  }
}

}  // namespace player
