#include "sync/report_timeline.h"

namespace station_sync {
namespace {

constexpr std::int64_t kDay = 86400;
// Far enough for any real clock, near enough that nothing overflows.
constexpr std::int64_t kLatestSaneTime = std::int64_t{1} << 40;

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool Plausible(std::int64_t time_s) {
  return time_s >= kEarliestPlausibleTime && time_s < kLatestSaneTime;
}

std::optional<std::int64_t> IfPlausible(std::optional<std::int64_t> time_s) {
  if (time_s && Plausible(*time_s)) return time_s;
  return std::nullopt;
}

int WeekdayOfDay(std::int64_t day) {
  // Day 0 (1970-01-01) was a Thursday: Monday-based index 3.
  return static_cast<int>(((day % 7) + 7 + 3) % 7);
}

}  // namespace

int LocalWeekday(std::int64_t time_s, int utc_offset_minutes) {
  return WeekdayOfDay(FloorDiv(time_s + std::int64_t{utc_offset_minutes} * 60, kDay));
}

DueTimes ComputeDueTimes(std::int64_t saved_at_s, const ReportPromise& promise) {
  DueTimes due;
  if (!Plausible(saved_at_s)) return due;
  if (promise.reply_within_hours > 0) {
    due.reply_due_s = saved_at_s + std::int64_t{promise.reply_within_hours} * 3600;
  }
  if (promise.resolve_within_working_days > 0) {
    // Counted from the next working day; due at the end (local midnight) of
    // the last one. Saved on Friday afternoon with 3 days: Mon, Tue, Wed.
    const std::int64_t offset_s = std::int64_t{promise.utc_offset_minutes} * 60;
    std::int64_t day = FloorDiv(saved_at_s + offset_s, kDay);
    for (int counted = 0; counted < promise.resolve_within_working_days;) {
      ++day;
      if (WeekdayOfDay(day) < 5) ++counted;
    }
    due.resolve_due_s = (day + 1) * kDay - offset_s;
  }
  return due;
}

Timeline BuildTimeline(const ReportFacts& facts, std::int64_t now_s) {
  // Deadlines only count against a clock that is past the save time and
  // itself plausible; otherwise "overdue" would be a guess.
  const bool clock_sane = Plausible(now_s) && Plausible(facts.saved_at_s) &&
                          now_s >= facts.saved_at_s;
  auto step = [&](Stage stage, std::optional<std::int64_t> at_s, bool done,
                  std::optional<std::int64_t> due_s) {
    TimelineStep s;
    s.stage = stage;
    s.done = done;
    s.at_s = IfPlausible(at_s);
    s.due_s = due_s;
    if (due_s) {
      if (!done) s.overdue = clock_sane && now_s > *due_s;
      if (done && s.at_s) s.late = *s.at_s > *due_s;
    }
    return s;
  };
  Timeline timeline;
  timeline.steps.push_back(step(Stage::kSaved, facts.saved_at_s, true, std::nullopt));
  timeline.steps.push_back(step(Stage::kDelivered, facts.delivered_at_s,
                                facts.delivered_at_s.has_value(), std::nullopt));
  // A resolution without a reply still answers the villager.
  const bool replied = facts.first_reply_at_s.has_value() || facts.resolved_at_s.has_value();
  timeline.steps.push_back(step(Stage::kReplied,
                                facts.first_reply_at_s ? facts.first_reply_at_s
                                                       : facts.resolved_at_s,
                                replied, facts.due.reply_due_s));
  timeline.steps.push_back(step(Stage::kResolved, facts.resolved_at_s,
                                facts.resolved_at_s.has_value(), facts.due.resolve_due_s));
  for (const TimelineStep& s : timeline.steps) timeline.overdue |= s.overdue;
  return timeline;
}

}  // namespace station_sync
