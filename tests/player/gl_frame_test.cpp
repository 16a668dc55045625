// Draws frames through player_gl into a hidden SDL window and reads pixels
// back. Needs a display (ctest runs it under xvfb-run when available); skips
// with a warning otherwise.
#include <SDL.h>
#define GL_GLEXT_PROTOTYPES 1
#include <GL/gl.h>

#include <array>
#include <catch2/catch.hpp>
#include <vector>

#include "player/gl_frame.h"

namespace {

struct GlWindow {
  SDL_Window* window = nullptr;
  SDL_GLContext context = nullptr;
  GlWindow() {
    if (SDL_Init(SDL_INIT_VIDEO) != 0) return;
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 3);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_CORE);
    window = SDL_CreateWindow("gl_frame_test", 0, 0, 64, 64, SDL_WINDOW_OPENGL | SDL_WINDOW_HIDDEN);
    if (window) context = SDL_GL_CreateContext(window);
  }
  ~GlWindow() {
    if (context) SDL_GL_DeleteContext(context);
    if (window) SDL_DestroyWindow(window);
    SDL_Quit();
  }
  bool ok() const { return context != nullptr; }
};

struct Yuv {
  std::uint8_t y, u, v;
};

// A w x h frame of one colour, as yuv420p or nv12.
struct TestFrame {
  std::vector<std::uint8_t> y, u, v, uv;
  player::VideoFrame frame;
  TestFrame(int w, int h, Yuv c, player::PixelFormat format) {
    int cw = (w + 1) / 2, ch = (h + 1) / 2;
    y.assign(static_cast<std::size_t>(w * h), c.y);
    frame.format = format;
    frame.width = w;
    frame.height = h;
    frame.planes[0] = y.data();
    frame.strides[0] = w;
    if (format == player::PixelFormat::kNv12) {
      for (int i = 0; i < cw * ch; ++i) {
        uv.push_back(c.u);
        uv.push_back(c.v);
      }
      frame.planes[1] = uv.data();
      frame.strides[1] = cw * 2;
    } else {
      u.assign(static_cast<std::size_t>(cw * ch), c.u);
      v.assign(static_cast<std::size_t>(cw * ch), c.v);
      frame.planes[1] = u.data();
      frame.planes[2] = v.data();
      frame.strides[1] = frame.strides[2] = cw;
    }
  }
};

std::array<int, 3> PixelAt(int x, int y) {
  std::uint8_t rgba[4] = {};
  glReadPixels(x, y, 1, 1, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
  return {rgba[0], rgba[1], rgba[2]};
}

bool Near(std::array<int, 3> got, std::array<int, 3> want) {
  for (int i = 0; i < 3; ++i) {
    if (std::abs(got[i] - want[i]) > 6) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("GL frames convert limited-range BT.601 YUV to RGB and letterbox", "[player][gl]") {
  GlWindow gl;
  if (!gl.ok()) {
    WARN("no OpenGL 3.3 context (" << SDL_GetError() << "); skipped");
    return;
  }
  player::GlFrame renderer;
  auto init = renderer.Init();
  REQUIRE(init.ok());

  struct Row {
    Yuv yuv;
    std::array<int, 3> rgb;
  };
  auto row = GENERATE(values<Row>({
      {{235, 128, 128}, {255, 255, 255}},
      {{16, 128, 128}, {0, 0, 0}},
      {{81, 90, 240}, {255, 0, 0}},
      {{145, 54, 34}, {0, 255, 0}},
  }));
  auto format = GENERATE(player::PixelFormat::kYuv420p, player::PixelFormat::kNv12);
  INFO("yuv " << int(row.yuv.y) << "," << int(row.yuv.u) << "," << int(row.yuv.v) << " nv12 "
              << (format == player::PixelFormat::kNv12));

  TestFrame square(16, 16, row.yuv, format);
  glClearColor(0, 0, 1, 1);
  glClear(GL_COLOR_BUFFER_BIT);
  renderer.Upload(square.frame);
  renderer.Draw({0, 0, 64, 64});
  CHECK(glGetError() == GL_NO_ERROR);
  CHECK(Near(PixelAt(32, 32), row.rgb));

  SECTION("a wide frame is letterboxed, and rotated it is pillarboxed") {
    TestFrame wide(32, 16, row.yuv, format);
    glClear(GL_COLOR_BUFFER_BIT);
    renderer.Upload(wide.frame);  // new size: textures reallocated
    renderer.Draw({0, 0, 64, 64});
    CHECK(Near(PixelAt(32, 2), {0, 0, 255}));   // bar below
    CHECK(Near(PixelAt(32, 32), row.rgb));
    wide.frame.rotation_degrees = 90;
    glClear(GL_COLOR_BUFFER_BIT);
    renderer.Upload(wide.frame);  // same size: glTexSubImage2D
    renderer.Draw({0, 0, 64, 64});
    CHECK(Near(PixelAt(2, 32), {0, 0, 255}));   // bar at the side
    CHECK(Near(PixelAt(32, 2), row.rgb));
  }
}

TEST_CASE("GL frames honour the BT.709 matrix and full range", "[player][gl]") {
  GlWindow gl;
  if (!gl.ok()) {
    WARN("no OpenGL 3.3 context (" << SDL_GetError() << "); skipped");
    return;
  }
  player::GlFrame renderer;
  REQUIRE(renderer.Init().ok());
  struct Row {
    Yuv yuv;
    player::ColorMatrix matrix;
    bool full_range;
    std::array<int, 3> rgb;
  };
  auto row = GENERATE(values<Row>({
      {{63, 102, 240}, player::ColorMatrix::kBt709, false, {255, 0, 0}},
      {{173, 42, 26}, player::ColorMatrix::kBt709, false, {0, 255, 0}},
      {{255, 128, 128}, player::ColorMatrix::kBt601, true, {255, 255, 255}},
      {{0, 128, 128}, player::ColorMatrix::kBt601, true, {0, 0, 0}},
      {{76, 85, 255}, player::ColorMatrix::kBt601, true, {254, 0, 0}},
  }));
  auto format = GENERATE(player::PixelFormat::kYuv420p, player::PixelFormat::kNv12);
  INFO("yuv " << int(row.yuv.y) << "," << int(row.yuv.u) << "," << int(row.yuv.v) << " full "
              << row.full_range << " nv12 " << (format == player::PixelFormat::kNv12));
  TestFrame square(16, 16, row.yuv, format);
  square.frame.matrix = row.matrix;
  square.frame.full_range = row.full_range;
  glClear(GL_COLOR_BUFFER_BIT);
  renderer.Upload(square.frame);
  renderer.Draw({0, 0, 64, 64});
  CHECK(glGetError() == GL_NO_ERROR);
  CHECK(Near(PixelAt(32, 32), row.rgb));
}
