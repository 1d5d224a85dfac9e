//! Identifiers that people type: survey keys, question ids, external ids of imported records.
//! Each is a newtype with a `parse` constructor, so an invalid one cannot exist.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(pub String);

macro_rules! key_type {
    ($(#[$doc:meta])* $name:ident, $max:expr, $check:expr, $what:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(s: &str) -> Result<Self, KeyError> {
                let check: fn(&str) -> bool = $check;
                if s.is_empty() || s.len() > $max || !check(s) {
                    Err(KeyError(format!("`{}` is not a valid {}", truncate(s), $what)))
                } else {
                    Ok($name(s.to_string()))
                }
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = KeyError;
            fn try_from(s: String) -> Result<Self, KeyError> {
                $name::parse(&s)
            }
        }
        impl From<$name> for String {
            fn from(k: $name) -> String {
                k.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

fn slug_like(s: &str) -> bool {
    let b = s.as_bytes();
    b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-' || *c == b'_')
}

key_type!(
    /// A survey's key, unique per organisation: lowercase letters, digits, `-` and `_`, up to 64.
    SurveyKey, 64, slug_like, "survey key (use lowercase letters, digits, - and _)"
);
key_type!(
    /// A question, option or matrix item id within a survey: starts with a letter; lowercase
    /// letters, digits, `-` and `_`, up to 64.
    QuestionId,
    64,
    |s| s.as_bytes()[0].is_ascii_lowercase() && slug_like(s),
    "id (start with a letter; use lowercase letters, digits, - and _)"
);
key_type!(
    /// An organisation's slug: lowercase letters, digits and `-`, up to 48.
    OrgSlug,
    48,
    |s| slug_like(s) && !s.contains('_'),
    "organisation slug (use lowercase letters, digits and -)"
);
key_type!(
    /// The id a record has in the organisation's own systems (HR, CRM): letters, digits and
    /// `. _ - : @ /`, up to 100 characters.
    ExternalId,
    100,
    |s| s
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || b"._-:@/".contains(&c)),
    "external id (use letters, digits and . _ - : @ /)"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_accept_and_refuse() {
        assert!(SurveyKey::parse("after-call").is_ok());
        assert!(SurveyKey::parse("After-call").is_err());
        assert!(SurveyKey::parse("-x").is_err());
        assert!(SurveyKey::parse("").is_err());
        assert!(SurveyKey::parse(&"a".repeat(65)).is_err());
        assert!(QuestionId::parse("nps").is_ok());
        assert!(QuestionId::parse("1nps").is_err());
        assert!(QuestionId::parse("q.1").is_err());
        assert!(ExternalId::parse("E-0012").is_ok());
        assert!(ExternalId::parse("a b").is_err());
        assert!(OrgSlug::parse("demo").is_ok());
        assert!(OrgSlug::parse("de_mo").is_err());
    }
}
