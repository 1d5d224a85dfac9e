-- What a submission carried (a hash of its answers, or of the API request body), so that a
-- retry with the same submission key is told apart from a different submission reusing it.
ALTER TABLE responses ADD COLUMN request_hash TEXT NOT NULL DEFAULT '';
