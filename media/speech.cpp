// The speech engine. Overview of the pieces, top to bottom:
//
//   SpokenPrompt, PlanSpeech, TrimSilence   pure: what to render
//   RecordingSpeechOutput                   the null output
//   Espeak                                  espeak-ng, worker thread only
//   UtteranceCache                          LRU of rendered PCM, worker only
//   Speech::Impl                            the worker and the hand-over
//
// Threads: callers (the UI thread, tests) put tasks on Impl's queue and bump
// its generation; the one worker takes tasks, renders through Espeak and the
// cache, and plays. A Say() whose generation is no longer current is stale:
// it is dropped from the queue, its synthesis is abandoned mid-way (espeak-ng
// stops when its callback returns 1), and it is never played.
#include "media/speech.h"

#include <espeak-ng/espeak_ng.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <functional>
#include <future>
#include <list>
#include <optional>
#include <thread>
#include <unordered_map>

#include "base/log.h"

namespace media {

// ---- What to render -------------------------------------------------------

SpokenPrompt& SpokenPrompt::Text(std::string text) {
  parts_.push_back({Kind::kText, std::move(text), 0});
  return *this;
}

SpokenPrompt& SpokenPrompt::TicketCode(std::string code) {
  parts_.push_back({Kind::kTicketCode, std::move(code), 0});
  return *this;
}

SpokenPrompt& SpokenPrompt::Pause(int ms) {
  parts_.push_back({Kind::kPause, {}, std::max(0, ms)});
  return *this;
}

bool SpokenPrompt::empty() const { return PlanSpeech(*this, SpeechTiming{}, /*mandarin=*/false).empty(); }

std::string SpokenPrompt::Describe() const {
  std::string out;
  for (const Part& part : parts_) {
    if (part.kind == Kind::kPause) continue;
    if (!out.empty()) out += " | ";
    out += part.text;
  }
  return out;
}

std::string SpokenPrompt::Key() const {
  std::string key;
  for (const Part& part : parts_) {
    switch (part.kind) {
      case Kind::kText: key += 'T' + part.text; break;
      case Kind::kTicketCode: key += 'C' + part.text; break;
      case Kind::kPause: key += 'P' + std::to_string(part.pause_ms); break;
    }
    key += '\x1f';  // unit separator: cannot occur in prompt text
  }
  return key;
}

namespace {

// 1 is 幺 (yāo), as in phone numbers: yī and qī are too alike over a speaker.
constexpr std::string_view kMandarinDigits[] = {"零", "幺", "二", "三", "四",
                                                "五", "六", "七", "八", "九"};

bool HasSpeakableText(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return !std::isspace(static_cast<unsigned char>(c)); });
}

void PlanTicketCode(std::string_view code, const SpeechTiming& timing, bool mandarin,
                    std::vector<SpeechSegment>& out) {
  const std::size_t first = out.size();
  for (char c : code) {
    const auto u = static_cast<unsigned char>(c);
    if (c == ' ' || c == '-') {  // a group ends
      if (out.size() > first) out.back().pause_after_ms = timing.between_groups_ms;
      continue;
    }
    std::string text;
    if (std::isdigit(u)) {
      text = mandarin ? std::string(kMandarinDigits[c - '0']) : std::string(1, c);
    } else if (std::isalpha(u)) {
      text = std::string(1, static_cast<char>(std::toupper(u)));
    } else {
      continue;  // not a symbol of any code
    }
    out.push_back({std::move(text), timing.between_symbols_ms, /*trim=*/true});
  }
}

}  // namespace

std::vector<SpeechSegment> PlanSpeech(const SpokenPrompt& prompt, const SpeechTiming& timing,
                                      bool mandarin) {
  std::vector<SpeechSegment> out;
  for (const SpokenPrompt::Part& part : prompt.parts()) {
    const std::size_t before = out.size();
    switch (part.kind) {
      case SpokenPrompt::Kind::kText:
        if (HasSpeakableText(part.text)) out.push_back({part.text, 0, false});
        break;
      case SpokenPrompt::Kind::kTicketCode:
        PlanTicketCode(part.text, timing, mandarin, out);
        break;
      case SpokenPrompt::Kind::kPause:
        if (!out.empty()) out.back().pause_after_ms = part.pause_ms;
        break;
    }
    if (out.size() > before) out.back().pause_after_ms = timing.between_parts_ms;
  }
  if (!out.empty()) out.back().pause_after_ms = 0;  // nothing follows the last one
  return out;
}

std::span<const std::int16_t> TrimSilence(std::span<const std::int16_t> pcm, int threshold) {
  auto loud = [threshold](std::int16_t s) { return std::abs(static_cast<int>(s)) >= threshold; };
  auto begin = std::find_if(pcm.begin(), pcm.end(), loud);
  if (begin == pcm.end()) return {};
  auto end = std::find_if(pcm.rbegin(), pcm.rend(), loud).base();
  return pcm.subspan(static_cast<std::size_t>(begin - pcm.begin()), static_cast<std::size_t>(end - begin));
}

// ---- The null output ------------------------------------------------------

void RecordingSpeechOutput::Play(std::shared_ptr<const Utterance> utterance) {
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  CutOffLocked(now);
  const std::int64_t duration_ms = utterance->duration_ms();
  spoken_.push_back({utterance->text, duration_ms, false, std::move(utterance)});
  ends_at_ = now + std::chrono::milliseconds(duration_ms);
}

void RecordingSpeechOutput::Stop() {
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  CutOffLocked(now);
  ends_at_ = std::min(ends_at_, now);
}

bool RecordingSpeechOutput::playing() const {
  std::lock_guard lock(mutex_);
  return Clock::now() < ends_at_;
}

std::vector<RecordingSpeechOutput::Spoken> RecordingSpeechOutput::spoken() const {
  std::lock_guard lock(mutex_);
  return spoken_;
}

void RecordingSpeechOutput::CutOffLocked(Clock::time_point now) {
  if (!spoken_.empty() && now < ends_at_) spoken_.back().interrupted = true;
}

// ---- espeak-ng ------------------------------------------------------------

namespace {

std::string Lowercase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool IsMandarinTag(const std::string& tag) {
  const std::string primary = tag.substr(0, tag.find('-'));
  return primary == "cmn" || (primary == "zh" && tag.find("yue") == std::string::npos);
}

// The espeak-ng voices to try, best first (see speech.h for why pinyin).
std::vector<std::string> VoiceCandidates(const SpeechOptions& options) {
  if (!options.voice.empty()) return {options.voice};
  std::string tag = Lowercase(options.language);
  std::replace(tag.begin(), tag.end(), '_', '-');
  std::vector<std::string> out;
  if (!tag.empty() && !IsMandarinTag(tag)) {
    out.push_back(tag);
    if (std::string primary = tag.substr(0, tag.find('-')); primary != tag) out.push_back(primary);
  }
  out.push_back("cmn-latn-pinyin");
  out.push_back("cmn");
  return out;
}

std::string StatusMessage(espeak_ng_STATUS status) {
  char buffer[256] = {};
  espeak_ng_GetStatusCodeMessage(status, buffer, sizeof buffer);
  return buffer;
}

// espeak-ng's global state. espeak-ng 1.51 cannot be shut down and set up
// again in one process (a second espeak_ng_Terminate hangs for ever), so it
// is set up once, by the first Speech, and lives until the process exits.
// Only the worker of the one live Speech calls into it (g_engine_taken).
class Espeak {
 public:
  static Espeak& Get() {
    static Espeak* const espeak = new Espeak;  // never destroyed: see above
    return *espeak;
  }

  base::Status Open(const SpeechOptions& options) {
    if (auto ready = Initialise(options.data_path); !ready) return ready;
    if (auto chosen = ChooseVoice(VoiceCandidates(options)); !chosen) return chosen.error();
    espeak_ng_SetParameter(espeakRATE, std::clamp(options.words_per_minute, 80, 450), 0);
    return base::Ok();
  }

  // Mono samples at sample_rate(). `abandon` is asked between chunks (about
  // every 100 ms of audio); when it says yes, synthesis stops and the
  // result is an error the caller discards.
  base::Result<std::vector<std::int16_t>> Synthesize(const std::string& text,
                                                     const std::function<bool()>& abandon) {
    Collector collector{{}, &abandon, false};
    espeak_ng_STATUS status = espeak_ng_Synthesize(text.c_str(), text.size() + 1, 0, POS_CHARACTER, 0,
                                                   espeakCHARS_UTF8, nullptr, &collector);
    if (collector.abandoned || status == ENS_SPEECH_STOPPED) {
      // espeak-ng may keep a half-switched voice after an abort: set it again.
      espeak_ng_SetVoiceByName(voice_.c_str());
      return base::MakeError(base::ErrorCode::kUnavailable, "abandoned");
    }
    if (status != ENS_OK) {
      return base::MakeError(base::ErrorCode::kUnavailable, "espeak-ng: " + StatusMessage(status));
    }
    return std::move(collector.samples);
  }

  const std::string& voice() const { return voice_; }
  int sample_rate() const { return sample_rate_; }

 private:
  struct Collector {
    std::vector<std::int16_t> samples;
    const std::function<bool()>* abandon;
    bool abandoned;
  };

  static std::string Describe(const std::string& data_path) {
    return data_path.empty() ? std::string("the system's espeak-ng-data") : data_path;
  }

  base::Status Initialise(const std::string& data_path) {
    if (initialised_) {
      if (data_path == data_path_) return base::Ok();
      return base::MakeError(base::ErrorCode::kUnavailable,
                             "espeak-ng already uses " + Describe(data_path_) + " in this process, not " +
                                 Describe(data_path));
    }
    espeak_ng_InitializePath(data_path.empty() ? nullptr : data_path.c_str());
    espeak_ng_ERROR_CONTEXT context = nullptr;
    espeak_ng_STATUS status = espeak_ng_Initialize(&context);
    espeak_ng_ClearErrorContext(&context);
    if (status == ENS_OK) status = espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, /*buffer_ms=*/100, nullptr);
    if (status != ENS_OK) {
      return base::MakeError(base::ErrorCode::kUnavailable,
                             "espeak-ng cannot start with " + Describe(data_path) + ": " + StatusMessage(status));
    }
    espeak_SetSynthCallback(&Espeak::OnSamples);
    sample_rate_ = espeak_ng_GetSampleRate();
    data_path_ = data_path;
    initialised_ = true;
    return base::Ok();
  }

  base::Status ChooseVoice(const std::vector<std::string>& candidates) {
    std::string tried;
    for (const std::string& name : candidates) {
      if (espeak_ng_SetVoiceByName(name.c_str()) == ENS_OK) {
        voice_ = name;
        if (name != candidates.front()) {
          base::LogWarn("speech", "no espeak-ng voice '" + candidates.front() + "', using '" + name + "'");
        }
        return base::Ok();
      }
      tried += (tried.empty() ? "" : ", ") + name;
    }
    return base::MakeError(base::ErrorCode::kUnavailable, "espeak-ng has no voice " + tried +
                                                              " (is espeak-ng-data installed?)");
  }

  // espeak-ng's callback, on the worker (synchronous mode). Returning 1
  // aborts the synthesis.
  static int OnSamples(short* samples, int count, espeak_EVENT* events) {
    auto* collector = static_cast<Collector*>(events->user_data);
    if (samples != nullptr && count > 0) collector->samples.insert(collector->samples.end(), samples, samples + count);
    if ((*collector->abandon)()) {
      collector->abandoned = true;
      return 1;
    }
    return 0;
  }

  bool initialised_ = false;
  std::string data_path_;
  std::string voice_;
  int sample_rate_ = 22050;
};

// Rendered utterances by SpokenPrompt::Key(), least recently used evicted
// first; bounded in entries and bytes. Worker thread only.
class UtteranceCache {
 public:
  UtteranceCache(std::size_t max_entries, std::size_t max_bytes)
      : max_entries_(max_entries), max_bytes_(max_bytes) {}

  std::shared_ptr<const Utterance> Find(const std::string& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    entries_.splice(entries_.begin(), entries_, it->second);  // now the most recent
    return it->second->utterance;
  }

  void Put(const std::string& key, std::shared_ptr<const Utterance> utterance) {
    const std::size_t bytes = utterance->pcm.samples.size() * sizeof(std::int16_t);
    if (max_entries_ == 0 || bytes > max_bytes_ || index_.count(key)) return;
    entries_.push_front({key, std::move(utterance), bytes});
    index_[key] = entries_.begin();
    bytes_ += bytes;
    while (entries_.size() > max_entries_ || bytes_ > max_bytes_) {
      bytes_ -= entries_.back().bytes;
      index_.erase(entries_.back().key);
      entries_.pop_back();
    }
  }

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const Utterance> utterance;
    std::size_t bytes;
  };
  const std::size_t max_entries_;
  const std::size_t max_bytes_;
  std::list<Entry> entries_;
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  std::size_t bytes_ = 0;
};

// espeak-ng is process-global: at most one Speech at a time.
std::atomic<bool> g_engine_taken{false};

}  // namespace

// ---- The engine -----------------------------------------------------------

struct Speech::Impl {
  using RenderResult = base::Result<std::shared_ptr<const Utterance>>;

  struct Task {
    SpokenPrompt prompt;
    bool play = false;             // Say/Repeat; else Render, which nobody abandons
    std::uint64_t generation = 0;  // of a Say: stale once the generation moves on
    std::shared_ptr<std::promise<RenderResult>> rendered;  // Render only
  };

  Impl(std::shared_ptr<SpeechOutput> output_in, SpeechOptions options_in)
      : output(std::move(output_in)),
        options(std::move(options_in)),
        cache(options.cache_max_entries, options.cache_max_bytes) {}

  // ---- Set once before the worker reports ready, then read-only.
  const std::shared_ptr<SpeechOutput> output;
  const SpeechOptions options;
  std::string voice;
  bool mandarin = false;
  int sample_rate = 0;

  // ---- Guarded by `mutex`: the hand-over between callers and the worker.
  mutable std::mutex mutex;
  std::condition_variable task_added;
  mutable std::condition_variable went_idle;
  std::deque<Task> tasks;
  bool rendering_say = false;  // the worker holds a Say task
  bool quit = false;
  SpokenPrompt last_said;
  base::Status last_error = base::Ok();
  SpeechStats stats;

  // Bumped (under `mutex`) by Say and Stop; read without it by the espeak-ng
  // callback to abandon a stale synthesis.
  std::atomic<std::uint64_t> generation{0};

  // ---- Worker thread only.
  Espeak* espeak = nullptr;
  UtteranceCache cache;
  std::thread worker;

  void Enqueue(Task task) {
    std::lock_guard lock(mutex);
    if (task.play) {
      SilenceLocked();
      task.generation = generation;
      last_said = task.prompt;
    }
    tasks.push_back(std::move(task));
    task_added.notify_one();
  }

  // Whatever is queued, being rendered or playing is stale from now on. Under
  // the lock, like Speak()'s check-then-play, so the output cannot be
  // silenced before a stale utterance starts instead of after.
  void SilenceLocked() {
    const auto stale = std::remove_if(tasks.begin(), tasks.end(), [](const Task& t) { return t.play; });
    stats.abandoned += static_cast<std::uint64_t>(tasks.end() - stale);
    tasks.erase(stale, tasks.end());
    ++generation;
    output->Stop();
  }

  void Run(std::promise<base::Status>& started) {
    espeak = &Espeak::Get();
    base::Status opened = espeak->Open(options);
    if (opened) {
      voice = espeak->voice();
      mandarin = voice.rfind("cmn", 0) == 0;
      sample_rate = espeak->sample_rate();
    }
    const bool ok = opened.ok();
    started.set_value(std::move(opened));
    if (!ok) return;
    while (std::optional<Task> task = NextTask()) {
      if (task->play) {
        Speak(*task);
      } else {
        task->rendered->set_value(Render(task->prompt, [] { return false; }));
      }
    }
    std::lock_guard lock(mutex);
    for (Task& task : tasks) {
      if (task.rendered) task.rendered->set_value(base::MakeError(base::ErrorCode::kUnavailable, "speech stopped"));
    }
  }

  std::optional<Task> NextTask() {
    std::unique_lock lock(mutex);
    rendering_say = false;
    went_idle.notify_all();
    task_added.wait(lock, [&] { return quit || !tasks.empty(); });
    if (quit) return std::nullopt;
    Task task = std::move(tasks.front());
    tasks.pop_front();
    rendering_say = task.play;
    return task;
  }

  void Speak(const Task& task) {
    auto stale = [&] { return generation.load() != task.generation; };
    RenderResult utterance = Render(task.prompt, stale);
    std::lock_guard lock(mutex);
    if (stale()) {
      ++stats.abandoned;
      return;
    }
    if (!utterance) {
      base::LogWarn("speech", "cannot say '" + task.prompt.Describe() + "': " + utterance.error().message);
      last_error = utterance.error();
      return;
    }
    last_error = base::Ok();
    ++stats.played;
    // Under the lock, so a Say() or Stop() cannot slip in between the check
    // above and the output starting.
    output->Play(*utterance);
  }

  // The prompt from the cache, else segment by segment (each segment cached
  // on its own: a ticket code reuses the 29 symbols it is made of).
  RenderResult Render(const SpokenPrompt& prompt, const std::function<bool()>& abandon) {
    const std::string key = prompt.Key();
    if (auto hit = cache.Find(key)) return CountHit(hit);
    const std::vector<SpeechSegment> plan = PlanSpeech(prompt, options.timing, mandarin);
    if (plan.empty()) return base::MakeError(base::ErrorCode::kInvalidInput, "nothing to say");
    if (plan.size() == 1 && !plan.front().trim) return RenderSegment(plan.front().text, abandon);
    auto utterance = std::make_shared<Utterance>();
    utterance->text = prompt.Describe();
    utterance->pcm.format = {sample_rate, 1};
    std::vector<std::int16_t>& out = utterance->pcm.samples;
    for (const SpeechSegment& segment : plan) {
      auto pcm = RenderSegment(segment.text, abandon);
      if (!pcm) return pcm.error();
      const auto& samples = (*pcm)->pcm.samples;
      std::span<const std::int16_t> piece = segment.trim ? TrimSilence(samples) : std::span(samples);
      out.insert(out.end(), piece.begin(), piece.end());
      out.insert(out.end(), static_cast<std::size_t>(segment.pause_after_ms) * sample_rate / 1000, 0);
    }
    cache.Put(key, utterance);
    return std::shared_ptr<const Utterance>(std::move(utterance));
  }

  RenderResult RenderSegment(const std::string& text, const std::function<bool()>& abandon) {
    const std::string key = SpokenPrompt(text).Key();
    if (auto hit = cache.Find(key)) return CountHit(hit);
    auto samples = espeak->Synthesize(text, abandon);
    if (!samples) return samples.error();
    {
      std::lock_guard lock(mutex);
      ++stats.synthesized;
    }
    if (samples->empty()) {
      return base::MakeError(base::ErrorCode::kInvalidInput, "espeak-ng made no sound for '" + text + "'");
    }
    auto utterance = std::make_shared<const Utterance>(Utterance{text, Pcm{{sample_rate, 1}, std::move(*samples)}});
    cache.Put(key, utterance);
    return std::shared_ptr<const Utterance>(utterance);
  }

  RenderResult CountHit(std::shared_ptr<const Utterance> hit) {
    std::lock_guard lock(mutex);
    ++stats.cache_hits;
    return hit;
  }
};

base::Result<std::unique_ptr<Speech>> Speech::Start(std::shared_ptr<SpeechOutput> output,
                                                    const SpeechOptions& options) {
  if (!output) return base::MakeError(base::ErrorCode::kInvalidInput, "speech needs an output");
  if (g_engine_taken.exchange(true)) {
    return base::MakeError(base::ErrorCode::kLocked, "espeak-ng is already in use by another Speech");
  }
  auto impl = std::make_unique<Impl>(std::move(output), options);
  std::promise<base::Status> started;
  std::future<base::Status> ready = started.get_future();
  impl->worker = std::thread([raw = impl.get(), &started] { raw->Run(started); });
  base::Status status = ready.get();
  if (!status) {
    impl->worker.join();
    g_engine_taken = false;
    return status.error();
  }
  base::LogInfo("speech", "espeak-ng voice '" + impl->voice + "', " + std::to_string(impl->sample_rate) + " Hz");
  return std::unique_ptr<Speech>(new Speech(std::move(impl)));
}

Speech::Speech(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Speech::~Speech() {
  Stop();
  {
    std::lock_guard lock(impl_->mutex);
    impl_->quit = true;
    impl_->task_added.notify_one();
  }
  impl_->worker.join();
  g_engine_taken = false;
}

void Speech::Say(SpokenPrompt prompt) {
  if (prompt.empty()) {
    Stop();
    return;
  }
  impl_->Enqueue({std::move(prompt), /*play=*/true, 0, nullptr});
}

void Speech::Repeat() {
  SpokenPrompt last;
  {
    std::lock_guard lock(impl_->mutex);
    last = impl_->last_said;
  }
  Say(std::move(last));
}

void Speech::Stop() {
  std::lock_guard lock(impl_->mutex);
  impl_->SilenceLocked();
}

base::Result<std::shared_ptr<const Utterance>> Speech::Render(SpokenPrompt prompt) {
  auto rendered = std::make_shared<std::promise<Impl::RenderResult>>();
  std::future<Impl::RenderResult> result = rendered->get_future();
  impl_->Enqueue({std::move(prompt), /*play=*/false, 0, std::move(rendered)});
  return result.get();
}

base::Status Speech::last_error() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->last_error;
}

bool Speech::WaitUntilRendered(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->went_idle.wait_for(lock, timeout, [&] {
    return !impl_->rendering_say && std::none_of(impl_->tasks.begin(), impl_->tasks.end(),
                                                 [](const Impl::Task& t) { return t.play; });
  });
}

const std::string& Speech::voice() const { return impl_->voice; }
bool Speech::mandarin() const { return impl_->mandarin; }
int Speech::sample_rate() const { return impl_->sample_rate; }

SpeechStats Speech::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

}  // namespace media
