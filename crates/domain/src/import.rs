//! Reading organisation data (units, employees, customer contacts) from CSV or XLSX files, with a
//! report of every rejected row: line, column and reason. Pure: the bytes come in, records and
//! errors go out; storage decides what to write.
//!
//! Reasons are codes with arguments ([`RowProblem`], [`ReadError`]); their `Display` is English
//! (the CLI's language) and the web crate renders them in the reader's language.
//!
//! A file is read sparsely and bounded before anything is built: at most [`MAX_COLUMNS`]
//! columns and [`MAX_CELLS`] cells (rows × columns of the table it would become), judged first
//! from an XLSX sheet's declared dimensions and then from the cells it really holds.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Cursor;

use serde::Serialize;

use crate::{ExternalId, Lang};

/// The widest table an import file may hold (columns A to ALL).
pub const MAX_COLUMNS: u64 = 1_000;
/// The most cells (rows × columns) an import file may become: e.g. a million rows of ten
/// columns. Larger files are split.
pub const MAX_CELLS: u64 = 10_000_000;

/// A rectangular table read from a file: a header row and data rows with their line numbers
/// (1-based, as a spreadsheet shows them; the header is line 1).
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Why a file cannot be read as a table. [`ReadError::code`] is stable (the API's `code`, the
/// web's message key `import-read-<code>`); `Display` is English.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ReadError {
    #[error("the file is not UTF-8 text (first bad byte on line {line}); save it as CSV UTF-8")]
    NotUtf8 { line: usize },
    #[error("line {line}: {detail}")]
    Csv { line: usize, detail: String },
    #[error("not a readable XLSX file: {detail}")]
    NotXlsx { detail: String },
    #[error("the workbook has no sheets")]
    NoSheets,
    #[error("the first sheet cannot be read: {detail}")]
    SheetUnreadable { detail: String },
    #[error("the file is empty: the first line must name the columns")]
    Empty,
    #[error("the first sheet is empty: its first row must name the columns")]
    SheetEmpty,
    #[error(
        "the file has a value in column {column} ({cell}); at most {max} columns can be imported: delete the stray cells, or copy the table to a new sheet"
    )]
    TooWide {
        /// The farthest cell, as a spreadsheet names it (`XFD1048576`).
        cell: String,
        column: String,
        max: u64,
    },
    #[error("line {line} has more than {max} columns; at most {max} columns can be imported")]
    TooWideCsv { line: usize, max: u64 },
    #[error(
        "the file spans {rows} rows by {columns} columns; at most {max} cells can be imported from one file: split it, or delete stray cells far from the table"
    )]
    TooLarge { rows: u64, columns: u64, max: u64 },
    #[error(
        "the workbook part {part} unpacks to more than {max_mib} MiB; save the table in a new workbook, or as CSV"
    )]
    UnpacksTooLarge { part: String, max_mib: u64 },
}

impl ReadError {
    pub fn code(&self) -> &'static str {
        match self {
            ReadError::NotUtf8 { .. } => "not_utf8",
            ReadError::Csv { .. } => "csv",
            ReadError::NotXlsx { .. } => "not_xlsx",
            ReadError::NoSheets => "no_sheets",
            ReadError::SheetUnreadable { .. } => "sheet_unreadable",
            ReadError::Empty => "empty",
            ReadError::SheetEmpty => "sheet_empty",
            ReadError::TooWide { .. } => "too_wide",
            ReadError::TooWideCsv { .. } => "too_wide_csv",
            ReadError::TooLarge { .. } => "too_large",
            ReadError::UnpacksTooLarge { .. } => "unpacks_too_large",
        }
    }
}

/// Why a row (or the header) was refused. [`RowProblem::code`] is stable (the API's `code`,
/// the web's message key `import-problem-<code>`); `Display` is English.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum RowProblem {
    #[error(
        "missing column(s) {}; the first line must name the columns (found: {})",
        columns.join(", "),
        found.join(", ")
    )]
    MissingColumns {
        columns: Vec<String>,
        found: Vec<String>,
    },
    #[error("is empty")]
    Empty,
    #[error("is longer than {max} characters")]
    TooLong { max: usize },
    #[error("`{value}` is not a valid external id (use letters, digits and . _ - : @ /)")]
    NotAnExternalId { value: String },
    #[error("`{value}` is not an email address")]
    NotAnEmail { value: String },
    #[error("`{value}` is not front or back (front office / back office)")]
    NotAnOffice { value: String },
    #[error("`{value}` is not yes or no")]
    NotYesNo { value: String },
    #[error("`{value}` is not a language code such as nl or en")]
    NotALanguage { value: String },
    #[error("a unit cannot be its own parent")]
    OwnParent,
    #[error("unit `{unit}` does not exist (not in this file, not imported before)")]
    UnknownParent { unit: String },
    #[error("this parent would make a cycle (a unit under itself)")]
    Cycle,
    #[error(
        "this parent would put the unit more than {max} levels deep; at most {max} levels are allowed"
    )]
    TooDeep { max: usize },
    #[error("parent `{unit}` was refused")]
    ParentRefused { unit: String },
    #[error("unit `{unit}` does not exist; import units first")]
    UnknownUnit { unit: String },
    #[error("`{value}` also appears on line {line}")]
    Duplicate { value: String, line: usize },
}

impl RowProblem {
    pub fn code(&self) -> &'static str {
        match self {
            RowProblem::MissingColumns { .. } => "missing_columns",
            RowProblem::Empty => "empty",
            RowProblem::TooLong { .. } => "too_long",
            RowProblem::NotAnExternalId { .. } => "not_an_external_id",
            RowProblem::NotAnEmail { .. } => "not_an_email",
            RowProblem::NotAnOffice { .. } => "not_an_office",
            RowProblem::NotYesNo { .. } => "not_yes_no",
            RowProblem::NotALanguage { .. } => "not_a_language",
            RowProblem::OwnParent => "own_parent",
            RowProblem::UnknownParent { .. } => "unknown_parent",
            RowProblem::Cycle => "cycle",
            RowProblem::TooDeep { .. } => "too_deep",
            RowProblem::ParentRefused { .. } => "parent_refused",
            RowProblem::UnknownUnit { .. } => "unknown_unit",
            RowProblem::Duplicate { .. } => "duplicate",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: usize,
    pub column: String,
    #[serde(flatten)]
    pub problem: RowProblem,
}

impl RowError {
    /// The reason in English.
    pub fn reason(&self) -> String {
        self.problem.to_string()
    }
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column.is_empty() {
            write!(f, "line {}: {}", self.line, self.problem)
        } else {
            write!(
                f,
                "line {}, column {}: {}",
                self.line, self.column, self.problem
            )
        }
    }
}

/// Records that passed, each with its line, and every rejected row's errors.
#[derive(Clone, Debug)]
pub struct Checked<T> {
    pub records: Vec<(usize, T)>,
    pub errors: Vec<RowError>,
    pub rows_read: usize,
}

/// Reads CSV (`,` or `;`, UTF-8 with or without BOM) or XLSX (first sheet), recognised by content.
pub fn read_table(bytes: &[u8]) -> Result<Table, ReadError> {
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)
    } else {
        read_csv(bytes)
    }
}

/// A column's spreadsheet letters: 0 → `A`, 16383 → `XFD`.
pub fn column_letters(col: u64) -> String {
    let mut n = col + 1;
    let mut s = Vec::new();
    while n > 0 {
        let r = ((n - 1) % 26) as u8;
        s.push(b'A' + r);
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

fn cell_ref(row: u64, col: u64) -> String {
    format!("{}{}", column_letters(col), row + 1)
}

fn too_wide(row: u64, col: u64) -> ReadError {
    ReadError::TooWide {
        cell: cell_ref(row, col),
        column: column_letters(col),
        max: MAX_COLUMNS,
    }
}

/// Refuses a table of `rows` × `columns` cells larger than [`MAX_CELLS`].
fn check_area(rows: u64, columns: u64) -> Result<(), ReadError> {
    if rows.saturating_mul(columns) > MAX_CELLS {
        Err(ReadError::TooLarge {
            rows,
            columns,
            max: MAX_CELLS,
        })
    } else {
        Ok(())
    }
}

fn read_csv(bytes: &[u8]) -> Result<Table, ReadError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        return Err(ReadError::NotUtf8 { line });
    }
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or(b"");
    let count = |c: u8| first_line.iter().filter(|b| **b == c).count();
    let delimiter = if count(b';') > count(b',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut table = Table::default();
    let mut cells_kept: u64 = 0;
    let mut widest: u64 = 0;
    // newlines in `bytes[..counted_to]`: records come in order, so each byte is counted once
    let (mut counted_to, mut newlines) = (0usize, 0usize);
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| ReadError::Csv {
            line: i + 1,
            detail: e.to_string(),
        })?;
        // The csv crate does not count skipped blank lines; count newlines before the record.
        let line = rec
            .position()
            .map(|p| {
                let start = (p.byte() as usize).min(bytes.len());
                if start >= counted_to {
                    newlines += bytes[counted_to..start]
                        .iter()
                        .filter(|b| **b == b'\n')
                        .count();
                } else {
                    newlines = bytes[..start].iter().filter(|b| **b == b'\n').count();
                }
                counted_to = start;
                let skipped = bytes[start..]
                    .iter()
                    .take_while(|b| **b == b'\n' || **b == b'\r')
                    .filter(|b| **b == b'\n')
                    .count();
                newlines + skipped + 1
            })
            .unwrap_or(i + 1);
        let width = rec.len() as u64;
        if width > MAX_COLUMNS {
            return Err(ReadError::TooWideCsv {
                line,
                max: MAX_COLUMNS,
            });
        }
        if i > 0 && rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        cells_kept += width;
        widest = widest.max(width);
        if cells_kept > MAX_CELLS {
            return Err(ReadError::TooLarge {
                rows: table.rows.len() as u64 + 1,
                columns: widest,
                max: MAX_CELLS,
            });
        }
        let cells: Vec<String> = rec.iter().map(|c| c.trim().to_string()).collect();
        if i == 0 {
            table.headers = cells;
        } else {
            table.rows.push((line, cells));
        }
    }
    if table.headers.iter().all(String::is_empty) {
        return Err(ReadError::Empty);
    }
    Ok(table)
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, ReadError> {
    // calamine is defence-checked here, but a panic inside it (it subtracts a sheet's declared
    // bounds without checking them in debug builds) must refuse the file, never end the caller.
    match std::panic::catch_unwind(|| read_xlsx_sparse(bytes)) {
        Ok(r) => r,
        Err(_) => Err(ReadError::NotXlsx {
            detail: "the workbook is malformed".into(),
        }),
    }
}

fn cell_text(value: calamine::DataRef<'_>) -> String {
    use calamine::{Data, DataRef};
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.trim().to_string(),
        DataRef::SharedString(s) => s.trim().to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Bool(b) => b.to_string(),
        other => Data::from(other).to_string(),
    }
}

/// Streams the first sheet's cells, keeping only those with a value, within the bounds; then
/// builds rows from the bounding box of those cells (as a spreadsheet's "used range").
/// The most a workbook part other than a worksheet may unpack to. calamine reads the shared
/// strings, styles and relationships whole into memory; a few kilobytes of deflate can claim
/// gigabytes (a zip bomb). Worksheets are streamed cell by cell and bounded by [`MAX_CELLS`].
pub const MAX_UNPACKED_PART: u64 = 128 * 1024 * 1024;

/// Unpacks every part calamine reads whole, counting bytes up to [`MAX_UNPACKED_PART`] (the
/// sizes a zip file declares can lie; the bytes that come out cannot).
fn check_unpacked_parts(bytes: &[u8], limit: u64) -> Result<(), ReadError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| ReadError::NotXlsx {
        detail: e.to_string(),
    })?;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| ReadError::NotXlsx {
            detail: e.to_string(),
        })?;
        let name = part
            .name()
            .map_err(|e| ReadError::NotXlsx {
                detail: e.to_string(),
            })?
            .to_string();
        if name.starts_with("xl/worksheets/") || !name.ends_with(".xml") && !name.ends_with(".rels")
        {
            continue;
        }
        let unpacked = std::io::copy(
            &mut std::io::Read::take(&mut part, limit + 1),
            &mut std::io::sink(),
        )
        .map_err(|e| ReadError::NotXlsx {
            detail: e.to_string(),
        })?;
        if unpacked > limit {
            return Err(ReadError::UnpacksTooLarge {
                part: name,
                max_mib: limit.div_ceil(1024 * 1024),
            });
        }
    }
    Ok(())
}

fn read_xlsx_sparse(bytes: &[u8]) -> Result<Table, ReadError> {
    use calamine::{Reader, Xlsx, XlsxError};
    check_unpacked_parts(bytes, MAX_UNPACKED_PART)?;
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| ReadError::NotXlsx {
        detail: e.to_string(),
    })?;
    let name = wb
        .sheet_names()
        .into_iter()
        .next()
        .ok_or(ReadError::NoSheets)?;
    let mut reader = match wb.worksheet_cells_reader(&name) {
        Ok(r) => r,
        // a chart sheet first: no cells
        Err(XlsxError::NotAWorksheet(_)) => return Err(ReadError::SheetEmpty),
        Err(e) => {
            return Err(ReadError::SheetUnreadable {
                detail: e.to_string(),
            });
        }
    };
    // What the sheet says it spans, before reading a cell.
    let declared = reader.dimensions();
    let (start, end) = (declared.start, declared.end);
    if end.0 >= start.0 && end.1 >= start.1 {
        let (rows, columns) = (
            u64::from(end.0 - start.0) + 1,
            u64::from(end.1 - start.1) + 1,
        );
        if columns > MAX_COLUMNS {
            return Err(too_wide(end.0.into(), end.1.into()));
        }
        check_area(rows, columns)?;
    }
    // What it holds: every cell with a value, checked as it comes.
    let mut cells: Vec<(u32, u32, String)> = Vec::new();
    let (mut min_col, mut max_col) = (u32::MAX, 0u32);
    loop {
        let cell = match reader.next_cell() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => {
                return Err(ReadError::SheetUnreadable {
                    detail: e.to_string(),
                });
            }
        };
        let (row, col) = cell.get_position();
        let text = cell_text(cell.get_value().clone());
        if text.is_empty() {
            continue;
        }
        if u64::from(col) >= MAX_COLUMNS {
            return Err(too_wide(row.into(), col.into()));
        }
        if cells.len() as u64 >= MAX_CELLS {
            return Err(ReadError::TooLarge {
                rows: cells.len() as u64,
                columns: u64::from(max_col.saturating_sub(min_col)) + 1,
                max: MAX_CELLS,
            });
        }
        min_col = min_col.min(col);
        max_col = max_col.max(col);
        cells.push((row, col, text));
    }
    if cells.is_empty() {
        return Err(ReadError::SheetEmpty);
    }
    // Rows with a value, each as wide as the used range: bounded before they are built.
    cells.sort_by_key(|(r, c, _)| (*r, *c));
    let mut row_numbers: Vec<u32> = cells.iter().map(|(r, _, _)| *r).collect();
    row_numbers.dedup();
    let width = u64::from(max_col - min_col) + 1;
    check_area(row_numbers.len() as u64, width)?;
    let mut table = Table::default();
    let mut it = cells.into_iter().peekable();
    let mut first = true;
    while let Some(row) = it.peek().map(|c| c.0) {
        let mut out = vec![String::new(); width as usize];
        while let Some((_, col, text)) = it.next_if(|c| c.0 == row) {
            // a duplicate position keeps the last value, as a spreadsheet would show one
            out[(col - min_col) as usize] = text;
        }
        if first {
            table.headers = out;
            first = false;
        } else {
            table.rows.push((row as usize + 1, out));
        }
    }
    if table.headers.iter().all(String::is_empty) {
        return Err(ReadError::SheetEmpty);
    }
    Ok(table)
}

/// Finds columns by name (case-insensitive, with Dutch aliases).
struct Columns {
    index: HashMap<&'static str, usize>,
    used: HashSet<usize>,
}

impl Columns {
    fn find(
        table: &Table,
        wanted: &[(&'static str, &[&str])],
        required: &[&'static str],
    ) -> Result<Columns, RowError> {
        let norm: Vec<String> = table
            .headers
            .iter()
            .map(|h| h.trim().to_lowercase().replace([' ', '-'], "_"))
            .collect();
        let mut index = HashMap::new();
        let mut used = HashSet::new();
        for (name, aliases) in wanted {
            if let Some(i) = norm
                .iter()
                .position(|h| h == name || aliases.contains(&h.as_str()))
            {
                index.insert(*name, i);
                used.insert(i);
            }
        }
        let missing: Vec<&str> = required
            .iter()
            .filter(|r| !index.contains_key(*r))
            .copied()
            .collect();
        if !missing.is_empty() {
            return Err(RowError {
                line: 1,
                column: missing.join(", "),
                problem: RowProblem::MissingColumns {
                    columns: missing.iter().map(ToString::to_string).collect(),
                    found: table.headers.clone(),
                },
            });
        }
        Ok(Columns { index, used })
    }

    fn get<'a>(&self, cells: &'a [String], name: &str) -> &'a str {
        self.index
            .get(name)
            .and_then(|i| cells.get(*i))
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// Whether a unit deals with customers directly (front office) or not (back office).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Office {
    Front,
    Back,
}

impl Office {
    pub fn parse(s: &str) -> Option<Office> {
        match s.trim().to_lowercase().replace(['-', '_'], " ").as_str() {
            "front" | "front office" | "frontoffice" | "f" => Some(Office::Front),
            "back" | "back office" | "backoffice" | "b" => Some(Office::Back),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Office::Front => "front",
            Office::Back => "back",
        }
    }
}

pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "ja" | "j" | "waar" => Some(true),
        "no" | "n" | "false" | "0" | "nee" | "onwaar" => Some(false),
        _ => None,
    }
}

/// A deliberately simple check: one `@`, something before it, a dot in the domain, no spaces.
pub fn plausible_email(s: &str) -> bool {
    let mut parts = s.split('@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(local), Some(domain), None) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(char::is_whitespace)
                && s.len() <= 254
        }
        _ => false,
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnitRecord {
    pub external_id: ExternalId,
    pub name: String,
    pub parent: Option<ExternalId>,
    pub office: Office,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EmployeeRecord {
    pub external_id: ExternalId,
    pub name: String,
    pub email: Option<String>,
    pub unit: ExternalId,
    pub role: Option<String>,
    pub customer_facing: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ContactRecord {
    pub external_id: ExternalId,
    pub email: Option<String>,
    pub name: Option<String>,
    pub lang: Option<Lang>,
    pub attributes: BTreeMap<String, String>,
}

struct RowCheck<'a> {
    line: usize,
    errors: &'a mut Vec<RowError>,
    failed: bool,
}

impl RowCheck<'_> {
    fn fail(&mut self, column: &str, problem: RowProblem) {
        self.failed = true;
        self.errors.push(RowError {
            line: self.line,
            column: column.into(),
            problem,
        });
    }
    fn id(&mut self, column: &str, value: &str, required: bool) -> Option<ExternalId> {
        if value.is_empty() {
            if required {
                self.fail(column, RowProblem::Empty);
            }
            return None;
        }
        match ExternalId::parse(value) {
            Ok(id) => Some(id),
            Err(_) => {
                self.fail(
                    column,
                    RowProblem::NotAnExternalId {
                        value: value.chars().take(40).collect(),
                    },
                );
                None
            }
        }
    }
    fn name(&mut self, column: &str, value: &str, required: bool) -> Option<String> {
        if value.is_empty() {
            if required {
                self.fail(column, RowProblem::Empty);
            }
            return None;
        }
        if value.chars().count() > 200 {
            self.fail(column, RowProblem::TooLong { max: 200 });
            return None;
        }
        Some(value.to_string())
    }
    fn email(&mut self, column: &str, value: &str) -> Option<String> {
        if value.is_empty() {
            return None;
        }
        if plausible_email(value) {
            Some(value.to_lowercase())
        } else {
            self.fail(
                column,
                RowProblem::NotAnEmail {
                    value: value.to_string(),
                },
            );
            None
        }
    }
}

fn check_rows<T>(
    table: &Table,
    wanted: &[(&'static str, &[&str])],
    required: &[&'static str],
    mut row: impl FnMut(&Columns, &[String], &mut RowCheck) -> Option<T>,
    key: impl Fn(&T) -> &ExternalId,
) -> Checked<T> {
    let mut errors = Vec::new();
    let cols = match Columns::find(table, wanted, required) {
        Ok(c) => c,
        Err(e) => {
            return Checked {
                records: vec![],
                errors: vec![e],
                rows_read: table.rows.len(),
            };
        }
    };
    let mut records: Vec<(usize, T)> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (line, cells) in &table.rows {
        let mut check = RowCheck {
            line: *line,
            errors: &mut errors,
            failed: false,
        };
        let rec = row(&cols, cells, &mut check);
        if let Some(rec) = rec.filter(|_| !check.failed) {
            let k = key(&rec).to_string();
            if let Some(first) = seen.get(&k) {
                check.fail(
                    wanted[0].0,
                    RowProblem::Duplicate {
                        value: k,
                        line: *first,
                    },
                );
            } else {
                seen.insert(k, *line);
                records.push((*line, rec));
            }
        }
    }
    Checked {
        records,
        errors,
        rows_read: table.rows.len(),
    }
}

const UNIT_COLUMNS: &[(&str, &[&str])] = &[
    ("external_id", &["id", "code", "unit_id", "afdelingscode"]),
    ("name", &["naam"]),
    (
        "parent",
        &["parent_id", "ouder", "valt_onder", "parent_external_id"],
    ),
    ("office", &["office_type", "kant", "type"]),
];

/// The deepest a unit may lie in the tree (the top is level 1). Organisations have a handful of
/// levels; the limit keeps each unit's materialised path (`/1/4/9/`, used as an index key on
/// PostgreSQL, at most 2,704 bytes there) far below what an index entry can hold.
pub const MAX_UNIT_DEPTH: usize = 64;
/// Whether the chain of parents from `id` ends (at a unit without a parent, or one not known)
/// rather than running in a circle; the answer for every unit on the way is kept in `ends`.
fn chain_ends(
    id: &str,
    parent_of: &HashMap<String, Option<String>>,
    ends: &mut HashMap<String, bool>,
) -> bool {
    let mut chain: Vec<&str> = Vec::new();
    let mut on_chain: HashSet<&str> = HashSet::new();
    let mut cursor = Some(id);
    let answer = loop {
        let Some(c) = cursor else { break true };
        if let Some(known) = ends.get(c) {
            break *known;
        }
        if !on_chain.insert(c) {
            break false;
        }
        chain.push(c);
        cursor = parent_of.get(c).and_then(Option::as_deref);
    };
    for c in chain {
        ends.insert(c.to_string(), answer);
    }
    answer
}

/// How many levels deep `id` lies (a unit without a parent, or whose parent is not known, is
/// level 1), for a chain that ends (see [`chain_ends`]); every unit on the way is kept in
/// `depths`, so a deep tree costs its size.
fn chain_depth(
    id: &str,
    parent_of: &HashMap<String, Option<String>>,
    depths: &mut HashMap<String, usize>,
) -> usize {
    let mut chain: Vec<&str> = Vec::new();
    let mut cursor = Some(id);
    let mut base = 0;
    while let Some(c) = cursor {
        if let Some(d) = depths.get(c) {
            base = *d;
            break;
        }
        if chain.len() > parent_of.len() {
            break; // a circle: not asked for, but never loop
        }
        chain.push(c);
        cursor = parent_of.get(c).and_then(Option::as_deref);
    }
    for (i, c) in chain.iter().rev().enumerate() {
        depths.insert((*c).to_string(), base + i + 1);
    }
    depths.get(id).copied().unwrap_or(base)
}

/// Checks unit rows. `existing` maps the organisation's current units (external id → parent)
/// so that parents may be earlier imports and cycles are found across both. Records come back
/// ordered parents first, ready to write.
pub fn check_units(
    table: &Table,
    existing: &HashMap<String, Option<String>>,
) -> Checked<UnitRecord> {
    let mut checked = check_rows(
        table,
        UNIT_COLUMNS,
        &["external_id", "name", "office"],
        |cols, cells, check| {
            let external_id = check.id("external_id", cols.get(cells, "external_id"), true);
            let name = check.name("name", cols.get(cells, "name"), true);
            let parent = check.id("parent", cols.get(cells, "parent"), false);
            let office_raw = cols.get(cells, "office");
            let office = Office::parse(office_raw);
            if office.is_none() {
                check.fail(
                    "office",
                    RowProblem::NotAnOffice {
                        value: office_raw.to_string(),
                    },
                );
            }
            if let (Some(id), Some(p)) = (&external_id, &parent)
                && id == p
            {
                check.fail("parent", RowProblem::OwnParent);
            }
            Some(UnitRecord {
                external_id: external_id?,
                name: name?,
                parent,
                office: office?,
            })
        },
        |r| &r.external_id,
    );
    // Parents must exist (in the file or already) and the tree must stay a tree.
    let mut parent_of: HashMap<String, Option<String>> = existing.clone();
    for (_, r) in &checked.records {
        parent_of.insert(
            r.external_id.to_string(),
            r.parent.as_ref().map(ToString::to_string),
        );
    }
    let mut bad: HashSet<String> = HashSet::new();
    // Whether a unit's chain of parents ends (true) or runs in a circle (false), worked out
    // once per unit: a deep tree costs its size, not its size times its depth.
    let mut ends: HashMap<String, bool> = HashMap::with_capacity(parent_of.len());
    let mut depths: HashMap<String, usize> = HashMap::with_capacity(parent_of.len());
    for (line, r) in &checked.records {
        if let Some(p) = &r.parent
            && !parent_of.contains_key(p.as_str())
        {
            checked.errors.push(RowError {
                line: *line,
                column: "parent".into(),
                problem: RowProblem::UnknownParent {
                    unit: p.to_string(),
                },
            });
            bad.insert(r.external_id.to_string());
            continue;
        }
        if !chain_ends(r.external_id.as_str(), &parent_of, &mut ends) {
            checked.errors.push(RowError {
                line: *line,
                column: "parent".into(),
                problem: RowProblem::Cycle,
            });
            bad.insert(r.external_id.to_string());
        }
        // A unit's level is one more than its ancestors; the tree's materialised paths (and
        // their index) stay small.
        if !bad.contains(r.external_id.as_str())
            && chain_depth(r.external_id.as_str(), &parent_of, &mut depths) > MAX_UNIT_DEPTH
        {
            checked.errors.push(RowError {
                line: *line,
                column: "parent".into(),
                problem: RowProblem::TooDeep {
                    max: MAX_UNIT_DEPTH,
                },
            });
            bad.insert(r.external_id.to_string());
        }
    }
    checked
        .records
        .retain(|(_, r)| !bad.contains(r.external_id.as_str()));
    // A row whose parent was refused cannot be written either (nor its children): worked out
    // once per unit, from its parent's answer.
    let kept: HashSet<&str> = checked
        .records
        .iter()
        .map(|(_, r)| r.external_id.as_str())
        .collect();
    let mut blocked: HashMap<&str, bool> = HashMap::with_capacity(kept.len());
    let mut chain: Vec<&str> = Vec::new();
    for (_, r) in &checked.records {
        chain.clear();
        let mut cursor = r.external_id.as_str();
        let answer = loop {
            if let Some(known) = blocked.get(cursor) {
                break *known;
            }
            chain.push(cursor);
            match parent_of.get(cursor).and_then(Option::as_deref) {
                Some(p) if bad.contains(p) => break true,
                // the records kept have chains that end (checked above)
                Some(p) if kept.contains(p) && chain.len() <= kept.len() => cursor = p,
                _ => break false,
            }
        };
        for c in &chain {
            blocked.insert(c, answer);
        }
    }
    let refused: Vec<(usize, String, String)> = checked
        .records
        .iter()
        .filter(|(_, r)| blocked[r.external_id.as_str()])
        .map(|(l, r)| {
            (
                *l,
                r.external_id.to_string(),
                r.parent
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            )
        })
        .collect();
    for (line, id, parent) in refused {
        checked.errors.push(RowError {
            line,
            column: "parent".into(),
            problem: RowProblem::ParentRefused { unit: parent },
        });
        bad.insert(id);
    }
    checked
        .records
        .retain(|(_, r)| !bad.contains(r.external_id.as_str()));
    // Parents first.
    let in_file: HashSet<String> = checked
        .records
        .iter()
        .map(|(_, r)| r.external_id.to_string())
        .collect();
    // How many of a unit's ancestors are in the file, once per unit (from its parent's).
    let mut depths: HashMap<String, usize> = HashMap::with_capacity(in_file.len());
    let mut chain: Vec<&str> = Vec::new();
    for (_, r) in &checked.records {
        chain.clear();
        let mut cursor = Some(r.external_id.as_str());
        let mut depth = 0;
        while let Some(c) = cursor {
            if let Some(d) = depths.get(c) {
                depth = d + 1;
                break;
            }
            chain.push(c);
            // the records kept have chains that end (checked above)
            cursor = parent_of
                .get(c)
                .and_then(Option::as_deref)
                .filter(|p| in_file.contains(*p) && chain.len() <= in_file.len());
        }
        for c in chain.iter().rev() {
            depths.insert(c.to_string(), depth);
            depth += 1;
        }
    }
    checked
        .records
        .sort_by_key(|(line, r)| (depths[r.external_id.as_str()], *line));
    checked.errors.sort_by_key(|e| e.line);
    checked
}

const EMPLOYEE_COLUMNS: &[(&str, &[&str])] = &[
    ("external_id", &["id", "employee_id", "personeelsnummer"]),
    ("name", &["naam"]),
    ("email", &["e_mail", "mail"]),
    ("unit", &["unit_id", "afdeling", "team", "unit_external_id"]),
    ("role", &["functie", "job_title"]),
    ("customer_facing", &["klantcontact", "customer_contact"]),
];

/// Checks employee rows; `units` holds the organisation's unit external ids.
pub fn check_employees(table: &Table, units: &HashSet<String>) -> Checked<EmployeeRecord> {
    let mut c = check_rows(
        table,
        EMPLOYEE_COLUMNS,
        &["external_id", "name", "unit", "customer_facing"],
        |cols, cells, check| {
            let external_id = check.id("external_id", cols.get(cells, "external_id"), true);
            let name = check.name("name", cols.get(cells, "name"), true);
            let email = check.email("email", cols.get(cells, "email"));
            let unit = check.id("unit", cols.get(cells, "unit"), true);
            if let Some(u) = &unit
                && !units.contains(u.as_str())
            {
                check.fail(
                    "unit",
                    RowProblem::UnknownUnit {
                        unit: u.to_string(),
                    },
                );
            }
            let role = check.name("role", cols.get(cells, "role"), false);
            let cf_raw = cols.get(cells, "customer_facing");
            let customer_facing = parse_bool(cf_raw);
            if customer_facing.is_none() {
                check.fail(
                    "customer_facing",
                    RowProblem::NotYesNo {
                        value: cf_raw.to_string(),
                    },
                );
            }
            Some(EmployeeRecord {
                external_id: external_id?,
                name: name?,
                email,
                unit: unit?,
                role,
                customer_facing: customer_facing?,
            })
        },
        |r| &r.external_id,
    );
    c.errors.sort_by_key(|e| e.line);
    c
}

const CONTACT_COLUMNS: &[(&str, &[&str])] = &[
    ("external_id", &["id", "customer_id", "klantnummer"]),
    ("email", &["e_mail", "mail"]),
    ("name", &["naam"]),
    ("lang", &["language", "taal"]),
];

/// Checks customer contact rows. Every column that is not a known one becomes a free attribute
/// for segmentation (e.g. `segment`, `region`).
pub fn check_contacts(table: &Table) -> Checked<ContactRecord> {
    let attribute_cols: Vec<(usize, String)> = {
        let probe = Columns::find(table, CONTACT_COLUMNS, &[]).ok();
        table
            .headers
            .iter()
            .enumerate()
            .filter(|(i, h)| {
                !h.trim().is_empty() && probe.as_ref().is_none_or(|p| !p.used.contains(i))
            })
            .map(|(i, h)| (i, h.trim().to_lowercase()))
            .collect()
    };
    let mut c = check_rows(
        table,
        CONTACT_COLUMNS,
        &["external_id"],
        |cols, cells, check| {
            let external_id = check.id("external_id", cols.get(cells, "external_id"), true);
            let email = check.email("email", cols.get(cells, "email"));
            let name = check.name("name", cols.get(cells, "name"), false);
            let lang_raw = cols.get(cells, "lang");
            let lang = if lang_raw.is_empty() {
                None
            } else {
                match Lang::parse(lang_raw) {
                    Ok(l) => Some(l),
                    Err(_) => {
                        check.fail(
                            "lang",
                            RowProblem::NotALanguage {
                                value: lang_raw.to_string(),
                            },
                        );
                        None
                    }
                }
            };
            let mut attributes = BTreeMap::new();
            for (i, h) in &attribute_cols {
                let v = cells.get(*i).map(String::as_str).unwrap_or("");
                if v.chars().count() > 500 {
                    check.fail(h, RowProblem::TooLong { max: 500 });
                } else if !v.is_empty() {
                    attributes.insert(h.clone(), v.to_string());
                }
            }
            Some(ContactRecord {
                external_id: external_id?,
                email,
                name,
                lang,
                attributes,
            })
        },
        |r| &r.external_id,
    );
    c.errors.sort_by_key(|e| e.line);
    c
}

/// A hand-made XLSX (a stored zip holding one sheet's XML), for tests and fuzz seeds: a file
/// says whatever it likes about its dimensions, as a hostile one would.
#[doc(hidden)]
pub fn xlsx_with_sheet(sheet_xml: &str) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for b in data {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let files: [(&str, &str); 5] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
        ("xl/worksheets/sheet1.xml", sheet_xml),
    ];
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, text) in files {
        let data = text.as_bytes();
        let crc = crc32(data);
        let offset = out.len() as u32;
        let size = data.len() as u32;
        let name_len = name.len() as u16;
        // local file header: stored, no flags, no extra field
        out.extend_from_slice(b"PK\x03\x04");
        for v in [20u16, 0, 0, 0, 0] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [crc, size, size] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        // its central directory entry
        central.extend_from_slice(b"PK\x01\x02");
        for v in [20u16, 20, 0, 0, 0, 0] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        for v in [crc, size, size] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        for v in [name_len, 0, 0, 0, 0] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        central.extend_from_slice(&0u32.to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let central_offset = out.len() as u32;
    let central_size = central.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    for v in [0u16, 0, files.len() as u16, files.len() as u16] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&central_size.to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A sheet's XML with `dimension` (when given) and inline-string cells at `(reference, text)`.
#[doc(hidden)]
pub fn sheet_xml(dimension: Option<&str>, cells: &[(&str, &str)]) -> String {
    let mut rows: BTreeMap<u64, String> = BTreeMap::new();
    for (reference, text) in cells {
        let row: u64 = reference
            .trim_start_matches(|c: char| c.is_ascii_alphabetic())
            .parse()
            .unwrap_or(1);
        rows.entry(row).or_default().push_str(&format!(
            r#"<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>"#
        ));
    }
    let dim = dimension
        .map(|d| format!(r#"<dimension ref="{d}"/>"#))
        .unwrap_or_default();
    let rows: String = rows
        .iter()
        .map(|(r, c)| format!(r#"<row r="{r}">{c}</row>"#))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dim}<sheetData>{rows}</sheetData></worksheet>"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        // Whatever bytes arrive, the readers answer (a table or a reason) and never panic.
        #[test]
        fn readers_never_panic_on_arbitrary_bytes(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            let _ = read_table(&bytes);
            let mut zipped = b"PK\x03\x04".to_vec();
            zipped.extend_from_slice(&bytes);
            let _ = read_table(&zipped);
        }

        #[test]
        fn the_survey_file_reader_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..1024), text in "\\PC{0,400}") {
            use crate::survey::{FileFormat, parse_survey_file};
            for format in [FileFormat::Yaml, FileFormat::Json] {
                let _ = parse_survey_file(&bytes, format);
                let _ = parse_survey_file(text.as_bytes(), format);
            }
        }
    }

    #[test]
    fn reads_semicolon_csv_with_bom() {
        let t = read_table("\u{feff}external_id;name;parent;office\nKS;Klantenservice;;front\n\nFIN;Financiën;;back\n".as_bytes()).unwrap();
        assert_eq!(t.headers, ["external_id", "name", "parent", "office"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[1].0, 4, "line numbers count the blank line");
        assert_eq!(t.rows[1].1[1], "Financiën");
    }

    #[test]
    fn refuses_non_utf8() {
        let e = read_table(b"external_id,name\nA,Caf\xe9\n").unwrap_err();
        assert_eq!(e, ReadError::NotUtf8 { line: 2 });
        assert!(e.to_string().contains("line 2"), "{e}");
    }

    #[test]
    fn reads_a_sparse_sheet_from_its_used_range() {
        // the table starts at B3; a stray empty row in between is skipped
        let xml = sheet_xml(
            Some("B3:C6"),
            &[
                ("B3", "external_id"),
                ("C3", "name"),
                ("B4", "KS"),
                ("C4", "Klantenservice"),
                ("C6", "Zonder id"),
            ],
        );
        let t = read_table(&xlsx_with_sheet(&xml)).unwrap();
        assert_eq!(t.headers, ["external_id", "name"]);
        assert_eq!(
            t.rows,
            [
                (4, vec!["KS".to_string(), "Klantenservice".to_string()]),
                (6, vec![String::new(), "Zonder id".to_string()])
            ]
        );
    }

    #[test]
    fn a_unit_tree_deeper_than_the_limit_is_refused_where_it_gets_too_deep() {
        let mut csv = String::from("external_id,name,parent,office\n");
        for level in 1..=MAX_UNIT_DEPTH + 2 {
            let parent = if level == 1 {
                String::new()
            } else {
                format!("u{}", level - 1)
            };
            csv.push_str(&format!("u{level},Niveau {level},{parent},back\n"));
        }
        let table = read_table(csv.as_bytes()).unwrap();
        let checked = check_units(&table, &HashMap::new());
        assert_eq!(
            checked.records.len(),
            MAX_UNIT_DEPTH,
            "levels 1..=64 are fine"
        );
        assert_eq!(checked.errors.len(), 2, "{:?}", checked.errors);
        assert_eq!(
            checked.errors[0].line,
            MAX_UNIT_DEPTH + 2,
            "the 65th level's line"
        );
        assert_eq!(
            checked.errors[0].problem,
            RowProblem::TooDeep {
                max: MAX_UNIT_DEPTH
            }
        );
        assert_eq!(checked.errors[1].problem.code(), "too_deep");
    }

    #[test]
    fn workbook_parts_are_bounded_by_what_they_unpack_to() {
        // A real workbook (rust_xlsxwriter, deflated) whose shared strings unpack to ~2 MiB.
        let mut wb = rust_xlsxwriter::Workbook::new();
        let sheet = wb.add_worksheet();
        sheet.write_string(0, 0, "external_id").unwrap();
        for r in 1..2_000u32 {
            let long = format!("{r:04}{}", "x".repeat(1_000));
            sheet.write_string(r, 0, long).unwrap();
        }
        let bytes = wb.save_to_buffer().unwrap();
        assert!(bytes.len() < 200_000, "deflated: {} bytes", bytes.len());
        assert_eq!(
            check_unpacked_parts(&bytes, 1024 * 1024),
            Err(ReadError::UnpacksTooLarge {
                part: "xl/sharedStrings.xml".into(),
                max_mib: 1
            })
        );
        assert_eq!(check_unpacked_parts(&bytes, 4 * 1024 * 1024), Ok(()));
        assert_eq!(read_table(&bytes).unwrap().rows.len(), 1_999);
    }

    #[test]
    fn a_sheet_spanning_the_whole_grid_is_refused_before_anything_is_built() {
        let cells = [("A1", "external_id"), ("XFD1048576", "x")];
        // as Excel writes it: the dimension says A1:XFD1048576
        let honest = xlsx_with_sheet(&sheet_xml(Some("A1:XFD1048576"), &cells));
        assert!(
            honest.len() < 4_000,
            "a tiny file (stored, not deflated): {} bytes",
            honest.len()
        );
        let e = read_table(&honest).unwrap_err();
        assert_eq!(
            e,
            ReadError::TooWide {
                cell: "XFD1048576".into(),
                column: "XFD".into(),
                max: MAX_COLUMNS
            }
        );
        // a file that lies about (or omits) its dimension is refused by its cells
        for dim in [Some("A1"), None] {
            let lying = xlsx_with_sheet(&sheet_xml(dim, &cells));
            assert_eq!(read_table(&lying).unwrap_err().code(), "too_wide");
        }
        // wide enough to be allowed, but too many rows × columns
        let tall = xlsx_with_sheet(&sheet_xml(
            Some("A1:ALL1048576"),
            &[("A1", "external_id"), ("ALL1048576", "x")],
        ));
        assert_eq!(
            read_table(&tall).unwrap_err(),
            ReadError::TooLarge {
                rows: 1_048_576,
                columns: 1_000,
                max: MAX_CELLS
            }
        );
        // and by its cells when the dimension lies: a few rows, but each 1,000 wide is fine…
        let ok = xlsx_with_sheet(&sheet_xml(
            Some("A1"),
            &[("A1", "external_id"), ("ALL1048576", "x")],
        ));
        let t = read_table(&ok).unwrap();
        assert_eq!(t.headers.len(), 1_000);
        assert_eq!(t.rows[0].0, 1_048_576);
        // an inverted dimension makes calamine overflow (a panic in debug builds): refused or
        // read, never a panic that reaches the caller
        let inverted = xlsx_with_sheet(&sheet_xml(Some("C5:A1"), &[("A1", "id")]));
        match read_table(&inverted) {
            Ok(t) => assert_eq!(t.headers, ["id"]),
            Err(e) => assert_eq!(e.code(), "not_xlsx"),
        }
    }

    #[test]
    fn a_csv_too_wide_is_refused() {
        let wide = format!("id{}\n", ",x".repeat(MAX_COLUMNS as usize));
        let e = read_table(wide.as_bytes()).unwrap_err();
        assert_eq!(
            e,
            ReadError::TooWideCsv {
                line: 1,
                max: MAX_COLUMNS
            }
        );
    }

    #[test]
    fn column_letters_as_a_spreadsheet_names_them() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(999), "ALL");
        assert_eq!(column_letters(16_383), "XFD");
    }

    #[test]
    fn units_report_every_bad_row_and_order_parents_first() {
        let csv = "id,naam,valt onder,kant\nTEAM1,Team 1,KS,front\nKS,Klantenservice,,front office\nX,,KS,front\nY,Y,NOPE,back\nZ,Z,,sideways\nKS,Dubbel,,back\nA,A,B,back\nB,B,A,back\n";
        let t = read_table(csv.as_bytes()).unwrap();
        let c = check_units(&t, &HashMap::new());
        let ids: Vec<&str> = c
            .records
            .iter()
            .map(|(_, r)| r.external_id.as_str())
            .collect();
        assert_eq!(ids, ["KS", "TEAM1"]);
        let errs: Vec<String> = c.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            errs,
            [
                "line 4, column name: is empty",
                "line 5, column parent: unit `NOPE` does not exist (not in this file, not imported before)",
                "line 6, column office: `sideways` is not front or back (front office / back office)",
                "line 7, column external_id: `KS` also appears on line 3",
                "line 8, column parent: this parent would make a cycle (a unit under itself)",
                "line 9, column parent: this parent would make a cycle (a unit under itself)",
            ]
        );
    }

    /// A tree as deep as it is large, children before parents in the file: each unit's chain is
    /// worked out once (before, every unit walked its whole chain for the cycle check and again
    /// for each comparison of the sort), and a refused unit refuses its whole subtree however
    /// deep. Reading the file counts each byte once for the line numbers (before, each row
    /// counted the newlines from the start of the file: 57 s for this file in a debug build).
    #[test]
    fn a_deep_tree_is_checked_once_per_unit_and_ordered_parents_first() {
        // 20,000 units: 400 chains of 50 levels (the most allowed is MAX_UNIT_DEPTH), written
        // children first.
        let (chains, levels) = (400, 50);
        let n = chains * levels;
        let mut csv = String::from("id,name,parent,office\n");
        for level in (0..levels).rev() {
            for chain in 0..chains {
                let parent = if level == 0 {
                    String::new()
                } else {
                    format!("U{chain}_{}", level - 1)
                };
                csv.push_str(&format!(
                    "U{chain}_{level},Unit {chain} {level},{parent},back\n"
                ));
            }
        }
        // a second chain under a unit whose office is wrong
        csv.push_str("B0,Bad,,sideways\n");
        for i in 1..50 {
            csv.push_str(&format!("B{i},B {i},B{},back\n", i - 1));
        }
        let started = std::time::Instant::now();
        let t = read_table(csv.as_bytes()).unwrap();
        let c = check_units(&t, &HashMap::new());
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
        let ids: Vec<String> = c
            .records
            .iter()
            .map(|(_, r)| r.external_id.to_string())
            .collect();
        assert_eq!(ids.len(), n);
        // parents first: every unit's parent comes before it
        let at: HashMap<&str, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        for (_, r) in &c.records {
            if let Some(p) = &r.parent {
                assert!(
                    at[p.as_str()] < at[r.external_id.as_str()],
                    "{} before {}",
                    p,
                    r.external_id
                );
            }
        }
        assert_eq!(c.errors.len(), 50);
        assert!(matches!(
            c.errors[0].problem,
            RowProblem::NotAnOffice { .. }
        ));
        // B1's parent is no unit at all (its row was refused); B2 … B49 are under refused ones
        assert!(matches!(
            c.errors[1].problem,
            RowProblem::UnknownParent { .. }
        ));
        assert!(c.errors[2..].iter().enumerate().all(|(i, e)| matches!(
            &e.problem,
            RowProblem::ParentRefused { unit } if *unit == format!("B{}", i + 1)
        )));
    }

    #[test]
    fn missing_columns_are_one_clear_error() {
        let t = read_table(b"id,name\nA,B\n").unwrap();
        let c = check_units(&t, &HashMap::new());
        assert_eq!(c.errors.len(), 1);
        assert_eq!(c.errors[0].line, 1);
        assert!(c.errors[0].reason().starts_with("missing column(s) office"));
    }

    #[test]
    fn employees_need_known_units() {
        let t = read_table(b"external_id,name,email,unit,role,customer_facing\nE1,Anna,anna@example.nl,KS,Adviseur,ja\nE2,Bob,bob@,KS,,nee\nE3,Cem,,NOPE,,misschien\n").unwrap();
        let units: HashSet<String> = ["KS".to_string()].into();
        let c = check_employees(&t, &units);
        assert_eq!(c.records.len(), 1);
        assert!(c.records[0].1.customer_facing);
        let errs: Vec<String> = c.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            errs,
            [
                "line 3, column email: `bob@` is not an email address",
                "line 4, column unit: unit `NOPE` does not exist; import units first",
                "line 4, column customer_facing: `misschien` is not yes or no",
            ]
        );
    }

    #[test]
    fn contacts_keep_free_attributes() {
        let t = read_table(b"klantnummer,email,taal,Segment,Regio\nC1,c1@example.com,nl,zakelijk,Noord\nC2,,xx-,particulier,\n").unwrap();
        let c = check_contacts(&t);
        assert_eq!(c.records.len(), 1);
        assert_eq!(
            c.records[0].1.attributes.get("segment").map(String::as_str),
            Some("zakelijk")
        );
        assert_eq!(
            c.records[0].1.attributes.get("regio").map(String::as_str),
            Some("Noord")
        );
        assert_eq!(c.errors[0].column, "lang");
    }
}
