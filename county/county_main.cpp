// county: the county IT console (docs/county.md).
//
//   county init            --data DIR
//   county enrol-code      --data DIR [--village NAME] [--valid-hours 72]
//   county publish         --data DIR --package FOLDER [--sign-key FILE]
//                          [--prepare | --signature FILE] [--valid-days 365]
//   county reports         --data DIR
//   county stations        --data DIR
//   county station         --data DIR <station_id (or its start)>
//   county open            --data DIR <report_id|ticket> [--to FOLDER]
//   county reply           --data DIR <report_id> "text"
//   county resolve         --data DIR <report_id>
//   county export-package  --data DIR --to STICK [--part-bytes N]
//   county import-usb      --data DIR --from STICK

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/numbers.h"
#include "county/console.h"
#include "sync/ticket_code.h"

namespace {

struct Args {
  std::string command;
  std::map<std::string, std::string> options;  // --name value; flags get "1"
  std::vector<std::string> positional;

  std::string Get(const std::string& name, const std::string& fallback = "") const {
    auto found = options.find(name);
    return found == options.end() ? fallback : found->second;
  }
};

Args Parse(int argc, char** argv) {
  static const char* const kFlags[] = {"--prepare"};
  Args args;
  if (argc > 1) args.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) {
      args.positional.push_back(arg);
    } else if (std::find(std::begin(kFlags), std::end(kFlags), arg) != std::end(kFlags)) {
      args.options[arg] = "1";
    } else if (i + 1 < argc) {
      args.options[arg] = argv[++i];
    }
  }
  return args;
}

int Usage() {
  std::fputs(
      "usage: county <command> --data DIR ...\n"
      "  init                                   make the county keys\n"
      "  enrol-code [--village NAME] [--valid-hours 72]\n"
      "  publish --package FOLDER [--sign-key FILE] [--prepare | --signature FILE]\n"
      "          [--valid-days 365]\n"
      "  reports                                list received reports\n"
      "  stations                               every station: last heard, disk, version, what needs a look\n"
      "  station <station_id>                   one station's health and the problems it reported\n"
      "  open <report_id|ticket> [--to FOLDER]  decrypt, print, save attachments\n"
      "  reply <report_id> \"text\"\n"
      "  resolve <report_id>\n"
      "  export-package --to STICK [--part-bytes N]\n"
      "  import-usb --from STICK\n",
      stderr);
  return 2;
}

int Fail(const base::Error& error) {
  std::fprintf(stderr, "county: %s\n", error.message.c_str());
  return 1;
}

std::string Time(std::int64_t unix_s) {
  char text[32];
  const std::time_t t = unix_s;
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &tm);
  return text;
}

std::string Gigabytes(std::int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GB", static_cast<double>(bytes) / 1e9);
  return text;
}

// An option's whole number in [low, high], or its default.
std::optional<std::int64_t> NumberOption(const Args& args, const std::string& name, std::int64_t fallback,
                                         std::int64_t low, std::int64_t high) {
  const std::string text = args.Get(name);
  if (text.empty()) return fallback;
  const std::optional<std::int64_t> value = base::ParseInt64(text);
  if (!value || *value < low || *value > high) {
    std::fprintf(stderr, "county: %s takes a whole number from %lld to %lld, not \"%s\"\n", name.c_str(),
                 static_cast<long long>(low), static_cast<long long>(high), text.c_str());
    return std::nullopt;
  }
  return value;
}

int Run(const Args& args, county::CountyStore& store) {
  const std::int64_t now = std::time(nullptr);
  const std::string& c = args.command;
  if (c == "enrol-code") {
    const auto valid_hours = NumberOption(args, "--valid-hours", 72, 1, 24 * 365);
    if (!valid_hours) return 2;
    auto code = county::MakeEnrolCode(store, args.Get("--village"), static_cast<int>(*valid_hours), now);
    if (!code.ok()) return Fail(code.error());
    std::printf("%s\n", station_sync::FormatTicketCode(*code).c_str());
    return 0;
  }
  if (c == "publish") {
    const auto valid_days = NumberOption(args, "--valid-days", 365, 1, 10 * 366);
    if (!valid_days) return 2;
    county::PublishOptions options{args.Get("--package"), args.Get("--sign-key"),
                                   args.Get("--signature"), args.options.count("--prepare") > 0,
                                   static_cast<int>(*valid_days), now};
    if (options.package_dir.empty()) return Usage();
    auto published = county::Publish(store, options);
    if (!published.ok()) return Fail(published.error());
    if (options.prepare_only) {
      std::printf("wrote %s; sign it with\n  minisign -S -s %s -m %s\nthen run county publish "
                  "--package %s --signature %s.minisig\n",
                  published->catalog_path.c_str(), store.paths().ContentSecretKey().c_str(),
                  published->catalog_path.c_str(), options.package_dir.c_str(),
                  published->catalog_path.c_str());
    } else {
      std::printf("published catalog version %lld (%d lessons)\n",
                  static_cast<long long>(published->version), published->lessons);
    }
    return 0;
  }
  if (c == "reports") {
    auto rows = county::ListReports(store);
    if (!rows.ok()) return Fail(rows.error());
    std::printf("%-32s  %-13s  %-10s  %-8s  %-20s  %s\n", "REPORT", "TICKET", "CATEGORY",
                "STATUS", "RECEIVED", "STATION");
    for (const county::ReportRow& row : *rows) {
      std::printf("%-32s  %-13s  %-10s  %-8s  %-20s  %s (%s)%s\n", row.report_id.c_str(),
                  station_sync::FormatTicketCode(row.ticket_code).c_str(), row.category.c_str(),
                  row.status.c_str(), Time(row.received_at).c_str(), row.station_name.c_str(),
                  row.village.c_str(), row.via == "usb" ? " [USB]" : "");
    }
    return 0;
  }
  if (c == "stations") {
    auto rows = county::ListStations(store, now);
    if (!rows.ok()) return Fail(rows.error());
    std::printf("%-8s  %-24s  %-20s  %-9s  %-8s  %s\n", "STATION", "NAME (VILLAGE)", "LAST HEARD", "FREE DISK",
                "VERSION", "NEEDS A LOOK");
    for (const county::StationRow& row : *rows) {
      std::string attention;
      for (const std::string& a : row.attention) attention += (attention.empty() ? "" : "; ") + a;
      std::printf("%-8.8s  %-24s  %-20s  %-9s  %-8s  %s\n", row.station.station_id.c_str(),
                  (row.station.name + " (" + row.station.village + ")").c_str(),
                  row.last_heard_at ? Time(row.last_heard_at).c_str() : "never",
                  row.free_disk_bytes ? Gigabytes(*row.free_disk_bytes).c_str() : "?",
                  row.version.empty() ? "?" : row.version.c_str(), attention.c_str());
    }
    return 0;
  }
  if (c == "station" && args.positional.size() == 1) {
    auto rows = county::ListStations(store, now);
    if (!rows.ok()) return Fail(rows.error());
    const std::string& wanted = args.positional[0];
    const auto row = std::find_if(rows->begin(), rows->end(), [&](const county::StationRow& r) {
      return !wanted.empty() && r.station.station_id.rfind(wanted, 0) == 0;
    });
    if (row == rows->end()) return Fail(base::MakeError(base::ErrorCode::kNotFound, "no station " + wanted));
    std::printf("station %s: %s (%s)\nlast heard %s; free disk %s; version %s", row->station.station_id.c_str(),
                row->station.name.c_str(), row->station.village.c_str(),
                row->last_heard_at ? Time(row->last_heard_at).c_str() : "never",
                row->free_disk_bytes ? Gigabytes(*row->free_disk_bytes).c_str() : "?",
                row->version.empty() ? "?" : row->version.c_str());
    if (row->clock_offset_s) std::printf("; clock %+lld s", static_cast<long long>(*row->clock_offset_s));
    std::printf("\n");
    for (const std::string& a : row->attention) std::printf("needs a look: %s\n", a.c_str());
    for (const std::string& problem : row->problems) std::printf("  %s\n", problem.c_str());
    return 0;
  }
  if (c == "open" && args.positional.size() == 1) {
    const std::string id = args.positional[0];
    auto report = county::OpenReport(store, id, args.Get("--to", "report-" + id));
    if (!report.ok()) return Fail(report.error());
    const nlohmann::json body = nlohmann::json::parse(report->opened.body_json, nullptr, false);
    std::printf("report %s from %s (%s), received %s, %s\n%s\n", report->row.report_id.c_str(),
                report->row.station_name.c_str(), report->row.village.c_str(),
                Time(report->row.received_at).c_str(), report->row.status.c_str(),
                body.is_discarded() ? report->opened.body_json.c_str() : body.dump(2).c_str());
    for (const std::string& file : report->attachment_files) std::printf("saved %s\n", file.c_str());
    for (const county::Event& event : report->history) {
      std::printf("%s  %s: %s\n", Time(event.at).c_str(), event.type.c_str(),
                  (event.type == "reply" ? event.text : event.status).c_str());
    }
    return 0;
  }
  if (c == "reply" && args.positional.size() == 2) {
    auto reply = store.AddReply(args.positional[0], args.positional[1], now);
    if (!reply.ok()) return Fail(reply.error());
    std::printf("reply %s queued for the station\n", reply->c_str());
    return 0;
  }
  if (c == "resolve" && args.positional.size() == 1) {
    if (base::Status done = store.Resolve(args.positional[0], now); !done.ok()) return Fail(done.error());
    std::printf("report %s resolved\n", args.positional[0].c_str());
    return 0;
  }
  if (c == "export-package" && !args.Get("--to").empty()) {
    const auto part = NumberOption(args, "--part-bytes", std::int64_t{1} << 30, 1, std::int64_t{1} << 30);
    if (!part) return 2;
    if (base::Status done = county::ExportPackage(store, args.Get("--to"), static_cast<std::uint64_t>(*part)); !done.ok()) {
      return Fail(done.error());
    }
    std::printf("package written to %s/village-station/package\n", args.Get("--to").c_str());
    return 0;
  }
  if (c == "import-usb" && !args.Get("--from").empty()) {
    auto summary = county::ImportUsb(store, args.Get("--from"), now);
    if (!summary.ok()) return Fail(summary.error());
    std::printf("reports: %d new, %d already here, %d refused; ratings %d; watch records %d; files refused %d\n",
                summary->reports_new, summary->reports_again, summary->reports_refused,
                summary->ratings, summary->watch_records, summary->files_refused);
    return summary->reports_refused == 0 && summary->files_refused == 0 ? 0 : 1;
  }
  return Usage();
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = Parse(argc, argv);
  const std::string data_dir = args.Get("--data");
  if (args.command.empty() || data_dir.empty()) return Usage();
  if (args.command == "init") {
    if (base::Status done = county::InitKeys(data_dir); !done.ok()) return Fail(done.error());
    std::printf("county keys written to %s/keys (keep county.key and content.key secret)\n",
                data_dir.c_str());
    return 0;
  }
  auto store = county::CountyStore::Open(data_dir);
  if (!store.ok()) return Fail(store.error());
  base::ConfigureLog({base::LogLevel::kWarn, base::LogLevel::kInfo, (*store)->paths().Log()});
  return Run(args, **store);
}
