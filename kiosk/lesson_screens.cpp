// The Sunday-class screens: the library (shelves and a grid of big lesson
// tiles that scrolls by finger through thousands of lessons), the lesson page,
// and the player's touch controls drawn over the video.

#include <algorithm>
#include <cmath>
#include <string>

#include <imgui.h>

#include "kiosk/screen_parts.h"
#include "kiosk/screens.h"
#include "kiosk/widgets.h"

namespace kiosk {
namespace {

constexpr float kTileMinWidth = 400;  // px at 1080p
constexpr float kTileGap = 32;
constexpr double kControlsShownSeconds = 4.0;
constexpr std::int64_t kSkipMs = 15'000;
constexpr double kSpeeds[] = {0.75, 1.0, 1.25, 1.5};

// Field categories have a colour and a translated name; others show as sent.
ImU32 CategoryColor(std::string_view category) {
  if (category == "policy") return IM_COL32(0xC6, 0x28, 0x28, 0xFF);
  if (category == "farming") return IM_COL32(0x2E, 0x7D, 0x32, 0xFF);
  if (category == "market") return IM_COL32(0xEF, 0x6C, 0x00, 0xFF);
  if (category == "management") return IM_COL32(0x15, 0x65, 0xC0, 0xFF);
  if (category == "lectures") return IM_COL32(0x6A, 0x1B, 0x9A, 0xFF);
  if (category == "party_history") return IM_COL32(0xB7, 0x1C, 0x1C, 0xFF);
  return colors::kKey;
}

std::string CategoryName(const Ui& ui, const std::string& category) {
  const std::string key = "category." + category;
  const std::string& text = ui.T(key);
  return text == key ? category : text;
}

// The shelves as buttons across the top; more than fit wrap to a second row.
float DrawShelfTabs(Ui& ui, const LibraryState& library, float top, std::vector<Action>& actions) {
  struct Tab {
    std::string id, label;
    store::Shelf shelf;
    std::string category;
  };
  std::vector<Tab> tabs;
  if (library.any_in_progress) tabs.push_back({"shelf.continue", ui.T("library.shelf.continue"), store::Shelf::kContinueWatching, ""});
  tabs.push_back({"shelf.all", ui.T("library.shelf.all"), store::Shelf::kAll, ""});
  if (library.any_watched) tabs.push_back({"shelf.most", ui.T("library.shelf.most_watched"), store::Shelf::kMostWatched, ""});
  for (const auto& [category, count] : library.categories) {
    tabs.push_back({"shelf." + category, CategoryName(ui, category), store::Shelf::kCategory, category});
  }
  const float width = ImGui::GetIO().DisplaySize.x;
  const float h = ui.px(96), gap = ui.px(16), pad = ui.px(36);
  float x = ui.px(kMargin), y = top;
  for (const Tab& tab : tabs) {
    const float w = ui.fonts.body->CalcTextSizeA(ui.fonts.body->FontSize, FLT_MAX, 0, tab.label.c_str()).x + 2 * pad;
    if (x + w > width - ui.px(kMargin) && x > ui.px(kMargin)) {
      x = ui.px(kMargin);
      y += h + gap;
    }
    ImGui::SetCursorPos(ImVec2(x, y));
    const bool selected = library.shelf == tab.shelf && library.category == tab.category;
    const ImU32 color = selected ? colors::kCheck : colors::kKey;
    if (BigButton(ui, tab.id.c_str(), tab.label, ImVec2(w, h), color)) {
      actions.push_back(ShowShelf{tab.shelf, tab.category});
    }
    x += w + gap;
  }
  return y + h + gap;
}

void DrawEmptyShelf(Ui& ui, ImVec2 center) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  draw->AddCircleFilled(ImVec2(center.x, center.y - ui.px(80)), ui.px(110), colors::kSurface);
  DrawIcon(draw, Icon::kWatch, ImVec2(center.x, center.y - ui.px(80)), ui.px(150), colors::kTextDim, colors::kSurface);
  DrawCenteredText(draw, ui.fonts.title, ImVec2(center.x, center.y + ui.px(90)), colors::kText, ui.T("library.empty"));
}

// One tile per lesson in a grid; only the rows on screen are drawn, so the
// cost of a frame does not grow with the size of the shelf.
void DrawLessonGrid(Ui& ui, UiState& state, const LibraryView& view, ImVec2 origin, ImVec2 size,
                    std::vector<Action>& actions) {
  const auto& entries = view.library->entries;
  const float gap = ui.px(kTileGap);
  const int columns = std::max(2, static_cast<int>((size.x + gap) / (ui.px(kTileMinWidth) + gap)));
  const float tile_w = (size.x - gap * (columns - 1) - ui.px(16)) / columns;
  const float tile_h = tile_w * 9 / 16 + ui.fonts.body->FontSize * 2 + ui.px(28);
  const float row_h = tile_h + gap;
  const int rows = (static_cast<int>(entries.size()) + columns - 1) / columns;

  ImGui::SetCursorPos(origin);
  BeginTouchScroll(ui, "library.grid", size, state.library_scroll);
  const float scroll = state.library_scroll.offset;
  const int first_row = std::max(0, static_cast<int>(scroll / row_h));
  const int last_row = std::min(rows - 1, static_cast<int>((scroll + size.y) / row_h));
  for (int row = first_row; row <= last_row; ++row) {
    for (int column = 0; column < columns; ++column) {
      const std::size_t index = static_cast<std::size_t>(row) * columns + column;
      if (index >= entries.size()) break;
      const store::LessonEntry& entry = entries[index];
      const store::Lesson& lesson = entry.lesson;
      ImGui::SetCursorPos(ImVec2(column * (tile_w + gap), row * row_h));
      PictureTileContent content;
      content.title = lesson.title;
      content.picture = view.thumbnails ? view.thumbnails->Thumbnail(lesson) : 0;
      content.color = CategoryColor(lesson.category);
      content.icon = Icon::kWatch;
      const std::string duration = lesson.duration_ms > 0 ? DurationText(lesson.duration_ms) : "";
      content.corner_text = duration;
      if (IsNew(entry, view.now)) content.badge = ui.T("library.new");
      if (entry.progress.position_ms > 0 && lesson.duration_ms > 0) {
        content.progress = static_cast<float>(entry.progress.position_ms) / lesson.duration_ms;
      }
      const std::string id = "lesson." + lesson.id;
      if (PictureTile(ui, id.c_str(), content, ImVec2(tile_w, tile_h))) actions.push_back(OpenLesson{lesson.id});
    }
  }
  // The full height, so the scroll range covers every row.
  ImGui::SetCursorPos(ImVec2(0, std::max(0.0f, rows * row_h - gap)));
  ImGui::Dummy(ImVec2(1, 1));
  EndTouchScroll(ui, state.library_scroll);
}

void DrawBanner(Ui& ui, const Message& message, float y) {
  const std::string text = MessageText(ui, message);
  if (text.empty()) return;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float width = ImGui::GetIO().DisplaySize.x;
  draw->AddRectFilled(ImVec2(ui.px(kMargin), y), ImVec2(width - ui.px(kMargin), y + ui.px(80)),
                      message.is_error ? IM_COL32(0x5A, 0x1A, 0x1A, 0xFF) : colors::kSurface, ui.px(14));
  DrawCenteredText(draw, ui.fonts.body, ImVec2(width / 2, y + ui.px(40)),
                   message.is_error ? colors::kDanger : colors::kGood, text);
}

}  // namespace

bool IsNew(const store::LessonEntry& entry, std::int64_t now) {
  return entry.progress.views == 0 && entry.progress.position_ms == 0 && now - entry.lesson.added_at < kNewForSeconds;
}

void DrawLibrary(Ui& ui, UiState& state, const LibraryView& view, std::vector<Action>& actions) {
  BeginScreen("library");
  TopBar(ui, ui.T("library.title"), actions);
  const LibraryState& library = *view.library;
  if (state.library_generation != library.generation) {  // a new shelf starts at its top
    state.library_generation = library.generation;
    state.library_scroll = ScrollState{};
  }
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  float top = DrawShelfTabs(ui, library, ui.px(kTopBarHeight) + ui.px(20), actions);
  if (!library.message.key.empty()) {
    DrawBanner(ui, library.message, top);
    top += ui.px(100);
  }
  if (library.entries.empty()) {
    DrawEmptyShelf(ui, ImVec2(display.x / 2, (top + display.y) / 2));
  } else {
    DrawLessonGrid(ui, state, view, ImVec2(ui.px(kMargin), top),
                   ImVec2(display.x - ui.px(kMargin), display.y - top), actions);
  }
  EndScreen();
}

void DrawLesson(Ui& ui, const LessonView& view, std::vector<Action>& actions) {
  BeginScreen("lesson");
  const store::LessonEntry& entry = *view.entry;
  const store::Lesson& lesson = entry.lesson;
  TopBar(ui, CategoryName(ui, lesson.category), actions, Action{BackToLibrary{}});
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float margin = ui.px(kMargin);
  const float top = ui.px(kTopBarHeight) + ui.px(40);

  // Left: the picture.
  const float picture_w = display.x * 0.45f;
  const ImVec2 pa(margin, top), pb(margin + picture_w, top + picture_w * 9 / 16);
  const ImTextureID picture = view.thumbnails ? view.thumbnails->Thumbnail(lesson) : 0;
  if (picture) {
    draw->AddImageRounded(picture, pa, pb, ImVec2(0, 0), ImVec2(1, 1), IM_COL32_WHITE, ui.px(18));
  } else {
    draw->AddRectFilled(pa, pb, CategoryColor(lesson.category), ui.px(18));
    DrawIcon(draw, Icon::kWatch, ImVec2((pa.x + pb.x) / 2, (pa.y + pb.y) / 2), (pb.y - pa.y) * 0.5f, colors::kText,
             CategoryColor(lesson.category));
  }
  const std::string message = MessageText(ui, view.message);
  if (!message.empty()) {
    const ImVec2 ma(pa.x, pb.y + ui.px(30)), mb(pb.x, pb.y + ui.px(200));
    draw->AddRectFilled(ma, mb, IM_COL32(0x5A, 0x1A, 0x1A, 0xFF), ui.px(14));
    DrawIcon(draw, Icon::kReport, ImVec2(ma.x + ui.px(85), (ma.y + mb.y) / 2), ui.px(110), colors::kDanger,
             IM_COL32(0x5A, 0x1A, 0x1A, 0xFF));
    draw->AddText(ui.fonts.body, ui.fonts.body->FontSize, ImVec2(ma.x + ui.px(170), ma.y + ui.px(30)),
                  colors::kText, message.c_str(), nullptr, mb.x - ma.x - ui.px(200));
    if (ui.registry) ui.registry->Add("lesson.message", message, ma, mb);
  }

  // Right: what it is, then the buttons.
  const float x = pb.x + margin;
  const float text_w = display.x - x - margin;
  float y = top;
  const std::string title = WrapToWidth(ui.fonts.title, lesson.title, text_w);
  draw->AddText(ui.fonts.title, ui.fonts.title->FontSize, ImVec2(x, y), colors::kText, title.c_str());
  y += ui.fonts.title->CalcTextSizeA(ui.fonts.title->FontSize, FLT_MAX, 0, title.c_str()).y + ui.px(20);
  std::string facts = Format(ui.T("lesson.duration"), {{"time", DurationText(lesson.duration_ms)}});
  if (entry.progress.position_ms > 0) {
    facts += "    " + Format(ui.T("lesson.stopped_at"), {{"time", DurationText(entry.progress.position_ms)}});
  } else if (entry.progress.completed) {
    facts += "    " + ui.T("lesson.watched");
  }
  draw->AddText(ui.fonts.body, ui.fonts.body->FontSize, ImVec2(x, y), colors::kTextDim, facts.c_str());
  y += ui.fonts.body->FontSize + ui.px(24);
  draw->AddText(ui.fonts.body, ui.fonts.body->FontSize, ImVec2(x, y), colors::kText,
                WrapToWidth(ui.fonts.body, lesson.summary, text_w).c_str());

  const ImVec2 play_size(text_w, ui.px(150));
  const float buttons_top = display.y - ui.px(60) - play_size.y - (entry.progress.position_ms > 0 ? ui.px(140) : 0);
  ImGui::SetCursorPos(ImVec2(x, buttons_top));
  const Icon play = Icon::kPlay;
  const bool resume = entry.progress.position_ms > 0;
  const std::string play_label =
      resume ? Format(ui.T("lesson.continue"), {{"time", DurationText(entry.progress.position_ms)}}) : ui.T("lesson.play");
  if (BigButton(ui, "lesson.play", play_label, play_size, colors::kLessons, &play, ui.fonts.title)) {
    actions.push_back(PlayLesson{lesson.id, false, 0});
  }
  if (resume) {
    ImGui::SetCursorPos(ImVec2(x, buttons_top + play_size.y + ui.px(24)));
    const Icon restart = Icon::kRestart;
    if (BigButton(ui, "lesson.restart", ui.T("lesson.restart"), ImVec2(text_w, ui.px(116)), colors::kKey, &restart)) {
      actions.push_back(PlayLesson{lesson.id, true, 0});
    }
  }
  EndScreen();
}

namespace {

// The bar to drag along the lesson. While a finger holds it, the thumb
// follows the finger and the time shown is where it would land; the seek
// happens when the finger lifts.
void DrawScrubBar(Ui& ui, UiState& state, const PlayerView& view, ImVec2 min, ImVec2 size,
                  std::vector<Action>& actions) {
  ImGui::SetCursorPos(min);
  ImGui::InvisibleButton("player.scrub", size);
  const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
  if (ui.registry) ui.registry->Add("player.scrub", "", a, b);
  const float left = a.x + ui.px(30), right = b.x - ui.px(30);
  const bool known = view.duration_ms > 0;
  if (ImGui::IsItemActive() && known) {
    state.scrubbing = true;
    state.scrub_fraction = std::clamp((ui.gesture.position.x - left) / (right - left), 0.0f, 1.0f);
    state.player_controls_until_s = ui.now_s + kControlsShownSeconds;
  } else if (state.scrubbing) {
    state.scrubbing = false;
    const auto target = static_cast<std::int64_t>(state.scrub_fraction * view.duration_ms);
    actions.push_back(ControlPlayer{{PlayerCommand::Kind::kSeek, target}});
  }
  const float fraction = state.scrubbing ? state.scrub_fraction
                         : known ? std::clamp(static_cast<float>(view.position_ms) / view.duration_ms, 0.0f, 1.0f)
                                 : 0.0f;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float mid = (a.y + b.y) / 2, track = ui.px(14);
  draw->AddRectFilled(ImVec2(left, mid - track / 2), ImVec2(right, mid + track / 2), IM_COL32(255, 255, 255, 90), track / 2);
  const float thumb_x = left + (right - left) * fraction;
  draw->AddRectFilled(ImVec2(left, mid - track / 2), ImVec2(thumb_x, mid + track / 2), colors::kReport, track / 2);
  draw->AddCircleFilled(ImVec2(thumb_x, mid), ui.px(state.scrubbing ? 40 : 30), colors::kText);
}

void ControlButton(Ui& ui, const char* id, const std::string& label, Icon icon, ImVec2 pos, ImVec2 size,
                   const PlayerCommand& command, UiState& state, std::vector<Action>& actions, ImU32 color = colors::kKey) {
  ImGui::SetCursorPos(pos);
  if (BigButton(ui, id, label, size, color, &icon)) {
    actions.push_back(ControlPlayer{command});
    state.player_controls_until_s = ui.now_s + kControlsShownSeconds;
  }
}

double NextSpeed(double speed) {
  for (double s : kSpeeds) {
    if (s > speed + 0.01) return s;
  }
  return kSpeeds[0];
}

void DrawSubtitle(Ui& ui, const std::string& text, float bottom) {
  if (text.empty()) return;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  ImFont* font = ui.fonts.display;
  const std::string lines = WrapToWidth(font, text, display.x - ui.px(240));
  const ImVec2 size = font->CalcTextSizeA(font->FontSize, FLT_MAX, 0, lines.c_str());
  const ImVec2 a(display.x / 2 - size.x / 2 - ui.px(24), bottom - size.y - ui.px(24));
  draw->AddRectFilled(a, ImVec2(display.x / 2 + size.x / 2 + ui.px(24), bottom), IM_COL32(0, 0, 0, 170), ui.px(12));
  DrawCenteredText(draw, font, ImVec2(display.x / 2, bottom - ui.px(12) - size.y / 2), colors::kText, lines);
  if (ui.registry) ui.registry->Add("player.subtitle", text, a, ImVec2(display.x - a.x, bottom));
}

}  // namespace

void DrawPlayer(Ui& ui, UiState& state, const PlayerView& view, std::vector<Action>& actions) {
  BeginScreen("player", ImGuiWindowFlags_NoBackground);
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  // A tap anywhere outside the controls shows or hides them. The tap target
  // is drawn first so that the buttons on top take their own taps.
  ImGui::SetCursorPos(ImVec2(0, 0));
  ImGui::InvisibleButton("player.surface", display);
  if (ui.registry) ui.registry->Add("player.surface", "", ImVec2(0, 0), display);
  const bool shown = view.controls.paused || view.waiting || state.scrubbing || ui.now_s < state.player_controls_until_s;
  if (ImGui::IsItemDeactivated() && !ui.gesture.dragging) {
    state.player_controls_until_s = shown ? 0 : ui.now_s + kControlsShownSeconds;
  }
  ImGui::SetItemAllowOverlap();

  if (!view.has_video) {  // audio-only: the lesson's picture and title
    const ImVec2 pa(display.x * 0.25f, display.y * 0.12f), pb(display.x * 0.75f, display.y * 0.62f);
    if (view.cover_art_behind) {
      // drawn by the station under this window
    } else if (view.cover) {
      DrawPictureFit(draw, view.cover, view.cover_size, pa, pb);
    } else DrawIcon(draw, Icon::kWatch, ImVec2(display.x / 2, (pa.y + pb.y) / 2), pb.y - pa.y, colors::kSurface, colors::kBackground);
    // The title, unless the controls' bar shows it (and the subtitle sits here).
    if (!shown) {
      DrawCenteredText(draw, ui.fonts.title, ImVec2(display.x / 2, display.y * 0.68f), colors::kText, view.title,
                       display.x - ui.px(200));
    }
  }

  const float bottom_h = ui.px(300);
  if (shown) {
    // Shading behind the controls so they read over any picture.
    draw->AddRectFilled(ImVec2(0, 0), ImVec2(display.x, ui.px(kTopBarHeight)), IM_COL32(0, 0, 0, 150));
    draw->AddRectFilled(ImVec2(0, display.y - bottom_h), display, IM_COL32(0, 0, 0, 170));
    ImGui::SetCursorPos(ImVec2(ui.px(24), ui.px(16)));
    const Icon back = Icon::kBack;
    if (BigButton(ui, "player.back", ui.T("nav.back"), ImVec2(ui.px(300), ui.px(100)), colors::kKey, &back)) {
      actions.push_back(ClosePlayer{0});
    }
    DrawCenteredText(draw, ui.fonts.title, ImVec2(display.x / 2, ui.px(66)), colors::kText, view.title,
                     display.x - ui.px(760));

    const float scrub_y = display.y - bottom_h + ui.px(10);
    DrawScrubBar(ui, state, view, ImVec2(ui.px(24), scrub_y), ImVec2(display.x - ui.px(48), ui.px(100)), actions);
    // The row of buttons: at the left back 15 s, play/pause (the biggest),
    // forward 15 s; at the right volume, subtitles and speed; the time between.
    const float row_y = display.y - ui.px(150);
    const ImVec2 skip(ui.px(190), ui.px(120)), main(ui.px(280), ui.px(140)), small(ui.px(150), ui.px(120));
    const float gap = ui.px(20);
    using Kind = PlayerCommand::Kind;
    const std::int64_t back_to = std::max<std::int64_t>(0, view.position_ms - kSkipMs);
    const std::int64_t forward_to =
        view.duration_ms > 0 ? std::min(view.duration_ms, view.position_ms + kSkipMs) : view.position_ms + kSkipMs;
    float x = ui.px(kMargin);
    ControlButton(ui, "player.rewind", ui.T("player.back15"), Icon::kRewind, ImVec2(x, row_y), skip,
                  {Kind::kSeek, back_to}, state, actions);
    x += skip.x + gap;
    if (view.controls.paused) {
      ControlButton(ui, "player.play", ui.T("player.play"), Icon::kPlay, ImVec2(x, row_y - ui.px(20)), main, {Kind::kPlay},
                    state, actions, colors::kLessons);
    } else {
      ControlButton(ui, "player.pause", ui.T("player.pause"), Icon::kPause, ImVec2(x, row_y - ui.px(20)), main,
                    {Kind::kPause}, state, actions, colors::kLessons);
    }
    x += main.x + gap;
    ControlButton(ui, "player.forward", ui.T("player.forward15"), Icon::kForward, ImVec2(x, row_y), skip,
                  {Kind::kSeek, forward_to}, state, actions);
    const float left_end = x + skip.x;

    float right = display.x - ui.px(kMargin) - small.x;
    char speed_text[16];
    std::snprintf(speed_text, sizeof speed_text, "%.2g×", view.controls.speed);
    ImGui::SetCursorPos(ImVec2(right, row_y));
    if (BigButton(ui, "player.speed", speed_text, small, colors::kKey)) {
      actions.push_back(ControlPlayer{{Kind::kSpeed, 0, NextSpeed(view.controls.speed)}});
      state.player_controls_until_s = ui.now_s + kControlsShownSeconds;
    }
    if (view.has_subtitles) {
      right -= small.x + gap;
      ControlButton(ui, "player.subtitles", ui.T("player.subtitles_on"), Icon::kSubtitles, ImVec2(right, row_y), small,
                    {Kind::kSubtitles, 0, 0, !view.controls.subtitles}, state, actions,
                    view.controls.subtitles ? colors::kCheck : colors::kKey);
    }
    const ImVec2 volume_button(ui.px(110), small.y);
    right -= volume_button.x + gap;
    ControlButton(ui, "player.louder", "", Icon::kVolumeUp, ImVec2(right, row_y), volume_button,
                  {Kind::kVolume, 0, std::min(1.0, view.controls.volume + 0.1)}, state, actions);
    // The volume as ten rising steps between the two buttons.
    const float steps_w = ui.px(140);
    right -= steps_w + gap;
    for (int i = 0; i < 10; ++i) {
      const float h = ui.px(14 + 8 * i);
      const float sx = right + i * steps_w / 10;
      const float base = row_y + small.y - ui.px(14);
      const bool lit = view.controls.volume > i / 10.0 + 0.01;
      draw->AddRectFilled(ImVec2(sx, base - h), ImVec2(sx + steps_w / 10 - ui.px(4), base),
                          lit ? colors::kText : IM_COL32(255, 255, 255, 70));
    }
    right -= volume_button.x + gap;
    ControlButton(ui, "player.quieter", "", Icon::kVolumeDown, ImVec2(right, row_y), volume_button,
                  {Kind::kVolume, 0, std::max(0.0, view.controls.volume - 0.1)}, state, actions);

    const std::int64_t shown_ms =
        state.scrubbing ? static_cast<std::int64_t>(state.scrub_fraction * view.duration_ms) : view.position_ms;
    const std::string times = DurationText(shown_ms) + " / " + DurationText(view.duration_ms);
    ImFont* font = ui.fonts.title;
    if (font->CalcTextSizeA(font->FontSize, FLT_MAX, 0, times.c_str()).x > right - left_end - 2 * gap) font = ui.fonts.body;
    DrawCenteredText(draw, font, ImVec2((left_end + right) / 2, row_y + small.y / 2), colors::kText, times);
  }
  if (view.waiting) {  // a turning ring while the file opens or a seek lands
    const ImVec2 c(display.x / 2, display.y / 2 - ui.px(60));
    const float start = static_cast<float>(std::fmod(ui.now_s * 4.0, 6.2832));
    draw->PathArcTo(c, ui.px(60), start, start + 4.5f, 32);
    draw->PathStroke(colors::kText, 0, ui.px(12));
    ui.animating = true;
  }
  if (view.controls.subtitles) DrawSubtitle(ui, view.subtitle, shown ? display.y - bottom_h - ui.px(20) : display.y - ui.px(50));
  if (shown && !view.controls.paused && !state.scrubbing) ui.wake_at_s = state.player_controls_until_s;
  EndScreen();
}

}  // namespace kiosk
