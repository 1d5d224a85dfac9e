//! Languages and multilingual texts.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A language tag as used for survey texts and the UI: a lowercase ISO 639 code
/// (`nl`, `en`, `de`, `fy`, …), optionally followed by a region (`en-gb`), normalised to lowercase.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Lang(String);

impl Lang {
    pub fn nl() -> Lang {
        Lang("nl".into())
    }
    pub fn en() -> Lang {
        Lang("en".into())
    }

    /// Parses `nl`, `EN`, `en-GB`, `en_GB` (normalised to `en-gb`).
    pub fn parse(s: &str) -> Result<Lang, String> {
        let s = s.trim().to_ascii_lowercase().replace('_', "-");
        let mut parts = s.split('-');
        let primary = parts.next().unwrap_or("");
        let ok_primary =
            (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_lowercase());
        let ok_rest = parts
            .all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
        if ok_primary && ok_rest {
            Ok(Lang(s))
        } else {
            Err(format!("`{s}` is not a language code such as nl or en"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The primary language (`en` for `en-gb`).
    pub fn primary(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }

    /// Picks the best language from an `Accept-Language` header among `available`: in the
    /// order of the quality values, an exact tag first, then one with the same primary language.
    /// (Kept by hand: `fluent-langneg`'s header parser ignores quality values, so
    /// `nl;q=0.2, en;q=0.9` came out Dutch; the test below holds that case.)
    pub fn negotiate<'a>(header: &str, available: &'a [Lang]) -> Option<&'a Lang> {
        let mut wanted: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|part| {
                let mut it = part.trim().split(';');
                let tag = it.next()?.trim();
                if tag.is_empty() || tag == "*" {
                    return None;
                }
                let q = it
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        wanted.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
        for (_, tag) in wanted {
            let Ok(lang) = Lang::parse(tag) else { continue };
            if let Some(found) = available.iter().find(|a| **a == lang) {
                return Some(found);
            }
            if let Some(found) = available.iter().find(|a| a.primary() == lang.primary()) {
                return Some(found);
            }
        }
        None
    }
}

impl TryFrom<String> for Lang {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Lang::parse(&s)
    }
}

impl From<Lang> for String {
    fn from(l: Lang) -> String {
        l.0
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A text in one or more languages, e.g. `{nl: "Hoe makkelijk was het?", en: "How easy was it?"}`.
/// Never empty: the parser refuses a text without any language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text(BTreeMap<Lang, String>);

impl Text {
    pub fn new(map: BTreeMap<Lang, String>) -> Option<Text> {
        if map.is_empty() {
            None
        } else {
            Some(Text(map))
        }
    }

    /// A text in one language, for tests and generated data.
    pub fn single(lang: Lang, s: impl Into<String>) -> Text {
        Text(BTreeMap::from([(lang, s.into())]))
    }

    pub fn nl_en(nl: impl Into<String>, en: impl Into<String>) -> Text {
        Text(BTreeMap::from([
            (Lang::nl(), nl.into()),
            (Lang::en(), en.into()),
        ]))
    }

    /// The text in `lang`, else in `fallback`, else in its primary language, else any.
    pub fn get<'a>(&'a self, lang: &Lang, fallback: &Lang) -> &'a str {
        if let Some(s) = self.0.get(lang) {
            return s;
        }
        if let Some((_, s)) = self.0.iter().find(|(l, _)| l.primary() == lang.primary()) {
            return s;
        }
        if let Some(s) = self.0.get(fallback) {
            return s;
        }
        self.0.values().next().map(String::as_str).unwrap_or("")
    }

    pub fn languages(&self) -> impl Iterator<Item = &Lang> {
        self.0.keys()
    }

    /// (language, text) pairs, in language order.
    pub fn iter(&self) -> impl Iterator<Item = (&Lang, &str)> {
        self.0.iter().map(|(l, s)| (l, s.as_str()))
    }

    pub fn has(&self, lang: &Lang) -> bool {
        self.0.contains_key(lang)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises_language_codes() {
        assert_eq!(Lang::parse("NL").unwrap().as_str(), "nl");
        assert_eq!(Lang::parse("en_GB").unwrap().as_str(), "en-gb");
        assert_eq!(Lang::parse("en-gb").unwrap().primary(), "en");
        assert!(Lang::parse("").is_err());
        assert!(Lang::parse("english").is_err());
        assert!(Lang::parse("n1").is_err());
    }

    #[test]
    fn negotiates_accept_language() {
        let avail = [Lang::nl(), Lang::en()];
        assert_eq!(
            Lang::negotiate("en-US,en;q=0.9,nl;q=0.8", &avail),
            Some(&Lang::en())
        );
        assert_eq!(Lang::negotiate("de, nl;q=0.5", &avail), Some(&Lang::nl()));
        assert_eq!(Lang::negotiate("fr", &avail), None);
        assert_eq!(
            Lang::negotiate("nl;q=0.2, en;q=0.9", &avail),
            Some(&Lang::en())
        );
        assert_eq!(Lang::negotiate("", &avail), None);
        assert_eq!(Lang::negotiate("nl-BE", &avail), Some(&Lang::nl()));
        assert_eq!(Lang::negotiate("*", &avail), None);
        let regional = [Lang::nl(), Lang::parse("en-gb").unwrap()];
        assert_eq!(Lang::negotiate("en", &regional), Some(&regional[1]));
    }

    #[test]
    fn text_falls_back_sensibly() {
        let t = Text::nl_en("Hallo", "Hello");
        assert_eq!(t.get(&Lang::en(), &Lang::nl()), "Hello");
        assert_eq!(t.get(&Lang::parse("en-gb").unwrap(), &Lang::nl()), "Hello");
        assert_eq!(t.get(&Lang::parse("de").unwrap(), &Lang::nl()), "Hallo");
        let only_en = Text::single(Lang::en(), "Only");
        assert_eq!(only_en.get(&Lang::nl(), &Lang::nl()), "Only");
    }
}
