use serde_json::{Map, Value, json};

use super::condition::Condition;
use crate::{Lang, QuestionId, SurveyKey, Text};

/// The longest open answer we accept, in characters.
pub const MAX_TEXT_LENGTH: u32 = 10_000;

/// A survey as its author defined it. One published version of it is immutable; responses
/// point at the version they answered.
#[derive(Clone, Debug, PartialEq)]
pub struct SurveyDefinition {
    pub key: SurveyKey,
    pub title: Text,
    pub intro: Option<Text>,
    pub thanks: Option<Text>,
    /// The languages respondents can choose; the first is the default.
    pub languages: Vec<Lang>,
    pub pages: Vec<Page>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    pub title: Option<Text>,
    pub questions: Vec<Question>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Question {
    pub id: QuestionId,
    pub text: Text,
    pub help: Option<Text>,
    pub required: bool,
    pub show_if: Option<Condition>,
    pub kind: QuestionKind,
}

/// A labelled option of a choice, multiple-choice or ranking question, or an item (row) of a
/// matrix or allocation question.
#[derive(Clone, Debug, PartialEq)]
pub struct ChoiceOption {
    pub id: QuestionId,
    pub text: Text,
}

/// An integer answer scale.
#[derive(Clone, Debug, PartialEq)]
pub struct Scale {
    pub min: i64,
    pub max: i64,
    /// False for scales where a low number is the good outcome (e.g. older 1–5 effort scales).
    pub higher_is_better: bool,
    pub min_label: Option<Text>,
    pub max_label: Option<Text>,
    /// A label for every point, lowest first (e.g. a 0–6 frequency scale). Optional.
    pub labels: Option<Vec<Text>>,
}

impl Scale {
    pub fn points(&self) -> impl Iterator<Item = i64> {
        self.min..=self.max
    }
    pub fn nps() -> Scale {
        Scale {
            min: 0,
            max: 10,
            higher_is_better: true,
            min_label: None,
            max_label: None,
            labels: None,
        }
    }
    /// A Likert (agree) scale with `points` points, 1 = strongly disagree.
    pub fn likert(points: u8) -> Scale {
        Scale {
            min: 1,
            max: i64::from(points),
            higher_is_better: true,
            min_label: None,
            max_label: None,
            labels: None,
        }
    }
    pub fn label_for(&self, value: i64) -> Option<&Text> {
        let idx = usize::try_from(value - self.min).ok()?;
        self.labels.as_ref().and_then(|l| l.get(idx))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum QuestionKind {
    /// Net Promoter question, 0–10. The scale carries optional end labels.
    Nps {
        scale: Scale,
    },
    /// A rating on any integer range with labelled ends and a direction.
    Rating {
        scale: Scale,
    },
    /// An agree scale with 5 or 7 points; labels come from the UI unless given.
    Likert {
        points: u8,
        labels: Option<Vec<Text>>,
    },
    YesNo,
    Choice {
        options: Vec<ChoiceOption>,
    },
    Multi {
        options: Vec<ChoiceOption>,
        min_selected: Option<u32>,
        max_selected: Option<u32>,
    },
    Text {
        multiline: bool,
        max_length: u32,
    },
    /// Several items on one scale. `likert` is set when the scale is an agree scale.
    Matrix {
        items: Vec<ChoiceOption>,
        scale: Scale,
        likert: Option<u8>,
    },
    /// Put options in order of preference; `max_ranked` ranks only the top N.
    Ranking {
        options: Vec<ChoiceOption>,
        max_ranked: Option<u32>,
    },
    /// Spread exactly `total` points over the items (ipsative, e.g. the drivers profile).
    Allocation {
        items: Vec<ChoiceOption>,
        total: u32,
    },
}

impl QuestionKind {
    pub fn type_name(&self) -> &'static str {
        match self {
            QuestionKind::Nps { .. } => "nps",
            QuestionKind::Rating { .. } => "rating",
            QuestionKind::Likert { .. } => "likert",
            QuestionKind::YesNo => "yesno",
            QuestionKind::Choice { .. } => "choice",
            QuestionKind::Multi { .. } => "multi",
            QuestionKind::Text { .. } => "text",
            QuestionKind::Matrix { .. } => "matrix",
            QuestionKind::Ranking { .. } => "ranking",
            QuestionKind::Allocation { .. } => "allocation",
        }
    }

    /// The integer scale of a single-value numeric question.
    pub fn numeric_scale(&self) -> Option<Scale> {
        match self {
            QuestionKind::Nps { scale } | QuestionKind::Rating { scale } => Some(scale.clone()),
            QuestionKind::Likert { points, .. } => Some(Scale::likert(*points)),
            _ => None,
        }
    }

    pub fn options(&self) -> &[ChoiceOption] {
        match self {
            QuestionKind::Choice { options }
            | QuestionKind::Multi { options, .. }
            | QuestionKind::Ranking { options, .. } => options,
            _ => &[],
        }
    }

    /// The items of a kind whose answer is one value per item (a matrix, an allocation: each
    /// item gets its own export column and measure); empty for every other kind.
    pub fn items(&self) -> &[ChoiceOption] {
        match self {
            QuestionKind::Matrix { items, .. } | QuestionKind::Allocation { items, .. } => items,
            QuestionKind::Nps { .. }
            | QuestionKind::Rating { .. }
            | QuestionKind::Likert { .. }
            | QuestionKind::YesNo
            | QuestionKind::Choice { .. }
            | QuestionKind::Multi { .. }
            | QuestionKind::Text { .. }
            | QuestionKind::Ranking { .. } => &[],
        }
    }
}

impl SurveyDefinition {
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.pages.iter().flat_map(|p| p.questions.iter())
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions().find(|q| q.id.as_str() == id)
    }

    pub fn default_lang(&self) -> &Lang {
        &self.languages[0]
    }

    /// The language to show: `wanted` when the survey has it (or its primary language), else
    /// the survey's default.
    pub fn pick_lang(&self, wanted: Option<&Lang>) -> Lang {
        if let Some(w) = wanted {
            if let Some(l) = self.languages.iter().find(|l| *l == w) {
                return l.clone();
            }
            if let Some(l) = self.languages.iter().find(|l| l.primary() == w.primary()) {
                return l.clone();
            }
        }
        self.default_lang().clone()
    }

    /// The canonical file form (the same format the parser reads).
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("key".into(), json!(self.key));
        m.insert("title".into(), json!(self.title));
        if let Some(t) = &self.intro {
            m.insert("intro".into(), json!(t));
        }
        if let Some(t) = &self.thanks {
            m.insert("thanks".into(), json!(t));
        }
        m.insert("languages".into(), json!(self.languages));
        if self.pages.len() == 1 && self.pages[0].title.is_none() {
            m.insert(
                "questions".into(),
                Value::Array(self.pages[0].questions.iter().map(question_value).collect()),
            );
        } else {
            let pages = self
                .pages
                .iter()
                .map(|p| {
                    let mut pm = Map::new();
                    if let Some(t) = &p.title {
                        pm.insert("title".into(), json!(t));
                    }
                    pm.insert(
                        "questions".into(),
                        Value::Array(p.questions.iter().map(question_value).collect()),
                    );
                    Value::Object(pm)
                })
                .collect();
            m.insert("pages".into(), Value::Array(pages));
        }
        Value::Object(m)
    }

    pub fn to_yaml(&self) -> String {
        serde_norway::to_string(&self.to_value()).unwrap_or_default()
    }

    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(&self.to_value()).unwrap_or_default()
    }
}

fn options_value(opts: &[ChoiceOption]) -> Value {
    Value::Array(
        opts.iter()
            .map(|o| json!({"id": o.id, "text": o.text}))
            .collect(),
    )
}

fn scale_value(s: &Scale, with_range: bool) -> Value {
    let mut m = Map::new();
    if with_range {
        m.insert("min".into(), json!(s.min));
        m.insert("max".into(), json!(s.max));
        if !s.higher_is_better {
            m.insert("higher_is_better".into(), json!(false));
        }
    }
    if let Some(t) = &s.min_label {
        m.insert("min_label".into(), json!(t));
    }
    if let Some(t) = &s.max_label {
        m.insert("max_label".into(), json!(t));
    }
    if let Some(l) = &s.labels {
        m.insert("labels".into(), json!(l));
    }
    Value::Object(m)
}

fn question_value(q: &Question) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(q.id));
    m.insert("type".into(), json!(q.kind.type_name()));
    m.insert("text".into(), json!(q.text));
    if let Some(h) = &q.help {
        m.insert("help".into(), json!(h));
    }
    if !q.required {
        m.insert("required".into(), json!(false));
    }
    if let Some(c) = &q.show_if {
        m.insert("show_if".into(), c.to_value());
    }
    match &q.kind {
        QuestionKind::Nps { scale } => {
            if scale.min_label.is_some() || scale.max_label.is_some() || scale.labels.is_some() {
                m.insert("scale".into(), scale_value(scale, false));
            }
        }
        QuestionKind::Rating { scale } => {
            m.insert("scale".into(), scale_value(scale, true));
        }
        QuestionKind::Likert { points, labels } => {
            m.insert("points".into(), json!(points));
            if let Some(l) = labels {
                m.insert("labels".into(), json!(l));
            }
        }
        QuestionKind::YesNo => {}
        QuestionKind::Choice { options } => {
            m.insert("options".into(), options_value(options));
        }
        QuestionKind::Multi {
            options,
            min_selected,
            max_selected,
        } => {
            m.insert("options".into(), options_value(options));
            if let Some(n) = min_selected {
                m.insert("min_selected".into(), json!(n));
            }
            if let Some(n) = max_selected {
                m.insert("max_selected".into(), json!(n));
            }
        }
        QuestionKind::Text {
            multiline,
            max_length,
        } => {
            if !multiline {
                m.insert("multiline".into(), json!(false));
            }
            if *max_length != 2000 {
                m.insert("max_length".into(), json!(max_length));
            }
        }
        QuestionKind::Matrix {
            items,
            scale,
            likert,
        } => {
            m.insert("items".into(), options_value(items));
            match likert {
                Some(p) => {
                    m.insert("likert".into(), json!(p));
                }
                None => {
                    m.insert("scale".into(), scale_value(scale, true));
                }
            }
        }
        QuestionKind::Ranking {
            options,
            max_ranked,
        } => {
            m.insert("options".into(), options_value(options));
            if let Some(n) = max_ranked {
                m.insert("max_ranked".into(), json!(n));
            }
        }
        QuestionKind::Allocation { items, total } => {
            m.insert("items".into(), options_value(items));
            m.insert("total".into(), json!(total));
        }
    }
    Value::Object(m)
}
