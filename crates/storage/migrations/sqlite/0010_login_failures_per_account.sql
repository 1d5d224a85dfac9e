-- Failed sign-ins are counted per account and client together, so that somebody who knows an
-- email address cannot lock its owner out from elsewhere (issue 14).
ALTER TABLE login_failures ADD COLUMN account TEXT;
CREATE INDEX login_failures_account ON login_failures (account, ip, at);
