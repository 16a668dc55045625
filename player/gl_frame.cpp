#define GL_GLEXT_PROTOTYPES 1
#include <GL/gl.h>
#include <GL/glext.h>

#include "player/gl_frame.h"

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

constexpr const char* kFragmentShader = R"(#version 330 core
in vec2 uv;
out vec4 color;
uniform sampler2D plane_y;
uniform sampler2D plane_u;  // nv12: interleaved UV in .rg
uniform sampler2D plane_v;
uniform int nv12;
uniform mat3 yuv_to_rgb;
uniform vec3 offset;
void main() {
  float y = texture(plane_y, uv).r;
  vec2 cbcr = nv12 == 1 ? texture(plane_u, uv).rg
                        : vec2(texture(plane_u, uv).r, texture(plane_v, uv).r);
  vec3 rgb = yuv_to_rgb * (vec3(y, cbcr) - offset);
  color = vec4(clamp(rgb, 0.0, 1.0), 1.0);
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

// Rows R, G, B; columns Y, Cb, Cr (Cb/Cr centred on 0).
void YuvToRgb(ColorMatrix matrix, bool full_range, float out[9], float offset[3]) {
  double kr = matrix == ColorMatrix::kBt709 ? 0.2126 : 0.299;
  double kb = matrix == ColorMatrix::kBt709 ? 0.0722 : 0.114;
  double kg = 1.0 - kr - kb;
  double y_scale = full_range ? 1.0 : 255.0 / 219.0;
  double c_scale = full_range ? 1.0 : 255.0 / 224.0;
  double m[9] = {
      1.0, 0.0, 2.0 * (1.0 - kr),
      1.0, -2.0 * (1.0 - kb) * kb / kg, -2.0 * (1.0 - kr) * kr / kg,
      1.0, 2.0 * (1.0 - kb), 0.0,
  };
  for (int row = 0; row < 3; ++row) {
    out[row * 3 + 0] = static_cast<float>(m[row * 3 + 0] * y_scale);
    out[row * 3 + 1] = static_cast<float>(m[row * 3 + 1] * c_scale);
    out[row * 3 + 2] = static_cast<float>(m[row * 3 + 2] * c_scale);
  }
  offset[0] = full_range ? 0.0f : 16.0f / 255.0f;
  offset[1] = offset[2] = 128.0f / 255.0f;
}

}  // namespace

GlFrame::GlFrame(const GlFrameOptions& options) : options_(options) {}

GlFrame::~GlFrame() { Release(); }

void GlFrame::Release() {
  if (textures_[0]) glDeleteTextures(3, textures_);
  if (vbo_) glDeleteBuffers(1, &vbo_);
  if (vao_) glDeleteVertexArrays(1, &vao_);
  if (program_) glDeleteProgram(program_);
  textures_[0] = textures_[1] = textures_[2] = 0;
  vbo_ = vao_ = program_ = 0;
  width_ = height_ = 0;
}

base::Status GlFrame::Init() {
  Release();
  std::string log;
  GLuint vs = Compile(GL_VERTEX_SHADER, kVertexShader, &log);
  if (!vs) return base::MakeError(base::ErrorCode::kUnavailable, "gl_frame vertex shader: " + log);
  GLuint fs = Compile(GL_FRAGMENT_SHADER, kFragmentShader, &log);
  if (!fs) {
    glDeleteShader(vs);
    return base::MakeError(base::ErrorCode::kUnavailable, "gl_frame fragment shader: " + log);
  }
  program_ = glCreateProgram();
  glAttachShader(program_, vs);
  glAttachShader(program_, fs);
  glLinkProgram(program_);
  glDeleteShader(vs);
  glDeleteShader(fs);
  GLint ok = 0;
  glGetProgramiv(program_, GL_LINK_STATUS, &ok);
  if (!ok) {
    char buf[1024] = {};
    glGetProgramInfoLog(program_, sizeof(buf), nullptr, buf);
    Release();
    return base::MakeError(base::ErrorCode::kUnavailable, std::string("gl_frame link: ") + buf);
  }
  glUseProgram(program_);
  glUniform1i(glGetUniformLocation(program_, "plane_y"), 0);
  glUniform1i(glGetUniformLocation(program_, "plane_u"), 1);
  glUniform1i(glGetUniformLocation(program_, "plane_v"), 2);
  uniform_matrix_ = glGetUniformLocation(program_, "yuv_to_rgb");
  uniform_offset_ = glGetUniformLocation(program_, "offset");
  uniform_nv12_ = glGetUniformLocation(program_, "nv12");
  glUseProgram(0);

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
  return base::Ok();
}

void GlFrame::Upload(const VideoFrame& frame) {
  if (!program_ || frame.width <= 0 || frame.height <= 0 || !frame.planes[0]) return;
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
  const GLint filter = options_.linear_filter ? GL_LINEAR : GL_NEAREST;
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  for (int i = 0; i < (nv12 ? 2 : 3); ++i) {
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
                   frame.planes[i]);
    } else {
      glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, p.width, p.height, p.format, GL_UNSIGNED_BYTE,
                      frame.planes[i]);
    }
  }
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glActiveTexture(GL_TEXTURE0);
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
  float matrix[9], offset[3];
  YuvToRgb(matrix_, full_range_, matrix, offset);

  glViewport(viewport.x, viewport.y, viewport.width, viewport.height);
  glUseProgram(program_);
  glUniformMatrix3fv(uniform_matrix_, 1, GL_TRUE, matrix);
  glUniform3fv(uniform_offset_, 1, offset);
  glUniform1i(uniform_nv12_, format_ == PixelFormat::kNv12 ? 1 : 0);
  for (int i = 0; i < 3; ++i) {
    glActiveTexture(GL_TEXTURE0 + i);
    glBindTexture(GL_TEXTURE_2D, textures_[i]);
  }
  glBindVertexArray(vao_);
  glBindBuffer(GL_ARRAY_BUFFER, vbo_);
  glBufferSubData(GL_ARRAY_BUFFER, 0, sizeof(vertices), vertices);
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
  glBindVertexArray(0);
  glBindBuffer(GL_ARRAY_BUFFER, 0);
  glActiveTexture(GL_TEXTURE0);
  glUseProgram(0);
}

}  // namespace player
