// The county server over real HTTP on 127.0.0.1 (docs/protocol.md).

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "sync/minisign.h"
#include "sync/seal.h"
#include "tests/county/county_fixture.h"

namespace {

using nlohmann::json;
using test::Bearer;

json Body(const httplib::Result& res) {
  REQUIRE(res);
  json body = json::parse(res->body, nullptr, false);
  REQUIRE(body.is_object());
  CHECK(body["protocol"] == "village-station/1");
  return body;
}

httplib::Result PutEnvelope(httplib::Client& client, const std::string& token,
                            const std::string& report_id, const std::string& envelope) {
  return client.Put(("/v1/reports/" + report_id).c_str(), Bearer(token), envelope, "text/plain");
}

httplib::Result PutChunk(httplib::Client& client, const std::string& token, const std::string& sha,
                         const std::string& blob, std::size_t start, std::size_t end) {
  httplib::Headers headers = Bearer(token);
  headers.emplace("Content-Range", "bytes " + std::to_string(start) + "-" + std::to_string(end - 1) +
                                       "/" + std::to_string(blob.size()));
  return client.Put(("/v1/uploads/" + sha).c_str(), headers, blob.substr(start, end - start),
                    "application/octet-stream");
}

// Polls `done` every millisecond; false if it does not hold within `bound`.
bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds bound = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// A station's connection at the socket level: it can stay silent after
// connecting, or take an answer as slowly as a village link. Reads give up
// after 10 s.
class RawConnection {
 public:
  explicit RawConnection(int port, int receive_buffer_bytes = 0) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    REQUIRE(fd_ >= 0);
    if (receive_buffer_bytes > 0) {  // before connecting: it sets the window offered
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof receive_buffer_bytes);
    }
    const timeval timeout{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  int fd() const { return fd_; }
  void Send(const std::string& bytes) {
    REQUIRE(::write(fd_, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  }
  // The status line and headers (and whatever body came with them); what
  // arrived so far if the county closes or says nothing for 10 s.
  std::string ReadHead() {
    std::string head;
    char buffer[4096];
    while (head.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::read(fd_, buffer, sizeof buffer);
      if (n <= 0) break;
      head.append(buffer, static_cast<std::size_t>(n));
    }
    return head;
  }

 private:
  const int fd_;
};

// Takes a download at about 80 KiB/s on its own thread until destroyed, so
// the transfer goes on (and holds its worker) for as long as a test needs.
class SlowReader {
 public:
  explicit SlowReader(int fd) : thread_([this, fd] { Read(fd); }) {}
  ~SlowReader() {
    stop_ = true;
    thread_.join();
  }
  // The county closed the connection, or sent nothing for 10 s.
  bool ended() const { return ended_; }

 private:
  void Read(int fd) {
    char buffer[4096];
    while (!stop_) {
      if (::read(fd, buffer, sizeof buffer) <= 0) {
        ended_ = true;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  std::atomic<bool> stop_{false};
  std::atomic<bool> ended_{false};
  std::thread thread_;
};

// A county with one enrolled station.
struct World {
  explicit World(county::ServerOptions options = {}) : county(std::move(options)) {}
  test::CountyUnderTest county;
  test::StationUnderTest station{county.SecretKey().public_key};
  httplib::Client client = county.Client();
  std::string token = station.Enrol(client, county.EnrolCode());
};

}  // namespace

TEST_CASE("every answer carries the protocol version and the server time", "[county]") {
  test::CountyUnderTest county;
  httplib::Client client = county.Client();
  for (const char* path : {"/v1/catalog", "/v1/nowhere"}) {
    auto res = client.Get(path);
    REQUIRE(res);
    CHECK(res->get_header_value("X-Village-Protocol") == "1");
    const std::int64_t server_time = std::stoll(res->get_header_value("X-Server-Time"));
    CHECK(std::abs(server_time - std::time(nullptr)) < 5);
    CHECK(Body(res).contains("error"));
  }
  CHECK(client.Get("/v1/catalog")->status == 401);
  CHECK(client.Get("/v1/catalog", Bearer("bm90IGEgdG9rZW4="))->status == 401);
  CHECK(client.Get("/v1/nowhere")->status == 404);
}

TEST_CASE("enrolment codes are one-time, but a lost answer can be fetched again", "[county]") {
  test::CountyUnderTest county;
  httplib::Client client = county.Client();
  const station_sync::CountySecretKey county_key = county.SecretKey();
  test::StationUnderTest station(county_key.public_key);
  const std::string code = county.EnrolCode();

  auto first = client.Post("/v1/enrol", station.EnrolBody(code).dump(), "application/json");
  REQUIRE(first->status == 200);
  json enrolled = Body(first);
  CHECK(enrolled["county_box_key"] ==
        county::Base64(std::string_view(reinterpret_cast<const char*>(county_key.public_key.key.data()), 32)));
  auto content_key = station_sync::minisign::ParsePublicKey(enrolled["content_key"].get<std::string>());
  CHECK(content_key.ok());
  const std::string token = enrolled["token"];
  CHECK(client.Get("/v1/events", Bearer(token))->status == 200);

  SECTION("the same station again gets its id and a new token; the old one stops working") {
    json again = Body(client.Post("/v1/enrol", station.EnrolBody(code).dump(), "application/json"));
    CHECK(again["station_id"] == enrolled["station_id"]);
    CHECK(again["token"] != token);
    CHECK(client.Get("/v1/events", Bearer(token))->status == 401);
    CHECK(client.Get("/v1/events", Bearer(again["token"]))->status == 200);
  }
  SECTION("another station cannot use the code") {
    test::StationUnderTest other(county_key.public_key);
    auto res = client.Post("/v1/enrol", other.EnrolBody(code).dump(), "application/json");
    CHECK(res->status == 403);
    CHECK(Body(res)["error"] == "code_used");
  }
  SECTION("unknown codes, forged proofs and expired codes are refused") {
    test::StationUnderTest other(county_key.public_key);
    auto unknown = client.Post("/v1/enrol", other.EnrolBody("0000000000C").dump(), "application/json");
    CHECK(Body(unknown)["error"] == "invalid_code");
    json forged = other.EnrolBody(county.EnrolCode());
    forged["station_key"] = station.KeyBase64();  // someone else's key, without its secret
    CHECK(Body(client.Post("/v1/enrol", forged.dump(), "application/json"))["error"] == "invalid_code");
    auto expired = client.Post("/v1/enrol", other.EnrolBody(county.EnrolCode(-1)).dump(), "application/json");
    CHECK(expired->status == 403);
    CHECK(Body(expired)["error"] == "code_expired");
    CHECK(client.Post("/v1/enrol", "{}", "application/json")->status == 400);
  }
}

TEST_CASE("a report is acknowledged once its blobs are there, again when resent, and another envelope with its id is a conflict",
          "[county]") {
  World w;
  const test::SealedReport report = w.station.FileReport(2, 1);

  auto missing = PutEnvelope(w.client, w.token, report.report_id, report.envelope);
  CHECK(missing->status == 422);
  json missing_body = Body(missing);
  CHECK(missing_body["error"] == "missing_blobs");
  CHECK(missing_body["missing"].size() == 3);

  test::UploadBlobs(w.client, w.token, report);
  auto acknowledged = PutEnvelope(w.client, w.token, report.report_id, report.envelope);
  REQUIRE(acknowledged->status == 200);
  json ack = Body(acknowledged);
  CHECK(ack["status"] == "acknowledged");
  CHECK(ack["report_id"] == report.report_id);

  auto again = PutEnvelope(w.client, w.token, report.report_id, report.envelope);
  CHECK(again->status == 200);
  CHECK(Body(again)["received_at"] == ack["received_at"]);

  // A validly signed, different envelope for the same id.
  auto envelope = station_sync::VerifyEnvelope(report.envelope);
  REQUIRE(envelope.ok());
  envelope->saved_at_s += 1;
  auto conflict = PutEnvelope(w.client, w.token, report.report_id,
                              station_sync::SignEnvelope(*envelope, w.station.key()));
  CHECK(conflict->status == 409);
  CHECK(Body(conflict)["error"] == "conflict");

  auto reports = w.county.store().Reports();
  REQUIRE(reports.ok());
  CHECK(reports->size() == 1);
}

TEST_CASE("reports and blobs sent at once over many connections are each stored once, every answer as if sent alone",
          "[county]") {
  World w;
  constexpr int kReports = 6, kConnections = 6;
  std::vector<test::SealedReport> reports;
  for (int i = 0; i < kReports; ++i) reports.push_back(w.station.FileReport(1, 200 + i));
  // Report 0 also has a second, validly signed envelope: whichever the county
  // stores first wins, and the other is a conflict however the two interleave.
  auto rival = station_sync::VerifyEnvelope(reports[0].envelope);
  REQUIRE(rival.ok());
  rival->saved_at_s += 1;
  const std::string rival_envelope = station_sync::SignEnvelope(*rival, w.station.key());

  struct Answer {
    std::string report_id, envelope;
    int status = 0;
    std::int64_t received_at = 0;
  };
  std::vector<std::vector<Answer>> answers(kConnections);
  std::vector<int> upload_failures(kConnections, 0);
  std::vector<std::thread> connections;
  for (int c = 0; c < kConnections; ++c) {
    connections.emplace_back([&, c] {
      httplib::Client client = w.county.Client();
      for (int i = 0; i < kReports; ++i) {  // each connection in its own order
        const test::SealedReport& report = reports[(i + c) % kReports];
        for (const auto& [sha, blob] : report.blobs) {
          httplib::Headers headers = Bearer(w.token);
          headers.emplace("Content-Range", "bytes 0-" + std::to_string(blob.size() - 1) + "/" + std::to_string(blob.size()));
          auto res = client.Put(("/v1/uploads/" + sha).c_str(), headers, blob, "application/octet-stream");
          if (!res || res->status != 200) ++upload_failures[c];
        }
        const std::string& envelope = (&report == &reports[0] && c % 2 == 1) ? rival_envelope : report.envelope;
        auto res = PutEnvelope(client, w.token, report.report_id, envelope);
        Answer answer{report.report_id, envelope, res ? res->status : 0, 0};
        if (res && res->status == 200) answer.received_at = json::parse(res->body)["received_at"];
        answers[c].push_back(answer);
      }
    });
  }
  for (std::thread& connection : connections) connection.join();

  for (int c = 0; c < kConnections; ++c) CHECK(upload_failures[c] == 0);
  auto stored = w.county.store().Reports();
  REQUIRE(stored.ok());
  REQUIRE(stored->size() == kReports);
  for (const county::ReportRow& row : *stored) {
    for (const auto& answers_of_connection : answers) {
      for (const Answer& answer : answers_of_connection) {
        if (answer.report_id != row.report_id) continue;
        if (answer.envelope == row.envelope) {
          CHECK(answer.status == 200);
          CHECK(answer.received_at == row.received_at);
        } else {
          CHECK(answer.status == 409);
        }
      }
    }
  }
  for (const test::SealedReport& report : reports) {
    for (const auto& [sha, blob] : report.blobs) CHECK(test::FileBytes(w.county.paths().ReportBlob(sha)) == blob);
  }
}

TEST_CASE("tampered envelopes and envelopes of another station are refused", "[county]") {
  World w;
  const test::SealedReport report = w.station.FileReport(0, 2);
  test::UploadBlobs(w.client, w.token, report);

  std::string tampered = report.envelope;
  tampered[tampered.find("saved-at ") + 9] ^= 1;
  auto bad = PutEnvelope(w.client, w.token, report.report_id, tampered);
  CHECK(bad->status == 400);
  CHECK(Body(bad)["error"] == "invalid_envelope");

  const test::SealedReport other_report = w.station.FileReport(0, 3);
  auto mismatch = PutEnvelope(w.client, w.token, report.report_id, other_report.envelope);
  CHECK(Body(mismatch)["error"] == "report_id_mismatch");

  test::StationUnderTest intruder(w.county.SecretKey().public_key);
  const test::SealedReport forged = intruder.FileReport(0, 4);
  test::UploadBlobs(w.client, w.token, forged);
  auto wrong = PutEnvelope(w.client, w.token, forged.report_id, forged.envelope);
  CHECK(wrong->status == 403);
  CHECK(Body(wrong)["error"] == "wrong_station");

  CHECK(PutEnvelope(w.client, "", report.report_id, report.envelope)->status == 401);
  CHECK(w.county.store().Reports()->empty());
}

TEST_CASE("an upload resumes from the byte the county has", "[county]") {
  World w;
  const test::SealedReport report = w.station.FileReport(1, 5);
  auto largest = std::max_element(report.blobs.begin(), report.blobs.end(),
                                  [](auto& a, auto& b) { return a.second.size() < b.second.size(); });
  const std::string sha = largest->first;
  const std::string blob = largest->second;
  const std::size_t half = blob.size() / 2;

  json status = Body(w.client.Get(("/v1/uploads/" + sha).c_str(), Bearer(w.token)));
  CHECK(status["received"] == 0);
  CHECK(status["complete"] == false);

  CHECK(Body(PutChunk(w.client, w.token, sha, blob, 0, half))["received"] == half);
  auto wrong_offset = PutChunk(w.client, w.token, sha, blob, 10, half + 10);
  CHECK(wrong_offset->status == 409);
  CHECK(Body(wrong_offset)["received"] == half);

  SECTION("the rest completes it") {
    status = Body(w.client.Get(("/v1/uploads/" + sha).c_str(), Bearer(w.token)));
    CHECK(status["received"] == half);
    CHECK(status["size"] == blob.size());
    json done = Body(PutChunk(w.client, w.token, sha, blob, half, blob.size()));
    CHECK(done["complete"] == true);
    // Complete blobs answer at once, whatever is sent.
    CHECK(Body(PutChunk(w.client, w.token, sha, blob, 0, 1))["complete"] == true);
  }
  SECTION("bytes that do not hash to the name are discarded") {
    std::string corrupt = blob;
    corrupt.back() ^= 1;
    auto refused = PutChunk(w.client, w.token, sha, corrupt, half, corrupt.size());
    CHECK(refused->status == 422);
    CHECK(Body(refused)["error"] == "hash_mismatch");
    CHECK(Body(w.client.Get(("/v1/uploads/" + sha).c_str(), Bearer(w.token)))["received"] == 0);
  }
  SECTION("a malformed Content-Range is refused") {
    httplib::Headers headers = Bearer(w.token);
    headers.emplace("Content-Range", "bytes 0-5/3");
    CHECK(w.client.Put(("/v1/uploads/" + sha).c_str(), headers, "abcdef", "application/octet-stream")->status == 400);
  }
}

TEST_CASE("blobs are immutable, served whole or from a byte, and 416 beyond the end", "[county]") {
  World w;
  w.county.PublishPackage(1, 100000, 7);
  json catalog = json::parse(Body(w.client.Get("/v1/catalog", Bearer(w.token)))["catalog"].get<std::string>());
  const json file = catalog["lessons"][0]["file"];
  const std::string sha = file["sha256"];
  const std::string path = "/v1/blobs/" + sha;
  const std::string etag = "\"" + sha + "\"";

  auto whole = w.client.Get(path.c_str());  // no token needed
  REQUIRE(whole->status == 200);
  CHECK(whole->body.size() == 100000);
  CHECK(station_sync::Sha256Hex(whole->body) == sha);
  CHECK(whole->get_header_value("ETag") == etag);
  CHECK(whole->get_header_value("Cache-Control") == "public, max-age=31536000, immutable");

  auto tail = w.client.Get(path.c_str(), {{"Range", "bytes=99000-"}, {"If-Range", etag}});
  CHECK(tail->status == 206);
  CHECK(tail->get_header_value("Content-Range") == "bytes 99000-99999/100000");
  CHECK(tail->body == whole->body.substr(99000));

  auto middle = w.client.Get(path.c_str(), {{"Range", "bytes=10-19"}});
  CHECK(middle->status == 206);
  CHECK(middle->body == whole->body.substr(10, 10));

  auto changed = w.client.Get(path.c_str(), {{"Range", "bytes=99000-"}, {"If-Range", "\"other\""}});
  CHECK(changed->status == 200);
  CHECK(changed->body.size() == 100000);

  auto beyond = w.client.Get(path.c_str(), {{"Range", "bytes=100000-"}});
  CHECK(beyond->status == 416);
  CHECK(beyond->get_header_value("Content-Range") == "bytes */100000");
  CHECK(beyond->get_header_value("X-Village-Protocol") == "1");

  CHECK(w.client.Get(("/v1/blobs/" + std::string(64, 'a')).c_str())->status == 404);
}

TEST_CASE("the catalog is signed with the enrolled content key and an unchanged one costs a 304", "[county]") {
  World w;
  CHECK(w.client.Get("/v1/catalog", Bearer(w.token))->status == 404);
  w.county.PublishPackage(2, 1000, 8);
  auto first = w.client.Get("/v1/catalog", Bearer(w.token));
  REQUIRE(first->status == 200);
  json body = Body(first);
  auto key = station_sync::minisign::ParsePublicKey(
      Body(w.client.Post("/v1/enrol", w.station.EnrolBody(w.county.EnrolCode()).dump(), "application/json"))["content_key"]
          .get<std::string>());
  REQUIRE(key.ok());
  CHECK(station_sync::minisign::Verify(body["catalog"].get<std::string>(), body["signature"].get<std::string>(), *key).ok());
  CHECK(json::parse(body["catalog"].get<std::string>())["version"] == 1);

  const std::string etag = first->get_header_value("ETag");
  httplib::Headers headers = Bearer(Body(w.client.Post("/v1/enrol", w.station.EnrolBody(w.county.EnrolCode()).dump(),
                                                       "application/json"))["token"]);
  headers.emplace("If-None-Match", etag);
  auto unchanged = w.client.Get("/v1/catalog", headers);
  CHECK(unchanged->status == 304);
  CHECK(unchanged->body.empty());
  CHECK(unchanged->get_header_value("X-Village-Protocol") == "1");

  w.county.PublishPackage(2, 1000, 9);
  auto newer = w.client.Get("/v1/catalog", headers);
  CHECK(newer->status == 200);
  CHECK(Body(newer)["version"] == 2);
}

TEST_CASE("events are read with a cursor, and an unchanged feed answers 304", "[county]") {
  World w;
  const test::SealedReport report = w.station.FileReport(0, 10);
  test::UploadBlobs(w.client, w.token, report);
  REQUIRE(PutEnvelope(w.client, w.token, report.report_id, report.envelope)->status == 200);
  auto reply = w.county.store().AddReply(report.report_id, "We will fix it on Monday", test::kCountyNow);
  REQUIRE(reply.ok());
  REQUIRE(w.county.store().Resolve(report.report_id, test::kCountyNow + 60).ok());
  w.county.PublishPackage(1, 100, 11);  // one notice, for everyone

  json all = Body(w.client.Get("/v1/events?after=0", Bearer(w.token)));
  REQUIRE(all["events"].size() == 3);
  CHECK(all["events"][0]["type"] == "reply");
  CHECK(all["events"][0]["reply_id"] == *reply);
  CHECK(all["events"][0]["text"] == "We will fix it on Monday");
  CHECK(all["events"][1]["status"] == "resolved");
  CHECK(all["events"][2]["type"] == "notice");
  CHECK(all["more"] == false);

  json page = Body(w.client.Get("/v1/events?after=0&limit=1", Bearer(w.token)));
  CHECK(page["events"].size() == 1);
  CHECK(page["more"] == true);
  json rest = Body(w.client.Get(("/v1/events?after=" + page["next"].dump()).c_str(), Bearer(w.token)));
  CHECK(rest["events"].size() == 2);

  const std::string after = "/v1/events?after=" + all["next"].dump();
  auto empty = w.client.Get(after.c_str(), Bearer(w.token));
  CHECK(Body(empty)["events"].empty());
  httplib::Headers headers = Bearer(w.token);
  headers.emplace("If-None-Match", empty->get_header_value("ETag"));
  CHECK(w.client.Get(after.c_str(), headers)->status == 304);
  REQUIRE(w.county.store().AddReply(report.report_id, "Done", test::kCountyNow).ok());
  CHECK(w.client.Get(after.c_str(), headers)->status == 200);

  // Another station sees the notice only.
  test::StationUnderTest other(w.county.SecretKey().public_key);
  const std::string other_token = other.Enrol(w.client, w.county.EnrolCode());
  json theirs = Body(w.client.Get("/v1/events", Bearer(other_token)));
  REQUIRE(theirs["events"].size() == 1);
  CHECK(theirs["events"][0]["type"] == "notice");
  CHECK(w.client.Get("/v1/events?after=x", Bearer(w.token))->status == 400);
}

TEST_CASE("ratings and watch records are counted once", "[county]") {
  World w;
  const test::SealedReport report = w.station.FileReport(0, 12);
  test::UploadBlobs(w.client, w.token, report);
  REQUIRE(PutEnvelope(w.client, w.token, report.report_id, report.envelope)->status == 200);
  const json ratings = {{"ratings", {{{"report_id", report.report_id}, {"faces", 4}, {"rated_at", test::kCountyNow}},
                                     {{"report_id", std::string(32, 'a')}, {"faces", 5}, {"rated_at", test::kCountyNow}},
                                     {{"report_id", report.report_id + "x"}, {"faces", 9}, {"rated_at", 0}}}}};
  const json records = {{"records", {{{"record_id", "r1"}, {"lesson_id", "l1"}, {"started_at", test::kCountyNow},
                                      {"seconds_watched", 30}, {"completed", false}}}}};
  for (int round = 0; round < 2; ++round) {
    json taken = Body(w.client.Post("/v1/ratings", Bearer(w.token), ratings.dump(), "application/json"));
    CHECK(taken["accepted"] == json::array({report.report_id}));
    REQUIRE(taken["rejected"].size() == 2);
    CHECK(taken["rejected"][0]["error"] == "unknown_report");
    CHECK(taken["rejected"][1]["error"] == "bad_rating");
    json watched = Body(w.client.Post("/v1/watch-records", Bearer(w.token), records.dump(), "application/json"));
    CHECK(watched["accepted"] == json::array({"r1"}));
  }
  CHECK(*w.county.store().CountRatings() == 1);
  CHECK(*w.county.store().CountWatchRecords() == 1);
  // Another station's record "r1" is another viewing, not this one again.
  test::StationUnderTest neighbour(w.county.SecretKey().public_key);
  const std::string neighbour_token = neighbour.Enrol(w.client, w.county.EnrolCode());
  json theirs = Body(w.client.Post("/v1/watch-records", Bearer(neighbour_token), records.dump(), "application/json"));
  CHECK(theirs["accepted"] == json::array({"r1"}));
  CHECK(*w.county.store().CountWatchRecords() == 2);

  json health = {{"free_disk_bytes", 1 << 30}, {"versions", {{"kiosk", "1.0"}}}, {"last_errors", json::array()},
                 {"station_time", test::kCountyNow}};
  CHECK(Body(w.client.Post("/v1/health", Bearer(w.token), health.dump(), "application/json"))["status"] == "ok");
  CHECK(w.client.Post("/v1/ratings", Bearer(w.token), "[1,2", "application/json")->status == 400);
}

TEST_CASE("an overloaded server answers 429 with Retry-After", "[county]") {
  county::ServerOptions options;
  options.threads = 1;
  options.blob_downloads = 0;
  options.max_waiting = 0;
  options.retry_after_s = 7;
  test::CountyUnderTest county(options);
  httplib::Client client = county.Client();
  client.set_keep_alive(true);
  REQUIRE(client.Get("/v1/catalog")->status == 401);  // holds the only worker (keep-alive)

  // A second station connects and waits for a worker.
  RawConnection waiting(county.port());
  if (!WaitUntil([&] { return county.server().waiting() == 1; })) FAIL("the second connection was never counted as waiting");

  auto res = client.Get("/v1/catalog");
  REQUIRE(res);
  CHECK(res->status == 429);
  CHECK(res->get_header_value("Retry-After") == "7");
  CHECK(Body(res)["error"] == "overloaded");
  // Once the first connection is closed, the waiting one is served.
  client.stop();
  waiting.Send("GET /v1/catalog HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(waiting.ReadHead().substr(0, 12) == "HTTP/1.1 401");
}

TEST_CASE("a new connection to a county whose workers are busy and whose queue is full gets 429 at once", "[county]") {
  county::ServerOptions options;
  options.threads = 1;
  options.blob_downloads = 1;
  options.max_waiting = 1;
  options.retry_after_s = 7;
  options.keep_alive_timeout_s = 60;  // a silent connection keeps its worker all through the test
  test::CountyUnderTest county(options);

  // Stations that connected and have not sent their request yet, as over a
  // slow link: two hold the two workers, two wait.
  std::vector<std::unique_ptr<RawConnection>> silent;
  for (int i = 0; i < 4; ++i) silent.push_back(std::make_unique<RawConnection>(county.port()));
  if (!WaitUntil([&] { return county.server().waiting() == 2; })) FAIL("the county never counted two connections waiting");

  httplib::Client client = county.Client();
  const auto asked = std::chrono::steady_clock::now();
  auto res = client.Get("/v1/catalog");
  const auto answered_in = std::chrono::steady_clock::now() - asked;
  REQUIRE(res);  // not the client's 10 s timeout
  CHECK(res->status == 429);
  CHECK(answered_in < std::chrono::seconds(5));  // a worker frees up only after 60 s
  CHECK(res->get_header_value("Retry-After") == "7");
  CHECK(res->get_header_value("X-Village-Protocol") == "1");
  CHECK(std::abs(std::stoll(res->get_header_value("X-Server-Time")) - std::time(nullptr)) < 5);
  CHECK(Body(res)["error"] == "overloaded");

  // Once those stations hang up, the county serves again.
  silent.clear();
  if (!WaitUntil([&] { return county.server().waiting() == 0; })) FAIL("the silent connections were never let go");
  auto served = client.Get("/v1/catalog");
  REQUIRE(served);
  CHECK(served->status == 401);
}

TEST_CASE("reports are taken at once while more stations download lessons than the county has workers",
          "[county]") {
  county::ServerOptions options;
  options.threads = 2;
  options.blob_downloads = 2;
  World w(options);
  w.county.PublishPackage(1, 8 << 20, 15);
  json catalog = json::parse(Body(w.client.Get("/v1/catalog", Bearer(w.token)))["catalog"].get<std::string>());
  const std::string request = "GET /v1/blobs/" + catalog["lessons"][0]["file"]["sha256"].get<std::string>() +
                              " HTTP/1.1\r\nHost: x\r\n\r\n";

  // Six stations on slow links ask for the lesson, one after another: the
  // first two download it, the others are told to come back later (and
  // hang up, as curl does on Connection: close).
  std::vector<std::unique_ptr<RawConnection>> downloads;
  std::vector<std::unique_ptr<SlowReader>> readers;
  for (int i = 0; i < options.threads + options.blob_downloads + 2; ++i) {
    auto station = std::make_unique<RawConnection>(w.county.port(), 16 << 10);
    station->Send(request);
    const std::string head = station->ReadHead();
    INFO("station " << i << " got: " << head.substr(0, 200));
    if (head.starts_with("HTTP/1.1 200")) {
      readers.push_back(std::make_unique<SlowReader>(station->fd()));
      downloads.push_back(std::move(station));
    } else {
      CHECK(head.starts_with("HTTP/1.1 429"));
      CHECK(head.find("Retry-After: 5\r\n") != std::string::npos);
      CHECK(head.find("X-Village-Protocol: 1\r\n") != std::string::npos);
      // Nothing a cache in front could keep in place of the blob.
      CHECK(head.find("Cache-Control: no-store\r\n") != std::string::npos);
      CHECK(head.find("immutable") == std::string::npos);
      CHECK(head.find("ETag") == std::string::npos);
    }
  }
  REQUIRE(downloads.size() == static_cast<std::size_t>(options.blob_downloads));

  const test::SealedReport report = w.station.FileReport(1, 16);
  const auto sent = std::chrono::steady_clock::now();
  test::UploadBlobs(w.client, w.token, report);
  auto acknowledged = PutEnvelope(w.client, w.token, report.report_id, report.envelope);
  REQUIRE(acknowledged);
  CHECK(acknowledged->status == 200);
  auto events = w.client.Get("/v1/events", Bearer(w.token));
  REQUIRE(events);
  CHECK(events->status == 200);
  CHECK(std::chrono::steady_clock::now() - sent < std::chrono::seconds(5));
  for (const auto& reader : readers) CHECK_FALSE(reader->ended());  // the lessons are still on their way
}

TEST_CASE("the county keeps reports, tokens and partial uploads across a restart", "[county]") {
  World w;
  const test::SealedReport report = w.station.FileReport(1, 13);
  test::UploadBlobs(w.client, w.token, report);
  json ack = Body(PutEnvelope(w.client, w.token, report.report_id, report.envelope));
  const test::SealedReport unsent = w.station.FileReport(1, 14);
  const auto& [sha, blob] = *unsent.blobs.begin();
  REQUIRE(PutChunk(w.client, w.token, sha, blob, 0, 100)->status == 200);

  w.county.Restart();
  httplib::Client client = w.county.Client();
  auto again = PutEnvelope(client, w.token, report.report_id, report.envelope);
  CHECK(again->status == 200);
  CHECK(Body(again)["received_at"] == ack["received_at"]);
  CHECK(Body(client.Get(("/v1/uploads/" + sha).c_str(), Bearer(w.token)))["received"] == 100);
  CHECK(Body(PutChunk(client, w.token, sha, blob, 100, blob.size()))["complete"] == true);
}

TEST_CASE("with a certificate the county speaks HTTPS", "[county]") {
  test::ScratchDir dir;
  const std::string cert = dir.File("cert.pem"), key = dir.File("key.pem");
  if (std::system(("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                   "-addext subjectAltName=IP:127.0.0.1 -keyout " + key + " -out " + cert +
                   " >/dev/null 2>&1").c_str()) != 0) {
    FAIL("openssl did not make a certificate (scripts/setup installs it: scripts/debian-packages.txt)");
  }
  county::ServerOptions options;
  options.cert_file = cert;
  options.key_file = key;
  test::CountyUnderTest county(options);
  httplib::SSLClient client("127.0.0.1", county.port());
  client.set_ca_cert_path(cert.c_str());
  client.enable_server_certificate_verification(true);
  auto res = client.Get("/v1/catalog");
  REQUIRE(res);
  CHECK(res->status == 401);
  CHECK(res->get_header_value("X-Village-Protocol") == "1");
  httplib::Client plain = county.Client();
  CHECK_FALSE(plain.Get("/v1/catalog"));  // no plain HTTP on a TLS port
}
