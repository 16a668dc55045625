// Enrolment: the station registers with its county once, with a one-time
// code county IT gave the administrator, and keeps what it gets back:
//   - a bearer token for every later request (the county keeps only its hash);
//   - the county's box key (reports are sealed to it) and content key
//     (catalogs are verified with it), pinned: later answers cannot change
//     them, only enrolling again can.
// The request carries the station's Ed25519 public key (sync/seal.h), the
// key that signs every report envelope. Re-enrolling with the same code and
// key returns the same station id and a new token, so a lost answer is safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/result.h"
#include "sync/delivery.h"
#include "sync/seal.h"

namespace store {
class Store;
}

namespace station_sync {

struct Enrolment {
  std::string server_url;
  std::string station_id;
  std::string token;
  CountyPublicKey county_box_key;
  std::string content_key;  // minisign public key line (base64 of "Ed" + key id + key)
  std::int64_t enrolled_at_s = 0;
};

// The stored enrolment, or nullopt if the station has not enrolled.
base::Result<std::optional<Enrolment>> LoadEnrolment(const store::Store& store);

// The pinned county box key if enrolled (outbox.cpp prefers it to the
// report.county_key_file setting).
base::Result<std::optional<CountyPublicKey>> PinnedCountyKey(const store::Store& store);

struct EnrolmentRequest {
  std::string code;          // as typed; spaces and dashes are dropped
  std::string station_name;
  std::string village;
};

// POST /v1/enrol, then stores the result durably (one transaction) and sets
// sync.county_server. A station enrolled with this very code and station
// key already keeps that enrolment and asks nothing (`kiosk-sync --enrol
// CODE --once` from cron, `kiosk --enrol CODE` at every start: the code
// expires, the enrolment does not), unless the county has since said it
// does not know the station (ForgetEnrolmentCode). kDenied: the county refused the code (used, expired,
// unknown); kUnavailable: no county answer; kInvalidInput: an answer that
// is not a usable enrolment.
base::Result<Enrolment> Enrol(store::Store& store, CountyConnection& county,
                              const StationKey& station, const EnrolmentRequest& request,
                              std::int64_t now_s);

// The county no longer knows the station (401): the next enrolment with
// the same code asks the county again instead of keeping the dead token.
base::Status ForgetEnrolmentCode(store::Store& store);

}  // namespace station_sync
