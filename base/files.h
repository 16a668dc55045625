// File helpers with durability spelled out. A file written with
// WriteFileDurably() is either entirely the old content or entirely the new
// one after a power cut: write to a temporary name, fsync it, rename over the
// target, fsync the directory. Errors surface (ENOSPC as kDiskFull).
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace base {

Status WriteFileDurably(const std::string& path, std::string_view bytes);
Result<std::string> ReadFile(const std::string& path);
Status MakeDirectories(const std::string& path);  // like mkdir -p
Status FsyncDirectory(const std::string& path);

// $XDG_DATA_HOME/village-station, else ~/.local/share/village-station.
std::string DefaultDataDir();

}  // namespace base
