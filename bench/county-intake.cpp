// county-intake: report submissions per second the county server takes
// (issue 5's figure: >= 500/s on the 2-core machine). The real server code
// (county::Server over a CountyStore: SQLite WAL, synchronous=FULL, each
// upload fsynced before its answer, concurrent envelopes committed together)
// runs in this process on 127.0.0.1; `--clients` threads, each
// one enrolled station with a keep-alive connection, submit sealed reports
// (a real envelope signed by the station, and a sealed body blob).
//
//   county-intake [--reports N] [--clients C] [--server-threads S]
//                 [--mode complete|envelope] [--work DIR]
//
//   complete  a submission is the body blob's upload (PUT /v1/uploads) and
//             the envelope (PUT /v1/reports): two requests, two fsyncs
//   envelope  the blobs are uploaded before the clock starts; a submission
//             is the envelope PUT alone
// Every answer must be 200 acknowledged; the run fails otherwise.

#include <httplib.h>
#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "base/log.h"
#include "county/console.h"
#include "county/server.h"
#include "sync/seal.h"

namespace {

class MemoryFile : public station_sync::WritableFile {
 public:
  explicit MemoryFile(std::string& out) : out_(out) {}
  base::Status Append(std::string_view bytes) override {
    out_.append(bytes);
    return base::Ok();
  }
  base::Status Sync() override { return base::Ok(); }
  base::Status Close() override { return base::Ok(); }

 private:
  std::string& out_;
};

struct Submission {
  std::string report_id, envelope, blob_sha, blob;
};

Submission MakeSubmission(const station_sync::StationKey& station,
                          const station_sync::CountyPublicKey& county) {
  Submission s;
  s.report_id = county::RandomHex(16);
  station_sync::ReportKey key = station_sync::ReportKey::Generate();
  MemoryFile out(s.blob);
  const std::string body = R"({"format":1,"category":"water","text":"pump broken near the school"})";
  auto sealed = station_sync::SealBlob(key, s.report_id, 0, body, out);
  if (!sealed.ok()) std::abort();
  s.blob_sha = sealed->sha256_hex;
  station_sync::Envelope envelope;
  envelope.report_id = s.report_id;
  envelope.station_key = station.public_key;
  envelope.county_key_id = county.Id();
  envelope.sealed_key = station_sync::SealReportKey(key, county);
  envelope.saved_at_s = std::time(nullptr);
  envelope.blobs = {*sealed};
  s.envelope = station_sync::SignEnvelope(envelope, station);
  return s;
}

bool Upload(httplib::Client& client, const httplib::Headers& auth, const Submission& s) {
  httplib::Headers headers = auth;
  headers.emplace("Content-Range", "bytes 0-" + std::to_string(s.blob.size() - 1) + "/" +
                                       std::to_string(s.blob.size()));
  auto res = client.Put(("/v1/uploads/" + s.blob_sha).c_str(), headers, s.blob, "application/octet-stream");
  return res && res->status == 200;
}

bool PutEnvelope(httplib::Client& client, const httplib::Headers& auth, const Submission& s) {
  auto res = client.Put(("/v1/reports/" + s.report_id).c_str(), auth, s.envelope, "text/plain");
  return res && res->status == 200 && res->body.find("\"acknowledged\"") != std::string::npos;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "county-intake: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  int reports = 5000, clients = 8, server_threads = 8;
  std::string mode = "complete";
  std::string work = std::filesystem::temp_directory_path() / "county-intake";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i], value = argv[i + 1];
    if (arg == "--reports") reports = std::stoi(value);
    else if (arg == "--clients") clients = std::stoi(value);
    else if (arg == "--server-threads") server_threads = std::stoi(value);
    else if (arg == "--mode") mode = value;
    else if (arg == "--work") work = value;
    else return Fail("unknown option " + arg);
  }
  if (mode != "complete" && mode != "envelope") return Fail("--mode complete|envelope");
  if (sodium_init() < 0) return Fail("libsodium");
  base::ConfigureLog({base::LogLevel::kError, base::LogLevel::kError, ""});

  std::filesystem::remove_all(work);
  if (!county::InitKeys(work).ok()) return Fail("cannot make keys in " + work);
  auto store = county::CountyStore::Open(work);
  if (!store.ok()) return Fail(store.error().message);
  auto keys = county::LoadCountyPublicKeys((*store)->paths());
  if (!keys.ok()) return Fail(keys.error().message);
  county::ServerOptions options;
  options.threads = server_threads;
  options.max_waiting = 1 << 20;  // measure throughput, not the overload guard
  auto server = county::Server::Bind(**store, *keys, options);
  if (!server.ok()) return Fail(server.error().message);
  std::thread serving([&] { (*server)->Run(); });
  (*server)->WaitUntilRunning();

  // One enrolled station per client, with its share of the reports.
  struct Client {
    std::unique_ptr<httplib::Client> http;
    httplib::Headers auth;
    std::vector<Submission> submissions;
    int failures = 0;
  };
  std::vector<Client> stations(clients);
  for (int c = 0; c < clients; ++c) {
    Client& station = stations[c];
    station.http = std::make_unique<httplib::Client>("127.0.0.1", (*server)->port());
    station.http->set_keep_alive(true);
    station.http->set_tcp_nodelay(true);
    station_sync::StationKey key;
    crypto_sign_keypair(key.public_key.data(), key.secret_key.data());
    auto code = county::MakeEnrolCode(**store, "bench", 1, std::time(nullptr));
    if (!code.ok()) return Fail(code.error().message);
    const std::string key_b64 = county::Base64(std::string_view(reinterpret_cast<char*>(key.public_key.data()), 32));
    const std::string message = "village-station-enrol/1\n" + *code + "\n" + key_b64 + "\n";
    unsigned char proof[crypto_sign_BYTES];
    crypto_sign_detached(proof, nullptr, reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                         key.secret_key.data());
    const nlohmann::json body = {{"code", *code}, {"station_key", key_b64}, {"station_name", "bench"},
                                 {"village", "bench"},
                                 {"proof", county::Base64(std::string_view(reinterpret_cast<char*>(proof), sizeof proof))}};
    auto res = station.http->Post("/v1/enrol", body.dump(), "application/json");
    if (!res || res->status != 200) return Fail("enrolment failed");
    station.auth = {{"Authorization", "Bearer " + nlohmann::json::parse(res->body)["token"].get<std::string>()}};
    for (int r = c; r < reports; r += clients) station.submissions.push_back(MakeSubmission(key, keys->box));
    if (mode == "envelope") {
      for (const Submission& s : station.submissions) {
        if (!Upload(*station.http, station.auth, s)) return Fail("upload failed");
      }
    }
  }

  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (Client& station : stations) {
    threads.emplace_back([&station, &mode] {
      for (const Submission& s : station.submissions) {
        if ((mode == "complete" && !Upload(*station.http, station.auth, s)) ||
            !PutEnvelope(*station.http, station.auth, s)) {
          ++station.failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  (*server)->Stop();
  serving.join();

  int failures = 0;
  for (const Client& station : stations) failures += station.failures;
  auto stored = (*store)->Reports();
  const std::size_t count = stored.ok() ? stored->size() : 0;
  std::printf("| mode | reports | clients | server threads | seconds | reports/s | failures |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  std::printf("| %s | %d | %d | %d | %.2f | %.0f | %d |\n", mode.c_str(), reports, clients, server_threads,
              seconds, reports / seconds, failures);
  std::filesystem::remove_all(work);
  if (failures != 0 || count != static_cast<std::size_t>(reports)) {
    return Fail("expected " + std::to_string(reports) + " acknowledged reports, stored " + std::to_string(count));
  }
  return 0;
}
