#include "kiosk/admin_pin.h"

#include <algorithm>
#include <cstdlib>

#include <sodium.h>

#include "store/store.h"

namespace kiosk {
namespace {

constexpr std::string_view kHashKey = "admin.pin_hash";
constexpr std::string_view kFailuresKey = "admin.pin_failures";
constexpr std::string_view kLockedUntilKey = "admin.pin_locked_until";

std::int64_t ReadInt(const store::Store& store, std::string_view key) {
  auto text = store.GetSetting(key);
  return text ? std::strtoll(text->c_str(), nullptr, 10) : 0;
}

}  // namespace

std::int64_t PinLockout::SecondsLocked(std::int64_t now_unix) const {
  return std::max<std::int64_t>(0, Clamped(now_unix).locked_until_unix - now_unix);
}

PinLockout PinLockout::Clamped(std::int64_t now_unix) const {
  PinLockout clamped = *this;
  if (locked_until_unix > now_unix + kPinLockSeconds) {
    clamped.locked_until_unix = now_unix + kPinLockSeconds;
  }
  return clamped;
}

PinLockout PinLockout::AfterWrong(std::int64_t now_unix) const {
  PinLockout next = Clamped(now_unix);
  if (next.locked_until_unix != 0 && next.locked_until_unix <= now_unix) {
    next = {};  // an expired lock starts a fresh round of tries
  }
  next.failed_attempts += 1;
  if (next.failed_attempts >= kPinMaxAttempts) next.locked_until_unix = now_unix + kPinLockSeconds;
  return next;
}

bool IsValidPin(std::string_view digits) {
  return digits.size() >= kPinMinDigits && digits.size() <= kPinMaxDigits &&
         std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool AdminPin::IsSet() const { return store_.GetSetting(kHashKey).has_value(); }

base::Status AdminPin::Set(std::string_view digits) {
  if (!IsValidPin(digits)) {
    return base::MakeError(base::ErrorCode::kInvalidInput, "a PIN is 4 to 8 digits");
  }
  if (sodium_init() < 0) return base::MakeError(base::ErrorCode::kUnavailable, "libsodium failed to start");
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, digits.data(), digits.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return base::MakeError(base::ErrorCode::kUnavailable, "not enough memory to hash the PIN");
  }
  if (auto saved = store_.SetSetting(kHashKey, hash); !saved) return saved;
  return SaveLockout({});
}

PinLockout AdminPin::Lockout() const {
  return {static_cast<int>(ReadInt(store_, kFailuresKey)), ReadInt(store_, kLockedUntilKey)};
}

base::Status AdminPin::SaveLockout(const PinLockout& lockout) {
  if (auto saved = store_.SetSetting(kFailuresKey, std::to_string(lockout.failed_attempts)); !saved) {
    return saved;
  }
  return store_.SetSetting(kLockedUntilKey, std::to_string(lockout.locked_until_unix));
}

base::Result<PinCheck> AdminPin::Check(std::string_view digits, std::int64_t now_unix) {
  auto hash = store_.GetSetting(kHashKey);
  if (!hash) return PinCheck{PinCheck::Outcome::kNotSet};
  const PinLockout lockout = Lockout();
  if (std::int64_t locked = lockout.SecondsLocked(now_unix); locked > 0) {
    return PinCheck{PinCheck::Outcome::kLocked, 0, locked};
  }
  if (sodium_init() < 0) return base::MakeError(base::ErrorCode::kUnavailable, "libsodium failed to start");
  const bool right = crypto_pwhash_str_verify(hash->c_str(), digits.data(), digits.size()) == 0;
  const PinLockout next = right ? lockout.AfterRight() : lockout.AfterWrong(now_unix);
  if (auto saved = SaveLockout(next); !saved) return saved.error();
  if (right) return PinCheck{PinCheck::Outcome::kAccepted};
  if (std::int64_t locked = next.SecondsLocked(now_unix); locked > 0) {
    return PinCheck{PinCheck::Outcome::kLocked, 0, locked};
  }
  return PinCheck{PinCheck::Outcome::kWrong, kPinMaxAttempts - next.failed_attempts};
}

}  // namespace kiosk
