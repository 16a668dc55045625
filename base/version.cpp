#include "base/version.h"

namespace base {

const char* StationVersion() { return STATION_VERSION; }

}  // namespace base
