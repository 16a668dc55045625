#include "sync/usb_sticks.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include "base/files.h"
#include "store/store.h"
#include "sync/content_sync.h"

namespace station_sync {
namespace {

constexpr std::string_view kMountRoots[] = {"/media/", "/run/media/", "/mnt/"};

// /proc/mounts writes space, tab, newline and backslash as \ooo.
std::string Unescape(std::string_view field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const std::string_view digits = field.substr(i + 1, 3);
      if (digits.find_first_not_of("01234567") == std::string_view::npos) {
        out += static_cast<char>((digits[0] - '0') * 64 + (digits[1] - '0') * 8 + (digits[2] - '0'));
        i += 3;
        continue;
      }
    }
    out += field[i];
  }
  return out;
}

bool UnderMountRoot(const std::string& path) {
  for (std::string_view root : kMountRoots) {
    if (path.size() > root.size() && path.compare(0, root.size(), root) == 0) return true;
  }
  return path == "/mnt";
}

bool IsFile(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

}  // namespace

std::string StickName(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const auto slash = dir.rfind('/');
  return slash == std::string::npos ? dir : dir.substr(slash + 1);
}

std::vector<std::string> RemovableMountPoints(std::string_view proc_mounts) {
  std::vector<std::string> points;
  while (!proc_mounts.empty()) {
    const auto end = proc_mounts.find('\n');
    std::string_view line = proc_mounts.substr(0, end);
    proc_mounts.remove_prefix(end == std::string_view::npos ? proc_mounts.size() : end + 1);
    // "device mount-point type options dump pass"
    const auto first_space = line.find(' ');
    if (first_space == std::string_view::npos) continue;
    line.remove_prefix(first_space + 1);
    const std::string point = Unescape(line.substr(0, line.find(' ')));
    if (UnderMountRoot(point)) points.push_back(point);
  }
  return points;
}

UsbStick DescribeStick(const std::string& dir) {
  UsbStick stick;
  stick.dir = dir;
  stick.name = StickName(dir);
  const std::string catalog = dir + "/village-station/package/catalog.json";
  if (IsFile(catalog)) {
    stick.has_package = true;
    base::Result<std::string> text = base::ReadFile(catalog);
    base::Result<ContentCatalog> parsed =
        text.ok() ? ParseContentCatalog(*text) : base::Result<ContentCatalog>(text.error());
    if (parsed.ok()) {
      stick.package_version = parsed->version;
    } else {
      stick.package_problem = parsed.error().message;
    }
  }
  struct statvfs space {};
  if (::statvfs(dir.c_str(), &space) == 0) {
    stick.free_bytes = static_cast<std::int64_t>(space.f_bavail) * static_cast<std::int64_t>(space.f_frsize);
  }
  return stick;
}

std::vector<UsbStick> FindUsbSticks(const store::Store& store) {
  std::vector<std::string> dirs;
  if (auto chosen = store.GetSetting("sync.usb_dir"); chosen && !chosen->empty()) {
    dirs.push_back(*chosen);
  } else if (base::Result<std::string> mounts = base::ReadFile("/proc/self/mounts"); mounts.ok()) {
    dirs = RemovableMountPoints(*mounts);
  }
  std::vector<UsbStick> sticks;
  for (const std::string& dir : dirs) {
    struct stat info {};
    if (::stat(dir.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) sticks.push_back(DescribeStick(dir));
  }
  return sticks;
}

}  // namespace station_sync
