#define GL_GLEXT_PROTOTYPES 1
#include <GL/gl.h>
#include <GL/glext.h>

#include "player/gl_frame.h"

#include <cstring>
#include <string>

#include "player/frame_geometry.h"

namespace player {
namespace {

constexpr const char* kVertexShader = R"(#version 330 core
layout(location = 0) in vec2 position;
layout(location = 1) in vec2 tex_coord;
out vec2 uv;
void main() {
  uv = tex_coord;
  gl_Position = vec4(position, 0.0, 1.0);
}
)";

// One program per pixel format: a uniform branch between them would make
// llvmpipe (software GL) sample all textures of both. The YUV -> RGB matrix
// is written out term by term because half of it is zero; with a mat3 the
// shader costs ~35% more on llvmpipe (docs/BENCHMARKS.md). No clamp: the
// unorm framebuffer clamps on write.
constexpr const char* kFragmentShaderHead = R"(#version 330 core
in vec2 uv;
out vec4 color;
uniform sampler2D plane_y;
uniform sampler2D plane_u;  // nv12: interleaved UV in .rg
uniform sampler2D plane_v;
uniform vec2 luma;    // Y' = y * luma.x + luma.y
uniform vec4 chroma;  // R = Y' + x*Cr, G = Y' + y*Cb + z*Cr, B = Y' + w*Cb
)";

constexpr const char* kFragmentMainYuv420p = R"(
void main() {
  float y = texture(plane_y, uv).r * luma.x + luma.y;
  float cb = texture(plane_u, uv).r - 128.0 / 255.0;
  float cr = texture(plane_v, uv).r - 128.0 / 255.0;
  color = vec4(y + chroma.x * cr, y + chroma.y * cb + chroma.z * cr, y + chroma.w * cb, 1.0);
}
)";

constexpr const char* kFragmentMainNv12 = R"(
void main() {
  float y = texture(plane_y, uv).r * luma.x + luma.y;
  vec2 cbcr = texture(plane_u, uv).rg - 128.0 / 255.0;
  color = vec4(y + chroma.x * cbcr.y, y + chroma.y * cbcr.x + chroma.z * cbcr.y,
               y + chroma.w * cbcr.x, 1.0);
}
)";

unsigned Compile(GLenum type, const char* source, std::string* log) {
  GLuint shader = glCreateShader(type);
  glShaderSource(shader, 1, &source, nullptr);
  glCompileShader(shader);
  GLint ok = 0;
  glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
  if (!ok) {
    char buf[1024] = {};
    glGetShaderInfoLog(shader, sizeof(buf), nullptr, buf);
    *log = buf;
    glDeleteShader(shader);
    return 0;
  }
  return shader;
}

// The non-zero terms of the YUV -> RGB matrix (Cb/Cr centred on 0), with the
// limited-range expansion folded in: luma = {scale, offset}, chroma = {Cr->R,
// Cb->G, Cr->G, Cb->B}.
void YuvToRgb(ColorMatrix matrix, bool full_range, float luma[2], float chroma[4]) {
  double kr = matrix == ColorMatrix::kBt709 ? 0.2126 : 0.299;
  double kb = matrix == ColorMatrix::kBt709 ? 0.0722 : 0.114;
  double kg = 1.0 - kr - kb;
  double y_scale = full_range ? 1.0 : 255.0 / 219.0;
  double c_scale = full_range ? 1.0 : 255.0 / 224.0;
  luma[0] = static_cast<float>(y_scale);
  luma[1] = static_cast<float>(full_range ? 0.0 : -16.0 / 255.0 * y_scale);
  chroma[0] = static_cast<float>(2.0 * (1.0 - kr) * c_scale);
  chroma[1] = static_cast<float>(-2.0 * (1.0 - kb) * kb / kg * c_scale);
  chroma[2] = static_cast<float>(-2.0 * (1.0 - kr) * kr / kg * c_scale);
  chroma[3] = static_cast<float>(2.0 * (1.0 - kb) * c_scale);
}

}  // namespace

GlFrame::GlFrame(const GlFrameOptions& options) : options_(options) {}

GlFrame::~GlFrame() { Release(); }

void GlFrame::Release() {
  if (textures_[0]) glDeleteTextures(3, textures_);
  if (pbo_) glDeleteBuffers(1, &pbo_);
  if (vbo_) glDeleteBuffers(1, &vbo_);
  if (vao_) glDeleteVertexArrays(1, &vao_);
  for (Program& p : programs_) {
    if (p.id) glDeleteProgram(p.id);
    p = Program{};
  }
  textures_[0] = textures_[1] = textures_[2] = 0;
  pbo_ = vbo_ = vao_ = 0;
  width_ = height_ = 0;
  vertices_valid_ = false;
}

base::Status GlFrame::BuildProgram(const char* fragment_main, Program* out) {
  std::string log;
  GLuint vs = Compile(GL_VERTEX_SHADER, kVertexShader, &log);
  if (!vs) return base::MakeError(base::ErrorCode::kUnavailable, "gl_frame vertex shader: " + log);
  const std::string fragment = std::string(kFragmentShaderHead) + fragment_main;
  GLuint fs = Compile(GL_FRAGMENT_SHADER, fragment.c_str(), &log);
  if (!fs) {
    glDeleteShader(vs);
    return base::MakeError(base::ErrorCode::kUnavailable, "gl_frame fragment shader: " + log);
  }
  GLuint program = glCreateProgram();
  glAttachShader(program, vs);
  glAttachShader(program, fs);
  glLinkProgram(program);
  glDeleteShader(vs);
  glDeleteShader(fs);
  GLint ok = 0;
  glGetProgramiv(program, GL_LINK_STATUS, &ok);
  if (!ok) {
    char buf[1024] = {};
    glGetProgramInfoLog(program, sizeof(buf), nullptr, buf);
    glDeleteProgram(program);
    return base::MakeError(base::ErrorCode::kUnavailable, std::string("gl_frame link: ") + buf);
  }
  glUseProgram(program);
  glUniform1i(glGetUniformLocation(program, "plane_y"), 0);
  glUniform1i(glGetUniformLocation(program, "plane_u"), 1);
  glUniform1i(glGetUniformLocation(program, "plane_v"), 2);
  out->id = program;
  out->uniform_luma = glGetUniformLocation(program, "luma");
  out->uniform_chroma = glGetUniformLocation(program, "chroma");
  glUseProgram(0);
  return base::Ok();
}

base::Status GlFrame::Init() {
  Release();
  for (int i = 0; i < 2; ++i) {
    auto built = BuildProgram(i == 0 ? kFragmentMainYuv420p : kFragmentMainNv12, &programs_[i]);
    if (!built) {
      Release();
      return built;
    }
  }
  glGenVertexArrays(1, &vao_);
  glGenBuffers(1, &vbo_);
  glBindVertexArray(vao_);
  glBindBuffer(GL_ARRAY_BUFFER, vbo_);
  glBufferData(GL_ARRAY_BUFFER, 16 * sizeof(float), nullptr, GL_DYNAMIC_DRAW);
  glEnableVertexAttribArray(0);
  glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 4 * sizeof(float), nullptr);
  glEnableVertexAttribArray(1);
  glVertexAttribPointer(1, 2, GL_FLOAT, GL_FALSE, 4 * sizeof(float),
                        reinterpret_cast<void*>(2 * sizeof(float)));
  glBindVertexArray(0);
  glBindBuffer(GL_ARRAY_BUFFER, 0);
  glGenTextures(3, textures_);
  if (options_.pixel_buffer) glGenBuffers(1, &pbo_);
  WarmUp();
  return base::Ok();
}

// llvmpipe (software GL) JIT-compiles a shader variant the first time a
// program draws with a given texture and framebuffer state: 100-400 ms on
// the 2-core box, which would otherwise delay the first picture of the
// first lesson. Draw each program once now into a 1x1 scissor, with
// textures like a real frame's (R8/RG8, non-power-of-two sizes, same
// filter), then forget the frame.
void GlFrame::WarmUp() {
  GLint viewport[4] = {};
  GLint scissor_box[4] = {};
  glGetIntegerv(GL_VIEWPORT, viewport);
  glGetIntegerv(GL_SCISSOR_BOX, scissor_box);
  const GLboolean scissor_was_on = glIsEnabled(GL_SCISSOR_TEST);
  glEnable(GL_SCISSOR_TEST);
  glScissor(0, 0, 1, 1);
  constexpr int kSize = 6, kChroma = 3;
  std::uint8_t luma[kSize * kSize], chroma[kChroma * kChroma * 2];
  std::memset(luma, 16, sizeof(luma));
  std::memset(chroma, 128, sizeof(chroma));
  VideoFrame frame;
  frame.width = frame.height = kSize;
  frame.planes[0] = luma;
  frame.strides[0] = kSize;
  for (PixelFormat format : {PixelFormat::kYuv420p, PixelFormat::kNv12}) {
    frame.format = format;
    const bool nv12 = format == PixelFormat::kNv12;
    frame.planes[1] = chroma;
    frame.strides[1] = nv12 ? kChroma * 2 : kChroma;
    frame.planes[2] = nv12 ? nullptr : chroma;
    frame.strides[2] = nv12 ? 0 : kChroma;
    Upload(frame);
    Draw({0, 0, kSize, kSize});
  }
  glFinish();
  if (!scissor_was_on) glDisable(GL_SCISSOR_TEST);
  glScissor(scissor_box[0], scissor_box[1], scissor_box[2], scissor_box[3]);
  glViewport(viewport[0], viewport[1], viewport[2], viewport[3]);
  width_ = height_ = 0;  // has_frame() is false until the first real Upload
}

void GlFrame::Upload(const VideoFrame& frame) {
  if (!programs_[0].id || frame.width <= 0 || frame.height <= 0 || !frame.planes[0]) return;
  const bool nv12 = frame.format == PixelFormat::kNv12;
  const bool reallocate = frame.width != width_ || frame.height != height_ || frame.format != format_;
  const int chroma_w = (frame.width + 1) / 2;
  const int chroma_h = (frame.height + 1) / 2;
  struct Plane {
    int width, height;
    GLint internal;
    GLenum format;
    int bytes_per_pixel;
  };
  const Plane planes[3] = {
      {frame.width, frame.height, GL_R8, GL_RED, 1},
      {chroma_w, chroma_h, nv12 ? GL_RG8 : GL_R8, static_cast<GLenum>(nv12 ? GL_RG : GL_RED), nv12 ? 2 : 1},
      {chroma_w, chroma_h, GL_R8, GL_RED, 1},
  };
  const int plane_count = nv12 ? 2 : 3;
  // With a pixel buffer, the planes are copied into it first and the
  // textures are filled from offsets into it (the driver may then copy
  // asynchronously); without, straight from the frame's memory. Either
  // way GL_UNPACK_ROW_LENGTH takes the decoder's padded stride, so no
  // plane is repacked on the CPU.
  const std::uint8_t* sources[3] = {frame.planes[0], frame.planes[1], frame.planes[2]};
  if (pbo_) {
    std::size_t sizes[3] = {};
    std::size_t total = 0;
    for (int i = 0; i < plane_count; ++i) {
      sizes[i] = static_cast<std::size_t>(frame.strides[i]) * static_cast<std::size_t>(planes[i].height);
      total += sizes[i];
    }
    glBindBuffer(GL_PIXEL_UNPACK_BUFFER, pbo_);
    glBufferData(GL_PIXEL_UNPACK_BUFFER, static_cast<GLsizeiptr>(total), nullptr, GL_STREAM_DRAW);
    auto* mapped = static_cast<std::uint8_t*>(glMapBufferRange(
        GL_PIXEL_UNPACK_BUFFER, 0, static_cast<GLsizeiptr>(total), GL_MAP_WRITE_BIT | GL_MAP_INVALIDATE_BUFFER_BIT));
    if (!mapped) {
      glBindBuffer(GL_PIXEL_UNPACK_BUFFER, 0);
      return;
    }
    std::size_t offset = 0;
    for (int i = 0; i < plane_count; ++i) {
      std::memcpy(mapped + offset, frame.planes[i], sizes[i]);
      sources[i] = reinterpret_cast<const std::uint8_t*>(offset);  // offset into the bound buffer
      offset += sizes[i];
    }
    glUnmapBuffer(GL_PIXEL_UNPACK_BUFFER);
  }
  const GLint filter = options_.linear_filter ? GL_LINEAR : GL_NEAREST;
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  for (int i = 0; i < plane_count; ++i) {
    const Plane& p = planes[i];
    glActiveTexture(GL_TEXTURE0 + i);
    glBindTexture(GL_TEXTURE_2D, textures_[i]);
    glPixelStorei(GL_UNPACK_ROW_LENGTH, frame.strides[i] / p.bytes_per_pixel);
    if (reallocate) {
      glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, filter);
      glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, filter);
      glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
      glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
      glTexImage2D(GL_TEXTURE_2D, 0, p.internal, p.width, p.height, 0, p.format, GL_UNSIGNED_BYTE,
                   sources[i]);
    } else {
      glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, p.width, p.height, p.format, GL_UNSIGNED_BYTE,
                      sources[i]);
    }
  }
  if (pbo_) glBindBuffer(GL_PIXEL_UNPACK_BUFFER, 0);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glActiveTexture(GL_TEXTURE0);
  if (reallocate || frame.sar_num != sar_num_ || frame.sar_den != sar_den_ ||
      frame.rotation_degrees != rotation_) {
    vertices_valid_ = false;
  }
  width_ = frame.width;
  height_ = frame.height;
  format_ = frame.format;
  matrix_ = frame.matrix;
  full_range_ = frame.full_range;
  sar_num_ = frame.sar_num;
  sar_den_ = frame.sar_den;
  rotation_ = frame.rotation_degrees;
}

void GlFrame::Draw(const GlViewport& viewport) {
  if (!has_frame() || viewport.width <= 0 || viewport.height <= 0) return;
  glViewport(viewport.x, viewport.y, viewport.width, viewport.height);
  glBindVertexArray(vao_);
  glBindBuffer(GL_ARRAY_BUFFER, vbo_);
  if (!vertices_valid_ || viewport.width != drawn_width_ || viewport.height != drawn_height_) {
    Rect fit = FitFrame(width_, height_, sar_num_, sar_den_, rotation_,
                        static_cast<float>(viewport.width), static_cast<float>(viewport.height));
    // Rect (pixels, origin bottom-left of the viewport) -> normalized device coordinates.
    float x0 = fit.x / viewport.width * 2 - 1, x1 = (fit.x + fit.width) / viewport.width * 2 - 1;
    float y0 = fit.y / viewport.height * 2 - 1, y1 = (fit.y + fit.height) / viewport.height * 2 - 1;
    auto uv = RotatedTexCoords(rotation_);
    const float corners[4][2] = {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}};  // BL BR TR TL
    const int order[4] = {0, 1, 3, 2};                                      // triangle strip
    float vertices[16];
    for (int i = 0; i < 4; ++i) {
      int c = order[i];
      vertices[i * 4 + 0] = corners[c][0];
      vertices[i * 4 + 1] = corners[c][1];
      vertices[i * 4 + 2] = uv[c][0];
      vertices[i * 4 + 3] = uv[c][1];
    }
    glBufferSubData(GL_ARRAY_BUFFER, 0, sizeof(vertices), vertices);
    vertices_valid_ = true;
    drawn_width_ = viewport.width;
    drawn_height_ = viewport.height;
  }
  float luma[2], chroma[4];
  YuvToRgb(matrix_, full_range_, luma, chroma);
  const Program& program = programs_[format_ == PixelFormat::kNv12 ? 1 : 0];
  glUseProgram(program.id);
  glUniform2fv(program.uniform_luma, 1, luma);
  glUniform4fv(program.uniform_chroma, 1, chroma);
  for (int i = 0; i < 3; ++i) {
    glActiveTexture(GL_TEXTURE0 + i);
    glBindTexture(GL_TEXTURE_2D, textures_[i]);
  }
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
  glBindVertexArray(0);
  glBindBuffer(GL_ARRAY_BUFFER, 0);
  glActiveTexture(GL_TEXTURE0);
  glUseProgram(0);
}

}  // namespace player
