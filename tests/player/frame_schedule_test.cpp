#include <catch2/catch.hpp>

#include "player/frame_schedule.h"

using player::DecideFrame;
using player::FrameAction;
using player::FrameScheduleInput;

TEST_CASE("A frame waits until due, shows when due and drops when the next one is due too", "[player]") {
  struct Row {
    std::int64_t clock, pts;
    std::optional<std::int64_t> next;
    bool must_show;
    FrameAction expected;
  };
  auto row = GENERATE(values<Row>({
      {0, 40'000, 80'000, false, FrameAction::kWait},
      {39'000, 40'000, 80'000, false, FrameAction::kShow},  // within tolerance
      {40'000, 40'000, 80'000, false, FrameAction::kShow},
      {79'000, 40'000, 80'000, false, FrameAction::kShow},  // late, but next not yet due
      {80'000, 40'000, 80'000, false, FrameAction::kDrop},
      {200'000, 40'000, std::nullopt, false, FrameAction::kShow},  // only frame: show late
      {200'000, 40'000, 80'000, true, FrameAction::kShow},          // first after seek
      {0, 1'000'000, 1'040'000, true, FrameAction::kShow},
  }));
  FrameScheduleInput in;
  in.clock_us = row.clock;
  in.frame_pts_us = row.pts;
  in.next_pts_us = row.next;
  in.must_show = row.must_show;
  auto decision = DecideFrame(in);
  INFO("clock " << row.clock << " pts " << row.pts);
  REQUIRE(decision.action == row.expected);
  if (decision.action == FrameAction::kWait) REQUIRE(decision.wait_us == row.pts - row.clock);
}
