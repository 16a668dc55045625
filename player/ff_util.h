// Internal: small RAII and conversion helpers around FFmpeg. Not part of the
// public API (player.h never includes FFmpeg).
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/error.h>
}

#include <cstdint>

#include "base/ffmpeg.h"
#include <memory>
#include <string>

namespace player::ff {

// The owning pointers, MakeFrame/MakePacket and ErrorString (base/ffmpeg.h).
using namespace base::ff;

inline constexpr AVRational kMicroseconds{1, 1000000};

// AV_NOPTS_VALUE stays AV_NOPTS_VALUE.
inline std::int64_t ToUs(std::int64_t ts, AVRational time_base) {
  if (ts == AV_NOPTS_VALUE) return AV_NOPTS_VALUE;
  return av_rescale_q(ts, time_base, kMicroseconds);
}

}  // namespace player::ff
