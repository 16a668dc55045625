// Sneakernet: a content package on a USB stick (docs/protocol.md section 7)
// goes through exactly the checks of the network path: the same catalog
// verification (signature, key, no rollback, expiry, safe names), every
// blob's size and SHA-256, the same install and clean-up (content_sync.h).
//
//   <stick>/village-station/package/catalog.json           signed catalog bytes
//   <stick>/village-station/package/catalog.json.minisig   its signature
//   <stick>/village-station/package/blobs/<sha>            a blob, or its parts
//   <stick>/village-station/package/blobs/<sha>.part-000   (FAT32: no file over
//   <stick>/village-station/package/blobs/<sha>.part-001    4 GB), concatenated
//
// A stick carrying the catalog the station already accepted is welcome: it
// supplies the blobs the network has not delivered yet.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "base/result.h"
#include "sync/content_sync.h"
#include "sync/delivery.h"

namespace station_sync {

struct PackageImportReport {
  std::int64_t catalog_version = 0;
  bool catalog_changed = false;
  int blobs_copied = 0;
  int blobs_missing = 0;  // the catalog names them, the stick lacks them (or they were wrong)
  int lessons_offered = 0;
};

struct PackageImportOptions {
  // Each blob's copy as it goes (about every MiB): for the admin area.
  std::function<void(const TransferProgress&)> progress;
  // Set from another thread: the copy under way stops (kCancelled), what is
  // installed stays, the next import goes on.
  const std::atomic<bool>* cancel = nullptr;
};

// Errors: kNotFound (no package on the stick), kInvalidInput (the catalog
// was refused: logged, nothing changed), kIo/kDiskFull, kCancelled. A blob
// that is missing or wrong on the stick leaves its lessons waiting and is
// counted, not an error.
base::Result<PackageImportReport> ImportPackage(ContentLibrary& library, const std::string& stick_dir,
                                                const PackageImportOptions& options = {});

}  // namespace station_sync
