// Pure geometry for showing a VideoFrame: where the picture goes inside a
// viewport once sample aspect ratio and rotation are honoured, and which
// texture corner lands on which screen corner. Used by gl_frame and by any
// other renderer; unit-tested without GL.
#pragma once

#include <array>

namespace player {

struct Rect {
  float x = 0, y = 0, width = 0, height = 0;
};

// Largest rectangle with the frame's display aspect ratio that fits, centred,
// in a viewport_width x viewport_height area (letterbox/pillarbox).
// rotation_degrees is clockwise (0, 90, 180, 270).
Rect FitFrame(int width, int height, int sar_num, int sar_den, int rotation_degrees,
              float viewport_width, float viewport_height);

// Texture coordinates (u, v; v = 0 is the picture's top row) for the screen
// corners bottom-left, bottom-right, top-right, top-left, after rotating the
// picture clockwise by rotation_degrees.
std::array<std::array<float, 2>, 4> RotatedTexCoords(int rotation_degrees);

}  // namespace player
