// kill -9 during submission, 200+ times (issue 4's power-cut test for the
// real process, real files and real SQLite): after each kill the station
// restarts, and every report the tool had printed as submitted must be
// intact and decryptable with the county's secret key, with nothing
// half-written visible.

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <sstream>
#include <thread>

#include "base/files.h"
#include "store/store.h"
#include "sync/outbox.h"
#include "tests/base/scratch_dir.h"
#include "tests/sync/report_fixture.h"

extern char** environ;

namespace {

using namespace station_sync;

struct Child {
  pid_t pid = -1;
  int out = -1;  // read end of its stdout
};

Child Spawn(const std::string& data_dir, const std::string& county_key,
            const std::string& count = "") {
  int pipe_fds[2];
  REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::string tool = REPORT_CRASHTEST;
  std::vector<std::string> args = {tool, "--data-dir", data_dir, "--county-key", county_key};
  if (!count.empty()) {
    args.push_back("--count");
    args.push_back(count);
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  Child child;
  REQUIRE(::posix_spawn(&child.pid, tool.c_str(), &actions, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  child.out = pipe_fds[0];
  return child;
}

// Everything the dead child wrote; complete lines only.
std::vector<std::string> SubmittedIds(int fd) {
  std::string output;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    output.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  std::vector<std::string> ids;
  std::istringstream lines(output.substr(0, output.rfind('\n') + 1));
  std::string word, id, ticket;
  while (lines >> word >> id >> ticket) {
    if (word == "submitted") ids.push_back(id);
  }
  return ids;
}

}  // namespace

TEST_CASE("kill -9 at random moments during submission, 220 times: every submitted report survives intact",
          "[sync][slow]") {
  REQUIRE(sodium_init() >= 0);
  test::ScratchDir dir;
  const std::string data_dir = dir.File("data");
  REQUIRE(base::MakeDirectories(data_dir).ok());
  const CountySecretKey county = GenerateCountyKey();
  const std::string key_file = dir.File("county.pub");
  REQUIRE(base::WriteFileDurably(key_file, FormatCountyPublicKey(county.public_key)).ok());

  {  // The administrator's set-up, done once before the first start.
    auto db = store::Store::Open(data_dir + "/station.db");
    REQUIRE(db.ok());
    REQUIRE((*db)->SetSetting("report.county_key_file", key_file).ok());
  }

  constexpr int kKills = 220;
  std::set<std::string> submitted;
  // Calibrate: how long start-up and three submissions take on this machine
  // and build (a sanitizer build is several times slower). Kills then land
  // uniformly in twice that span (start-up and recovery grow as reports
  // pile up, and a span measured on an idle machine may be short): some in
  // start-up and recovery, most mid-submission.
  std::chrono::microseconds span;
  {
    const auto t0 = std::chrono::steady_clock::now();
    Child child = Spawn(data_dir, key_file, "3");
    int status = 0;
    REQUIRE(::waitpid(child.pid, &status, 0) == child.pid);
    REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    for (const std::string& id : SubmittedIds(child.out)) submitted.insert(id);
    REQUIRE(submitted.size() == 3);
    span = 2 * std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
  }
  std::set<std::string> decrypted;
  int removed_half_written = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int kill = 0; kill < kKills; ++kill) {
    INFO("kill " << kill);
    Child child = Spawn(data_dir, key_file);
    std::this_thread::sleep_for(std::chrono::microseconds(
        randombytes_uniform(static_cast<std::uint32_t>(span.count()))));
    REQUIRE(::kill(child.pid, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(child.pid, &status, 0) == child.pid);
    const bool killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    if (!killed) FAIL("the tool exited by itself (status " << status << ") before the kill");
    for (const std::string& id : SubmittedIds(child.out)) submitted.insert(id);

    // Restart: open as the kiosk would, recover, then check everything.
    auto db = store::Store::Open(data_dir + "/station.db");
    REQUIRE(db.ok());
    auto config = LoadOutboxConfig(**db, PosixFileSystem(), data_dir);
    if (!config.ok()) FAIL(config.error().message);
    auto outbox = Outbox::Open(**db, PosixFileSystem(), SystemClock(), *config);
    REQUIRE(outbox.ok());
    CHECK((*outbox)->recovery().damaged.empty());
    removed_half_written +=
        (*outbox)->recovery().removed_staging + (*outbox)->recovery().removed_uncommitted;
    // Every restart: reports not yet decrypted are decrypted, the others
    // are checked by envelope signature and file names; every 20th restart
    // and the last, everything is decrypted again.
    const bool full = kill % 20 == 19 || kill == kKills - 1;
    const test::OutboxCheck check = test::CheckOutbox(**db, PosixFileSystem(), config->dir,
                                                      county, full ? std::set<std::string>{}
                                                                   : decrypted);
    decrypted = check.intact;
    for (const std::string& p : check.problems) FAIL_CHECK(p);
    for (const std::string& id : submitted) {
      if (!check.intact.count(id)) FAIL_CHECK("submitted report " << id << " is not intact");
    }
  }
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  WARN(kKills << " kills in " << seconds << " s (kill span " << span.count() / 1000
              << " ms): " << submitted.size()
              << " reports printed as submitted, " << removed_half_written
              << " half-written report directories removed on restart");
  CHECK(submitted.size() >= 50);
  CHECK(removed_half_written >= 10);  // the kills did land mid-submission
}
