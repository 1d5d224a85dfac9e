-- Analytics aggregates (PostgreSQL). Keep in step with ../sqlite/0004_analytics.sql.
--
-- Histograms and moments are sums over committed responses, kept up to date by the writer in
-- the transaction that stores the responses (see tevreden_domain::rollup). A 0 in unit_id,
-- touchpoint_id or channel_id means "none". `tevreden rollups verify` recomputes them.

-- Days are counted in the organisation's time zone.
ALTER TABLE orgs ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Europe/Amsterdam';

-- How many answers had each value: per survey, aggregate key (question id, or
-- question.item for matrix items), grain (0 day, 1 week, 2 month), period, context and value.
CREATE TABLE agg_counts (
    survey_id BIGINT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    question TEXT NOT NULL,
    grain INTEGER NOT NULL,
    period INTEGER NOT NULL,
    unit_id BIGINT NOT NULL,
    touchpoint_id BIGINT NOT NULL,
    channel_id BIGINT NOT NULL,
    value BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (survey_id, question, grain, period, unit_id, touchpoint_id, channel_id, value)
);

-- Exact integer moments of the numeric answers per set of answered numeric questions:
-- (i, j) = (-1, -1) counts responses, (i, -1) sums variable i, (i, j) sums products.
CREATE TABLE agg_moments (
    survey_id BIGINT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    grain INTEGER NOT NULL,
    period INTEGER NOT NULL,
    unit_id BIGINT NOT NULL,
    set_hash BIGINT NOT NULL,
    i INTEGER NOT NULL,
    j INTEGER NOT NULL,
    s BIGINT NOT NULL,
    PRIMARY KEY (survey_id, grain, period, unit_id, set_hash, i, j)
);

-- The question ids (comma-separated, in order) of each set named in agg_moments.
CREATE TABLE agg_sets (
    survey_id BIGINT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    set_hash BIGINT NOT NULL,
    questions TEXT NOT NULL,
    PRIMARY KEY (survey_id, set_hash)
);

-- The newest responses in a date range (open answers on the dashboard).
CREATE INDEX responses_survey_submitted ON responses (survey_id, submitted_at);
