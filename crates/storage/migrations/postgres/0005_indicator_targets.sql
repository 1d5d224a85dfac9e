-- The north-star indicator, targets per unit and period, and the touchpoints a unit
-- influences (PostgreSQL). Keep in step with ../sqlite/0005_indicator_targets.sql.

-- One indicator per organisation: kind nps | csat | index, on one survey; `components` is a
-- JSON list of {"question", "weight"} (one component for nps and csat).
CREATE TABLE indicators (
    org_id BIGINT PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    survey_id BIGINT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    components TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A unit's target for a year (2026), quarter (2026-Q3) or month (2026-07).
CREATE TABLE unit_targets (
    unit_id BIGINT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    target DOUBLE PRECISION NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (unit_id, period)
);

-- Touchpoints a unit influences without owning them (a back office behind a front office).
CREATE TABLE unit_influences (
    unit_id BIGINT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    touchpoint_id BIGINT NOT NULL REFERENCES touchpoints (id) ON DELETE CASCADE,
    PRIMARY KEY (unit_id, touchpoint_id)
);
CREATE INDEX unit_influences_touchpoint ON unit_influences (touchpoint_id);
