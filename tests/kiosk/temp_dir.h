// A fresh directory under $STATION_TEST_TMP for one test, removed afterwards.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

class TempDir {
 public:
  TempDir() {
    const char* root = std::getenv("STATION_TEST_TMP");
    std::filesystem::path base = root ? root : std::filesystem::temp_directory_path();
    path_ = base / ("kiosk-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};
