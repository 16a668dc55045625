// Internal to media/ (not a public header): the capture thread behind every
// Camera. A source-specific Open*Camera() opens a Demuxer (a file, or a
// device through libavdevice) and hands it here; this decodes on its own
// thread, paces a file to its timestamps, loops it, and publishes previews.
#pragma once

#include <memory>

#include "base/result.h"
#include "media/camera.h"
#include "media/ff.h"

namespace media::capture {

struct Settings {
  bool pace_to_timestamps = false;  // a file: show frames at their times, not as fast as decoded
  bool loop = false;                // a file: start again at the end
  int preview_width = 640;
  int preview_height = 360;
  int stall_timeout_ms = 5000;
};

// kInvalidInput when the demuxer has no video (or the decoder cannot open).
base::Result<std::unique_ptr<Camera>> Start(std::unique_ptr<ff::Demuxer> demuxer,
                                            const Settings& settings);

}  // namespace media::capture
