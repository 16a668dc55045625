// Test helpers: clips generated with the ffmpeg CLI, and a fast-forward
// playback loop on the null audio sink.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "player/audio_sink.h"
#include "player/player.h"

namespace player_test {

// A fresh folder under $STATION_TEST_TMP for this test process.
const std::string& ClipDir();

// Runs `ffmpeg -y -v error <args> <dir>/<name>` once per process; returns the path.
// Fails the test if ffmpeg fails.
std::string MakeClip(const std::string& name, const std::string& args);

// Inputs: 320x240 test pattern at 25 fps and a 48 kHz sine, `seconds` long.
std::string VideoInput(double seconds);
std::string AudioInput(double seconds);

bool HasEncoder(const std::string& name);

struct PlayRun {
  player::MediaInfo info;
  player::PlayerStatus status;      // at the end of the run
  std::vector<std::int64_t> pts_ms; // of every frame shown
  std::vector<player::VideoFrame> first_frames;  // metadata of the first few (planes not valid)
  std::int64_t playing_ms = 0;      // sink-clock time from playback start to end
  bool open_ok = false;
  bool timed_out = false;
};

struct PlayParams {
  double time_scale = 4.0;  // null sink runs this many times faster than real time
  int sink_latency_ms = 0;
  bool sink_fails = false;
  double speed = 1.0;
  double volume = 1.0;
  std::shared_ptr<player::CapturedAudio> capture;
  std::chrono::milliseconds limit{20000};  // real time
  bool hw_decode = true;    // OpenOptions::hw_decode
  std::string hw_device;    // OpenOptions::hw_device
  // Called on every tick with the player; return false to stop early.
  std::function<bool(player::Player&, const std::optional<player::VideoFrame>&)> on_tick;
};

PlayRun PlayToEnd(const std::string& path, const PlayParams& params = {});

}  // namespace player_test
