use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use super::model::{QuestionKind, SurveyDefinition};
use crate::QuestionId;

/// One validated answer. Stored as plain JSON: a number, a boolean, a string (choice option id
/// or open text), a list of option ids (multiple choice; ranking in order) or an object of item
/// id → number (matrix, allocation).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AnswerValue {
    Int(i64),
    Bool(bool),
    Choice(String),
    Text(String),
    List(Vec<String>),
    Map(BTreeMap<String, i64>),
}

/// The validated answers of one response, keyed by question id.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Answers(BTreeMap<QuestionId, AnswerValue>);

impl Answers {
    pub fn get(&self, q: &QuestionId) -> Option<&AnswerValue> {
        self.0.get(q)
    }
    pub fn get_str(&self, q: &str) -> Option<&AnswerValue> {
        self.0.iter().find(|(k, _)| k.as_str() == q).map(|(_, v)| v)
    }
    pub fn insert(&mut self, q: QuestionId, v: AnswerValue) {
        self.0.insert(q, v);
    }
    pub fn remove(&mut self, q: &QuestionId) {
        self.0.remove(q);
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = (&QuestionId, &AnswerValue)> {
        self.0.iter()
    }
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "{}".into())
    }
    /// As raw JSON answers, e.g. to re-validate a stored draft together with a new page.
    pub fn to_raw(&self) -> Map<String, Value> {
        match serde_json::to_value(&self.0) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        }
    }
}

/// Which questions a validation covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The whole survey (a final submission, or the API).
    All,
    /// Only the questions of this page (0-based); earlier pages come validated from the draft.
    Page(usize),
}

/// What to do with an answer to a question that its `show_if` hides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HiddenAnswers {
    /// Refuse the submission (the API: the caller sent something that was never asked).
    Refuse,
    /// Drop the answer (HTML forms without JavaScript show conditional questions on the same
    /// page; what the respondent typed there is not stored when the condition does not hold).
    Ignore,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AnswerError {
    /// The question id, or the unknown key that was sent.
    pub question: String,
    /// A matrix/allocation item or ranking option, when the error is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    pub kind: AnswerErrorKind,
}

impl AnswerError {
    fn new(question: &str, kind: AnswerErrorKind) -> AnswerError {
        AnswerError {
            question: question.to_string(),
            item: None,
            kind,
        }
    }
    fn item(question: &str, item: &str, kind: AnswerErrorKind) -> AnswerError {
        AnswerError {
            question: question.to_string(),
            item: Some(item.to_string()),
            kind,
        }
    }
    /// `answers.nps`, `answers.grid.speed`.
    pub fn path(&self) -> String {
        match &self.item {
            Some(i) => format!("answers.{}.{}", self.question, i),
            None => format!("answers.{}", self.question),
        }
    }
}

/// Why an answer was refused. The web layer turns each into a localised sentence; `Display`
/// gives the English one used in API errors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum AnswerErrorKind {
    Required,
    UnknownQuestion,
    NotShown,
    NotAWholeNumber,
    OutOfRange { min: i64, max: i64 },
    NotYesNo,
    NotText,
    UnknownOption { option: String },
    NotAList,
    DuplicateOption { option: String },
    TooFewSelected { min: u32 },
    TooManySelected { max: u32 },
    TooLong { max: u32 },
    InvalidCharacters,
    NotAnObject,
    UnknownItem { item: String },
    MissingItem,
    RankingIncomplete { expected: u32 },
    DuplicateRank,
    AllocationTotal { total: u32, given: i64 },
}

impl AnswerErrorKind {
    /// A stable code, also the key of the localised message (`answer-error-<code>`).
    pub fn code(&self) -> &'static str {
        match self {
            AnswerErrorKind::Required => "required",
            AnswerErrorKind::UnknownQuestion => "unknown_question",
            AnswerErrorKind::NotShown => "not_shown",
            AnswerErrorKind::NotAWholeNumber => "not_a_whole_number",
            AnswerErrorKind::OutOfRange { .. } => "out_of_range",
            AnswerErrorKind::NotYesNo => "not_yes_no",
            AnswerErrorKind::NotText => "not_text",
            AnswerErrorKind::UnknownOption { .. } => "unknown_option",
            AnswerErrorKind::NotAList => "not_a_list",
            AnswerErrorKind::DuplicateOption { .. } => "duplicate_option",
            AnswerErrorKind::TooFewSelected { .. } => "too_few_selected",
            AnswerErrorKind::TooManySelected { .. } => "too_many_selected",
            AnswerErrorKind::TooLong { .. } => "too_long",
            AnswerErrorKind::InvalidCharacters => "invalid_characters",
            AnswerErrorKind::NotAnObject => "not_an_object",
            AnswerErrorKind::UnknownItem { .. } => "unknown_item",
            AnswerErrorKind::MissingItem => "missing_item",
            AnswerErrorKind::RankingIncomplete { .. } => "ranking_incomplete",
            AnswerErrorKind::DuplicateRank => "duplicate_rank",
            AnswerErrorKind::AllocationTotal { .. } => "allocation_total",
        }
    }
}

impl fmt::Display for AnswerErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnswerErrorKind::Required => write!(f, "an answer is required"),
            AnswerErrorKind::UnknownQuestion => write!(f, "this survey has no such question"),
            AnswerErrorKind::NotShown => {
                write!(
                    f,
                    "this question is not shown for the earlier answers, so it cannot be answered"
                )
            }
            AnswerErrorKind::NotAWholeNumber => write!(f, "must be a whole number"),
            AnswerErrorKind::OutOfRange { min, max } => {
                write!(f, "must be between {min} and {max}")
            }
            AnswerErrorKind::NotYesNo => write!(f, "must be true (yes) or false (no)"),
            AnswerErrorKind::NotText => write!(f, "must be text"),
            AnswerErrorKind::UnknownOption { option } => {
                write!(f, "`{option}` is not one of the options")
            }
            AnswerErrorKind::NotAList => write!(f, "must be a list of option ids"),
            AnswerErrorKind::DuplicateOption { option } => {
                write!(f, "`{option}` is given more than once")
            }
            AnswerErrorKind::TooFewSelected { min } => write!(f, "choose at least {min}"),
            AnswerErrorKind::TooManySelected { max } => write!(f, "choose at most {max}"),
            AnswerErrorKind::TooLong { max } => write!(f, "must be at most {max} characters"),
            AnswerErrorKind::InvalidCharacters => {
                write!(f, "contains characters that are not allowed")
            }
            AnswerErrorKind::NotAnObject => write!(f, "must be an object of item id to number"),
            AnswerErrorKind::UnknownItem { item } => write!(f, "`{item}` is not one of the items"),
            AnswerErrorKind::MissingItem => write!(f, "every item needs an answer"),
            AnswerErrorKind::RankingIncomplete { expected } => write!(f, "rank {expected} options"),
            AnswerErrorKind::DuplicateRank => write!(f, "each rank can be used only once"),
            AnswerErrorKind::AllocationTotal { total, given } => {
                write!(f, "the points must add up to {total} (now {given})")
            }
        }
    }
}

/// Validates raw answers (JSON from the API, or converted from a form with
/// [`raw_answers_from_form`]) against the definition.
///
/// * `earlier`: answers of earlier pages, already validated (multi-page forms); with
///   [`Scope::All`] pass an empty set.
/// * Conditions are evaluated in question order on the answers accepted so far.
/// * A key that is no question in scope is refused; `null` counts as no answer.
///
/// Returns the accepted answers of the scope (plus `earlier`), or every error found.
pub fn validate_answers(
    def: &SurveyDefinition,
    raw: &Map<String, Value>,
    scope: Scope,
    earlier: &Answers,
    hidden: HiddenAnswers,
) -> Result<Answers, Vec<AnswerError>> {
    let mut errors = Vec::new();
    let mut accepted = Answers::default();
    let mut in_scope: BTreeSet<&str> = BTreeSet::new();

    for (page_idx, page) in def.pages.iter().enumerate() {
        let active = match scope {
            Scope::All => true,
            Scope::Page(p) => {
                if page_idx > p {
                    break;
                }
                page_idx == p
            }
        };
        for q in &page.questions {
            let visible = q.show_if.as_ref().is_none_or(|c| c.holds(&accepted));
            if !active {
                if visible && let Some(v) = earlier.get(&q.id) {
                    accepted.insert(q.id.clone(), v.clone());
                }
                continue;
            }
            in_scope.insert(q.id.as_str());
            let given = raw.get(q.id.as_str()).filter(|v| !v.is_null());
            match (visible, given) {
                (false, Some(_)) if hidden == HiddenAnswers::Refuse => {
                    errors.push(AnswerError::new(q.id.as_str(), AnswerErrorKind::NotShown));
                }
                (false, _) => {}
                (true, None) => {
                    if q.required {
                        errors.push(AnswerError::new(q.id.as_str(), AnswerErrorKind::Required));
                    }
                }
                (true, Some(v)) => match parse_value(q.id.as_str(), &q.kind, v) {
                    Ok(Some(value)) => accepted.insert(q.id.clone(), value),
                    Ok(None) => {
                        if q.required {
                            errors.push(AnswerError::new(q.id.as_str(), AnswerErrorKind::Required));
                        }
                    }
                    Err(mut e) => errors.append(&mut e),
                },
            }
        }
    }
    for key in raw.keys() {
        if !in_scope.contains(key.as_str()) {
            errors.push(AnswerError::new(key, AnswerErrorKind::UnknownQuestion));
        }
    }
    if errors.is_empty() {
        Ok(accepted)
    } else {
        Err(errors)
    }
}

fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                .map(|f| f as i64)
        }),
        _ => None,
    }
}

fn check_range(
    q: &str,
    item: Option<&str>,
    v: &Value,
    min: i64,
    max: i64,
) -> Result<i64, AnswerError> {
    let mk = |kind| match item {
        Some(i) => AnswerError::item(q, i, kind),
        None => AnswerError::new(q, kind),
    };
    let n = int_of(v).ok_or_else(|| mk(AnswerErrorKind::NotAWholeNumber))?;
    if n < min || n > max {
        return Err(mk(AnswerErrorKind::OutOfRange { min, max }));
    }
    Ok(n)
}

fn clean_text(q: &str, s: &str, max: u32) -> Result<Option<String>, AnswerError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(AnswerError::new(q, AnswerErrorKind::InvalidCharacters));
    }
    // Browsers send a textarea's line breaks as CR LF but count them as one character against
    // `maxlength`: normalise first, then count, so what the browser allowed is accepted.
    let t = t.replace("\r\n", "\n").replace('\r', "\n");
    if t.chars().count() > max as usize {
        return Err(AnswerError::new(q, AnswerErrorKind::TooLong { max }));
    }
    Ok(Some(t))
}

/// Parses one given (non-null) value; `Ok(None)` means "effectively empty" (blank text, empty
/// selection), which counts as no answer.
fn parse_value(
    q: &str,
    kind: &QuestionKind,
    v: &Value,
) -> Result<Option<AnswerValue>, Vec<AnswerError>> {
    let one = |e: AnswerError| vec![e];
    match kind {
        QuestionKind::Nps { scale } | QuestionKind::Rating { scale } => {
            check_range(q, None, v, scale.min, scale.max)
                .map(|n| Some(AnswerValue::Int(n)))
                .map_err(one)
        }
        QuestionKind::Likert { points, .. } => check_range(q, None, v, 1, i64::from(*points))
            .map(|n| Some(AnswerValue::Int(n)))
            .map_err(one),
        QuestionKind::YesNo => match v {
            Value::Bool(b) => Ok(Some(AnswerValue::Bool(*b))),
            _ => Err(one(AnswerError::new(q, AnswerErrorKind::NotYesNo))),
        },
        QuestionKind::Text { max_length, .. } => match v {
            Value::String(s) => clean_text(q, s, *max_length)
                .map(|o| o.map(AnswerValue::Text))
                .map_err(one),
            _ => Err(one(AnswerError::new(q, AnswerErrorKind::NotText))),
        },
        QuestionKind::Choice { options } => match v {
            Value::String(s) if s.is_empty() => Ok(None),
            Value::String(s) if options.iter().any(|o| o.id.as_str() == s) => {
                Ok(Some(AnswerValue::Choice(s.clone())))
            }
            Value::String(s) => Err(one(AnswerError::new(
                q,
                AnswerErrorKind::UnknownOption { option: short(s) },
            ))),
            _ => Err(one(AnswerError::new(
                q,
                AnswerErrorKind::UnknownOption {
                    option: short(&v.to_string()),
                },
            ))),
        },
        QuestionKind::Multi {
            options,
            min_selected,
            max_selected,
        } => {
            let list = option_list(q, options, v)?;
            if list.is_empty() {
                return Ok(None);
            }
            let n = list.len() as u32;
            if let Some(min) = min_selected
                && n < *min
            {
                return Err(one(AnswerError::new(
                    q,
                    AnswerErrorKind::TooFewSelected { min: *min },
                )));
            }
            if let Some(max) = max_selected
                && n > *max
            {
                return Err(one(AnswerError::new(
                    q,
                    AnswerErrorKind::TooManySelected { max: *max },
                )));
            }
            Ok(Some(AnswerValue::List(list)))
        }
        QuestionKind::Ranking {
            options,
            max_ranked,
        } => {
            let list = match v {
                // From a form: option id → rank number (1 = first).
                Value::Object(m) => {
                    let mut ranked: Vec<(i64, String)> = Vec::new();
                    let mut errs = Vec::new();
                    for (opt, rank) in m {
                        if !options.iter().any(|o| o.id.as_str() == opt) {
                            errs.push(AnswerError::new(
                                q,
                                AnswerErrorKind::UnknownOption { option: short(opt) },
                            ));
                            continue;
                        }
                        if rank.is_null() || rank.as_str() == Some("") {
                            continue;
                        }
                        let places = max_ranked
                            .unwrap_or(options.len() as u32)
                            .min(options.len() as u32);
                        match check_range(q, Some(opt), rank, 1, i64::from(places)) {
                            Ok(r) => ranked.push((r, opt.clone())),
                            Err(e) => errs.push(e),
                        }
                    }
                    if !errs.is_empty() {
                        return Err(errs);
                    }
                    ranked.sort();
                    if ranked.windows(2).any(|w| w[0].0 == w[1].0) {
                        return Err(one(AnswerError::new(q, AnswerErrorKind::DuplicateRank)));
                    }
                    // Places must be 1, 2, 3, … without gaps.
                    if ranked
                        .iter()
                        .enumerate()
                        .any(|(i, (r, _))| *r != i as i64 + 1)
                    {
                        let expected = max_ranked
                            .unwrap_or(options.len() as u32)
                            .min(options.len() as u32);
                        return Err(one(AnswerError::new(
                            q,
                            AnswerErrorKind::RankingIncomplete { expected },
                        )));
                    }
                    ranked.into_iter().map(|(_, o)| o).collect::<Vec<_>>()
                }
                _ => option_list(q, options, v)?,
            };
            if list.is_empty() {
                return Ok(None);
            }
            let expected = max_ranked
                .unwrap_or(options.len() as u32)
                .min(options.len() as u32);
            if list.len() as u32 != expected {
                return Err(one(AnswerError::new(
                    q,
                    AnswerErrorKind::RankingIncomplete { expected },
                )));
            }
            Ok(Some(AnswerValue::List(list)))
        }
        QuestionKind::Matrix { items, scale, .. } => {
            let m = item_map(q, items, v)?;
            if m.is_empty() {
                return Ok(None);
            }
            let mut out = BTreeMap::new();
            let mut errs = Vec::new();
            for it in items {
                match m.get(it.id.as_str()) {
                    Some(val) => {
                        match check_range(q, Some(it.id.as_str()), val, scale.min, scale.max) {
                            Ok(n) => {
                                out.insert(it.id.to_string(), n);
                            }
                            Err(e) => errs.push(e),
                        }
                    }
                    None => errs.push(AnswerError::item(
                        q,
                        it.id.as_str(),
                        AnswerErrorKind::MissingItem,
                    )),
                }
            }
            if errs.is_empty() {
                Ok(Some(AnswerValue::Map(out)))
            } else {
                Err(errs)
            }
        }
        QuestionKind::Allocation { items, total } => {
            let m = item_map(q, items, v)?;
            if m.is_empty() {
                return Ok(None);
            }
            let mut out = BTreeMap::new();
            let mut errs = Vec::new();
            for it in items {
                let val = m.get(it.id.as_str()).cloned().unwrap_or(Value::from(0));
                match check_range(q, Some(it.id.as_str()), &val, 0, i64::from(*total)) {
                    Ok(n) => {
                        out.insert(it.id.to_string(), n);
                    }
                    Err(e) => errs.push(e),
                }
            }
            if !errs.is_empty() {
                return Err(errs);
            }
            let given: i64 = out.values().sum();
            if given != i64::from(*total) {
                return Err(one(AnswerError::new(
                    q,
                    AnswerErrorKind::AllocationTotal {
                        total: *total,
                        given,
                    },
                )));
            }
            Ok(Some(AnswerValue::Map(out)))
        }
    }
}

fn short(s: &str) -> String {
    s.chars().take(40).collect()
}

fn option_list(
    q: &str,
    options: &[super::model::ChoiceOption],
    v: &Value,
) -> Result<Vec<String>, Vec<AnswerError>> {
    let Value::Array(arr) = v else {
        return Err(vec![AnswerError::new(q, AnswerErrorKind::NotAList)]);
    };
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(arr.len());
    for el in arr {
        let Value::String(s) = el else {
            return Err(vec![AnswerError::new(q, AnswerErrorKind::NotAList)]);
        };
        if !options.iter().any(|o| o.id.as_str() == s) {
            return Err(vec![AnswerError::new(
                q,
                AnswerErrorKind::UnknownOption { option: short(s) },
            )]);
        }
        if !seen.insert(s.as_str()) {
            return Err(vec![AnswerError::new(
                q,
                AnswerErrorKind::DuplicateOption { option: short(s) },
            )]);
        }
        out.push(s.clone());
    }
    Ok(out)
}

fn item_map<'a>(
    q: &str,
    items: &[super::model::ChoiceOption],
    v: &'a Value,
) -> Result<&'a Map<String, Value>, Vec<AnswerError>> {
    let Value::Object(m) = v else {
        return Err(vec![AnswerError::new(q, AnswerErrorKind::NotAnObject)]);
    };
    let unknown: Vec<AnswerError> = m
        .keys()
        .filter(|k| !items.iter().any(|i| i.id.as_str() == k.as_str()))
        .map(|k| AnswerError::new(q, AnswerErrorKind::UnknownItem { item: short(k) }))
        .collect();
    if unknown.is_empty() {
        Ok(m)
    } else {
        Err(unknown)
    }
}

/// Rebuilds answers from storage (a draft, or a stored response) without judging completeness:
/// every value that still fits its question is kept, anything else is dropped.
pub fn stored_answers(def: &SurveyDefinition, raw: &Map<String, Value>) -> Answers {
    let mut out = Answers::default();
    for q in def.questions() {
        if let Some(v) = raw.get(q.id.as_str()).filter(|v| !v.is_null())
            && let Ok(Some(value)) = parse_value(q.id.as_str(), &q.kind, v)
        {
            out.insert(q.id.clone(), value);
        }
    }
    out
}

/// Turns the fields of an HTML form into raw answers for [`validate_answers`], for the
/// questions of `page` (or all pages). Field names: `q.<id>` (repeated for multiple choice),
/// `q.<id>.<item>` for matrix and allocation items and for ranking options (value: the rank).
/// Numbers and yes/no are converted; what does not convert is passed on as text so that the
/// validation names the problem.
pub fn raw_answers_from_form(
    def: &SurveyDefinition,
    page: Option<usize>,
    fields: &[(String, String)],
) -> Map<String, Value> {
    let mut raw = Map::new();
    let pages: Vec<_> = match page {
        Some(p) => def.pages.get(p).into_iter().collect(),
        None => def.pages.iter().collect(),
    };
    for q in pages.into_iter().flat_map(|p| p.questions.iter()) {
        let name = format!("q.{}", q.id);
        let values: Vec<&str> = fields
            .iter()
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
            .collect();
        let first = values.first().copied().unwrap_or("").trim();
        let value = match &q.kind {
            QuestionKind::Nps { .. }
            | QuestionKind::Rating { .. }
            | QuestionKind::Likert { .. } => {
                if first.is_empty() {
                    None
                } else {
                    Some(
                        first
                            .parse::<i64>()
                            .map(Value::from)
                            .unwrap_or_else(|_| Value::String(first.into())),
                    )
                }
            }
            QuestionKind::YesNo => match first {
                "" => None,
                "yes" | "true" | "1" => Some(Value::Bool(true)),
                "no" | "false" | "0" => Some(Value::Bool(false)),
                other => Some(Value::String(other.into())),
            },
            QuestionKind::Choice { .. } => (!first.is_empty()).then(|| Value::String(first.into())),
            QuestionKind::Text { .. } => values.first().map(|s| Value::String((*s).into())),
            QuestionKind::Multi { .. } => {
                let list: Vec<Value> = values
                    .iter()
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String((*s).into()))
                    .collect();
                (!list.is_empty()).then_some(Value::Array(list))
            }
            QuestionKind::Matrix { .. }
            | QuestionKind::Allocation { .. }
            | QuestionKind::Ranking { .. } => {
                let prefix = format!("{name}.");
                let mut m = Map::new();
                for (k, v) in fields {
                    if let Some(item) = k.strip_prefix(&prefix) {
                        let v = v.trim();
                        if v.is_empty() {
                            continue;
                        }
                        let val = v
                            .parse::<i64>()
                            .map(Value::from)
                            .unwrap_or_else(|_| Value::String(v.into()));
                        m.insert(item.to_string(), val);
                    }
                }
                (!m.is_empty()).then_some(Value::Object(m))
            }
        };
        if let Some(v) = value {
            raw.insert(q.id.to_string(), v);
        }
    }
    raw
}
