// Result<T>: what a boundary returns instead of throwing or returning an
// empty value that might be mistaken for success. Debian 12's g++ 12 has no
// std::expected, so this is the small subset we need.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace base {

enum class ErrorCode {
  kNotFound,
  kInvalidInput,     // malformed or tampered data
  kIo,               // read/write/fsync failed
  kDiskFull,         // ENOSPC / SQLITE_FULL
  kCorrupt,          // a file or database that cannot be trusted
  kTooNew,           // written by a newer version of this program
  kLocked,           // refused for now (lockout, busy)
  kDenied,           // wrong credentials
  kUnavailable,      // a device or peer is not there
};

const char* ToString(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;  // for logs and administrators, never shown raw to villagers
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}
  Result(Error error) : state_(std::move(error)) {}

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<T>(state_); }
  const T& value() const& { assert(ok()); return std::get<T>(state_); }
  T&& value() && { assert(ok()); return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { assert(!ok()); return std::get<Error>(state_); }

 private:
  std::variant<T, Error> state_;
};

// For operations that produce nothing but can fail.
struct Done {};
using Status = Result<Done>;
inline Status Ok() { return Done{}; }

inline Error MakeError(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

}  // namespace base
