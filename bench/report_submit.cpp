// report-submit: the time from tapping "send" to "submitted" (Finalise():
// seal, write, fsync, rename, fsync directories, commit with
// synchronous=FULL), and the size of a sealed typical report: 3 photos
// (~300 KB JPEGs) and a 1-minute Opus voice note (24 kbit/s), made with
// the ffmpeg CLI. Prints a Markdown table for docs/BENCHMARKS.md.
//
//   report-submit [--runs N] [--work DIR]   (DIR: on the disk to measure)

#include <sodium.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "base/files.h"
#include "base/log.h"
#include "store/store.h"
#include "sync/outbox.h"
#include "sync/seal.h"

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "report-submit: %s\n", message.c_str());
  return 1;
}

bool Run(const std::string& command) { return std::system(command.c_str()) == 0; }

}  // namespace

int main(int argc, char** argv) {
  int runs = 100;
  std::string work = std::filesystem::current_path().string();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--runs") runs = std::max(1, std::atoi(argv[i + 1]));
    else if (flag == "--work") work = argv[i + 1];
    else return Fail("usage: report-submit [--runs N] [--work DIR]");
  }
  if (sodium_init() < 0) return Fail("libsodium");
  base::ConfigureLog({base::LogLevel::kWarn, base::LogLevel::kWarn, "", 0, 0});
  std::string dir = work + "/report-submit-XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) return Fail("cannot make a directory in " + work);

  // Typical captures: photos downscaled to 1600x1200 JPEG with camera-like
  // noise; a minute of voice-like audio as Opus at 24 kbit/s.
  const std::string q = "ffmpeg -hide_banner -loglevel error -y ";
  std::vector<std::string> photos;
  for (int i = 0; i < 3; ++i) {
    const std::string path = dir + "/photo" + std::to_string(i) + ".jpg";
    if (!Run(q + "-f lavfi -i \"testsrc2=size=1600x1200,noise=alls=12:allf=t,hue=h=" +
             std::to_string(40 * i) + "\" -frames:v 1 -q:v 5 " + path)) {
      return Fail("ffmpeg could not make a photo");
    }
    photos.push_back(path);
  }
  const std::string voice = dir + "/voice.ogg";
  if (!Run(q + "-f lavfi -i \"anoisesrc=color=pink:amplitude=0.3:duration=60\" "
               "-f lavfi -i \"sine=frequency=180:duration=60\" -filter_complex amix=inputs=2 "
               "-ac 1 -ar 48000 -c:a libopus -b:a 24k -vbr off " + voice)) {
    return Fail("ffmpeg could not make a voice note");
  }

  const std::string data = dir + "/data";
  if (!base::MakeDirectories(data).ok()) return Fail("cannot make " + data);
  auto db = store::Store::Open(data + "/station.db");
  if (!db.ok()) return Fail(db.error().message);
  const station_sync::CountySecretKey county = station_sync::GenerateCountyKey();
  const std::string key_file = dir + "/county.pub";
  if (!base::WriteFileDurably(key_file, station_sync::FormatCountyPublicKey(county.public_key)).ok() ||
      !(*db)->SetSetting("report.county_key_file", key_file).ok()) {
    return Fail("cannot configure the county key");
  }
  auto config = station_sync::LoadOutboxConfig(**db, station_sync::PosixFileSystem(), data);
  if (!config.ok()) return Fail(config.error().message);
  auto outbox = station_sync::Outbox::Open(**db, station_sync::PosixFileSystem(),
                                           station_sync::SystemClock(), *config);
  if (!outbox.ok()) return Fail(outbox.error().message);

  std::vector<station_sync::Attachment> attachments;
  std::size_t plain_bytes = 0;
  for (const std::string& p : photos) {
    attachments.push_back({station_sync::AttachmentKind::kPhoto, "image/jpeg", *base::ReadFile(p)});
  }
  attachments.push_back({station_sync::AttachmentKind::kVoiceNote, "audio/ogg", *base::ReadFile(voice)});
  for (const auto& a : attachments) plain_bytes += a.bytes.size();

  std::vector<double> ms;
  std::uint64_t sealed_bytes = 0;
  for (int run = 0; run < runs; ++run) {
    station_sync::ReportDraft draft = (*outbox)->StartReport();
    draft.category = "housing";
    draft.language = "zh-CN";
    draft.text = "雨季房屋有危险，请来看看";
    draft.attachments = attachments;
    const auto t0 = std::chrono::steady_clock::now();
    auto submitted = (*outbox)->Finalise(draft);
    const auto t1 = std::chrono::steady_clock::now();
    if (!submitted.ok()) return Fail(submitted.error().message);
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    sealed_bytes = submitted->sealed_size_bytes;
  }
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  const double median = runs % 2 ? sorted[runs / 2] : (sorted[runs / 2 - 1] + sorted[runs / 2]) / 2;
  const double p90 = sorted[static_cast<std::size_t>(0.9 * (runs - 1))];
  double mean = 0;
  for (double v : ms) mean += v / runs;

  std::printf("| measure | value |\n|---|---|\n");
  std::printf("| send -> submitted, median of %d (ms) | **%.1f** |\n", runs, median);
  std::printf("| send -> submitted, 90th percentile (ms) | %.1f |\n", p90);
  std::printf("| send -> submitted, worst of %d (ms) | **%.1f** |\n", runs, sorted.back());
  std::printf("| send -> submitted, best / mean (ms) | %.1f / %.1f |\n", sorted.front(), mean);
  std::printf("| captured bytes: 3 photos + 1-min voice note | %zu (photos %zu, %zu, %zu; voice %zu) |\n",
              plain_bytes, attachments[0].bytes.size(), attachments[1].bytes.size(),
              attachments[2].bytes.size(), attachments[3].bytes.size());
  std::printf("| sealed report on disk and on the wire (bytes) | **%llu** (+%llu, %.2f%%) |\n",
              static_cast<unsigned long long>(sealed_bytes),
              static_cast<unsigned long long>(sealed_bytes - plain_bytes),
              100.0 * static_cast<double>(sealed_bytes - plain_bytes) / static_cast<double>(plain_bytes));

  outbox->reset();
  db->reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return 0;
}
