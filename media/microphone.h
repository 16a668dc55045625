// Microphones for voice notes: one interface, one implementation per source.
//
//   OpenFileMicrophone(path, options)  an audio file decoded and delivered at
//                                      real-time pace as if captured: the
//                                      kiosk's --mic-source FILE, and tests
//                                      (microphone_file.cpp, in `media`)
//   OpenSdlMicrophone(options)         SDL2 audio capture (microphone_sdl.h;
//                                      microphone_sdl.cpp is the separate
//                                      `media_sdl` library, so `media` itself
//                                      never links SDL)
//
// Capture starts at Open and stops at destruction: open one when the
// villager presses record. Samples accumulate on the source's thread; the UI
// thread (or an encoding worker) calls Take() to collect them, feeds them to
// media::VoiceEncoder and media::MeasureLevels for the meter.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "media/voice.h"

namespace media {

struct MicrophoneOptions {
  PcmFormat format;    // what Take() delivers; sources convert to it
  std::string device;  // SDL capture device name; empty: the system default
  bool loop = true;    // file: start again at the end (else silence follows)
  // Samples not taken for this long are dropped, oldest first, so a
  // forgotten microphone cannot fill memory.
  int max_buffered_ms = 10000;
};

class Microphone {
 public:
  virtual ~Microphone() = default;

  // Appends the samples captured since the last call (interleaved, in
  // format()) to `out`; returns the number of sample frames appended.
  // Never blocks.
  virtual std::size_t Take(std::vector<std::int16_t>& out) = 0;
  virtual PcmFormat format() const = 0;
  // Sample frames dropped because Take() was not called in time.
  virtual std::uint64_t dropped_frames() const = 0;
  // Ok while capturing; the error that stopped capture otherwise.
  virtual base::Status status() const = 0;
};

// kNotFound for a missing file, kInvalidInput for a file without audio.
base::Result<std::unique_ptr<Microphone>> OpenFileMicrophone(const std::string& path,
                                                             const MicrophoneOptions& options = {});

}  // namespace media
