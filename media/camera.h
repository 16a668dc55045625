// Cameras for photos: one interface, one implementation per source.
//
//   OpenV4l2Camera(options)        a V4L2 device (/dev/video*) via libavdevice
//                                  (camera_v4l2.cpp; camera_v4l2_absent.cpp
//                                  when CMake found no libavdevice)
//   OpenFileCamera(path, options)  an image or video file standing in for a
//                                  camera: the kiosk's --camera-source FILE,
//                                  and what tests use (camera_file.cpp)
//
// A camera captures on its own thread from Open until destruction. The UI
// thread polls TakePreview() once per frame (never blocks) and uploads the
// RGBA image; CaptureStill() returns the newest frame at full resolution for
// media::MakePhoto(). A camera that fails later (unplugged, unreadable file)
// stops delivering and reports the error in status().
//
//   auto camera = options.camera_source.empty()
//                     ? media::OpenV4l2Camera({})
//                     : media::OpenFileCamera(options.camera_source, {});
//   if (!camera) ShowNoCamera(camera.error());            // kUnavailable
//   if (auto preview = (*camera)->TakePreview()) Upload(preview->image);
//   auto photo = media::MakePhoto(*(*camera)->CaptureStill());
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "media/image.h"

namespace media {

struct CameraOptions {
  std::string device = "/dev/video0";  // V4L2 only
  // Asked of a device (it may pick the nearest it supports); ignored for files.
  int capture_width = 1280;
  int capture_height = 720;
  int frames_per_second = 30;
  // Preview frames fit in this box (aspect ratio kept, never scaled up).
  int preview_width = 640;
  int preview_height = 360;
  int open_timeout_ms = 5000;
  // A device that delivers no frame for this long has failed.
  int stall_timeout_ms = 5000;
};

struct PreviewFrame {
  Image image;                 // PixelLayout::kRgba32, upright
  std::uint64_t sequence = 0;  // 1, 2, 3... per frame captured; gaps = frames not taken
  std::int64_t time_ms = 0;    // capture time since the camera opened
};

class Camera {
 public:
  virtual ~Camera() = default;

  // The newest preview frame not returned before, or nothing. Never blocks.
  virtual std::optional<PreviewFrame> TakePreview() = 0;
  // The newest frame at full resolution (RGB, upright). kUnavailable before
  // the first frame or after a failure.
  virtual base::Result<Image> CaptureStill() = 0;
  // Ok while capturing; the error that stopped capture otherwise.
  virtual base::Status status() const = 0;
};

// kUnavailable when there is no such device, it is not a camera, it is busy,
// or this build has no V4L2 support.
base::Result<std::unique_ptr<Camera>> OpenV4l2Camera(const CameraOptions& options = {});

// Frames at the file's own pace, looping at the end; a still image gives one
// frame that stays current. kNotFound for a missing file, kInvalidInput for a
// file without pictures.
base::Result<std::unique_ptr<Camera>> OpenFileCamera(const std::string& path,
                                                     const CameraOptions& options = {});

}  // namespace media
