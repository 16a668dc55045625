#include "sync/package_import.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "base/files.h"
#include "base/log.h"

namespace station_sync {
namespace {

constexpr const char* kLog = "usb";
constexpr int kMaxParts = 1000;

base::Error IoError(const std::string& what, const std::string& path) {
  const int err = errno;
  const auto code = (err == ENOSPC || err == EDQUOT) ? base::ErrorCode::kDiskFull : base::ErrorCode::kIo;
  return base::MakeError(code, what + " " + path + ": " + std::strerror(err));
}

bool Exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

// The stick's files that make up a blob, in order: the blob itself, or its
// numbered parts. Empty if the stick has neither.
std::vector<std::string> SourceFiles(const std::string& blobs_dir, const std::string& sha) {
  const std::string whole = blobs_dir + "/" + sha;
  if (Exists(whole)) return {whole};
  std::vector<std::string> parts;
  for (int i = 0; i < kMaxParts; ++i) {
    char suffix[24];
    std::snprintf(suffix, sizeof suffix, ".part-%03d", i);
    if (!Exists(whole + suffix)) break;
    parts.push_back(whole + suffix);
  }
  return parts;
}

// Copies the parts into `target`, never more than `size` + 1 bytes (one
// more tells a too-long blob from a right one without reading it all).
base::Status CopyParts(const std::vector<std::string>& sources, const std::string& target, std::int64_t size,
                       const std::function<void(std::int64_t)>& copied_so_far, const std::atomic<bool>* cancel) {
  const int out = ::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) return IoError("cannot create", target);
  std::vector<char> buffer(1 << 20);
  std::int64_t copied = 0;
  base::Status status = base::Ok();
  for (const std::string& source : sources) {
    const int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) {
      status = IoError("cannot open", source);
      break;
    }
    while (status && copied <= size) {
      if (cancel != nullptr && cancel->load()) {
        status = base::MakeError(base::ErrorCode::kUnavailable, "the import was stopped; importing again goes on from the next lesson");
        break;
      }
      const auto want = static_cast<std::size_t>(std::min<std::int64_t>(buffer.size(), size + 1 - copied));
      const ssize_t n = ::read(in, buffer.data(), want);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) status = IoError("cannot read", source);
      if (n <= 0) break;
      for (ssize_t done = 0; done < n && status;) {
        const ssize_t w = ::write(out, buffer.data() + done, static_cast<std::size_t>(n - done));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) status = IoError("cannot write", target);
        if (w > 0) done += w;
      }
      copied += n;
      if (copied_so_far) copied_so_far(std::min(copied, size));
    }
    ::close(in);
    if (!status || copied > size) break;
  }
  if (::close(out) != 0 && status) status = IoError("cannot close", target);
  return status;
}

}  // namespace

base::Result<PackageImportReport> ImportPackage(ContentLibrary& library, const std::string& stick_dir,
                                                const PackageImportOptions& options) {
  const std::string package = stick_dir + "/village-station/package";
  const std::string catalog_path = package + "/catalog.json";
  struct stat info {};
  if (::stat(catalog_path.c_str(), &info) != 0) {
    return base::MakeError(base::ErrorCode::kNotFound, "no content package on the stick (" + catalog_path + ")");
  }
  if (info.st_size > kMaxCatalogBytes) {
    const std::string message = "catalog refused: " + std::to_string(info.st_size) + " bytes, over the 8 MiB limit";
    base::LogError(kLog, message + "; the installed content stays");
    return base::MakeError(base::ErrorCode::kInvalidInput, message);
  }
  auto text = base::ReadFile(catalog_path);
  if (!text) return text.error();
  auto signature = base::ReadFile(catalog_path + ".minisig");
  if (!signature) {
    base::LogError(kLog, "catalog refused: the package has no signature file; the installed content stays");
    return base::MakeError(base::ErrorCode::kInvalidInput, "catalog refused: no catalog.json.minisig");
  }
  auto accepted = library.Accept(*text, *signature, std::nullopt);
  if (!accepted) return accepted.error();
  auto catalog = library.Accepted();
  if (!catalog) return catalog.error();
  if (!catalog->has_value()) return base::MakeError(base::ErrorCode::kIo, "the accepted catalog is not on disk");

  PackageImportReport report;
  report.catalog_version = (*catalog)->version;
  report.catalog_changed = *accepted == AcceptOutcome::kNew;
  const std::string stick_blobs = package + "/blobs";
  if (auto made = base::MakeDirectories(library.downloads_dir()); !made) return made.error();
  PassProgress pass(library.Missing(**catalog));
  const auto copy_blob = [&](const CatalogBlob& blob) -> base::Status {
    const std::vector<std::string> sources = SourceFiles(stick_blobs, blob.sha256);
    if (sources.empty()) {
      pass.FileEnded(blob, false);
      return base::MakeError(base::ErrorCode::kNotFound, "not on the stick");
    }
    const std::string part = library.downloads_dir() + "/" + blob.sha256 + ".usb";
    const std::string what = progress::What(progress::kUsbLesson, (*catalog)->LessonTitleOf(blob.sha256));
    const auto progress = [&](std::int64_t done) {
      if (options.progress) options.progress({what, pass.done(done), pass.total()});
    };
    base::Status copied = CopyParts(sources, part, blob.size_bytes, progress, options.cancel);
    if (copied) copied = VerifyFile(part, blob.sha256, blob.size_bytes);
    if (copied) copied = InstallVerifiedBlob(part, library.blobs_dir(), blob.sha256);
    pass.FileEnded(blob, copied.ok());
    if (!copied) {
      ::unlink(part.c_str());
      return copied;
    }
    ++report.blobs_copied;
    return base::Ok();
  };
  // Only a full disk or a stop ends the import: a bad blob on the stick is skipped.
  base::Status filled =
      library.Fill(**catalog, copy_blob, ContentLibrary::kInstallEveryMs,
                   [&] { return options.cancel != nullptr && options.cancel->load(); });
  if (!filled && filled.error().code != base::ErrorCode::kNotFound && filled.error().code != base::ErrorCode::kCorrupt &&
      filled.error().code != base::ErrorCode::kInvalidInput) {
    return filled.error();
  }
  report.blobs_missing = static_cast<int>(library.Missing(**catalog).size());
  report.lessons_offered = library.lessons_offered();
  if (auto removed = library.RemoveUnreferenced(**catalog); !removed) base::LogWarn(kLog, removed.error().message);
  base::LogInfo(kLog, "package version " + std::to_string(report.catalog_version) + ": " +
                          std::to_string(report.blobs_copied) + " files copied, " +
                          std::to_string(report.blobs_missing) + " missing, " +
                          std::to_string(report.lessons_offered) + " lessons offered");
  return report;
}

}  // namespace station_sync
