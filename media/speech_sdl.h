// Speech through SDL2 audio. Declared apart from speech.h because it lives in
// the separate `media_sdl` library (the only media code that links SDL).
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "media/speech.h"

namespace media {

// Opens a playback device for speech (SDL's audio subsystem is initialised
// and released with it), in the format espeak-ng speaks: 22050 Hz mono; SDL
// converts to the device's own. An utterance in another format reopens the
// device. `device` empty: the system default. kUnavailable when SDL has no
// audio or no such device.
base::Result<std::shared_ptr<SpeechOutput>> OpenSdlSpeechOutput(const std::string& device = {});

}  // namespace media
