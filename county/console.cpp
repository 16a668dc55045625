// County IT's operations: see console.h.

#include "county/console.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "base/files.h"
#include "base/log.h"
#include "store/catalog.h"
#include "sync/content_sync.h"
#include "sync/minisign.h"
#include "sync/ticket_code.h"

namespace county {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ordered_json = nlohmann::ordered_json;

constexpr std::size_t kMaxCatalogBytes = 8 << 20;

base::Error Invalid(std::string message) {
  return base::MakeError(base::ErrorCode::kInvalidInput, std::move(message));
}

base::Error Errno(const std::string& what, const std::string& path) {
  const int err = errno;
  return base::MakeError(err == ENOSPC ? base::ErrorCode::kDiskFull : base::ErrorCode::kIo,
                         what + " " + path + ": " + std::strerror(err));
}

std::string Hex(const unsigned char* data, std::size_t size) {
  std::string hex(size * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), data, size);
  hex.pop_back();
  return hex;
}

struct CopiedFile {
  std::string sha256;
  std::uint64_t size = 0;
};

// Copies `length` bytes of `source` from `offset` to a temporary file beside
// `target`, fsyncs it and renames it into place (directory fsynced), hashing
// what it copies. Without `target` it only hashes.
base::Result<CopiedFile> CopyHashing(const std::string& source, std::uint64_t offset,
                                     std::uint64_t length, const std::string& target) {
  const int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Errno("cannot read", source);
  const std::string temp = target + ".tmp";
  const int out = target.empty() ? -1 : ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (!target.empty() && out < 0) {
    ::close(in);
    return Errno("cannot create", temp);
  }
  crypto_hash_sha256_state hash;
  crypto_hash_sha256_init(&hash);
  std::vector<char> buffer(1 << 20);
  CopiedFile copied;
  base::Result<CopiedFile> result = copied;
  while (copied.size < length) {
    const ssize_t n = ::pread(in, buffer.data(), std::min<std::uint64_t>(buffer.size(), length - copied.size),
                              static_cast<off_t>(offset + copied.size));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      result = n < 0 ? Errno("cannot read", source) : Invalid(source + " is shorter than expected");
      break;
    }
    crypto_hash_sha256_update(&hash, reinterpret_cast<unsigned char*>(buffer.data()), n);
    for (ssize_t written = 0; out >= 0 && written < n;) {
      const ssize_t w = ::write(out, buffer.data() + written, n - written);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        result = Errno("cannot write", temp);
        break;
      }
      written += w;
    }
    if (!result.ok()) break;
    copied.size += n;
  }
  ::close(in);
  if (out >= 0) {
    if (result.ok() && (::fsync(out) != 0)) result = Errno("cannot fsync", temp);
    if (::close(out) != 0 && result.ok()) result = Errno("cannot close", temp);
    if (result.ok() && ::rename(temp.c_str(), target.c_str()) != 0) result = Errno("cannot rename", temp);
    if (!result.ok()) ::unlink(temp.c_str());
    if (result.ok()) {
      if (base::Status synced = base::FsyncDirectory(fs::path(target).parent_path()); !synced.ok()) {
        return synced.error();
      }
    }
  }
  if (!result.ok()) return result;
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&hash, digest);
  copied.sha256 = Hex(digest, sizeof digest);
  return copied;
}

std::uint64_t FileSize(const std::string& path) {
  std::error_code error;
  const auto size = fs::file_size(path, error);
  return error ? UINT64_MAX : size;
}

// A package file into <data>/blobs/<sha>, once.
base::Result<CopiedFile> AddContentBlob(const DataPaths& paths, const std::string& source) {
  const std::uint64_t size = FileSize(source);
  if (size == UINT64_MAX) return Invalid("package file missing: " + source);
  auto hashed = CopyHashing(source, 0, size, "");
  if (!hashed.ok()) return hashed.error();
  const std::string target = paths.ContentBlob(hashed->sha256);
  if (FileSize(target) == size) return hashed;
  auto copied = CopyHashing(source, 0, size, target);
  if (!copied.ok()) return copied.error();
  if (copied->sha256 != hashed->sha256) return Invalid(source + " changed while it was copied");
  return copied;
}

// The blob shapes a format-2 catalog refers to.
std::vector<json> CatalogBlobs(const json& catalog) {
  std::vector<json> blobs;
  for (const json& lesson : catalog.value("lessons", json::array())) {
    for (const char* key : {"file", "subtitles", "thumbnail"}) {
      if (lesson.contains(key) && lesson[key].is_object()) blobs.push_back(lesson[key]);
    }
  }
  return blobs;
}

bool IsSafeName(const std::string& name) {
  return !name.empty() && name.size() <= 100 && name != "." && name != ".." &&
         name.find_first_of(std::string("/\\\0", 3)) == std::string::npos;
}

base::Result<std::string> ReadSmallFile(const std::string& path, std::size_t limit) {
  if (FileSize(path) > limit) return Invalid(path + " is missing or over " + std::to_string(limit) + " bytes");
  return base::ReadFile(path);
}

// The stations' own check of a catalog (station_sync::ParseContentCatalog),
// run before a version is used up on a catalog every station would refuse.
base::Status CheckAsStationsWill(const std::string& catalog_text) {
  if (auto parsed = station_sync::ParseContentCatalog(catalog_text); !parsed.ok()) {
    return Invalid("the stations would refuse this catalog: " + parsed.error().message);
  }
  return base::Ok();
}

// Publishes signed catalog bytes: the signature must verify with the
// county's content key, the stations must accept the catalog, the version
// must be next, every blob present.
base::Result<PublishResult> PublishSigned(CountyStore& store, const std::string& catalog_text,
                                          const std::string& signature, std::int64_t now) {
  auto keys = LoadCountyPublicKeys(store.paths());
  if (!keys.ok()) return keys.error();
  auto verified = station_sync::minisign::Verify(catalog_text, signature, keys->content);
  if (!verified.ok()) return verified.error();
  if (base::Status checked = CheckAsStationsWill(catalog_text); !checked.ok()) return checked.error();
  json catalog = json::parse(catalog_text, nullptr, false);
  if (catalog.is_discarded() || catalog.value("format", 0) != 2 ||
      !catalog.value("version", json()).is_number_integer()) {
    return Invalid("not a format 2 catalog");
  }
  for (const json& blob : CatalogBlobs(catalog)) {
    const std::string sha = blob.value("sha256", "");
    if (!IsLowerHex(sha, 64) || FileSize(store.paths().ContentBlob(sha)) != blob.value("size", UINT64_MAX)) {
      return Invalid("catalog names blob " + sha + " which is not in the blob store");
    }
  }
  std::vector<Notice> notices;
  for (const json& notice : catalog.value("notices", json::array())) {
    notices.push_back({notice.value("id", ""), notice.value("title", ""), notice.value("text", "")});
  }
  PublishedCatalog published{catalog["version"].get<std::int64_t>(), catalog_text, signature};
  if (base::Status added = store.AddCatalog(published, notices, now); !added.ok()) return added.error();
  base::LogInfo("county", "published catalog version " + std::to_string(published.version));
  return PublishResult{published.version, static_cast<int>(catalog.value("lessons", json::array()).size()), {}};
}

// Builds the catalog bytes from package.json, copying files into the blob store.
base::Result<std::string> BuildCatalog(CountyStore& store, const PublishOptions& options) {
  const std::string dir = options.package_dir;
  auto text = ReadSmallFile(dir + "/package.json", kMaxCatalogBytes);
  if (!text.ok()) return text.error();
  json package = json::parse(*text, nullptr, false);
  if (package.is_discarded() || !package.is_object()) return Invalid("package.json is not a JSON object");

  auto latest = store.LatestCatalog();
  if (!latest.ok()) return latest.error();
  std::map<std::string, std::int64_t> first_published;  // lesson id -> published_at before
  std::int64_t version = 1;
  if (*latest) {
    version = (*latest)->version + 1;
    json previous = json::parse((*latest)->catalog, nullptr, false);
    for (const json& lesson : previous.value("lessons", json::array())) {
      first_published[lesson.value("id", "")] = lesson.value("published_at", options.now);
    }
  }
  auto blob = [&](const json& lesson, const char* key) -> base::Result<ordered_json> {
    if (!lesson.contains(key) || lesson[key].is_null()) return ordered_json(nullptr);
    if (!lesson[key].is_string() || !store::IsSafeRelativePath(lesson[key].get<std::string>())) {
      return Invalid(std::string("lesson ") + lesson.value("id", "?") + ": " + key + " must be a safe relative path");
    }
    const std::string path = lesson[key];
    const std::string name = fs::path(path).filename();
    if (!IsSafeName(name)) return Invalid("unsafe file name " + path);
    auto copied = AddContentBlob(store.paths(), dir + "/" + path);
    if (!copied.ok()) return copied.error();
    return ordered_json{{"sha256", copied->sha256}, {"size", copied->size}, {"name", name}};
  };
  ordered_json lessons = ordered_json::array();
  for (const json& lesson : package.value("lessons", json::array())) {
    const std::string id = lesson.value("id", "");
    auto file = blob(lesson, "file");
    if (!file.ok()) return file.error();
    if (file->is_null()) return Invalid("lesson " + id + " has no file");
    auto subtitles = blob(lesson, "subtitles");
    if (!subtitles.ok()) return subtitles.error();
    auto thumbnail = blob(lesson, "thumbnail");
    if (!thumbnail.ok()) return thumbnail.error();
    const auto known = first_published.find(id);
    lessons.push_back(ordered_json{
        {"id", id},
        {"title", lesson.value("title", "")},
        {"category", lesson.value("category", "")},
        {"summary", lesson.value("summary", "")},
        {"language", lesson.value("language", "zh-CN")},
        {"duration_s", lesson.value("duration_s", 0)},
        {"published_at", lesson.value("published_at", known != first_published.end() ? known->second : options.now)},
        {"file", *file},
        {"subtitles", *subtitles},
        {"thumbnail", *thumbnail}});
  }
  ordered_json notices = ordered_json::array();
  for (const json& notice : package.value("notices", json::array())) {
    notices.push_back(ordered_json{{"id", notice.value("id", "")},
                                   {"title", notice.value("title", "")},
                                   {"text", notice.value("text", "")},
                                   {"published_at", notice.value("published_at", options.now)}});
  }
  const int valid_days = package.value("valid_days", options.valid_days);
  ordered_json catalog = {{"format", 2},
                          {"version", version},
                          {"published_at", options.now},
                          {"expires_at", options.now + std::int64_t{valid_days} * 86400},
                          {"lessons", lessons},
                          {"notices", notices}};
  return catalog.dump(1) + "\n";
}

}  // namespace

// ---- Keys and enrolment ----------------------------------------------------------

base::Status InitKeys(const std::string& data_dir) {
  if (sodium_init() < 0) return base::MakeError(base::ErrorCode::kUnavailable, "libsodium");
  const DataPaths paths{data_dir};
  if (fs::exists(paths.CountySecretKey()) || fs::exists(paths.ContentSecretKey())) {
    return Invalid("keys exist in " + paths.Keys() + "; replacing them would cut off every station");
  }
  if (base::Status made = base::MakeDirectories(paths.Keys()); !made.ok()) return made;
  ::chmod(paths.Keys().c_str(), 0700);
  const station_sync::CountySecretKey box = station_sync::GenerateCountyKey();
  const station_sync::minisign::SecretKey content = station_sync::minisign::GenerateKey();
  // WriteFileDurably creates files 0600 (mkostemp); public files are opened up after.
  for (const auto& [path, text, mode] : {
           std::tuple{paths.CountySecretKey(), station_sync::FormatCountySecretKey(box), 0600},
           std::tuple{paths.CountyPublicKey(), station_sync::FormatCountyPublicKey(box.public_key), 0644},
           std::tuple{paths.ContentSecretKey(), station_sync::minisign::FormatSecretKeyFile(content), 0600},
           std::tuple{paths.ContentPublicKey(), station_sync::minisign::FormatPublicKeyFile(content.public_key), 0644}}) {
    if (base::Status written = base::WriteFileDurably(path, text); !written.ok()) return written;
    if (::chmod(path.c_str(), mode) != 0) return Errno("cannot chmod", path);
  }
  return base::Ok();
}

base::Result<station_sync::CountySecretKey> LoadCountySecretKey(const DataPaths& paths) {
  auto text = base::ReadFile(paths.CountySecretKey());
  if (!text.ok()) return text.error();
  return station_sync::ParseCountySecretKey(*text);
}

base::Result<std::string> MakeEnrolCode(CountyStore& store, const std::string& village,
                                        int valid_hours, std::int64_t now) {
  const std::string code = station_sync::GenerateTicketCode();
  base::Status added = store.AddEnrolCode(code, village, now, now + std::int64_t{valid_hours} * 3600);
  if (!added.ok()) return added.error();
  return code;
}

// ---- Publishing --------------------------------------------------------------------

base::Result<PublishResult> Publish(CountyStore& store, const PublishOptions& options) {
  const std::string prepared = options.package_dir + "/catalog.json";
  if (!options.signature_file.empty()) {
    auto catalog = ReadSmallFile(prepared, kMaxCatalogBytes);
    if (!catalog.ok()) return catalog.error();
    auto signature = ReadSmallFile(options.signature_file, 4096);
    if (!signature.ok()) return signature.error();
    return PublishSigned(store, *catalog, *signature, options.now);
  }
  auto catalog = BuildCatalog(store, options);
  if (!catalog.ok()) return catalog.error();
  if (catalog->size() > kMaxCatalogBytes) return Invalid("catalog over 8 MiB");
  if (base::Status checked = CheckAsStationsWill(*catalog); !checked.ok()) return checked.error();
  if (options.prepare_only) {
    if (base::Status written = base::WriteFileDurably(prepared, *catalog); !written.ok()) return written.error();
    return PublishResult{0, 0, prepared};
  }
  const std::string key_file =
      options.sign_key_file.empty() ? store.paths().ContentSecretKey() : options.sign_key_file;
  auto key_text = ReadSmallFile(key_file, 4096);
  if (!key_text.ok()) return key_text.error();
  auto key = station_sync::minisign::ParseSecretKey(*key_text);
  if (!key.ok()) return key.error();
  const std::int64_t version = json::parse(*catalog)["version"];
  const std::string comment = "timestamp:" + std::to_string(options.now) +
                              "\tfile:catalog.json\thashed\tversion:" + std::to_string(version);
  return PublishSigned(store, *catalog, station_sync::minisign::Sign(*catalog, *key, comment),
                       options.now);
}

// ---- Reports ------------------------------------------------------------------------

namespace {

// Blob 0 of a report, opened: its ticket and category.
base::Result<json> OpenBody(const DataPaths& paths, const station_sync::CountySecretKey& county,
                            const std::string& envelope_text) {
  auto envelope = station_sync::VerifyEnvelope(envelope_text);
  if (!envelope.ok()) return envelope.error();
  if (envelope->county_key_id != county.public_key.Id()) {
    return Invalid("sealed to county key " + envelope->county_key_id + ", which this county does not hold");
  }
  auto key = station_sync::OpenReportKey(envelope->sealed_key, county);
  if (!key.ok()) return key.error();
  auto sealed = base::ReadFile(paths.ReportBlob(envelope->blobs.at(0).sha256_hex));
  if (!sealed.ok()) return sealed.error();
  auto body = station_sync::OpenBlob(*key, envelope->report_id, 0, *sealed);
  if (!body.ok()) return body.error();
  json parsed = json::parse(*body, nullptr, false);
  if (parsed.is_discarded()) return Invalid("report body is not JSON");
  return parsed;
}

std::string Extension(const std::string& mime_type) {
  if (mime_type == "image/jpeg") return "jpg";
  if (mime_type == "image/png") return "png";
  if (mime_type == "audio/ogg") return "ogg";
  return "bin";
}

}  // namespace

base::Result<std::vector<ReportRow>> ListReports(CountyStore& store) {
  auto rows = store.Reports();
  if (!rows.ok()) return rows.error();
  auto county = LoadCountySecretKey(store.paths());
  if (!county.ok()) return *rows;  // still listable without the secret key
  for (ReportRow& row : *rows) {
    if (!row.ticket_code.empty()) continue;
    auto body = OpenBody(store.paths(), *county, row.envelope);
    if (!body.ok()) {
      base::LogWarn("county", "report " + row.report_id + ": cannot open: " + body.error().message);
      continue;
    }
    row.ticket_code = body->value("ticket_code", "");
    row.category = body->value("category", "");
    (void)store.RememberOpened(row.report_id, row.ticket_code, row.category);
  }
  return *rows;
}

namespace {

constexpr std::int64_t kLowDiskBytes = 2'000'000'000;  // below this a lesson package may not fit
constexpr std::int64_t kSilentSeconds = 3 * 86400;    // sync runs every 15 minutes when it can
constexpr std::int64_t kClockOffBySeconds = 600;
constexpr int kHealthReportsRead = 5;
constexpr std::size_t kProblemsKept = 20;

StationRow ToStationRow(const StationHealth& health, std::int64_t now) {
  StationRow row;
  row.station = health.station;
  row.last_heard_at = health.last_report_at;
  for (const StationHealth::Report& report : health.health) {
    row.last_heard_at = std::max(row.last_heard_at, report.received_at);
    const json body = json::parse(report.body, nullptr, false);
    if (!body.is_object()) continue;
    const json problems = body.value("last_errors", json::array());
    for (const json& problem : problems.is_array() ? problems : json::array()) {
      if (problem.is_string() && row.problems.size() < kProblemsKept) row.problems.push_back(problem.get<std::string>());
    }
    if (&report != &health.health.front()) continue;  // the rest only from the newest report
    if (const json free = body.value("free_disk_bytes", json()); free.is_number_integer()) {
      row.free_disk_bytes = free.get<std::int64_t>();
    }
    if (const json versions = body.value("versions", json()); versions.is_object()) {
      row.version = versions.value("station", "");
    }
    if (const json time = body.value("station_time", json()); time.is_number_integer()) {
      row.clock_offset_s = time.get<std::int64_t>() - report.received_at;
    }
  }
  char text[64];
  if (row.free_disk_bytes && *row.free_disk_bytes < kLowDiskBytes) {
    std::snprintf(text, sizeof text, "disk low: %.1f GB", static_cast<double>(*row.free_disk_bytes) / 1e9);
    row.attention.push_back(text);
  }
  if (row.last_heard_at == 0) {
    row.attention.push_back("never synced");
  } else if (now - row.last_heard_at > kSilentSeconds) {
    row.attention.push_back("silent " + std::to_string((now - row.last_heard_at) / 86400) + " days");
  }
  if (row.clock_offset_s && std::llabs(*row.clock_offset_s) > kClockOffBySeconds) {
    row.attention.push_back("clock off by " + std::to_string(std::llabs(*row.clock_offset_s) / 60) + " min");
  }
  if (!health.health.empty()) {
    const json newest = json::parse(health.health.front().body, nullptr, false);
    const json problems = newest.is_object() ? newest.value("last_errors", json::array()) : json::array();
    const std::size_t reported = problems.is_array() ? problems.size() : 0;
    if (reported > 0) row.attention.push_back(std::to_string(reported) + " new problem(s)");
  }
  return row;
}

}  // namespace

base::Result<std::vector<StationRow>> ListStations(CountyStore& store, std::int64_t now) {
  auto stations = store.Stations(kHealthReportsRead);
  if (!stations.ok()) return stations.error();
  std::vector<StationRow> rows;
  for (const StationHealth& station : *stations) rows.push_back(ToStationRow(station, now));
  return rows;
}

base::Result<OpenedReport> OpenReport(CountyStore& store, const std::string& id_or_ticket,
                                      const std::string& save_dir) {
  auto county = LoadCountySecretKey(store.paths());
  if (!county.ok()) return county.error();
  std::optional<ReportRow> row;
  if (IsLowerHex(id_or_ticket, 32)) {
    auto found = store.Report(id_or_ticket);
    if (!found.ok()) return found.error();
    row = *found;
  } else if (auto ticket = station_sync::NormaliseTicketCode(id_or_ticket); ticket.ok()) {
    auto rows = ListReports(store);
    if (!rows.ok()) return rows.error();
    for (const ReportRow& candidate : *rows) {
      if (candidate.ticket_code == *ticket) row = candidate;
    }
  }
  if (!row) return base::MakeError(base::ErrorCode::kNotFound, "no report " + id_or_ticket);
  const DataPaths& paths = store.paths();
  auto opened = station_sync::OpenReport(row->envelope, *county, [&](const std::string& sha) {
    return base::ReadFile(paths.ReportBlob(sha));
  });
  if (!opened.ok()) return opened.error();
  auto history = store.ReportEvents(row->report_id);
  if (!history.ok()) return history.error();
  OpenedReport report{*row, std::move(*opened), std::move(*history), {}};
  json body = json::parse(report.opened.body_json, nullptr, false);
  if (!body.is_discarded() && report.row.ticket_code.empty()) {
    (void)store.RememberOpened(row->report_id, body.value("ticket_code", ""), body.value("category", ""));
  }
  if (!report.opened.attachments.empty()) {
    if (base::Status made = base::MakeDirectories(save_dir); !made.ok()) return made.error();
  }
  for (std::size_t i = 0; i < report.opened.attachments.size(); ++i) {
    std::string mime;
    if (!body.is_discarded() && i < body.value("attachments", json::array()).size()) {
      mime = body["attachments"][i].value("mime_type", "");
    }
    const std::string path = save_dir + "/attachment-" + std::to_string(i + 1) + "." + Extension(mime);
    if (base::Status written = base::WriteFileDurably(path, report.opened.attachments[i]); !written.ok()) {
      return written.error();
    }
    report.attachment_files.push_back(path);
  }
  return report;
}

// ---- USB sticks ---------------------------------------------------------------------------

base::Status ExportPackage(CountyStore& store, const std::string& stick, std::uint64_t part_bytes) {
  auto latest = store.LatestCatalog();
  if (!latest.ok()) return latest.error();
  if (!*latest) return base::MakeError(base::ErrorCode::kNotFound, "nothing published yet");
  const std::string dir = stick + "/village-station/package";
  if (base::Status made = base::MakeDirectories(dir + "/blobs"); !made.ok()) return made;
  for (const json& blob : CatalogBlobs(json::parse((*latest)->catalog))) {
    const std::string sha = blob["sha256"];
    const std::uint64_t size = blob["size"];
    const std::string source = store.paths().ContentBlob(sha);
    const int parts = size <= part_bytes ? 0 : static_cast<int>((size + part_bytes - 1) / part_bytes);
    for (int part = 0; part < std::max(parts, 1); ++part) {
      char suffix[32];
      std::snprintf(suffix, sizeof suffix, ".part-%03d", part);
      const std::string target = dir + "/blobs/" + sha + (parts ? suffix : "");
      const std::uint64_t offset = std::uint64_t(part) * part_bytes;
      const std::uint64_t length = parts ? std::min(part_bytes, size - offset) : size;
      if (FileSize(target) == length) continue;  // an earlier export wrote it
      auto copied = CopyHashing(source, offset, length, target);
      if (!copied.ok()) return copied.error();
    }
  }
  // The catalog last: a stick with a catalog has all of its blobs.
  if (base::Status written = base::WriteFileDurably(dir + "/catalog.json.minisig", (*latest)->signature); !written.ok()) {
    return written;
  }
  return base::WriteFileDurably(dir + "/catalog.json", (*latest)->catalog);
}

base::Result<ImportSummary> ImportUsb(CountyStore& store, const std::string& stick, std::int64_t now) {
  ImportSummary summary;
  const fs::path outbox = fs::path(stick) / "village-station" / "outbox";
  std::error_code error;
  for (const fs::directory_entry& station_dir : fs::directory_iterator(outbox, error)) {
    const std::string station_id = station_dir.path().filename();
    auto station = IsLowerHex(station_id, 32) ? store.StationById(station_id)
                                               : base::Result<std::optional<Station>>(std::nullopt);
    if (!station.ok()) return station.error();
    if (!*station) {
      base::LogWarn("county", "USB: " + station_dir.path().string() + " is not an enrolled station; skipped");
      ++summary.reports_refused;
      continue;
    }
    std::error_code ignored;  // an unreadable station folder just has no reports
    for (const fs::directory_entry& report_dir : fs::directory_iterator(station_dir.path(), ignored)) {
      const std::string report_id = report_dir.path().filename();
      if (!report_dir.is_directory() || !IsLowerHex(report_id, 32)) continue;
      auto envelope = ReadSmallFile(report_dir.path() / "envelope", 64 << 10);
      auto parsed = envelope.ok() ? station_sync::VerifyEnvelope(*envelope)
                                  : base::Result<station_sync::Envelope>(envelope.error());
      if (parsed.ok()) {
        for (const station_sync::SealedBlob& blob : parsed->blobs) {
          const std::string path = report_dir.path() / blob.sha256_hex;
          if (!fs::exists(store.paths().ReportBlob(blob.sha256_hex)) && fs::exists(path)) {
            auto bytes = base::ReadFile(path);
            if (!bytes.ok()) return bytes.error();
            base::Status put = store.PutReportBlob(blob.sha256_hex, *bytes);
            if (!put.ok() && put.error().code != base::ErrorCode::kInvalidInput) return put.error();
          }
        }
      }
      auto outcome = envelope.ok() ? store.TakeReport(**station, report_id, *envelope, Via::kUsb, now)
                                   : base::Result<IntakeOutcome>(envelope.error());
      if (outcome.ok() && outcome->kind == IntakeOutcome::Kind::kAcknowledged) {
        ++(outcome->again ? summary.reports_again : summary.reports_new);
        continue;
      }
      if (!outcome.ok() && outcome.error().code != base::ErrorCode::kInvalidInput) return outcome.error();
      base::LogWarn("county", "USB: report " + report_id + " refused: " +
                                  (outcome.ok() ? outcome->message : outcome.error().message));
      ++summary.reports_refused;
    }
    for (const auto& [file, take, count] :
         {std::tuple{"ratings.json", &CountyStore::TakeRatings, &summary.ratings},
          std::tuple{"watch-records.json", &CountyStore::TakeWatchRecords, &summary.watch_records}}) {
      const fs::path path = station_dir.path() / file;
      if (!fs::exists(path)) continue;
      auto text = ReadSmallFile(path, 1 << 20);
      if (!text.ok()) return text.error();
      // No token on a stick: the station's signature says whose they are.
      auto signature = ReadSmallFile(path.string() + ".sig", 1 << 10);
      if (!signature.ok() ||
          !station_sync::VerifyStationFile(station_id, file, *text, *signature, (*station)->station_key)) {
        base::LogWarn("county", "USB: " + path.string() + " refused: " +
                                    (signature.ok() ? "its signature is not this station's" : "it is not signed"));
        ++summary.files_refused;
        continue;
      }
      auto taken = (store.*take)(**station, *text, now);
      if (!taken.ok()) {
        base::LogWarn("county", "USB: " + path.string() + " refused: " + taken.error().message);
        ++summary.files_refused;
        continue;
      }
      *count += static_cast<int>(taken->accepted.size());
    }
  }
  if (error) return base::MakeError(base::ErrorCode::kNotFound, "cannot read " + outbox.string() + ": " + error.message());
  return summary;
}

}  // namespace county
