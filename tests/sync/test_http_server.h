// TestHttpServer: a small HTTP/1.1 server on 127.0.0.1 for sync tests, with
// keep-alive and byte-exact control of every answer (cpp-httplib 0.11
// re-slices bodies whenever a request has a Range header, which makes a
// misbehaving or a correct range server impossible to write with it).
//
// BlobHandler below is the county's content side as docs/protocol.md
// describes it (catalog with ETag/304, blobs with Range and If-Range), with
// switches to misbehave: tampered bytes, an endless body, a captive portal,
// 429 with Retry-After.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace test {

struct TestRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

struct TestResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Instead of `body`: bytes [offset, offset + length) of a file (sendfile).
  std::string file_path;
  std::int64_t file_offset = 0;
  std::int64_t file_length = 0;
  // Instead of either: no Content-Length, write until this returns false,
  // then close (an endless stream).
  std::function<bool(std::string& chunk)> stream;
};

using TestHandler = std::function<TestResponse(const TestRequest&)>;

class TestHttpServer {
 public:
  // port 0: any free port.
  explicit TestHttpServer(TestHandler handler, int port = 0);
  ~TestHttpServer();
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_.load(); }
  // Closes the listening socket and every connection (a server going down).
  void Stop();

 private:
  void Serve(int fd);
  TestHandler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::mutex mutex_;
  std::vector<int> open_fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

// The content side of a county, in memory.
struct BlobSite {
  std::mutex mutex;
  std::map<std::string, std::string> blobs;  // sha -> bytes
  std::map<std::string, std::string> blob_files;  // sha -> path (large blobs)
  std::string catalog_text;
  std::string catalog_signature;
  std::int64_t catalog_version = 0;
  // Misbehaviour.
  bool tamper = false;            // flip one byte in every blob body
  bool endless = false;           // blobs answer 200 with no length, forever
  bool captive_portal = false;    // everything answers 200 HTML, no protocol header
  bool ignore_range = false;      // blobs always answer 200 whole
  int busy_answers = 0;           // the next N requests get 429 Retry-After: busy_retry_after_s
  int blob_busy_answers = 0;      // the same for the next N blob requests only
  int busy_retry_after_s = 1;
  std::int64_t server_time_s = 0;  // 0: the real clock
  std::atomic<int> catalog_requests{0};
  std::atomic<int> catalog_not_modified{0};
};

TestHandler BlobHandler(std::shared_ptr<BlobSite> site);

std::string Sha256Hex(const std::string& bytes);

}  // namespace test
