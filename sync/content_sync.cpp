#include "sync/content_sync.h"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/files.h"
#include "base/log.h"
#include "store/catalog.h"
#include "store/sql.h"
#include "store/store.h"
#include "sync/file_system.h"

namespace station_sync {
namespace {

using nlohmann::json;

constexpr const char* kLog = "content";
constexpr const char* kVersionSetting = "content.catalog_version";
// The content key that signed it: versions only go up under one signer; a
// station enrolled with another county starts that county's versions afresh.
constexpr const char* kVersionKeySetting = "content.catalog_key";
constexpr std::size_t kMaxTextBytes = 64 * 1024;
constexpr const char* kBlobPrefix = "blobs/";

base::Error Refused(const std::string& why) {
  return base::MakeError(base::ErrorCode::kInvalidInput, "catalog refused: " + why);
}

// ---- Parsing helpers: every one names the field it refuses.

base::Result<std::string> Text(const json& object, const char* name, bool required) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    if (required) return Refused(std::string("missing \"") + name + "\"");
    return std::string();
  }
  if (!it->is_string()) return Refused(std::string("\"") + name + "\" is not text");
  std::string value = it->get<std::string>();
  if (required && value.empty()) return Refused(std::string("\"") + name + "\" is empty");
  if (value.size() > kMaxTextBytes) return Refused(std::string("\"") + name + "\" is too long");
  return value;
}

base::Result<std::int64_t> Integer(const json& object, const char* name, std::int64_t minimum) {
  const auto it = object.find(name);
  if (it == object.end()) return Refused(std::string("missing \"") + name + "\"");
  if (!it->is_number_integer()) return Refused(std::string("\"") + name + "\" is not an integer");
  const std::int64_t value = it->get<std::int64_t>();
  if (value < minimum) return Refused(std::string("\"") + name + "\" is below " + std::to_string(minimum));
  return value;
}

bool IsSafeId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

base::Result<std::optional<CatalogBlob>> Blob(const json& object, const char* name, bool required) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    if (required) return Refused(std::string("missing \"") + name + "\"");
    return std::optional<CatalogBlob>();
  }
  const auto in_field = [&](const base::Error& e) { return Refused(std::string("\"") + name + "\": " + e.message.substr(17)); };
  if (!it->is_object()) return Refused(std::string("\"") + name + "\" is not an object");
  CatalogBlob blob;
  auto sha = Text(*it, "sha256", true);
  if (!sha) return in_field(sha.error());
  if (!IsSha256Hex(*sha)) return Refused(std::string("\"") + name + "\".sha256 is not 64 lowercase hex digits");
  auto size = Integer(*it, "size", 0);
  if (!size) return in_field(size.error());
  auto file_name = Text(*it, "name", true);
  if (!file_name) return in_field(file_name.error());
  if (!IsSafeFileName(*file_name)) {
    return Refused(std::string("\"") + name + "\".name is not a safe file name: " + json(*file_name).dump());
  }
  blob.sha256 = *sha;
  blob.size_bytes = *size;
  blob.name = *file_name;
  return std::optional<CatalogBlob>(std::move(blob));
}

base::Result<CatalogLesson> ParseLesson(const json& item) {
  if (!item.is_object()) return Refused("a lesson is not an object");
  CatalogLesson lesson;
  auto id = Text(item, "id", true);
  if (!id) return id.error();
  if (!IsSafeId(*id)) return Refused("lesson id " + json(*id).dump() + " is not 1-64 of [A-Za-z0-9._-]");
  lesson.id = *id;
  const auto in_lesson = [&](const base::Error& e) { return Refused("lesson " + lesson.id + ": " + e.message.substr(17)); };
  struct { const char* name; std::string* target; bool required; } texts[] = {
      {"title", &lesson.title, true}, {"category", &lesson.category, true},
      {"summary", &lesson.summary, false}, {"language", &lesson.language, false}};
  for (const auto& field : texts) {
    auto value = Text(item, field.name, field.required);
    if (!value) return in_lesson(value.error());
    *field.target = std::move(value).value();
  }
  if (lesson.language.empty()) lesson.language = "zh-CN";
  auto duration = Integer(item, "duration_s", 0);
  if (!duration) return in_lesson(duration.error());
  lesson.duration_s = *duration;
  auto published = Integer(item, "published_at", 0);
  if (!published) return in_lesson(published.error());
  lesson.published_at = *published;
  auto file = Blob(item, "file", true);
  if (!file) return in_lesson(file.error());
  lesson.file = **file;
  auto subtitles = Blob(item, "subtitles", false);
  if (!subtitles) return in_lesson(subtitles.error());
  lesson.subtitles = *subtitles;
  auto thumbnail = Blob(item, "thumbnail", false);
  if (!thumbnail) return in_lesson(thumbnail.error());
  lesson.thumbnail = *thumbnail;
  return lesson;
}

base::Result<CatalogNotice> ParseNotice(const json& item) {
  if (!item.is_object()) return Refused("a notice is not an object");
  CatalogNotice notice;
  auto id = Text(item, "id", true);
  if (!id) return id.error();
  if (!IsSafeId(*id)) return Refused("notice id " + json(*id).dump() + " is not 1-64 of [A-Za-z0-9._-]");
  notice.id = *id;
  auto title = Text(item, "title", true);
  auto text = Text(item, "text", false);
  auto published = Integer(item, "published_at", 0);
  if (!title) return title.error();
  if (!text) return text.error();
  if (!published) return published.error();
  notice.title = *title;
  notice.text = *text;
  notice.published_at = *published;
  return notice;
}

std::string UtcText(std::int64_t unix_s) {
  const std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// "blobs/<sha>" -> sha; "" for a path that is not a blob's.
std::string ShaOfPath(const std::string& path) {
  if (path.rfind(kBlobPrefix, 0) != 0) return "";
  std::string sha = path.substr(std::string_view(kBlobPrefix).size());
  return IsSha256Hex(sha) ? sha : "";
}

double UnitRandom() { return static_cast<double>(randombytes_uniform(1'000'000)) / 1'000'000.0; }

}  // namespace

// ---- The catalog ---------------------------------------------------------------

std::vector<CatalogBlob> CatalogLesson::Blobs() const {
  std::vector<CatalogBlob> blobs;
  if (thumbnail) blobs.push_back(*thumbnail);
  if (subtitles) blobs.push_back(*subtitles);
  blobs.push_back(file);
  return blobs;
}

std::set<std::string> ContentCatalog::BlobShas() const {
  std::set<std::string> shas;
  for (const CatalogLesson& lesson : lessons) {
    for (const CatalogBlob& blob : lesson.Blobs()) shas.insert(blob.sha256);
  }
  return shas;
}

PassProgress::PassProgress(const std::vector<CatalogBlob>& files) {
  for (const CatalogBlob& file : files) total_ += file.size_bytes;
}

void PassProgress::FileEnded(const CatalogBlob& file, bool arrived) {
  if (arrived) done_before_ += file.size_bytes;
  else total_ -= file.size_bytes;
}

std::string ContentCatalog::LessonTitleOf(const std::string& sha256) const {
  for (const CatalogLesson& lesson : lessons) {
    for (const CatalogBlob& blob : lesson.Blobs()) {
      if (blob.sha256 == sha256) return lesson.title;
    }
  }
  return "";
}

bool IsSafeFileName(std::string_view name) {
  if (name.empty() || name.size() > 100 || name == "." || name == "..") return false;
  for (char c : name) {
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return false;
  }
  return true;
}

base::Result<ContentCatalog> ParseContentCatalog(std::string_view text) {
  if (static_cast<std::int64_t>(text.size()) > kMaxCatalogBytes) {
    return Refused(std::to_string(text.size()) + " bytes, over the 8 MiB limit");
  }
  const json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return Refused("not valid JSON");
  if (!document.is_object()) return Refused("not a JSON object");
  const auto format = document.find("format");
  if (format == document.end() || !format->is_number_integer() || format->get<std::int64_t>() != 2) {
    return Refused("\"format\" is not 2");
  }
  ContentCatalog catalog;
  auto version = Integer(document, "version", 1);
  auto published = Integer(document, "published_at", 0);
  auto expires = Integer(document, "expires_at", 0);
  if (!version) return version.error();
  if (!published) return published.error();
  if (!expires) return expires.error();
  catalog.version = *version;
  catalog.published_at = *published;
  catalog.expires_at = *expires;
  if (catalog.expires_at <= catalog.published_at) return Refused("\"expires_at\" is not after \"published_at\"");

  const auto lessons = document.find("lessons");
  if (lessons == document.end() || !lessons->is_array()) return Refused("no \"lessons\" list");
  std::set<std::string> ids;
  for (const json& item : *lessons) {
    auto lesson = ParseLesson(item);
    if (!lesson) return lesson.error();
    if (!ids.insert(lesson->id).second) return Refused("lesson id " + lesson->id + " appears twice");
    catalog.lessons.push_back(std::move(lesson).value());
  }
  const auto notices = document.find("notices");
  if (notices != document.end() && !notices->is_array()) return Refused("\"notices\" is not a list");
  if (notices != document.end()) {
    std::set<std::string> notice_ids;
    for (const json& item : *notices) {
      auto notice = ParseNotice(item);
      if (!notice) return notice.error();
      if (!notice_ids.insert(notice->id).second) return Refused("notice id " + notice->id + " appears twice");
      catalog.notices.push_back(std::move(notice).value());
    }
  }
  // One sha is one set of bytes: two sizes for it cannot both be right.
  std::map<std::string, std::int64_t> sizes;
  for (const CatalogLesson& lesson : catalog.lessons) {
    for (const CatalogBlob& blob : lesson.Blobs()) {
      const auto [it, inserted] = sizes.emplace(blob.sha256, blob.size_bytes);
      if (!inserted && it->second != blob.size_bytes) return Refused("blob " + blob.sha256 + " has two sizes");
    }
  }
  return catalog;
}

base::Result<ContentCatalog> VerifyCatalog(std::string_view text, std::string_view signature,
                                           const minisign::PublicKey& key, const CatalogJudgement& judgement) {
  if (static_cast<std::int64_t>(text.size()) > kMaxCatalogBytes) {
    return Refused(std::to_string(text.size()) + " bytes, over the 8 MiB limit");
  }
  if (auto verified = minisign::Verify(text, signature, key); !verified) return Refused(verified.error().message);
  auto catalog = ParseContentCatalog(text);
  if (!catalog) return catalog.error();
  if (!judgement.accepted_text.empty() && text == judgement.accepted_text) return catalog;
  if (catalog->version <= judgement.accepted_version) {
    return Refused("version " + std::to_string(catalog->version) + " is not newer than the installed version " +
                   std::to_string(judgement.accepted_version) + " (no rollback)");
  }
  if (catalog->expires_at <= judgement.now_s) {
    return Refused("version " + std::to_string(catalog->version) + " expired at " + UtcText(catalog->expires_at) +
                   " (now " + UtcText(judgement.now_s) + ")");
  }
  return catalog;
}

store::Lesson ToStoreLesson(const CatalogLesson& lesson) {
  store::Lesson out;
  out.id = lesson.id;
  out.title = lesson.title;
  out.category = lesson.category;
  out.summary = lesson.summary;
  out.language = lesson.language;
  out.duration_ms = lesson.duration_s * 1000;
  out.added_at = lesson.published_at;
  out.media_path = kBlobPrefix + lesson.file.sha256;
  if (lesson.subtitles) out.subtitle_path = kBlobPrefix + lesson.subtitles->sha256;
  if (lesson.thumbnail) out.thumbnail_path = kBlobPrefix + lesson.thumbnail->sha256;
  return out;
}

std::vector<store::Lesson> LessonsToInstall(const ContentCatalog& catalog,
                                            const std::function<bool(const std::string& sha)>& have,
                                            const std::vector<store::Lesson>& installed) {
  std::map<std::string, const store::Lesson*> installed_by_id;
  for (const store::Lesson& lesson : installed) installed_by_id[lesson.id] = &lesson;
  const auto files_present = [&](const store::Lesson& lesson) {
    for (const std::string* path : {&lesson.media_path, &lesson.subtitle_path, &lesson.thumbnail_path}) {
      if (path->empty()) continue;
      const std::string sha = ShaOfPath(*path);
      if (sha.empty() || !have(sha)) return false;
    }
    return true;
  };
  std::vector<store::Lesson> lessons;
  for (const CatalogLesson& lesson : catalog.lessons) {
    const auto blobs = lesson.Blobs();
    if (std::all_of(blobs.begin(), blobs.end(), [&](const CatalogBlob& b) { return have(b.sha256); })) {
      lessons.push_back(ToStoreLesson(lesson));
      continue;
    }
    const auto old = installed_by_id.find(lesson.id);
    if (old != installed_by_id.end() && files_present(*old->second)) lessons.push_back(*old->second);
  }
  return lessons;
}

std::string FormatCatalogV1(const std::vector<store::Lesson>& lessons, std::int64_t version) {
  json list = json::array();
  for (const store::Lesson& lesson : lessons) {
    json item = {{"id", lesson.id},           {"title", lesson.title},
                 {"category", lesson.category}, {"summary", lesson.summary},
                 {"language", lesson.language}, {"duration_ms", lesson.duration_ms},
                 {"added_at", UtcText(lesson.added_at)}, {"media", lesson.media_path}};
    if (!lesson.subtitle_path.empty()) item["subtitles"] = lesson.subtitle_path;
    if (!lesson.thumbnail_path.empty()) item["thumbnail"] = lesson.thumbnail_path;
    list.push_back(std::move(item));
  }
  json document = {{"format", 1}, {"catalog_version", version}, {"lessons", std::move(list)}};
  return document.dump(1) + "\n";
}

std::string FormatNotices(const std::vector<CatalogNotice>& notices) {
  json list = json::array();
  for (const CatalogNotice& n : notices) {
    list.push_back({{"id", n.id}, {"title", n.title}, {"text", n.text}, {"published_at", n.published_at}});
  }
  return list.dump();
}

std::vector<CatalogNotice> LoadNotices(const store::Store& store) {
  std::vector<CatalogNotice> notices;
  const json list = json::parse(store.GetSetting(kNoticesSetting).value_or("[]"), nullptr, false);
  if (!list.is_array()) return notices;
  for (const json& item : list) {
    if (auto notice = ParseNotice(item)) notices.push_back(std::move(notice).value());
  }
  std::stable_sort(notices.begin(), notices.end(),
                   [](const CatalogNotice& a, const CatalogNotice& b) { return a.published_at > b.published_at; });
  return notices;
}

// ---- ContentLibrary ------------------------------------------------------------

ContentLibrary::ContentLibrary(store::Store& store, std::string data_dir, minisign::PublicKey content_key,
                               Clock& clock)
    : store_(store),
      data_dir_(std::move(data_dir)),
      content_dir_(data_dir_ + "/content"),
      blobs_dir_(content_dir_ + "/blobs"),
      downloads_dir_(data_dir_ + "/downloads"),
      key_(content_key),
      clock_(clock) {}

bool ContentLibrary::AcceptedUnderOtherKey() const {
  const auto signer = store_.GetSetting(kVersionKeySetting);
  return signer && *signer != minisign::PublicKeyLine(key_);
}

std::int64_t RecordedCatalogVersion(const store::Store& store) {
  const auto text = store.GetSetting(kVersionSetting);
  if (!text) return 0;
  try {
    return std::stoll(*text);
  } catch (...) {
    return 0;
  }
}

std::int64_t ContentLibrary::accepted_version() const {
  return AcceptedUnderOtherKey() ? 0 : RecordedCatalogVersion(store_);
}

base::Result<std::optional<ContentCatalog>> ContentLibrary::Accepted() {
  // Another county's catalog: its lessons stay offered until this county's arrives.
  if (AcceptedUnderOtherKey()) return std::optional<ContentCatalog>();
  auto bytes = base::ReadFile(content_dir_ + "/catalog.signed.json");
  if (!bytes) {
    if (bytes.error().code == base::ErrorCode::kNotFound) return std::optional<ContentCatalog>();
    return bytes.error();
  }
  const json saved = json::parse(*bytes, nullptr, false);
  if (!saved.is_object() || !saved.value("catalog", json()).is_string() || !saved.value("signature", json()).is_string()) {
    return base::MakeError(base::ErrorCode::kCorrupt, content_dir_ + "/catalog.signed.json is damaged");
  }
  const std::string text = saved["catalog"];
  if (auto verified = minisign::Verify(text, saved["signature"].get<std::string>(), key_); !verified) {
    return base::MakeError(base::ErrorCode::kCorrupt, "the accepted catalog no longer verifies: " + verified.error().message);
  }
  auto catalog = ParseContentCatalog(text);
  if (!catalog) return base::MakeError(base::ErrorCode::kCorrupt, catalog.error().message);
  return std::optional<ContentCatalog>(std::move(catalog).value());
}

base::Result<AcceptOutcome> ContentLibrary::Accept(std::string_view text, std::string_view signature,
                                                   std::optional<std::int64_t> county_now_s) {
  CatalogJudgement judgement;
  judgement.accepted_version = accepted_version();
  judgement.now_s = county_now_s.value_or(clock_.NowSeconds());
  if (auto bytes = base::ReadFile(content_dir_ + "/catalog.signed.json")) {
    const json saved = json::parse(*bytes, nullptr, false);
    if (saved.is_object() && saved.value("catalog", json()).is_string() && !AcceptedUnderOtherKey()) {
      judgement.accepted_text = saved["catalog"];
    }
  }
  auto catalog = VerifyCatalog(text, signature, key_, judgement);
  if (!catalog) {
    base::LogError(kLog, catalog.error().message + "; the installed content stays");
    return catalog.error();
  }
  if (text == judgement.accepted_text) {
    // The file is the accepted catalog; a power cut may have come before
    // its version was recorded (then every request would name the old one
    // and the notices would never show): record it again if so.
    if (judgement.accepted_version != catalog->version) {
      base::LogWarn(kLog, "catalog version " + std::to_string(catalog->version) + " was kept but not recorded; recorded now");
      if (auto recorded = RecordAccepted(*catalog); !recorded) return recorded.error();
    }
    return AcceptOutcome::kSame;
  }
  const json saved = {{"catalog", std::string(text)}, {"signature", std::string(signature)}};
  if (auto made = base::MakeDirectories(content_dir_); !made) return made.error();
  if (auto written = base::WriteFileDurably(content_dir_ + "/catalog.signed.json", saved.dump()); !written) {
    return written.error();
  }
  if (auto recorded = RecordAccepted(*catalog); !recorded) return recorded.error();
  base::LogInfo(kLog, "catalog version " + std::to_string(catalog->version) + " accepted: " +
                          std::to_string(catalog->lessons.size()) + " lessons, " +
                          std::to_string(Missing(*catalog).size()) + " files to fetch");
  return AcceptOutcome::kNew;
}

// The accepted catalog's version, its key and its notices, in one transaction.
base::Status ContentLibrary::RecordAccepted(const ContentCatalog& catalog) {
  auto transaction = store::sql::Transaction::Begin(store_.handle());
  if (!transaction) return transaction.error();
  if (auto recorded = store_.SetSetting(kVersionSetting, std::to_string(catalog.version)); !recorded) return recorded;
  if (auto recorded = store_.SetSetting(kVersionKeySetting, minisign::PublicKeyLine(key_)); !recorded) return recorded;
  if (auto recorded = store_.SetSetting(kNoticesSetting, FormatNotices(catalog.notices)); !recorded) return recorded;
  return transaction->Commit();
}

bool ContentLibrary::Have(const CatalogBlob& blob) const {
  struct stat info {};
  return ::stat(BlobPath(blobs_dir_, blob.sha256).c_str(), &info) == 0 && info.st_size == blob.size_bytes;
}

std::vector<CatalogBlob> ContentLibrary::Missing(const ContentCatalog& catalog) const {
  std::vector<CatalogBlob> missing;
  std::set<std::string> seen;
  for (const CatalogLesson& lesson : catalog.lessons) {
    for (const CatalogBlob& blob : lesson.Blobs()) {
      if (seen.insert(blob.sha256).second && !Have(blob)) missing.push_back(blob);
    }
  }
  return missing;
}

base::Result<int> ContentLibrary::InstallComplete(const ContentCatalog& catalog) {
  store::LessonLibrary library(store_);
  auto listed = library.List(store::Shelf::kAll);
  if (!listed) return listed.error();
  std::vector<store::Lesson> installed;
  for (auto& entry : *listed) installed.push_back(std::move(entry.lesson));

  const auto have = [&](const std::string& sha) {
    struct stat info {};
    return ::stat(BlobPath(blobs_dir_, sha).c_str(), &info) == 0;
  };
  std::vector<store::Lesson> lessons = LessonsToInstall(catalog, have, installed);
  const auto by_id = [](std::vector<store::Lesson> list) {
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return list;
  };
  lessons_offered_ = static_cast<int>(lessons.size());
  if (by_id(lessons) == by_id(installed)) return lessons_offered_;

  // The kiosk reads catalog.json (titles for its glyph set) and installs it
  // when it changes: it must name the same lessons, so it is written first.
  if (auto written = base::WriteFileDurably(content_dir_ + "/catalog.json", FormatCatalogV1(lessons, catalog.version));
      !written) {
    return written.error();
  }
  if (auto replaced = library.ReplaceCatalog(lessons); !replaced) return replaced.error();
  base::LogInfo(kLog, "library now offers " + std::to_string(lessons.size()) + " of the " +
                          std::to_string(catalog.lessons.size()) + " lessons of catalog version " +
                          std::to_string(catalog.version));
  return static_cast<int>(lessons.size());
}

base::Result<int> ContentLibrary::RemoveUnreferenced(const ContentCatalog& catalog) {
  std::set<std::string> keep = catalog.BlobShas();
  store::LessonLibrary library(store_);
  auto listed = library.List(store::Shelf::kAll);
  if (!listed) return listed.error();
  for (const auto& entry : *listed) {
    for (const std::string* path : {&entry.lesson.media_path, &entry.lesson.subtitle_path, &entry.lesson.thumbnail_path}) {
      if (const std::string sha = ShaOfPath(*path); !sha.empty()) keep.insert(sha);
    }
  }
  FileSystem& fs = PosixFileSystem();
  int removed = 0;
  // blobs/<sha>, and in downloads/ <sha>.part and <sha>.part.len, also of a
  // blob installed since (a kill between its install and their removal).
  for (const std::string& dir : {blobs_dir_, downloads_dir_}) {
    auto entries = fs.List(dir);
    if (!entries) continue;
    bool changed = false;
    for (const DirectoryEntry& entry : *entries) {
      if (entry.is_directory) continue;
      const std::string sha = entry.name.substr(0, 64);
      const bool leftover = dir == downloads_dir_ && ::access((blobs_dir_ + "/" + sha).c_str(), F_OK) == 0;
      if (IsSha256Hex(sha) && keep.count(sha) > 0 && !leftover) continue;
      if (auto gone = fs.Remove(dir + "/" + entry.name); !gone) {
        base::LogWarn(kLog, gone.error().message);
        continue;
      }
      ++removed;
      changed = true;
    }
    if (changed) (void)fs.SyncDirectory(dir);
  }
  if (removed > 0) base::LogInfo(kLog, "removed " + std::to_string(removed) + " files no catalog needs");
  return removed;
}

base::Status ContentLibrary::Fill(const ContentCatalog& catalog,
                                  const std::function<base::Status(const CatalogBlob&)>& fetch,
                                  std::int64_t install_every_ms, const std::function<bool()>& stopped) {
  using SteadyClock = std::chrono::steady_clock;
  if (auto installed = InstallComplete(catalog); !installed) return installed.error();
  auto last_install = SteadyClock::now();
  std::optional<base::Error> first_error;
  base::Status outcome = base::Ok();
  for (const CatalogBlob& blob : Missing(catalog)) {
    base::Status fetched = fetch(blob);
    if (!fetched && stopped && stopped()) {
      base::LogInfo(kLog, "file " + blob.name + " (" + blob.sha256.substr(0, 12) + "): stopped; it goes on from there");
      outcome = fetched;
      break;
    }
    if (!fetched) {
      base::LogWarn(kLog, "file " + blob.name + " (" + blob.sha256.substr(0, 12) + "): " + fetched.error().message);
      if (fetched.error().code == base::ErrorCode::kUnavailable || fetched.error().code == base::ErrorCode::kDiskFull) {
        outcome = fetched;
        break;
      }
      if (!first_error) first_error = fetched.error();
      continue;
    }
    if (SteadyClock::now() - last_install >= std::chrono::milliseconds(install_every_ms)) {
      if (auto installed = InstallComplete(catalog); !installed) return installed.error();
      last_install = SteadyClock::now();
    }
  }
  if (auto installed = InstallComplete(catalog); !installed) return installed.error();
  if (!outcome) return outcome;
  if (first_error) return *first_error;
  return base::Ok();
}

// ---- ContentSync ---------------------------------------------------------------

ContentSync::ContentSync(ContentLibrary& library, ContentSyncOptions options)
    : library_(library), options_(std::move(options)), client_(options_.http) {
  if (!options_.unit_random) options_.unit_random = UnitRandom;
}

void ContentSync::RequestStop() {
  stop_.store(true);
  client_.RequestStop();
}

bool ContentSync::Stopping() const {
  return stop_.load() || (options_.http.cancel != nullptr && options_.http.cancel->load());
}

bool ContentSync::SleepMs(std::int64_t ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!Stopping() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<std::int64_t>(ms, 100)));
  }
  return !Stopping();
}

base::Status ContentSync::FetchCatalog(ContentSyncReport& report) {
  std::vector<std::string> headers;
  if (const std::int64_t version = library_.accepted_version(); version > 0) {
    headers.push_back("If-None-Match: \"catalog-" + std::to_string(version) + "\"");
  }
  const std::string url = options_.server_url + "/v1/catalog";
  // The signed text travels as a JSON string: escapes may grow it.
  auto answer = client_.Get(url, headers, 3 * kMaxCatalogBytes + 65536);
  bytes_received_ = client_.body_bytes_received();
  if (!answer) {
    if (answer.error().code == base::ErrorCode::kInvalidInput) base::LogError(kLog, "catalog refused: " + answer.error().message);
    return answer.error();
  }
  report.server_time_s = answer->server_time_s;
  switch (answer->status) {
    case 200:
      break;
    case 304:
      return base::Ok();
    case 404:
      base::LogInfo(kLog, "the county has published no catalog yet");
      return base::Ok();
    case 401:
      return base::MakeError(base::ErrorCode::kDenied, "the county does not know this station's token (enrol again)");
    case 429:
    case 503:
      NoteRetryAfter(answer->retry_after_s.value_or(1));
      return base::MakeError(base::ErrorCode::kUnavailable, "county busy (HTTP " + std::to_string(answer->status) + ")");
    default:
      return base::MakeError(base::ErrorCode::kUnavailable,
                             "county answered HTTP " + std::to_string(answer->status) + " for the catalog");
  }
  const json body = json::parse(answer->body, nullptr, false);
  if (!body.is_object() || body.value("protocol", "") != "village-station/1" || !body.value("catalog", json()).is_string() ||
      !body.value("signature", json()).is_string()) {
    return base::MakeError(base::ErrorCode::kUnavailable, "the catalog answer is not the county's (no protocol marker)");
  }
  auto accepted = library_.Accept(body["catalog"].get<std::string>(), body["signature"].get<std::string>(),
                                  answer->server_time_s);
  if (!accepted) return accepted.error();
  report.catalog_changed = *accepted == AcceptOutcome::kNew;
  return base::Ok();
}

base::Status ContentSync::FetchBlob(const CatalogBlob& blob, const std::string& lesson_title,
                                   const PassProgress& pass, ContentSyncReport& report) {
  BlobRequest request;
  request.url = options_.server_url + "/v1/blobs/" + blob.sha256;
  request.sha256 = blob.sha256;
  request.size_bytes = blob.size_bytes;
  request.downloads_dir = library_.downloads_dir();
  request.blobs_dir = library_.blobs_dir();
  request.checkpoint_interval_ms = options_.checkpoint_interval_ms;
  ProgressFn progress;
  if (options_.progress) {
    progress = [&](const DownloadProgress& p) {
      DownloadProgress in_pass = p;
      in_pass.lesson_title = lesson_title;
      in_pass.bytes_done = pass.done(p.bytes_done);
      in_pass.bytes_total = pass.total();
      options_.progress(in_pass);
    };
  }
  int failures = 0;
  int corrupt = 0;
  while (true) {
    if (Stopping()) return base::MakeError(base::ErrorCode::kUnavailable, "stopped");
    const std::int64_t before = client_.body_bytes_received();
    auto downloaded = client_.DownloadBlob(request, progress);
    bytes_received_ = client_.body_bytes_received();
    report.bytes_received += bytes_received_ - before;
    if (downloaded) return base::Ok();
    const base::Error& error = downloaded.error();
    if (error.code == base::ErrorCode::kCorrupt) {
      // Once more from 0 (a proxy may have mangled it); twice wrong is the county's copy.
      if (++corrupt >= 2) return error;
      base::LogWarn(kLog, error.message);
      continue;
    }
    if (error.code != base::ErrorCode::kUnavailable || Stopping()) return error;
    failures = bytes_received_ > before ? 1 : failures + 1;  // progress: the link works, try again soon
    if (failures > options_.tries_without_progress) return error;
    NoteRetryAfter(client_.last_retry_after_s());
    const std::int64_t wait_ms =
        NextTryDelayMs(options_.backoff, failures, options_.unit_random(), client_.last_retry_after_s());
    if (wait_ms > options_.max_wait_ms) return error;
    base::LogInfo(kLog, error.message + "; again in " + std::to_string(wait_ms) + " ms");
    if (!SleepMs(wait_ms)) return base::MakeError(base::ErrorCode::kUnavailable, "stopped");
  }
}

void ContentSync::NoteRetryAfter(std::optional<std::int64_t> seconds) {
  if (seconds) retry_after_s_ = std::max(retry_after_s_.value_or(0), *seconds);
}

base::Result<ContentSyncReport> ContentSync::RunOnce() {
  stop_.store(false);
  ContentSyncReport report;
  base::Status catalog_fetched = FetchCatalog(report);
  if (!catalog_fetched && catalog_fetched.error().code != base::ErrorCode::kInvalidInput) {
    return catalog_fetched.error();
  }
  auto accepted = library_.Accepted();
  if (!accepted) return accepted.error();
  report.catalog_version = library_.accepted_version();
  if (!accepted->has_value()) {
    if (!catalog_fetched) return catalog_fetched.error();
    return report;
  }
  const ContentCatalog& catalog = **accepted;
  PassProgress pass(library_.Missing(catalog));
  const auto fetch = [&](const CatalogBlob& blob) {
    base::Status fetched = FetchBlob(blob, catalog.LessonTitleOf(blob.sha256), pass, report);
    pass.FileEnded(blob, fetched.ok());
    return fetched;
  };
  base::Status filled =
      library_.Fill(catalog, fetch, ContentLibrary::kInstallEveryMs, [this] { return Stopping(); });
  report.blobs_missing = static_cast<int>(library_.Missing(catalog).size());
  auto removed = library_.RemoveUnreferenced(catalog);
  if (removed) report.removed_files = *removed;
  report.lessons_offered = library_.lessons_offered();
  if (!catalog_fetched) return catalog_fetched.error();
  if (!filled) return filled.error();
  return report;
}

}  // namespace station_sync
