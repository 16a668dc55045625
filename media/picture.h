// Internal to media/ (not a public header): decoded frames to pictures.
//
//   DetailOf      how far a frame is from uniform (black, a fade, a blank slide)
//   FitInside     the size that fits a box with the aspect ratio kept
//   RenderFrame   an AVFrame to an RGB(A) Image: scaled, sample aspect applied, oriented
//   Orient        the eight EXIF orientations on an Image
//   EncodeJpeg    an Image to baseline JPEG bytes (stb_image_write)
#pragma once

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/frame.h>
}

#include <string>

#include "base/result.h"
#include "media/image.h"

namespace media::picture {

// Standard deviation of the luma of a small grey rendering of the frame, in
// 8-bit steps: about 0 for a black or flat frame, 40+ for a busy scene.
double DetailOf(const AVFrame* frame);

// Below this DetailOf, a frame is "nearly uniform" and a poor thumbnail.
inline constexpr double kUniformDetail = 10.0;

struct Size {
  int width = 0;
  int height = 0;
};

// The largest size with the aspect ratio of display_width:display_height
// inside max_width x max_height, never larger than the display size itself.
// Both sides are at least 1.
Size FitInside(double display_width, double display_height, int max_width, int max_height);

// EXIF orientation values (1 = as stored, 6 = rotate 90° clockwise, ...).
int OrientationForRotation(int clockwise_degrees);
bool SwapsAxes(int orientation);  // 5..8 turn a landscape picture upright

// Clockwise rotation from the stream's display matrix (0, 90, 180, 270),
// else from the frame's, else 0.
int RotationOf(const AVStream* stream, const AVFrame* frame);

// EXIF "Orientation" from a decoded JPEG's metadata, 1 if absent or invalid.
int ExifOrientationOf(const AVFrame* frame);

// Converts `frame` (any pixel format) to `layout` so that the displayed picture
// (the sample aspect ratio applied, then `orientation`) fits in
// max_width x max_height. sar {0,1} or invalid means square pixels.
// kFast trades a little sharpness for speed (live previews).
enum class Quality { kBest, kFast };
base::Result<Image> RenderFrame(const AVFrame* frame, AVRational sar, int orientation,
                                int max_width, int max_height,
                                PixelLayout layout = PixelLayout::kRgb24,
                                Quality quality = Quality::kBest);

Image Orient(const Image& image, int orientation);

// Baseline JPEG, JFIF, 4:2:0 (quality <= 90), no EXIF or other metadata.
base::Result<std::string> EncodeJpeg(const Image& image, int quality);

}  // namespace media::picture
