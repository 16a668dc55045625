#include "tests/sync/power_cut.h"

#include <sqlite3.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace test {

// ---- PowerCutFileSystem ------------------------------------------------------------

struct PowerCutFileSystem::Node {
  bool is_directory = false;
  std::string data;          // files: as written
  std::string durable_data;  // files: as of the last fsync
  std::map<std::string, std::shared_ptr<Node>> entries;          // directories: now
  std::map<std::string, std::shared_ptr<Node>> durable_entries;  // as of the last fsync
};

namespace {

using Node = PowerCutFileSystem::Node;

base::Error PowerOff(const std::string& path) {
  return base::MakeError(base::ErrorCode::kIo, "power is off: " + path);
}

base::Error Errno(int err, const std::string& path) {
  return base::MakeError(err == ENOENT ? base::ErrorCode::kNotFound : base::ErrorCode::kIo,
                         path + ": " + std::strerror(err));
}

std::pair<std::string, std::string> Split(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return {"", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

void Revert(Node& node) {
  node.data = node.durable_data;
  node.entries = node.durable_entries;
  for (auto& [name, child] : node.entries) Revert(*child);
}

class File : public station_sync::WritableFile {
 public:
  File(PowerSwitch& power, std::shared_ptr<Node> node, std::string path)
      : power_(power), node_(std::move(node)), path_(std::move(path)) {}
  base::Status Append(std::string_view bytes) override {
    if (!power_.Tick()) return PowerOff(path_);
    node_->data.append(bytes);
    return base::Ok();
  }
  base::Status Sync() override {
    if (!power_.Tick()) return PowerOff(path_);
    node_->durable_data = node_->data;
    return base::Ok();
  }
  base::Status Close() override { return base::Ok(); }

 private:
  PowerSwitch& power_;
  std::shared_ptr<Node> node_;
  std::string path_;
};

}  // namespace

PowerCutFileSystem::PowerCutFileSystem(PowerSwitch& power)
    : power_(power), root_(std::make_shared<Node>()) {
  root_->is_directory = true;
}

PowerCutFileSystem::~PowerCutFileSystem() = default;

void PowerCutFileSystem::PowerCut() {
  Revert(*root_);
  power_.Restore();
}

std::shared_ptr<Node> PowerCutFileSystem::Find(const std::string& path) {
  if (path.empty() || path[0] != '/') return nullptr;
  std::shared_ptr<Node> node = root_;
  std::size_t start = 1;
  while (start < path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string name = path.substr(start, end - start);
    start = end + 1;
    if (name.empty()) continue;
    if (!node->is_directory) return nullptr;
    auto it = node->entries.find(name);
    if (it == node->entries.end()) return nullptr;
    node = it->second;
  }
  return node;
}

base::Result<std::unique_ptr<station_sync::WritableFile>> PowerCutFileSystem::Create(
    const std::string& path, unsigned) {
  if (!power_.Tick()) return PowerOff(path);
  auto [dir, name] = Split(path);
  std::shared_ptr<Node> parent = Find(dir);
  if (!parent || !parent->is_directory) return Errno(ENOENT, path);
  if (parent->entries.count(name)) return Errno(EEXIST, path);
  auto node = std::make_shared<Node>();
  parent->entries[name] = node;
  return std::unique_ptr<station_sync::WritableFile>(new File(power_, node, path));
}

base::Result<std::string> PowerCutFileSystem::ReadFile(const std::string& path) {
  std::shared_ptr<Node> node = Find(path);
  if (!node) return Errno(ENOENT, path);
  if (node->is_directory) return Errno(EISDIR, path);
  return node->data;
}

base::Status PowerCutFileSystem::Rename(const std::string& from, const std::string& to) {
  if (!power_.Tick()) return PowerOff(from);
  auto [from_dir, from_name] = Split(from);
  auto [to_dir, to_name] = Split(to);
  std::shared_ptr<Node> from_parent = Find(from_dir);
  std::shared_ptr<Node> to_parent = Find(to_dir);
  if (!from_parent || !to_parent || !from_parent->entries.count(from_name)) {
    return Errno(ENOENT, from);
  }
  std::shared_ptr<Node> node = from_parent->entries[from_name];
  auto existing = to_parent->entries.find(to_name);
  if (existing != to_parent->entries.end() && existing->second->is_directory &&
      !existing->second->entries.empty()) {
    return Errno(ENOTEMPTY, to);
  }
  from_parent->entries.erase(from_name);
  to_parent->entries[to_name] = node;
  return base::Ok();
}

base::Status PowerCutFileSystem::Remove(const std::string& path) {
  if (!power_.Tick()) return PowerOff(path);
  auto [dir, name] = Split(path);
  std::shared_ptr<Node> parent = Find(dir);
  if (!parent || !parent->entries.count(name)) return Errno(ENOENT, path);
  const std::shared_ptr<Node>& node = parent->entries[name];
  if (node->is_directory && !node->entries.empty()) return Errno(ENOTEMPTY, path);
  parent->entries.erase(name);
  return base::Ok();
}

base::Status PowerCutFileSystem::MakeDirectory(const std::string& path) {
  if (!power_.Tick()) return PowerOff(path);
  if (std::shared_ptr<Node> existing = Find(path)) {
    return existing->is_directory ? base::Ok() : base::Status(Errno(EEXIST, path));
  }
  auto [dir, name] = Split(path);
  std::shared_ptr<Node> parent = Find(dir);
  if (!parent || !parent->is_directory) return Errno(ENOENT, path);
  auto node = std::make_shared<Node>();
  node->is_directory = true;
  parent->entries[name] = node;
  return base::Ok();
}

base::Status PowerCutFileSystem::SyncDirectory(const std::string& path) {
  if (!power_.Tick()) return PowerOff(path);
  std::shared_ptr<Node> node = Find(path);
  if (!node || !node->is_directory) return Errno(ENOENT, path);
  node->durable_entries = node->entries;
  return base::Ok();
}

base::Result<std::vector<station_sync::DirectoryEntry>> PowerCutFileSystem::List(
    const std::string& path) {
  std::shared_ptr<Node> node = Find(path);
  if (!node || !node->is_directory) return Errno(ENOENT, path);
  std::vector<station_sync::DirectoryEntry> entries;
  for (const auto& [name, child] : node->entries) entries.push_back({name, child->is_directory});
  return entries;
}

base::Result<std::unique_ptr<station_sync::FileLock>> PowerCutFileSystem::LockExclusive(
    const std::string&) {
  return std::make_unique<station_sync::FileLock>();
}

// ---- PowerCutVfs ------------------------------------------------------------------------

namespace {

// Content written since the last xSync, as the whole file would read now.
struct Pending {
  std::string content;
  std::int64_t dirty_low = -1;  // byte range to write on sync
  std::int64_t dirty_high = 0;
  bool shrunk = false;
};

struct VfsFile {
  sqlite3_file base;  // must be first
  PowerCutVfs::State* state;
  std::string path;   // empty: temporary file, passed through
  sqlite3_file* real;
};

}  // namespace

struct PowerCutVfs::State {
  PowerSwitch& power;
  sqlite3_vfs vfs{};
  sqlite3_vfs* real = nullptr;
  sqlite3_io_methods methods{};
  std::map<std::string, Pending> pending;
  explicit State(PowerSwitch& p) : power(p) {}
};

namespace {

using State = PowerCutVfs::State;

VfsFile* Self(sqlite3_file* file) { return reinterpret_cast<VfsFile*>(file); }
State* StateOf(sqlite3_vfs* vfs) { return static_cast<State*>(vfs->pAppData); }

// The pending overlay for a file, loaded from the real file on first write.
Pending& Load(VfsFile* f) {
  auto it = f->state->pending.find(f->path);
  if (it != f->state->pending.end()) return it->second;
  Pending p;
  sqlite3_int64 size = 0;
  f->real->pMethods->xFileSize(f->real, &size);
  p.content.resize(static_cast<std::size_t>(size));
  if (size > 0) f->real->pMethods->xRead(f->real, p.content.data(), static_cast<int>(size), 0);
  return f->state->pending.emplace(f->path, std::move(p)).first->second;
}

Pending* Find(VfsFile* f) {
  auto it = f->state->pending.find(f->path);
  return it == f->state->pending.end() ? nullptr : &it->second;
}

int Close(sqlite3_file* file) {
  VfsFile* f = Self(file);
  const int rc = f->real->pMethods->xClose(f->real);  // pending content stays for the next open
  sqlite3_free(f->real);
  return rc;
}

int Read(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset) {
  VfsFile* f = Self(file);
  Pending* p = f->path.empty() ? nullptr : Find(f);
  if (p == nullptr) return f->real->pMethods->xRead(f->real, buffer, amount, offset);
  const auto size = static_cast<sqlite3_int64>(p->content.size());
  const sqlite3_int64 available = offset >= size ? 0 : std::min<sqlite3_int64>(amount, size - offset);
  if (available > 0) std::memcpy(buffer, p->content.data() + offset, static_cast<std::size_t>(available));
  if (available < amount) {
    std::memset(static_cast<char*>(buffer) + available, 0, static_cast<std::size_t>(amount - available));
    return SQLITE_IOERR_SHORT_READ;
  }
  return SQLITE_OK;
}

int Write(sqlite3_file* file, const void* buffer, int amount, sqlite3_int64 offset) {
  VfsFile* f = Self(file);
  if (f->path.empty()) return f->real->pMethods->xWrite(f->real, buffer, amount, offset);
  if (!f->state->power.Tick()) return SQLITE_IOERR_WRITE;
  Pending& p = Load(f);
  const auto end = static_cast<std::size_t>(offset + amount);
  if (p.content.size() < end) p.content.resize(end);
  std::memcpy(p.content.data() + offset, buffer, static_cast<std::size_t>(amount));
  p.dirty_low = p.dirty_low < 0 ? offset : std::min<std::int64_t>(p.dirty_low, offset);
  p.dirty_high = std::max<std::int64_t>(p.dirty_high, offset + amount);
  return SQLITE_OK;
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  VfsFile* f = Self(file);
  if (f->path.empty()) return f->real->pMethods->xTruncate(f->real, size);
  if (!f->state->power.Tick()) return SQLITE_IOERR_TRUNCATE;
  Pending& p = Load(f);
  if (static_cast<std::size_t>(size) < p.content.size()) p.shrunk = true;
  p.content.resize(static_cast<std::size_t>(size));
  p.dirty_high = std::min<std::int64_t>(p.dirty_high, size);
  return SQLITE_OK;
}

// Makes the pending content durable: it reaches the real file.
int Sync(sqlite3_file* file, int flags) {
  VfsFile* f = Self(file);
  if (f->path.empty()) return f->real->pMethods->xSync(f->real, flags);
  if (!f->state->power.Tick()) return SQLITE_IOERR_FSYNC;
  Pending* p = Find(f);
  if (p == nullptr) return SQLITE_OK;
  int rc = SQLITE_OK;
  if (p->shrunk) rc = f->real->pMethods->xTruncate(f->real, static_cast<sqlite3_int64>(p->content.size()));
  if (rc == SQLITE_OK && p->dirty_low >= 0 && p->dirty_high > p->dirty_low) {
    rc = f->real->pMethods->xWrite(f->real, p->content.data() + p->dirty_low,
                                   static_cast<int>(p->dirty_high - p->dirty_low), p->dirty_low);
  }
  if (rc == SQLITE_OK) f->state->pending.erase(f->path);
  return rc;
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  VfsFile* f = Self(file);
  Pending* p = f->path.empty() ? nullptr : Find(f);
  if (p == nullptr) return f->real->pMethods->xFileSize(f->real, size);
  *size = static_cast<sqlite3_int64>(p->content.size());
  return SQLITE_OK;
}

int Lock(sqlite3_file* file, int level) { return Self(file)->real->pMethods->xLock(Self(file)->real, level); }
int Unlock(sqlite3_file* file, int level) { return Self(file)->real->pMethods->xUnlock(Self(file)->real, level); }
int CheckReservedLock(sqlite3_file* file, int* out) {
  return Self(file)->real->pMethods->xCheckReservedLock(Self(file)->real, out);
}
int FileControl(sqlite3_file* file, int op, void* arg) {
  // A size hint would grow the real file behind the overlay's back.
  if (op == SQLITE_FCNTL_SIZE_HINT) return SQLITE_OK;
  return Self(file)->real->pMethods->xFileControl(Self(file)->real, op, arg);
}
int SectorSize(sqlite3_file* file) { return Self(file)->real->pMethods->xSectorSize(Self(file)->real); }
int DeviceCharacteristics(sqlite3_file* file) {
  return Self(file)->real->pMethods->xDeviceCharacteristics(Self(file)->real);
}
int ShmMap(sqlite3_file* file, int page, int size, int extend, void volatile** out) {
  return Self(file)->real->pMethods->xShmMap(Self(file)->real, page, size, extend, out);
}
int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  return Self(file)->real->pMethods->xShmLock(Self(file)->real, offset, n, flags);
}
void ShmBarrier(sqlite3_file* file) { Self(file)->real->pMethods->xShmBarrier(Self(file)->real); }
int ShmUnmap(sqlite3_file* file, int delete_flag) {
  return Self(file)->real->pMethods->xShmUnmap(Self(file)->real, delete_flag);
}

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  State* state = StateOf(vfs);
  VfsFile* f = Self(file);
  f->base.pMethods = nullptr;
  f->real = static_cast<sqlite3_file*>(sqlite3_malloc(state->real->szOsFile));
  if (f->real == nullptr) return SQLITE_NOMEM;
  std::memset(f->real, 0, static_cast<std::size_t>(state->real->szOsFile));
  const int rc = state->real->xOpen(state->real, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (f->real->pMethods != nullptr) f->real->pMethods->xClose(f->real);
    sqlite3_free(f->real);
    return rc;
  }
  f->state = state;
  new (&f->path) std::string(name != nullptr ? name : "");
  f->base.pMethods = &state->methods;
  return SQLITE_OK;
}

int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  State* state = StateOf(vfs);
  if (!state->power.Tick()) return SQLITE_IOERR_DELETE;
  state->pending.erase(name);
  return state->real->xDelete(state->real, name, sync_dir);
}

int Access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return StateOf(vfs)->real->xAccess(StateOf(vfs)->real, name, flags, out);
}
int FullPathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
  return StateOf(vfs)->real->xFullPathname(StateOf(vfs)->real, name, size, out);
}
int Randomness(sqlite3_vfs* vfs, int size, char* out) {
  return StateOf(vfs)->real->xRandomness(StateOf(vfs)->real, size, out);
}
int Sleep(sqlite3_vfs* vfs, int us) { return StateOf(vfs)->real->xSleep(StateOf(vfs)->real, us); }
int CurrentTime(sqlite3_vfs* vfs, double* out) {
  return StateOf(vfs)->real->xCurrentTime(StateOf(vfs)->real, out);
}
int GetLastError(sqlite3_vfs* vfs, int size, char* out) {
  return StateOf(vfs)->real->xGetLastError(StateOf(vfs)->real, size, out);
}
int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return StateOf(vfs)->real->xCurrentTimeInt64(StateOf(vfs)->real, out);
}

}  // namespace

// The std::string inside VfsFile is placement-constructed in xOpen; Close
// must destroy it. Wrap Close to do so.
static int CloseAndDestroy(sqlite3_file* file) {
  VfsFile* f = Self(file);
  const int rc = Close(file);
  f->path.~basic_string();
  return rc;
}

PowerCutVfs::PowerCutVfs(PowerSwitch& power) : state_(std::make_unique<State>(power)) {
  State& s = *state_;
  s.real = sqlite3_vfs_find(nullptr);
  if (s.real == nullptr) throw std::runtime_error("no default SQLite VFS");
  s.methods.iVersion = 2;  // no xFetch: memory-mapped reads would bypass the overlay
  s.methods.xClose = CloseAndDestroy;
  s.methods.xRead = Read;
  s.methods.xWrite = Write;
  s.methods.xTruncate = Truncate;
  s.methods.xSync = Sync;
  s.methods.xFileSize = FileSize;
  s.methods.xLock = Lock;
  s.methods.xUnlock = Unlock;
  s.methods.xCheckReservedLock = CheckReservedLock;
  s.methods.xFileControl = FileControl;
  s.methods.xSectorSize = SectorSize;
  s.methods.xDeviceCharacteristics = DeviceCharacteristics;
  s.methods.xShmMap = ShmMap;
  s.methods.xShmLock = ShmLock;
  s.methods.xShmBarrier = ShmBarrier;
  s.methods.xShmUnmap = ShmUnmap;

  s.vfs.iVersion = 2;
  s.vfs.szOsFile = static_cast<int>(sizeof(VfsFile));
  s.vfs.mxPathname = s.real->mxPathname;
  s.vfs.zName = "powercut";
  s.vfs.pAppData = &s;
  s.vfs.xOpen = Open;
  s.vfs.xDelete = Delete;
  s.vfs.xAccess = Access;
  s.vfs.xFullPathname = FullPathname;
  s.vfs.xRandomness = Randomness;
  s.vfs.xSleep = Sleep;
  s.vfs.xCurrentTime = CurrentTime;
  s.vfs.xGetLastError = GetLastError;
  s.vfs.xCurrentTimeInt64 = CurrentTimeInt64;
  sqlite3_vfs_register(&s.vfs, 1);
}

PowerCutVfs::~PowerCutVfs() { sqlite3_vfs_unregister(&state_->vfs); }

void PowerCutVfs::PowerCut() {
  state_->pending.clear();
  state_->power.Restore();
}

std::size_t PowerCutVfs::pending_files() const { return state_->pending.size(); }

}  // namespace test
