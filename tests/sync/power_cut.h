// Power cuts for tests, in the spirit of SQLite's crash tests (src/test6.c):
// only what was synced survives.
//
//   PowerSwitch          counts every mutating I/O call of both twins below
//                        and turns the power off at the Nth; from then on
//                        every mutating call fails, as if the machine died
//   PowerCutFileSystem   an in-memory FileSystem that keeps, per file, the
//                        content as written and as last fsynced, and per
//                        directory, the entries as they are and as of the
//                        last directory fsync. PowerCut() throws away
//                        everything not durable.
//   PowerCutVfs          an SQLite VFS over the default one that holds every
//                        write in memory until xSync, registered as the
//                        default VFS while it lives. PowerCut() drops
//                        unsynced writes. Memory-mapped I/O is disabled so
//                        that every read sees the overlay.
// Names (file creation, deletion) in the VFS are taken as durable at once:
// the model is about contents, which is where SQLite's durability lives.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "sync/file_system.h"

struct sqlite3_vfs;

namespace test {

class PowerSwitch {
 public:
  void CutAtCall(std::int64_t n) { cut_at_ = n; }  // 0: never
  // Counts a mutating call; false when the power is (now) off.
  bool Tick() {
    ++calls_;
    if (cut_at_ > 0 && calls_ >= cut_at_) off_ = true;
    return !off_;
  }
  bool off() const { return off_; }
  std::int64_t calls() const { return calls_; }
  void Restore() {  // after the cut: a fresh boot
    off_ = false;
    cut_at_ = 0;
    calls_ = 0;
  }

 private:
  std::int64_t calls_ = 0;
  std::int64_t cut_at_ = 0;
  bool off_ = false;
};

class PowerCutFileSystem : public station_sync::FileSystem {
 public:
  explicit PowerCutFileSystem(PowerSwitch& power);
  ~PowerCutFileSystem() override;

  // Everything not synced is lost; the switch is restored.
  void PowerCut();

  base::Result<std::unique_ptr<station_sync::WritableFile>> Create(const std::string& path,
                                                                   unsigned mode) override;
  base::Result<std::string> ReadFile(const std::string& path) override;
  base::Status Rename(const std::string& from, const std::string& to) override;
  base::Status Remove(const std::string& path) override;
  base::Status MakeDirectory(const std::string& path) override;
  base::Status SyncDirectory(const std::string& path) override;
  base::Result<std::vector<station_sync::DirectoryEntry>> List(const std::string& path) override;
  base::Result<std::unique_ptr<station_sync::FileLock>> LockExclusive(
      const std::string& path) override;

  struct Node;

 private:
  std::shared_ptr<Node> Find(const std::string& path);
  PowerSwitch& power_;
  std::shared_ptr<Node> root_;
};

class PowerCutVfs {
 public:
  explicit PowerCutVfs(PowerSwitch& power);  // registers itself as SQLite's default VFS
  ~PowerCutVfs();                            // unregisters
  PowerCutVfs(const PowerCutVfs&) = delete;
  PowerCutVfs& operator=(const PowerCutVfs&) = delete;

  // Unsynced writes are lost; close every connection first.
  void PowerCut();
  std::size_t pending_files() const;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace test
