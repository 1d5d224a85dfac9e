//! Accounts: users with a role and unit scope, server-side sessions, one-time links (password
//! reset, invitation), sign-in throttling, the email outbox and the audit log.
//!
//! Passwords arrive here already hashed (argon2id, by the web layer); tokens for sessions and
//! links are random and stored only as SHA-256.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::{Store, now_ms};
use crate::error::{Result, StoreError};
use crate::tokens::Role;
use crate::{random_token, token_hash};

#[derive(Clone, Debug, Serialize)]
pub struct User {
    pub id: i64,
    pub org_id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The chosen UI language; `None` follows the browser.
    pub lang: Option<String>,
    /// Units the user is scoped to (managers see their subtrees). Empty for admins.
    pub unit_ids: Vec<i64>,
    /// Whether a password was set (invited users have none until they accept).
    pub has_password: bool,
    pub locked_until: Option<i64>,
    pub disabled_at: Option<i64>,
    pub last_login_at: Option<i64>,
    pub created_at: i64,
}

impl User {
    /// What the account was given: admins the whole organisation (whatever units they are
    /// listed with), managers and members their units.
    pub fn grant(&self) -> tevreden_domain::access::Grant<'_> {
        tevreden_domain::access::Grant {
            role: self.role,
            units: if self.role == Role::Admin {
                &[]
            } else {
                &self.unit_ids
            },
        }
    }
}

/// What is needed to create a user.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub org_id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub lang: Option<String>,
    pub unit_ids: Vec<i64>,
    /// An argon2id PHC string, or `None` for an invited user who chooses one later.
    pub password_hash: Option<String>,
}

/// An email to be delivered by the outbox worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
}

#[derive(Clone, Debug)]
pub struct OutboxMessage {
    pub id: i64,
    pub email: Email,
    pub attempts: i64,
}

#[derive(Clone, Debug)]
pub struct Session {
    pub id: i64,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
}

/// How long sessions live.
#[derive(Clone, Copy, Debug)]
pub struct SessionPolicy {
    /// A session not used for this long ends.
    pub idle_ms: i64,
    /// A session ends this long after sign-in, used or not.
    pub absolute_ms: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle_ms: 8 * 3600 * 1000,
            absolute_ms: 7 * 24 * 3600 * 1000,
        }
    }
}

/// The purposes of one-time links.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkPurpose {
    Reset,
    Invite,
}

impl LinkPurpose {
    fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Reset => "reset",
            LinkPurpose::Invite => "invite",
        }
    }
}

/// One audit log entry.
#[derive(Clone, Debug, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    /// `user:<email>`, `token:<name>` or `cli`.
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_key: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// Who made a change, as the audit log names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in user of the admin app, by email (`user:<email>`).
    User(String),
    /// An API token, by name (`token:<name>`).
    Token(String),
    /// The command line: imports, `token create`, `survey create`, the demo (`cli`).
    Cli,
    /// Tevreden itself: background work such as a finished recount (`system`).
    System,
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::User(email) => write!(f, "user:{email}"),
            Actor::Token(name) => write!(f, "token:{name}"),
            Actor::Cli => f.write_str("cli"),
            Actor::System => f.write_str("system"),
        }
    }
}

/// An audit entry to write.
#[derive(Clone, Debug)]
pub struct NewAudit<'a> {
    pub org_id: i64,
    pub actor: &'a Actor,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_key: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// Normalised form of an email address for matching: trimmed and lower-case.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// Makes the invitation email from the one-time link's token.
pub type InviteEmail<'a> = &'a (dyn Fn(&str) -> Email + Sync);

fn user_from_row(r: &AnyRow, unit_ids: Vec<i64>) -> Result<User> {
    let role: String = r.try_get("role")?;
    let hash: String = r.try_get("password_hash")?;
    Ok(User {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        role: Role::parse(&role).unwrap_or(Role::Member),
        lang: r.try_get("lang")?,
        unit_ids,
        has_password: !hash.is_empty(),
        locked_until: r.try_get("locked_until")?,
        disabled_at: r.try_get("disabled_at")?,
        last_login_at: r.try_get("last_login_at")?,
        created_at: r.try_get("created_at")?,
    })
}

async fn insert_outbox(tx: &mut Tx, org_id: Option<i64>, email: &Email) -> Result<()> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO outbox (org_id, to_addr, subject, body_text, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(org_id)
    .bind(email.to.as_str())
    .bind(email.subject.as_str())
    .bind(email.body.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_link(
    tx: &mut Tx,
    user_id: i64,
    purpose: LinkPurpose,
    ttl_ms: i64,
) -> Result<String> {
    let token = random_token(24);
    let now = now_ms();
    sqlx::query(
        "INSERT INTO user_links (token_hash, user_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(now)
    .bind(now + ttl_ms)
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

/// The audit entry of a record saved in `tx`: `<object_type>.create` when there was none
/// `before`, else `<object_type>.update`, with both snapshots.
pub(crate) async fn insert_saved_audit<T: serde::Serialize>(
    tx: &mut Tx,
    org_id: i64,
    actor: &Actor,
    (object_type, object_key): (&str, &str),
    before: Option<&T>,
    after: &T,
) -> Result<()> {
    let verb = if before.is_some() { "update" } else { "create" };
    insert_audit(
        tx,
        &NewAudit {
            org_id,
            actor,
            action: &format!("{object_type}.{verb}"),
            object_type,
            object_key,
            before: before.and_then(|b| serde_json::to_value(b).ok()),
            after: serde_json::to_value(after).ok(),
        },
    )
    .await
}

pub(crate) async fn insert_audit(tx: &mut Tx, a: &NewAudit<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (org_id, at, actor, action, object_type, object_key, before_json, after_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(a.org_id)
    .bind(now_ms())
    .bind(a.actor.to_string())
    .bind(a.action)
    .bind(a.object_type)
    .bind(a.object_key)
    .bind(a.before.as_ref().map(|v| v.to_string()))
    .bind(a.after.as_ref().map(|v| v.to_string()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    async fn unit_ids_of(&self, user_id: i64) -> Result<Vec<i64>> {
        Ok(
            sqlx::query_scalar(
                "SELECT unit_id FROM user_units WHERE user_id = $1 ORDER BY unit_id",
            )
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?,
        )
    }

    /// Creates a user. With `invite`, also a one-time link valid for `ttl_ms` and the email
    /// carrying it, made by `invite` from the link's token — all in one transaction, so the
    /// email goes out if and only if the user exists.
    pub async fn create_user(
        &self,
        new: &NewUser,
        actor: &Actor,
        invite: Option<(i64, InviteEmail<'_>)>,
    ) -> Result<User> {
        let email = normalise_email(&new.email);
        let mut tx = self.begin_write().await?;
        for unit in &new.unit_ids {
            let ok: Option<i64> =
                sqlx::query_scalar("SELECT id FROM units WHERE id = $1 AND org_id = $2")
                    .bind(*unit)
                    .bind(new.org_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if ok.is_none() {
                return Err(StoreError::not_found(format!("unit {unit}")));
            }
        }
        let now = now_ms();
        let row = sqlx::query(
            "INSERT INTO users (org_id, email, name, password_hash, role, lang, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (email) DO NOTHING RETURNING *",
        )
        .bind(new.org_id)
        .bind(email.as_str())
        .bind(new.name.trim())
        .bind(new.password_hash.clone().unwrap_or_default())
        .bind(new.role.as_str())
        .bind(new.lang.clone())
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::Conflict(format!("a user with the email address {email} exists already")))?;
        let id: i64 = row.try_get("id")?;
        for unit in &new.unit_ids {
            sqlx::query(
                "INSERT INTO user_units (user_id, unit_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(*unit)
            .execute(&mut *tx)
            .await?;
        }
        let mut units = new.unit_ids.clone();
        units.sort_unstable();
        units.dedup();
        let user = user_from_row(&row, units)?;
        if let Some((ttl, make)) = invite {
            let token = insert_link(&mut tx, id, LinkPurpose::Invite, ttl).await?;
            insert_outbox(&mut tx, Some(new.org_id), &make(&token)).await?;
        }
        insert_audit(
            &mut tx,
            &NewAudit {
                org_id: new.org_id,
                actor,
                action: "user.create",
                object_type: "user",
                object_key: &email,
                before: None,
                after: Some(serde_json::json!({
                    "email": email, "name": user.name, "role": user.role,
                    "unit_ids": user.unit_ids, "invited": invite.is_some(),
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn user(&self, org_id: i64, id: i64) -> Result<User> {
        let row = sqlx::query("SELECT * FROM users WHERE id = $1 AND org_id = $2")
            .bind(id)
            .bind(org_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("user"))?;
        user_from_row(&row, self.unit_ids_of(id).await?)
    }

    pub async fn users(&self, org_id: i64) -> Result<Vec<User>> {
        let rows = sqlx::query("SELECT * FROM users WHERE org_id = $1 ORDER BY email")
            .bind(org_id)
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            out.push(user_from_row(r, self.unit_ids_of(id).await?)?);
        }
        Ok(out)
    }

    /// The user with this email address and the stored password hash (empty if none was set).
    pub async fn user_for_login(&self, email: &str) -> Result<Option<(User, String)>> {
        let row = sqlx::query("SELECT * FROM users WHERE email = $1")
            .bind(normalise_email(email))
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let hash: String = row.try_get("password_hash")?;
        let id: i64 = row.try_get("id")?;
        Ok(Some((
            user_from_row(&row, self.unit_ids_of(id).await?)?,
            hash,
        )))
    }

    /// Marks an account locked until `until` (ms), for the people page and API: it is locked
    /// for the client whose failures tripped the limit, not for everyone (see
    /// [`Store::account_failures`]).
    pub async fn mark_locked(&self, user_id: i64, until: i64) -> Result<()> {
        sqlx::query("UPDATE users SET locked_until = $1 WHERE id = $2")
            .bind(until)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A successful sign-in of `account` from `ip`: unlocks and forgets that pair's failures
    /// (other clients' failures for the account, and this client's for other accounts, stay).
    pub async fn record_login_success(&self, user_id: i64, account: &str, ip: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $1 WHERE id = $2",
        )
        .bind(now_ms())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM login_failures WHERE account = $1 AND ip = $2")
            .bind(account)
            .bind(ip)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A failed sign-in from `ip` for `account` (the address typed, lower case; `None` when
    /// none was typed).
    pub async fn record_sign_in_failure(&self, ip: &str, account: Option<&str>) -> Result<()> {
        sqlx::query("INSERT INTO login_failures (ip, at, account) VALUES ($1, $2, $3)")
            .bind(ip)
            .bind(now_ms())
            .bind(account)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Failed sign-ins for `account` from `ip` since `since`: their count and the oldest.
    pub async fn account_failures(
        &self,
        account: &str,
        ip: &str,
        since: i64,
    ) -> Result<(i64, Option<i64>)> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(at) AS oldest FROM login_failures \
             WHERE account = $1 AND ip = $2 AND at >= $3",
        )
        .bind(account)
        .bind(ip)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok((r_i64(&row, "n")?, row.try_get("oldest")?))
    }

    /// Failed sign-ins from `ip` since `since`.
    pub async fn ip_failures(&self, ip: &str, since: i64) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE ip = $1 AND at >= $2")
                .bind(ip)
                .bind(since)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Starts a session; returns the cookie token (only its hash is stored) and the session.
    pub async fn create_session(
        &self,
        user_id: i64,
        ip: Option<&str>,
        user_agent: Option<&str>,
    ) -> Result<(String, Session)> {
        let token = random_token(32);
        let csrf = random_token(16);
        let now = now_ms();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, ip, user_agent) \
             VALUES ($1, $2, $3, $4, $4, $5, $6) RETURNING id",
        )
        .bind(token_hash(&token))
        .bind(user_id)
        .bind(csrf.as_str())
        .bind(now)
        .bind(ip)
        .bind(user_agent.map(|u| u.chars().take(200).collect::<String>()))
        .fetch_one(&self.pool)
        .await?;
        Ok((
            token,
            Session {
                id,
                user_id,
                csrf_token: csrf,
                created_at: now,
                last_seen_at: now,
            },
        ))
    }

    /// The live session for a cookie token and its user: not idle too long, not too old, the
    /// user neither disabled nor locked out. Marks the session used (at most once a minute).
    pub async fn session(
        &self,
        token: &str,
        policy: SessionPolicy,
    ) -> Result<Option<(Session, User)>> {
        let now = now_ms();
        let row = sqlx::query(
            "SELECT s.id AS sid, s.csrf_token, s.created_at AS s_created, s.last_seen_at, u.* \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
        )
        .bind(token_hash(token))
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let session = Session {
            id: r.try_get("sid")?,
            user_id: r.try_get("id")?,
            csrf_token: r.try_get("csrf_token")?,
            created_at: r.try_get("s_created")?,
            last_seen_at: r.try_get("last_seen_at")?,
        };
        let user = user_from_row(&r, self.unit_ids_of(session.user_id).await?)?;
        let expired = now - session.last_seen_at > policy.idle_ms
            || now - session.created_at > policy.absolute_ms;
        if expired || user.disabled_at.is_some() {
            sqlx::query("DELETE FROM sessions WHERE id = $1")
                .bind(session.id)
                .execute(&self.pool)
                .await?;
            return Ok(None);
        }
        if now - session.last_seen_at > 60_000 {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
                .bind(now)
                .bind(session.id)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some((session, user)))
    }

    /// Ends one session (sign out).
    pub async fn end_session(&self, token: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash(token))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends every session of a user (sign out everywhere); returns how many.
    pub async fn end_all_sessions(&self, user_id: i64) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    /// Deletes sessions past either limit and old sign-in failures.
    pub async fn purge_sessions(&self, policy: SessionPolicy) -> Result<u64> {
        let now = now_ms();
        let n = sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
            .bind(now - policy.idle_ms)
            .bind(now - policy.absolute_ms)
            .execute(&self.pool)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(now - 24 * 3600 * 1000)
            .execute(&self.pool)
            .await?;
        Ok(n)
    }

    /// For a known address: a password-reset link valid for `ttl_ms` and the email carrying it,
    /// in one transaction. Returns whether the address was known (callers must not tell).
    pub async fn request_password_reset(
        &self,
        email: &str,
        ttl_ms: i64,
        make: &(dyn Fn(&User, &str) -> Email + Sync),
    ) -> Result<bool> {
        let Some((user, _)) = self.user_for_login(email).await? else {
            return Ok(false);
        };
        if user.disabled_at.is_some() {
            return Ok(false);
        }
        let mut tx = self.begin_write().await?;
        let token = insert_link(&mut tx, user.id, LinkPurpose::Reset, ttl_ms).await?;
        insert_outbox(&mut tx, Some(user.org_id), &make(&user, &token)).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The user a valid (unused, unexpired) one-time link belongs to.
    pub async fn user_link(&self, token: &str, purpose: LinkPurpose) -> Result<Option<User>> {
        let user_id: Option<i64> = sqlx::query_scalar(
            "SELECT user_id FROM user_links WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
        )
        .bind(token_hash(token))
        .bind(purpose.as_str())
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?;
        let Some(id) = user_id else { return Ok(None) };
        let row = sqlx::query("SELECT * FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(Some(user_from_row(&row, self.unit_ids_of(id).await?)?))
    }

    /// Uses a one-time link to set a new password: the link is spent, the account unlocked,
    /// and every session of the user ended — in one transaction. `None` if the link is not
    /// valid (any more).
    pub async fn set_password_with_link(
        &self,
        token: &str,
        purpose: LinkPurpose,
        password_hash: &str,
    ) -> Result<Option<User>> {
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        let user_id: Option<i64> = sqlx::query_scalar(
            "UPDATE user_links SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 RETURNING user_id",
        )
        .bind(now)
        .bind(token_hash(token))
        .bind(purpose.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = user_id else {
            tx.rollback().await?;
            return Ok(None);
        };
        let row = sqlx::query(
            "UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = NULL, updated_at = $2 WHERE id = $3 RETURNING *",
        )
        .bind(password_hash)
        .bind(now)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        // One link used spends them all: a second reset or invitation mail lying in an inbox
        // must not reset the password chosen just now.
        sqlx::query("UPDATE user_links SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let user = user_from_row(&row, Vec::new())?;
        insert_audit(
            &mut tx,
            &NewAudit {
                org_id: user.org_id,
                actor: &Actor::User(user.email.clone()),
                action: match purpose {
                    LinkPurpose::Reset => "user.password_reset",
                    LinkPurpose::Invite => "user.invitation_accepted",
                },
                object_type: "user",
                object_key: &user.email,
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Some(User {
            unit_ids: self.unit_ids_of(id).await?,
            ..user
        }))
    }

    /// Changes a user's role, units and whether the account is disabled (which ends every
    /// session), with the change in the audit log — one transaction.
    pub async fn update_user(
        &self,
        org_id: i64,
        user_id: i64,
        role: Role,
        unit_ids: &[i64],
        disabled: bool,
        actor: &Actor,
    ) -> Result<User> {
        let before = self.user(org_id, user_id).await?;
        let mut tx = self.begin_write().await?;
        for unit in unit_ids {
            let ok: Option<i64> =
                sqlx::query_scalar("SELECT id FROM units WHERE id = $1 AND org_id = $2")
                    .bind(*unit)
                    .bind(org_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if ok.is_none() {
                return Err(StoreError::not_found(format!("unit {unit}")));
            }
        }
        let now = now_ms();
        let disabled_at = match (disabled, before.disabled_at) {
            (true, Some(t)) => Some(t),
            (true, None) => Some(now),
            (false, _) => None,
        };
        sqlx::query("UPDATE users SET role = $1, disabled_at = $2, updated_at = $3 WHERE id = $4 AND org_id = $5")
            .bind(role.as_str())
            .bind(disabled_at)
            .bind(now)
            .bind(user_id)
            .bind(org_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM user_units WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let units: Vec<i64> = if role == Role::Admin {
            Vec::new()
        } else {
            unit_ids.to_vec()
        };
        for unit in &units {
            sqlx::query(
                "INSERT INTO user_units (user_id, unit_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(user_id)
            .bind(*unit)
            .execute(&mut *tx)
            .await?;
        }
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        let snapshot = |role: Role, units: &[i64], disabled: bool| serde_json::json!({"role": role, "unit_ids": units, "disabled": disabled});
        insert_audit(
            &mut tx,
            &NewAudit {
                org_id,
                actor,
                action: "user.update",
                object_type: "user",
                object_key: &before.email,
                before: Some(snapshot(
                    before.role,
                    &before.unit_ids,
                    before.disabled_at.is_some(),
                )),
                after: Some(snapshot(role, &units, disabled)),
            },
        )
        .await?;
        tx.commit().await?;
        self.user(org_id, user_id).await
    }

    /// Sets the UI language of a user (`None`: follow the browser).
    pub async fn set_user_lang(&self, user_id: i64, lang: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE users SET lang = $1, updated_at = $2 WHERE id = $3")
            .bind(lang)
            .bind(now_ms())
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Claims up to `limit` due messages for `lease_ms` (another node will not take them
    /// meanwhile) and returns them.
    pub async fn claim_outbox(&self, limit: i64, lease_ms: i64) -> Result<Vec<OutboxMessage>> {
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        let lock = match self.backend {
            crate::Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            crate::Backend::Sqlite => "",
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id, to_addr, subject, body_text, attempts FROM outbox \
             WHERE sent_at IS NULL AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until < $1) \
             ORDER BY id LIMIT $2{lock}"
        )))
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            sqlx::query("UPDATE outbox SET claimed_until = $1 WHERE id = $2")
                .bind(now + lease_ms)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            out.push(OutboxMessage {
                id,
                email: Email {
                    to: r.try_get("to_addr")?,
                    subject: r.try_get("subject")?,
                    body: r.try_get("body_text")?,
                },
                attempts: r.try_get("attempts")?,
            });
        }
        tx.commit().await?;
        Ok(out)
    }

    pub async fn outbox_sent(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE outbox SET sent_at = $1, attempts = attempts + 1, claimed_until = NULL, last_error = NULL WHERE id = $2")
            .bind(now_ms())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A failed delivery: tried again at `retry_at`.
    pub async fn outbox_failed(&self, id: i64, error: &str, retry_at: i64) -> Result<()> {
        sqlx::query("UPDATE outbox SET attempts = attempts + 1, claimed_until = NULL, next_attempt_at = $1, last_error = $2 WHERE id = $3")
            .bind(retry_at)
            .bind(error.chars().take(500).collect::<String>())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Messages not sent yet (for status pages and tests).
    pub async fn outbox_pending(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Writes an audit entry on its own (for actions whose change is written elsewhere).
    pub async fn audit(&self, entry: &NewAudit<'_>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        insert_audit(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Audit entries of an organisation, newest first, before id `before` (keyset pages).
    pub async fn audit_entries(
        &self,
        org_id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT * FROM audit_log WHERE org_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(org_id)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
                Ok(AuditEntry {
                    id: r.try_get("id")?,
                    at: r.try_get("at")?,
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    object_type: r.try_get("object_type")?,
                    object_key: r.try_get("object_key")?,
                    before: parse(r.try_get("before_json")?),
                    after: parse(r.try_get("after_json")?),
                })
            })
            .collect()
    }
}

fn r_i64(row: &sqlx::any::AnyRow, col: &str) -> Result<i64> {
    Ok(row.try_get::<i64, _>(col)?)
}
