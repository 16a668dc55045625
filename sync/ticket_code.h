// Ticket codes: the villager's only key to the replies to a report, so they
// are random (never sequential), unguessable and easy to read aloud.
//
//   alphabet   29 symbols, digits and capitals without the look-alikes
//              B I L O S U Z: 0123456789ACDEFGHJKMNPQRTVWXY
//   length     10 random symbols (10 * log2(29) = 48.6 bits) + 1 check symbol,
//              shown as 3-4-4 like a Chinese mobile number: "7KC 4MXT 92QF"
//   check      the weighted sum  sum_{i=1..11} i * value(c_i)  is 0 mod 29.
//              29 is prime and the weights 1..11 are distinct and non-zero
//              mod 29, so every single-symbol substitution and every swap of
//              two different symbols (adjacent or not) changes the sum and
//              is rejected.
//
// Input is forgiving: case, spaces, dashes and full-width characters (from
// a Chinese input method) are ignored, and the excluded look-alikes are read
// as what they look like: O->0, I/L->1, Z->2, S->5, B->8, U->V.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"

// The namespace is station_sync, not sync: POSIX declares ::sync() in
// <unistd.h>, and a namespace of the same name would not compile beside it.

namespace station_sync {

inline constexpr std::string_view kTicketAlphabet = "0123456789ACDEFGHJKMNPQRTVWXY";
inline constexpr int kTicketRandomSymbols = 10;
inline constexpr int kTicketLength = kTicketRandomSymbols + 1;

// A new code from libsodium's randombytes (uniform, unbiased), in canonical
// form (11 symbols, no separators).
std::string GenerateTicketCode();

// The same, with the random symbols drawn from `random_below(29)`; for tests
// that need a deterministic or colliding source.
std::string GenerateTicketCode(const std::function<std::uint32_t(std::uint32_t)>& random_below);

// "7KC4MXT92QF" -> "7KC 4MXT 92QF" (for the screen and for speaking in groups).
// A string that is not 11 symbols long comes back unchanged.
std::string FormatTicketCode(std::string_view canonical);

// What the villager typed -> canonical form if it is a valid code.
// kInvalidInput when it has a wrong length, a symbol outside the alphabet or a
// failing check symbol (a typo).
base::Result<std::string> NormaliseTicketCode(std::string_view typed);

// True when `canonical` is 11 alphabet symbols whose check symbol is right.
bool IsValidTicketCode(std::string_view canonical);

}  // namespace station_sync
