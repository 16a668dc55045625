#include "kiosk/widgets.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "kiosk/text_wrap.h"

namespace kiosk {
namespace {

constexpr float kPi = 3.14159265f;

ImU32 Darker(ImU32 color, float factor) {
  ImVec4 c = ImGui::ColorConvertU32ToFloat4(color);
  return ImGui::ColorConvertFloat4ToU32(ImVec4(c.x * factor, c.y * factor, c.z * factor, c.w));
}

// An invisible hit area registered for the driver. Returns true on a tap:
// released over the item, and the finger never turned it into a drag.
bool Pressable(Ui& ui, const char* id, std::string_view label, ImVec2 size, bool* held) {
  size.x = std::max(size.x, ui.px(kMinTarget));
  size.y = std::max(size.y, ui.px(kMinTarget));
  const bool pressed = ImGui::InvisibleButton(id, size);
  const ImVec2 min = ImGui::GetItemRectMin();
  const ImVec2 max = ImGui::GetItemRectMax();
  ImVec2 clip_min = ImGui::GetWindowDrawList()->GetClipRectMin();
  ImVec2 clip_max = ImGui::GetWindowDrawList()->GetClipRectMax();
  const bool visible = max.y > clip_min.y && min.y < clip_max.y;
  if (ui.registry && visible) {
    ui.registry->Add(id, std::string(label), ImVec2(std::max(min.x, clip_min.x), std::max(min.y, clip_min.y)),
                     ImVec2(std::min(max.x, clip_max.x), std::min(max.y, clip_max.y)));
  }
  const bool cancelled = ui.gesture.dragging || ui.gesture.consumed;
  *held = ImGui::IsItemActive() && !cancelled;
  return pressed && !cancelled;
}

void DrawTv(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32 detail) {
  const ImVec2 tl(c.x - s * 0.46f, c.y - s * 0.36f), br(c.x + s * 0.46f, c.y + s * 0.26f);
  d->AddRectFilled(tl, br, color, s * 0.06f);
  d->AddRectFilled(ImVec2(c.x - s * 0.04f, br.y), ImVec2(c.x + s * 0.04f, br.y + s * 0.12f), color);
  d->AddRectFilled(ImVec2(c.x - s * 0.22f, br.y + s * 0.1f), ImVec2(c.x + s * 0.22f, br.y + s * 0.16f), color,
                   s * 0.03f);
  const float t = s * 0.16f;
  d->AddTriangleFilled(ImVec2(c.x - t * 0.7f, c.y - s * 0.05f - t), ImVec2(c.x - t * 0.7f, c.y - s * 0.05f + t),
                       ImVec2(c.x + t, c.y - s * 0.05f), detail);
}

void DrawSpeechBubble(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32 detail) {
  const ImVec2 tl(c.x - s * 0.45f, c.y - s * 0.40f), br(c.x + s * 0.45f, c.y + s * 0.22f);
  d->AddRectFilled(tl, br, color, s * 0.14f);
  d->AddTriangleFilled(ImVec2(c.x - s * 0.25f, br.y - 1), ImVec2(c.x - s * 0.02f, br.y - 1),
                       ImVec2(c.x - s * 0.32f, c.y + s * 0.45f), color);
  // An exclamation mark: something is wrong in the village.
  d->AddRectFilled(ImVec2(c.x - s * 0.05f, c.y - s * 0.30f), ImVec2(c.x + s * 0.05f, c.y - s * 0.02f), detail,
                   s * 0.03f);
  d->AddCircleFilled(ImVec2(c.x, c.y + s * 0.10f), s * 0.06f, detail);
}

void DrawLetterWithMagnifier(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32 detail) {
  const ImVec2 tl(c.x - s * 0.40f, c.y - s * 0.44f), br(c.x + s * 0.20f, c.y + s * 0.36f);
  d->AddRectFilled(tl, br, color, s * 0.05f);
  for (int line = 0; line < 4; ++line) {
    const float y = tl.y + s * (0.16f + 0.14f * line);
    d->AddLine(ImVec2(tl.x + s * 0.09f, y), ImVec2(br.x - s * 0.09f, y), detail, s * 0.04f);
  }
  const ImVec2 lens(c.x + s * 0.16f, c.y + s * 0.14f);
  d->AddCircleFilled(lens, s * 0.19f, detail);
  d->AddCircle(lens, s * 0.19f, color, 32, s * 0.07f);
  d->AddLine(ImVec2(lens.x + s * 0.14f, lens.y + s * 0.14f), ImVec2(lens.x + s * 0.32f, lens.y + s * 0.32f), color,
             s * 0.10f);
}

void DrawHouse(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32 detail) {
  d->AddTriangleFilled(ImVec2(c.x, c.y - s * 0.45f), ImVec2(c.x + s * 0.48f, c.y - s * 0.02f),
                       ImVec2(c.x - s * 0.48f, c.y - s * 0.02f), color);
  d->AddRectFilled(ImVec2(c.x - s * 0.34f, c.y - s * 0.04f), ImVec2(c.x + s * 0.34f, c.y + s * 0.42f), color);
  d->AddRectFilled(ImVec2(c.x - s * 0.09f, c.y + s * 0.12f), ImVec2(c.x + s * 0.09f, c.y + s * 0.42f), detail);
}

void DrawBackspace(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32 detail) {
  const ImVec2 points[] = {{c.x - s * 0.48f, c.y},           {c.x - s * 0.22f, c.y - s * 0.3f},
                           {c.x + s * 0.46f, c.y - s * 0.3f}, {c.x + s * 0.46f, c.y + s * 0.3f},
                           {c.x - s * 0.22f, c.y + s * 0.3f}};
  d->AddConvexPolyFilled(points, 5, color);
  const float x = s * 0.13f;
  const ImVec2 m(c.x + s * 0.1f, c.y);
  d->AddLine(ImVec2(m.x - x, m.y - x), ImVec2(m.x + x, m.y + x), detail, s * 0.07f);
  d->AddLine(ImVec2(m.x - x, m.y + x), ImVec2(m.x + x, m.y - x), detail, s * 0.07f);
}

void DrawTick(ImDrawList* d, ImVec2 c, float s, ImU32 color) {
  const ImVec2 points[] = {{c.x - s * 0.38f, c.y}, {c.x - s * 0.1f, c.y + s * 0.28f}, {c.x + s * 0.4f, c.y - s * 0.3f}};
  d->AddPolyline(points, 3, color, 0, s * 0.13f);
}

void DrawExitArrow(ImDrawList* d, ImVec2 c, float s, ImU32 color) {
  d->AddRect(ImVec2(c.x - s * 0.1f, c.y - s * 0.42f), ImVec2(c.x + s * 0.4f, c.y + s * 0.42f), color, 0, 0, s * 0.08f);
  d->AddLine(ImVec2(c.x - s * 0.45f, c.y), ImVec2(c.x + s * 0.15f, c.y), color, s * 0.09f);
  d->AddTriangleFilled(ImVec2(c.x - s * 0.5f, c.y), ImVec2(c.x - s * 0.25f, c.y - s * 0.22f),
                       ImVec2(c.x - s * 0.25f, c.y + s * 0.22f), color);
}

void DrawDisk(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32 detail) {
  d->AddRectFilled(ImVec2(c.x - s * 0.4f, c.y - s * 0.4f), ImVec2(c.x + s * 0.4f, c.y + s * 0.4f), color, s * 0.06f);
  d->AddRectFilled(ImVec2(c.x - s * 0.24f, c.y - s * 0.4f), ImVec2(c.x + s * 0.2f, c.y - s * 0.12f), detail);
  d->AddRectFilled(ImVec2(c.x - s * 0.26f, c.y + s * 0.04f), ImVec2(c.x + s * 0.26f, c.y + s * 0.32f), detail,
                   s * 0.03f);
}

void DrawBackArrow(ImDrawList* d, ImVec2 c, float s, ImU32 color) {
  d->AddTriangleFilled(ImVec2(c.x - s * 0.46f, c.y), ImVec2(c.x - s * 0.08f, c.y - s * 0.34f),
                       ImVec2(c.x - s * 0.08f, c.y + s * 0.34f), color);
  d->AddRectFilled(ImVec2(c.x - s * 0.1f, c.y - s * 0.12f), ImVec2(c.x + s * 0.44f, c.y + s * 0.12f), color);
}

void DrawPlay(ImDrawList* d, ImVec2 c, float s, ImU32 color) {
  d->AddTriangleFilled(ImVec2(c.x - s * 0.30f, c.y - s * 0.40f), ImVec2(c.x - s * 0.30f, c.y + s * 0.40f),
                       ImVec2(c.x + s * 0.42f, c.y), color);
}

void DrawPause(ImDrawList* d, ImVec2 c, float s, ImU32 color) {
  d->AddRectFilled(ImVec2(c.x - s * 0.32f, c.y - s * 0.38f), ImVec2(c.x - s * 0.08f, c.y + s * 0.38f), color, s * 0.04f);
  d->AddRectFilled(ImVec2(c.x + s * 0.08f, c.y - s * 0.38f), ImVec2(c.x + s * 0.32f, c.y + s * 0.38f), color, s * 0.04f);
}

// Two arrowheads: back (direction -1) or forward (+1), as on a tape player.
void DrawSkip(ImDrawList* d, ImVec2 c, float s, ImU32 color, float direction) {
  for (float offset : {-0.2f, 0.2f}) {
    const float x = c.x + offset * s;
    d->AddTriangleFilled(ImVec2(x - direction * s * 0.22f, c.y - s * 0.3f), ImVec2(x - direction * s * 0.22f, c.y + s * 0.3f),
                         ImVec2(x + direction * s * 0.22f, c.y), color);
  }
}

void DrawSpeaker(ImDrawList* d, ImVec2 c, float s, ImU32 color, bool louder) {
  d->AddRectFilled(ImVec2(c.x - s * 0.42f, c.y - s * 0.14f), ImVec2(c.x - s * 0.24f, c.y + s * 0.14f), color);
  d->AddTriangleFilled(ImVec2(c.x - s * 0.30f, c.y), ImVec2(c.x - s * 0.02f, c.y - s * 0.36f),
                       ImVec2(c.x - s * 0.02f, c.y + s * 0.36f), color);
  const float w = s * 0.08f;
  d->AddRectFilled(ImVec2(c.x + s * 0.10f, c.y - w / 2), ImVec2(c.x + s * 0.44f, c.y + w / 2), color);
  if (louder) d->AddRectFilled(ImVec2(c.x + s * 0.27f - w / 2, c.y - s * 0.17f), ImVec2(c.x + s * 0.27f + w / 2, c.y + s * 0.17f), color);
}

void DrawSubtitles(ImDrawList* d, ImVec2 c, float s, ImU32 color, ImU32 detail) {
  d->AddRectFilled(ImVec2(c.x - s * 0.46f, c.y - s * 0.32f), ImVec2(c.x + s * 0.46f, c.y + s * 0.32f), color, s * 0.08f);
  d->AddRectFilled(ImVec2(c.x - s * 0.32f, c.y + s * 0.02f), ImVec2(c.x + s * 0.12f, c.y + s * 0.12f), detail);
  d->AddRectFilled(ImVec2(c.x + s * 0.18f, c.y + s * 0.02f), ImVec2(c.x + s * 0.32f, c.y + s * 0.12f), detail);
  d->AddRectFilled(ImVec2(c.x - s * 0.32f, c.y - s * 0.16f), ImVec2(c.x - s * 0.10f, c.y - s * 0.06f), detail);
  d->AddRectFilled(ImVec2(c.x - s * 0.04f, c.y - s * 0.16f), ImVec2(c.x + s * 0.32f, c.y - s * 0.06f), detail);
}

void DrawRestart(ImDrawList* d, ImVec2 c, float s, ImU32 color) {
  d->PathArcTo(c, s * 0.32f, -2.4f, 3.0f, 32);
  d->PathStroke(color, 0, s * 0.1f);
  const ImVec2 tip(c.x + s * 0.32f * std::cos(-2.4f), c.y + s * 0.32f * std::sin(-2.4f));
  d->AddTriangleFilled(ImVec2(tip.x - s * 0.2f, tip.y - s * 0.02f), ImVec2(tip.x + s * 0.12f, tip.y - s * 0.18f),
                       ImVec2(tip.x + s * 0.1f, tip.y + s * 0.16f), color);
}

}  // namespace

void DrawIcon(ImDrawList* draw, Icon icon, ImVec2 center, float size, ImU32 color, ImU32 detail) {
  switch (icon) {
    case Icon::kWatch: DrawTv(draw, center, size, color, detail); break;
    case Icon::kReport: DrawSpeechBubble(draw, center, size, color, detail); break;
    case Icon::kCheck: DrawLetterWithMagnifier(draw, center, size, color, detail); break;
    case Icon::kHome: DrawHouse(draw, center, size, color, detail); break;
    case Icon::kBackspace: DrawBackspace(draw, center, size, color, detail); break;
    case Icon::kOk: DrawTick(draw, center, size, color); break;
    case Icon::kExit: DrawExitArrow(draw, center, size, color); break;
    case Icon::kSave: DrawDisk(draw, center, size, color, detail); break;
    case Icon::kBack: DrawBackArrow(draw, center, size, color); break;
    case Icon::kPlay: DrawPlay(draw, center, size, color); break;
    case Icon::kPause: DrawPause(draw, center, size, color); break;
    case Icon::kRewind: DrawSkip(draw, center, size, color, -1); break;
    case Icon::kForward: DrawSkip(draw, center, size, color, 1); break;
    case Icon::kVolumeDown: DrawSpeaker(draw, center, size, color, false); break;
    case Icon::kVolumeUp: DrawSpeaker(draw, center, size, color, true); break;
    case Icon::kSubtitles: DrawSubtitles(draw, center, size, color, detail); break;
    case Icon::kRestart: DrawRestart(draw, center, size, color); break;
    default: DrawReportIcon(draw, icon, center, size, color, detail); break;
  }
}

std::string WrapToWidth(const ImFont* font, std::string_view text, float width) {
  return BreakLines(text, width, [font](char32_t c) {
    return c <= IM_UNICODE_CODEPOINT_MAX ? font->GetCharAdvance(static_cast<ImWchar>(c)) : font->FallbackAdvanceX;
  });
}

void DrawCenteredText(ImDrawList* draw, ImFont* font, ImVec2 center, ImU32 color, std::string_view text,
                      float wrap_width) {
  const std::string wrapped = wrap_width > 0 ? WrapToWidth(font, text, wrap_width) : std::string(text);
  const char* begin = wrapped.data();
  const char* end = begin + wrapped.size();
  const ImVec2 size = font->CalcTextSizeA(font->FontSize, FLT_MAX, 0, begin, end);
  // Center each line on its own.
  float y = center.y - size.y / 2;
  for (const char* line = begin; line <= end;) {
    const char* line_end = std::find(line, end, '\n');
    const ImVec2 line_size = font->CalcTextSizeA(font->FontSize, FLT_MAX, 0, line, line_end);
    draw->AddText(font, font->FontSize, ImVec2(center.x - line_size.x / 2, y), color, line, line_end);
    y += font->FontSize;
    line = line_end + 1;
  }
}

bool Tile(Ui& ui, const char* id, std::string_view label, Icon icon, ImU32 color, ImVec2 size) {
  bool held = false;
  const bool tapped = Pressable(ui, id, label, size, &held);
  const ImVec2 min = ImGui::GetItemRectMin(), max = ImGui::GetItemRectMax();
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImU32 fill = held ? Darker(color, 0.7f) : color;
  // A pressed tile sinks a little, so a finger feels it was heard.
  const float inset = held ? ui.px(6) : 0;
  const ImVec2 a(min.x + inset, min.y + inset), b(max.x - inset, max.y - inset);
  draw->AddRectFilled(a, b, fill, ui.px(28));
  const float w = b.x - a.x, h = b.y - a.y;
  const float icon_size = std::min(w * 0.6f, h * 0.5f);
  DrawIcon(draw, icon, ImVec2(a.x + w / 2, a.y + h * 0.40f), icon_size, colors::kText, fill);
  DrawCenteredText(draw, ui.fonts.display, ImVec2(a.x + w / 2, a.y + h * 0.80f), colors::kText, label,
                   w - ui.px(32));
  return tapped;
}

bool BigButton(Ui& ui, const char* id, std::string_view label, ImVec2 size, ImU32 color, const Icon* icon,
               ImFont* font) {
  bool held = false;
  const bool tapped = Pressable(ui, id, label, size, &held);
  const ImVec2 min = ImGui::GetItemRectMin(), max = ImGui::GetItemRectMax();
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImU32 fill = held ? Darker(color, 0.65f) : color;
  draw->AddRectFilled(min, max, fill, ui.px(18));
  font = font ? font : ui.fonts.body;
  const float h = max.y - min.y;
  float text_left = min.x;
  if (icon) {
    const float icon_size = std::min(h * 0.6f, ui.px(56));
    const float icon_box = std::min(h, max.x - min.x);
    const float label_w = font->CalcTextSizeA(font->FontSize, FLT_MAX, 0, label.data(), label.data() + label.size()).x;
    if (icon_box * 0.8f + label_w > max.x - min.x) {
      // No room for both: the picture alone says it (the label still names it for the driver).
      DrawIcon(draw, *icon, ImVec2((min.x + max.x) / 2, (min.y + max.y) / 2), icon_size, colors::kText, fill);
      return tapped;
    }
    DrawIcon(draw, *icon, ImVec2(min.x + icon_box / 2, min.y + h / 2), icon_size, colors::kText, fill);
    text_left = min.x + icon_box * 0.8f;
  }
  const ImVec2 center((text_left + max.x) / 2, (min.y + max.y) / 2);
  DrawCenteredText(draw, font, center, colors::kText, label);
  return tapped;
}

bool PictureTile(Ui& ui, const char* id, const PictureTileContent& c, ImVec2 size) {
  bool held = false;
  const bool tapped = Pressable(ui, id, c.title, size, &held);
  const ImVec2 min = ImGui::GetItemRectMin(), max = ImGui::GetItemRectMax();
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float inset = held ? ui.px(6) : 0;
  const ImVec2 a(min.x + inset, min.y + inset), b(max.x - inset, max.y - inset);
  const float rounding = ui.px(16);
  draw->AddRectFilled(a, b, held ? Darker(colors::kSurface, 0.7f) : colors::kSurface, rounding);

  const float picture_h = (b.x - a.x) * 9 / 16;
  const ImVec2 pa = a, pb(b.x, a.y + picture_h);
  if (c.picture) {
    draw->AddImageRounded(c.picture, pa, pb, ImVec2(0, 0), ImVec2(1, 1), held ? IM_COL32(180, 180, 180, 255) : IM_COL32_WHITE,
                          rounding, ImDrawFlags_RoundCornersTop);
  } else {
    draw->AddRectFilled(pa, pb, c.color, rounding, ImDrawFlags_RoundCornersTop);
    DrawIcon(draw, c.icon, ImVec2((pa.x + pb.x) / 2, (pa.y + pb.y) / 2), picture_h * 0.5f, colors::kText, c.color);
  }
  ImFont* body = ui.fonts.body;
  const float pad = ui.px(10);
  if (!c.badge.empty()) {
    const ImVec2 text = body->CalcTextSizeA(body->FontSize, FLT_MAX, 0, c.badge.data(), c.badge.data() + c.badge.size());
    const ImVec2 ba(pa.x + pad, pa.y + pad), bb(ba.x + text.x + 2 * pad, ba.y + text.y + pad);
    draw->AddRectFilled(ba, bb, colors::kReport, ui.px(10));
    draw->AddText(body, body->FontSize, ImVec2(ba.x + pad, ba.y + pad / 2), colors::kText, c.badge.data(),
                  c.badge.data() + c.badge.size());
  }
  if (!c.corner_text.empty()) {
    const char* begin = c.corner_text.data();
    const char* end = begin + c.corner_text.size();
    const ImVec2 text = body->CalcTextSizeA(body->FontSize, FLT_MAX, 0, begin, end);
    const ImVec2 cb(pb.x - pad, pb.y - pad), ca(cb.x - text.x - 2 * pad, cb.y - text.y - pad / 2);
    draw->AddRectFilled(ca, cb, IM_COL32(0, 0, 0, 190), ui.px(8));
    draw->AddText(body, body->FontSize, ImVec2(ca.x + pad, ca.y + pad / 4), colors::kText, begin, end);
  }
  if (c.progress > 0) {
    const float bar = ui.px(10);
    draw->AddRectFilled(ImVec2(pa.x, pb.y - bar), pb, IM_COL32(0, 0, 0, 160));
    draw->AddRectFilled(ImVec2(pa.x, pb.y - bar), ImVec2(pa.x + (pb.x - pa.x) * std::min(1.0f, c.progress), pb.y),
                        colors::kReport);
  }
  // The title: up to two lines, clipped to the tile.
  const ImVec2 ta(a.x + ui.px(14), pb.y + ui.px(8));
  draw->PushClipRect(ta, ImVec2(b.x - ui.px(14), b.y - ui.px(4)), true);
  draw->AddText(body, body->FontSize, ta, colors::kText, c.title.data(), c.title.data() + c.title.size(),
                b.x - a.x - ui.px(28));
  draw->PopClipRect();
  return tapped;
}

void DrawPictureFit(ImDrawList* draw, ImTextureID texture, ImVec2 texture_size, ImVec2 min, ImVec2 max) {
  if (!texture || texture_size.x <= 0 || texture_size.y <= 0) return;
  const float scale = std::min((max.x - min.x) / texture_size.x, (max.y - min.y) / texture_size.y);
  const ImVec2 size(texture_size.x * scale, texture_size.y * scale);
  const ImVec2 a((min.x + max.x - size.x) / 2, (min.y + max.y - size.y) / 2);
  draw->AddImage(texture, a, ImVec2(a.x + size.x, a.y + size.y));
}

void BeginTouchScroll(Ui& ui, const char* id, ImVec2 size, ScrollState& state) {
  // No ImGui scrollbar: the theme gives it no size, and EndTouchScroll draws a thin one.
  ImGui::BeginChild(id, size, false, ImGuiWindowFlags_NoScrollWithMouse | ImGuiWindowFlags_NoScrollbar);
  const ImVec2 min = ImGui::GetWindowPos();
  const ImVec2 max(min.x + ImGui::GetWindowWidth(), min.y + ImGui::GetWindowHeight());
  const Gesture& g = ui.gesture;
  const bool started_inside = g.start.x >= min.x && g.start.x < max.x && g.start.y >= min.y && g.start.y < max.y;

  if (g.down && g.dragging && started_inside) {
    if (!state.dragging) {
      state.dragging = true;
      state.drag_start_offset = state.offset + (g.drag_origin.y - g.start.y);  // no jump by the slop
      state.tracker.Reset();
      state.momentum.Stop();
    }
    state.offset = state.drag_start_offset - (g.position.y - g.start.y);
    state.tracker.Add(ui.now_s, state.offset);
  } else if (state.dragging) {
    state.dragging = false;
    state.momentum.Start(state.tracker.VelocityPerSecond(ui.now_s));
  } else if (state.momentum.active()) {
    state.offset += state.momentum.Step(ui.delta_s);
  }
  // Mouse wheel for an administrator with a mouse.
  if (ImGui::IsWindowHovered()) state.offset -= ImGui::GetIO().MouseWheel * ui.px(120);

  state.offset = ClampScroll(state.offset, ImGui::GetScrollMaxY(), state.momentum);
  ImGui::SetScrollY(state.offset);
  if (state.momentum.active()) ui.animating = true;
}

void EndTouchScroll(Ui& ui, ScrollState& state) {
  // Max scroll is known only after the content: clamp again for next frame.
  state.offset = ClampScroll(state.offset, ImGui::GetScrollMaxY(), state.momentum);
  const float max_offset = ImGui::GetScrollMaxY();
  if (max_offset > 0) {
    // A thin position bar: there is more below (no hover needed to see it).
    const ImVec2 pos = ImGui::GetWindowPos();
    const float h = ImGui::GetWindowHeight(), w = ImGui::GetWindowWidth();
    const float bar_h = std::max(ui.px(60), h * h / (h + max_offset));
    const float y = pos.y + (h - bar_h) * (state.offset / max_offset);
    ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(pos.x + w - ui.px(10), y), ImVec2(pos.x + w - ui.px(2), y + bar_h),
                                              colors::kTextDim, ui.px(4));
  }
  ImGui::EndChild();
}

void ApplyTheme(float scale) {
  ImGuiStyle style;
  ImGui::StyleColorsDark(&style);
  style.WindowPadding = ImVec2(0, 0);
  style.WindowBorderSize = 0;
  style.ChildBorderSize = 0;
  style.FrameRounding = 12;
  style.FramePadding = ImVec2(20, 16);
  style.ItemSpacing = ImVec2(24, 24);
  style.TouchExtraPadding = ImVec2(4, 4);
  style.ScrollbarSize = 0;
  style.ScaleAllSizes(scale);
  ImVec4* c = style.Colors;
  c[ImGuiCol_WindowBg] = ImGui::ColorConvertU32ToFloat4(colors::kBackground);
  c[ImGuiCol_ChildBg] = ImVec4(0, 0, 0, 0);
  c[ImGuiCol_Text] = ImGui::ColorConvertU32ToFloat4(colors::kText);
  c[ImGuiCol_FrameBg] = ImVec4(1, 1, 1, 1);
  c[ImGuiCol_FrameBgHovered] = ImVec4(1, 1, 1, 1);  // no hover look on a touch screen
  c[ImGuiCol_FrameBgActive] = ImVec4(1, 1, 0.85f, 1);
  c[ImGuiCol_TextSelectedBg] = ImVec4(0.4f, 0.6f, 1.0f, 0.5f);
  c[ImGuiCol_NavHighlight] = ImVec4(1, 0.8f, 0.2f, 1);
  ImGui::GetStyle() = style;
}

}  // namespace kiosk
