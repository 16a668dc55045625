#include "media/picture.h"

extern "C" {
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>

namespace media::picture {
namespace {

struct SwsDeleter {
  void operator()(SwsContext* s) const { sws_freeContext(s); }
};
using SwsPtr = std::unique_ptr<SwsContext, SwsDeleter>;

// A scaler from `frame` to (width, height, dst_format) with the frame's
// colour matrix and range. The deprecated full-range "yuvj" formats are
// mapped to their plain twins with the range set explicitly.
SwsPtr MakeScaler(const AVFrame* frame, int width, int height, AVPixelFormat dst_format, int flags) {
  auto src_format = static_cast<AVPixelFormat>(frame->format);
  bool full_range = frame->color_range == AVCOL_RANGE_JPEG;
  switch (src_format) {
    case AV_PIX_FMT_YUVJ420P: src_format = AV_PIX_FMT_YUV420P; full_range = true; break;
    case AV_PIX_FMT_YUVJ422P: src_format = AV_PIX_FMT_YUV422P; full_range = true; break;
    case AV_PIX_FMT_YUVJ444P: src_format = AV_PIX_FMT_YUV444P; full_range = true; break;
    case AV_PIX_FMT_YUVJ440P: src_format = AV_PIX_FMT_YUV440P; full_range = true; break;
    case AV_PIX_FMT_YUVJ411P: src_format = AV_PIX_FMT_YUV411P; full_range = true; break;
    default: break;
  }
  SwsPtr sws(sws_getContext(frame->width, frame->height, src_format, width, height, dst_format,
                            flags, nullptr, nullptr, nullptr));
  if (!sws) return sws;
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(src_format);
  bool is_rgb = desc && (desc->flags & AV_PIX_FMT_FLAG_RGB);
  if (!is_rgb) {
    // Unspecified matrix: HD and larger is BT.709 in practice, SD is BT.601.
    int colorspace = frame->colorspace;
    if (colorspace == AVCOL_SPC_UNSPECIFIED || colorspace == AVCOL_SPC_RESERVED) {
      colorspace = frame->height >= 720 ? AVCOL_SPC_BT709 : AVCOL_SPC_SMPTE170M;
    }
    sws_setColorspaceDetails(sws.get(), sws_getCoefficients(colorspace), full_range ? 1 : 0,
                             sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
  }
  return sws;
}

}  // namespace

double DetailOf(const AVFrame* frame) {
  constexpr int kW = 64, kH = 36;
  SwsPtr sws = MakeScaler(frame, kW, kH, AV_PIX_FMT_GRAY8, SWS_FAST_BILINEAR);
  if (!sws) return 0;
  // Padding: swscale's SIMD paths may write a little past the last row.
  alignas(64) std::uint8_t grey[kW * kH + 64] = {};
  std::uint8_t* dst[4] = {grey, nullptr, nullptr, nullptr};
  int dst_stride[4] = {kW, 0, 0, 0};
  if (sws_scale(sws.get(), frame->data, frame->linesize, 0, frame->height, dst, dst_stride) <= 0) return 0;
  double sum = 0, sum_sq = 0;
  for (int i = 0; i < kW * kH; ++i) {
    sum += grey[i];
    sum_sq += double(grey[i]) * grey[i];
  }
  double mean = sum / (kW * kH);
  return std::sqrt(std::max(0.0, sum_sq / (kW * kH) - mean * mean));
}

Size FitInside(double display_width, double display_height, int max_width, int max_height) {
  if (display_width <= 0 || display_height <= 0) return {1, 1};
  double scale = std::min({max_width / display_width, max_height / display_height, 1.0});
  Size size{static_cast<int>(std::lround(display_width * scale)),
            static_cast<int>(std::lround(display_height * scale))};
  size.width = std::clamp(size.width, 1, std::max(1, max_width));
  size.height = std::clamp(size.height, 1, std::max(1, max_height));
  return size;
}

int OrientationForRotation(int clockwise_degrees) {
  switch (((clockwise_degrees % 360) + 360) % 360) {
    case 90: return 6;
    case 180: return 3;
    case 270: return 8;
    default: return 1;
  }
}

bool SwapsAxes(int orientation) { return orientation >= 5 && orientation <= 8; }

namespace {
int RotationOfMatrix(const std::uint8_t* matrix, std::size_t size) {
  if (!matrix || size < 9 * sizeof(std::int32_t)) return -1;
  // av_display_rotation_get is counter-clockwise.
  double theta = -av_display_rotation_get(reinterpret_cast<const std::int32_t*>(matrix));
  if (std::isnan(theta)) return -1;
  int degrees = static_cast<int>(std::lround(theta / 90.0)) * 90;
  return ((degrees % 360) + 360) % 360;
}
}  // namespace

int RotationOf(const AVStream* stream, const AVFrame* frame) {
  if (stream) {
    std::size_t size = 0;
    const std::uint8_t* m = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size);
    if (int r = RotationOfMatrix(m, size); r >= 0) return r;
  }
  if (frame) {
    if (const AVFrameSideData* sd = av_frame_get_side_data(frame, AV_FRAME_DATA_DISPLAYMATRIX)) {
      if (int r = RotationOfMatrix(sd->data, sd->size); r >= 0) return r;
    }
  }
  return 0;
}

int ExifOrientationOf(const AVFrame* frame) {
  const AVDictionaryEntry* entry = av_dict_get(frame->metadata, "Orientation", nullptr, 0);
  if (!entry || !entry->value) return 1;
  char* end = nullptr;
  long value = std::strtol(entry->value, &end, 10);  // FFmpeg pads it: "    6"
  return value >= 1 && value <= 8 ? static_cast<int>(value) : 1;
}

base::Result<Image> RenderFrame(const AVFrame* frame, AVRational sar, int orientation,
                                int max_width, int max_height, PixelLayout layout,
                                Quality quality) {
  if (frame->width <= 0 || frame->height <= 0) {
    return base::MakeError(base::ErrorCode::kInvalidInput, "empty picture");
  }
  double display_width = frame->width;
  if (sar.num > 0 && sar.den > 0) display_width = frame->width * av_q2d(sar);
  double display_height = frame->height;
  bool swap = SwapsAxes(orientation);
  Size shown = swap ? FitInside(display_height, display_width, max_width, max_height)
                    : FitInside(display_width, display_height, max_width, max_height);
  // Scale in the stored orientation, then turn the small result.
  Size stored = swap ? Size{shown.height, shown.width} : shown;

  const AVPixelFormat dst_format = layout == PixelLayout::kRgb24 ? AV_PIX_FMT_RGB24 : AV_PIX_FMT_RGBA;
  const int flags = quality == Quality::kBest ? SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT
                                              : SWS_BILINEAR;
  SwsPtr sws = MakeScaler(frame, stored.width, stored.height, dst_format, flags);
  if (!sws) {
    return base::MakeError(base::ErrorCode::kInvalidInput,
                           std::string("cannot convert pixel format ") +
                               av_get_pix_fmt_name(static_cast<AVPixelFormat>(frame->format)));
  }
  Image image;
  image.width = stored.width;
  image.height = stored.height;
  image.layout = layout;
  const std::size_t bytes = static_cast<std::size_t>(image.stride_bytes()) * image.height;
  image.pixels.resize(bytes + 64);  // slack for SIMD writes past the last row
  std::uint8_t* dst[4] = {image.pixels.data(), nullptr, nullptr, nullptr};
  int dst_stride[4] = {image.stride_bytes(), 0, 0, 0};
  if (sws_scale(sws.get(), frame->data, frame->linesize, 0, frame->height, dst, dst_stride) <= 0) {
    return base::MakeError(base::ErrorCode::kInvalidInput, "scaling the picture failed");
  }
  image.pixels.resize(bytes);
  if (orientation != 1) return Orient(image, orientation);
  return image;
}

Image Orient(const Image& image, int orientation) {
  if (orientation < 2 || orientation > 8) return image;
  const int w = image.width, h = image.height, bpp = BytesPerPixel(image.layout);
  Image out;
  out.layout = image.layout;
  out.width = SwapsAxes(orientation) ? h : w;
  out.height = SwapsAxes(orientation) ? w : h;
  out.pixels.resize(static_cast<std::size_t>(out.width) * out.height * bpp);
  for (int y = 0; y < out.height; ++y) {
    for (int x = 0; x < out.width; ++x) {
      int sx = x, sy = y;  // the stored pixel shown at (x, y)
      switch (orientation) {
        case 2: sx = w - 1 - x; sy = y; break;              // mirrored
        case 3: sx = w - 1 - x; sy = h - 1 - y; break;      // 180°
        case 4: sx = x; sy = h - 1 - y; break;              // flipped
        case 5: sx = y; sy = x; break;                      // transposed
        case 6: sx = y; sy = h - 1 - x; break;              // 90° clockwise
        case 7: sx = w - 1 - y; sy = h - 1 - x; break;      // transversed
        case 8: sx = w - 1 - y; sy = x; break;              // 90° counter-clockwise
      }
      const std::uint8_t* from = &image.pixels[(static_cast<std::size_t>(sy) * w + sx) * bpp];
      std::uint8_t* to = &out.pixels[(static_cast<std::size_t>(y) * out.width + x) * bpp];
      std::copy(from, from + bpp, to);
    }
  }
  return out;
}

base::Result<std::string> EncodeJpeg(const Image& image, int quality) {
  if (image.empty() ||
      image.pixels.size() < static_cast<std::size_t>(image.stride_bytes()) * image.height) {
    return base::MakeError(base::ErrorCode::kInvalidInput, "no picture to encode");
  }
  std::string jpeg;
  auto append = [](void* context, void* data, int size) {
    static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<std::size_t>(size));
  };
  int ok = stbi_write_jpg_to_func(append, &jpeg, image.width, image.height,
                                  BytesPerPixel(image.layout), image.pixels.data(),
                                  std::clamp(quality, 1, 100));
  if (!ok || jpeg.empty()) return base::MakeError(base::ErrorCode::kIo, "JPEG encoding failed");
  return jpeg;
}

}  // namespace media::picture
