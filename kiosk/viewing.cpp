#include "kiosk/viewing.h"

#include <sodium.h>

#include <algorithm>

namespace kiosk {
namespace {
constexpr std::int64_t kMaxObservationGapMs = 1'000;
}

void Viewing::Observe(std::int64_t position, std::int64_t duration, bool playing, std::int64_t elapsed_ms) {
  position_ms = std::max<std::int64_t>(0, position);
  if (duration > 0) duration_ms = duration;
  if (playing) watched_ms += std::clamp<std::int64_t>(elapsed_ms, 0, kMaxObservationGapMs);
}

bool Viewing::Completed() const {
  if (ended) return true;
  return duration_ms > 0 && position_ms >= duration_ms - std::min(kCompletedWithinMs, duration_ms / 20);
}

std::int64_t Viewing::ResumePositionMs() const {
  if (Completed() || position_ms < kResumeMinimumMs) return 0;
  return position_ms;
}

store::WatchRecord Viewing::Record() const {
  return store::WatchRecord{record_id, lesson_id, started_at, (watched_ms + 500) / 1000, Completed()};
}

Viewing StartViewing(const std::string& lesson_id, std::int64_t start_ms, std::int64_t duration_ms,
                     std::int64_t now) {
  Viewing viewing;
  viewing.record_id = NewRecordId();
  viewing.lesson_id = lesson_id;
  viewing.started_at = now;
  viewing.position_ms = start_ms;
  viewing.duration_ms = duration_ms;
  return viewing;
}

std::string NewRecordId() {
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  char hex[sizeof bytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

}  // namespace kiosk
