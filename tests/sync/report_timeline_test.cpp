#include "sync/report_timeline.h"

#include <catch2/catch.hpp>

#include <limits>
#include <tuple>

namespace {

using namespace station_sync;

// 2026-11-20 is a Friday. Times are UTC; the station is UTC+8.
constexpr std::int64_t kFriday2026_11_20_0900Local = 1795136400;  // 01:00Z
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 86400;

}  // namespace

TEST_CASE("Weekdays follow the station's UTC offset", "[sync]") {
  CHECK(LocalWeekday(kFriday2026_11_20_0900Local, 480) == 4);  // Friday
  // 23:30 local Friday is still Friday at UTC+8, though Saturday 07:30 at UTC+16.
  CHECK(LocalWeekday(kFriday2026_11_20_0900Local + 14 * kHour + 30 * 60, 480) == 4);
  CHECK(LocalWeekday(kFriday2026_11_20_0900Local + 15 * kHour, 480) == 5);
  CHECK(LocalWeekday(0, 0) == 3);             // 1970-01-01, Thursday
  CHECK(LocalWeekday(-kDay, 0) == 2);         // Wednesday before
}

TEST_CASE("The promise: reply in 24 hours, resolve by the end of the 3rd working day",
          "[sync]") {
  const ReportPromise promise;  // 24 h, 3 working days, UTC+8
  // Local midnight at the end of a day D (UTC+8) is D+1 00:00 local = D 16:00Z.
  const std::int64_t friday_midnight = kFriday2026_11_20_0900Local - 9 * kHour + kDay;
  auto [saved, resolve_due] = GENERATE_COPY(table<std::int64_t, std::int64_t>({
      // Friday 09:00 -> Mon, Tue, Wed -> end of Wednesday.
      {kFriday2026_11_20_0900Local, friday_midnight + 5 * kDay},
      // Saturday and Sunday count from Monday too.
      {kFriday2026_11_20_0900Local + kDay, friday_midnight + 5 * kDay},
      {kFriday2026_11_20_0900Local + 2 * kDay, friday_midnight + 5 * kDay},
      // Monday 09:00 -> Tue, Wed, Thu.
      {kFriday2026_11_20_0900Local + 3 * kDay, friday_midnight + 6 * kDay},
      // Wednesday 23:59 local -> Thu, Fri, Mon.
      {kFriday2026_11_20_0900Local + 5 * kDay + 14 * kHour + 59 * 60, friday_midnight + 10 * kDay},
  }));
  const DueTimes due = ComputeDueTimes(saved, promise);
  REQUIRE(due.reply_due_s);
  CHECK(*due.reply_due_s == saved + 24 * kHour);
  REQUIRE(due.resolve_due_s);
  CHECK(*due.resolve_due_s == resolve_due);
}

TEST_CASE("The timeline shows what happened and what is overdue", "[sync]") {
  ReportFacts facts;
  facts.saved_at_s = kFriday2026_11_20_0900Local;
  facts.due = ComputeDueTimes(facts.saved_at_s, ReportPromise{});

  Timeline fresh = BuildTimeline(facts, facts.saved_at_s + kHour);
  REQUIRE(fresh.steps.size() == 4);
  CHECK(fresh.steps[0].stage == Stage::kSaved);
  CHECK(fresh.steps[0].done);
  CHECK_FALSE(fresh.steps[1].done);
  CHECK_FALSE(fresh.overdue);

  Timeline late = BuildTimeline(facts, facts.saved_at_s + 25 * kHour);
  CHECK(late.steps[2].overdue);
  CHECK_FALSE(late.steps[3].overdue);
  CHECK(late.overdue);

  facts.delivered_at_s = facts.saved_at_s + 2 * kHour;
  facts.first_reply_at_s = facts.saved_at_s + 30 * kHour;
  Timeline replied = BuildTimeline(facts, facts.saved_at_s + 31 * kHour);
  CHECK(replied.steps[1].done);
  CHECK(replied.steps[2].done);
  CHECK(replied.steps[2].late);
  CHECK_FALSE(replied.steps[2].overdue);
  CHECK_FALSE(replied.overdue);

  Timeline unresolved = BuildTimeline(facts, *facts.due.resolve_due_s + 1);
  CHECK(unresolved.steps[3].overdue);
  facts.resolved_at_s = *facts.due.resolve_due_s - kHour;
  Timeline resolved = BuildTimeline(facts, *facts.due.resolve_due_s + kDay);
  CHECK(resolved.steps[3].done);
  CHECK_FALSE(resolved.steps[3].late);
  CHECK_FALSE(resolved.overdue);
}

TEST_CASE("A clock that jumps produces no nonsense", "[sync]") {
  ReportFacts facts;
  facts.saved_at_s = kFriday2026_11_20_0900Local;
  facts.due = ComputeDueTimes(facts.saved_at_s, ReportPromise{});

  SECTION("set back before the report was saved: nothing is overdue") {
    for (std::int64_t now : {facts.saved_at_s - 1, std::int64_t{0}, std::int64_t{-1},
                             std::numeric_limits<std::int64_t>::min()}) {
      CHECK_FALSE(BuildTimeline(facts, now).overdue);
    }
  }
  SECTION("saved while the clock said 1970: no deadlines, no overdue, time unknown") {
    facts.saved_at_s = 3600;
    facts.due = ComputeDueTimes(facts.saved_at_s, ReportPromise{});
    CHECK_FALSE(facts.due.reply_due_s);
    CHECK_FALSE(facts.due.resolve_due_s);
    const Timeline t = BuildTimeline(facts, kFriday2026_11_20_0900Local + 400 * kDay);
    CHECK_FALSE(t.overdue);
    CHECK_FALSE(t.steps[0].at_s);
    CHECK(t.steps[0].done);
  }
  SECTION("far in the future or at the extremes: no crash, no overflow") {
    for (std::int64_t now : {std::numeric_limits<std::int64_t>::max(), std::int64_t{4102444800}}) {
      const Timeline t = BuildTimeline(facts, now);
      CHECK(t.steps.size() == 4);
    }
    for (std::int64_t saved : {std::numeric_limits<std::int64_t>::max(),
                               std::numeric_limits<std::int64_t>::min(), std::int64_t{4102444800}}) {
      const DueTimes due = ComputeDueTimes(saved, ReportPromise{});
      if (due.resolve_due_s) CHECK(*due.resolve_due_s > saved);
    }
  }
}
