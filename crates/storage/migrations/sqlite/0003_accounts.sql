-- Accounts (SQLite). Keep in step with ../postgres/0003_accounts.sql.

-- People who sign in to the admin app. An email address belongs to one organisation.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- argon2id PHC string; empty until an invited user chooses a password
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    -- UI language; NULL follows the browser
    lang TEXT,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    disabled_at INTEGER,
    last_login_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX users_org ON users (org_id);

-- Managers see the subtrees of their units; members their units.
CREATE TABLE user_units (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    unit_id INTEGER NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, unit_id)
);

-- Server-side sessions; the cookie carries a random token, only its hash is stored.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    ip TEXT,
    user_agent TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

-- One-time links for a password reset or an invitation to choose a first password.
CREATE TABLE user_links (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX user_links_user ON user_links (user_id);

-- Failed sign-ins per client address, for the per-IP limit (shared by all nodes).
CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY,
    ip TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_failures_ip ON login_failures (ip, at);

-- Email waiting to be sent, written in the same transaction as what caused it. A worker on
-- any node claims a message for a while (claimed_until), sends it over SMTP, marks it sent.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    org_id INTEGER REFERENCES orgs (id) ON DELETE CASCADE,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_until INTEGER,
    sent_at INTEGER,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at);

-- Who changed what, when; before and after as JSON.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_key TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_log_org ON audit_log (org_id, id);
