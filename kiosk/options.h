// Command-line options of the `kiosk` binary.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"

namespace kiosk {

struct Options {
  std::string data_dir;        // --data-dir; default: base::DefaultDataDir()
  std::string assets_dir;      // --assets-dir; default: compiled-in source assets
  bool windowed = false;       // --windowed [WxH]; default full screen
  int width = 1280, height = 720;
  std::string script_path;     // --script FILE
  std::string screenshot_dir;  // --screenshot-dir; default <data-dir>/screenshots
  int idle_timeout_s = 120;    // --idle-timeout SECONDS: back home after no input
  std::string log_level = "info";
  bool null_audio = false;     // --audio null: no sound device, real-time pace
  bool continuous_redraw = false;  // --continuous-redraw: a busy loop, for benchmarks only
  bool frame_stats = false;    // --frame-stats: log frame draw times at exit (benchmarks)
  // --camera-source FILE / --mic-source FILE: an image or video file stands in
  // for the camera, an audio file for the microphone (headless runs, tests).
  std::string camera_source;
  std::string mic_source;
  std::string camera_device = "/dev/video0";  // --camera-device
  // --set KEY=VALUE (repeatable): station settings written at start-up, e.g.
  // station.village, report.county_key_file (for set-up scripts and tests).
  std::vector<std::pair<std::string, std::string>> settings;
  // The sync with the county runs in a thread of the kiosk unless --no-sync
  // (kiosk-sync does it instead). --enrol CODE enrols at start-up with the
  // code from county IT (the server: --set sync.county_server=URL).
  bool sync = true;
  std::string enrolment_code;
  // --clock-shift SECONDS: the box's clock is this far off (tests and demos
  // of a box without a clock battery; the station follows the county's).
  std::int64_t clock_shift_s = 0;
  bool help = false;
};

base::Result<Options> ParseOptions(const std::vector<std::string>& args);
const char* Usage();

}  // namespace kiosk
