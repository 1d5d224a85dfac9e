//! Survey templates shipped with the product, in our own wording, in Dutch and English.

use crate::survey::{FileFormat, SurveyDefinition, parse_survey_file};

/// `(key, YAML source)` of every shipped template.
pub const TEMPLATES: &[(&str, &str)] = &[];

/// Parses a shipped template by key.
pub fn template(key: &str) -> Option<SurveyDefinition> {
    let (_, src) = TEMPLATES.iter().find(|(k, _)| *k == key)?;
    parse_survey_file(src.as_bytes(), FileFormat::Yaml)
        .ok()
        .map(|p| p.definition)
}
