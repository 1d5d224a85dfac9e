use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use tevreden_domain::survey::{Answers, SurveyDefinition, parse_survey_value};

use crate::accounts::Actor;
use crate::db::{Backend, Store, now_ms};
use crate::error::{Result, StoreError};
use crate::org::ContactRef;
use crate::{random_token, token_hash};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyStatus {
    /// Never published: not answerable.
    Draft,
    Open,
    Closed,
}

impl SurveyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SurveyStatus::Draft => "draft",
            SurveyStatus::Open => "open",
            SurveyStatus::Closed => "closed",
        }
    }
    fn parse(s: &str) -> SurveyStatus {
        SurveyStatus::from_name(s).unwrap_or(SurveyStatus::Draft)
    }
    /// `draft`, `open` or `closed`.
    pub fn from_name(s: &str) -> Option<SurveyStatus> {
        match s {
            "draft" => Some(SurveyStatus::Draft),
            "open" => Some(SurveyStatus::Open),
            "closed" => Some(SurveyStatus::Closed),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Survey {
    pub id: i64,
    pub org_id: i64,
    pub key: String,
    /// The unguessable id in the public link `/s/{public_id}`.
    pub public_id: String,
    pub status: SurveyStatus,
    pub closes_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Clone, Debug)]
pub struct SurveyVersion {
    pub id: i64,
    pub survey_id: i64,
    /// `None` while a draft; 1, 2, … once published (then immutable).
    pub version: Option<i64>,
    pub definition: SurveyDefinition,
    pub created_at: i64,
    pub published_at: Option<i64>,
}

/// What a respondent page needs: the survey and its newest published version.
#[derive(Clone, Debug)]
pub struct PublishedSurvey {
    pub survey: Survey,
    pub version: SurveyVersion,
}

impl PublishedSurvey {
    /// Open and not past its closing time.
    pub fn accepting(&self, now: i64) -> bool {
        self.survey.status == SurveyStatus::Open && self.survey.closes_at.is_none_or(|c| c > now)
    }
}

#[derive(Clone, Debug, Default)]
pub struct NewInvitation {
    pub lang: Option<String>,
    pub context: ContactRef,
    pub expires_at: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct Invitation {
    pub id: i64,
    pub org_id: i64,
    pub survey_id: i64,
    pub lang: Option<String>,
    pub context: ContactRef,
    pub expires_at: Option<i64>,
    pub created_at: i64,
    /// Whether a response on this invitation is stored.
    pub answered: bool,
}

fn survey_from_row(r: &AnyRow) -> Result<Survey> {
    let status: String = r.try_get("status")?;
    Ok(Survey {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        key: r.try_get("key")?,
        public_id: r.try_get("public_id")?,
        status: SurveyStatus::parse(&status),
        closes_at: r.try_get("closes_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn version_from_row(r: &AnyRow) -> Result<SurveyVersion> {
    let text: String = r.try_get("definition")?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| StoreError::Internal(format!("stored survey definition is not JSON: {e}")))?;
    let definition = parse_survey_value(&value)
        .map_err(|e| {
            StoreError::Internal(format!("stored survey definition does not parse: {}", e[0]))
        })?
        .definition;
    Ok(SurveyVersion {
        id: r.try_get("id")?,
        survey_id: r.try_get("survey_id")?,
        version: r.try_get("version")?,
        definition,
        created_at: r.try_get("created_at")?,
        published_at: r.try_get("published_at")?,
    })
}

async fn survey_audit(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    org_id: i64,
    actor: &Actor,
    action: &str,
    key: &str,
    after: Option<serde_json::Value>,
) -> Result<()> {
    crate::accounts::insert_audit(
        tx,
        &crate::accounts::NewAudit {
            org_id,
            actor,
            action,
            object_type: "survey",
            object_key: key,
            before: None,
            after,
        },
    )
    .await
}

impl Store {
    /// Reads a survey inside a write transaction, locking its row on PostgreSQL.
    async fn lock_survey(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        org_id: i64,
        key: &str,
    ) -> Result<Survey> {
        let sql = match self.backend {
            Backend::Postgres => "SELECT * FROM surveys WHERE org_id = $1 AND key = $2 FOR UPDATE",
            Backend::Sqlite => "SELECT * FROM surveys WHERE org_id = $1 AND key = $2",
        };
        let row = sqlx::query(sql)
            .bind(org_id)
            .bind(key)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| StoreError::not_found(format!("survey `{key}`")))?;
        survey_from_row(&row)
    }

    /// Stores `def` as the draft of survey `def.key`: creates the survey if new, replaces an
    /// existing draft, or starts a new draft after the published versions. Returns whether the
    /// survey was created. Audited in the same transaction as `(actor, action)`, the action
    /// defaulting to `survey.create` or `survey.draft`.
    pub async fn save_survey_draft(
        &self,
        org_id: i64,
        def: &SurveyDefinition,
        (actor, action): (&Actor, Option<&str>),
    ) -> Result<(Survey, SurveyVersion, bool)> {
        let mut tx = self.begin_write().await?;
        let now = now_ms();
        let json = def.to_value().to_string();
        // Create the survey unless it exists, then lock its row (PostgreSQL; SQLite's
        // `BEGIN IMMEDIATE` already serialises writers) so that concurrent drafts and
        // publications of one survey take turns.
        let created = sqlx::query_scalar::<_, i64>(
            "INSERT INTO surveys (org_id, key, public_id, status, created_at, updated_at) VALUES ($1, $2, $3, 'draft', $4, $4) \
             ON CONFLICT (org_id, key) DO NOTHING RETURNING id",
        )
        .bind(org_id)
        .bind(def.key.as_str())
        .bind(random_token(16))
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
        let survey = self.lock_survey(&mut tx, org_id, def.key.as_str()).await?;
        let draft_id: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM survey_versions WHERE survey_id = $1 AND version IS NULL",
        )
        .bind(survey.id)
        .fetch_optional(&mut *tx)
        .await?;
        let row = match draft_id {
            Some(id) => {
                sqlx::query("UPDATE survey_versions SET definition = $1, created_at = $2 WHERE id = $3 RETURNING *")
                    .bind(json)
                    .bind(now)
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?
            }
            None => {
                sqlx::query("INSERT INTO survey_versions (survey_id, definition, created_at) VALUES ($1, $2, $3) RETURNING *")
                    .bind(survey.id)
                    .bind(json)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?
            }
        };
        sqlx::query("UPDATE surveys SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(survey.id)
            .execute(&mut *tx)
            .await?;
        let action = action.unwrap_or(if created {
            "survey.create"
        } else {
            "survey.draft"
        });
        survey_audit(&mut tx, org_id, actor, action, &survey.key, None).await?;
        tx.commit().await?;
        Ok((survey, version_from_row(&row)?, created))
    }

    /// Publishes the draft as the next version (immutable from now on) and opens a survey that
    /// was never published; audited as `actor` in the same transaction.
    pub async fn publish_survey(
        &self,
        org_id: i64,
        key: &str,
        actor: &Actor,
    ) -> Result<(Survey, SurveyVersion)> {
        let mut tx = self.begin_write().await?;
        let now = now_ms();
        let survey = self.lock_survey(&mut tx, org_id, key).await?;
        let draft: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM survey_versions WHERE survey_id = $1 AND version IS NULL",
        )
        .bind(survey.id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(draft) = draft else {
            return Err(StoreError::Conflict(format!(
                "survey `{key}` has no draft to publish; upload a new version first (POST /api/v1/surveys)"
            )));
        };
        let next: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM survey_versions WHERE survey_id = $1",
        )
        .bind(survey.id)
        .fetch_one(&mut *tx)
        .await?;
        let row = sqlx::query(
            "UPDATE survey_versions SET version = $1, published_at = $2 WHERE id = $3 RETURNING *",
        )
        .bind(next)
        .bind(now)
        .bind(draft)
        .fetch_one(&mut *tx)
        .await?;
        let status = if survey.status == SurveyStatus::Draft {
            SurveyStatus::Open
        } else {
            survey.status
        };
        let survey_row = sqlx::query(
            "UPDATE surveys SET status = $1, updated_at = $2 WHERE id = $3 RETURNING *",
        )
        .bind(status.as_str())
        .bind(now)
        .bind(survey.id)
        .fetch_one(&mut *tx)
        .await?;
        survey_audit(
            &mut tx,
            org_id,
            actor,
            "survey.publish",
            key,
            Some(serde_json::json!({"version": next})),
        )
        .await?;
        tx.commit().await?;
        Ok((survey_from_row(&survey_row)?, version_from_row(&row)?))
    }

    /// Opens or closes a published survey; audited as `actor` in the same transaction.
    pub async fn set_survey_status(
        &self,
        org_id: i64,
        key: &str,
        status: SurveyStatus,
        actor: &Actor,
    ) -> Result<Survey> {
        let mut tx = self.begin_write().await?;
        let survey = self.lock_survey(&mut tx, org_id, key).await?;
        if survey.status == SurveyStatus::Draft {
            return Err(StoreError::Conflict(format!(
                "survey `{key}` is not published yet; publish it first"
            )));
        }
        let row = sqlx::query(
            "UPDATE surveys SET status = $1, updated_at = $2 WHERE id = $3 RETURNING *",
        )
        .bind(status.as_str())
        .bind(now_ms())
        .bind(survey.id)
        .fetch_one(&mut *tx)
        .await?;
        survey_audit(
            &mut tx,
            org_id,
            actor,
            "survey.status",
            key,
            Some(serde_json::json!({"status": status.as_str()})),
        )
        .await?;
        tx.commit().await?;
        survey_from_row(&row)
    }

    pub async fn set_survey_closes_at(
        &self,
        org_id: i64,
        key: &str,
        closes_at: Option<i64>,
    ) -> Result<Survey> {
        let survey = self.survey(org_id, key).await?;
        let row = sqlx::query(
            "UPDATE surveys SET closes_at = $1, updated_at = $2 WHERE id = $3 RETURNING *",
        )
        .bind(closes_at)
        .bind(now_ms())
        .bind(survey.id)
        .fetch_one(&self.pool)
        .await?;
        survey_from_row(&row)
    }

    pub async fn survey_by_id(&self, id: i64) -> Result<Survey> {
        let row = sqlx::query("SELECT * FROM surveys WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found(format!("survey {id}")))?;
        survey_from_row(&row)
    }

    pub async fn survey(&self, org_id: i64, key: &str) -> Result<Survey> {
        let row = sqlx::query("SELECT * FROM surveys WHERE org_id = $1 AND key = $2")
            .bind(org_id)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found(format!("survey `{key}`")))?;
        survey_from_row(&row)
    }

    pub async fn surveys(&self, org_id: i64) -> Result<Vec<Survey>> {
        let rows = sqlx::query("SELECT * FROM surveys WHERE org_id = $1 ORDER BY key")
            .bind(org_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(survey_from_row).collect()
    }

    /// All versions, newest first (the draft, if any, first of all).
    pub async fn survey_versions(&self, survey_id: i64) -> Result<Vec<SurveyVersion>> {
        let rows = sqlx::query("SELECT * FROM survey_versions WHERE survey_id = $1 ORDER BY COALESCE(version, 1000000000) DESC")
            .bind(survey_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(version_from_row).collect()
    }

    pub async fn survey_version(&self, id: i64) -> Result<SurveyVersion> {
        let row = sqlx::query("SELECT * FROM survey_versions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("survey version"))?;
        version_from_row(&row)
    }

    async fn latest_published(&self, survey: Survey) -> Result<PublishedSurvey> {
        let row = sqlx::query("SELECT * FROM survey_versions WHERE survey_id = $1 AND version IS NOT NULL ORDER BY version DESC LIMIT 1")
            .bind(survey.id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("published survey"))?;
        Ok(PublishedSurvey {
            survey,
            version: version_from_row(&row)?,
        })
    }

    /// The survey behind a public link, with its newest published version.
    pub async fn published_by_public_id(&self, public_id: &str) -> Result<PublishedSurvey> {
        let row = sqlx::query("SELECT * FROM surveys WHERE public_id = $1")
            .bind(public_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("survey"))?;
        self.latest_published(survey_from_row(&row)?).await
    }

    pub async fn published_by_id(&self, survey_id: i64) -> Result<PublishedSurvey> {
        let row = sqlx::query("SELECT * FROM surveys WHERE id = $1")
            .bind(survey_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("survey"))?;
        self.latest_published(survey_from_row(&row)?).await
    }

    /// Creates a personal invitation; the token (128 random bits, hex) is returned once and
    /// stored only as its hash.
    pub async fn create_invitation(
        &self,
        org_id: i64,
        survey_id: i64,
        new: &NewInvitation,
    ) -> Result<(String, Invitation)> {
        let token = random_token(16);
        let now = now_ms();
        let c = &new.context;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO invitations (org_id, survey_id, token_hash, lang, unit_id, touchpoint_id, channel_id, employee_id, contact_id, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(org_id)
        .bind(survey_id)
        .bind(token_hash(&token))
        .bind(new.lang.as_deref())
        .bind(c.unit_id)
        .bind(c.touchpoint_id)
        .bind(c.channel_id)
        .bind(c.employee_id)
        .bind(c.contact_id)
        .bind(new.expires_at)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok((
            token,
            Invitation {
                id,
                org_id,
                survey_id,
                lang: new.lang.clone(),
                context: c.clone(),
                expires_at: new.expires_at,
                created_at: now,
                answered: false,
            },
        ))
    }

    pub async fn invitation_by_token(&self, token: &str) -> Result<Invitation> {
        if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::not_found("invitation"));
        }
        let r = sqlx::query(
            "SELECT i.*, (SELECT COUNT(*) FROM responses r WHERE r.invitation_id = i.id) AS answered FROM invitations i WHERE i.token_hash = $1",
        )
        .bind(token_hash(token))
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found("invitation"))?;
        let answered: i64 = r.try_get("answered")?;
        Ok(Invitation {
            id: r.try_get("id")?,
            org_id: r.try_get("org_id")?,
            survey_id: r.try_get("survey_id")?,
            lang: r.try_get("lang")?,
            context: ContactRef {
                unit_id: r.try_get("unit_id")?,
                touchpoint_id: r.try_get("touchpoint_id")?,
                channel_id: r.try_get("channel_id")?,
                employee_id: r.try_get("employee_id")?,
                contact_id: r.try_get("contact_id")?,
            },
            expires_at: r.try_get("expires_at")?,
            created_at: r.try_get("created_at")?,
            answered: answered > 0,
        })
    }

    /// Saves the answers of the pages a respondent has completed (multi-page surveys), keyed by
    /// the link's draft key.
    pub async fn save_draft(
        &self,
        key: &str,
        survey_id: i64,
        version_id: i64,
        page: usize,
        answers: &Answers,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO drafts (key, survey_id, version_id, page, answers, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (key) DO UPDATE SET survey_id = excluded.survey_id, version_id = excluded.version_id, page = excluded.page, answers = excluded.answers, updated_at = excluded.updated_at",
        )
        .bind(key)
        .bind(survey_id)
        .bind(version_id)
        .bind(page as i64)
        .bind(answers.to_json())
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// `(version_id, page, raw answers)` of a draft.
    pub async fn load_draft(
        &self,
        key: &str,
        survey_id: i64,
    ) -> Result<Option<(i64, usize, serde_json::Map<String, serde_json::Value>)>> {
        let row = sqlx::query(
            "SELECT version_id, page, answers FROM drafts WHERE key = $1 AND survey_id = $2",
        )
        .bind(key)
        .bind(survey_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let answers: String = r.try_get(2)?;
        let map = match serde_json::from_str(&answers) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        Ok(Some((r.try_get(0)?, r.try_get::<i64, _>(1)? as usize, map)))
    }

    /// Deletes drafts untouched since `before` (ms since the epoch); returns how many.
    pub async fn purge_drafts(&self, before: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM drafts WHERE updated_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    pub async fn delete_draft(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM drafts WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// One line of the survey list in the admin app.
#[derive(Clone, Debug)]
pub struct SurveyOverview {
    pub survey: Survey,
    /// The title of the newest version (draft or published), per language code.
    pub title: std::collections::BTreeMap<String, String>,
    /// The newest published version number.
    pub published_version: Option<i64>,
    pub has_draft: bool,
    pub responses: i64,
    /// When the newest received response was submitted.
    pub last_response_at: Option<i64>,
}

impl SurveyOverview {
    /// The title in `lang`, else in any language, else the key.
    pub fn title_in(&self, lang: &str) -> &str {
        self.title
            .get(lang)
            .or_else(|| self.title.values().next())
            .map(String::as_str)
            .unwrap_or(self.survey.key.as_str())
    }
}

impl Store {
    /// Every survey of an organisation with its newest title, versions and response counts.
    pub async fn survey_overview(&self, org_id: i64) -> Result<Vec<SurveyOverview>> {
        self.survey_overview_within(org_id, None).await
    }

    /// [`Store::survey_overview`] with the response counts and latest response of the given
    /// units only (`None`: all): what a manager or member can open.
    pub async fn survey_overview_within(
        &self,
        org_id: i64,
        units: Option<&[i64]>,
    ) -> Result<Vec<SurveyOverview>> {
        let within = crate::responses::unit_filter(units);
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT s.*, \
               (SELECT MAX(version) FROM survey_versions v WHERE v.survey_id = s.id) AS published_version, \
               (SELECT COUNT(*) FROM survey_versions v WHERE v.survey_id = s.id AND v.version IS NULL) AS drafts, \
               (SELECT COUNT(*) FROM responses r WHERE r.survey_id = s.id{within}) AS responses, \
               (SELECT MAX(r.submitted_at) FROM responses r WHERE r.survey_id = s.id{within}) AS last_response_at, \
               (SELECT definition FROM survey_versions v WHERE v.survey_id = s.id ORDER BY COALESCE(v.version, 1000000000) DESC LIMIT 1) AS definition \
             FROM surveys s WHERE s.org_id = $1 ORDER BY s.key",
        )))
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let def: Option<String> = r.try_get("definition")?;
                let title = def
                    .and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok())
                    .and_then(|v| {
                        v.get("title").and_then(|t| t.as_object()).map(|m| {
                            m.iter()
                                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                                .collect()
                        })
                    })
                    .unwrap_or_default();
                Ok(SurveyOverview {
                    survey: survey_from_row(r)?,
                    title,
                    published_version: r.try_get("published_version")?,
                    has_draft: r.try_get::<i64, _>("drafts")? > 0,
                    responses: r.try_get("responses")?,
                    last_response_at: r.try_get("last_response_at")?,
                })
            })
            .collect()
    }
}
