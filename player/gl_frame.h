// GlFrame: uploads player::VideoFrame planes to OpenGL 3.3 core textures and
// draws them as a quad, converting YUV to RGB in a shader. UI thread only,
// with the GL context current. Kept out of the `player` target so the engine
// needs no GL (CMake target `player_gl`).
//
// yuv420p uses three R8 textures, nv12 an R8 and an RG8 texture; they are
// created once per size and updated with glTexSubImage2D straight from the
// decoder's planes (GL_UNPACK_ROW_LENGTH = stride, no repacking). Each format
// has its own shader program. Costs per 1080p frame on llvmpipe are in
// docs/BENCHMARKS.md: drawing (the YUV -> RGB shader over every pixel)
// dominates, uploading is well under a millisecond. The player already
// converts every other pixel format to yuv420p (libswscale via libavfilter)
// on its decode thread, so nothing is converted here on the UI thread.
#pragma once

#include <cstdint>

#include "base/result.h"
#include "player/player.h"

namespace player {

struct GlViewport {
  int x = 0, y = 0, width = 0, height = 0;  // glViewport coordinates
};

struct GlFrameOptions {
  // NEAREST is cheaper on llvmpipe (software GL); LINEAR looks smoother when
  // the picture is scaled a lot.
  bool linear_filter = false;
  // Upload through a pixel buffer object instead of straight from the
  // frame's memory. Measured slower on llvmpipe (docs/BENCHMARKS.md); kept
  // for drivers with real GPU memory.
  bool pixel_buffer = false;
};

class GlFrame {
 public:
  explicit GlFrame(const GlFrameOptions& options = {});
  ~GlFrame();  // needs the same GL context current
  GlFrame(const GlFrame&) = delete;
  GlFrame& operator=(const GlFrame&) = delete;

  // Compiles the shaders and draws each once into a 1x1 scissor so that a
  // software GL compiles them now rather than at the first picture (about
  // 0.1-0.4 s on llvmpipe). Call once with the context current, at start-up
  // rather than when a lesson opens.
  base::Status Init();
  void Upload(const VideoFrame& frame);
  // Draws the last uploaded frame letterboxed into the viewport, honouring
  // SAR and rotation. Does nothing before the first Upload.
  void Draw(const GlViewport& viewport);
  bool has_frame() const { return width_ > 0; }

 private:
  struct Program {
    unsigned id = 0;
    int uniform_luma = -1, uniform_chroma = -1;
  };
  base::Status BuildProgram(const char* fragment_main, Program* out);
  void WarmUp();
  void Release();

  GlFrameOptions options_;
  Program programs_[2];  // [0] yuv420p, [1] nv12
  unsigned vao_ = 0, vbo_ = 0, pbo_ = 0;
  unsigned textures_[3] = {0, 0, 0};
  int width_ = 0, height_ = 0;
  PixelFormat format_ = PixelFormat::kYuv420p;
  ColorMatrix matrix_ = ColorMatrix::kBt601;
  bool full_range_ = false;
  int sar_num_ = 1, sar_den_ = 1, rotation_ = 0;
  // The quad's vertices depend only on the frame's geometry and the viewport.
  bool vertices_valid_ = false;
  int drawn_width_ = 0, drawn_height_ = 0;
};

}  // namespace player
