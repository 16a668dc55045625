// content-crashtest: one station's content sync, run until the catalog is
// complete, then prints "complete" and exits 0. content_sync_test.cpp kills
// it with SIGKILL at random moments mid-download and starts it again; the
// last run must finish with every lesson offered and every file intact.
//
//   content-crashtest --data-dir DIR --server URL --content-key BASE64

#include <cstdio>
#include <string>

#include "base/log.h"
#include "store/store.h"
#include "sync/content_sync.h"

int main(int argc, char** argv) {
  std::string data_dir, server, key_line;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--data-dir") data_dir = argv[i + 1];
    else if (flag == "--server") server = argv[i + 1];
    else if (flag == "--content-key") key_line = argv[i + 1];
  }
  auto key = station_sync::minisign::ParsePublicKey(key_line);
  auto db = store::Store::Open(data_dir + "/station.db");
  if (!key || !db) {
    std::fprintf(stderr, "content-crashtest: bad key or store\n");
    return 1;
  }
  station_sync::ContentLibrary library(**db, data_dir, *key, station_sync::SystemClock());
  station_sync::ContentSyncOptions options;
  options.server_url = server;
  options.backoff = {20, 200};
  options.tries_without_progress = 100;
  options.checkpoint_interval_ms = 100;
  station_sync::ContentSync sync(library, options);
  for (int pass = 0; pass < 100; ++pass) {
    auto report = sync.RunOnce();
    if (report && report->blobs_missing == 0) {
      std::printf("complete %d\n", report->lessons_offered);
      return 0;
    }
    if (!report) base::LogWarn("crashtest", report.error().message);
  }
  return 2;
}
