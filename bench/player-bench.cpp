// player-bench FILE [--seeks N] [options]: plays FILE through the kiosk's
// real frame path and prints one JSON object on stdout.
//
//   player::Player (demux, decode, A/V sync; audio to the null sink at
//   real-time pace) -> Tick() -> GlFrame::Upload -> glClear + GlFrame::Draw
//   into a 1920x1080 SDL window (OpenGL 3.3 core, swap interval 0) -> swap.
//
// Like the kiosk, it draws only when Tick() returns a new picture and
// otherwise sleeps until NextWakeup(). Measured: frames decoded, shown and
// dropped; time from Open() to the first picture swapped; CPU (getrusage,
// all threads) per media second; the wall time of each UI-thread step
// (upload, draw, swap); the latency of N random exact seeks (Seek() until
// the first picture at the target is swapped); peak RSS.
//
// Modes for taking the frame path apart (see docs/BENCHMARKS.md):
//   --no-gl         no window: Tick() only, pictures are not uploaded
//                   (the engine's own cost: demux, decode, audio, sync)
//   --frame-path    decode a few pictures, close the player, then upload/
//                   draw/swap them in a loop with glFinish after each step
//                   and report the CPU time of each step in isolation
//
// Everything else on the command line is a GlFrameOptions knob, so that
// each can be measured on its own.
#include <SDL.h>
#define GL_GLEXT_PROTOTYPES 1
#include <GL/gl.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "player/audio_sink.h"
#include "player/gl_frame.h"
#include "player/player.h"

namespace {

using SteadyClock = std::chrono::steady_clock;

struct Options {
  std::string path;
  int seeks = 0;
  std::vector<std::int64_t> seek_at_ms;  // explicit targets (--seek-at); else random
  double seconds = 0;  // 0: play the whole file
  int width = 1920, height = 1080;
  bool no_gl = false;
  bool frame_path = false;
  int frame_path_iterations = 200;
  unsigned seed = 1;
  bool hw_decode = true;
  player::GlFrameOptions gl;
};

void Usage() {
  std::fprintf(stderr,
               "usage: player-bench FILE [--seeks N | --seek-at MS,MS,...] [--seconds S] [--window WxH]\n"
               "                    [--seed N]\n"
               "                    [--no-gl | --frame-path [--iterations N]] [--no-hw]\n"
               "                    [--linear] [--pbo]\n");
}

std::optional<Options> ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "--seeks") {
      const char* v = next();
      if (!v) return std::nullopt;
      o.seeks = std::atoi(v);
    } else if (a == "--seek-at") {
      const char* v = next();
      if (!v) return std::nullopt;
      std::stringstream list(v);
      std::string item;
      while (std::getline(list, item, ',')) {
        if (!item.empty()) o.seek_at_ms.push_back(std::atoll(item.c_str()));
      }
      o.seeks = static_cast<int>(o.seek_at_ms.size());
    } else if (a == "--seconds") {
      const char* v = next();
      if (!v) return std::nullopt;
      o.seconds = std::atof(v);
    } else if (a == "--window") {
      const char* v = next();
      if (!v || std::sscanf(v, "%dx%d", &o.width, &o.height) != 2) return std::nullopt;
    } else if (a == "--seed") {
      const char* v = next();
      if (!v) return std::nullopt;
      o.seed = static_cast<unsigned>(std::atoi(v));
    } else if (a == "--iterations") {
      const char* v = next();
      if (!v) return std::nullopt;
      o.frame_path_iterations = std::max(1, std::atoi(v));
    } else if (a == "--no-gl") {
      o.no_gl = true;
    } else if (a == "--frame-path") {
      o.frame_path = true;
    } else if (a == "--no-hw") {
      o.hw_decode = false;
    } else if (a == "--linear") {
      o.gl.linear_filter = true;
    } else if (a == "--pbo") {
      o.gl.pixel_buffer = true;
    } else if (!a.empty() && a[0] != '-' && o.path.empty()) {
      o.path = a;
    } else {
      return std::nullopt;
    }
  }
  if (o.path.empty()) return std::nullopt;
  return o;
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double PeakRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

double MsSince(SteadyClock::time_point t) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - t).count();
}

// Median and 95th percentile of a sample (0 when empty).
struct Summary {
  double median = 0, p95 = 0, max = 0;
  std::size_t count = 0;
};
Summary Summarize(std::vector<double> v) {
  Summary s;
  s.count = v.size();
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  s.p95 = v[std::min(v.size() - 1, static_cast<std::size_t>(v.size() * 0.95))];
  s.max = v.back();
  return s;
}

// A small JSON writer: one object, keys in insertion order.
class Json {
 public:
  Json& Num(const std::string& key, double v, int decimals = 3) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
    return Raw(key, buf);
  }
  Json& Int(const std::string& key, long long v) { return Raw(key, std::to_string(v)); }
  Json& Bool(const std::string& key, bool v) { return Raw(key, v ? "true" : "false"); }
  Json& Str(const std::string& key, const std::string& v) {
    std::string quoted = "\"";
    for (char c : v) {
      if (c == '"' || c == '\\') quoted += '\\';
      if (static_cast<unsigned char>(c) < 0x20) continue;
      quoted += c;
    }
    return Raw(key, quoted + "\"");
  }
  Json& Obj(const std::string& key, const Json& o) { return Raw(key, o.str()); }
  Json& Stats(const std::string& key, const Summary& s) {
    Json o;
    o.Num("median", s.median).Num("p95", s.p95).Num("max", s.max).Int("count", static_cast<long long>(s.count));
    return Obj(key, o);
  }
  std::string str() const { return "{" + body_ + "}"; }

 private:
  Json& Raw(const std::string& key, const std::string& v) {
    if (!body_.empty()) body_ += ", ";
    body_ += "\"" + key + "\": " + v;
    return *this;
  }
  std::string body_;
};

// The window the kiosk draws into: 1920x1080, OpenGL 3.3 core, no vsync.
struct Window {
  SDL_Window* window = nullptr;
  SDL_GLContext context = nullptr;
  int width = 0, height = 0;

  bool Open(int w, int h) {
    if (SDL_Init(SDL_INIT_VIDEO) != 0) return false;
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_CORE);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 3);
    SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
    window = SDL_CreateWindow("player-bench", 0, 0, w, h, SDL_WINDOW_OPENGL | SDL_WINDOW_BORDERLESS);
    if (!window) return false;
    context = SDL_GL_CreateContext(window);
    if (!context) return false;
    SDL_GL_MakeCurrent(window, context);
    SDL_GL_SetSwapInterval(0);
    SDL_GL_GetDrawableSize(window, &width, &height);
    // The kiosk's window has shown its screens before a lesson plays.
    glClearColor(0, 0, 0, 1);
    glClear(GL_COLOR_BUFFER_BIT);
    SDL_GL_SwapWindow(window);
    return true;
  }
  ~Window() {
    if (context) SDL_GL_DeleteContext(context);
    if (window) SDL_DestroyWindow(window);
    SDL_Quit();
  }
};

// Per-frame wall times of the UI thread's steps.
struct StepTimes {
  std::vector<double> upload_ms, draw_ms, swap_ms, total_ms;
};

// Upload, clear + draw, swap: what the kiosk's player screen does per new picture.
void Present(const player::VideoFrame& frame, player::GlFrame& gl, Window& w, StepTimes* times) {
  auto t0 = SteadyClock::now();
  gl.Upload(frame);
  auto t1 = SteadyClock::now();
  glClearColor(0, 0, 0, 1);
  glClear(GL_COLOR_BUFFER_BIT);
  gl.Draw({0, 0, w.width, w.height});
  auto t2 = SteadyClock::now();
  SDL_GL_SwapWindow(w.window);
  auto t3 = SteadyClock::now();
  if (times) {
    using Ms = std::chrono::duration<double, std::milli>;
    times->upload_ms.push_back(Ms(t1 - t0).count());
    times->draw_ms.push_back(Ms(t2 - t1).count());
    times->swap_ms.push_back(Ms(t3 - t2).count());
    times->total_ms.push_back(Ms(t3 - t0).count());
  }
}

bool QuitRequested() {
  SDL_Event e;
  bool quit = false;
  while (SDL_PollEvent(&e)) quit |= e.type == SDL_QUIT;
  return quit;
}

// Sleeps until the player's next wake-up (at most 10 ms, so events are seen).
void WaitForWakeup(const player::Player& p) {
  auto wait = p.NextWakeup() - p.Now();
  wait = std::clamp<decltype(wait)>(wait, std::chrono::microseconds(0), std::chrono::milliseconds(10));
  if (wait > decltype(wait)::zero()) std::this_thread::sleep_for(wait);
}

// A picture copied out of the player, so it outlives the next Tick().
struct OwnedFrame {
  std::vector<std::uint8_t> planes[3];
  player::VideoFrame frame;
  explicit OwnedFrame(const player::VideoFrame& f) : frame(f) {
    int chroma_h = (f.height + 1) / 2;
    for (int i = 0; i < 3; ++i) {
      if (!f.planes[i]) continue;
      int rows = i == 0 ? f.height : chroma_h;
      planes[i].assign(f.planes[i], f.planes[i] + static_cast<std::size_t>(f.strides[i]) * rows);
      frame.planes[i] = planes[i].data();
    }
  }
};

// --frame-path: each step in isolation, glFinish after each, CPU of all
// threads (llvmpipe rasterises on its own threads) per step.
int RunFramePath(const Options& o) {
  player::NullSinkOptions sink;
  player::OpenOptions open;
  open.audio_sink = player::MakeNullAudioSink(sink);
  open.hw_decode = o.hw_decode;
  std::vector<OwnedFrame> frames;
  player::MediaInfo info;
  {
    player::Player p;
    auto opened = p.Open(o.path, open);
    if (!opened) {
      std::fprintf(stderr, "player-bench: %s\n", opened.error().message.c_str());
      return 1;
    }
    info = *opened;
    auto deadline = SteadyClock::now() + std::chrono::seconds(20);
    while (frames.size() < 10 && SteadyClock::now() < deadline) {
      if (auto f = p.Tick(p.Now())) frames.emplace_back(*f);
      if (p.Status().state == player::State::kEnded || p.Status().state == player::State::kError) break;
      WaitForWakeup(p);
    }
  }
  if (frames.empty()) {
    std::fprintf(stderr, "player-bench: no picture decoded\n");
    return 1;
  }
  Window w;
  if (!w.Open(o.width, o.height)) {
    std::fprintf(stderr, "player-bench: no GL window: %s\n", SDL_GetError());
    return 1;
  }
  player::GlFrame gl(o.gl);
  if (auto init = gl.Init(); !init) {
    std::fprintf(stderr, "player-bench: %s\n", init.error().message.c_str());
    return 1;
  }
  std::vector<double> upload_cpu, draw_cpu, swap_cpu, upload_wall, draw_wall, swap_wall;
  for (int i = 0; i < o.frame_path_iterations + 10; ++i) {
    const player::VideoFrame& f = frames[static_cast<std::size_t>(i) % frames.size()].frame;
    double c0 = CpuSeconds();
    auto t0 = SteadyClock::now();
    gl.Upload(f);
    glFinish();
    double c1 = CpuSeconds();
    auto t1 = SteadyClock::now();
    glClearColor(0, 0, 0, 1);
    glClear(GL_COLOR_BUFFER_BIT);
    gl.Draw({0, 0, w.width, w.height});
    glFinish();
    double c2 = CpuSeconds();
    auto t2 = SteadyClock::now();
    SDL_GL_SwapWindow(w.window);
    glFinish();
    double c3 = CpuSeconds();
    auto t3 = SteadyClock::now();
    if (i < 10) continue;  // warm-up: shader variants compiled, textures allocated
    using Ms = std::chrono::duration<double, std::milli>;
    upload_cpu.push_back((c1 - c0) * 1000);
    draw_cpu.push_back((c2 - c1) * 1000);
    swap_cpu.push_back((c3 - c2) * 1000);
    upload_wall.push_back(Ms(t1 - t0).count());
    draw_wall.push_back(Ms(t2 - t1).count());
    swap_wall.push_back(Ms(t3 - t2).count());
    if (QuitRequested()) break;
  }
  // getrusage has tick (1-4 ms) granularity per thread: report means, not medians.
  auto mean = [](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? 0.0 : s / static_cast<double>(v.size());
  };
  Json cpu, wall;
  cpu.Num("upload", mean(upload_cpu)).Num("draw", mean(draw_cpu)).Num("swap", mean(swap_cpu))
      .Num("total", mean(upload_cpu) + mean(draw_cpu) + mean(swap_cpu));
  wall.Num("upload", mean(upload_wall)).Num("draw", mean(draw_wall)).Num("swap", mean(swap_wall))
      .Num("total", mean(upload_wall) + mean(draw_wall) + mean(swap_wall));
  Json out;
  out.Str("file", o.path)
      .Str("mode", "frame-path")
      .Int("width", frames[0].frame.width)
      .Int("height", frames[0].frame.height)
      .Str("pixel_format", frames[0].frame.format == player::PixelFormat::kNv12 ? "nv12" : "yuv420p")
      .Str("window", std::to_string(w.width) + "x" + std::to_string(w.height))
      .Str("gl_renderer", reinterpret_cast<const char*>(glGetString(GL_RENDERER)))
      .Bool("linear", o.gl.linear_filter)
      .Bool("pbo", o.gl.pixel_buffer)
      .Int("iterations", static_cast<long long>(upload_cpu.size()))
      .Obj("cpu_ms_per_frame", cpu)
      .Obj("wall_ms_per_frame", wall)
      .Num("peak_rss_mb", PeakRssMb(), 1);
  std::printf("%s\n", out.str().c_str());
  return 0;
}

int RunPlayback(const Options& o) {
  const auto t_start = SteadyClock::now();
  const double cpu_start = CpuSeconds();
  std::optional<Window> window;
  std::optional<player::GlFrame> gl;
  if (!o.no_gl) {
    window.emplace();
    if (!window->Open(o.width, o.height)) {
      std::fprintf(stderr, "player-bench: no GL window: %s\n", SDL_GetError());
      return 1;
    }
    gl.emplace(o.gl);
    if (auto init = gl->Init(); !init) {
      std::fprintf(stderr, "player-bench: %s\n", init.error().message.c_str());
      return 1;
    }
  }
  const double window_ms = MsSince(t_start);

  // Real-time pace: the null sink consumes audio as fast as a device would.
  player::OpenOptions open;
  open.audio_sink = player::MakeNullAudioSink({});
  open.hw_decode = o.hw_decode;
  player::Player p;
  const auto t_open = SteadyClock::now();
  const double cpu_open = CpuSeconds();
  auto opened = p.Open(o.path, open);
  if (!opened) {
    std::fprintf(stderr, "player-bench: %s\n", opened.error().message.c_str());
    return 1;
  }
  const double open_ms = MsSince(t_open);
  const player::MediaInfo info = *opened;

  StepTimes steps, first_steps;
  double first_frame_ms = -1;
  double first_tick_ms = -1;  // Tick() returned the first picture
  std::int64_t drawn = 0;
  std::optional<player::TimePoint> playing_since;
  const std::int64_t limit_ms = o.seconds > 0 ? static_cast<std::int64_t>(o.seconds * 1000) : -1;
  std::int64_t last_pts_ms = 0;
  bool quit = false;
  for (;;) {
    if (window && QuitRequested()) {
      quit = true;
      break;
    }
    player::TimePoint now = p.Now();
    if (auto frame = p.Tick(now)) {
      last_pts_ms = frame->pts_ms;
      if (first_tick_ms < 0) first_tick_ms = MsSince(t_open);
      if (gl) Present(*frame, *gl, *window, first_frame_ms < 0 ? &first_steps : &steps);
      ++drawn;
      if (first_frame_ms < 0) first_frame_ms = MsSince(t_open);
    }
    player::PlayerStatus s = p.Status();
    if (!playing_since && s.state == player::State::kPlaying) playing_since = now;
    if (s.state == player::State::kEnded || s.state == player::State::kError) break;
    if (limit_ms >= 0 && s.position_ms >= limit_ms) break;
    WaitForWakeup(p);
  }
  const double play_wall_s = std::chrono::duration<double>(SteadyClock::now() - t_open).count();
  const double play_cpu_s = CpuSeconds() - cpu_open;
  const player::PlayerStatus played = p.Status();
  const double media_s = std::max<double>(1e-3, static_cast<double>(
      played.state == player::State::kEnded ? info.duration_ms : played.position_ms) / 1000.0);

  // Random exact seeks: Seek() until the first picture at the target is on screen.
  std::vector<double> seek_ms;
  std::int64_t worst_landing_ms = 0;
  std::int64_t seek_failures = 0;
  std::mt19937 rng(o.seed);
  const std::int64_t seek_range_ms = std::max<std::int64_t>(1, info.duration_ms - 2000);
  for (int i = 0; i < o.seeks && !quit && played.state != player::State::kError; ++i) {
    std::int64_t target = i < static_cast<int>(o.seek_at_ms.size())
                              ? o.seek_at_ms[static_cast<std::size_t>(i)]
                              : std::uniform_int_distribution<std::int64_t>(0, seek_range_ms)(rng);
    const auto t0 = SteadyClock::now();
    p.Seek(target, true);
    std::optional<double> latency;
    while (SteadyClock::now() - t0 < std::chrono::seconds(10)) {
      if (auto frame = p.Tick(p.Now())) {
        if (gl) Present(*frame, *gl, *window, nullptr);
        latency = MsSince(t0);
        worst_landing_ms = std::max<std::int64_t>(worst_landing_ms, std::llabs(frame->pts_ms - target));
        break;
      }
      if (p.Status().state == player::State::kError) break;
      WaitForWakeup(p);
    }
    if (!latency) {
      ++seek_failures;
      continue;
    }
    seek_ms.push_back(*latency);
    // Play on briefly, as a viewer would before seeking again.
    const auto resume = SteadyClock::now();
    while (SteadyClock::now() - resume < std::chrono::milliseconds(300)) {
      if (auto frame = p.Tick(p.Now()); frame && gl) Present(*frame, *gl, *window, nullptr);
      WaitForWakeup(p);
    }
  }
  const player::PlayerStatus end = p.Status();

  Json media;
  media.Str("container", info.container)
      .Str("video_codec", info.video_codec)
      .Str("audio_codec", info.audio_codec)
      .Int("width", info.width)
      .Int("height", info.height)
      .Num("frame_rate", info.frame_rate, 3)
      .Num("duration_s", static_cast<double>(info.duration_ms) / 1000.0, 3)
      .Str("hw_decoder", info.hw_decoder.empty() ? "none" : info.hw_decoder);
  Json out;
  out.Str("file", o.path)
      .Str("mode", o.no_gl ? "no-gl" : "playback")
      .Obj("media", media);
  if (window) {
    out.Str("window", std::to_string(window->width) + "x" + std::to_string(window->height))
        .Str("gl_renderer", reinterpret_cast<const char*>(glGetString(GL_RENDERER)))
        .Bool("linear", o.gl.linear_filter)
        .Bool("pbo", o.gl.pixel_buffer)
        .Num("window_setup_ms", window_ms, 1);
  }
  out.Str("end_state", player::ToString(played.state))
      .Num("media_seconds", media_s, 3)
      .Num("wall_seconds", play_wall_s, 3)
      .Int("last_pts_ms", last_pts_ms)
      .Int("frames_decoded", played.counters.frames_decoded)
      .Int("frames_shown", played.counters.frames_shown)
      .Int("frames_dropped", played.counters.frames_dropped)
      .Int("frames_dropped_undecoded", played.counters.frames_dropped_undecoded)
      .Int("frames_drawn", drawn)
      .Int("audio_underruns", played.counters.audio_underruns)
      .Int("decode_errors", played.counters.decode_errors)
      .Num("open_ms", open_ms, 1)
      .Num("first_picture_from_player_ms", first_tick_ms, 1)
      .Num("time_to_first_frame_ms", first_frame_ms, 1)
      .Num("cpu_seconds", play_cpu_s, 3)
      .Num("cpu_per_media_second", play_cpu_s / media_s, 3);
  if (window) {
    Json step_ms;
    step_ms.Stats("upload", Summarize(steps.upload_ms))
        .Stats("draw", Summarize(steps.draw_ms))
        .Stats("swap", Summarize(steps.swap_ms))
        .Stats("total", Summarize(steps.total_ms));
    out.Obj("ui_step_wall_ms", step_ms);
    if (!first_steps.total_ms.empty()) {
      Json first;
      first.Num("upload", first_steps.upload_ms[0]).Num("draw", first_steps.draw_ms[0])
          .Num("swap", first_steps.swap_ms[0]);
      out.Obj("first_frame_step_wall_ms", first);
    }
  }
  Summary seeks = Summarize(seek_ms);
  out.Int("seeks", static_cast<long long>(seek_ms.size()))
      .Int("seek_failures", seek_failures)
      .Num("seek_median_ms", seeks.median, 1)
      .Num("seek_p95_ms", seeks.p95, 1)
      .Num("seek_max_ms", seeks.max, 1)
      .Int("seek_worst_landing_error_ms", worst_landing_ms)
      .Int("frames_skipped", end.counters.frames_skipped)
      .Num("peak_rss_mb", PeakRssMb(), 1)
      .Num("total_cpu_seconds", CpuSeconds() - cpu_start, 3);
  std::printf("%s\n", out.str().c_str());
  return played.state == player::State::kError ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto options = ParseArgs(argc, argv);
  if (!options) {
    Usage();
    return 2;
  }
  return options->frame_path ? RunFramePath(*options) : RunPlayback(*options);
}
