// Photos a villager takes or picks: downsized and re-encoded as JPEG with no
// metadata at all.
//
//   base::Result<Photo> MakePhoto(std::string_view image_bytes, const PhotoOptions&);
//   base::Result<Photo> MakePhoto(const Image& pixels, const PhotoOptions&);
//   base::Result<Photo> MakePhotoFromFrame(const AVFrame* frame, const PhotoOptions&);
//
// Privacy: the output is encoded from pixels, so nothing of the input's EXIF
// (GPS position, camera serial, time), XMP, ICC profile or comments can
// survive; it holds only a JFIF header and the picture. The EXIF orientation
// of the input is applied to the pixels first, so an upright phone photo
// stays upright. The long edge is at most max_long_edge (never scaled up).
//
// Pure: bytes or pixels in, bytes out. The caller stores the result (with
// base::WriteFileDurably or the store) and owns any file I/O.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "media/image.h"

struct AVFrame;

namespace media {

struct PhotoOptions {
  int max_long_edge = 1600;
  int jpeg_quality = 80;  // 1..100, as in libjpeg
  int timeout_ms = 5000;  // decoding a huge or hostile input
};

struct Photo {
  std::string jpeg;  // baseline JPEG, JFIF, no EXIF
  int width = 0;
  int height = 0;
};

// A JPEG, PNG (or any still picture FFmpeg decodes). kInvalidInput when it is
// not a picture, kUnavailable when decoding exceeded timeout_ms.
base::Result<Photo> MakePhoto(std::string_view image_bytes, const PhotoOptions& options = {});

// Pixels already decoded, e.g. a still from media::Camera.
base::Result<Photo> MakePhoto(const Image& pixels, const PhotoOptions& options = {});

// A decoded frame in any pixel format (not modified, not kept).
base::Result<Photo> MakePhotoFromFrame(const AVFrame* frame, const PhotoOptions& options = {});

}  // namespace media
