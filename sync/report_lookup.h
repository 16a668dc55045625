// "Check my report": the villager types (or a helper reads out) the ticket
// code and sees the timeline, the county's replies and, once resolved, can
// rate the handling with one of five faces. Works offline from whatever has
// been synced into the store; nothing here reads the sealed report.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "sync/report_timeline.h"

namespace store {
class Store;
}

namespace station_sync {

struct ReportReply {
  std::string reply_id;
  std::int64_t replied_at_s = 0;
  std::string text;
};

struct ReportStatusView {
  std::string report_id;
  std::string ticket_code;  // canonical
  Timeline timeline;
  std::vector<ReportReply> replies;  // oldest first
  std::optional<int> rating;         // 1..5 faces, if given
  bool can_rate = false;             // resolved, and the rating not yet uploaded
};

// kInvalidInput: the code has a typo (wrong length, bad symbol, check
// symbol fails) - say "please check the code"; kNotFound: a valid code this
// station does not know (filed elsewhere, or not synced yet).
base::Result<ReportStatusView> CheckReport(const store::Store& store, std::string_view typed_code,
                                           std::int64_t now_s);

// Stores the villager's rating (1..5) for upload. Allowed once the report is
// resolved; may be changed until it has been uploaded (then kLocked).
base::Status RateReport(store::Store& store, std::string_view ticket_code, int faces,
                        std::int64_t now_s);

}  // namespace station_sync
