// The SDL2 microphone. Declared apart from microphone.h because it lives in
// the separate `media_sdl` library (the only media code that links SDL); the
// kiosk links it, command-line tools and tests of `media` need not.
#pragma once

#include <memory>

#include "base/result.h"
#include "media/microphone.h"

namespace media {

// Opens the capture device (SDL's audio subsystem is initialised and released
// with it). kUnavailable when there is no capture device or SDL refuses.
base::Result<std::unique_ptr<Microphone>> OpenSdlMicrophone(const MicrophoneOptions& options = {});

}  // namespace media
