// One logging facility for every library and tool: levels, stderr, and a
// size-capped rotating file (station.log -> station.log.1 ... .N) in the data
// directory. Thread-safe. Lines look like:
//   2026-11-23T08:30:01.123Z W store: database is locked, retrying
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace base {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

struct LogConfig {
  LogLevel stderr_level = LogLevel::kInfo;
  LogLevel file_level = LogLevel::kInfo;
  std::string file_path;                       // empty: no file
  std::uint64_t max_file_bytes = 1 << 20;      // rotate when the file would exceed this
  int kept_files = 3;                          // station.log.1 .. station.log.N
};

// Call once at start (and again to change settings). Before it, logs go to stderr only.
void ConfigureLog(const LogConfig& config);
LogLevel ParseLogLevel(std::string_view name, LogLevel fallback);

void Log(LogLevel level, std::string_view component, std::string_view message);

inline void LogDebug(std::string_view c, std::string_view m) { Log(LogLevel::kDebug, c, m); }
inline void LogInfo(std::string_view c, std::string_view m) { Log(LogLevel::kInfo, c, m); }
inline void LogWarn(std::string_view c, std::string_view m) { Log(LogLevel::kWarn, c, m); }
inline void LogError(std::string_view c, std::string_view m) { Log(LogLevel::kError, c, m); }

// Now, as log lines are stamped: 2026-11-23T08:30:01.123Z.
std::string LogTimestampNow();

// The last `max_lines` warning and error lines of the log file at `path` and
// its rotated files, oldest first, among those stamped later than `after`
// (a line's leading timestamp; empty: any). What the station tells the county
// in its health report.
std::vector<std::string> RecentProblems(const std::string& path, std::string_view after, std::size_t max_lines);

}  // namespace base
