#include "base/result.h"

namespace base {

const char* ToString(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kInvalidInput: return "invalid input";
    case ErrorCode::kIo: return "i/o error";
    case ErrorCode::kDiskFull: return "disk full";
    case ErrorCode::kCorrupt: return "corrupt";
    case ErrorCode::kTooNew: return "too new";
    case ErrorCode::kLocked: return "locked";
    case ErrorCode::kDenied: return "denied";
    case ErrorCode::kUnavailable: return "unavailable";
  }
  return "unknown error";
}

}  // namespace base
