#include <catch2/catch.hpp>

#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "base/files.h"
#include "tests/base/scratch_dir.h"

namespace {

// A 64 KiB tmpfs mounted in a private mount namespace, so nothing leaks to the
// host even if the test dies. Needs root and CAP_SYS_ADMIN; `mounted()` says
// whether this machine allowed it.
class TinyTmpfs {
 public:
  explicit TinyTmpfs(const std::string& dir) : dir_(dir) {
    mounted_ = ::geteuid() == 0 && ::unshare(CLONE_NEWNS) == 0 &&
               ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
               ::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=64k") == 0;
  }
  ~TinyTmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

 private:
  std::string dir_;
  bool mounted_ = false;
};

// Sets an environment variable for one test case, restoring it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("Writing a file durably replaces its content and leaves no temporary files",
          "[base]") {
  test::ScratchDir dir;
  const std::string path = dir.File("config.json");

  REQUIRE(base::WriteFileDurably(path, "first").ok());
  REQUIRE(base::WriteFileDurably(path, "second, longer than the first").ok());

  CHECK(test::FileBytes(path) == "second, longer than the first");
  CHECK(dir.List() == std::vector<std::string>{"config.json"});

  SECTION("an empty file is a valid content") {
    REQUIRE(base::WriteFileDurably(path, "").ok());
    CHECK(test::FileBytes(path).empty());
  }
  SECTION("binary content comes back byte for byte") {
    const std::string bytes("\0\xff\n\r\0", 5);
    REQUIRE(base::WriteFileDurably(path, bytes).ok());
    CHECK(test::FileBytes(path) == bytes);
  }
}

TEST_CASE("Writing a file into a missing directory is an error naming the file", "[base]") {
  test::ScratchDir dir;
  const std::string path = dir.File("missing/config.json");

  const base::Status written = base::WriteFileDurably(path, "content");

  REQUIRE_FALSE(written.ok());
  CHECK(written.error().code == base::ErrorCode::kIo);
  CHECK_THAT(written.error().message, Catch::Contains(path));
  CHECK(dir.List().empty());
}

TEST_CASE("A full disk gives kDiskFull and keeps the old content", "[base]") {
  test::ScratchDir dir;
  const std::string mount_point = dir.File("tiny");
  REQUIRE(base::MakeDirectories(mount_point).ok());
  TinyTmpfs tmpfs(mount_point);
  if (!tmpfs.mounted()) {
    WARN("skipped: cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)");
    return;
  }
  const std::string path = mount_point + "/report.json";
  REQUIRE(base::WriteFileDurably(path, "old report").ok());

  const base::Status written = base::WriteFileDurably(path, std::string(1 << 20, 'x'));

  REQUIRE_FALSE(written.ok());
  CHECK(written.error().code == base::ErrorCode::kDiskFull);
  CHECK_THAT(written.error().message, Catch::Contains(path));
  CHECK(test::FileBytes(path) == "old report");
  CHECK(test::ListDirectory(mount_point) == std::vector<std::string>{"report.json"});
}

TEST_CASE("Reading a missing file gives kNotFound", "[base]") {
  test::ScratchDir dir;
  const base::Result<std::string> read = base::ReadFile(dir.File("nothing-here"));
  REQUIRE_FALSE(read.ok());
  CHECK(read.error().code == base::ErrorCode::kNotFound);
}

TEST_CASE("MakeDirectories creates every missing level and accepts existing ones", "[base]") {
  test::ScratchDir dir;
  const std::string nested = dir.File("a/b/c");

  REQUIRE(base::MakeDirectories(nested).ok());
  CHECK(std::filesystem::is_directory(nested));
  CHECK(base::MakeDirectories(nested).ok());
  CHECK(base::MakeDirectories(nested + "/").ok());

  SECTION("a file in the way is an error") {
    REQUIRE(base::WriteFileDurably(dir.File("a/file"), "x").ok());
    const base::Status made = base::MakeDirectories(dir.File("a/file/d"));
    REQUIRE_FALSE(made.ok());
    CHECK_THAT(made.error().message, Catch::Contains("a/file"));
  }
}

TEST_CASE("FsyncDirectory works on a directory and reports a missing one", "[base]") {
  test::ScratchDir dir;
  CHECK(base::FsyncDirectory(dir.path()).ok());
  CHECK_FALSE(base::FsyncDirectory(dir.File("missing")).ok());
}

TEST_CASE("The default data directory follows XDG_DATA_HOME, else HOME", "[base]") {
  SECTION("XDG_DATA_HOME set") {
    ScopedEnv xdg("XDG_DATA_HOME", "/data/xdg");
    CHECK(base::DefaultDataDir() == "/data/xdg/village-station");
  }
  SECTION("XDG_DATA_HOME unset") {
    ScopedEnv xdg("XDG_DATA_HOME", nullptr);
    ScopedEnv home("HOME", "/home/station");
    CHECK(base::DefaultDataDir() == "/home/station/.local/share/village-station");
  }
  SECTION("a relative XDG_DATA_HOME is ignored, as the XDG spec says") {
    ScopedEnv xdg("XDG_DATA_HOME", "relative/dir");
    ScopedEnv home("HOME", "/home/station");
    CHECK(base::DefaultDataDir() == "/home/station/.local/share/village-station");
  }
}
