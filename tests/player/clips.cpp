#include "clips.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>

namespace player_test {

namespace {

// Removes this process's clip folder at exit unless STATION_KEEP_CLIPS is set
// (handy when a test fails and the clip is needed to reproduce it).
struct ClipDirCleanup {
  std::string dir;
  ~ClipDirCleanup() {
    const char* keep = std::getenv("STATION_KEEP_CLIPS");
    if (dir.empty() || (keep && *keep)) return;
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};
ClipDirCleanup cleanup;

}  // namespace

const std::string& ClipDir() {
  static const std::string dir = [] {
    const char* root = std::getenv("STATION_TEST_TMP");
    std::filesystem::path base = root && *root ? root : std::filesystem::temp_directory_path();
    std::filesystem::path d = base / ("player-" + std::to_string(getpid()));
    std::filesystem::remove_all(d);
    std::filesystem::create_directories(d);
    cleanup.dir = d.string();
    return d.string();
  }();
  return dir;
}

std::string MakeClip(const std::string& name, const std::string& args) {
  static std::map<std::string, std::string> made;
  if (auto it = made.find(name); it != made.end()) return it->second;
  std::string path = ClipDir() + "/" + name;
  std::string command = "ffmpeg -nostdin -y -v error " + args + " '" + path + "' 2>'" + path + ".log'";
  int rc = std::system(command.c_str());
  INFO(command);
  REQUIRE(rc == 0);
  made[name] = path;
  return path;
}

std::string VideoInput(double seconds) {
  return "-f lavfi -i testsrc2=size=320x240:rate=25:duration=" + std::to_string(seconds);
}

std::string AudioInput(double seconds) {
  return "-f lavfi -i sine=frequency=440:sample_rate=48000:duration=" + std::to_string(seconds);
}

bool HasEncoder(const std::string& name) {
  static std::map<std::string, bool> cache;
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  std::string command = "ffmpeg -hide_banner -encoders 2>/dev/null | grep -qw " + name;
  bool found = std::system(command.c_str()) == 0;
  cache[name] = found;
  return found;
}

PlayRun PlayToEnd(const std::string& path, const PlayParams& params) {
  PlayRun run;
  player::NullSinkOptions sink_options;
  sink_options.time_scale = params.time_scale;
  sink_options.latency_ms = params.sink_latency_ms;
  sink_options.fail_open = params.sink_fails;
  sink_options.capture = params.capture;
  player::OpenOptions options;
  options.audio_sink = player::MakeNullAudioSink(sink_options);
  options.speed = params.speed;
  options.volume = params.volume;
  options.hw_decode = params.hw_decode;
  options.hw_device = params.hw_device;

  player::Player p;
  auto info = p.Open(path, options);
  run.open_ok = info.ok();
  if (!info) {
    run.status = p.Status();
    return run;
  }
  run.info = *info;
  const auto real_deadline = std::chrono::steady_clock::now() + params.limit;
  std::optional<player::TimePoint> started;
  for (;;) {
    player::TimePoint now = p.Now();
    std::optional<player::VideoFrame> frame = p.Tick(now);
    player::PlayerStatus status = p.Status();
    if (!started && status.state == player::State::kPlaying) started = now;
    if (frame) {
      run.pts_ms.push_back(frame->pts_ms);
      if (run.first_frames.size() < 5) run.first_frames.push_back(*frame);
    }
    if (params.on_tick && !params.on_tick(p, frame)) break;
    if (status.state == player::State::kEnded || status.state == player::State::kError) break;
    if (std::chrono::steady_clock::now() > real_deadline) {
      run.timed_out = true;
      break;
    }
    // Sleep until the next frame is due, in real time, but wake often.
    auto wait = p.NextWakeup() - p.Now();
    auto real_wait = std::chrono::duration_cast<std::chrono::microseconds>(wait / params.time_scale);
    std::this_thread::sleep_for(std::clamp(real_wait, std::chrono::microseconds(200),
                                           std::chrono::microseconds(2000)));
  }
  run.status = p.Status();
  if (started) {
    run.playing_ms = std::chrono::duration_cast<std::chrono::milliseconds>(p.Now() - *started).count();
  }
  return run;
}

}  // namespace player_test
