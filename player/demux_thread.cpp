// The demux thread: reads packets, honours seek requests, routes packets
// to the decoders' queues and decodes text subtitles itself (cheap).
#include "player/player_impl.h"

namespace player {
namespace {

// "0,0,Default,,0,0,0,,Hello\Nworld" (an ASS event) -> "Hello\nworld".
std::string TextOfAssEvent(const char* ass) {
  std::string_view s(ass);
  for (int commas = 0; commas < 8; ++commas) {
    std::size_t at = s.find(',');
    if (at == std::string_view::npos) return StripSubtitleMarkup(ass);
    s.remove_prefix(at + 1);
  }
  return StripSubtitleMarkup(s);
}

}  // namespace

bool Player::Impl::QueuesFull() const {
  std::int64_t bytes = video_packets->Bytes() + audio_packets->Bytes();
  if (bytes > options.max_queue_bytes) return true;
  std::int64_t max_us = options.max_queue_duration_ms * 1000;
  bool video_enough = video_index < 0 || video_packets->DurationUs() > max_us ||
                      video_packets->Count() > 500;
  bool audio_enough = !audio_output || audio_packets->DurationUs() > max_us ||
                      audio_packets->Count() > 1000;
  return video_enough && audio_enough;
}

void Player::Impl::DemuxLoop() {
  std::uint64_t packet_serial = serial.load();
  bool eof = false;
  int consecutive_errors = 0;
  ff::PacketPtr packet = ff::MakePacket();
  while (!quit.load()) {
    {
      std::unique_lock lock(seek_mutex);
      if (pending_seek) {
        SeekRequest request = *pending_seek;
        pending_seek.reset();
        lock.unlock();
        ArmDeadline();
        int err = avformat_seek_file(format, -1, INT64_MIN, request.target_us, request.target_us, 0);
        DisarmDeadline();
        if (err < 0) base::LogWarn(kLog, "seek failed: " + ff::ErrorString(err));
        video_packets->Clear();
        audio_packets->Clear();
        packet_serial = request.serial;
        eof = false;
        consecutive_errors = 0;
        continue;
      }
      if (eof || QueuesFull()) {
        seek_cv.wait_for(lock, kPoll);
        continue;
      }
    }
    ArmDeadline();
    int err = av_read_frame(format, packet.get());
    DisarmDeadline();
    if (err < 0) {
      if (quit.load()) break;
      if (err == AVERROR_EXIT) {
        Fail(base::MakeError(base::ErrorCode::kUnavailable,
                             "reading " + path + " stalled for more than " +
                                 std::to_string(options.stall_timeout_ms) + " ms"));
        break;
      }
      bool at_end = err == AVERROR_EOF || (format->pb && avio_feof(format->pb));
      if (!at_end && format->pb && format->pb->error < 0) {
        Fail(base::MakeError(base::ErrorCode::kIo, "reading " + path + ": " + ff::ErrorString(err)));
        break;
      }
      if (!at_end && ++consecutive_errors < 100) {
        decode_errors.fetch_add(1);
        continue;
      }
      // End of stream: an empty packet tells each decoder to drain.
      if (video_index >= 0) video_packets->Push(nullptr, packet_serial, 0);
      if (audio_output) audio_packets->Push(nullptr, packet_serial, 0);
      eof = true;
      continue;
    }
    consecutive_errors = 0;
    RoutePacket(std::move(packet), packet_serial);
    packet = ff::MakePacket();
  }
}

void Player::Impl::RoutePacket(ff::PacketPtr packet, std::uint64_t packet_serial) {
  int index = packet->stream_index;
  AVStream* st = format->streams[index];
  // The demuxer saw damage (e.g. a TS continuity error); the decoder will
  // conceal it, but it is counted.
  if (packet->flags & AV_PKT_FLAG_CORRUPT) decode_errors.fetch_add(1);
  std::int64_t duration_us = packet->duration > 0 ? ff::ToUs(packet->duration, st->time_base) : 0;
  if (index == video_index) {
    video_packets->Push(std::move(packet), packet_serial, duration_us);
  } else if (index == audio_index && audio_output) {
    audio_packets->Push(std::move(packet), packet_serial, duration_us);
  } else if (index == subtitle_index) {
    DecodeSubtitle(packet.get(), st);
  }
}

void Player::Impl::DecodeSubtitle(AVPacket* packet, AVStream* st) {
  AVSubtitle sub{};
  int got = 0;
  if (avcodec_decode_subtitle2(subtitle_codec.get(), &sub, &got, packet) < 0) {
    decode_errors.fetch_add(1);
    return;
  }
  if (!got) return;
  std::int64_t pts_us = ff::ToUs(packet->pts, st->time_base);
  if (pts_us == kNoPts) {
    avsubtitle_free(&sub);
    return;
  }
  SubtitleCue cue;
  cue.start_ms = (pts_us - start_us) / 1000 + sub.start_display_time;
  std::int64_t duration_ms = packet->duration > 0 ? ff::ToUs(packet->duration, st->time_base) / 1000 : 0;
  if (duration_ms <= 0 && sub.end_display_time > 0 && sub.end_display_time != UINT32_MAX) {
    duration_ms = sub.end_display_time - sub.start_display_time;
  }
  cue.end_ms = cue.start_ms + (duration_ms > 0 ? duration_ms : 3000);
  for (unsigned i = 0; i < sub.num_rects; ++i) {
    const AVSubtitleRect* rect = sub.rects[i];
    std::string text;
    if (rect->type == SUBTITLE_ASS && rect->ass) text = TextOfAssEvent(rect->ass);
    else if (rect->type == SUBTITLE_TEXT && rect->text) text = StripSubtitleMarkup(rect->text);
    if (text.empty()) continue;
    if (!cue.text.empty()) cue.text += "\n";
    cue.text += text;
  }
  avsubtitle_free(&sub);
  if (cue.text.empty()) return;
  std::lock_guard lock(subtitle_mutex);
  embedded_subtitles.Add(std::move(cue));
}

}  // namespace player
