-- Sign-in locks per account and client. Keep in step with ../postgres/0010_login_locks.sql.
-- Failed sign-ins in a row lock an account for one client address (IPv6: its /64) only, so
-- someone elsewhere who knows the email address cannot lock its owner out.
-- users.failed_logins is no longer written; users.locked_until only says, for the people
-- page, until when some client is locked out.
CREATE TABLE login_locks (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client TEXT NOT NULL,
    failures INTEGER NOT NULL,
    locked_until INTEGER,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, client)
);
CREATE INDEX login_locks_updated ON login_locks (updated_at);
-- Reset links requested per account in a while (the /forgot limit).
CREATE INDEX user_links_user_created ON user_links (user_id, purpose, created_at);
-- Locks set before this migration were per account only; they no longer apply.
UPDATE users SET failed_logins = 0, locked_until = NULL;
