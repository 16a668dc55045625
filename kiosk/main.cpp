// kiosk: the village station's full-screen touch program.
#include <cstdio>
#include <string>
#include <vector>

#include "base/files.h"
#include "base/log.h"
#include "kiosk/options.h"
#include "kiosk/station.h"

int main(int argc, char** argv) {
  auto options = kiosk::ParseOptions(std::vector<std::string>(argv + 1, argv + argc));
  if (!options) {
    std::fprintf(stderr, "kiosk: %s\n%s", options.error().message.c_str(), kiosk::Usage());
    return 2;
  }
  if (options->help) {
    std::fputs(kiosk::Usage(), stdout);
    return 0;
  }
  base::LogConfig log;
  log.stderr_level = base::ParseLogLevel(options->log_level, base::LogLevel::kInfo);
  log.file_level = log.stderr_level;
  if (base::MakeDirectories(options->data_dir + "/logs")) log.file_path = options->data_dir + "/logs/station.log";
  base::ConfigureLog(log);
  return kiosk::RunStation(*options);
}
