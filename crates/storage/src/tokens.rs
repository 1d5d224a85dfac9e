use sqlx::Row;
use sqlx::any::AnyRow;

use crate::accounts::Actor;
use crate::accounts::{NewAudit, insert_audit};
use crate::db::{Store, now_ms};
use crate::error::{Result, StoreError};
use crate::{random_token, token_hash};

pub use tevreden_domain::access::Role;

#[derive(Clone, Debug)]
pub struct ApiToken {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub role: Role,
    pub unit_id: Option<i64>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl ApiToken {
    /// What the token was given: its role, for its unit when it is bound to one.
    pub fn grant(&self) -> tevreden_domain::access::Grant<'_> {
        tevreden_domain::access::Grant {
            role: self.role,
            units: self.unit_id.as_slice(),
        }
    }
}

/// Prefix that makes Tevreden API tokens recognisable (e.g. by secret scanners).
const TOKEN_PREFIX: &str = "tvd_";

fn token_from_row(r: &AnyRow) -> Result<ApiToken> {
    let role: String = r.try_get("role")?;
    Ok(ApiToken {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        name: r.try_get("name")?,
        role: Role::parse(&role).unwrap_or(Role::Member),
        unit_id: r.try_get("unit_id")?,
        created_at: r.try_get("created_at")?,
        last_used_at: r.try_get("last_used_at")?,
    })
}

impl Store {
    /// Creates an API token; the plain token is returned once and only its hash is stored. The
    /// audit entry by `actor` is written in the same transaction.
    pub async fn create_api_token(
        &self,
        org_id: i64,
        name: &str,
        role: Role,
        unit_id: Option<i64>,
        actor: &Actor,
    ) -> Result<(String, ApiToken)> {
        let secret = format!("{TOKEN_PREFIX}{}", random_token(32));
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        if let Some(unit) = unit_id {
            let ok: Option<i64> =
                sqlx::query_scalar("SELECT id FROM units WHERE id = $1 AND org_id = $2")
                    .bind(unit)
                    .bind(org_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if ok.is_none() {
                return Err(StoreError::unknown(crate::error::Reference::Unit, ""));
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (org_id, name, role, unit_id, token_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(org_id)
        .bind(name)
        .bind(role.as_str())
        .bind(unit_id)
        .bind(token_hash(&secret))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        insert_audit(
            &mut tx,
            &NewAudit {
                org_id,
                actor,
                action: "token.create",
                object_type: "token",
                object_key: &id.to_string(),
                before: None,
                after: Some(
                    serde_json::json!({"name": name, "role": role.as_str(), "unit_id": unit_id}),
                ),
            },
        )
        .await?;
        tx.commit().await?;
        Ok((
            secret,
            ApiToken {
                id,
                org_id,
                name: name.into(),
                role,
                unit_id,
                created_at: now,
                last_used_at: None,
            },
        ))
    }

    /// The live (not revoked) token with this secret. Records its use at most once a minute.
    pub async fn api_token_by_secret(&self, secret: &str) -> Result<ApiToken> {
        if !secret.starts_with(TOKEN_PREFIX) {
            return Err(StoreError::not_found("token"));
        }
        let row =
            sqlx::query("SELECT * FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL")
                .bind(token_hash(secret))
                .fetch_optional(&self.pool)
                .await?
                .ok_or_else(|| StoreError::not_found("token"))?;
        let token = token_from_row(&row)?;
        let now = now_ms();
        if token.last_used_at.is_none_or(|t| now - t > 60_000) {
            let _ = sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(token.id)
                .execute(&self.pool)
                .await;
        }
        Ok(token)
    }

    /// Revokes a live token, with an audit entry by `actor` in the same transaction.
    pub async fn revoke_api_token(&self, org_id: i64, id: i64, actor: &Actor) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND org_id = $3 AND revoked_at IS NULL")
            .bind(now_ms())
            .bind(id)
            .bind(org_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::not_found("token"));
        }
        insert_audit(
            &mut tx,
            &NewAudit {
                org_id,
                actor,
                action: "token.revoke",
                object_type: "token",
                object_key: &id.to_string(),
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A token as the token list shows it (never the secret).
#[derive(Clone, Debug, serde::Serialize)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub unit_id: Option<i64>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl Store {
    /// Every API token of an organisation, newest first, revoked ones included.
    pub async fn api_tokens(&self, org_id: i64) -> Result<Vec<TokenInfo>> {
        let rows = sqlx::query("SELECT * FROM api_tokens WHERE org_id = $1 ORDER BY id DESC")
            .bind(org_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let t = token_from_row(r)?;
                Ok(TokenInfo {
                    id: t.id,
                    name: t.name,
                    role: t.role,
                    unit_id: t.unit_id,
                    created_at: t.created_at,
                    last_used_at: t.last_used_at,
                    revoked_at: r.try_get("revoked_at")?,
                })
            })
            .collect()
    }
}
