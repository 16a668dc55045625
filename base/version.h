// The station software's version: the project VERSION in CMakeLists.txt.
#pragma once

namespace base {

const char* StationVersion();

}  // namespace base
