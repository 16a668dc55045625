#include "kiosk/thumbnails.h"

#include <GL/gl.h>
#include <stb_image.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "base/files.h"
#include "base/log.h"

namespace kiosk {
namespace {

std::uint64_t Fnv1a(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : text) hash = (hash ^ c) * 0x100000001b3ull;
  return hash;
}

// A made thumbnail is good while the media file keeps its size and time.
std::string MadeThumbnailName(const std::string& media_path) {
  struct stat st {};
  if (stat(media_path.c_str(), &st) != 0) return "";
  char name[64];
  std::snprintf(name, sizeof name, "%016llx.jpg",
                static_cast<unsigned long long>(Fnv1a(media_path + "|" + std::to_string(st.st_size) + "|" +
                                                      std::to_string(st.st_mtim.tv_sec))));
  return name;
}

}  // namespace

std::string ThumbnailKey(const store::Lesson& lesson) {
  return lesson.thumbnail_path.empty() ? "media:" + lesson.media_path : "file:" + lesson.thumbnail_path;
}

ThumbnailCache::ThumbnailCache(ThumbnailConfig config) : config_(std::move(config)) {
  worker_ = std::thread([this] { Work(); });
}

ThumbnailCache::~ThumbnailCache() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_worker_.notify_one();
  worker_.join();
  Clear();
}

ImTextureID ThumbnailCache::Thumbnail(const store::Lesson& lesson) {
  const std::string key = ThumbnailKey(lesson);
  auto [it, inserted] = entries_.try_emplace(key);
  it->second.last_used = ++use_counter_;
  if (inserted) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back({key, lesson});
    }
    wake_worker_.notify_one();
  }
  if (it->second.state != Entry::State::kReady) return 0;
  return reinterpret_cast<ImTextureID>(static_cast<std::intptr_t>(it->second.texture));
}

bool ThumbnailCache::Lookup(const store::Lesson& lesson, ImTextureID* texture, ImVec2* size) {
  *texture = Thumbnail(lesson);
  const Entry& entry = entries_[ThumbnailKey(lesson)];
  *size = ImVec2(static_cast<float>(entry.width), static_cast<float>(entry.height));
  return *texture != 0;
}

bool ThumbnailCache::UploadReady(int max_uploads) {
  std::vector<Decoded> ready;
  {
    std::lock_guard lock(mutex_);
    const auto n = std::min<std::size_t>(done_.size(), static_cast<std::size_t>(max_uploads));
    ready.assign(std::make_move_iterator(done_.begin()), std::make_move_iterator(done_.begin() + n));
    done_.erase(done_.begin(), done_.begin() + n);
  }
  bool changed = false;
  for (Decoded& picture : ready) {
    auto it = entries_.find(picture.key);
    if (it == entries_.end()) continue;  // cleared meanwhile
    Entry& entry = it->second;
    if (picture.rgba.empty()) {
      entry.state = Entry::State::kNone;
      continue;
    }
    GLuint texture = 0;
    glGenTextures(1, &texture);
    glBindTexture(GL_TEXTURE_2D, texture);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, picture.width, picture.height, 0, GL_RGBA, GL_UNSIGNED_BYTE,
                 picture.rgba.data());
    entry.texture = texture;
    entry.width = picture.width;
    entry.height = picture.height;
    entry.state = Entry::State::kReady;
    ++textures_;
    changed = true;
  }
  if (textures_ > config_.max_textures) Evict();
  bool more = false;
  {
    std::lock_guard lock(mutex_);
    more = !done_.empty();
  }
  if (more && config_.wake) config_.wake();
  return changed;
}

// Releases the least recently drawn textures down to three quarters of the
// budget; they load again if scrolled back to.
void ThumbnailCache::Evict() {
  std::vector<std::pair<std::uint64_t, std::string>> ready;
  for (const auto& [key, entry] : entries_) {
    if (entry.state == Entry::State::kReady) ready.emplace_back(entry.last_used, key);
  }
  std::sort(ready.begin(), ready.end());
  const std::size_t to_release = ready.size() - static_cast<std::size_t>(config_.max_textures * 3 / 4);
  for (std::size_t i = 0; i < to_release && i < ready.size(); ++i) {
    auto it = entries_.find(ready[i].second);
    glDeleteTextures(1, &it->second.texture);
    entries_.erase(it);
    --textures_;
  }
}

void ThumbnailCache::Clear() {
  for (auto& [key, entry] : entries_) {
    if (entry.state == Entry::State::kReady) glDeleteTextures(1, &entry.texture);
  }
  entries_.clear();
  textures_ = 0;
  std::lock_guard lock(mutex_);
  queue_.clear();
  done_.clear();
}

void ThumbnailCache::Work() {
  while (true) {
    Request request;
    {
      std::unique_lock lock(mutex_);
      wake_worker_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      // Newest first: the tiles on screen now, not those scrolled past.
      request = std::move(queue_.back());
      queue_.pop_back();
    }
    Decoded picture = Load(request);
    {
      std::lock_guard lock(mutex_);
      done_.push_back(std::move(picture));
    }
    if (config_.wake) config_.wake();
  }
}

ThumbnailCache::Decoded ThumbnailCache::Load(const Request& request) const {
  Decoded picture;
  picture.key = request.key;
  const store::Lesson& lesson = request.lesson;
  base::Result<std::string> bytes = base::MakeError(base::ErrorCode::kNotFound, "no thumbnail");
  if (!lesson.thumbnail_path.empty()) {
    bytes = base::ReadFile(config_.content_dir + "/" + lesson.thumbnail_path);
  } else {
    const std::string media = config_.content_dir + "/" + lesson.media_path;
    const std::string name = MadeThumbnailName(media);
    const std::string cached = config_.cache_dir + "/" + name;
    if (!name.empty()) bytes = base::ReadFile(cached);
    if (!bytes && !name.empty() && config_.make_thumbnail) {
      const auto started = std::chrono::steady_clock::now();
      bytes = config_.make_thumbnail(media);
      if (bytes) {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        base::LogInfo("thumbnails", "made a thumbnail for " + lesson.id + " from " + lesson.media_path + " in " +
                                        std::to_string(ms.count()) + " ms");
        if (auto kept = base::WriteFileDurably(cached, *bytes); !kept) {
          base::LogWarn("thumbnails", "cannot keep " + cached + ": " + kept.error().message);
        }
      }
    }
  }
  if (!bytes) {
    base::LogInfo("thumbnails", lesson.id + ": no picture (" + bytes.error().message + ")");
    return picture;
  }
  int w = 0, h = 0, channels = 0;
  unsigned char* pixels = stbi_load_from_memory(reinterpret_cast<const unsigned char*>(bytes->data()),
                                                static_cast<int>(bytes->size()), &w, &h, &channels, 4);
  if (pixels == nullptr) {
    base::LogWarn("thumbnails", lesson.id + ": picture cannot be decoded: " + stbi_failure_reason());
    return picture;
  }
  picture.width = w;
  picture.height = h;
  picture.rgba.assign(pixels, pixels + static_cast<std::size_t>(w) * h * 4);
  stbi_image_free(pixels);
  return picture;
}

}  // namespace kiosk
