//! The survey builder: create a survey from a template or empty, edit its questions, texts,
//! conditions and pages, preview it as respondents see it, publish a new version after reading
//! what changed, and download or upload the survey file.
//!
//! Every change is a form POST that applies one [`Edit`] to the current draft (or starts a draft
//! from the published version), parses the result with the survey-file parser, and saves it as
//! the draft. Errors come back with the path and reason of the parser; nothing is saved then.

use std::collections::BTreeMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tevreden_domain::survey::edit::{self, Change, Edit, QUESTION_TYPES, apply, diff};
use tevreden_domain::survey::{
    ChoiceOption, FileError, FileFormat, Parsed, Question, QuestionKind, Scale, SurveyDefinition,
    parse_survey_file, parse_survey_value,
};
use tevreden_domain::{SurveyKey, templates};
use tevreden_storage::{Role, StoreError, Survey, SurveyVersion};

use super::auth::Signed;
use super::{Layout, Tr, first, forbidden, html_page};
use crate::AppState;
use crate::form::decode_form;
use crate::html_escape as esc;

use super::error::server_error;

// ---------------------------------------------------------------------------------------------
// New survey

pub struct TemplateOption {
    pub key: &'static str,
    pub title: String,
    /// The template's own title per language: prefilled when it is chosen.
    pub title_nl: String,
    pub title_en: String,
    pub selected: bool,
    /// Employees answer it: its results are not yet protected by an anonymity threshold.
    pub employee: bool,
}

#[derive(Template)]
#[template(path = "admin/survey_new.html")]
struct NewSurveyPage<'a> {
    layout: Layout<'a>,
    templates: Vec<TemplateOption>,
    none_selected: bool,
    key: String,
    title_nl: String,
    title_en: String,
    errors: Vec<String>,
}

fn new_page(
    signed: &Signed,
    status: StatusCode,
    form: &[(String, String)],
    errors: Vec<String>,
) -> Response {
    let chosen = first(form, "template");
    let templates: Vec<TemplateOption> = templates::list()
        .map(|(key, def)| TemplateOption {
            key,
            title: def.title.get(&signed.lang, def.default_lang()).to_string(),
            title_nl: template_title(&def, "nl"),
            title_en: template_title(&def, "en"),
            selected: key == chosen,
            employee: templates::EMPLOYEE_TEMPLATES.contains(&key),
        })
        .collect();
    let none_selected = !templates.iter().any(|t| t.selected);
    html_page(
        status,
        NewSurveyPage {
            layout: Layout::new(signed, "surveys", "builder-new-title"),
            templates,
            none_selected,
            key: first(form, "key").to_string(),
            title_nl: first(form, "title_nl").to_string(),
            title_en: first(form, "title_en").to_string(),
            errors,
        }
        .render(),
    )
}

/// A template's title in `lang` (its default language's when it has no such text).
fn template_title(def: &SurveyDefinition, lang: &str) -> String {
    let l = tevreden_domain::Lang::parse(lang).unwrap_or_else(|_| def.default_lang().clone());
    def.title.get(&l, def.default_lang()).to_string()
}

pub async fn new_survey(signed: Signed) -> Response {
    if signed.user.role != Role::Admin {
        return forbidden(&signed);
    }
    new_page(&signed, StatusCode::OK, &[], Vec::new())
}

pub async fn create_survey(State(app): State<AppState>, signed: Signed, body: Bytes) -> Response {
    let fields = match signed.admin_form(&body) {
        Ok(f) => f,
        Err(refused) => return *refused,
    };
    let tr = signed.tr();
    let key = first(&fields, "key").trim().to_string();
    let mut errors = Vec::new();
    if SurveyKey::parse(&key).is_err() {
        errors.push(tr.t("builder-error-key"));
    } else if app.store.survey(signed.org.id, &key).await.is_ok() {
        errors.push(tr.t("builder-error-key-taken"));
    }
    let template = templates::template(first(&fields, "template"));
    let mut title: BTreeMap<String, String> = [("nl", "title_nl"), ("en", "title_en")]
        .iter()
        .filter(|(_, f)| !first(&fields, f).trim().is_empty())
        .map(|(l, f)| (l.to_string(), first(&fields, f).trim().to_string()))
        .collect();
    if let (true, Some(def)) = (title.is_empty(), &template) {
        // A template brings its own title; the user may change it, but need not type one.
        title = ["nl", "en"]
            .iter()
            .map(|l| (l.to_string(), template_title(def, l)))
            .collect();
    }
    if title.is_empty() {
        errors.push(tr.t("builder-error-title"));
    }
    if !errors.is_empty() {
        return new_page(&signed, StatusCode::UNPROCESSABLE_ENTITY, &fields, errors);
    }
    // Start from the template's file (or an empty survey), with the chosen key and title.
    let mut value = match template {
        Some(def) => def.to_value(),
        None => json!({"questions": [{"id": "q1", "type": "nps", "text": {
            "nl": "Hoe waarschijnlijk is het dat u ons aanbeveelt aan vrienden of collega's?",
            "en": "How likely are you to recommend us to a friend or colleague?"}}]}),
    };
    value["key"] = json!(key);
    value["title"] = json!(title);
    value["languages"] = json!(["nl", "en"]);
    let parsed = match parse_survey_value(&value) {
        Ok(p) => p,
        Err(errs) => {
            let errors = errs.iter().map(ToString::to_string).collect();
            return new_page(&signed, StatusCode::UNPROCESSABLE_ENTITY, &fields, errors);
        }
    };
    match app
        .store
        .save_survey_draft(
            signed.org.id,
            &parsed.definition,
            (&signed.actor(), Some("survey.create")),
        )
        .await
    {
        Ok((survey, _, _)) => {
            Redirect::to(&format!("/app/surveys/{}/edit", survey.key)).into_response()
        }
        Err(e) => server_error(e),
    }
}

// ---------------------------------------------------------------------------------------------
// Editing

/// The survey and the version the builder works on: the draft if there is one, else the newest
/// published version (the first edit then starts a draft from it).
async fn working(
    app: &AppState,
    signed: &Signed,
    key: &str,
) -> Result<(Survey, Vec<SurveyVersion>), Response> {
    let survey = match app.store.survey(signed.org.id, key).await {
        Ok(s) => s,
        Err(StoreError::NotFound(_)) => {
            return Err(super::message(
                signed,
                StatusCode::NOT_FOUND,
                "page-notfound",
            ));
        }
        Err(e) => return Err(server_error(e)),
    };
    let versions = app
        .store
        .survey_versions(survey.id)
        .await
        .map_err(server_error)?;
    if versions.is_empty() {
        return Err(server_error("a survey without versions"));
    }
    Ok((survey, versions))
}

pub struct LangText {
    pub lang: String,
    pub text: String,
}

pub struct QuestionView {
    pub id: String,
    pub kind_label: String,
    pub texts: Vec<LangText>,
    pub required: bool,
    pub cond_question: String,
    pub cond_op: String,
    pub cond_value: String,
    /// A condition the simple fields cannot show (all/any/not, items): kept unless replaced.
    pub cond_complex: Option<String>,
    pub earlier: Vec<String>,
    pub warnings: Vec<String>,
    pub first: bool,
    pub last: bool,
    pub can_break: bool,
    /// The help text per language (every type has one).
    pub help: Vec<LangText>,
    /// Options (choice, multi, ranking) or items (matrix, allocation): their heading, the
    /// rows in order, and the id offered for a new one. `None` for types without them.
    pub entries: Option<EntriesView>,
    /// The scale of a rating, matrix or NPS question.
    pub scale: Option<ScaleView>,
    /// A Likert question's points and point labels.
    pub likert: Option<LikertView>,
    /// A matrix's kind of scale: `likert5`, `likert7` or `scale`.
    pub matrix_scale: Option<String>,
    /// Whole-number settings of the type (max selected, total, …).
    pub numbers: Vec<NumberView>,
    /// A text question's single-line or multi-line box.
    pub multiline: Option<bool>,
}

pub struct EntriesView {
    pub heading: String,
    pub add_label: String,
    pub rows: Vec<EntryView>,
    pub new_id: String,
}

pub struct EntryView {
    pub index: usize,
    pub id: String,
    pub texts: Vec<LangText>,
    pub first: bool,
    pub last: bool,
    pub placeholder: bool,
}

pub struct ScaleView {
    /// Whether min, max and direction can be set (not for NPS, always 0–10).
    pub range: bool,
    pub min: i64,
    pub max: i64,
    pub higher_is_better: bool,
    pub min_label: Vec<LangText>,
    pub max_label: Vec<LangText>,
    /// A label for every point, one a line.
    pub labels: Vec<LangText>,
}

pub struct LikertView {
    pub points: u8,
    pub labels: Vec<LangText>,
}

pub struct NumberView {
    pub name: &'static str,
    pub label: String,
    pub value: String,
}

pub struct PageView {
    pub index: usize,
    pub number: i64,
    pub questions: Vec<QuestionView>,
}

#[derive(Template)]
#[template(path = "admin/builder.html")]
struct BuilderPage<'a> {
    layout: Layout<'a>,
    key: String,
    title: String,
    status_label: String,
    version_note: String,
    is_draft: bool,
    langs: Vec<String>,
    title_texts: Vec<LangText>,
    intro_texts: Vec<LangText>,
    pages: Vec<PageView>,
    types: Vec<(&'static str, String)>,
    ops: Vec<(&'static str, String)>,
    errors: Vec<String>,
    survey_warnings: Vec<String>,
    /// Made from an employee template: its results are not yet protected by a threshold.
    employee_notice: bool,
    file_text: String,
    saved: bool,
}

const OPS: [&str; 10] = [
    "eq",
    "ne",
    "lt",
    "lte",
    "gt",
    "gte",
    "in",
    "includes",
    "answered",
    "unanswered",
];

/// Splits a condition into the builder's simple fields when it has that shape.
fn simple_condition(c: &Value) -> Option<(String, String, String)> {
    let m = c.as_object()?;
    let q = m.get("question")?.as_str()?.to_string();
    if m.contains_key("item") || m.len() != 2 {
        return None;
    }
    let (op, v) = m.iter().find(|(k, _)| k.as_str() != "question")?;
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Some(match (op.as_str(), v) {
        ("answered", Value::Bool(true)) => (q, "answered".into(), String::new()),
        ("answered", Value::Bool(false)) => (q, "unanswered".into(), String::new()),
        ("in", Value::Array(a)) => (
            q,
            "in".into(),
            a.iter().map(text).collect::<Vec<_>>().join(", "),
        ),
        (op, v) if OPS.contains(&op) => (q, op.to_string(), text(v)),
        _ => return None,
    })
}

/// A condition value typed in the builder: a whole number, yes/no, or text.
fn typed(s: &str) -> Value {
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>() {
        return json!(n);
    }
    match s.to_lowercase().as_str() {
        "true" | "yes" | "ja" => json!(true),
        "false" | "no" | "nee" => json!(false),
        _ => json!(s),
    }
}

fn condition_from_form(fields: &[(String, String)]) -> Result<Option<Value>, String> {
    let q = first(fields, "cond_question").trim();
    if q.is_empty() {
        return Ok(None);
    }
    let value = first(fields, "cond_value");
    Ok(Some(match first(fields, "cond_op") {
        "answered" => json!({"question": q, "answered": true}),
        "unanswered" => json!({"question": q, "answered": false}),
        "in" => json!({"question": q, "in": value.split(',').map(typed).collect::<Vec<_>>()}),
        "includes" => json!({"question": q, "includes": value.trim()}),
        op if OPS.contains(&op) => {
            if value.trim().is_empty() {
                return Err("value".into());
            }
            json!({"question": q, op: typed(value)})
        }
        _ => return Err("op".into()),
    }))
}

/// Warnings (missing translations) by question position `pages[p].questions[i]`.
fn warnings_at(warnings: &[FileError], p: usize, i: usize) -> Vec<String> {
    let prefix = format!("pages[{p}].questions[{i}]");
    let alt = format!("questions[{i}]");
    warnings
        .iter()
        .filter(|w| w.path.starts_with(&prefix) || (p == 0 && w.path.starts_with(&alt)))
        .map(|w| w.to_string())
        .collect()
}

fn texts_for(langs: &[String], t: Option<&Value>) -> Vec<LangText> {
    langs
        .iter()
        .map(|l| LangText {
            lang: l.clone(),
            text: t
                .and_then(|t| t.get(l))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        })
        .collect()
}

/// The parts of a question beyond its text, as the builder shows them.
struct PartsView {
    help: Vec<LangText>,
    entries: Option<EntriesView>,
    scale: Option<ScaleView>,
    likert: Option<LikertView>,
    matrix_scale: Option<String>,
    numbers: Vec<NumberView>,
    multiline: Option<bool>,
}

fn text_of(langs: &[String], t: Option<&tevreden_domain::Text>) -> Vec<LangText> {
    let v = t.and_then(|t| serde_json::to_value(t).ok());
    texts_for(langs, v.as_ref())
}

/// One text area per language holding a label per line.
fn lines_of(langs: &[String], labels: Option<&Vec<tevreden_domain::Text>>) -> Vec<LangText> {
    langs
        .iter()
        .map(|l| LangText {
            lang: l.clone(),
            text: labels
                .map(|ls| {
                    ls.iter()
                        .map(|t| {
                            let v = serde_json::to_value(t).unwrap_or_default();
                            v.get(l).and_then(Value::as_str).unwrap_or("").to_string()
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .unwrap_or_default(),
        })
        .collect()
}

fn scale_view(langs: &[String], s: &Scale, range: bool) -> ScaleView {
    ScaleView {
        range,
        min: s.min,
        max: s.max,
        higher_is_better: s.higher_is_better,
        min_label: text_of(langs, s.min_label.as_ref()),
        max_label: text_of(langs, s.max_label.as_ref()),
        labels: lines_of(langs, s.labels.as_ref()),
    }
}

/// The first id of the form `{stem}{n}` (or a letter for options) no entry has yet.
fn free_id(entries: &[ChoiceOption], options: bool) -> String {
    let taken = |id: &str| entries.iter().any(|e| e.id.as_str() == id);
    if let (true, Some(c)) = (
        options,
        (b'a'..=b'z')
            .map(|b| (b as char).to_string())
            .find(|c| !taken(c)),
    ) {
        return c;
    }
    let stem = if options { "option" } else { "item" };
    (1..)
        .map(|n| format!("{stem}{n}"))
        .find(|id| !taken(id))
        .unwrap_or_default()
}

fn parts_view(tr: &Tr, langs: &[String], q: &Question) -> PartsView {
    let number = |name: &'static str, label: &str, value: Option<u32>| NumberView {
        name,
        label: tr.t(label),
        value: value.map(|v| v.to_string()).unwrap_or_default(),
    };
    let entries = |list: &[ChoiceOption], options: bool| {
        let n = list.len();
        Some(EntriesView {
            heading: tr.t(if options {
                "builder-options"
            } else {
                "builder-items"
            }),
            add_label: tr.t(if options {
                "builder-add-option"
            } else {
                "builder-add-item"
            }),
            rows: list
                .iter()
                .enumerate()
                .map(|(i, o)| EntryView {
                    index: i,
                    id: o.id.to_string(),
                    texts: text_of(langs, Some(&o.text)),
                    first: i == 0,
                    last: i + 1 == n,
                    placeholder: o.text.iter().any(|(_, t)| edit::is_placeholder(t)),
                })
                .collect(),
            new_id: free_id(list, options),
        })
    };
    let mut v = PartsView {
        help: text_of(langs, q.help.as_ref()),
        entries: None,
        scale: None,
        likert: None,
        matrix_scale: None,
        numbers: Vec::new(),
        multiline: None,
    };
    match &q.kind {
        QuestionKind::Nps { scale } => v.scale = Some(scale_view(langs, scale, false)),
        QuestionKind::Rating { scale } => v.scale = Some(scale_view(langs, scale, true)),
        QuestionKind::Likert { points, labels } => {
            v.likert = Some(LikertView {
                points: *points,
                labels: lines_of(langs, labels.as_ref()),
            })
        }
        QuestionKind::YesNo => {}
        QuestionKind::Choice { options } => v.entries = entries(options, true),
        QuestionKind::Multi {
            options,
            min_selected,
            max_selected,
        } => {
            v.entries = entries(options, true);
            v.numbers = vec![
                number("min_selected", "builder-min-selected", *min_selected),
                number("max_selected", "builder-max-selected", *max_selected),
            ];
        }
        QuestionKind::Text {
            multiline,
            max_length,
        } => {
            v.multiline = Some(*multiline);
            v.numbers = vec![number(
                "max_length",
                "builder-max-length",
                Some(*max_length),
            )];
        }
        QuestionKind::Matrix {
            items,
            scale,
            likert,
        } => {
            v.entries = entries(items, false);
            v.scale = Some(scale_view(langs, scale, true));
            v.matrix_scale = Some(match likert {
                Some(p) => format!("likert{p}"),
                None => "scale".into(),
            });
        }
        QuestionKind::Ranking {
            options,
            max_ranked,
        } => {
            v.entries = entries(options, true);
            v.numbers = vec![number("max_ranked", "builder-max-ranked", *max_ranked)];
        }
        QuestionKind::Allocation { items, total } => {
            v.entries = entries(items, false);
            v.numbers = vec![number("total", "builder-total", Some(*total))];
        }
    }
    v
}

/// The texts of a field per language as the file form holds them: the non-empty ones.
fn text_value(fields: &[(String, String)], prefix: &str, langs: &[String]) -> Option<Value> {
    let m: Map<String, Value> = langs
        .iter()
        .filter_map(|l| {
            let t = first(fields, &format!("{prefix}.{l}")).trim();
            (!t.is_empty()).then(|| (l.clone(), json!(t)))
        })
        .collect();
    (!m.is_empty()).then_some(Value::Object(m))
}

/// A label per point from one text area per language (a label a line).
fn lines_value(fields: &[(String, String)], prefix: &str, langs: &[String]) -> Option<Value> {
    let per_lang: Vec<(String, Vec<String>)> = langs
        .iter()
        .map(|l| {
            let text = first(fields, &format!("{prefix}.{l}"));
            let mut lines: Vec<String> = text.lines().map(|s| s.trim().to_string()).collect();
            while lines.last().is_some_and(String::is_empty) {
                lines.pop();
            }
            (l.clone(), lines)
        })
        .collect();
    let n = per_lang.iter().map(|(_, ls)| ls.len()).max().unwrap_or(0);
    if n == 0 {
        return None;
    }
    Some(Value::Array(
        (0..n)
            .map(|i| {
                Value::Object(
                    per_lang
                        .iter()
                        .filter_map(|(l, ls)| {
                            ls.get(i)
                                .filter(|t| !t.is_empty())
                                .map(|t| (l.clone(), json!(t)))
                        })
                        .collect(),
                )
            })
            .collect(),
    ))
}

/// A whole number typed in a form: blank is none; anything else that is not a number is
/// passed on as text, so the parser names the field and the reason.
fn number_value(fields: &[(String, String)], name: &str) -> Option<Value> {
    let t = first(fields, name).trim();
    if t.is_empty() {
        return None;
    }
    Some(t.parse::<i64>().map_or_else(|_| json!(t), |n| json!(n)))
}

/// A change to the list of options or items asked for by one of the row buttons.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EntryMove {
    Up(usize),
    Down(usize),
    Remove(usize),
    Add,
}

fn entry_move(sub: &str) -> Option<EntryMove> {
    let (op, i) = sub.split_once(':').unwrap_or((sub, ""));
    let i = i.parse::<usize>();
    match (op, i) {
        ("entry_up", Ok(i)) => Some(EntryMove::Up(i)),
        ("entry_down", Ok(i)) => Some(EntryMove::Down(i)),
        ("entry_remove", Ok(i)) => Some(EntryMove::Remove(i)),
        ("entry_add", _) => Some(EntryMove::Add),
        _ => None,
    }
}

/// The options or items of the form in their new order: the rows shown (`entry.{i}.id`,
/// `entry.{i}.text.{lang}`), moved or removed as a row button asks, and the new row when it
/// has a text. `Err` with a message key when "add" was pressed without a text.
fn entries_value(fields: &[(String, String)], langs: &[String]) -> Result<Value, &'static str> {
    let mut rows: Vec<Value> = Vec::new();
    for i in 0.. {
        let key = format!("entry.{i}.id");
        if !fields.iter().any(|(k, _)| *k == key) {
            break;
        }
        let text = text_value(fields, &format!("entry.{i}.text"), langs).unwrap_or(json!({}));
        rows.push(json!({"id": first(fields, &key).trim(), "text": text}));
    }
    let sub = entry_move(first(fields, "sub"));
    match sub {
        Some(EntryMove::Up(i)) if i > 0 && i < rows.len() => rows.swap(i, i - 1),
        Some(EntryMove::Down(i)) if i + 1 < rows.len() => rows.swap(i, i + 1),
        Some(EntryMove::Remove(i)) if i < rows.len() => {
            rows.remove(i);
        }
        _ => {}
    }
    match text_value(fields, "new_entry.text", langs) {
        Some(text) => rows.push(json!({"id": first(fields, "new_entry.id").trim(), "text": text})),
        None if sub == Some(EntryMove::Add) => return Err("builder-error-new-entry"),
        None => {}
    }
    Ok(Value::Array(rows))
}

/// Every field of a question's type, read from its builder form (see `parts_view`).
fn details_from_form(
    kind: &QuestionKind,
    fields: &[(String, String)],
    langs: &[String],
) -> Result<Map<String, Value>, &'static str> {
    let mut m = Map::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            m.insert(k.to_string(), v);
        }
    };
    put("help", text_value(fields, "help", langs));
    let scale = |range: bool| {
        let mut s = Map::new();
        if range {
            for k in ["min", "max"] {
                if let Some(v) = number_value(fields, &format!("scale.{k}")) {
                    s.insert(k.into(), v);
                }
            }
            if first(fields, "scale.higher_is_better") != "1" {
                s.insert("higher_is_better".into(), json!(false));
            }
        }
        for k in ["min_label", "max_label"] {
            if let Some(v) = text_value(fields, &format!("scale.{k}"), langs) {
                s.insert(k.into(), v);
            }
        }
        if let Some(v) = lines_value(fields, "scale.labels", langs) {
            s.insert("labels".into(), v);
        }
        Value::Object(s)
    };
    match kind {
        QuestionKind::Nps { .. } => {
            let s = scale(false);
            if s.as_object().is_some_and(|o| !o.is_empty()) {
                put("scale", Some(s));
            }
        }
        QuestionKind::Rating { .. } => put("scale", Some(scale(true))),
        QuestionKind::Likert { .. } => {
            put("points", number_value(fields, "points"));
            put("labels", lines_value(fields, "labels", langs));
        }
        QuestionKind::YesNo => {}
        QuestionKind::Choice { .. } => put("options", Some(entries_value(fields, langs)?)),
        QuestionKind::Multi { .. } => {
            put("options", Some(entries_value(fields, langs)?));
            put("min_selected", number_value(fields, "min_selected"));
            put("max_selected", number_value(fields, "max_selected"));
        }
        QuestionKind::Text { .. } => {
            if first(fields, "multiline") != "1" {
                put("multiline", Some(json!(false)));
            }
            put("max_length", number_value(fields, "max_length"));
        }
        QuestionKind::Matrix { .. } => {
            put("items", Some(entries_value(fields, langs)?));
            match first(fields, "matrix_scale") {
                "likert5" => put("likert", Some(json!(5))),
                "likert7" => put("likert", Some(json!(7))),
                _ => put("scale", Some(scale(true))),
            }
        }
        QuestionKind::Ranking { .. } => {
            put("options", Some(entries_value(fields, langs)?));
            put("max_ranked", number_value(fields, "max_ranked"));
        }
        QuestionKind::Allocation { .. } => {
            put("items", Some(entries_value(fields, langs)?));
            put("total", number_value(fields, "total"));
        }
    }
    Ok(m)
}

/// Why a survey is not ready to publish: the questions that still have generated texts,
/// each named with those texts.
fn placeholder_errors(tr: &Tr, def: &SurveyDefinition) -> Vec<String> {
    let mut by_question: Vec<(String, Vec<String>)> = Vec::new();
    for p in edit::placeholders(def) {
        let quoted = format!("“{}”", p.text);
        match by_question.iter_mut().find(|(q, _)| *q == p.question) {
            Some((_, texts)) => texts.push(quoted),
            None => by_question.push((p.question, vec![quoted])),
        }
    }
    by_question
        .into_iter()
        .map(|(id, texts)| {
            tr.t_args(
                "builder-error-placeholder",
                &[("id", id), ("texts", texts.join(", "))],
            )
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn builder_page(
    signed: &Signed,
    survey: &Survey,
    versions: &[SurveyVersion],
    shown: &SurveyDefinition,
    warnings: &[FileError],
    errors: Vec<String>,
    file_text: Option<String>,
    saved: bool,
    status: StatusCode,
) -> Response {
    let tr = signed.tr();
    let langs: Vec<String> = shown.languages.iter().map(|l| l.to_string()).collect();
    let value = shown.to_value();
    let mut ids_so_far: Vec<String> = Vec::new();
    let mut pages = Vec::new();
    let total = shown.questions().count();
    let mut n = 0;
    for (p, page) in shown.pages.iter().enumerate() {
        let mut qs = Vec::new();
        for (i, q) in page.questions.iter().enumerate() {
            let cond = q.show_if.as_ref().map(|c| c.to_value());
            let simple = cond.as_ref().and_then(simple_condition);
            let (cq, cop, cval) = simple.clone().unwrap_or_default();
            let text_value = serde_json::to_value(&q.text).ok();
            let parts = parts_view(&tr, &langs, q);
            qs.push(QuestionView {
                id: q.id.to_string(),
                kind_label: tr.t(&format!("qtype-{}", q.kind.type_name())),
                texts: texts_for(&langs, text_value.as_ref()),
                required: q.required,
                cond_question: cq,
                cond_op: cop,
                cond_value: cval,
                cond_complex: match (&cond, &simple) {
                    (Some(c), None) => Some(c.to_string()),
                    _ => None,
                },
                earlier: ids_so_far.clone(),
                warnings: warnings_at(warnings, p, i),
                first: n == 0,
                last: n + 1 == total,
                can_break: i > 0,
                help: parts.help,
                entries: parts.entries,
                scale: parts.scale,
                likert: parts.likert,
                matrix_scale: parts.matrix_scale,
                numbers: parts.numbers,
                multiline: parts.multiline,
            });
            ids_so_far.push(q.id.to_string());
            n += 1;
        }
        pages.push(PageView {
            index: p,
            number: p as i64 + 1,
            questions: qs,
        });
    }
    let is_draft = versions[0].version.is_none();
    let published = versions.iter().find_map(|v| v.version);
    let version_note = match (is_draft, published) {
        (true, Some(v)) => tr.t_n("builder-draft-after", v),
        (true, None) => tr.t("builder-draft-new"),
        (false, Some(v)) => tr.t_n("builder-editing-published", v),
        (false, None) => String::new(),
    };
    let survey_warnings = warnings
        .iter()
        .filter(|w| !w.path.contains("questions["))
        .map(ToString::to_string)
        .collect();
    let mut resp = html_page(
        status,
        BuilderPage {
            layout: Layout::new(signed, "surveys", "builder-title"),
            key: survey.key.clone(),
            title: shown
                .title
                .get(&signed.lang, shown.default_lang())
                .to_string(),
            status_label: tr.t(&format!("status-{}", survey.status.as_str())),
            version_note,
            is_draft,
            title_texts: texts_for(&langs, value.get("title")),
            intro_texts: texts_for(&langs, value.get("intro")),
            langs,
            pages,
            types: QUESTION_TYPES
                .iter()
                .map(|t| (*t, tr.t(&format!("qtype-{t}"))))
                .collect(),
            ops: OPS.iter().map(|o| (*o, tr.t(&format!("op-{o}")))).collect(),
            errors,
            survey_warnings,
            employee_notice: templates::employee_template_of(shown).is_some(),
            file_text: file_text.unwrap_or_else(|| shown.to_yaml()),
            saved,
        }
        .render(),
    );
    // the live preview beside the editor is a frame of our own preview page
    resp.headers_mut().insert(
        axum::http::header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(crate::CSP_FRAMING),
    );
    resp
}

#[derive(Debug, Default, Deserialize)]
pub struct EditQuery {
    pub saved: Option<String>,
}

pub async fn edit_page(
    State(app): State<AppState>,
    signed: Signed,
    Path(key): Path<String>,
    Query(q): Query<EditQuery>,
) -> Response {
    if signed.user.role != Role::Admin {
        return forbidden(&signed);
    }
    let (survey, versions) = match working(&app, &signed, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let def = &versions[0].definition;
    let warnings = parse_survey_value(&paged_value(def))
        .map(|p| p.warnings)
        .unwrap_or_default();
    builder_page(
        &signed,
        &survey,
        &versions,
        def,
        &warnings,
        Vec::new(),
        None,
        q.saved.is_some(),
        StatusCode::OK,
    )
}

/// The file form with explicit pages, so warning paths are `pages[p].questions[i]`.
fn paged_value(def: &SurveyDefinition) -> Value {
    let mut v = def.to_value();
    if let Some(qs) = v.as_object_mut().and_then(|m| m.remove("questions")) {
        v["pages"] = json!([{ "questions": qs }]);
    }
    v
}

fn texts_from(
    fields: &[(String, String)],
    prefix: &str,
    langs: &[String],
) -> BTreeMap<String, String> {
    langs
        .iter()
        .map(|l| {
            (
                l.clone(),
                first(fields, &format!("{prefix}.{l}")).to_string(),
            )
        })
        .collect()
}

/// `POST /app/surveys/{key}/edit`: one change, named by the `action` field.
pub async fn edit_submit(
    State(app): State<AppState>,
    signed: Signed,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    let fields = match signed.admin_form(&body) {
        Ok(f) => f,
        Err(refused) => return *refused,
    };
    let (survey, versions) = match working(&app, &signed, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let tr = signed.tr();
    let current = &versions[0].definition;
    let langs: Vec<String> = current.languages.iter().map(|l| l.to_string()).collect();
    let id = first(&fields, "id").to_string();
    let action = first(&fields, "action");
    let mut file_text = None;
    let result: Result<Parsed, Vec<FileError>> = match action {
        "texts" => apply(
            current,
            &Edit::SetTexts {
                title: texts_from(&fields, "title", &langs),
                intro: texts_from(&fields, "intro", &langs),
            },
        ),
        "add" => apply(
            current,
            &Edit::AddQuestion {
                page: first(&fields, "page").parse().unwrap_or(usize::MAX),
                id: first(&fields, "new_id").trim().to_string(),
                kind: first(&fields, "type").to_string(),
                text: texts_from(&fields, "text", &langs),
            },
        ),
        "update" => {
            // The type's own fields come along when the form showed them (`details=1`).
            let details = match current.question(&id) {
                Some(q) if first(&fields, "details") == "1" => {
                    details_from_form(&q.kind, &fields, &langs).map(Some)
                }
                _ => Ok(None),
            };
            match (condition_from_form(&fields), details) {
                (_, Err(key)) => Err(vec![FileError {
                    path: id.clone(),
                    message: tr.t(key),
                }]),
                (Ok(cond), Ok(details)) => {
                    let keep = first(&fields, "cond_keep");
                    let show_if = if cond.is_none() && !keep.is_empty() {
                        serde_json::from_str(keep).ok()
                    } else {
                        cond
                    };
                    apply(
                        current,
                        &Edit::UpdateQuestion {
                            id: id.clone(),
                            text: texts_from(&fields, "text", &langs),
                            required: first(&fields, "required") == "1",
                            show_if,
                            details,
                        },
                    )
                }
                (Err(_), _) => Err(vec![FileError {
                    path: format!("{id}.show_if"),
                    message: tr.t("builder-error-condition"),
                }]),
            }
        }
        "up" | "down" => apply(
            current,
            &Edit::MoveQuestion {
                id: id.clone(),
                up: action == "up",
            },
        ),
        "delete" => apply(current, &Edit::DeleteQuestion { id: id.clone() }),
        "break" => apply(current, &Edit::PageBreakBefore { id: id.clone() }),
        "join" => apply(
            current,
            &Edit::JoinPage {
                page: first(&fields, "page").parse().unwrap_or(0),
            },
        ),
        "file" => {
            let text = first(&fields, "file").to_string();
            let parsed = parse_survey_file(text.as_bytes(), FileFormat::Yaml).and_then(|p| {
                if p.definition.key.as_str() == survey.key {
                    Ok(p)
                } else {
                    Err(vec![FileError {
                        path: "key".into(),
                        message: tr
                            .t_args("builder-error-file-key", &[("key", survey.key.clone())]),
                    }])
                }
            });
            file_text = Some(text);
            parsed
        }
        _ => return StatusCode::BAD_REQUEST.into_response(),
    };
    if first(&fields, "live") == "1" {
        // The live preview: the edit applied to the draft in memory, rendered as respondents
        // will see it; nothing is saved.
        return live_preview(&app, &signed, &key, &versions[0], result, &id);
    }
    match result {
        Ok(parsed) => match app
            .store
            .save_survey_draft(
                signed.org.id,
                &parsed.definition,
                (&signed.actor(), Some(&format!("survey.edit.{action}"))),
            )
            .await
        {
            Ok(_) => {
                let anchor = if id.is_empty() {
                    String::new()
                } else {
                    format!("#q-{id}")
                };
                Redirect::to(&format!("/app/surveys/{}/edit?saved=1{anchor}", survey.key))
                    .into_response()
            }
            Err(e) => server_error(e),
        },
        Err(errs) => {
            let errors: Vec<String> = errs.iter().map(ToString::to_string).collect();
            let warnings = parse_survey_value(&paged_value(current))
                .map(|p| p.warnings)
                .unwrap_or_default();
            builder_page(
                &signed,
                &survey,
                &versions,
                current,
                &warnings,
                errors,
                file_text,
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Preview, file, publish

#[derive(Debug, Default, Deserialize)]
pub struct PreviewQuery {
    pub lang: Option<String>,
    pub page: Option<usize>,
    /// `1` when shown inside the builder (may then be framed by our own pages).
    pub embed: Option<u8>,
}

/// Headers that let our own builder page frame a preview (and nobody else).
fn framable(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        axum::http::header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(crate::CSP_FRAMABLE),
    );
    h.insert(
        axum::http::header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    resp
}

/// The builder's live preview of an edit that is not saved yet: the page holding the edited
/// question, in the user's language; or what is wrong with the edit.
fn live_preview(
    app: &AppState,
    signed: &Signed,
    key: &str,
    working: &tevreden_storage::SurveyVersion,
    result: Result<Parsed, Vec<FileError>>,
    focus: &str,
) -> Response {
    let parsed = match result {
        Ok(p) => p,
        Err(errs) => {
            let tr = signed.tr();
            let items: String = errs
                .iter()
                .map(|e| format!("<li><code>{}</code></li>", esc(&e.to_string())))
                .collect();
            let html = format!(
                "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><link rel=\"stylesheet\" href=\"{}\"></head><body class=\"app\"><div class=\"alert\" role=\"alert\"><p>{}</p><ul>{items}</ul></div></body></html>",
                tr.lang(),
                crate::assets::ADMIN_CSS.path,
                esc(&tr.t("builder-not-saved")),
            );
            return framable(html_page(StatusCode::UNPROCESSABLE_ENTITY, Ok(html)));
        }
    };
    let page = parsed
        .definition
        .pages
        .iter()
        .position(|p| p.questions.iter().any(|q| q.id.as_str() == focus))
        .unwrap_or(0);
    let version = tevreden_storage::SurveyVersion {
        definition: parsed.definition,
        ..working.clone()
    };
    let (status, html) = crate::respondent::preview_page(
        app,
        key,
        &version,
        &signed.org.name,
        &signed.lang,
        page,
        None,
    );
    framable(html_page(status, Ok(html)))
}

pub async fn preview(
    State(app): State<AppState>,
    signed: Signed,
    Path(key): Path<String>,
    Query(q): Query<PreviewQuery>,
) -> Response {
    preview_any(app, signed, key, q, None).await
}

pub async fn preview_submit(
    State(app): State<AppState>,
    signed: Signed,
    Path(key): Path<String>,
    Query(q): Query<PreviewQuery>,
    body: Bytes,
) -> Response {
    let fields = decode_form(&body).unwrap_or_default();
    preview_any(app, signed, key, q, Some(fields)).await
}

async fn preview_any(
    app: AppState,
    signed: Signed,
    key: String,
    q: PreviewQuery,
    fields: Option<Vec<(String, String)>>,
) -> Response {
    let (_, versions) = match working(&app, &signed, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let lang = q
        .lang
        .as_deref()
        .or_else(|| fields.as_deref().map(|f| first(f, "lang")))
        .and_then(|l| tevreden_domain::Lang::parse(l).ok())
        .unwrap_or_else(|| signed.lang.clone());
    let page = q
        .page
        .or_else(|| {
            fields
                .as_deref()
                .and_then(|f| first(f, "page").parse().ok())
        })
        .unwrap_or(0);
    let (status, html) = crate::respondent::preview_page(
        &app,
        &key,
        &versions[0],
        &signed.org.name,
        &lang,
        page,
        fields.as_deref(),
    );
    let mut resp = html_page(status, Ok(html));
    resp.headers_mut()
        .insert("x-robots-tag", HeaderValue::from_static("noindex"));
    if q.embed == Some(1) {
        resp = framable(resp);
    }
    resp
}

#[derive(Debug, Default, Deserialize)]
pub struct FileQuery {
    pub format: Option<String>,
}

/// Downloads the version the builder shows, as YAML (default) or JSON.
pub async fn download(
    State(app): State<AppState>,
    signed: Signed,
    Path(key): Path<String>,
    Query(q): Query<FileQuery>,
) -> Response {
    let (_, versions) = match working(&app, &signed, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let def = &versions[0].definition;
    let (ct, text, ext) = if q.format.as_deref() == Some("json") {
        ("application/json", def.to_json_pretty(), "json")
    } else {
        ("application/yaml; charset=utf-8", def.to_yaml(), "yaml")
    };
    (
        [
            (header::CONTENT_TYPE, ct.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{key}.{ext}\""),
            ),
        ],
        text,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "admin/publish.html")]
struct PublishPage<'a> {
    layout: Layout<'a>,
    key: String,
    changes: Vec<String>,
    first_version: bool,
    has_draft: bool,
    /// Why the draft cannot be published yet (texts the builder generated).
    not_ready: Vec<String>,
}

/// A change in words.
fn describe(tr: &Tr, c: &Change) -> String {
    let a = |pairs: &[(&'static str, String)]| pairs.to_vec();
    match c {
        Change::TitleChanged => tr.t("change-title"),
        Change::IntroChanged => tr.t("change-intro"),
        Change::LanguagesChanged { before, after } => tr.t_args(
            "change-languages",
            &a(&[("before", before.join(", ")), ("after", after.join(", "))]),
        ),
        Change::PagesChanged { before, after } => tr.t_args(
            "change-pages",
            &a(&[("before", before.to_string()), ("after", after.to_string())]),
        ),
        Change::Added { id } => tr.t_args("change-added", &a(&[("id", id.clone())])),
        Change::Removed { id } => tr.t_args("change-removed", &a(&[("id", id.clone())])),
        Change::Moved { id } => tr.t_args("change-moved", &a(&[("id", id.clone())])),
        Change::TypeChanged { id, before, after } => tr.t_args(
            "change-type",
            &a(&[
                ("id", id.clone()),
                ("before", before.clone()),
                ("after", after.clone()),
            ]),
        ),
        Change::TextChanged {
            id,
            lang,
            before,
            after,
        } => tr.t_args(
            "change-text",
            &a(&[
                ("id", id.clone()),
                ("lang", lang.clone()),
                ("before", before.clone()),
                ("after", after.clone()),
            ]),
        ),
        Change::RequiredChanged { id, required } => tr.t_args(
            if *required {
                "change-required"
            } else {
                "change-optional"
            },
            &a(&[("id", id.clone())]),
        ),
        Change::ConditionChanged { id, after, .. } => tr.t_args(
            "change-condition",
            &a(&[
                ("id", id.clone()),
                ("after", after.clone().unwrap_or_else(|| "–".into())),
            ]),
        ),
        Change::SettingsChanged { id, fields } => tr.t_args(
            "change-settings",
            &a(&[("id", id.clone()), ("fields", fields.join(", "))]),
        ),
    }
}

pub async fn publish_page(
    State(app): State<AppState>,
    signed: Signed,
    Path(key): Path<String>,
) -> Response {
    if signed.user.role != Role::Admin {
        return forbidden(&signed);
    }
    let (survey, versions) = match working(&app, &signed, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    render_publish(&signed, &survey, &versions, StatusCode::OK)
}

/// The publish page: what changes, or why the draft cannot be published yet.
fn render_publish(
    signed: &Signed,
    survey: &Survey,
    versions: &[SurveyVersion],
    status: StatusCode,
) -> Response {
    let tr = signed.tr();
    let has_draft = versions[0].version.is_none();
    let published = versions.iter().find(|v| v.version.is_some());
    let changes = match (has_draft, published) {
        (true, Some(p)) => diff(&p.definition, &versions[0].definition)
            .iter()
            .map(|c| describe(&tr, c))
            .collect(),
        _ => Vec::new(),
    };
    let not_ready = if has_draft {
        placeholder_errors(&tr, &versions[0].definition)
    } else {
        Vec::new()
    };
    html_page(
        status,
        PublishPage {
            layout: Layout::new(signed, "surveys", "publish-title"),
            key: survey.key.clone(),
            changes,
            first_version: published.is_none(),
            has_draft,
            not_ready,
        }
        .render(),
    )
}

pub async fn publish_submit(
    State(app): State<AppState>,
    signed: Signed,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    if let Err(refused) = signed.admin_form(&body) {
        return *refused;
    }
    // A draft that still has the builder's example texts is not published.
    let (survey, versions) = match working(&app, &signed, &key).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if versions[0].version.is_none() && !edit::placeholders(&versions[0].definition).is_empty() {
        return render_publish(
            &signed,
            &survey,
            &versions,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    match app
        .store
        .publish_survey(signed.org.id, &key, &signed.actor())
        .await
    {
        Ok((survey, _)) => {
            app.surveys.invalidate(&survey.public_id, survey.id);
            Redirect::to("/app/surveys?published=1").into_response()
        }
        Err(StoreError::NotFound(_)) => {
            super::message(&signed, StatusCode::NOT_FOUND, "page-notfound")
        }
        Err(StoreError::Conflict(_)) => {
            Redirect::to(&format!("/app/surveys/{key}/edit")).into_response()
        }
        Err(e) => server_error(e),
    }
}
