// What county IT does, as functions the `county` tool and the tests call:
// make keys, hand out enrolment codes, publish content, read and answer
// reports, and carry packages and outboxes on USB sticks (docs/county.md).
// Printing is the tool's business; these return data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "county/county_store.h"
#include "sync/seal.h"

namespace county {

// Makes <data>/keys: the X25519 report key pair (report-format.md key files)
// and the minisign content key pair, secret files mode 0600. Refuses
// (kInvalidInput) if keys exist: replacing them would orphan every station.
base::Status InitKeys(const std::string& data_dir);

base::Result<station_sync::CountySecretKey> LoadCountySecretKey(const DataPaths& paths);

// A one-time code (canonical; FormatTicketCode() for showing), valid for
// `valid_hours`.
base::Result<std::string> MakeEnrolCode(CountyStore& store, const std::string& village,
                                        int valid_hours, std::int64_t now);

// Publishing a package folder: <folder>/package.json names the lessons and
// notices and their files (relative paths). Three ways:
//   - sign with the county content key (default) or `sign_key_file`
//     (an unencrypted minisign secret key);
//   - `prepare_only`: write <folder>/catalog.json (the exact bytes to sign)
//     and stop, for signing with `minisign -S`;
//   - `signature_file`: publish <folder>/catalog.json as prepared, with that
//     signature, after verifying it with the county content key.
struct PublishOptions {
  std::string package_dir;
  std::string sign_key_file;
  std::string signature_file;
  bool prepare_only = false;
  int valid_days = 365;
  std::int64_t now = 0;
};

struct PublishResult {
  std::int64_t version = 0;
  int lessons = 0;
  std::string catalog_path;  // when prepared only
};

base::Result<PublishResult> Publish(CountyStore& store, const PublishOptions& options);

// Reports with their ticket and category filled in where the county key
// opens the body (remembered for next time).
base::Result<std::vector<ReportRow>> ListReports(CountyStore& store);

// What county IT watches of each station (docs/county.md): when it was last
// heard from, its disk, software and clock, the problems it reported, and in
// a few words what needs a look.
struct StationRow {
  Station station;
  std::int64_t last_heard_at = 0;  // its newest health report or report; 0: never
  std::optional<std::int64_t> free_disk_bytes;
  std::string version;                         // of the station software
  std::optional<std::int64_t> clock_offset_s;  // station clock minus county clock
  std::vector<std::string> problems;           // logged warnings and errors, newest first
  std::vector<std::string> attention;          // "disk low: 0.8 GB", "silent 4 days", ...
};

base::Result<std::vector<StationRow>> ListStations(CountyStore& store, std::int64_t now);

struct OpenedReport {
  ReportRow row;
  station_sync::OpenedReport opened;
  std::vector<Event> history;                // replies and status changes
  std::vector<std::string> attachment_files;  // where they were saved
};

// By report id or ticket code (as typed). Saves attachments into `save_dir`
// (created) as attachment-<n>.<ext>.
base::Result<OpenedReport> OpenReport(CountyStore& store, const std::string& id_or_ticket,
                                      const std::string& save_dir);

// Writes the latest catalog and its blobs to <stick>/village-station/package
// (docs/protocol.md 7); blobs over `part_bytes` in parts. Files already there
// with the right size are kept, so an interrupted export resumes.
base::Status ExportPackage(CountyStore& store, const std::string& stick,
                           std::uint64_t part_bytes = 1ull << 30);

struct ImportSummary {
  int reports_new = 0;
  int reports_again = 0;   // already received (network or an earlier stick)
  int reports_refused = 0;  // conflict, bad envelope, missing blobs, unknown station
  int ratings = 0;
  int watch_records = 0;
  int files_refused = 0;   // ratings / watch records unsigned, not this station's, or malformed
};

// Takes <stick>/village-station/outbox/<station_id>/... through the same
// intake as the network.
base::Result<ImportSummary> ImportUsb(CountyStore& store, const std::string& stick,
                                      std::int64_t now);

}  // namespace county
