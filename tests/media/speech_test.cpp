// Spoken prompts through the real espeak-ng (Debian's espeak-ng-data), heard
// by the recording null output.
#include <catch2/catch.hpp>
#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "media/speech.h"
#include "tests/base/scratch_dir.h"

using base::ErrorCode;
using media::RecordingSpeechOutput;
using media::Speech;
using media::SpeechOptions;
using media::SpokenPrompt;
using namespace std::chrono_literals;

namespace {

// About eight seconds of speech: long enough to be cut off.
const std::string kLongPrompt =
    "请用手指点一下图片，选择您要反映的问题。如果您想说话，请按住话筒按钮，"
    "说完以后松开手。如果您想拍照，请对准问题，按下大的圆形按钮。";

struct Engine {
  std::shared_ptr<RecordingSpeechOutput> output = std::make_shared<RecordingSpeechOutput>();
  std::unique_ptr<Speech> speech;

  explicit Engine(const SpeechOptions& options = {}) {
    auto started = Speech::Start(output, options);
    INFO((started ? std::string() : started.error().message));
    REQUIRE(started.ok());
    speech = std::move(*started);
  }
};

struct Gap {
  std::size_t start = 0;
  std::size_t length = 0;
};

// Runs of near-silence at least `min_ms` long, not counting the ends.
std::vector<Gap> SilentGaps(const media::Pcm& pcm, int min_ms) {
  const std::span<const std::int16_t> all(pcm.samples);
  const std::span<const std::int16_t> voiced = media::TrimSilence(all);
  const std::size_t offset = static_cast<std::size_t>(voiced.data() - all.data());
  const std::size_t min_samples = static_cast<std::size_t>(min_ms) * pcm.format.sample_rate / 1000;
  std::vector<Gap> gaps;
  std::size_t run = 0;
  for (std::size_t i = 0; i <= voiced.size(); ++i) {
    if (i < voiced.size() && std::abs(static_cast<int>(voiced[i])) < 128) {
      ++run;
      continue;
    }
    if (run >= min_samples) gaps.push_back({offset + i - run, run});
    run = 0;
  }
  return gaps;
}

template <typename Predicate>
bool WaitFor(Predicate done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

}  // namespace

TEST_CASE("Mandarin text becomes clearly audible speech of a plausible length", "[media][speech]") {
  Engine engine;
  CHECK(engine.speech->voice() == "cmn-latn-pinyin");
  CHECK(engine.speech->mandarin());
  auto utterance = engine.speech->Render(SpokenPrompt("请选择问题的类型"));
  REQUIRE(utterance.ok());
  const media::Pcm& pcm = (*utterance)->pcm;
  CHECK(pcm.format.sample_rate == engine.speech->sample_rate());
  CHECK(pcm.format.channels == 1);
  CHECK((*utterance)->duration_ms() >= 300);
  CHECK((*utterance)->duration_ms() <= 10000);
  media::Levels levels = media::MeasureLevels(pcm.samples);
  CHECK(levels.rms_dbfs > -30.0);
  CHECK(levels.peak_dbfs > -12.0);
  CHECK((*utterance)->text == "请选择问题的类型");
}

TEST_CASE("Han characters are read as Mandarin syllables, not as pinyin spelled out in English",
          "[media][speech]") {
  // espeak-ng 1.51's "cmn" voice says 好 as "hao two" (about 590 ms of
  // sound at 140 words a minute); the one syllable hǎo takes about 400 ms.
  Engine engine;
  auto one_syllable = engine.speech->Render(SpokenPrompt("好"));
  REQUIRE(one_syllable.ok());
  CHECK(media::TrimSilence((*one_syllable)->pcm.samples).size() <
        static_cast<std::size_t>(engine.speech->sample_rate()) / 2);
}

TEST_CASE("The same text twice is synthesised once and served from the cache", "[media][speech]") {
  SECTION("an unbounded run of the same prompt") {
    Engine engine;
    auto first = engine.speech->Render(SpokenPrompt("您好"));
    auto second = engine.speech->Render(SpokenPrompt("您好"));
    REQUIRE(first.ok());
    REQUIRE(second.ok());
    CHECK(first->get() == second->get());  // the very same PCM
    CHECK(engine.speech->stats().synthesized == 1);
    CHECK(engine.speech->stats().cache_hits == 1);
  }
  SECTION("the cache keeps only the most recent entries") {
    SpeechOptions options;
    options.cache_max_entries = 2;
    Engine engine(options);
    for (const char* text : {"一", "二", "三", "三", "一"}) REQUIRE(engine.speech->Render(SpokenPrompt(text)).ok());
    CHECK(engine.speech->stats().synthesized == 4);  // 一 was evicted by 二 and 三
    CHECK(engine.speech->stats().cache_hits == 1);
  }
}

TEST_CASE("A new prompt cuts off the one before, and a burst of taps says only the last", "[media][speech]") {
  Engine engine;
  SECTION("a prompt while another plays") {
    engine.speech->Say(kLongPrompt);
    REQUIRE(engine.speech->WaitUntilRendered(10s));
    REQUIRE(engine.output->playing());
    engine.speech->Say("返回");
    REQUIRE(engine.speech->WaitUntilRendered(10s));
    auto spoken = engine.output->spoken();
    REQUIRE(spoken.size() == 2);
    CHECK(spoken[0].text == kLongPrompt);
    CHECK(spoken[0].interrupted);
    CHECK(spoken[1].text == "返回");
    CHECK(WaitFor([&] { return !engine.output->playing(); }, 5s));
    CHECK_FALSE(engine.output->spoken()[1].interrupted);
  }
  SECTION("twenty prompts tapped in quick succession") {
    const std::vector<std::string> steps = {"道路", "水", "电", "住房", "环境", "土地", "补贴",
                                            "治安", "建议", "其他", "说话", "写字", "拍照", "地点",
                                            "姓名", "匿名", "代发", "检查", "发送", "完成"};
    for (const std::string& step : steps) engine.speech->Say(step + "，" + kLongPrompt);
    REQUIRE(engine.speech->WaitUntilRendered(20s));
    auto spoken = engine.output->spoken();
    // Typically only the last is heard (the first too if it was rendered
    // before the second tap); never a queue of stale prompts played one
    // after the other, never an older one after a newer one.
    REQUIRE_FALSE(spoken.empty());
    CHECK(spoken.size() <= 5);
    CHECK(spoken.back().text == "完成，" + kLongPrompt);
    std::size_t next_step = 0;
    for (std::size_t i = 0; i < spoken.size(); ++i) {
      auto said = std::find_if(steps.begin() + static_cast<std::ptrdiff_t>(next_step), steps.end(),
                               [&](const std::string& step) { return spoken[i].text == step + "，" + kLongPrompt; });
      REQUIRE(said != steps.end());
      next_step = static_cast<std::size_t>(said - steps.begin()) + 1;
      if (i + 1 < spoken.size()) CHECK(spoken[i].interrupted);
    }
    const media::SpeechStats stats = engine.speech->stats();
    CHECK(stats.played == spoken.size());
    CHECK(stats.played + stats.abandoned == steps.size());
  }
}

TEST_CASE("Stop silences speech at once", "[media][speech]") {
  Engine engine;
  engine.speech->Say(kLongPrompt);
  REQUIRE(engine.speech->WaitUntilRendered(10s));
  REQUIRE(engine.output->playing());
  engine.speech->Stop();
  CHECK_FALSE(engine.output->playing());
  REQUIRE(engine.output->spoken().size() == 1);
  CHECK(engine.output->spoken()[0].interrupted);
  SECTION("a prompt with nothing to say also just silences") {
    engine.speech->Say(kLongPrompt + "。");
    engine.speech->Say(" ");
    REQUIRE(engine.speech->WaitUntilRendered(10s));
    CHECK_FALSE(engine.output->playing());
    CHECK(engine.speech->last_error().ok());
  }
}

TEST_CASE("Listen again repeats the last prompt from the cache", "[media][speech]") {
  Engine engine;
  engine.speech->Say(SpokenPrompt("您的回执码是").TicketCode("7KC 4MXT 92QF"));
  REQUIRE(engine.speech->WaitUntilRendered(10s));
  const std::uint64_t synthesized = engine.speech->stats().synthesized;
  engine.speech->Repeat();
  REQUIRE(engine.speech->WaitUntilRendered(10s));
  auto spoken = engine.output->spoken();
  REQUIRE(spoken.size() == 2);
  CHECK(spoken[1].text == "您的回执码是 | 7KC 4MXT 92QF");
  CHECK(spoken[1].utterance == spoken[0].utterance);
  CHECK(engine.speech->stats().synthesized == synthesized);
  CHECK(spoken[1].duration_ms == spoken[1].utterance->duration_ms());
}

TEST_CASE("A ticket code is read symbol by symbol with pauses, longer between groups", "[media][speech]") {
  SECTION("the plan: Mandarin numerals, 1 as yao, letters by name") {
    media::SpeechTiming timing;
    auto plan = media::PlanSpeech(SpokenPrompt().TicketCode("71K 0"), timing, /*mandarin=*/true);
    std::vector<media::SpeechSegment> expected = {{"七", timing.between_symbols_ms, true},
                                                  {"幺", timing.between_symbols_ms, true},
                                                  {"K", timing.between_groups_ms, true},
                                                  {"零", 0, true}};
    CHECK(plan == expected);
    auto latin = media::PlanSpeech(SpokenPrompt().TicketCode("7k"), timing, /*mandarin=*/false);
    REQUIRE(latin.size() == 2);
    CHECK(latin[0].text == "7");
    CHECK(latin[1].text == "K");
  }
  SECTION("the plan: parts, explicit pauses, nothing after the end") {
    media::SpeechTiming timing;
    auto plan = media::PlanSpeech(SpokenPrompt("甲").Pause(1000).Text("乙").TicketCode("7").Text("  "), timing, true);
    std::vector<media::SpeechSegment> expected = {
        {"甲", 1000, false}, {"乙", timing.between_parts_ms, false}, {"七", 0, true}};
    CHECK(plan == expected);
  }
  SECTION("the audio: a gap after every symbol but the last") {
    Engine engine;
    auto code = engine.speech->Render(SpokenPrompt().TicketCode("7KC 4MXT 92QF"));
    REQUIRE(code.ok());
    const auto gaps = SilentGaps((*code)->pcm, 250);
    CHECK(gaps.size() == 10);  // 11 symbols
    const auto group_gaps = SilentGaps((*code)->pcm, 700);
    CHECK(group_gaps.size() == 2);  // 7KC | 4MXT | 92QF
    CHECK((*code)->duration_ms() >= 11 * 150 + 8 * 350 + 2 * 800);
    CHECK((*code)->duration_ms() <= 15000);
    // Each symbol was synthesised once, the repeated ones came from the cache.
    CHECK(engine.speech->stats().synthesized == 11);
  }
}

TEST_CASE("A synthesis abandoned half-way leaves espeak-ng fit for the next", "[media][speech]") {
  SpeechOptions options;
  options.cache_max_entries = 0;  // every render synthesises afresh
  Engine engine(options);
  auto before = engine.speech->Render(SpokenPrompt("请说话"));
  REQUIRE(before.ok());
  engine.speech->Say(kLongPrompt);
  std::this_thread::sleep_for(2ms);
  engine.speech->Stop();
  REQUIRE(engine.speech->WaitUntilRendered(10s));
  CHECK(engine.speech->stats().abandoned == 1);
  auto after = engine.speech->Render(SpokenPrompt("请说话"));
  REQUIRE(after.ok());
  // espeak-ng varies a little from call to call, so not sample for sample.
  CHECK((*after)->duration_ms() == Approx((*before)->duration_ms()).epsilon(0.1));
  CHECK(media::MeasureLevels((*after)->pcm.samples).rms_dbfs ==
        Approx(media::MeasureLevels((*before)->pcm.samples).rms_dbfs).margin(3.0));
}

TEST_CASE("A missing voice or missing espeak-ng data is a clear error, not a crash", "[media][speech]") {
  auto output = std::make_shared<RecordingSpeechOutput>();
  SECTION("a voice that is not installed") {
    SpeechOptions options;
    options.voice = "station-test-no-such-voice";
    auto speech = Speech::Start(output, options);
    REQUIRE_FALSE(speech.ok());
    CHECK(speech.error().code == ErrorCode::kUnavailable);
    CHECK_THAT(speech.error().message, Catch::Contains("station-test-no-such-voice"));
    CHECK(Speech::Start(output).ok());  // the failed one released espeak-ng
  }
  SECTION("a language espeak-ng does not speak falls back to Mandarin") {
    SpeechOptions options;
    options.language = "x-station-test";
    Engine engine(options);
    CHECK(engine.speech->voice() == "cmn-latn-pinyin");
  }
  SECTION("another language espeak-ng speaks is used as asked") {
    SpeechOptions options;
    options.language = "en";
    Engine engine(options);
    CHECK(engine.speech->voice() == "en");
    CHECK_FALSE(engine.speech->mandarin());
  }
  SECTION("a second engine while one lives") {
    Engine engine;
    auto second = Speech::Start(output);
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().code == ErrorCode::kLocked);
  }
  SECTION("nothing to say") {
    Engine engine;
    auto blank = engine.speech->Render(SpokenPrompt("   "));
    REQUIRE_FALSE(blank.ok());
    CHECK(blank.error().code == ErrorCode::kInvalidInput);
  }
}

TEST_CASE("A data folder without espeak-ng's data is a clear error", "[media][speech]") {
  // espeak-ng is set up once per process: run alone (as CTest does), this
  // meets the empty folder; after other tests, the folder already in use.
  test::ScratchDir empty;
  SpeechOptions options;
  options.data_path = empty.path();
  auto speech = Speech::Start(std::make_shared<RecordingSpeechOutput>(), options);
  REQUIRE_FALSE(speech.ok());
  CHECK(speech.error().code == ErrorCode::kUnavailable);
  CHECK_THAT(speech.error().message, Catch::Contains(empty.path()));
}

TEST_CASE("Trimming silence keeps exactly the audible part", "[media][speech]") {
  const std::vector<std::int16_t> pcm = {0, 5, -3, 400, 0, -900, 10, 0};
  auto trimmed = media::TrimSilence(pcm);
  CHECK(std::vector<std::int16_t>(trimmed.begin(), trimmed.end()) == std::vector<std::int16_t>{400, 0, -900});
  CHECK(media::TrimSilence(std::vector<std::int16_t>{0, 3, -3}).empty());
}
