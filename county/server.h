// The county's HTTP(S) server: docs/protocol.md version 1 over a
// CountyStore. Routes map requests to CountyStore calls and answers to
// status codes; nothing here decides what a report or an upload is.
//
// Overload: connections wait in a queue for a worker. When more than
// `max_waiting` wait, requests answer 429 with Retry-After and
// Connection: close, so the workers drain the queue instead of the stations
// timing out: a new connection at once, from a few threads of its own, and
// a connection already on a worker at its next request.
//
// A blob download holds its worker for as long as the station's link needs
// (hours at tens of kbit/s). At most `blob_downloads` run at once, each on a
// worker added for it, so `threads` workers always remain for reports,
// enrolment and events; a download beyond that answers 429 and the station
// resumes it later with Range.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "county/county_store.h"

namespace httplib {
class Server;
}

namespace county {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;               // 0: any free port (tests)
  std::string cert_file;      // both set: HTTPS
  std::string key_file;
  int threads = 8;            // workers, besides those for blob downloads
  int blob_downloads = 8;     // at once, each on a worker of its own; 0: none served
  int max_waiting = 64;       // connections waiting for a worker before 429
  int retry_after_s = 5;
  int keep_alive_timeout_s = 5;
};

class Server {
 public:
  // Binds the socket (so the port is known) but does not serve yet.
  static base::Result<std::unique_ptr<Server>> Bind(CountyStore& store,
                                                    const CountyPublicKeys& keys,
                                                    const ServerOptions& options);
  ~Server();

  int port() const { return port_; }
  // Serves until Stop(); blocks.
  void Run();
  // For a caller that runs Run() on another thread: returns once it serves
  // (Stop() before that would be lost).
  void WaitUntilRunning() const;
  // Stops serving; a blob download under way is cut (the station resumes it).
  void Stop();

  // Connections accepted but not yet picked up by a worker.
  int waiting() const;

 private:
  Server() = default;
  class Routes;
  std::unique_ptr<httplib::Server> http_;
  std::unique_ptr<Routes> routes_;
  // On a worker or waiting for one.
  std::shared_ptr<std::atomic<int>> connections_ = std::make_shared<std::atomic<int>>(0);
  // Set by Stop(): a blob download under way ends at its next chunk instead
  // of holding the stop for as long as a slow link takes to fetch it.
  std::shared_ptr<std::atomic<bool>> stopping_ = std::make_shared<std::atomic<bool>>(false);
  int workers_ = 0;
  int port_ = 0;
};

}  // namespace county
