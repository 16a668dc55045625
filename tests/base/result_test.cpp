#include <catch2/catch.hpp>

#include <set>
#include <string>

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
