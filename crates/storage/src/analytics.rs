//! Analytics aggregates: kept in the writer's transaction, read by dashboards, verified and
//! rebuilt from raw responses.
//!
//! The sums themselves are computed by [`tevreden_domain::rollup`]; this module adds them to
//! the tables (`INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`, keys in sorted order so
//! concurrent PostgreSQL writers lock rows in the same order) and reads them back.
// A new question kind must be decided on at every match here: no wildcard arms over enums.
#![deny(clippy::wildcard_enum_match_arm)]

use std::collections::HashMap;

use jiff::tz::TimeZone;
use sqlx::{AnyConnection, Row};
use tevreden_domain::rollup::{
    AnswerFacts, AttributeCounting, Grain, Placement, Rollup, RollupBuilder, answer_facts,
    kept_attributes, local_day,
};
use tevreden_domain::survey::{SurveyDefinition, parse_survey_value, stored_answers};

use crate::db::{Backend, Store};
use crate::error::{Result, StoreError};
use crate::ingest::{AnyQuery, placeholders};
use crate::responses::ResponseFilter;
use crate::verify::RollupCheck;

/// Rows per upsert statement (at most 9 parameters each; well under both engines' limits).
const UPSERT_ROWS: usize = 1_000;

/// The organisations' time zones, looked up once per writer.
#[derive(Default)]
pub(crate) struct Zones(HashMap<i64, TimeZone>);

impl Zones {
    pub(crate) async fn get(
        &mut self,
        conn: &mut AnyConnection,
        org_id: i64,
    ) -> std::result::Result<TimeZone, sqlx::Error> {
        if let Some(tz) = self.0.get(&org_id) {
            return Ok(tz.clone());
        }
        let name: Option<String> = sqlx::query_scalar("SELECT time_zone FROM orgs WHERE id = $1")
            .bind(org_id)
            .fetch_optional(&mut *conn)
            .await?;
        let tz = zone(name.as_deref());
        self.0.insert(org_id, tz.clone());
        Ok(tz)
    }
}

/// The named zone, or Europe/Amsterdam when the name is unknown.
pub(crate) fn zone(name: Option<&str>) -> TimeZone {
    name.and_then(|n| TimeZone::get(n).ok())
        .or_else(|| TimeZone::get("Europe/Amsterdam").ok())
        .unwrap_or(TimeZone::UTC)
}

/// One stored response's place in the aggregates: its survey, local day, (unit, touchpoint,
/// channel) and kept contact attributes.
pub(crate) fn placement(
    survey_id: i64,
    day: i32,
    (unit, touchpoint, channel): (Option<i64>, Option<i64>, Option<i64>),
    attributes: &[(String, String)],
) -> Placement<'_> {
    Placement {
        survey_id,
        day,
        unit_id: unit.unwrap_or(0),
        touchpoint_id: touchpoint.unwrap_or(0),
        channel_id: channel.unwrap_or(0),
        attributes,
    }
}

/// PostgreSQL: share-locks the given surveys (sorted ids) for the caller's transaction, so a
/// change of the kept attribute keys, which locks them for update, is wholly before or after
/// it. SQLite's write lock already serialises the two.
pub(crate) async fn share_lock_surveys(
    conn: &mut AnyConnection,
    backend: Backend,
    surveys: &[i64],
) -> std::result::Result<(), sqlx::Error> {
    if backend != Backend::Postgres {
        return Ok(());
    }
    for ids in surveys.chunks(1_000) {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM surveys WHERE id IN ({}) ORDER BY id FOR SHARE",
            crate::directory::id_list(ids)
        )))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// One aggregate table's upsert: `INSERT INTO {into} VALUES (…) ON CONFLICT {on_conflict}`,
/// `cols` values a row. Shared by [`apply`] and the native SQLite writer
/// (`ingest::native`), so both write the same rows.
pub(crate) struct Upsert {
    pub(crate) into: &'static str,
    pub(crate) on_conflict: &'static str,
    pub(crate) cols: usize,
}

pub(crate) const COUNTS: Upsert = Upsert {
    into: "agg_counts (survey_id, question, grain, period, unit_id, touchpoint_id, channel_id, value, n)",
    on_conflict: "(survey_id, question, grain, period, unit_id, touchpoint_id, channel_id, value) \
         DO UPDATE SET n = agg_counts.n + excluded.n",
    cols: 9,
};

pub(crate) const ATTR_COUNTS: Upsert = Upsert {
    into: "agg_attr_counts (survey_id, question, attribute, attribute_value, grain, period, unit_id, value, n)",
    on_conflict: "(survey_id, question, attribute, attribute_value, grain, period, unit_id, value) \
         DO UPDATE SET n = agg_attr_counts.n + excluded.n",
    cols: 9,
};

pub(crate) const MOMENTS: Upsert = Upsert {
    into: "agg_moments (survey_id, grain, period, unit_id, set_hash, i, j, s)",
    on_conflict: "(survey_id, grain, period, unit_id, set_hash, i, j) \
         DO UPDATE SET s = agg_moments.s + excluded.s",
    cols: 8,
};

pub(crate) const SETS: Upsert = Upsert {
    into: "agg_sets (survey_id, set_hash, questions)",
    on_conflict: "(survey_id, set_hash) DO NOTHING",
    cols: 3,
};

/// Adds a rollup to the aggregate tables on `conn` (inside the caller's transaction).
pub(crate) async fn apply(
    conn: &mut AnyConnection,
    backend: Backend,
    rollup: &Rollup,
) -> std::result::Result<(), sqlx::Error> {
    upsert(conn, backend, &COUNTS, rollup.counts.iter(), |q, (k, n)| {
        q.bind(k.survey_id)
            .bind(k.question.as_str())
            .bind(k.grain.code())
            .bind(i64::from(k.period))
            .bind(k.unit_id)
            .bind(k.touchpoint_id)
            .bind(k.channel_id)
            .bind(k.value)
            .bind(*n)
    })
    .await?;
    upsert(
        conn,
        backend,
        &ATTR_COUNTS,
        rollup.attr_counts.iter(),
        |q, (k, n)| {
            q.bind(k.survey_id)
                .bind(k.question.as_str())
                .bind(k.attribute.as_str())
                .bind(k.attribute_value.as_str())
                .bind(k.grain.code())
                .bind(i64::from(k.period))
                .bind(k.unit_id)
                .bind(k.value)
                .bind(*n)
        },
    )
    .await?;
    upsert(
        conn,
        backend,
        &MOMENTS,
        rollup.moments.iter(),
        |q, (k, s)| {
            q.bind(k.survey_id)
                .bind(k.grain.code())
                .bind(i64::from(k.period))
                .bind(k.unit_id)
                .bind(k.set_hash)
                .bind(i64::from(k.i))
                .bind(i64::from(k.j))
                .bind(*s)
        },
    )
    .await?;
    upsert(
        conn,
        backend,
        &SETS,
        rollup.sets.iter(),
        |q, ((survey, hash), questions)| q.bind(*survey).bind(*hash).bind(questions.as_str()),
    )
    .await
}

/// `INSERT INTO {table} VALUES (…),(…) ON CONFLICT {on_conflict}` for every row, in statements
/// of [`UPSERT_ROWS`] rows of `cols` parameters, each row bound by `bind`.
async fn upsert<'r, T: 'r>(
    conn: &mut AnyConnection,
    backend: Backend,
    spec: &Upsert,
    rows: impl Iterator<Item = T>,
    bind: impl Fn(AnyQuery<'r>, T) -> AnyQuery<'r>,
) -> std::result::Result<(), sqlx::Error> {
    let Upsert {
        into: table,
        on_conflict,
        cols,
    } = *spec;
    let rows: Vec<T> = rows.collect();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<T> = rows.by_ref().take(UPSERT_ROWS).collect();
        let values = rows_sql(backend, chunk.len(), cols);
        let sql = format!("INSERT INTO {table} VALUES {values} ON CONFLICT {on_conflict}");
        let q = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(keep_prepared(chunk.len()));
        chunk.into_iter().fold(q, &bind).execute(&mut *conn).await?;
    }
    Ok(())
}

/// ` AND unit_id IN (…)` for a unit filter: ids from our own tables, written as integer
/// literals (no parameter limit applies); nothing without a filter; an empty filter matches
/// nothing.
fn units_sql(units: Option<&[i64]>) -> String {
    match units {
        None => String::new(),
        Some([]) => " AND unit_id IN (-1)".to_string(),
        Some(u) => format!(
            " AND unit_id IN ({})",
            u.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
        ),
    }
}

/// Small statements and full-size chunks (whose text repeats) stay prepared; one-off sizes do
/// not fill the statement cache.
fn keep_prepared(rows: usize) -> bool {
    rows <= 64 || rows == UPSERT_ROWS
}

/// `(…),(…)` for `rows` rows of `cols` placeholders.
fn rows_sql(backend: Backend, rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|i| format!("({})", placeholders(backend, 1 + i * cols, cols)))
        .collect::<Vec<_>>()
        .join(",")
}

/// One histogram row as read for a query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CountRow {
    pub period: i32,
    pub unit_id: i64,
    pub touchpoint_id: i64,
    pub channel_id: i64,
    pub value: i64,
    pub n: i64,
}

/// What a histogram read keeps apart besides the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistogramSplit<'a> {
    Nothing,
    Period,
    Unit,
    Touchpoint,
    Channel,
    /// The values of this kept contact attribute (responses without it are not read).
    Attribute(&'a str),
}

/// One summed histogram cell: `key` is the period or the unit, touchpoint or channel id of
/// the split (0 when not split); `attribute_value` the attribute's value of an attribute split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistogramSum {
    pub key: i64,
    pub value: i64,
    pub n: i64,
    pub attribute_value: Option<String>,
}

/// Which cells a histogram read sums.
#[derive(Clone, Copy, Debug)]
pub struct HistogramAsk<'a> {
    pub survey_id: i64,
    pub question: &'a str,
    pub grain: Grain,
    pub from: i32,
    pub to: i32,
    /// Only these units (`None`: all, including responses without a unit).
    pub units: Option<&'a [i64]>,
    /// With `units`: also responses at these touchpoints, whatever their unit (a unit's
    /// scorecard counts the touchpoints it owns or influences).
    pub or_touchpoints: Option<&'a [i64]>,
    pub touchpoint: Option<i64>,
    pub channel: Option<i64>,
    /// Only responses whose contact had this (kept) attribute value: read from the attribute
    /// histograms, which keep no touchpoint or channel (so neither may be asked for with it).
    /// With an attribute split, it must be the split's attribute.
    pub attribute: Option<(&'a str, &'a str)>,
    pub split: HistogramSplit<'a>,
}

/// One raw response as the raw path reads it.
#[derive(Clone, Debug)]
pub struct RawRow {
    pub id: i64,
    pub version_id: i64,
    pub unit_id: i64,
    pub touchpoint_id: i64,
    pub channel_id: i64,
    pub employee_id: i64,
    pub answers: String,
    pub submitted_at: i64,
    /// The contact's attributes as stored with the response (JSON), if any.
    pub contact_attributes: Option<String>,
}

/// The columns of a [`RawRow`] in a packed page (see [`crate::export::packed_page_sql`]).
pub(crate) const RAW_COLUMNS: [&str; 9] = [
    "r.id",
    "r.version_id",
    "r.unit_id",
    "r.touchpoint_id",
    "r.channel_id",
    "r.employee_id",
    "r.answers",
    "r.submitted_at",
    "r.contact_attributes",
];

/// The rows of a packed page of [`RAW_COLUMNS`], in the page's order.
pub(crate) fn raw_page(text: &str) -> Result<Vec<RawRow>> {
    let int = |f: &std::ops::Range<usize>| -> Result<i64> {
        Ok(crate::export::packed_int(text, f)?.unwrap_or(0))
    };
    crate::export::packed_records::<9>(text)?
        .into_iter()
        .map(|f| {
            Ok(RawRow {
                id: int(&f[0])?,
                version_id: int(&f[1])?,
                unit_id: int(&f[2])?,
                touchpoint_id: int(&f[3])?,
                channel_id: int(&f[4])?,
                employee_id: int(&f[5])?,
                answers: text[f[6].clone()].to_string(),
                submitted_at: int(&f[7])?,
                // a NULL and an empty text both read as empty: neither names an attribute
                contact_attributes: Some(text[f[8].clone()].to_string()).filter(|t| !t.is_empty()),
            })
        })
        .collect()
}

/// One moment row summed over a query's periods: per unit and answered set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MomentRow {
    pub unit_id: i64,
    pub set_hash: i64,
    pub i: i32,
    pub j: i32,
    pub s: i64,
}

impl Store {
    /// Histogram rows of one aggregate key at one grain for periods `from..=to`, optionally for
    /// one touchpoint and/or channel.
    #[allow(clippy::too_many_arguments)]
    pub async fn histogram_rows(
        &self,
        survey_id: i64,
        question: &str,
        grain: Grain,
        from: i32,
        to: i32,
        touchpoint: Option<i64>,
        channel: Option<i64>,
    ) -> Result<Vec<CountRow>> {
        let mut sql = String::from(
            "SELECT period, unit_id, touchpoint_id, channel_id, value, n FROM agg_counts \
             WHERE survey_id = $1 AND question = $2 AND grain = $3 AND period >= $4 AND period <= $5",
        );
        let mut next = 6;
        if touchpoint.is_some() {
            sql.push_str(&format!(" AND touchpoint_id = ${next}"));
            next += 1;
        }
        if channel.is_some() {
            sql.push_str(&format!(" AND channel_id = ${next}"));
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(survey_id)
            .bind(question)
            .bind(grain.code())
            .bind(i64::from(from))
            .bind(i64::from(to));
        if let Some(t) = touchpoint {
            q = q.bind(t);
        }
        if let Some(c) = channel {
            q = q.bind(c);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(CountRow {
                    period: r.try_get::<i64, _>(0)? as i32,
                    unit_id: r.try_get(1)?,
                    touchpoint_id: r.try_get(2)?,
                    channel_id: r.try_get(3)?,
                    value: r.try_get(4)?,
                    n: r.try_get(5)?,
                })
            })
            .collect::<std::result::Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Sums histogram cells in the database, split by period or one context column: a query
    /// over a year returns a few hundred rows whatever the number of responses.
    pub async fn histogram_sums(&self, ask: &HistogramAsk<'_>) -> Result<Vec<HistogramSum>> {
        let key = match ask.split {
            HistogramSplit::Nothing => "0",
            HistogramSplit::Period => "period",
            HistogramSplit::Unit => "unit_id",
            HistogramSplit::Touchpoint => "touchpoint_id",
            HistogramSplit::Channel => "channel_id",
            HistogramSplit::Attribute(_) => "attribute_value",
        };
        let split_attribute = match ask.split {
            HistogramSplit::Attribute(a) => Some(a),
            HistogramSplit::Nothing
            | HistogramSplit::Period
            | HistogramSplit::Unit
            | HistogramSplit::Touchpoint
            | HistogramSplit::Channel => None,
        };
        if (ask.attribute.is_some() || split_attribute.is_some())
            && (ask.touchpoint.is_some()
                || ask.channel.is_some()
                || ask.or_touchpoints.is_some()
                || matches!(
                    ask.split,
                    HistogramSplit::Touchpoint | HistogramSplit::Channel
                ))
        {
            // The services ask the raw responses for these (`Filter::needs_raw`).
            return Err(StoreError::internal(
                "the attribute histograms keep no touchpoint or channel",
            ));
        }
        let mut sql = format!(
            "SELECT {id}, value, CAST(SUM(n) AS BIGINT), {text} FROM {table} \
             WHERE survey_id = $1 AND question = $2 AND grain = $3 AND period >= $4 AND period <= $5",
            id = if split_attribute.is_some() { "0" } else { key },
            text = if split_attribute.is_some() {
                "attribute_value"
            } else {
                "CAST(NULL AS TEXT)"
            },
            table = if ask.attribute.is_some() || split_attribute.is_some() {
                "agg_attr_counts"
            } else {
                "agg_counts"
            }
        );
        let mut next = 6;
        if ask.attribute.is_some() {
            sql.push_str(&format!(
                " AND attribute = ${next} AND attribute_value = ${}",
                next + 1
            ));
            next += 2;
        } else if split_attribute.is_some() {
            sql.push_str(&format!(" AND attribute = ${next}"));
            next += 1;
        }
        if ask.touchpoint.is_some() {
            sql.push_str(&format!(" AND touchpoint_id = ${next}"));
            next += 1;
        }
        if ask.channel.is_some() {
            sql.push_str(&format!(" AND channel_id = ${next}"));
        }
        match (ask.units, ask.or_touchpoints) {
            (Some(units), Some(tps)) if !tps.is_empty() => {
                let list =
                    |ids: &[i64]| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
                sql.push_str(&format!(
                    " AND (unit_id IN ({}) OR touchpoint_id IN ({}))",
                    if units.is_empty() {
                        "-1".into()
                    } else {
                        list(units)
                    },
                    list(tps)
                ));
            }
            _ => sql.push_str(&units_sql(ask.units)),
        }
        if ask.split == HistogramSplit::Nothing {
            sql.push_str(" GROUP BY value");
        } else {
            sql.push_str(&format!(" GROUP BY {key}, value"));
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(ask.survey_id)
            .bind(ask.question)
            .bind(ask.grain.code())
            .bind(i64::from(ask.from))
            .bind(i64::from(ask.to));
        if let Some((key, value)) = ask.attribute {
            q = q.bind(key).bind(value);
        } else if let Some(key) = split_attribute {
            q = q.bind(key);
        }
        if let Some(t) = ask.touchpoint {
            q = q.bind(t);
        }
        if let Some(c) = ask.channel {
            q = q.bind(c);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(HistogramSum {
                    key: r.try_get(0)?,
                    value: r.try_get(1)?,
                    n: r.try_get(2)?,
                    attribute_value: r.try_get(3)?,
                })
            })
            .collect::<std::result::Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// One page (by id, after `after`) of raw responses for a filter the aggregates do not
    /// keep, and the last id read (`None`: nothing left). The page is read as one packed value
    /// (see [`crate::export`]): row-by-row reads cost a thread hand-off each on SQLite.
    pub async fn raw_rows(
        &self,
        survey_id: i64,
        filter: &ResponseFilter<'_>,
        after: i64,
        limit: i64,
    ) -> Result<(Vec<RawRow>, Option<i64>)> {
        self.raw_rows_where(survey_id, filter, "", after, limit)
            .await
    }

    /// [`Store::raw_rows`] with a further condition on `responses r` (SQL from our own code,
    /// never user text).
    async fn raw_rows_where(
        &self,
        survey_id: i64,
        filter: &ResponseFilter<'_>,
        condition: &str,
        after: i64,
        limit: i64,
    ) -> Result<(Vec<RawRow>, Option<i64>)> {
        let rows = format!(
            "SELECT r.* FROM responses r WHERE r.survey_id = $1 AND r.id > $7{}{condition} ORDER BY r.id LIMIT $4",
            filter.conditions(self.backend)
        );
        let sql = crate::export::packed_page_sql(self.backend, &RAW_COLUMNS, &rows);
        let text: Option<String> = filter
            .bind(sqlx::query(sqlx::AssertSqlSafe(sql)), survey_id, limit)
            .bind(after)
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        let mut out = raw_page(&text.unwrap_or_default())?;
        // the aggregate need not keep the subquery's order
        out.sort_unstable_by_key(|r| r.id);
        let last = out.last().map(|r| r.id);
        Ok((out, last))
    }

    /// The first and last day with answers to one aggregate key (`None` without answers).
    pub async fn histogram_days(
        &self,
        survey_id: i64,
        question: &str,
    ) -> Result<Option<(i32, i32)>> {
        let row: (Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT MIN(period), MAX(period) FROM agg_counts WHERE survey_id = $1 AND question = $2 AND grain = 0",
        )
        .bind(survey_id)
        .bind(question)
        .fetch_one(&self.pool)
        .await?;
        Ok(match row {
            (Some(a), Some(b)) => Some((a as i32, b as i32)),
            _ => None,
        })
    }

    /// The local days (organisation time zone) of a survey's first and last stored response
    /// (`None` without responses): the range of measures counted from the responses.
    pub async fn response_days(&self, survey_id: i64) -> Result<Option<(i32, i32)>> {
        let row: (Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT MIN(submitted_at), MAX(submitted_at) FROM responses WHERE survey_id = $1",
        )
        .bind(survey_id)
        .fetch_one(&self.pool)
        .await?;
        let (Some(a), Some(b)) = row else {
            return Ok(None);
        };
        let org_id = self.survey_by_id(survey_id).await?.org_id;
        let tz = self.org_time_zone(org_id).await?;
        Ok(Some((
            tevreden_domain::rollup::local_day(a, &tz),
            tevreden_domain::rollup::local_day(b, &tz),
        )))
    }

    /// Moment rows at one grain for periods `from..=to` of the given units (`None`: all),
    /// summed per answered set (`unit_id` is 0 in the answer).
    pub async fn moment_rows(
        &self,
        survey_id: i64,
        grain: Grain,
        from: i32,
        to: i32,
        units: Option<&[i64]>,
    ) -> Result<Vec<MomentRow>> {
        let unit_filter = units_sql(units);
        let sql = format!(
            "SELECT 0, set_hash, i, j, CAST(SUM(s) AS BIGINT) FROM agg_moments \
             WHERE survey_id = $1 AND grain = $2 AND period >= $3 AND period <= $4{unit_filter} \
             GROUP BY set_hash, i, j"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(survey_id)
            .bind(grain.code())
            .bind(i64::from(from))
            .bind(i64::from(to))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(MomentRow {
                    unit_id: r.try_get(0)?,
                    set_hash: r.try_get(1)?,
                    i: r.try_get::<i64, _>(2)? as i32,
                    j: r.try_get::<i64, _>(3)? as i32,
                    s: r.try_get(4)?,
                })
            })
            .collect::<std::result::Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// The answered sets of a survey: hash → question ids in order.
    pub async fn moment_sets(&self, survey_id: i64) -> Result<HashMap<i64, Vec<String>>> {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT set_hash, questions FROM agg_sets WHERE survey_id = $1")
                .bind(survey_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(h, q)| (h, q.split(',').map(str::to_owned).collect()))
            .collect())
    }

    /// The organisation's time zone (Europe/Amsterdam unless set).
    pub async fn org_time_zone(&self, org_id: i64) -> Result<TimeZone> {
        let name: Option<String> = sqlx::query_scalar("SELECT time_zone FROM orgs WHERE id = $1")
            .bind(org_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(zone(name.as_deref()))
    }

    /// Recomputes one survey's aggregates from its raw responses.
    pub async fn recompute_rollup(&self, survey_id: i64) -> Result<(Rollup, u64)> {
        let org_id = self.survey_org(survey_id).await?;
        let mut conn = self.pool.acquire().await?;
        let counting = crate::recount::counting(&mut conn, self.backend, org_id, false).await?;
        drop(conn);
        self.recompute_rollup_keeping(survey_id, org_id, &counting, "")
            .await
    }

    /// Every version's definition of a survey, by version id (`None`: one that does not parse).
    pub(crate) async fn survey_definitions(
        &self,
        survey_id: i64,
    ) -> Result<HashMap<i64, Option<SurveyDefinition>>> {
        let mut defs = HashMap::new();
        for (id, text) in sqlx::query_as::<_, (i64, String)>(
            "SELECT id, definition FROM survey_versions WHERE survey_id = $1",
        )
        .bind(survey_id)
        .fetch_all(&self.pool)
        .await?
        {
            let def = serde_json::from_str(&text)
                .ok()
                .and_then(|v| parse_survey_value(&v).ok())
                .map(|p| p.definition);
            defs.insert(id, def);
        }
        Ok(defs)
    }

    pub(crate) async fn survey_org(&self, survey_id: i64) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT org_id FROM surveys WHERE id = $1")
                .bind(survey_id)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// [`Store::recompute_rollup`] counting the attributes `counting` says, over the responses that
    /// match `condition` (SQL on `responses r`, `""` for all; from our own code, never user
    /// text). Responses are read in packed pages, as the raw results path reads them.
    async fn recompute_rollup_keeping(
        &self,
        survey_id: i64,
        org_id: i64,
        counting: &AttributeCounting,
        condition: &str,
    ) -> Result<(Rollup, u64)> {
        let tz = self.org_time_zone(org_id).await?;
        let defs = self.survey_definitions(survey_id).await?;
        let mut rollup = RollupBuilder::default();
        let mut after = 0i64;
        let mut responses = 0u64;
        let all = ResponseFilter::default();
        loop {
            let (rows, last) = self
                .raw_rows_where(survey_id, &all, condition, after, 20_000)
                .await?;
            let Some(last) = last else { break };
            after = last;
            for r in rows {
                let Some(Some(def)) = defs.get(&r.version_id) else {
                    continue;
                };
                let facts = stored_facts(def, &r.answers);
                let day = local_day(r.submitted_at, &tz);
                let keys = counting.keys_for(r.id);
                let pairs = kept_attributes(keys, r.contact_attributes.as_deref());
                let context = (Some(r.unit_id), Some(r.touchpoint_id), Some(r.channel_id));
                rollup.add(placement(survey_id, day, context, &pairs), &facts);
                responses += 1;
            }
        }
        Ok((rollup.finish(), responses))
    }

    /// Removes a contact's attributes from the responses it gave, and those responses from the
    /// attribute histograms, inside the caller's write transaction.
    pub(crate) async fn forget_contact_attributes(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        org_id: i64,
        contact_id: i64,
    ) -> Result<()> {
        let surveys: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT survey_id FROM responses WHERE contact_id = $1 AND contact_attributes IS NOT NULL ORDER BY survey_id",
        )
        .bind(contact_id)
        .fetch_all(&mut **tx)
        .await?;
        if surveys.is_empty() {
            return Ok(());
        }
        share_lock_surveys(tx, self.backend, &surveys).await?;
        let counting = crate::recount::counting(&mut *tx, self.backend, org_id, true).await?;
        if counting.chosen.is_some() || !counting.kept.is_empty() {
            for survey_id in surveys {
                let (rollup, _) = self
                    .recompute_rollup_keeping(
                        survey_id,
                        org_id,
                        &counting,
                        &format!(" AND r.contact_id = {contact_id}"),
                    )
                    .await?;
                let minus = Rollup {
                    attr_counts: rollup
                        .attr_counts
                        .into_iter()
                        .map(|(k, n)| (k, -n))
                        .collect(),
                    ..Rollup::default()
                };
                apply(&mut *tx, self.backend, &minus).await?;
                sqlx::query("DELETE FROM agg_attr_counts WHERE survey_id = $1 AND n = 0")
                    .bind(survey_id)
                    .execute(&mut **tx)
                    .await?;
            }
        }
        sqlx::query("UPDATE responses SET contact_attributes = NULL WHERE contact_id = $1")
            .bind(contact_id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// The contact attribute keys kept in the aggregates by a survey's organisation.
    pub async fn survey_kept_attributes(&self, survey_id: i64) -> Result<Vec<String>> {
        let text: Option<String> = sqlx::query_scalar(
            "SELECT o.kept_attributes FROM surveys s JOIN orgs o ON o.id = s.org_id WHERE s.id = $1",
        )
        .bind(survey_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(crate::recount::keys(text.as_deref()))
    }

    /// The attribute keys of the organisation's newest 10,000 contacts, each with how many of
    /// them have it, most common first: what could be kept in the aggregates.
    pub async fn contact_attribute_keys(&self, org_id: i64) -> Result<Vec<(String, i64)>> {
        let newest =
            "SELECT attributes FROM contacts WHERE org_id = $1 ORDER BY id DESC LIMIT 10000";
        let sql = match self.backend {
            Backend::Sqlite => format!(
                "SELECT a.key, COUNT(*) FROM ({newest}) c, json_each(c.attributes) a \
                 GROUP BY a.key ORDER BY COUNT(*) DESC, a.key"
            ),
            Backend::Postgres => format!(
                "SELECT k, CAST(COUNT(*) AS BIGINT) FROM ({newest}) c, \
                 jsonb_object_keys(CAST(c.attributes AS jsonb)) k GROUP BY k ORDER BY COUNT(*) DESC, k"
            ),
        };
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(org_id)
            .fetch_all(&self.pool)
            .await?)
    }

    /// The contact attribute keys the organisation keeps in the aggregates.
    pub async fn kept_attributes(&self, org_id: i64) -> Result<Vec<String>> {
        let text: Option<String> =
            sqlx::query_scalar("SELECT kept_attributes FROM orgs WHERE id = $1")
                .bind(org_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(crate::recount::keys(text.as_deref()))
    }

    /// Compares every survey's (or one survey's) stored aggregates with a recomputation from
    /// its raw responses.
    pub async fn verify_rollups(&self, survey_id: Option<i64>) -> Result<Vec<RollupCheck>> {
        let mut out = Vec::new();
        for (id, key) in self.rollup_surveys(None, survey_id).await? {
            out.push(self.verify_rollup(id, key).await?);
        }
        Ok(out)
    }

    /// Compares one survey's stored aggregates with a recomputation from its raw responses,
    /// in chunks of whole months (see [`crate::verify`]).
    pub async fn verify_rollup(&self, survey_id: i64, survey_key: String) -> Result<RollupCheck> {
        self.verify_rollup_with_progress(survey_id, survey_key, Default::default(), &|_| {})
            .await
    }

    /// Replaces one survey's aggregates with a recomputation from its raw responses, in one
    /// transaction that also holds the writer and attribute recounts off (SQLite's write lock;
    /// on PostgreSQL the survey row, which the writer's insert takes a share lock on, and the
    /// organisation's row, which recount chunks lock).
    pub async fn rebuild_rollup(&self, survey_id: i64) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT id FROM surveys WHERE id = $1 FOR UPDATE")
                .bind(survey_id)
                .execute(&mut *tx)
                .await?;
        }
        // and no recount chunk moves the attributes' cursor meanwhile
        let org_id = self.survey_org(survey_id).await?;
        crate::recount::lock_org(&mut tx, self.backend, org_id).await?;
        let counting = crate::recount::counting(&mut tx, self.backend, org_id, false).await?;
        let (rollup, responses) = self
            .recompute_rollup_keeping(survey_id, org_id, &counting, "")
            .await?;
        for table in ["agg_counts", "agg_attr_counts", "agg_moments", "agg_sets"] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE survey_id = $1"
            )))
            .bind(survey_id)
            .execute(&mut *tx)
            .await?;
        }
        apply(&mut tx, self.backend, &rollup).await?;
        tx.commit().await?;
        Ok(responses)
    }

    /// (id, key) of the surveys of one organisation (or all), or of one survey.
    pub async fn rollup_surveys(
        &self,
        org_id: Option<i64>,
        survey_id: Option<i64>,
    ) -> Result<Vec<(i64, String)>> {
        let (sql, id) = match (org_id, survey_id) {
            (_, Some(id)) => ("SELECT id, key FROM surveys WHERE id = $1", id),
            (Some(org), None) => (
                "SELECT id, key FROM surveys WHERE org_id = $1 ORDER BY id",
                org,
            ),
            (None, None) => ("SELECT id, key FROM surveys WHERE id > $1 ORDER BY id", 0),
        };
        Ok(sqlx::query_as(sql).bind(id).fetch_all(&self.pool).await?)
    }
}

/// The facts of a stored response's answers JSON.
pub(crate) fn stored_facts(def: &SurveyDefinition, answers_json: &str) -> AnswerFacts {
    match serde_json::from_str::<serde_json::Value>(answers_json) {
        Ok(serde_json::Value::Object(raw)) => answer_facts(def, &stored_answers(def, &raw)),
        _ => AnswerFacts::default(),
    }
}

pub(crate) fn grain_of(code: i64) -> std::result::Result<Grain, sqlx::Error> {
    Grain::ALL
        .into_iter()
        .find(|g| g.code() == code)
        .ok_or_else(|| sqlx::Error::Decode(format!("unknown grain {code}").into()))
}
