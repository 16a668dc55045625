// SyncProblem: what went wrong in a sync round, in a form the admin area
// can say in the station's own language. The code names the kind of
// problem (the kiosk's catalogs have a sentence for each code), `count` is
// the number that sentence needs, and `detail` the technical words (English,
// as logged) for whoever helps the administrator on the phone.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace station_sync {

struct SyncProblem {
  std::string code;
  std::int64_t count = 0;
  std::string detail;
  bool operator==(const SyncProblem&) const = default;
};

// The codes. A reader that does not know a code (an older kiosk beside a
// newer kiosk-sync) shows ProblemText.
namespace problem {
inline constexpr std::string_view kNoServer = "no_server";
inline constexpr std::string_view kNotEnrolled = "not_enrolled";
inline constexpr std::string_view kEnrolmentRefused = "enrolment_refused";  // detail: the county's reason
inline constexpr std::string_view kUnknownStation = "unknown_station";      // the county answered 401
inline constexpr std::string_view kUnreachable = "unreachable";             // no answer, or not the county's
inline constexpr std::string_view kCountyBusy = "county_busy";              // count: seconds to wait
inline constexpr std::string_view kReportsNotDelivered = "reports_not_delivered";  // count; detail: the last failure
inline constexpr std::string_view kReportsRefused = "reports_refused";      // count
inline constexpr std::string_view kCountyStepFailed = "county_step_failed"; // ratings, watch records, events, health
inline constexpr std::string_view kContentFailed = "content_failed";        // detail: why
// The accepted catalog's expiry has passed and no newer one came (a county
// that stopped publishing, or someone holding the station on old content):
// count: days since; the lessons still play.
inline constexpr std::string_view kContentExpired = "content_expired";
inline constexpr std::string_view kStationError = "station_error";          // the station's own disk or database
// A USB job's (detail: what failed, English)
inline constexpr std::string_view kUsbNoPackage = "usb_no_package";
inline constexpr std::string_view kUsbPackageRefused = "usb_package_refused";  // signature, older, expired...
inline constexpr std::string_view kUsbStationDiskFull = "usb_station_disk_full";
inline constexpr std::string_view kUsbStickFull = "usb_stick_full";
inline constexpr std::string_view kUsbStickGone = "usb_stick_gone";
inline constexpr std::string_view kUsbStickFailed = "usb_stick_failed";    // cannot read or write it
inline constexpr std::string_view kUsbNotEnrolled = "usb_not_enrolled";    // no county key to check with

// Every code a round records, and every code a USB job's outcome carries:
// the kiosk's catalogs have a sentence for each (a test checks).
inline constexpr std::string_view kRoundCodes[] = {
    kNoServer, kNotEnrolled, kEnrolmentRefused, kUnknownStation, kUnreachable, kCountyBusy,
    kReportsNotDelivered, kReportsRefused, kCountyStepFailed, kContentFailed, kContentExpired, kStationError};
inline constexpr std::string_view kUsbCodes[] = {
    kUsbNoPackage, kUsbPackageRefused, kUsbStationDiskFull, kUsbStickFull,
    kUsbStickGone, kUsbStickFailed, kUsbNotEnrolled, kStationError};
}  // namespace problem

SyncProblem MakeProblem(std::string_view code, std::string detail = "", std::int64_t count = 0);

// A problem the round could do nothing about and that retrying sooner will
// not mend (content_expired): shown, but the round still succeeded (no
// backoff; the next round comes after the usual interval).
bool IsWarningOnly(std::string_view code);
// Any problem that fails the round.
bool AnyFailure(const std::vector<SyncProblem>& problems);

// English, one line: for the log, kiosk-sync's output and the status's last_error.
std::string ProblemText(const SyncProblem& problem);
// ProblemText of each, joined with "; ".
std::string ProblemsText(const std::vector<SyncProblem>& problems);

// Stored with the status (a JSON array); unreadable text reads as none.
std::string ProblemsJson(const std::vector<SyncProblem>& problems);
std::vector<SyncProblem> ParseProblems(std::string_view json);

}  // namespace station_sync
