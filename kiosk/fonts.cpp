#include "kiosk/fonts.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>

#include <imgui.h>
#include <imgui_freetype.h>

#include "kiosk/glyph_set.h"

namespace kiosk {
namespace {

constexpr float kBodyPx = 36, kTitlePx = 48, kDisplayPx = 64;

}  // namespace

void FontAtlas::AtlasDeleter::operator()(ImFontAtlas* atlas) const { IM_DELETE(atlas); }

FontAtlas::~FontAtlas() {
  atlas_.reset();  // before the font files it points into are unmapped
  for (Mapped* m : {&regular_, &bold_}) {
    if (m->data) munmap(m->data, m->size);
  }
}

base::Result<FontAtlas::Mapped> FontAtlas::Map(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return base::MakeError(base::ErrorCode::kNotFound, "cannot open font " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  Mapped mapped;
  if (fstat(fd, &st) == 0 && st.st_size > 0) {
    mapped.size = static_cast<std::size_t>(st.st_size);
    mapped.data = mmap(nullptr, mapped.size, PROT_READ, MAP_PRIVATE, fd, 0);
  }
  close(fd);
  if (!mapped.data || mapped.data == MAP_FAILED) {
    return base::MakeError(base::ErrorCode::kIo, "cannot map font " + path);
  }
  return mapped;
}

base::Status FontAtlas::Open(const std::string& regular_path, const std::string& bold_path, int face_index) {
  auto regular = Map(regular_path);
  if (!regular) return regular.error();
  regular_ = *regular;
  auto bold = Map(bold_path);
  bold_ = bold ? *bold : Mapped{};  // a missing bold face is not worth failing for
  face_index_ = face_index;
  return base::Ok();
}

base::Result<FontAtlasStats> FontAtlas::Build(const std::vector<char32_t>& code_points, float scale, Fonts& fonts) {
  const auto started = std::chrono::steady_clock::now();
  code_points_ = code_points;
  const std::vector<std::uint16_t> ranges = ToGlyphRanges(code_points_);
  ranges_.assign(ranges.begin(), ranges.end());

  if (!atlas_) atlas_.reset(IM_NEW(ImFontAtlas)());
  ImFontAtlas* atlas = atlas_.get();
  atlas->Clear();
  atlas->FontBuilderIO = ImGuiFreeType::GetBuilderForFreeType();
  atlas->FontBuilderFlags = ImGuiFreeTypeBuilderFlags_LightHinting;
  atlas->Flags |= ImFontAtlasFlags_NoMouseCursors;

  auto add = [&](const Mapped& file, float px) {
    ImFontConfig config;
    config.FontDataOwnedByAtlas = false;  // mapped by us
    config.FontNo = face_index_;
    config.OversampleH = config.OversampleV = 1;
    config.PixelSnapH = true;
    return atlas->AddFontFromMemoryTTF(file.data, static_cast<int>(file.size), std::round(px * scale), &config,
                                       ranges_.data());
  };
  fonts.body = add(regular_, kBodyPx);
  const Mapped& heavy = bold_.data ? bold_ : regular_;
  fonts.title = add(heavy, kTitlePx);
  fonts.display = add(heavy, kDisplayPx);
  if (!fonts.body || !fonts.title || !fonts.display || !atlas->Build()) {
    return base::MakeError(base::ErrorCode::kCorrupt, "cannot build the font atlas from the Noto CJK fonts");
  }
  unsigned char* pixels = nullptr;
  int width = 0, height = 0;
  atlas->GetTexDataAsRGBA32(&pixels, &width, &height);

  FontAtlasStats stats;
  stats.glyphs = static_cast<int>(code_points_.size());
  stats.width = width;
  stats.height = height;
  stats.texture_bytes = static_cast<std::size_t>(width) * height * 4;
  stats.build_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return stats;
}

bool FontAtlas::Covers(std::string_view text) const {
  for (char32_t cp : DecodeUtf8(text)) {
    if (cp < 0x20) continue;
    if (!std::binary_search(code_points_.begin(), code_points_.end(), cp)) return false;
  }
  return true;
}

}  // namespace kiosk
