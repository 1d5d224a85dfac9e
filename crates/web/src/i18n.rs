//! The UI's own texts in Dutch and English (Fluent files under `locales/`). Survey texts come
//! from the survey definition; these are the buttons, hints, errors and notices around them.
//! The language is a request value passed into every render, never a global.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid, static_loader};
use tevreden_domain::Lang;
use tevreden_domain::import::{ReadError, RowProblem};
use tevreden_domain::survey::AnswerErrorKind;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static NL: LanguageIdentifier = langid!("nl");
static EN: LanguageIdentifier = langid!("en");

/// Languages the UI itself is translated into.
pub fn ui_languages() -> [Lang; 2] {
    [Lang::nl(), Lang::en()]
}

fn id(lang: &Lang) -> &'static LanguageIdentifier {
    if lang.primary() == "nl" { &NL } else { &EN }
}

/// The text for `key` in `lang` (English when the UI has no such language).
pub fn t(lang: &Lang, key: &str) -> String {
    LOCALES.lookup(id(lang), key)
}

/// The text for `key` in `lang`, or `None` when there is none.
pub fn try_t(lang: &Lang, key: &str) -> Option<String> {
    LOCALES.try_lookup(id(lang), key)
}

pub fn t_args(lang: &Lang, key: &str, args: &[(&'static str, FluentValue<'static>)]) -> String {
    let map: HashMap<Cow<'static, str>, FluentValue> = args
        .iter()
        .map(|(k, v)| (Cow::Borrowed(*k), v.clone()))
        .collect();
    LOCALES.lookup_with_args(id(lang), key, &map)
}

pub fn num(n: impl Into<f64>) -> FluentValue<'static> {
    FluentValue::from(n.into())
}

/// A refused answer, in the respondent's language.
pub fn answer_error(lang: &Lang, kind: &AnswerErrorKind) -> String {
    let key = format!("answer-error-{}", kind.code());
    match kind {
        AnswerErrorKind::OutOfRange { min, max } => t_args(
            lang,
            &key,
            &[("min", num(*min as f64)), ("max", num(*max as f64))],
        ),
        AnswerErrorKind::TooFewSelected { min } => t_args(lang, &key, &[("min", num(*min))]),
        AnswerErrorKind::TooManySelected { max } | AnswerErrorKind::TooLong { max } => {
            t_args(lang, &key, &[("max", num(*max))])
        }
        AnswerErrorKind::RankingIncomplete { expected } => {
            t_args(lang, &key, &[("expected", num(*expected))])
        }
        AnswerErrorKind::AllocationTotal { total, given } => t_args(
            lang,
            &key,
            &[("total", num(*total)), ("given", num(*given as f64))],
        ),
        _ => t(lang, &key),
    }
}

/// A whole number with the language's thousands separator (`10.000.000`, `10,000,000`).
pub fn grouped(lang: &Lang, n: u64) -> String {
    let sep = if lang.primary() == "nl" { '.' } else { ',' };
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

fn text_args(lang: &Lang, key: &str, args: &[(&'static str, String)]) -> String {
    let args: Vec<(&'static str, FluentValue<'static>)> = args
        .iter()
        .map(|(k, v)| (*k, FluentValue::from(v.clone())))
        .collect();
    t_args(lang, key, &args)
}

/// Why an import file cannot be read, in `lang` (key `import-read-<code>`).
pub fn read_error(lang: &Lang, e: &ReadError) -> String {
    let key = format!("import-read-{}", e.code());
    let n = |v: u64| grouped(lang, v);
    let args: Vec<(&'static str, String)> = match e {
        ReadError::NotUtf8 { line } => vec![("line", n(*line as u64))],
        ReadError::Csv { line, detail } => {
            vec![("line", n(*line as u64)), ("detail", detail.clone())]
        }
        ReadError::NotXlsx { detail } | ReadError::SheetUnreadable { detail } => {
            vec![("detail", detail.clone())]
        }
        ReadError::NoSheets | ReadError::Empty | ReadError::SheetEmpty => vec![],
        ReadError::TooWide { cell, column, max } => vec![
            ("cell", cell.clone()),
            ("column", column.clone()),
            ("max", n(*max)),
        ],
        ReadError::TooWideCsv { line, max } => vec![("line", n(*line as u64)), ("max", n(*max))],
        ReadError::UnpacksTooLarge { part, max_mib } => {
            vec![("part", part.clone()), ("max", n(*max_mib))]
        }
        ReadError::TooLarge { rows, columns, max } => vec![
            ("rows", n(*rows)),
            ("columns", n(*columns)),
            ("max", n(*max)),
        ],
    };
    text_args(lang, &key, &args)
}

/// Why an import row (or the header) was refused, in `lang` (key `import-problem-<code>`).
pub fn import_problem(lang: &Lang, p: &RowProblem) -> String {
    let key = format!("import-problem-{}", p.code());
    let args: Vec<(&'static str, String)> = match p {
        RowProblem::MissingColumns { columns, found } => {
            vec![("columns", columns.join(", ")), ("found", found.join(", "))]
        }
        RowProblem::Empty | RowProblem::OwnParent | RowProblem::Cycle => vec![],
        RowProblem::TooLong { max } | RowProblem::TooDeep { max } => {
            vec![("max", grouped(lang, *max as u64))]
        }
        RowProblem::NotAnExternalId { value }
        | RowProblem::NotAnEmail { value }
        | RowProblem::NotAnOffice { value }
        | RowProblem::NotYesNo { value }
        | RowProblem::NotALanguage { value } => vec![("value", value.clone())],
        RowProblem::UnknownParent { unit }
        | RowProblem::ParentRefused { unit }
        | RowProblem::UnknownUnit { unit } => vec![("unit", unit.clone())],
        RowProblem::Duplicate { value, line } => {
            vec![("value", value.clone()), ("line", line.to_string())]
        }
    };
    text_args(lang, &key, &args)
}

/// The fixed texts of a respondent page, looked up once per language.
#[derive(Clone, Debug)]
pub struct Chrome {
    pub skip: String,
    pub language_switch: String,
    pub required: String,
    pub optional: String,
    pub next: String,
    pub back: String,
    pub submit: String,
    pub error_title: String,
    pub error_intro: String,
    pub conditional_hint: String,
    pub yes: String,
    pub no: String,
    pub nps_min: String,
    pub nps_max: String,
    pub choose_one: String,
    pub rank_label: String,
    pub rank_none: String,
    pub scale_key: String,
    /// "Uw antwoorden worden bewaard door" (the organisation's name follows).
    pub footer: String,
    pub privacy_link: String,
    /// "Nog # tekens over": `#` is replaced by the count in the browser.
    pub chars_left: String,
    /// Said when a text reached its limit (anything more is not taken).
    pub chars_at_limit: String,
}

impl Chrome {
    pub fn new(lang: &Lang) -> Chrome {
        let t = |k: &str| t(lang, k);
        Chrome {
            skip: t("skip-to-content"),
            language_switch: t("language-switch"),
            required: t("required"),
            optional: t("optional"),
            next: t("button-next"),
            back: t("button-back"),
            submit: t("button-submit"),
            error_title: t("error-summary-title"),
            error_intro: t("error-summary-intro"),
            conditional_hint: t("conditional-hint"),
            yes: t("answer-yes"),
            no: t("answer-no"),
            nps_min: t("nps-min"),
            nps_max: t("nps-max"),
            choose_one: t("choose-one"),
            rank_label: t("rank-label"),
            rank_none: t("rank-none"),
            scale_key: t("scale-key"),
            footer: t("footer-kept-by"),
            privacy_link: t("privacy-link"),
            chars_left: t_args(lang, "text-left", &[("n", FluentValue::from("#"))]),
            chars_at_limit: t("text-at-limit"),
        }
    }
}

/// UI texts in one language, for templates: `{{ tr.t("nav-surveys") }}`.
pub struct Tr {
    lang: Lang,
    /// Where times are shown: the organisation's zone once somebody is signed in.
    tz: jiff::tz::TimeZone,
}

impl Tr {
    /// Texts for somebody not (yet) signed in: times in UTC.
    pub fn new(lang: &Lang) -> Tr {
        Tr {
            lang: lang.clone(),
            tz: jiff::tz::TimeZone::UTC,
        }
    }
    /// Texts for somebody of an organisation: times in its time zone.
    pub fn local(lang: &Lang, tz: jiff::tz::TimeZone) -> Tr {
        Tr {
            lang: lang.clone(),
            tz,
        }
    }
    pub fn t(&self, key: &str) -> String {
        t(&self.lang, key)
    }
    /// The text for `key`, or `fallback` when the UI has no such text (codes from elsewhere,
    /// such as an audit action a newer release wrote).
    pub fn t_or(&self, key: &str, fallback: &str) -> String {
        self.try_t(key).unwrap_or_else(|| fallback.to_string())
    }
    /// The text for `key`, if the UI has one.
    pub fn try_t(&self, key: &str) -> Option<String> {
        try_t(&self.lang, key)
    }
    /// A text with a number `n` (plural forms).
    pub fn t_n(&self, key: &str, n: impl std::borrow::Borrow<i64>) -> String {
        t_args(&self.lang, key, &[("n", num(*n.borrow() as f64))])
    }
    /// A text with string arguments.
    pub fn t_args(&self, key: &str, args: &[(&'static str, String)]) -> String {
        let args: Vec<(&'static str, FluentValue<'static>)> = args
            .iter()
            .map(|(k, v)| (*k, FluentValue::from(v.clone())))
            .collect();
        t_args(&self.lang, key, &args)
    }
    pub fn lang(&self) -> &str {
        self.lang.as_str()
    }
    /// A point in time as `YYYY-MM-DD HH:MM` with the zone's abbreviation (`CET`, `UTC`).
    pub fn when(&self, ms: &i64) -> String {
        jiff::Timestamp::from_millisecond(*ms)
            .map(|t| {
                t.to_zoned_datetime(self.tz.clone())
                    .strftime("%Y-%m-%d %H:%M %Z")
                    .to_string()
            })
            .unwrap_or_default()
    }
    pub fn when_opt(&self, ms: &Option<i64>) -> String {
        ms.map(|m| self.when(&m)).unwrap_or_else(|| "–".into())
    }
    pub fn role(&self, role: &tevreden_storage::Role) -> String {
        self.t(&format!("role-{}", role.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn keys(src: &str) -> BTreeSet<String> {
        src.lines()
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim().to_string()))
            .collect()
    }

    #[test]
    fn both_languages_have_the_same_keys() {
        let en = keys(include_str!("../locales/en/main.ftl"));
        let nl = keys(include_str!("../locales/nl/main.ftl"));
        assert_eq!(en, nl, "keys differ between en and nl");
        assert!(en.len() > 50);
    }

    #[test]
    fn every_key_is_used_in_code_or_templates() {
        let en = keys(include_str!("../locales/en/main.ftl"));
        let sources = [include_str!("i18n.rs"), include_str!("respondent.rs")].concat();
        for k in en {
            // Notices are looked up as `<name>-title` / `<name>-body` from `"<name>"`.
            let notice = k
                .strip_suffix("-title")
                .or_else(|| k.strip_suffix("-body"))
                .is_some_and(|n| sources.contains(&format!("\"{n}\"")));
            let used = sources.contains(&format!("\"{k}\""))
                || notice
                || k.starts_with("answer-error-")
                || k.starts_with("likert-")
                || k.starts_with("month-");
            assert!(used, "locale key `{k}` is not used");
        }
    }

    #[test]
    fn admin_texts_exist_in_both_languages_and_are_used() {
        let en = keys(include_str!("../locales/en/admin.ftl"));
        let nl = keys(include_str!("../locales/nl/admin.ftl"));
        assert_eq!(en, nl, "keys differ between en/admin.ftl and nl/admin.ftl");
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/admin");
        let mut sources: String = [
            include_str!("admin/mod.rs"),
            include_str!("admin/auth.rs"),
            include_str!("admin/pages.rs"),
            include_str!("admin/builder.rs"),
            include_str!("admin/org_pages.rs"),
            include_str!("admin/dashboard.rs"),
            include_str!("admin/scorecard_pages.rs"),
            include_str!("admin/error.rs"),
            include_str!("shared.rs"),
        ]
        .concat();
        for entry in std::fs::read_dir(dir).unwrap() {
            sources.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
        }
        // Keys built from a name at run time: nav-<section>, role-<role>, status-<status>,
        // qtype-<type>, op-<operator>, password-<mode>-title, org-tab-<tab>, office-<office>,
        // <message>-title/-body, metric-<metric>, period-<grouping>, by-<grouping>,
        // quadrant-<quadrant>, sentiment-<label>, export-col-<fixed export column>.
        let dynamic = [
            "metric-",
            "period-",
            "by-",
            "quadrant-",
            "sentiment-",
            "sc-status-",
            "sc-kind-",
            "nav-",
            "role-",
            "status-",
            "qtype-",
            "op-",
            "password-",
            "org-tab-",
            "office-",
            "export-col-",
            "audit-action-",
            "audit-object-",
            "import-read-",
            "import-problem-",
        ];
        for k in en {
            let message = k
                .strip_suffix("-title")
                .or_else(|| k.strip_suffix("-body"))
                .is_some_and(|n| sources.contains(&format!("\"{n}\"")));
            let used = sources.contains(&format!("\"{k}\""))
                || message
                || dynamic.iter().any(|p| k.starts_with(p));
            assert!(used, "admin locale key `{k}` is not used");
        }
    }

    #[test]
    fn every_import_refusal_has_a_message_in_both_languages() {
        let s = || "x".to_string();
        let reads = [
            ReadError::NotUtf8 { line: 2 },
            ReadError::Csv {
                line: 2,
                detail: s(),
            },
            ReadError::NotXlsx { detail: s() },
            ReadError::NoSheets,
            ReadError::SheetUnreadable { detail: s() },
            ReadError::Empty,
            ReadError::SheetEmpty,
            ReadError::TooWide {
                cell: "XFD1048576".into(),
                column: "XFD".into(),
                max: 1_000,
            },
            ReadError::TooWideCsv {
                line: 1,
                max: 1_000,
            },
            ReadError::UnpacksTooLarge {
                part: "xl/sharedStrings.xml".into(),
                max_mib: 128,
            },
            ReadError::TooLarge {
                rows: 1_048_576,
                columns: 1_000,
                max: 10_000_000,
            },
        ];
        let problems = [
            RowProblem::MissingColumns {
                columns: vec![s()],
                found: vec![s()],
            },
            RowProblem::Empty,
            RowProblem::TooLong { max: 200 },
            RowProblem::NotAnExternalId { value: s() },
            RowProblem::NotAnEmail { value: s() },
            RowProblem::NotAnOffice { value: s() },
            RowProblem::NotYesNo { value: s() },
            RowProblem::NotALanguage { value: s() },
            RowProblem::OwnParent,
            RowProblem::UnknownParent { unit: s() },
            RowProblem::Cycle,
            RowProblem::TooDeep { max: 64 },
            RowProblem::ParentRefused { unit: s() },
            RowProblem::UnknownUnit { unit: s() },
            RowProblem::Duplicate {
                value: s(),
                line: 3,
            },
        ];
        for lang in ui_languages() {
            for e in &reads {
                let msg = read_error(&lang, e);
                assert!(
                    !msg.contains("import-read") && !msg.contains('{'),
                    "{lang} {e:?}: {msg}"
                );
            }
            for p in &problems {
                let msg = import_problem(&lang, p);
                assert!(
                    !msg.contains("import-problem") && !msg.contains('{'),
                    "{lang} {p:?}: {msg}"
                );
            }
        }
        assert_eq!(
            read_error(&Lang::nl(), &reads[10]),
            "Het bestand beslaat 1.048.576 rijen bij 1.000 kolommen; uit één bestand kunnen hoogstens 10.000.000 cellen worden geïmporteerd. Splits het, of verwijder losse cellen ver buiten de tabel."
        );
        assert_eq!(
            import_problem(&Lang::en(), &problems[14]),
            "“x” also appears on line 3."
        );
    }

    #[test]
    fn every_answer_error_has_a_message_in_both_languages() {
        let kinds = [
            AnswerErrorKind::Required,
            AnswerErrorKind::UnknownQuestion,
            AnswerErrorKind::NotShown,
            AnswerErrorKind::NotAWholeNumber,
            AnswerErrorKind::OutOfRange { min: 0, max: 10 },
            AnswerErrorKind::NotYesNo,
            AnswerErrorKind::NotText,
            AnswerErrorKind::UnknownOption { option: "x".into() },
            AnswerErrorKind::NotAList,
            AnswerErrorKind::DuplicateOption { option: "x".into() },
            AnswerErrorKind::TooFewSelected { min: 1 },
            AnswerErrorKind::TooManySelected { max: 2 },
            AnswerErrorKind::TooLong { max: 3 },
            AnswerErrorKind::InvalidCharacters,
            AnswerErrorKind::NotAnObject,
            AnswerErrorKind::UnknownItem { item: "x".into() },
            AnswerErrorKind::MissingItem,
            AnswerErrorKind::RankingIncomplete { expected: 3 },
            AnswerErrorKind::DuplicateRank,
            AnswerErrorKind::AllocationTotal {
                total: 15,
                given: 14,
            },
        ];
        for lang in ui_languages() {
            for k in &kinds {
                let msg = answer_error(&lang, k);
                assert!(
                    !msg.is_empty() && !msg.contains("answer-error"),
                    "{lang} {k:?}: {msg}"
                );
            }
        }
        assert_eq!(
            answer_error(&Lang::nl(), &kinds[4]),
            "Kies een getal van 0 tot en met 10."
        );
        assert_eq!(
            answer_error(&Lang::en(), &kinds[19]),
            "The points must add up to 15; now they add up to 14."
        );
    }
}
