-- Station settings: a key/value table (keys like "station.name").
-- updated_at is in unix seconds.
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
