-- no-transaction
-- Every reference between two rows of one organisation is a composite foreign key (org_id, id)
-- (SQLite). Keep in step with ../postgres/0012_same_organisation_references.sql.
--
-- The database itself now refuses a row that points into another organisation: a response of
-- organisation A about a unit, touchpoint, channel, employee, contact, invitation or survey of
-- organisation B; likewise for invitations, employees, touchpoints, tokens, the indicator and a
-- unit's parent. The referenced tables get a unique index on (org_id, id).
--
-- SQLite adds a constraint only by rebuilding the table (https://sqlite.org/lang_altertable.html,
-- "making other kinds of table schema changes"), with foreign keys off so that dropping the old
-- table cascades nowhere; hence no transaction around this file, and one inside it.
-- References that are set to NULL when their row goes (employee, contact, invitation) keep
-- their one-column key with that action and gain a composite one without an action: a
-- composite SET NULL would null org_id as well.

PRAGMA foreign_keys = OFF;
BEGIN;

-- The tables rebuilt below get theirs after the rebuild.
CREATE UNIQUE INDEX contacts_org_id ON contacts (org_id, id);
CREATE UNIQUE INDEX channels_org_id ON channels (org_id, id);
CREATE UNIQUE INDEX surveys_org_id ON surveys (org_id, id);

CREATE TABLE units_new (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    name TEXT NOT NULL,
    parent_id INTEGER,
    office TEXT NOT NULL,
    path TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org_id, external_id),
    FOREIGN KEY (org_id, parent_id) REFERENCES units (org_id, id)
);
INSERT INTO units_new (id, org_id, external_id, name, parent_id, office, path, created_at, updated_at)
    SELECT id, org_id, external_id, name, parent_id, office, path, created_at, updated_at FROM units;
DROP TABLE units;
ALTER TABLE units_new RENAME TO units;
CREATE INDEX units_org_path ON units (org_id, path);
CREATE UNIQUE INDEX units_org_id ON units (org_id, id);

CREATE TABLE employees_new (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    unit_id INTEGER NOT NULL,
    role TEXT,
    customer_facing INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org_id, external_id),
    FOREIGN KEY (org_id, unit_id) REFERENCES units (org_id, id)
);
INSERT INTO employees_new (id, org_id, external_id, name, email, unit_id, role, customer_facing, created_at, updated_at)
    SELECT id, org_id, external_id, name, email, unit_id, role, customer_facing, created_at, updated_at FROM employees;
DROP TABLE employees;
ALTER TABLE employees_new RENAME TO employees;
CREATE INDEX employees_unit ON employees (unit_id);
CREATE UNIQUE INDEX employees_org_id ON employees (org_id, id);

CREATE TABLE touchpoints_new (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    unit_id INTEGER NOT NULL,
    channel_id INTEGER,
    UNIQUE (org_id, key),
    FOREIGN KEY (org_id, unit_id) REFERENCES units (org_id, id),
    FOREIGN KEY (org_id, channel_id) REFERENCES channels (org_id, id)
);
INSERT INTO touchpoints_new (id, org_id, key, name, unit_id, channel_id)
    SELECT id, org_id, key, name, unit_id, channel_id FROM touchpoints;
DROP TABLE touchpoints;
ALTER TABLE touchpoints_new RENAME TO touchpoints;
CREATE UNIQUE INDEX touchpoints_org_id ON touchpoints (org_id, id);

CREATE TABLE api_tokens_new (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_id INTEGER,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER,
    FOREIGN KEY (org_id, unit_id) REFERENCES units (org_id, id)
);
INSERT INTO api_tokens_new (id, org_id, name, role, unit_id, token_hash, created_at, last_used_at, revoked_at)
    SELECT id, org_id, name, role, unit_id, token_hash, created_at, last_used_at, revoked_at FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_new RENAME TO api_tokens;

CREATE TABLE indicators_new (
    org_id INTEGER PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    survey_id INTEGER NOT NULL,
    components TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    FOREIGN KEY (org_id, survey_id) REFERENCES surveys (org_id, id) ON DELETE CASCADE
);
INSERT INTO indicators_new (org_id, kind, survey_id, components, updated_at)
    SELECT org_id, kind, survey_id, components, updated_at FROM indicators;
DROP TABLE indicators;
ALTER TABLE indicators_new RENAME TO indicators;

CREATE TABLE invitations_new (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    survey_id INTEGER NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    lang TEXT,
    unit_id INTEGER,
    touchpoint_id INTEGER,
    channel_id INTEGER,
    employee_id INTEGER REFERENCES employees (id) ON DELETE SET NULL,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    expires_at INTEGER,
    created_at INTEGER NOT NULL,
    FOREIGN KEY (org_id, survey_id) REFERENCES surveys (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, unit_id) REFERENCES units (org_id, id),
    FOREIGN KEY (org_id, touchpoint_id) REFERENCES touchpoints (org_id, id),
    FOREIGN KEY (org_id, channel_id) REFERENCES channels (org_id, id),
    FOREIGN KEY (org_id, employee_id) REFERENCES employees (org_id, id),
    FOREIGN KEY (org_id, contact_id) REFERENCES contacts (org_id, id)
);
INSERT INTO invitations_new (id, org_id, survey_id, token_hash, lang, unit_id, touchpoint_id, channel_id, employee_id, contact_id, expires_at, created_at)
    SELECT id, org_id, survey_id, token_hash, lang, unit_id, touchpoint_id, channel_id, employee_id, contact_id, expires_at, created_at FROM invitations;
DROP TABLE invitations;
ALTER TABLE invitations_new RENAME TO invitations;
CREATE INDEX invitations_survey ON invitations (survey_id);
CREATE INDEX invitations_contact ON invitations (contact_id, unit_id) WHERE contact_id IS NOT NULL;
CREATE UNIQUE INDEX invitations_org_id ON invitations (org_id, id);

CREATE TABLE responses_new (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    survey_id INTEGER NOT NULL,
    version_id INTEGER NOT NULL REFERENCES survey_versions (id),
    uid TEXT NOT NULL UNIQUE,
    submission_key TEXT NOT NULL,
    invitation_id INTEGER UNIQUE REFERENCES invitations (id) ON DELETE SET NULL,
    lang TEXT NOT NULL,
    unit_id INTEGER,
    touchpoint_id INTEGER,
    channel_id INTEGER,
    employee_id INTEGER REFERENCES employees (id) ON DELETE SET NULL,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    answers TEXT NOT NULL,
    submitted_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    request_hash TEXT NOT NULL DEFAULT '',
    contact_attributes TEXT,
    UNIQUE (org_id, submission_key),
    FOREIGN KEY (org_id, survey_id) REFERENCES surveys (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, invitation_id) REFERENCES invitations (org_id, id),
    FOREIGN KEY (org_id, unit_id) REFERENCES units (org_id, id),
    FOREIGN KEY (org_id, touchpoint_id) REFERENCES touchpoints (org_id, id),
    FOREIGN KEY (org_id, channel_id) REFERENCES channels (org_id, id),
    FOREIGN KEY (org_id, employee_id) REFERENCES employees (org_id, id),
    FOREIGN KEY (org_id, contact_id) REFERENCES contacts (org_id, id)
);
INSERT INTO responses_new (id, org_id, survey_id, version_id, uid, submission_key, invitation_id, lang, unit_id, touchpoint_id, channel_id, employee_id, contact_id, answers, submitted_at, received_at, request_hash, contact_attributes)
    SELECT id, org_id, survey_id, version_id, uid, submission_key, invitation_id, lang, unit_id, touchpoint_id, channel_id, employee_id, contact_id, answers, submitted_at, received_at, request_hash, contact_attributes FROM responses;
DROP TABLE responses;
ALTER TABLE responses_new RENAME TO responses;
CREATE INDEX responses_survey ON responses (survey_id, id);
CREATE INDEX responses_survey_submitted ON responses (survey_id, submitted_at);
CREATE INDEX responses_survey_employee ON responses (survey_id, employee_id);
CREATE INDEX responses_contact ON responses (contact_id, unit_id) WHERE contact_id IS NOT NULL;

COMMIT;
PRAGMA foreign_keys = ON;
