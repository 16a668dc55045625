-- Issue reports ("report a problem", issue 4): the station's outbox.
-- Owned by sync/ (outbox.cpp, outbox_queue.cpp, report_lookup.cpp).
-- Times are unix seconds by the station's clock. The report itself is only
-- ciphertext in <data>/outbox/<report_id>/ (docs/report-format.md); these
-- tables hold what sync and "check my report" need, nothing a villager said.
--
-- Append-only: a row is never deleted and its identity, promise and blob
-- list never change (the triggers below refuse it, whoever asks). Only the
-- status columns move, along the state machine in sync/outbox_queue.h:
--   saved -> sending -> acknowledged      (any unacknowledged -> acknowledged)
--                    -> failed(retry_at) -> sending

CREATE TABLE reports (
  report_id TEXT PRIMARY KEY,          -- 32 hex, random, made when the report was started
  ticket_code TEXT NOT NULL UNIQUE,    -- canonical, 11 symbols (sync/ticket_code.h)
  started_at INTEGER NOT NULL,
  saved_at INTEGER NOT NULL,
  reply_due_at INTEGER,                -- promised at submission; NULL if the clock was implausible
  resolve_due_at INTEGER,
  envelope_sha256 TEXT NOT NULL,
  sealed_size_bytes INTEGER NOT NULL,  -- envelope + blobs, as stored and sent
  status TEXT NOT NULL DEFAULT 'saved'
    CHECK (status IN ('saved', 'sending', 'acknowledged', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  retry_at INTEGER,                    -- when status = 'failed'
  last_error TEXT NOT NULL DEFAULT '',
  delivered_at INTEGER,                -- the county acknowledged it
  resolved_at INTEGER                  -- the county says it is resolved
);
CREATE INDEX reports_to_send ON reports(status, retry_at) WHERE status != 'acknowledged';

-- The sealed parts of a report: blob 0 is the body, then the attachments.
-- Content-addressed: the file is <data>/outbox/<report_id>/<sha256>.
CREATE TABLE report_blobs (
  report_id TEXT NOT NULL REFERENCES reports(report_id),
  blob_index INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  PRIMARY KEY (report_id, blob_index)
);

-- Replies from the county, as synced. reply_id is the county's, so a reply
-- synced twice is stored once.
CREATE TABLE report_replies (
  report_id TEXT NOT NULL REFERENCES reports(report_id),
  reply_id TEXT NOT NULL,
  replied_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  text TEXT NOT NULL,
  PRIMARY KEY (report_id, reply_id)
);

-- The villager's satisfaction (1..5 faces) once resolved, for upload.
CREATE TABLE report_ratings (
  report_id TEXT PRIMARY KEY REFERENCES reports(report_id),
  faces INTEGER NOT NULL CHECK (faces BETWEEN 1 AND 5),
  rated_at INTEGER NOT NULL,
  uploaded_at INTEGER
);

CREATE TRIGGER reports_append_only_delete BEFORE DELETE ON reports
BEGIN SELECT RAISE(ABORT, 'reports are append-only'); END;

CREATE TRIGGER reports_append_only_update
BEFORE UPDATE OF report_id, ticket_code, started_at, saved_at, reply_due_at, resolve_due_at,
                 envelope_sha256, sealed_size_bytes ON reports
BEGIN SELECT RAISE(ABORT, 'reports are append-only'); END;

CREATE TRIGGER reports_status_moves BEFORE UPDATE OF status ON reports
WHEN NOT (OLD.status = NEW.status
          OR (OLD.status = 'saved' AND NEW.status = 'sending')
          OR (OLD.status = 'sending' AND NEW.status = 'failed')
          OR (OLD.status = 'failed' AND NEW.status = 'sending')
          -- the county's receipt may arrive late, e.g. after a lost response
          OR (OLD.status != 'acknowledged' AND NEW.status = 'acknowledged'))
BEGIN SELECT RAISE(ABORT, 'invalid report status change'); END;

CREATE TRIGGER report_blobs_append_only_delete BEFORE DELETE ON report_blobs
BEGIN SELECT RAISE(ABORT, 'report blobs are append-only'); END;

CREATE TRIGGER report_blobs_append_only_update BEFORE UPDATE ON report_blobs
BEGIN SELECT RAISE(ABORT, 'report blobs are append-only'); END;

CREATE TRIGGER report_replies_append_only_delete BEFORE DELETE ON report_replies
BEGIN SELECT RAISE(ABORT, 'report replies are append-only'); END;

CREATE TRIGGER report_ratings_no_delete BEFORE DELETE ON report_ratings
BEGIN SELECT RAISE(ABORT, 'report ratings are kept'); END;
