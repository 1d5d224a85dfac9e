//! Edits of a survey definition made by the builder, and the readable difference between two
//! versions. Every edit works on the file form (the JSON value of `SurveyDefinition::to_value`)
//! and is parsed again, so an edit can never produce a survey the file parser would refuse.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::file::{FileError, Parsed, parse_survey_value};
use super::model::SurveyDefinition;

/// Question types the builder can add, in the order it offers them.
pub const QUESTION_TYPES: [&str; 10] = [
    "nps",
    "rating",
    "likert",
    "yesno",
    "choice",
    "multi",
    "text",
    "matrix",
    "ranking",
    "allocation",
];

/// One change made in the builder.
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    /// Adds a question of `kind` at the end of page `page` (the last page when out of range),
    /// with `text` per language and sensible settings for its type.
    AddQuestion {
        page: usize,
        id: String,
        kind: String,
        text: BTreeMap<String, String>,
    },
    DeleteQuestion {
        id: String,
    },
    /// Moves a question one place up or down; at the edge of a page it moves to the
    /// neighbouring page.
    MoveQuestion {
        id: String,
        up: bool,
    },
    /// Sets the texts (per language), whether an answer is required, and the condition; with
    /// `details`, also the help text and every field of the question's type (options, items,
    /// scale and its labels, points, limits), which then replace the ones it had.
    UpdateQuestion {
        id: String,
        text: BTreeMap<String, String>,
        required: bool,
        show_if: Option<Value>,
        details: Option<Map<String, Value>>,
    },
    /// Starts a new page at this question.
    PageBreakBefore {
        id: String,
    },
    /// Joins page `page` (≥ 1) to the page before it.
    JoinPage {
        page: usize,
    },
    /// Sets the survey's title and introduction per language (an empty intro removes it).
    SetTexts {
        title: BTreeMap<String, String>,
        intro: BTreeMap<String, String>,
    },
}

/// The file form with pages always spelled out: `{…, "pages": [{"questions": […]}, …]}`.
fn paged(def: &SurveyDefinition) -> Map<String, Value> {
    let Value::Object(mut m) = def.to_value() else {
        return Map::new();
    };
    if let Some(qs) = m.remove("questions") {
        m.insert("pages".into(), json!([{ "questions": qs }]));
    }
    m
}

fn pages_mut(m: &mut Map<String, Value>) -> &mut Vec<Value> {
    if !matches!(m.get("pages"), Some(Value::Array(_))) {
        m.insert("pages".into(), json!([]));
    }
    match m.get_mut("pages") {
        Some(Value::Array(a)) => a,
        _ => unreachable!("pages was just made an array"),
    }
}

fn questions_mut(page: &mut Value) -> &mut Vec<Value> {
    if !matches!(page.get("questions"), Some(Value::Array(_))) {
        page["questions"] = json!([]);
    }
    match page.get_mut("questions") {
        Some(Value::Array(a)) => a,
        _ => unreachable!("questions was just made an array"),
    }
}

/// Where question `id` is: (page, index on the page).
fn find(pages: &[Value], id: &str) -> Option<(usize, usize)> {
    pages.iter().enumerate().find_map(|(p, page)| {
        page.get("questions")?
            .as_array()?
            .iter()
            .position(|q| q.get("id").and_then(Value::as_str) == Some(id))
            .map(|i| (p, i))
    })
}

fn not_found(id: &str) -> Vec<FileError> {
    vec![FileError {
        path: "questions".into(),
        message: format!("there is no question `{id}`"),
    }]
}

fn word(lang: &str, nl: &str, en: &str) -> String {
    if lang.starts_with("nl") { nl } else { en }.to_string()
}

/// The fields every question has; the others belong to its type (see [`Edit::UpdateQuestion`]).
const COMMON_FIELDS: [&str; 5] = ["id", "type", "text", "required", "show_if"];

/// The generated text of the `i`-th option (from 0) of a new question: "Optie A" / "Option A".
fn placeholder_option(lang: &str, i: usize) -> String {
    let c = char::from(b'A' + (i % 26) as u8);
    word(lang, &format!("Optie {c}"), &format!("Option {c}"))
}

/// The generated text of the `i`-th item (from 0) of a new question: "Onderdeel 1" / "Item 1".
fn placeholder_item(lang: &str, i: usize) -> String {
    word(
        lang,
        &format!("Onderdeel {}", i + 1),
        &format!("Item {}", i + 1),
    )
}

/// Whether a text is one the builder generated for a new question and nobody has replaced, or
/// a stand-in a template asks to replace (the internal-customer template's "Afdeling A").
pub fn is_placeholder(text: &str) -> bool {
    let t = text.trim();
    let letter = |rest: &str| rest.len() == 1 && rest.bytes().all(|b| b.is_ascii_uppercase());
    let number = |rest: &str| {
        !rest.is_empty() && rest.len() <= 3 && rest.bytes().all(|b| b.is_ascii_digit())
    };
    [
        ("Optie ", true),
        ("Option ", true),
        ("Onderdeel ", false),
        ("Item ", false),
        ("Afdeling ", true),
        ("Department ", true),
    ]
    .iter()
    .any(|(prefix, by_letter)| {
        t.strip_prefix(prefix).is_some_and(|rest| {
            if *by_letter {
                letter(rest)
            } else {
                number(rest)
            }
        })
    })
}

/// A generated text still in a survey: the question and the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placeholder {
    pub question: String,
    pub text: String,
}

/// The generated option and item texts ("Optie A", "Item 1", …) still in a survey, one per
/// question and text, in the survey's order. A survey with any is not ready to publish.
pub fn placeholders(def: &SurveyDefinition) -> Vec<Placeholder> {
    let mut out: Vec<Placeholder> = Vec::new();
    for q in def.questions() {
        for entry in q.kind.options().iter().chain(q.kind.items()) {
            for (_, text) in entry.text.iter() {
                let found = Placeholder {
                    question: q.id.to_string(),
                    text: text.to_string(),
                };
                if is_placeholder(text) && !out.contains(&found) {
                    out.push(found);
                }
            }
        }
    }
    out
}

/// Texts in every language for a generated option or item.
fn labels(langs: &[String], nl: &str, en: &str) -> Value {
    Value::Object(
        langs
            .iter()
            .map(|l| (l.clone(), Value::String(word(l, nl, en))))
            .collect(),
    )
}

/// A new question of `kind` with settings a survey designer would start from.
pub fn new_question(
    id: &str,
    kind: &str,
    text: &BTreeMap<String, String>,
    langs: &[String],
) -> Value {
    let text: BTreeMap<&String, &str> = text
        .iter()
        .map(|(l, t)| (l, t.trim()))
        .filter(|(_, t)| !t.is_empty())
        .collect();
    let mut q = json!({ "id": id, "type": kind, "text": text });
    let opts = |n: usize| -> Value {
        (0..n)
            .map(|i| {
                let c = (b'a' + i as u8) as char;
                json!({"id": c.to_string(), "text": labels(langs, &placeholder_option("nl", i), &placeholder_option("en", i))})
            })
            .collect()
    };
    let items = |n: usize| -> Value {
        (0..n)
            .map(|i| {
                json!({"id": format!("item{}", i + 1), "text": labels(langs, &placeholder_item("nl", i), &placeholder_item("en", i))})
            })
            .collect()
    };
    match kind {
        "rating" => q["scale"] = json!({"min": 1, "max": 5, "higher_is_better": true}),
        "likert" => q["points"] = json!(5),
        "choice" | "multi" | "ranking" => q["options"] = opts(3),
        "matrix" => {
            q["items"] = items(2);
            q["likert"] = json!(5);
        }
        "allocation" => {
            q["items"] = items(3);
            q["total"] = json!(100);
        }
        "text" => q["required"] = json!(false),
        _ => {}
    }
    q
}

/// Applies an edit and parses the result; errors carry paths into the survey file.
pub fn apply(def: &SurveyDefinition, edit: &Edit) -> Result<Parsed, Vec<FileError>> {
    let mut m = paged(def);
    let langs: Vec<String> = def.languages.iter().map(|l| l.to_string()).collect();
    match edit {
        Edit::AddQuestion {
            page,
            id,
            kind,
            text,
        } => {
            let pages = pages_mut(&mut m);
            if find(pages, id).is_some() {
                return Err(vec![FileError {
                    path: "questions".into(),
                    message: format!("there is a question `{id}` already; choose another id"),
                }]);
            }
            if pages.is_empty() {
                pages.push(json!({"questions": []}));
            }
            let p = (*page).min(pages.len() - 1);
            questions_mut(&mut pages[p]).push(new_question(id, kind, text, &langs));
        }
        Edit::DeleteQuestion { id } => {
            let pages = pages_mut(&mut m);
            let (p, i) = find(pages, id).ok_or_else(|| not_found(id))?;
            questions_mut(&mut pages[p]).remove(i);
            if pages.len() > 1 && questions_mut(&mut pages[p]).is_empty() {
                pages.remove(p);
            }
        }
        Edit::MoveQuestion { id, up } => {
            let pages = pages_mut(&mut m);
            let (p, i) = find(pages, id).ok_or_else(|| not_found(id))?;
            let len = questions_mut(&mut pages[p]).len();
            match (up, i) {
                (true, 0) if p > 0 => {
                    let q = questions_mut(&mut pages[p]).remove(0);
                    questions_mut(&mut pages[p - 1]).push(q);
                }
                (true, 0) => {}
                (true, i) => questions_mut(&mut pages[p]).swap(i, i - 1),
                (false, i) if i + 1 == len && p + 1 < pages.len() => {
                    let q = questions_mut(&mut pages[p]).remove(i);
                    questions_mut(&mut pages[p + 1]).insert(0, q);
                }
                (false, i) if i + 1 == len => {}
                (false, i) => questions_mut(&mut pages[p]).swap(i, i + 1),
            }
            if pages.len() > 1 {
                pages.retain(|pg| {
                    pg.get("questions")
                        .and_then(Value::as_array)
                        .is_some_and(|a| !a.is_empty())
                });
            }
        }
        Edit::UpdateQuestion {
            id,
            text,
            required,
            show_if,
            details,
        } => {
            let pages = pages_mut(&mut m);
            let (p, i) = find(pages, id).ok_or_else(|| not_found(id))?;
            let q = &mut questions_mut(&mut pages[p])[i];
            let texts: Map<String, Value> = text
                .iter()
                .filter(|(_, v)| !v.trim().is_empty())
                .map(|(k, v)| (k.clone(), Value::String(v.trim().to_string())))
                .collect();
            q["text"] = Value::Object(texts);
            let Value::Object(qm) = q else {
                return Err(not_found(id));
            };
            if *required {
                qm.remove("required");
            } else {
                qm.insert("required".into(), json!(false));
            }
            match show_if {
                Some(c) => {
                    qm.insert("show_if".into(), c.clone());
                }
                None => {
                    qm.remove("show_if");
                }
            }
            if let Some(details) = details {
                qm.retain(|k, _| COMMON_FIELDS.contains(&k.as_str()));
                for (k, v) in details {
                    if !COMMON_FIELDS.contains(&k.as_str()) {
                        qm.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        Edit::PageBreakBefore { id } => {
            let pages = pages_mut(&mut m);
            let (p, i) = find(pages, id).ok_or_else(|| not_found(id))?;
            if i > 0 {
                let rest = questions_mut(&mut pages[p]).split_off(i);
                pages.insert(p + 1, json!({ "questions": rest }));
            }
        }
        Edit::JoinPage { page } => {
            let pages = pages_mut(&mut m);
            if *page >= 1 && *page < pages.len() {
                let moved = std::mem::take(questions_mut(&mut pages[*page]));
                questions_mut(&mut pages[page - 1]).extend(moved);
                pages.remove(*page);
            }
        }
        Edit::SetTexts { title, intro } => {
            let keep = |t: &BTreeMap<String, String>| -> Map<String, Value> {
                t.iter()
                    .filter(|(_, v)| !v.trim().is_empty())
                    .map(|(k, v)| (k.clone(), Value::String(v.trim().to_string())))
                    .collect()
            };
            m.insert("title".into(), Value::Object(keep(title)));
            let intro = keep(intro);
            if intro.is_empty() {
                m.remove("intro");
            } else {
                m.insert("intro".into(), Value::Object(intro));
            }
        }
    }
    parse_survey_value(&Value::Object(m))
}

/// One difference between two versions, for the publish page.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    TitleChanged,
    IntroChanged,
    LanguagesChanged {
        before: Vec<String>,
        after: Vec<String>,
    },
    PagesChanged {
        before: usize,
        after: usize,
    },
    Added {
        id: String,
    },
    Removed {
        id: String,
    },
    Moved {
        id: String,
    },
    TypeChanged {
        id: String,
        before: String,
        after: String,
    },
    TextChanged {
        id: String,
        lang: String,
        before: String,
        after: String,
    },
    RequiredChanged {
        id: String,
        required: bool,
    },
    ConditionChanged {
        id: String,
        before: Option<String>,
        after: Option<String>,
    },
    SettingsChanged {
        id: String,
        fields: Vec<String>,
    },
}

/// What changed from `old` to `new`, question by question (matched by id).
pub fn diff(old: &SurveyDefinition, new: &SurveyDefinition) -> Vec<Change> {
    let mut out = Vec::new();
    let (o, n) = (old.to_value(), new.to_value());
    if o.get("title") != n.get("title") {
        out.push(Change::TitleChanged);
    }
    if o.get("intro") != n.get("intro") {
        out.push(Change::IntroChanged);
    }
    let langs = |d: &SurveyDefinition| {
        d.languages
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
    };
    if langs(old) != langs(new) {
        out.push(Change::LanguagesChanged {
            before: langs(old),
            after: langs(new),
        });
    }
    if old.pages.len() != new.pages.len() {
        out.push(Change::PagesChanged {
            before: old.pages.len(),
            after: new.pages.len(),
        });
    }
    let flat = |v: &Value| -> Vec<Value> {
        match (v.get("questions"), v.get("pages")) {
            (Some(Value::Array(q)), _) => q.clone(),
            (_, Some(Value::Array(p))) => p
                .iter()
                .filter_map(|pg| pg.get("questions").and_then(Value::as_array))
                .flatten()
                .cloned()
                .collect(),
            _ => Vec::new(),
        }
    };
    let (oq, nq) = (flat(&o), flat(&n));
    let id_of = |q: &Value| {
        q.get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let old_ids: Vec<String> = oq.iter().map(id_of).collect();
    let new_ids: Vec<String> = nq.iter().map(id_of).collect();
    for id in &old_ids {
        if !new_ids.contains(id) {
            out.push(Change::Removed { id: id.clone() });
        }
    }
    // Relative order of the questions both versions have.
    let common_old: Vec<&String> = old_ids.iter().filter(|i| new_ids.contains(i)).collect();
    let common_new: Vec<&String> = new_ids.iter().filter(|i| old_ids.contains(i)).collect();
    for q in &nq {
        let id = id_of(q);
        let Some(before) = oq.iter().find(|x| id_of(x) == id) else {
            out.push(Change::Added { id });
            continue;
        };
        let pos_old = common_old.iter().position(|x| **x == id);
        let pos_new = common_new.iter().position(|x| **x == id);
        if pos_old != pos_new {
            out.push(Change::Moved { id: id.clone() });
        }
        let s = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
        if before.get("type") != q.get("type") {
            out.push(Change::TypeChanged {
                id: id.clone(),
                before: s(before.get("type")),
                after: s(q.get("type")),
            });
        }
        let texts = |v: &Value| -> BTreeMap<String, String> {
            v.get("text")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                        .collect()
                })
                .unwrap_or_default()
        };
        let (tb, ta) = (texts(before), texts(q));
        let all_langs: std::collections::BTreeSet<&String> = tb.keys().chain(ta.keys()).collect();
        for l in all_langs {
            let (b, a) = (
                tb.get(l).cloned().unwrap_or_default(),
                ta.get(l).cloned().unwrap_or_default(),
            );
            if a != b {
                out.push(Change::TextChanged {
                    id: id.clone(),
                    lang: l.clone(),
                    before: b,
                    after: a,
                });
            }
        }
        let req = |v: &Value| v.get("required") != Some(&json!(false));
        if req(before) != req(q) {
            out.push(Change::RequiredChanged {
                id: id.clone(),
                required: req(q),
            });
        }
        if before.get("show_if") != q.get("show_if") {
            out.push(Change::ConditionChanged {
                id: id.clone(),
                before: before.get("show_if").map(Value::to_string),
                after: q.get("show_if").map(Value::to_string),
            });
        }
        let skip = COMMON_FIELDS;
        let keys: std::collections::BTreeSet<&String> = before
            .as_object()
            .into_iter()
            .flat_map(|m| m.keys())
            .chain(q.as_object().into_iter().flat_map(|m| m.keys()))
            .filter(|k| !skip.contains(&k.as_str()))
            .collect();
        let fields: Vec<String> = keys
            .into_iter()
            .filter(|k| before.get(k.as_str()) != q.get(k.as_str()))
            .cloned()
            .collect();
        if !fields.is_empty() {
            out.push(Change::SettingsChanged { id, fields });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::{FileFormat, parse_survey_file};
    use crate::templates::MINIMAL_EXAMPLE;

    fn minimal() -> SurveyDefinition {
        parse_survey_file(MINIMAL_EXAMPLE.as_bytes(), FileFormat::Yaml)
            .unwrap()
            .definition
    }

    fn ids(d: &SurveyDefinition) -> Vec<Vec<String>> {
        d.pages
            .iter()
            .map(|p| p.questions.iter().map(|q| q.id.to_string()).collect())
            .collect()
    }

    fn texts(nl: &str, en: &str) -> BTreeMap<String, String> {
        BTreeMap::from([("nl".into(), nl.into()), ("en".into(), en.into())])
    }

    #[test]
    fn every_type_can_be_added_and_parses() {
        let mut d = minimal();
        for (i, kind) in QUESTION_TYPES.iter().enumerate() {
            d = apply(
                &d,
                &Edit::AddQuestion {
                    page: 9,
                    id: format!("q{i}"),
                    kind: kind.to_string(),
                    text: texts("Vraag", "Question"),
                },
            )
            .unwrap_or_else(|e| panic!("{kind}: {e:?}"))
            .definition;
        }
        assert_eq!(d.questions().count(), 4 + QUESTION_TYPES.len());
        let err = apply(
            &d,
            &Edit::AddQuestion {
                page: 0,
                id: "nps".into(),
                kind: "yesno".into(),
                text: texts("a", "b"),
            },
        )
        .unwrap_err();
        assert!(err[0].message.contains("already"));
    }

    #[test]
    fn moving_deleting_and_pages() {
        let d = minimal();
        let d = apply(
            &d,
            &Edit::MoveQuestion {
                id: "effort".into(),
                up: true,
            },
        )
        .unwrap()
        .definition;
        assert_eq!(ids(&d), [["nps", "effort", "answered", "why"]]);
        let d = apply(
            &d,
            &Edit::PageBreakBefore {
                id: "answered".into(),
            },
        )
        .unwrap()
        .definition;
        assert_eq!(
            ids(&d),
            vec![vec!["nps", "effort"], vec!["answered", "why"]]
        );
        // down from the end of page 1 lands at the top of page 2
        let d = apply(
            &d,
            &Edit::MoveQuestion {
                id: "effort".into(),
                up: false,
            },
        )
        .unwrap()
        .definition;
        assert_eq!(
            ids(&d),
            vec![vec!["nps"], vec!["effort", "answered", "why"]]
        );
        // up from the top of page 2 back to page 1
        let d = apply(
            &d,
            &Edit::MoveQuestion {
                id: "effort".into(),
                up: true,
            },
        )
        .unwrap()
        .definition;
        assert_eq!(
            ids(&d),
            vec![vec!["nps", "effort"], vec!["answered", "why"]]
        );
        let d = apply(&d, &Edit::JoinPage { page: 1 }).unwrap().definition;
        assert_eq!(ids(&d), [["nps", "effort", "answered", "why"]]);
        // deleting a question another one depends on is refused by the parser, with a path
        let err = apply(&d, &Edit::DeleteQuestion { id: "nps".into() }).unwrap_err();
        assert!(err.iter().any(|e| e.path.contains("show_if")), "{err:?}");
        let d = apply(&d, &Edit::DeleteQuestion { id: "why".into() })
            .unwrap()
            .definition;
        assert_eq!(ids(&d), [["nps", "effort", "answered"]]);
    }

    #[test]
    fn updating_texts_required_and_conditions() {
        let d = minimal();
        let p = apply(
            &d,
            &Edit::UpdateQuestion {
                id: "answered".into(),
                text: texts("Geholpen?", ""),
                required: false,
                show_if: Some(json!({"question": "nps", "gte": 7})),
                details: None,
            },
        )
        .unwrap();
        let q = p.definition.question("answered").unwrap();
        assert!(!q.required && q.show_if.is_some());
        assert_eq!(
            p.warnings,
            [FileError {
                path: "pages[0].questions[1].text".into(),
                message: "no en translation".into()
            }],
            "a missing English text is a warning, not an error"
        );
        // a condition on a later question is refused
        let err = apply(
            &d,
            &Edit::UpdateQuestion {
                id: "nps".into(),
                text: texts("a", "b"),
                required: true,
                show_if: Some(json!({"question": "effort", "gte": 2})),
                details: None,
            },
        )
        .unwrap_err();
        assert!(err[0].path.contains("show_if"), "{err:?}");
    }

    #[test]
    fn diff_says_what_changed() {
        let old = minimal();
        let new = apply(&old, &Edit::DeleteQuestion { id: "why".into() })
            .unwrap()
            .definition;
        let new = apply(
            &new,
            &Edit::AddQuestion {
                page: 0,
                id: "topic".into(),
                kind: "choice".into(),
                text: texts("Onderwerp", "Topic"),
            },
        )
        .unwrap()
        .definition;
        let new = apply(
            &new,
            &Edit::UpdateQuestion {
                id: "effort".into(),
                text: texts("Hoe makkelijk ging het?", "How easy was it?"),
                required: true,
                show_if: None,
                details: None,
            },
        )
        .unwrap()
        .definition;
        let new = apply(
            &new,
            &Edit::MoveQuestion {
                id: "effort".into(),
                up: true,
            },
        )
        .unwrap()
        .definition;
        let changes = diff(&old, &new);
        assert!(changes.contains(&Change::Removed { id: "why".into() }));
        assert!(changes.contains(&Change::Added { id: "topic".into() }));
        assert!(changes.contains(&Change::TextChanged {
            id: "effort".into(),
            lang: "nl".into(),
            before: "Hoe makkelijk was het?".into(),
            after: "Hoe makkelijk ging het?".into()
        }));
        assert!(changes.iter().any(|c| matches!(c, Change::Moved { .. })));
        assert!(diff(&old, &old).is_empty());
    }

    fn details(v: Value) -> Option<Map<String, Value>> {
        match v {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    #[test]
    fn details_replace_every_field_of_the_type() {
        let d = apply(
            &minimal(),
            &Edit::AddQuestion {
                page: 0,
                id: "topic".into(),
                kind: "choice".into(),
                text: texts("Onderwerp", "Topic"),
            },
        )
        .unwrap()
        .definition;
        assert_eq!(
            placeholders(&d)
                .iter()
                .map(|p| p.text.as_str())
                .collect::<Vec<_>>(),
            [
                "Option A", "Optie A", "Option B", "Optie B", "Option C", "Optie C"
            ]
        );
        let update = |id: &str, d: &SurveyDefinition, v: Value| {
            apply(
                d,
                &Edit::UpdateQuestion {
                    id: id.into(),
                    text: texts("Onderwerp", "Topic"),
                    required: true,
                    show_if: None,
                    details: details(v),
                },
            )
        };
        let p = update(
            "topic",
            &d,
            json!({
                "help": {"nl": "Kies er één", "en": "Choose one"},
                "options": [
                    {"id": "bill", "text": {"nl": "Factuur", "en": "Invoice"}},
                    {"id": "move", "text": {"nl": "Verhuizing", "en": "Moving house"}},
                ],
            }),
        )
        .unwrap();
        let q = p.definition.question("topic").unwrap();
        let ids: Vec<&str> = q.kind.options().iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, ["bill", "move"]);
        assert!(q.help.is_some());
        assert!(placeholders(&p.definition).is_empty());
        // a rating's scale and labels; a field of another type is refused with its path
        let p = update(
            "effort",
            &d,
            json!({"scale": {"min": 0, "max": 4, "min_label": {"nl": "Zwaar", "en": "Hard"},
                "max_label": {"nl": "Licht", "en": "Easy"}}}),
        )
        .unwrap();
        let scale = p
            .definition
            .question("effort")
            .unwrap()
            .kind
            .numeric_scale()
            .unwrap();
        assert_eq!((scale.min, scale.max), (0, 4));
        assert!(scale.min_label.is_some() && scale.max_label.is_some());
        let err = update(
            "effort",
            &d,
            json!({"scale": {"min": 1, "max": 5}, "options": []}),
        )
        .unwrap_err();
        assert!(err.iter().any(|e| e.path.ends_with("options")), "{err:?}");
        // the common fields cannot be changed through the details
        let p = update(
            "effort",
            &d,
            json!({"scale": {"min": 1, "max": 7}, "type": "nps"}),
        )
        .unwrap();
        assert_eq!(
            p.definition.question("effort").unwrap().kind.type_name(),
            "rating"
        );
    }

    #[test]
    fn placeholder_texts_are_only_the_generated_ones() {
        for t in [
            "Optie A",
            "Option C",
            "Onderdeel 3",
            "Item 12",
            " Item 1 ",
            "Afdeling B",
            "Department C",
        ] {
            assert!(is_placeholder(t), "{t}");
        }
        for t in [
            "Optie",
            "Option AB",
            "Optie a",
            "Item",
            "Item 1 en 2",
            "Onderdelen 1",
            "Factuur",
            "Afdeling Inkoop",
            "Department IT",
        ] {
            assert!(!is_placeholder(t), "{t}");
        }
        for i in 0..5 {
            for l in ["nl", "en"] {
                assert!(is_placeholder(&placeholder_option(l, i)));
                assert!(is_placeholder(&placeholder_item(l, i)));
            }
        }
    }
}
