// County IT's view of its stations (county stations / county station): what
// each health report says, and what needs a look.

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "county/console.h"
#include "tests/county/county_fixture.h"

namespace {

using nlohmann::json;

bool Has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

TEST_CASE("county stations names what needs a look: low disk, a clock far off, silence, new problems", "[county]") {
  test::CountyUnderTest county;
  auto keys = county::LoadCountyPublicKeys(county.paths());
  REQUIRE(keys.ok());
  test::StationUnderTest unwatched(keys->box);
  httplib::Client client = county.Client();
  const std::string token = unwatched.Enrol(client, county.EnrolCode());
  auto station = county.store().StationByToken(token);
  REQUIRE(station.ok());
  REQUIRE(station->has_value());
  const std::int64_t now = test::kCountyNow;

  SECTION("enrolled but never synced") {
    auto rows = county::ListStations(county.store(), now);
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == 1);
    CHECK(rows->front().last_heard_at == 0);
    CHECK(Has(rows->front().attention, "never synced"));
  }
  SECTION("the newest health report decides disk, version and clock; problems come from the last few") {
    const json older = {{"free_disk_bytes", 9'000'000'000}, {"versions", {{"station", "0.4.0"}}},
                        {"last_errors", {"E sync: old trouble"}}, {"station_time", now - 7200}};
    const json newest = {{"free_disk_bytes", 800'000'000}, {"versions", {{"station", "0.5.0"}}},
                         {"last_errors", {"W kiosk: a", "E player: b"}}, {"station_time", now - 3600 + 1500}};
    REQUIRE(county.store().TakeHealth(**station, older.dump(), now - 7200).ok());
    REQUIRE(county.store().TakeHealth(**station, newest.dump(), now - 3600).ok());
    auto rows = county::ListStations(county.store(), now);
    REQUIRE(rows.ok());
    const county::StationRow& row = rows->front();
    CHECK(row.last_heard_at == now - 3600);
    CHECK(row.version == "0.5.0");
    CHECK(row.free_disk_bytes == 800'000'000);
    CHECK(row.clock_offset_s == 1500);
    CHECK(row.problems == std::vector<std::string>{"W kiosk: a", "E player: b", "E sync: old trouble"});
    CHECK(Has(row.attention, "disk low: 0.8 GB"));
    CHECK(Has(row.attention, "clock off by 25 min"));
    CHECK(Has(row.attention, "2 new problem(s)"));
    CHECK_FALSE(Has(row.attention, "never synced"));

    auto days_later = county::ListStations(county.store(), now + 4 * 86400);
    REQUIRE(days_later.ok());
    CHECK(Has(days_later->front().attention, "silent 4 days"));
  }
  SECTION("a health report of the wrong shape is refused and changes nothing") {
    for (const char* body : {R"({"free_disk_bytes": "lots"})", R"({"versions": ["0.5.0"]})",
                             R"({"versions": {"station": 5}})", R"({"station_time": -1})", "[]"}) {
      CHECK_FALSE(county.store().TakeHealth(**station, body, now).ok());
    }
    auto rows = county::ListStations(county.store(), now);
    REQUIRE(rows.ok());
    CHECK(rows->front().last_heard_at == 0);
  }
}
