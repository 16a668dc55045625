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
  return nullptr;
}

}  // namespace kiosk
