// report-tool: the county's side of the kiosk's report tests.
//
//   report-tool keygen DIR
//       writes DIR/county.pub and DIR/county.key (a test county key pair)
//   report-tool open OUTBOX_DIR COUNTY_SECRET_KEY
//       opens every report in the outbox as the county would (signature,
//       hashes, decryption) and prints one JSON line per report:
//       {"report_id", "body": {...}, "attachments": [{"bytes", "magic"}]}.
//       Exit status 1 if any report directory fails to open.

#include <dirent.h>

#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/files.h"
#include "sync/seal.h"

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "report-tool: %s\n", message.c_str());
  return 1;
}

std::vector<std::string> ReportDirectories(const std::string& outbox) {
  std::vector<std::string> names;
  if (DIR* dir = opendir(outbox.c_str())) {
    while (const dirent* entry = readdir(dir)) {
      const std::string name = entry->d_name;
      if (name.size() == 32 && name.find_first_not_of("0123456789abcdef") == std::string::npos) names.push_back(name);
    }
    closedir(dir);
  }
  return names;
}

std::string Magic(const std::string& bytes) {
  if (bytes.rfind("\xFF\xD8\xFF", 0) == 0) return "jpeg";
  if (bytes.rfind("OggS", 0) == 0) return "ogg";
  return "unknown";
}

int Keygen(const std::string& dir) {
  const station_sync::CountySecretKey key = station_sync::GenerateCountyKey();
  if (auto written = base::WriteFileDurably(dir + "/county.pub", station_sync::FormatCountyPublicKey(key.public_key)); !written) {
    return Fail(written.error().message);
  }
  if (auto written = base::WriteFileDurably(dir + "/county.key", station_sync::FormatCountySecretKey(key)); !written) {
    return Fail(written.error().message);
  }
  return 0;
}

int Open(const std::string& outbox, const std::string& key_file) {
  auto key_text = base::ReadFile(key_file);
  if (!key_text) return Fail(key_text.error().message);
  auto county = station_sync::ParseCountySecretKey(*key_text);
  if (!county) return Fail(county.error().message);
  int failures = 0;
  for (const std::string& id : ReportDirectories(outbox)) {
    const std::string dir = outbox + "/" + id;
    auto envelope = base::ReadFile(dir + "/envelope");
    auto opened = envelope ? station_sync::OpenReport(*envelope, *county,
                                                      [&](const std::string& sha) { return base::ReadFile(dir + "/" + sha); })
                           : base::Result<station_sync::OpenedReport>(envelope.error());
    if (!opened) {
      std::fprintf(stderr, "report-tool: %s: %s\n", id.c_str(), opened.error().message.c_str());
      ++failures;
      continue;
    }
    nlohmann::json line = {{"report_id", id}, {"body", nlohmann::json::parse(opened->body_json)}};
    line["attachments"] = nlohmann::json::array();
    for (const std::string& attachment : opened->attachments) {
      line["attachments"].push_back({{"bytes", attachment.size()}, {"magic", Magic(attachment)}});
    }
    std::printf("%s\n", line.dump().c_str());
  }
  return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 2 && args[0] == "keygen") return Keygen(args[1]);
  if (args.size() == 3 && args[0] == "open") return Open(args[1], args[2]);
  return Fail("usage: report-tool keygen DIR | report-tool open OUTBOX_DIR COUNTY_SECRET_KEY");
}
