// FFmpeg plumbing shared by player/ and media/ (target base_ffmpeg, kept out
// of `base` so that base itself needs no FFmpeg): owning pointers for the
// structs every decoder uses, error text, and routing FFmpeg's log to ours.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
}

#include <memory>
#include <string>

namespace base::ff {

struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FrameDeleter {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct CodecContextDeleter {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;

inline PacketPtr MakePacket() { return PacketPtr(av_packet_alloc()); }
inline FramePtr MakeFrame() { return FramePtr(av_frame_alloc()); }

// av_strerror's text for an AVERROR.
std::string ErrorString(int err);

// FFmpeg logs through one process-wide callback; this sends it to base's log
// (once per process), so a damaged lesson file does not spray stderr.
// Complaints about damaged input are expected, not actionable: debug level.
void RouteLogToBase();

}  // namespace base::ff
