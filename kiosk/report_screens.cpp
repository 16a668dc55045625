// "Report a problem": one screen per step, each with a picture, a spoken
// prompt (played by the station; "listen again" repeats it), Back at the top
// left and Next at the top right, always in the same places.

#include <algorithm>
#include <cstdio>
#include <string>

#include <imgui.h>

#include "kiosk/screen_parts.h"
#include "kiosk/screens.h"
#include "kiosk/widgets.h"
#include "sync/ticket_code.h"

namespace kiosk {
namespace {

constexpr int kSteps = 7;
constexpr float kStepBarHeight = 56;  // the dots under the top bar

Icon CategoryIcon(std::string_view id) {
  static constexpr std::pair<std::string_view, Icon> icons[] = {
      {"road", Icon::kRoad},       {"water", Icon::kWater},         {"electricity", Icon::kElectricity},
      {"housing", Icon::kHousing}, {"environment", Icon::kEnvironment}, {"land", Icon::kLand},
      {"allowance", Icon::kAllowance}, {"public_order", Icon::kPublicOrder},
      {"suggestion", Icon::kSuggestion}, {"other", Icon::kOther}};
  for (const auto& [name, icon] : icons) {
    if (name == id) return icon;
  }
  return Icon::kOther;
}

ImU32 CategoryColor(int index) {
  static constexpr ImU32 palette[] = {
      IM_COL32(0x6D, 0x4C, 0x41, 0xFF), IM_COL32(0x01, 0x77, 0xB5, 0xFF), IM_COL32(0xB2, 0x8A, 0x00, 0xFF),
      IM_COL32(0xC6, 0x28, 0x28, 0xFF), IM_COL32(0x2E, 0x7D, 0x32, 0xFF), IM_COL32(0x55, 0x8B, 0x2F, 0xFF),
      IM_COL32(0xE6, 0x51, 0x00, 0xFF), IM_COL32(0x28, 0x35, 0x93, 0xFF), IM_COL32(0x00, 0x83, 0x8F, 0xFF),
      IM_COL32(0x54, 0x6E, 0x7A, 0xFF)};
  return palette[index % 10];
}

int CategoryIndex(std::string_view id) {
  for (int i = 0; i < static_cast<int>(std::size(kReportCategories)); ++i) {
    if (id == kReportCategories[i].id) return i;
  }
  return 9;
}

const char* StepTitleKey(Screen screen) {
  switch (screen) {
    case Screen::kReportWhat: return "report.what.title";
    case Screen::kReportSay: return "report.say.title";
    case Screen::kReportWrite: return "report.write.title";
    case Screen::kReportPhotos: return "report.photos.title";
    case Screen::kReportWhere: return "report.where.title";
    case Screen::kReportWho: return "report.who.title";
    case Screen::kReportCheck: return "report.check.title";
    default: return "report.title";
  }
}

int StepNumber(Screen screen) {
  int n = 1;
  for (Screen s = Screen::kReportWhat; s != screen && n < kSteps; s = NextReportStep(s)) ++n;
  return n;
}

float ContentTop(const Ui& ui) { return ui.px(kTopBarHeight + kStepBarHeight); }

// Back at the left, the title, "listen again" and Next at the right (clear
// of the administrator's corner), then the step dots.
void StepBar(Ui& ui, const ReportView& view, std::vector<Action>& actions, bool next) {
  TopBar(ui, ui.T(StepTitleKey(view.screen)), actions, Action{ReportBack{}});
  const float width = ImGui::GetIO().DisplaySize.x;
  const ImVec2 next_size(ui.px(300), ui.px(kTopBarHeight - 32));
  const float next_x = width - ui.px(184) - next_size.x;
  if (next) {
    ImGui::SetCursorPos(ImVec2(next_x, ui.px(16)));
    const Icon arrow = Icon::kNext;
    if (BigButton(ui, "report.next", ui.T("nav.next"), next_size, colors::kLessons, &arrow, ui.fonts.title)) {
      actions.emplace_back(std::in_place_type<ReportNext>);
    }
  }
  ImGui::SetCursorPos(ImVec2(next_x - ui.px(24 + 250), ui.px(16)));
  const Icon listen = Icon::kListen;
  if (BigButton(ui, "report.listen", ui.T("nav.listen"), ImVec2(ui.px(250), next_size.y), colors::kKey, &listen,
                ui.fonts.body)) {
    actions.emplace_back(std::in_place_type<SpeakAgain>);
  }
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const int current = StepNumber(view.screen);
  const float y = ui.px(kTopBarHeight + kStepBarHeight / 2), spacing = ui.px(44);
  for (int i = 1; i <= kSteps; ++i) {
    const ImVec2 c(width / 2 + (i - (kSteps + 1) / 2.0f) * spacing, y);
    if (i <= current) draw->AddCircleFilled(c, ui.px(i == current ? 14 : 10), colors::kReport);
    else draw->AddCircle(c, ui.px(10), colors::kTextDim, 20, ui.px(3));
  }
}

void MessageLine(Ui& ui, const Message& message, ImVec2 center, float wrap) {
  const std::string text = MessageText(ui, message);
  if (text.empty()) return;
  DrawCenteredText(ImGui::GetWindowDrawList(), ui.fonts.body, center,
                   message.is_error ? colors::kDanger : colors::kGood, text, wrap);
}

// ---- Text fields and the keyboard ---------------------------------------------

std::size_t Utf8Length(unsigned char lead) {
  return lead < 0x80 ? 1 : lead >> 5 == 0x6 ? 2 : lead >> 4 == 0xE ? 3 : lead >> 3 == 0x1E ? 4 : 1;
}

unsigned Utf8Decode(std::string_view s) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  switch (s.size()) {
    case 1: return b(0);
    case 2: return (b(0) & 0x1F) << 6 | (b(1) & 0x3F);
    case 3: return (b(0) & 0x0F) << 12 | (b(1) & 0x3F) << 6 | (b(2) & 0x3F);
    default: return (b(0) & 0x07) << 18 | (b(1) & 0x3F) << 12 | (b(2) & 0x3F) << 6 | (b(3) & 0x3F);
  }
}

// Draws before|preedit|after wrapped inside [min, max], the preedit
// underlined and a cursor after it when focused.
void DrawComposedText(Ui& ui, ImVec2 min, ImVec2 max, const ComposedText& parts, bool focused) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  ImFont* font = ui.fonts.body;
  const float size = font->FontSize, line_h = size * 1.25f;
  float x = min.x, y = min.y;
  auto cursor = [&] {
    if (focused) draw->AddRectFilled(ImVec2(x, y + size * 0.05f), ImVec2(x + ui.px(4), y + size * 1.05f), colors::kReport);
  };
  const std::string_view segments[] = {parts.before, parts.preedit, parts.after};
  for (int segment = 0; segment < 3; ++segment) {
    if (segment == 2) cursor();
    const std::string_view text = segments[segment];
    for (std::size_t i = 0; i < text.size();) {
      const std::size_t n = std::min(Utf8Length(static_cast<unsigned char>(text[i])), text.size() - i);
      const std::string_view glyph = text.substr(i, n);
      i += n;
      if (glyph == "\n") {
        x = min.x;
        y += line_h;
        continue;
      }
      const float advance = font->GetCharAdvance(static_cast<ImWchar>(Utf8Decode(glyph)));
      if (x + advance > max.x) {
        x = min.x;
        y += line_h;
      }
      if (y + size > max.y) return;  // the box is full; the limit keeps text short anyway
      draw->AddText(font, size, ImVec2(x, y), colors::kText, glyph.data(), glyph.data() + glyph.size());
      if (segment == 1) draw->AddLine(ImVec2(x, y + size * 1.08f), ImVec2(x + advance, y + size * 1.08f), colors::kReport, ui.px(3));
      x += advance;
    }
  }
}

// A text box the keyboard types into; tapping it moves the keyboard to it.
void EditBox(Ui& ui, const char* id, std::string_view label, const EditableText& text, const ReportView& view,
             TextField field, ImVec2 pos, ImVec2 size, std::vector<Action>& actions) {
  const ReportFlow& report = *view.report;
  const bool focused = report.editing == field;
  ImGui::SetCursorPos(pos);
  const bool tapped = ImGui::InvisibleButton(id, size) && !ui.gesture.dragging;
  const ImVec2 min = ImGui::GetItemRectMin(), max = ImGui::GetItemRectMax();
  if (ui.registry) ui.registry->Add(id, text.text().empty() ? std::string(label) : text.text(), min, max);
  if (tapped && !focused) actions.push_back(FocusField{field});
  ImDrawList* draw = ImGui::GetWindowDrawList();
  draw->AddRectFilled(min, max, colors::kSurface, ui.px(12));
  draw->AddRect(min, max, focused ? colors::kReport : colors::kKey, ui.px(12), 0, ui.px(focused ? 5 : 3));
  const float pad = ui.px(20);
  const std::string_view preedit = focused && view.pinyin ? std::string_view(view.pinyin->preedit) : "";
  if (text.text().empty() && preedit.empty()) {
    draw->AddText(ui.fonts.body, ui.fonts.body->FontSize, ImVec2(min.x + pad, min.y + pad), colors::kTextDim,
                  label.data(), label.data() + label.size());
    if (focused) DrawComposedText(ui, ImVec2(min.x + pad, min.y + pad), ImVec2(max.x - pad, max.y - pad), {}, true);
    return;
  }
  DrawComposedText(ui, ImVec2(min.x + pad, min.y + pad), ImVec2(max.x - pad, max.y - pad), Compose(text, preedit),
                   focused);
}

void Key(Ui& ui, const char* id, std::string_view label, ImVec2 pos, ImVec2 size, ImU32 color,
         const Action& action, std::vector<Action>& actions, const Icon* icon = nullptr) {
  ImGui::SetCursorPos(pos);
  if (BigButton(ui, id, label, size, color, icon, ui.fonts.title)) actions.push_back(action);
}

KeyPress Letter(char c) { return KeyPress{KeyPress::Kind::kLetter, c}; }
KeyPress Special(KeyPress::Kind kind) { return KeyPress{kind}; }

// The pinyin candidates over the keyboard, tapped to choose.
void CandidateBar(Ui& ui, const ReportView& view, ImVec2 pos, float width, float height, std::vector<Action>& actions) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  draw->AddRectFilled(pos, ImVec2(pos.x + width, pos.y + height), colors::kSurface);
  const bool pinyin = view.report->keyboard == KeyboardMode::kPinyin;
  if (!pinyin) return;
  // For scripts: whether pinyin input is ready to take letters.
  if (ui.registry) ui.registry->Add(view.pinyin_ready ? "keyboard.ready" : "keyboard.preparing", "", pos, ImVec2(pos.x + width, pos.y + height));
  if (!view.pinyin_ready) {
    draw->AddText(ui.fonts.body, ui.fonts.body->FontSize, ImVec2(pos.x + ui.px(24), pos.y + (height - ui.fonts.body->FontSize) / 2),
                  colors::kTextDim, ui.T("report.keyboard.preparing").c_str());
    return;
  }
  const PinyinView& ime = *view.pinyin;
  float x = pos.x + ui.px(12);
  const float arrows = ui.px(2 * 110 + 24);
  for (std::size_t i = 0; i < ime.candidates.size(); ++i) {
    const std::string& text = ime.candidates[i].text;
    const float w = std::max(ui.px(110), ui.fonts.title->CalcTextSizeA(ui.fonts.title->FontSize, FLT_MAX, 0, text.c_str()).x + ui.px(40));
    if (x + w > pos.x + width - arrows) break;
    const std::string id = "cand." + std::to_string(i);
    Key(ui, id.c_str(), text, ImVec2(x, pos.y + ui.px(6)), ImVec2(w, height - ui.px(12)),
        static_cast<int>(i) == ime.highlighted ? colors::kCheck : colors::kKey,
        KeyPress{KeyPress::Kind::kCandidate, 0, static_cast<int>(i)}, actions);
    x += w + ui.px(10);
  }
  if (!ime.composing()) return;
  const ImVec2 arrow(ui.px(110), height - ui.px(12));
  const float right = pos.x + width - ui.px(12);
  if (ime.page > 0) Key(ui, "cand.prev", "<", ImVec2(right - 2 * arrow.x - ui.px(12), pos.y + ui.px(6)), arrow, colors::kKey, Special(KeyPress::Kind::kPageUp), actions);
  if (!ime.last_page) Key(ui, "cand.next", ">", ImVec2(right - arrow.x, pos.y + ui.px(6)), arrow, colors::kKey, Special(KeyPress::Kind::kPageDown), actions);
}

// A phone keypad: 1-9, delete, 0.
void DigitPad(Ui& ui, ImVec2 pos, ImVec2 area, std::vector<Action>& actions) {
  const float gap = ui.px(14);
  const ImVec2 key(std::min(ui.px(260), (area.x - 3 * gap) / 4), (area.y - 3 * gap) / 4);
  const float left = pos.x + (area.x - 3 * key.x - 2 * gap) / 2;
  const char* labels = "123456789";
  for (int i = 0; i < 9; ++i) {
    const std::string id = std::string("key.") + labels[i];
    Key(ui, id.c_str(), std::string(1, labels[i]), ImVec2(left + (i % 3) * (key.x + gap), pos.y + (i / 3) * (key.y + gap)),
        key, colors::kKey, Letter(labels[i]), actions);
  }
  const float y = pos.y + 3 * (key.y + gap);
  const Icon backspace = Icon::kBackspace;
  Key(ui, "key.backspace", ui.T("report.keyboard.backspace"), ImVec2(left, y), key, colors::kKey,
      Special(KeyPress::Kind::kBackspace), actions, &backspace);
  Key(ui, "key.0", "0", ImVec2(left + key.x + gap, y), key, colors::kKey, Letter('0'), actions);
}

// The on-screen keyboard: a candidate bar, digits, QWERTY and a row with
// the mode switch, space and new line. It edits the app's text itself (an
// ImGui text field would lose focus to every key).
void Keyboard(Ui& ui, const ReportView& view, float top, std::vector<Action>& actions) {
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float margin = ui.px(24), gap = ui.px(10);
  const float candidates_h = ui.px(96);
  CandidateBar(ui, view, ImVec2(0, top), display.x, candidates_h, actions);
  top += candidates_h + gap;
  const float height = display.y - top - margin;
  if (view.report->keyboard == KeyboardMode::kDigits) {
    DigitPad(ui, ImVec2(margin, top), ImVec2(display.x - 2 * margin, height), actions);
    return;
  }
  const char* rows[] = {"1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm,.?"};
  const float key_h = (height - 4 * gap) / 5;
  const float key_w = (display.x - 2 * margin - 10 * gap) / 11;
  for (int r = 0; r < 4; ++r) {
    const std::string_view row = rows[r];
    const float indent = r == 2 ? key_w / 2 : 0;
    for (std::size_t i = 0; i < row.size(); ++i) {
      const char c = row[i];
      const std::string id = std::string("key.") + c;
      const bool upper = view.report->keyboard == KeyboardMode::kLatin && c >= 'a' && c <= 'z';
      const std::string label(1, upper ? static_cast<char>(c - 32) : c);
      Key(ui, id.c_str(), label, ImVec2(margin + indent + i * (key_w + gap), top + r * (key_h + gap)),
          ImVec2(key_w, key_h), colors::kKey, Letter(c), actions);
    }
  }
  const Icon backspace = Icon::kBackspace;
  Key(ui, "key.backspace", ui.T("report.keyboard.backspace"), ImVec2(margin + 10 * (key_w + gap), top),
      ImVec2(key_w, key_h * 2 + gap), colors::kKey, Special(KeyPress::Kind::kBackspace), actions, &backspace);
  const float y = top + 4 * (key_h + gap);
  const bool pinyin = view.report->keyboard == KeyboardMode::kPinyin;
  KeyPress mode{KeyPress::Kind::kMode};
  mode.mode = pinyin ? KeyboardMode::kLatin : KeyboardMode::kPinyin;
  Key(ui, pinyin ? "key.mode.latin" : "key.mode.pinyin",
      ui.T(pinyin ? "report.keyboard.latin" : "report.keyboard.pinyin"), ImVec2(margin, y),
      ImVec2(key_w * 2 + gap, key_h), colors::kCheck, mode, actions);
  Key(ui, "key.space", ui.T("report.keyboard.space"), ImVec2(margin + 2 * (key_w + gap), y),
      ImVec2(key_w * 6 + 5 * gap, key_h), colors::kKey, Special(KeyPress::Kind::kSpace), actions);
  Key(ui, "key.enter", ui.T("report.keyboard.enter"), ImVec2(margin + 8 * (key_w + gap), y),
      ImVec2(key_w * 3 + 2 * gap, key_h), colors::kKey, Special(KeyPress::Kind::kEnter), actions);
}

// ---- The steps -------------------------------------------------------------------

void DrawWhat(Ui& ui, const ReportView& view, std::vector<Action>& actions) {
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float gap = ui.px(28), top = ContentTop(ui) + ui.px(8);
  const float bottom = ui.px(60);
  const float w = (display.x - 6 * gap) / 5, h = (display.y - top - bottom - 2 * gap) / 2;
  for (int i = 0; i < 10; ++i) {
    const ReportCategory& category = kReportCategories[i];
    ImGui::SetCursorPos(ImVec2(gap + (i % 5) * (w + gap), top + (i / 5) * (h + gap)));
    const std::string id = std::string("category.") + category.id;
    ImU32 color = CategoryColor(i);
    if (view.report->category == category.id) color = colors::kReport;
    if (Tile(ui, id.c_str(), ui.T(category.label_key), CategoryIcon(category.id), color, ImVec2(w, h))) {
      actions.push_back(ChooseCategory{category.id});
    }
  }
  MessageLine(ui, view.report->message, ImVec2(display.x / 2, display.y - bottom / 2 - ui.px(6)), display.x);
}

void DrawSay(Ui& ui, const ReportView& view, std::vector<Action>& actions) {
  const ReportFlow& report = *view.report;
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float mid = display.x / 2, top = ContentTop(ui);
  const float radius = ui.px(190);
  const ImVec2 center(mid, top + ui.px(60) + radius);

  // The level ring: it swells with the voice, so the villager sees the
  // station hears them.
  if (report.recording) {
    const float ring = radius + ui.px(16) + ui.px(90) * std::clamp(view.mic_level, 0.0f, 1.0f);
    draw->AddCircleFilled(center, ring, IM_COL32(0xD8, 0x4A, 0x05, 0x60), 64);
  }
  ImGui::SetCursorPos(ImVec2(center.x - radius, center.y - radius));
  const char* id = report.recording ? "say.stop" : "say.record";
  const std::string& label = ui.T(report.recording ? "report.say.stop" : report.voice ? "report.say.again" : "report.say.record");
  const bool tapped = ImGui::InvisibleButton(id, ImVec2(2 * radius, 2 * radius)) && !ui.gesture.dragging;
  const bool held = ImGui::IsItemActive();
  if (ui.registry) ui.registry->Add(id, label, ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
  draw->AddCircleFilled(center, held ? radius * 0.96f : radius, report.recording ? IM_COL32(0xB7, 0x1C, 0x1C, 0xFF) : colors::kReport, 64);
  DrawIcon(draw, report.recording ? Icon::kStop : Icon::kMicrophone, center, radius, colors::kText, colors::kReport);
  if (tapped) {
    if (report.recording) actions.emplace_back(std::in_place_type<StopRecording>);
    else actions.emplace_back(std::in_place_type<StartRecording>);
  }
  float y = center.y + radius + ui.px(60);
  DrawCenteredText(draw, ui.fonts.display, ImVec2(mid, y), colors::kText, label);
  y += ui.px(80);
  std::string status;
  if (report.recording) {
    status = Format(ui.T("report.say.recording"), {{"time", DurationText(view.recorded_ms)}, {"max", DurationText(kMaxVoiceNoteMs)}});
  } else if (report.voice) {
    status = Format(ui.T("report.say.recorded"), {{"time", DurationText(report.voice->duration_ms)}});
  }
  if (!status.empty()) DrawCenteredText(draw, ui.fonts.title, ImVec2(mid, y), colors::kTextDim, status);

  // With a note: listen to it, or delete it.
  if (report.voice && !report.recording) {
    const ImVec2 button(ui.px(360), ui.px(130));
    const float x = mid + radius + ui.px(120);
    ImGui::SetCursorPos(ImVec2(x, center.y - button.y - ui.px(20)));
    const Icon play = report.playing_voice ? Icon::kStop : Icon::kPlay;
    if (BigButton(ui, "say.play", ui.T(report.playing_voice ? "report.say.stop_play" : "report.say.play"), button,
                  colors::kCheck, &play, ui.fonts.title)) {
      actions.push_back(PlayVoice{!report.playing_voice});
    }
    ImGui::SetCursorPos(ImVec2(x, center.y + ui.px(20)));
    const Icon trash = Icon::kTrash;
    if (BigButton(ui, "say.delete", ui.T("report.say.delete"), button, colors::kKey, &trash, ui.fonts.title)) {
      actions.emplace_back(std::in_place_type<DiscardVoice>);
    }
  }
  // Typing instead: a picture of a keyboard that leads to the next step.
  if (!report.recording) {
    const ImVec2 size(ui.px(360), ui.px(130));
    ImGui::SetCursorPos(ImVec2(mid - radius - ui.px(120) - size.x, center.y - size.y / 2));
    const Icon keyboard = Icon::kKeyboard;
    if (BigButton(ui, "say.type_instead", ui.T("report.say.skip_hint"), size, colors::kKey, &keyboard)) {
      actions.emplace_back(std::in_place_type<ReportNext>);
    }
  }
  MessageLine(ui, report.message, ImVec2(mid, display.y - ui.px(50)), display.x - ui.px(200));
}

void DrawWrite(Ui& ui, const ReportView& view, std::vector<Action>& actions) {
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float margin = ui.px(kMargin), top = ContentTop(ui);
  const float box_h = ui.px(230);
  EditBox(ui, "field.text", ui.T("report.write.placeholder"), view.report->text, view, TextField::kText,
          ImVec2(margin, top), ImVec2(display.x - 2 * margin, box_h), actions);
  Keyboard(ui, view, top + box_h + ui.px(12), actions);
}

void DrawPhotos(Ui& ui, const ReportView& view, std::vector<Action>& actions) {
  const ReportFlow& report = *view.report;
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float margin = ui.px(kMargin), top = ContentTop(ui) + ui.px(10);
  // Columns: the live picture, the shutter, the photos taken.
  const float gap = ui.px(40);
  const float thumb_w = ui.px(270), remove_w = ui.px(100);
  const float shutter_r = ui.px(120);
  const float preview_w = std::min(display.x - 2 * margin - 3 * gap - 2 * shutter_r - thumb_w - remove_w,
                                   (display.y - top - margin) * 16 / 9);
  const ImVec2 pmin(margin, top), pmax(margin + preview_w, top + preview_w * 9 / 16);
  draw->AddRectFilled(pmin, pmax, IM_COL32(0, 0, 0, 0xFF), ui.px(12));
  if (view.camera_preview) {
    DrawPictureFit(draw, view.camera_preview, view.camera_size, pmin, pmax);
  } else {
    const ImVec2 c((pmin.x + pmax.x) / 2, (pmin.y + pmax.y) / 2);
    DrawIcon(draw, Icon::kCamera, ImVec2(c.x, c.y - ui.px(40)), ui.px(200), colors::kTextDim, IM_COL32(0, 0, 0, 0xFF));
    DrawCenteredText(draw, ui.fonts.body, ImVec2(c.x, c.y + ui.px(120)), view.camera_failed ? colors::kDanger : colors::kTextDim,
                     ui.T(view.camera_failed ? "report.photos.camera_failed" : "report.photos.starting"), preview_w - ui.px(40));
  }
  // The shutter: a big round button right of the picture.
  const ImVec2 shutter_c(pmax.x + gap + shutter_r, (pmin.y + pmax.y) / 2 - ui.px(40));
  const bool full = static_cast<int>(report.photos.size()) >= report.max_photos;
  ImGui::SetCursorPos(ImVec2(shutter_c.x - shutter_r, shutter_c.y - shutter_r));
  const bool tapped = ImGui::InvisibleButton("photo.shutter", ImVec2(2 * shutter_r, 2 * shutter_r)) && !ui.gesture.dragging;
  const bool held = ImGui::IsItemActive();
  if (ui.registry) ui.registry->Add("photo.shutter", ui.T("report.photos.shutter"), ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
  const ImU32 shutter_color = view.camera_preview && !full ? colors::kReport : colors::kKey;
  draw->AddCircleFilled(shutter_c, held ? shutter_r * 0.94f : shutter_r, shutter_color, 48);
  draw->AddCircle(shutter_c, shutter_r * 0.8f, colors::kText, 48, ui.px(6));
  DrawIcon(draw, Icon::kCamera, shutter_c, shutter_r, colors::kText, shutter_color);
  if (tapped && view.camera_preview) actions.emplace_back(std::in_place_type<TakePhoto>);
  DrawCenteredText(draw, ui.fonts.title, ImVec2(shutter_c.x, shutter_c.y + shutter_r + ui.px(50)), colors::kText,
                   ui.T("report.photos.shutter"));
  DrawCenteredText(draw, ui.fonts.body, ImVec2(shutter_c.x, shutter_c.y + shutter_r + ui.px(110)), colors::kTextDim,
                   Format(ui.T("report.photos.count"), {{"n", std::to_string(report.photos.size())},
                                                         {"max", std::to_string(report.max_photos)}}), 2 * shutter_r + gap);

  // The photos taken, one above the other at the right, each with its own remove button.
  const float column_x = display.x - margin - thumb_w - remove_w;
  const float thumb_h = std::min(thumb_w * 9 / 16, (display.y - top - margin) / std::max(1, report.max_photos) - ui.px(12));
  float y = top;
  for (const ReportPhoto& photo : report.photos) {
    const ImVec2 tmin(column_x + remove_w, y), tmax(column_x + remove_w + thumb_w, y + thumb_h);
    draw->AddRectFilled(tmin, tmax, colors::kSurface, ui.px(8));
    ImVec2 size;
    if (ImTextureID texture = view.photos ? view.photos->Texture(photo, &size) : 0) DrawPictureFit(draw, texture, size, tmin, tmax);
    const std::string id = "photo.remove." + std::to_string(photo.id);
    ImGui::SetCursorPos(ImVec2(column_x, y));
    const Icon trash = Icon::kTrash;
    if (BigButton(ui, id.c_str(), ui.T("report.photos.remove"), ImVec2(remove_w - ui.px(10), thumb_h), colors::kKey, &trash)) {
      actions.push_back(RemovePhoto{photo.id});
    }
    y += thumb_h + ui.px(12);
  }
  MessageLine(ui, report.message, ImVec2(pmin.x + preview_w / 2, pmax.y + ui.px(50)), preview_w);
}

void DrawWhere(Ui& ui, const ReportView& view, std::vector<Action>& actions) {
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float margin = ui.px(kMargin), top = ContentTop(ui);
  DrawIcon(draw, Icon::kPlace, ImVec2(margin + ui.px(60), top + ui.px(60)), ui.px(110), colors::kReport, colors::kBackground);
  const std::string village = Format(ui.T("report.where.village"), {{"village", view.village}});
  draw->AddText(ui.fonts.display, ui.fonts.display->FontSize, ImVec2(margin + ui.px(140), top + ui.px(20)), colors::kText,
                village.c_str());
  const float box_top = top + ui.px(140);
  EditBox(ui, "field.place", ui.T("report.where.detail"), view.report->place_detail, view, TextField::kPlaceDetail,
          ImVec2(margin, box_top), ImVec2(display.x - 2 * margin, ui.px(110)), actions);
  Keyboard(ui, view, box_top + ui.px(122), actions);
}

void DrawWho(Ui& ui, const ReportView& view, std::vector<Action>& actions) {
  const ReportFlow& report = *view.report;
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float margin = ui.px(kMargin), top = ContentTop(ui) + ui.px(6), gap = ui.px(24);
  const ImVec2 choice((display.x - 2 * margin - 2 * gap) / 3, ui.px(120));
  struct Choice { const char* id; const char* key; Icon icon; bool named, for_resident; };
  const Choice choices[] = {{"who.anonymous", "report.who.anonymous", Icon::kAnonymous, false, false},
                            {"who.named", "report.who.named", Icon::kPerson, true, false},
                            {"who.for_resident", "report.who.for_resident", Icon::kHome, true, true}};
  for (int i = 0; i < 3; ++i) {
    const Choice& c = choices[i];
    const bool selected = report.named == c.named && report.for_resident == c.for_resident;
    ImGui::SetCursorPos(ImVec2(margin + i * (choice.x + gap), top));
    const Icon tick = Icon::kOk;
    if (BigButton(ui, c.id, ui.T(c.key), choice, selected ? colors::kCheck : colors::kKey, selected ? &tick : &c.icon,
                  ui.fonts.title)) {
      actions.push_back(ChooseReporter{c.named, c.for_resident});
    }
  }
  const float fields_top = top + choice.y + ui.px(20);
  if (!report.named) {
    DrawIcon(draw, Icon::kAnonymous, ImVec2(display.x / 2, fields_top + ui.px(220)), ui.px(300), colors::kTextDim, colors::kBackground);
    DrawCenteredText(draw, ui.fonts.display, ImVec2(display.x / 2, fields_top + ui.px(480)), colors::kText,
                     ui.T("report.who.anonymous_note"));
    return;
  }
  const int n = report.for_resident ? 3 : 2;
  const ImVec2 field((display.x - 2 * margin - (n - 1) * gap) / n, ui.px(100));
  EditBox(ui, "field.name", ui.T("report.who.name"), report.name, view, TextField::kName,
          ImVec2(margin, fields_top), field, actions);
  EditBox(ui, "field.phone", ui.T("report.who.phone"), report.phone, view, TextField::kPhone,
          ImVec2(margin + field.x + gap, fields_top), field, actions);
  if (report.for_resident) {
    EditBox(ui, "field.helper", ui.T("report.who.helper"), report.helper, view, TextField::kHelper,
            ImVec2(margin + 2 * (field.x + gap), fields_top), field, actions);
  }
  Keyboard(ui, view, fields_top + field.y + ui.px(12), actions);
}

// One row of the summary: a picture, what was given, and "change".
void SummaryRow(Ui& ui, const char* id, Icon icon, std::string_view text, Screen step, ImVec2 pos, ImVec2 size,
                std::vector<Action>& actions) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  draw->AddRectFilled(pos, ImVec2(pos.x + size.x, pos.y + size.y), colors::kSurface, ui.px(14));
  const float h = size.y;
  DrawIcon(draw, icon, ImVec2(pos.x + h / 2, pos.y + h / 2), h * 0.6f, colors::kText, colors::kSurface);
  const float text_w = size.x - h - ui.px(220);
  ImGui::PushClipRect(ImVec2(pos.x + h, pos.y), ImVec2(pos.x + h + text_w, pos.y + h), true);
  const ImVec2 text_size = ui.fonts.body->CalcTextSizeA(ui.fonts.body->FontSize, FLT_MAX, text_w, text.data(), text.data() + text.size());
  draw->AddText(ui.fonts.body, ui.fonts.body->FontSize, ImVec2(pos.x + h, pos.y + std::max(ui.px(8), (h - text_size.y) / 2)),
                colors::kText, text.data(), text.data() + text.size(), text_w);
  ImGui::PopClipRect();
  ImGui::SetCursorPos(ImVec2(pos.x + size.x - ui.px(200), pos.y + (h - ui.px(90)) / 2));
  if (BigButton(ui, id, ui.T("report.check.edit"), ImVec2(ui.px(180), ui.px(90)), colors::kKey)) {
    actions.push_back(ReportEditStep{step});
  }
}

void DrawCheckStep(Ui& ui, const ReportView& view, std::vector<Action>& actions) {
  const ReportFlow& report = *view.report;
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float margin = ui.px(kMargin), top = ContentTop(ui) + ui.px(4), gap = ui.px(12);
  const float send_w = ui.px(460);
  const ImVec2 row(display.x - 3 * margin - send_w, (display.y - top - ui.px(40) - 5 * gap) / 6);
  float y = top;
  auto next_row = [&] { const ImVec2 pos(margin, y); y += row.y + gap; return pos; };
  const int category = CategoryIndex(report.category);
  SummaryRow(ui, "check.edit.what", CategoryIcon(report.category), ui.T(kReportCategories[category].label_key),
             Screen::kReportWhat, next_row(), row, actions);
  const std::string voice = report.voice ? Format(ui.T("report.say.recorded"), {{"time", DurationText(report.voice->duration_ms)}})
                                         : ui.T("report.check.no_voice");
  const ImVec2 voice_pos = next_row();
  SummaryRow(ui, "check.edit.say", Icon::kMicrophone, voice, Screen::kReportSay, voice_pos, row, actions);
  if (report.voice) {
    ImGui::SetCursorPos(ImVec2(voice_pos.x + row.x - ui.px(420), voice_pos.y + (row.y - ui.px(90)) / 2));
    const Icon play = report.playing_voice ? Icon::kStop : Icon::kPlay;
    if (BigButton(ui, "check.play", ui.T(report.playing_voice ? "report.say.stop_play" : "report.say.play"),
                  ImVec2(ui.px(200), ui.px(90)), colors::kCheck, &play)) {
      actions.push_back(PlayVoice{!report.playing_voice});
    }
  }
  SummaryRow(ui, "check.edit.write", Icon::kKeyboard, report.text.length() ? report.text.text() : ui.T("report.check.no_text"),
             Screen::kReportWrite, next_row(), row, actions);
  const ImVec2 photos_pos = next_row();
  SummaryRow(ui, "check.edit.photos", Icon::kCamera,
             report.photos.empty() ? ui.T("report.check.no_photos") : "", Screen::kReportPhotos, photos_pos, row, actions);
  float px = photos_pos.x + row.y;
  for (const ReportPhoto& photo : report.photos) {
    ImVec2 size;
    const ImVec2 tmin(px, photos_pos.y + ui.px(8)), tmax(px + (row.y - ui.px(16)) * 4 / 3, photos_pos.y + row.y - ui.px(8));
    if (ImTextureID texture = view.photos ? view.photos->Texture(photo, &size) : 0) {
      DrawPictureFit(ImGui::GetWindowDrawList(), texture, size, tmin, tmax);
    }
    px = tmax.x + ui.px(10);
  }
  std::string where = view.village;
  if (report.place_detail.length()) where += " · " + report.place_detail.text();
  SummaryRow(ui, "check.edit.where", Icon::kPlace, where, Screen::kReportWhere, next_row(), row, actions);
  std::string who = ui.T(report.named ? "report.who.named" : "report.who.anonymous");
  if (report.named) who = report.name.text() + "  " + report.phone.text();
  if (report.for_resident) who += "  (" + ui.T("report.who.for_resident") + ": " + report.helper.text() + ")";
  SummaryRow(ui, "check.edit.who", report.named ? Icon::kPerson : Icon::kAnonymous, who, Screen::kReportWho, next_row(), row,
             actions);

  // Send: big, green, alone on the right.
  const ImVec2 send_pos(display.x - margin - send_w, top);
  const ImVec2 send_size(send_w, row.y * 4 + gap * 3);
  ImGui::SetCursorPos(send_pos);
  if (report.saving) {
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddRectFilled(send_pos, ImVec2(send_pos.x + send_size.x, send_pos.y + send_size.y), colors::kKey, ui.px(28));
    DrawCenteredText(draw, ui.fonts.display, ImVec2(send_pos.x + send_w / 2, send_pos.y + send_size.y / 2), colors::kText,
                     ui.T("report.check.saving"));
  } else if (Tile(ui, "report.send", ui.T("report.check.send"), Icon::kOk, colors::kLessons, send_size)) {
    actions.push_back(SendReport{});
  }
  if (!report.saving) {
    MessageLine(ui, report.message, ImVec2(send_pos.x + send_w / 2, send_pos.y + send_size.y + ui.px(120)), send_w);
  }
}

void DrawDone(Ui& ui, const ReportView& view, std::vector<Action>& actions) {
  const station_sync::SubmittedReport& submitted = *view.report->submitted;
  BeginScreen("report-done");
  TopBar(ui, ui.T("report.done.title"), actions);
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float mid = display.x / 2, top = ui.px(kTopBarHeight);
  draw->AddCircleFilled(ImVec2(mid, top + ui.px(120)), ui.px(80), colors::kLessons, 48);
  DrawIcon(draw, Icon::kOk, ImVec2(mid, top + ui.px(120)), ui.px(110), colors::kText, colors::kLessons);
  DrawCenteredText(draw, ui.fonts.title, ImVec2(mid, top + ui.px(250)), colors::kTextDim, ui.T("report.done.code"));
  // The code, as large as the screen allows: it is the villager's only key.
  const std::string code = station_sync::FormatTicketCode(submitted.ticket_code);
  ImFont* font = ui.fonts.display;
  const float size = font->FontSize * 2.2f;
  const ImVec2 code_size = font->CalcTextSizeA(size, FLT_MAX, 0, code.c_str());
  const ImVec2 box_min(mid - code_size.x / 2 - ui.px(50), top + ui.px(300));
  const ImVec2 box_max(mid + code_size.x / 2 + ui.px(50), box_min.y + code_size.y + ui.px(40));
  draw->AddRectFilled(box_min, box_max, IM_COL32(0xFF, 0xF8, 0xE1, 0xFF), ui.px(16));
  draw->AddText(font, size, ImVec2(mid - code_size.x / 2, box_min.y + ui.px(20)), IM_COL32(0x10, 0x10, 0x10, 0xFF), code.c_str());
  if (ui.registry) ui.registry->Add("ticket.code", code, box_min, box_max);
  const std::string promise = Format(ui.T("report.done.promise"),
                                     {{"hours", std::to_string(submitted.promise.reply_within_hours)},
                                      {"days", std::to_string(submitted.promise.resolve_within_working_days)}});
  DrawCenteredText(draw, ui.fonts.title, ImVec2(mid, box_max.y + ui.px(60)), colors::kGood, promise);
  DrawCenteredText(draw, ui.fonts.body, ImVec2(mid, box_max.y + ui.px(130)), colors::kTextDim, ui.T("report.done.keep"));
  const ImVec2 button(ui.px(420), ui.px(130));
  const float y = display.y - button.y - ui.px(50);
  const Icon listen = Icon::kListen, check = Icon::kCheck, home = Icon::kHome;
  ImGui::SetCursorPos(ImVec2(mid - button.x * 1.5f - ui.px(40), y));
  if (BigButton(ui, "done.listen", ui.T("nav.listen"), button, colors::kKey, &listen, ui.fonts.title)) {
    actions.emplace_back(std::in_place_type<SpeakAgain>);
  }
  ImGui::SetCursorPos(ImVec2(mid - button.x / 2, y));
  if (BigButton(ui, "done.check", ui.T("report.done.check"), button, colors::kCheck, &check, ui.fonts.title)) {
    actions.push_back(OpenSubmittedReport{});
  }
  ImGui::SetCursorPos(ImVec2(mid + button.x / 2 + ui.px(40), y));
  if (BigButton(ui, "done.finish", ui.T("report.done.finish"), button, colors::kLessons, &home, ui.fonts.title)) {
    actions.push_back(GoHome{});
  }
  EndScreen();
}

void DrawUnavailable(Ui& ui, std::vector<Action>& actions) {
  BeginScreen("report-unavailable");
  TopBar(ui, ui.T("report.title"), actions);
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float mid = display.x / 2, top = ui.px(kTopBarHeight);
  draw->AddCircleFilled(ImVec2(mid, top + ui.px(250)), ui.px(190), colors::kReport, 48);
  DrawIcon(draw, Icon::kReport, ImVec2(mid, top + ui.px(250)), ui.px(260), colors::kText, colors::kReport);
  DrawCenteredText(draw, ui.fonts.display, ImVec2(mid, top + ui.px(520)), colors::kText, ui.T("report.unavailable.title"));
  DrawCenteredText(draw, ui.fonts.body, ImVec2(mid, top + ui.px(610)), colors::kTextDim, ui.T("report.unavailable.body"),
                   display.x - ui.px(2 * kMargin));
  const ImVec2 button(ui.px(520), ui.px(140));
  ImGui::SetCursorPos(ImVec2(mid - button.x / 2, display.y - button.y - ui.px(80)));
  const Icon home = Icon::kHome;
  if (BigButton(ui, "unavailable.home", ui.T("nav.home"), button, colors::kLessons, &home, ui.fonts.title)) {
    actions.push_back(GoHome{});
  }
  EndScreen();
}

// Over a step: Home was tapped with a report under way.
void ConfirmLeave(Ui& ui, std::vector<Action>& actions) {
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(display);
  ImGui::SetNextWindowFocus();
  ImGui::Begin("confirm-leave", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBackground);
  ImDrawList* draw = ImGui::GetWindowDrawList();
  draw->AddRectFilled(ImVec2(0, 0), display, IM_COL32(0, 0, 0, 0xC0));
  const ImVec2 box(ui.px(1200), ui.px(520));
  const ImVec2 min((display.x - box.x) / 2, (display.y - box.y) / 2);
  draw->AddRectFilled(min, ImVec2(min.x + box.x, min.y + box.y), colors::kSurface, ui.px(28));
  DrawCenteredText(draw, ui.fonts.display, ImVec2(display.x / 2, min.y + ui.px(130)), colors::kText,
                   ui.T("report.leave.title"), box.x - ui.px(80));
  const ImVec2 button(ui.px(480), ui.px(150));
  const float y = min.y + box.y - button.y - ui.px(60);
  const Icon back = Icon::kBack, trash = Icon::kTrash;
  ImGui::SetCursorPos(ImVec2(min.x + ui.px(60), y));
  if (BigButton(ui, "leave.stay", ui.T("report.leave.stay"), button, colors::kLessons, &back, ui.fonts.title)) {
    actions.emplace_back(std::in_place_type<StayInReport>);
  }
  ImGui::SetCursorPos(ImVec2(min.x + box.x - ui.px(60) - button.x, y));
  if (BigButton(ui, "leave.discard", ui.T("report.leave.discard"), button, colors::kReport, &trash, ui.fonts.title)) {
    actions.emplace_back(std::in_place_type<LeaveReport>);
  }
  ImGui::End();
}

}  // namespace

void DrawReport(Ui& ui, const ReportView& view, std::vector<Action>& actions) {
  if (view.screen == Screen::kReportDone && view.report->submitted) return DrawDone(ui, view, actions);
  if (view.screen == Screen::kReportUnavailable) return DrawUnavailable(ui, actions);
  BeginScreen(ScreenName(view.screen).data());
  const bool confirming = view.report->confirm_leave;
  // Under the confirmation nothing may be tapped: the step draws into a
  // throwaway list of actions.
  std::vector<Action> ignored;
  std::vector<Action>& step_actions = confirming ? ignored : actions;
  const bool next = view.screen != Screen::kReportWhat && view.screen != Screen::kReportCheck &&
                    !view.report->recording && !view.report->saving;
  StepBar(ui, view, step_actions, next);
  switch (view.screen) {
    case Screen::kReportWhat: DrawWhat(ui, view, step_actions); break;
    case Screen::kReportSay: DrawSay(ui, view, step_actions); break;
    case Screen::kReportWrite: DrawWrite(ui, view, step_actions); break;
    case Screen::kReportPhotos: DrawPhotos(ui, view, step_actions); break;
    case Screen::kReportWhere: DrawWhere(ui, view, step_actions); break;
    case Screen::kReportWho: DrawWho(ui, view, step_actions); break;
    case Screen::kReportCheck: DrawCheckStep(ui, view, step_actions); break;
    default: break;
  }
  EndScreen();
  if (confirming) ConfirmLeave(ui, actions);
}

}  // namespace kiosk
