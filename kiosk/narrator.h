// Spoken prompts for villagers who read little: each report and check step
// says what to do when it opens and again on "listen again"; the ticket
// screen reads the code out symbol by symbol with the promise. Speech is
// rendered by espeak-ng off the UI thread (media/speech.h); a new prompt
// cuts off the one before.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "kiosk/app.h"
#include "kiosk/i18n.h"

namespace media { class Speech; }

namespace kiosk {

class Narrator {
 public:
  // null_audio: nothing is heard, but what would be said is logged.
  Narrator(bool null_audio, const Translations& translations, const std::string& language);
  ~Narrator();

  // Speaks when the screen or the "listen again" count changed.
  void Follow(const AppState& state);

 private:
  std::string Prompt(const AppState& state) const;

  const Translations& translations_;
  std::string language_;
  std::unique_ptr<media::Speech> speech_;
  Screen last_screen_ = Screen::kHome;
  std::uint64_t last_generation_ = 0;
};

}  // namespace kiosk
