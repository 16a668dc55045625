#include "kiosk/pinyin_input.h"

#include <rime_api.h>

#include <cstdio>
#include <filesystem>
#include <utility>

#include "base/files.h"
#include "base/log.h"

namespace kiosk {
namespace {

constexpr std::string_view kLog = "pinyin";

// X11 keysyms librime expects; printable ASCII keys are their own keysym.
constexpr int kBackSpace = 0xff08;
constexpr int kReturn = 0xff0d;
constexpr int kPageUp = 0xff55;
constexpr int kPageDown = 0xff56;

// librime allows one owner per process (see the header), and glog, which
// librime's setup() initialises, may be initialised only once per process.
std::atomic<bool> g_librime_owned{false};
std::once_flag g_setup_once;

double MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// Rewriting a file librime watches (same bytes, new mtime) would make every
// start a full deployment: write only what changed.
base::Status WriteIfChanged(const std::string& path, const std::string& bytes) {
  auto old = base::ReadFile(path);
  if (old.ok() && *old == bytes) return base::Ok();
  return base::WriteFileDurably(path, bytes);
}

std::string DefaultCustomYaml(const PinyinConfig& config) {
  return "# Written by the village station (kiosk/pinyin_input.cpp) at every start.\n"
         "patch:\n"
         "  schema_list:\n"
         "    - schema: " + config.schema + "\n"
         "  menu/page_size: " + std::to_string(config.page_size) + "\n";
}

std::string SchemaCustomYaml() {
  return "# Written by the village station (kiosk/pinyin_input.cpp) at every start.\n"
         "# A shared kiosk must not learn what one villager typed (names, a complaint)\n"
         "# and offer it to the next: no user dictionary.\n"
         "patch:\n"
         "  translator/enable_user_dict: false\n";
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

PinyinInput::PinyinInput(PinyinConfig config)
    : config_(std::move(config)), created_at_(std::chrono::steady_clock::now()) {
  owns_librime_ = !g_librime_owned.exchange(true);
  if (!owns_librime_) {
    Settle(PinyinReadiness::kFailed,
           base::MakeError(base::ErrorCode::kLocked,
                           "librime already has an owner in this process: one PinyinInput at a time"));
    return;
  }
  worker_ = std::thread([this] { Deploy(); });
}

PinyinInput::~PinyinInput() {
  if (worker_.joinable()) worker_.join();
  if (!owns_librime_) return;
  RimeApi* api = rime_get_api();
  if (session_ != 0) api->destroy_session(session_);
  if (librime_initialized_) {
    api->set_notification_handler(nullptr, nullptr);
    api->finalize();
  }
  g_librime_owned.store(false);
}

std::optional<base::Error> PinyinInput::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

std::optional<PinyinStartup> PinyinInput::startup() const {
  std::lock_guard lock(mutex_);
  return startup_;
}

bool PinyinInput::WaitUntilSettled(int timeout_ms) const {
  std::unique_lock lock(mutex_);
  return settled_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                           [this] { return readiness() != PinyinReadiness::kDeploying; });
}

void PinyinInput::Settle(PinyinReadiness readiness, std::optional<base::Error> error) {
  if (error) base::LogError(kLog, "pinyin input unavailable: " + error->message);
  {
    std::lock_guard lock(mutex_);
    failure_ = std::move(error);
    readiness_.store(readiness, std::memory_order_release);
  }
  settled_.notify_all();
}

void PinyinInput::OnNotification(void* self, std::uintptr_t /*session*/, const char* type,
                                 const char* value) {
  // Called on librime's maintenance thread.
  if (std::string_view(type) == "deploy" && std::string_view(value) == "failure") {
    static_cast<PinyinInput*>(self)->deploy_failed_.store(true);
  }
}

// The worker: our settings, librime's deployment, the session. Touches
// nothing the UI thread reads until Settle() publishes it.
void PinyinInput::Deploy() {
  using base::ErrorCode;
  auto fail = [this](ErrorCode code, std::string message) {
    Settle(PinyinReadiness::kFailed, base::MakeError(code, std::move(message)));
  };
  const std::string schema_file = config_.shared_data_dir + "/" + config_.schema + ".schema.yaml";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(schema_file, ec)) {
    return fail(ErrorCode::kNotFound,
                schema_file + " is missing (install the packages in docs/pinyin.md)");
  }
  for (auto status : {base::MakeDirectories(config_.user_data_dir),
                      WriteIfChanged(config_.user_data_dir + "/default.custom.yaml", DefaultCustomYaml(config_)),
                      WriteIfChanged(config_.user_data_dir + "/" + config_.schema + ".custom.yaml",
                                     SchemaCustomYaml())}) {
    if (!status.ok()) return fail(status.error().code, "rime settings: " + status.error().message);
  }

  RimeApi* api = rime_get_api();
  RIME_STRUCT(RimeTraits, traits);
  traits.shared_data_dir = config_.shared_data_dir.c_str();
  traits.user_data_dir = config_.user_data_dir.c_str();
  traits.distribution_name = "Village Station";
  traits.distribution_code_name = "village-station";
  traits.distribution_version = "1";
  traits.app_name = "rime.village-station";  // glog keeps this pointer: a literal
  traits.min_log_level = 2;                   // errors only
  traits.log_dir = "";                        // "": glog writes to stderr, no files in /tmp
  std::call_once(g_setup_once, [&] { api->setup(&traits); });
  api->set_notification_handler(&PinyinInput::OnNotification, this);
  api->initialize(&traits);  // loads modules; quick
  librime_initialized_ = true;

  // start_maintenance only checks for changes (a few ms) and returns false
  // when there are none; otherwise it deploys on librime's own thread.
  const auto deploy_start = std::chrono::steady_clock::now();
  const bool deployed = api->start_maintenance(/*full_check=*/False) != False;
  api->join_maintenance_thread();
  const double deploy_ms = MsSince(deploy_start);
  if (deploy_failed_.load()) {
    return fail(ErrorCode::kUnavailable, "librime failed to deploy " + config_.user_data_dir +
                                             " (its log on stderr says why)");
  }

  const auto session_start = std::chrono::steady_clock::now();
  session_ = api->create_session();  // loads the schema and dictionaries: ~50 ms
  if (session_ == 0) return fail(ErrorCode::kUnavailable, "librime refused a session");
  char current[128] = {};
  if (!api->get_current_schema(session_, current, sizeof current) || config_.schema != current) {
    api->select_schema(session_, config_.schema.c_str());
    current[0] = '\0';
    api->get_current_schema(session_, current, sizeof current);
    if (config_.schema != current) {
      return fail(ErrorCode::kNotFound, "librime has no schema " + config_.schema + " after deployment");
    }
  }
  api->set_option(session_, "ascii_mode", False);
  const double session_ms = MsSince(session_start);

  const PinyinStartup startup{MsSince(created_at_), deploy_ms, session_ms, deployed};
  {
    std::lock_guard lock(mutex_);
    startup_ = startup;
  }
  char line[160];
  std::snprintf(line, sizeof line, "pinyin input ready after %.0f ms (%s %.0f ms, session %.0f ms)",
                startup.ready_after_ms, deployed ? "deployed in" : "checked deployment in", deploy_ms,
                session_ms);
  base::LogInfo(kLog, line);
  Settle(PinyinReadiness::kReady, std::nullopt);
}

// --- Input (UI thread) ---------------------------------------------------

KeyOutcome PinyinInput::SendKey(int keysym) {
  const bool taken = rime_get_api()->process_key(session_, keysym, 0) != False;
  CollectCommit();
  RefreshView();
  return taken ? KeyOutcome::kTaken : KeyOutcome::kUnused;
}

KeyOutcome PinyinInput::PressLetter(char key) {
  if (!Ready()) return KeyOutcome::kNotReady;
  if (key < ' ' || key > '~') return KeyOutcome::kUnused;
  if (IsDigit(key) && view_.composing()) {
    // librime would take the digit as "pick candidate N"; a touch keyboard
    // picks by tapping the bar, so a digit finishes the word and follows it.
    rime_get_api()->commit_composition(session_);
    CollectCommit();
    RefreshView();
  }
  if (SendKey(key) == KeyOutcome::kUnused) commit_ += key;  // Latin mode, digits, a space
  return KeyOutcome::kTaken;
}

KeyOutcome PinyinInput::Backspace() {
  if (!Ready()) return KeyOutcome::kNotReady;
  return SendKey(kBackSpace);
}

KeyOutcome PinyinInput::Space() { return PressLetter(' '); }

KeyOutcome PinyinInput::Enter() {
  if (!Ready()) return KeyOutcome::kNotReady;
  return SendKey(kReturn);
}

KeyOutcome PinyinInput::SelectCandidate(int index_on_page) {
  if (!Ready()) return KeyOutcome::kNotReady;
  if (index_on_page < 0 || index_on_page >= static_cast<int>(view_.candidates.size())) {
    return KeyOutcome::kUnused;
  }
  const bool taken = rime_get_api()->select_candidate_on_current_page(
                         session_, static_cast<std::size_t>(index_on_page)) != False;
  CollectCommit();
  RefreshView();
  return taken ? KeyOutcome::kTaken : KeyOutcome::kUnused;
}

KeyOutcome PinyinInput::PageDown() {
  if (!Ready()) return KeyOutcome::kNotReady;
  return SendKey(kPageDown);
}

KeyOutcome PinyinInput::PageUp() {
  if (!Ready()) return KeyOutcome::kNotReady;
  return SendKey(kPageUp);
}

KeyOutcome PinyinInput::Clear() {
  if (!Ready()) return KeyOutcome::kNotReady;
  if (!view_.composing()) return KeyOutcome::kUnused;
  rime_get_api()->clear_composition(session_);
  RefreshView();
  return KeyOutcome::kTaken;
}

KeyOutcome PinyinInput::SetLatinMode(bool latin) {
  if (!Ready()) return KeyOutcome::kNotReady;
  RimeApi* api = rime_get_api();
  if (latin && view_.composing()) {
    api->commit_composition(session_);
    CollectCommit();
  }
  api->set_option(session_, "ascii_mode", latin ? True : False);
  RefreshView();
  return KeyOutcome::kTaken;
}

std::string PinyinInput::TakeCommit() { return std::exchange(commit_, {}); }

void PinyinInput::CollectCommit() {
  RimeApi* api = rime_get_api();
  RIME_STRUCT(RimeCommit, commit);
  if (api->get_commit(session_, &commit)) {
    if (commit.text != nullptr) commit_ += commit.text;
    api->free_commit(&commit);
  }
}

void PinyinInput::RefreshView() {
  RimeApi* api = rime_get_api();
  PinyinView view;
  RIME_STRUCT(RimeContext, context);
  if (api->get_context(session_, &context)) {
    if (context.composition.preedit != nullptr) view.preedit = context.composition.preedit;
    const RimeMenu& menu = context.menu;
    for (int i = 0; i < menu.num_candidates; ++i) {
      const RimeCandidate& candidate = menu.candidates[i];
      view.candidates.push_back({candidate.text != nullptr ? candidate.text : "",
                                 candidate.comment != nullptr ? candidate.comment : ""});
    }
    view.page = menu.page_no;
    view.last_page = menu.is_last_page != False || menu.num_candidates == 0;
    view.highlighted = menu.highlighted_candidate_index;
    api->free_context(&context);
  }
  if (const char* input = api->get_input(session_)) view.raw_input = input;
  view.latin_mode = api->get_option(session_, "ascii_mode") != False;
  view_ = std::move(view);
}

}  // namespace kiosk
