#include "player/frame_geometry.h"

#include <algorithm>

namespace player {

Rect FitFrame(int width, int height, int sar_num, int sar_den, int rotation_degrees,
              float viewport_width, float viewport_height) {
  if (width <= 0 || height <= 0 || viewport_width <= 0 || viewport_height <= 0) return {};
  double sar = (sar_num > 0 && sar_den > 0) ? static_cast<double>(sar_num) / sar_den : 1.0;
  double display_w = width * sar;
  double display_h = height;
  if (rotation_degrees == 90 || rotation_degrees == 270) std::swap(display_w, display_h);
  double scale = std::min(viewport_width / display_w, viewport_height / display_h);
  Rect r;
  r.width = static_cast<float>(display_w * scale);
  r.height = static_cast<float>(display_h * scale);
  r.x = (viewport_width - r.width) / 2;
  r.y = (viewport_height - r.height) / 2;
  return r;
}

std::array<std::array<float, 2>, 4> RotatedTexCoords(int rotation_degrees) {
  // Unrotated: screen BL shows the picture's bottom-left (u 0, v 1), etc.
  static constexpr std::array<std::array<float, 2>, 4> kUpright = {
      {{0.f, 1.f}, {1.f, 1.f}, {1.f, 0.f}, {0.f, 0.f}}};
  int steps = ((rotation_degrees / 90) % 4 + 4) % 4;
  std::array<std::array<float, 2>, 4> out{};
  for (int i = 0; i < 4; ++i) out[i] = kUpright[(i + steps) % 4];
  return out;
}

}  // namespace player
