// The font atlas: Noto Sans CJK SC (regular for text, bold for titles and
// tile labels), rasterised by FreeType at the display's scale, holding only
// the glyphs in a glyph set (see glyph_set.h). The font files are mapped,
// not read, so only the glyph outlines actually used are paged in.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "kiosk/ui.h"

struct ImFontAtlas;

namespace kiosk {

struct FontAtlasStats {
  int glyphs = 0;           // distinct code points in the set
  int width = 0, height = 0;
  std::size_t texture_bytes = 0;  // RGBA32 texture uploaded to GL
  double build_ms = 0;
};

class FontAtlas {
 public:
  FontAtlas() = default;
  ~FontAtlas();
  FontAtlas(const FontAtlas&) = delete;
  FontAtlas& operator=(const FontAtlas&) = delete;

  // Maps the regular and bold font files (ttc face `face_index`).
  base::Status Open(const std::string& regular_path, const std::string& bold_path, int face_index);

  // Rebuilds the atlas for `code_points` (sorted) at `scale`. Needs no ImGui
  // context, so the first build can run on a worker thread while the window
  // opens. Call outside a frame; re-create the renderer's texture afterwards.
  base::Result<FontAtlasStats> Build(const std::vector<char32_t>& code_points, float scale, Fonts& fonts);

  // The atlas to hand to ImGui::CreateContext(); owned here, so it must
  // outlive the context.
  ImFontAtlas* imgui_atlas() const { return atlas_.get(); }

  // True when every character of `text` is in the current atlas.
  bool Covers(std::string_view text) const;
  const std::vector<char32_t>& code_points() const { return code_points_; }

 private:
  struct Mapped { void* data = nullptr; std::size_t size = 0; };
  static base::Result<Mapped> Map(const std::string& path);
  struct AtlasDeleter { void operator()(ImFontAtlas* atlas) const; };
  std::unique_ptr<ImFontAtlas, AtlasDeleter> atlas_;
  Mapped regular_, bold_;
  int face_index_ = 0;
  std::vector<char32_t> code_points_;
  std::vector<unsigned short> ranges_;  // must outlive the atlas build
};

inline constexpr const char* kDefaultRegularFont = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
inline constexpr const char* kDefaultBoldFont = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc";
inline constexpr int kSimplifiedChineseFace = 2;  // JP, KR, SC, TC, HK in Noto's ttc

}  // namespace kiosk
