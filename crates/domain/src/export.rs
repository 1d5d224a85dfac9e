//! The shape of a response export: one row per response, one column per question (matrix and
//! allocation items get a column each), in the order of the newest version, followed by
//! questions only older versions had.

use std::borrow::Cow;

use serde_json::Value;

use crate::survey::{QuestionKind, SurveyDefinition};

/// The fixed columns that precede the answers.
pub const FIXED_COLUMNS: [&str; 9] = [
    "response_id",
    "submitted_at",
    "survey_version",
    "lang",
    "unit",
    "touchpoint",
    "channel",
    "employee",
    "contact",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnswerColumn {
    Question(String),
    Item(String, String),
}

impl AnswerColumn {
    pub fn header(&self) -> String {
        match self {
            AnswerColumn::Question(q) => q.clone(),
            AnswerColumn::Item(q, i) => format!("{q}.{i}"),
        }
    }
}

/// Answer columns over several versions (newest first).
pub fn answer_columns<'a>(
    versions: impl IntoIterator<Item = &'a SurveyDefinition>,
) -> Vec<AnswerColumn> {
    let mut cols: Vec<AnswerColumn> = Vec::new();
    for def in versions {
        for q in def.questions() {
            let new: Vec<AnswerColumn> = match &q.kind {
                QuestionKind::Matrix { items, .. } | QuestionKind::Allocation { items, .. } => {
                    items
                        .iter()
                        .map(|i| AnswerColumn::Item(q.id.to_string(), i.id.to_string()))
                        .collect()
                }
                _ => vec![AnswerColumn::Question(q.id.to_string())],
            };
            for c in new {
                if !cols.contains(&c) {
                    cols.push(c);
                }
            }
        }
    }
    cols
}

pub fn header(cols: &[AnswerColumn]) -> Vec<String> {
    FIXED_COLUMNS
        .iter()
        .map(|s| s.to_string())
        .chain(cols.iter().map(AnswerColumn::header))
        .collect()
}

/// The cells of the answer columns for one response's stored answers. Lists (multiple choice,
/// ranking in order) are joined with `|`; yes/no is written as `yes`/`no`.
pub fn answer_cells(
    cols: &[AnswerColumn],
    answers: &serde_json::Map<String, Value>,
) -> Vec<String> {
    cols.iter()
        .map(|c| {
            let v = match c {
                AnswerColumn::Question(q) => answers.get(q),
                AnswerColumn::Item(q, i) => answers.get(q).and_then(|m| m.get(i)),
            };
            match v {
                None | Some(Value::Null) => String::new(),
                Some(Value::Bool(true)) => "yes".into(),
                Some(Value::Bool(false)) => "no".into(),
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| x.to_string())
                    })
                    .collect::<Vec<_>>()
                    .join("|"),
                Some(other) => other.to_string(),
            }
        })
        .collect()
}

/// One CSV record (with line end) for the given cells, quoted where needed, and with cells that
/// a spreadsheet would run as a formula defused (see [`spreadsheet_safe`]).
pub fn csv_record(cells: &[String], delimiter: u8) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .from_writer(Vec::with_capacity(256));
    let _ = w.write_record(cells.iter().map(|c| match spreadsheet_safe(c) {
        Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
        Cow::Owned(s) => Cow::Owned(s.into_bytes()),
    }));
    w.into_inner().unwrap_or_default()
}

/// Many CSV records at once, through one writer: the same output as [`csv_record`] for each,
/// without a new writer (and its buffer) per row.
pub fn csv_records<'a>(rows: impl IntoIterator<Item = &'a [String]>, delimiter: u8) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .from_writer(Vec::with_capacity(64 * 1024));
    for cells in rows {
        let _ = w.write_record(cells.iter().map(|c| match spreadsheet_safe(c) {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        }));
    }
    w.into_inner().unwrap_or_default()
}

/// Open answers are written by anyone with the survey link. A cell that starts with `=`, `+`,
/// `-`, `@`, a tab or a carriage return is taken as a formula by Excel and LibreOffice (CSV
/// injection), so such a cell gets a leading `'`, which spreadsheets show as text. Numbers such
/// as `-3` stay as they are.
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    let risky = matches!(
        cell.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    );
    if risky && cell.parse::<f64>().is_err() {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_records_equal_one_by_one() {
        let rows = [
            vec!["a".to_string(), "=1+1".into(), "x;y".into()],
            vec!["\"q\"".to_string(), "-3".into(), String::new()],
        ];
        for d in [b',', b';'] {
            let one: Vec<u8> = rows.iter().flat_map(|r| csv_record(r, d)).collect();
            assert_eq!(csv_records(rows.iter().map(Vec::as_slice), d), one);
        }
    }
    use crate::survey::{FileFormat, parse_survey_file};

    #[test]
    fn columns_union_over_versions_and_cells() {
        let v1 = parse_survey_file(b"key: s\ntitle: {en: S}\nquestions:\n  - {id: a, type: yesno, text: {en: A}}\n  - {id: old, type: text, text: {en: O}}\n", FileFormat::Yaml).unwrap().definition;
        let v2 = parse_survey_file(b"key: s\ntitle: {en: S}\nquestions:\n  - {id: g, type: matrix, likert: 5, text: {en: G}, items: [{id: x, text: {en: X}}, {id: y, text: {en: Y}}]}\n  - {id: a, type: yesno, text: {en: A}}\n  - {id: m, type: multi, text: {en: M}, options: [{id: p, text: {en: P}}, {id: q, text: {en: Q}}]}\n", FileFormat::Yaml).unwrap().definition;
        let cols = answer_columns([&v2, &v1]);
        let heads: Vec<String> = cols.iter().map(AnswerColumn::header).collect();
        assert_eq!(heads, ["g.x", "g.y", "a", "m", "old"]);
        let answers = serde_json::json!({"g": {"x": 4, "y": 2}, "a": false, "m": ["q", "p"], "old": "a \"quoted\", text"});
        let cells = answer_cells(&cols, answers.as_object().unwrap());
        assert_eq!(cells, ["4", "2", "no", "q|p", "a \"quoted\", text"]);
        assert_eq!(
            String::from_utf8(csv_record(&cells, b',')).unwrap(),
            "4,2,no,q|p,\"a \"\"quoted\"\", text\"\n"
        );
    }

    #[test]
    fn formulas_are_defused_and_numbers_kept() {
        let cells: Vec<String> = [
            "=HYPERLINK(\"http://x\")",
            "+1+2",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "-3",
            "-0.5",
            "+7",
            "fine",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            String::from_utf8(csv_record(&cells, b';')).unwrap(),
            "\"'=HYPERLINK(\"\"http://x\"\")\";'+1+2;'-2+3;'@SUM(A1);'\tx;-3;-0.5;+7;fine;\n"
        );
    }
}
