//! `rollups verify` in bounded memory: a survey's aggregates are compared with a recomputation
//! from its responses one chunk of whole months at a time.
//!
//! A chunk owns the day cells of its days, the month cells of its months and the week cells of
//! the weeks that start (Monday) in it. It reads the responses of its days and of the six days
//! after them (the rest of its last week), recomputes their cells with the writer's own
//! [`RollupBuilder`], keeps the cells it owns, and compares them with the stored cells it owns,
//! read in the same snapshot (a read transaction) so that responses written meanwhile by the
//! live writer appear on both sides or on neither. Chunks are planned from the stored day cells
//! and the responses per month, within [`VerifyLimits`] (a single month may hold more: a chunk
//! is at least a month).
//! The first chunk begins and the last one ends at the edge of time, so a response outside
//! every stored period is still counted.

use std::collections::{BTreeMap, HashMap};

use sqlx::{AnyConnection, Connection, Row};
use tevreden_domain::rollup::{
    AttrCountKey, AttributeCounting, CountKey, Grain, MomentKey, Rollup, RollupBuilder, RollupDiff,
    day_start_ms, diff, kept_attributes, local_day, month_first_day, month_of,
};
use tevreden_domain::survey::SurveyDefinition;

use crate::analytics::{RAW_COLUMNS, grain_of, placement, raw_page, stored_facts};
use crate::db::{Backend, Store};
use crate::error::Result;

/// How large a chunk of months may grow (a chunk is at least one month, however large).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifyLimits {
    /// Stored cells, estimated from the day cells.
    pub cells: usize,
    /// Responses.
    pub responses: i64,
}

impl Default for VerifyLimits {
    /// About 150,000 cells (some 60 MB for both sides) or 500,000 responses.
    fn default() -> Self {
        VerifyLimits {
            cells: 150_000,
            responses: 500_000,
        }
    }
}
/// Differing cells of each kind a check keeps to show (it counts them all).
pub const DIFF_SAMPLE: usize = 100;
/// Responses read per page.
const PAGE: i64 = 10_000;

/// What `rollups verify` found for one survey.
#[derive(Clone, Debug)]
pub struct RollupCheck {
    pub survey_id: i64,
    pub survey_key: String,
    pub responses: u64,
    /// The first differing cells of each kind (at most [`DIFF_SAMPLE`] each), oldest first.
    pub diff: RollupDiff,
    /// How many cells differ: histogram, attribute histogram, moment cells.
    pub differing: DiffCounts,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiffCounts {
    pub counts: usize,
    pub attr_counts: usize,
    pub moments: usize,
}

impl DiffCounts {
    pub fn total(&self) -> usize {
        self.counts + self.attr_counts + self.moments
    }
}

impl RollupCheck {
    /// The aggregates equal the responses.
    pub fn matches(&self) -> bool {
        self.differing.total() == 0
    }
}

/// How far a check is: chunks done of all, responses read so far.
#[derive(Clone, Copy, Debug)]
pub struct VerifyProgress {
    pub chunks_done: usize,
    pub chunks: usize,
    pub responses: u64,
}

/// Days far outside any calendar a survey has, for the open ends of the first and last chunk.
const NEVER: i32 = 100_000_000;

/// A chunk: the days `from..to` (local days), the months `from_month..to_month`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Chunk {
    from: i32,
    to: i32,
}

impl Chunk {
    fn bounds(self, grain: Grain) -> (i32, i32) {
        let open = |d: i32| d <= -NEVER || d >= NEVER;
        let map = |d: i32, f: &dyn Fn(i32) -> i32| if open(d) { d } else { f(d) };
        match grain {
            Grain::Day => (self.from, self.to),
            // the weeks whose Monday lies in the chunk: Monday of week w is day 7w − 3
            Grain::Week => (
                map(self.from, &|d| (d + 9).div_euclid(7)),
                map(self.to, &|d| (d + 9).div_euclid(7)),
            ),
            // chunks begin and end on the first day of a month
            Grain::Month => (map(self.from, &month_of), map(self.to, &month_of)),
        }
    }

    fn owns(self, grain: Grain, period: i32) -> bool {
        let (a, b) = self.bounds(grain);
        period >= a && period < b
    }
}

/// Splits the months into chunks of whole months: `cells` (estimated stored cells) and
/// `responses` per month. The first chunk begins, the last ends, at the edge of time.
fn plan(
    cells: &BTreeMap<i32, usize>,
    responses: &BTreeMap<i32, i64>,
    limits: VerifyLimits,
) -> Vec<Chunk> {
    let mut months: Vec<i32> = cells.keys().chain(responses.keys()).copied().collect();
    months.sort_unstable();
    months.dedup();
    let mut starts = Vec::new();
    let (mut c, mut r) = (0usize, 0i64);
    for m in months {
        let (mc, mr) = (
            cells.get(&m).copied().unwrap_or(0),
            responses.get(&m).copied().unwrap_or(0),
        );
        if !starts.is_empty() && (c + mc > limits.cells || r + mr > limits.responses) {
            starts.push(m);
            (c, r) = (0, 0);
        } else if starts.is_empty() {
            starts.push(m);
        }
        c += mc;
        r += mr;
    }
    let mut out = Vec::with_capacity(starts.len().max(1));
    for (i, _) in starts.iter().enumerate() {
        let from = if i == 0 {
            -NEVER
        } else {
            month_first_day(starts[i])
        };
        let to = match starts.get(i + 1) {
            Some(m) => month_first_day(*m),
            None => NEVER,
        };
        out.push(Chunk { from, to });
    }
    if out.is_empty() {
        out.push(Chunk {
            from: -NEVER,
            to: NEVER,
        });
    }
    out
}

/// Keeps at most [`DIFF_SAMPLE`] of each kind, counting all.
fn add_diff(into: &mut RollupDiff, counts: &mut DiffCounts, d: RollupDiff) {
    counts.counts += d.counts.len();
    counts.attr_counts += d.attr_counts.len();
    counts.moments += d.moments.len();
    fn keep<T>(into: &mut Vec<T>, more: Vec<T>) {
        let room = DIFF_SAMPLE.saturating_sub(into.len());
        into.extend(more.into_iter().take(room));
    }
    keep(&mut into.counts, d.counts);
    keep(&mut into.attr_counts, d.attr_counts);
    keep(&mut into.moments, d.moments);
}

impl Store {
    /// Compares one survey's stored aggregates with a recomputation from its raw responses,
    /// chunk by chunk (see the module's documentation), telling `progress` after each chunk.
    pub async fn verify_rollup_with_progress(
        &self,
        survey_id: i64,
        survey_key: String,
        limits: VerifyLimits,
        progress: &(dyn Fn(VerifyProgress) + Send + Sync),
    ) -> Result<RollupCheck> {
        let org_id = self.survey_org(survey_id).await?;
        let tz = self.org_time_zone(org_id).await?;
        let defs = self.survey_definitions(survey_id).await?;
        let mut conn = self.pool.acquire().await?;
        let chunks = self.plan_chunks(&mut conn, survey_id, &tz, limits).await?;
        let prefixes = Prefixes::read(&mut conn, survey_id).await?;
        let mut check = RollupCheck {
            survey_id,
            survey_key,
            responses: 0,
            diff: RollupDiff::default(),
            differing: DiffCounts::default(),
        };
        progress(VerifyProgress {
            chunks_done: 0,
            chunks: chunks.len(),
            responses: 0,
        });
        for (i, chunk) in chunks.iter().enumerate() {
            // one snapshot for both sides of the chunk
            let mut tx = match self.backend {
                Backend::Sqlite => conn.begin_with("BEGIN").await?,
                Backend::Postgres => {
                    conn.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                        .await?
                }
            };
            // which attributes count which response, in the same snapshot (a recount may move
            // between chunks, and add attribute values)
            let counting = crate::recount::counting(&mut tx, self.backend, org_id, false).await?;
            let fresh;
            let prefixes = if counting.busy() {
                let mut read = Prefixes::read(&mut tx, survey_id).await?;
                // rows of a dropped attribute wait to be deleted: nothing counts them any more
                read.attributes
                    .retain(|(_, a, _)| !counting.dropping.contains(a));
                fresh = read;
                &fresh
            } else {
                &prefixes
            };
            let stored = stored_chunk(&mut tx, survey_id, prefixes, *chunk).await?;
            let (recomputed, n) = self
                .recompute_chunk(&mut tx, survey_id, &defs, &counting, &tz, *chunk)
                .await?;
            tx.rollback().await?;
            check.responses += n;
            add_diff(
                &mut check.diff,
                &mut check.differing,
                diff(&stored, &recomputed),
            );
            progress(VerifyProgress {
                chunks_done: i + 1,
                chunks: chunks.len(),
                responses: check.responses,
            });
        }
        Ok(check)
    }

    /// The chunks of a survey: stored day cells and responses counted per month.
    async fn plan_chunks(
        &self,
        conn: &mut AnyConnection,
        survey_id: i64,
        tz: &jiff::tz::TimeZone,
        limits: VerifyLimits,
    ) -> Result<Vec<Chunk>> {
        let mut cells: BTreeMap<i32, usize> = BTreeMap::new();
        // a day cell comes with about one week and one month cell (moments: one month cell)
        for (table, factor) in [
            ("agg_counts", 3),
            ("agg_attr_counts", 3),
            ("agg_moments", 2),
        ] {
            let rows: Vec<(i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT period, COUNT(*) FROM {table} WHERE survey_id = $1 AND grain = 0 GROUP BY period"
            )))
            .bind(survey_id)
            .fetch_all(&mut *conn)
            .await?;
            for (day, n) in rows {
                *cells.entry(month_of(day as i32)).or_insert(0) += n as usize * factor;
            }
        }
        let mut responses: BTreeMap<i32, i64> = BTreeMap::new();
        let span: (Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT MIN(submitted_at), MAX(submitted_at) FROM responses WHERE survey_id = $1",
        )
        .bind(survey_id)
        .fetch_one(&mut *conn)
        .await?;
        if let (Some(first), Some(last)) = span {
            let (first, last) = (
                month_of(local_day(first, tz)),
                month_of(local_day(last, tz)),
            );
            for m in first..=last {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM responses WHERE survey_id = $1 AND submitted_at >= $2 AND submitted_at < $3",
                )
                .bind(survey_id)
                .bind(day_start_ms(month_first_day(m), tz))
                .bind(day_start_ms(month_first_day(m + 1), tz))
                .fetch_one(&mut *conn)
                .await?;
                if n > 0 {
                    responses.insert(m, n);
                }
            }
        }
        Ok(plan(&cells, &responses, limits))
    }

    /// The cells a chunk owns, recomputed from the responses of its days (and the six after
    /// them, for its last week), with how many responses of its own days were counted.
    async fn recompute_chunk(
        &self,
        conn: &mut AnyConnection,
        survey_id: i64,
        defs: &HashMap<i64, Option<SurveyDefinition>>,
        counting: &AttributeCounting,
        tz: &jiff::tz::TimeZone,
        chunk: Chunk,
    ) -> Result<(Rollup, u64)> {
        let since = if chunk.from <= -NEVER {
            i64::MIN
        } else {
            day_start_ms(chunk.from, tz)
        };
        let until = if chunk.to >= NEVER {
            i64::MAX
        } else {
            day_start_ms(chunk.to + 6, tz)
        };
        let rows_sql = "SELECT r.* FROM responses r WHERE r.survey_id = $1 AND r.submitted_at >= $2 \
             AND r.submitted_at < $3 AND (r.submitted_at > $4 OR (r.submitted_at = $4 AND r.id > $5)) \
             ORDER BY r.submitted_at, r.id LIMIT $6";
        let sql = crate::export::packed_page_sql(self.backend, &RAW_COLUMNS, rows_sql);
        let mut builder = RollupBuilder::default();
        let mut counted = 0u64;
        let mut cursor = (i64::MIN, i64::MIN);
        loop {
            let text: Option<String> = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(survey_id)
                .bind(since)
                .bind(until)
                .bind(cursor.0)
                .bind(cursor.1)
                .bind(PAGE)
                .fetch_one(&mut *conn)
                .await?
                .try_get(0)?;
            let mut rows = raw_page(&text.unwrap_or_default())?;
            // the aggregate need not keep the subquery's order
            rows.sort_unstable_by_key(|r| (r.submitted_at, r.id));
            let Some(last) = rows.last() else { break };
            cursor = (last.submitted_at, last.id);
            for r in &rows {
                let Some(Some(def)) = defs.get(&r.version_id) else {
                    continue;
                };
                let day = local_day(r.submitted_at, tz);
                if chunk.owns(Grain::Day, day) {
                    counted += 1;
                }
                let facts = stored_facts(def, &r.answers);
                let pairs =
                    kept_attributes(counting.keys_for(r.id), r.contact_attributes.as_deref());
                let context = (Some(r.unit_id), Some(r.touchpoint_id), Some(r.channel_id));
                builder.add(placement(survey_id, day, context, &pairs), &facts);
            }
            if (rows.len() as i64) < PAGE {
                break;
            }
        }
        let mut rollup = builder.finish();
        rollup.counts.retain(|k, _| chunk.owns(k.grain, k.period));
        rollup
            .attr_counts
            .retain(|k, _| chunk.owns(k.grain, k.period));
        rollup.moments.retain(|k, _| chunk.owns(k.grain, k.period));
        rollup.sets.clear();
        Ok((rollup, counted))
    }
}

/// The key prefixes the stored cells of a survey have (histograms: questions; attribute
/// histograms: question, attribute and value), found by skipping along the primary key, so
/// that a chunk's cells are read by ranges of that key instead of scanning the survey's cells.
struct Prefixes {
    questions: Vec<String>,
    attributes: Vec<(String, String, String)>,
}

impl Prefixes {
    async fn read(conn: &mut AnyConnection, survey_id: i64) -> Result<Prefixes> {
        // every question id and attribute is longer than "": the first step finds the first
        let mut questions: Vec<String> = Vec::new();
        loop {
            let after = questions.last().map(String::as_str).unwrap_or("");
            let next: Option<String> = sqlx::query_scalar(
                "SELECT question FROM agg_counts WHERE survey_id = $1 AND question > $2 \
                 ORDER BY question LIMIT 1",
            )
            .bind(survey_id)
            .bind(after)
            .fetch_optional(&mut *conn)
            .await?;
            let Some(q) = next else { break };
            questions.push(q);
        }
        let mut attributes: Vec<(String, String, String)> = Vec::new();
        loop {
            let (q, a, v) = attributes
                .last()
                .map(|(q, a, v)| (q.as_str(), a.as_str(), v.as_str()))
                .unwrap_or(("", "", ""));
            let next: Option<(String, String, String)> = sqlx::query_as(
                "SELECT question, attribute, attribute_value FROM agg_attr_counts WHERE survey_id = $1 \
                 AND (question, attribute, attribute_value) > ($2, $3, $4) \
                 ORDER BY question, attribute, attribute_value LIMIT 1",
            )
            .bind(survey_id)
            .bind(q)
            .bind(a)
            .bind(v)
            .fetch_optional(&mut *conn)
            .await?;
            let Some(next) = next else { break };
            attributes.push(next);
        }
        Ok(Prefixes {
            questions,
            attributes,
        })
    }
}

/// The stored cells a chunk owns.
async fn stored_chunk(
    conn: &mut AnyConnection,
    survey_id: i64,
    prefixes: &Prefixes,
    chunk: Chunk,
) -> Result<Rollup> {
    let mut rollup = Rollup::default();
    for grain in Grain::ALL {
        let (from, to) = chunk.bounds(grain);
        for question in &prefixes.questions {
            let rows = sqlx::query(
                "SELECT period, unit_id, touchpoint_id, channel_id, value, n FROM agg_counts \
                 WHERE survey_id = $1 AND question = $2 AND grain = $3 AND period >= $4 AND period < $5",
            )
            .bind(survey_id)
            .bind(question.as_str())
            .bind(grain.code())
            .bind(i64::from(from))
            .bind(i64::from(to))
            .fetch_all(&mut *conn)
            .await?;
            for r in &rows {
                let key = CountKey {
                    survey_id,
                    question: question.clone(),
                    grain,
                    period: r.try_get::<i64, _>(0)? as i32,
                    unit_id: r.try_get(1)?,
                    touchpoint_id: r.try_get(2)?,
                    channel_id: r.try_get(3)?,
                    value: r.try_get(4)?,
                };
                rollup.counts.insert(key, r.try_get(5)?);
            }
        }
        for (question, attribute, attribute_value) in &prefixes.attributes {
            let rows = sqlx::query(
                "SELECT period, unit_id, value, n FROM agg_attr_counts WHERE survey_id = $1 AND question = $2 \
                 AND attribute = $3 AND attribute_value = $4 AND grain = $5 AND period >= $6 AND period < $7",
            )
            .bind(survey_id)
            .bind(question.as_str())
            .bind(attribute.as_str())
            .bind(attribute_value.as_str())
            .bind(grain.code())
            .bind(i64::from(from))
            .bind(i64::from(to))
            .fetch_all(&mut *conn)
            .await?;
            for r in &rows {
                let key = AttrCountKey {
                    survey_id,
                    question: question.clone(),
                    attribute: attribute.clone(),
                    attribute_value: attribute_value.clone(),
                    grain,
                    period: r.try_get::<i64, _>(0)? as i32,
                    unit_id: r.try_get(1)?,
                    value: r.try_get(2)?,
                };
                rollup.attr_counts.insert(key, r.try_get(3)?);
            }
        }
        let rows = sqlx::query(
            "SELECT grain, period, unit_id, set_hash, i, j, s FROM agg_moments \
             WHERE survey_id = $1 AND grain = $2 AND period >= $3 AND period < $4",
        )
        .bind(survey_id)
        .bind(grain.code())
        .bind(i64::from(from))
        .bind(i64::from(to))
        .fetch_all(&mut *conn)
        .await?;
        for r in &rows {
            let key = MomentKey {
                survey_id,
                grain: grain_of(r.try_get(0)?)?,
                period: r.try_get::<i64, _>(1)? as i32,
                unit_id: r.try_get(2)?,
                set_hash: r.try_get(3)?,
                i: r.try_get::<i64, _>(4)? as i32,
                j: r.try_get::<i64, _>(5)? as i32,
            };
            rollup.moments.insert(key, r.try_get(6)?);
        }
    }
    Ok(rollup)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tevreden_domain::rollup::{day_of_date, week_of};

    fn day(y: i16, m: i8, d: i8) -> i32 {
        day_of_date(jiff::civil::Date::new(y, m, d).unwrap())
    }

    #[test]
    fn chunks_cover_all_time_in_whole_months_and_own_each_cell_once() {
        // two months of 100,000 estimated cells and one of ten: two chunks (the default limit
        // is 150,000)
        let cells: BTreeMap<i32, usize> = [(24_310, 100_000), (24_311, 100_000), (24_312, 10)]
            .into_iter()
            .collect();
        let chunks = plan(&cells, &BTreeMap::new(), VerifyLimits::default());
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[0].from, -NEVER);
        assert_eq!(chunks[0].to, month_first_day(24_311));
        assert_eq!(chunks[1].to, NEVER);
        // every day, week and month from 2025 to 2027 is owned by exactly one chunk
        for d in day(2025, 1, 1)..day(2027, 12, 31) {
            for grain in Grain::ALL {
                let p = grain.period_of(d);
                let owners = chunks.iter().filter(|c| c.owns(grain, p)).count();
                assert_eq!(owners, 1, "{grain:?} {p}");
            }
        }
        // a week across the boundary (Monday 2025-10-27 … Sunday 2025-11-02) belongs to the
        // chunk of its Monday
        let monday = day(2025, 10, 27);
        assert_eq!(month_of(monday), 24_309);
        let boundary = Chunk {
            from: month_first_day(24_310),
            to: NEVER,
        };
        assert!(!boundary.owns(Grain::Week, week_of(monday)));
        assert!(boundary.owns(Grain::Week, week_of(day(2025, 11, 3))));
        // responses alone plan chunks too
        let responses: BTreeMap<i32, i64> = (24_300..24_306).map(|m| (m, 300_000)).collect();
        assert_eq!(
            plan(&BTreeMap::new(), &responses, VerifyLimits::default()).len(),
            6
        );
        assert_eq!(
            plan(&BTreeMap::new(), &BTreeMap::new(), VerifyLimits::default()).len(),
            1
        );
    }
}
