#include "tests/sync/fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <stdexcept>

namespace test {

struct FaultProxy::Connection {
  int client_fd = -1;
  int server_fd = -1;
  FaultPlan plan;
  std::int64_t cut_down_at = 0;  // 0: never
  std::atomic<bool> closed{false};
  std::mutex close_mutex;

  // Closes both sides once; the pumps see it and end.
  void Close(bool reset) {
    std::lock_guard<std::mutex> lock(close_mutex);
    if (closed.exchange(true)) return;
    for (int fd : {client_fd, server_fd}) {
      if (reset) {
        linger hard{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
      }
      ::shutdown(fd, SHUT_RDWR);
    }
  }
  ~Connection() {
    ::close(client_fd);
    ::close(server_fd);
  }
};

namespace {

int ListenLoopback(int& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, 64) != 0) {
    ::close(fd);
    throw std::runtime_error("fault proxy: cannot listen on 127.0.0.1");
  }
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  port = ntohs(address.sin_port);
  return fd;
}

int ConnectLoopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// splitmix64: small, seedable, good enough to pick cut offsets.
std::uint64_t NextRandom(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

bool SendAll(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

FaultProxy::FaultProxy(int target_port, FaultPlan plan) : target_port_(target_port), plan_(plan) {
  rng_state_ = plan.seed;
  listen_fd_ = ListenLoopback(port_);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

FaultProxy::~FaultProxy() {
  stopping_.store(true);
  ::shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& connection : connections_) connection->Close(false);
    threads.swap(threads_);
  }
  for (auto& thread : threads) thread.join();
}

void FaultProxy::SetPlan(const FaultPlan& plan) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (plan.seed != plan_.seed) rng_state_ = plan.seed;
  plan_ = plan;
}

ProxyStats FaultProxy::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void FaultProxy::CutAll() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& connection : connections_) {
    if (!connection->closed.load()) {
      connection->Close(plan_.reset);
      ++stats_.cuts;
    }
  }
}

void FaultProxy::AcceptLoop() {
  while (!stopping_.load()) {
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      if (stopping_.load()) return;
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;
    }
    auto connection = std::make_shared<Connection>();
    connection->client_fd = client;
    std::lock_guard<std::mutex> lock(mutex_);
    connection->plan = plan_;
    if (plan_.refuse || (connection->server_fd = ConnectLoopback(target_port_)) < 0) {
      connection->Close(true);
      continue;
    }
    const int one = 1;
    ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (plan_.down_bytes_per_s > 0) {
      // A slow link holds little in flight; loopback would buffer megabytes.
      const int window = 64 * 1024;
      ::setsockopt(connection->server_fd, SOL_SOCKET, SO_RCVBUF, &window, sizeof window);
    }
    connection->cut_down_at = plan_.cut_down_after_bytes;
    if (plan_.random_cut_down_max > 0) {
      const auto span = static_cast<std::uint64_t>(plan_.random_cut_down_max - plan_.random_cut_down_min + 1);
      connection->cut_down_at = plan_.random_cut_down_min + static_cast<std::int64_t>(NextRandom(rng_state_) % span);
    }
    ++stats_.connections;
    // Drop finished connections so a long run does not keep their fds.
    connections_.erase(std::remove_if(connections_.begin(), connections_.end(),
                                      [](const auto& c) { return c->closed.load() && c.use_count() == 1; }),
                       connections_.end());
    connections_.push_back(connection);
    threads_.emplace_back([this, connection] { Pump(connection, true); });
    threads_.emplace_back([this, connection] { Pump(connection, false); });
  }
}

void FaultProxy::Pump(std::shared_ptr<Connection> connection, bool down) {
  using Clock = std::chrono::steady_clock;
  const FaultPlan& plan = connection->plan;
  const int from = down ? connection->server_fd : connection->client_fd;
  const int to = down ? connection->client_fd : connection->server_fd;
  const std::int64_t cut_at = down ? connection->cut_down_at : plan.cut_up_after_bytes;
  const std::int64_t stall_at = down ? plan.stall_down_after_bytes : -1;
  const std::int64_t rate = down ? plan.down_bytes_per_s : 0;
  std::int64_t forwarded = 0;
  const auto started = Clock::now();
  char buffer[64 * 1024];

  while (!connection->closed.load() && !stopping_.load()) {
    pollfd wait{from, POLLIN, 0};
    const int ready = ::poll(&wait, 1, 100);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    std::size_t want = sizeof buffer;
    if (rate > 0) want = std::min<std::size_t>(want, static_cast<std::size_t>(std::max<std::int64_t>(1, rate / 20)));
    if (cut_at > 0) want = std::min<std::size_t>(want, static_cast<std::size_t>(cut_at - forwarded));
    if (stall_at >= 0) want = std::min<std::size_t>(want, static_cast<std::size_t>(std::max<std::int64_t>(0, stall_at - forwarded)));
    if (want == 0) {  // stalled: hold the connection open and forward nothing
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    const ssize_t n = ::recv(from, buffer, want, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::shutdown(to, SHUT_WR);  // pass the end of stream on
      break;
    }
    if (!SendAll(to, buffer, static_cast<std::size_t>(n))) break;
    forwarded += n;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      (down ? stats_.down_bytes : stats_.up_bytes) += n;
    }
    if (cut_at > 0 && forwarded >= cut_at) {
      connection->Close(plan.reset);
      std::lock_guard<std::mutex> lock(mutex_);
      ++stats_.cuts;
      break;
    }
    if (rate > 0) {  // sleep until the bytes so far fit the rate
      const auto due = started + std::chrono::microseconds(forwarded * 1'000'000 / rate);
      while (Clock::now() < due && !connection->closed.load() && !stopping_.load()) {
        std::this_thread::sleep_for(std::min<Clock::duration>(due - Clock::now(), std::chrono::milliseconds(50)));
      }
    }
  }
  if (!down) return;  // the down pump decides when the whole connection is over
  connection->Close(false);
}

}  // namespace test
