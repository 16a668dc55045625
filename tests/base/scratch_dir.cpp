#include "tests/base/scratch_dir.h"

#include <stdlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "base/files.h"

namespace test {

ScratchDir::ScratchDir() {
  const char* root = std::getenv("STATION_TEST_TMP");
  std::string base = root != nullptr && root[0] != '\0'
                         ? std::string(root)
                         : std::filesystem::temp_directory_path().string();
  std::string pattern = base + "/case-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot create a scratch directory under " + base);
  }
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::vector<std::string> ListDirectory(const std::string& path) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(path)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string FileBytes(const std::string& path) {
  base::Result<std::string> bytes = base::ReadFile(path);
  if (!bytes.ok()) throw std::runtime_error(bytes.error().message);
  return std::move(bytes).value();
}

}  // namespace test
