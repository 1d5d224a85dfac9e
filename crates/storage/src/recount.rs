//! Recounting the attribute histograms when the kept contact attributes change.
//!
//! Choosing the kept attributes used to recount every response in the transaction that chose
//! them, and new responses waited for it (about two minutes at 10 M). Now the choice is written
//! at once ([`Store::set_kept_attributes`]): attributes no longer kept are dropped, new ones are
//! counted by [`Store::recount_step`] in chunks of ascending response id, each chunk its own
//! short transaction, while the writer goes on. The rule that makes every response count exactly
//! once for every attribute, whoever counts it, is
//! [`tevreden_domain::rollup::AttributeCounting`]; the locking that makes the rule hold:
//!
//! * The writer and the bulk path read the counting state inside their transaction, after their
//!   insert (PostgreSQL: `FOR SHARE` of the organisation's row); a chunk and a new choice lock
//!   that row for update (SQLite: the write lock). So a response is counted by its writer with
//!   the cursor it saw, and a chunk commits its cursor only over responses whose writers have
//!   finished.
//! * A chunk reads and counts its responses outside the lock, then, under it, checks that the
//!   state is unchanged and that its id range still holds the same number of responses (a
//!   PostgreSQL writer may commit an id inside the range late; then the chunk is read again).
//! * The tail (fewer than a chunk's responses left) is read and counted under the lock, and the
//!   same transaction makes the chosen attributes the kept ones: results switch from raw reads
//!   to the aggregates in one commit.
//! * Response ids only grow (nothing deletes responses); deleting responses would have to lower
//!   cursors above the new highest id.
//!
//! * Dropping an attribute takes it out of `kept_attributes` at once (nothing reads or counts
//!   it after that commit); its rows are deleted by the same background chunks, 1,000 per
//!   transaction, before any counting, so an attribute dropped and chosen again is counted from
//!   nothing.
//!
//! A recount resumes where its cursor stands after a restart ([`Store::start_recounts`] looks
//! for unfinished ones every few seconds, so another node's choice is picked up too).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::AnyConnection;
use tevreden_domain::rollup::{
    AttributeCounting, Rollup, RollupBuilder, kept_attributes, local_day,
};
use tevreden_domain::survey::{SurveyDefinition, parse_survey_value};

use crate::RawRow;
use crate::accounts::Actor;
use crate::analytics::{RAW_COLUMNS, apply, placement, raw_page, stored_facts};
use crate::db::{Backend, Store, now_ms};
use crate::error::Result;
use crate::error::StoreError;
use crate::ingest::native::RecountChunk;

/// Responses in a recount's first chunk: a chunk's lock is held for its upserts (and, at the
/// tail, its reads).
pub const RECOUNT_CHUNK: i64 = 500;
/// Chunks adapt their size (between these) so that each holds the write lock about
/// [`LOCK_TARGET`] while responses arrive (a response arriving meanwhile waits at most that),
/// and about [`IDLE_LOCK_TARGET`] while none do (the recount then goes as fast as it can).
const CHUNK_MIN: i64 = 25;
const CHUNK_MAX: i64 = 20_000;
const LOCK_TARGET: Duration = Duration::from_millis(4);
const IDLE_LOCK_TARGET: Duration = Duration::from_millis(100);
/// Histogram rows of a dropped attribute deleted per transaction.
const DROP_CHUNK: i64 = 1_000;
/// The shortest pause between two background chunks (each pauses at least as long as it held
/// the write lock), so that the writer's batches get the lock between them.
const PAUSE: Duration = Duration::from_millis(2);
/// How long choosing attributes counts in the request before it leaves the rest to the
/// background: small organisations see complete results when the page returns.
const INLINE: Duration = Duration::from_secs(2);

/// A running recount, for the dashboard's notice and the API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecountStatus {
    /// The attributes being added, not yet read from the aggregates.
    pub adding: Vec<String>,
    /// The response id the recount has reached, and the highest id when it started.
    pub after: i64,
    pub until: i64,
    /// When it started (Unix ms).
    pub started_at: i64,
}

impl RecountStatus {
    /// How far it is, 0–100 (by response id: an estimate when organisations share the ids).
    pub fn percent(&self) -> u8 {
        if self.until <= 0 {
            return 100;
        }
        ((self.after.min(self.until) as f64 / self.until as f64) * 100.0).floor() as u8
    }
}

/// What choosing the kept attributes did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeptChange {
    /// The attributes results read from the aggregates now.
    pub kept: Vec<String>,
    /// Responses counted for the added attributes before returning.
    pub recounted: u64,
    /// The recount still running in the background, if any.
    pub recounting: Option<RecountStatus>,
}

/// One chunk's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecountStep {
    /// No recount runs for the organisation.
    Idle,
    /// Counted this many responses (0: the state changed meanwhile; try again).
    Counted(u64),
    /// Counted this many and switched the chosen attributes over: the recount is done.
    Finished(u64),
    /// Deleted this many histogram rows of a dropped attribute.
    Deleted(u64),
}

/// The background task that finishes recounts.
#[derive(Default)]
pub(crate) struct Recounts {
    wake: tokio::sync::Notify,
    task: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Recounts {
    pub(crate) fn stop(&self) {
        if let Some(task) = self.task.lock().unwrap_or_else(|e| e.into_inner()).take() {
            task.abort();
        }
    }
}

/// The organisation's counting state, read on `conn` inside the caller's transaction; with
/// `share` on PostgreSQL the organisation's row is share-locked, so no chunk or new choice
/// commits until the caller does.
pub(crate) async fn counting(
    conn: &mut AnyConnection,
    backend: Backend,
    org_id: i64,
    share: bool,
) -> std::result::Result<AttributeCounting, sqlx::Error> {
    let lock = if share && backend == Backend::Postgres {
        " FOR SHARE"
    } else {
        ""
    };
    let row: Option<CountingRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COUNTING_COLUMNS} FROM orgs WHERE id = $1{lock}"
    )))
    .bind(org_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(counting_of).unwrap_or_default())
}

/// The columns of `orgs` that hold an organisation's counting state, in [`CountingRow`]
/// order (also read by the native SQLite writer).
pub(crate) const COUNTING_COLUMNS: &str =
    "kept_attributes, recount_attributes, recount_after, recount_dropping";

/// kept, chosen, after, dropping as stored.
pub(crate) type CountingRow = (String, Option<String>, i64, Option<String>);

/// The counting state of a stored [`CountingRow`].
pub(crate) fn counting_of((kept, chosen, after, dropping): CountingRow) -> AttributeCounting {
    AttributeCounting {
        kept: keys(Some(&kept)),
        chosen: chosen.map(|c| keys(Some(&c))),
        after,
        dropping: keys(dropping.as_deref()),
    }
}

/// PostgreSQL: locks the organisation's row for update in the caller's transaction, so that no
/// writer counts its responses (they share-lock it) and no other chunk or choice runs until
/// the caller commits. SQLite's write lock does this already.
pub(crate) async fn lock_org(
    conn: &mut AnyConnection,
    backend: Backend,
    org_id: i64,
) -> std::result::Result<(), sqlx::Error> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT id FROM orgs WHERE id = $1 FOR UPDATE")
            .bind(org_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A JSON array of attribute keys (none when unreadable).
pub(crate) fn keys(text: Option<&str>) -> Vec<String> {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default()
}

/// Writes a counting state (and, for a new recount, where it has to go).
async fn store_counting(
    conn: &mut AnyConnection,
    org_id: i64,
    c: &AttributeCounting,
    until: Option<i64>,
) -> std::result::Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE orgs SET kept_attributes = $1, recount_attributes = $2, recount_after = $3, \
         recount_until = COALESCE($4, recount_until), \
         recount_started_at = CASE WHEN $5 THEN $6 ELSE recount_started_at END, \
         recount_dropping = $8 WHERE id = $7",
    )
    .bind(serde_json::json!(c.kept).to_string())
    .bind(c.chosen.as_ref().map(|k| serde_json::json!(k).to_string()))
    .bind(c.after)
    .bind(until)
    .bind(until.is_some())
    .bind(now_ms())
    .bind(org_id)
    .bind((!c.dropping.is_empty()).then(|| serde_json::json!(c.dropping).to_string()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What one run of an organisation's recount keeps between its chunks: the survey versions of
/// the organisation (version id → its survey and definition, `None`: does not parse), its time
/// zone and surveys (read once per run), where deleting a dropped attribute's rows has got to
/// (survey, question), the time under the lock and the next chunk's size.
#[derive(Default)]
pub(crate) struct RecountRun {
    versions: Arc<HashMap<i64, (i64, Option<SurveyDefinition>)>>,
    zone: Option<jiff::tz::TimeZone>,
    surveys: Option<Vec<i64>>,
    dropping: Option<(i64, String)>,
    /// Time spent holding the write lock so far.
    locked: Duration,
    /// Responses in the next chunk (0: [`RECOUNT_CHUNK`]).
    size: i64,
}

impl RecountRun {
    /// Counts the time a chunk of `size` held the lock, and sizes the next one to hold it
    /// about `target` at the same cost per response (growing at most twofold a chunk).
    fn adapt(&mut self, size: i64, held: Duration, target: Duration) {
        self.locked += held;
        let per_response = held.as_secs_f64() / size.max(1) as f64;
        let fits = (target.as_secs_f64() / per_response.max(1e-9)) as i64;
        self.size = fits.min(size.saturating_mul(2)).clamp(CHUNK_MIN, CHUNK_MAX);
    }

    async fn load(&mut self, store: &Store, org_id: i64) -> Result<()> {
        let rows: Vec<(i64, i64, String)> = sqlx::query_as(
            "SELECT v.id, v.survey_id, v.definition FROM survey_versions v JOIN surveys s ON s.id = v.survey_id \
             WHERE s.org_id = $1",
        )
        .bind(org_id)
        .fetch_all(&store.pool)
        .await?;
        self.versions = Arc::new(
            rows.into_iter()
                .map(|(id, survey_id, text)| {
                    let def = serde_json::from_str(&text)
                        .ok()
                        .and_then(|v| parse_survey_value(&v).ok())
                        .map(|p| p.definition);
                    (id, (survey_id, def))
                })
                .collect(),
        );
        Ok(())
    }
}

/// Responses of the organisation with contact attributes and an id above `after`, at most
/// `limit`, in id order. (`org_id + 0`: read along the primary key, not sorted from the
/// organisation index.)
async fn chunk_rows(
    conn: &mut AnyConnection,
    backend: Backend,
    org_id: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<RawRow>> {
    let rows = "SELECT r.* FROM responses r WHERE (r.org_id + 0) = $1 AND r.id > $2 \
                AND r.contact_attributes IS NOT NULL ORDER BY r.id LIMIT $3";
    let sql = crate::export::packed_page_sql(backend, &RAW_COLUMNS, rows);
    let text: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(org_id)
        .bind(after)
        .bind(limit)
        .fetch_one(&mut *conn)
        .await?;
    let mut out = raw_page(&text.unwrap_or_default())?;
    out.sort_unstable_by_key(|r| r.id);
    Ok(out)
}

impl Store {
    /// The organisation's running recount, if any.
    pub async fn attribute_recount(&self, org_id: i64) -> Result<Option<RecountStatus>> {
        /// a [`CountingRow`], then until and started_at
        type StatusRow = (
            String,
            Option<String>,
            i64,
            Option<String>,
            i64,
            Option<i64>,
        );
        let row: Option<StatusRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COUNTING_COLUMNS}, recount_until, recount_started_at FROM orgs WHERE id = $1"
        )))
        .bind(org_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some((kept, chosen, after, dropping, until, started_at)) = row else {
            return Ok(None);
        };
        let counting = counting_of((kept, chosen, after, dropping));
        Ok(counting.recounting().then(|| RecountStatus {
            adding: counting.adding(),
            after,
            until,
            started_at: started_at.unwrap_or(0),
        }))
    }

    /// Chooses the contact attributes the organisation keeps in the aggregates (keys as
    /// checked by [`tevreden_domain::rollup::kept_attribute_keys`]). Attributes no longer chosen
    /// leave the aggregates at once; new ones are counted from the attributes stored with each
    /// response, first here for up to two seconds, then by the background task (see the
    /// module's documentation). New responses are stored meanwhile.
    pub async fn set_kept_attributes(
        &self,
        org_id: i64,
        keys: &[String],
        actor: &Actor,
    ) -> Result<KeptChange> {
        self.set_kept_attributes_counting(org_id, keys, actor, INLINE)
            .await
    }

    /// [`Store::set_kept_attributes`], counting for `inline` (at least one chunk) before it
    /// returns.
    pub async fn set_kept_attributes_counting(
        &self,
        org_id: i64,
        keys: &[String],
        actor: &Actor,
        inline: Duration,
    ) -> Result<KeptChange> {
        let mut tx = self.begin_write().await?;
        lock_org(&mut tx, self.backend, org_id).await?;
        let before = counting(&mut tx, self.backend, org_id, false).await?;
        // dropped attributes' rows are deleted by the background chunks too: nothing reads or
        // counts them meanwhile
        let change = before.choose(keys);
        // a recount that starts (again) has its cursor at 0; one that goes on keeps its end
        let until = if change.counting.recounting() && change.counting.after == 0 {
            Some(
                sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM responses")
                    .fetch_one(&mut *tx)
                    .await?
                    .unwrap_or(0),
            )
        } else {
            None
        };
        store_counting(&mut tx, org_id, &change.counting, until).await?;
        crate::accounts::insert_audit(
            &mut tx,
            &crate::accounts::NewAudit {
                org_id,
                actor,
                action: "kept_attributes.set",
                object_type: "org",
                object_key: "kept_attributes",
                before: Some(serde_json::json!(
                    before.chosen.as_ref().unwrap_or(&before.kept)
                )),
                after: Some(serde_json::json!(keys)),
            },
        )
        .await?;
        tx.commit().await?;
        let (recounted, _) = self.recount_org(org_id, Some(inline)).await?;
        let recounting = self.attribute_recount(org_id).await?;
        self.recounts.wake.notify_one();
        Ok(KeptChange {
            kept: self.kept_attributes(org_id).await?,
            recounted,
            recounting,
        })
    }

    /// Counts the next chunk of an organisation's running recount (see the module's
    /// documentation); `defs` caches the organisation's survey versions between chunks.
    pub(crate) async fn recount_step(
        &self,
        org_id: i64,
        defs: &mut RecountRun,
    ) -> Result<RecountStep> {
        let mut conn = self.pool.acquire().await?;
        let seen = counting(&mut conn, self.backend, org_id, false).await?;
        drop(conn);
        if let Some(attribute) = seen.dropping.first() {
            return self.drop_step(org_id, attribute, defs).await;
        }
        if !seen.recounting() {
            return Ok(RecountStep::Idle);
        }
        let size = if defs.size == 0 {
            RECOUNT_CHUNK
        } else {
            defs.size
        };
        let tz = match &defs.zone {
            Some(tz) => tz.clone(),
            None => defs.zone.insert(self.org_time_zone(org_id).await?).clone(),
        };
        let mut conn = self.pool.acquire().await?;
        let early = chunk_rows(&mut conn, self.backend, org_id, seen.after, size).await?;
        drop(conn);
        let adding = seen.adding();
        let whole = early.len() as i64 == size;
        let (early, early_rollup) = if whole {
            let (rows, rollup) = self.count_chunk(org_id, defs, &adding, &tz, early).await?;
            (rows, Some(rollup))
        } else {
            (early, None)
        };

        let early_rollup = match early_rollup {
            // SQLite's native writer writes a whole chunk between two of its batches, on its
            // thread: nothing else waits for a thread hop while the write lock is held
            Some(rollup) if self.ingest.takes_recounts => {
                let chunk = RecountChunk {
                    org_id,
                    seen: seen.clone(),
                    after: seen.after,
                    last: early.last().map_or(seen.after, |r| r.id),
                    rows: early.len() as i64,
                    rollup,
                };
                let done =
                    self.ingest.recount(chunk).await.ok_or_else(|| {
                        StoreError::Internal("the ingest writer has stopped".into())
                    })?;
                let done = done.map_err(|e| {
                    StoreError::Internal(format!("writing a recount chunk failed: {e}"))
                })?;
                if !done.written {
                    return Ok(RecountStep::Counted(0));
                }
                defs.adapt(size, done.held, self.lock_target());
                return Ok(RecountStep::Counted(early.len() as u64));
            }
            other => other,
        };

        let _turn = self.write_turn().await;
        let locked = Instant::now();
        let mut tx = self.begin_write().await?;
        lock_org(&mut tx, self.backend, org_id).await?;
        if counting(&mut tx, self.backend, org_id, false).await? != seen {
            tx.rollback().await?;
            return Ok(RecountStep::Counted(0));
        }
        let (rows, rollup) = match early_rollup {
            Some(rollup) => {
                // every response of the range is there now, and was when it was read
                let last = early.last().map_or(seen.after, |r| r.id);
                let now: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM responses WHERE (org_id + 0) = $1 AND id > $2 AND id <= $3 \
                     AND contact_attributes IS NOT NULL",
                )
                .bind(org_id)
                .bind(seen.after)
                .bind(last)
                .fetch_one(&mut *tx)
                .await?;
                if now != early.len() as i64 {
                    tx.rollback().await?;
                    return Ok(RecountStep::Counted(0));
                }
                (early, rollup)
            }
            None => {
                // the tail, read again under the lock: nothing can join it until the commit
                let rows = chunk_rows(&mut tx, self.backend, org_id, seen.after, size).await?;
                self.count_chunk(org_id, defs, &adding, &tz, rows).await?
            }
        };
        apply(&mut tx, self.backend, &rollup).await?;
        let counted = rows.len() as u64;
        let step = if (rows.len() as i64) < size {
            store_counting(&mut tx, org_id, &seen.finished(), None).await?;
            crate::accounts::insert_audit(
                &mut tx,
                &crate::accounts::NewAudit {
                    org_id,
                    actor: &crate::accounts::Actor::System,
                    action: "kept_attributes.recounted",
                    object_type: "org",
                    object_key: "kept_attributes",
                    before: Some(serde_json::json!(seen.kept)),
                    after: Some(serde_json::json!(seen.finished().kept)),
                },
            )
            .await?;
            RecountStep::Finished(counted)
        } else {
            let moved = AttributeCounting {
                after: rows.last().map_or(seen.after, |r| r.id),
                ..seen
            };
            store_counting(&mut tx, org_id, &moved, None).await?;
            RecountStep::Counted(counted)
        };
        tx.commit().await?;
        defs.adapt(size, locked.elapsed(), self.lock_target());
        Ok(step)
    }

    /// How long a chunk may hold the write lock: short turns while responses arrive.
    fn lock_target(&self) -> Duration {
        if self.ingest.busy() {
            LOCK_TARGET
        } else {
            IDLE_LOCK_TARGET
        }
    }

    /// A turn at SQLite's write lock, queued with the writer's batches (see
    /// [`crate::ingest::WriteGate`]); nothing on PostgreSQL.
    async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.gate {
            Some(g) => Some(g.lock().await),
            None => None,
        }
    }

    /// Deletes up to [`DROP_CHUNK`] histogram rows of a dropped attribute, one (survey,
    /// question) after another along the primary key (the cursor in `defs` is the last clean
    /// question; after a restart the clean ones cost a seek each); once every survey of the
    /// organisation has none left, the attribute leaves `dropping`.
    async fn drop_step(
        &self,
        org_id: i64,
        attribute: &str,
        defs: &mut RecountRun,
    ) -> Result<RecountStep> {
        if defs.surveys.is_none() {
            // surveys created during the run have no rows of a dropped attribute
            defs.surveys = Some(
                sqlx::query_scalar("SELECT id FROM surveys WHERE org_id = $1 ORDER BY id")
                    .bind(org_id)
                    .fetch_all(&self.pool)
                    .await?,
            );
        }
        let surveys = defs.surveys.clone().unwrap_or_default();
        let (mut survey, mut question) = defs.dropping.take().unwrap_or((0, String::new()));
        let from = survey;
        for &s in surveys.iter().filter(|&&s| s >= from) {
            if s != survey {
                (survey, question) = (s, String::new());
            }
            loop {
                // the next question of this survey with attribute rows (a seek, not a scan)
                let next: Option<String> = sqlx::query_scalar(
                    "SELECT question FROM agg_attr_counts WHERE survey_id = $1 AND question > $2 \
                     ORDER BY question LIMIT 1",
                )
                .bind(survey)
                .bind(question.as_str())
                .fetch_optional(&self.pool)
                .await?;
                let Some(next) = next else { break };
                let _turn = self.write_turn().await;
                let locked = Instant::now();
                let mut tx = self.begin_write().await?;
                let deleted = sqlx::query(
                    "DELETE FROM agg_attr_counts WHERE (survey_id, question, attribute, attribute_value, grain, period, unit_id, value) IN \
                     (SELECT survey_id, question, attribute, attribute_value, grain, period, unit_id, value FROM agg_attr_counts \
                      WHERE survey_id = $1 AND question = $2 AND attribute = $3 LIMIT $4)",
                )
                .bind(survey)
                .bind(next.as_str())
                .bind(attribute)
                .bind(DROP_CHUNK)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                defs.locked += locked.elapsed();
                if deleted as i64 == DROP_CHUNK {
                    // more of this question next time (the cursor is the last clean one)
                    defs.dropping = Some((survey, question));
                    return Ok(RecountStep::Deleted(deleted));
                }
                question = next;
                if deleted > 0 {
                    defs.dropping = Some((survey, question));
                    return Ok(RecountStep::Deleted(deleted));
                }
            }
        }
        // every survey is clean
        let _turn = self.write_turn().await;
        let mut tx = self.begin_write().await?;
        lock_org(&mut tx, self.backend, org_id).await?;
        let now = counting(&mut tx, self.backend, org_id, false).await?;
        store_counting(&mut tx, org_id, &now.dropped(attribute), None).await?;
        tx.commit().await?;
        defs.dropping = None;
        Ok(RecountStep::Deleted(0))
    }

    /// The attribute histograms of `rows` for the attributes being added, computed on a
    /// blocking thread (parsing the answers of a chunk would hold up request handling on the
    /// runtime's workers). Gives the rows back.
    async fn count_chunk(
        &self,
        org_id: i64,
        defs: &mut RecountRun,
        adding: &[String],
        tz: &jiff::tz::TimeZone,
        rows: Vec<RawRow>,
    ) -> Result<(Vec<RawRow>, Rollup)> {
        if rows
            .iter()
            .any(|r| !defs.versions.contains_key(&r.version_id))
        {
            defs.load(self, org_id).await?;
        }
        let versions = Arc::clone(&defs.versions);
        let adding = adding.to_vec();
        let tz = tz.clone();
        let counted = tokio::task::spawn_blocking(move || {
            let mut builder = RollupBuilder::default();
            for r in &rows {
                let Some((survey_id, Some(def))) = versions.get(&r.version_id) else {
                    continue;
                };
                let pairs = kept_attributes(&adding, r.contact_attributes.as_deref());
                if pairs.is_empty() {
                    continue;
                }
                let facts = stored_facts(def, &r.answers);
                let day = local_day(r.submitted_at, &tz);
                let context = (Some(r.unit_id), Some(r.touchpoint_id), Some(r.channel_id));
                builder.add(placement(*survey_id, day, context, &pairs), &facts);
            }
            let rollup = Rollup {
                attr_counts: builder.finish().attr_counts,
                ..Rollup::default()
            };
            (rows, rollup)
        })
        .await
        .map_err(|e| crate::error::StoreError::Internal(format!("counting a chunk failed: {e}")))?;
        Ok(counted)
    }

    /// Counts an organisation's recount chunk after chunk until it is done, or until `budget`
    /// has passed (in the background: no budget, a short pause between chunks). Returns the
    /// responses counted and whether it is done.
    pub async fn recount_org(&self, org_id: i64, budget: Option<Duration>) -> Result<(u64, bool)> {
        let mut defs = RecountRun::default();
        let start = Instant::now();
        let mut counted = 0;
        let mut chunks = 0u32;
        loop {
            let locked_before = defs.locked;
            match self.recount_step(org_id, &mut defs).await? {
                RecountStep::Idle => return Ok((counted, true)),
                RecountStep::Finished(n) => {
                    tracing::info!(
                        org_id,
                        responses = counted + n,
                        chunks,
                        seconds = start.elapsed().as_secs_f64(),
                        locked_ms = defs.locked.as_millis() as u64,
                        "kept attributes recounted"
                    );
                    return Ok((counted + n, true));
                }
                RecountStep::Counted(n) => counted += n,
                RecountStep::Deleted(_) => {}
            }
            chunks += 1;
            match budget {
                Some(b) if start.elapsed() >= b => return Ok((counted, false)),
                Some(_) => {}
                // while responses arrive: as long as the chunk held the lock, at least PAUSE,
                // so the writer gets at least half of the time; otherwise on at once
                None if self.ingest.busy() => {
                    tokio::time::sleep(PAUSE.max(defs.locked - locked_before)).await
                }
                None => tokio::task::yield_now().await,
            }
        }
    }

    /// Starts the background task that finishes every organisation's recount (once per store;
    /// the server calls it). It looks for unfinished recounts at once, when a choice leaves one
    /// running, and every five seconds.
    pub fn start_recounts(&self) {
        let mut task = self.recounts.task.lock().unwrap_or_else(|e| e.into_inner());
        if task.is_some() {
            return;
        }
        let store = self.clone();
        let recounts = Arc::clone(&self.recounts);
        *task = Some(tokio::spawn(async move {
            loop {
                if let Err(e) = store.recount_all().await {
                    tracing::warn!(error = %e, "recounting the kept attributes failed; trying again");
                }
                tokio::select! {
                    _ = recounts.wake.notified() => {}
                    _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                }
            }
        }));
    }

    /// Finishes every organisation's running recount.
    pub async fn recount_all(&self) -> Result<()> {
        let orgs: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM orgs WHERE recount_attributes IS NOT NULL OR recount_dropping IS NOT NULL ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        for org in orgs {
            self.recount_org(org, None).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The next chunk holds the lock about the target at the last chunk's cost per response,
    /// grows at most twofold, and stays within [CHUNK_MIN, CHUNK_MAX]; the time is counted.
    #[test]
    fn chunks_are_sized_from_the_lock_time_per_response() {
        let ms = Duration::from_millis;
        let mut run = RecountRun::default();
        // 500 responses in 165 ms (330 µs each): 4 ms fits 12, so the smallest chunk
        run.adapt(500, ms(165), LOCK_TARGET);
        assert_eq!(run.size, CHUNK_MIN);
        assert_eq!(run.locked, ms(165));
        // 100 responses in 2 ms (20 µs each): 4 ms would fit 200, but growth is at most twofold
        run.adapt(100, ms(2), LOCK_TARGET);
        assert_eq!(run.size, 200);
        // 1,000 in 4 ms: exactly the target, unchanged
        run.adapt(1_000, ms(4), LOCK_TARGET);
        assert_eq!(run.size, 1_000);
        // idle: 100 ms at 5 µs a response would be 20,000; twofold first, then the ceiling
        run.adapt(10_000, ms(50), IDLE_LOCK_TARGET);
        assert_eq!(run.size, 20_000);
        run.adapt(20_000, ms(10), IDLE_LOCK_TARGET);
        assert_eq!(run.size, CHUNK_MAX);
        // a chunk that held no measurable time does not divide by zero
        run.adapt(25, Duration::ZERO, LOCK_TARGET);
        assert_eq!(run.size, 50);
        assert_eq!(run.locked, ms(165 + 2 + 4 + 50 + 10));
    }
}
