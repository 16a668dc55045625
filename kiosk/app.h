// The station app's state and the one place it changes.
//
// Screens are functions of a view built from AppState; they return typed
// intents (Action). App::Apply() is the reducer: one small function per
// intent. Nothing here knows ImGui or SDL, so all of it is testable without
// a window, and the scripted driver exercises exactly what a finger does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"
#include "kiosk/admin_pin.h"
#include "kiosk/message.h"
#include "kiosk/report_flow.h"
#include "kiosk/viewing.h"
#include "store/lessons.h"
#include "sync/content_sync.h"
#include "sync/sync_engine.h"
#include "sync/usb_sticks.h"

namespace store { class Store; }
namespace station_sync { class Outbox; }

namespace kiosk {

enum class Screen {
  kHome, kLibrary, kLesson, kPlayer, kAdminPin, kAdminSettings,
  // The admin area's sync page, the enrolment code keypad, and USB sticks.
  kAdminSync, kAdminEnrol, kAdminUsb,
  // A notice from the county (a meeting, an announcement), read out.
  kNotice,
  // Report a problem, step by step, then the ticket.
  kReportWhat, kReportSay, kReportWrite, kReportPhotos, kReportWhere, kReportWho, kReportCheck,
  kReportDone, kReportUnavailable,
  // Check my report.
  kCheckCode, kCheckStatus,
};
class PinyinInput;
std::string_view ScreenName(Screen screen);  // "home", "library", ...

// The services on the home screen.
enum class Service { kWatchLessons, kReportProblem, kCheckReport };

struct StationSettings {
  std::string station_name;
  std::string village;
  std::string language = "zh-CN";
  std::string county_server;

  bool operator==(const StationSettings&) const = default;
};

StationSettings LoadSettings(const store::Store& store);
base::Status SaveSettings(store::Store& store, const StationSettings& settings);


struct PinPadState {
  enum class Mode { kEnter, kCreate, kConfirm };
  Mode mode = Mode::kEnter;
  std::string digits;
  std::string first_entry;  // kConfirm: what was typed in kCreate
  Message message;
  bool checking = false;    // a typed PIN is being verified off the UI thread
};

// The lesson library: the shelf on screen, loaded whole from the store when
// it is opened (5,000 lessons are a few MB), never per frame.
struct LibraryState {
  store::Shelf shelf = store::Shelf::kAll;
  std::string category;  // for Shelf::kCategory
  std::vector<store::LessonEntry> entries;
  std::vector<std::pair<std::string, int>> categories;  // visible ones, with counts
  bool any_in_progress = false;  // the continue-watching shelf has lessons
  bool any_watched = false;      // the most-watched shelf has lessons
  Message message;               // e.g. why the last lesson did not play
  std::uint64_t generation = 0;  // bumped whenever entries change (scroll resets)
};

// What the station's player must do next; taken by the event loop.
struct PlaybackRequest {
  std::uint64_t id = 0;  // increases per request
  store::Lesson lesson;
  std::int64_t start_ms = 0;
};

struct PlayerControls {
  bool paused = false;
  double volume = 1.0;
  double speed = 1.0;
  bool subtitles = true;
};

// A change the villager asked of the playing lesson.
struct PlayerCommand {
  enum class Kind { kPlay, kPause, kSeek, kVolume, kSpeed, kSubtitles };
  Kind kind;
  std::int64_t position_ms = 0;  // kSeek
  double value = 0;              // kVolume, kSpeed
  bool enabled = false;          // kSubtitles
};

// The admin area's view of the sync with the county: read from the store
// when the page opens and whenever the engine reports a change.
struct SyncPage {
  std::optional<station_sync::SyncStatus> status;
  Message message;       // e.g. "sync requested", or why the status cannot be read
  std::string typed;     // enrolment code symbols typed so far
  Message code_message;  // under the code boxes: a typo
  std::int64_t read_at = 0;
};

// The admin area's USB page: the sticks plugged in (looked for when it
// opens, every few seconds while it shows, and after each job) and which
// one the buttons act on. The job itself runs in the sync engine; its
// progress and outcome come with the sync status (SyncPage::status).
struct UsbPage {
  std::vector<station_sync::UsbStick> sticks;
  std::size_t chosen = 0;
  std::int64_t installed_version = 0;  // the catalog this station has
  Message message;
  std::int64_t last_job_seen = 0;  // usb_last's finished_at when sticks were last looked at
};

struct AppState {
  Screen screen = Screen::kHome;
  LibraryState library;
  std::optional<store::LessonEntry> lesson;  // kLesson, kPlayer
  Message lesson_message;                    // on the lesson page
  PlayerControls controls;
  std::optional<Viewing> viewing;            // while a lesson plays
  std::vector<store::QuarantinedLesson> quarantined;  // for the admin area
  StationSettings settings;  // as saved in the store
  StationSettings draft;     // being edited in the admin area
  PinPadState pin;
  Message settings_message;
  bool admin_unlocked = false;
  bool quit_requested = false;
  ReportFlow report;
  CheckFlow check;
  SyncPage sync;
  UsbPage usb;
  std::vector<station_sync::CatalogNotice> notices;  // newest first, from the accepted catalog
  std::size_t notice_shown = 0;                      // kNotice: which one
  std::uint64_t prompt_generation = 0;  // bumped by "listen again"
};

// --- Intents -------------------------------------------------------------
struct GoHome {};
struct OpenService { Service service; };
struct OpenAdmin {};  // the hidden long-press gesture
struct PinDigit { char digit; };
struct PinDelete {};
struct PinSubmit {};
struct EditDraft { StationSettings draft; };
struct SaveDraft {};
struct IdleTimeout {};
// The outcome of verifying the PIN handed out by App::TakePinToCheck().
struct PinChecked { base::Result<PinCheck> outcome; };

// Lessons. Times come with the intents so the reducer reads no clock.
struct ShowShelf { store::Shelf shelf; std::string category; };
struct OpenLesson { std::string lesson_id; };
struct BackToLibrary {};
struct PlayLesson { std::string lesson_id; bool from_start = false; std::int64_t now = 0; };
struct ControlPlayer { PlayerCommand command; };
struct ClosePlayer { std::int64_t now = 0; };  // the villager left the player
// From the event loop, about the lesson playing.
struct PlaybackProgress { std::int64_t position_ms; std::int64_t duration_ms; bool playing; std::int64_t elapsed_ms; std::int64_t now; };
struct PlaybackEnded { std::int64_t now = 0; };
struct PlaybackFailed { base::Error error; std::int64_t now = 0; };
// The installed catalog changed (sync, USB, a new demo).
struct CatalogChanged {};
struct RestoreLesson { std::string lesson_id; };
// The admin area's sync page. (The enrolment code is typed with the
// check-my-report keypad's CheckKey / CheckDelete / CheckSubmit.)
struct OpenSyncPage { std::int64_t now = 0; };
struct BackToSettings {};
struct OpenNotice { std::size_t index = 0; };
struct SyncStatusChanged { std::int64_t now = 0; };  // the engine wrote its status row
struct SyncNow { std::int64_t now = 0; };
struct OpenEnrolment {};
struct OpenUsbPage { std::int64_t now = 0; };
struct LookForSticks {};
struct ChooseStick { std::size_t index = 0; };
struct StartUsbJob { station_sync::UsbJob job = station_sync::UsbJob::kImportPackage; std::int64_t now = 0; };

// Report a problem. Steps move forward and back in a fixed order; the check
// step can jump to any earlier one to change it.
struct ReportNext {};
struct ReportBack {};
struct ReportEditStep { Screen step; };
struct ChooseCategory { std::string id; };
struct StartRecording {};
struct StopRecording {};
struct DiscardVoice {};
struct PlayVoice { bool play = true; };
struct TakePhoto {};
struct RemovePhoto { std::uint64_t photo_id; };
struct FocusField { TextField field; };
struct ChooseReporter { bool named = false; bool for_resident = false; };
struct KeyPress {
  enum class Kind { kLetter, kBackspace, kSpace, kEnter, kCandidate, kPageUp, kPageDown, kMode };
  Kind kind = Kind::kLetter;
  char letter = 0;                          // kLetter: a key cap, ' ' to '~'
  int candidate = 0;                        // kCandidate: index on the page
  KeyboardMode mode = KeyboardMode::kPinyin;  // kMode
};
struct SendReport { std::int64_t now = 0; };
struct LeaveReport {};     // confirmed: discard the report under way
struct StayInReport {};
struct SpeakAgain {};
// From the station's devices and workers.
struct VoiceRecorded { base::Result<ReportVoice> note; };
struct VoicePlaybackEnded {};
struct PhotoTaken { base::Result<ReportPhoto> photo; };
struct ReportFinalised { base::Result<station_sync::SubmittedReport> outcome; };
// Check my report.
struct CheckKey { char symbol; };
struct CheckDelete {};
struct CheckSubmit { std::int64_t now = 0; };
struct RateReport { int faces = 0; std::int64_t now = 0; };
struct OpenSubmittedReport { std::int64_t now = 0; };  // from the ticket screen

using Action = std::variant<GoHome, OpenService, OpenAdmin, PinDigit, PinDelete, PinSubmit,
                            EditDraft, SaveDraft, IdleTimeout, PinChecked, ShowShelf, OpenLesson,
                            BackToLibrary, PlayLesson, ControlPlayer, ClosePlayer, PlaybackProgress,
                            PlaybackEnded, PlaybackFailed, CatalogChanged, RestoreLesson, ReportNext, ReportBack,
                            ReportEditStep, ChooseCategory, StartRecording, StopRecording, DiscardVoice, PlayVoice,
                            TakePhoto, RemovePhoto, FocusField, ChooseReporter, KeyPress, SendReport, LeaveReport,
                            StayInReport, SpeakAgain, VoiceRecorded, VoicePlaybackEnded, PhotoTaken, ReportFinalised,
                            CheckKey, CheckDelete, CheckSubmit, RateReport, OpenSubmittedReport, OpenSyncPage,
                            SyncStatusChanged, SyncNow, OpenEnrolment, BackToSettings, OpenNotice, OpenUsbPage,
                            LookForSticks, ChooseStick, StartUsbJob>;

// What the report flow needs from the station. Either may be absent: no
// outbox means reporting is not set up here (a notice says so); no pinyin
// engine means the keyboard types Latin letters and digits only.
struct ReportTools {
  station_sync::Outbox* outbox = nullptr;
  PinyinInput* pinyin = nullptr;
  std::string language_of_reports = "zh-CN";
};

class App {
 public:
  explicit App(store::Store& store);

  const AppState& state() const { return state_; }
  void Apply(const Action& action);

  // Verifying a PIN takes Argon2id's deliberate 0.1–1 s, too long for the UI
  // thread: a submitted PIN waits here for the caller to verify it (with
  // AdminPin::Check, on a worker) and report back with PinChecked.
  std::optional<std::string> TakePinToCheck();
  // The lesson the event loop must open (PlayLesson), and the changes to
  // the one playing, in order.
  std::optional<PlaybackRequest> TakePlaybackRequest();
  std::vector<PlayerCommand> TakePlayerCommands();
  // Playbacks the station did not finish before it last stopped count as
  // failures (a lesson that crashes the station must not do it forever).
  void RecoverInterruptedPlaybacks(std::int64_t now);

  void AttachReportTools(ReportTools tools) { report_tools_ = tools; }
  // The report to save durably, once "send" was tapped: the caller runs
  // Outbox::Finalise() on a worker and reports back with ReportFinalised.
  std::optional<station_sync::ReportDraft> TakeReportToFinalise();

 private:
  void On(const GoHome&);
  void On(const OpenService&);
  void On(const OpenAdmin&);
  void On(const PinDigit&);
  void On(const PinDelete&);
  void On(const PinSubmit&);
  void On(const EditDraft&);
  void On(const SaveDraft&);
  void On(const IdleTimeout&);
  void On(const PinChecked&);
  void On(const ShowShelf&);
  void On(const OpenLesson&);
  void On(const BackToLibrary&);
  void On(const PlayLesson&);
  void On(const ControlPlayer&);
  void On(const ClosePlayer&);
  void On(const PlaybackProgress&);
  void On(const PlaybackEnded&);
  void On(const PlaybackFailed&);
  void On(const CatalogChanged&);
  void On(const RestoreLesson&);
  void On(const ReportNext&);
  void On(const ReportBack&);
  void On(const ReportEditStep&);
  void On(const ChooseCategory&);
  void On(const StartRecording&);
  void On(const StopRecording&);
  void On(const DiscardVoice&);
  void On(const PlayVoice&);
  void On(const TakePhoto&);
  void On(const RemovePhoto&);
  void On(const FocusField&);
  void On(const ChooseReporter&);
  void On(const KeyPress&);
  void On(const SendReport&);
  void On(const LeaveReport&);
  void On(const StayInReport&);
  void On(const SpeakAgain&);
  void On(const VoiceRecorded&);
  void On(const VoicePlaybackEnded&);
  void On(const PhotoTaken&);
  void On(const ReportFinalised&);
  void On(const CheckKey&);
  void On(const CheckDelete&);
  void On(const CheckSubmit&);
  void On(const RateReport&);
  void On(const OpenSubmittedReport&);
  void On(const OpenSyncPage&);
  void On(const SyncStatusChanged&);
  void On(const SyncNow&);
  void On(const OpenEnrolment&);
  void On(const BackToSettings&);
  void On(const OpenNotice&);
  void On(const OpenUsbPage&);
  void On(const LookForSticks&);
  void On(const ChooseStick&);
  void On(const StartUsbJob&);

  void SubmitNewPin();
  void SubmitConfirmedPin();
  void SubmitExistingPin();
  void EnterAdminSettings();
  void LoadShelf(store::Shelf shelf, const std::string& category);
  void LoadQuarantined();
  void FinishViewing(std::int64_t now, bool ended);
  void StartReportFlow();
  void ResetToHome();
  EditableText& Editing();
  void TypeCommitted();
  void CommitComposition();
  void LoadReportStatus(const std::string& code, std::int64_t now);
  void LoadSyncStatus(std::int64_t now);
  void ForgetRequestedOnceStarted();
  void LoadNotices();
  struct CodeEntry {
    std::string* typed;
    Message* message;
  };
  CodeEntry TypedCode();  // the code being typed on the screen shown
  void SubmitEnrolmentCode();
  void LoadSticks();

  store::Store& store_;
  AdminPin admin_pin_;
  store::LessonLibrary library_;
  AppState state_;
  std::optional<std::string> pin_to_check_;
  std::optional<PlaybackRequest> playback_request_;
  std::uint64_t next_playback_id_ = 1;
  std::vector<PlayerCommand> player_commands_;
  std::int64_t last_progress_at_ = 0;  // `now` of the last PlaybackProgress
  ReportTools report_tools_;
  std::optional<station_sync::ReportDraft> report_to_finalise_;
};

// The step before / after `step` in the report flow (itself at the ends).
Screen PreviousReportStep(Screen step);
Screen NextReportStep(Screen step);
bool IsReportStep(Screen screen);
// Behind the PIN: the settings, the sync page, the enrolment keypad, USB.
bool IsAdminScreen(Screen screen);

}  // namespace kiosk
