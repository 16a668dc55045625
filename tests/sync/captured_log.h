// CapturedLog: the log, written to a file for one test case, so that a test
// can check what the administrator and county IT would read there.
#pragma once

#include <string>

#include "base/files.h"
#include "base/log.h"
#include "tests/base/scratch_dir.h"

namespace test {

class CapturedLog {
 public:
  explicit CapturedLog(const ScratchDir& dir) : path_(dir.File("test.log")) {
    base::ConfigureLog({base::LogLevel::kInfo, base::LogLevel::kInfo, path_});
  }
  ~CapturedLog() { base::ConfigureLog({}); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;

  std::string Text() const {
    auto text = base::ReadFile(path_);
    return text.ok() ? *text : "";
  }

 private:
  std::string path_;
};

}  // namespace test
