#include <catch2/catch.hpp>

#include "kiosk/i18n.h"
#include "sync/delivery.h"
#include "sync/sync_problem.h"

#ifndef STATION_ASSETS_DIR
#error "STATION_ASSETS_DIR must point at the source assets"
#endif

using kiosk::Translations;

TEST_CASE("Every catalog key is present in every language", "[kiosk][i18n]") {
  auto translations = Translations::LoadDirectory(STATION_ASSETS_DIR "/i18n");
  REQUIRE(translations.ok());
  const auto languages = translations->Languages();
  REQUIRE(languages.size() >= 2);
  for (const auto& [tag, name] : languages) {
    INFO("language " << tag);
    CHECK(translations->MissingKeys(tag).empty());
    for (const std::string& key : translations->MissingKeys(tag)) UNSCOPED_INFO("missing " << key);
  }
}

TEST_CASE("Every sync problem, USB outcome and kind of transfer the engine records has a sentence in every language",
          "[kiosk][i18n]") {
  auto translations = Translations::LoadDirectory(STATION_ASSETS_DIR "/i18n");
  REQUIRE(translations.ok());
  std::vector<std::string> keys;
  for (std::string_view code : station_sync::problem::kRoundCodes) keys.push_back("admin.sync.problem." + std::string(code));
  for (std::string_view code : station_sync::problem::kUsbCodes) keys.push_back("admin.usb.error." + std::string(code));
  for (std::string_view kind : station_sync::progress::kKinds) keys.push_back("admin.sync.what." + std::string(kind));
  for (const auto& [tag, name] : translations->Languages()) {
    for (const std::string& key : keys) {
      INFO(tag << ": " << key);
      CHECK(translations->Text(tag, key) != key);
    }
  }
}

TEST_CASE("Chinese is the default and other languages fall back to it", "[kiosk][i18n]") {
  auto zh = kiosk::ParseCatalog("zh-CN", R"({"_meta":{"name":"中文"},"a":"甲","b":"乙"})");
  auto en = kiosk::ParseCatalog("en", R"({"_meta":{"name":"English"},"a":"A"})");
  REQUIRE(zh.ok());
  REQUIRE(en.ok());
  auto translations = Translations::FromCatalogs({*zh, *en});
  REQUIRE(translations.ok());
  CHECK(translations->Text("en", "a") == "A");
  CHECK(translations->Text("en", "b") == "乙");
  CHECK(translations->Text("ug", "a") == "甲");
  CHECK(translations->Text("zh-CN", "no.such.key") == "no.such.key");
  CHECK(translations->MissingKeys("en") == std::vector<std::string>{"b"});
}

TEST_CASE("A catalog set without the reference language is refused", "[kiosk][i18n]") {
  auto en = kiosk::ParseCatalog("en", R"({"a":"A"})");
  REQUIRE(en.ok());
  CHECK_FALSE(Translations::FromCatalogs({*en}).ok());
}

TEST_CASE("Malformed catalogs are refused with a reason", "[kiosk][i18n]") {
  auto [text, why] = GENERATE(table<const char*, const char*>({
      {"[1,2]", "not a JSON object"},
      {"{\"a\": 3}", "not a string"},
      {"{\"a\": ", "not a JSON object"},
  }));
  auto catalog = kiosk::ParseCatalog("xx", text);
  REQUIRE_FALSE(catalog.ok());
  CHECK_THAT(catalog.error().message, Catch::Contains(why));
}

TEST_CASE("Placeholders are filled by name", "[kiosk][i18n]") {
  CHECK(kiosk::Format("还可以试 {n} 次", {{"n", "3"}}) == "还可以试 3 次");
  CHECK(kiosk::Format("{a}{a}{b}", {{"a", "x"}, {"b", "{a}"}}) == "xx{a}");
  CHECK(kiosk::Format("{unknown}", {}) == "{unknown}");
}
