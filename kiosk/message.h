#pragma once

#include <string>
#include <utility>
#include <vector>

namespace kiosk {

// A message to show: a catalog key and its placeholder values.
struct Message {
  std::string key;  // empty: nothing to show
  std::vector<std::pair<std::string, std::string>> values;
  bool is_error = false;
};

}  // namespace kiosk
