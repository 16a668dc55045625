// docs/protocol.md v1 routes over CountyStore: see server.h.

#include "county/server.h"

#include <fcntl.h>
#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>
#include <thread>
#include <nlohmann/json.hpp>

#include "base/log.h"

namespace county {
namespace {

using nlohmann::json;

constexpr const char* kMarker = "village-station/1";
constexpr std::size_t kMaxJsonBytes = 1 << 20;
constexpr std::size_t kMaxEnvelopeBytes = 64 << 10;
constexpr std::size_t kMaxChunkBytes = 8 << 20;
constexpr std::uint64_t kMaxReportBlobBytes = 256ull << 20;
constexpr const char* kSha = "([0-9a-f]{64})";

std::int64_t Now() { return static_cast<std::int64_t>(std::time(nullptr)); }

void SendJson(httplib::Response& res, int status, json body) {
  body["protocol"] = kMarker;
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

// Unsigned decimal, nothing else.
std::optional<std::uint64_t> ParseNumber(std::string_view text) {
  std::uint64_t value = 0;
  if (text.empty() || text.size() > 19) return std::nullopt;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
};

// "bytes=N-", "bytes=N-M" or "bytes=-N" against `size`. nullopt: serve the
// whole blob (no range, several ranges, or a form we do not take);
// first > last: unsatisfiable (416).
std::optional<ByteRange> RequestedRange(const std::string& header, std::uint64_t size) {
  constexpr std::string_view kPrefix = "bytes=";
  if (header.compare(0, kPrefix.size(), kPrefix) != 0) return std::nullopt;
  std::string_view spec = std::string_view(header).substr(kPrefix.size());
  const std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos || spec.find(',') != std::string_view::npos) return std::nullopt;
  std::optional<std::uint64_t> first = ParseNumber(spec.substr(0, dash));
  std::optional<std::uint64_t> last = ParseNumber(spec.substr(dash + 1));
  if (!first && last) {  // the last N bytes
    if (*last == 0 || size == 0) return ByteRange{1, 0};
    return ByteRange{size - std::min(*last, size), size - 1};
  }
  if (!first || (last && *last < *first)) return std::nullopt;
  if (*first >= size) return ByteRange{1, 0};
  return ByteRange{*first, std::min(last.value_or(size - 1), size - 1)};
}

// "bytes <start>-<end>/<total>".
struct ContentRange {
  std::uint64_t start = 0, end = 0, total = 0;
};

std::optional<ContentRange> ParseContentRange(const std::string& header) {
  constexpr std::string_view kPrefix = "bytes ";
  if (header.compare(0, kPrefix.size(), kPrefix) != 0) return std::nullopt;
  std::string_view spec = std::string_view(header).substr(kPrefix.size());
  const std::size_t dash = spec.find('-');
  const std::size_t slash = spec.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || slash < dash) {
    return std::nullopt;
  }
  auto start = ParseNumber(spec.substr(0, dash));
  auto end = ParseNumber(spec.substr(dash + 1, slash - dash - 1));
  auto total = ParseNumber(spec.substr(slash + 1));
  if (!start || !end || !total || *end < *start || *end >= *total) return std::nullopt;
  return ContentRange{*start, *end, *total};
}

// True on the door's threads: every request there answers 429 (Admit).
thread_local bool t_at_the_door = false;

// Threads that only refuse. A refusal lasts until the request head is in and
// the 429 written (milliseconds, a slow link's round trip, a TLS handshake),
// at most the keep-alive timeout for a client that sends nothing or does not
// hang up after the 429.
constexpr std::size_t kDoorThreads = 4;

// Hands accepted connections to the workers, or to the door when more than
// `max_waiting` already wait for one, so that a full queue is answered at
// once and not when a worker frees up. httplib's enqueue() can neither
// refuse a task nor say which socket it serves, and the task is what speaks
// HTTP and TLS: the door runs the same task on threads of its own.
class ConnectionQueue : public httplib::TaskQueue {
 public:
  ConnectionQueue(int workers, int max_waiting, std::shared_ptr<std::atomic<int>> connections)
      : workers_(static_cast<std::size_t>(workers)), door_(kDoorThreads),
        worker_count_(workers), max_waiting_(max_waiting), connections_(std::move(connections)) {}

  void enqueue(std::function<void()> task) override {
    if (connections_->load() - worker_count_ > max_waiting_) {
      door_.enqueue([task = std::move(task)] {
        t_at_the_door = true;
        task();
      });
      return;
    }
    ++*connections_;
    workers_.enqueue([task = std::move(task), connections = connections_] {
      task();
      --*connections;
    });
  }

  void shutdown() override {
    door_.shutdown();
    workers_.shutdown();
  }

 private:
  httplib::ThreadPool workers_;
  httplib::ThreadPool door_;
  const int worker_count_;
  const int max_waiting_;
  std::shared_ptr<std::atomic<int>> connections_;  // on a worker or waiting for one
};

// Blob downloads under way, at most `limit`.
class DownloadSlots {
 public:
  explicit DownloadSlots(int limit) : limit_(limit) {}
  // A slot for as long as the returned token (or a copy) lives; null when
  // all are taken.
  std::shared_ptr<void> TryTake() {
    if (in_use_.fetch_add(1) >= limit_) {
      in_use_.fetch_sub(1);
      return nullptr;
    }
    return std::shared_ptr<void>(this, [](DownloadSlots* slots) { slots->in_use_.fetch_sub(1); });
  }
  int in_use() const { return in_use_.load(); }

 private:
  const int limit_;
  std::atomic<int> in_use_{0};
};

}  // namespace

class Server::Routes {
 public:
  Routes(CountyStore& store, CountyPublicKeys keys, ServerOptions options, const Server& server)
      : store_(store), keys_(std::move(keys)), options_(std::move(options)), server_(server),
        download_slots_(options_.blob_downloads) {}

  void Install(httplib::Server& http) {
    using Req = const httplib::Request&;
    using Res = httplib::Response&;
    http.set_pre_routing_handler([this](Req req, Res res) { return Admit(req, res); });
    http.set_post_routing_handler([](Req, Res res) {
      res.set_header("X-Village-Protocol", "1");
      res.set_header("X-Server-Time", std::to_string(Now()));
    });
    // Answers httplib makes itself (no route, a body over the limit, a
    // request it cannot parse) get the protocol's JSON error too.
    http.set_error_handler([this](Req req, Res res) {
      if (!res.body.empty() || res.status == 416) return;
      const char* code = res.status == 404 ? "not_found"
                         : res.status == 413 ? "too_large"
                         : res.status >= 500 ? "internal" : "bad_request";
      Refuse(req, res, res.status, code, "refused by the HTTP layer");
    });
    http.set_exception_handler([this](Req req, Res res, std::exception_ptr) {
      Refuse(req, res, 500, "internal", "unexpected exception");
    });
    http.Post("/v1/enrol", [this](Req req, Res res) { Enrol(req, res); });
    http.Get("/v1/catalog", [this](Req req, Res res) { Catalog(req, res); });
    http.Get(std::string("/v1/blobs/") + kSha, [this](Req req, Res res) { Blob(req, res); });
    http.Get(std::string("/v1/uploads/") + kSha, [this](Req req, Res res) { UploadStatus(req, res); });
    http.Put(std::string("/v1/uploads/") + kSha, [this](Req req, Res res) { UploadChunk(req, res); });
    http.Put("/v1/reports/([0-9a-f]{32})", [this](Req req, Res res) { PutReport(req, res); });
    http.Post("/v1/ratings", [this](Req req, Res res) { Batch(req, res, &CountyStore::TakeRatings); });
    http.Post("/v1/watch-records", [this](Req req, Res res) { Batch(req, res, &CountyStore::TakeWatchRecords); });
    http.Post("/v1/health", [this](Req req, Res res) { Health(req, res); });
    http.Get("/v1/events", [this](Req req, Res res) { Events(req, res); });
  }

 private:
  using Req = const httplib::Request&;
  using Res = httplib::Response&;

  // Every refusal is answered the same way and leaves one log line.
  void Refuse(Req req, Res res, int status, const std::string& code, const std::string& message,
              const Station* station = nullptr, json extra = json::object()) {
    base::LogWarn("county", std::to_string(status) + " " + code + " " + req.method + " " +
                                req.path + (station ? " station " + station->station_id : "") +
                                ": " + message);
    extra["error"] = code;
    extra["message"] = message;
    if (status == 429 || status == 503) {
      res.set_header("Retry-After", std::to_string(options_.retry_after_s));
    }
    SendJson(res, status, std::move(extra));
  }

  void Failed(Req req, Res res, const base::Error& error, const Station* station = nullptr) {
    if (error.code == base::ErrorCode::kDiskFull) {
      Refuse(req, res, 503, "unavailable", error.message, station);
    } else {
      Refuse(req, res, 500, "internal", error.message, station);
    }
  }

  httplib::Server::HandlerResponse Admit(Req req, Res res) {
    res.set_header("Cache-Control", "no-store");  // blobs replace it
    const int waiting = server_.waiting();
    if (t_at_the_door) {
      RefuseAndClose(req, res, "connected when more than " + std::to_string(options_.max_waiting) +
                                   " connections waited for a worker");
    } else if (waiting > options_.max_waiting) {
      RefuseAndClose(req, res, std::to_string(waiting) + " connections waiting for a worker");
    } else {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    return httplib::Server::HandlerResponse::Handled;
  }

  // The station hangs up on Connection: close (httplib 0.11 does not close
  // by itself), which frees the worker at once: the station asks again only
  // after Retry-After, so its connection would only sit idle there.
  void RefuseAndClose(Req req, Res res, const std::string& message) {
    res.set_header("Connection", "close");
    Refuse(req, res, 429, "overloaded", message);
  }

  std::optional<Station> Authenticate(Req req, Res res) {
    constexpr std::string_view kBearer = "Bearer ";
    const std::string header = req.get_header_value("Authorization");
    if (header.compare(0, kBearer.size(), kBearer) == 0) {
      auto station = store_.StationByToken(header.substr(kBearer.size()));
      if (!station.ok()) {
        Failed(req, res, station.error());
        return std::nullopt;
      }
      if (*station) return *station;
    }
    Refuse(req, res, 401, "unauthorized", header.empty() ? "no token" : "unknown token");
    return std::nullopt;
  }

  std::optional<json> JsonBody(Req req, Res res, const Station* station) {
    if (req.body.size() > kMaxJsonBytes) {
      Refuse(req, res, 413, "too_large", "JSON body over 1 MiB", station);
      return std::nullopt;
    }
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      Refuse(req, res, 400, "bad_request", "body is not a JSON object", station);
      return std::nullopt;
    }
    return body;
  }

  void Enrol(Req req, Res res) {
    std::optional<json> body = JsonBody(req, res, nullptr);
    if (!body) return;
    EnrolRequest request;
    for (auto [field, out] : {std::pair{"code", &request.code},
                              {"station_key", &request.station_key},
                              {"station_name", &request.station_name},
                              {"village", &request.village},
                              {"proof", &request.proof}}) {
      if (!body->contains(field) || !(*body)[field].is_string()) {
        return Refuse(req, res, 400, "bad_request", std::string("missing string field ") + field);
      }
      *out = (*body)[field];
    }
    auto outcome = store_.Enrol(request, Now());
    if (!outcome.ok()) return Failed(req, res, outcome.error());
    using Kind = EnrolOutcome::Kind;
    switch (outcome->kind) {
      case Kind::kEnrolled:
        base::LogInfo("county", "station " + outcome->station_id + " (" + request.station_name +
                                    ", " + request.village + ") enrolled");
        return SendJson(res, 200, {{"station_id", outcome->station_id},
                                   {"token", outcome->token},
                                   {"county_box_key", Base64(std::string_view(
                                        reinterpret_cast<const char*>(keys_.box.key.data()),
                                        keys_.box.key.size()))},
                                   {"content_key", station_sync::minisign::PublicKeyLine(keys_.content)}});
      case Kind::kBadRequest: return Refuse(req, res, 400, "bad_request", outcome->message);
      case Kind::kInvalidCode: return Refuse(req, res, 403, "invalid_code", outcome->message);
      case Kind::kCodeUsed: return Refuse(req, res, 403, "code_used", outcome->message);
      case Kind::kCodeExpired: return Refuse(req, res, 403, "code_expired", outcome->message);
    }
  }

  void Catalog(Req req, Res res) {
    std::optional<Station> station = Authenticate(req, res);
    if (!station) return;
    auto catalog = store_.LatestCatalog();
    if (!catalog.ok()) return Failed(req, res, catalog.error(), &*station);
    if (!*catalog) return Refuse(req, res, 404, "no_catalog", "nothing published yet", &*station);
    const std::string etag = "\"catalog-" + std::to_string((*catalog)->version) + "\"";
    res.set_header("ETag", etag);
    if (req.get_header_value("If-None-Match") == etag) {
      res.status = 304;
      return;
    }
    SendJson(res, 200, {{"version", (*catalog)->version},
                        {"catalog", (*catalog)->catalog},
                        {"signature", (*catalog)->signature}});
  }

  void Blob(Req req, Res res) {
    const std::string sha = req.matches[1];
    const std::string path = store_.paths().ContentBlob(sha);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat info {};
    if (fd < 0 || ::fstat(fd, &info) != 0) {
      if (fd >= 0) ::close(fd);
      return Refuse(req, res, 404, "not_found", "no published blob " + sha);
    }
    auto file = std::shared_ptr<int>(new int(fd), [](int* f) { ::close(*f); delete f; });
    // Before the blob's headers: a 429 must carry none a cache could keep.
    std::shared_ptr<void> slot = download_slots_.TryTake();
    if (!slot) {
      return RefuseAndClose(req, res, std::to_string(download_slots_.in_use()) + " blob downloads under way");
    }
    const auto size = static_cast<std::uint64_t>(info.st_size);
    const std::string etag = "\"" + sha + "\"";
    res.set_header("ETag", etag);
    res.set_header("Accept-Ranges", "bytes");
    res.headers.erase("Cache-Control");
    res.set_header("Cache-Control", "public, max-age=31536000, immutable");
    // httplib would apply the Range header itself, without If-Range or a
    // 416 for a start beyond the end; this handler does both, so it takes
    // the parsed ranges away from httplib (the Request is not really const).
    const_cast<httplib::Request&>(req).ranges.clear();
    std::optional<ByteRange> range;
    if (req.has_header("Range") &&
        (!req.has_header("If-Range") || req.get_header_value("If-Range") == etag)) {
      range = RequestedRange(req.get_header_value("Range"), size);
    }
    if (range && range->first > range->last) {
      res.status = 416;
      res.set_header("Content-Range", "bytes */" + std::to_string(size));
      return;
    }
    ByteRange send = range.value_or(ByteRange{0, size - 1});
    std::uint64_t length = size == 0 ? 0 : send.last - send.first + 1;
    res.status = range ? 206 : 200;
    if (range) {
      res.set_header("Content-Range", "bytes " + std::to_string(send.first) + "-" +
                                          std::to_string(send.last) + "/" + std::to_string(size));
    }
    if (length == 0) return res.set_content("", "application/octet-stream");
    res.set_content_provider(
        length, "application/octet-stream",
        [file, slot, first = send.first, stopping = server_.stopping_](std::size_t offset, std::size_t length,
                                                                       httplib::DataSink& sink) {
          if (stopping->load()) return false;
          char buffer[1 << 16];
          const ssize_t n = ::pread(*file, buffer, std::min(length, sizeof buffer),
                                    static_cast<off_t>(first + offset));
          if (n <= 0) return false;
          return sink.write(buffer, static_cast<std::size_t>(n));
        });
  }

  static json UploadJson(const std::string& sha, const UploadState& state) {
    return {{"sha256", sha},
            {"received", state.received},
            {"size", state.size ? json(*state.size) : json(nullptr)},
            {"complete", state.complete}};
  }

  void UploadStatus(Req req, Res res) {
    std::optional<Station> station = Authenticate(req, res);
    if (!station) return;
    const std::string sha = req.matches[1];
    SendJson(res, 200, UploadJson(sha, store_.Upload(sha)));
  }

  void UploadChunk(Req req, Res res) {
    std::optional<Station> station = Authenticate(req, res);
    if (!station) return;
    const std::string sha = req.matches[1];
    std::optional<ContentRange> range = ParseContentRange(req.get_header_value("Content-Range"));
    if (!range || range->end - range->start + 1 != req.body.size()) {
      return Refuse(req, res, 400, "bad_request",
                    "Content-Range missing, malformed or not the body's length", &*station);
    }
    if (range->total > kMaxReportBlobBytes || req.body.size() > kMaxChunkBytes) {
      return Refuse(req, res, 413, "too_large", "blob over 256 MiB or chunk over 8 MiB", &*station);
    }
    auto outcome = store_.AppendUpload(sha, range->start, range->total, req.body);
    if (!outcome.ok()) return Failed(req, res, outcome.error(), &*station);
    json body = UploadJson(sha, outcome->state);
    using Kind = UploadOutcome::Kind;
    switch (outcome->kind) {
      case Kind::kOk: return SendJson(res, 200, body);
      case Kind::kOffsetMismatch:
        return Refuse(req, res, 409, "offset_mismatch",
                      "start " + std::to_string(range->start) + " but received " +
                          std::to_string(outcome->state.received), &*station, body);
      case Kind::kSizeMismatch:
        return Refuse(req, res, 409, "size_mismatch", "total differs from the earlier upload", &*station, body);
      case Kind::kHashMismatch:
        return Refuse(req, res, 422, "hash_mismatch", "content does not match its SHA-256; discarded", &*station, body);
    }
  }

  void PutReport(Req req, Res res) {
    std::optional<Station> station = Authenticate(req, res);
    if (!station) return;
    const std::string report_id = req.matches[1];
    if (req.body.size() > kMaxEnvelopeBytes) {
      return Refuse(req, res, 413, "too_large", "envelope over 64 KiB", &*station);
    }
    auto outcome = store_.TakeReport(*station, report_id, req.body, Via::kNetwork, Now());
    if (!outcome.ok()) return Failed(req, res, outcome.error(), &*station);
    using Kind = IntakeOutcome::Kind;
    switch (outcome->kind) {
      case Kind::kAcknowledged:
        return SendJson(res, 200, {{"status", "acknowledged"},
                                   {"report_id", report_id},
                                   {"received_at", outcome->received_at}});
      case Kind::kInvalidEnvelope: return Refuse(req, res, 400, "invalid_envelope", outcome->message, &*station);
      case Kind::kIdMismatch: return Refuse(req, res, 400, "report_id_mismatch", outcome->message, &*station);
      case Kind::kWrongStation: return Refuse(req, res, 403, "wrong_station", outcome->message, &*station);
      case Kind::kConflict: return Refuse(req, res, 409, "conflict", outcome->message, &*station);
      case Kind::kMissingBlobs:
        return Refuse(req, res, 422, "missing_blobs", outcome->message, &*station,
                      {{"missing", outcome->missing}});
    }
  }

  using TakeBatch = base::Result<BatchOutcome> (CountyStore::*)(const Station&, const std::string&,
                                                                std::int64_t);
  void Batch(Req req, Res res, TakeBatch take) {
    std::optional<Station> station = Authenticate(req, res);
    if (!station) return;
    std::optional<json> body = JsonBody(req, res, &*station);
    if (!body) return;
    const bool ratings = take == &CountyStore::TakeRatings;
    const char* list_key = ratings ? "ratings" : "records";
    if (body->contains(list_key) && (*body)[list_key].size() > 1000) {
      return Refuse(req, res, 413, "too_large", "more than 1000 items", &*station);
    }
    auto outcome = (store_.*take)(*station, req.body, Now());
    if (!outcome.ok() && outcome.error().code == base::ErrorCode::kInvalidInput) {
      return Refuse(req, res, 400, "bad_request", outcome.error().message, &*station);
    }
    if (!outcome.ok()) return Failed(req, res, outcome.error(), &*station);
    json rejected = json::array();
    for (const auto& [id, error] : outcome->rejected) {
      rejected.push_back({{ratings ? "report_id" : "record_id", id}, {"error", error}});
    }
    SendJson(res, 200, {{"accepted", outcome->accepted}, {"rejected", rejected}});
  }

  void Health(Req req, Res res) {
    std::optional<Station> station = Authenticate(req, res);
    if (!station || !JsonBody(req, res, &*station)) return;
    base::Status taken = store_.TakeHealth(*station, req.body, Now());
    if (!taken.ok() && taken.error().code == base::ErrorCode::kInvalidInput) {
      return Refuse(req, res, 413, "too_large", taken.error().message, &*station);
    }
    if (!taken.ok()) return Failed(req, res, taken.error(), &*station);
    SendJson(res, 200, {{"status", "ok"}});
  }

  void Events(Req req, Res res) {
    std::optional<Station> station = Authenticate(req, res);
    if (!station) return;
    std::optional<std::uint64_t> after =
        req.has_param("after") ? ParseNumber(req.get_param_value("after")) : 0;
    std::optional<std::uint64_t> limit =
        req.has_param("limit") ? ParseNumber(req.get_param_value("limit")) : 100;
    if (!after || !limit || *limit < 1 || *limit > 500 || *after > INT64_MAX) {
      return Refuse(req, res, 400, "bad_request", "after must be a cursor, limit 1-500", &*station);
    }
    auto page = store_.Events(*station, static_cast<std::int64_t>(*after), static_cast<int>(*limit));
    if (!page.ok()) return Failed(req, res, page.error(), &*station);
    // Nothing new for a station that has everything up to the newest cursor
    // it can see and held that newest cursor before: one small 304.
    const std::string etag = "\"ev-" + std::to_string(page->latest) + "\"";
    res.set_header("ETag", etag);
    if (req.get_header_value("If-None-Match") == etag && static_cast<std::int64_t>(*after) >= page->latest) {
      res.status = 304;
      return;
    }
    json events = json::array();
    for (const Event& e : page->events) {
      json event = {{"cursor", e.cursor}, {"type", e.type}, {"at", e.at}};
      if (e.type == "reply") {
        event.update({{"report_id", e.report_id}, {"reply_id", e.reply_id}, {"text", e.text}});
      } else if (e.type == "status") {
        event.update({{"report_id", e.report_id}, {"status", e.status}});
      } else {
        event.update({{"notice_id", e.notice_id}, {"title", e.title}, {"text", e.text}});
      }
      events.push_back(std::move(event));
    }
    SendJson(res, 200, {{"events", events}, {"next", page->next}, {"more", page->more}});
  }

  CountyStore& store_;
  CountyPublicKeys keys_;
  ServerOptions options_;
  const Server& server_;
  DownloadSlots download_slots_;
};

base::Result<std::unique_ptr<Server>> Server::Bind(CountyStore& store,
                                                   const CountyPublicKeys& keys,
                                                   const ServerOptions& options) {
  if (options.threads < 1 || options.blob_downloads < 0 || options.max_waiting < 0) {
    return base::MakeError(base::ErrorCode::kInvalidInput,
                           "needs at least one thread, and no negative blob downloads or waiting");
  }
  std::unique_ptr<Server> server(new Server());
  if (!options.cert_file.empty() || !options.key_file.empty()) {
    auto tls = std::make_unique<httplib::SSLServer>(options.cert_file.c_str(),
                                                    options.key_file.c_str());
    if (!tls->is_valid()) {
      return base::MakeError(base::ErrorCode::kInvalidInput,
                             "cannot use certificate " + options.cert_file + " and key " +
                                 options.key_file);
    }
    server->http_ = std::move(tls);
  } else {
    server->http_ = std::make_unique<httplib::Server>();
  }
  httplib::Server& http = *server->http_;
  server->workers_ = options.threads + options.blob_downloads;
  http.new_task_queue = [workers = server->workers_, max_waiting = options.max_waiting,
                         connections = server->connections_] {
    return new ConnectionQueue(workers, max_waiting, connections);
  };
  http.set_tcp_nodelay(true);  // answers are small; no Nagle wait for the last segment
  http.set_keep_alive_max_count(1000);
  http.set_keep_alive_timeout(options.keep_alive_timeout_s);
  http.set_payload_max_length(kMaxChunkBytes);
  server->routes_ = std::make_unique<Routes>(store, keys, options, *server);
  server->routes_->Install(http);
  if (options.port == 0) {
    server->port_ = http.bind_to_any_port(options.host);
  } else if (http.bind_to_port(options.host, options.port)) {
    server->port_ = options.port;
  }
  if (server->port_ <= 0) {
    return base::MakeError(base::ErrorCode::kUnavailable,
                           "cannot listen on " + options.host + ":" + std::to_string(options.port));
  }
  return server;
}

Server::~Server() { Stop(); }

int Server::waiting() const { return std::max(0, connections_->load() - workers_); }

void Server::Run() {
  base::LogInfo("county", std::string("serving protocol ") + kMarker + " on port " +
                              std::to_string(port_));
  http_->listen_after_bind();
}

void Server::WaitUntilRunning() const {
  while (!http_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void Server::Stop() {
  stopping_->store(true);
  if (http_) http_->stop();
}

}  // namespace county
