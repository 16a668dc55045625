// Builds without SDL2 audio (STATION_PLAYER_AUDIO=null): the default sink is
// the null sink at real-time pace, so playback still runs and stays in sync.
#include "player/audio_sink.h"

namespace player {

std::shared_ptr<AudioSink> MakeDefaultAudioSink() { return MakeNullAudioSink(); }

}  // namespace player
