// OpenV4l2Camera for builds without libavdevice (CMake chose this file).
#include "media/camera.h"

namespace media {

base::Result<std::unique_ptr<Camera>> OpenV4l2Camera(const CameraOptions& options) {
  return base::MakeError(base::ErrorCode::kUnavailable,
                         "no camera: " + options.device + " (this build has no V4L2 support)");
}

}  // namespace media
