// A V4L2 camera (/dev/video*) through libavdevice's video4linux2 input.
#include <sys/stat.h>

#include <mutex>

extern "C" {
#include <libavdevice/avdevice.h>
}

#include "media/camera.h"
#include "media/capture_camera.h"

namespace media {

base::Result<std::unique_ptr<Camera>> OpenV4l2Camera(const CameraOptions& options) {
  struct stat st {};
  if (::stat(options.device.c_str(), &st) != 0) {
    return base::MakeError(base::ErrorCode::kUnavailable, "no camera: " + options.device + " does not exist");
  }
  if (!S_ISCHR(st.st_mode)) {
    return base::MakeError(base::ErrorCode::kUnavailable, "no camera: " + options.device + " is not a device");
  }
  static std::once_flag registered;
  std::call_once(registered, [] { avdevice_register_all(); });
  const AVInputFormat* v4l2 = av_find_input_format("video4linux2");
  if (!v4l2) return base::MakeError(base::ErrorCode::kUnavailable, "libavdevice has no video4linux2 input");

  AVDictionary* device_options = nullptr;
  std::string size = std::to_string(options.capture_width) + "x" + std::to_string(options.capture_height);
  av_dict_set(&device_options, "video_size", size.c_str(), 0);
  av_dict_set_int(&device_options, "framerate", options.frames_per_second, 0);
  auto demuxer = ff::Demuxer::OpenDevice(v4l2, options.device, &device_options, options.open_timeout_ms);
  av_dict_free(&device_options);
  if (!demuxer) {
    // Whatever went wrong (not a camera, busy, unsupported), for the UI the
    // camera is not there.
    return base::MakeError(base::ErrorCode::kUnavailable, "no camera: " + demuxer.error().message);
  }
  capture::Settings settings;
  settings.preview_width = options.preview_width;
  settings.preview_height = options.preview_height;
  settings.stall_timeout_ms = options.stall_timeout_ms;
  return capture::Start(std::move(*demuxer), settings);
}

}  // namespace media
