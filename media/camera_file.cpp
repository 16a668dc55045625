// A file standing in for a camera (--camera-source FILE, and tests).
#include "media/camera.h"
#include "media/capture_camera.h"

namespace media {

base::Result<std::unique_ptr<Camera>> OpenFileCamera(const std::string& path, const CameraOptions& options) {
  auto source = ff::FileSource(path);
  if (!source) return source.error();
  auto demuxer = ff::Demuxer::Open(std::move(*source), options.open_timeout_ms, path);
  if (!demuxer) return demuxer.error();
  capture::Settings settings;
  settings.pace_to_timestamps = true;
  settings.loop = true;
  settings.preview_width = options.preview_width;
  settings.preview_height = options.preview_height;
  settings.stall_timeout_ms = options.stall_timeout_ms;
  return capture::Start(std::move(*demuxer), settings);
}

}  // namespace media
