// Finding the USB sticks plugged into the station, for the admin area's USB
// page: what each one carries (a county package, and of which version) and
// how much room it has for the outbox.
//
// A stick is a mount point under /media, /run/media or /mnt (where udisks,
// a desktop's automounter or an administrator puts one), read from
// /proc/self/mounts. The setting `sync.usb_dir` names one directory
// instead: a station whose sticks mount elsewhere, and the tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace store {
class Store;
}

namespace station_sync {

struct UsbStick {
  std::string dir;
  std::string name;  // the mount point's last part: usually the stick's label
  // The county package on it (docs/protocol.md section 7), if any: its
  // catalog's version as written, not yet verified (importing verifies).
  bool has_package = false;
  std::optional<std::int64_t> package_version;
  std::string package_problem;  // the package's catalog cannot be read
  std::int64_t free_bytes = -1;  // -1: unknown
};

// The mount points in /proc/self/mounts text that look like removable
// media, in order, with the kernel's octal escapes (\040 for a space) undone.
std::vector<std::string> RemovableMountPoints(std::string_view proc_mounts);

// The name to show for the stick at `dir`: its last part ("VILLAGE").
std::string StickName(std::string dir);

// What the stick at `dir` carries.
UsbStick DescribeStick(const std::string& dir);

// The sticks plugged in now (`sync.usb_dir` if set, else the mounts).
std::vector<UsbStick> FindUsbSticks(const store::Store& store);

}  // namespace station_sync
