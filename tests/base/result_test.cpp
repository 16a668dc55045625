#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "base/numbers.h"
#include "base/result.h"

TEST_CASE("Every error code has its own name", "[base]") {
  using base::ErrorCode;
  const ErrorCode codes[] = {
      ErrorCode::kNotFound, ErrorCode::kInvalidInput, ErrorCode::kIo,
      ErrorCode::kDiskFull, ErrorCode::kCorrupt,      ErrorCode::kTooNew,
      ErrorCode::kLocked,   ErrorCode::kDenied,       ErrorCode::kUnavailable,
  };
  std::set<std::string> names;
  for (ErrorCode code : codes) names.insert(base::ToString(code));
  CHECK(names.size() == std::size(codes));
  CHECK(std::string(base::ToString(ErrorCode::kDiskFull)) == "disk full");
}

TEST_CASE("A result holds either a value or an error", "[base]") {
  base::Result<int> value = 7;
  REQUIRE(value.ok());
  CHECK(*value == 7);

  base::Result<int> error = base::MakeError(base::ErrorCode::kIo, "boom");
  REQUIRE_FALSE(error.ok());
  CHECK(error.error().code == base::ErrorCode::kIo);
  CHECK(error.error().message == "boom");
}

TEST_CASE("Whole-string integers: what atoi would take for 0 or a prefix is refused", "[base]") {
  CHECK(base::ParseInt64("0") == 0);
  CHECK(base::ParseInt64("-1796000000") == -1796000000);
  CHECK(base::ParseInt64("9223372036854775807") == INT64_MAX);
  for (const char* bad : {"", " 1", "1 ", "12x", "x", "+1", "0x10", "9223372036854775808", "1.5"}) {
    INFO(bad);
    CHECK_FALSE(base::ParseInt64(bad).has_value());
  }
}
