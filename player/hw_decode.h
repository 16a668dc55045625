// Internal: hardware video decoding through libavcodec's hwaccel (VAAPI).
//
// AttachHardwareDecoder() runs at Open() before avcodec_open2(): when the
// codec has a VAAPI configuration and the device opens, the decoder gets the
// device and a get_format callback that picks VAAPI surfaces whenever
// libavcodec offers them (it does not for profiles the hardware lacks, and
// it offers them no more if the hwaccel fails to initialise), and the
// software format otherwise. Every outcome leaves a working decoder: at
// worst a software one. The video thread copies hardware frames back to
// memory (DownloadHardwareFrame, normally as nv12) before they are queued,
// so the frame queue never pins the device's small surface pool.
#pragma once

#include <atomic>
#include <string>

#include "base/result.h"

struct AVCodec;
struct AVCodecContext;
struct AVFrame;

namespace player {

// Where get_format records whether the frames now coming out are hardware
// frames; must outlive the codec context.
struct HwDecodeState {
  std::atomic<bool> active{false};
};

// On success the hardware's name ("vaapi"); otherwise why not (logged by the
// caller, decoding stays in software). `device` is a DRM render node, or
// empty for libva's default. Opening a device is tried once per process and
// device: a box without one does not pay for the probe at every Open().
base::Result<std::string> AttachHardwareDecoder(AVCodecContext* ctx, const AVCodec* codec,
                                                const std::string& device, HwDecodeState* state);

bool IsHardwareFrame(const AVFrame* frame);
// Copies `hw` into `out` (a blank frame) in a software format, props included.
// Returns a negative AVERROR on failure.
int DownloadHardwareFrame(const AVFrame* hw, AVFrame* out);

}  // namespace player
