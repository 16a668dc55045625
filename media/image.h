// media::Image: a packed RGB or RGBA picture in memory, owned by value. The
// common currency of media/: photos are made from one, cameras hand out
// preview frames as one, and a UI can upload one as a texture directly.
#pragma once

#include <cstdint>
#include <vector>

namespace media {

enum class PixelLayout {
  kRgb24,   // 3 bytes per pixel: R, G, B
  kRgba32,  // 4 bytes per pixel: R, G, B, A (A = 255)
};

inline int BytesPerPixel(PixelLayout layout) { return layout == PixelLayout::kRgb24 ? 3 : 4; }

struct Image {
  int width = 0;
  int height = 0;
  PixelLayout layout = PixelLayout::kRgb24;
  // Rows top to bottom, tightly packed: row stride = width * BytesPerPixel(layout).
  std::vector<std::uint8_t> pixels;

  int stride_bytes() const { return width * BytesPerPixel(layout); }
  bool empty() const { return width <= 0 || height <= 0; }
};

}  // namespace media
