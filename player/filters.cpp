#include "player/filters.h"

extern "C" {
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/channel_layout.h>
#include <libavutil/pixdesc.h>
}

#include <cstdio>

namespace player {
namespace {

base::Error FilterError(const std::string& what, int err) {
  return base::MakeError(base::ErrorCode::kInvalidInput,
                         "filter " + what + ": " + ff::ErrorString(err));
}

std::string LayoutName(const AVFrame* frame) {
  AVChannelLayout layout{};
  if (frame->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || frame->ch_layout.nb_channels == 0) {
    av_channel_layout_default(&layout, frame->ch_layout.nb_channels > 0 ? frame->ch_layout.nb_channels : 2);
  } else {
    av_channel_layout_copy(&layout, &frame->ch_layout);
  }
  char name[128] = {};
  av_channel_layout_describe(&layout, name, sizeof(name));
  av_channel_layout_uninit(&layout);
  return name;
}

}  // namespace

base::Status FilterGraph::Build(const char* source_filter, const std::string& source_args,
                                const char* sink_filter, const std::string& chain) {
  Reset();
  graph_ = avfilter_graph_alloc();
  if (!graph_) return base::MakeError(base::ErrorCode::kUnavailable, "filter: out of memory");
  // Two cores: one filter thread is enough and keeps behaviour predictable.
  graph_->nb_threads = 1;
  int err = avfilter_graph_create_filter(&source_, avfilter_get_by_name(source_filter), "in",
                                         source_args.c_str(), nullptr, graph_);
  if (err < 0) return FilterError(std::string(source_filter) + " " + source_args, err);
  err = avfilter_graph_create_filter(&sink_, avfilter_get_by_name(sink_filter), "out", nullptr,
                                     nullptr, graph_);
  if (err < 0) return FilterError(sink_filter, err);

  AVFilterInOut* outputs = avfilter_inout_alloc();
  AVFilterInOut* inputs = avfilter_inout_alloc();
  outputs->name = av_strdup("in");
  outputs->filter_ctx = source_;
  inputs->name = av_strdup("out");
  inputs->filter_ctx = sink_;
  err = avfilter_graph_parse_ptr(graph_, chain.c_str(), &inputs, &outputs, nullptr);
  avfilter_inout_free(&inputs);
  avfilter_inout_free(&outputs);
  if (err < 0) return FilterError("parse '" + chain + "'", err);
  err = avfilter_graph_config(graph_, nullptr);
  if (err < 0) return FilterError("config '" + chain + "'", err);
  return base::Ok();
}

void FilterGraph::Reset() {
  avfilter_graph_free(&graph_);
  source_ = sink_ = nullptr;
}

int FilterGraph::Push(AVFrame* frame) {
  return av_buffersrc_add_frame_flags(source_, frame, AV_BUFFERSRC_FLAG_KEEP_REF);
}

int FilterGraph::Pull(AVFrame* out) { return av_buffersink_get_frame(sink_, out); }

AVRational FilterGraph::OutputTimeBase() const { return av_buffersink_get_time_base(sink_); }

bool IsRenderablePixelFormat(int format) {
  return format == AV_PIX_FMT_YUV420P || format == AV_PIX_FMT_YUVJ420P ||
         format == AV_PIX_FMT_NV12;
}

base::Status BuildVideoFilter(FilterGraph& graph, const AVFrame* frame, AVRational time_base,
                              bool deinterlace) {
  char args[256];
  AVRational sar = frame->sample_aspect_ratio.num > 0 ? frame->sample_aspect_ratio : AVRational{1, 1};
  std::snprintf(args, sizeof(args),
                "video_size=%dx%d:pix_fmt=%d:time_base=%d/%d:pixel_aspect=%d/%d", frame->width,
                frame->height, frame->format, time_base.num, time_base.den, sar.num, sar.den);
  std::string chain;
  // send_frame keeps one output per input, so frame counts stay meaningful;
  // deint=interlaced leaves progressive frames in a mixed stream alone.
  if (deinterlace) chain = "yadif=mode=send_frame:parity=auto:deint=interlaced";
  if (!IsRenderablePixelFormat(frame->format)) {
    if (!chain.empty()) chain += ",";
    chain += "format=yuv420p";
  }
  if (chain.empty()) chain = "null";
  return graph.Build("buffer", args, "buffersink", chain);
}

AudioFilterKey AudioKeyOf(const AVFrame* frame, double speed) {
  return AudioFilterKey{frame->sample_rate, frame->format, LayoutName(frame), speed};
}

base::Status BuildAudioFilter(FilterGraph& graph, const AVFrame* frame, AVRational time_base,
                              double speed, const AudioFormat& out) {
  char args[512];
  std::snprintf(args, sizeof(args),
                "time_base=%d/%d:sample_rate=%d:sample_fmt=%s:channel_layout=%s", time_base.num,
                time_base.den, frame->sample_rate,
                av_get_sample_fmt_name(static_cast<AVSampleFormat>(frame->format)),
                LayoutName(frame).c_str());
  AVChannelLayout out_layout{};
  av_channel_layout_default(&out_layout, out.channels);
  char out_name[128] = {};
  av_channel_layout_describe(&out_layout, out_name, sizeof(out_name));
  av_channel_layout_uninit(&out_layout);

  std::string chain;
  if (speed != 1.0) {
    char tempo[64];
    std::snprintf(tempo, sizeof(tempo), "atempo=%.4f,", speed);
    chain += tempo;
  }
  char tail[256];
  std::snprintf(tail, sizeof(tail), "aresample=%d,aformat=sample_fmts=flt:sample_rates=%d:channel_layouts=%s",
                out.sample_rate, out.sample_rate, out_name);
  chain += tail;
  return graph.Build("abuffer", args, "abuffersink", chain);
}

}  // namespace player
