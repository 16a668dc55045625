// The lesson part of the reducer: library shelves, the lesson page, the
// player's controls, and the bookkeeping of each viewing (progress, watch
// records, failed playbacks and quarantine).

#include <algorithm>

#include "base/log.h"
#include "kiosk/app.h"
#include "store/store.h"

namespace kiosk {
namespace {

const char* ShelfName(store::Shelf shelf) {
  switch (shelf) {
    case store::Shelf::kAll: return "all";
    case store::Shelf::kCategory: return "category";
    case store::Shelf::kContinueWatching: return "continue";
    case store::Shelf::kMostWatched: return "most-watched";
  }
  return "?";
}

constexpr int kMostWatchedShown = 60;

}  // namespace

void App::LoadShelf(store::Shelf shelf, const std::string& category) {
  LibraryState& library = state_.library;
  auto entries = library_.List(shelf, category, shelf == store::Shelf::kMostWatched ? kMostWatchedShown : -1);
  auto categories = library_.Categories();
  auto in_progress = library_.List(store::Shelf::kContinueWatching, "", 1);
  auto watched = library_.List(store::Shelf::kMostWatched, "", 1);
  if (!entries || !categories || !in_progress || !watched) {
    const base::Error& error = !entries ? entries.error() : !categories ? categories.error()
                               : !in_progress ? in_progress.error() : watched.error();
    base::LogError("library", "cannot read the lesson library: " + error.message);
    library.message = {"library.error.store", {}, true};
    return;
  }
  library.shelf = shelf;
  library.category = category;
  library.entries = std::move(*entries);
  library.categories = std::move(*categories);
  library.any_in_progress = !in_progress->empty();
  library.any_watched = !watched->empty();
  ++library.generation;
}

void App::On(const ShowShelf& show) {
  state_.library.message = {};
  LoadShelf(show.shelf, show.category);
  base::LogInfo("library", std::string("shelf ") + ShelfName(show.shelf) + " " + show.category + ": " +
                               std::to_string(state_.library.entries.size()) + " lessons");
}

void App::On(const OpenLesson& open) {
  auto entry = library_.Get(open.lesson_id);
  if (!entry || !entry->has_value()) {
    // Gone from the catalog (or quarantined) since the shelf was loaded.
    LoadShelf(state_.library.shelf, state_.library.category);
    state_.library.message = {"library.lesson_gone", {}, true};
    return;
  }
  state_.lesson = std::move(**entry);
  state_.lesson_message = {};
  state_.screen = Screen::kLesson;
}

void App::On(const BackToLibrary&) {
  if (state_.screen == Screen::kPlayer) return;  // the player is left with ClosePlayer
  LoadShelf(state_.library.shelf, state_.library.category);
  state_.screen = Screen::kLibrary;
}

void App::On(const PlayLesson& play) {
  auto entry = library_.Get(play.lesson_id);
  if (!entry || !entry->has_value()) {
    state_.lesson_message = {"player.error.gone", {}, true};
    return;
  }
  const store::LessonEntry& lesson = **entry;
  const std::int64_t start_ms = play.from_start ? 0 : lesson.progress.position_ms;
  // Committed before the file is opened: if playing it takes the station
  // down, the next start-up counts that against the lesson.
  if (auto marked = library_.PlaybackStarted(lesson.lesson.id, play.now); !marked) {
    base::LogError("library", "cannot record the playback start: " + marked.error().message);
  }
  base::LogInfo("player", "playing " + lesson.lesson.id + " from " + std::to_string(start_ms) + " ms");
  state_.lesson = lesson;
  state_.lesson_message = {};
  state_.controls.paused = false;
  state_.viewing = StartViewing(lesson.lesson.id, start_ms, lesson.lesson.duration_ms, play.now);
  last_progress_at_ = play.now;
  playback_request_ = PlaybackRequest{next_playback_id_++, lesson.lesson, start_ms};
  player_commands_.clear();
  state_.screen = Screen::kPlayer;
}

void App::On(const ControlPlayer& control) {
  if (state_.screen != Screen::kPlayer) return;
  const PlayerCommand& command = control.command;
  switch (command.kind) {
    case PlayerCommand::Kind::kPlay: state_.controls.paused = false; break;
    case PlayerCommand::Kind::kPause: state_.controls.paused = true; break;
    case PlayerCommand::Kind::kVolume: state_.controls.volume = std::clamp(command.value, 0.0, 1.0); break;
    case PlayerCommand::Kind::kSpeed: state_.controls.speed = std::clamp(command.value, 0.75, 1.5); break;
    case PlayerCommand::Kind::kSubtitles: state_.controls.subtitles = command.enabled; break;
    case PlayerCommand::Kind::kSeek:
      if (state_.viewing) state_.viewing->position_ms = std::max<std::int64_t>(0, command.position_ms);
      break;
  }
  player_commands_.push_back(command);
}

void App::On(const PlaybackProgress& progress) {
  if (!state_.viewing || state_.screen != Screen::kPlayer) return;
  last_progress_at_ = progress.now;
  Viewing& viewing = *state_.viewing;
  viewing.Observe(progress.position_ms, progress.duration_ms, progress.playing, progress.elapsed_ms);
  if (!viewing.ProgressDue()) return;
  viewing.watched_at_last_save_ms = viewing.watched_ms;
  if (auto saved = library_.SaveProgress(viewing.lesson_id, viewing.ResumePositionMs(), false, progress.now); !saved) {
    base::LogError("library", "cannot save the resume position: " + saved.error().message);
  }
}

void App::FinishViewing(std::int64_t now, bool ended) {
  if (!state_.viewing) return;
  Viewing viewing = std::move(*state_.viewing);
  state_.viewing.reset();
  viewing.ended = ended;
  const std::string& id = viewing.lesson_id;
  auto saved = library_.SaveProgress(id, viewing.ResumePositionMs(), viewing.Completed(), now);
  auto recorded = library_.AddWatchRecord(viewing.Record());
  auto finished = library_.PlaybackFinished(id);
  for (const base::Status* status : {&saved, &recorded, &finished}) {
    if (!status->ok()) base::LogError("library", "cannot record the viewing of " + id + ": " + status->error().message);
  }
  base::LogInfo("player", "viewing of " + id + ": " + std::to_string(viewing.Record().seconds_watched) +
                              " s watched" + (viewing.Completed() ? ", completed" : ""));
  // The lesson page shows the new resume position.
  if (auto entry = library_.Get(id); entry && entry->has_value()) state_.lesson = std::move(**entry);
}

void App::On(const ClosePlayer& close) {
  if (state_.screen != Screen::kPlayer) return;
  FinishViewing(close.now, false);
  state_.screen = Screen::kLesson;
}

void App::On(const PlaybackEnded& ended) {
  if (state_.screen != Screen::kPlayer) return;
  FinishViewing(ended.now, true);
  state_.screen = Screen::kLesson;
}

void App::On(const PlaybackFailed& failed) {
  if (state_.screen != Screen::kPlayer || !state_.viewing) return;
  const std::string id = state_.viewing->lesson_id;
  state_.viewing.reset();  // a failed playback is not a viewing
  base::LogError("player", "lesson " + id + " failed to play: " + failed.error.message);
  auto quarantined = library_.PlaybackFailed(id, failed.error.message, failed.now);
  if (!quarantined) base::LogError("library", "cannot record the failure: " + quarantined.error().message);
  if (quarantined && *quarantined) {
    base::LogWarn("library", "lesson " + id + " quarantined: it failed to play " +
                                 std::to_string(store::kQuarantineAfter) + " times");
    LoadShelf(state_.library.shelf, state_.library.category);
    state_.library.message = {"player.error.quarantined", {}, true};
    state_.screen = Screen::kLibrary;
    return;
  }
  state_.lesson_message = {"player.error.broken", {}, true};
  state_.screen = Screen::kLesson;
}

void App::On(const CatalogChanged&) {
  LoadNotices();
  LoadShelf(state_.library.shelf, state_.library.category);
  if (state_.screen == Screen::kLesson && state_.lesson) {
    auto entry = library_.Get(state_.lesson->lesson.id);
    if (entry && entry->has_value()) {
      state_.lesson = std::move(**entry);
    } else {
      state_.library.message = {"library.lesson_gone", {}, true};
      state_.screen = Screen::kLibrary;
    }
  }
  // A lesson that is playing keeps playing: its file stays until it closes.
}

void App::LoadQuarantined() {
  auto quarantined = library_.Quarantined();
  if (!quarantined) {
    base::LogError("library", "cannot list quarantined lessons: " + quarantined.error().message);
    return;
  }
  state_.quarantined = std::move(*quarantined);
}

void App::On(const RestoreLesson& restore) {
  if (!state_.admin_unlocked) return;
  if (auto restored = library_.Restore(restore.lesson_id); !restored) {
    state_.settings_message = {"admin.settings.save_failed", {{"reason", restored.error().message}}, true};
    return;
  }
  base::LogInfo("admin", "lesson " + restore.lesson_id + " restored from quarantine");
  LoadQuarantined();
}

void App::RecoverInterruptedPlaybacks(std::int64_t now) {
  auto quarantined = library_.RecoverInterruptedPlaybacks(now);
  if (!quarantined) {
    base::LogError("library", "cannot check interrupted playbacks: " + quarantined.error().message);
    return;
  }
  for (const std::string& id : *quarantined) {
    base::LogWarn("library", "lesson " + id + " quarantined: the station stopped while it played, twice");
  }
}

std::optional<PlaybackRequest> App::TakePlaybackRequest() {
  std::optional<PlaybackRequest> request;
  request.swap(playback_request_);
  return request;
}

std::vector<PlayerCommand> App::TakePlayerCommands() {
  std::vector<PlayerCommand> commands;
  commands.swap(player_commands_);
  return commands;
}

}  // namespace kiosk
