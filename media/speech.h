// Spoken prompts for villagers who read little: text -> PCM through
// espeak-ng, played through a SpeechOutput.
//
//   SpokenPrompt       what to say: text, a ticket code read symbol by symbol,
//                      pauses; spoken as one utterance
//   Speech             the engine: one worker thread owns espeak-ng (whose API
//                      is process-global and not thread-safe), renders
//                      prompts, caches what it rendered, hands the PCM to the
//                      output. Say() never blocks; a new Say() interrupts the
//                      one before, so a villager tapping fast never hears a
//                      queue of stale prompts.
//   SpeechOutput       where the PCM goes: SDL audio in the kiosk
//                      (speech_sdl.h, in `media_sdl`), RecordingSpeechOutput
//                      for tests and --audio null.
//
// Voices: Chinese tags ("cmn", "zh", "zh-CN", "zh-Hans"...) use espeak-ng's
// "cmn-latn-pinyin" voice, then "cmn". Debian 12's espeak-ng 1.51 reads Han
// text with "cmn" as pinyin spelled out in English ("hao two"), a known bug
// fixed upstream later; "cmn-latn-pinyin" reads Han text correctly and says
// Latin capitals as Chinese speakers say English letter names. Other tags are
// tried as espeak-ng voice names and fall back to Mandarin.
//
// Ticket codes, in Mandarin: digits as Chinese numerals, 1 as 幺 (yāo) the way
// phone and licence-plate numbers are read aloud, so 1 (yī) cannot be taken
// for 7 (qī) or for the letter E (said "yi"); letters as their English names
// with a Chinese accent (K "kei", C "sei", W "dabliu"), as on licence plates,
// which every villager has heard read out. (Spaced Latin letters with an
// English voice would be clearer only to those who learnt English.) A short
// pause after each symbol, a longer one between the groups of "7KC 4MXT 92QF".
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "media/voice.h"

namespace media {

// What to say, as one utterance: parts are spoken in order with a pause
// between them, and one Say() interrupts all of it.
//   SpokenPrompt().Text("您的回执码是").TicketCode("7KC 4MXT 92QF")
class SpokenPrompt {
 public:
  enum class Kind { kText, kTicketCode, kPause };
  struct Part {
    Kind kind = Kind::kText;
    std::string text;   // kText: UTF-8; kTicketCode: the code, spaces marking groups
    int pause_ms = 0;   // kPause
  };

  SpokenPrompt() = default;
  explicit SpokenPrompt(std::string text) { Text(std::move(text)); }

  SpokenPrompt& Text(std::string text);
  SpokenPrompt& TicketCode(std::string code);
  SpokenPrompt& Pause(int ms);

  const std::vector<Part>& parts() const { return parts_; }
  // Nothing to say: no parts, or only blank text and pauses.
  bool empty() const;
  // The parts' text joined with " | ", for logs and what an output records.
  std::string Describe() const;
  // Identifies the prompt in the cache.
  std::string Key() const;

 private:
  std::vector<Part> parts_;
};

struct SpeechTiming {
  int between_parts_ms = 400;
  int between_symbols_ms = 350;
  int between_groups_ms = 800;
};

// One piece the synthesiser renders on its own, and the silence after it.
struct SpeechSegment {
  std::string text;
  int pause_after_ms = 0;
  bool trim = false;  // cut the synthesiser's own leading/trailing silence (symbols)
  bool operator==(const SpeechSegment&) const = default;
};

// Pure: how a prompt is rendered. `mandarin` selects the Mandarin reading of
// ticket-code symbols (see above); other voices get the symbols as they are.
std::vector<SpeechSegment> PlanSpeech(const SpokenPrompt& prompt, const SpeechTiming& timing,
                                      bool mandarin);

// Pure: `pcm` without leading and trailing samples quieter than `threshold`.
std::span<const std::int16_t> TrimSilence(std::span<const std::int16_t> pcm, int threshold = 128);

// Rendered speech: mono 16-bit PCM at the synthesiser's rate.
struct Utterance {
  std::string text;  // SpokenPrompt::Describe()
  Pcm pcm;
  std::int64_t duration_ms() const { return pcm.duration_ms(); }
};

// Where speech is heard. Thread-safe: Speech calls Play() from its worker,
// Stop() from whichever thread called Speech::Say() or Stop().
class SpeechOutput {
 public:
  virtual ~SpeechOutput() = default;
  // Starts playing `utterance` at once, cutting off whatever was playing.
  virtual void Play(std::shared_ptr<const Utterance> utterance) = 0;
  // Silence now. Harmless when nothing plays.
  virtual void Stop() = 0;
  virtual bool playing() const = 0;
};

// The null output: plays nothing, but keeps time as if it did (real-time
// pace on steady_clock) and records what was spoken.
class RecordingSpeechOutput final : public SpeechOutput {
 public:
  struct Spoken {
    std::string text;
    std::int64_t duration_ms = 0;
    bool interrupted = false;  // cut off by Play() or Stop() before its end
    std::shared_ptr<const Utterance> utterance;
  };

  void Play(std::shared_ptr<const Utterance> utterance) override;
  void Stop() override;
  bool playing() const override;
  std::vector<Spoken> spoken() const;

 private:
  using Clock = std::chrono::steady_clock;
  void CutOffLocked(Clock::time_point now);

  mutable std::mutex mutex_;
  std::vector<Spoken> spoken_;
  Clock::time_point ends_at_{};  // of the last Play()
};

struct SpeechOptions {
  std::string language = "cmn";  // a BCP 47 tag; unknown ones fall back to Mandarin
  std::string voice;             // an espeak-ng voice name; overrides `language`, no fallback
  std::string data_path;         // espeak-ng-data; empty: the system's
  int words_per_minute = 140;    // espeak-ng's default 175 is brisk for a kiosk
  SpeechTiming timing;
  // The cache of rendered prompts and symbols, least recently used out first.
  std::size_t cache_max_entries = 256;
  std::size_t cache_max_bytes = 16 << 20;
};

struct SpeechStats {
  std::uint64_t synthesized = 0;  // segments espeak-ng rendered
  std::uint64_t cache_hits = 0;   // prompts or segments served from the cache
  std::uint64_t played = 0;       // utterances handed to the output
  std::uint64_t abandoned = 0;    // Say()s overtaken by a newer Say() or Stop() before playing
};

// The speech engine. One at a time (espeak-ng is global state): a second
// Start() while one lives gives kLocked. espeak-ng is set up by the first
// Start() and stays for the life of the process (1.51 cannot be set up
// twice), so every Speech in a process uses the same data_path.
// All methods are thread-safe.
class Speech {
 public:
  // Starts the worker and sets up espeak-ng and the voice on it; returns
  // once they are ready. kUnavailable with a message naming what is missing
  // when espeak-ng's data or the voice asked for is not installed.
  static base::Result<std::unique_ptr<Speech>> Start(std::shared_ptr<SpeechOutput> output,
                                                     const SpeechOptions& options = {});
  ~Speech();  // stops speaking and the worker
  Speech(const Speech&) = delete;
  Speech& operator=(const Speech&) = delete;

  // Never blocks: silences the output and speaks `prompt` once rendered
  // (at once when cached). An empty prompt just silences.
  void Say(SpokenPrompt prompt);
  void Say(std::string text) { Say(SpokenPrompt(std::move(text))); }
  // "Listen again": the last prompt said, from the cache.
  void Repeat();
  void Stop();

  // Renders without playing, through the same worker and cache; blocks.
  // For tests, tools and warming the cache at start. kInvalidInput for a
  // prompt without anything to say.
  base::Result<std::shared_ptr<const Utterance>> Render(SpokenPrompt prompt);

  // Ok, or why the last Say() or Repeat() could not be spoken.
  base::Status last_error() const;
  // Until no Say() is waiting or being rendered (the output may still play).
  bool WaitUntilRendered(std::chrono::milliseconds timeout) const;

  const std::string& voice() const;  // the espeak-ng voice in use
  bool mandarin() const;
  int sample_rate() const;
  SpeechStats stats() const;

  struct Impl;

 private:
  explicit Speech(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace media
