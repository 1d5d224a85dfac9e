//! Theme dictionaries: an organisation's editable list of themes with synonyms in Dutch and
//! English, matched on word boundaries, case- and accent-insensitively.
//!
//! A synonym is one word or a phrase of several. A `*` at the end matches any continuation
//! (`factu*` matches `factuur`, `facturen`, `factuurbedrag`); a `*` at the start matches the
//! head of a Dutch compound (`*factuur` matches `jaarfactuur`, `eindfactuur`); both together
//! match inside a word. In a phrase only the first word may start with `*` and only the last
//! may end with one. Besides that, Dutch compounds written apart or with a hyphen are found:
//! a one-word synonym also matches two adjacent words that form it (`wacht-tijd`,
//! `klanten service` for `klantenservice`), and a phrase also matches a word that is the
//! phrase written together.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::normalize::{Tokens, fold_phrase, tokenize};
use crate::{Lang, Text};

/// One theme with its synonyms.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Theme {
    /// A stable identifier: lowercase letters, digits, `_` and `-`.
    pub key: String,
    /// The name shown in reports, per language.
    pub name: Text,
    /// Lowercase words or phrases, either language; `*` at the end means prefix, at the start
    /// compound head.
    pub synonyms: Vec<String>,
}

/// An ordered list of themes; [`ThemeDictionary::themes_in`] reports keys in this order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeDictionary {
    pub themes: Vec<Theme>,
}

const DEFAULT_CUSTOMER_SERVICE: &str = include_str!("data/themes-customer-service.yaml");

/// One word of a compiled synonym.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Piece {
    word: String,
    /// `*word`: any word ending in it.
    suffix: bool,
    /// `word*`: any word starting with it.
    prefix: bool,
}

impl Piece {
    fn exact(&self) -> bool {
        !self.suffix && !self.prefix
    }

    fn matches(&self, w: &str) -> bool {
        match (self.suffix, self.prefix) {
            (false, false) => w == self.word,
            (false, true) => w.starts_with(&self.word),
            (true, false) => w.ends_with(&self.word),
            (true, true) => w.contains(&self.word),
        }
    }

    /// Whether `a` and `b` written together match (without allocating).
    fn matches_pair(&self, a: &str, b: &str) -> bool {
        let w = self.word.as_str();
        if a.len() + b.len() < 4 {
            return false;
        }
        match (self.suffix, self.prefix) {
            (false, false) => w.len() == a.len() + b.len() && w.starts_with(a) && w.ends_with(b),
            (false, true) => {
                if w.len() <= a.len() {
                    a.starts_with(w)
                } else {
                    w.starts_with(a) && w.get(a.len()..).is_some_and(|r| b.starts_with(r))
                }
            }
            (true, false) => {
                if w.len() <= b.len() {
                    b.ends_with(w)
                } else {
                    w.ends_with(b)
                        && w.get(..w.len() - b.len()).is_some_and(|l| a.ends_with(l))
                }
            }
            (true, true) => {
                a.contains(w)
                    || b.contains(w)
                    || (1..w.len()).any(|k| {
                        matches!((w.get(..k), w.get(k..)), (Some(l), Some(r)) if a.ends_with(l) && b.starts_with(r))
                    })
            }
        }
    }
}

/// A synonym compiled for matching.
#[derive(Clone, Debug)]
struct Pattern {
    pieces: Vec<Piece>,
    /// For a phrase: the phrase written as one word (same `*` flags as its ends).
    joined: Option<Piece>,
}

/// A dictionary compiled for matching many texts: synonyms indexed by their first word.
#[derive(Clone, Debug)]
pub struct ThemeMatcher<'a> {
    keys: Vec<&'a str>,
    /// (theme index, pattern)
    patterns: Vec<(usize, Pattern)>,
    /// Patterns whose first word is exact, by that word.
    by_first: HashMap<String, Vec<usize>>,
    /// Phrase patterns whose joined form is exact, by that form.
    by_joined: HashMap<String, Vec<usize>>,
    /// The others, tried at every position.
    scan: Vec<usize>,
}

fn compile_synonym(raw: &str) -> Result<Pattern, String> {
    let t = raw.trim();
    let leading = t.starts_with('*');
    let trailing = t.ends_with('*') && t.len() > 1;
    let inner = t.trim_start_matches('*').trim_end_matches('*');
    if inner.contains('*') {
        return Err(format!(
            "synonym `{raw}`: `*` is allowed only at the start or the end"
        ));
    }
    let folded = fold_phrase(inner);
    if folded.is_empty() {
        return Err(format!("synonym `{raw}` has no letters or digits"));
    }
    let words: Vec<&str> = folded.split(' ').collect();
    if (leading || trailing) && words.iter().map(|w| w.len()).max().unwrap_or(0) < 3 {
        return Err(format!(
            "synonym `{raw}`: a `*` needs at least 3 letters next to it"
        ));
    }
    let last = words.len() - 1;
    let pieces: Vec<Piece> = words
        .iter()
        .enumerate()
        .map(|(i, w)| Piece {
            word: (*w).to_string(),
            suffix: leading && i == 0,
            prefix: trailing && i == last,
        })
        .collect();
    let joined = (pieces.len() > 1).then(|| Piece {
        word: words.concat(),
        suffix: leading,
        prefix: trailing,
    });
    Ok(Pattern { pieces, joined })
}

impl Pattern {
    /// Whether the words from `i` on match the pieces in sequence.
    fn sequence_at(&self, words: &[&str], i: usize) -> bool {
        i + self.pieces.len() <= words.len()
            && self
                .pieces
                .iter()
                .zip(&words[i..])
                .all(|(p, w)| p.matches(w))
    }

    /// Whether the pattern occurs at position `i`: as a sequence of words, a phrase written as
    /// one word, or a one-word synonym written as two words ("wacht tijd", "e-mail").
    fn matches_at(&self, words: &[&str], i: usize) -> bool {
        if self.sequence_at(words, i) {
            return true;
        }
        if let Some(j) = &self.joined {
            return j.matches(words[i]);
        }
        i + 1 < words.len() && self.pieces[0].matches_pair(words[i], words[i + 1])
    }
}

impl<'a> ThemeMatcher<'a> {
    fn new(dict: &'a ThemeDictionary) -> ThemeMatcher<'a> {
        let mut m = ThemeMatcher {
            keys: dict.themes.iter().map(|t| t.key.as_str()).collect(),
            patterns: Vec::new(),
            by_first: HashMap::new(),
            by_joined: HashMap::new(),
            scan: Vec::new(),
        };
        for (ti, t) in dict.themes.iter().enumerate() {
            for p in t.synonyms.iter().filter_map(|s| compile_synonym(s).ok()) {
                let pi = m.patterns.len();
                let first = &p.pieces[0];
                let joined_exact = p.joined.as_ref().is_none_or(Piece::exact);
                if first.exact() && joined_exact {
                    m.by_first.entry(first.word.clone()).or_default().push(pi);
                    if let Some(j) = &p.joined {
                        m.by_joined.entry(j.word.clone()).or_default().push(pi);
                    }
                } else {
                    m.scan.push(pi);
                }
                m.patterns.push((ti, p));
            }
        }
        m
    }

    /// Which themes occur in `words`.
    fn found(&self, words: &[&str], stop_at_first: bool) -> Vec<bool> {
        let mut found = vec![false; self.keys.len()];
        let mut pair = String::new();
        let hit = |pi: usize, found: &mut [bool]| {
            found[self.patterns[pi].0] = true;
        };
        for i in 0..words.len() {
            if let Some(list) = self.by_first.get(words[i]) {
                for &pi in list {
                    if self.patterns[pi].1.sequence_at(words, i) {
                        hit(pi, &mut found);
                    }
                }
            }
            if let Some(list) = self.by_joined.get(words[i]) {
                for &pi in list {
                    hit(pi, &mut found);
                }
            }
            if i + 1 < words.len() && words[i].len() + words[i + 1].len() >= 4 {
                pair.clear();
                pair.push_str(words[i]);
                pair.push_str(words[i + 1]);
                if let Some(list) = self.by_first.get(pair.as_str()) {
                    for &pi in list {
                        if self.patterns[pi].1.pieces.len() == 1 {
                            hit(pi, &mut found);
                        }
                    }
                }
            }
            if stop_at_first && found.iter().any(|f| *f) {
                return found;
            }
        }
        for &pi in &self.scan {
            let (ti, p) = &self.patterns[pi];
            if !found[*ti] && (0..words.len()).any(|i| p.matches_at(words, i)) {
                found[*ti] = true;
                if stop_at_first {
                    return found;
                }
            }
        }
        found
    }

    /// Keys of the themes that occur in already tokenised text, in dictionary order.
    pub(crate) fn themes_in_tokens(&self, tokens: &Tokens) -> Vec<&'a str> {
        let words: Vec<&str> = tokens.words().collect();
        let found = self.found(&words, false);
        self.keys
            .iter()
            .zip(found)
            .filter(|(_, f)| *f)
            .map(|(k, _)| *k)
            .collect()
    }

    /// Keys of the themes whose synonyms occur in `text`, in dictionary order.
    pub fn themes_in(&self, text: &str) -> Vec<&'a str> {
        self.themes_in_tokens(&tokenize(text))
    }

    /// Whether any synonym occurs in the words.
    pub(crate) fn covers(&self, words: &[&str]) -> bool {
        self.found(words, true).iter().any(|f| *f)
    }
}

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 64
        && k.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl ThemeDictionary {
    /// The built-in dictionary for customer contact (15 themes, Dutch and English synonyms).
    pub fn default_customer_service() -> ThemeDictionary {
        ThemeDictionary::from_yaml(DEFAULT_CUSTOMER_SERVICE)
            .expect("the built-in theme dictionary is valid")
    }

    /// Parses and checks a dictionary:
    ///
    /// ```yaml
    /// themes:
    ///   - key: billing
    ///     name: {nl: Factuur, en: Billing}
    ///     synonyms: [factu*, "*factuur", rekening, bill, invoice*]
    /// ```
    pub fn from_yaml(s: &str) -> Result<ThemeDictionary, String> {
        let dict: ThemeDictionary =
            serde_norway::from_str(s).map_err(|e| format!("theme dictionary: {e}"))?;
        dict.check()?;
        Ok(dict)
    }

    /// Checks keys, names and synonyms; the error names the theme and the problem.
    pub fn check(&self) -> Result<(), String> {
        let mut seen = HashSet::new();
        for (i, t) in self.themes.iter().enumerate() {
            let at = format!("theme {} (`{}`)", i + 1, t.key);
            if !valid_key(&t.key) {
                return Err(format!(
                    "{at}: the key must be 1–64 lowercase letters, digits, `_` or `-`"
                ));
            }
            if !seen.insert(t.key.as_str()) {
                return Err(format!("{at}: the key is used by an earlier theme"));
            }
            if t.name.languages().next().is_none() {
                return Err(format!("{at}: the name needs at least one language"));
            }
            if t.synonyms.is_empty() {
                return Err(format!("{at}: no synonyms"));
            }
            let mut syn_seen = HashSet::new();
            for s in &t.synonyms {
                compile_synonym(s).map_err(|e| format!("{at}: {e}"))?;
                if !syn_seen.insert(s.trim().to_lowercase()) {
                    return Err(format!("{at}: synonym `{s}` is listed twice"));
                }
            }
        }
        Ok(())
    }

    /// The dictionary as YAML (reads back with [`ThemeDictionary::from_yaml`]).
    pub fn to_yaml(&self) -> String {
        serde_norway::to_string(self).unwrap_or_default()
    }

    /// Compiles the dictionary for matching many texts. Synonyms that do not compile (a
    /// dictionary built in code and never checked) are skipped.
    pub fn matcher(&self) -> ThemeMatcher<'_> {
        ThemeMatcher::new(self)
    }

    /// Keys of the themes whose synonyms occur in `text`, in dictionary order. For many
    /// texts, compile once with [`ThemeDictionary::matcher`].
    pub fn themes_in(&self, text: &str) -> Vec<&str> {
        self.matcher().themes_in(text)
    }

    /// The theme with this key.
    pub fn get(&self, key: &str) -> Option<&Theme> {
        self.themes.iter().find(|t| t.key == key)
    }

    /// A theme's name in `lang` (falling back to Dutch, then any).
    pub fn name<'a>(&'a self, key: &str, lang: &Lang) -> Option<&'a str> {
        self.get(key).map(|t| t.name.get(lang, &Lang::nl()))
    }
}
