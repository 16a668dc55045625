#include "kiosk/ui.h"

namespace kiosk {

void WidgetRegistry::Add(std::string id, std::string label, ImVec2 min, ImVec2 max) {
  building_.push_back({std::move(id), std::move(label), min, max});
}

const WidgetInfo* WidgetRegistry::Find(std::string_view name) const {
  for (const WidgetInfo& w : shown_) {
    if (w.id == name) return &w;
  }
  for (const WidgetInfo& w : shown_) {
    if (w.label == name) return &w;
  }
  // "lesson.*": the first widget on screen whose id starts with "lesson.".
  if (!name.empty() && name.back() == '*') {
    const std::string_view prefix = name.substr(0, name.size() - 1);
    for (const WidgetInfo& w : shown_) {
      if (w.id.compare(0, prefix.size(), prefix) == 0) return &w;
    }
  }
  return nullptr;
}

}  // namespace kiosk
