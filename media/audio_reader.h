// Internal to media/ (not a public header): an audio stream decoded and
// converted to 16-bit interleaved PCM in a chosen format, chunk by chunk.
// DecodeVoiceNote reads it to the end; the file microphone reads it at the
// pace of the clock.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "base/result.h"
#include "media/ff.h"
#include "media/voice.h"

struct SwrContext;

namespace media::ff {

class AudioReader {
 public:
  // timeout_ms bounds opening; each Read() re-arms it.
  static base::Result<std::unique_ptr<AudioReader>> Open(std::unique_ptr<ByteSource> source,
                                                         std::string what, PcmFormat output,
                                                         int timeout_ms);
  ~AudioReader();

  // Appends the PCM of the next decoded frame(s) to `out`: true while there
  // is more, false at the end of the stream (after the last samples).
  base::Result<bool> Read(std::vector<std::int16_t>& out);
  // Back to the start, for looping.
  base::Status Rewind();
  PcmFormat format() const { return output_; }

 private:
  AudioReader() = default;
  base::Status Convert(const AVFrame* frame, std::vector<std::int16_t>& out);

  std::unique_ptr<Demuxer> demuxer_;
  CodecContextPtr decoder_;
  std::unique_ptr<FrameReader> reader_;
  FramePtr frame_ = MakeFrame();
  SwrContext* swr_ = nullptr;
  int stream_index_ = -1;
  int timeout_ms_ = 0;
  bool flushed_ = false;
  PcmFormat output_;
};

}  // namespace media::ff
