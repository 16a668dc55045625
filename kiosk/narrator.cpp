#include "kiosk/narrator.h"

#include "base/log.h"
#include "media/speech.h"
#include "media/speech_sdl.h"
#include "sync/ticket_code.h"

namespace kiosk {
namespace {

std::string SpeechLanguage(const std::string& ui_language) {
  return ui_language.rfind("zh", 0) == 0 ? "cmn" : ui_language;
}

}  // namespace

Narrator::Narrator(bool null_audio, const Translations& translations, const std::string& language)
    : translations_(translations), language_(language) {
  std::shared_ptr<media::SpeechOutput> output;
  if (!null_audio) {
    if (auto sdl = media::OpenSdlSpeechOutput()) output = std::move(*sdl);
    else base::LogWarn("speech", "no speaker, prompts are not heard: " + sdl.error().message);
  }
  if (!output) output = std::make_shared<media::RecordingSpeechOutput>();
  media::SpeechOptions options;
  options.language = SpeechLanguage(language);
  auto speech = media::Speech::Start(std::move(output), options);
  if (!speech) {
    base::LogWarn("speech", "spoken prompts are off: " + speech.error().message);
    return;
  }
  speech_ = std::move(*speech);
  base::LogInfo("speech", "spoken prompts with espeak-ng voice " + speech_->voice());
}

Narrator::~Narrator() = default;

// The step's prompt from the translations ("speak.<screen>"); the ticket
// screen's holds the code and the promise.
std::string Narrator::Prompt(const AppState& state) const {
  if (state.screen == Screen::kNotice && state.notice_shown < state.notices.size()) {
    const station_sync::CatalogNotice& notice = state.notices[state.notice_shown];
    return notice.title + "。" + notice.text;
  }
  const std::string key = "speak." + std::string(ScreenName(state.screen));
  const std::string& text = translations_.Text(language_, key);
  return text == key ? std::string() : text;
}

void Narrator::Follow(const AppState& state) {
  if (state.screen == last_screen_ && state.prompt_generation == last_generation_) return;
  const bool repeat = state.screen == last_screen_;
  last_screen_ = state.screen;
  last_generation_ = state.prompt_generation;
  const std::string text = Prompt(state);
  if (!speech_) return;
  if (text.empty()) {
    speech_->Stop();
    return;
  }
  if (repeat) {
    speech_->Repeat();
    base::LogInfo("speech", "said again");
    return;
  }
  media::SpokenPrompt prompt;
  if (state.screen == Screen::kReportDone && state.report.submitted) {
    const auto& promise = state.report.submitted->promise;
    const std::string promised = Format(translations_.Text(language_, "report.done.promise"),
                                        {{"hours", std::to_string(promise.reply_within_hours)},
                                         {"days", std::to_string(promise.resolve_within_working_days)}});
    const std::string filled = Format(text, {{"promise", promised}});
    const std::size_t code_at = filled.find("{code}");
    prompt.Text(filled.substr(0, code_at));
    if (code_at != std::string::npos) {
      prompt.TicketCode(station_sync::FormatTicketCode(state.report.submitted->ticket_code));
      prompt.Text(filled.substr(code_at + 6));
    }
  } else {
    prompt.Text(text);
  }
  base::LogInfo("speech", "saying: " + prompt.Describe());
  speech_->Say(std::move(prompt));
}

}  // namespace kiosk
