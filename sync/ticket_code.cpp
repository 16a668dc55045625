#include "sync/ticket_code.h"

#include <sodium.h>

#include <array>

namespace station_sync {
namespace {

constexpr int kModulus = static_cast<int>(kTicketAlphabet.size());  // 29, prime
static_assert(kModulus == 29);
static_assert(kTicketLength < kModulus, "weights 1..length must be distinct mod 29");

// Symbol -> value, -1 for symbols outside the alphabet; look-alikes map to
// the symbol they resemble.
constexpr std::array<int, 128> MakeValues() {
  std::array<int, 128> values{};
  for (int& v : values) v = -1;
  for (int i = 0; i < kModulus; ++i) {
    const char c = kTicketAlphabet[static_cast<std::size_t>(i)];
    values[static_cast<unsigned char>(c)] = i;
    if (c >= 'A' && c <= 'Z') values[static_cast<unsigned char>(c - 'A' + 'a')] = i;
  }
  constexpr std::pair<char, char> kAliases[] = {
      {'O', '0'}, {'I', '1'}, {'L', '1'}, {'Z', '2'}, {'S', '5'}, {'B', '8'}, {'U', 'V'}};
  for (auto [alias, meant] : kAliases) {
    const int value = values[static_cast<unsigned char>(meant)];
    values[static_cast<unsigned char>(alias)] = value;
    values[static_cast<unsigned char>(alias - 'A' + 'a')] = value;
  }
  return values;
}
constexpr std::array<int, 128> kValues = MakeValues();

int ValueOf(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < kValues.size() ? kValues[u] : -1;
}

// sum_{i=1..n} i * value(c_i) mod 29 over the first n symbols.
int WeightedSum(std::string_view symbols) {
  int sum = 0;
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    sum = (sum + static_cast<int>(i + 1) * ValueOf(symbols[i])) % kModulus;
  }
  return sum;
}

// The inverse of the check symbol's weight (11) mod 29: 11 * 8 = 88 = 3*29 + 1.
constexpr int kInverseCheckWeight = 8;
static_assert((kTicketLength * kInverseCheckWeight) % kModulus == 1);

char CheckSymbol(std::string_view random_part) {
  // Solve sum + 11 * v = 0 (mod 29) for v.
  const int sum = WeightedSum(random_part);
  const int v = ((kModulus - sum) % kModulus) * kInverseCheckWeight % kModulus;
  return kTicketAlphabet[static_cast<std::size_t>(v)];
}

// Decodes one UTF-8 sequence at `text[*i]`; full-width ASCII (U+FF01..FF5E)
// becomes its ASCII twin and the ideographic space U+3000 a space. Anything
// else outside ASCII becomes '\x7f' (not a symbol).
char NextChar(std::string_view text, std::size_t* i) {
  const auto b0 = static_cast<unsigned char>(text[*i]);
  if (b0 < 0x80) {
    ++*i;
    return static_cast<char>(b0);
  }
  std::size_t length = (b0 >= 0xF0) ? 4 : (b0 >= 0xE0) ? 3 : (b0 >= 0xC0) ? 2 : 1;
  if (*i + length > text.size()) length = text.size() - *i;
  char result = '\x7f';
  if (length == 3) {
    const auto b1 = static_cast<unsigned char>(text[*i + 1]);
    const auto b2 = static_cast<unsigned char>(text[*i + 2]);
    const unsigned cp = ((b0 & 0x0Fu) << 12) | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu);
    if (cp >= 0xFF01 && cp <= 0xFF5E) result = static_cast<char>(cp - 0xFF01 + 0x21);
    if (cp == 0x3000) result = ' ';
  }
  *i += length;
  return result;
}

}  // namespace

std::string GenerateTicketCode(const std::function<std::uint32_t(std::uint32_t)>& random_below) {
  std::string code;
  code.reserve(kTicketLength);
  for (int i = 0; i < kTicketRandomSymbols; ++i) {
    code.push_back(kTicketAlphabet[random_below(static_cast<std::uint32_t>(kModulus)) % kModulus]);
  }
  code.push_back(CheckSymbol(code));
  return code;
}

std::string GenerateTicketCode() {
  // One randombytes call per code (it is a getrandom() system call each):
  // bytes below 232 = 8 * 29 map uniformly onto the alphabet, the rest are
  // skipped. 32 bytes hold 10 usable ones except with probability < 1e-9.
  std::string code;
  code.reserve(kTicketLength);
  unsigned char random[32];
  while (code.size() < static_cast<std::size_t>(kTicketRandomSymbols)) {
    randombytes_buf(random, sizeof random);
    for (unsigned char b : random) {
      if (b >= 8 * kModulus || code.size() == static_cast<std::size_t>(kTicketRandomSymbols)) continue;
      code.push_back(kTicketAlphabet[b % kModulus]);
    }
  }
  code.push_back(CheckSymbol(code));
  sodium_memzero(random, sizeof random);
  return code;
}

std::string FormatTicketCode(std::string_view canonical) {
  if (canonical.size() != static_cast<std::size_t>(kTicketLength)) return std::string(canonical);
  std::string out;
  out.append(canonical.substr(0, 3)).push_back(' ');
  out.append(canonical.substr(3, 4)).push_back(' ');
  out.append(canonical.substr(7, 4));
  return out;
}

bool IsValidTicketCode(std::string_view canonical) {
  if (canonical.size() != static_cast<std::size_t>(kTicketLength)) return false;
  for (char c : canonical) {
    // Canonical means alphabet symbols only, not aliases or lower case.
    if (kTicketAlphabet.find(c) == std::string_view::npos) return false;
  }
  return WeightedSum(canonical) == 0;
}

base::Result<std::string> NormaliseTicketCode(std::string_view typed) {
  std::string code;
  for (std::size_t i = 0; i < typed.size();) {
    const char c = NextChar(typed, &i);
    if (c == ' ' || c == '-' || c == '\t' || c == '.' || c == '_') continue;
    const int value = ValueOf(c);
    if (value < 0) {
      return base::MakeError(base::ErrorCode::kInvalidInput,
                             "ticket code has a character that is not in the alphabet");
    }
    if (code.size() == static_cast<std::size_t>(kTicketLength)) {
      return base::MakeError(base::ErrorCode::kInvalidInput, "ticket code is too long");
    }
    code.push_back(kTicketAlphabet[static_cast<std::size_t>(value)]);
  }
  if (code.size() != static_cast<std::size_t>(kTicketLength)) {
    return base::MakeError(base::ErrorCode::kInvalidInput, "ticket code is too short");
  }
  if (!IsValidTicketCode(code)) {
    return base::MakeError(base::ErrorCode::kInvalidInput, "ticket code check symbol does not match");
  }
  return code;
}

}  // namespace station_sync
