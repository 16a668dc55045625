// Voice notes: PCM from the microphone to Opus in Ogg (what is stored and
// sent), back to PCM for listening before sending, and a level meter.
//
//   Levels MeasureLevels(std::span<const std::int16_t> samples);          // pure
//   VoiceEncoder::Create(input, options) → Append(pcm)... → Finish() → VoiceNote
//   base::Result<VoiceNote> EncodeVoiceNote(pcm, input, options);        // one shot
//   base::Result<Pcm> DecodeVoiceNote(std::string_view bytes, PcmFormat output);
//
// Mono Opus at 24 kbit/s ("voip" tuning, 20 ms frames): about 530 KiB for
// three minutes. Input is 16-bit PCM at any rate, mono or stereo
// (interleaved); it is resampled to 48 kHz and mixed to the note's channels.
// Limiting a note's length is the UI's job: duration_ms() tells it.
//
// Playback: DecodeVoiceNote gives PCM for any sink; the kiosk can equally
// play the .ogg file with player::Player, which reads Ogg/Opus.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace media {

struct PcmFormat {
  int sample_rate = 48000;
  int channels = 1;  // 1 or 2; samples are interleaved
};

// Signal levels relative to full scale (32768). Digital silence (and an empty
// block) reads kSilenceDbfs rather than minus infinity.
inline constexpr double kSilenceDbfs = -100.0;
struct Levels {
  double rms_dbfs = kSilenceDbfs;
  double peak_dbfs = kSilenceDbfs;
};
Levels MeasureLevels(std::span<const std::int16_t> samples);

struct VoiceOptions {
  int bitrate_bps = 24000;
  int channels = 1;  // of the note: 1 (voice) or 2
};

struct VoiceNote {
  std::string ogg;  // an Ogg Opus file's bytes (audio/ogg; codecs=opus)
  std::int64_t duration_ms = 0;
};

// Encodes as PCM arrives (from media::Microphone), so a note is ready the
// moment the villager stops. Not thread-safe: one thread feeds it.
class VoiceEncoder {
 public:
  // kInvalidInput for an unsupported format, kUnavailable if this FFmpeg
  // has no libopus encoder.
  static base::Result<std::unique_ptr<VoiceEncoder>> Create(PcmFormat input,
                                                            const VoiceOptions& options = {});
  ~VoiceEncoder();
  VoiceEncoder(const VoiceEncoder&) = delete;
  VoiceEncoder& operator=(const VoiceEncoder&) = delete;

  // Interleaved samples in the input format; a partial sample frame (an odd
  // count for stereo) is refused.
  base::Status Append(std::span<const std::int16_t> interleaved);
  // Of the audio appended so far.
  std::int64_t duration_ms() const;
  // Flushes the encoder and closes the file. The encoder is spent afterwards.
  base::Result<VoiceNote> Finish();

 private:
  struct Impl;
  explicit VoiceEncoder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

base::Result<VoiceNote> EncodeVoiceNote(std::span<const std::int16_t> interleaved, PcmFormat input,
                                        const VoiceOptions& options = {});

struct Pcm {
  PcmFormat format;
  std::vector<std::int16_t> samples;  // interleaved
  std::int64_t duration_ms() const {
    if (format.sample_rate <= 0 || format.channels <= 0) return 0;
    return static_cast<std::int64_t>(samples.size()) * 1000 / format.channels / format.sample_rate;
  }
};

// Any audio file FFmpeg reads (a voice note, a lesson's audio), converted to
// `output`. kInvalidInput for bytes without audio.
base::Result<Pcm> DecodeVoiceNote(std::string_view bytes, PcmFormat output = {});

}  // namespace media
