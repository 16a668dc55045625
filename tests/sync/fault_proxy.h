// FaultProxy: a loopback TCP proxy inside the test process that makes a
// link misbehave on purpose: cut a connection after N bytes or at a random
// offset, stall it, reset it, or slow it to a trickle. Point the client at
// proxy.port() instead of the server's port; the server stays real.
//
// Each accepted connection gets its own two pump threads (client -> server
// "up", server -> client "down"). The plan in force when a connection is
// accepted applies to it for its whole life; SetPlan() changes it for the
// connections that follow. Byte counts are per connection and per direction.
//
//   FaultPlan plan;
//   plan.cut_down_after_bytes = 4 << 20;     // every connection dies after 4 MiB down
//   FaultProxy proxy(server_port, plan);
//   ... client uses "http://127.0.0.1:" + std::to_string(proxy.port()) ...
//   proxy.stats().down_bytes                 // what crossed the "link"
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace test {

struct FaultPlan {
  // Cut (close both sides) after this many bytes in that direction; 0: never.
  std::int64_t cut_down_after_bytes = 0;
  std::int64_t cut_up_after_bytes = 0;
  // Cut down at a random offset in [min, max] (from `seed`), drawn per
  // connection; max 0: never.
  std::int64_t random_cut_down_min = 0;
  std::int64_t random_cut_down_max = 0;
  std::uint64_t seed = 1;
  // A cut sends RST (SO_LINGER 0) instead of FIN.
  bool reset = false;
  // Forward this many bytes down, then nothing more, keeping the connection
  // open (a stalled link); -1: never stall.
  std::int64_t stall_down_after_bytes = -1;
  // Down-direction rate limit; 0: as fast as loopback goes.
  std::int64_t down_bytes_per_s = 0;
  // Refuse new connections (accept and close at once), like a link that is down.
  bool refuse = false;
};

struct ProxyStats {
  std::int64_t connections = 0;
  std::int64_t down_bytes = 0;  // server -> client, forwarded
  std::int64_t up_bytes = 0;    // client -> server, forwarded
  std::int64_t cuts = 0;
};

class FaultProxy {
 public:
  FaultProxy(int target_port, FaultPlan plan = {});
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const { return port_; }
  void SetPlan(const FaultPlan& plan);
  ProxyStats stats() const;
  // Cuts every open connection now (FIN, or RST if the plan says so).
  void CutAll();

 private:
  struct Connection;
  void AcceptLoop();
  void Pump(std::shared_ptr<Connection> connection, bool down);

  int target_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;  // guards plan_, stats_, connections_, threads_, draws_
  FaultPlan plan_;
  ProxyStats stats_;
  std::uint64_t rng_state_ = 0;
  std::vector<std::shared_ptr<Connection>> connections_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace test
