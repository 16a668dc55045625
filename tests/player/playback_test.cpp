// Plays clips generated on the fly through the null audio sink, running
// faster than real time (PlayParams::time_scale).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "clips.h"

using namespace player_test;
using player::State;

namespace {

struct Combo {
  const char* file;
  const char* video_encoder;  // "" for none
  const char* video_args;
  const char* audio_encoder;
  const char* audio_args;
  const char* expected_video;
  const char* expected_audio;
};

constexpr double kSeconds = 2.0;
constexpr int kFrames = 50;  // 2 s at 25 fps

std::string ComboArgs(const Combo& c) {
  std::string args = VideoInput(kSeconds) + " " + AudioInput(kSeconds);
  args += std::string(" -c:v ") + c.video_encoder + " " + c.video_args;
  args += std::string(" -c:a ") + c.audio_encoder + " " + c.audio_args;
  return args;
}

}  // namespace

TEST_CASE("Every container and codec pair plays to the end with each frame shown or dropped",
          "[player][slow]") {
  auto combo = GENERATE(values<Combo>({
      {"h264_aac.mp4", "libx264", "-preset ultrafast -pix_fmt yuv420p", "aac", "", "h264", "aac"},
      {"h265_aac.mp4", "libx265", "-preset ultrafast -x265-params log-level=error -tag:v hvc1", "aac", "", "hevc", "aac"},
      {"h265_opus.mkv", "libx265", "-preset ultrafast -x265-params log-level=error", "libopus", "", "hevc", "opus"},
      {"h264_ac3.mkv", "libx264", "-preset ultrafast", "ac3", "", "h264", "ac3"},
      {"vp8_vorbis.webm", "libvpx", "-deadline realtime -cpu-used 8 -b:v 300k", "libvorbis", "", "vp8", "vorbis"},
      {"vp9_opus.webm", "libvpx-vp9", "-deadline realtime -cpu-used 8 -b:v 300k", "libopus", "", "vp9", "opus"},
      {"mpeg4_mp3.avi", "mpeg4", "-q:v 5", "libmp3lame", "", "mpeg4", "mp3"},
      {"mpeg4_pcm.avi", "mpeg4", "-q:v 5", "pcm_s16le", "", "mpeg4", "pcm_s16le"},
      {"h264_mp3.flv", "libx264", "-preset ultrafast", "libmp3lame", "-ar 44100", "h264", "mp3"},
      {"mpeg2_ac3.ts", "mpeg2video", "-q:v 5", "ac3", "", "mpeg2video", "ac3"},
      {"h264_aac.ts", "libx264", "-preset ultrafast", "aac", "", "h264", "aac"},
      {"mpeg2_mp3.mkv", "mpeg2video", "-q:v 5", "libmp3lame", "", "mpeg2video", "mp3"},
  }));
  INFO(combo.file);
  if (!HasEncoder(combo.video_encoder) || !HasEncoder(combo.audio_encoder)) {
    WARN("skipped: this ffmpeg lacks an encoder for " << combo.file);
    return;
  }
  std::string path = MakeClip(combo.file, ComboArgs(combo));
  PlayRun run = PlayToEnd(path);
  REQUIRE(run.open_ok);
  REQUIRE_FALSE(run.timed_out);
  REQUIRE(run.status.state == State::kEnded);
  REQUIRE(run.info.video_codec == combo.expected_video);
  REQUIRE(run.info.audio_codec == combo.expected_audio);
  REQUIRE(std::abs(run.info.duration_ms - 2000) <= 150);
  const auto& c = run.status.counters;
  CHECK(c.frames_decoded == kFrames);
  CHECK(c.frames_shown + c.frames_dropped == kFrames);
  CHECK(c.decode_errors == 0);
  REQUIRE(run.pts_ms.size() == static_cast<std::size_t>(c.frames_shown));
  CHECK(std::is_sorted(run.pts_ms.begin(), run.pts_ms.end()));
  CHECK(run.status.position_ms >= 1800);
}

TEST_CASE("Audio and video stay within 40 ms of each other until the end", "[player][slow]") {
  std::string path = MakeClip("drift.mp4", VideoInput(3) + " " + AudioInput(3) +
                                               " -c:v libx264 -preset ultrafast -c:a aac");
  auto latency = GENERATE(0, 150);  // a sink with extra latency must not shift the picture
  INFO("sink latency " << latency << " ms");
  PlayParams params;
  params.time_scale = 2.0;
  params.sink_latency_ms = latency;
  std::int64_t worst_ms = 0;
  params.on_tick = [&](player::Player& p, const std::optional<player::VideoFrame>& frame) {
    if (frame) {
      auto status = p.Status();
      // Only frames shown on time say something about sync; a frame shown
      // late because this loop slept is a scheduling artefact, not drift.
      if (status.counters.frames_shown > 5) worst_ms = std::max(worst_ms, std::abs(status.av_drift_ms));
    }
    return true;
  };
  PlayRun run = PlayToEnd(path, params);
  REQUIRE(run.status.state == State::kEnded);
  CHECK(std::abs(run.status.av_drift_ms) <= 40);
  CHECK(worst_ms <= 40);
  CHECK(run.status.counters.frames_shown + run.status.counters.frames_dropped == 75);
}

TEST_CASE("An exact seek lands on the requested time between keyframes", "[player]") {
  // Keyframes every 2 s, so 1.3 s and 3.1 s need decoding forward from one.
  struct Source {
    const char* file;
    const char* args;
  };
  auto source = GENERATE(values<Source>({
      {"gop50.mp4", " -c:v libx264 -preset ultrafast -g 50 -keyint_min 50 -sc_threshold 0 -c:a aac"},
      {"gop50.mkv", " -c:v libx264 -preset ultrafast -g 50 -keyint_min 50 -sc_threshold 0 -c:a libopus"},
      {"gop50.webm", " -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -g 50 -c:a libopus"},
      {"gop50.ts", " -c:v mpeg2video -g 50 -c:a ac3"},
      // B-frames: the non-reference ones before the target are not decoded.
      {"gop50_bframes.mp4", " -c:v libx264 -preset veryfast -bf 3 -g 50 -keyint_min 50 -sc_threshold 0 -c:a aac"},
  }));
  std::string path = MakeClip(source.file, VideoInput(4) + " " + AudioInput(4) + source.args);
  auto target_ms = GENERATE(1300, 3100, 500);
  INFO(source.file << " target " << target_ms);
  bool sought = false;
  std::optional<std::int64_t> landed;
  player::State state_after = player::State::kOpening;
  PlayParams params;
  params.on_tick = [&](player::Player& p, const std::optional<player::VideoFrame>& frame) {
    if (!sought && p.Status().counters.frames_shown >= 3) {
      p.Seek(target_ms, true);
      sought = true;
      return true;
    }
    if (sought && frame && !landed) {
      landed = frame->pts_ms;
      state_after = p.Status().state;
    }
    return !landed;
  };
  PlayRun run = PlayToEnd(path, params);
  REQUIRE(landed.has_value());
  CHECK(std::abs(*landed - target_ms) <= 40);
  CHECK(state_after == State::kPlaying);
  CHECK(run.status.counters.frames_skipped > 0);
}

TEST_CASE("An exact seek does not decode the non-reference frames before its target", "[player]") {
  // x264's default B-frames: two of every four frames are referenced by
  // nothing. From the keyframe at 0 to 1.9 s there are 47 frames to pass.
  std::string path = MakeClip("gop100_bframes.mp4",
                              VideoInput(4) + " -c:v libx264 -preset veryfast -bf 3 -g 100 "
                                              "-keyint_min 100 -sc_threshold 0");
  player::Counters at_seek, at_landing;
  bool sought = false;
  std::optional<std::int64_t> landed;
  PlayParams params;
  params.on_tick = [&](player::Player& p, const std::optional<player::VideoFrame>& frame) {
    if (!sought && p.Status().counters.frames_shown >= 1) {
      at_seek = p.Status().counters;
      p.Seek(1900, true);
      sought = true;
      return true;
    }
    if (sought && frame && !landed) {
      landed = frame->pts_ms;
      at_landing = p.Status().counters;
    }
    return !landed;
  };
  PlayRun run = PlayToEnd(path, params);
  REQUIRE(landed.has_value());
  CHECK(std::abs(*landed - 1900) <= 20);
  const std::int64_t skipped = at_landing.frames_skipped - at_seek.frames_skipped;
  const std::int64_t decoded = at_landing.frames_decoded - at_seek.frames_decoded;
  INFO("skipped " << skipped << " decoded " << decoded);
  CHECK(skipped >= 40);
  CHECK(decoded < skipped);  // the rest never reached the decoder's output
}

TEST_CASE("A seek while paused shows the target frame and stays paused", "[player]") {
  std::string path = MakeClip("gop50.mp4", VideoInput(4) + " " + AudioInput(4) +
                                               " -c:v libx264 -preset ultrafast -g 50 -keyint_min 50"
                                               " -sc_threshold 0 -c:a aac");
  player::NullSinkOptions sink_options;
  sink_options.time_scale = 4;
  player::OpenOptions options;
  options.audio_sink = player::MakeNullAudioSink(sink_options);
  options.start_paused = true;
  player::Player p;
  REQUIRE(p.Open(path, options).ok());
  std::optional<std::int64_t> shown;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool sought = false;
  while (std::chrono::steady_clock::now() < deadline) {
    auto frame = p.Tick(p.Now());
    if (!sought && p.Status().state == State::kPaused) {
      p.Seek(2600, true);
      sought = true;
    } else if (sought && frame) {
      shown = frame->pts_ms;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  REQUIRE(shown.has_value());
  CHECK(std::abs(*shown - 2600) <= 40);
  for (int i = 0; i < 20; ++i) {
    p.Tick(p.Now());
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  CHECK(p.Status().state == State::kPaused);
  CHECK(std::abs(p.Status().position_ms - 2600) <= 40);
}

TEST_CASE("Playback at 1.5x and 0.75x takes 1/speed of the clip's length", "[player][slow]") {
  std::string path = MakeClip("speed.mp4", VideoInput(3) + " " + AudioInput(3) +
                                               " -c:v libx264 -preset ultrafast -c:a aac");
  std::string video_only = MakeClip("speed_video_only.mp4",
                                    VideoInput(3) + " -c:v libx264 -preset ultrafast");
  auto speed = GENERATE(1.5, 0.75);
  auto file = GENERATE_COPY(path, video_only);
  INFO(file << " at " << speed);
  PlayParams params;
  params.speed = speed;
  params.time_scale = 6.0;
  PlayRun run = PlayToEnd(file, params);
  REQUIRE(run.status.state == State::kEnded);
  double expected_ms = 3000 / speed;
  CHECK(run.playing_ms == Approx(expected_ms).epsilon(0.1));
  CHECK(run.status.counters.frames_shown + run.status.counters.frames_dropped == 75);
}

TEST_CASE("Subtitles come from an embedded text track or a sidecar srt", "[player]") {
  const std::string srt =
      "1\n00:00:00,500 --> 00:00:01,200\nHello village\n\n"
      "2\n00:00:01,500 --> 00:00:02,500\n<i>Second</i> line\n";
  std::string srt_path = ClipDir() + "/lesson_subs.srt";
  std::ofstream(srt_path) << srt;

  struct Source {
    const char* file;
    const char* args;  // after the video/audio inputs and the srt input
  };
  auto source = GENERATE(values<Source>({
      {"subs_subrip.mkv", " -c:v libx264 -preset ultrafast -c:a aac -c:s srt"},
      {"subs_mov_text.mp4", " -c:v libx264 -preset ultrafast -c:a aac -c:s mov_text"},
      {"sidecar.mp4", ""},
  }));
  INFO(source.file);
  std::string path;
  if (std::string(source.file) == "sidecar.mp4") {
    path = MakeClip("sidecar.mp4", VideoInput(3) + " " + AudioInput(3) + " -c:v libx264 -preset ultrafast -c:a aac");
    std::ofstream(ClipDir() + "/sidecar.srt") << srt;
  } else {
    path = MakeClip(source.file, VideoInput(3) + " " + AudioInput(3) + " -i '" + srt_path +
                                     "' -map 0 -map 1 -map 2" + source.args);
  }
  std::string at_800, at_1300, at_2000, disabled;
  PlayParams params;
  params.on_tick = [&](player::Player& p, const std::optional<player::VideoFrame>&) {
    std::int64_t t = p.Status().position_ms;
    if (t >= 700 && t <= 1000 && at_800.empty()) at_800 = p.CurrentSubtitle() + "|";
    if (t >= 1250 && t <= 1450 && at_1300.empty()) at_1300 = p.CurrentSubtitle() + "|";
    if (t >= 1800 && t <= 2300 && at_2000.empty()) {
      at_2000 = p.CurrentSubtitle() + "|";
      p.SetSubtitlesEnabled(false);
      disabled = p.CurrentSubtitle() + "|";
      p.SetSubtitlesEnabled(true);
    }
    return true;
  };
  PlayRun run = PlayToEnd(path, params);
  REQUIRE(run.status.state == State::kEnded);
  CHECK(at_800 == "Hello village|");
  CHECK(at_1300 == "|");
  CHECK(at_2000 == "Second line|");
  CHECK(disabled == "|");
  if (std::string(source.file) == "sidecar.mp4") {
    CHECK(run.info.sidecar_subtitles);
  } else {
    CHECK(run.info.subtitle_tracks == 1);
  }
}

TEST_CASE("Audio-only lessons play to the end, with or without cover art", "[player]") {
  struct AudioClip {
    const char* file;
    const char* args;
    bool cover;
  };
  auto clip = GENERATE(values<AudioClip>({
      {"plain.mp3", " -c:a libmp3lame", false},
      {"cover.mp3", " -f lavfi -i color=c=red:size=64x64:duration=1 -map 0 -map 1 -c:a libmp3lame"
                    " -c:v mjpeg -frames:v 1 -disposition:v attached_pic -id3v2_version 3", true},
      {"cover.m4a", " -f lavfi -i color=c=red:size=64x64:duration=1 -map 0 -map 1 -c:a aac"
                    " -c:v mjpeg -frames:v 1 -disposition:v attached_pic", true},
      {"plain.m4a", " -c:a aac", false},
  }));
  INFO(clip.file);
  std::string path = MakeClip(clip.file, AudioInput(2) + clip.args);
  std::optional<player::VideoFrame> cover;
  PlayParams params;
  params.on_tick = [&](player::Player& p, const std::optional<player::VideoFrame>&) {
    if (!cover) cover = p.CoverArt();
    return true;
  };
  PlayRun run = PlayToEnd(path, params);
  REQUIRE(run.open_ok);
  REQUIRE(run.status.state == State::kEnded);
  CHECK_FALSE(run.info.has_video);
  CHECK(run.info.has_audio);
  CHECK(run.info.has_cover_art == clip.cover);
  CHECK(cover.has_value() == clip.cover);
  if (cover) {
    CHECK(cover->width == 64);
    CHECK(cover->height == 64);
    CHECK(cover->format == player::PixelFormat::kYuv420p);
  }
  CHECK(run.pts_ms.empty());
  CHECK(run.status.position_ms >= 1900);
  CHECK(run.playing_ms == Approx(2000).epsilon(0.1));
}

TEST_CASE("Interlaced MPEG-2 in MPEG-TS is deinterlaced", "[player]") {
  std::string path = MakeClip("interlaced.ts", VideoInput(2) + " " + AudioInput(2) +
                                                   " -vf setfield=tff -c:v mpeg2video -q:v 4"
                                                   " -flags +ilme+ildct -top 1 -c:a ac3");
  PlayRun run = PlayToEnd(path);
  REQUIRE(run.status.state == State::kEnded);
  CHECK(run.status.deinterlacing);
  REQUIRE_FALSE(run.first_frames.empty());
  CHECK(run.first_frames.back().deinterlaced);
  CHECK(run.status.counters.frames_shown + run.status.counters.frames_dropped == kFrames);
}

TEST_CASE("A progressive clip is not deinterlaced", "[player]") {
  std::string path = MakeClip("progressive.ts", VideoInput(1) + " -c:v mpeg2video -q:v 4");
  PlayRun run = PlayToEnd(path);
  REQUIRE(run.status.state == State::kEnded);
  CHECK_FALSE(run.status.deinterlacing);
  REQUIRE_FALSE(run.first_frames.empty());
  CHECK_FALSE(run.first_frames[0].deinterlaced);
}

TEST_CASE("Rotation and sample aspect ratio are reported for the renderer", "[player]") {
  SECTION("a display matrix becomes the clockwise rotation ffmpeg itself would apply") {
    // FFmpeg 5.1 keeps `rotate` only when stream-copying. Its mov muxer turns
    // rotate=90 into a matrix that ffmpeg's own autorotate shows turned a
    // quarter counter-clockwise (checked by hand: the top-left corner lands
    // bottom-left), i.e. 270 degrees clockwise.
    std::string upright = MakeClip("upright.mp4", VideoInput(1) + " -c:v libx264 -preset ultrafast");
    std::string path = MakeClip("rotated.mp4", "-i '" + upright + "' -c copy -metadata:s:v rotate=90");
    PlayRun run = PlayToEnd(path);
    REQUIRE(run.status.state == State::kEnded);
    CHECK(run.info.rotation_degrees == 270);
    REQUIRE_FALSE(run.first_frames.empty());
    CHECK(run.first_frames[0].rotation_degrees == 270);
  }
  SECTION("setsar=4/3 is anamorphic") {
    std::string path = MakeClip("anamorphic.mp4", VideoInput(1) +
                                                      " -vf setsar=4/3 -c:v libx264 -preset ultrafast");
    PlayRun run = PlayToEnd(path);
    REQUIRE(run.status.state == State::kEnded);
    CHECK(run.info.sar_num == 4);
    CHECK(run.info.sar_den == 3);
    REQUIRE_FALSE(run.first_frames.empty());
    CHECK(run.first_frames[0].sar_num == 4);
    CHECK(run.first_frames[0].sar_den == 3);
    CHECK(run.first_frames[0].rotation_degrees == 0);
  }
}

TEST_CASE("A video frame references yuv420p planes with strides and pts", "[player]") {
  std::string path = MakeClip("planes.mp4", VideoInput(1) + " -c:v libx264 -preset ultrafast -pix_fmt yuv420p");
  bool checked = false;
  PlayParams params;
  params.on_tick = [&](player::Player&, const std::optional<player::VideoFrame>& frame) {
    if (frame && !checked) {
      checked = true;
      CHECK(frame->format == player::PixelFormat::kYuv420p);
      CHECK(frame->width == 320);
      CHECK(frame->height == 240);
      CHECK(frame->strides[0] >= 320);
      CHECK(frame->strides[1] >= 160);
      REQUIRE(frame->planes[2] != nullptr);
      CHECK(frame->pts_ms == 0);
      CHECK(frame->matrix == player::ColorMatrix::kBt601);
    }
    return true;
  };
  PlayRun run = PlayToEnd(path, params);
  CHECK(checked);
}

TEST_CASE("Other pixel formats are converted to yuv420p", "[player]") {
  std::string path = MakeClip("yuv444.mkv", VideoInput(1) + " -c:v libx264 -preset ultrafast -pix_fmt yuv444p");
  PlayRun run = PlayToEnd(path);
  REQUIRE(run.status.state == State::kEnded);
  REQUIRE_FALSE(run.first_frames.empty());
  CHECK(run.first_frames[0].format == player::PixelFormat::kYuv420p);
  CHECK(run.status.counters.frames_shown + run.status.counters.frames_dropped == 25);
}

TEST_CASE("Pause stops the clock and play resumes it", "[player]") {
  std::string path = MakeClip("pause.mp4", VideoInput(2) + " " + AudioInput(2) +
                                               " -c:v libx264 -preset ultrafast -c:a aac");
  bool paused = false;
  std::int64_t paused_at = -1;
  int ticks_paused = 0;
  PlayParams params;
  params.on_tick = [&](player::Player& p, const std::optional<player::VideoFrame>& frame) {
    auto status = p.Status();
    if (!paused && status.position_ms >= 500) {
      p.Pause();
      paused = true;
      paused_at = p.Status().position_ms;
    } else if (paused && ticks_paused < 100) {
      ++ticks_paused;
      CHECK_FALSE(frame.has_value());
      CHECK(status.state == State::kPaused);
      CHECK(std::abs(status.position_ms - paused_at) <= 5);
      if (ticks_paused == 100) p.Play();
    }
    return true;
  };
  PlayRun run = PlayToEnd(path, params);
  CHECK(run.status.state == State::kEnded);
  CHECK(ticks_paused == 100);
}

TEST_CASE("Speed keeps the pitch and volume scales the samples", "[player]") {
  std::string path = MakeClip("sine.wav", AudioInput(3) + " -af 'pan=stereo|c0=c0|c1=c0' -c:a pcm_s16le");
  auto speed = GENERATE(1.0, 1.5, 0.75);
  INFO("speed " << speed);
  PlayParams params;
  params.time_scale = 8.0;
  params.speed = speed;
  params.volume = 0.5;
  params.capture = std::make_shared<player::CapturedAudio>();
  PlayRun run = PlayToEnd(path, params);
  REQUIRE(run.status.state == State::kEnded);
  std::vector<float> left;
  {
    std::lock_guard lock(params.capture->mutex);
    const auto& s = params.capture->samples;
    for (std::size_t i = 0; i + 1 < s.size(); i += 2) left.push_back(s[i]);
  }
  // 3 s of media at `speed` is 3/speed s of output at 48 kHz.
  CHECK(static_cast<double>(left.size()) == Approx(3.0 / speed * 48000).epsilon(0.05));
  // Measure the middle: rising zero crossings per second stay at 440 Hz.
  std::size_t from = left.size() / 4, to = left.size() * 3 / 4;
  int crossings = 0;
  float peak = 0;
  for (std::size_t i = from + 1; i < to; ++i) {
    if (left[i - 1] < 0 && left[i] >= 0) ++crossings;
    peak = std::max(peak, std::abs(left[i]));
  }
  double seconds = static_cast<double>(to - from) / 48000;
  CHECK(crossings / seconds == Approx(440).epsilon(0.03));
  // lavfi's sine has amplitude 1/8; volume 0.5 halves it.
  CHECK(peak == Approx(0.0625).epsilon(0.1));
}

TEST_CASE("Changing speed and volume while playing keeps playing to the end", "[player]") {
  std::string path = MakeClip("live_change.mp4", VideoInput(3) + " " + AudioInput(3) +
                                                    " -c:v libx264 -preset ultrafast -c:a aac");
  int step = 0;
  PlayParams params;
  params.on_tick = [&](player::Player& p, const std::optional<player::VideoFrame>&) {
    auto position = p.Status().position_ms;
    if (step == 0 && position > 500) { p.SetSpeed(1.5); ++step; }
    if (step == 1 && position > 1500) { p.SetSpeed(0.75); p.SetVolume(0.2); ++step; }
    if (step == 2 && position > 2200) { p.SetSpeed(1.0); ++step; }
    return true;
  };
  PlayRun run = PlayToEnd(path, params);
  CHECK(step == 3);
  CHECK(run.status.state == State::kEnded);
  CHECK(run.status.speed == 1.0);
  CHECK(run.status.volume == Approx(0.2));
  CHECK(run.status.counters.frames_shown + run.status.counters.frames_dropped == 75);
}

TEST_CASE("A decoder too slow for the clock drops late frames and still accounts for every frame", "[player]") {
  // 1280x720 at 40x real time is far more than two shared cores decode.
  // Video only, so the clock runs free (with audio, audio underruns would
  // hold the clock back too, which is right but not what this checks).
  std::string path = MakeClip("too_fast.mp4",
                              "-f lavfi -i testsrc2=size=1280x720:rate=25:duration=3"
                              " -c:v libx264 -preset ultrafast");
  PlayParams params;
  params.time_scale = 40.0;
  PlayRun run = PlayToEnd(path, params);
  REQUIRE(run.status.state == State::kEnded);
  const auto& c = run.status.counters;
  INFO("shown " << c.frames_shown << " dropped " << c.frames_dropped);
  CHECK(c.frames_shown + c.frames_dropped == 75);
  CHECK(c.frames_dropped > 0);
  CHECK(c.frames_shown > 0);
  // Without B-frames every frame is a reference: all were decoded.
  CHECK(c.frames_dropped_undecoded == 0);
  CHECK(c.frames_decoded == 75);
}

TEST_CASE("A decoder too slow for the clock skips late non-reference frames undecoded", "[player]") {
  // As above, with x264's default B-frames: late frames that nothing refers
  // to are not decoded at all, and are counted as dropped.
  std::string path = MakeClip("too_fast_bframes.mp4",
                              "-f lavfi -i testsrc2=size=1280x720:rate=25:duration=3"
                              " -c:v libx264 -preset veryfast -bf 3");
  PlayParams params;
  params.time_scale = 40.0;
  PlayRun run = PlayToEnd(path, params);
  REQUIRE(run.status.state == State::kEnded);
  const auto& c = run.status.counters;
  INFO("decoded " << c.frames_decoded << " shown " << c.frames_shown << " dropped "
                  << c.frames_dropped << " of which undecoded " << c.frames_dropped_undecoded);
  CHECK(c.frames_shown + c.frames_dropped == 75);
  CHECK(c.frames_decoded + c.frames_dropped_undecoded == 75);
  CHECK(c.frames_dropped_undecoded > 0);
  CHECK(c.frames_shown > 0);
}
