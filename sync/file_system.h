// FileSystem: the outbox's only way to touch files, so that tests can make
// any call fail (FaultyFileSystem below), fill the disk, or cut the power
// (tests/sync/power_cut_fs.h) without a real device misbehaving.
//
// Role-shaped: just what durable writes and recovery need. Paths are plain
// strings; every call that can fail returns a Status or Result, ENOSPC and
// EDQUOT as kDiskFull. Nothing is durable until synced: file contents need
// WritableFile::Sync(), names (create, rename, remove, mkdir) need
// SyncDirectory() of the directory holding them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace station_sync {

// One new file being written. Destroying it without Close() closes it and
// ignores errors; Close() is where late write errors (NFS, FUSE) surface.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual base::Status Append(std::string_view bytes) = 0;
  virtual base::Status Sync() = 0;
  virtual base::Status Close() = 0;
};

struct DirectoryEntry {
  std::string name;
  bool is_directory = false;
};

// Held while alive; released on destruction (and by the kernel if the
// process dies).
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // A new file; fails if `path` exists. `mode` as for open(2), e.g. 0600.
  virtual base::Result<std::unique_ptr<WritableFile>> Create(const std::string& path,
                                                             unsigned mode) = 0;
  virtual base::Result<std::string> ReadFile(const std::string& path) = 0;
  // Replaces `to` if it exists (files), like rename(2).
  virtual base::Status Rename(const std::string& from, const std::string& to) = 0;
  // A file or an empty directory. kNotFound if it does not exist.
  virtual base::Status Remove(const std::string& path) = 0;
  // One directory; Ok if it already exists as a directory.
  virtual base::Status MakeDirectory(const std::string& path) = 0;
  virtual base::Status SyncDirectory(const std::string& path) = 0;
  // Entries except "." and "..", sorted by name. kNotFound if missing.
  virtual base::Result<std::vector<DirectoryEntry>> List(const std::string& path) = 0;
  // An exclusive advisory lock on `path` (created if missing), without
  // waiting: kLocked if another holder has it.
  virtual base::Result<std::unique_ptr<FileLock>> LockExclusive(const std::string& path) = 0;
};

// The real one (POSIX calls).
FileSystem& PosixFileSystem();

// Durable replacement on any FileSystem: a temporary name beside `path`,
// append, sync, close, rename, sync the directory. On failure the temporary
// file is removed (best effort) and `path` is as it was.
base::Status WriteFileDurably(FileSystem& fs, const std::string& path, std::string_view bytes,
                              unsigned mode);

// Removes a directory and everything in it (not following symlinks).
base::Status RemoveTree(FileSystem& fs, const std::string& path);

// A FileSystem that passes calls to another one until told to fail. Every
// call counts (reads too), in order, from 1:
//   FailCall(n, ENOSPC)       the nth call fails; later calls pass again
//   FailFromCall(n, ENOSPC)   the nth and every later call fails (a full disk
//                             stays full)
//   FailAfterBytes(n)         Append stores bytes up to a total of n, then
//                             fails with ENOSPC (a short write, like a real
//                             disk filling up mid-file)
// The failing twin of PosixFileSystem, for fault loops (style item 22).
class FaultyFileSystem : public FileSystem {
 public:
  explicit FaultyFileSystem(FileSystem& inner) : inner_(inner) {}

  void FailCall(std::int64_t n, int error_number);
  void FailFromCall(std::int64_t n, int error_number);
  void FailAfterBytes(std::int64_t total_bytes);
  void Heal();  // no more failures

  std::int64_t calls() const { return calls_; }
  bool failed() const { return failures_ > 0; }  // at least one injected failure happened

  base::Result<std::unique_ptr<WritableFile>> Create(const std::string& path,
                                                     unsigned mode) override;
  base::Result<std::string> ReadFile(const std::string& path) override;
  base::Status Rename(const std::string& from, const std::string& to) override;
  base::Status Remove(const std::string& path) override;
  base::Status MakeDirectory(const std::string& path) override;
  base::Status SyncDirectory(const std::string& path) override;
  base::Result<std::vector<DirectoryEntry>> List(const std::string& path) override;
  base::Result<std::unique_ptr<FileLock>> LockExclusive(const std::string& path) override;

  // Used by the files it creates: counts the call, returns the injected error if any.
  std::optional<base::Error> Tick(std::string_view what, const std::string& path);
  // Bytes an Append may still store (-1: unlimited); takes them from the budget.
  std::int64_t TakeBytes(std::int64_t wanted);

 private:
  FileSystem& inner_;
  std::int64_t calls_ = 0;
  std::int64_t fail_at_ = 0;       // 0: none
  bool fail_onwards_ = false;
  int error_number_ = 0;
  std::int64_t byte_budget_ = -1;  // -1: unlimited
  int failures_ = 0;
};

}  // namespace station_sync
