// Lesson thumbnails as GL textures for the library's tiles, loaded in the
// background so scrolling never waits for a disk or a decoder.
//
// Where a picture comes from, in order: the thumbnail the catalog names;
// one this station made earlier (<data>/thumbnails/<key>.jpg); a new one made
// from the lesson's media by `make_thumbnail` on the worker thread and kept
// for next time. Textures are keyed by the file they come from, so 5,000
// lessons sharing one video share one texture; the least recently drawn are
// released beyond a budget.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "kiosk/screens.h"

namespace kiosk {

struct ThumbnailConfig {
  std::string content_dir;
  std::string cache_dir;  // where made thumbnails are kept
  // Makes JPEG bytes from a media file; empty: lessons without a catalog
  // thumbnail show their category picture.
  std::function<base::Result<std::string>(const std::string& media_path)> make_thumbnail;
  std::function<void()> wake;  // called from the worker when a picture is ready
  int max_textures = 96;
};

class ThumbnailCache final : public ThumbnailSource {
 public:
  explicit ThumbnailCache(ThumbnailConfig config);
  ~ThumbnailCache() override;  // joins the worker; call with the GL context current

  // UI thread: the texture, or 0 (and the picture is queued) if not ready.
  ImTextureID Thumbnail(const store::Lesson& lesson) override;
  // UI thread, once per frame: uploads pictures the worker finished. Returns
  // true when something new can be drawn.
  bool UploadReady(int max_uploads = 4);
  // The texture and pixel size of a lesson's picture, if loaded.
  bool Lookup(const store::Lesson& lesson, ImTextureID* texture, ImVec2* size);
  // Drops everything (the catalog changed: pictures may have too).
  void Clear();

 private:
  struct Request {
    std::string key;
    store::Lesson lesson;
  };
  struct Decoded {
    std::string key;
    int width = 0, height = 0;
    std::vector<unsigned char> rgba;  // empty: no picture (placeholder)
  };
  struct Entry {
    enum class State { kQueued, kReady, kNone } state = State::kQueued;
    unsigned texture = 0;
    int width = 0, height = 0;
    std::uint64_t last_used = 0;
  };

  void Work();
  Decoded Load(const Request& request) const;
  void Evict();

  ThumbnailConfig config_;
  // UI thread only.
  std::unordered_map<std::string, Entry> entries_;
  std::uint64_t use_counter_ = 0;
  int textures_ = 0;
  // Shared with the worker, under mutex_.
  std::mutex mutex_;
  std::condition_variable wake_worker_;
  std::deque<Request> queue_;
  std::vector<Decoded> done_;
  bool stop_ = false;
  std::thread worker_;
};

// The key a lesson's picture is cached under.
std::string ThumbnailKey(const store::Lesson& lesson);

}  // namespace kiosk
