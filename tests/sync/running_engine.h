// RunningEngine: a SyncEngine running as in the kiosk (RunUntil on a thread
// of its own) for the life of a test scope; it stops and joins however the
// test ends (a failed REQUIRE throws).
#pragma once

#include <atomic>
#include <thread>
#include <utility>

#include "sync/clock.h"
#include "sync/file_system.h"
#include "sync/sync_engine.h"

namespace test {

class RunningEngine {
 public:
  RunningEngine(store::Store& store, station_sync::SyncOptions options,
                station_sync::Clock& clock = station_sync::SystemClock())
      : engine_(store, station_sync::PosixFileSystem(), clock, std::move(options)),
        thread_([this] { engine_.RunUntil(stop_); }) {}
  ~RunningEngine() {  // as the kiosk closing: the transfer under way stops too
    stop_ = true;
    engine_.RequestStop();
    thread_.join();
  }
  RunningEngine(const RunningEngine&) = delete;
  RunningEngine& operator=(const RunningEngine&) = delete;

 private:
  station_sync::SyncEngine engine_;
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: starts once the engine is built
};

}  // namespace test
