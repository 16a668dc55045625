#include "sync/ticket_code.h"

#include <catch2/catch.hpp>
#include <sodium.h>

#include <array>
#include <cctype>
#include <cmath>
#include <string>
#include <unordered_set>

namespace {

using station_sync::FormatTicketCode;
using station_sync::GenerateTicketCode;
using station_sync::IsValidTicketCode;
using station_sync::kTicketAlphabet;
using station_sync::kTicketLength;
using station_sync::NormaliseTicketCode;

constexpr int kSymbols = static_cast<int>(kTicketAlphabet.size());

int ValueOf(char c) { return static_cast<int>(kTicketAlphabet.find(c)); }
char SymbolOf(int v) { return kTicketAlphabet[static_cast<std::size_t>(v)]; }

// A random valid code whose symbols at `fixed` positions are as given; the
// first position not fixed is solved so that the weighted sum is 0 mod 29
// (every position's weight is invertible mod 29, so any one can balance).
std::string ValidCodeWith(const std::vector<std::pair<int, int>>& fixed) {
  std::array<int, kTicketLength> v{};
  std::array<bool, kTicketLength> is_fixed{};
  for (int i = 0; i < kTicketLength; ++i) v[i] = static_cast<int>(randombytes_uniform(kSymbols));
  for (auto [position, value] : fixed) {
    v[position] = value;
    is_fixed[position] = true;
  }
  int free_position = 0;
  while (is_fixed[free_position]) ++free_position;
  int sum = 0;
  for (int i = 0; i < kTicketLength; ++i) {
    if (i != free_position) sum = (sum + (i + 1) * v[i]) % kSymbols;
  }
  // (free_position + 1) * x = -sum (mod 29): try every x.
  for (int x = 0; x < kSymbols; ++x) {
    if (((free_position + 1) * x + sum) % kSymbols == 0) v[free_position] = x;
  }
  std::string code;
  for (int value : v) code.push_back(SymbolOf(value));
  REQUIRE(IsValidTicketCode(code));
  return code;
}

}  // namespace

TEST_CASE("A new ticket code is 11 alphabet symbols with a valid check symbol", "[sync]") {
  REQUIRE(sodium_init() >= 0);
  for (int i = 0; i < 1000; ++i) {
    const std::string code = GenerateTicketCode();
    REQUIRE(code.size() == static_cast<std::size_t>(kTicketLength));
    for (char c : code) REQUIRE(kTicketAlphabet.find(c) != std::string_view::npos);
    REQUIRE(IsValidTicketCode(code));
  }
}

TEST_CASE("The alphabet has no look-alike characters and a prime size", "[sync]") {
  CHECK(kSymbols == 29);
  for (char c : std::string_view("BILOSUZ")) CHECK(kTicketAlphabet.find(c) == std::string_view::npos);
  // At least 40 bits of randomness: 29^10 > 2^48.
  double bits = 0;
  for (int i = 0; i < station_sync::kTicketRandomSymbols; ++i) bits += std::log2(kSymbols);
  CHECK(bits >= 48.0);
}

TEST_CASE("A million ticket codes are unique and uniformly drawn", "[sync][slow]") {
  REQUIRE(sodium_init() >= 0);
  // 48.6 bits: the chance of any collision among 10^6 draws is about
  // 10^12 / (2 * 29^10) = 0.12%, and of two or more about 7 in 10^7. The
  // outbox redraws on a collision (tested in outbox_test), so a duplicate
  // ticket is never issued; here we check the generator is not sequential,
  // biased or low in entropy.
  constexpr int kDraws = 1'000'000;
  std::unordered_set<std::string> seen;
  seen.reserve(kDraws);
  std::array<std::array<int, 29>, 10> counts{};
  int collisions = 0;
  for (int i = 0; i < kDraws; ++i) {
    const std::string code = GenerateTicketCode();
    if (!seen.insert(code).second) ++collisions;
    for (int p = 0; p < 10; ++p) ++counts[p][ValueOf(code[p])];
  }
  CHECK(collisions <= 1);
  CHECK(seen.size() >= static_cast<std::size_t>(kDraws - 1));
  // Each symbol at each position: expected 34,483; a chi-square with 28
  // degrees of freedom beyond 80 has probability ~1e-6.
  for (int p = 0; p < 10; ++p) {
    double chi2 = 0;
    const double expected = kDraws / 29.0;
    for (int count : counts[p]) chi2 += (count - expected) * (count - expected) / expected;
    CHECK(chi2 < 80);
  }
}

TEST_CASE("Every single-symbol substitution is rejected, at every position, for every pair",
          "[sync]") {
  REQUIRE(sodium_init() >= 0);
  // The check is linear: a substitution of a by b at position i changes the
  // sum by i * (b - a) mod 29, whatever the other symbols. So trying every
  // (position, a, b) on a few random codes is exhaustive.
  int tried = 0;
  for (int round = 0; round < 5; ++round) {
    for (int position = 0; position < kTicketLength; ++position) {
      for (int a = 0; a < kSymbols; ++a) {
        const std::string code = ValidCodeWith({{position, a}});
        for (int b = 0; b < kSymbols; ++b) {
          if (b == a) continue;
          std::string typo = code;
          typo[position] = SymbolOf(b);
          REQUIRE_FALSE(IsValidTicketCode(typo));
          REQUIRE_FALSE(NormaliseTicketCode(typo).ok());
          ++tried;
        }
      }
    }
  }
  CHECK(tried == 5 * 11 * 29 * 28);
}

TEST_CASE("Every swap of two different symbols is rejected, adjacent or not", "[sync]") {
  REQUIRE(sodium_init() >= 0);
  // Swapping a at i with b at j changes the sum by (i - j) * (b - a), non-zero
  // mod 29 since |i - j| <= 10 and 29 is prime.
  int adjacent = 0;
  for (int i = 0; i < kTicketLength; ++i) {
    for (int j = i + 1; j < kTicketLength; ++j) {
      for (int a = 0; a < kSymbols; ++a) {
        for (int b = 0; b < kSymbols; ++b) {
          if (a == b) continue;
          std::string code = ValidCodeWith({{i, a}, {j, b}});
          std::swap(code[i], code[j]);
          REQUIRE_FALSE(IsValidTicketCode(code));
          if (j == i + 1) ++adjacent;
        }
      }
    }
  }
  CHECK(adjacent == 10 * 29 * 28);
}

TEST_CASE("Typed codes are normalised: case, separators, full-width and look-alikes",
          "[sync]") {
  const std::string code = ValidCodeWith({{0, ValueOf('0')}, {1, ValueOf('1')}, {2, ValueOf('8')}});
  const std::string formatted = FormatTicketCode(code);
  REQUIRE(formatted.size() == 13);
  CHECK(formatted[3] == ' ');
  CHECK(formatted[8] == ' ');

  std::string lower;
  for (char c : formatted) lower.push_back(static_cast<char>(std::tolower(c)));
  std::string lookalikes = code;
  lookalikes[0] = 'O';
  lookalikes[1] = 'l';
  lookalikes[2] = 'B';
  std::string dashed = code.substr(0, 3) + "-" + code.substr(3, 4) + "-" + code.substr(7);
  // Full-width forms from a Chinese input method: U+FF10.. for digits,
  // U+FF21.. for capitals; U+3000 ideographic space.
  std::string fullwidth;
  for (char c : code) {
    const unsigned cp = 0xFF01 + static_cast<unsigned>(c - 0x21);
    fullwidth += static_cast<char>(0xE0 | (cp >> 12));
    fullwidth += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    fullwidth += static_cast<char>(0x80 | (cp & 0x3F));
  }
  fullwidth.insert(9, "\xE3\x80\x80");

  for (const std::string& typed : {formatted, lower, lookalikes, dashed, fullwidth,
                                   "  " + code + "  "}) {
    INFO(typed);
    base::Result<std::string> normalised = NormaliseTicketCode(typed);
    REQUIRE(normalised.ok());
    CHECK(*normalised == code);
  }
}

TEST_CASE("Malformed codes are refused with a reason", "[sync]") {
  const std::string code = ValidCodeWith({});
  auto rejected = [](const std::string& typed) {
    base::Result<std::string> r = NormaliseTicketCode(typed);
    return !r.ok() && r.error().code == base::ErrorCode::kInvalidInput;
  };
  CHECK(rejected(""));
  CHECK(rejected(code.substr(0, 10)));
  CHECK(rejected(code + "A"));
  CHECK(rejected(code.substr(0, 10) + "!"));
  CHECK(rejected(code.substr(0, 10) + "\xE6\xB0\xB4"));  // 水
  CHECK_FALSE(IsValidTicketCode("0000000000"));
  CHECK(IsValidTicketCode("00000000000"));  // all zero sums to zero: valid, and as likely as any
  CHECK(FormatTicketCode("short") == "short");
}
