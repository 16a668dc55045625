#include "sync/base64.h"
#include "sync/enrolment.h"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "store/sql.h"
#include "store/store.h"
#include "sync/ticket_code.h"

namespace station_sync {
namespace {

using nlohmann::json;

constexpr char kCountyServerSetting[] = "sync.county_server";

// The county box key travels as bare base64; the key-file parser checks it.
base::Result<CountyPublicKey> ParseBoxKey(const std::string& base64) {
  return ParseCountyPublicKey("village-station county public key v1\n" + base64 + "\n");
}

// A minisign public key: base64 of "Ed" + 8-byte key id + 32-byte key.
bool IsMinisignPublicKey(const std::string& base64) {
  unsigned char raw[42];
  return FromBase64(base64, raw, sizeof raw) && raw[0] == 'E' && raw[1] == 'd';
}

constexpr const char* kEnrolmentCodeSetting = "sync.enrolment_code_sha256";

std::string CodeHash(const std::string& canonical_code) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(canonical_code.data()), canonical_code.size());
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char byte : digest) hex += {kHex[byte >> 4], kHex[byte & 15]};
  return hex;
}

// The code and the station key it was used with: a station whose key was
// lost and made anew must ask the county again (which refuses the code).
std::string CodeHash(const std::string& canonical_code, const std::string& station_key) {
  return CodeHash(canonical_code + "\n" + station_key);
}

base::Status Store(store::Store& store, const Enrolment& e, const std::string& code_hash) {
  auto transaction = store::sql::Transaction::Begin(store.handle());
  if (!transaction.ok()) return transaction.error();
  auto insert = store::sql::Statement::Prepare(
      store.handle(),
      "INSERT OR REPLACE INTO sync_enrolment (id, server_url, station_id, token, county_box_key, "
      "content_key, enrolled_at) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)");
  if (!insert.ok()) return insert.error();
  insert->Bind(1, e.server_url).Bind(2, e.station_id).Bind(3, e.token);
  insert->Bind(4, ToBase64(e.county_box_key.key.data(), e.county_box_key.key.size()));
  insert->Bind(5, e.content_key).Bind(6, e.enrolled_at_s);
  if (base::Status ran = insert->Run(); !ran.ok()) return ran;
  // A new enrolment is a new relationship: the events feed starts afresh.
  if (base::Status reset = store::sql::Exec(
          store.handle(), "UPDATE sync_state SET events_cursor = 0, events_etag = '' WHERE id = 1");
      !reset.ok()) {
    return reset;
  }
  auto setting = store::sql::Statement::Prepare(
      store.handle(),
      "INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)");
  if (!setting.ok()) return setting.error();
  setting->Bind(1, kCountyServerSetting).Bind(2, e.server_url).Bind(3, e.enrolled_at_s);
  if (base::Status ran = setting->Run(); !ran.ok()) return ran;
  setting->Reset();
  // The code's hash, not the code: enough to know it again (kiosk-sync
  // --enrol CODE from cron, kiosk --enrol at every start).
  setting->Bind(1, kEnrolmentCodeSetting).Bind(2, code_hash).Bind(3, e.enrolled_at_s);
  if (base::Status ran = setting->Run(); !ran.ok()) return ran;
  return transaction->Commit();
}

}  // namespace

base::Result<std::optional<Enrolment>> LoadEnrolment(const store::Store& store) {
  auto statement = store::sql::Statement::Prepare(
      store.handle(),
      "SELECT server_url, station_id, token, county_box_key, content_key, enrolled_at "
      "FROM sync_enrolment WHERE id = 1");
  if (!statement.ok()) return statement.error();
  base::Result<bool> row = statement->Step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<Enrolment>();
  Enrolment e;
  e.server_url = statement->Text(0);
  e.station_id = statement->Text(1);
  e.token = statement->Text(2);
  base::Result<CountyPublicKey> box = ParseBoxKey(statement->Text(3));
  if (!box.ok()) {
    return base::MakeError(base::ErrorCode::kCorrupt, "stored county key: " + box.error().message);
  }
  e.county_box_key = *box;
  e.content_key = statement->Text(4);
  e.enrolled_at_s = statement->Int(5);
  return std::optional<Enrolment>(std::move(e));
}

base::Result<std::optional<CountyPublicKey>> PinnedCountyKey(const store::Store& store) {
  base::Result<std::optional<Enrolment>> enrolment = LoadEnrolment(store);
  if (!enrolment.ok()) return enrolment.error();
  if (!*enrolment) return std::optional<CountyPublicKey>();
  return std::optional<CountyPublicKey>((*enrolment)->county_box_key);
}

base::Result<Enrolment> Enrol(store::Store& store, CountyConnection& county,
                              const StationKey& station, const EnrolmentRequest& request,
                              std::int64_t now_s) {
  base::Result<std::string> code = NormaliseTicketCode(request.code);
  if (!code.ok()) {
    return base::MakeError(base::ErrorCode::kInvalidInput,
                           "the enrolment code has a typo: " + code.error().message);
  }
  const std::string station_key = ToBase64(station.public_key.data(), station.public_key.size());
  // Enrolled with this very code and key already: the enrolment holds (the
  // county would answer the same station a new token, and once the code
  // expires, refuse it).
  const std::string code_hash = CodeHash(*code, station_key);
  if (store.GetSetting(kEnrolmentCodeSetting) == code_hash) {
    base::Result<std::optional<Enrolment>> stored = LoadEnrolment(store);
    if (!stored.ok()) return stored.error();
    if (*stored) {
      base::LogInfo("enrolment", "already enrolled with this code, as station " + (*stored)->station_id);
      county.set_token((*stored)->token);
      return **stored;
    }
  }
  // The proof binds the code to this station's key, so someone who saw the
  // code cannot enrol another key with it (docs/protocol.md section 2).
  const std::string message = "village-station-enrol/1\n" + *code + "\n" + station_key + "\n";
  unsigned char signature[crypto_sign_BYTES];
  crypto_sign_detached(signature, nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), station.secret_key.data());
  const json body = {{"code", *code},
                     {"station_key", station_key},
                     {"station_name", request.station_name.substr(0, 100)},
                     {"village", request.village.substr(0, 100)},
                     {"proof", ToBase64(signature, sizeof signature)}};
  county.set_token("");
  base::Result<CountyResponse> answer =
      county.Call("POST", "/v1/enrol", body.dump(-1, ' ', false, json::error_handler_t::replace));
  if (!answer.ok()) return answer.error();
  if (answer->status == 403 || answer->status == 400) {
    return base::MakeError(base::ErrorCode::kDenied,
                           "the county refused the enrolment code: " + answer->error);
  }
  if (answer->status != 200) {
    return base::MakeError(base::ErrorCode::kUnavailable,
                           "enrolment: HTTP " + std::to_string(answer->status) + " " + answer->error);
  }
  const json reply = json::parse(answer->body, nullptr, false);
  Enrolment e;
  e.server_url = county.base_url();
  e.station_id = reply.value("station_id", "");
  e.token = reply.value("token", "");
  e.content_key = reply.value("content_key", "");
  e.enrolled_at_s = now_s;
  base::Result<CountyPublicKey> box = ParseBoxKey(reply.value("county_box_key", ""));
  if (e.station_id.empty() || e.token.empty() || !box.ok() || !IsMinisignPublicKey(e.content_key)) {
    return base::MakeError(base::ErrorCode::kInvalidInput,
                           "enrolment answer lacks a station id, token or valid county keys");
  }
  e.county_box_key = *box;
  if (base::Status stored = Store(store, e, code_hash); !stored.ok()) return stored.error();
  county.set_token(e.token);
  base::LogInfo("enrolment", "enrolled with " + e.server_url + " as station " + e.station_id +
                                 " (county key " + e.county_box_key.Id() + ")");
  return e;
}

base::Status ForgetEnrolmentCode(store::Store& store) { return store.SetSetting(kEnrolmentCodeSetting, ""); }

}  // namespace station_sync
