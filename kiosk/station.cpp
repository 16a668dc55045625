#include "kiosk/station.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <future>
#include <memory>
#include <optional>
#include <set>

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
#include "kiosk/narrator.h"
#include "kiosk/pinyin_input.h"
#include "kiosk/playback.h"
#include "kiosk/report_devices.h"
#include "kiosk/pointer_input.h"
#include "kiosk/screens.h"
#include "kiosk/script_runner.h"
#include "kiosk/sync_service.h"
#include "kiosk/thumbnails.h"
#include "kiosk/widgets.h"
#include "media/thumbnail.h"
#include "store/catalog.h"
#include "store/lessons.h"
#include "store/store.h"
#include "sync/clock.h"
#include "sync/enrolment.h"
#include "sync/outbox.h"
#include "sync/sync_engine.h"
#include "sync/ticket_code.h"

namespace kiosk {
namespace {

using Clock = std::chrono::steady_clock;

constexpr double kLongPressSeconds = 3.0;
constexpr float kDragSlopPx = 24;            // at 1080p
constexpr std::uint64_t kFrameIntervalMs = 16;  // while animating
constexpr int kFramesAfterInput = 3;         // ImGui settles within a few frames
constexpr std::uint64_t kPlaybackProgressMs = 250;  // position, time text, subtitles
constexpr std::uint64_t kMediaFrameMs = 40;  // camera preview and level meter: 25 fps
constexpr std::uint64_t kStickLookMs = 3000;  // the USB page notices a stick plugged in
constexpr std::uint64_t kPinyinPollMs = 100;

double ProcessCpuMs() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

// "14:05" at the station's UTC offset.
std::string ClockText(std::int64_t unix_s, int utc_offset_minutes) {
  const std::int64_t minute_of_day = ((unix_s + utc_offset_minutes * 60) / 60 % 1440 + 1440) % 1440;
  char text[8];
  std::snprintf(text, sizeof(text), "%02d:%02d", static_cast<int>(minute_of_day / 60), static_cast<int>(minute_of_day % 60));
  return text;
}

// Until the clock on screen changes. The station's time (StationClock)
// comes in whole seconds, so this wakes at most a second early; the loop
// then sees the same minute and waits the last second.
std::uint64_t MsUntilNextMinute(std::int64_t now_s) {
  return static_cast<std::uint64_t>(60 - (now_s % 60 + 60) % 60) * 1000 + 5;
}

// Titles, summaries and subtitle files of the lessons stored at this
// station, for the glyph set.
std::vector<std::string> LocalContentTexts(const std::string& data_dir) {
  std::vector<std::string> texts;
  auto bytes = base::ReadFile(data_dir + "/content/catalog.json");
  if (!bytes) return texts;
  auto catalog = nlohmann::json::parse(*bytes, nullptr, false);
  if (!catalog.is_object() || !catalog["lessons"].is_array()) return texts;
  std::set<std::string> subtitle_files;
  for (const auto& lesson : catalog["lessons"]) {
    for (const char* field : {"title", "summary"}) {
      if (lesson.contains(field) && lesson[field].is_string()) texts.push_back(lesson[field]);
    }
    if (lesson.contains("subtitles") && lesson["subtitles"].is_string()) subtitle_files.insert(lesson["subtitles"]);
  }
  for (const std::string& path : subtitle_files) {
    if (!store::IsSafeRelativePath(path)) continue;
    if (auto srt = base::ReadFile(data_dir + "/content/" + path)) texts.push_back(std::move(*srt));
  }
  return texts;
}

// Fills in the wall-clock time of intents that carry one.
void Stamp(Action& action, std::int64_t now) {
  std::visit([now](auto& intent) {
    if constexpr (requires { intent.now; }) intent.now = now;
  }, action);
}

class Station final : public ScriptHost {
 public:
  explicit Station(const Options& options)
      : options_(options),
        box_clock_(std::make_unique<station_sync::ShiftedClock>(station_sync::SystemClock(), options.clock_shift_s)),
        station_clock_(std::make_unique<station_sync::StationClock>(
            station_sync::CountyTimeMarkPath(options.data_dir), *box_clock_, station_sync::SystemBootClock())) {}
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
  void LookForSticksWhileShown(std::uint64_t now_ms);
  void DrawFrame();
  void DrawScreen(std::vector<Action>& actions);
  void WatchAdminGesture(std::vector<Action>& actions);
  void CaptureScreenshot();
  void Apply(const std::vector<Action>& actions);
  void StartPinCheck();
  void FinishPinCheck();
  void ImportContent();
  void OnContentChanged();
  void ServicePlayback(std::uint64_t now_ms);
  PlayerView MakePlayerView();
  void OpenOutbox();
  void ServiceReport();
  void CoverTypedText();
  ReportView MakeReportView() const;
  void Wake();
  void StartSync();
  void OnSyncStatusChanged();

  std::int64_t Now() { return station_clock_->NowSeconds(); }  // the station's time (unix s)
  std::string ClockNow() { return ClockText(Now(), utc_offset_minutes_); }

  Options options_;
  const Clock::time_point started_ = Clock::now();
  // The box's clock (shifted by --clock-shift) and the station's, which
  // follows the county's once heard; both outlive the outbox and sync.
  std::unique_ptr<station_sync::ShiftedClock> box_clock_;
  std::unique_ptr<station_sync::StationClock> station_clock_;
  int utc_offset_minutes_ = 480;
  std::optional<Translations> translations_;
  std::unique_ptr<store::Store> store_;
  std::string store_error_;  // non-empty: show the startup error screen
  std::unique_ptr<App> app_;
  // Reports: the outbox (absent until a county key is configured), pinyin
  // input (librime, deployed in the background at start), the devices.
  std::unique_ptr<station_sync::Outbox> outbox_;
  std::unique_ptr<PinyinInput> pinyin_;
  // The sync with the county (absent with --no-sync); it flags changes to
  // its status row here and wakes the loop.
  std::unique_ptr<SyncService> sync_;
  std::atomic<bool> sync_changed_{false};
  // A PIN being verified on a worker; declared after store_, which it uses,
  // so it is joined first.
  std::future<base::Result<PinCheck>> pin_check_;
  Uint32 wake_event_ = 0;  // SDL user event workers push to wake the loop
  std::optional<ScriptRunner> script_;
  std::string content_dir_;
  // Need the GL context: destroyed in ~Station before it goes.
  std::unique_ptr<Playback> playback_;
  std::unique_ptr<ThumbnailCache> thumbnails_;
  std::unique_ptr<ReportDevices> report_devices_;
  std::unique_ptr<Narrator> narrator_;
  std::uint64_t last_media_frame_ms_ = 0;
  std::optional<Clock::time_point> send_tapped_at_;  // until the ticket is on screen
  std::uint64_t last_progress_ms_ = 0;
  std::string playing_lesson_id_;
  bool video_frame_new_ = false;
  bool atlas_stale_ = false;
  // --frame-stats: wall time and process CPU time (all threads: llvmpipe's
  // rasterizers too) of each frame drawn.
  std::vector<double> frame_ms_, frame_cpu_ms_;  // shown_texts_ has characters the atlas lacks          // a frame to show: draw, but this is not "busy"
  std::vector<std::string> shown_texts_;  // texts met on screen (embedded subtitles) for the atlas

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
  std::uint64_t next_stick_look_ms_ = 0;
  // The keyboard says "preparing" until the pinyin engine settles; the
  // loop looks every kPinyinPollMs until then and redraws once.
  PinyinReadiness pinyin_shown_ = PinyinReadiness::kDeploying;
  std::string clock_text_;
  std::int64_t atlas_content_stamp_ = 0;  // the content/catalog.json the atlas covers
  std::string screenshot_path_;
  bool quit_ = false;
  int exit_code_ = 0;
};

Station::~Station() {
  sync_.reset();  // cancels a transfer under way; its hook wakes SDL
  if (pin_check_.valid()) pin_check_.wait();
  if (gl_) SDL_GL_MakeCurrent(window_, gl_);
  playback_.reset();
  thumbnails_.reset();
  report_devices_.reset();  // waits for a report being saved
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
         !pin_check_.valid() && !(report_devices_ && report_devices_->Saving()) &&
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
  for (const auto& [key, value] : options_.settings) {
    if (auto set = store_->SetSetting(key, value); !set) base::LogError("station", "cannot set " + key + ": " + set.error().message);
    else base::LogInfo("station", "setting " + key + " = " + value);
  }
  utc_offset_minutes_ = station_sync::StationUtcOffsetMinutes(*store_);
  app_ = std::make_unique<App>(*store_);
  content_dir_ = options_.data_dir + "/content";
  pinyin_ = std::make_unique<PinyinInput>(PinyinConfig{.user_data_dir = options_.data_dir + "/rime"});
  OpenOutbox();
  ImportContent();
  app_->RecoverInterruptedPlaybacks(Now());
  StartSync();
}

void Station::StartSync() {
  if (!options_.sync) {
    base::LogInfo("sync", "sync is off in this kiosk (--no-sync)");
    return;
  }
  if (!options_.enrolment_code.empty()) {
    auto code = station_sync::NormaliseTicketCode(options_.enrolment_code);
    auto asked = code ? station_sync::RequestEnrolment(*store_, *code) : base::Status(code.error());
    if (!asked) base::LogError("sync", "--enrol: " + asked.error().message);
  }
  sync_ = std::make_unique<SyncService>(SyncService::Config{options_.data_dir, station_clock_.get(), [this] {
    sync_changed_.store(true);
    Wake();
  }});
}

// The engine wrote its status: pages that show it reload, and a station
// that just enrolled can take reports now (the county's key came with it).
void Station::OnSyncStatusChanged() {
  const Screen screen = app_->state().screen;
  if (screen == Screen::kAdminSync || screen == Screen::kAdminEnrol || screen == Screen::kAdminUsb ||
      screen == Screen::kCheckStatus) {
    Apply({SyncStatusChanged{}});
  }
  if (!outbox_) {
    auto enrolment = station_sync::LoadEnrolment(*store_);
    if (enrolment && *enrolment) OpenOutbox();
  }
}

// Installs content/catalog.json into the store, unless this very file was
// installed before (a restart should not rewrite 5,000 rows). A catalog that
// cannot be trusted changes nothing: the lessons installed before stay.
void Station::ImportContent() {
  constexpr std::string_view kInstalledStampKey = "library.installed_catalog_stamp";
  const std::string stamp = std::to_string(ContentStamp());
  if (stamp != "0" && store_->GetSetting(kInstalledStampKey) == stamp) {
    base::LogInfo("library", "content catalog unchanged since it was installed");
    return;
  }
  store::LessonLibrary library(*store_);
  auto imported = store::ImportCatalogFile(library, content_dir_);
  if (!imported) {
    if (imported.error().code == base::ErrorCode::kNotFound) {
      base::LogInfo("library", "no content catalog at " + content_dir_ + " yet");
    } else {
      base::LogError("library", "content catalog not installed, the previous one stays: " + imported.error().message);
    }
    return;
  }
  base::LogInfo("library", "content catalog installed: " + std::to_string(*imported) + " lessons");
  if (auto saved = store_->SetSetting(kInstalledStampKey, stamp); !saved) {
    base::LogWarn("library", "the catalog will be installed again at the next start: " + saved.error().message);
  }
}

// Reporting works once the station knows the county's key; without it the
// report button explains that the station is not set up yet.
void Station::OpenOutbox() {
  auto config = station_sync::LoadOutboxConfig(*store_, station_sync::PosixFileSystem(), options_.data_dir);
  if (config) {
    auto outbox = station_sync::Outbox::Open(*store_, station_sync::PosixFileSystem(), *station_clock_,
                                             std::move(*config));
    if (outbox) {
      outbox_ = std::move(*outbox);
      const auto& recovery = outbox_->recovery();
      base::LogInfo("report", "outbox open; recovered " + std::to_string(recovery.removed_staging) + " unfinished, " +
                                  std::to_string(recovery.removed_uncommitted) + " uncommitted");
      for (const std::string& id : recovery.damaged) base::LogError("report", "report " + id + " is damaged");
    } else {
      base::LogError("report", "the outbox cannot open: " + outbox.error().message);
    }
  } else {
    base::LogWarn("report", "reporting is not set up: " + config.error().message);
  }
  app_->AttachReportTools({outbox_.get(), pinyin_.get()});
}

void Station::OnContentChanged() {
  const size_t glyphs_before = atlas_.code_points().size();
  ImportContent();
  RebuildFonts();
  base::LogInfo("station", "local content changed: " + std::to_string(atlas_.code_points().size() - glyphs_before) +
                               " new characters in the font atlas");
  if (thumbnails_) thumbnails_->Clear();
  if (app_) Apply({CatalogChanged{}});
  frames_pending_ = std::max(frames_pending_, 2);
}

void Station::Wake() {
  SDL_Event event{};
  event.type = wake_event_;
  SDL_PushEvent(&event);
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
  texts.insert(texts.end(), shown_texts_.begin(), shown_texts_.end());
  if (app_) {
    for (const StationSettings* s : {&app_->state().settings, &app_->state().draft}) {
      texts.insert(texts.end(), {s->station_name, s->village, s->county_server});
    }
    for (const station_sync::CatalogNotice& n : app_->state().notices) texts.insert(texts.end(), {n.title, n.text});
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
  // SDL first, while the process has one thread: without a session bus,
  // libdbus forks to autolaunch one, and a fork beside running threads
  // (the pinyin deployment starts with the store) can deadlock the child in
  // malloc, which then holds the outbox lock after the kiosk dies.
  if (!InitVideo()) return false;
  OpenStore();
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
  playback_ = std::make_unique<Playback>(options_.null_audio);
  if (auto ready = playback_->InitGl(); !ready) {
    base::LogError("player", "video output cannot start: " + ready.error().message);  // lessons will fail to open
  }
  ThumbnailConfig thumbnails;
  thumbnails.content_dir = content_dir_;
  thumbnails.cache_dir = options_.data_dir + "/thumbnails";
  thumbnails.wake = [this] { Wake(); };
  thumbnails.make_thumbnail = [](const std::string& media_path) -> base::Result<std::string> {
    auto made = media::MakeThumbnailFromFile(media_path);
    if (!made) return made.error();
    return std::move(made->jpeg);
  };
  if (auto made = base::MakeDirectories(thumbnails.cache_dir); !made) {
    base::LogWarn("thumbnails", made.error().message);
  }
  thumbnails_ = std::make_unique<ThumbnailCache>(std::move(thumbnails));
  if (app_) narrator_ = std::make_unique<Narrator>(options_.null_audio, *translations_, app_->state().settings.language);
  report_devices_ = std::make_unique<ReportDevices>(ReportDevicesConfig{
      options_.camera_source, options_.camera_device, options_.mic_source, options_.null_audio, [this] { Wake(); }});
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
  if (report_devices_ && report_devices_->Active()) {
    // The camera's picture and the level meter move; a saved report is due.
    return static_cast<int>(std::max<std::int64_t>(0, last_media_frame_ms_ + kMediaFrameMs - now_ms));
  }
  if (video_frame_new_) return 0;
  std::uint64_t wake = now_ms + MsUntilNextMinute(station_clock_->NowSeconds());  // the clock on screen
  if (playback_ && playback_->is_open()) {
    const auto until_frame = std::chrono::duration_cast<std::chrono::milliseconds>(
        playback_->NextWakeup() - player::Clock::now()).count();
    wake = std::min<std::uint64_t>(wake, now_ms + std::clamp<std::int64_t>(until_frame, 0, kPlaybackProgressMs));
  }
  if (ui_.wake_at_s > 0) wake = std::min<std::uint64_t>(wake, static_cast<std::uint64_t>(ui_.wake_at_s * 1000) + 1);
  if (app_ && app_->state().screen != Screen::kHome) {
    wake = std::min<std::uint64_t>(wake, last_input_ms_ + options_.idle_timeout_s * 1000ull);
  }
  if (app_ && app_->state().screen == Screen::kAdminUsb) wake = std::min(wake, next_stick_look_ms_);
  if (pinyin_ && pinyin_shown_ == PinyinReadiness::kDeploying) wake = std::min(wake, now_ms + kPinyinPollMs);
  if (script_ && !script_->finished()) wake = std::min(wake, std::max(now_ms, script_->NextWakeMs()));
  return static_cast<int>(wake > now_ms ? wake - now_ms : 0);
}

void Station::LookForSticksWhileShown(std::uint64_t now_ms) {
  if (!app_ || app_->state().screen != Screen::kAdminUsb) {
    next_stick_look_ms_ = now_ms + kStickLookMs;  // the page looks when it opens
    return;
  }
  if (now_ms < next_stick_look_ms_) return;
  next_stick_look_ms_ = now_ms + kStickLookMs;
  Apply({LookForSticks{}});
}

void Station::CheckIdleTimeout(std::uint64_t now_ms) {
  if (!app_ || app_->state().screen == Screen::kHome) return;
  if (ui_.gesture.down) last_input_ms_ = now_ms;  // a finger held still is someone there
  const AppState& state = app_->state();
  if (state.screen == Screen::kPlayer && !state.controls.paused) last_input_ms_ = now_ms;  // someone is watching
  if (state.report.recording || state.report.saving) last_input_ms_ = now_ms;  // someone is speaking
  // Someone waits for a stick: an import of gigabytes takes a while.
  if (state.screen == Screen::kAdminUsb && state.sync.status && state.sync.status->usb_pending) last_input_ms_ = now_ms;
  if (now_ms - last_input_ms_ < options_.idle_timeout_s * 1000ull) return;
  base::LogInfo("station", "no input for " + std::to_string(options_.idle_timeout_s) + " s: back home");
  Apply({IdleTimeout{}});
}

void Station::WatchAdminGesture(std::vector<Action>& actions) {
  Gesture& g = ui_.gesture;
  const ImVec2 corner = AdminCornerMin(ui_);
  const bool in_corner = g.start.x >= corner.x && g.start.y >= corner.y && g.start.y < ui_.px(160);
  if (!g.down || g.dragging || g.consumed || !in_corner) return;
  const Screen screen = app_->state().screen;
  if (screen == Screen::kAdminPin || IsAdminScreen(screen)) return;
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
      if (!state.notices.empty()) view.notice = &state.notices.front();
      DrawHome(ui_, view, actions);
      break;
    }
    case Screen::kLibrary:
      DrawLibrary(ui_, ui_state_, {&state.library, Now(), thumbnails_.get()}, actions);
      break;
    case Screen::kLesson:
      DrawLesson(ui_, {&*state.lesson, state.lesson_message, Now(), thumbnails_.get()}, actions);
      break;
    case Screen::kPlayer:
      DrawPlayer(ui_, ui_state_, MakePlayerView(), actions);
      break;
    case Screen::kAdminPin:
      DrawAdminPin(ui_, {state.pin.mode, static_cast<int>(state.pin.digits.size()), state.pin.message}, actions);
      break;
    case Screen::kAdminSettings: {
      SettingsView view{state.draft, state.quarantined, translations_->Languages(), state.settings_message,
                        !(state.draft == state.settings), ""};
      view.atlas_summary = Format(ui_.T("admin.settings.atlas"),
                                  {{"n", std::to_string(atlas_stats_.glyphs)},
                                   {"w", std::to_string(atlas_stats_.width)},
                                   {"h", std::to_string(atlas_stats_.height)},
                                   {"kib", std::to_string(atlas_stats_.texture_bytes / 1024)}});
      DrawAdminSettings(ui_, ui_state_, view, actions);
      break;
    }
    case Screen::kReportWhat:
    case Screen::kReportSay:
    case Screen::kReportWrite:
    case Screen::kReportPhotos:
    case Screen::kReportWhere:
    case Screen::kReportWho:
    case Screen::kReportCheck:
    case Screen::kReportDone:
    case Screen::kReportUnavailable:
      DrawReport(ui_, MakeReportView(), actions);
      break;
    case Screen::kCheckCode:
    case Screen::kCheckStatus:
      DrawCheck(ui_, ui_state_, {state.screen, &state.check, utc_offset_minutes_}, actions);
      break;
    case Screen::kAdminSync:
      DrawAdminSync(ui_, ui_state_, {&state.sync, Now(), utc_offset_minutes_, station_clock_->SystemErrorSeconds()}, actions);
      break;
    case Screen::kAdminEnrol:
      DrawEnrolCode(ui_, state.sync, actions);
      break;
    case Screen::kAdminUsb:
      DrawAdminUsb(ui_, ui_state_, {&state.sync, &state.usb, Now(), utc_offset_minutes_}, actions);
      break;
    case Screen::kNotice:
      if (state.notice_shown < state.notices.size()) DrawNotice(ui_, state.notices[state.notice_shown], actions);
      break;
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
  const auto frame_started = Clock::now();
  const double cpu_started = ProcessCpuMs();
  int w = 0, h = 0;
  SDL_GetWindowSize(window_, &w, &h);
  if (ScaleFor(w, h) != fonts_scale_) RebuildFonts();

  const std::uint64_t now_ms = SDL_GetTicks64();
  clock_text_ = ClockNow();
  registry_.BeginFrame();
  ui_.animating = false;
  ui_.wake_at_s = 0;
  video_frame_new_ = false;
  if (thumbnails_) thumbnails_->UploadReady();
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
  const bool playing = app_ && app_->state().screen == Screen::kPlayer;
  const ImVec4 bg = playing ? ImVec4(0, 0, 0, 1) : ImGui::ColorConvertU32ToFloat4(colors::kBackground);
  glClearColor(bg.x, bg.y, bg.z, 1);
  glClear(GL_COLOR_BUFFER_BIT);
  if (playing) playback_->DrawVideo(fb_w, fb_h);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  if (!screenshot_path_.empty()) CaptureScreenshot();
  SDL_GL_SwapWindow(window_);
  registry_.EndFrame();
  if (options_.frame_stats) {
    frame_ms_.push_back(std::chrono::duration<double, std::milli>(Clock::now() - frame_started).count());
    frame_cpu_ms_.push_back(ProcessCpuMs() - cpu_started);
  }

  last_frame_ms_ = now_ms;
  if (frames_pending_ > 0) --frames_pending_;
  if (!first_frame_drawn_) {
    first_frame_drawn_ = true;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_).count();
    base::LogInfo("station", "first interactive frame " + std::to_string(ms) + " ms after start");
  }
  if (send_tapped_at_ && app_ && app_->state().screen == Screen::kReportDone) {
    // The promise kept: how long from "send" to the ticket a villager sees.
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - *send_tapped_at_).count();
    char line[96];
    std::snprintf(line, sizeof line, "ticket on screen %.1f ms after send", ms);
    base::LogInfo("report", line);
    send_tapped_at_.reset();
  }
  Apply(actions);
  if (atlas_stale_) {
    atlas_stale_ = false;
    RebuildFonts();
    frames_pending_ = std::max(frames_pending_, 1);
  }
}

void Station::Apply(const std::vector<Action>& actions) {
  if (actions.empty() || !app_) return;
  for (Action action : actions) {
    Stamp(action, Now());
    if (std::holds_alternative<SendReport>(action)) send_tapped_at_ = Clock::now();
    app_->Apply(action);
  }
  frames_pending_ = std::max(frames_pending_, 2);
  StartPinCheck();
  CoverTypedText();
}

ReportView Station::MakeReportView() const {
  const AppState& state = app_->state();
  ReportView view;
  view.screen = state.screen;
  view.report = &state.report;
  view.village = state.settings.village;
  view.pinyin = pinyin_ ? &pinyin_->view() : nullptr;
  view.pinyin_ready = pinyin_ && pinyin_->Ready();
  view.camera_preview = report_devices_->preview();
  view.camera_size = report_devices_->preview_size();
  view.camera_failed = report_devices_->camera_failed();
  view.mic_level = report_devices_->mic_level();
  view.recorded_ms = report_devices_->recorded_ms();
  view.photos = report_devices_.get();
  return view;
}

// Hands a report to the saving worker, and the devices' news to the app.
void Station::ServiceReport() {
  if (!app_ || !report_devices_) return;
  if (auto draft = app_->TakeReportToFinalise()) {
    if (outbox_) report_devices_->StartFinalise(*outbox_, std::move(*draft));
  }
  std::vector<Action> happened;
  report_devices_->Service(app_->state(), happened);
  if (!happened.empty()) Apply(happened);
}

// Typed text, pinyin candidates and what sync shows may hold characters the atlas lacks:
// they are added between frames (a rebuild of a few hundred glyphs).
void Station::CoverTypedText() {
  const AppState& s = app_->state();
  std::vector<std::string> texts = {s.draft.station_name, s.draft.village, s.draft.county_server,
                                    s.report.text.text(), s.report.place_detail.text(), s.report.name.text(),
                                    s.report.helper.text()};
  if (pinyin_) {
    for (const PinyinCandidate& candidate : pinyin_->view().candidates) texts.push_back(candidate.text);
    texts.push_back(pinyin_->view().preedit);
  }
  for (const auto& reply : s.check.status ? s.check.status->replies : std::vector<station_sync::ReportReply>{}) {
    texts.push_back(reply.text);
  }
  for (const station_sync::CatalogNotice& notice : s.notices) texts.insert(texts.end(), {notice.title, notice.text});
  // A lesson on its way is named by a title no installed catalog has yet;
  // a stick's label may be Chinese.
  if (s.sync.status) texts.push_back(station_sync::progress::SplitWhat(s.sync.status->what).second);
  for (const station_sync::UsbStick& stick : s.usb.sticks) texts.push_back(stick.name);
  bool missing = false;
  for (std::string& text : texts) {
    if (!text.empty() && !atlas_.Covers(text)) {
      shown_texts_.push_back(std::move(text));
      missing = true;
    }
  }
  if (missing) RebuildFonts();
}

void Station::StartPinCheck() {
  auto pin = app_->TakePinToCheck();
  if (!pin || pin_check_.valid()) return;
  store::Store* store = store_.get();
  const Uint32 wake = wake_event_;
  pin_check_ = std::async(std::launch::async, [store, digits = std::move(*pin), wake, now_s = Now()] {
    auto outcome = AdminPin(*store).Check(digits, now_s);
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

// Keeps the player in step with the app: opens what PlayLesson asked for,
// passes on the villager's commands, reports progress, the end, or a failure,
// and closes the file once the player screen is left.
void Station::ServicePlayback(std::uint64_t now_ms) {
  if (!app_ || !playback_) return;
  if (auto request = app_->TakePlaybackRequest()) {
    playback_->Open(*request, content_dir_);
    last_progress_ms_ = now_ms;
    ui_state_.player_controls_until_s = 0;
    playing_lesson_id_ = request->lesson.id;
  }
  if (auto opened = playback_->TakeOpenResult()) {
    if (!*opened) {
      const base::Error error = opened->error();
      playback_->Close();
      Apply({PlaybackFailed{error, Now()}});
      return;
    }
    base::LogInfo("player", playing_lesson_id_ + ": " + (*opened)->container + " " + (*opened)->video_codec + " " +
                                std::to_string((*opened)->width) + "x" + std::to_string((*opened)->height) + " " +
                                (*opened)->audio_codec);
    frames_pending_ = std::max(frames_pending_, 1);
  }
  if (app_->state().screen != Screen::kPlayer) {
    if (playback_->is_open()) playback_->Close();
    return;
  }
  if (!playback_->is_open()) return;
  for (const PlayerCommand& command : app_->TakePlayerCommands()) {
    if (command.kind == PlayerCommand::Kind::kSeek) {
      base::LogInfo("player", "seek to " + std::to_string(command.position_ms) + " ms");
    }
    playback_->Apply(command);
  }
  if (playback_->Tick()) video_frame_new_ = true;
  const player::PlayerStatus status = playback_->Status();
  if (status.state == player::State::kError) {
    const base::Error error = status.error.value_or(base::MakeError(base::ErrorCode::kIo, "unknown player error"));
    playback_->Close();
    Apply({PlaybackFailed{error, Now()}});
    return;
  }
  if (status.state == player::State::kEnded) {
    playback_->Close();
    Apply({PlaybackEnded{Now()}});
    return;
  }
  // Not while opening or seeking: the position then is not where the villager is.
  if (now_ms - last_progress_ms_ >= kPlaybackProgressMs && !playback_->Waiting()) {
    const auto elapsed = static_cast<std::int64_t>(now_ms - last_progress_ms_);
    last_progress_ms_ = now_ms;
    const bool playing = status.state == player::State::kPlaying;
    app_->Apply(PlaybackProgress{status.position_ms, status.duration_ms, playing, elapsed, Now()});
    video_frame_new_ = true;  // the time and subtitle on screen move on
  }
}

PlayerView Station::MakePlayerView() {
  const AppState& state = app_->state();
  PlayerView view;
  view.title = state.lesson ? state.lesson->lesson.title : "";
  view.controls = state.controls;
  if (playback_->is_open()) {
    const player::PlayerStatus status = playback_->Status();
    view.position_ms = status.position_ms;
    view.duration_ms = status.duration_ms;
    view.waiting = playback_->Waiting();
    const player::MediaInfo& info = playback_->info();
    view.has_video = info.has_video;
    view.has_subtitles = info.subtitle_tracks > 0 || info.sidecar_subtitles;
    view.subtitle = playback_->Subtitle();
    view.cover_art_behind = !info.has_video && playback_->has_frame();
  } else {
    view.waiting = true;
  }
  if (!view.has_video && !view.cover_art_behind && state.lesson) {
    thumbnails_->Lookup(state.lesson->lesson, &view.cover, &view.cover_size);
  }
  if (!view.subtitle.empty() && !atlas_.Covers(view.subtitle)) {
    // An embedded subtitle track brought characters the atlas lacks: add
    // them once this frame is done.
    shown_texts_.push_back(view.subtitle);
    atlas_stale_ = true;
  }
  return view;
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
    LookForSticksWhileShown(now_ms);
    if (pinyin_ && pinyin_->readiness() != pinyin_shown_) {
      pinyin_shown_ = pinyin_->readiness();
      frames_pending_ = std::max(frames_pending_, 1);
    }
    if (sync_changed_.exchange(false) && app_) OnSyncStatusChanged();
    if (ContentStamp() != atlas_content_stamp_) OnContentChanged();
    ServicePlayback(now_ms);
    ServiceReport();
    if (narrator_) narrator_->Follow(app_->state());
    const bool media_frame_due = report_devices_ && report_devices_->Active() && now_ms >= last_media_frame_ms_ + kMediaFrameMs;
    if (media_frame_due) last_media_frame_ms_ = now_ms;
    if (thumbnails_ && thumbnails_->UploadReady()) frames_pending_ = std::max(frames_pending_, 1);
    const bool clock_changed = app_ && app_->state().screen == Screen::kHome && ClockNow() != clock_text_;
    const bool wake_due = ui_.wake_at_s > 0 && now_ms >= ui_.wake_at_s * 1000;
    if (options_.continuous_redraw || frames_pending_ > 0 || ui_.animating || pointer_.HasPending() || clock_changed ||
        !screenshot_path_.empty() || video_frame_new_ || wake_due || media_frame_due) {
      DrawFrame();
    }
  }
  if (script_ && !script_->failed() && !script_->finished()) {
    base::LogWarn("script", "quit before the script finished");
  }
  if (options_.frame_stats && !frame_ms_.empty()) {
    std::sort(frame_ms_.begin(), frame_ms_.end());
    std::sort(frame_cpu_ms_.begin(), frame_cpu_ms_.end());
    auto at = [](const std::vector<double>& v, double q) { return v[static_cast<size_t>(q * (v.size() - 1))]; };
    char line[200];
    std::snprintf(line, sizeof line,
                  "frame times: %zu frames; wall median %.1f ms, p95 %.1f ms, max %.1f ms; "
                  "CPU median %.1f ms, p95 %.1f ms",
                  frame_ms_.size(), at(frame_ms_, 0.5), at(frame_ms_, 0.95), frame_ms_.back(), at(frame_cpu_ms_, 0.5),
                  at(frame_cpu_ms_, 0.95));
    base::LogInfo("station", line);
  }
  return exit_code_;
}

}  // namespace

int RunStation(const Options& options) {
  Station station(options);
  return station.Run();
}

}  // namespace kiosk
