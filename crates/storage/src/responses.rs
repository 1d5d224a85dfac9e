use serde::Serialize;
use sqlx::Row;

use std::collections::HashMap;
use std::future::Future;
use std::task::Poll;

use tevreden_domain::rollup::{RollupBuilder, kept_attributes, local_day};

use crate::analytics::{self, placement};
use crate::db::{Backend, Store, now_ms};
use crate::error::Result;
use crate::ingest::{AnyQuery, COLUMNS, NCOLS, NewResponse, bind_row, placeholders};

/// A stored response as exports show it: ids resolved to the organisation's own keys.
#[derive(Clone, Debug, Serialize)]
pub struct ResponseRecord {
    #[serde(skip)]
    pub id: i64,
    pub uid: String,
    pub version: i64,
    pub lang: String,
    pub unit: Option<String>,
    pub touchpoint: Option<String>,
    pub channel: Option<String>,
    pub employee: Option<String>,
    pub contact: Option<String>,
    pub answers: serde_json::Map<String, serde_json::Value>,
    pub submitted_at: i64,
}

pub type ResponsePage = Vec<ResponseRecord>;

fn iso(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

impl ResponseRecord {
    /// The JSON export form of one response.
    pub fn export_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.uid,
            "submitted_at": iso(self.submitted_at),
            "version": self.version,
            "lang": self.lang,
            "context": {"unit": self.unit, "touchpoint": self.touchpoint, "channel": self.channel, "employee": self.employee, "contact": self.contact},
            "answers": self.answers,
        })
    }
}

impl Store {
    /// Up to `limit` responses of a survey with internal id greater than `after`, oldest first:
    /// keyset pagination that streams any number of responses in constant memory.
    pub async fn responses_after(
        &self,
        survey_id: i64,
        after: i64,
        limit: i64,
    ) -> Result<ResponsePage> {
        self.responses_after_in(survey_id, after, limit, None).await
    }

    /// [`Store::responses_after`], optionally only the responses of the given units.
    pub async fn responses_after_in(
        &self,
        survey_id: i64,
        after: i64,
        limit: i64,
        units: Option<&[i64]>,
    ) -> Result<ResponsePage> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{RECORD_SELECT} WHERE r.survey_id = $1 AND r.id > $2{} ORDER BY r.id LIMIT $3",
            unit_filter(units)
        )))
        .bind(survey_id)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record_from_row).collect()
    }

    /// The most recently submitted responses of a survey (by submission time, which for
    /// imported or offline answers differs from arrival), after the response with internal id
    /// `before` in that order (keyset pages, newest first), optionally only those of the given
    /// units.
    pub async fn latest_responses(
        &self,
        survey_id: i64,
        before: Option<i64>,
        limit: i64,
        units: Option<&[i64]>,
    ) -> Result<ResponsePage> {
        let unit_filter = unit_filter(units);
        let after_cursor = match before {
            // Ties in submission time are ordered by id, so every response has one place.
            Some(_) => {
                " AND (r.submitted_at < (SELECT c.submitted_at FROM responses c WHERE c.id = $2) \
                 OR (r.submitted_at = (SELECT c.submitted_at FROM responses c WHERE c.id = $2) \
                 AND r.id < $2))"
            }
            None => " AND $2 = $2",
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{RECORD_SELECT} WHERE r.survey_id = $1{after_cursor}{unit_filter} \
             ORDER BY r.submitted_at DESC, r.id DESC LIMIT $3"
        )))
        .bind(survey_id)
        .bind(before.unwrap_or(0))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record_from_row).collect()
    }
}

/// Which responses [`Store::recent_responses`] returns.
#[derive(Clone, Debug, Default)]
pub struct ResponseFilter<'a> {
    /// Only these units (`None`: all).
    pub units: Option<&'a [i64]>,
    pub touchpoint: Option<i64>,
    pub channel: Option<i64>,
    /// Submitted at or after this instant (epoch ms).
    pub since: Option<i64>,
    /// Submitted before this instant (epoch ms).
    pub until: Option<i64>,
    /// Handled by this employee.
    pub employee: Option<i64>,
    /// Answered to this survey version (its id).
    pub version_id: Option<i64>,
    /// From a contact with this attribute value (when the response was stored).
    pub attribute: Option<(&'a str, &'a str)>,
}

impl ResponseFilter<'_> {
    /// The conditions on `responses r` for this filter. `$2` and `$3` are the time bounds and
    /// `$5`, `$6` an attribute's key and value: bind them (with the survey as `$1` and a limit
    /// as `$4`) through [`ResponseFilter::bind`]. Ids come from our own tables and are written
    /// as integer literals; the attribute's key and value, user text, are always bound.
    pub(crate) fn conditions(&self, backend: Backend) -> String {
        let mut sql = String::from(" AND r.submitted_at >= $2 AND r.submitted_at < $3");
        sql.push_str(&unit_filter(self.units));
        for (col, v) in [
            ("r.touchpoint_id", self.touchpoint),
            ("r.channel_id", self.channel),
            ("r.employee_id", self.employee),
            ("r.version_id", self.version_id),
        ] {
            if let Some(v) = v {
                sql.push_str(&format!(" AND {col} = {v}"));
            }
        }
        // The contact's attributes as stored with the response (strings: contacts are imported
        // from CSV), as the attribute histograms count them.
        sql.push_str(match (self.attribute.is_some(), backend) {
            (false, _) => " AND $5 = $6",
            (true, Backend::Sqlite) => {
                " AND EXISTS (SELECT 1 FROM json_each(r.contact_attributes) a \
                 WHERE a.key = $5 AND a.type = 'text' AND a.value = $6)"
            }
            (true, Backend::Postgres) => {
                " AND jsonb_typeof(CAST(r.contact_attributes AS jsonb) -> $5) = 'string' \
                 AND (CAST(r.contact_attributes AS jsonb) ->> $5) = $6"
            }
        });
        sql
    }

    /// Binds `$1` … `$6` of a query built with [`ResponseFilter::conditions`].
    pub(crate) fn bind<'q>(&'q self, q: AnyQuery<'q>, survey_id: i64, limit: i64) -> AnyQuery<'q> {
        let (key, value) = self.attribute.unwrap_or(("", ""));
        q.bind(survey_id)
            .bind(self.since.unwrap_or(i64::MIN))
            .bind(self.until.unwrap_or(i64::MAX))
            .bind(limit)
            .bind(key)
            .bind(value)
    }
}

impl Store {
    /// The most recently submitted responses of a survey in a filter, newest first.
    pub async fn recent_responses(
        &self,
        survey_id: i64,
        filter: &ResponseFilter<'_>,
        limit: i64,
    ) -> Result<ResponsePage> {
        let sql = format!(
            "{RECORD_SELECT} WHERE r.survey_id = $1{} ORDER BY r.submitted_at DESC LIMIT $4",
            filter.conditions(self.backend)
        );
        let rows = filter
            .bind(sqlx::query(sqlx::AssertSqlSafe(sql)), survey_id, limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(record_from_row).collect()
    }
}

/// `AND r.unit_id IN (…)` for a unit scope (ids are integers from our own tables, never user
/// text); nothing for no scope; a scope without units matches nothing.
pub(crate) fn unit_filter(units: Option<&[i64]>) -> String {
    match units {
        None => String::new(),
        Some([]) => " AND 1 = 0".to_string(),
        Some(ids) => format!(
            " AND r.unit_id IN ({})",
            ids.iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

/// The columns of a [`ResponseRecord`], ids resolved to the organisation's keys.
const RECORD_SELECT: &str = "SELECT r.id, r.uid, v.version, r.lang, u.external_id AS unit, t.key AS touchpoint, c.key AS channel, \
        e.external_id AS employee, ct.external_id AS contact, r.answers, r.submitted_at \
     FROM responses r JOIN survey_versions v ON v.id = r.version_id \
     LEFT JOIN units u ON u.id = r.unit_id LEFT JOIN touchpoints t ON t.id = r.touchpoint_id \
     LEFT JOIN channels c ON c.id = r.channel_id LEFT JOIN employees e ON e.id = r.employee_id \
     LEFT JOIN contacts ct ON ct.id = r.contact_id";

fn record_from_row(r: &sqlx::any::AnyRow) -> Result<ResponseRecord> {
    let answers: String = r.try_get("answers")?;
    Ok(ResponseRecord {
        id: r.try_get("id")?,
        uid: r.try_get("uid")?,
        version: r.try_get("version")?,
        lang: r.try_get("lang")?,
        unit: r.try_get("unit")?,
        touchpoint: r.try_get("touchpoint")?,
        channel: r.try_get("channel")?,
        employee: r.try_get("employee")?,
        contact: r.try_get("contact")?,
        answers: match serde_json::from_str(&answers) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        },
        submitted_at: r.try_get("submitted_at")?,
    })
}

/// An insert statement with its rows bound (`full_sql` is the statement for `per_stmt` rows),
/// each with its contact's attributes from `contacts`.
fn bind_rows<'q>(
    backend: Backend,
    full_sql: &str,
    per_stmt: usize,
    rows: &'q [NewResponse],
    contacts: &'q HashMap<i64, String>,
    now: i64,
) -> AnyQuery<'q> {
    let sql = if rows.len() == per_stmt {
        full_sql.to_owned()
    } else {
        insert_rows_sql(backend, rows.len())
    };
    rows.iter()
        .fold(sqlx::query(sqlx::AssertSqlSafe(sql)), |q, r| {
            bind_row(q, r, now).bind(
                r.contact_id
                    .and_then(|c| contacts.get(&c))
                    .map(String::as_str),
            )
        })
}

/// `INSERT INTO responses (…, contact_attributes) VALUES (…),(…)…` for `rows` rows.
fn insert_rows_sql(backend: Backend, rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|i| {
            format!(
                "({})",
                placeholders(backend, 1 + i * (NCOLS + 1), NCOLS + 1)
            )
        })
        .collect();
    format!(
        "INSERT INTO responses ({COLUMNS}, contact_attributes) VALUES {}",
        values.join(",")
    )
}

impl Store {
    /// Every submission key of a survey's responses (tests and integrity checks).
    pub async fn submission_keys(
        &self,
        survey_id: i64,
    ) -> Result<std::collections::HashSet<String>> {
        Ok(
            sqlx::query_scalar("SELECT submission_key FROM responses WHERE survey_id = $1")
                .bind(survey_id)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .collect(),
        )
    }

    pub async fn count_responses(&self, survey_id: i64) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM responses WHERE survey_id = $1")
                .bind(survey_id)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    pub async fn response_by_uid(&self, org_id: i64, uid: &str) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM responses WHERE org_id = $1 AND uid = $2")
                .bind(org_id)
                .bind(uid)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Writes many responses directly in one transaction, with their aggregates (demo data,
    /// history imports, benchmarks), durably: stored on disk when this returns. Not for live
    /// traffic: it bypasses the writer's open-survey check and the submission-key conflict
    /// handling.
    pub async fn bulk_insert_responses(&self, rows: &[NewResponse]) -> Result<()> {
        self.bulk_insert(rows, true).await
    }

    /// [`Store::bulk_insert_responses`] for all but the last part of a long bulk load: just
    /// as atomic (responses and aggregates together, or neither), but the commit does not wait
    /// for the disk (SQLite `synchronous = NORMAL` in WAL mode, PostgreSQL
    /// `synchronous_commit = off`). A crash can lose such parts, never tear one, and the next
    /// durable commit — the load's last part, through `bulk_insert_responses` — makes them all
    /// durable, since both engines write their log in order.
    pub async fn bulk_insert_responses_deferred(&self, rows: &[NewResponse]) -> Result<()> {
        self.bulk_insert(rows, false).await
    }

    async fn bulk_insert(&self, rows: &[NewResponse], durable: bool) -> Result<()> {
        // 17 parameters a row, under SQLite's 32,766 and PostgreSQL's 65,535 per statement
        let per_stmt = match self.backend {
            Backend::Sqlite => 1_900,
            Backend::Postgres => 3_800,
        };
        let now = now_ms();
        let mut zones: HashMap<i64, jiff::tz::TimeZone> = HashMap::new();
        for r in rows {
            if let std::collections::hash_map::Entry::Vacant(e) = zones.entry(r.org_id) {
                e.insert(self.org_time_zone(r.org_id).await?);
            }
        }
        let full_sql = insert_rows_sql(self.backend, per_stmt);
        let backend = self.backend;
        let mut rollup = RollupBuilder::default();
        let mut conn = RelaxedConnection {
            conn: self.pool.acquire().await?,
            relaxed: false,
        };
        if !durable && self.backend == Backend::Sqlite {
            conn.relaxed = true;
            // and the log is copied into the database file every ~200 MB instead of every 4 MB:
            // pages that every part changes (indexes, aggregates) are written once per copy
            sqlx::raw_sql("PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 50000")
                .execute(&mut *conn.conn)
                .await?;
        }
        let mut tx = match self.backend {
            Backend::Sqlite => {
                sqlx::Connection::begin_with(&mut *conn.conn, "BEGIN IMMEDIATE").await?
            }
            Backend::Postgres => sqlx::Connection::begin(&mut *conn.conn).await?,
        };
        if !durable && self.backend == Backend::Postgres {
            sqlx::query("SET LOCAL synchronous_commit = off")
                .execute(&mut *tx)
                .await?;
        }
        // The contacts' attributes and the kept keys are read inside the transaction (on
        // PostgreSQL after a share lock on the surveys, which a change of the kept keys waits
        // for), so the stored attributes and the attribute histograms agree.
        let mut surveys: Vec<i64> = rows.iter().map(|r| r.survey_id).collect();
        surveys.sort_unstable();
        surveys.dedup();
        analytics::share_lock_surveys(&mut tx, self.backend, &surveys).await?;
        let contacts = contact_attributes(&mut tx, rows).await?;
        // Every id this insert gets is above a running recount's cursor (ids only grow, and on
        // PostgreSQL they are handed out after the share lock that holds chunks off), so its
        // rows count for the complete attributes; the recount's chunks count them for the
        // others (see crate::recount).
        let mut kept: HashMap<i64, Vec<String>> = HashMap::new();
        if !contacts.is_empty() {
            for org in zones.keys() {
                let counting = crate::recount::counting(&mut tx, backend, *org, true).await?;
                kept.insert(*org, counting.kept);
            }
        }
        let bind = |chunk| bind_rows(backend, &full_sql, per_stmt, chunk, &contacts, now);
        // What a chunk of rows adds to the aggregates.
        let add = |rollup: &mut RollupBuilder, chunk: &[NewResponse]| {
            for r in chunk {
                let day = local_day(r.submitted_at, &zones[&r.org_id]);
                let attributes = r.contact_id.and_then(|c| contacts.get(&c));
                let pairs = match (attributes, kept.get(&r.org_id)) {
                    (Some(text), Some(keys)) => kept_attributes(keys, Some(text)),
                    _ => Vec::new(),
                };
                rollup.add(
                    placement(
                        r.survey_id,
                        day,
                        (r.unit_id, r.touchpoint_id, r.channel_id),
                        &pairs,
                    ),
                    &r.facts,
                );
            }
        };
        if let Some(pg) = &self.pg
            && !rows.is_empty()
        {
            // PostgreSQL: the rows and their aggregates by COPY (`pg_copy`)
            let mut staging = crate::pg_copy::Staging::open(pg).await?;
            let loaded = staging
                .load(&mut tx, rows, &contacts, now, || {
                    let mut rollup = RollupBuilder::default();
                    add(&mut rollup, rows);
                    rollup.finish()
                })
                .await;
            let done = match loaded {
                Ok(()) => tx.commit().await.map_err(Into::into),
                Err(e) => {
                    let _ = tx.rollback().await;
                    Err(e)
                }
            };
            if done.is_err() {
                staging.discard().await;
            }
            return done;
        }
        // A pipeline: while the database runs one insert (on SQLite's worker thread, or in the
        // PostgreSQL server), this thread adds its rows to the aggregates and binds the next.
        let mut chunks = rows.chunks(per_stmt);
        let mut current = chunks.next().map(|c| (c, bind(c)));
        while let Some((chunk, q)) = current.take() {
            let mut insert = std::pin::pin!(q.execute(&mut *tx));
            // the first poll hands the statement to the database
            let started = std::future::poll_fn(|cx| Poll::Ready(insert.as_mut().poll(cx))).await;
            add(&mut rollup, chunk);
            current = chunks.next().map(|c| (c, bind(c)));
            match started {
                Poll::Ready(done) => done?,
                Poll::Pending => insert.await?,
            };
        }
        let rollup = rollup.finish();
        analytics::apply(&mut tx, self.backend, &rollup).await?;
        tx.commit().await?;
        if conn.relaxed {
            sqlx::raw_sql("PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 1000")
                .execute(&mut *conn.conn)
                .await?;
            conn.relaxed = false;
        }
        Ok(())
    }
}

/// The attributes (JSON text) of the contacts that `rows` name.
async fn contact_attributes(
    conn: &mut sqlx::AnyConnection,
    rows: &[NewResponse],
) -> Result<HashMap<i64, String>> {
    let mut ids: Vec<i64> = rows.iter().filter_map(|r| r.contact_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(1_000) {
        let found: Vec<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT id, attributes FROM contacts WHERE id IN ({})",
            crate::directory::id_list(chunk)
        )))
        .fetch_all(&mut *conn)
        .await?;
        out.extend(found);
    }
    Ok(out)
}

/// A pooled connection that may have SQLite's `synchronous` relaxed: closed rather than
/// returned to the pool unless it was restored, so no other write ever commits on it without
/// waiting for the disk.
struct RelaxedConnection {
    conn: sqlx::pool::PoolConnection<sqlx::Any>,
    relaxed: bool,
}

impl Drop for RelaxedConnection {
    fn drop(&mut self) {
        if self.relaxed {
            self.conn.close_on_drop();
        }
    }
}
