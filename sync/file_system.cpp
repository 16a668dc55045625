#include "sync/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/files.h"
#include "base/log.h"

namespace station_sync {
namespace {

base::Error ErrnoError(int err, std::string_view what, const std::string& path) {
  base::ErrorCode code = base::ErrorCode::kIo;
  if (err == ENOSPC || err == EDQUOT) code = base::ErrorCode::kDiskFull;
  if (err == ENOENT) code = base::ErrorCode::kNotFound;
  return base::MakeError(code, std::string(what) + " " + path + ": " + std::strerror(err));
}

class PosixWritableFile : public WritableFile {
 public:
  PosixWritableFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  base::Status Append(std::string_view bytes) override {
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoError(errno, "cannot write", path_);
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return base::Ok();
  }

  base::Status Sync() override {
    if (::fsync(fd_) != 0) return ErrnoError(errno, "cannot fsync", path_);
    return base::Ok();
  }

  base::Status Close() override {
    const int fd = fd_;
    fd_ = -1;
    // No retry on EINTR: on Linux the descriptor is released even then.
    if (::close(fd) != 0) return ErrnoError(errno, "cannot close", path_);
    return base::Ok();
  }

 private:
  int fd_;
  std::string path_;
};

class Posix : public FileSystem {
 public:
  base::Result<std::unique_ptr<WritableFile>> Create(const std::string& path,
                                                     unsigned mode) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) return ErrnoError(errno, "cannot create", path);
    // The umask may have taken bits away, never added any; make the mode exact
    // so a key file is 0600 whatever the umask.
    if (::fchmod(fd, mode) != 0) {
      const int err = errno;
      ::close(fd);
      return ErrnoError(err, "cannot chmod", path);
    }
    return std::unique_ptr<WritableFile>(new PosixWritableFile(fd, path));
  }

  base::Result<std::string> ReadFile(const std::string& path) override {
    return base::ReadFile(path);
  }

  base::Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return ErrnoError(errno, "cannot rename", from);
    return base::Ok();
  }

  base::Status Remove(const std::string& path) override {
    if (::remove(path.c_str()) != 0) return ErrnoError(errno, "cannot remove", path);
    return base::Ok();
  }

  base::Status MakeDirectory(const std::string& path) override {
    if (::mkdir(path.c_str(), 0700) == 0) return base::Ok();
    const int err = errno;
    struct stat info {};
    if (err == EEXIST && ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
      return base::Ok();
    }
    return ErrnoError(err, "cannot create directory", path);
  }

  base::Status SyncDirectory(const std::string& path) override {
    return base::FsyncDirectory(path);
  }

  base::Result<std::vector<DirectoryEntry>> List(const std::string& path) override {
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) return ErrnoError(errno, "cannot list", path);
    std::vector<DirectoryEntry> entries;
    errno = 0;
    while (const dirent* entry = ::readdir(dir)) {
      const std::string name = entry->d_name;
      if (name == "." || name == "..") continue;
      bool is_directory = entry->d_type == DT_DIR;
      if (entry->d_type == DT_UNKNOWN) {
        struct stat info {};
        is_directory = ::lstat((path + "/" + name).c_str(), &info) == 0 && S_ISDIR(info.st_mode);
      }
      entries.push_back({name, is_directory});
    }
    const int err = errno;
    ::closedir(dir);
    if (err != 0) return ErrnoError(err, "cannot list", path);
    std::sort(entries.begin(), entries.end(),
              [](const DirectoryEntry& a, const DirectoryEntry& b) { return a.name < b.name; });
    return entries;
  }

  base::Result<std::unique_ptr<FileLock>> LockExclusive(const std::string& path) override {
    struct Lock : FileLock {
      int fd;
      explicit Lock(int f) : fd(f) {}
      ~Lock() override { ::close(fd); }
    };
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return ErrnoError(errno, "cannot open lock file", path);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) {
        return base::MakeError(base::ErrorCode::kLocked, path + " is locked by another process");
      }
      return ErrnoError(err, "cannot lock", path);
    }
    return std::unique_ptr<FileLock>(new Lock(fd));
  }
};

// A file created through a FaultyFileSystem: each call ticks the same counter.
class FaultyWritableFile : public WritableFile {
 public:
  FaultyWritableFile(FaultyFileSystem& fs, std::unique_ptr<WritableFile> inner, std::string path)
      : fs_(fs), inner_(std::move(inner)), path_(std::move(path)) {}

  base::Status Append(std::string_view bytes) override {
    if (auto error = fs_.Tick("write", path_)) return *error;
    const std::int64_t allowed = fs_.TakeBytes(static_cast<std::int64_t>(bytes.size()));
    if (allowed >= 0 && allowed < static_cast<std::int64_t>(bytes.size())) {
      // A short write, then the disk is full.
      if (base::Status partial = inner_->Append(bytes.substr(0, static_cast<std::size_t>(allowed)));
          !partial.ok()) {
        return partial;
      }
      return ErrnoError(ENOSPC, "cannot write (injected)", path_);
    }
    return inner_->Append(bytes);
  }
  base::Status Sync() override {
    if (auto error = fs_.Tick("fsync", path_)) return *error;
    return inner_->Sync();
  }
  base::Status Close() override {
    base::Status closed = inner_->Close();  // the descriptor is released either way
    if (auto error = fs_.Tick("close", path_)) return *error;
    return closed;
  }

 private:
  FaultyFileSystem& fs_;
  std::unique_ptr<WritableFile> inner_;
  std::string path_;
};

}  // namespace

FileSystem& PosixFileSystem() {
  static Posix posix;
  return posix;
}

base::Status WriteFileDurably(FileSystem& fs, const std::string& path, std::string_view bytes,
                              unsigned mode) {
  const std::size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  const std::string temp = path + ".tmp";
  (void)fs.Remove(temp);  // left by a crash; it was never renamed, so it is garbage
  base::Result<std::unique_ptr<WritableFile>> file = fs.Create(temp, mode);
  if (!file.ok()) return file.error();
  base::Status status = (*file)->Append(bytes);
  if (status.ok()) status = (*file)->Sync();
  if (base::Status closed = (*file)->Close(); status.ok()) status = closed;
  if (status.ok()) status = fs.Rename(temp, path);
  if (!status.ok()) {
    (void)fs.Remove(temp);
    return status;
  }
  return fs.SyncDirectory(dir);
}

base::Status RemoveTree(FileSystem& fs, const std::string& path) {
  base::Result<std::vector<DirectoryEntry>> entries = fs.List(path);
  if (!entries.ok()) return entries.error();
  for (const DirectoryEntry& entry : *entries) {
    const std::string child = path + "/" + entry.name;
    base::Status removed = entry.is_directory ? RemoveTree(fs, child) : fs.Remove(child);
    if (!removed.ok()) return removed;
  }
  return fs.Remove(path);
}

void FaultyFileSystem::FailCall(std::int64_t n, int error_number) {
  fail_at_ = n;
  fail_onwards_ = false;
  error_number_ = error_number;
}

void FaultyFileSystem::FailFromCall(std::int64_t n, int error_number) {
  fail_at_ = n;
  fail_onwards_ = true;
  error_number_ = error_number;
}

void FaultyFileSystem::FailAfterBytes(std::int64_t total_bytes) { byte_budget_ = total_bytes; }

void FaultyFileSystem::Heal() {
  fail_at_ = 0;
  fail_onwards_ = false;
  byte_budget_ = -1;
}

std::optional<base::Error> FaultyFileSystem::Tick(std::string_view what, const std::string& path) {
  ++calls_;
  const bool fail = fail_at_ > 0 && (calls_ == fail_at_ || (fail_onwards_ && calls_ > fail_at_));
  if (!fail) return std::nullopt;
  ++failures_;
  return ErrnoError(error_number_, "cannot " + std::string(what) + " (injected)", path);
}

std::int64_t FaultyFileSystem::TakeBytes(std::int64_t wanted) {
  if (byte_budget_ < 0) return -1;
  const std::int64_t allowed = std::min(wanted, byte_budget_);
  byte_budget_ -= allowed;
  if (allowed < wanted) ++failures_;
  return allowed;
}

base::Result<std::unique_ptr<WritableFile>> FaultyFileSystem::Create(const std::string& path,
                                                                     unsigned mode) {
  if (auto error = Tick("create", path)) return *error;
  base::Result<std::unique_ptr<WritableFile>> file = inner_.Create(path, mode);
  if (!file.ok()) return file.error();
  return std::unique_ptr<WritableFile>(
      new FaultyWritableFile(*this, std::move(file).value(), path));
}

base::Result<std::string> FaultyFileSystem::ReadFile(const std::string& path) {
  if (auto error = Tick("read", path)) return *error;
  return inner_.ReadFile(path);
}

base::Status FaultyFileSystem::Rename(const std::string& from, const std::string& to) {
  if (auto error = Tick("rename", from)) return *error;
  return inner_.Rename(from, to);
}

base::Status FaultyFileSystem::Remove(const std::string& path) {
  if (auto error = Tick("remove", path)) return *error;
  return inner_.Remove(path);
}

base::Status FaultyFileSystem::MakeDirectory(const std::string& path) {
  if (auto error = Tick("mkdir", path)) return *error;
  return inner_.MakeDirectory(path);
}

base::Status FaultyFileSystem::SyncDirectory(const std::string& path) {
  if (auto error = Tick("fsync directory", path)) return *error;
  return inner_.SyncDirectory(path);
}

base::Result<std::vector<DirectoryEntry>> FaultyFileSystem::List(const std::string& path) {
  if (auto error = Tick("list", path)) return *error;
  return inner_.List(path);
}

base::Result<std::unique_ptr<FileLock>> FaultyFileSystem::LockExclusive(const std::string& path) {
  if (auto error = Tick("lock", path)) return *error;
  return inner_.LockExclusive(path);
}

}  // namespace station_sync
