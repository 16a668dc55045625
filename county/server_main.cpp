// county-server --data DIR --listen HOST:PORT [--cert F --key F]
//               [--threads N] [--blob-downloads N] [--max-waiting N] [--retry-after S]

#include <csignal>
#include <cstdio>
#include <optional>
#include <string>

#include "base/log.h"
#include "base/numbers.h"
#include "county/server.h"

namespace {

county::Server* g_server = nullptr;

void OnSignal(int) {
  if (g_server) g_server->Stop();
}

// A whole number in [low, high]; none for anything else.
std::optional<int> Number(const std::string& text, int low, int high) {
  const std::optional<std::int64_t> value = base::ParseInt64(text);
  if (!value || *value < low || *value > high) return std::nullopt;
  return static_cast<int>(*value);
}

int Usage() {
  std::fprintf(stderr,
               "usage: county-server --data DIR --listen HOST:PORT [--cert FILE --key FILE]\n"
               "                     [--threads N] [--blob-downloads N] [--max-waiting N]\n"
               "                     [--retry-after SECONDS]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir, listen;
  county::ServerOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return Usage();
    const std::string value = argv[++i];
    if (arg == "--data") data_dir = value;
    else if (arg == "--listen") listen = value;
    else if (arg == "--cert") options.cert_file = value;
    else if (arg == "--key") options.key_file = value;
    else if (arg == "--threads" && Number(value, 1, 1024)) options.threads = *Number(value, 1, 1024);
    else if (arg == "--blob-downloads" && Number(value, 0, 1024)) options.blob_downloads = *Number(value, 0, 1024);
    else if (arg == "--max-waiting" && Number(value, 0, 1 << 20)) options.max_waiting = *Number(value, 0, 1 << 20);
    else if (arg == "--retry-after" && Number(value, 1, 86400)) options.retry_after_s = *Number(value, 1, 86400);
    else return Usage();
  }
  const std::size_t colon = listen.rfind(':');
  if (data_dir.empty() || colon == std::string::npos) return Usage();
  options.host = listen.substr(0, colon);
  const std::optional<int> port = Number(listen.substr(colon + 1), 0, 65535);
  if (!port) return Usage();
  options.port = *port;

  auto store = county::CountyStore::Open(data_dir);
  if (!store.ok()) {
    std::fprintf(stderr, "county-server: %s\n", store.error().message.c_str());
    return 1;
  }
  base::ConfigureLog({base::LogLevel::kInfo, base::LogLevel::kInfo, (*store)->paths().Log()});
  auto keys = county::LoadCountyPublicKeys((*store)->paths());
  if (!keys.ok()) {
    base::LogError("county", "no county keys (run `county init --data " + data_dir +
                                 "` first): " + keys.error().message);
    return 1;
  }
  auto server = county::Server::Bind(**store, *keys, options);
  if (!server.ok()) {
    base::LogError("county", server.error().message);
    return 1;
  }
  g_server = server->get();
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  base::LogInfo("county", std::string(options.cert_file.empty() ? "HTTP" : "HTTPS") +
                              " on " + options.host + ":" + std::to_string((*server)->port()));
  (*server)->Run();
  g_server = nullptr;
  return 0;
}
