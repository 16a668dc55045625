// Real librime with Debian's rime data (rime-data-luna-pinyin), deployed into
// scratch directories. A fresh deployment takes about half a second, so the
// test cases of one process share one deployed directory; the cases that are
// about deployment itself use their own.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>

#include "kiosk/pinyin_input.h"
#include "kiosk/text_editing.h"
#include "tests/base/scratch_dir.h"

using kiosk::KeyOutcome;
using kiosk::PinyinConfig;
using kiosk::PinyinInput;
using kiosk::PinyinReadiness;

namespace {

constexpr int kSettleTimeoutMs = 60'000;

double MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

const std::string& SharedUserDir() {
  static const test::ScratchDir dir;  // removed at exit
  static const std::string path = dir.File("rime");
  return path;
}

// An engine on the shared directory, ready to type into.
std::unique_ptr<PinyinInput> ReadyEngine() {
  auto ime = std::make_unique<PinyinInput>(PinyinConfig{.user_data_dir = SharedUserDir()});
  REQUIRE(ime->WaitUntilSettled(kSettleTimeoutMs));
  if (auto failure = ime->failure()) FAIL(failure->message);
  REQUIRE(ime->Ready());
  return ime;
}

void Type(PinyinInput& ime, std::string_view keys) {
  for (char key : keys) REQUIRE(ime.PressLetter(key) == KeyOutcome::kTaken);
}

std::vector<std::string> Texts(const kiosk::PinyinView& view) {
  std::vector<std::string> texts;
  for (const auto& candidate : view.candidates) texts.push_back(candidate.text);
  return texts;
}

int IndexOf(const kiosk::PinyinView& view, std::string_view text) {
  const auto texts = Texts(view);
  const auto found = std::find(texts.begin(), texts.end(), text);
  return found == texts.end() ? -1 : static_cast<int>(found - texts.begin());
}

}  // namespace

TEST_CASE("Deployment runs in the background: the constructor returns at once and keys wait",
          "[kiosk][pinyin]") {
  test::ScratchDir dir;
  const PinyinConfig config{.user_data_dir = dir.File("rime")};
  double first_ready_ms = 0;
  {
    const auto start = std::chrono::steady_clock::now();
    PinyinInput ime(config);
    const double constructor_ms = MsSince(start);
    CHECK(constructor_ms < 200);
    CHECK_FALSE(ime.Ready());
    CHECK(ime.readiness() == PinyinReadiness::kDeploying);
    CHECK_FALSE(ime.startup().has_value());

    // Keys during deployment change nothing and do not wait for it.
    const auto key_start = std::chrono::steady_clock::now();
    CHECK(ime.PressLetter('n') == KeyOutcome::kNotReady);
    CHECK(ime.Backspace() == KeyOutcome::kNotReady);
    CHECK(ime.SelectCandidate(0) == KeyOutcome::kNotReady);
    CHECK(ime.SetLatinMode(true) == KeyOutcome::kNotReady);
    CHECK(MsSince(key_start) < 100);
    CHECK_FALSE(ime.view().composing());
    CHECK(ime.TakeCommit().empty());

    REQUIRE(ime.WaitUntilSettled(kSettleTimeoutMs));
    if (auto failure = ime.failure()) FAIL(failure->message);
    REQUIRE(ime.Ready());
    const auto startup = ime.startup();
    REQUIRE(startup);
    CHECK(startup->deployed);
    CHECK(startup->ready_after_ms > constructor_ms);
    first_ready_ms = startup->ready_after_ms;
    // The deployment landed in our directory.
    CHECK(test::FileBytes(dir.File("rime/build/luna_pinyin_simp.schema.yaml")).size() > 0);
  }
  SECTION("a later start finds the deployment cached and only checks it") {
    PinyinInput again(config);
    REQUIRE(again.WaitUntilSettled(kSettleTimeoutMs));
    REQUIRE(again.Ready());
    const auto startup = again.startup();
    REQUIRE(startup);
    CHECK_FALSE(startup->deployed);
    CHECK(startup->deploy_ms < first_ready_ms);
  }
}

TEST_CASE("Typing nihao shows the syllables and offers 你好, and choosing it commits 你好",
          "[kiosk][pinyin]") {
  auto ime = ReadyEngine();
  Type(*ime, "nihao");
  const auto& view = ime->view();
  CHECK(view.composing());
  CHECK(view.raw_input == "nihao");
  CHECK(view.preedit == "ni hao");
  CHECK_FALSE(view.latin_mode);
  REQUIRE_FALSE(view.candidates.empty());
  CHECK(view.candidates.size() <= 6);  // PinyinConfig::page_size
  const int index = IndexOf(view, "你好");
  REQUIRE(index >= 0);
  CHECK(ime->TakeCommit().empty());  // nothing committed while composing

  CHECK(ime->SelectCandidate(index) == KeyOutcome::kTaken);
  CHECK(ime->TakeCommit() == "你好");
  CHECK_FALSE(ime->view().composing());
  CHECK(ime->view().candidates.empty());
  CHECK(ime->TakeCommit().empty());  // taken once
}

TEST_CASE("Space commits the first candidate: zhongguo gives 中国", "[kiosk][pinyin]") {
  auto ime = ReadyEngine();
  Type(*ime, "zhongguo");
  CHECK(ime->view().preedit == "zhong guo");
  REQUIRE_FALSE(ime->view().candidates.empty());
  CHECK(ime->view().candidates[0].text == "中国");
  CHECK(ime->view().highlighted == 0);
  CHECK(ime->Space() == KeyOutcome::kTaken);
  CHECK(ime->TakeCommit() == "中国");
  // With nothing composed, Space is a space.
  CHECK(ime->Space() == KeyOutcome::kTaken);
  CHECK(ime->TakeCommit() == " ");
}

TEST_CASE("Candidates are simplified characters", "[kiosk][pinyin]") {
  auto ime = ReadyEngine();
  auto [keys, simplified, traditional] = GENERATE(table<std::string, std::string, std::string>({
      {"guojia", "国家", "國家"},
      {"xuexi", "学习", "學習"},
      {"shuibenghuaile", "水泵坏了", "水泵壞了"},
      {"xiexie", "谢谢", "謝謝"},
  }));
  Type(*ime, keys);
  CAPTURE(keys, Texts(ime->view()));
  CHECK(IndexOf(ime->view(), simplified) >= 0);
  CHECK(IndexOf(ime->view(), traditional) < 0);
  CHECK(ime->Space() == KeyOutcome::kTaken);
  CHECK(ime->TakeCommit() == simplified);
}

TEST_CASE("Backspace edits the pinyin while composing and is left to the text otherwise",
          "[kiosk][pinyin]") {
  auto ime = ReadyEngine();
  Type(*ime, "nihao");
  CHECK(ime->Backspace() == KeyOutcome::kTaken);
  CHECK(ime->view().raw_input == "niha");
  CHECK(ime->view().preedit == "ni ha");
  CHECK(IndexOf(ime->view(), "你好") < 0);
  for (int i = 0; i < 4; ++i) CHECK(ime->Backspace() == KeyOutcome::kTaken);
  CHECK_FALSE(ime->view().composing());
  CHECK(ime->view().preedit.empty());
  CHECK(ime->Backspace() == KeyOutcome::kUnused);
  CHECK(ime->TakeCommit().empty());
}

TEST_CASE("Choosing part of a phrase commits only when the whole pinyin is converted",
          "[kiosk][pinyin]") {
  auto ime = ReadyEngine();
  Type(*ime, "nihao");
  const int ni = IndexOf(ime->view(), "你");
  REQUIRE(ni >= 0);
  CHECK(ime->SelectCandidate(ni) == KeyOutcome::kTaken);
  CHECK(ime->TakeCommit().empty());
  CHECK(ime->view().composing());
  CHECK(ime->view().preedit.rfind("你", 0) == 0);  // "你hao"-like
  const int hao = IndexOf(ime->view(), "好");
  REQUIRE(hao >= 0);
  CHECK(ime->SelectCandidate(hao) == KeyOutcome::kTaken);
  CHECK(ime->TakeCommit() == "你好");
  CHECK(ime->SelectCandidate(0) == KeyOutcome::kUnused);  // no candidates now
  Type(*ime, "ni");
  CHECK(ime->SelectCandidate(-1) == KeyOutcome::kUnused);
  CHECK(ime->SelectCandidate(static_cast<int>(ime->view().candidates.size())) == KeyOutcome::kUnused);
}

TEST_CASE("Pages of candidates turn forward and back, and a choice on page two commits it",
          "[kiosk][pinyin]") {
  auto ime = ReadyEngine();
  CHECK(ime->PageDown() == KeyOutcome::kUnused);  // nothing composed
  Type(*ime, "shi");
  const auto first_page = Texts(ime->view());
  REQUIRE(first_page.size() == 6);
  CHECK(ime->view().page == 0);
  CHECK_FALSE(ime->view().last_page);
  CHECK(ime->PageDown() == KeyOutcome::kTaken);
  CHECK(ime->view().page == 1);
  const auto second_page = Texts(ime->view());
  REQUIRE_FALSE(second_page.empty());
  CHECK(second_page != first_page);
  CHECK(ime->PageUp() == KeyOutcome::kTaken);
  CHECK(Texts(ime->view()) == first_page);
  CHECK(ime->PageDown() == KeyOutcome::kTaken);
  CHECK(ime->SelectCandidate(2) == KeyOutcome::kTaken);
  CHECK(ime->TakeCommit() == second_page[2]);
}

TEST_CASE("In Latin mode letters and digits pass straight into the commit", "[kiosk][pinyin]") {
  auto ime = ReadyEngine();
  CHECK(ime->SetLatinMode(true) == KeyOutcome::kTaken);
  CHECK(ime->view().latin_mode);
  Type(*ime, "Hi 2 you.");
  CHECK_FALSE(ime->view().composing());
  CHECK(ime->TakeCommit() == "Hi 2 you.");
  CHECK(ime->SetLatinMode(false) == KeyOutcome::kTaken);
  CHECK_FALSE(ime->view().latin_mode);
  Type(*ime, "ni");
  CHECK(ime->view().composing());

  SECTION("switching to Latin while composing commits the highlighted candidate") {
    Type(*ime, "hao");
    const std::string highlighted = ime->view().candidates.at(ime->view().highlighted).text;
    CHECK(ime->SetLatinMode(true) == KeyOutcome::kTaken);
    CHECK_FALSE(ime->view().composing());
    CHECK(ime->TakeCommit() == highlighted);
  }
}

TEST_CASE("Digits are typed as digits: alone, and after a word they finish it", "[kiosk][pinyin]") {
  auto ime = ReadyEngine();
  Type(*ime, "12");
  CHECK(ime->TakeCommit() == "12");
  Type(*ime, "nihao3");
  CHECK_FALSE(ime->view().composing());
  CHECK(ime->TakeCommit() == "你好3");
  Type(*ime, "nihao,");
  CHECK(ime->TakeCommit() == "你好，");  // Chinese punctuation in Chinese mode
}

TEST_CASE("Clear drops the composition and Enter commits the letters as typed", "[kiosk][pinyin]") {
  auto ime = ReadyEngine();
  CHECK(ime->Clear() == KeyOutcome::kUnused);
  Type(*ime, "nihao");
  CHECK(ime->Clear() == KeyOutcome::kTaken);
  CHECK_FALSE(ime->view().composing());
  CHECK(ime->TakeCommit().empty());
  Type(*ime, "wifi");
  CHECK(ime->Enter() == KeyOutcome::kTaken);
  CHECK(ime->TakeCommit() == "wifi");
  CHECK(ime->Enter() == KeyOutcome::kUnused);  // the keyboard's own Enter (new line, submit)
}

TEST_CASE("What the engine commits flows into the edited text at its cursor", "[kiosk][pinyin]") {
  auto ime = ReadyEngine();
  kiosk::EditableText text("村里路", 8);
  text.SetCursor(2);
  Type(*ime, "shuibeng");
  const auto composed = kiosk::Compose(text, ime->view().preedit);
  CHECK(composed.before == "村里");
  CHECK(composed.preedit == "shui beng");
  CHECK(composed.after == "路");
  ime->Space();
  CHECK(text.Insert(ime->TakeCommit()) == 2);
  CHECK(text.text() == "村里水泵路");
  // Backspace with nothing composed is the text's: it deletes 泵 whole.
  REQUIRE(ime->Backspace() == KeyOutcome::kUnused);
  CHECK(text.Backspace());
  CHECK(text.text() == "村里水路");
  // Near the limit the commit is cut between characters.
  text.MoveToEnd();
  Type(*ime, "zhongguoren");
  ime->Space();
  CHECK(text.Insert(ime->TakeCommit()) == 3);
  CHECK(text.text() == "村里水路中国人");
  CHECK(text.length() == 7);
}

TEST_CASE("Nothing a villager types is learned for the next one", "[kiosk][pinyin]") {
  test::ScratchDir dir;
  {
    PinyinInput ime(PinyinConfig{.user_data_dir = dir.File("rime")});
    REQUIRE(ime.WaitUntilSettled(kSettleTimeoutMs));
    REQUIRE(ime.Ready());
    for (int i = 0; i < 3; ++i) {
      Type(ime, "zhangsan");
      ime.Space();
      (void)ime.TakeCommit();
    }
  }
  for (const auto& name : test::ListDirectory(dir.File("rime"))) {
    CAPTURE(name);
    CHECK(name.find("userdb") == std::string::npos);
  }
}

TEST_CASE("Missing rime data fails clearly and leaves the keyboard Latin", "[kiosk][pinyin]") {
  test::ScratchDir dir;
  PinyinConfig config{.user_data_dir = dir.File("rime"), .shared_data_dir = dir.File("no-rime-data")};
  SECTION("no data directory") {}
  SECTION("a schema that is not installed") {
    config.shared_data_dir = "/usr/share/rime-data";
    config.schema = "no_such_schema";
  }
  PinyinInput ime(config);
  REQUIRE(ime.WaitUntilSettled(kSettleTimeoutMs));
  CHECK(ime.readiness() == PinyinReadiness::kFailed);
  CHECK_FALSE(ime.Ready());
  const auto failure = ime.failure();
  REQUIRE(failure);
  CHECK(failure->code == base::ErrorCode::kNotFound);
  CHECK(failure->message.find(config.schema) != std::string::npos);
  CHECK(ime.PressLetter('a') == KeyOutcome::kNotReady);
}

TEST_CASE("librime has one owner at a time", "[kiosk][pinyin]") {
  auto first = ReadyEngine();
  {
    PinyinInput second(PinyinConfig{.user_data_dir = SharedUserDir()});
    CHECK(second.readiness() == PinyinReadiness::kFailed);
    REQUIRE(second.failure());
    CHECK(second.failure()->code == base::ErrorCode::kLocked);
  }
  // The first is untouched by the refused second.
  Type(*first, "nihao");
  CHECK(IndexOf(first->view(), "你好") >= 0);
  first.reset();
  auto third = ReadyEngine();
  Type(*third, "zhongguo");
  CHECK(IndexOf(third->view(), "中国") >= 0);
}
