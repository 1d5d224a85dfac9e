//! Reading responses for large exports. Pages come from the responses table alone (no joins):
//! the few names a page needs (survey version, unit, touchpoint, channel, employee, contact)
//! are looked up by id and kept for the next pages, and the answers stay the stored JSON text
//! that [`AnswerLayout`] turns into cells without building a JSON tree.
//!
//! A page arrives as **one** text value that the database concatenates: fields separated by
//! the ASCII unit separator (31), rows by the record separator (30). Rows one by one cost a
//! thread hand-off each in the SQLite driver, which was most of an export's time; one value
//! per page removes that on both engines. The separators cannot occur in the fields: ids and
//! times are integers, uids and language codes are ours, and JSON text escapes every control
//! character. A page that does not split into whole rows is an error, never a guess. This
//! keeps a million-row CSV export within seconds.
// A new question kind must be decided on at every match here: no wildcard arms over enums.
#![deny(clippy::wildcard_enum_match_arm)]

use std::borrow::Cow;

use rustc_hash::FxHashMap;
use sqlx::Row;
use tevreden_domain::export::{AnswerColumn, AnswerLayout, CsvRows, answer_columns};

use crate::db::{Backend, Store};
use crate::error::{Result, StoreError};

/// A stored response as an export reads it: text fields are ranges of the page's text.
#[derive(Clone, Debug)]
struct StoredResponse {
    id: i64,
    uid: std::ops::Range<usize>,
    version_id: i64,
    lang: std::ops::Range<usize>,
    unit_id: Option<i64>,
    touchpoint_id: Option<i64>,
    channel_id: Option<i64>,
    employee_id: Option<i64>,
    contact_id: Option<i64>,
    /// The answers as stored: a JSON object.
    answers: std::ops::Range<usize>,
    submitted_at: i64,
}

/// The named things a response refers to by id, in the order of [`StoredResponse`]'s ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Named {
    Version,
    Unit,
    Touchpoint,
    Channel,
    Employee,
    Contact,
}

impl Named {
    const ALL: [Named; 6] = [
        Named::Version,
        Named::Unit,
        Named::Touchpoint,
        Named::Channel,
        Named::Employee,
        Named::Contact,
    ];

    /// The query for the names of some ids (ids are appended as integer literals).
    fn select(self) -> &'static str {
        match self {
            Named::Version => {
                "SELECT id, COALESCE(CAST(version AS TEXT), '') AS name FROM survey_versions WHERE id IN"
            }
            Named::Unit => "SELECT id, external_id AS name FROM units WHERE id IN",
            Named::Touchpoint => "SELECT id, key AS name FROM touchpoints WHERE id IN",
            Named::Channel => "SELECT id, key AS name FROM channels WHERE id IN",
            Named::Employee => "SELECT id, external_id AS name FROM employees WHERE id IN",
            Named::Contact => "SELECT id, external_id AS name FROM contacts WHERE id IN",
        }
    }

    fn id(self, r: &StoredResponse) -> Option<i64> {
        match self {
            Named::Version => Some(r.version_id),
            Named::Unit => r.unit_id,
            Named::Touchpoint => r.touchpoint_id,
            Named::Channel => r.channel_id,
            Named::Employee => r.employee_id,
            Named::Contact => r.contact_id,
        }
    }
}

/// Names kept between pages; a kind with more than this many is forgotten and read again as
/// needed (contacts can run into the millions).
const NAMES_KEPT: usize = 50_000;

/// The page cache of the connection that reads an export, KiB (SQLite).
const EXPORT_CACHE_KIB: u32 = 2_048;

/// Reads the responses of one survey page by page, oldest first (keyset pagination: constant
/// memory for any number of responses).
pub struct ExportReader {
    survey_id: i64,
    units: Option<Vec<i64>>,
    after: i64,
    done: bool,
    names: [FxHashMap<i64, String>; 6],
    /// One connection for the whole export: its page cache is the only one the scan fills.
    conn: Option<sqlx::pool::PoolConnection<sqlx::Any>>,
    /// PostgreSQL: the rows of the whole export, streamed by one `COPY … TO STDOUT`.
    copy: Option<crate::pg_copy::CopyRows>,
}

/// One page of an export with the names its rows refer to.
pub struct ExportPage {
    text: String,
    rows: Vec<StoredResponse>,
    names: [FxHashMap<i64, String>; 6],
}

impl Store {
    /// The answer columns of a survey's export: over every published version, newest first.
    pub async fn export_columns(&self, survey_id: i64) -> Result<Vec<AnswerColumn>> {
        let versions: Vec<_> = self
            .survey_versions(survey_id)
            .await?
            .into_iter()
            .filter(|v| v.version.is_some())
            .map(|v| v.definition)
            .collect();
        Ok(answer_columns(versions.iter()))
    }
}

impl ExportReader {
    /// A reader over the responses of `survey_id`, only those of `units` when given.
    pub fn new(survey_id: i64, units: Option<Vec<i64>>) -> ExportReader {
        ExportReader {
            survey_id,
            units,
            after: 0,
            done: false,
            names: Default::default(),
            conn: None,
            copy: None,
        }
    }

    /// The next page of at most `limit` responses; `None` after the last.
    pub async fn next_page(&mut self, store: &Store, limit: i64) -> Result<Option<ExportPage>> {
        if self.done {
            return Ok(None);
        }
        let conn = match &mut self.conn {
            Some(c) => c,
            None => {
                let mut c = store.pool.acquire().await?;
                if store.backend == Backend::Sqlite {
                    // A scan of every response would fill the connection's page cache with
                    // pages nobody reads again; a small cache keeps the export's memory flat.
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "PRAGMA cache_size = -{EXPORT_CACHE_KIB}"
                    )))
                    .execute(&mut *c)
                    .await?;
                }
                self.conn.insert(c)
            }
        };
        let columns = [
            "r.id",
            "r.uid",
            "r.version_id",
            "r.lang",
            "r.unit_id",
            "r.touchpoint_id",
            "r.channel_id",
            "r.employee_id",
            "r.contact_id",
            "r.answers",
            "r.submitted_at",
        ];
        let text = match &store.pg {
            // PostgreSQL: one COPY for the whole export, read here a page at a time. Building
            // each page's text in the server (casts and concatenations per field) was most of
            // its work.
            Some(pg) => {
                let copy = self.copy.get_or_insert_with(|| {
                    crate::pg_copy::CopyRows::start(
                        pg,
                        format!(
                            "COPY (SELECT {} FROM responses r WHERE r.survey_id = {} AND r.id > {}{} \
                             ORDER BY r.id) TO STDOUT (NULL '')",
                            columns.join(", "),
                            self.survey_id,
                            self.after,
                            crate::responses::unit_filter(self.units.as_deref())
                        ),
                    )
                });
                copy.next_packed(limit as usize).await?
            }
            None => {
                let text: Option<String> =
                    sqlx::query_scalar(sqlx::AssertSqlSafe(packed_page_sql(
                        store.backend,
                        &columns,
                        &format!(
                            "SELECT * FROM responses r WHERE r.survey_id = $1 AND r.id > $2{} ORDER BY r.id LIMIT $3",
                            crate::responses::unit_filter(self.units.as_deref())
                        ),
                    )))
                    .bind(self.survey_id)
                    .bind(self.after)
                    .bind(limit)
                    .fetch_one(&mut **conn)
                    .await?;
                text.unwrap_or_default()
            }
        };
        let mut rows = split_rows(&text)?;
        // the aggregate need not keep the subquery's order
        rows.sort_unstable_by_key(|r| r.id);
        if (rows.len() as i64) < limit {
            self.done = true;
        }
        let Some(last) = rows.last() else {
            self.release(store).await?;
            return Ok(None);
        };
        self.after = last.id;
        let mut page = ExportPage {
            text,
            rows,
            names: Default::default(),
        };
        for (k, kind) in Named::ALL.into_iter().enumerate() {
            let kept = &mut self.names[k];
            let mut missing: Vec<i64> = page
                .rows
                .iter()
                .filter_map(|r| kind.id(r))
                .filter(|id| !kept.contains_key(id))
                .collect();
            if !missing.is_empty() {
                missing.sort_unstable();
                missing.dedup();
                if kept.len() + missing.len() > NAMES_KEPT {
                    kept.clear();
                    missing = page.rows.iter().filter_map(|r| kind.id(r)).collect();
                    missing.sort_unstable();
                    missing.dedup();
                }
                for chunk in missing.chunks(500) {
                    let list = chunk
                        .iter()
                        .map(i64::to_string)
                        .collect::<Vec<_>>()
                        .join(",");
                    for row in
                        sqlx::query(sqlx::AssertSqlSafe(format!("{} ({list})", kind.select())))
                            .fetch_all(&mut **conn)
                            .await?
                    {
                        kept.insert(row.try_get(0)?, row.try_get(1)?);
                    }
                }
            }
            let page_names = &mut page.names[k];
            for id in page.rows.iter().filter_map(|r| kind.id(r)) {
                if !page_names.contains_key(&id)
                    && let Some(name) = kept.get(&id)
                {
                    page_names.insert(id, name.clone());
                }
            }
        }
        if self.done {
            self.release(store).await?;
        }
        Ok(Some(page))
    }
}

impl ExportReader {
    /// Returns the connection to the pool with its usual page cache.
    async fn release(&mut self, store: &Store) -> Result<()> {
        if let Some(mut c) = self.conn.take()
            && store.backend == Backend::Sqlite
        {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "PRAGMA cache_size = -{}",
                crate::db::SQLITE_CACHE_KIB
            )))
            .execute(&mut *c)
            .await?;
        }
        Ok(())
    }
}

impl Drop for ExportReader {
    /// A reader dropped before its last page (a download broken off) closes its connection
    /// rather than return it to the pool with the export's small page cache.
    fn drop(&mut self) {
        if let Some(c) = &mut self.conn {
            c.close_on_drop();
        }
    }
}

impl ExportPage {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn name(&self, kind: Named, r: &StoredResponse) -> &str {
        kind.id(r)
            .and_then(|id| self.names[kind as usize].get(&id))
            .map_or("", String::as_str)
    }

    /// Calls `each` with the cells of every row: the fixed columns of
    /// [`tevreden_domain::export::FIXED_COLUMNS`], then the answer columns of `layout`.
    fn for_each_row<'s>(
        &'s self,
        layout: &AnswerLayout,
        mut each: impl FnMut([&str; 9], &[Cow<'s, str>]),
    ) {
        let mut submitted = String::with_capacity(32);
        let mut answers: Vec<Cow<'s, str>> = Vec::new();
        for r in &self.rows {
            submitted.clear();
            layout.write_time(r.submitted_at, &mut submitted);
            layout.cells(&self.text[r.answers.clone()], &mut answers);
            let fixed = [
                &self.text[r.uid.clone()],
                submitted.as_str(),
                self.name(Named::Version, r),
                &self.text[r.lang.clone()],
                self.name(Named::Unit, r),
                self.name(Named::Touchpoint, r),
                self.name(Named::Channel, r),
                self.name(Named::Employee, r),
                self.name(Named::Contact, r),
            ];
            each(fixed, &answers);
        }
    }

    /// Every row as CSV records.
    pub fn write_csv(&self, layout: &AnswerLayout, out: &mut CsvRows) {
        self.for_each_row(layout, |fixed, answers| {
            out.record(fixed.into_iter().chain(answers.iter().map(|c| c.as_ref())))
        });
    }

    /// Every row as owned cells (for the XLSX writer's thread).
    pub fn rows(&self, layout: &AnswerLayout) -> Vec<Vec<String>> {
        let mut rows = Vec::with_capacity(self.rows.len());
        self.for_each_row(layout, |fixed, answers| {
            rows.push(
                fixed
                    .into_iter()
                    .map(str::to_string)
                    .chain(answers.iter().map(|c| c.to_string()))
                    .collect(),
            )
        });
        rows
    }
}

/// `SELECT` of one text value holding every row of `rows` (a subquery aliased `r`): the
/// `columns` of each row cast to text (NULL as empty) and joined by ASCII 31, the rows by
/// ASCII 30. Split it with [`packed_records`].
pub(crate) fn packed_page_sql(backend: Backend, columns: &[&str], rows: &str) -> String {
    let (field, record, aggregate) = match backend {
        Backend::Sqlite => ("char(31)", "char(30)", "group_concat"),
        Backend::Postgres => ("chr(31)", "chr(30)", "string_agg"),
    };
    let fields = columns
        .iter()
        .map(|c| format!("COALESCE(CAST({c} AS TEXT), '')"))
        .collect::<Vec<_>>()
        .join(&format!(" || {field} || "));
    format!("SELECT {aggregate}({fields}, {record}) FROM ({rows}) r")
}

/// The records of a packed page (see [`packed_page_sql`]): for each, the byte ranges of its
/// `N` fields in `text`. A record without exactly `N` fields is an error.
pub(crate) fn packed_records<const N: usize>(
    text: &str,
) -> Result<Vec<[std::ops::Range<usize>; N]>> {
    let bad = || StoreError::Internal("a page of responses did not split into whole rows".into());
    let mut out = Vec::new();
    if text.is_empty() {
        return Ok(out);
    }
    let mut start = 0;
    for record in text.split('\x1e') {
        let mut fields: [std::ops::Range<usize>; N] = std::array::from_fn(|_| 0..0);
        let mut n = 0;
        let mut at = start;
        for f in record.split('\x1f') {
            *fields.get_mut(n).ok_or_else(bad)? = at..at + f.len();
            at += f.len() + 1;
            n += 1;
        }
        if n != N {
            return Err(bad());
        }
        start += record.len() + 1;
        out.push(fields);
    }
    Ok(out)
}

/// An integer field of a packed page; `None` when empty (NULL).
pub(crate) fn packed_int(text: &str, field: &std::ops::Range<usize>) -> Result<Option<i64>> {
    match &text[field.clone()] {
        "" => Ok(None),
        s => s.parse::<i64>().map(Some).map_err(|_| {
            StoreError::Internal(format!("`{s}` in a page of responses is not an integer"))
        }),
    }
}

/// The rows of an export page's text.
fn split_rows(text: &str) -> Result<Vec<StoredResponse>> {
    let int = |f: &std::ops::Range<usize>| {
        packed_int(text, f)?
            .ok_or_else(|| StoreError::Internal("a required field of a response is empty".into()))
    };
    packed_records::<11>(text)?
        .into_iter()
        .map(|f| {
            Ok(StoredResponse {
                id: int(&f[0])?,
                uid: f[1].clone(),
                version_id: int(&f[2])?,
                lang: f[3].clone(),
                unit_id: packed_int(text, &f[4])?,
                touchpoint_id: packed_int(text, &f[5])?,
                channel_id: packed_int(text, &f[6])?,
                employee_id: packed_int(text, &f[7])?,
                contact_id: packed_int(text, &f[8])?,
                answers: f[9].clone(),
                submitted_at: int(&f[10])?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_split_into_whole_rows_or_fail() {
        let row = |id: i64, unit: &str| {
            format!(
                "{id}\x1fu{id}\x1f3\x1fnl\x1f{unit}\x1f\x1f7\x1f\x1f\x1f{{\"a\":\"x y\"}}\x1f1700000000000"
            )
        };
        let text = [row(5, "2"), row(9, "")].join("\x1e");
        let rows = split_rows(&text).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].id, rows[1].id), (5, 9));
        assert_eq!(&text[rows[1].uid.clone()], "u9");
        assert_eq!(&text[rows[0].lang.clone()], "nl");
        assert_eq!((rows[0].unit_id, rows[1].unit_id), (Some(2), None));
        assert_eq!(rows[0].channel_id, Some(7));
        assert_eq!(rows[0].touchpoint_id, None);
        assert_eq!(&text[rows[1].answers.clone()], "{\"a\":\"x y\"}");
        assert_eq!(rows[1].submitted_at, 1_700_000_000_000);
        assert!(split_rows("").unwrap().is_empty());
        assert!(split_rows(&text[..text.len() - 20]).is_err());
        assert!(split_rows(&format!("{text}\x1f1")).is_err());
        assert!(split_rows(&text.replace("u9", "u9\x1fextra")).is_err());
    }
}
