//! Reading organisation data (units, employees, customer contacts) from CSV or XLSX files, with a
//! report of every rejected row: line, column and reason. Pure: the bytes come in, records and
//! errors go out; storage decides what to write.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Cursor;

use serde::Serialize;

use crate::{ExternalId, Lang};

/// A rectangular table read from a file: a header row and data rows with their line numbers
/// (1-based, as a spreadsheet shows them; the header is line 1).
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: usize,
    pub column: String,
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column.is_empty() {
            write!(f, "line {}: {}", self.line, self.reason)
        } else {
            write!(
                f,
                "line {}, column {}: {}",
                self.line, self.column, self.reason
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
pub fn read_table(bytes: &[u8]) -> Result<Table, String> {
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)
    } else {
        read_csv(bytes)
    }
}

fn read_csv(bytes: &[u8]) -> Result<Table, String> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        return Err(format!(
            "the file is not UTF-8 text (first bad byte on line {line}); save it as CSV UTF-8"
        ));
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
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| format!("line {}: {e}", i + 1))?;
        if rec.len() > MAX_COLUMNS {
            return Err(format!(
                "record {} has {} columns: an import reads at most {MAX_COLUMNS}; check the separator and what lies beyond the table",
                i + 1,
                rec.len()
            ));
        }
        if i > MAX_ROWS {
            return Err(format!("the file has more than {MAX_ROWS} lines; split it"));
        }
        let cells: Vec<String> = rec.iter().map(|c| c.trim().to_string()).collect();
        // The csv crate does not count skipped blank lines; count newlines before the record.
        let line = rec
            .position()
            .map(|p| {
                let start = (p.byte() as usize).min(bytes.len());
                let skipped = bytes[start..]
                    .iter()
                    .take_while(|b| **b == b'\n' || **b == b'\r')
                    .filter(|b| **b == b'\n')
                    .count();
                bytes[..start].iter().filter(|b| **b == b'\n').count() + skipped + 1
            })
            .unwrap_or(i + 1);
        if i == 0 {
            table.headers = cells;
        } else if cells.iter().any(|c| !c.is_empty()) {
            table.rows.push((line, cells));
        }
    }
    if table.headers.iter().all(String::is_empty) {
        return Err("the file is empty: the first line must name the columns".into());
    }
    Ok(table)
}

/// The widest table an import reads: far more columns than any unit, employee or contact file
/// has, few enough that a hostile sheet cannot make us allocate a grid of XFD columns.
pub const MAX_COLUMNS: usize = 256;
/// The most rows an import reads (one more than a sheet of Excel can hold is never needed).
pub const MAX_ROWS: usize = 1_048_576;
/// The most cells (rows with content × columns) an import builds: about 16 million, a few
/// hundred MB at worst, whatever the sheet claims about its size.
pub const MAX_GRID_CELLS: usize = 1 << 24;

/// Reads the first sheet cell by cell (calamine's streaming reader): only cells that are
/// present are kept, so a sheet with one cell at A1 and one at XFD1048576 costs two cells, and
/// is then refused for its width before any grid is built.
fn read_xlsx(bytes: &[u8]) -> Result<Table, String> {
    use calamine::{DataRef, Reader, Xlsx};
    use std::collections::BTreeMap;
    let mut wb: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| format!("not a readable XLSX file: {e}"))?;
    let first = wb
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| "the workbook has no sheets".to_string())?;
    let mut reader = wb
        .worksheet_cells_reader(&first)
        .map_err(|e| format!("the first sheet cannot be read: {e}"))?;
    let mut rows: BTreeMap<u32, Vec<(u32, String)>> = BTreeMap::new();
    let mut width = 0usize;
    loop {
        let cell = match reader.next_cell() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => return Err(format!("the first sheet cannot be read: {e}")),
        };
        let (row, col) = cell.get_position();
        let text = match cell.get_value() {
            DataRef::Empty => continue,
            DataRef::String(s) => s.trim().to_string(),
            DataRef::SharedString(s) => s.trim().to_string(),
            DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            DataRef::Float(f) => f.to_string(),
            DataRef::Int(i) => i.to_string(),
            DataRef::Bool(b) => b.to_string(),
            other => calamine::Data::from(other.clone()).to_string(),
        };
        if text.is_empty() {
            continue;
        }
        if col as usize >= MAX_COLUMNS {
            return Err(format!(
                "the first sheet has a value in column {} (row {}): an import reads at most {MAX_COLUMNS} columns; delete what lies beyond the table and try again",
                column_name(col),
                row + 1
            ));
        }
        width = width.max(col as usize + 1);
        let cells = rows.entry(row).or_default();
        cells.push((col, text));
        if rows.len() > MAX_ROWS {
            return Err(format!(
                "the first sheet has more than {MAX_ROWS} rows with values; split the file"
            ));
        }
    }
    if rows.len().saturating_mul(width) > MAX_GRID_CELLS {
        return Err(format!(
            "the first sheet has {} rows with values over {width} columns, more than an import reads at once ({MAX_GRID_CELLS} cells); split the file",
            rows.len()
        ));
    }
    let mut table = Table::default();
    for (i, (row, cells)) in rows.into_iter().enumerate() {
        let mut line = vec![String::new(); width];
        for (col, text) in cells {
            line[col as usize] = text;
        }
        if i == 0 {
            table.headers = line;
        } else {
            table.rows.push((row as usize + 1, line));
        }
    }
    if table.headers.iter().all(String::is_empty) {
        return Err("the first sheet is empty: its first row must name the columns".into());
    }
    Ok(table)
}

/// A spreadsheet column's letters: 0 → `A`, 16383 → `XFD`.
fn column_name(col: u32) -> String {
    let mut n = col as u64 + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = ((n - 1) % 26) as u8;
        out.push(b'A' + r);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
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
                reason: format!(
                    "missing column(s) {}; the first line must name the columns (found: {})",
                    missing.join(", "),
                    table.headers.join(", ")
                ),
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
    fn fail(&mut self, column: &str, reason: impl Into<String>) {
        self.failed = true;
        self.errors.push(RowError {
            line: self.line,
            column: column.into(),
            reason: reason.into(),
        });
    }
    fn id(&mut self, column: &str, value: &str, required: bool) -> Option<ExternalId> {
        if value.is_empty() {
            if required {
                self.fail(column, "is empty");
            }
            return None;
        }
        match ExternalId::parse(value) {
            Ok(id) => Some(id),
            Err(e) => {
                self.fail(column, e.0);
                None
            }
        }
    }
    fn name(&mut self, column: &str, value: &str, required: bool) -> Option<String> {
        if value.is_empty() {
            if required {
                self.fail(column, "is empty");
            }
            return None;
        }
        if value.chars().count() > 200 {
            self.fail(column, "is longer than 200 characters");
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
            self.fail(column, format!("`{value}` is not an email address"));
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
                check.fail(wanted[0].0, format!("`{k}` also appears on line {first}"));
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
                    format!("`{office_raw}` is not front or back (front office / back office)"),
                );
            }
            if let (Some(id), Some(p)) = (&external_id, &parent)
                && id == p
            {
                check.fail("parent", "a unit cannot be its own parent");
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
    for (line, r) in &checked.records {
        if let Some(p) = &r.parent
            && !parent_of.contains_key(p.as_str())
        {
            checked.errors.push(RowError {
                line: *line,
                column: "parent".into(),
                reason: format!(
                    "unit `{p}` does not exist (not in this file, not imported before)"
                ),
            });
            bad.insert(r.external_id.to_string());
            continue;
        }
        let mut cursor = r.parent.as_ref().map(ToString::to_string);
        let mut steps = 0;
        while let Some(c) = cursor {
            if c == r.external_id.as_str() || steps > parent_of.len() {
                checked.errors.push(RowError {
                    line: *line,
                    column: "parent".into(),
                    reason: "this parent would make a cycle (a unit under itself)".into(),
                });
                bad.insert(r.external_id.to_string());
                break;
            }
            cursor = parent_of.get(&c).cloned().flatten();
            steps += 1;
        }
    }
    checked
        .records
        .retain(|(_, r)| !bad.contains(r.external_id.as_str()));
    // A row whose parent was refused cannot be written either.
    loop {
        let before = checked.records.len();
        let refused: Vec<(usize, String, String)> = checked
            .records
            .iter()
            .filter(|(_, r)| r.parent.as_ref().is_some_and(|p| bad.contains(p.as_str())))
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
                reason: format!("parent `{parent}` was refused"),
            });
            bad.insert(id);
        }
        checked
            .records
            .retain(|(_, r)| !bad.contains(r.external_id.as_str()));
        if checked.records.len() == before {
            break;
        }
    }
    // Parents first.
    let in_file: HashSet<String> = checked
        .records
        .iter()
        .map(|(_, r)| r.external_id.to_string())
        .collect();
    let depth = |id: &str| {
        let mut d = 0;
        let mut cur = parent_of.get(id).cloned().flatten();
        while let Some(c) = cur {
            if !in_file.contains(&c) || d > parent_of.len() {
                break;
            }
            d += 1;
            cur = parent_of.get(&c).cloned().flatten();
        }
        d
    };
    checked
        .records
        .sort_by_key(|(line, r)| (depth(r.external_id.as_str()), *line));
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
                    format!("unit `{u}` does not exist; import units first"),
                );
            }
            let role = check.name("role", cols.get(cells, "role"), false);
            let cf_raw = cols.get(cells, "customer_facing");
            let customer_facing = parse_bool(cf_raw);
            if customer_facing.is_none() {
                check.fail("customer_facing", format!("`{cf_raw}` is not yes or no"));
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
                    Err(e) => {
                        check.fail("lang", e);
                        None
                    }
                }
            };
            let mut attributes = BTreeMap::new();
            for (i, h) in &attribute_cols {
                let v = cells.get(*i).map(String::as_str).unwrap_or("");
                if v.chars().count() > 500 {
                    check.fail(h, "is longer than 500 characters");
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

#[cfg(test)]
mod tests {
    use super::*;

    fn workbook(cells: &[(u32, u16, &str)]) -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (r, c, v) in cells {
            ws.write_string(*r, *c, *v).unwrap();
        }
        wb.save_to_buffer().unwrap()
    }

    #[test]
    fn a_sheet_claiming_the_whole_grid_is_refused_without_building_it() {
        // The attack of issue 14: one cell at A1, one at XFD1048576, a file of a few KB. Read
        // densely that is 17 billion cells; read sparsely it is two, refused for the width.
        let bomb = workbook(&[(0, 0, "external_id"), (1_048_575, 16_383, "x")]);
        assert!(bomb.len() < 10_000, "{} bytes", bomb.len());
        let err = read_table(&bomb).unwrap_err();
        assert!(err.contains("column XFD (row 1048576)"), "{err}");
        assert!(err.contains("at most 256 columns"), "{err}");
        // Far down but narrow is fine, and costs only the rows that hold values.
        let tall = workbook(&[
            (0, 0, "external_id"),
            (0, 1, "name"),
            (1_048_575, 0, "KS"),
            (1_048_575, 1, "Klantenservice"),
        ]);
        let t = read_table(&tall).unwrap();
        assert_eq!(t.headers, ["external_id", "name"]);
        assert_eq!(
            t.rows,
            [(1_048_576, vec!["KS".to_string(), "Klantenservice".into()])]
        );
    }

    #[test]
    fn a_csv_line_with_thousands_of_columns_is_refused() {
        let mut wide = "external_id,name\n".to_string();
        wide.push_str(&",".repeat(MAX_COLUMNS + 10));
        let err = read_table(wide.as_bytes()).unwrap_err();
        assert!(err.contains("at most 256"), "{err}");
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(16_383), "XFD");
    }

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
        assert!(e.contains("line 2"), "{e}");
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

    #[test]
    fn missing_columns_are_one_clear_error() {
        let t = read_table(b"id,name\nA,B\n").unwrap();
        let c = check_units(&t, &HashMap::new());
        assert_eq!(c.errors.len(), 1);
        assert_eq!(c.errors[0].line, 1);
        assert!(c.errors[0].reason.starts_with("missing column(s) office"));
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
