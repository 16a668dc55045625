-- The station's sync with its county server (issue 5), owned by sync/
-- (enrolment.cpp, delivery.cpp, sync_engine.cpp). Times are unix seconds by
-- the station's clock unless named otherwise.

-- What enrolment gave the station, pinned: the credentials for every later
-- request and the county's keys. One row; replaced only by enrolling again.
CREATE TABLE sync_enrolment (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  server_url TEXT NOT NULL,
  station_id TEXT NOT NULL,
  token TEXT NOT NULL,            -- bearer token (the county keeps only its hash)
  county_box_key TEXT NOT NULL,   -- base64 X25519 public key: reports are sealed to it
  content_key TEXT NOT NULL,      -- minisign public key line: catalogs are verified with it
  enrolled_at INTEGER NOT NULL
);

-- The sync engine's memory between rounds and what the admin area shows.
-- One row, made here.
CREATE TABLE sync_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  events_cursor INTEGER NOT NULL DEFAULT 0,  -- stored after the events before it were applied
  events_etag TEXT NOT NULL DEFAULT '',
  clock_offset_s INTEGER,                    -- county time - station time, at the last answer
  clock_offset_at INTEGER,
  round_failures INTEGER NOT NULL DEFAULT 0, -- rounds in a row that did not finish; drives backoff
  next_round_at INTEGER,
  last_round_at INTEGER,
  last_success_at INTEGER,                   -- last round that delivered everything due
  last_error TEXT NOT NULL DEFAULT '',
  last_error_at INTEGER,
  -- progress of the transfer under way (what, bytes, rate); updated about once a second
  progress_what TEXT NOT NULL DEFAULT '',
  progress_done_bytes INTEGER NOT NULL DEFAULT 0,
  progress_total_bytes INTEGER NOT NULL DEFAULT 0,
  progress_rate_bytes_per_s INTEGER NOT NULL DEFAULT 0,
  progress_at INTEGER
);
INSERT INTO sync_state (id) VALUES (1);

-- Reports the county refused (409 conflict: the same id with other content;
-- 400 invalid_envelope; 403 wrong_station; 413): never dropped, retried at
-- the backoff's cap, and listed for the administrator.
CREATE TABLE sync_report_refusals (
  report_id TEXT PRIMARY KEY REFERENCES reports(report_id),
  error TEXT NOT NULL,
  first_at INTEGER NOT NULL,
  last_at INTEGER NOT NULL,
  detail TEXT NOT NULL
);
