// Durable file replacement, in the order that makes it safe:
//   1. write a temporary file in the target's directory (same filesystem, so
//      the rename below is atomic);
//   2. fsync it, then close it and check close too (NFS and some FUSE
//      filesystems report write errors only there);
//   3. rename it over the target;
//   4. fsync the directory, so the rename itself survives a power cut.
// Any failure before the rename removes the temporary file and leaves the
// target as it was.

#include "base/files.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace base {
namespace {

Error ErrnoError(int err, std::string_view what, const std::string& path) {
  const ErrorCode code = (err == ENOSPC || err == EDQUOT) ? ErrorCode::kDiskFull : ErrorCode::kIo;
  return MakeError(code, std::string(what) + " " + path + ": " + std::strerror(err));
}

std::string ParentDirectory(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Writes, fsyncs and closes `fd`; the fd is closed whatever happens.
Status WriteSyncClose(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return ErrnoError(err, "cannot write", path);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoError(err, "cannot fsync", path);
  }
  // No retry on EINTR: on Linux the fd is released even then.
  if (::close(fd) != 0) return ErrnoError(errno, "cannot close", path);
  return Ok();
}

Status MakeOneDirectory(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0) return FsyncDirectory(ParentDirectory(dir));
  if (errno != EEXIST) return ErrnoError(errno, "cannot create directory", dir);
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0) return ErrnoError(errno, "cannot stat", dir);
  if (!S_ISDIR(info.st_mode)) return ErrnoError(ENOTDIR, "cannot create directory", dir);
  return Ok();
}

std::string HomeDirectory() {
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] != '\0') return home;
  struct passwd entry {};
  struct passwd* found = nullptr;
  std::vector<char> buffer(16384);
  if (::getpwuid_r(::getuid(), &entry, buffer.data(), buffer.size(), &found) == 0 && found) {
    return found->pw_dir;
  }
  return "/";
}

}  // namespace

Status WriteFileDurably(const std::string& path, std::string_view bytes) {
  std::string temp = path + ".tmp-XXXXXX";
  const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, "cannot create a temporary file for", path);
  if (Status written = WriteSyncClose(fd, bytes, path); !written.ok()) {
    ::unlink(temp.c_str());
    return written;
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return ErrnoError(err, "cannot rename a temporary file over", path);
  }
  return FsyncDirectory(ParentDirectory(path));
}

Result<std::string> ReadFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return MakeError(ErrorCode::kNotFound, "no such file " + path);
    return ErrnoError(errno, "cannot open", path);
  }
  std::string content;
  char chunk[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return ErrnoError(err, "cannot read", path);
    }
    if (n == 0) break;
    content.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return content;
}

// Every directory created is fsynced into its parent, so that a file later
// written durably inside it is not lost along with its directory entry.
Status MakeDirectories(const std::string& path) {
  for (std::size_t end = path.find('/', 1);; end = path.find('/', end + 1)) {
    if (Status made = MakeOneDirectory(path.substr(0, end)); !made.ok()) return made;
    if (end == std::string::npos) return Ok();
  }
}

Status FsyncDirectory(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, "cannot open directory", path);
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoError(err, "cannot fsync directory", path);
  }
  ::close(fd);
  return Ok();
}

std::string DefaultDataDir() {
  // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  const char* xdg = std::getenv("XDG_DATA_HOME");
  if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/village-station";
  return HomeDirectory() + "/.local/share/village-station";
}

}  // namespace base
