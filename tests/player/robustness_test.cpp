// Broken inputs and misbehaving devices: the player must end in kError (with
// a code and message) or end gracefully, never crash and never hang. Every
// run is bounded by PlayParams::limit.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>
#include <vector>

#include "clips.h"

using namespace player_test;
using player::State;

namespace {

std::string CopyTruncated(const std::string& from, const std::string& name, double fraction) {
  std::string to = ClipDir() + "/" + name;
  auto size = std::filesystem::file_size(from);
  std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::resize_file(to, static_cast<std::uintmax_t>(size * fraction));
  return to;
}

bool EndedOrFailedCleanly(const PlayRun& run) {
  if (run.status.state == State::kEnded) return true;
  return run.status.state == State::kError && run.status.error.has_value() &&
         !run.status.error->message.empty();
}

}  // namespace

TEST_CASE("A missing file fails to open with kNotFound", "[player]") {
  player::Player p;
  auto info = p.Open(ClipDir() + "/does-not-exist.mp4", {});
  REQUIRE_FALSE(info.ok());
  CHECK(info.error().code == base::ErrorCode::kNotFound);
  auto status = p.Status();
  CHECK(status.state == State::kError);
  REQUIRE(status.error.has_value());
  CHECK(status.error->code == base::ErrorCode::kNotFound);
  CHECK_FALSE(p.Tick(p.Now()).has_value());
}

TEST_CASE("Garbage bytes named .mp4 end in an error state", "[player]") {
  std::string path = ClipDir() + "/garbage.mp4";
  {
    std::ofstream out(path, std::ios::binary);
    std::mt19937 random(42);
    for (int i = 0; i < 200000; ++i) out.put(static_cast<char>(random()));
  }
  PlayRun run = PlayToEnd(path);
  CHECK_FALSE(run.open_ok);
  CHECK(run.status.state == State::kError);
  REQUIRE(run.status.error.has_value());
  CHECK(run.status.error->code == base::ErrorCode::kInvalidInput);
}

TEST_CASE("An empty file ends in an error state", "[player]") {
  std::string path = ClipDir() + "/empty.mp4";
  std::ofstream(path).close();
  PlayRun run = PlayToEnd(path);
  CHECK_FALSE(run.open_ok);
  CHECK(run.status.state == State::kError);
}

TEST_CASE("A truncated file ends in an error or plays what is there", "[player][slow]") {
  struct Source {
    const char* name;
    const char* args;
  };
  auto source = GENERATE(values<Source>({
      {"whole.mp4", " -c:v libx264 -preset ultrafast -c:a aac"},  // moov at the end: unopenable
      {"whole_faststart.mp4", " -c:v libx264 -preset ultrafast -c:a aac -movflags +faststart"},
      {"whole.ts", " -c:v mpeg2video -c:a ac3"},
      {"whole.mkv", " -c:v libx264 -preset ultrafast -c:a libopus"},
      {"whole.webm", " -c:v libvpx -deadline realtime -cpu-used 8 -c:a libvorbis"},
  }));
  auto fraction = GENERATE(0.5, 0.1);
  INFO(source.name << " cut to " << fraction);
  std::string whole = MakeClip(source.name, VideoInput(2) + " " + AudioInput(2) + source.args);
  std::string cut = CopyTruncated(whole, std::string("cut_") + source.name, fraction);
  PlayParams params;
  params.limit = std::chrono::seconds(15);
  PlayRun run = PlayToEnd(cut, params);
  CHECK_FALSE(run.timed_out);
  CHECK(EndedOrFailedCleanly(run));
}

TEST_CASE("Broken packets in the middle are counted and playback continues", "[player]") {
  std::string whole = MakeClip("damaged_source.ts", VideoInput(2) + " " + AudioInput(2) +
                                                        " -c:v libx264 -preset ultrafast -c:a aac");
  std::string damaged = ClipDir() + "/damaged.ts";
  std::filesystem::copy_file(whole, damaged, std::filesystem::copy_options::overwrite_existing);
  {
    std::fstream f(damaged, std::ios::in | std::ios::out | std::ios::binary);
    auto size = std::filesystem::file_size(damaged);
    std::mt19937 random(7);
    // Scribble over a few stretches, keeping the TS sync bytes' rhythm broken.
    for (double at : {0.3, 0.5, 0.7}) {
      f.seekp(static_cast<std::streamoff>(size * at));
      for (int i = 0; i < 4000; ++i) f.put(static_cast<char>(random()));
    }
  }
  PlayParams params;
  params.limit = std::chrono::seconds(15);
  PlayRun run = PlayToEnd(damaged, params);
  CHECK_FALSE(run.timed_out);
  CHECK(EndedOrFailedCleanly(run));
  CHECK(run.status.counters.frames_shown > 10);
  CHECK(run.status.counters.decode_errors > 0);
}

TEST_CASE("A file deleted while playing ends gracefully or in an error", "[player]") {
  std::string source = MakeClip("to_delete_source.mp4", VideoInput(3) + " " + AudioInput(3) +
                                                             " -c:v libx264 -preset ultrafast -c:a aac");
  std::string path = ClipDir() + "/to_delete.mp4";
  std::filesystem::copy_file(source, path, std::filesystem::copy_options::overwrite_existing);
  bool deleted = false;
  PlayParams params;
  params.limit = std::chrono::seconds(15);
  params.on_tick = [&](player::Player& p, const std::optional<player::VideoFrame>&) {
    if (!deleted && p.Status().position_ms > 300) {
      std::filesystem::remove(path);
      deleted = true;
    }
    return true;
  };
  PlayRun run = PlayToEnd(path, params);
  CHECK(deleted);
  CHECK_FALSE(run.timed_out);
  CHECK(EndedOrFailedCleanly(run));
}

TEST_CASE("Without an audio device the video still plays on the monotonic clock", "[player]") {
  std::string path = MakeClip("no_device.mp4", VideoInput(2) + " " + AudioInput(2) +
                                                   " -c:v libx264 -preset ultrafast -c:a aac");
  PlayParams params;
  params.sink_fails = true;
  PlayRun run = PlayToEnd(path, params);
  REQUIRE(run.open_ok);
  CHECK(run.status.state == State::kEnded);
  CHECK(run.status.counters.frames_shown + run.status.counters.frames_dropped == 50);
  CHECK(run.playing_ms == Approx(2000).epsilon(0.1));
}

TEST_CASE("Without a VAAPI device the video is decoded in software and reported so", "[player]") {
  // This box may or may not have a GPU: a device path that cannot exist
  // forces the fallback, and hw_decode=false must never touch a device.
  std::string path = MakeClip("hw_fallback.mp4", VideoInput(2) + " " + AudioInput(2) +
                                                     " -c:v libx264 -preset ultrafast -c:a aac");
  PlayParams params;
  SECTION("the device does not open") { params.hw_device = "/nonexistent/renderD128"; }
  SECTION("hardware decoding is off") { params.hw_decode = false; }
  PlayRun run = PlayToEnd(path, params);
  REQUIRE(run.open_ok);
  CHECK(run.info.hw_decoder.empty());
  CHECK(run.status.hw_decoder.empty());
  CHECK(run.status.state == State::kEnded);
  CHECK(run.status.counters.frames_decoded == 50);
  CHECK(run.status.counters.decode_errors == 0);
}

TEST_CASE("Whatever decoder Open chose, the frames reach the renderer as yuv420p or nv12", "[player]") {
  // With a VAAPI device (not on the build box) frames are copied back as
  // nv12 and Status reports "vaapi"; without one, software yuv420p.
  std::string path = MakeClip("hw_default.mp4", VideoInput(1) + " -c:v libx264 -preset ultrafast");
  std::vector<player::PixelFormat> formats;
  PlayParams params;
  params.on_tick = [&](player::Player&, const std::optional<player::VideoFrame>& frame) {
    if (frame) formats.push_back(frame->format);
    return true;
  };
  PlayRun run = PlayToEnd(path, params);
  REQUIRE(run.status.state == State::kEnded);
  REQUIRE_FALSE(formats.empty());
  if (run.info.hw_decoder.empty()) {
    CHECK(run.status.hw_decoder.empty());
    CHECK(formats.front() == player::PixelFormat::kYuv420p);
  } else {
    CHECK(run.info.hw_decoder == "vaapi");
  }
  CHECK(run.status.counters.frames_shown + run.status.counters.frames_dropped == 25);
}

TEST_CASE("Closing a player mid-stream returns promptly", "[player]") {
  std::string path = MakeClip("close.mkv", VideoInput(3) + " " + AudioInput(3) +
                                               " -c:v libx264 -preset ultrafast -c:a aac");
  auto when = GENERATE(0, 5, 50);  // ticks before closing
  player::Player p;
  player::NullSinkOptions sink_options;
  player::OpenOptions options;
  options.audio_sink = player::MakeNullAudioSink(sink_options);
  REQUIRE(p.Open(path, options).ok());
  for (int i = 0; i < when; ++i) {
    p.Tick(p.Now());
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  auto start = std::chrono::steady_clock::now();
  p.Close();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
  CHECK_FALSE(p.Tick(p.Now()).has_value());
}

TEST_CASE("Reopening and seeking repeatedly does not hang", "[player]") {
  std::string path = MakeClip("churn.mp4", VideoInput(2) + " " + AudioInput(2) +
                                               " -c:v libx264 -preset ultrafast -g 25 -c:a aac");
  player::Player p;
  player::NullSinkOptions sink_options;
  sink_options.time_scale = 4;
  player::OpenOptions options;
  options.audio_sink = player::MakeNullAudioSink(sink_options);
  for (int round = 0; round < 3; ++round) {
    REQUIRE(p.Open(path, options).ok());
    for (int i = 0; i < 60; ++i) {
      p.Tick(p.Now());
      if (i % 7 == 3) p.Seek((i * 137) % 2000, i % 2 == 0);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (p.Status().state != State::kEnded && std::chrono::steady_clock::now() < deadline) {
    p.Tick(p.Now());
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(p.Status().state == State::kEnded);
}

namespace {

// A TCP server on 127.0.0.1 that sends the first `bytes` of a file and then
// goes silent with the connection open: a stalled network share or camera.
class StallingServer {
 public:
  StallingServer(const std::string& file, std::size_t bytes) {
    std::ifstream in(file, std::ios::binary);
    data_.assign(std::istreambuf_iterator<char>(in), {});
    data_.resize(std::min(bytes, data_.size()));
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(listen_fd_, 1);
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~StallingServer() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }
  std::string url() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

 private:
  void Serve() {
    pollfd p{listen_fd_, POLLIN, 0};
    while (!stop_ && ::poll(&p, 1, 20) == 0) {
    }
    if (stop_) return;
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    std::size_t sent = 0;
    while (sent < data_.size()) {
      ssize_t n = ::send(fd, data_.data() + sent, data_.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    while (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ::close(fd);
  }

  std::vector<char> data_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

TEST_CASE("A source that stops sending times out into an error instead of hanging", "[player]") {
  std::string ts = MakeClip("stall_source.ts", VideoInput(3) + " " + AudioInput(3) +
                                                   " -c:v libx264 -preset ultrafast -c:a aac");
  auto sent_fraction = GENERATE(0.0, 0.5);
  INFO("server sends " << sent_fraction << " of the file, then stalls");
  StallingServer server(ts, static_cast<std::size_t>(std::filesystem::file_size(ts) * sent_fraction));

  player::NullSinkOptions sink_options;
  sink_options.time_scale = 4;
  player::OpenOptions options;
  options.audio_sink = player::MakeNullAudioSink(sink_options);
  options.stall_timeout_ms = 500;
  player::Player p;
  auto start = std::chrono::steady_clock::now();
  auto info = p.Open(server.url(), options);
  if (info) {
    while (p.Status().state != State::kError && p.Status().state != State::kEnded &&
           std::chrono::steady_clock::now() - start < std::chrono::seconds(10)) {
      p.Tick(p.Now());
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  auto status = p.Status();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  REQUIRE(status.state == State::kError);
  REQUIRE(status.error.has_value());
  CHECK(status.error->code == base::ErrorCode::kUnavailable);
  if (sent_fraction > 0) CHECK(status.counters.frames_shown > 0);
}
