#include "kiosk/i18n.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "base/files.h"

namespace kiosk {

base::Result<Catalog> ParseCatalog(std::string_view tag, std::string_view json) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    return base::MakeError(base::ErrorCode::kInvalidInput,
                           "catalog " + std::string(tag) + " is not a JSON object");
  }
  Catalog catalog;
  catalog.tag = tag;
  catalog.name = catalog.tag;
  for (auto& [key, value] : doc.items()) {
    if (key == "_meta") {
      if (value.contains("name") && value["name"].is_string()) catalog.name = value["name"];
      catalog.right_to_left = value.value("direction", "ltr") == "rtl";
      continue;
    }
    if (!value.is_string()) {
      return base::MakeError(base::ErrorCode::kInvalidInput,
                             "catalog " + catalog.tag + ": key " + key + " is not a string");
    }
    catalog.texts[key] = value.get<std::string>();
  }
  return catalog;
}

base::Result<Translations> Translations::LoadDirectory(const std::string& dir) {
  std::vector<Catalog> catalogs;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".json") continue;
    auto bytes = base::ReadFile(entry.path().string());
    if (!bytes) return bytes.error();
    auto catalog = ParseCatalog(entry.path().stem().string(), *bytes);
    if (!catalog) return catalog.error();
    catalogs.push_back(std::move(*catalog));
  }
  if (ec) return base::MakeError(base::ErrorCode::kNotFound, "cannot read " + dir + ": " + ec.message());
  return FromCatalogs(std::move(catalogs));
}

base::Result<Translations> Translations::FromCatalogs(std::vector<Catalog> catalogs) {
  std::sort(catalogs.begin(), catalogs.end(),
            [](const Catalog& a, const Catalog& b) { return a.tag < b.tag; });
  Translations translations;
  translations.catalogs_ = std::move(catalogs);
  if (!translations.Find(kReferenceLanguage)) {
    return base::MakeError(base::ErrorCode::kNotFound,
                           "no catalog for the reference language zh-CN");
  }
  return translations;
}

const Catalog* Translations::Find(std::string_view language) const {
  for (const Catalog& catalog : catalogs_) {
    if (catalog.tag == language) return &catalog;
  }
  return nullptr;
}

const std::string& Translations::Text(std::string_view language, std::string_view key) const {
  for (const Catalog* catalog : {Find(language), Find(kReferenceLanguage)}) {
    if (!catalog) continue;
    auto it = catalog->texts.find(std::string(key));
    if (it != catalog->texts.end()) return it->second;
  }
  // Keep the key alive so the returned reference stays valid.
  static thread_local std::set<std::string, std::less<>> unknown_keys;
  return *unknown_keys.emplace(key).first;
}

bool Translations::HasLanguage(std::string_view language) const {
  return Find(language) != nullptr;
}

std::vector<std::pair<std::string, std::string>> Translations::Languages() const {
  std::vector<std::pair<std::string, std::string>> languages;
  for (const Catalog& catalog : catalogs_) languages.emplace_back(catalog.tag, catalog.name);
  return languages;
}

std::vector<std::string> Translations::MissingKeys(std::string_view language) const {
  const Catalog* target = Find(language);
  std::set<std::string> missing;
  for (const Catalog& catalog : catalogs_) {
    for (const auto& [key, text] : catalog.texts) {
      if (!target || !target->texts.count(key)) missing.insert(key);
    }
  }
  return {missing.begin(), missing.end()};
}

std::vector<std::string> Translations::AllTexts() const {
  std::vector<std::string> texts;
  for (const Catalog& catalog : catalogs_) {
    texts.push_back(catalog.name);
    for (const auto& [key, text] : catalog.texts) texts.push_back(text);
  }
  return texts;
}

std::string Format(std::string_view text,
                   const std::vector<std::pair<std::string, std::string>>& values) {
  std::string out(text);
  for (const auto& [name, value] : values) {
    const std::string placeholder = "{" + name + "}";
    for (size_t at = out.find(placeholder); at != std::string::npos;
         at = out.find(placeholder, at + value.size())) {
      out.replace(at, placeholder.size(), value);
    }
  }
  return out;
}

}  // namespace kiosk
