// sync-reports: N reports (default 10,000) from one station to the real
// county server on 127.0.0.1 through a link where 30% of the requests fail
// (the test fault proxy: cut on the way up or down, closed or reset), with
// kiosk-sync's engine and real libcurl. Counts what the county holds at the
// end: lost (filed, never held) and duplicated (held twice) must both be 0,
// and every held envelope must be the station's byte for byte.
//
//   sync-reports [--reports N] [--fail FRACTION] [--photo-every K] [--work DIR]

#include <sodium.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "base/log.h"
#include "store/sql.h"
#include "sync/clock.h"
#include "sync/file_system.h"
#include "sync/outbox_queue.h"
#include "tests/sync/county_fixture.h"

namespace {

using namespace station_sync;
using Steady = std::chrono::steady_clock;

int Fail(const std::string& message) {
  std::fprintf(stderr, "sync-reports: %s\n", message.c_str());
  return 1;
}

// Each request on a new connection through a fault proxy that fails it or
// not (test::FailingLink). The proxy keeps a connection's threads until it
// is destroyed, so it is replaced every 1,000 connections: the link is the
// same, the port changes (the URL is rewritten to it).
class RotatingFailingLink : public HttpTransport {
 public:
  RotatingFailingLink(int county_port, test::FailingLink& link) : county_port_(county_port), link_(link) {}

  base::Result<HttpResponse> Send(const HttpRequest& request) override {
    if (!proxy_ || ++connections_ % 1000 == 0) proxy_ = std::make_unique<test::FaultProxy>(county_port_);
    proxy_->SetPlan(link_.Plan(request));
    HttpRequest proxied = request;
    const std::size_t path = request.url.find("/v1/");
    proxied.url = "http://127.0.0.1:" + std::to_string(proxy_->port()) + request.url.substr(path);
    TransportLimits limits;
    limits.low_speed_time_s = 5;
    limits.request_timeout_s = 10;
    return MakeCurlTransport(limits)->Send(proxied);
  }

 private:
  int county_port_;
  test::FailingLink& link_;
  std::unique_ptr<test::FaultProxy> proxy_;
  std::int64_t connections_ = 0;
};

double Seconds(Steady::time_point since) {
  return std::chrono::duration<double>(Steady::now() - since).count();
}

}  // namespace

int main(int argc, char** argv) {
  int reports = 10'000;
  double fail = 0.3;
  int photo_every = 10;
  std::string work = std::filesystem::temp_directory_path().string();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--reports") reports = std::max(1, std::atoi(argv[i + 1]));
    else if (flag == "--fail") fail = std::atof(argv[i + 1]);
    else if (flag == "--photo-every") photo_every = std::max(1, std::atoi(argv[i + 1]));
    else if (flag == "--work") work = argv[i + 1];
    else return Fail("usage: sync-reports [--reports N] [--fail FRACTION] [--photo-every K] [--work DIR]");
  }
  if (sodium_init() < 0) return Fail("libsodium");
  base::ConfigureLog({base::LogLevel::kError, base::LogLevel::kError, "", 0, 0});
  std::string dir = work + "/sync-reports-XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) return Fail("cannot make a directory in " + work);

  try {
    test::CountyFixture county(dir + "/county");
    test::StationFixture station(dir + "/station", county.url(), county.NewEnrolCode());

    const auto filing = Steady::now();
    std::vector<std::string> ids;
    for (int i = 0; i < reports; ++i) {
      ids.push_back(station.File(i % photo_every == 0 ? 1 : 0, 20'000, 1000 + i).report_id);
    }
    const double filing_s = Seconds(filing);

    ManualClock clock(SystemClock().NowSeconds());
    test::FailingLink link;
    link.fraction = fail;
    SyncOptions options;
    options.data_dir = station.data_dir();
    options.server_url = "http://127.0.0.1:1";  // rewritten to the proxy's port
    options.delivery.reports_per_pass = reports;
    options.skip_content = true;  // reports only (and the URL is rewritten by the link)
    options.make_transport = [&](const TransportLimits&) -> std::unique_ptr<HttpTransport> {
      return std::make_unique<RotatingFailingLink>(county.port(), link);
    };
    SyncEngine engine(station.store(), PosixFileSystem(), clock, options);
    const auto delivering = Steady::now();
    int rounds = 0;
    for (bool done = false; !done && rounds < 100'000; ++rounds) {
      base::Result<RoundResult> round = engine.RunRound();
      if (!round.ok()) return Fail(round.error().message);
      done = round->everything_delivered;
      clock.Advance(3 * 3600);  // past any backoff: the benchmark measures the link, not the waits
    }
    const double delivering_s = Seconds(delivering);

    // What the county holds, against what the station filed.
    base::Result<std::vector<county::ReportRow>> rows = county.store().Reports();
    if (!rows.ok()) return Fail(rows.error().message);
    std::map<std::string, std::string> held;
    int duplicated = 0;
    for (const county::ReportRow& row : *rows) {
      if (!held.emplace(row.report_id, row.envelope).second) ++duplicated;
    }
    OutboxQueue queue(station.store(), PosixFileSystem(), station.data_dir() + "/outbox");
    int lost = 0;
    int altered = 0;
    int unacknowledged = 0;
    for (const std::string& id : ids) {
      base::Result<QueuedReport> queued = queue.Get(id);
      if (!queued.ok()) return Fail(queued.error().message);
      if (queued->state != ReportState::kAcknowledged) ++unacknowledged;
      const auto it = held.find(id);
      if (it == held.end()) {
        ++lost;
      } else if (Sha256Hex(it->second) != queued->envelope_sha256) {
        ++altered;
      }
    }
    std::printf("| reports | failing requests | rounds | requests | failed | lost | duplicated | "
                "altered | unacknowledged | filing | delivery | reports/s |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    std::printf("| %d | %.0f%% | %d | %lld | %lld | %d | %d | %d | %d | %.1f s | %.1f s | %.0f |\n",
                reports, fail * 100, rounds, static_cast<long long>(link.requests),
                static_cast<long long>(link.failed), lost, duplicated,
                altered, unacknowledged, filing_s, delivering_s, reports / delivering_s);
    std::filesystem::remove_all(dir);
    return lost == 0 && duplicated == 0 && altered == 0 && unacknowledged == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    return Fail(e.what());
  }
}
