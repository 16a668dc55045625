#include <catch2/catch.hpp>

#include "kiosk/admin_pin.h"
#include "store/store.h"
#include "tests/base/scratch_dir.h"

using kiosk::AdminPin;
using kiosk::PinCheck;
using Outcome = kiosk::PinCheck::Outcome;

TEST_CASE("A PIN is stored only as a salted Argon2 hash and checks true and false", "[kiosk][pin]") {
  test::ScratchDir dir;
  auto store = store::Store::Open(dir.File("station.db"));
  REQUIRE(store.ok());
  AdminPin pin(**store);
  CHECK_FALSE(pin.IsSet());
  CHECK(pin.Check("1234", 1000)->outcome == Outcome::kNotSet);
  REQUIRE(pin.Set("2468").ok());
  CHECK(pin.IsSet());
  const auto hash = (*store)->GetSetting("admin.pin_hash");
  REQUIRE(hash);
  CHECK(hash->find("2468") == std::string::npos);
  CHECK(hash->rfind("$argon2id$", 0) == 0);
  CHECK(pin.Check("2468", 1000)->outcome == Outcome::kAccepted);
  CHECK(pin.Check("2469", 1000)->outcome == Outcome::kWrong);
}

TEST_CASE("PINs must be 4 to 8 digits", "[kiosk][pin]") {
  CHECK(kiosk::IsValidPin("1234"));
  CHECK(kiosk::IsValidPin("12345678"));
  CHECK_FALSE(kiosk::IsValidPin("123"));
  CHECK_FALSE(kiosk::IsValidPin("123456789"));
  CHECK_FALSE(kiosk::IsValidPin("12a4"));
}

TEST_CASE("Five wrong tries lock the PIN, even across a restart, until the lock expires", "[kiosk][pin]") {
  test::ScratchDir dir;
  const std::int64_t t0 = 1'800'000'000;
  {
    auto store = store::Store::Open(dir.File("station.db"));
    REQUIRE(store.ok());
    AdminPin pin(**store);
    REQUIRE(pin.Set("2468").ok());
    for (int tries_left = 4; tries_left >= 1; --tries_left) {
      auto check = pin.Check("0000", t0);
      REQUIRE(check->outcome == Outcome::kWrong);
      CHECK(check->tries_left == tries_left);
    }
    auto fifth = pin.Check("0000", t0);
    CHECK(fifth->outcome == Outcome::kLocked);
    CHECK(fifth->seconds_locked == kiosk::kPinLockSeconds);
  }
  auto store = store::Store::Open(dir.File("station.db"));  // a power cycle does not reset it
  REQUIRE(store.ok());
  AdminPin pin(**store);
  CHECK(pin.Check("2468", t0 + 10)->outcome == Outcome::kLocked);  // even the right PIN waits
  CHECK(pin.Check("2468", t0 + kiosk::kPinLockSeconds + 1)->outcome == Outcome::kAccepted);
  CHECK(pin.Lockout().failed_attempts == 0);
}

TEST_CASE("A clock set backwards cannot stretch a lock", "[kiosk][pin]") {
  kiosk::PinLockout lockout;
  const std::int64_t t0 = 1'800'000'000;
  for (int i = 0; i < kiosk::kPinMaxAttempts; ++i) lockout = lockout.AfterWrong(t0);
  CHECK(lockout.SecondsLocked(t0) == kiosk::kPinLockSeconds);
  // The clock jumps back a year: the lock still ends within kPinLockSeconds.
  CHECK(lockout.SecondsLocked(t0 - 365 * 86400) == kiosk::kPinLockSeconds);
  // After the lock, a new round of tries begins.
  auto after = lockout.AfterWrong(t0 + kiosk::kPinLockSeconds + 1);
  CHECK(after.failed_attempts == 1);
  CHECK(after.SecondsLocked(t0 + kiosk::kPinLockSeconds + 1) == 0);
}
