// ScratchDir: a fresh directory for one test case, under $STATION_TEST_TMP
// (or the system temporary directory), removed with its contents at the end.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace test {

// Entry names in a directory, sorted.
std::vector<std::string> ListDirectory(const std::string& path);

// The whole content of a file; fails the test if it cannot be read.
std::string FileBytes(const std::string& path);

class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(std::string_view name) const { return path_ + "/" + std::string(name); }
  std::vector<std::string> List() const { return ListDirectory(path_); }

 private:
  std::string path_;
};

}  // namespace test
