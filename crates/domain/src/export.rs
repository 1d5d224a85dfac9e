//! The shape of a response export: one row per response, one column per question (matrix and
//! allocation items get a column each), in the order of the newest version, followed by
//! questions only older versions had.
// A new question kind must be decided on at every match here: no wildcard arms over enums.
#![deny(clippy::wildcard_enum_match_arm)]

use std::borrow::Cow;

use rustc_hash::FxHashMap;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::survey::SurveyDefinition;

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
            let items = q.kind.items();
            let new: Vec<AnswerColumn> = if items.is_empty() {
                vec![AnswerColumn::Question(q.id.to_string())]
            } else {
                items
                    .iter()
                    .map(|i| AnswerColumn::Item(q.id.to_string(), i.id.to_string()))
                    .collect()
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

/// The header for people: each column's id with its text beside it (`nps: Hoe waarschijnlijk
/// …`, `kwaliteit.snel: Kwaliteit – Snelheid`), the question's text in `lang` from the newest
/// of `versions` that has it; `fixed` names the fixed columns in that language.
pub fn labelled_header(
    cols: &[AnswerColumn],
    versions: &[&SurveyDefinition],
    lang: &crate::Lang,
    fixed: &[String; FIXED_COLUMNS.len()],
) -> Vec<String> {
    let question = |q: &str| {
        versions.iter().find_map(|def| {
            def.questions()
                .find(|x| x.id.as_str() == q)
                .map(|x| (def, x))
        })
    };
    let label = |c: &AnswerColumn| -> Option<String> {
        match c {
            AnswerColumn::Question(q) => {
                let (def, x) = question(q)?;
                Some(x.text.get(lang, def.default_lang()).to_string())
            }
            AnswerColumn::Item(q, i) => {
                let (def, x) = question(q)?;
                let items = x.kind.items();
                let item = items.iter().find(|o| o.id.as_str() == i)?;
                let fallback = def.default_lang();
                Some(format!(
                    "{} – {}",
                    x.text.get(lang, fallback),
                    item.text.get(lang, fallback)
                ))
            }
        }
    };
    FIXED_COLUMNS
        .iter()
        .zip(fixed)
        .map(|(id, text)| format!("{id}: {text}"))
        .chain(cols.iter().map(|c| match label(c) {
            Some(text) => format!("{}: {text}", c.header()),
            None => c.header(),
        }))
        .collect()
}

/// The cells of the answer columns for one response's stored answers. Lists (multiple choice,
/// ranking in order) are joined with `|`; yes/no is written as `yes`/`no`.
pub fn answer_cells(
    cols: &[AnswerColumn],
    answers: &serde_json::Map<String, Value>,
) -> Vec<String> {
    answer_cells_in(cols, answers, ("yes", "no"))
}

/// [`answer_cells`] with yes/no in words of the reader's language ([`yes_no_words`]).
pub fn answer_cells_in(
    cols: &[AnswerColumn],
    answers: &serde_json::Map<String, Value>,
    (yes, no): (&str, &str),
) -> Vec<String> {
    cols.iter()
        .map(|c| {
            let v = match c {
                AnswerColumn::Question(q) => answers.get(q),
                AnswerColumn::Item(q, i) => answers.get(q).and_then(|m| m.get(i)),
            };
            match v {
                Some(Value::Bool(true)) => yes.to_string(),
                Some(Value::Bool(false)) => no.to_string(),
                v => value_cell(v),
            }
        })
        .collect()
}

/// The cell text of one stored answer value.
fn value_cell(v: Option<&Value>) -> String {
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
}

/// One CSV record (with line end) for the given cells, quoted where needed, and with cells that
/// a spreadsheet would run as a formula defused (see [`spreadsheet_safe`]).
pub fn csv_record(cells: &[String], delimiter: u8) -> Vec<u8> {
    let mut w = CsvRows::new(delimiter);
    w.record(cells.iter().map(String::as_str));
    w.take()
}

/// CSV records written one after another into one buffer (see [`csv_record`] for the rules),
/// taken out in pieces as a download streams.
pub struct CsvRows {
    w: csv::Writer<Vec<u8>>,
    delimiter: u8,
}

impl CsvRows {
    pub fn new(delimiter: u8) -> CsvRows {
        CsvRows {
            w: Self::writer(delimiter),
            delimiter,
        }
    }

    fn writer(delimiter: u8) -> csv::Writer<Vec<u8>> {
        csv::WriterBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_writer(Vec::with_capacity(64 * 1024))
    }

    /// Appends one record.
    pub fn record<'s>(&mut self, cells: impl IntoIterator<Item = &'s str>) {
        // Writing into a Vec cannot fail.
        for cell in cells {
            let _ = self.w.write_field(spreadsheet_safe(cell).as_bytes());
        }
        let _ = self.w.write_record(None::<&[u8]>);
    }

    /// The bytes written since the last call.
    pub fn take(&mut self) -> Vec<u8> {
        let full = std::mem::replace(&mut self.w, Self::writer(self.delimiter));
        full.into_inner().unwrap_or_default()
    }
}

/// Where each stored answer goes among the answer columns, built once per export. A stored
/// response's JSON text is read once, borrowing from it, and each answer is written into its
/// column without building a JSON tree: the same cells as [`answer_cells`], at the speed that
/// exports of millions of responses need.
pub struct AnswerLayout {
    width: usize,
    slots: FxHashMap<String, Slot>,
    /// The words for a yes/no answer in the export's language.
    yes_no: (&'static str, &'static str),
    /// Where `submitted_at` is told: the organisation's time zone, with its offset.
    tz: jiff::tz::TimeZone,
}

/// The words a yes/no answer is written as in an export in `lang` (`yes`/`no` unless Dutch).
pub fn yes_no_words(lang: &str) -> (&'static str, &'static str) {
    if lang.starts_with("nl") {
        ("ja", "nee")
    } else {
        ("yes", "no")
    }
}

#[derive(Default)]
struct Slot {
    /// The column of the question as a whole.
    whole: Vec<usize>,
    /// The columns of its items (matrix, allocation): (item id, column).
    items: Vec<(String, usize)>,
}

impl AnswerLayout {
    pub fn new(cols: &[AnswerColumn]) -> AnswerLayout {
        let mut slots: FxHashMap<String, Slot> = FxHashMap::default();
        for (i, c) in cols.iter().enumerate() {
            match c {
                AnswerColumn::Question(q) => slots.entry(q.clone()).or_default().whole.push(i),
                AnswerColumn::Item(q, item) => slots
                    .entry(q.clone())
                    .or_default()
                    .items
                    .push((item.clone(), i)),
            }
        }
        AnswerLayout {
            width: cols.len(),
            slots,
            yes_no: ("yes", "no"),
            tz: jiff::tz::TimeZone::UTC,
        }
    }

    /// The same layout speaking `lang` (yes/no words) and telling times in `tz`.
    pub fn speaking(mut self, lang: &str, tz: jiff::tz::TimeZone) -> AnswerLayout {
        self.yes_no = yes_no_words(lang);
        self.tz = tz;
        self
    }

    /// Appends the moment `ms` (milliseconds since the epoch) as RFC 3339 in the layout's time
    /// zone with its offset (`2026-03-01T10:00:00+01:00`), which spreadsheets and programs read
    /// back to the same instant.
    pub fn write_time(&self, ms: i64, out: &mut String) {
        use std::fmt::Write;
        if let Ok(t) = jiff::Timestamp::from_millisecond(ms) {
            let offset = self.tz.to_offset(t);
            let _ = write!(out, "{}", t.display_with_offset(offset));
        }
    }

    /// The answer cells of one response from its stored JSON text, into `cells` (cleared
    /// first). Text that is not a JSON object gives empty cells.
    pub fn cells<'a>(&self, answers: &'a str, cells: &mut Vec<Cow<'a, str>>) {
        cells.clear();
        cells.resize(self.width, Cow::Borrowed(""));
        let mut de = serde_json::Deserializer::from_str(answers);
        let filled = serde::de::DeserializeSeed::deserialize(
            FillCells {
                layout: self,
                cells: &mut *cells,
            },
            &mut de,
        );
        if filled.is_err() {
            cells.iter_mut().for_each(|c| *c = Cow::Borrowed(""));
        }
    }
}

struct FillCells<'l, 'c, 'a> {
    layout: &'l AnswerLayout,
    cells: &'c mut Vec<Cow<'a, str>>,
}

impl<'a> serde::de::DeserializeSeed<'a> for FillCells<'_, '_, 'a> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'a>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'a> serde::de::Visitor<'a> for FillCells<'_, '_, 'a> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object of answers")
    }
    fn visit_map<M: serde::de::MapAccess<'a>>(self, mut map: M) -> Result<(), M::Error> {
        while let Some(Key(key)) = map.next_key::<Key<'a>>()? {
            let raw: &'a RawValue = map.next_value()?;
            let Some(slot) = self.layout.slots.get(key.as_ref()) else {
                continue;
            };
            if let Some((&first, rest)) = slot.whole.split_first() {
                let cell = raw_cell(raw.get(), self.layout.yes_no);
                for &col in rest {
                    self.cells[col] = cell.clone();
                }
                self.cells[first] = cell;
            }
            if !slot.items.is_empty() {
                for (_, col) in &slot.items {
                    self.cells[*col] = Cow::Borrowed("");
                }
                if raw.get().starts_with('{') {
                    let items: Vec<(Key<'a>, &'a RawValue)> =
                        serde_json::from_str::<ItemPairs<'a>>(raw.get())
                            .map(|p| p.0)
                            .unwrap_or_default();
                    for (Key(item), v) in items {
                        for (_, col) in slot.items.iter().filter(|(id, _)| *id == item) {
                            self.cells[*col] = raw_cell(v.get(), self.layout.yes_no);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// An object key, borrowed from the JSON text unless it holds escapes.
struct Key<'a>(Cow<'a, str>);

impl<'a> serde::Deserialize<'a> for Key<'a> {
    fn deserialize<D: serde::Deserializer<'a>>(d: D) -> Result<Key<'a>, D::Error> {
        struct V;
        impl<'a> serde::de::Visitor<'a> for V {
            type Value = Key<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'a str) -> Result<Key<'a>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'a>, E> {
                Ok(Key(Cow::Owned(s.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

/// The entries of a matrix or allocation answer, in order.
struct ItemPairs<'a>(Vec<(Key<'a>, &'a RawValue)>);

impl<'a> serde::Deserialize<'a> for ItemPairs<'a> {
    fn deserialize<D: serde::Deserializer<'a>>(d: D) -> Result<ItemPairs<'a>, D::Error> {
        struct V;
        impl<'a> serde::de::Visitor<'a> for V {
            type Value = ItemPairs<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<M: serde::de::MapAccess<'a>>(
                self,
                mut map: M,
            ) -> Result<ItemPairs<'a>, M::Error> {
                let mut pairs = Vec::new();
                while let Some(entry) = map.next_entry::<Key<'a>, &'a RawValue>()? {
                    pairs.push(entry);
                }
                Ok(ItemPairs(pairs))
            }
        }
        d.deserialize_map(V)
    }
}

/// One answer cell from the JSON text of a value, with the rules of [`answer_cells`]: plain
/// strings and integers are borrowed as they are; everything else goes through
/// [`serde_json::Value`].
fn raw_cell<'a>(raw: &'a str, (yes, no): (&'static str, &'static str)) -> Cow<'a, str> {
    match raw.as_bytes().first() {
        Some(b'"') if !raw.contains('\\') && raw.len() >= 2 => {
            Cow::Borrowed(&raw[1..raw.len() - 1])
        }
        Some(b'-' | b'0'..=b'9') if !raw.contains(['.', 'e', 'E']) => Cow::Borrowed(raw),
        Some(b't') => Cow::Borrowed(yes),
        Some(b'f') => Cow::Borrowed(no),
        Some(b'n') | None => Cow::Borrowed(""),
        _ => match serde_json::from_str::<Value>(raw) {
            Ok(v) => Cow::Owned(value_cell(Some(&v))),
            Err(_) => Cow::Borrowed(""),
        },
    }
}

/// Open answers are written by anyone with the survey link. A cell that starts with `=`, `+`,
/// `-`, `@`, a tab or a carriage return is taken as a formula by Excel and LibreOffice (CSV
/// injection), so such a cell gets a leading `'`, which spreadsheets show as text. Numbers such
/// as `-3` (or `-3,5` with a decimal comma) stay as they are.
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    let risky = matches!(
        cell.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    );
    let number = || {
        cell.parse::<f64>().is_ok()
            || (cell.matches(',').count() == 1 && cell.replace(',', ".").parse::<f64>().is_ok())
    };
    if risky && !number() {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn many_records_equal_one_by_one() {
        let rows = [
            vec!["a".to_string(), "=1+1".into(), "x;y".into()],
            vec!["\"q\"".to_string(), "-3".into(), String::new()],
            vec![String::new()],
        ];
        for d in [b',', b';'] {
            let one: Vec<u8> = rows.iter().flat_map(|r| csv_record(r, d)).collect();
            let mut w = CsvRows::new(d);
            for r in &rows {
                w.record(r.iter().map(String::as_str));
            }
            assert_eq!(w.take(), one);
            assert!(w.take().is_empty());
        }
        // One record of one empty cell stays distinguishable from no record (the csv crate's rule).
        assert_eq!(csv_record(&[String::new()], b','), b"\"\"\n");
    }

    /// Cells straight from stored JSON text for `cols`.
    fn layout_cells(cols: &[AnswerColumn], json: &str) -> Vec<String> {
        let mut cells = Vec::new();
        AnswerLayout::new(cols).cells(json, &mut cells);
        cells.into_iter().map(Cow::into_owned).collect()
    }

    #[test]
    fn layout_reads_escapes_floats_lists_and_bad_text() {
        let cols = vec![
            AnswerColumn::Question("a".into()),
            AnswerColumn::Item("g".into(), "x".into()),
            AnswerColumn::Question("g".into()),
            AnswerColumn::Question("t".into()),
            AnswerColumn::Question("f".into()),
            AnswerColumn::Question("m".into()),
            AnswerColumn::Question("\u{e9}".into()),
        ];
        let json = r#"{"a":"line\nnext \"q\"","g":{"x":2.50,"y":1},"t":1e2,"f":-0.5,"m":["p",3,null],"\u00e9":true,"zz":1}"#;
        let map: serde_json::Map<String, Value> = serde_json::from_str(json).unwrap();
        let expected = answer_cells(&cols, &map);
        assert_eq!(
            expected,
            [
                "line\nnext \"q\"",
                "2.5",
                r#"{"x":2.5,"y":1}"#,
                "100.0",
                "-0.5",
                "p|3|null",
                "yes"
            ]
        );
        assert_eq!(layout_cells(&cols, json), expected);
        assert_eq!(layout_cells(&cols, "[1,2]"), vec![String::new(); 7]);
        assert_eq!(
            layout_cells(&cols, r#"{"a":"x","g":"#),
            vec![String::new(); 7]
        );
        assert_eq!(layout_cells(&[], "{}"), Vec::<String>::new());
    }

    fn arb_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            "[a-z\"\\\\ \n\u{e9}=+-]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(2, 12, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map("[a-c]", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]
        /// The fast path gives exactly the cells of the JSON-tree path, for any stored answers.
        #[test]
        fn layout_equals_json_tree_cells(
            answers in proptest::collection::btree_map("[a-d]", arb_value(), 0..6),
            cols in proptest::collection::vec(
                prop_oneof![
                    "[a-e]".prop_map(AnswerColumn::Question),
                    ("[a-e]", "[a-c]").prop_map(|(q, i)| AnswerColumn::Item(q, i)),
                ],
                0..8,
            ),
        ) {
            let json = serde_json::to_string(&answers).unwrap();
            // the stored text read back as a tree, as the JSON-tree path reads it
            let map: serde_json::Map<String, Value> = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(layout_cells(&cols, &json), answer_cells(&cols, &map));
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
        let dutch = answer_cells_in(&cols, answers.as_object().unwrap(), yes_no_words("nl"));
        assert_eq!(dutch, ["4", "2", "nee", "q|p", "a \"quoted\", text"]);
        assert_eq!(cells, ["4", "2", "no", "q|p", "a \"quoted\", text"]);
        assert_eq!(
            String::from_utf8(csv_record(&cells, b',')).unwrap(),
            "4,2,no,q|p,\"a \"\"quoted\"\", text\"\n"
        );
    }

    #[test]
    fn an_export_speaks_its_language_and_time_zone() {
        let v1 = parse_survey_file(b"key: s\ntitle: {en: S}\nquestions:\n  - {id: old, type: text, text: {en: Old, nl: Oud}}\n", FileFormat::Yaml).unwrap().definition;
        let v2 = parse_survey_file(b"key: s\ntitle: {nl: S, en: S}\nquestions:\n  - {id: g, type: matrix, likert: 5, text: {nl: Kwaliteit, en: Quality}, items: [{id: x, text: {nl: Snelheid, en: Speed}}]}\n  - {id: a, type: yesno, text: {nl: Opgelost?, en: Solved?}}\n", FileFormat::Yaml).unwrap().definition;
        let cols = answer_columns([&v2, &v1]);
        let fixed: [String; 9] = std::array::from_fn(|i| format!("F{i}"));
        let nl = crate::Lang::parse("nl").unwrap();
        let head = labelled_header(&cols, &[&v2, &v1], &nl, &fixed);
        assert_eq!(head[0], "response_id: F0");
        assert_eq!(head[1], "submitted_at: F1");
        assert_eq!(
            &head[9..],
            ["g.x: Kwaliteit – Snelheid", "a: Opgelost?", "old: Oud"]
        );
        // Dutch words for yes and no, in the fast path
        let layout = AnswerLayout::new(&cols)
            .speaking("nl", jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap());
        let mut cells = Vec::new();
        layout.cells(r#"{"a": true, "g": {"x": 3}}"#, &mut cells);
        assert_eq!(cells, ["3", "ja", ""]);
        layout.cells(r#"{"a": false}"#, &mut cells);
        assert_eq!(cells[1], "nee");
        // 2026-01-15T09:30:00Z is 10:30 in Amsterdam in winter (+01:00), 2026-07-01T09:30Z is
        // 11:30 in summer (+02:00); both name the same instant as the UTC time.
        let mut t = String::new();
        layout.write_time(1_768_469_400_000, &mut t);
        assert_eq!(t, "2026-01-15T10:30:00+01:00");
        t.clear();
        layout.write_time(1_782_898_200_000, &mut t);
        assert_eq!(t, "2026-07-01T11:30:00+02:00");
        assert_eq!(
            t.parse::<jiff::Timestamp>().unwrap().as_millisecond(),
            1_782_898_200_000
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
            "-3,5",
            "-1,2,3",
            "fine",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            String::from_utf8(csv_record(&cells, b';')).unwrap(),
            "\"'=HYPERLINK(\"\"http://x\"\")\";'+1+2;'-2+3;'@SUM(A1);'\tx;-3;-0.5;+7;-3,5;'-1,2,3;fine;\n"
        );
    }
}
