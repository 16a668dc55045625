// The process-wide log sink. Lines are formatted outside the lock; the lock
// covers size accounting, rotation and the writes, so lines from different
// threads never interleave and a rotation happens exactly once.
//
// Log files are not fsynced: a log is for diagnosis, and an fsync per line
// would cost more than the lines are worth on the station's slow storage.

#include "base/log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <mutex>

namespace base {
namespace {

struct LogSink {
  std::mutex mutex;
  // Everything below is guarded by `mutex`.
  LogConfig config;
  int fd = -1;                   // the open log file, or -1
  std::uint64_t file_bytes = 0;  // current size of the open log file
};

// Never destroyed, so that code running during static destruction can still log.
LogSink& Sink() {
  static LogSink* sink = new LogSink;
  return *sink;
}

char LevelLetter(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return 'D';
    case LogLevel::kInfo: return 'I';
    case LogLevel::kWarn: return 'W';
    case LogLevel::kError: return 'E';
  }
  return '?';
}

// 2026-11-23T08:30:01.123Z
std::string Timestamp() {
  using namespace std::chrono;
  const auto now_ms = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  const std::time_t seconds = now_ms / 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(now_ms % 1000));
  return text;
}

std::string FormatLine(LogLevel level, std::string_view component, std::string_view message) {
  std::string line = Timestamp();
  line += ' ';
  line += LevelLetter(level);
  line += ' ';
  line += component;
  line += ": ";
  line += message;
  line += '\n';
  return line;
}

bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Failures of the log itself can only be told on stderr.
void ReportLogFailure(const char* what, const std::string& path) {
  const std::string reason = std::strerror(errno);
  WriteAll(STDERR_FILENO,
           FormatLine(LogLevel::kError, "log", std::string(what) + " " + path + ": " + reason));
}

void CloseFile(LogSink& sink) {
  if (sink.fd >= 0) ::close(sink.fd);
  sink.fd = -1;
  sink.file_bytes = 0;
}

void OpenFile(LogSink& sink) {
  const std::string& path = sink.config.file_path;
  sink.fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (sink.fd < 0) return ReportLogFailure("cannot open log file", path);
  struct stat info {};
  sink.file_bytes = ::fstat(sink.fd, &info) == 0 ? static_cast<std::uint64_t>(info.st_size) : 0;
}

// station.log.(N-1) -> .N, ..., station.log -> .1 (the old .N is replaced,
// which drops it), then a fresh station.log. Missing files are skipped.
void Rotate(LogSink& sink) {
  CloseFile(sink);
  const std::string& path = sink.config.file_path;
  const int kept = sink.config.kept_files;
  if (kept <= 0) {
    ::unlink(path.c_str());
  } else {
    for (int i = kept - 1; i >= 1; --i) {
      const std::string from = path + "." + std::to_string(i);
      const std::string to = path + "." + std::to_string(i + 1);
      ::rename(from.c_str(), to.c_str());
    }
    ::rename(path.c_str(), (path + ".1").c_str());
  }
  OpenFile(sink);
}

void WriteToFile(LogSink& sink, std::string_view line) {
  // A line longer than the cap still goes whole into a fresh file: a cut line
  // helps nobody.
  if (sink.file_bytes > 0 && sink.file_bytes + line.size() > sink.config.max_file_bytes) {
    Rotate(sink);
  }
  if (sink.fd < 0) return;
  if (WriteAll(sink.fd, line)) sink.file_bytes += line.size();
}

char ToLowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ToLowerAscii(a[i]) != ToLowerAscii(b[i])) return false;
  }
  return true;
}

}  // namespace

void ConfigureLog(const LogConfig& config) {
  LogSink& sink = Sink();
  std::lock_guard lock(sink.mutex);
  CloseFile(sink);
  sink.config = config;
  if (!config.file_path.empty()) OpenFile(sink);
}

LogLevel ParseLogLevel(std::string_view name, LogLevel fallback) {
  if (EqualsIgnoringCase(name, "debug")) return LogLevel::kDebug;
  if (EqualsIgnoringCase(name, "info")) return LogLevel::kInfo;
  if (EqualsIgnoringCase(name, "warn")) return LogLevel::kWarn;
  if (EqualsIgnoringCase(name, "error")) return LogLevel::kError;
  return fallback;
}

void Log(LogLevel level, std::string_view component, std::string_view message) {
  const std::string line = FormatLine(level, component, message);
  LogSink& sink = Sink();
  std::lock_guard lock(sink.mutex);
  if (level >= sink.config.stderr_level) WriteAll(STDERR_FILENO, line);
  if (sink.fd >= 0 && level >= sink.config.file_level) WriteToFile(sink, line);
}

std::string LogTimestampNow() { return Timestamp(); }

std::vector<std::string> RecentProblems(const std::string& path, std::string_view after, std::size_t max_lines) {
  constexpr std::size_t kStampBytes = 24;  // 2026-11-23T08:30:01.123Z
  std::deque<std::string> kept;
  const auto take = [&](const std::string& file) {
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
      const bool problem = line.size() > kStampBytes + 2 && line[kStampBytes] == ' ' &&
                           (line[kStampBytes + 1] == 'W' || line[kStampBytes + 1] == 'E') &&
                           line[kStampBytes + 2] == ' ';
      if (!problem || std::string_view(line).substr(0, kStampBytes) <= after) continue;
      kept.push_back(std::move(line));
      if (kept.size() > max_lines) kept.pop_front();
    }
  };
  for (int n = 9; n >= 1; --n) take(path + "." + std::to_string(n));  // oldest first
  take(path);
  return {kept.begin(), kept.end()};
}

}  // namespace base
