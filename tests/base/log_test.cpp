#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/files.h"
#include "base/log.h"
#include "tests/base/scratch_dir.h"

namespace {

// Points the global log at a file for one test case and puts it back after.
class LogToFile {
 public:
  explicit LogToFile(base::LogConfig config) { base::ConfigureLog(config); }
  ~LogToFile() { base::ConfigureLog(base::LogConfig{}); }
};

base::LogConfig QuietConfig(const std::string& file_path) {
  base::LogConfig config;
  config.stderr_level = base::LogLevel::kError;
  config.file_level = base::LogLevel::kDebug;
  config.file_path = file_path;
  return config;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// True if `line` is "<2026-11-23T08:30:01.123Z> <tail>", `tail` at the end.
// (No std::regex: g++ 12 warns inside it when built with sanitizers.)
bool HasTimestampThen(const std::string& line, std::string_view tail) {
  const std::string_view shape = "0000-00-00T00:00:00.000Z ";
  if (line.size() != shape.size() + tail.size()) return false;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    const bool digit = line[i] >= '0' && line[i] <= '9';
    if (shape[i] == '0' ? !digit : line[i] != shape[i]) return false;
  }
  return line.ends_with(tail);
}

bool Exists(const std::string& path) { return std::filesystem::exists(path); }

}  // namespace

TEST_CASE("A log line has a UTC timestamp with millis, a level letter and the component",
          "[base]") {
  test::ScratchDir dir;
  const std::string log_path = dir.File("station.log");
  {
    LogToFile logging(QuietConfig(log_path));
    base::LogWarn("store", "database is locked, retrying");
  }
  const std::vector<std::string> lines = Lines(test::FileBytes(log_path));
  REQUIRE(lines.size() == 1);
  CHECK(HasTimestampThen(lines[0], "W store: database is locked, retrying"));
}

TEST_CASE("The file log keeps only lines at or above its level", "[base]") {
  test::ScratchDir dir;
  const std::string log_path = dir.File("station.log");
  {
    base::LogConfig config = QuietConfig(log_path);
    config.file_level = base::LogLevel::kWarn;
    config.stderr_level = base::LogLevel::kError;
    LogToFile logging(config);
    base::LogDebug("t", "debug");
    base::LogInfo("t", "info");
    base::LogWarn("t", "warn");
  }
  const std::vector<std::string> lines = Lines(test::FileBytes(log_path));
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find(" W t: warn") != std::string::npos);
}

TEST_CASE("Log rotation caps the file size and keeps the configured number of old files",
          "[base]") {
  test::ScratchDir dir;
  const std::string log_path = dir.File("station.log");
  {
    base::LogConfig config = QuietConfig(log_path);
    config.max_file_bytes = 300;
    config.kept_files = 2;
    LogToFile logging(config);
    for (int i = 0; i < 100; ++i) base::LogInfo("t", "line " + std::to_string(i));
  }
  CHECK(dir.List() == std::vector<std::string>{"station.log", "station.log.1", "station.log.2"});
  for (const char* name : {"station.log", "station.log.1", "station.log.2"}) {
    CHECK(std::filesystem::file_size(dir.File(name)) <= 300);
  }
  // The newest line is in station.log, and station.log.1 holds the lines just before it.
  const std::vector<std::string> current = Lines(test::FileBytes(log_path));
  const std::vector<std::string> previous = Lines(test::FileBytes(log_path + ".1"));
  REQUIRE_FALSE(current.empty());
  REQUIRE_FALSE(previous.empty());
  CHECK(current.back().ends_with("t: line 99"));
  const int first_current = std::stoi(current.front().substr(current.front().rfind(' ') + 1));
  CHECK(previous.back().ends_with("t: line " + std::to_string(first_current - 1)));
}

TEST_CASE("Log rotation with no kept files starts the log afresh", "[base]") {
  test::ScratchDir dir;
  const std::string log_path = dir.File("station.log");
  {
    base::LogConfig config = QuietConfig(log_path);
    config.max_file_bytes = 200;
    config.kept_files = 0;
    LogToFile logging(config);
    for (int i = 0; i < 20; ++i) base::LogInfo("t", "line " + std::to_string(i));
  }
  CHECK(dir.List() == std::vector<std::string>{"station.log"});
  CHECK(std::filesystem::file_size(log_path) <= 200);
  CHECK_FALSE(Exists(log_path + ".1"));
}

TEST_CASE("Lines logged from many threads arrive whole", "[base]") {
  test::ScratchDir dir;
  const std::string log_path = dir.File("station.log");
  constexpr int kThreads = 8;
  constexpr int kLinesEach = 200;
  {
    LogToFile logging(QuietConfig(log_path));
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([t] {
        for (int i = 0; i < kLinesEach; ++i) {
          base::LogInfo("thread" + std::to_string(t), "line " + std::to_string(i));
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
  }
  const std::vector<std::string> lines = Lines(test::FileBytes(log_path));
  CHECK(lines.size() == kThreads * kLinesEach);
  std::set<std::string> seen;
  for (const std::string& line : lines) {
    const std::string tail = line.substr(std::min(line.size(), std::size_t{25}));
    if (!HasTimestampThen(line, tail) || !tail.starts_with("I thread")) {
      FAIL("mangled line: " << line);
    }
    seen.insert(tail);
  }
  CHECK(seen.size() == kThreads * kLinesEach);  // none lost, none doubled
}

TEST_CASE("Log level names parse case-insensitively, anything else gives the fallback",
          "[base]") {
  using base::LogLevel;
  const auto [name, expected] = GENERATE(table<const char*, LogLevel>({
      {"debug", LogLevel::kDebug},
      {"INFO", LogLevel::kInfo},
      {"Warn", LogLevel::kWarn},
      {"error", LogLevel::kError},
      {"", LogLevel::kInfo},
      {"verbose", LogLevel::kInfo},
      {"errors", LogLevel::kInfo},
  }));
  CAPTURE(name);
  CHECK(base::ParseLogLevel(name, LogLevel::kInfo) == expected);
}

TEST_CASE("The recent problems are the newest warnings and errors across rotated files, after a mark",
          "[base]") {
  test::ScratchDir dir;
  const std::string log_path = dir.File("station.log");
  {
    base::LogConfig config = QuietConfig(log_path);
    config.max_file_bytes = 400;
    config.kept_files = 3;
    LogToFile logging(config);
    for (int i = 0; i < 12; ++i) {
      base::LogInfo("t", "fine " + std::to_string(i));
      (i % 2 == 0 ? base::LogWarn : base::LogError)("t", "problem " + std::to_string(i));
    }
  }
  REQUIRE(Exists(log_path + ".1"));  // the problems are spread over rotated files

  const std::vector<std::string> last = base::RecentProblems(log_path, "", 3);
  REQUIRE(last.size() == 3);
  CHECK(last[0].ends_with("t: problem 9"));
  CHECK(last[1].ends_with("t: problem 10"));
  CHECK(last[2].ends_with("t: problem 11"));
  CHECK(last[1].find(" W t: ") != std::string::npos);
  CHECK(last[2].find(" E t: ") != std::string::npos);

  SECTION("only lines stamped after the mark") {
    const std::string written = dir.File("written.log");
    REQUIRE(base::WriteFileDurably(written,
                                   "2026-12-01T10:00:00.000Z E sync: old\n"
                                   "2026-12-01T11:00:00.000Z I sync: fine\n"
                                   "2026-12-01T12:00:00.000Z W kiosk: newer\n"
                                   "not a log line W at all\n"
                                   "2026-12-01T13:00:00.000Z E player: newest\n").ok());
    CHECK(base::RecentProblems(written, "2026-12-01T10:00:00.000Z", 20) ==
          std::vector<std::string>{"2026-12-01T12:00:00.000Z W kiosk: newer",
                                   "2026-12-01T13:00:00.000Z E player: newest"});
    CHECK(base::RecentProblems(written, "2026-12-01T13:00:00.000Z", 20).empty());
  }
  SECTION("no log, no problems") {
    CHECK(base::RecentProblems(dir.File("none.log"), "", 20).empty());
  }
}
