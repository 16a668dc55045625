#include "tests/sync/test_http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sodium.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace test {
namespace {

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

bool SendFile(int socket_fd, const std::string& path, std::int64_t offset, std::int64_t length) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  off_t position = offset;
  bool ok = true;
  while (length > 0) {
    const ssize_t n = ::sendfile(socket_fd, fd, &position, static_cast<std::size_t>(std::min<std::int64_t>(length, 1 << 30)));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    length -= n;
  }
  ::close(fd);
  return ok;
}

const char* Reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 206: return "Partial Content";
    case 304: return "Not Modified";
    case 404: return "Not Found";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    default: return "Status";
  }
}

}  // namespace

std::string Sha256Hex(const std::string& bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  char hex[2 * sizeof digest + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

TestHttpServer::TestHttpServer(TestHandler handler, int port) : handler_(std::move(handler)) {
  // sendfile(2) to a peer that hung up raises SIGPIPE (send has MSG_NOSIGNAL,
  // sendfile has no such flag); the test process must survive clients that cut.
  ::signal(SIGPIPE, SIG_IGN);
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listen_fd_, 64) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("test server: cannot listen on 127.0.0.1:" + std::to_string(port));
  }
  socklen_t length = sizeof address;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] {
    while (!stopping_.load()) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        if (stopping_.load()) return;
        if (errno == EINTR || errno == ECONNABORTED) continue;
        return;
      }
      const int on = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
      std::lock_guard<std::mutex> lock(mutex_);
      open_fds_.push_back(fd);
      threads_.emplace_back([this, fd] { Serve(fd); });
    }
  });
}

TestHttpServer::~TestHttpServer() {
  Stop();
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    threads.swap(threads_);
  }
  for (auto& thread : threads) thread.join();
  ::close(listen_fd_);
}

void TestHttpServer::Stop() {
  if (stopping_.exchange(true)) return;
  ::shutdown(listen_fd_, SHUT_RDWR);
  std::lock_guard<std::mutex> lock(mutex_);
  for (int fd : open_fds_) {
    // Like a crash: unsent bytes are dropped and the peer gets a reset.
    linger hard{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    ::shutdown(fd, SHUT_RDWR);
  }
}

void TestHttpServer::Serve(int fd) {
  std::string buffer;
  char chunk[16384];
  while (!stopping_.load()) {
    std::size_t end;
    while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || buffer.size() > (1 << 20)) goto done;
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
    {
      TestRequest request;
      const std::string head = buffer.substr(0, end);
      buffer.erase(0, end + 4);
      std::size_t line_end = head.find("\r\n");
      const std::string first = head.substr(0, line_end);
      const std::size_t space1 = first.find(' ');
      const std::size_t space2 = first.find(' ', space1 + 1);
      request.method = first.substr(0, space1);
      request.path = first.substr(space1 + 1, space2 - space1 - 1);
      std::size_t at = line_end == std::string::npos ? head.size() : line_end + 2;
      while (at < head.size()) {
        std::size_t next = head.find("\r\n", at);
        if (next == std::string::npos) next = head.size();
        const std::string line = head.substr(at, next - at);
        const std::size_t colon = line.find(':');
        if (colon != std::string::npos) {
          std::string name = line.substr(0, colon);
          std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
          std::string value = line.substr(colon + 1);
          value.erase(0, value.find_first_not_of(' '));
          request.headers[name] = value;
        }
        at = next + 2;
      }
      // Request bodies are read and dropped (content tests only GET).
      if (const std::string length = request.Header("content-length"); !length.empty()) {
        std::size_t remaining = std::stoul(length);
        const std::size_t taken = std::min(remaining, buffer.size());
        buffer.erase(0, taken);
        remaining -= taken;
        while (remaining > 0) {
          const ssize_t n = ::recv(fd, chunk, std::min(remaining, sizeof chunk), 0);
          if (n <= 0) goto done;
          remaining -= static_cast<std::size_t>(n);
        }
      }
      ++requests_;
      TestResponse response = handler_(request);
      std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + Reason(response.status) + "\r\n";
      for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
      const bool has_file = !response.file_path.empty();
      if (response.stream) {
        out += "Connection: close\r\n\r\n";
      } else {
        const std::int64_t length = has_file ? response.file_length : static_cast<std::int64_t>(response.body.size());
        if (response.status != 304) out += "Content-Length: " + std::to_string(length) + "\r\n";
        out += "\r\n";
      }
      const bool head_only = request.method == "HEAD" || response.status == 304;
      if (!head_only && !response.stream && !has_file) out += response.body;
      if (!SendAll(fd, out.data(), out.size())) goto done;
      if (head_only) continue;
      if (response.stream) {
        std::string piece;
        while (!stopping_.load() && response.stream(piece)) {
          if (!SendAll(fd, piece.data(), piece.size())) break;
          piece.clear();
        }
        goto done;
      }
      if (has_file && !SendFile(fd, response.file_path, response.file_offset, response.file_length)) goto done;
    }
  }
done:
  ::shutdown(fd, SHUT_RDWR);
  std::lock_guard<std::mutex> lock(mutex_);
  open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd), open_fds_.end());
  ::close(fd);
}

TestHandler BlobHandler(std::shared_ptr<BlobSite> site) {
  return [site](const TestRequest& request) {
    std::lock_guard<std::mutex> lock(site->mutex);
    TestResponse response;
    if (site->captive_portal) {
      response.headers = {{"Content-Type", "text/html"}};
      response.body = "<html><body>Please log in to the village Wi-Fi</body></html>";
      return response;
    }
    const std::int64_t now = site->server_time_s != 0
                                 ? site->server_time_s
                                 : std::chrono::duration_cast<std::chrono::seconds>(
                                       std::chrono::system_clock::now().time_since_epoch()).count();
    response.headers = {{"X-Village-Protocol", "1"}, {"X-Server-Time", std::to_string(now)}};
    const auto error = [&](int status, const std::string& code) {
      response.status = status;
      response.headers.emplace_back("Content-Type", "application/json");
      response.body = nlohmann::json{{"protocol", "village-station/1"}, {"error", code}, {"message", code}}.dump();
      return response;
    };
    if (site->busy_answers > 0) {
      --site->busy_answers;
      response.headers.emplace_back("Retry-After", std::to_string(site->busy_retry_after_s));
      return error(429, "overloaded");
    }
    if (request.path == "/v1/catalog") {
      ++site->catalog_requests;
      if (site->catalog_version == 0) return error(404, "no_catalog");
      const std::string etag = "\"catalog-" + std::to_string(site->catalog_version) + "\"";
      response.headers.emplace_back("ETag", etag);
      if (request.Header("if-none-match") == etag) {
        ++site->catalog_not_modified;
        response.status = 304;
        return response;
      }
      response.headers.emplace_back("Content-Type", "application/json");
      response.body = nlohmann::json{{"protocol", "village-station/1"},
                                     {"version", site->catalog_version},
                                     {"catalog", site->catalog_text},
                                     {"signature", site->catalog_signature}}.dump();
      return response;
    }
    const std::string prefix = "/v1/blobs/";
    if (request.path.rfind(prefix, 0) != 0) return error(404, "not_found");
    if (site->blob_busy_answers > 0) {
      --site->blob_busy_answers;
      response.headers.emplace_back("Retry-After", std::to_string(site->busy_retry_after_s));
      return error(429, "overloaded");
    }
    const std::string sha = request.path.substr(prefix.size());
    const auto in_memory = site->blobs.find(sha);
    const auto on_disk = site->blob_files.find(sha);
    if (in_memory == site->blobs.end() && on_disk == site->blob_files.end()) return error(404, "not_found");
    std::int64_t size = 0;
    if (in_memory != site->blobs.end()) {
      size = static_cast<std::int64_t>(in_memory->second.size());
    } else {
      const int fd = ::open(on_disk->second.c_str(), O_RDONLY | O_CLOEXEC);
      size = ::lseek(fd, 0, SEEK_END);
      ::close(fd);
    }
    response.headers.emplace_back("ETag", "\"" + sha + "\"");
    response.headers.emplace_back("Accept-Ranges", "bytes");
    response.headers.emplace_back("Content-Type", "application/octet-stream");
    if (site->endless) {
      response.stream = [](std::string& piece) {
        piece.assign(65536, 'A');
        return true;
      };
      return response;
    }
    std::int64_t start = 0;
    const std::string range = request.Header("range");
    const std::string if_range = request.Header("if-range");
    if (!range.empty() && !site->ignore_range && (if_range.empty() || if_range == "\"" + sha + "\"")) {
      start = std::stoll(range.substr(range.find('=') + 1));
      if (start >= size) {
        response.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
        return error(416, "range_not_satisfiable");
      }
      response.status = 206;
      response.headers.emplace_back("Content-Range", "bytes " + std::to_string(start) + "-" + std::to_string(size - 1) +
                                                         "/" + std::to_string(size));
    }
    if (in_memory != site->blobs.end()) {
      response.body = in_memory->second.substr(static_cast<std::size_t>(start));
      if (site->tamper && !response.body.empty()) response.body[response.body.size() / 2] ^= 0x20;
    } else {
      response.file_path = on_disk->second;
      response.file_offset = start;
      response.file_length = size - start;
    }
    return response;
  };
}

}  // namespace test
