// report-crashtest: submits small reports in a loop, printing
//   submitted <report-id> <ticket-code>
// on stdout only after Finalise() has returned, i.e. exactly when a kiosk
// would show "submitted". crash_test.cpp kills it with SIGKILL at random
// moments and checks, after each restart, that every printed report is
// intact and decryptable with the county's secret key.
//
//   report-crashtest --data-dir DIR --county-key FILE [--count N]

#include <sodium.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "base/log.h"
#include "store/store.h"
#include "sync/outbox.h"
#include "tests/sync/report_fixture.h"

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "report-crashtest: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir;
  std::string county_key;
  long count = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--data-dir") data_dir = argv[i + 1];
    else if (flag == "--county-key") county_key = argv[i + 1];
    else if (flag == "--count") count = std::atol(argv[i + 1]);
    else return Fail("unknown flag " + flag);
  }
  if (data_dir.empty() || county_key.empty()) {
    return Fail("usage: report-crashtest --data-dir DIR --county-key FILE [--count N]");
  }
  if (sodium_init() < 0) return Fail("libsodium");
  base::ConfigureLog({base::LogLevel::kWarn, base::LogLevel::kWarn, "", 0, 0});

  auto db = store::Store::Open(data_dir + "/station.db");
  if (!db.ok()) return Fail(db.error().message);
  if ((*db)->GetSetting("report.county_key_file") != county_key) {
    if (auto set = (*db)->SetSetting("report.county_key_file", county_key); !set.ok()) {
      return Fail(set.error().message);
    }
  }
  auto config = station_sync::LoadOutboxConfig(**db, station_sync::PosixFileSystem(), data_dir);
  if (!config.ok()) return Fail(config.error().message);
  auto outbox = station_sync::Outbox::Open(**db, station_sync::PosixFileSystem(),
                                           station_sync::SystemClock(), *config);
  if (!outbox.ok()) return Fail(outbox.error().message);

  std::uint64_t seed = randombytes_random();
  for (long n = 0; count < 0 || n < count; ++n) {
    const station_sync::ReportDraft draft = test::MakeDraft(**outbox, 1, 3000, 2000, seed + n);
    auto submitted = (*outbox)->Finalise(draft);
    if (!submitted.ok()) return Fail(submitted.error().message);
    // One write(2) per line, so a kill cannot leave half a line that parses.
    const std::string line = "submitted " + submitted->report_id + " " + submitted->ticket_code + "\n";
    if (::write(STDOUT_FILENO, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      return Fail("cannot write to stdout");
    }
  }
  return 0;
}
