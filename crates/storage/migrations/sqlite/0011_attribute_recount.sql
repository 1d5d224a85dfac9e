-- Kept attributes recounted in the background (SQLite). Keep in step with
-- ../postgres/0011_attribute_recount.sql.
--
-- Adding a kept attribute no longer recounts every response in the transaction that chooses it
-- (new responses waited minutes at 10 M): the choice is written at once and a background task
-- counts the responses in chunks of ascending id. While it runs, `kept_attributes` holds the
-- attributes that are complete (the only ones results read from the aggregates) and
-- `recount_attributes` the chosen ones; a response is counted for the chosen ones when its id is
-- at most `recount_after` (the chunks have passed it, or the writer counted it itself because it
-- got an id the chunks had passed) and for the complete ones always. The last chunk makes the
-- chosen attributes the kept ones in the transaction that finds nothing left.

-- The chosen attributes (a JSON array) while a recount runs; NULL otherwise.
ALTER TABLE orgs ADD COLUMN recount_attributes TEXT;
-- Responses with an id up to this one are counted for the chosen attributes.
ALTER TABLE orgs ADD COLUMN recount_after INTEGER NOT NULL DEFAULT 0;
-- The highest response id when the recount started: how far it has to go, for its progress.
ALTER TABLE orgs ADD COLUMN recount_until INTEGER NOT NULL DEFAULT 0;
-- When the recount started (Unix ms).
ALTER TABLE orgs ADD COLUMN recount_started_at INTEGER;
-- Attributes whose histogram rows are being deleted in the background (a JSON array; NULL when
-- none): no longer kept, or partly counted and starting over. Nothing counts them meanwhile,
-- and a recount that adds one of them again waits until its rows are gone.
ALTER TABLE orgs ADD COLUMN recount_dropping TEXT;
