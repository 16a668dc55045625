// Shared by the sync tests, the crash-test tool and the benchmark: a test
// county key, drafts with deterministic content, and a full check of an
// outbox against the county's secret key.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "sync/file_system.h"
#include "sync/outbox.h"
#include "sync/seal.h"

namespace store {
class Store;
}

namespace test {

// Bytes that look like nothing in particular, the same for the same seed.
std::string PseudoRandomBytes(std::size_t size, std::uint64_t seed);

// A draft with text, `photos` photos of `photo_bytes` and, if voice_bytes > 0,
// a voice note.
station_sync::ReportDraft MakeDraft(station_sync::Outbox& outbox, int photos,
                                    std::size_t photo_bytes, std::size_t voice_bytes,
                                    std::uint64_t seed);

// An OutboxConfig for `dir`, sealing to `county`, with a fresh station key.
station_sync::OutboxConfig TestConfig(const std::string& dir,
                                      const station_sync::CountySecretKey& county);

struct OutboxCheck {
  std::set<std::string> intact;      // report ids that verified and decrypted
  std::vector<std::string> problems;  // anything else: must be empty
};

// Every committed, unacknowledged report: directory present with exactly
// its envelope and blobs, envelope hash as recorded, signature valid, every
// blob decrypts with the county key and the body names the right report
// and ticket. And nothing else in the outbox directory: no staging
// directory, no directory without a row.
// Reports in `decrypted_before` (ids that passed a full check earlier) are
// only checked to be still there, so that a test restarting hundreds of
// times does not grow quadratically; it must do a full check now and then.
OutboxCheck CheckOutbox(store::Store& store, station_sync::FileSystem& fs,
                        const std::string& outbox_dir,
                        const station_sync::CountySecretKey& county,
                        const std::set<std::string>& decrypted_before = {});

}  // namespace test
