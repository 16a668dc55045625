#include "tests/sync/report_fixture.h"

#include <sodium.h>

#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "store/sql.h"
#include "store/store.h"

namespace test {

std::string PseudoRandomBytes(std::size_t size, std::uint64_t seed) {
  std::string bytes(size, '\0');
  unsigned char key[crypto_stream_chacha20_KEYBYTES] = {};
  unsigned char nonce[crypto_stream_chacha20_NONCEBYTES] = {};
  std::memcpy(nonce, &seed, sizeof seed);
  crypto_stream_chacha20(reinterpret_cast<unsigned char*>(bytes.data()), size, nonce, key);
  return bytes;
}

station_sync::ReportDraft MakeDraft(station_sync::Outbox& outbox, int photos,
                                    std::size_t photo_bytes, std::size_t voice_bytes,
                                    std::uint64_t seed) {
  station_sync::ReportDraft draft = outbox.StartReport();
  draft.category = "water";
  draft.language = "zh-CN";
  draft.text = "村东头的水管坏了 #" + std::to_string(seed);
  for (int i = 0; i < photos; ++i) {
    draft.attachments.push_back({station_sync::AttachmentKind::kPhoto, "image/jpeg",
                                 PseudoRandomBytes(photo_bytes, seed * 16 + i)});
  }
  if (voice_bytes > 0) {
    draft.attachments.push_back({station_sync::AttachmentKind::kVoiceNote, "audio/ogg",
                                 PseudoRandomBytes(voice_bytes, seed * 16 + 15)});
  }
  return draft;
}

station_sync::OutboxConfig TestConfig(const std::string& dir,
                                      const station_sync::CountySecretKey& county) {
  station_sync::OutboxConfig config;
  config.dir = dir;
  config.county = county.public_key;
  crypto_sign_keypair(config.station.public_key.data(), config.station.secret_key.data());
  return config;
}

OutboxCheck CheckOutbox(store::Store& store, station_sync::FileSystem& fs,
                        const std::string& outbox_dir,
                        const station_sync::CountySecretKey& county,
                        const std::set<std::string>& decrypted_before) {
  OutboxCheck check;
  base::Result<std::vector<station_sync::DirectoryEntry>> entries = fs.List(outbox_dir);
  if (!entries.ok()) {
    check.problems.push_back("cannot list the outbox: " + entries.error().message);
    return check;
  }
  std::set<std::string> present;
  for (const station_sync::DirectoryEntry& entry : *entries) present.insert(entry.name);
  auto rows = store::sql::Statement::Prepare(
      store.handle(),
      "SELECT report_id, ticket_code, envelope_sha256, status, "
      "(SELECT count(*) FROM report_blobs b WHERE b.report_id = r.report_id) FROM reports r");
  if (!rows.ok()) {
    check.problems.push_back(rows.error().message);
    return check;
  }
  std::set<std::string> committed;
  for (;;) {
    base::Result<bool> row = rows->Step();
    if (!row.ok()) {
      check.problems.push_back(row.error().message);
      break;
    }
    if (!*row) break;
    const std::string id = rows->Text(0);
    if (rows->Text(3) == "acknowledged") continue;
    committed.insert(id);
    const std::string dir = outbox_dir + "/" + id;
    auto problem = [&](const std::string& what) { check.problems.push_back(id + ": " + what); };
    if (decrypted_before.count(id)) {
      if (!present.count(id)) problem("directory gone since the last full check");
      else check.intact.insert(id);
      continue;
    }
    base::Result<std::string> envelope = fs.ReadFile(dir + "/envelope");
    if (!envelope.ok()) {
      problem("no envelope: " + envelope.error().message);
      continue;
    }
    if (station_sync::Sha256Hex(*envelope) != rows->Text(2)) {
      problem("envelope hash differs from the row");
      continue;
    }
    base::Result<station_sync::OpenedReport> opened = station_sync::OpenReport(
        *envelope, county, [&](const std::string& sha) { return fs.ReadFile(dir + "/" + sha); });
    if (!opened.ok()) {
      problem("cannot open: " + opened.error().message);
      continue;
    }
    if (static_cast<std::int64_t>(opened->envelope.blobs.size()) != rows->Int(4)) {
      problem("blob count differs from the rows");
      continue;
    }
    base::Result<std::vector<station_sync::DirectoryEntry>> files = fs.List(dir);
    if (!files.ok() || files->size() != opened->envelope.blobs.size() + 1) {
      problem("unexpected files in the report directory");
      continue;
    }
    const nlohmann::json body = nlohmann::json::parse(opened->body_json, nullptr, false);
    if (body.is_discarded() || body.value("report_id", "") != id ||
        body.value("ticket_code", "") != rows->Text(1) ||
        body["attachments"].size() != opened->attachments.size()) {
      problem("body does not match");
      continue;
    }
    for (std::size_t i = 0; i < opened->attachments.size(); ++i) {
      if (body["attachments"][i]["size_bytes"].get<std::size_t>() !=
          opened->attachments[i].size()) {
        problem("attachment size does not match the body");
      }
    }
    check.intact.insert(id);
  }
  for (const std::string& name : present) {
    if (name == ".lock") continue;
    if (!committed.count(name)) check.problems.push_back("uncommitted entry " + name);
  }
  return check;
}

}  // namespace test
