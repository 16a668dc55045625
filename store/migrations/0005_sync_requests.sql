-- What the administrator asks of the sync engine from the admin area
-- (issue 5). The engine polls its row every second, in the kiosk's thread
-- or in kiosk-sync alike.
-- 1: a round now, even outside the sync window ("sync now").
ALTER TABLE sync_state ADD COLUMN sync_now_requested INTEGER NOT NULL DEFAULT 0;
-- A code typed at the station: the next round enrols with it (again, if
-- enrolled already), then clears it whether the county took it or not.
ALTER TABLE sync_state ADD COLUMN enrolment_code TEXT NOT NULL DEFAULT '';
