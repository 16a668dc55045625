#include "store/catalog.h"

#include <ctime>
#include <set>

#include <nlohmann/json.hpp>

#include "base/files.h"

namespace store {
namespace {

using nlohmann::json;

constexpr int kFormat = 1;
constexpr std::size_t kMaxTextBytes = 4096;

base::Error Invalid(const std::string& what) {
  return base::MakeError(base::ErrorCode::kInvalidInput, "catalog refused: " + what);
}

// A string field; `required` fields must be present and non-empty.
base::Result<std::string> TextField(const json& object, const char* name, bool required) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    if (required) return Invalid(std::string("missing \"") + name + "\"");
    return std::string();
  }
  if (!it->is_string()) return Invalid(std::string("\"") + name + "\" is not text");
  std::string value = it->get<std::string>();
  if (required && value.empty()) return Invalid(std::string("\"") + name + "\" is empty");
  if (value.size() > kMaxTextBytes) return Invalid(std::string("\"") + name + "\" is too long");
  return value;
}

base::Result<std::string> PathField(const json& object, const char* name, bool required) {
  base::Result<std::string> path = TextField(object, name, required);
  if (path.ok() && !path->empty() && !IsSafeRelativePath(*path)) {
    return Invalid(std::string("\"") + name + "\" is not a safe relative path: " + *path);
  }
  return path;
}

bool IsSafeId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

base::Result<Lesson> ParseLesson(const json& item) {
  if (!item.is_object()) return Invalid("a lesson is not an object");
  Lesson lesson;
  base::Result<std::string> id = TextField(item, "id", true);
  if (!id.ok()) return id.error();
  if (!IsSafeId(*id)) return Invalid("lesson id \"" + *id + "\" has characters outside [A-Za-z0-9._-]");
  lesson.id = *id;
  auto in_lesson = [&](const base::Error& e) { return Invalid("lesson " + lesson.id + ": " + e.message); };

  struct { const char* name; std::string* target; bool required; bool is_path; } fields[] = {
      {"title", &lesson.title, true, false},          {"category", &lesson.category, true, false},
      {"summary", &lesson.summary, false, false},     {"language", &lesson.language, false, false},
      {"media", &lesson.media_path, true, true},      {"subtitles", &lesson.subtitle_path, false, true},
      {"thumbnail", &lesson.thumbnail_path, false, true},
  };
  for (const auto& field : fields) {
    base::Result<std::string> value =
        field.is_path ? PathField(item, field.name, field.required) : TextField(item, field.name, field.required);
    if (!value.ok()) return in_lesson(value.error());
    *field.target = std::move(value).value();
  }
  const auto duration = item.find("duration_ms");
  if (duration != item.end()) {
    if (!duration->is_number_integer() || duration->get<std::int64_t>() < 0) {
      return in_lesson(Invalid("\"duration_ms\" is not a non-negative integer"));
    }
    lesson.duration_ms = duration->get<std::int64_t>();
  }
  base::Result<std::string> added = TextField(item, "added_at", true);
  if (!added.ok()) return in_lesson(added.error());
  base::Result<std::int64_t> added_at = ParseUtcTimestamp(*added);
  if (!added_at.ok()) return in_lesson(added_at.error());
  lesson.added_at = *added_at;
  return lesson;
}

}  // namespace

bool IsSafeRelativePath(std::string_view path) {
  if (path.empty() || path.size() > 1024 || path.front() == '/') return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  for (char c : path) {
    if (c == '\\' || c == '\0' || static_cast<unsigned char>(c) < 0x20) return false;
  }
  return true;
}

base::Result<std::int64_t> ParseUtcTimestamp(std::string_view text) {
  std::tm tm{};
  const std::string copy(text);
  const char* end = strptime(copy.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0') return Invalid("\"" + copy + "\" is not a UTC time like 2026-11-22T10:05:28Z");
  return static_cast<std::int64_t>(timegm(&tm));
}

base::Result<Catalog> ParseCatalog(std::string_view json_text) {
  json document = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return Invalid("not valid JSON");
  if (!document.is_object()) return Invalid("not a JSON object");
  const auto format = document.find("format");
  if (format == document.end() || !format->is_number_integer()) return Invalid("no \"format\" number");
  if (format->get<int>() != kFormat) {
    return base::MakeError(base::ErrorCode::kTooNew,
                           "catalog refused: format " + format->dump() + " is not one this station reads (1)");
  }
  Catalog catalog;
  const auto version = document.find("catalog_version");
  if (version != document.end() && version->is_number_integer()) catalog.version = version->get<std::int64_t>();
  const auto lessons = document.find("lessons");
  if (lessons == document.end() || !lessons->is_array()) return Invalid("no \"lessons\" list");
  std::set<std::string> ids;
  for (const json& item : *lessons) {
    base::Result<Lesson> lesson = ParseLesson(item);
    if (!lesson.ok()) return lesson.error();
    if (!ids.insert(lesson->id).second) return Invalid("lesson id " + lesson->id + " appears twice");
    catalog.lessons.push_back(std::move(lesson).value());
  }
  return catalog;
}

base::Result<int> ImportCatalogFile(LessonLibrary& library, const std::string& content_dir) {
  base::Result<std::string> text = base::ReadFile(content_dir + "/catalog.json");
  if (!text.ok()) return text.error();
  base::Result<Catalog> catalog = ParseCatalog(*text);
  if (!catalog.ok()) return catalog.error();
  if (base::Status replaced = library.ReplaceCatalog(catalog->lessons); !replaced.ok()) return replaced.error();
  return static_cast<int>(catalog->lessons.size());
}

}  // namespace store
