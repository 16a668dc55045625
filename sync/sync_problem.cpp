// SyncProblem: English text and the stored form (see sync_problem.h).

#include "sync/sync_problem.h"

#include <nlohmann/json.hpp>

namespace station_sync {

SyncProblem MakeProblem(std::string_view code, std::string detail, std::int64_t count) {
  return SyncProblem{std::string(code), count, std::move(detail)};
}

bool IsWarningOnly(std::string_view code) { return code == problem::kContentExpired; }

bool AnyFailure(const std::vector<SyncProblem>& problems) {
  for (const SyncProblem& p : problems) {
    if (!IsWarningOnly(p.code)) return true;
  }
  return false;
}

std::string ProblemText(const SyncProblem& p) {
  namespace k = problem;
  const std::string n = std::to_string(p.count);
  const std::string because = p.detail.empty() ? "" : ": " + p.detail;
  if (p.code == k::kNoServer) return "no county server: set sync.county_server or enrol";
  if (p.code == k::kNotEnrolled) return "not enrolled: the administrator needs an enrolment code";
  if (p.code == k::kEnrolmentRefused) return "enrolment" + because;
  if (p.code == k::kUnknownStation) return "the county no longer knows this station: enrol again";
  if (p.code == k::kCountyBusy) return "the county is busy: again in " + n + " s or later";
  if (p.code == k::kReportsNotDelivered) return n + " report(s) not delivered; retrying" + because;
  if (p.code == k::kReportsRefused) return n + " report(s) refused by the county";
  if (p.code == k::kContentFailed) return "content" + because;
  if (p.code == k::kContentExpired) return "the county's catalog expired " + n + " day(s) ago and no newer one came" + because;
  if (p.detail.empty()) return p.code;
  return p.detail;  // kUnreachable, kCountyStepFailed, kStationError: the detail says what
}

std::string ProblemsText(const std::vector<SyncProblem>& problems) {
  std::string text;
  for (const SyncProblem& p : problems) text += (text.empty() ? "" : "; ") + ProblemText(p);
  return text;
}

std::string ProblemsJson(const std::vector<SyncProblem>& problems) {
  nlohmann::json list = nlohmann::json::array();
  for (const SyncProblem& p : problems) list.push_back({{"code", p.code}, {"count", p.count}, {"detail", p.detail}});
  return list.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<SyncProblem> ParseProblems(std::string_view json) {
  const nlohmann::json list = nlohmann::json::parse(json, nullptr, false);
  std::vector<SyncProblem> problems;
  if (!list.is_array()) return problems;
  for (const nlohmann::json& p : list) {
    if (!p.is_object() || !p.contains("code") || !p["code"].is_string()) continue;
    SyncProblem problem{p["code"].get<std::string>(), 0, ""};
    if (p.contains("count") && p["count"].is_number_integer()) problem.count = p["count"].get<std::int64_t>();
    if (p.contains("detail") && p["detail"].is_string()) problem.detail = p["detail"].get<std::string>();
    problems.push_back(std::move(problem));
  }
  return problems;
}

}  // namespace station_sync
