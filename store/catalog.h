// The content catalog file (content/catalog.json) as the station reads it:
// parsed and checked before a single row changes. Anything it cannot trust
// (bad JSON, a missing field, a path with "..", a duplicate id) refuses the
// whole catalog with a message naming the lesson and the field, so the
// previous catalog stays installed.
//
// Format 1:
//   { "format": 1, "catalog_version": N,
//     "lessons": [ { "id", "title", "category", "summary", "language",
//                    "duration_ms", "added_at": "2026-11-22T10:05:28Z",
//                    "media", "subtitles"?, "thumbnail"?, "files": [...] } ] }
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/lessons.h"

namespace store {

struct Catalog {
  std::int64_t version = 0;
  std::vector<Lesson> lessons;
};

base::Result<Catalog> ParseCatalog(std::string_view json_text);

// A path inside the content directory: relative, no "..", no empty or "."
// parts, no backslashes or NULs.
bool IsSafeRelativePath(std::string_view path);

// "2026-11-22T10:05:28Z" -> unix seconds (UTC only).
base::Result<std::int64_t> ParseUtcTimestamp(std::string_view text);

// Reads <content_dir>/catalog.json and makes it the installed catalog.
// Returns the number of lessons installed.
base::Result<int> ImportCatalogFile(LessonLibrary& library, const std::string& content_dir);

}  // namespace store
