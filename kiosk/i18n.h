// Translation catalogs: every string a person sees comes from here.
// One JSON file per language in assets/i18n/<tag>.json: a flat object of
// "key": "text", plus "_meta": {"name": ..., "direction": "ltr"|"rtl"}.
// Texts may hold {name} placeholders filled by Format().
// zh-CN is the reference language: a key missing elsewhere falls back to it.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace kiosk {

inline constexpr std::string_view kReferenceLanguage = "zh-CN";

struct Catalog {
  std::string tag;                          // "zh-CN"
  std::string name;                         // in its own script: "中文"
  bool right_to_left = false;               // room for Uyghur; not shaped yet
  std::map<std::string, std::string> texts;
};

base::Result<Catalog> ParseCatalog(std::string_view tag, std::string_view json);

class Translations {
 public:
  // Loads every *.json in `dir`. Fails if the reference language is missing.
  static base::Result<Translations> LoadDirectory(const std::string& dir);
  static base::Result<Translations> FromCatalogs(std::vector<Catalog> catalogs);

  // The text for `key` in `language`, else in the reference language, else
  // the key itself (so a gap shows up on screen instead of as blank).
  const std::string& Text(std::string_view language, std::string_view key) const;
  bool HasLanguage(std::string_view language) const;
  std::vector<std::pair<std::string, std::string>> Languages() const;  // tag, name

  // Keys present in some catalog but absent in `language`.
  std::vector<std::string> MissingKeys(std::string_view language) const;
  // Every text of every catalog, language names included (for the glyph set).
  std::vector<std::string> AllTexts() const;

 private:
  const Catalog* Find(std::string_view language) const;
  std::vector<Catalog> catalogs_;
};

// Replaces {name} with its value; unknown placeholders are left as they are.
std::string Format(std::string_view text,
                   const std::vector<std::pair<std::string, std::string>>& values);

}  // namespace kiosk
