use serde_json::{Map, Value, json};

use super::answers::{AnswerValue, Answers};
use crate::QuestionId;

/// When a question is shown, decided on earlier answers.
///
/// File form: `{question: nps, lte: 6}`, `{question: answered, eq: false}`,
/// `{question: topic, in: [billing, delivery]}`, `{question: channels, includes: email}`,
/// `{question: grid, item: speed, lt: 3}`, `{question: why, answered: true}`,
/// `{all: [...]}`, `{any: [...]}`, `{not: {...}}`.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    Compare {
        question: QuestionId,
        item: Option<QuestionId>,
        op: CompareOp,
        value: ConditionValue,
    },
    Answered {
        question: QuestionId,
        answered: bool,
    },
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Lte,
    Gt,
    Gte,
    In,
    Includes,
}

impl CompareOp {
    pub const ALL: [(&'static str, CompareOp); 8] = [
        ("eq", CompareOp::Eq),
        ("ne", CompareOp::Ne),
        ("lt", CompareOp::Lt),
        ("lte", CompareOp::Lte),
        ("gt", CompareOp::Gt),
        ("gte", CompareOp::Gte),
        ("in", CompareOp::In),
        ("includes", CompareOp::Includes),
    ];
    pub fn name(self) -> &'static str {
        CompareOp::ALL
            .iter()
            .find(|(_, o)| *o == self)
            .map(|(n, _)| *n)
            .unwrap_or("eq")
    }
}

/// The value a condition compares with; its type is checked against the question when the file
/// is parsed.
#[derive(Clone, Debug, PartialEq)]
pub enum ConditionValue {
    Int(i64),
    Bool(bool),
    Option(String),
    Ints(Vec<i64>),
    Options(Vec<String>),
}

impl ConditionValue {
    fn to_value(&self) -> Value {
        match self {
            ConditionValue::Int(i) => json!(i),
            ConditionValue::Bool(b) => json!(b),
            ConditionValue::Option(s) => json!(s),
            ConditionValue::Ints(v) => json!(v),
            ConditionValue::Options(v) => json!(v),
        }
    }
}

impl Condition {
    /// Whether the condition holds for the answers given so far. A comparison with a question
    /// that has no answer (skipped, or hidden itself) is false.
    pub fn holds(&self, answers: &Answers) -> bool {
        match self {
            Condition::All(cs) => cs.iter().all(|c| c.holds(answers)),
            Condition::Any(cs) => cs.iter().any(|c| c.holds(answers)),
            Condition::Not(c) => !c.holds(answers),
            Condition::Answered { question, answered } => {
                answers.get(question).is_some() == *answered
            }
            Condition::Compare {
                question,
                item,
                op,
                value,
            } => {
                let Some(answer) = answers.get(question) else {
                    return false;
                };
                compare(answer, item.as_ref(), *op, value)
            }
        }
    }

    /// The question ids this condition reads.
    pub fn questions(&self) -> Vec<&QuestionId> {
        match self {
            Condition::All(cs) | Condition::Any(cs) => {
                cs.iter().flat_map(|c| c.questions()).collect()
            }
            Condition::Not(c) => c.questions(),
            Condition::Answered { question, .. } | Condition::Compare { question, .. } => {
                vec![question]
            }
        }
    }

    pub fn to_value(&self) -> Value {
        match self {
            Condition::All(cs) => {
                json!({"all": cs.iter().map(Condition::to_value).collect::<Vec<_>>()})
            }
            Condition::Any(cs) => {
                json!({"any": cs.iter().map(Condition::to_value).collect::<Vec<_>>()})
            }
            Condition::Not(c) => json!({"not": c.to_value()}),
            Condition::Answered { question, answered } => {
                json!({"question": question, "answered": answered})
            }
            Condition::Compare {
                question,
                item,
                op,
                value,
            } => {
                let mut m = Map::new();
                m.insert("question".into(), json!(question));
                if let Some(i) = item {
                    m.insert("item".into(), json!(i));
                }
                m.insert(op.name().into(), value.to_value());
                Value::Object(m)
            }
        }
    }
}

fn compare(
    answer: &AnswerValue,
    item: Option<&QuestionId>,
    op: CompareOp,
    value: &ConditionValue,
) -> bool {
    let number = match (answer, item) {
        (AnswerValue::Int(i), None) => Some(*i),
        (AnswerValue::Map(m), Some(item)) => match m.get(item.as_str()) {
            Some(v) => Some(*v),
            None => return false,
        },
        _ => None,
    };
    match (number, op, value) {
        (Some(a), CompareOp::Eq, ConditionValue::Int(b)) => a == *b,
        (Some(a), CompareOp::Ne, ConditionValue::Int(b)) => a != *b,
        (Some(a), CompareOp::Lt, ConditionValue::Int(b)) => a < *b,
        (Some(a), CompareOp::Lte, ConditionValue::Int(b)) => a <= *b,
        (Some(a), CompareOp::Gt, ConditionValue::Int(b)) => a > *b,
        (Some(a), CompareOp::Gte, ConditionValue::Int(b)) => a >= *b,
        (Some(a), CompareOp::In, ConditionValue::Ints(bs)) => bs.contains(&a),
        (Some(_), _, _) => false,
        (None, _, _) => match (answer, op, value) {
            (AnswerValue::Bool(a), CompareOp::Eq, ConditionValue::Bool(b)) => a == b,
            (AnswerValue::Bool(a), CompareOp::Ne, ConditionValue::Bool(b)) => a != b,
            (AnswerValue::Choice(a), CompareOp::Eq, ConditionValue::Option(b)) => a == b,
            (AnswerValue::Choice(a), CompareOp::Ne, ConditionValue::Option(b)) => a != b,
            (AnswerValue::Choice(a), CompareOp::In, ConditionValue::Options(bs)) => bs.contains(a),
            (AnswerValue::List(a), CompareOp::Includes, ConditionValue::Option(b)) => a.contains(b),
            _ => false,
        },
    }
}
