//! Respondent pages: the public link `/s/{public_id}` and personal links `/t/{token}`.
//!
//! Server-rendered HTML that works without JavaScript. Every page is a real
//! `<form method="post">`; after a successful POST the browser is redirected (303) to the next
//! page or the thank-you page. Answers of earlier pages live in a server-side draft keyed by the
//! link. A response is acknowledged (the thank-you redirect) only after the group-commit writer
//! has committed it.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use fluent_templates::fluent_bundle::FluentValue;
use serde::Deserialize;
use serde_json::{Map, Value};
use tevreden_domain::Lang;
use tevreden_domain::rollup::answer_facts;
use tevreden_domain::survey::{
    AnswerError, Answers, HiddenAnswers, Question, QuestionKind, Scale, Scope, SurveyDefinition,
    raw_answers_from_form, stored_answers, validate_answers,
};
use tevreden_storage::{
    IngestError, IngestOutcome, Invitation, NewResponse, PublishedSurvey, StoreError,
    SurveyVersion, now_ms, random_uuid, request_hash,
};

use crate::AppState;
use crate::assets::{self, AssetPaths};
use crate::form::decode_form;
use crate::i18n::{self, Chrome, num, t, t_args};

pub const LANG_COOKIE: &str = "tevreden_lang";
/// The submission id of a public link's multi-page answer in progress. It lives in an HttpOnly
/// cookie scoped to that link, never in a URL: a shared or bookmarked address must not carry
/// someone's draft, nor make a new respondent's answer look like a retry of another's.
pub const SID_COOKIE: &str = "tevreden_sid";

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    pub lang: Option<String>,
    pub page: Option<usize>,
}

/// The link a respondent came through.
enum Link {
    Public {
        public_id: String,
    },
    Personal {
        token: String,
        invitation: Invitation,
    },
    /// The builder's preview of a survey's draft: rendered like the real thing, never stored.
    Preview {
        key: String,
    },
}

impl Link {
    fn base(&self) -> String {
        match self {
            Link::Public { public_id } => format!("/s/{public_id}"),
            Link::Personal { token, .. } => format!("/t/{token}"),
            Link::Preview { key } => format!("/app/surveys/{key}/preview"),
        }
    }
    fn draft_key(&self, sid: &str) -> String {
        match self {
            Link::Public { .. } => format!("s:{sid}"),
            Link::Personal { invitation, .. } => format!("t:{}", invitation.id),
            Link::Preview { key } => format!("preview:{key}:{sid}"),
        }
    }
    /// The form's submission id is the idempotency key on both kinds of link. A personal link
    /// takes one response: a second, different submission meets the unique invitation id and
    /// is told the link was used; a retry of the first is recognised by its key.
    fn submission_key(&self, sid: &str) -> String {
        format!("form:{sid}")
    }
    /// Where this link's privacy statement is (none for the builder's preview).
    fn privacy_href(&self) -> Option<String> {
        match self {
            Link::Public { .. } | Link::Personal { .. } => Some(format!("{}/privacy", self.base())),
            Link::Preview { .. } => None,
        }
    }

    fn invitation(&self) -> Option<&Invitation> {
        match self {
            Link::Personal { invitation, .. } => Some(invitation),
            Link::Public { .. } | Link::Preview { .. } => None,
        }
    }
}

fn valid_sid(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

// ---------------------------------------------------------------------------------------------
// Views

#[derive(Clone, Copy)]
pub struct LangLink<'a> {
    pub code: &'a str,
    pub href: &'a str,
    pub current: bool,
}

pub struct OwnedLangLink {
    code: String,
    href: String,
    current: bool,
}

impl OwnedLangLink {
    fn view(&self) -> LangLink<'_> {
        LangLink {
            code: &self.code,
            href: &self.href,
            current: self.current,
        }
    }
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticePage<'a> {
    lang: &'a str,
    head_title: &'a str,
    org_name: &'a str,
    /// The link's privacy statement, when the page belongs to a link.
    privacy_href: Option<String>,
    chrome: &'a Chrome,
    assets: AssetPaths,
    langs: Vec<LangLink<'a>>,
    title: &'a str,
    body: &'a str,
    success: bool,
}

pub struct Point {
    value: i64,
    checked: bool,
    aria: Option<String>,
}

pub struct Opt {
    value: String,
    text: String,
    checked: bool,
}

pub struct Item {
    id: String,
    text: String,
    points: Vec<Point>,
    error: Option<String>,
}

pub struct Row {
    id: String,
    text: String,
    value: String,
}

pub enum Body {
    Grid {
        points: Vec<Point>,
        ends: Option<(String, String)>,
    },
    List {
        name: String,
        input: &'static str,
        options: Vec<Opt>,
    },
    Select {
        options: Vec<Opt>,
    },
    Text {
        value: String,
        multiline: bool,
        max: u32,
    },
    Matrix {
        items: Vec<Item>,
        ends: Option<(String, String)>,
        /// Every point with its label, when the scale labels each point (e.g. the 0–6
        /// frequency scale): shown once above the items, since a row of bare numbers says
        /// nothing about what 4 means.
        anchors: Vec<(i64, String)>,
    },
    Ranks {
        rows: Vec<Row>,
        ranks: Vec<usize>,
    },
    Numbers {
        rows: Vec<Row>,
        max: u32,
    },
}

pub struct QView {
    id: String,
    kind: &'static str,
    text: String,
    help: Option<String>,
    hint: Option<String>,
    required: bool,
    error: Option<String>,
    show_if: Option<String>,
    nojs_hint: bool,
    described_by: String,
    body: Body,
}

pub struct ErrorLink {
    anchor: String,
    question: String,
    message: String,
}

#[derive(Template)]
#[template(path = "survey.html")]
struct SurveyPage<'a> {
    lang: &'a str,
    head_title: &'a str,
    org_name: &'a str,
    privacy_href: Option<String>,
    /// What a personal link is about ("your contact with Team Telefonie on 3 December").
    context: Option<String>,
    chrome: &'a Chrome,
    assets: AssetPaths,
    langs: Vec<LangLink<'a>>,
    title: &'a str,
    intro: Option<String>,
    progress: Option<String>,
    page_title: Option<String>,
    errors: Vec<ErrorLink>,
    action: String,
    earlier_json: String,
    sid: &'a str,
    version_id: i64,
    page_index: usize,
    questions: Vec<QView>,
    back_href: Option<String>,
    is_last: bool,
}

fn scale_points(scale: &Scale, name_value: Option<&Value>, lang: &Lang, fb: &Lang) -> Vec<Point> {
    let chosen = name_value.and_then(Value::as_i64);
    scale
        .points()
        .map(|v| Point {
            value: v,
            checked: chosen == Some(v),
            aria: scale
                .label_for(v)
                .map(|l| format!("{v} – {}", l.get(lang, fb))),
        })
        .collect()
}

fn likert_label(
    lang: &Lang,
    points: u8,
    v: i64,
    custom: Option<&Vec<tevreden_domain::Text>>,
    fb: &Lang,
) -> String {
    match custom.and_then(|c| c.get((v - 1) as usize)) {
        Some(t) => t.get(lang, fb).to_string(),
        None => t(lang, &format!("likert-{points}-{v}")),
    }
}

fn ends(
    scale: &Scale,
    lang: &Lang,
    fb: &Lang,
    default: Option<(&str, &str)>,
) -> Option<(String, String)> {
    match (&scale.min_label, &scale.max_label) {
        (Some(a), Some(b)) => Some((
            format!("{} = {}", scale.min, a.get(lang, fb)),
            format!("{} = {}", scale.max, b.get(lang, fb)),
        )),
        (Some(a), None) => Some((
            format!("{} = {}", scale.min, a.get(lang, fb)),
            String::new(),
        )),
        (None, Some(b)) => Some((
            String::new(),
            format!("{} = {}", scale.max, b.get(lang, fb)),
        )),
        (None, None) => default.map(|(a, b)| {
            (
                format!("{} = {a}", scale.min),
                format!("{} = {b}", scale.max),
            )
        }),
    }
}

fn str_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

fn question_view(
    q: &Question,
    value: Option<&Value>,
    errors: &[&AnswerError],
    lang: &Lang,
    fb: &Lang,
    chrome: &Chrome,
) -> QView {
    let id = q.id.to_string();
    let name = format!("q.{id}");
    let mut hint = None;
    let question_error = errors
        .iter()
        .find(|e| e.item.is_none())
        .map(|e| i18n::answer_error(lang, &e.kind));
    let item_error = |item: &str| {
        errors
            .iter()
            .find(|e| e.item.as_deref() == Some(item))
            .map(|e| i18n::answer_error(lang, &e.kind))
    };
    let body = match &q.kind {
        QuestionKind::Nps { scale } => Body::Grid {
            points: scale_points(scale, value, lang, fb),
            ends: ends(scale, lang, fb, Some((&chrome.nps_min, &chrome.nps_max))),
        },
        QuestionKind::Rating { scale } => {
            let labelled = scale.labels.is_some();
            if labelled || scale.max - scale.min > 10 {
                let chosen = value.and_then(Value::as_i64);
                let options: Vec<Opt> = scale
                    .points()
                    .map(|v| Opt {
                        value: v.to_string(),
                        text: match scale.label_for(v) {
                            Some(l) => format!("{v} – {}", l.get(lang, fb)),
                            None => v.to_string(),
                        },
                        checked: chosen == Some(v),
                    })
                    .collect();
                if labelled {
                    Body::List {
                        name: name.clone(),
                        input: "radio",
                        options,
                    }
                } else {
                    Body::Select { options }
                }
            } else {
                Body::Grid {
                    points: scale_points(scale, value, lang, fb),
                    ends: ends(scale, lang, fb, None),
                }
            }
        }
        QuestionKind::Likert { points, labels } => {
            let chosen = value.and_then(Value::as_i64);
            let options = (1..=i64::from(*points))
                .map(|v| Opt {
                    value: v.to_string(),
                    text: likert_label(lang, *points, v, labels.as_ref(), fb),
                    checked: chosen == Some(v),
                })
                .collect();
            Body::List {
                name: name.clone(),
                input: "radio",
                options,
            }
        }
        QuestionKind::YesNo => {
            let chosen = value.and_then(Value::as_bool);
            Body::List {
                name: name.clone(),
                input: "radio",
                options: vec![
                    Opt {
                        value: "yes".into(),
                        text: chrome.yes.clone(),
                        checked: chosen == Some(true),
                    },
                    Opt {
                        value: "no".into(),
                        text: chrome.no.clone(),
                        checked: chosen == Some(false),
                    },
                ],
            }
        }
        QuestionKind::Choice { options } => {
            let chosen = value.and_then(Value::as_str);
            Body::List {
                name: name.clone(),
                input: "radio",
                options: options
                    .iter()
                    .map(|o| Opt {
                        value: o.id.to_string(),
                        text: o.text.get(lang, fb).into(),
                        checked: chosen == Some(o.id.as_str()),
                    })
                    .collect(),
            }
        }
        QuestionKind::Multi {
            options,
            min_selected,
            max_selected,
        } => {
            let chosen: Vec<&str> = value
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            hint = match (min_selected, max_selected) {
                (_, Some(max)) => Some(t_args(lang, "multi-hint-max", &[("max", num(*max))])),
                (Some(min), None) if *min > 1 => {
                    Some(t_args(lang, "multi-hint-min", &[("min", num(*min))]))
                }
                _ => None,
            };
            Body::List {
                name: name.clone(),
                input: "checkbox",
                options: options
                    .iter()
                    .map(|o| Opt {
                        value: o.id.to_string(),
                        text: o.text.get(lang, fb).into(),
                        checked: chosen.contains(&o.id.as_str()),
                    })
                    .collect(),
            }
        }
        QuestionKind::Text {
            multiline,
            max_length,
        } => {
            // Always say the limit: a browser cuts pasted text at `maxlength` without a word,
            // so the hint and the live count (form.js) are what tell the respondent.
            hint = Some(t_args(lang, "text-max", &[("max", num(*max_length))]));
            Body::Text {
                value: value.map(str_of).unwrap_or_default(),
                multiline: *multiline,
                max: *max_length,
            }
        }
        QuestionKind::Matrix {
            items,
            scale,
            likert,
        } => {
            let given = value.and_then(Value::as_object);
            let ends = match likert {
                Some(p) => Some((
                    format!("1 = {}", likert_label(lang, *p, 1, None, fb)),
                    format!("{p} = {}", likert_label(lang, *p, i64::from(*p), None, fb)),
                )),
                None => ends(scale, lang, fb, None),
            };
            let anchors: Vec<(i64, String)> = match (likert, &scale.labels) {
                (None, Some(_)) => scale
                    .points()
                    .filter_map(|v| scale.label_for(v).map(|l| (v, l.get(lang, fb).to_owned())))
                    .collect(),
                _ => Vec::new(),
            };
            let ends = if anchors.is_empty() { ends } else { None };
            Body::Matrix {
                anchors,
                items: items
                    .iter()
                    .map(|it| {
                        let chosen = given
                            .and_then(|m| m.get(it.id.as_str()))
                            .and_then(Value::as_i64);
                        Item {
                            id: it.id.to_string(),
                            text: it.text.get(lang, fb).into(),
                            points: scale
                                .points()
                                .map(|v| Point {
                                    value: v,
                                    checked: chosen == Some(v),
                                    aria: match likert {
                                        Some(p) => Some(format!(
                                            "{v} – {}",
                                            likert_label(lang, *p, v, None, fb)
                                        )),
                                        None => scale
                                            .label_for(v)
                                            .map(|l| format!("{v} – {}", l.get(lang, fb))),
                                    },
                                })
                                .collect(),
                            error: item_error(it.id.as_str()),
                        }
                    })
                    .collect(),
                ends,
            }
        }
        QuestionKind::Ranking {
            options,
            max_ranked,
        } => {
            let rank_of = |opt: &str| -> String {
                match value {
                    Some(Value::Array(a)) => a
                        .iter()
                        .position(|x| x.as_str() == Some(opt))
                        .map(|p| (p + 1).to_string())
                        .unwrap_or_default(),
                    Some(Value::Object(m)) => m.get(opt).map(str_of).unwrap_or_default(),
                    _ => String::new(),
                }
            };
            let n = max_ranked
                .map(|m| m as usize)
                .unwrap_or(options.len())
                .min(options.len());
            hint = Some(if n < options.len() {
                t_args(lang, "ranking-top-hint", &[("n", num(n as f64))])
            } else {
                t(lang, "ranking-hint")
            });
            Body::Ranks {
                rows: options
                    .iter()
                    .map(|o| Row {
                        id: o.id.to_string(),
                        text: o.text.get(lang, fb).into(),
                        value: rank_of(o.id.as_str()),
                    })
                    .collect(),
                ranks: (1..=n).collect(),
            }
        }
        QuestionKind::Allocation { items, total } => {
            let given = value.and_then(Value::as_object);
            hint = Some(t_args(lang, "allocation-hint", &[("total", num(*total))]));
            Body::Numbers {
                rows: items
                    .iter()
                    .map(|it| Row {
                        id: it.id.to_string(),
                        text: it.text.get(lang, fb).into(),
                        value: given
                            .and_then(|m| m.get(it.id.as_str()))
                            .map(str_of)
                            .unwrap_or_default(),
                    })
                    .collect(),
                max: *total,
            }
        }
    };
    QView {
        id,
        kind: q.kind.type_name(),
        text: q.text.get(lang, fb).into(),
        help: q.help.as_ref().map(|h| h.get(lang, fb).into()),
        hint,
        required: q.required,
        error: question_error,
        show_if: None,
        nojs_hint: false,
        described_by: String::new(),
        body,
    }
}

struct PageCtx<'a> {
    app: &'a AppState,
    link: &'a Link,
    version: &'a SurveyVersion,
    lang: Lang,
    org_name: String,
    context: Option<String>,
}

impl PageCtx<'_> {
    fn def(&self) -> &SurveyDefinition {
        &self.version.definition
    }

    fn lang_links(&self, extra: &str) -> Vec<OwnedLangLink> {
        let base = self.link.base();
        self.def()
            .languages
            .iter()
            .map(|l| OwnedLangLink {
                code: l.to_string(),
                href: format!("{base}?lang={l}{extra}"),
                current: *l == self.lang,
            })
            .collect()
    }

    fn render(
        &self,
        page: usize,
        sid: &str,
        values: &Map<String, Value>,
        earlier: &Answers,
        errors: &[AnswerError],
    ) -> String {
        let def = self.def();
        let lang = &self.lang;
        let fb = def.default_lang();
        let chrome = self.app.chrome(lang);
        let page_of: HashMap<&str, usize> = def
            .pages
            .iter()
            .enumerate()
            .flat_map(|(i, p)| p.questions.iter().map(move |q| (q.id.as_str(), i)))
            .collect();
        let mut questions = Vec::new();
        for q in &def.pages[page].questions {
            let mut show_if = None;
            let mut nojs_hint = false;
            if let Some(c) = &q.show_if {
                let all_earlier = c
                    .questions()
                    .iter()
                    .all(|id| page_of.get(id.as_str()).is_some_and(|p| *p < page));
                if all_earlier {
                    if !c.holds(earlier) {
                        continue;
                    }
                } else {
                    show_if = Some(c.to_value().to_string());
                    nojs_hint = true;
                }
            }
            let errs: Vec<&AnswerError> = errors
                .iter()
                .filter(|e| e.question == q.id.as_str())
                .collect();
            let mut v = question_view(q, values.get(q.id.as_str()), &errs, lang, fb, &chrome);
            if v.error.is_none()
                && let Some(e) = errs.first()
            {
                // only item-level errors: summarise on the question too
                v.error = Some(i18n::answer_error(lang, &e.kind));
            }
            let mut described = Vec::new();
            if nojs_hint {
                described.push(format!("q-{}-cond", v.id));
            }
            if v.help.is_some() {
                described.push(format!("q-{}-help", v.id));
            }
            if v.hint.is_some() {
                described.push(format!("q-{}-hint", v.id));
            }
            if v.error.is_some() {
                described.push(format!("q-{}-err", v.id));
            }
            v.described_by = described.join(" ");
            v.show_if = show_if;
            v.nojs_hint = nojs_hint;
            questions.push(v);
        }
        let error_links: Vec<ErrorLink> = questions
            .iter()
            .filter_map(|q| {
                q.error.as_ref().map(|e| ErrorLink {
                    anchor: format!("q-{}", q.id),
                    question: q.text.clone(),
                    message: e.clone(),
                })
            })
            .collect();
        let pages = def.pages.len();
        let title = def.title.get(lang, fb);
        let extra = if page > 0 {
            format!("&page={page}")
        } else {
            String::new()
        };
        let links = self.lang_links(&extra);
        let head_title = if error_links.is_empty() {
            title.to_string()
        } else {
            format!("{} – {title}", chrome.error_title)
        };
        let tpl = SurveyPage {
            lang: lang.as_str(),
            head_title: &head_title,
            org_name: &self.org_name,
            privacy_href: self.link.privacy_href(),
            context: self.context.clone(),
            chrome: &chrome,
            assets: assets::paths(),
            langs: links.iter().map(OwnedLangLink::view).collect(),
            title,
            intro: if page == 0 {
                def.intro.as_ref().map(|t| t.get(lang, fb).to_string())
            } else {
                None
            },
            progress: (pages > 1).then(|| {
                t_args(
                    lang,
                    "page-progress",
                    &[
                        ("page", num((page + 1) as f64)),
                        ("pages", num(pages as f64)),
                    ],
                )
            }),
            page_title: def.pages[page]
                .title
                .as_ref()
                .map(|t| t.get(lang, fb).to_string()),
            errors: error_links,
            action: self.link.base(),
            earlier_json: Value::Object(earlier.to_raw()).to_string(),
            sid,
            version_id: self.version.id,
            page_index: page,
            questions,
            back_href: (page > 0)
                .then(|| format!("{}?page={}&lang={lang}", self.link.base(), page - 1)),
            is_last: page + 1 == pages,
        };
        tpl.render().unwrap_or_else(|e| {
            tracing::error!(error = %e, "template error");
            String::new()
        })
    }
}

/// What a personal link is about, in the respondent's words: the unit (and touchpoint) the
/// invitation names and the day it was made, in the organisation's time zone. `None` when the
/// invitation names neither.
async fn invitation_context(app: &AppState, inv: &Invitation, lang: &Lang) -> Option<String> {
    let unit = match inv.context.unit_id {
        Some(id) => app
            .store
            .units(inv.org_id)
            .await
            .ok()
            .and_then(|us| us.into_iter().find(|u| u.id == id).map(|u| u.name)),
        None => None,
    };
    let touchpoint = match inv.context.touchpoint_id {
        Some(id) => app
            .store
            .touchpoints(inv.org_id)
            .await
            .ok()
            .and_then(|ts| ts.into_iter().find(|t| t.id == id).map(|t| t.name)),
        None => None,
    };
    if unit.is_none() && touchpoint.is_none() {
        return None;
    }
    let tz = app
        .store
        .org_time_zone(inv.org_id)
        .await
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let day = jiff::Timestamp::from_millisecond(inv.created_at)
        .ok()
        .map(|t| long_date(&t.to_zoned_datetime(tz).date(), lang))
        .unwrap_or_default();
    let key = match (&unit, &touchpoint) {
        (Some(_), Some(_)) => "context-touchpoint-unit",
        (Some(_), None) => "context-unit",
        _ => "context-touchpoint",
    };
    let args: Vec<(&'static str, FluentValue<'static>)> = vec![
        ("unit", FluentValue::from(unit.unwrap_or_default())),
        (
            "touchpoint",
            FluentValue::from(touchpoint.unwrap_or_default()),
        ),
        ("day", FluentValue::from(day)),
    ];
    Some(t_args(lang, key, &args))
}

/// A day as people write it: `3 december 2026`, `3 December 2026`.
fn long_date(d: &jiff::civil::Date, lang: &Lang) -> String {
    let month = t(lang, &format!("month-{}", d.month()));
    format!("{} {month} {}", d.day(), d.year())
}

// ---------------------------------------------------------------------------------------------
// Responses

fn page_response(status: StatusCode, html: String, set_lang: Option<&Lang>) -> Response {
    let mut resp = (status, Html(html)).into_response();
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(l) = set_lang {
        h.insert(
            header::SET_COOKIE,
            crate::cookies::set(
                LANG_COOKIE,
                l.as_str(),
                "/",
                crate::cookies::SameSite::Lax,
                Some(31_536_000),
            ),
        );
    }
    resp
}

/// A full-page notice (closed, expired, thank you, …) in the respondent's language.
pub fn notice(
    app: &AppState,
    lang: &Lang,
    status: StatusCode,
    key: &str,
    org_name: &str,
) -> Response {
    notice_text(
        app,
        lang,
        status,
        &t(lang, &format!("{key}-title")),
        &t(lang, &format!("{key}-body")),
        org_name,
        key == "thanks",
        vec![],
    )
}

#[allow(clippy::too_many_arguments)]
fn notice_text(
    app: &AppState,
    lang: &Lang,
    status: StatusCode,
    title: &str,
    body: &str,
    org_name: &str,
    success: bool,
    langs: Vec<OwnedLangLink>,
) -> Response {
    let chrome = app.chrome(lang);
    let page = NoticePage {
        lang: lang.as_str(),
        head_title: title,
        org_name,
        privacy_href: None,
        chrome: &chrome,
        assets: assets::paths(),
        langs: langs.iter().map(OwnedLangLink::view).collect(),
        title,
        body,
        success,
    };
    let mut resp = page_response(status, page.render().unwrap_or_default(), None);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
    }
    resp
}

use crate::cookies::get as cookie;

fn cookie_lang(headers: &HeaderMap) -> Option<Lang> {
    cookie(headers, LANG_COOKIE).and_then(|v| Lang::parse(v).ok())
}

/// Sets (or with `None` clears) a public link's submission-id cookie.
fn set_sid_cookie(resp: &mut Response, link: &Link, sid: Option<&str>) {
    let Link::Public { public_id } = link else {
        return;
    };
    let (value, age) = match sid {
        Some(sid) => (sid, crate::DRAFT_LIFETIME.as_secs() as i64),
        None => ("", 0),
    };
    resp.headers_mut().append(
        header::SET_COOKIE,
        crate::cookies::set(
            SID_COOKIE,
            value,
            &format!("/s/{public_id}"),
            crate::cookies::SameSite::Lax,
            Some(age),
        ),
    );
}

/// Language order: explicit switch → invitation → cookie → browser → survey default. The
/// invitation's language is the organisation's knowledge of this respondent and beats a
/// cookie left by another survey; a switch on this survey travels in the URL.
fn choose_lang(
    def: &SurveyDefinition,
    explicit: Option<&str>,
    headers: &HeaderMap,
    invitation: Option<&Invitation>,
) -> Lang {
    if let Some(l) = explicit.and_then(|s| Lang::parse(s).ok()) {
        return def.pick_lang(Some(&l));
    }
    if let Some(l) = invitation
        .and_then(|i| i.lang.as_deref())
        .and_then(|s| Lang::parse(s).ok())
    {
        return def.pick_lang(Some(&l));
    }
    if let Some(l) =
        cookie_lang(headers).filter(|l| def.languages.iter().any(|d| d.primary() == l.primary()))
    {
        return def.pick_lang(Some(&l));
    }
    if let Some(accept) = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        && let Some(l) = Lang::negotiate(accept, &def.languages)
    {
        return l.clone();
    }
    def.default_lang().clone()
}

/// Language for pages shown before a survey is known (not found): cookie, then browser.
fn fallback_lang(headers: &HeaderMap, explicit: Option<&str>) -> Lang {
    if let Some(l) = explicit.and_then(|s| Lang::parse(s).ok()) {
        return l;
    }
    if let Some(l) = cookie_lang(headers) {
        return l;
    }
    let ui = i18n::ui_languages();
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|a| Lang::negotiate(a, &ui).cloned())
        .unwrap_or_else(Lang::nl)
}

enum Resolved {
    Ready(Link, Arc<PublishedSurvey>, String),
    Stop(Response),
}

async fn resolve_public(
    app: &AppState,
    public_id: &str,
    headers: &HeaderMap,
    explicit: Option<&str>,
) -> Resolved {
    match app.surveys.by_public_id(&app.store, public_id).await {
        Ok(p) => {
            let org = app.org_name(p.survey.org_id).await;
            if !p.accepting(now_ms()) {
                let lang = choose_lang(&p.version.definition, explicit, headers, None);
                return Resolved::Stop(notice(app, &lang, StatusCode::GONE, "closed", &org));
            }
            Resolved::Ready(
                Link::Public {
                    public_id: public_id.to_string(),
                },
                p,
                org,
            )
        }
        Err(StoreError::NotFound(_)) => Resolved::Stop(notice(
            app,
            &fallback_lang(headers, explicit),
            StatusCode::NOT_FOUND,
            "notfound",
            "",
        )),
        Err(e) => {
            tracing::error!(error = %e, "loading survey failed");
            Resolved::Stop(notice(
                app,
                &fallback_lang(headers, explicit),
                StatusCode::INTERNAL_SERVER_ERROR,
                "error",
                "",
            ))
        }
    }
}

async fn resolve_personal(
    app: &AppState,
    token: &str,
    headers: &HeaderMap,
    explicit: Option<&str>,
    allow_answered: bool,
) -> Resolved {
    let invitation = match app.store.invitation_by_token(token).await {
        Ok(i) => i,
        Err(StoreError::NotFound(_)) => {
            return Resolved::Stop(notice(
                app,
                &fallback_lang(headers, explicit),
                StatusCode::NOT_FOUND,
                "notfound",
                "",
            ));
        }
        Err(e) => {
            tracing::error!(error = %e, "loading invitation failed");
            return Resolved::Stop(notice(
                app,
                &fallback_lang(headers, explicit),
                StatusCode::INTERNAL_SERVER_ERROR,
                "error",
                "",
            ));
        }
    };
    let p = match app
        .surveys
        .by_survey_id(&app.store, invitation.survey_id)
        .await
    {
        Ok(p) => p,
        Err(_) => {
            return Resolved::Stop(notice(
                app,
                &fallback_lang(headers, explicit),
                StatusCode::NOT_FOUND,
                "notfound",
                "",
            ));
        }
    };
    let org = app.org_name(p.survey.org_id).await;
    let lang = choose_lang(&p.version.definition, explicit, headers, Some(&invitation));
    if invitation.answered && !allow_answered {
        return Resolved::Stop(notice(app, &lang, StatusCode::CONFLICT, "used", &org));
    }
    if invitation.expires_at.is_some_and(|e| e <= now_ms()) {
        return Resolved::Stop(notice(app, &lang, StatusCode::GONE, "expired", &org));
    }
    if !p.accepting(now_ms()) {
        return Resolved::Stop(notice(app, &lang, StatusCode::GONE, "closed", &org));
    }
    Resolved::Ready(
        Link::Personal {
            token: token.to_string(),
            invitation,
        },
        p,
        org,
    )
}

// ---------------------------------------------------------------------------------------------
// Handlers

pub async fn public_get(
    State(app): State<AppState>,
    Path(public_id): Path<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    match resolve_public(&app, &public_id, &headers, q.lang.as_deref()).await {
        Resolved::Ready(link, p, org) => show(&app, link, &p, org, q, &headers).await,
        Resolved::Stop(r) => r,
    }
}

pub async fn personal_get(
    State(app): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    match resolve_personal(&app, &token, &headers, q.lang.as_deref(), false).await {
        Resolved::Ready(link, p, org) => show(&app, link, &p, org, q, &headers).await,
        Resolved::Stop(r) => r,
    }
}

pub async fn public_post(
    State(app): State<AppState>,
    Path(public_id): Path<String>,
    crate::throttle::ClientAddr(client): crate::throttle::ClientAddr,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match resolve_public(&app, &public_id, &headers, None).await {
        Resolved::Ready(link, p, org) => {
            // Every page posted (a draft or the submission) takes a token of this address's
            // bucket for this link: a flood is refused before anything is stored.
            let key = (crate::throttle::limit_key(client), public_id.clone());
            if let Err(wait) = app.public_posts.take(key) {
                let lang = choose_lang(&p.version.definition, None, &headers, None);
                return too_many(&app, &lang, wait, &org);
            }
            accept(&app, link, &p, org, &headers, body).await
        }
        Resolved::Stop(r) => r,
    }
}

/// `429` with `Retry-After` (whole seconds, rounded up) and a page that says to wait.
fn too_many(app: &AppState, lang: &Lang, wait: std::time::Duration, org: &str) -> Response {
    let mut resp = notice(app, lang, StatusCode::TOO_MANY_REQUESTS, "too-many", org);
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    if let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

pub async fn personal_post(
    State(app): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    // An answered invitation still reaches `accept`, so that a retried submission is
    // recognised as a duplicate and answered with the thank-you page.
    match resolve_personal(&app, &token, &headers, None, true).await {
        Resolved::Ready(link, p, org) => accept(&app, link, &p, org, &headers, body).await,
        Resolved::Stop(r) => r,
    }
}

pub async fn public_thanks(
    State(app): State<AppState>,
    Path(public_id): Path<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    match app.surveys.by_public_id(&app.store, &public_id).await {
        Ok(p) => thanks(&app, &p, q.lang.as_deref(), &headers, None).await,
        Err(_) => notice(
            &app,
            &fallback_lang(&headers, q.lang.as_deref()),
            StatusCode::NOT_FOUND,
            "notfound",
            "",
        ),
    }
}

pub async fn personal_thanks(
    State(app): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let Ok(inv) = app.store.invitation_by_token(&token).await else {
        return notice(
            &app,
            &fallback_lang(&headers, q.lang.as_deref()),
            StatusCode::NOT_FOUND,
            "notfound",
            "",
        );
    };
    match app.surveys.by_survey_id(&app.store, inv.survey_id).await {
        Ok(p) => thanks(&app, &p, q.lang.as_deref(), &headers, Some(&inv)).await,
        Err(_) => notice(
            &app,
            &fallback_lang(&headers, q.lang.as_deref()),
            StatusCode::NOT_FOUND,
            "notfound",
            "",
        ),
    }
}

async fn thanks(
    app: &AppState,
    p: &PublishedSurvey,
    explicit: Option<&str>,
    headers: &HeaderMap,
    inv: Option<&Invitation>,
) -> Response {
    let def = &p.version.definition;
    let lang = choose_lang(def, explicit, headers, inv);
    let org = app.org_name(p.survey.org_id).await;
    let body = match &def.thanks {
        Some(text) => text.get(&lang, def.default_lang()).to_string(),
        None => t(&lang, "thanks-body"),
    };
    notice_text(
        app,
        &lang,
        StatusCode::OK,
        &t(&lang, "thanks-title"),
        &body,
        &org,
        true,
        vec![],
    )
}

async fn show(
    app: &AppState,
    link: Link,
    p: &PublishedSurvey,
    org_name: String,
    q: PageQuery,
    headers: &HeaderMap,
) -> Response {
    let def = &p.version.definition;
    let lang = choose_lang(def, q.lang.as_deref(), headers, link.invitation());
    let set_lang = q.lang.as_ref().map(|_| &lang);
    // A multi-page answer in progress: the public link's cookie, or the invitation itself.
    let draft_key = match &link {
        Link::Public { .. } if def.pages.len() > 1 => cookie(headers, SID_COOKIE)
            .filter(|s| valid_sid(s))
            .map(|sid| (link.draft_key(sid), Some(sid.to_string()))),
        Link::Public { .. } | Link::Preview { .. } => None,
        Link::Personal { .. } => Some((link.draft_key(""), None)),
    };
    let mut sid = None;
    let mut resumed = false;
    let mut page = 0;
    let mut values = Map::new();
    let mut earlier = Answers::default();
    let mut version: &SurveyVersion = &p.version;
    let cached_version;
    if let Some((key, draft_sid)) = draft_key {
        // Resume a draft: the furthest page reached, or an earlier one the respondent went back to.
        if let Ok(Some((version_id, reached, raw))) = app.store.load_draft(&key, p.survey.id).await
        {
            if version_id != p.version.id
                && let Ok(v) = app.surveys.version(&app.store, version_id).await
            {
                cached_version = v;
                version = &cached_version;
            }
            let d = &version.definition;
            page = q
                .page
                .unwrap_or(reached)
                .min(reached)
                .min(d.pages.len() - 1);
            let all = stored_answers(d, &raw);
            earlier = answers_before(d, &all, page);
            values = all.to_raw();
            sid = draft_sid;
            resumed = true;
        }
    }
    // Otherwise a new submission id: one that already answered (its draft is gone) is never
    // reused, so a respondent who comes back starts a new response.
    let sid = sid.unwrap_or_else(crate::new_sid);
    let context = match link.invitation() {
        Some(inv) => invitation_context(app, inv, &lang).await,
        None => None,
    };
    let ctx = PageCtx {
        app,
        link: &link,
        version,
        lang: lang.clone(),
        org_name,
        context,
    };
    let html = match &link {
        // The first page of a public link is the same for everyone but the submission id:
        // render it once per version and language, then only fill in the id.
        Link::Public { public_id } if !resumed => {
            let key = (version.id, lang.to_string(), public_id.clone());
            let pieces = match app.page_cache.get(&key) {
                Some(p) => p,
                None => {
                    let html = ctx.render(0, SID_MARKER, &values, &earlier, &[]);
                    app.page_cache
                        .put(key, html.split(SID_MARKER).map(str::to_string).collect())
                }
            };
            pieces.join(sid.as_str())
        }
        _ => ctx.render(page, &sid, &values, &earlier, &[]),
    };
    page_response(StatusCode::OK, html, set_lang)
}

/// Stands in for the submission id in cached first pages.
const SID_MARKER: &str = "\u{1}sid\u{1}";

/// The answers that belong to pages before `page`.
fn answers_before(def: &SurveyDefinition, all: &Answers, page: usize) -> Answers {
    let mut out = Answers::default();
    for p in def.pages.iter().take(page) {
        for q in &p.questions {
            if let Some(v) = all.get(&q.id) {
                out.insert(q.id.clone(), v.clone());
            }
        }
    }
    out
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

async fn accept(
    app: &AppState,
    link: Link,
    p: &PublishedSurvey,
    org_name: String,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let def_lang = choose_lang(&p.version.definition, None, headers, link.invitation());
    let body = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return notice(
                app,
                &def_lang,
                StatusCode::PAYLOAD_TOO_LARGE,
                "toolarge",
                &org_name,
            );
        }
        Err(_) => {
            return notice(
                app,
                &def_lang,
                StatusCode::BAD_REQUEST,
                "badform",
                &org_name,
            );
        }
    };
    let Ok(fields) = decode_form(&body) else {
        return notice(
            app,
            &def_lang,
            StatusCode::BAD_REQUEST,
            "badform",
            &org_name,
        );
    };
    let sid = match field(&fields, "sid") {
        Some(s) if valid_sid(s) => s.to_string(),
        _ => {
            return notice(
                app,
                &def_lang,
                StatusCode::BAD_REQUEST,
                "badform",
                &org_name,
            );
        }
    };
    let page: usize = match field(&fields, "page").and_then(|s| s.parse().ok()) {
        Some(p) => p,
        None => {
            return notice(
                app,
                &def_lang,
                StatusCode::BAD_REQUEST,
                "badform",
                &org_name,
            );
        }
    };
    // Finish on the version the respondent started with, if it was published for this survey.
    let version: Arc<SurveyVersion> = match field(&fields, "v").and_then(|s| s.parse::<i64>().ok())
    {
        Some(v) => match app.surveys.version(&app.store, v).await {
            Ok(ver) if ver.survey_id == p.survey.id => ver,
            _ => {
                return notice(
                    app,
                    &def_lang,
                    StatusCode::BAD_REQUEST,
                    "badform",
                    &org_name,
                );
            }
        },
        None => {
            return notice(
                app,
                &def_lang,
                StatusCode::BAD_REQUEST,
                "badform",
                &org_name,
            );
        }
    };
    let def = &version.definition;
    if page >= def.pages.len() {
        return notice(
            app,
            &def_lang,
            StatusCode::BAD_REQUEST,
            "badform",
            &org_name,
        );
    }
    let lang = choose_lang(def, field(&fields, "lang"), headers, link.invitation());
    let draft_key = link.draft_key(&sid);
    let earlier = if page > 0 {
        match app.store.load_draft(&draft_key, p.survey.id).await {
            Ok(Some((vid, reached, raw))) if vid == version.id && reached >= page => {
                answers_before(def, &stored_answers(def, &raw), page)
            }
            Ok(_) => {
                // The draft is gone (expired, or another device finished it): start over.
                return Redirect::to(&format!("{}?lang={lang}", link.base())).into_response();
            }
            Err(e) => {
                tracing::error!(error = %e, "loading draft failed");
                return notice(
                    app,
                    &lang,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "error",
                    &org_name,
                );
            }
        }
    } else {
        Answers::default()
    };
    let raw = raw_answers_from_form(def, Some(page), &fields);
    let answers = match validate_answers(
        def,
        &raw,
        Scope::Page(page),
        &earlier,
        HiddenAnswers::Ignore,
    ) {
        Ok(a) => a,
        Err(errors) => {
            let context = match link.invitation() {
                Some(inv) => invitation_context(app, inv, &lang).await,
                None => None,
            };
            let ctx = PageCtx {
                app,
                link: &link,
                version: &version,
                lang,
                org_name,
                context,
            };
            return page_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                ctx.render(page, &sid, &raw, &earlier, &errors),
                None,
            );
        }
    };
    if page + 1 < def.pages.len() {
        let draft_saved = app
            .store
            .save_draft(&draft_key, p.survey.id, version.id, page + 1, &answers)
            .await;
        if let Err(e) = draft_saved {
            tracing::error!(error = %e, "saving draft failed");
            return notice(
                app,
                &lang,
                StatusCode::INTERNAL_SERVER_ERROR,
                "error",
                &org_name,
            );
        }
        let mut resp =
            Redirect::to(&format!("{}?page={}&lang={lang}", link.base(), page + 1)).into_response();
        set_sid_cookie(&mut resp, &link, Some(&sid));
        return resp;
    }
    let inv = link.invitation();
    let ctx = inv.map(|i| i.context.clone()).unwrap_or_default();
    let answers_json = answers.to_json();
    let response = NewResponse {
        org_id: p.survey.org_id,
        survey_id: p.survey.id,
        version_id: version.id,
        uid: random_uuid(),
        submission_key: link.submission_key(&sid),
        request_hash: request_hash(&[&version.id.to_le_bytes(), answers_json.as_bytes()]),
        invitation_id: inv.map(|i| i.id),
        lang: lang.to_string(),
        unit_id: ctx.unit_id,
        touchpoint_id: ctx.touchpoint_id,
        channel_id: ctx.channel_id,
        employee_id: ctx.employee_id,
        contact_id: ctx.contact_id,
        facts: answer_facts(def, &answers),
        answers: answers_json,
        submitted_at: now_ms(),
    };
    match app.store.submit(response).await {
        Ok(IngestOutcome::Stored { .. } | IngestOutcome::Duplicate { .. }) => {
            let mut resp =
                Redirect::to(&format!("{}/thanks?lang={lang}", link.base())).into_response();
            if def.pages.len() > 1 {
                if let Err(e) = app.store.delete_draft(&draft_key).await {
                    tracing::warn!(error = %e, "deleting a finished draft failed");
                }
                set_sid_cookie(&mut resp, &link, None);
            }
            resp
        }
        Err(IngestError::Closed) => notice(app, &lang, StatusCode::GONE, "closed", &org_name),
        Err(IngestError::AlreadyAnswered) => {
            notice(app, &lang, StatusCode::CONFLICT, "used", &org_name)
        }
        // This form was sent before with other answers (the browser's back button, say).
        Err(IngestError::KeyReused) => match link {
            Link::Public { .. } | Link::Preview { .. } => {
                notice(app, &lang, StatusCode::CONFLICT, "resent", &org_name)
            }
            Link::Personal { .. } => notice(app, &lang, StatusCode::CONFLICT, "used", &org_name),
        },
        Err(IngestError::Overloaded | IngestError::Unavailable) => notice(
            app,
            &lang,
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            &org_name,
        ),
        Err(IngestError::Storage(e)) => {
            tracing::error!(error = %e, "storing response failed");
            notice(
                app,
                &lang,
                StatusCode::INTERNAL_SERVER_ERROR,
                "error",
                &org_name,
            )
        }
    }
}

/// The builder's preview: page `page` of `version` as a respondent sees it, in `lang`. With
/// `submitted` form fields the page is validated (errors shown inline) but nothing is stored.
pub(crate) fn preview_page(
    app: &AppState,
    key: &str,
    version: &SurveyVersion,
    org_name: &str,
    lang: &Lang,
    page: usize,
    submitted: Option<&[(String, String)]>,
) -> (StatusCode, String) {
    let def = &version.definition;
    let page = page.min(def.pages.len().saturating_sub(1));
    let lang = def.pick_lang(Some(lang));
    let link = Link::Preview {
        key: key.to_string(),
    };
    let ctx = PageCtx {
        app,
        link: &link,
        version,
        lang,
        org_name: org_name.to_string(),
        context: None,
    };
    let sid = crate::new_sid();
    let Some(fields) = submitted else {
        return (
            StatusCode::OK,
            ctx.render(page, &sid, &Map::new(), &Answers::default(), &[]),
        );
    };
    let raw = raw_answers_from_form(def, Some(page), fields);
    match validate_answers(
        def,
        &raw,
        Scope::Page(page),
        &Answers::default(),
        HiddenAnswers::Ignore,
    ) {
        Ok(_) if page + 1 < def.pages.len() => (
            StatusCode::OK,
            ctx.render(page + 1, &sid, &Map::new(), &Answers::default(), &[]),
        ),
        Ok(_) => (
            StatusCode::OK,
            ctx.render(page, &sid, &raw, &Answers::default(), &[]),
        ),
        Err(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            ctx.render(page, &sid, &raw, &Answers::default(), &errors),
        ),
    }
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct PrivacyPage<'a> {
    lang: &'a str,
    head_title: &'a str,
    org_name: &'a str,
    privacy_href: Option<String>,
    chrome: &'a Chrome,
    assets: AssetPaths,
    langs: Vec<LangLink<'a>>,
    title: &'a str,
    survey_title: &'a str,
    paragraphs: Vec<String>,
    back: String,
    back_text: String,
}

/// `GET /s/{public_id}/privacy`: what this link keeps about the respondent, and who keeps it.
pub async fn public_privacy(
    State(app): State<AppState>,
    Path(public_id): Path<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    match app.surveys.by_public_id(&app.store, &public_id).await {
        Ok(p) => {
            let link = Link::Public { public_id };
            privacy(&app, &link, &p, q.lang.as_deref(), &headers).await
        }
        Err(_) => notice(
            &app,
            &fallback_lang(&headers, q.lang.as_deref()),
            StatusCode::NOT_FOUND,
            "notfound",
            "",
        ),
    }
}

/// `GET /t/{token}/privacy`: the same for a personal link (also once it was used).
pub async fn personal_privacy(
    State(app): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let found = match app.store.invitation_by_token(&token).await {
        Ok(inv) => match app.surveys.by_survey_id(&app.store, inv.survey_id).await {
            Ok(p) => Some((inv, p)),
            Err(_) => None,
        },
        Err(_) => None,
    };
    match found {
        Some((invitation, p)) => {
            let link = Link::Personal { token, invitation };
            privacy(&app, &link, &p, q.lang.as_deref(), &headers).await
        }
        None => notice(
            &app,
            &fallback_lang(&headers, q.lang.as_deref()),
            StatusCode::NOT_FOUND,
            "notfound",
            "",
        ),
    }
}

async fn privacy(
    app: &AppState,
    link: &Link,
    p: &PublishedSurvey,
    explicit: Option<&str>,
    headers: &HeaderMap,
) -> Response {
    let def = &p.version.definition;
    let lang = choose_lang(def, explicit, headers, link.invitation());
    let org = app.org_name(p.survey.org_id).await;
    let chrome = app.chrome(&lang);
    let with_org = |key: &str| t_args(&lang, key, &[("org", FluentValue::from(org.clone()))]);
    let mut paragraphs = vec![with_org("privacy-who"), t(&lang, "privacy-what")];
    paragraphs.push(match link {
        Link::Personal { .. } => with_org("privacy-personal"),
        _ => with_org("privacy-public"),
    });
    if def.pages.len() > 1 {
        let days = crate::DRAFT_LIFETIME.as_secs() / 86_400;
        paragraphs.push(t_args(
            &lang,
            "privacy-drafts",
            &[("days", num(days as f64))],
        ));
    }
    paragraphs.push(with_org("privacy-rights"));
    let title = t(&lang, "privacy-title");
    let langs: Vec<OwnedLangLink> = def
        .languages
        .iter()
        .map(|l| OwnedLangLink {
            code: l.to_string(),
            href: format!("{}/privacy?lang={l}", link.base()),
            current: *l == lang,
        })
        .collect();
    let page = PrivacyPage {
        lang: lang.as_str(),
        head_title: &title,
        org_name: &org,
        privacy_href: None,
        chrome: &chrome,
        assets: assets::paths(),
        langs: langs.iter().map(OwnedLangLink::view).collect(),
        title: &title,
        survey_title: def.title.get(&lang, def.default_lang()),
        paragraphs,
        back: format!("{}?lang={lang}", link.base()),
        back_text: t(&lang, "privacy-back"),
    };
    page_response(StatusCode::OK, page.render().unwrap_or_default(), None)
}
