// Delivery: records up, events down (see delivery.h). The libcurl transport
// is at the top, then the county's answers, then one section per kind of
// record, in the order a round sends them.

#include "sync/delivery.h"

#include <curl/curl.h>
#include <sqlite3.h>
#include <sodium.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cassert>
#include <cctype>
#include <mutex>
#include <nlohmann/json.hpp>

#include "base/log.h"
#include "base/numbers.h"
#include "base/version.h"
#include "store/lessons.h"
#include "store/sql.h"
#include "store/store.h"

namespace station_sync {

std::string progress::What(std::string_view kind, std::string_view name) {
  std::string what(kind);
  if (!name.empty()) what.append(":").append(name);
  return what;
}

std::pair<std::string, std::string> progress::SplitWhat(const std::string& what) {
  const std::string kind = what.substr(0, what.find(':'));
  for (std::string_view known : kKinds) {
    if (kind == known) return {kind, what.size() > kind.size() ? what.substr(kind.size() + 1) : ""};
  }
  return {"", what};
}
namespace {

using nlohmann::json;

constexpr char kProtocolMarker[] = "village-station/1";
constexpr char kUserAgent[] = "village-station/1 kiosk-sync";
constexpr std::size_t kMaxAnswerBytes = 16 << 20;
constexpr int kMaxBatch = 1000;  // docs/protocol.md section 8
// Reports failing in a row before a pass gives up for this round: a dead
// link should not cost a connect timeout per report (few, if nothing got
// through yet), but a flaky one that delivers now and then is worth
// staying on (more, once something got through).
constexpr int kFailuresBeforeAnySuccess = 3;
constexpr int kFailuresAfterASuccess = 20;

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return std::string(text);
}

double LibsodiumUnitRandom() { return randombytes_uniform(1'000'000) / 1e6; }

// ---- libcurl -------------------------------------------------------------------------

class CurlTransport : public HttpTransport {
 public:
  explicit CurlTransport(const TransportLimits& limits) : limits_(limits) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    curl_ = curl_easy_init();
  }
  ~CurlTransport() override { curl_easy_cleanup(curl_); }

  base::Result<HttpResponse> Send(const HttpRequest& request) override {
    if (curl_ == nullptr) return base::MakeError(base::ErrorCode::kUnavailable, "libcurl cannot start");
    curl_easy_reset(curl_);  // keeps the connection cache: keep-alive survives
    HttpResponse response;
    Sink sink{&response, false};
    char error_text[CURL_ERROR_SIZE] = {0};
    curl_slist* headers = nullptr;
    for (const auto& [name, value] : request.headers) {
      headers = curl_slist_append(headers, (name + ": " + value).c_str());
    }
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
    curl_easy_setopt(curl_, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl_, CURLOPT_USERAGENT, kUserAgent);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error_text);
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT, static_cast<long>(limits_.connect_timeout_s));
    curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(limits_.low_speed_bytes_per_s));
    curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_TIME, static_cast<long>(limits_.low_speed_time_s));
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT, static_cast<long>(limits_.request_timeout_s));
    curl_easy_setopt(curl_, CURLOPT_TCP_KEEPALIVE, 1L);
    if (limits_.max_bytes_per_s > 0) {
      curl_easy_setopt(curl_, CURLOPT_MAX_SEND_SPEED_LARGE, static_cast<curl_off_t>(limits_.max_bytes_per_s));
      curl_easy_setopt(curl_, CURLOPT_MAX_RECV_SPEED_LARGE, static_cast<curl_off_t>(limits_.max_bytes_per_s));
    }
    if (!limits_.ca_file.empty()) curl_easy_setopt(curl_, CURLOPT_CAINFO, limits_.ca_file.c_str());
    if (request.method == "GET") {
      curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &CurlTransport::OnBody);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, &CurlTransport::OnHeader);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &sink);
    if (limits_.cancel != nullptr) {
      curl_easy_setopt(curl_, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt(curl_, CURLOPT_XFERINFOFUNCTION, &CurlTransport::OnProgress);
      curl_easy_setopt(curl_, CURLOPT_XFERINFODATA, limits_.cancel);
    }
    const CURLcode code = curl_easy_perform(curl_);
    curl_slist_free_all(headers);
    if (code != CURLE_OK) {
      const std::string detail = error_text[0] != 0 ? error_text : curl_easy_strerror(code);
      return base::MakeError(base::ErrorCode::kUnavailable,
                             "no answer from " + request.url + ": " + detail);
    }
    long status = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    return response;
  }

 private:
  struct Sink {
    HttpResponse* response;
    bool too_large;
  };

  static size_t OnBody(char* data, size_t size, size_t count, void* user) {
    Sink* sink = static_cast<Sink*>(user);
    const size_t bytes = size * count;
    if (sink->response->body.size() + bytes > kMaxAnswerBytes) return 0;  // refuse endless answers
    sink->response->body.append(data, bytes);
    return bytes;
  }

  static int OnProgress(void* cancel, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<const std::atomic<bool>*>(cancel)->load() ? 1 : 0;
  }

  static size_t OnHeader(char* data, size_t size, size_t count, void* user) {
    Sink* sink = static_cast<Sink*>(user);
    const std::string_view line(data, size * count);
    if (line.rfind("HTTP/", 0) == 0) {
      sink->response->headers.clear();  // a new answer (after 100 Continue, a redirect)
    } else if (const size_t colon = line.find(':'); colon != std::string_view::npos) {
      sink->response->headers.emplace_back(Lower(Trim(line.substr(0, colon))),
                                           Trim(line.substr(colon + 1)));
    }
    return size * count;
  }

  TransportLimits limits_;
  CURL* curl_ = nullptr;
};

}  // namespace

std::optional<std::string> HttpResponse::Header(std::string_view lower_case_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_case_name) return value;
  }
  return std::nullopt;
}

std::unique_ptr<HttpTransport> MakeCurlTransport(const TransportLimits& limits) {
  return std::make_unique<CurlTransport>(limits);
}

// ---- The county's answers ------------------------------------------------------------

base::Result<CountyResponse> ReadCountyResponse(const HttpResponse& response, std::int64_t now_s) {
  const std::string what = "HTTP " + std::to_string(response.status);
  if (response.Header("x-village-protocol") != "1") {
    return base::MakeError(base::ErrorCode::kUnavailable,
                           "not the county: " + what +
                               " without X-Village-Protocol: 1 (a captive portal or proxy?)");
  }
  CountyResponse county;
  county.status = response.status;
  if (auto time = response.Header("x-server-time")) county.server_time_s = base::ParseInt64(*time);
  if (auto etag = response.Header("etag")) county.etag = *etag;
  if (auto retry = response.Header("retry-after")) {
    county.retry_after_s = ParseRetryAfterSeconds(*retry, now_s);
  }
  if (response.status == 304) return county;
  const json body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || body.value("protocol", "") != kProtocolMarker) {
    return base::MakeError(base::ErrorCode::kUnavailable,
                           "not the county: " + what + " without the protocol's JSON marker");
  }
  if (const auto error = body.find("error"); error != body.end() && error->is_string()) {
    county.error = error->get<std::string>();
  }
  county.body = response.body;
  return county;
}

CountyConnection::CountyConnection(HttpTransport& transport, std::string base_url, Clock& clock)
    : transport_(transport), base_url_(std::move(base_url)), clock_(clock) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

base::Result<CountyResponse> CountyConnection::Call(
    const std::string& method, const std::string& path, const std::string& body,
    std::vector<std::pair<std::string, std::string>> headers) {
  HttpRequest request{method, base_url_ + path, std::move(headers), body};
  if (!token_.empty()) request.headers.emplace_back("Authorization", "Bearer " + token_);
  const bool has_type = std::any_of(request.headers.begin(), request.headers.end(),
                                    [](const auto& h) { return Lower(h.first) == "content-type"; });
  if (!body.empty() && !has_type) request.headers.emplace_back("Content-Type", "application/json");
  bytes_sent_ += static_cast<std::int64_t>(body.size());
  base::Result<HttpResponse> response = transport_.Send(request);
  if (!response.ok()) return response.error();
  base::Result<CountyResponse> county = ReadCountyResponse(*response, clock_.NowSeconds());
  if (county.ok() && county->server_time_s) {
    clock_.HeardCountyTime(*county->server_time_s);  // a StationClock keeps the county's time
    clock_offset_s_ = *county->server_time_s - clock_.NowSeconds();
  }
  if (county.ok() && (county->status == 429 || county->status == 503)) NoteRetryAfter(county->retry_after_s.value_or(1));
  return county;
}

// ---- Reports -----------------------------------------------------------------------------

namespace {

// How a step of sending a report ended, when it did not succeed.
struct Failure {
  enum Kind { kTransport, kWait, kRefused, kUnauthorized, kDamaged, kOther } kind = kOther;
  std::string message;
  std::string error;  // the county's error code
  std::optional<std::int64_t> retry_after_s;
};

Failure FromError(const base::Error& error) { return {Failure::kTransport, error.message, "", {}}; }

// A report's own files at the station failed it, not the link or the county.
bool IsLocalFileError(base::ErrorCode code) {
  return code == base::ErrorCode::kCorrupt || code == base::ErrorCode::kIo || code == base::ErrorCode::kNotFound;
}

Failure FromAnswer(const CountyResponse& answer, const std::string& what) {
  Failure failure;
  failure.error = answer.error;
  failure.retry_after_s = answer.retry_after_s;
  failure.message = what + ": HTTP " + std::to_string(answer.status) +
                    (answer.error.empty() ? "" : " " + answer.error);
  if (answer.status == 429 || answer.status == 503) {
    failure.kind = Failure::kWait;
  } else if (answer.status == 401) {
    failure.kind = Failure::kUnauthorized;
  } else if (answer.status == 400 || answer.status == 403 || answer.status == 409 ||
             answer.status == 413) {
    failure.kind = Failure::kRefused;
  }
  return failure;
}

std::optional<std::int64_t> JsonInt(const json& body, const char* key) {
  const auto it = body.find(key);
  if (it == body.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

}  // namespace

Delivery::Delivery(store::Store& store, FileSystem& fs, Clock& clock, CountyConnection& county,
                   std::string outbox_dir, DeliveryOptions options)
    : store_(store),
      fs_(fs),
      clock_(clock),
      county_(county),
      queue_(store, fs, outbox_dir),
      outbox_dir_(std::move(outbox_dir)),
      options_(std::move(options)) {
  if (!options_.unit_random) options_.unit_random = LibsodiumUnitRandom;
}

std::int64_t Delivery::RetryAt(int attempts, std::optional<std::int64_t> retry_after_s) {
  const std::int64_t delay_ms =
      NextTryDelayMs(options_.backoff, std::max(1, attempts), options_.unit_random(), retry_after_s);
  return clock_.NowSeconds() + std::max<std::int64_t>(1, (delay_ms + 999) / 1000);
}

base::Status Delivery::SendDueReports(DeliveryReport& out) {
  const std::int64_t now_s = clock_.NowSeconds();
  if (base::Status recovered = queue_.RecoverInterrupted(now_s); !recovered.ok()) return recovered;
  base::Result<std::vector<QueuedReport>> due = queue_.DueForSending(now_s, options_.reports_per_pass);
  if (!due.ok()) return due.error();
  out.reports_due += static_cast<int>(due->size());
  pass_ = {progress::What(progress::kReports), 0, 0};
  for (const QueuedReport& r : *due) {
    for (const SealedBlob& b : r.blobs) pass_.total_bytes += static_cast<std::int64_t>(b.size_bytes);
  }
  int failures_in_a_row = 0;
  for (const QueuedReport& report : *due) {
    if (base::Status begun = queue_.BeginSending(report.report_id); !begun.ok()) return begun;
    const Outcome outcome = SendOne(report, out);
    for (const SealedBlob& b : report.blobs) pass_.done_bytes += static_cast<std::int64_t>(b.size_bytes);
    if (progress_) progress_(pass_);
    failures_in_a_row = outcome == Outcome::kFailed ? failures_in_a_row + 1 : 0;
    if (outcome == Outcome::kWaitForCounty || outcome == Outcome::kUnauthorized || outcome == Outcome::kStopped) break;
    if (failures_in_a_row >= (out.reports_acknowledged == 0 ? kFailuresBeforeAnySuccess
                                                             : kFailuresAfterASuccess)) {
      break;
    }
  }
  return base::Ok();
}

Delivery::Outcome Delivery::SendOne(const QueuedReport& report, DeliveryReport& out) {
  const std::string& id = report.report_id;
  const int attempt = report.attempts + 1;
  std::optional<Failure> failure;
  // A report tried before may have left partial uploads: ask first, then
  // continue from there. A first try just sends (a 409 says where to go on).
  const bool ask_first = report.attempts > 0;
  auto upload = [&](const std::vector<SealedBlob>& blobs, bool ask) {
    for (const SealedBlob& blob : blobs) {
      std::optional<std::int64_t> retry_after;
      base::Status uploaded = UploadBlob(report, blob, ask, retry_after);
      if (!uploaded.ok()) {
        failure = Failure{retry_after ? Failure::kWait : Failure::kTransport,
                          uploaded.error().message, "", retry_after};
        if (uploaded.error().code == base::ErrorCode::kDenied) failure->kind = Failure::kUnauthorized;
        if (IsLocalFileError(uploaded.error().code)) failure->kind = Failure::kDamaged;
        return;
      }
    }
  };
  upload(report.blobs, ask_first);

  base::Result<std::string> envelope = fs_.ReadFile(report.directory + "/envelope");
  if (!failure && !envelope.ok()) {
    failure = Failure{Failure::kDamaged, "cannot read the envelope: " + envelope.error().message, "", {}};
  }
  for (int put = 0; !failure && put < 2; ++put) {
    base::Result<CountyResponse> answer =
        county_.Call("PUT", "/v1/reports/" + id, *envelope, {{"Content-Type", "text/plain"}});
    if (!answer.ok()) {
      failure = FromError(answer.error());
      break;
    }
    const json body = json::parse(answer->body, nullptr, false);
    if (answer->status == 200 && body.value("status", "") == "acknowledged" &&
        body.value("report_id", "") == id) {
      if (base::Status marked = queue_.MarkAcknowledged(id, clock_.NowSeconds()); !marked.ok()) {
        // The county has it; the next pass is acknowledged again (idempotent).
        base::LogError("delivery", "report " + id + " acknowledged but not recorded: " +
                                       marked.error().message);
        ++out.reports_failed;
        return Outcome::kFailed;
      }
      auto cleared = store::sql::Statement::Prepare(
          store_.handle(), "DELETE FROM sync_report_refusals WHERE report_id = ?1");
      if (cleared.ok()) (void)cleared->Bind(1, id).Run();
      ++out.reports_acknowledged;
      return Outcome::kAcknowledged;
    }
    if (answer->status == 422 && answer->error == "missing_blobs" && put == 0) {
      std::vector<SealedBlob> missing;
      for (const json& sha : body.value("missing", json::array())) {
        for (const SealedBlob& blob : report.blobs) {
          if (sha.is_string() && sha.get<std::string>() == blob.sha256_hex) missing.push_back(blob);
        }
      }
      base::LogWarn("delivery", "report " + id + ": the county lacks " +
                                    std::to_string(missing.size()) + " blob(s); uploading again");
      upload(missing, /*ask=*/true);
      continue;
    }
    failure = FromAnswer(*answer, "report " + id);
  }

  // Not acknowledged: Failed(retry_at). Never dropped.
  assert(failure);
  const std::int64_t now_s = clock_.NowSeconds();
  if (failure->kind == Failure::kTransport && options_.stopped != nullptr && options_.stopped->load()) {
    base::LogInfo("delivery", "report " + id + ": stopped on purpose; due again at once");
    if (base::Status marked = queue_.MarkFailed(id, now_s, failure->message); !marked.ok()) {
      base::LogError("delivery", "cannot record the stop of " + id + ": " + marked.error().message);
    }
    return Outcome::kStopped;
  }
  std::int64_t retry_at = RetryAt(attempt, failure->retry_after_s);
  Outcome outcome = Outcome::kFailed;
  if (failure->kind == Failure::kRefused) {
    // Only a person can tell why (a conflicting envelope, a key the county
    // does not know): say so loudly, keep the report, retry rarely.
    retry_at = now_s + options_.backoff.cap_ms / 1000;
    base::LogError("delivery", "the county REFUSED report " + id + " (" + failure->message +
                                   "); kept and flagged for the administrator");
    auto flag = store::sql::Statement::Prepare(
        store_.handle(),
        "INSERT INTO sync_report_refusals (report_id, error, detail, first_at, last_at) "
        "VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (report_id) DO UPDATE SET "
        "error = excluded.error, detail = excluded.detail, last_at = excluded.last_at");
    if (flag.ok()) {
      flag->Bind(1, id).Bind(2, failure->error.empty() ? "refused" : failure->error);
      flag->Bind(3, failure->message).Bind(4, now_s);
      if (base::Status flagged = flag->Run(); !flagged.ok()) {
        base::LogError("delivery", "cannot flag report " + id + ": " + flagged.error().message);
      }
    }
    ++out.reports_refused;
    outcome = Outcome::kRefused;
  } else if (failure->kind == Failure::kDamaged) {
    // Its files at the station cannot be read as saved: retrying soon will
    // not mend them, and the other reports and steps go on.
    retry_at = now_s + options_.backoff.cap_ms / 1000;
    base::LogError("delivery", "report " + id + " is damaged at the station (" + failure->message +
                                   "); kept, tried again in " + std::to_string(options_.backoff.cap_ms / 60'000) +
                                   " min");
    ++out.reports_failed;
    out.last_report_failure = "report " + id + " is damaged at the station: " + failure->message;
    out.last_report_failure_was_link = false;
  } else {
    base::LogWarn("delivery", "report " + id + " not delivered (try " + std::to_string(attempt) +
                                  "): " + failure->message);
    ++out.reports_failed;
    out.last_report_failure = failure->message;
    out.last_report_failure_was_link = failure->kind == Failure::kTransport;
    if (out.last_report_failure_was_link) ++out.reports_failed_on_link;
    if (failure->kind == Failure::kWait) outcome = Outcome::kWaitForCounty;
    if (failure->kind == Failure::kUnauthorized) outcome = Outcome::kUnauthorized;
  }
  if (failure->retry_after_s) {
    out.earliest_retry_after_s = std::max(out.earliest_retry_after_s, *failure->retry_after_s);
  }
  if (base::Status marked = queue_.MarkFailed(id, retry_at, failure->message); !marked.ok()) {
    base::LogError("delivery", "cannot record the failure of " + id + ": " + marked.error().message);
  }
  if (outcome == Outcome::kUnauthorized) out.problems.push_back(MakeProblem(problem::kUnknownStation));
  return outcome;
}

base::Status Delivery::UploadBlob(const QueuedReport& report, const SealedBlob& blob,
                                  bool ask_first, std::optional<std::int64_t>& retry_after) {
  const std::string path = "/v1/uploads/" + blob.sha256_hex;
  const auto size = static_cast<std::int64_t>(blob.size_bytes);
  std::int64_t done_before = 0;  // this report's earlier blobs, for the progress
  for (const SealedBlob& b : report.blobs) {
    if (b.sha256_hex == blob.sha256_hex) break;
    done_before += static_cast<std::int64_t>(b.size_bytes);
  }
  // Errors below: kDenied for 401, kUnavailable otherwise; retry_after set
  // when the county asked to wait.
  auto refused = [&](const CountyResponse& answer) {
    retry_after = answer.retry_after_s;
    if (answer.status == 429 || answer.status == 503) retry_after = answer.retry_after_s.value_or(1);
    return base::MakeError(answer.status == 401 ? base::ErrorCode::kDenied : base::ErrorCode::kUnavailable,
                           "upload " + blob.sha256_hex.substr(0, 12) + ": HTTP " +
                               std::to_string(answer.status) + " " + answer.error);
  };
  std::int64_t offset = 0;
  if (ask_first) {
    base::Result<CountyResponse> answer = county_.Call("GET", path);
    if (!answer.ok()) return answer.error();
    if (answer->status != 200) return refused(*answer);
    const json body = json::parse(answer->body, nullptr, false);
    if (body.value("complete", false)) return base::Ok();
    const std::optional<std::int64_t> total = JsonInt(body, "size");
    if (!total || *total == size) offset = JsonInt(body, "received").value_or(0);
  }
  base::Result<std::string> bytes = fs_.ReadFile(report.directory + "/" + blob.sha256_hex);
  if (!bytes.ok()) return bytes.error();
  if (static_cast<std::int64_t>(bytes->size()) != size) {
    return base::MakeError(base::ErrorCode::kCorrupt,
                           "blob " + blob.sha256_hex + " has " + std::to_string(bytes->size()) +
                               " bytes on disk, " + std::to_string(size) + " expected");
  }
  const auto chunk = static_cast<std::int64_t>(options_.upload_chunk_bytes);
  int mismatches = 0;
  while (offset < size) {
    offset = std::clamp<std::int64_t>(offset, 0, size - 1);
    const std::int64_t end = std::min(size, offset + chunk) - 1;
    const std::string range = "bytes " + std::to_string(offset) + "-" + std::to_string(end) + "/" +
                              std::to_string(size);
    base::Result<CountyResponse> answer = county_.Call(
        "PUT", path, bytes->substr(static_cast<std::size_t>(offset), static_cast<std::size_t>(end - offset + 1)),
        {{"Content-Type", "application/octet-stream"}, {"Content-Range", range}});
    if (!answer.ok()) return answer.error();
    const json body = json::parse(answer->body, nullptr, false);
    if (answer->status == 200) {
      if (body.value("complete", false)) return base::Ok();
      offset = JsonInt(body, "received").value_or(end + 1);
      if (progress_) progress_({pass_.what, pass_.done_bytes + done_before + offset, pass_.total_bytes});
      continue;
    }
    if (answer->status == 409 && ++mismatches <= 3) {
      // offset_mismatch: continue where the county is; size_mismatch: start again.
      offset = answer->error == "size_mismatch" ? 0 : JsonInt(body, "received").value_or(0);
      continue;
    }
    return refused(*answer);
  }
  return base::Ok();
}

// ---- Ratings and watch records -------------------------------------------------------------

namespace {

// The ids the county named as accepted or rejected under `id_key`.
std::vector<std::string> AnsweredIds(const json& body, const char* id_key) {
  std::vector<std::string> ids;
  for (const json& id : body.value("accepted", json::array())) {
    if (id.is_string()) ids.push_back(id.get<std::string>());
  }
  for (const json& item : body.value("rejected", json::array())) {
    if (item.is_object() && item.contains(id_key) && (*item.find(id_key)).is_string()) {
      base::LogWarn("delivery", std::string("the county rejected ") + id_key + " " +
                                    (*item.find(id_key)).get<std::string>() + ": " +
                                    item.value("error", "?"));
      ids.push_back((*item.find(id_key)).get<std::string>());
    }
  }
  return ids;
}

// No answer (or none from the county) says the link is the trouble; an
// answer that is not a success, the county.
SyncProblem DescribeFailure(const base::Result<CountyResponse>& answer, const std::string& what) {
  if (!answer.ok()) return MakeProblem(problem::kUnreachable, what + ": " + answer.error().message);
  const std::string detail = what + ": HTTP " + std::to_string(answer->status) + " " + answer->error;
  if (answer->status == 401) return MakeProblem(problem::kUnknownStation, detail);  // whatever the step
  return MakeProblem(problem::kCountyStepFailed, detail);
}

}  // namespace

base::Status Delivery::SendRatings(DeliveryReport& out) {
  base::Result<std::vector<OutboxQueue::Rating>> ratings = queue_.RatingsToUpload();
  if (!ratings.ok()) return ratings.error();
  for (std::size_t first = 0; first < ratings->size(); first += kMaxBatch) {
    json items = json::array();
    for (std::size_t i = first; i < std::min(ratings->size(), first + kMaxBatch); ++i) {
      const OutboxQueue::Rating& r = (*ratings)[i];
      items.push_back({{"report_id", r.report_id}, {"faces", r.faces}, {"rated_at", r.rated_at_s}});
    }
    base::Result<CountyResponse> answer =
        county_.Call("POST", "/v1/ratings", json{{"ratings", items}}.dump());
    if (!answer.ok() || answer->status != 200) {
      out.problems.push_back(DescribeFailure(answer, "ratings"));
      return base::Ok();
    }
    const std::int64_t now_s = clock_.NowSeconds();
    for (const std::string& id : AnsweredIds(json::parse(answer->body, nullptr, false), "report_id")) {
      if (queue_.MarkRatingUploaded(id, now_s).ok()) ++out.ratings_uploaded;
    }
  }
  return base::Ok();
}

base::Status Delivery::SendWatchRecords(DeliveryReport& out) {
  store::LessonLibrary library(store_);
  const int batch = std::clamp(options_.watch_records_per_batch, 1, kMaxBatch);
  for (;;) {
    base::Result<std::vector<store::WatchRecord>> records = library.PendingWatchRecords(batch);
    if (!records.ok()) return records.error();
    if (records->empty()) return base::Ok();
    json items = json::array();
    for (const store::WatchRecord& r : *records) {
      items.push_back({{"record_id", r.record_id},
                       {"lesson_id", r.lesson_id},
                       {"started_at", r.started_at},
                       {"seconds_watched", r.seconds_watched},
                       {"completed", r.completed}});
    }
    if (progress_) progress_({progress::What(progress::kWatchRecords), 0, static_cast<std::int64_t>(records->size())});
    base::Result<CountyResponse> answer =
        county_.Call("POST", "/v1/watch-records", json{{"records", items}}.dump());
    if (!answer.ok() || answer->status != 200) {
      out.problems.push_back(DescribeFailure(answer, "watch records"));
      return base::Ok();
    }
    const std::vector<std::string> ids =
        AnsweredIds(json::parse(answer->body, nullptr, false), "record_id");
    auto transaction = store::sql::Transaction::Begin(store_.handle());
    if (!transaction.ok()) return transaction.error();
    auto mark = store::sql::Statement::Prepare(
        store_.handle(),
        "UPDATE watch_records SET uploaded_at = ?2 WHERE record_id = ?1 AND uploaded_at IS NULL");
    if (!mark.ok()) return mark.error();
    int marked = 0;
    for (const std::string& id : ids) {
      mark->Reset();
      mark->Bind(1, id).Bind(2, clock_.NowSeconds());
      if (base::Status ran = mark->Run(); !ran.ok()) return ran;
      marked += sqlite3_changes(store_.handle());
    }
    if (base::Status committed = transaction->Commit(); !committed.ok()) return committed;
    out.watch_records_uploaded += marked;
    if (marked == 0) {
      // The county answered but named none of them: sending the same batch
      // again would loop. Try next round.
      out.problems.push_back(MakeProblem(problem::kCountyStepFailed, "watch records: the county accepted none of " +
                                                                         std::to_string(records->size())));
      return base::Ok();
    }
  }
}

// ---- Health -------------------------------------------------------------------------------

base::Result<bool> Delivery::SendHealth(const std::string& data_dir,
                                  const std::vector<std::string>& last_errors,
                                  DeliveryReport& out) {
  std::int64_t free_bytes = 0;
  struct statvfs disk {};
  if (::statvfs(data_dir.c_str(), &disk) == 0) {
    free_bytes = static_cast<std::int64_t>(disk.f_bavail) * static_cast<std::int64_t>(disk.f_frsize);
  }
  json errors = json::array();
  for (std::size_t i = 0; i < last_errors.size() && i < 20; ++i) {
    errors.push_back(last_errors[i].substr(0, 500));
  }
  const json versions = {{"station", base::StationVersion()},
                         {"protocol", "1"},
                         {"schema", std::to_string(store_.schema_version())},
                         {"sqlite", sqlite3_libversion()},
                         {"curl", curl_version_info(CURLVERSION_NOW)->version},
                         {"sodium", sodium_version_string()}};
  const json body = {{"free_disk_bytes", free_bytes},
                     {"versions", versions},
                     {"last_errors", errors},
                     {"station_time", clock_.NowSeconds()}};
  base::Result<CountyResponse> answer =
      county_.Call("POST", "/v1/health", body.dump(-1, ' ', false, json::error_handler_t::replace));
  if (answer.ok() && answer->status == 200) return true;
  out.problems.push_back(DescribeFailure(answer, "health"));
  return false;
}

// ---- Events -------------------------------------------------------------------------------

namespace {

bool ReportExists(store::Store& store, const std::string& report_id) {
  auto statement = store::sql::Statement::Prepare(store.handle(),
                                                  "SELECT 1 FROM reports WHERE report_id = ?1");
  if (!statement.ok()) return false;
  statement->Bind(1, report_id);
  base::Result<bool> row = statement->Step();
  return row.ok() && *row;
}

}  // namespace

base::Status Delivery::ApplyEvents(DeliveryReport& out) {
  constexpr int kMaxPages = 100;  // per round; the rest next round
  for (int page = 0; page < kMaxPages; ++page) {
    auto state = store::sql::Statement::Prepare(
        store_.handle(), "SELECT events_cursor, events_etag FROM sync_state WHERE id = 1");
    if (!state.ok()) return state.error();
    base::Result<bool> row = state->Step();
    if (!row.ok()) return row.error();
    const std::int64_t cursor = *row ? state->Int(0) : 0;
    const std::string etag = *row ? state->Text(1) : "";
    std::vector<std::pair<std::string, std::string>> headers;
    if (!etag.empty()) headers.emplace_back("If-None-Match", etag);
    base::Result<CountyResponse> answer = county_.Call(
        "GET", "/v1/events?after=" + std::to_string(cursor) + "&limit=100", "", headers);
    if (answer.ok() && answer->status == 304) return base::Ok();
    if (!answer.ok() || answer->status != 200) {
      out.problems.push_back(DescribeFailure(answer, "events"));
      return base::Ok();
    }
    const json body = json::parse(answer->body, nullptr, false);
    const std::optional<std::int64_t> next = JsonInt(body, "next");
    if (!next || *next < cursor || !body.contains("events") || !body["events"].is_array()) {
      out.problems.push_back(MakeProblem(problem::kCountyStepFailed, "events: an answer without a usable cursor"));
      return base::Ok();
    }

    // Apply, then move the cursor, in one transaction: a crash between the
    // two cannot skip an event (and applying twice changes nothing).
    auto transaction = store::sql::Transaction::Begin(store_.handle());
    if (!transaction.ok()) return transaction.error();
    const std::int64_t now_s = clock_.NowSeconds();
    for (const json& event : body["events"]) {
      if (!event.is_object()) continue;
      const std::string type = event.value("type", "");
      const std::string report_id = event.value("report_id", "");
      const std::int64_t at_s = JsonInt(event, "at").value_or(now_s);
      if ((type == "reply" || type == "status") && !ReportExists(store_, report_id)) {
        base::LogWarn("delivery", "event for unknown report " + report_id + " skipped");
        continue;
      }
      if (type == "reply") {
        base::Status recorded =
            queue_.RecordReply(report_id, event.value("reply_id", ""), at_s,
                               event.value("text", ""), now_s);
        if (!recorded.ok()) return recorded;
        ++out.events_applied;
      } else if (type == "status" && event.value("status", "") == "resolved") {
        auto resolve = store::sql::Statement::Prepare(
            store_.handle(),
            "UPDATE reports SET resolved_at = ?2 WHERE report_id = ?1 AND resolved_at IS NULL");
        if (!resolve.ok()) return resolve.error();
        resolve->Bind(1, report_id).Bind(2, at_s);
        if (base::Status ran = resolve->Run(); !ran.ok()) return ran;
        ++out.events_applied;
      }
      // Notices travel with the catalog; unknown types and statuses are
      // skipped, the cursor still moves past them (docs/protocol.md section 6).
    }
    auto save = store::sql::Statement::Prepare(
        store_.handle(), "UPDATE sync_state SET events_cursor = ?1, events_etag = ?2 WHERE id = 1");
    if (!save.ok()) return save.error();
    save->Bind(1, *next).Bind(2, answer->etag);
    if (base::Status saved = save->Run(); !saved.ok()) return saved;
    if (base::Status committed = transaction->Commit(); !committed.ok()) return committed;
    if (!body.value("more", false)) return base::Ok();
  }
  return base::Ok();
}

base::Result<std::vector<ReportRefusal>> ListReportRefusals(const store::Store& store) {
  auto statement = store::sql::Statement::Prepare(
      store.handle(),
      "SELECT f.report_id, f.error, f.detail, f.first_at, f.last_at FROM sync_report_refusals f "
      "JOIN reports r USING (report_id) WHERE r.status != 'acknowledged' ORDER BY f.first_at");
  if (!statement.ok()) return statement.error();
  std::vector<ReportRefusal> refusals;
  for (;;) {
    base::Result<bool> row = statement->Step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    refusals.push_back({statement->Text(0), statement->Text(1), statement->Text(2),
                        statement->Int(3), statement->Int(4)});
  }
  return refusals;
}

}  // namespace station_sync
