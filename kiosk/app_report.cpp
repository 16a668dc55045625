// The report part of the reducer: "report a problem" step by step, the
// on-screen keyboard, and "check my report".

#include "base/log.h"
#include "kiosk/app.h"
#include "kiosk/pinyin_input.h"
#include "store/store.h"
#include "sync/ticket_code.h"

namespace kiosk {
namespace {

constexpr Screen kReportSteps[] = {Screen::kReportWhat,  Screen::kReportSay, Screen::kReportWrite,
                                   Screen::kReportPhotos, Screen::kReportWhere, Screen::kReportWho,
                                   Screen::kReportCheck};

int StepIndex(Screen step) {
  for (int i = 0; i < static_cast<int>(std::size(kReportSteps)); ++i) {
    if (kReportSteps[i] == step) return i;
  }
  return -1;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool IsReportStep(Screen screen) { return StepIndex(screen) >= 0; }

Screen PreviousReportStep(Screen step) {
  const int i = StepIndex(step);
  return i > 0 ? kReportSteps[i - 1] : step;
}

Screen NextReportStep(Screen step) {
  const int i = StepIndex(step);
  return i >= 0 && i + 1 < static_cast<int>(std::size(kReportSteps)) ? kReportSteps[i + 1] : step;
}

std::optional<station_sync::ReportDraft> App::TakeReportToFinalise() {
  std::optional<station_sync::ReportDraft> draft;
  draft.swap(report_to_finalise_);
  return draft;
}

void App::StartReportFlow() {
  state_.report = ReportFlow{};
  if (!report_tools_.outbox) {
    state_.screen = Screen::kReportUnavailable;
    return;
  }
  const station_sync::ReportDraft draft = report_tools_.outbox->StartReport();
  state_.report.report_id = draft.report_id;
  state_.report.started_at = draft.started_at_s;
  state_.report.max_photos = report_tools_.outbox->config().limits.max_photos;
  state_.screen = Screen::kReportWhat;
  base::LogInfo("report", "report " + draft.report_id.substr(0, 8) + " started");
}

// Entering a step focuses the field it edits, with the keyboard that suits it.
static void EnterStep(ReportFlow& report, Screen& screen, Screen step) {
  screen = step;
  report.message = {};
  report.playing_voice = false;
  if (step == Screen::kReportWrite) {
    report.editing = TextField::kText;
    report.keyboard = KeyboardMode::kPinyin;
  } else if (step == Screen::kReportWhere) {
    report.editing = TextField::kPlaceDetail;
    report.keyboard = KeyboardMode::kPinyin;
  }
}

void App::On(const ReportNext&) {
  ReportFlow& report = state_.report;
  if (!IsReportStep(state_.screen) || report.saving) return;
  if (state_.screen == Screen::kReportWhat && report.category.empty()) {
    report.message = {"report.what.pick", {}, true};
    return;
  }
  report.recording = false;  // the note recorded so far arrives as VoiceRecorded
  CommitComposition();
  const Screen next = report.back_to_check ? Screen::kReportCheck : NextReportStep(state_.screen);
  if (next == Screen::kReportCheck) report.back_to_check = false;
  EnterStep(report, state_.screen, next);
}

void App::On(const ReportBack&) {
  ReportFlow& report = state_.report;
  if (report.saving) return;
  if (state_.screen == Screen::kReportWhat) {
    On(GoHome{});
    return;
  }
  if (!IsReportStep(state_.screen)) return;
  report.recording = false;
  CommitComposition();
  EnterStep(report, state_.screen, PreviousReportStep(state_.screen));
}

void App::On(const ReportEditStep& edit) {
  if (state_.screen != Screen::kReportCheck || !IsReportStep(edit.step) || state_.report.saving) return;
  state_.report.back_to_check = true;
  EnterStep(state_.report, state_.screen, edit.step);
}

void App::On(const ChooseCategory& choice) {
  if (state_.screen != Screen::kReportWhat) return;
  for (const ReportCategory& category : kReportCategories) {
    if (choice.id == category.id) {
      state_.report.category = choice.id;
      const bool back_to_check = state_.report.back_to_check;
      state_.report.back_to_check = false;
      EnterStep(state_.report, state_.screen, back_to_check ? Screen::kReportCheck : Screen::kReportSay);
      return;
    }
  }
}

void App::On(const StartRecording&) {
  if (state_.screen != Screen::kReportSay) return;
  state_.report.voice.reset();
  state_.report.playing_voice = false;
  state_.report.recording = true;
  state_.report.message = {};
}

void App::On(const StopRecording&) { state_.report.recording = false; }

void App::On(const DiscardVoice&) {
  state_.report.voice.reset();
  state_.report.playing_voice = false;
}

void App::On(const PlayVoice& play) {
  state_.report.playing_voice = play.play && state_.report.voice && !state_.report.recording;
}

void App::On(const VoicePlaybackEnded&) { state_.report.playing_voice = false; }

void App::On(const VoiceRecorded& recorded) {
  ReportFlow& report = state_.report;
  report.recording = false;
  if (!IsReportStep(state_.screen)) return;  // the report was abandoned meanwhile
  if (!recorded.note) {
    base::LogError("report", "voice note failed: " + recorded.note.error().message);
    report.message = {"report.say.mic_failed", {}, true};
    return;
  }
  if (recorded.note->duration_ms < 500) {
    report.message = {"report.say.too_short", {}, true};
    return;
  }
  report.voice = *recorded.note;
  base::LogInfo("report", "voice note recorded: " + std::to_string(report.voice->duration_ms) + " ms, " +
                              std::to_string(report.voice->ogg.size()) + " bytes");
}

void App::On(const TakePhoto&) {
  ReportFlow& report = state_.report;
  if (state_.screen != Screen::kReportPhotos) return;
  if (static_cast<int>(report.photos.size()) >= report.max_photos) {
    report.message = {"report.photos.full", {{"n", std::to_string(report.max_photos)}}, true};
    return;
  }
  ++report.photo_requests;
}

void App::On(const PhotoTaken& taken) {
  ReportFlow& report = state_.report;
  if (!IsReportStep(state_.screen)) return;
  if (!taken.photo) {
    base::LogError("report", "photo failed: " + taken.photo.error().message);
    report.message = {"report.photos.camera_failed", {}, true};
    return;
  }
  if (static_cast<int>(report.photos.size()) >= report.max_photos) return;
  ReportPhoto photo = *taken.photo;
  photo.id = report.next_photo_id++;
  base::LogInfo("report", "photo " + std::to_string(photo.id) + " taken: " + std::to_string(photo.width) + "x" +
                              std::to_string(photo.height) + ", " + std::to_string(photo.jpeg.size()) + " bytes");
  report.photos.push_back(std::move(photo));
  report.message = {};
}

void App::On(const RemovePhoto& remove) {
  auto& photos = state_.report.photos;
  std::erase_if(photos, [&](const ReportPhoto& p) { return p.id == remove.photo_id; });
  state_.report.message = {};
}

void App::On(const FocusField& focus) {
  ReportFlow& report = state_.report;
  CommitComposition();
  report.editing = focus.field;
  report.keyboard = focus.field == TextField::kPhone ? KeyboardMode::kDigits : KeyboardMode::kPinyin;
}

void App::On(const ChooseReporter& choice) {
  ReportFlow& report = state_.report;
  if (state_.screen != Screen::kReportWho) return;
  report.named = choice.named;
  report.for_resident = choice.for_resident;
  report.message = {};
  On(FocusField{choice.for_resident ? TextField::kHelper : choice.named ? TextField::kName : TextField::kText});
}

EditableText& App::Editing() {
  ReportFlow& report = state_.report;
  switch (report.editing) {
    case TextField::kText: return report.text;
    case TextField::kPlaceDetail: return report.place_detail;
    case TextField::kName: return report.name;
    case TextField::kPhone: return report.phone;
    case TextField::kHelper: return report.helper;
  }
  return report.text;
}

void App::TypeCommitted() {
  if (report_tools_.pinyin) Editing().Insert(report_tools_.pinyin->TakeCommit());
}

// Leaving a field keeps what was being typed: the highlighted candidate, as
// switching to Latin does.
void App::CommitComposition() {
  PinyinInput* ime = report_tools_.pinyin;
  if (!ime || !ime->Ready()) return;
  if (ime->view().composing()) ime->Space();
  TypeCommitted();
}

void App::On(const KeyPress& key) {
  ReportFlow& report = state_.report;
  if (report.saving) return;
  EditableText& field = Editing();
  PinyinInput* ime = report.keyboard == KeyboardMode::kPinyin && report_tools_.pinyin && report_tools_.pinyin->Ready()
                         ? report_tools_.pinyin
                         : nullptr;
  const bool digits_only = report.editing == TextField::kPhone;
  KeyOutcome outcome = KeyOutcome::kUnused;
  switch (key.kind) {
    case KeyPress::Kind::kLetter:
      if (key.letter < ' ' || key.letter > '~' || (digits_only && !IsDigit(key.letter))) return;
      if (ime) outcome = ime->PressLetter(key.letter);
      if (outcome != KeyOutcome::kTaken) field.Insert(std::string(1, key.letter));
      break;
    case KeyPress::Kind::kBackspace:
      if (ime) outcome = ime->Backspace();
      if (outcome != KeyOutcome::kTaken) field.Backspace();
      break;
    case KeyPress::Kind::kSpace:
      if (digits_only) return;
      if (ime) outcome = ime->Space();
      if (outcome != KeyOutcome::kTaken) field.Insert(" ");
      break;
    case KeyPress::Kind::kEnter:
      if (ime) outcome = ime->Enter();
      if (outcome != KeyOutcome::kTaken && report.editing == TextField::kText) field.Insert("\n");
      break;
    case KeyPress::Kind::kCandidate:
      if (ime) ime->SelectCandidate(key.candidate);
      break;
    case KeyPress::Kind::kPageUp:
      if (ime) ime->PageUp();
      break;
    case KeyPress::Kind::kPageDown:
      if (ime) ime->PageDown();
      break;
    case KeyPress::Kind::kMode:
      if (digits_only) return;
      if (ime && ime->view().composing()) ime->Space();  // keep what was being typed
      report.keyboard = key.mode;
      break;
  }
  TypeCommitted();
}

void App::On(const SendReport& send) {
  ReportFlow& report = state_.report;
  if (state_.screen != Screen::kReportCheck || report.saving || !report_tools_.outbox) return;
  station_sync::ReportDraft draft;
  draft.report_id = report.report_id;
  draft.started_at_s = report.started_at;
  draft.category = report.category;
  draft.text = report.text.text();
  draft.language = state_.settings.language;
  draft.place = {state_.settings.village, report.place_detail.text()};
  if (report.named) draft.reporter = {station_sync::Reporter::Kind::kNamed, report.name.text(), report.phone.text(), ""};
  if (report.for_resident) draft.reporter.helper = report.helper.text();
  for (const ReportPhoto& photo : report.photos) {
    draft.attachments.push_back({station_sync::AttachmentKind::kPhoto, "image/jpeg", photo.jpeg});
  }
  if (report.voice) {
    draft.attachments.push_back({station_sync::AttachmentKind::kVoiceNote, "audio/ogg", report.voice->ogg});
  }
  const auto problems = station_sync::CheckDraft(draft, report_tools_.outbox->config().limits);
  if (!problems.empty()) {
    const bool empty = problems.front() == station_sync::DraftProblem::kEmpty;
    report.message = {empty ? "report.check.empty" : "report.check.too_large", {}, true};
    base::LogWarn("report", std::string("cannot send yet: ") + station_sync::ToString(problems.front()));
    return;
  }
  report.recording = false;
  report.playing_voice = false;
  report.saving = true;
  report.message = {"report.check.saving", {}, false};
  report_to_finalise_ = std::move(draft);
  base::LogInfo("report", "send tapped at " + std::to_string(send.now));
}

void App::On(const ReportFinalised& finalised) {
  ReportFlow& report = state_.report;
  report.saving = false;
  if (!finalised.outcome) {
    const base::Error& error = finalised.outcome.error();
    base::LogError("report", "report not saved (the villager may try again): " + error.message);
    const char* key = error.code == base::ErrorCode::kDiskFull ? "report.error.disk_full" : "report.error.save_failed";
    report.message = {key, {}, true};
    return;
  }
  report.submitted = *finalised.outcome;
  report.message = {};
  state_.screen = Screen::kReportDone;
  // Up to the county at once: the promised 24 hours start when it arrives.
  if (auto asked = station_sync::RequestSyncNow(store_); !asked) {
    base::LogWarn("report", "the report waits for the next sync round: " + asked.error().message);
  }
  base::LogInfo("report", "submitted: ticket " + finalised.outcome->ticket_code + ", " +
                              std::to_string(finalised.outcome->sealed_size_bytes) + " bytes sealed");
}

void App::On(const LeaveReport&) {
  state_.report.confirm_leave = false;
  state_.report = ReportFlow{};
  ResetToHome();
}

void App::On(const StayInReport&) { state_.report.confirm_leave = false; }

void App::On(const SpeakAgain&) { ++state_.prompt_generation; }

// ---- Check my report --------------------------------------------------------

// The same keypad types a ticket code (check my report) or an enrolment
// code (admin area): both are ticket-format codes.
void App::On(const CheckKey& key) {
  if (state_.screen != Screen::kCheckCode && state_.screen != Screen::kAdminEnrol) return;
  CodeEntry entry = TypedCode();
  if (entry.typed->size() >= station_sync::kTicketLength) return;
  *entry.typed += key.symbol;
  *entry.message = Message{};
}

void App::On(const CheckDelete&) {
  CodeEntry entry = TypedCode();
  if (!entry.typed->empty()) entry.typed->pop_back();
  *entry.message = Message{};
}

App::CodeEntry App::TypedCode() {
  if (state_.screen == Screen::kAdminEnrol) return {&state_.sync.typed, &state_.sync.code_message};
  return {&state_.check.typed, &state_.check.message};
}

void App::On(const CheckSubmit& submit) {
  if (state_.screen == Screen::kAdminEnrol) return SubmitEnrolmentCode();
  if (state_.screen != Screen::kCheckCode) return;
  LoadReportStatus(state_.check.typed, submit.now);
}

void App::On(const OpenSubmittedReport& open) {
  if (state_.screen != Screen::kReportDone || !state_.report.submitted) return;
  const std::string code = state_.report.submitted->ticket_code;
  state_.report = ReportFlow{};
  state_.check = CheckFlow{};
  state_.check.typed = code;
  LoadReportStatus(code, open.now);
}

void App::LoadReportStatus(const std::string& code, std::int64_t now) {
  CheckFlow& check = state_.check;
  auto status = station_sync::CheckReport(store_, code, now);
  if (!status) {
    const base::ErrorCode why = status.error().code;
    check.message = {why == base::ErrorCode::kInvalidInput ? "check.error.typo"
                     : why == base::ErrorCode::kNotFound   ? "check.error.unknown"
                                                           : "check.error.store",
                     {}, true};
    base::LogInfo("check", "ticket lookup: " + status.error().message);
    state_.screen = Screen::kCheckCode;
    return;
  }
  check.status = std::move(*status);
  check.message = {};
  state_.screen = Screen::kCheckStatus;
}

void App::On(const RateReport& rate) {
  CheckFlow& check = state_.check;
  if (state_.screen != Screen::kCheckStatus || !check.status) return;
  if (auto rated = station_sync::RateReport(store_, check.status->ticket_code, rate.faces, rate.now); !rated) {
    base::LogWarn("check", "rating not stored: " + rated.error().message);
    check.message = {"check.rate.failed", {}, true};
    return;
  }
  base::LogInfo("check", "rated " + std::to_string(rate.faces) + " of 5");
  LoadReportStatus(check.status->ticket_code, rate.now);
  check.message = {"check.rate.thanks", {}, false};
}

}  // namespace kiosk
