// One viewing of a lesson, from tapping play to leaving the player: how long
// the villager actually watched (playing, not paused or seeking), where to
// resume next time, and whether it counts as completed. Pure bookkeeping;
// the App saves what it says to the store.
#pragma once

#include <cstdint>
#include <string>

#include "store/lessons.h"

namespace kiosk {

inline constexpr std::int64_t kSaveProgressEveryMs = 10'000;  // of watching
inline constexpr std::int64_t kResumeMinimumMs = 5'000;       // earlier: start over
inline constexpr std::int64_t kCompletedWithinMs = 10'000;    // of the end

struct Viewing {
  std::string record_id;  // random, so the county counts the record once
  std::string lesson_id;
  std::int64_t started_at = 0;  // unix seconds
  std::int64_t position_ms = 0;
  std::int64_t duration_ms = 0;
  std::int64_t watched_ms = 0;
  std::int64_t watched_at_last_save_ms = 0;
  bool ended = false;  // the player reached the end of the file

  // `elapsed_ms` is steady-clock time since the previous observation; only
  // time spent playing counts, and a long gap (a stalled loop) counts little.
  void Observe(std::int64_t position, std::int64_t duration, bool playing, std::int64_t elapsed_ms);
  bool ProgressDue() const { return watched_ms - watched_at_last_save_ms >= kSaveProgressEveryMs; }
  bool Completed() const;
  // Where the next viewing starts: 0 when completed or barely begun.
  std::int64_t ResumePositionMs() const;
  store::WatchRecord Record() const;
};

Viewing StartViewing(const std::string& lesson_id, std::int64_t start_ms, std::int64_t duration_ms,
                     std::int64_t now);

// 128 random bits as 32 hex digits.
std::string NewRecordId();

}  // namespace kiosk
