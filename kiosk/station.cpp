#include "kiosk/station.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <future>
#include <memory>
#include <optional>

#include <GL/gl.h>
#include <sys/stat.h>
#include <SDL.h>
#include <imgui.h>
#include <backends/imgui_impl_opengl3.h>
#include <backends/imgui_impl_sdl.h>
#include <nlohmann/json.hpp>
#include <stb_image_write.h>

#include "base/files.h"
#include "base/log.h"
#include "kiosk/app.h"
#include "kiosk/fonts.h"
#include "kiosk/glyph_set.h"
#include "kiosk/pointer_input.h"
#include "kiosk/screens.h"
#include "kiosk/script_runner.h"
#include "kiosk/widgets.h"
#include "store/store.h"

namespace kiosk {
namespace {

using Clock = std::chrono::steady_clock;

constexpr double kLongPressSeconds = 3.0;
constexpr float kDragSlopPx = 24;            // at 1080p
constexpr std::uint64_t kFrameIntervalMs = 16;  // while animating
constexpr int kFramesAfterInput = 3;         // ImGui settles within a few frames

std::int64_t WallClockUnix() { return static_cast<std::int64_t>(std::time(nullptr)); }

std::string ClockText() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char text[8];
  std::strftime(text, sizeof(text), "%H:%M", &local);
  return text;
}

std::uint64_t MsUntilNextMinute() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
  return 60000 - static_cast<std::uint64_t>(ms % 60000) + 5;
}

// Titles and summaries of the lessons stored at this station, for the glyph set.
std::vector<std::string> LocalContentTexts(const std::string& data_dir) {
  std::vector<std::string> texts;
  auto bytes = base::ReadFile(data_dir + "/content/catalog.json");
  if (!bytes) return texts;
  auto catalog = nlohmann::json::parse(*bytes, nullptr, false);
  if (!catalog.is_object() || !catalog["lessons"].is_array()) return texts;
  for (const auto& lesson : catalog["lessons"]) {
    for (const char* field : {"title", "summary"}) {
      if (lesson.contains(field) && lesson[field].is_string()) texts.push_back(lesson[field]);
    }
  }
  return texts;
}

class Station final : public ScriptHost {
 public:
  explicit Station(const Options& options) : options_(options) {}
  ~Station() override;
  int Run();

  // ScriptHost
  const WidgetRegistry& Widgets() const override { return registry_; }
  std::string_view ScreenName() const override;
  SDL_Window* Window() const override { return window_; }
  bool Idle() const override;
  void RequestScreenshot(const std::string& path) override;
  bool ScreenshotDone() const override { return screenshot_path_.empty(); }
  void RequestQuit() override { quit_ = true; }

 private:
  bool Start();
  bool InitVideo();
  bool OpenWindow();
  void InitImGui();
  void OpenStore();
  float ScaleFor(int width, int height) const { return std::min(height / 1080.0f, width / 1920.0f); }
  bool BuildFonts(float scale);
  void UploadFonts();
  bool RebuildFonts();
  std::vector<std::string> TextsToCover() const;
  std::int64_t ContentStamp() const;
  void HandleEvent(const SDL_Event& event);
  int WaitTimeoutMs(std::uint64_t now_ms) const;
  void CheckIdleTimeout(std::uint64_t now_ms);
  void DrawFrame();
  void DrawScreen(std::vector<Action>& actions);
  void WatchAdminGesture(std::vector<Action>& actions);
  void CaptureScreenshot();
  void Apply(const std::vector<Action>& actions);
  void StartPinCheck();
  void FinishPinCheck();

  Options options_;
  const Clock::time_point started_ = Clock::now();
  std::optional<Translations> translations_;
  std::unique_ptr<store::Store> store_;
  std::string store_error_;  // non-empty: show the startup error screen
  std::unique_ptr<App> app_;
  // A PIN being verified on a worker; declared after store_, which it uses,
  // so it is joined first.
  std::future<base::Result<PinCheck>> pin_check_;
  Uint32 wake_event_ = 0;  // SDL user event workers push to wake the loop
  std::optional<ScriptRunner> script_;

  SDL_Window* window_ = nullptr;
  SDL_GLContext gl_ = nullptr;
  bool imgui_ready_ = false;
  FontAtlas atlas_;
  FontAtlasStats atlas_stats_;
  float fonts_scale_ = 0;

  Ui ui_;
  UiState ui_state_;
  WidgetRegistry registry_;
  PointerInput pointer_;
  int frames_pending_ = 2;
  bool first_frame_drawn_ = false;
  std::uint64_t last_frame_ms_ = 0;
  std::uint64_t last_input_ms_ = 0;
  std::string clock_text_;
  std::int64_t atlas_content_stamp_ = 0;  // the content/catalog.json the atlas covers
  std::string screenshot_path_;
  bool quit_ = false;
  int exit_code_ = 0;
};

Station::~Station() {
  if (pin_check_.valid()) pin_check_.wait();
  if (imgui_ready_) {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplSDL2_Shutdown();
    ImGui::DestroyContext();
  }
  if (gl_) SDL_GL_DeleteContext(gl_);
  if (window_) SDL_DestroyWindow(window_);
  SDL_Quit();
}

std::string_view Station::ScreenName() const {
  if (!store_error_.empty()) return "startup-error";
  return kiosk::ScreenName(app_->state().screen);
}

bool Station::Idle() const {
  return frames_pending_ == 0 && !ui_.animating && !pointer_.HasPending() && screenshot_path_.empty() &&
         !pin_check_.valid() &&
         !SDL_HasEvents(SDL_FIRSTEVENT, SDL_LASTEVENT);
}

void Station::RequestScreenshot(const std::string& path) {
  screenshot_path_ = path;
  frames_pending_ = std::max(frames_pending_, 1);
}

void Station::OpenStore() {
  if (auto made = base::MakeDirectories(options_.data_dir); !made) {
    store_error_ = made.error().message;
    return;
  }
  auto opened = store::Store::Open(options_.data_dir + "/station.db");
  if (!opened) {
    store_error_ = opened.error().message;
    base::LogError("station", "cannot open the store: " + store_error_);
    return;
  }
  store_ = std::move(*opened);
  app_ = std::make_unique<App>(*store_);
}

bool Station::InitVideo() {
  // ImGui's per-frame mouse capture swallows touches on Linux unless this is off.
  SDL_SetHint(SDL_HINT_MOUSE_AUTO_CAPTURE, "0");
  SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
  if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
    base::LogError("station", std::string("SDL cannot start: ") + SDL_GetError());
    return false;
  }
  wake_event_ = SDL_RegisterEvents(1);
  SDL_DisplayMode desktop{};
  if (!options_.windowed && SDL_GetDesktopDisplayMode(0, &desktop) == 0) {
    // Without a window manager (a bare X server) nothing resizes the window
    // for us before the first frame: ask for the screen's size up front.
    options_.width = desktop.w;
    options_.height = desktop.h;
  }
  return true;
}

bool Station::OpenWindow() {
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_CORE);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
  SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 3);
  SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
  Uint32 flags = SDL_WINDOW_OPENGL | SDL_WINDOW_ALLOW_HIGHDPI;
  flags |= options_.windowed ? SDL_WINDOW_RESIZABLE : SDL_WINDOW_FULLSCREEN_DESKTOP;
  window_ = SDL_CreateWindow("Village Station", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, options_.width,
                             options_.height, flags);
  if (!window_) {
    base::LogError("station", std::string("cannot open a window: ") + SDL_GetError());
    return false;
  }
  gl_ = SDL_GL_CreateContext(window_);
  if (!gl_) {
    base::LogError("station", std::string("cannot create an OpenGL 3.3 context: ") + SDL_GetError());
    return false;
  }
  SDL_GL_MakeCurrent(window_, gl_);
  SDL_GL_SetSwapInterval(1);
  if (!options_.windowed) SDL_ShowCursor(SDL_DISABLE);  // a touch kiosk shows no arrow
  return true;
}

void Station::InitImGui() {
  IMGUI_CHECKVERSION();
  ImGui::CreateContext(atlas_.imgui_atlas());
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // the station's layout is fixed; write nothing
  io.LogFilename = nullptr;
  io.ConfigFlags |= ImGuiConfigFlags_NoMouseCursorChange;
  ImGui_ImplSDL2_InitForOpenGL(window_, gl_);
  ImGui_ImplOpenGL3_Init("#version 330 core");
  imgui_ready_ = true;
}

std::vector<std::string> Station::TextsToCover() const {
  std::vector<std::string> texts = translations_->AllTexts();
  for (std::string& text : LocalContentTexts(options_.data_dir)) texts.push_back(std::move(text));
  texts.push_back(store_error_);
  if (app_) {
    for (const StationSettings* s : {&app_->state().settings, &app_->state().draft}) {
      texts.insert(texts.end(), {s->station_name, s->village, s->county_server});
    }
  }
  return texts;
}

// New lessons may bring characters the atlas lacks. Checked whenever the
// loop wakes (at least once a minute, for the clock): one stat() call.
std::int64_t Station::ContentStamp() const {
  struct stat st {};
  const std::string catalog = options_.data_dir + "/content/catalog.json";
  if (stat(catalog.c_str(), &st) != 0) return 0;
  return (static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec) ^ st.st_size;
}

bool Station::BuildFonts(float scale) {
  // Stamp first: content that lands during the build shows as a change later.
  atlas_content_stamp_ = ContentStamp();
  auto stats = atlas_.Build(BuildGlyphSet(TextsToCover()), scale, ui_.fonts);
  if (!stats) {
    base::LogError("station", stats.error().message);
    return false;
  }
  atlas_stats_ = *stats;
  fonts_scale_ = ui_.scale = scale;
  base::LogInfo("fonts", "atlas: " + std::to_string(stats->glyphs) + " glyphs, " + std::to_string(stats->width) +
                             "x" + std::to_string(stats->height) + " px, " +
                             std::to_string(stats->texture_bytes / 1024) + " KiB texture, built in " +
                             std::to_string(static_cast<int>(stats->build_ms)) + " ms");
  return true;
}

void Station::UploadFonts() {
  ImGui::GetIO().FontDefault = ui_.fonts.body;
  ImGui_ImplOpenGL3_DestroyFontsTexture();
  ImGui_ImplOpenGL3_CreateFontsTexture();
  ImGui::GetIO().Fonts->ClearTexData();  // the GPU has it now
  ApplyTheme(ui_.scale);
}

bool Station::RebuildFonts() {
  int w = 0, h = 0;
  SDL_GetWindowSize(window_, &w, &h);
  if (!BuildFonts(ScaleFor(w, h))) return false;
  UploadFonts();
  return true;
}

bool Station::Start() {
  auto translations = Translations::LoadDirectory(options_.assets_dir + "/i18n");
  if (!translations) {
    base::LogError("station", "cannot load translations: " + translations.error().message);
    return false;
  }
  translations_ = std::move(*translations);
  OpenStore();
  if (!InitVideo()) return false;
  if (auto opened = atlas_.Open(kDefaultRegularFont, kDefaultBoldFont, kSimplifiedChineseFace); !opened) {
    base::LogError("station", opened.error().message);
    return false;
  }
  // The atlas (the slowest step of start-up) builds on a second core while
  // SDL opens the window and the GL context.
  auto fonts_built = std::async(std::launch::async, [this] { return BuildFonts(ScaleFor(options_.width, options_.height)); });
  const bool window_open = OpenWindow();
  if (!fonts_built.get() || !window_open) return false;
  InitImGui();
  UploadFonts();
  ui_.translations = &*translations_;
  ui_.registry = &registry_;
  if (!options_.script_path.empty()) {
    auto text = base::ReadFile(options_.script_path);
    if (!text) {
      base::LogError("script", text.error().message);
      return false;
    }
    auto steps = ParseScript(*text);
    if (!steps) {
      base::LogError("script", steps.error().message);
      return false;
    }
    if (auto made = base::MakeDirectories(options_.screenshot_dir); !made) {
      base::LogError("script", made.error().message);
      return false;
    }
    script_.emplace(std::move(*steps), options_.screenshot_dir);
  }
  return true;
}

void Station::HandleEvent(const SDL_Event& event) {
  int w = 0, h = 0;
  SDL_GetWindowSize(window_, &w, &h);
  const bool input = pointer_.Handle(event, ImVec2(static_cast<float>(w), static_cast<float>(h)));
  if (!input) ImGui_ImplSDL2_ProcessEvent(&event);
  switch (event.type) {
    case SDL_QUIT:
      quit_ = true;
      break;
    case SDL_WINDOWEVENT:
      frames_pending_ = std::max(frames_pending_, 2);
      break;
    case SDL_KEYDOWN:
    case SDL_KEYUP:
    case SDL_TEXTINPUT:
    case SDL_MOUSEWHEEL:
    case SDL_FINGERDOWN:
    case SDL_FINGERUP:
    case SDL_FINGERMOTION:
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
    case SDL_MOUSEMOTION:
      last_input_ms_ = SDL_GetTicks64();
      frames_pending_ = std::max(frames_pending_, kFramesAfterInput);
      break;
    default:
      break;
  }
}

int Station::WaitTimeoutMs(std::uint64_t now_ms) const {
  if (options_.continuous_redraw) return 0;
  if (ui_.animating) return static_cast<int>(std::max<std::int64_t>(0, last_frame_ms_ + kFrameIntervalMs - now_ms));
  if (frames_pending_ > 0 || pointer_.HasPending() || quit_) return 0;
  if (pin_check_.valid()) return 10;  // its wake-up event may precede the result by a moment
  std::uint64_t wake = now_ms + MsUntilNextMinute();  // the clock on screen
  if (app_ && app_->state().screen != Screen::kHome) {
    wake = std::min<std::uint64_t>(wake, last_input_ms_ + options_.idle_timeout_s * 1000ull);
  }
  if (script_ && !script_->finished()) wake = std::min(wake, std::max(now_ms, script_->NextWakeMs()));
  return static_cast<int>(wake > now_ms ? wake - now_ms : 0);
}

void Station::CheckIdleTimeout(std::uint64_t now_ms) {
  if (!app_ || app_->state().screen == Screen::kHome) return;
  if (ui_.gesture.down) last_input_ms_ = now_ms;  // a finger held still is someone there
  if (now_ms - last_input_ms_ < options_.idle_timeout_s * 1000ull) return;
  base::LogInfo("station", "no input for " + std::to_string(options_.idle_timeout_s) + " s: back home");
  Apply({IdleTimeout{}});
}

void Station::WatchAdminGesture(std::vector<Action>& actions) {
  Gesture& g = ui_.gesture;
  const ImVec2 corner = AdminCornerMin(ui_);
  const bool in_corner = g.start.x >= corner.x && g.start.y >= corner.y && g.start.y < ui_.px(160);
  if (!g.down || g.dragging || g.consumed || !in_corner) return;
  if (app_->state().screen == Screen::kAdminPin || app_->state().screen == Screen::kAdminSettings) return;
  const double held = ui_.now_s - g.down_time_s;
  ui_.animating = true;  // the hold needs its deadline checked and its ring drawn
  if (held >= kLongPressSeconds) {
    g.consumed = true;
    actions.emplace_back(std::in_place_type<OpenAdmin>);  // push_back({}) trips a g++ 12 false warning
    return;
  }
  if (held > 0.5) {
    // A quiet ring fills up, so an administrator knows the hold is working.
    const float progress = static_cast<float>((held - 0.5) / (kLongPressSeconds - 0.5));
    ImDrawList* draw = ImGui::GetForegroundDrawList();
    const float radius = ui_.px(56);
    draw->PathArcTo(g.position, radius, -1.5708f, -1.5708f + progress * 6.2832f, 48);
    draw->PathStroke(colors::kTextDim, 0, ui_.px(10));
  }
}

void Station::DrawScreen(std::vector<Action>& actions) {
  if (!store_error_.empty()) {
    DrawStartupError(ui_, store_error_);
    return;
  }
  const AppState& state = app_->state();
  ui_.language = state.settings.language;
  switch (state.screen) {
    case Screen::kHome: {
      HomeView view;
      view.station_line = state.settings.station_name.empty() ? ui_.T("app.title") : state.settings.station_name;
      if (!state.settings.village.empty()) view.station_line += " · " + state.settings.village;
      view.clock = clock_text_;
      DrawHome(ui_, view, actions);
      break;
    }
    case Screen::kNotYetOpen:
      DrawNotYetOpen(ui_, {state.pending_service}, actions);
      break;
    case Screen::kAdminPin:
      DrawAdminPin(ui_, {state.pin.mode, static_cast<int>(state.pin.digits.size()), state.pin.message}, actions);
      break;
    case Screen::kAdminSettings: {
      SettingsView view{state.draft, translations_->Languages(), state.settings_message,
                        !(state.draft == state.settings), ""};
      view.atlas_summary = Format(ui_.T("admin.settings.atlas"),
                                  {{"n", std::to_string(atlas_stats_.glyphs)},
                                   {"w", std::to_string(atlas_stats_.width)},
                                   {"h", std::to_string(atlas_stats_.height)},
                                   {"kib", std::to_string(atlas_stats_.texture_bytes / 1024)}});
      DrawAdminSettings(ui_, ui_state_, view, actions);
      break;
    }
  }
  WatchAdminGesture(actions);
}

void Station::CaptureScreenshot() {
  int w = 0, h = 0;
  SDL_GL_GetDrawableSize(window_, &w, &h);
  std::vector<unsigned char> pixels(static_cast<size_t>(w) * h * 4);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
  // GL's rows go bottom-up; PNG's top-down. Opaque alpha for viewers.
  std::vector<unsigned char> flipped(pixels.size());
  const size_t stride = static_cast<size_t>(w) * 4;
  for (int y = 0; y < h; ++y) {
    std::copy_n(&pixels[(h - 1 - y) * stride], stride, &flipped[y * stride]);
  }
  for (size_t i = 3; i < flipped.size(); i += 4) flipped[i] = 255;
  if (!stbi_write_png(screenshot_path_.c_str(), w, h, 4, flipped.data(), static_cast<int>(stride))) {
    base::LogError("station", "cannot write screenshot " + screenshot_path_);
    exit_code_ = 1;
    quit_ = true;
  } else {
    base::LogInfo("station", "screenshot " + screenshot_path_);
  }
  screenshot_path_.clear();
}

void Station::DrawFrame() {
  int w = 0, h = 0;
  SDL_GetWindowSize(window_, &w, &h);
  if (ScaleFor(w, h) != fonts_scale_) RebuildFonts();

  const std::uint64_t now_ms = SDL_GetTicks64();
  clock_text_ = ClockText();
  registry_.BeginFrame();
  ui_.animating = false;
  ui_.now_s = now_ms / 1000.0;
  ui_.delta_s = last_frame_ms_ ? std::min(0.1f, (now_ms - last_frame_ms_) / 1000.0f) : 1 / 60.0f;
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplSDL2_NewFrame();
  pointer_.BeginFrame(ImGui::GetIO(), ui_.gesture, ui_.now_s, ui_.px(kDragSlopPx));
  ImGui::NewFrame();

  std::vector<Action> actions;
  DrawScreen(actions);

  ImGui::Render();
  int fb_w = 0, fb_h = 0;
  SDL_GL_GetDrawableSize(window_, &fb_w, &fb_h);
  glViewport(0, 0, fb_w, fb_h);
  const ImVec4 bg = ImGui::ColorConvertU32ToFloat4(colors::kBackground);
  glClearColor(bg.x, bg.y, bg.z, 1);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  if (!screenshot_path_.empty()) CaptureScreenshot();
  SDL_GL_SwapWindow(window_);
  registry_.EndFrame();

  last_frame_ms_ = now_ms;
  if (frames_pending_ > 0) --frames_pending_;
  if (!first_frame_drawn_) {
    first_frame_drawn_ = true;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_).count();
    base::LogInfo("station", "first interactive frame " + std::to_string(ms) + " ms after start");
  }
  Apply(actions);
}

void Station::Apply(const std::vector<Action>& actions) {
  if (actions.empty() || !app_) return;
  for (const Action& action : actions) app_->Apply(action);
  frames_pending_ = std::max(frames_pending_, 2);
  StartPinCheck();
  // Typed text or new settings may hold characters the atlas lacks.
  const AppState& s = app_->state();
  for (const std::string* text : {&s.draft.station_name, &s.draft.village, &s.draft.county_server}) {
    if (!atlas_.Covers(*text)) {
      RebuildFonts();
      break;
    }
  }
}

void Station::StartPinCheck() {
  auto pin = app_->TakePinToCheck();
  if (!pin || pin_check_.valid()) return;
  store::Store* store = store_.get();
  const Uint32 wake = wake_event_;
  pin_check_ = std::async(std::launch::async, [store, digits = std::move(*pin), wake] {
    auto outcome = AdminPin(*store).Check(digits, WallClockUnix());
    SDL_Event event{};
    event.type = wake;
    SDL_PushEvent(&event);
    return outcome;
  });
}

void Station::FinishPinCheck() {
  if (!pin_check_.valid() || pin_check_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
  Apply({PinChecked{pin_check_.get()}});
}

int Station::Run() {
  if (!Start()) return 2;
  last_input_ms_ = SDL_GetTicks64();
  while (!quit_) {
    std::uint64_t now_ms = SDL_GetTicks64();
    SDL_Event event;
    const int timeout = WaitTimeoutMs(now_ms);
    bool got = timeout == 0 ? SDL_PollEvent(&event) : SDL_WaitEventTimeout(&event, timeout);
    while (got) {
      HandleEvent(event);
      got = SDL_PollEvent(&event);
    }
    FinishPinCheck();
    now_ms = SDL_GetTicks64();
    if (script_ && !script_->finished()) script_->Advance(*this, now_ms);
    if (script_ && script_->failed()) {
      exit_code_ = 1;
      break;
    }
    CheckIdleTimeout(now_ms);
    if (ContentStamp() != atlas_content_stamp_) {
      const size_t glyphs_before = atlas_.code_points().size();
      RebuildFonts();
      base::LogInfo("station", "local content changed: " +
                                   std::to_string(atlas_.code_points().size() - glyphs_before) +
                                   " new characters in the font atlas");
      frames_pending_ = std::max(frames_pending_, 2);
    }
    const bool clock_changed = app_ && app_->state().screen == Screen::kHome && ClockText() != clock_text_;
    if (options_.continuous_redraw || frames_pending_ > 0 || ui_.animating || pointer_.HasPending() || clock_changed || !screenshot_path_.empty()) {
      DrawFrame();
    }
  }
  if (script_ && !script_->failed() && !script_->finished()) {
    base::LogWarn("script", "quit before the script finished");
  }
  return exit_code_;
}

}  // namespace

int RunStation(const Options& options) {
  Station station(options);
  return station.Run();
}

}  // namespace kiosk
