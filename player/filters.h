// Internal: the libavfilter graphs the decode threads run frames through.
//
// VideoFilter: [yadif (interlaced frames only)] -> [format=yuv420p when the
// decoder's format is neither yuv420p nor nv12]. Built only when needed;
// progressive yuv420p/nv12 frames bypass it entirely.
// AudioFilter: [atempo=speed] -> aresample (libswresample) -> aformat=flt at
// the sink's rate and channel count.
//
// Both follow the libavfilter protocol: Push (nullptr = end of stream) then
// Pull until it returns AVERROR(EAGAIN) or AVERROR_EOF.
#pragma once

#include <string>

#include "base/result.h"
#include "player/audio_sink.h"
#include "player/ff_util.h"

struct AVFilterGraph;
struct AVFilterContext;

namespace player {

class FilterGraph {
 public:
  FilterGraph() = default;
  ~FilterGraph() { Reset(); }
  FilterGraph(const FilterGraph&) = delete;
  FilterGraph& operator=(const FilterGraph&) = delete;

  // source_filter: "buffer" or "abuffer"; chain: a filtergraph description
  // between source and sink ("null" / "anull" for none).
  base::Status Build(const char* source_filter, const std::string& source_args,
                     const char* sink_filter, const std::string& chain);
  void Reset();
  bool built() const { return graph_ != nullptr; }
  int Push(AVFrame* frame);  // nullptr flushes
  int Pull(AVFrame* out);
  AVRational OutputTimeBase() const;

 private:
  AVFilterGraph* graph_ = nullptr;
  AVFilterContext* source_ = nullptr;
  AVFilterContext* sink_ = nullptr;
};

// Describes a decoder's output so a change (resolution, format, interlacing,
// speed) can trigger a rebuild.
struct VideoFilterKey {
  int width = 0, height = 0, format = -1;
  bool deinterlace = false;
  bool operator==(const VideoFilterKey&) const = default;
};

// True when frames of this format can go to the renderer as they are.
bool IsRenderablePixelFormat(int format);

base::Status BuildVideoFilter(FilterGraph& graph, const AVFrame* frame, AVRational time_base,
                              bool deinterlace);

struct AudioFilterKey {
  int sample_rate = 0, format = -1;
  std::string layout;
  double speed = 1.0;
  bool operator==(const AudioFilterKey&) const = default;
};
AudioFilterKey AudioKeyOf(const AVFrame* frame, double speed);

base::Status BuildAudioFilter(FilterGraph& graph, const AVFrame* frame, AVRational time_base,
                              double speed, const AudioFormat& out);

}  // namespace player
