// "Report a problem" and "check my report": the state of both flows, held in
// AppState and changed only by App's reducer (app_report.cpp).
//
// The report is assembled in memory step by step (what, say it, write it,
// show it, where, who, check) and becomes durable in one step: the outbox's
// Finalise(), on a worker, after the villager taps "send". Until then there
// is nothing on disk to lose or to half-save; after it the screen shows the
// ticket code.
//
// Devices follow the state, they are not driven by it: the station opens the
// camera while the photo step is on screen, records while `recording` is
// set, plays the voice note while `playing_voice` is set, and reports back
// with intents (VoiceRecorded, PhotoTaken, VoicePlaybackEnded).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kiosk/message.h"
#include "kiosk/text_editing.h"
#include "sync/outbox.h"
#include "sync/report_lookup.h"

namespace kiosk {

// The categories a villager picks from pictures, in the order shown. The id
// is what the county receives ("road", "water", ...).
struct ReportCategory {
  const char* id;
  const char* label_key;  // translation key
};
inline constexpr ReportCategory kReportCategories[] = {
    {"road", "report.category.road"},
    {"water", "report.category.water"},
    {"electricity", "report.category.electricity"},
    {"housing", "report.category.housing"},
    {"environment", "report.category.environment"},
    {"land", "report.category.land"},
    {"allowance", "report.category.allowance"},
    {"public_order", "report.category.public_order"},
    {"suggestion", "report.category.suggestion"},
    {"other", "report.category.other"},
};

// The fields the on-screen keyboard can edit.
enum class TextField { kText, kPlaceDetail, kName, kPhone, kHelper };
enum class KeyboardMode { kPinyin, kLatin, kDigits };

inline constexpr std::int64_t kMaxVoiceNoteMs = 3 * 60 * 1000;

struct ReportPhoto {
  std::uint64_t id = 0;  // for its texture at the station
  std::string jpeg;      // downscaled, without metadata (media::MakePhoto)
  int width = 0;
  int height = 0;
};

struct ReportVoice {
  std::string ogg;  // Opus (media::VoiceEncoder)
  std::int64_t duration_ms = 0;
};

struct ReportFlow {
  std::string report_id;  // from the outbox, when the flow starts
  std::int64_t started_at = 0;
  std::string category;
  EditableText text{300};
  EditableText place_detail{40};
  EditableText name{20};
  EditableText phone{20};
  EditableText helper{20};
  TextField editing = TextField::kText;
  KeyboardMode keyboard = KeyboardMode::kPinyin;

  std::optional<ReportVoice> voice;
  bool recording = false;      // the station records while set
  bool playing_voice = false;  // the station plays the note while set

  std::vector<ReportPhoto> photos;
  std::uint64_t next_photo_id = 1;
  std::uint64_t photo_requests = 0;  // shutter taps; the station captures each once
  int max_photos = 5;

  bool named = false;          // else anonymous
  bool for_resident = false;   // filed by the station administrator (代发)
  bool confirm_leave = false;  // Home was tapped with a report under way
  bool back_to_check = false;  // changing one step from the check: Next returns there
  bool saving = false;         // Finalise() is running
  Message message;
  std::optional<station_sync::SubmittedReport> submitted;

  bool has_content() const {
    return !category.empty() || voice || !photos.empty() || text.length() > 0;
  }
};

struct CheckFlow {
  std::string typed;  // ticket symbols typed so far
  Message message;
  std::optional<station_sync::ReportStatusView> status;
};

}  // namespace kiosk
