// Thumbnails for the lesson library: one JPEG picture per lesson file.
//
// API (stable; the library screen depends on it):
//
//   base::Result<Thumbnail> MakeThumbnail(std::string_view media_bytes, const ThumbnailOptions&);
//   base::Result<Thumbnail> MakeThumbnailFromFile(const std::string& media_path, const ThumbnailOptions&);
//   base::Result<Thumbnail> WriteThumbnail(const std::string& media_path,
//                                          const std::string& jpeg_path, const ThumbnailOptions&);
//
//   auto thumb = media::WriteThumbnail(lesson.path, lesson.thumbnail_path, {});
//   if (!thumb) {
//     // kNotFound: no picture in this file (audio-only without cover art)
//     //            or no such file: draw the category picture instead.
//     // kInvalidInput: not a media file we can read. kUnavailable: took
//     // longer than timeout_ms. kIo / kDiskFull: writing the JPEG failed.
//   }
//
// What is picked: for a video, a frame near 10% of the duration (then 25%,
// 50%, 75%, the start), skipping frames that are nearly uniform (black
// intros, fades, blank slides); if every candidate is uniform, the most
// detailed one seen. Rotation metadata and the sample aspect ratio are
// applied, so a phone video shot upright gives a portrait thumbnail. An
// audio file gives its embedded cover art (attached picture). A still image
// file gives itself, scaled.
//
// The output is a baseline JPEG (stb_image_write: JFIF, 4:2:0, no EXIF),
// which stb_image decodes. It fits inside max_width x max_height with the
// aspect ratio kept and is never scaled up.
//
// The job is pure apart from reading the input: MakeThumbnail works on bytes
// in memory; MakeThumbnailFromFile runs the same code reading the file on
// demand (a 700 MB lesson is not loaded whole: only the index and the few
// packets decoded are read). Every call is bounded by timeout_ms and never
// hangs or crashes on garbage or truncated input. Thread-safe: calls share no
// state, so a worker thread may make thumbnails while the UI runs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace media {

struct ThumbnailOptions {
  int max_width = 480;   // the thumbnail fits in this box, aspect ratio kept
  int max_height = 270;
  int jpeg_quality = 80;  // 1..100, as in libjpeg
  int timeout_ms = 3000;  // for the whole job; beyond it, kUnavailable
};

enum class ThumbnailSource {
  kVideoFrame,  // a frame of the video (or the picture of a still image file)
  kCoverArt,    // the attached picture of an audio file
};

struct Thumbnail {
  std::string jpeg;  // the JPEG file's bytes
  int width = 0;
  int height = 0;
  ThumbnailSource source = ThumbnailSource::kVideoFrame;
  std::int64_t position_ms = 0;  // media time of the frame used (0 for cover art)
};

base::Result<Thumbnail> MakeThumbnail(std::string_view media_bytes,
                                      const ThumbnailOptions& options = {});

base::Result<Thumbnail> MakeThumbnailFromFile(const std::string& media_path,
                                              const ThumbnailOptions& options = {});

// MakeThumbnailFromFile, then base::WriteFileDurably(jpeg_path, ...): after
// success the JPEG survives a power cut; after a failure jpeg_path is
// untouched (an old thumbnail stays as it was).
base::Result<Thumbnail> WriteThumbnail(const std::string& media_path, const std::string& jpeg_path,
                                       const ThumbnailOptions& options = {});

}  // namespace media
