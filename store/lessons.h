// The lesson library in the store: the installed catalog's lessons, resume
// positions and viewing counts, watch records waiting for upload, and the
// health of each lesson (failed playbacks, quarantine).
//
// A lesson's life as the kiosk sees it:
//
//   catalog installed ──> shown ──play──> playing_since set ──ended──> shown
//                           ^                    │
//                           │          failed / station went down
//                           │                    v
//                           └──restore── quarantined (after kQuarantineAfter failures)
//
// The kiosk keeps a shelf in memory while it is on screen (5,000 lessons are
// a few megabytes), so nothing here runs per frame.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace store {

class Store;

struct Lesson {
  std::string id;
  std::string title;
  std::string category;  // "policy", "farming", "market", "management", "lectures", "party_history", ...
  std::string summary;
  std::string language;
  std::int64_t duration_ms = 0;
  std::int64_t added_at = 0;  // unix seconds
  // Relative to the content directory.
  std::string media_path;
  std::string subtitle_path;
  std::string thumbnail_path;

  bool operator==(const Lesson&) const = default;
};

struct LessonProgress {
  std::int64_t position_ms = 0;  // where to resume; 0 = from the start
  bool completed = false;        // watched to the end at least once
  int views = 0;
  std::int64_t updated_at = 0;   // unix seconds
};

struct LessonEntry {
  Lesson lesson;
  LessonProgress progress;
};

// What a library shelf shows.
enum class Shelf {
  kAll,               // every lesson, newest first
  kCategory,          // one category, newest first
  kContinueWatching,  // started, not finished, most recent first
  kMostWatched,       // by views
};

struct WatchRecord {
  std::string record_id;  // random; the county counts a record once
  std::string lesson_id;
  std::int64_t started_at = 0;  // unix seconds
  std::int64_t seconds_watched = 0;
  bool completed = false;
};

struct QuarantinedLesson {
  std::string lesson_id;
  std::string title;  // empty when the lesson has left the catalog
  int failures = 0;
  std::string last_error;
  std::int64_t quarantined_at = 0;
};

// Failed playbacks (errors, hangs, the station going down) before a lesson
// is hidden from villagers.
inline constexpr int kQuarantineAfter = 2;

class LessonLibrary {
 public:
  explicit LessonLibrary(Store& store);

  // Makes `lessons` the installed catalog, in one transaction: lessons not in
  // it disappear, progress and health are kept.
  base::Status ReplaceCatalog(const std::vector<Lesson>& lessons);

  // A shelf, without quarantined lessons. `category` is for Shelf::kCategory.
  base::Result<std::vector<LessonEntry>> List(Shelf shelf, const std::string& category = "",
                                              int limit = -1) const;
  base::Result<std::optional<LessonEntry>> Get(const std::string& lesson_id) const;
  // Categories of visible lessons, with their lesson counts, most first.
  base::Result<std::vector<std::pair<std::string, int>>> Categories() const;

  base::Status SaveProgress(const std::string& lesson_id, std::int64_t position_ms, bool completed,
                            std::int64_t now);
  // One viewing: appends the record and counts a view, in one transaction.
  base::Status AddWatchRecord(const WatchRecord& record);
  base::Result<std::vector<WatchRecord>> PendingWatchRecords(int limit) const;

  // Playback health. Started is committed before the player opens the file;
  // a start still marked at the next start-up means the station went down.
  base::Status PlaybackStarted(const std::string& lesson_id, std::int64_t now);
  base::Status PlaybackFinished(const std::string& lesson_id);
  // Returns true when this failure quarantined the lesson.
  base::Result<bool> PlaybackFailed(const std::string& lesson_id, const std::string& error, std::int64_t now);
  // At start-up: counts a failure for every playback the station did not
  // finish. Returns the lessons that were quarantined by it.
  base::Result<std::vector<std::string>> RecoverInterruptedPlaybacks(std::int64_t now);
  base::Result<std::vector<QuarantinedLesson>> Quarantined() const;
  base::Status Restore(const std::string& lesson_id);

 private:
  Store& store_;
};

}  // namespace store
