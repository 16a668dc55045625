-- The lesson library: what the installed content catalog offers, what each
-- villager-facing lesson's progress is, and viewings waiting for upload.
-- Times are unix seconds (wall clock, as the station knew it), media
-- positions and durations milliseconds.

-- One row per lesson of the installed catalog. Paths are relative to the
-- content directory and were checked (no "..", not absolute) at import.
CREATE TABLE lessons (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  category TEXT NOT NULL,
  summary TEXT NOT NULL DEFAULT '',
  language TEXT NOT NULL DEFAULT '',
  duration_ms INTEGER NOT NULL DEFAULT 0,
  added_at INTEGER NOT NULL,
  media_path TEXT NOT NULL,
  subtitle_path TEXT NOT NULL DEFAULT '',
  thumbnail_path TEXT NOT NULL DEFAULT ''
);
CREATE INDEX lessons_by_category ON lessons(category, added_at DESC, id);
CREATE INDEX lessons_by_added ON lessons(added_at DESC, id);

-- Resume position and viewing count per lesson. Kept when a lesson leaves
-- the catalog so that it resumes if it comes back.
CREATE TABLE lesson_progress (
  lesson_id TEXT PRIMARY KEY,
  position_ms INTEGER NOT NULL DEFAULT 0,
  completed INTEGER NOT NULL DEFAULT 0,
  views INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);
CREATE INDEX progress_by_update ON lesson_progress(updated_at DESC);
CREATE INDEX progress_by_views ON lesson_progress(views DESC);

-- One row per viewing, for upload to the county. record_id is random so the
-- county can take a record twice and count it once.
CREATE TABLE watch_records (
  record_id TEXT PRIMARY KEY,
  lesson_id TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  seconds_watched INTEGER NOT NULL,
  completed INTEGER NOT NULL,
  uploaded_at INTEGER
);
CREATE INDEX watch_records_pending ON watch_records(uploaded_at) WHERE uploaded_at IS NULL;

-- Lessons that failed to play. A lesson whose playback crashed the station,
-- hung or failed twice is quarantined: hidden from villagers and listed in
-- the admin area until an administrator restores it.
-- playing_since is set before playback starts and cleared when it ends; one
-- still set at start-up means the station went down during that playback.
CREATE TABLE lesson_health (
  lesson_id TEXT PRIMARY KEY,
  failures INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  playing_since INTEGER,
  quarantined_at INTEGER
);
