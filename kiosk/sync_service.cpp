#include "kiosk/sync_service.h"

#include "base/log.h"
#include "store/store.h"
#include "sync/clock.h"
#include "sync/file_system.h"
#include "sync/sync_engine.h"

namespace kiosk {

SyncService::SyncService(Config config) : config_(std::move(config)), thread_([this] { Run(); }) {}

SyncService::~SyncService() {
  {
    std::lock_guard<std::mutex> lock(engine_mutex_);
    stop_.store(true);
    if (engine_ != nullptr) engine_->RequestStop();
  }
  thread_.join();
}

void SyncService::Run() {
  auto store = store::Store::Open(config_.data_dir + "/station.db");
  if (!store) {
    base::LogError("sync", "sync does not run: the store cannot open: " + store.error().message);
    return;
  }
  station_sync::SyncOptions options;
  options.data_dir = config_.data_dir;
  options.on_status_changed = config_.on_status_changed;
  station_sync::Clock& clock = config_.clock != nullptr ? *config_.clock : station_sync::SystemClock();
  station_sync::SyncEngine engine(**store, station_sync::PosixFileSystem(), clock, options);
  {
    std::lock_guard<std::mutex> lock(engine_mutex_);
    if (stop_.load()) return;  // the kiosk closed before the engine started
    engine_ = &engine;
  }
  base::LogInfo("sync", "sync with the county runs in the kiosk");
  engine.RunUntil(stop_);
  std::lock_guard<std::mutex> lock(engine_mutex_);
  engine_ = nullptr;
}

}  // namespace kiosk
