#include "sync/clock.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "base/files.h"
#include "base/log.h"
#include "base/numbers.h"

namespace station_sync {
namespace {

// A county clock outside these is broken, not news: a station does not follow it.
constexpr std::int64_t kEarliestCountyTimeS = 1'577'836'800;  // 2020-01-01
constexpr std::int64_t kLatestCountyTimeS = 4'102'444'800;    // 2100-01-01
constexpr std::int64_t kLongestBootMs = std::int64_t{100} * 366 * 86'400'000;
constexpr std::int64_t kMarkMovedS = 2;        // X-Server-Time has whole seconds
constexpr std::int64_t kRereadEveryMs = 1000;  // another process may have written a mark
// The mark is carried forward this often while the station runs, so that
// after a power cut the floor is at most this old even if the county has
// not been heard for days.
constexpr std::int64_t kCarryForwardMs = 10 * 60'000;

bool PlausibleCountyTime(std::int64_t county_s) {
  return county_s >= kEarliestCountyTimeS && county_s < kLatestCountyTimeS;
}

// Replaces `path` by a rename, without fsync: the mark is a hint that a
// power cut may set back by the file system's commit interval (an older
// floor is still a true one), and the UI thread must not wait for a disk.
// A file a crash left empty or torn does not parse and is ignored.
void ReplaceFile(const std::string& path, const std::string& text) {
  const std::string temp = path + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool written = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (fd >= 0) written = ::close(fd) == 0 && written;
  if (!written || ::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    base::LogWarn("clock", "cannot keep the county's time in " + path);
  }
}

std::int64_t FloorSeconds(std::int64_t ms) { return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000); }

}  // namespace

Clock& SystemClock() {
  struct System : Clock {
    std::int64_t NowSeconds() override {
      return std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    }
  };
  static System clock;
  return clock;
}

BootClock& SystemBootClock() {
  struct System : BootClock {
    std::int64_t NowMs() override {
      timespec t{};
      ::clock_gettime(CLOCK_BOOTTIME, &t);
      return static_cast<std::int64_t>(t.tv_sec) * 1000 + t.tv_nsec / 1'000'000;
    }
    std::string BootId() override {
      auto text = base::ReadFile("/proc/sys/kernel/random/boot_id");
      if (!text.ok()) return "";
      std::string id = *text;
      while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
      return id;
    }
  };
  static System clock;
  return clock;
}

std::string FormatCountyTimeMark(const CountyTimeMark& mark) {
  return std::to_string(mark.county_s) + " " + std::to_string(mark.boot_ms) + " " + mark.boot_id + "\n";
}

std::optional<CountyTimeMark> ParseCountyTimeMark(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  const std::size_t first = text.find(' ');
  const std::size_t second = first == std::string_view::npos ? first : text.find(' ', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  const auto county_s = base::ParseInt64(text.substr(0, first));
  const auto boot_ms = base::ParseInt64(text.substr(first + 1, second - first - 1));
  const std::string_view boot_id = text.substr(second + 1);
  if (!county_s || !boot_ms || !PlausibleCountyTime(*county_s) || *boot_ms < 0 || *boot_ms > kLongestBootMs ||
      boot_id.empty() || boot_id.find(' ') != std::string_view::npos) {
    return std::nullopt;
  }
  return CountyTimeMark{*county_s, *boot_ms, std::string(boot_id)};
}

std::int64_t StationNow(std::int64_t system_s, std::int64_t boot_ms, std::string_view boot_id,
                        const std::optional<CountyTimeMark>& mark) {
  if (!mark) return system_s;
  if (mark->boot_id == boot_id) {
    const std::int64_t county_s = mark->county_s + FloorSeconds(std::max<std::int64_t>(0, boot_ms - mark->boot_ms));
    return std::llabs(system_s - county_s) <= kClockToleranceS ? system_s : county_s;
  }
  return std::max(system_s, mark->county_s + FloorSeconds(std::max<std::int64_t>(0, boot_ms)));
}

StationClock::StationClock(std::string mark_path, Clock& system, BootClock& boot)
    : mark_path_(std::move(mark_path)), system_(system), boot_(boot), boot_id_(boot.BootId()) {}

void StationClock::RefreshLocked(std::int64_t boot_ms) {
  if (read_at_boot_ms_ && boot_ms - *read_at_boot_ms_ < kRereadEveryMs && boot_ms >= *read_at_boot_ms_) return;
  read_at_boot_ms_ = boot_ms;
  auto text = base::ReadFile(mark_path_);
  if (!text.ok()) return;  // none yet: keep what this process heard
  auto mark = ParseCountyTimeMark(*text);
  if (!mark) return;
  // Another process's mark from this boot is as good as ours; one from an
  // earlier boot only stands in while this boot has none.
  if (mark->boot_id == boot_id_ || !mark_ || mark_->boot_id != boot_id_) mark_ = std::move(mark);
}

std::int64_t StationClock::NowSeconds() {
  const std::int64_t system_s = system_.NowSeconds();
  const std::int64_t boot_ms = boot_.NowMs();
  std::optional<CountyTimeMark> carried;
  std::int64_t now_s = 0;
  {
    std::lock_guard lock(mutex_);
    RefreshLocked(boot_ms);
    now_s = StationNow(system_s, boot_ms, boot_id_, mark_);
    if (mark_ && mark_->boot_id == boot_id_ && boot_ms - mark_->boot_ms >= kCarryForwardMs) {
      const std::int64_t whole_s = (boot_ms - mark_->boot_ms) / 1000;
      mark_->county_s += whole_s;  // the same time line, a later point on it
      mark_->boot_ms += whole_s * 1000;
      carried = mark_;
    }
  }
  if (carried) Keep();
  return now_s;
}

void StationClock::HeardCountyTime(std::int64_t county_now_s) {
  if (!PlausibleCountyTime(county_now_s)) return;
  const std::int64_t boot_ms = boot_.NowMs();
  bool first = false;
  {
    std::lock_guard lock(mutex_);
    RefreshLocked(boot_ms);
    if (mark_ && mark_->boot_id == boot_id_) {
      const std::int64_t predicted = mark_->county_s + FloorSeconds(boot_ms - mark_->boot_ms);
      if (std::llabs(predicted - county_now_s) < kMarkMovedS) return;
    }
    first = !mark_ || mark_->boot_id != boot_id_;
    mark_ = CountyTimeMark{county_now_s, boot_ms, boot_id_};
  }
  if (first) {
    const std::int64_t error_s = system_.NowSeconds() - county_now_s;
    base::LogInfo("clock", "heard the county's time; the box's clock is " + std::to_string(error_s) +
                               " s off it" + (std::llabs(error_s) > kClockToleranceS ? ": keeping the county's" : ""));
  }
  Keep();
}

// Writes the latest mark, one writer at a time, so the file ends with the
// newest (outside mutex_: the UI thread never waits for the disk).
void StationClock::Keep() {
  std::lock_guard writing(write_mutex_);
  std::optional<CountyTimeMark> mark;
  {
    std::lock_guard lock(mutex_);
    mark = mark_;
  }
  if (mark) ReplaceFile(mark_path_, FormatCountyTimeMark(*mark));
}

std::int64_t StationClock::SystemErrorSeconds() { return system_.NowSeconds() - NowSeconds(); }

std::optional<CountyTimeMark> StationClock::mark() {
  std::lock_guard lock(mutex_);
  RefreshLocked(boot_.NowMs());
  return mark_;
}

}  // namespace station_sync
