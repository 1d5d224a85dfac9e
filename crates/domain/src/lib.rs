//! Tevreden's domain: the organisation model, survey definitions and their file format,
//! answer validation and the rules that decide what may be stored.
//!
//! Everything here is a pure function of its inputs: no IO, no async, no database, no HTTP.
//! The crate's dependency list enforces that boundary.

pub mod access;
pub mod change;
pub mod disclosure;
pub mod drivers;
pub mod export;
pub mod import;
pub mod keys;
pub mod lang;
pub mod results;
pub mod rollup;
pub mod scorecard;
pub mod stats;
pub mod survey;
pub mod templates;
pub mod text;

pub use keys::{ExternalId, KeyError, OrgSlug, QuestionId, SurveyKey};
pub use lang::{Lang, Text};
