-- The last round's problems in a form the admin area can put in the
-- station's language (issue 5): a JSON array of {"code", "count", "detail"}
-- (sync/sync_problem.h), written with last_error and kept as long as it.
ALTER TABLE sync_state ADD COLUMN last_error_problems TEXT NOT NULL DEFAULT '';
