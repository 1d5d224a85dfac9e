//! Survey definitions: the model, the YAML/JSON file format, conditions, and answer validation.
//!
//! A survey file is parsed into a [`SurveyDefinition`] (refusing unknown fields, wrong types and
//! impossible settings with a path and a reason) and serialised back to the same format, so the
//! file and the web builder edit one model.

mod answers;
mod condition;
pub mod edit;
mod file;
mod model;

pub use answers::{
    AnswerError, AnswerErrorKind, AnswerValue, Answers, HiddenAnswers, Scope,
    raw_answers_from_form, stored_answers, validate_answers,
};
pub use condition::{CompareOp, Condition, ConditionValue};
pub use file::{FileError, FileFormat, Parsed, parse_survey_file, parse_survey_value};
pub use model::{
    ChoiceOption, MAX_TEXT_LENGTH, Page, Question, QuestionKind, Scale, SurveyDefinition,
};

#[cfg(test)]
mod tests;
