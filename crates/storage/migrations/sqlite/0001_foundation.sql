-- Foundation schema (SQLite). Keep in step with ../postgres/0001_foundation.sql:
-- the schema-drift test compares the two. Instants are epoch milliseconds (UTC).

CREATE TABLE orgs (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    name TEXT NOT NULL,
    parent_id INTEGER REFERENCES units (id),
    office TEXT NOT NULL,
    path TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org_id, external_id)
);
CREATE INDEX units_org_path ON units (org_id, path);

CREATE TABLE employees (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    role TEXT,
    customer_facing INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org_id, external_id)
);
CREATE INDEX employees_unit ON employees (unit_id);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    email TEXT,
    name TEXT,
    lang TEXT,
    attributes TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org_id, external_id)
);

CREATE TABLE channels (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    UNIQUE (org_id, key)
);

CREATE TABLE touchpoints (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    channel_id INTEGER REFERENCES channels (id),
    UNIQUE (org_id, key)
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_id INTEGER REFERENCES units (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
);

CREATE TABLE surveys (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    public_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    closes_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org_id, key)
);

CREATE TABLE survey_versions (
    id INTEGER PRIMARY KEY,
    survey_id INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    version INTEGER,
    definition TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    published_at INTEGER,
    UNIQUE (survey_id, version)
);
CREATE INDEX survey_versions_survey ON survey_versions (survey_id);

CREATE TABLE invitations (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    survey_id INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    lang TEXT,
    unit_id INTEGER REFERENCES units (id),
    touchpoint_id INTEGER REFERENCES touchpoints (id),
    channel_id INTEGER REFERENCES channels (id),
    employee_id INTEGER REFERENCES employees (id) ON DELETE SET NULL,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    expires_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX invitations_survey ON invitations (survey_id);

CREATE TABLE responses (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    survey_id INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    version_id INTEGER NOT NULL REFERENCES survey_versions (id),
    uid TEXT NOT NULL UNIQUE,
    submission_key TEXT NOT NULL,
    invitation_id INTEGER UNIQUE REFERENCES invitations (id) ON DELETE SET NULL,
    lang TEXT NOT NULL,
    unit_id INTEGER REFERENCES units (id),
    touchpoint_id INTEGER REFERENCES touchpoints (id),
    channel_id INTEGER REFERENCES channels (id),
    employee_id INTEGER REFERENCES employees (id) ON DELETE SET NULL,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    answers TEXT NOT NULL,
    submitted_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    UNIQUE (org_id, submission_key)
);
CREATE INDEX responses_survey ON responses (survey_id, id);

CREATE TABLE drafts (
    key TEXT PRIMARY KEY,
    survey_id INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    version_id INTEGER NOT NULL REFERENCES survey_versions (id),
    page INTEGER NOT NULL,
    answers TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX drafts_updated ON drafts (updated_at);
