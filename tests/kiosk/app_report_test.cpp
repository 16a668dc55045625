// The report flow's reducer with a real store, a real outbox sealing to a
// test county key, and (where typing is tested) real librime.

#include <catch2/catch.hpp>

#include <cerrno>

#include <nlohmann/json.hpp>

#include "base/files.h"
#include "kiosk/app.h"
#include "kiosk/pinyin_input.h"
#include "store/store.h"
#include "sync/outbox_queue.h"
#include "sync/seal.h"
#include "sync/ticket_code.h"
#include "tests/base/scratch_dir.h"
#include "tests/sync/report_fixture.h"

using namespace kiosk;
using station_sync::FaultyFileSystem;

namespace {

constexpr std::int64_t kNow = 1'800'000'000;

struct Fixture {
  test::ScratchDir dir;
  std::unique_ptr<store::Store> db = OpenStore();
  station_sync::CountySecretKey county = station_sync::GenerateCountyKey();
  FaultyFileSystem fs{station_sync::PosixFileSystem()};
  station_sync::ManualClock clock{kNow};
  std::unique_ptr<station_sync::Outbox> outbox = OpenOutbox();
  App app{*db};

  Fixture() { app.AttachReportTools({outbox.get(), nullptr}); }
  std::unique_ptr<store::Store> OpenStore() {
    auto opened = store::Store::Open(dir.File("station.db"));
    if (!opened) FAIL(opened.error().message);
    REQUIRE((*opened)->SetSetting("station.village", "三组").ok());
    return std::move(*opened);
  }
  std::unique_ptr<station_sync::Outbox> OpenOutbox() {
    auto opened = station_sync::Outbox::Open(*db, fs, clock, test::TestConfig(dir.File("outbox"), county));
    if (!opened) FAIL(opened.error().message);
    return std::move(*opened);
  }
  // What the station's worker does when "send" was tapped.
  void FinishSaving() {
    auto draft = app.TakeReportToFinalise();
    REQUIRE(draft);
    app.Apply(ReportFinalised{outbox->Finalise(*draft)});
  }
  // The report as the county opens it.
  nlohmann::json OpenedBody(const std::string& report_id) {
    const std::string report_dir = dir.File("outbox") + "/" + report_id;
    auto envelope = base::ReadFile(report_dir + "/envelope");
    REQUIRE(envelope.ok());
    auto opened = station_sync::OpenReport(*envelope, county, [&](const std::string& sha) {
      return base::ReadFile(report_dir + "/" + sha);
    });
    REQUIRE(opened.ok());
    return nlohmann::json::parse(opened->body_json);
  }
};

void Type(App& app, std::string_view letters) {
  for (char c : letters) app.Apply(KeyPress{KeyPress::Kind::kLetter, c});
}

ReportVoice FakeVoice(std::int64_t ms) { return ReportVoice{"OggS" + std::string(2000, 'v'), ms}; }
ReportPhoto FakePhoto(char fill) { return ReportPhoto{0, "\xFF\xD8\xFF" + std::string(5000, fill), 1600, 900}; }

}  // namespace

TEST_CASE("Without a county key the report button explains that reporting is not set up", "[kiosk][report]") {
  test::ScratchDir dir;
  auto db = store::Store::Open(dir.File("station.db"));
  REQUIRE(db.ok());
  App app(**db);
  app.Apply(OpenService{Service::kReportProblem});
  CHECK(app.state().screen == Screen::kReportUnavailable);
  app.Apply(GoHome{});
  CHECK(app.state().screen == Screen::kHome);
}

TEST_CASE("A report goes step by step from a picture to a ticket, and the county can open it", "[kiosk][report]") {
  Fixture f;
  App& app = f.app;
  app.Apply(OpenService{Service::kReportProblem});
  REQUIRE(app.state().screen == Screen::kReportWhat);
  const std::string report_id = app.state().report.report_id;
  CHECK(report_id.size() == 32);

  // No picture chosen: Next stays, and says why.
  app.Apply(ReportNext{});
  CHECK(app.state().screen == Screen::kReportWhat);
  CHECK(app.state().report.message.key == "report.what.pick");
  app.Apply(ChooseCategory{"housing"});
  REQUIRE(app.state().screen == Screen::kReportSay);

  // Say it: recording is a state the station's microphone follows.
  app.Apply(StartRecording{});
  CHECK(app.state().report.recording);
  app.Apply(IdleTimeout{});  // someone speaking slowly is not idle
  CHECK(app.state().screen == Screen::kReportSay);
  app.Apply(StopRecording{});
  CHECK_FALSE(app.state().report.recording);
  app.Apply(VoiceRecorded{FakeVoice(200)});  // too short to be a note
  CHECK_FALSE(app.state().report.voice);
  CHECK(app.state().report.message.key == "report.say.too_short");
  app.Apply(StartRecording{});
  app.Apply(VoiceRecorded{FakeVoice(61'000)});
  REQUIRE(app.state().report.voice);
  app.Apply(PlayVoice{true});
  CHECK(app.state().report.playing_voice);
  app.Apply(VoicePlaybackEnded{});
  CHECK_FALSE(app.state().report.playing_voice);

  // Write it: without the pinyin engine letters go in as they are.
  app.Apply(ReportNext{});
  REQUIRE(app.state().screen == Screen::kReportWrite);
  Type(app, "wall");
  app.Apply(KeyPress{KeyPress::Kind::kBackspace});
  app.Apply(KeyPress{KeyPress::Kind::kSpace});
  Type(app, "3");
  CHECK(app.state().report.text.text() == "wal 3");

  // Show it: each shutter tap asks the station for one photo; a retake is a removal.
  app.Apply(ReportNext{});
  REQUIRE(app.state().screen == Screen::kReportPhotos);
  app.Apply(TakePhoto{});
  app.Apply(TakePhoto{});
  CHECK(app.state().report.photo_requests == 2);
  app.Apply(PhotoTaken{FakePhoto('a')});
  app.Apply(PhotoTaken{FakePhoto('b')});
  REQUIRE(app.state().report.photos.size() == 2);
  app.Apply(RemovePhoto{app.state().report.photos[1].id});
  app.Apply(PhotoTaken{FakePhoto('c')});
  REQUIRE(app.state().report.photos.size() == 2);
  app.Apply(PhotoTaken{base::MakeError(base::ErrorCode::kUnavailable, "unplugged")});
  CHECK(app.state().report.message.key == "report.photos.camera_failed");
  CHECK(app.state().report.photos.size() == 2);

  // Where, then who: a name and a phone number; letters never reach the phone.
  app.Apply(ReportNext{});
  REQUIRE(app.state().screen == Screen::kReportWhere);
  Type(app, "school");
  app.Apply(ReportNext{});
  REQUIRE(app.state().screen == Screen::kReportWho);
  app.Apply(ChooseReporter{true, false});
  CHECK(app.state().report.editing == TextField::kName);
  Type(app, "Wang");
  app.Apply(FocusField{TextField::kPhone});
  CHECK(app.state().report.keyboard == KeyboardMode::kDigits);
  Type(app, "138x00");
  CHECK(app.state().report.phone.text() == "13800");

  // Back and forward keep everything.
  app.Apply(ReportBack{});
  CHECK(app.state().screen == Screen::kReportWhere);
  app.Apply(ReportNext{});
  app.Apply(ReportNext{});
  REQUIRE(app.state().screen == Screen::kReportCheck);
  CHECK(app.state().report.photos.size() == 2);

  // Send: nothing is "submitted" until the outbox has it on disk.
  app.Apply(SendReport{kNow});
  CHECK(app.state().report.saving);
  app.Apply(GoHome{});  // not while saving
  app.Apply(IdleTimeout{});
  CHECK(app.state().screen == Screen::kReportCheck);
  f.FinishSaving();
  REQUIRE(app.state().screen == Screen::kReportDone);
  REQUIRE(app.state().report.submitted);
  const std::string ticket = app.state().report.submitted->ticket_code;
  CHECK(ticket.size() == 11);

  const nlohmann::json body = f.OpenedBody(report_id);
  CHECK(body["category"] == "housing");
  CHECK(body["text"] == "wal 3");
  CHECK(body["place"]["village"] == "三组");
  CHECK(body["place"]["detail"] == "school");
  CHECK(body["reporter"]["kind"] == "named");
  CHECK(body["reporter"]["name"] == "Wang");
  CHECK(body["reporter"]["phone"] == "13800");
  CHECK_FALSE(body["reporter"].contains("filed_by_helper"));
  REQUIRE(body["attachments"].size() == 3);
  CHECK(body["attachments"][0]["kind"] == "photo");
  CHECK(body["attachments"][2]["kind"] == "voice_note");
  CHECK(body["ticket_code"] == ticket);

  // "See progress" opens the report in "check my report".
  app.Apply(OpenSubmittedReport{kNow + 60});
  REQUIRE(app.state().screen == Screen::kCheckStatus);
  REQUIRE(app.state().check.status);
  CHECK(app.state().check.status->timeline.steps.at(0).done);
  CHECK_FALSE(app.state().check.status->timeline.steps.at(1).done);
}

TEST_CASE("An anonymous report filed for a resident records the administrator apart", "[kiosk][report]") {
  Fixture f;
  App& app = f.app;
  app.Apply(OpenService{Service::kReportProblem});
  app.Apply(ChooseCategory{"allowance"});
  for (int i = 0; i < 4; ++i) app.Apply(ReportNext{});
  REQUIRE(app.state().screen == Screen::kReportWho);
  app.Apply(ChooseReporter{false, true});
  CHECK(app.state().report.editing == TextField::kHelper);
  Type(app, "Li");
  app.Apply(FocusField{TextField::kText});  // nothing said yet: type the text from here
  app.Apply(ReportNext{});
  REQUIRE(app.state().screen == Screen::kReportCheck);
  app.Apply(SendReport{kNow});
  CHECK_FALSE(app.state().report.saving);
  CHECK(app.state().report.message.key == "report.check.empty");
  CHECK_FALSE(app.TakeReportToFinalise());

  app.Apply(ReportEditStep{Screen::kReportWrite});
  REQUIRE(app.state().screen == Screen::kReportWrite);
  Type(app, "unpaid");
  app.Apply(ReportNext{});  // a change made from the check returns there
  REQUIRE(app.state().screen == Screen::kReportCheck);
  app.Apply(SendReport{kNow});
  f.FinishSaving();
  REQUIRE(app.state().screen == Screen::kReportDone);
  const nlohmann::json body = f.OpenedBody(app.state().report.report_id);
  CHECK(body["reporter"]["kind"] == "anonymous");
  CHECK_FALSE(body["reporter"].contains("name"));
  CHECK(body["reporter"]["filed_by_helper"] == "Li");
}

TEST_CASE("Home asks before a report under way is thrown away", "[kiosk][report]") {
  Fixture f;
  App& app = f.app;
  app.Apply(OpenService{Service::kReportProblem});
  app.Apply(GoHome{});  // nothing chosen yet: nothing to lose
  CHECK(app.state().screen == Screen::kHome);

  app.Apply(OpenService{Service::kReportProblem});
  app.Apply(ChooseCategory{"water"});
  app.Apply(StartRecording{});
  app.Apply(GoHome{});
  CHECK(app.state().screen == Screen::kReportSay);
  CHECK(app.state().report.confirm_leave);
  CHECK_FALSE(app.state().report.recording);  // the microphone stops while asking
  app.Apply(StayInReport{});
  CHECK_FALSE(app.state().report.confirm_leave);
  CHECK(app.state().report.category == "water");
  app.Apply(GoHome{});
  app.Apply(LeaveReport{});
  CHECK(app.state().screen == Screen::kHome);
  CHECK(app.state().report.category.empty());
}

TEST_CASE("A full disk gets a message, saves nothing, and the same report can be sent again", "[kiosk][report]") {
  Fixture f;
  App& app = f.app;
  app.Apply(OpenService{Service::kReportProblem});
  const std::string report_id = app.state().report.report_id;
  app.Apply(ChooseCategory{"road"});
  app.Apply(ReportNext{});
  Type(app, "pothole");
  for (int i = 0; i < 4; ++i) app.Apply(ReportNext{});
  REQUIRE(app.state().screen == Screen::kReportCheck);

  f.fs.FailFromCall(f.fs.calls() + 3, ENOSPC);
  app.Apply(SendReport{kNow});
  f.FinishSaving();
  CHECK(app.state().screen == Screen::kReportCheck);
  CHECK(app.state().report.message.key == "report.error.disk_full");
  CHECK_FALSE(app.state().report.saving);
  CHECK_FALSE(station_sync::OutboxQueue(*f.db, f.fs, f.dir.File("outbox")).Get(report_id).ok());

  f.fs.Heal();
  app.Apply(SendReport{kNow});
  f.FinishSaving();
  REQUIRE(app.state().screen == Screen::kReportDone);
  CHECK(f.OpenedBody(report_id)["text"] == "pothole");
}

TEST_CASE("Check my report: a typo, an unknown code, then the rating once resolved", "[kiosk][report][check]") {
  Fixture f;
  App& app = f.app;
  app.Apply(OpenService{Service::kReportProblem});
  app.Apply(ChooseCategory{"electricity"});
  app.Apply(ReportNext{});
  Type(app, "no power");
  for (int i = 0; i < 4; ++i) app.Apply(ReportNext{});
  app.Apply(SendReport{kNow});
  f.FinishSaving();
  REQUIRE(app.state().report.submitted);
  auto sync_status = station_sync::ReadSyncStatus(*f.db, kNow);
  REQUIRE(sync_status.ok());
  CHECK(sync_status->sync_now_pending);  // up to the county at once
  const std::string ticket = app.state().report.submitted->ticket_code;
  const std::string report_id = app.state().report.report_id;
  app.Apply(GoHome{});

  app.Apply(OpenService{Service::kCheckReport});
  REQUIRE(app.state().screen == Screen::kCheckCode);
  std::string typo = ticket;
  typo[4] = typo[4] == '7' ? '9' : '7';
  for (char c : typo) app.Apply(CheckKey{c});
  app.Apply(CheckKey{'X'});  // a twelfth symbol is not taken
  CHECK(app.state().check.typed == typo);
  app.Apply(CheckSubmit{kNow});
  CHECK(app.state().screen == Screen::kCheckCode);
  CHECK(app.state().check.message.key == "check.error.typo");

  // A valid code of another station's report.
  const std::string elsewhere = station_sync::GenerateTicketCode();
  while (!app.state().check.typed.empty()) app.Apply(CheckDelete{});
  for (char c : elsewhere) app.Apply(CheckKey{c});
  app.Apply(CheckSubmit{kNow});
  CHECK(app.state().check.message.key == "check.error.unknown");

  while (!app.state().check.typed.empty()) app.Apply(CheckDelete{});
  for (char c : ticket) app.Apply(CheckKey{c});
  app.Apply(CheckSubmit{kNow + 10});
  REQUIRE(app.state().screen == Screen::kCheckStatus);
  CHECK_FALSE(app.state().check.status->can_rate);
  app.Apply(RateReport{5, kNow + 20});  // not resolved yet: no rating
  CHECK_FALSE(app.state().check.status->rating);

  // The county replies and resolves (as sync will record it).
  station_sync::OutboxQueue queue(*f.db, f.fs, f.dir.File("outbox"));
  REQUIRE(queue.MarkAcknowledged(report_id, kNow + 100).ok());
  REQUIRE(queue.RecordReply(report_id, "r1", kNow + 3600, "电工明天上午来", kNow + 3700).ok());
  REQUIRE(queue.RecordResolved(report_id, kNow + 7200).ok());
  // A villager still looking sees the reply come in with the sync.
  app.Apply(SyncStatusChanged{kNow + 7300});
  REQUIRE(app.state().check.status->replies.size() == 1);
  CHECK(app.state().check.status->replies[0].text == "电工明天上午来");
  app.Apply(GoHome{});
  app.Apply(OpenService{Service::kCheckReport});
  for (char c : ticket) app.Apply(CheckKey{c});
  app.Apply(CheckSubmit{kNow + 8000});
  REQUIRE(app.state().screen == Screen::kCheckStatus);
  const auto& status = *app.state().check.status;
  REQUIRE(status.replies.size() == 1);
  CHECK(status.replies[0].text == "电工明天上午来");
  CHECK(status.can_rate);
  app.Apply(RateReport{4, kNow + 8100});
  REQUIRE(app.state().check.status->rating);
  CHECK(*app.state().check.status->rating == 4);
  CHECK(app.state().check.message.key == "check.rate.thanks");
  auto to_upload = queue.RatingsToUpload();
  REQUIRE(to_upload.ok());
  REQUIRE(to_upload->size() == 1);
  CHECK(to_upload->at(0).faces == 4);
}

TEST_CASE("The keyboard types Chinese through librime: pinyin, a candidate, then Latin", "[kiosk][report][pinyin]") {
  Fixture f;
  PinyinInput pinyin(PinyinConfig{.user_data_dir = f.dir.File("rime")});
  REQUIRE(pinyin.WaitUntilSettled(60000));
  REQUIRE(pinyin.Ready());
  App& app = f.app;
  app.AttachReportTools({f.outbox.get(), &pinyin});
  app.Apply(OpenService{Service::kReportProblem});
  app.Apply(ChooseCategory{"water"});
  app.Apply(ReportNext{});
  REQUIRE(app.state().screen == Screen::kReportWrite);
  Type(app, "nihao");
  CHECK(app.state().report.text.text().empty());  // composing: not in the text yet
  REQUIRE_FALSE(pinyin.view().candidates.empty());
  CHECK(pinyin.view().candidates[0].text == "你好");
  app.Apply(KeyPress{KeyPress::Kind::kCandidate, 0, 0});
  CHECK(app.state().report.text.text() == "你好");
  // Switching to Latin keeps what was being typed.
  Type(app, "shui");
  REQUIRE_FALSE(pinyin.view().candidates.empty());
  const std::string highlighted = pinyin.view().candidates[pinyin.view().highlighted].text;
  KeyPress latin{KeyPress::Kind::kMode};
  latin.mode = KeyboardMode::kLatin;
  app.Apply(latin);
  CHECK(app.state().report.text.text() == "你好" + highlighted);
  Type(app, "ok");
  app.Apply(KeyPress{KeyPress::Kind::kBackspace});
  CHECK(app.state().report.text.text() == "你好" + highlighted + "o");
  // Pinyin still being typed when the villager taps Next is kept, not lost.
  KeyPress pinyin_mode{KeyPress::Kind::kMode};
  pinyin_mode.mode = KeyboardMode::kPinyin;
  app.Apply(pinyin_mode);
  Type(app, "shui");
  const std::string last = pinyin.view().candidates[pinyin.view().highlighted].text;
  app.Apply(ReportNext{});
  CHECK(app.state().report.text.text() == "你好" + highlighted + "o" + last);
  CHECK_FALSE(pinyin.view().composing());
}
