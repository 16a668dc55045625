// The administrator's PIN: stored only as a libsodium crypto_pwhash string
// (Argon2id, salted), with a lockout after repeated wrong tries that survives
// restarts (counters live in the store) and clock jumps (a lock never lasts
// longer than kLockSeconds from the moment it is checked).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace store { class Store; }

namespace kiosk {

inline constexpr int kPinMinDigits = 4;
inline constexpr int kPinMaxDigits = 8;
inline constexpr int kPinMaxAttempts = 5;
inline constexpr std::int64_t kPinLockSeconds = 5 * 60;

// The pure part: what a wrong or right try does to the counters.
struct PinLockout {
  int failed_attempts = 0;
  std::int64_t locked_until_unix = 0;  // 0: not locked

  std::int64_t SecondsLocked(std::int64_t now_unix) const;
  // A clock set backwards must not stretch a lock: clamp it.
  PinLockout Clamped(std::int64_t now_unix) const;
  PinLockout AfterWrong(std::int64_t now_unix) const;
  PinLockout AfterRight() const { return {}; }
};

bool IsValidPin(std::string_view digits);

struct PinCheck {
  enum class Outcome { kAccepted, kWrong, kLocked, kNotSet };
  Outcome outcome;
  int tries_left = 0;            // for kWrong
  std::int64_t seconds_locked = 0;  // for kLocked (also set when a wrong try locks)
};

class AdminPin {
 public:
  explicit AdminPin(store::Store& store) : store_(store) {}

  bool IsSet() const;
  base::Status Set(std::string_view digits);
  base::Result<PinCheck> Check(std::string_view digits, std::int64_t now_unix);
  PinLockout Lockout() const;

 private:
  base::Status SaveLockout(const PinLockout& lockout);
  store::Store& store_;
};

}  // namespace kiosk
