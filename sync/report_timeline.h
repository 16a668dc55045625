// What "check my report" shows: the promise made at submission (reply within
// 24 hours, resolve within 3 working days, from the station's settings) and
// a timeline computed from what has been synced so far. Pure functions of
// their inputs and `now`, so a clock that jumps cannot make them crash or
// produce nonsense:
//   - a time before kEarliestPlausibleTime (a box that booted in 1970) is
//     "unknown": no deadline is computed from it and nothing is overdue;
//   - `now` before the report was saved (clock set back) makes nothing
//     overdue; elapsed times never go negative;
//   - arithmetic is on 64-bit seconds and whole days, with no localtime(),
//     so years like 2100 or 1901 are just numbers.
// Working days are Monday to Friday in the station's time zone (a fixed UTC
// offset; China has no daylight saving). Public holidays are not known.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace station_sync {

// 2024-01-01T00:00:00Z: this software did not exist before; an earlier
// clock is wrong.
inline constexpr std::int64_t kEarliestPlausibleTime = 1704067200;

struct ReportPromise {
  int reply_within_hours = 24;
  int resolve_within_working_days = 3;
  int utc_offset_minutes = 8 * 60;  // China Standard Time
};

struct DueTimes {
  std::optional<std::int64_t> reply_due_s;    // empty when saved_at is not plausible
  std::optional<std::int64_t> resolve_due_s;  // end of the Nth working day after saving
};

DueTimes ComputeDueTimes(std::int64_t saved_at_s, const ReportPromise& promise);

// Monday = 0 ... Sunday = 6, of the local day holding `time_s`.
int LocalWeekday(std::int64_t time_s, int utc_offset_minutes);

enum class Stage { kSaved, kDelivered, kReplied, kResolved };

struct TimelineStep {
  Stage stage = Stage::kSaved;
  bool done = false;
  std::optional<std::int64_t> at_s;   // when it happened, if known and plausible
  std::optional<std::int64_t> due_s;  // promised by, for kReplied and kResolved
  bool overdue = false;               // not done and the promise has passed
  bool late = false;                  // done, but after the promise
};

// What the station knows about one report.
struct ReportFacts {
  std::int64_t saved_at_s = 0;
  std::optional<std::int64_t> delivered_at_s;  // the county acknowledged it
  std::optional<std::int64_t> first_reply_at_s;
  std::optional<std::int64_t> resolved_at_s;
  DueTimes due;  // as promised at submission
};

struct Timeline {
  std::vector<TimelineStep> steps;  // kSaved, kDelivered, kReplied, kResolved
  bool overdue = false;             // any step overdue
};

Timeline BuildTimeline(const ReportFacts& facts, std::int64_t now_s);

}  // namespace station_sync
