// Chinese pinyin input for the on-screen keyboard, through librime.
//
// PinyinInput owns librime for the whole process. librime is a process-wide
// singleton (one deployer, one session table, glog set up once), so the
// station owns exactly one PinyinInput for its lifetime; a second one alive at
// the same time fails (readiness kFailed) instead of sharing librime's state.
// Tests may create one after another: each initialises and finalises librime.
//
// Start-up. librime must first "deploy" its dictionaries into a user data
// directory we own (<data>/rime): compile the schema, copy the prebuilt
// tables Debian ships. That takes about half a second here on a fresh
// directory, longer on a weak box, and is cached for later starts (only
// checked, ~0.1 s). The constructor returns at once; a worker thread writes
// our settings, initialises librime, runs the deployment and opens the
// session. Until then every input call returns KeyOutcome::kNotReady and
// changes nothing: the keyboard shows its Latin and digit keys and edits the
// text directly. If deployment fails (data not installed, disk full) the
// engine stays kFailed with the reason; the keyboard stays Latin.
//
// Threads. Construction, destruction and every other call belong to one
// thread, the UI thread. The worker touches librime only before readiness
// turns kReady (a release store; the UI thread's acquire load sees the
// session), and never after. No input call blocks on the worker: before
// readiness they return at once, after it librime answers a key in about a
// millisecond. Only the destructor waits, for a deployment still running, at
// station exit.
//
// Keys. PressLetter() takes any printable ASCII key cap: letters compose
// pinyin; a digit or punctuation while composing first commits the
// highlighted candidate (digits never pick candidates: the bar is tapped
// instead); in Latin mode, or with nothing composed, a key the engine does
// not use is committed as it is, so everything typed reaches the text through
// TakeCommit(), in order. Backspace and Enter with nothing composed are
// kUnused: the keyboard applies them to the text (delete, new line).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"

namespace kiosk {

struct PinyinConfig {
  std::string user_data_dir;  // ours alone, created if missing: <data>/rime
  std::string shared_data_dir = "/usr/share/rime-data";  // Debian's rime-data
  // Simplified characters by default (Luna Pinyin through OpenCC t2s).
  std::string schema = "luna_pinyin_simp";
  int page_size = 6;  // candidates per page of the candidate bar
};

enum class PinyinReadiness { kDeploying, kReady, kFailed };

enum class KeyOutcome {
  kNotReady,  // not deployed yet (or failed): nothing changed
  kTaken,     // the engine used the key: view() or the commit changed
  kUnused,    // nothing for the engine to do: the keyboard applies the key to the text
};

struct PinyinCandidate {
  std::string text;     // "你好"
  std::string comment;  // usually empty; e.g. a spelling hint
  bool operator==(const PinyinCandidate&) const = default;
};

// What the keyboard draws; refreshed after every key, read every frame.
struct PinyinView {
  std::string preedit;    // "ni hao"; "尼ha" once part is chosen; empty: not composing
  std::string raw_input;  // the letters typed: "nihao"
  std::vector<PinyinCandidate> candidates;  // the current page
  int page = 0;
  bool last_page = true;
  int highlighted = 0;  // what Space() would commit
  bool latin_mode = false;

  bool composing() const { return !raw_input.empty(); }
};

// How the engine became ready, for the log and the report.
struct PinyinStartup {
  double ready_after_ms = 0;  // construction to kReady
  double deploy_ms = 0;       // librime's maintenance: deployment or the check for changes
  double session_ms = 0;      // loading the schema and dictionaries into a session
  bool deployed = false;      // the data changed (or was never deployed) and was deployed
};

class PinyinInput {
 public:
  // Returns at once; deployment runs on a worker thread.
  explicit PinyinInput(PinyinConfig config);
  // Waits for a deployment still running (librime cannot cancel it).
  ~PinyinInput();
  PinyinInput(const PinyinInput&) = delete;
  PinyinInput& operator=(const PinyinInput&) = delete;

  PinyinReadiness readiness() const { return readiness_.load(std::memory_order_acquire); }
  bool Ready() const { return readiness() == PinyinReadiness::kReady; }
  // Why it failed (kFailed only).
  std::optional<base::Error> failure() const;
  // Set once ready.
  std::optional<PinyinStartup> startup() const;
  // Blocks until ready or failed, or the timeout; true when settled. For
  // tests and tools: the UI thread polls Ready() instead.
  bool WaitUntilSettled(int timeout_ms) const;

  // Input. All on the UI thread; each returns kNotReady before readiness.
  KeyOutcome PressLetter(char key);  // printable ASCII, ' ' to '~'
  KeyOutcome Backspace();
  KeyOutcome Space();  // commits the highlighted candidate; a space when not composing
  KeyOutcome Enter();  // commits the letters typed ("nihao") as they are
  KeyOutcome SelectCandidate(int index_on_page);
  KeyOutcome PageDown();
  KeyOutcome PageUp();
  KeyOutcome Clear();  // drops the composition
  // Switching to Latin commits what is composed (the highlighted candidate).
  KeyOutcome SetLatinMode(bool latin);

  const PinyinView& view() const { return view_; }
  // What was committed since the last call, UTF-8, in typing order.
  std::string TakeCommit();

 private:
  void Deploy();  // the worker
  void Settle(PinyinReadiness readiness, std::optional<base::Error> error);
  static void OnNotification(void* self, std::uintptr_t session, const char* type,
                             const char* value);
  KeyOutcome SendKey(int keysym);
  void CollectCommit();
  void RefreshView();

  // Set by the constructor, then read-only.
  const PinyinConfig config_;
  const std::chrono::steady_clock::time_point created_at_;
  bool owns_librime_ = false;  // false: another PinyinInput is alive

  // Written by the worker before readiness turns kReady or kFailed, read by
  // the UI thread after (ordered by readiness_).
  std::uintptr_t session_ = 0;
  bool librime_initialized_ = false;
  std::atomic<PinyinReadiness> readiness_{PinyinReadiness::kDeploying};
  std::atomic<bool> deploy_failed_{false};  // from librime's maintenance thread

  // Guarded by mutex_: settled state for WaitUntilSettled(), failure(), startup().
  mutable std::mutex mutex_;
  mutable std::condition_variable settled_;
  std::optional<base::Error> failure_;
  std::optional<PinyinStartup> startup_;

  // UI thread only.
  PinyinView view_;
  std::string commit_;

  std::thread worker_;  // last: started after everything above exists
};

}  // namespace kiosk
