#include "kiosk/options.h"

#include <cstdio>
#include <cstdlib>

#include "base/files.h"
#include "base/numbers.h"

#ifndef STATION_ASSETS_DIR
#define STATION_ASSETS_DIR "assets"
#endif

namespace kiosk {
namespace {

base::Error Bad(const std::string& why) { return base::MakeError(base::ErrorCode::kInvalidInput, why); }

bool ParseSize(const std::string& text, int& width, int& height) {
  return std::sscanf(text.c_str(), "%dx%d", &width, &height) == 2 && width >= 320 && height >= 240 &&
         width <= 16384 && height <= 16384;
}

}  // namespace

const char* Usage() {
  return "usage: kiosk [--data-dir DIR] [--windowed [WxH]] [--script FILE] [--screenshot-dir DIR]\n"
         "             [--assets-dir DIR] [--idle-timeout SECONDS] [--log-level debug|info|warn|error]\n"
         "             [--audio default|null] [--camera-source FILE] [--mic-source FILE] [--camera-device DEV]\n"
         "             [--set KEY=VALUE]... [--enrol CODE] [--no-sync] [--clock-shift SECONDS]\n"
         "Runs the village station full screen. --script runs a scripted tour (docs/SCRIPTING.md)\n"
         "and exits non-zero if a step fails.\n";
}

base::Result<Options> ParseOptions(const std::vector<std::string>& args) {
  Options options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](std::string& out) -> bool {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    std::string text;
    if (arg == "--help" || arg == "-h") {
      options.help = true;
    } else if (arg == "--data-dir") {
      if (!value(options.data_dir)) return Bad("--data-dir needs a directory");
    } else if (arg == "--assets-dir") {
      if (!value(options.assets_dir)) return Bad("--assets-dir needs a directory");
    } else if (arg == "--script") {
      if (!value(options.script_path)) return Bad("--script needs a file");
    } else if (arg == "--screenshot-dir") {
      if (!value(options.screenshot_dir)) return Bad("--screenshot-dir needs a directory");
    } else if (arg == "--log-level") {
      if (!value(options.log_level)) return Bad("--log-level needs a level");
    } else if (arg == "--idle-timeout") {
      if (!value(text) || std::atoi(text.c_str()) <= 0) return Bad("--idle-timeout needs seconds > 0");
      options.idle_timeout_s = std::atoi(text.c_str());
    } else if (arg == "--audio") {
      if (!value(text) || (text != "default" && text != "null")) return Bad("--audio takes default or null");
      options.null_audio = text == "null";
    } else if (arg == "--camera-source") {
      if (!value(options.camera_source)) return Bad("--camera-source needs an image or video file");
    } else if (arg == "--mic-source") {
      if (!value(options.mic_source)) return Bad("--mic-source needs an audio file");
    } else if (arg == "--set") {
      const std::size_t equals = value(text) ? text.find('=') : std::string::npos;
      if (equals == std::string::npos || equals == 0) return Bad("--set takes KEY=VALUE");
      options.settings.emplace_back(text.substr(0, equals), text.substr(equals + 1));
    } else if (arg == "--enrol") {
      if (!value(options.enrolment_code)) return Bad("--enrol needs the code from county IT");
    } else if (arg == "--no-sync") {
      options.sync = false;
    } else if (arg == "--clock-shift") {
      const std::optional<std::int64_t> shift = value(text) ? base::ParseInt64(text) : std::nullopt;
      if (!shift) return Bad("--clock-shift needs seconds, e.g. -1700000000");
      options.clock_shift_s = *shift;
    } else if (arg == "--camera-device") {
      if (!value(options.camera_device)) return Bad("--camera-device needs a device path");
    } else if (arg == "--frame-stats") {
      options.frame_stats = true;
    } else if (arg == "--continuous-redraw") {
      options.continuous_redraw = true;
    } else if (arg == "--windowed") {
      options.windowed = true;
      if (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) {
        if (!ParseSize(args[++i], options.width, options.height)) return Bad("--windowed takes WxH, e.g. 1280x720");
      }
    } else {
      return Bad("unknown option " + arg);
    }
  }
  if (options.data_dir.empty()) options.data_dir = base::DefaultDataDir();
  if (options.assets_dir.empty()) options.assets_dir = STATION_ASSETS_DIR;
  if (options.screenshot_dir.empty()) options.screenshot_dir = options.data_dir + "/screenshots";
  return options;
}

}  // namespace kiosk
