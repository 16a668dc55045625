// The sync with the county inside the kiosk: sync/'s engine on a thread of
// its own, with its own connection to the store (SQLite WAL lets the UI
// read while it writes). The admin area talks to it through the store
// (RequestSyncNow, RequestEnrolment), so it needs no other door.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace station_sync {
class Clock;
class SyncEngine;
}

namespace kiosk {

class SyncService {
 public:
  struct Config {
    std::string data_dir;
    station_sync::Clock* clock = nullptr;  // the station's (StationClock); outlives the service
    // Called on the sync thread when the status row changed (progress, a
    // round's end): the station wakes its loop and looks.
    std::function<void()> on_status_changed;
  };

  explicit SyncService(Config config);
  ~SyncService();  // stops the transfer under way, within a second or so
  SyncService(const SyncService&) = delete;
  SyncService& operator=(const SyncService&) = delete;

 private:
  void Run();

  Config config_;
  std::atomic<bool> stop_{false};
  std::mutex engine_mutex_;
  station_sync::SyncEngine* engine_ = nullptr;  // while it runs; under engine_mutex_
  std::thread thread_;
};

}  // namespace kiosk
