//! The survey file format (YAML or JSON), read with precise errors: every problem is reported
//! with a path such as `questions[2].scale.max` and a reason, and all problems are reported at
//! once. Unknown fields are refused, so a typo never silently changes a survey.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use super::condition::{CompareOp, Condition, ConditionValue};
use super::model::{
    ChoiceOption, MAX_TEXT_LENGTH, Page, Question, QuestionKind, Scale, SurveyDefinition,
};
use crate::{Lang, QuestionId, SurveyKey, Text};

/// Limits that keep a single survey file reasonable.
const MAX_QUESTIONS: usize = 500;
const MAX_OPTIONS: usize = 200;
const MAX_TEXT: usize = 5_000;
const MAX_CONDITION_DEPTH: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    Yaml,
    Json,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// A parsed survey with the warnings worth showing an author (e.g. missing translations).
#[derive(Clone, Debug)]
pub struct Parsed {
    pub definition: SurveyDefinition,
    pub warnings: Vec<FileError>,
}

/// Parses a survey file. JSON is also accepted as YAML; `Json` gives JSON's own error messages.
pub fn parse_survey_file(bytes: &[u8], format: FileFormat) -> Result<Parsed, Vec<FileError>> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        vec![FileError {
            path: String::new(),
            message: format!("the file is not valid UTF-8 (at byte {})", e.valid_up_to()),
        }]
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value = match format {
        FileFormat::Json => serde_json::from_str(text).map_err(|e| {
            vec![FileError {
                path: String::new(),
                message: format!(
                    "invalid JSON at line {} column {}: {}",
                    e.line(),
                    e.column(),
                    strip_position(&e.to_string())
                ),
            }]
        })?,
        FileFormat::Yaml => serde_norway::from_str(text).map_err(|e| {
            let at = e
                .location()
                .map(|l| format!(" at line {} column {}", l.line(), l.column()))
                .unwrap_or_default();
            vec![FileError {
                path: String::new(),
                message: format!("invalid YAML{at}: {}", strip_position(&e.to_string())),
            }]
        })?,
    };
    parse_survey_value(&value)
}

fn strip_position(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// Parses a survey from an already decoded JSON value (e.g. a stored version).
pub fn parse_survey_value(value: &Value) -> Result<Parsed, Vec<FileError>> {
    let mut p = Parser::default();
    let def = p.survey(value);
    match def {
        Some(definition) if p.errors.is_empty() => Ok(Parsed {
            definition,
            warnings: p.warnings,
        }),
        _ => {
            if p.errors.is_empty() {
                p.err("", "the survey could not be read");
            }
            Err(p.errors)
        }
    }
}

#[derive(Default)]
struct Parser {
    errors: Vec<FileError>,
    warnings: Vec<FileError>,
    /// Every question seen so far, in order, for `show_if` checks.
    earlier: Vec<(QuestionId, QuestionKind)>,
    all_ids: BTreeSet<String>,
    langs_seen: BTreeSet<Lang>,
    /// Paths of every text with the languages it has, to warn about missing translations.
    texts: Vec<(String, Vec<Lang>)>,
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a yes/no value",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

impl Parser {
    fn err(&mut self, path: &str, msg: impl Into<String>) {
        self.errors.push(FileError {
            path: path.to_string(),
            message: msg.into(),
        });
    }

    fn object<'a>(
        &mut self,
        v: &'a Value,
        path: &str,
        allowed: &[&str],
    ) -> Option<&'a Map<String, Value>> {
        let Value::Object(m) = v else {
            self.err(path, format!("must be an object, found {}", type_name(v)));
            return None;
        };
        for k in m.keys() {
            if !allowed.contains(&k.as_str()) {
                self.err(
                    &join(path, k),
                    format!("unknown field (expected one of: {})", allowed.join(", ")),
                );
            }
        }
        Some(m)
    }

    fn text(&mut self, v: &Value, path: &str) -> Option<Text> {
        match v {
            Value::Object(m) => {
                let mut map = BTreeMap::new();
                for (k, val) in m {
                    let p = join(path, k);
                    let lang = match Lang::parse(k) {
                        Ok(l) => l,
                        Err(e) => {
                            self.err(&p, e);
                            continue;
                        }
                    };
                    match val {
                        Value::String(s) if s.trim().is_empty() => {
                            self.err(&p, "must not be empty")
                        }
                        Value::String(s) if s.chars().count() > MAX_TEXT => {
                            self.err(&p, format!("must be at most {MAX_TEXT} characters"))
                        }
                        Value::String(_) if map.contains_key(&lang) => {
                            self.err(&p, format!("the language {lang} is given twice"))
                        }
                        Value::String(s) => {
                            map.insert(lang, s.trim().to_string());
                        }
                        other => self.err(&p, format!("must be text, found {}", type_name(other))),
                    }
                }
                let langs: Vec<Lang> = map.keys().cloned().collect();
                self.langs_seen.extend(langs.iter().cloned());
                self.texts.push((path.to_string(), langs));
                if map.is_empty() && m.is_empty() {
                    self.err(
                        path,
                        "needs a text in at least one language, e.g. {nl: \"…\", en: \"…\"}",
                    );
                }
                Text::new(map)
            }
            Value::String(_) => {
                self.err(
                    path,
                    "give the text per language, e.g. {nl: \"…\", en: \"…\"}",
                );
                None
            }
            other => {
                self.err(
                    path,
                    format!("must be a text per language, found {}", type_name(other)),
                );
                None
            }
        }
    }

    fn opt_text(&mut self, m: &Map<String, Value>, field: &str, path: &str) -> Option<Text> {
        m.get(field)
            .filter(|v| !v.is_null())
            .and_then(|v| self.text(v, &join(path, field)))
    }

    fn int(&mut self, m: &Map<String, Value>, field: &str, path: &str) -> Option<i64> {
        let v = m.get(field)?;
        match v.as_i64() {
            Some(i) if i.abs() <= 1_000_000 => Some(i),
            Some(_) => {
                self.err(&join(path, field), "must be between -1000000 and 1000000");
                None
            }
            None => {
                self.err(
                    &join(path, field),
                    format!("must be a whole number, found {}", type_name(v)),
                );
                None
            }
        }
    }

    fn uint(
        &mut self,
        m: &Map<String, Value>,
        field: &str,
        path: &str,
        min: u32,
        max: u32,
    ) -> Option<u32> {
        let v = m.get(field)?;
        match v.as_u64() {
            Some(i) if i >= u64::from(min) && i <= u64::from(max) => Some(i as u32),
            _ => {
                self.err(
                    &join(path, field),
                    format!("must be a whole number from {min} to {max}"),
                );
                None
            }
        }
    }

    fn bool(&mut self, m: &Map<String, Value>, field: &str, path: &str) -> Option<bool> {
        let v = m.get(field)?;
        match v {
            Value::Bool(b) => Some(*b),
            other => {
                self.err(
                    &join(path, field),
                    format!("must be true or false, found {}", type_name(other)),
                );
                None
            }
        }
    }

    fn survey(&mut self, v: &Value) -> Option<SurveyDefinition> {
        let m = self.object(
            v,
            "",
            &[
                "key",
                "title",
                "intro",
                "thanks",
                "languages",
                "questions",
                "pages",
            ],
        )?;
        let key = match m.get("key") {
            Some(Value::String(s)) => match SurveyKey::parse(s) {
                Ok(k) => Some(k),
                Err(e) => {
                    self.err("key", e.0);
                    None
                }
            },
            Some(other) => {
                self.err("key", format!("must be text, found {}", type_name(other)));
                None
            }
            None => {
                self.err("key", "is required (e.g. key: after-call)");
                None
            }
        };
        let title = match m.get("title") {
            Some(t) => self.text(t, "title"),
            None => {
                self.err("title", "is required");
                None
            }
        };
        let intro = self.opt_text(m, "intro", "");
        let thanks = self.opt_text(m, "thanks", "");

        let pages = match (m.get("questions"), m.get("pages")) {
            (Some(_), Some(_)) => {
                self.err(
                    "",
                    "give either `questions` (one page) or `pages`, not both",
                );
                Vec::new()
            }
            (Some(qs), None) => {
                let questions = self.questions(qs, "questions");
                vec![Page {
                    title: None,
                    questions,
                }]
            }
            (None, Some(Value::Array(ps))) => {
                if ps.is_empty() {
                    self.err("pages", "needs at least one page");
                }
                let mut pages = Vec::new();
                for (i, pv) in ps.iter().enumerate() {
                    let path = format!("pages[{i}]");
                    let Some(pm) = self.object(pv, &path, &["title", "questions"]) else {
                        continue;
                    };
                    let title = self.opt_text(pm, "title", &path);
                    let questions = match pm.get("questions") {
                        Some(qs) => self.questions(qs, &join(&path, "questions")),
                        None => {
                            self.err(&join(&path, "questions"), "is required");
                            Vec::new()
                        }
                    };
                    pages.push(Page { title, questions });
                }
                pages
            }
            (None, Some(other)) => {
                self.err(
                    "pages",
                    format!("must be a list, found {}", type_name(other)),
                );
                Vec::new()
            }
            (None, None) => {
                self.err(
                    "questions",
                    "is required: a survey needs at least one question",
                );
                Vec::new()
            }
        };
        if self.earlier.len() > MAX_QUESTIONS {
            self.err(
                "questions",
                format!("a survey can have at most {MAX_QUESTIONS} questions"),
            );
        }

        let languages = match m.get("languages") {
            Some(Value::Array(ls)) if !ls.is_empty() => {
                let mut out: Vec<Lang> = Vec::new();
                for (i, l) in ls.iter().enumerate() {
                    let p = format!("languages[{i}]");
                    match l.as_str().map(Lang::parse) {
                        Some(Ok(lang)) if out.contains(&lang) => self.err(&p, "is listed twice"),
                        Some(Ok(lang)) => out.push(lang),
                        Some(Err(e)) => self.err(&p, e),
                        None => self.err(&p, "must be a language code such as nl or en"),
                    }
                }
                out
            }
            Some(_) => {
                self.err(
                    "languages",
                    "must be a non-empty list of language codes, e.g. [nl, en]",
                );
                Vec::new()
            }
            None => {
                // Dutch first when present: it is the product's home language.
                let mut ls: Vec<Lang> = self.langs_seen.iter().cloned().collect();
                ls.sort_by_key(|l| (l.as_str() != "nl", l.as_str() != "en", l.clone()));
                ls
            }
        };
        for (path, have) in std::mem::take(&mut self.texts) {
            for l in &languages {
                if !have.contains(l) {
                    self.warnings.push(FileError {
                        path: path.clone(),
                        message: format!("no {l} translation"),
                    });
                }
            }
        }
        Some(SurveyDefinition {
            key: key?,
            title: title?,
            intro,
            thanks,
            languages,
            pages,
        })
        .filter(|d| !d.languages.is_empty())
    }

    fn questions(&mut self, v: &Value, path: &str) -> Vec<Question> {
        let Value::Array(qs) = v else {
            self.err(
                path,
                format!("must be a list of questions, found {}", type_name(v)),
            );
            return Vec::new();
        };
        if qs.is_empty() {
            self.err(path, "needs at least one question");
        }
        qs.iter()
            .enumerate()
            .filter_map(|(i, q)| self.question(q, &format!("{path}[{i}]")))
            .collect()
    }

    fn id(&mut self, m: &Map<String, Value>, path: &str) -> Option<QuestionId> {
        match m.get("id") {
            Some(Value::String(s)) => match QuestionId::parse(s) {
                Ok(id) => Some(id),
                Err(e) => {
                    self.err(&join(path, "id"), e.0);
                    None
                }
            },
            Some(other) => {
                self.err(
                    &join(path, "id"),
                    format!("must be text, found {}", type_name(other)),
                );
                None
            }
            None => {
                self.err(&join(path, "id"), "is required");
                None
            }
        }
    }

    fn question(&mut self, v: &Value, path: &str) -> Option<Question> {
        const COMMON: [&str; 6] = ["id", "type", "text", "help", "required", "show_if"];
        let type_name_given = v.get("type").and_then(Value::as_str).unwrap_or("");
        let extra: &[&str] = match type_name_given {
            "nps" => &["scale"],
            "rating" => &["scale"],
            "likert" => &["points", "labels"],
            "choice" => &["options"],
            "multi" => &["options", "min_selected", "max_selected"],
            "text" => &["multiline", "max_length"],
            "matrix" => &["items", "scale", "likert"],
            "ranking" => &["options", "max_ranked"],
            "allocation" => &["items", "total"],
            _ => &[],
        };
        let allowed: Vec<&str> = COMMON.iter().chain(extra.iter()).copied().collect();
        let m = self.object(v, path, &allowed)?;
        let id = self.id(m, path);
        if let Some(id) = &id
            && !self.all_ids.insert(id.to_string())
        {
            self.err(
                &join(path, "id"),
                format!("`{id}` is used by an earlier question"),
            );
        }
        let text = match m.get("text") {
            Some(t) => self.text(t, &join(path, "text")),
            None => {
                self.err(&join(path, "text"), "is required");
                None
            }
        };
        let help = self.opt_text(m, "help", path);
        let required = self.bool(m, "required", path).unwrap_or(true);
        let show_if = m
            .get("show_if")
            .and_then(|c| self.condition(c, &join(path, "show_if"), 0));
        let kind = match m.get("type") {
            Some(Value::String(t)) => self.kind(t, m, path),
            Some(other) => {
                self.err(
                    &join(path, "type"),
                    format!("must be text, found {}", type_name(other)),
                );
                None
            }
            None => {
                self.err(&join(path, "type"), "is required (nps, rating, likert, yesno, choice, multi, text, matrix, ranking, allocation)");
                None
            }
        };
        let (id, text, kind) = (id?, text?, kind?);
        self.earlier.push((id.clone(), kind.clone()));
        Some(Question {
            id,
            text,
            help,
            required,
            show_if,
            kind,
        })
    }

    fn options(
        &mut self,
        m: &Map<String, Value>,
        field: &str,
        path: &str,
        min: usize,
    ) -> Vec<ChoiceOption> {
        let p = join(path, field);
        let Some(v) = m.get(field) else {
            self.err(
                &p,
                format!("is required: a list of at least {min} {{id, text}}"),
            );
            return Vec::new();
        };
        let Value::Array(arr) = v else {
            self.err(&p, format!("must be a list, found {}", type_name(v)));
            return Vec::new();
        };
        if arr.len() < min {
            self.err(&p, format!("needs at least {min}"));
        }
        if arr.len() > MAX_OPTIONS {
            self.err(&p, format!("can have at most {MAX_OPTIONS}"));
        }
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for (i, o) in arr.iter().enumerate() {
            let op = format!("{p}[{i}]");
            let Some(om) = self.object(o, &op, &["id", "text"]) else {
                continue;
            };
            let id = self.id(om, &op);
            if let Some(id) = &id
                && !seen.insert(id.to_string())
            {
                self.err(&join(&op, "id"), format!("`{id}` is used twice"));
            }
            let text = match om.get("text") {
                Some(t) => self.text(t, &join(&op, "text")),
                None => {
                    self.err(&join(&op, "text"), "is required");
                    None
                }
            };
            if let (Some(id), Some(text)) = (id, text) {
                out.push(ChoiceOption { id, text });
            }
        }
        out
    }

    fn labels(&mut self, v: &Value, path: &str, count: i64) -> Option<Vec<Text>> {
        let Value::Array(arr) = v else {
            self.err(
                path,
                format!("must be a list of texts, found {}", type_name(v)),
            );
            return None;
        };
        if arr.len() as i64 != count {
            self.err(
                path,
                format!("needs one label per point: {count}, found {}", arr.len()),
            );
            return None;
        }
        let labels: Vec<Text> = arr
            .iter()
            .enumerate()
            .filter_map(|(i, t)| self.text(t, &format!("{path}[{i}]")))
            .collect();
        (labels.len() as i64 == count).then_some(labels)
    }

    fn scale(&mut self, v: &Value, path: &str, fixed: Option<(i64, i64)>) -> Option<Scale> {
        let allowed: &[&str] = if fixed.is_some() {
            &["min", "max", "min_label", "max_label", "labels"]
        } else {
            &[
                "min",
                "max",
                "higher_is_better",
                "min_label",
                "max_label",
                "labels",
            ]
        };
        let m = self.object(v, path, allowed)?;
        let min = self.int(m, "min", path);
        let max = self.int(m, "max", path);
        let (min, max) = match fixed {
            Some((fmin, fmax)) => {
                if min.is_some_and(|x| x != fmin) {
                    self.err(
                        &join(path, "min"),
                        format!("is always {fmin} for this question type"),
                    );
                }
                if max.is_some_and(|x| x != fmax) {
                    self.err(
                        &join(path, "max"),
                        format!("is always {fmax} for this question type"),
                    );
                }
                (fmin, fmax)
            }
            None => {
                if !m.contains_key("min") {
                    self.err(&join(path, "min"), "is required");
                }
                if !m.contains_key("max") {
                    self.err(&join(path, "max"), "is required");
                }
                let (min, max) = (min?, max?);
                if max <= min {
                    self.err(&join(path, "max"), "must be greater than min");
                    return None;
                }
                if max - min > 100 {
                    self.err(&join(path, "max"), "a scale can have at most 101 points");
                    return None;
                }
                (min, max)
            }
        };
        let higher_is_better = self.bool(m, "higher_is_better", path).unwrap_or(true);
        let min_label = self.opt_text(m, "min_label", path);
        let max_label = self.opt_text(m, "max_label", path);
        let labels = match m.get("labels") {
            Some(l) => Some(self.labels(l, &join(path, "labels"), max - min + 1)?),
            None => None,
        };
        Some(Scale {
            min,
            max,
            higher_is_better,
            min_label,
            max_label,
            labels,
        })
    }

    fn likert_points(&mut self, m: &Map<String, Value>, field: &str, path: &str) -> Option<u8> {
        match m.get(field) {
            None => Some(5),
            Some(v) => match v.as_u64() {
                Some(5) => Some(5),
                Some(7) => Some(7),
                _ => {
                    self.err(&join(path, field), "must be 5 or 7");
                    None
                }
            },
        }
    }

    fn kind(&mut self, t: &str, m: &Map<String, Value>, path: &str) -> Option<QuestionKind> {
        let sp = join(path, "scale");
        Some(match t {
            "nps" => {
                let scale = match m.get("scale") {
                    Some(s) => self.scale(s, &sp, Some((0, 10)))?,
                    None => Scale::nps(),
                };
                QuestionKind::Nps { scale }
            }
            "rating" => match m.get("scale") {
                Some(s) => QuestionKind::Rating {
                    scale: self.scale(s, &sp, None)?,
                },
                None => {
                    self.err(&sp, "is required, e.g. {min: 1, max: 5}");
                    return None;
                }
            },
            "likert" => {
                let points = self.likert_points(m, "points", path)?;
                let labels = match m.get("labels") {
                    Some(l) => Some(self.labels(l, &join(path, "labels"), i64::from(points))?),
                    None => None,
                };
                QuestionKind::Likert { points, labels }
            }
            "yesno" => QuestionKind::YesNo,
            "choice" => QuestionKind::Choice {
                options: self.options(m, "options", path, 2),
            },
            "multi" => {
                let options = self.options(m, "options", path, 2);
                let n = options.len() as u32;
                let min_selected = self.uint(m, "min_selected", path, 0, n.max(1));
                let max_selected = self.uint(m, "max_selected", path, 1, n.max(1));
                if let (Some(a), Some(b)) = (min_selected, max_selected)
                    && a > b
                {
                    self.err(&join(path, "max_selected"), "must be at least min_selected");
                }
                QuestionKind::Multi {
                    options,
                    min_selected,
                    max_selected,
                }
            }
            "text" => {
                let multiline = self.bool(m, "multiline", path).unwrap_or(true);
                let max_length = self
                    .uint(m, "max_length", path, 1, MAX_TEXT_LENGTH)
                    .unwrap_or(2000);
                QuestionKind::Text {
                    multiline,
                    max_length,
                }
            }
            "matrix" => {
                let items = self.options(m, "items", path, 1);
                match (m.get("scale"), m.contains_key("likert")) {
                    (Some(_), true) => {
                        self.err(path, "give either `scale` or `likert`, not both");
                        return None;
                    }
                    (Some(s), false) => QuestionKind::Matrix {
                        items,
                        scale: self.scale(s, &sp, None)?,
                        likert: None,
                    },
                    (None, true) => {
                        let p = self.likert_points(m, "likert", path)?;
                        QuestionKind::Matrix {
                            items,
                            scale: Scale::likert(p),
                            likert: Some(p),
                        }
                    }
                    (None, false) => {
                        self.err(&sp, "is required (or `likert: 5`)");
                        return None;
                    }
                }
            }
            "ranking" => {
                let options = self.options(m, "options", path, 2);
                let n = options.len() as u32;
                let max_ranked = self.uint(m, "max_ranked", path, 1, n.max(1));
                QuestionKind::Ranking {
                    options,
                    max_ranked,
                }
            }
            "allocation" => {
                let items = self.options(m, "items", path, 2);
                let total = match self.uint(m, "total", path, 1, 1000) {
                    Some(t) => t,
                    None => {
                        if !m.contains_key("total") {
                            self.err(
                                &join(path, "total"),
                                "is required: the number of points to spread, e.g. 15",
                            );
                        }
                        return None;
                    }
                };
                QuestionKind::Allocation { items, total }
            }
            other => {
                self.err(
                    &join(path, "type"),
                    format!("unknown question type `{other}` (nps, rating, likert, yesno, choice, multi, text, matrix, ranking, allocation)"),
                );
                return None;
            }
        })
    }

    fn condition(&mut self, v: &Value, path: &str, depth: usize) -> Option<Condition> {
        if depth > MAX_CONDITION_DEPTH {
            self.err(path, "conditions are nested too deeply");
            return None;
        }
        let Value::Object(m) = v else {
            self.err(
                path,
                format!(
                    "must be an object such as {{question: nps, lte: 6}}, found {}",
                    type_name(v)
                ),
            );
            return None;
        };
        for group in ["all", "any"] {
            if let Some(list) = m.get(group) {
                if m.len() != 1 {
                    self.err(path, format!("`{group}` stands alone in its object"));
                    return None;
                }
                let Value::Array(items) = list else {
                    self.err(&join(path, group), "must be a list of conditions");
                    return None;
                };
                if items.is_empty() {
                    self.err(&join(path, group), "needs at least one condition");
                    return None;
                }
                let cs: Vec<Condition> = items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, c)| {
                        self.condition(c, &format!("{path}.{group}[{i}]"), depth + 1)
                    })
                    .collect();
                if cs.len() != items.len() {
                    return None;
                }
                return Some(if group == "all" {
                    Condition::All(cs)
                } else {
                    Condition::Any(cs)
                });
            }
        }
        if let Some(inner) = m.get("not") {
            if m.len() != 1 {
                self.err(path, "`not` stands alone in its object");
                return None;
            }
            return self
                .condition(inner, &join(path, "not"), depth + 1)
                .map(|c| Condition::Not(Box::new(c)));
        }
        let mut allowed = vec!["question", "item", "answered"];
        allowed.extend(CompareOp::ALL.iter().map(|(n, _)| *n));
        self.object(v, path, &allowed)?;
        let qpath = join(path, "question");
        let qid = match m.get("question").and_then(Value::as_str) {
            Some(s) => s,
            None => {
                self.err(&qpath, "is required: the id of an earlier question");
                return None;
            }
        };
        let Some((question, kind)) = self
            .earlier
            .iter()
            .find(|(id, _)| id.as_str() == qid)
            .cloned()
        else {
            let msg = if self.all_ids.contains(qid) {
                format!("`{qid}` is not an earlier question (a condition can only look back)")
            } else {
                format!("`{qid}` is not an earlier question of this survey")
            };
            self.err(&qpath, msg);
            return None;
        };
        let ops: Vec<(&str, CompareOp)> = CompareOp::ALL
            .iter()
            .filter(|(n, _)| m.contains_key(*n))
            .copied()
            .collect();
        let answered = m.get("answered");
        if ops.len() + usize::from(answered.is_some()) != 1 {
            self.err(
                path,
                "needs exactly one test: eq, ne, lt, lte, gt, gte, in, includes or answered",
            );
            return None;
        }
        if let Some(a) = answered {
            if m.contains_key("item") {
                self.err(&join(path, "item"), "cannot be combined with `answered`");
            }
            return match a {
                Value::Bool(b) => Some(Condition::Answered {
                    question,
                    answered: *b,
                }),
                _ => {
                    self.err(&join(path, "answered"), "must be true or false");
                    None
                }
            };
        }
        let (op_name, op) = ops[0];
        let vpath = join(path, op_name);
        let raw = &m[op_name];
        let item = match m.get("item") {
            None => None,
            Some(Value::String(s)) => {
                if kind.items().iter().any(|i| i.id.as_str() == s) {
                    Some(QuestionId::parse(s).ok()?)
                } else {
                    self.err(
                        &join(path, "item"),
                        format!("`{s}` is not an item of `{question}`"),
                    );
                    return None;
                }
            }
            Some(_) => {
                self.err(&join(path, "item"), "must be an item id");
                return None;
            }
        };
        let numeric =
            kind.numeric_scale().is_some() || (item.is_some() && !kind.items().is_empty());
        if !kind.items().is_empty() && item.is_none() {
            self.err(
                &join(path, "item"),
                format!("is required: `{question}` has several items"),
            );
            return None;
        }
        let options = kind.options();
        let scale_range = match &kind {
            QuestionKind::Matrix { scale, .. } => Some((scale.min, scale.max)),
            QuestionKind::Allocation { total, .. } => Some((0, i64::from(*total))),
            k => k.numeric_scale().map(|s| (s.min, s.max)),
        };
        let value = match (&kind, op) {
            (_, CompareOp::In) if numeric => match raw
                .as_array()
                .map(|a| a.iter().map(Value::as_i64).collect::<Option<Vec<_>>>())
            {
                Some(Some(v)) if !v.is_empty() => ConditionValue::Ints(v),
                _ => {
                    self.err(&vpath, "must be a non-empty list of whole numbers");
                    return None;
                }
            },
            (_, CompareOp::Includes) => {
                if !matches!(
                    kind,
                    QuestionKind::Multi { .. } | QuestionKind::Ranking { .. }
                ) {
                    self.err(
                        &vpath,
                        "`includes` works on multiple-choice and ranking questions",
                    );
                    return None;
                }
                self.option_value(raw, options, &vpath)
                    .map(ConditionValue::Option)?
            }
            (_, _) if numeric => match raw.as_i64() {
                Some(i) if !scale_range.is_none_or(|(lo, hi)| lo <= i && i <= hi) => {
                    let (lo, hi) = scale_range.unwrap_or_default();
                    self.err(
                        &vpath,
                        format!("{i} lies outside the question's scale ({lo} to {hi})"),
                    );
                    return None;
                }
                Some(i) => ConditionValue::Int(i),
                None => {
                    self.err(&vpath, "must be a whole number");
                    return None;
                }
            },
            (QuestionKind::YesNo, CompareOp::Eq | CompareOp::Ne) => match raw {
                Value::Bool(b) => ConditionValue::Bool(*b),
                _ => {
                    self.err(&vpath, "must be true or false");
                    return None;
                }
            },
            (QuestionKind::Choice { .. }, CompareOp::Eq | CompareOp::Ne) => self
                .option_value(raw, options, &vpath)
                .map(ConditionValue::Option)?,
            (QuestionKind::Choice { .. }, CompareOp::In) => match raw {
                Value::Array(a) if !a.is_empty() => {
                    let mut out = Vec::new();
                    for (i, x) in a.iter().enumerate() {
                        out.push(self.option_value(x, options, &format!("{vpath}[{i}]"))?);
                    }
                    ConditionValue::Options(out)
                }
                _ => {
                    self.err(&vpath, "must be a non-empty list of option ids");
                    return None;
                }
            },
            _ => {
                self.err(
                    &vpath,
                    format!(
                        "`{op_name}` does not apply to a {} question",
                        kind.type_name()
                    ),
                );
                return None;
            }
        };
        Some(Condition::Compare {
            question,
            item,
            op,
            value,
        })
    }

    fn option_value(&mut self, v: &Value, options: &[ChoiceOption], path: &str) -> Option<String> {
        match v.as_str() {
            Some(s) if options.iter().any(|o| o.id.as_str() == s) => Some(s.to_string()),
            Some(s) => {
                self.err(path, format!("`{s}` is not an option of that question"));
                None
            }
            None => {
                self.err(path, "must be an option id");
                None
            }
        }
    }
}
