//! The sentiment lexicons: parsed from the files in `data/` on first use and kept for the
//! life of the process.
//!
//! Per language there are two layers:
//!
//! * **rules** (`rules-nl.tsv`, `rules-en.tsv`, Tevreden's own): negators, intensifiers and
//!   diminishers, contrast and concession words, neutral idioms, and the valence of words and
//!   phrases of customer contact (with their valence when negated). They win over the general
//!   layer.
//! * **general**: AFINN-165 for English (`afinn-en.tsv`); for Dutch the translated AFINN list
//!   (`afinn-nl.tsv`) and the Pattern adjective lexicon keyed by Snowball stem
//!   (`pattern-nl.tsv`, polarity × 4 to reach the AFINN scale), averaged where both know a word.
//!
//! Dutch single words are also looked up by stem, English ones by a few inflection rules, so
//! `vriendelijke`, `klachten`, `helped` and `complaints` need no entries of their own.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::normalize::fold_phrase;
use super::stem_nl;

/// How negation changes a valence.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Negated {
    /// Positive valence × −0.75, negative valence × −0.5 ("niet slecht" is only mildly good).
    Flip,
    /// This valence.
    To(f32),
    /// Negation passes it by ("nog steeds niet": the "still" stays negative).
    Immune,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Kind {
    Valence {
        v: f32,
        negated: Negated,
    },
    /// `own`: valence when it negates nothing ("nooit", "niemand").
    Negator {
        own: f32,
    },
    /// Multiplies the next valenced item; `own`: valence when it modifies nothing ("super!").
    Modifier {
        factor: f32,
        own: Option<f32>,
    },
    Contrast,
    Concession,
    /// Skipped inside phrases ("hing gewoon op"); nothing on its own.
    Filler,
}

impl Kind {
    pub fn negate(v: f32, negated: Negated) -> f32 {
        match negated {
            Negated::Flip if v > 0.0 => -0.75 * v,
            Negated::Flip => -0.5 * v,
            Negated::To(x) => x,
            Negated::Immune => v,
        }
    }
}

/// Which language's morphology a lexicon uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Morph {
    Dutch,
    English,
}

pub(crate) struct Lexicon {
    pub morph: Morph,
    /// Phrases of two or more words, by first word; the rest of the words, longest first.
    phrases: HashMap<String, Vec<(Vec<String>, Kind)>>,
    /// Single-word rules, exact.
    rules: HashMap<String, Kind>,
    /// Single-word rules by stem (Dutch) — only those not marked exact-only.
    rules_stem: HashMap<String, Kind>,
    /// Single-word rules that may match an English inflection.
    rules_inflect: HashMap<String, Kind>,
    /// General valences, exact.
    general: HashMap<String, f32>,
    /// General Dutch valences by stem.
    general_stem: HashMap<String, f32>,
    /// Pattern polarity × 4 by stem (Dutch).
    pattern: HashMap<String, f32>,
    /// Longest phrase in words.
    pub max_phrase: usize,
}

/// A match at a token position: how many tokens it covers and what it is.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Match {
    pub len: usize,
    pub kind: Kind,
    /// Product of the intensifiers skipped inside a phrase.
    pub factor: f32,
}

/// At most this many fillers or intensifiers may sit inside a phrase.
const MAX_SKIP: usize = 2;

const RULES_NL: &str = include_str!("data/rules-nl.tsv");
const RULES_EN: &str = include_str!("data/rules-en.tsv");
const AFINN_EN: &str = include_str!("data/afinn-en.tsv");
const AFINN_NL: &str = include_str!("data/afinn-nl.tsv");
const PATTERN_NL: &str = include_str!("data/pattern-nl.tsv");

/// Stems shorter than this do not match other words of the same stem ("hel" ≠ "hele").
const MIN_STEM: usize = 4;

/// Scale from Pattern polarity (−1..1) to AFINN valence (−5..5).
const PATTERN_SCALE: f32 = 4.0;

pub(crate) fn dutch() -> &'static Lexicon {
    static L: OnceLock<Lexicon> = OnceLock::new();
    L.get_or_init(|| {
        Lexicon::build(Morph::Dutch, RULES_NL, AFINN_NL, Some(PATTERN_NL))
            .expect("built-in Dutch lexicon")
    })
}

pub(crate) fn english() -> &'static Lexicon {
    static L: OnceLock<Lexicon> = OnceLock::new();
    L.get_or_init(|| {
        Lexicon::build(Morph::English, RULES_EN, AFINN_EN, None).expect("built-in English lexicon")
    })
}

fn data_lines(src: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    src.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| (i + 1, l.split('\t').collect()))
}

fn num(s: &str, line: usize) -> Result<f32, String> {
    s.trim()
        .parse::<f32>()
        .map_err(|_| format!("line {line}: `{s}` is not a number"))
}

/// Parses one rules line into (phrase, exact-only, kind).
fn parse_rule(cols: &[&str], line: usize) -> Result<(String, bool, Kind), String> {
    let [phrase, kind, value, rest @ ..] = cols else {
        return Err(format!("line {line}: expected phrase, kind and value"));
    };
    let (exact, phrase) = match phrase.strip_prefix('=') {
        Some(p) => (true, p),
        None => (false, *phrase),
    };
    let folded = fold_phrase(phrase);
    if folded.is_empty() {
        return Err(format!("line {line}: empty phrase"));
    }
    let extra = rest.first().map(|s| s.trim()).filter(|s| !s.is_empty());
    let kind = match *kind {
        "v" => Kind::Valence {
            v: num(value, line)?,
            negated: match extra {
                None => Negated::Flip,
                Some("=") => Negated::Immune,
                Some(x) => Negated::To(num(x, line)?),
            },
        },
        "neg" => Kind::Negator {
            own: num(value, line)?,
        },
        "int" => Kind::Modifier {
            factor: num(value, line)?,
            own: extra.map(|x| num(x, line)).transpose()?,
        },
        "but" => Kind::Contrast,
        "though" => Kind::Concession,
        "fill" => Kind::Filler,
        other => return Err(format!("line {line}: unknown kind `{other}`")),
    };
    Ok((folded, exact, kind))
}

/// English inflection candidates of a folded word, most likely first.
fn english_bases(w: &str) -> impl Iterator<Item = String> + '_ {
    let mut out: Vec<String> = Vec::with_capacity(4);
    let n = w.len();
    let doubled = |stem: &str| {
        let b = stem.as_bytes();
        b.len() >= 2 && b[b.len() - 1] == b[b.len() - 2] && !b"aeiou".contains(&b[b.len() - 1])
    };
    if n > 4 && w.ends_with("ies") {
        out.push(format!("{}y", &w[..n - 3]));
    }
    if n > 3 && w.ends_with("es") {
        out.push(w[..n - 2].to_string());
    }
    if n > 3 && w.ends_with('s') && !w.ends_with("ss") {
        out.push(w[..n - 1].to_string());
    }
    if n > 4 && w.ends_with("ied") {
        out.push(format!("{}y", &w[..n - 3]));
    }
    if n > 3 && w.ends_with("ed") {
        let s = &w[..n - 2];
        out.push(s.to_string());
        out.push(w[..n - 1].to_string());
        if doubled(s) {
            out.push(s[..s.len() - 1].to_string());
        }
    }
    if n > 5 && w.ends_with("ing") {
        let s = &w[..n - 3];
        out.push(s.to_string());
        out.push(format!("{s}e"));
        if doubled(s) {
            out.push(s[..s.len() - 1].to_string());
        }
    }
    if n > 5 && w.ends_with("ily") {
        out.push(format!("{}y", &w[..n - 3]));
    }
    if n > 4 && w.ends_with("ly") {
        out.push(w[..n - 2].to_string());
    }
    out.into_iter()
}

/// Base candidates of an English comparative or superlative (`faster`, `easier`, `simplest`);
/// only used against the rules, whose words are known adjectives.
fn english_comparatives(w: &str) -> impl Iterator<Item = String> + '_ {
    let mut out: Vec<String> = Vec::with_capacity(3);
    let n = w.len();
    for (suffix, min) in [("er", 5), ("est", 6)] {
        if n < min || !w.ends_with(suffix) {
            continue;
        }
        let s = &w[..n - suffix.len()];
        if let Some(b) = s.strip_suffix('i') {
            out.push(format!("{b}y"));
        }
        out.push(s.to_string());
        out.push(format!("{s}e"));
        let b = s.as_bytes();
        if b.len() >= 2 && b[b.len() - 1] == b[b.len() - 2] {
            out.push(s[..s.len() - 1].to_string());
        }
    }
    out.into_iter()
}

impl Lexicon {
    fn build(
        morph: Morph,
        rules_src: &str,
        general_src: &str,
        pattern_src: Option<&str>,
    ) -> Result<Lexicon, String> {
        let mut lex = Lexicon {
            morph,
            phrases: HashMap::new(),
            rules: HashMap::new(),
            rules_stem: HashMap::new(),
            rules_inflect: HashMap::new(),
            general: HashMap::new(),
            general_stem: HashMap::new(),
            pattern: HashMap::new(),
            max_phrase: 1,
        };
        for (line, cols) in data_lines(rules_src) {
            let (phrase, exact, kind) = parse_rule(&cols, line)?;
            if phrase.contains(' ') {
                lex.add_phrase(&phrase, kind, true)?;
                continue;
            }
            if lex.rules.insert(phrase.clone(), kind).is_some() {
                return Err(format!("line {line}: `{phrase}` twice"));
            }
            if exact || !matches!(kind, Kind::Valence { .. }) {
                continue;
            }
            match morph {
                Morph::Dutch => {
                    lex.rules_stem.entry(stem_nl::stem(&phrase)).or_insert(kind);
                }
                Morph::English => {
                    lex.rules_inflect.insert(phrase, kind);
                }
            }
        }
        for (line, cols) in data_lines(general_src) {
            let [word, value, ..] = cols[..] else {
                return Err(format!("line {line}: expected word and valence"));
            };
            let v = num(value, line)?;
            if word.contains(' ') {
                // A general phrase; rules for the same phrase win.
                lex.add_phrase(
                    word,
                    Kind::Valence {
                        v,
                        negated: Negated::Flip,
                    },
                    false,
                )?;
            } else {
                lex.general.insert(word.to_string(), v);
                if morph == Morph::Dutch {
                    lex.general_stem.entry(stem_nl::stem(word)).or_insert(v);
                }
            }
        }
        if let Some(src) = pattern_src {
            for (line, cols) in data_lines(src) {
                let [stem, value, ..] = cols[..] else {
                    return Err(format!("line {line}: expected stem and polarity"));
                };
                lex.pattern
                    .insert(stem.to_string(), num(value, line)? * PATTERN_SCALE);
            }
        }
        for list in lex.phrases.values_mut() {
            list.sort_by_key(|(rest, _)| std::cmp::Reverse(rest.len()));
        }
        Ok(lex)
    }

    fn add_phrase(&mut self, phrase: &str, kind: Kind, is_rule: bool) -> Result<(), String> {
        let mut words = phrase.split(' ').map(str::to_string);
        let first = words.next().unwrap_or_default();
        let rest: Vec<String> = words.collect();
        self.max_phrase = self.max_phrase.max(rest.len() + 1);
        let list = self.phrases.entry(first).or_default();
        if list.iter().any(|(r, _)| *r == rest) {
            if is_rule {
                return Err(format!("`{phrase}` twice"));
            }
            return Ok(()); // the rule wins over the general lexicon
        }
        list.push((rest, kind));
        Ok(())
    }

    /// The general (non-rule) valence of a single folded word.
    fn general_valence(&self, w: &str, stem: Option<&str>) -> Option<f32> {
        match self.morph {
            Morph::Dutch => {
                let stem = stem?;
                let a = self.general.get(w).copied();
                let p = if stem.len() >= 3 {
                    self.pattern.get(stem).copied()
                } else {
                    None
                };
                match (a, p) {
                    (Some(a), Some(p)) => Some((a + p) / 2.0),
                    (Some(x), None) | (None, Some(x)) => Some(x),
                    (None, None) if stem.len() >= MIN_STEM => self.general_stem.get(stem).copied(),
                    (None, None) => None,
                }
            }
            Morph::English => {
                self.general.get(w).copied().or_else(|| {
                    english_bases(w).find_map(|b| self.general.get(b.as_str()).copied())
                })
            }
        }
    }

    /// What the lexicon knows about a single folded word.
    pub fn word(&self, w: &str) -> Option<Kind> {
        if let Some(k) = self.rules.get(w) {
            return Some(*k);
        }
        match self.morph {
            Morph::Dutch => {
                let stem = stem_nl::stem(w);
                if stem.len() >= MIN_STEM
                    && let Some(k) = self.rules_stem.get(&stem)
                {
                    return Some(*k);
                }
                self.general_valence(w, Some(&stem))
            }
            Morph::English => {
                if let Some(k) = english_bases(w)
                    .chain(english_comparatives(w))
                    .find_map(|b| self.rules_inflect.get(&b).copied())
                {
                    return Some(k);
                }
                self.general_valence(w, None)
            }
        }
        .map(|v| Kind::Valence {
            v,
            negated: Negated::Flip,
        })
    }

    /// The longest phrase starting at token `i` (its words separated by plain spaces only:
    /// `phrase_ok(j)` says whether token `j` may continue one). Up to [`MAX_SKIP`] fillers or
    /// intensifiers may sit between its words; the intensifiers multiply its valence.
    pub fn phrase_at(
        &self,
        words: &[&str],
        i: usize,
        phrase_ok: impl Fn(usize) -> bool,
    ) -> Option<Match> {
        let list = self.phrases.get(words[i])?;
        list.iter().find_map(|(rest, kind)| {
            let mut j = i + 1;
            let mut skipped = 0;
            let mut factor = 1.0;
            for r in rest {
                loop {
                    if j >= words.len() || !phrase_ok(j) {
                        return None;
                    }
                    if words[j] == r {
                        break;
                    }
                    match self.rules.get(words[j]) {
                        Some(Kind::Filler) if skipped < MAX_SKIP => {}
                        Some(Kind::Modifier { factor: f, .. }) if skipped < MAX_SKIP => {
                            factor *= f;
                        }
                        _ => return None,
                    }
                    skipped += 1;
                    j += 1;
                }
                j += 1;
            }
            Some(Match {
                len: j - i,
                kind: *kind,
                factor,
            })
        })
    }

    /// The match at token `i`: the longest phrase, else the word.
    pub fn at(&self, words: &[&str], i: usize, phrase_ok: impl Fn(usize) -> bool) -> Option<Match> {
        self.phrase_at(words, i, phrase_ok).or_else(|| {
            self.word(words[i]).map(|kind| Match {
                len: 1,
                kind,
                factor: 1.0,
            })
        })
    }

    #[cfg(test)]
    pub fn sizes(&self) -> (usize, usize, usize, usize) {
        (
            self.rules.len() + self.phrases.values().map(Vec::len).sum::<usize>(),
            self.general.len(),
            self.pattern.len(),
            self.max_phrase,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_lexicons_load() {
        let (rules, general, pattern, max) = dutch().sizes();
        assert!(
            rules > 300 && general > 2000 && pattern > 1500 && max >= 4,
            "{rules} {general} {pattern} {max}"
        );
        let (rules, general, pattern, _) = english().sizes();
        assert!(
            rules > 300 && general > 3000 && pattern == 0,
            "{rules} {general}"
        );
    }

    #[test]
    fn dutch_inflections_find_their_rule() {
        let nl = dutch();
        let v = |w: &str| match nl.word(w) {
            Some(Kind::Valence { v, .. }) => v,
            other => panic!("{w}: {other:?}"),
        };
        assert_eq!(v("vriendelijke"), v("vriendelijk"));
        assert!(v("klachten") < 0.0);
        assert!(v("behulpzame") > 0.0);
        // exact-only rules do not spread to look-alikes
        assert!(
            nl.word("langs")
                .is_none_or(|k| !matches!(k, Kind::Valence { v, .. } if v < 0.0))
        );
    }

    #[test]
    fn english_inflections_find_their_base() {
        let en = english();
        assert!(matches!(en.word("complaints"), Some(Kind::Valence { v, .. }) if v < 0.0));
        assert!(matches!(en.word("helping"), Some(Kind::Valence { v, .. }) if v > 0.0));
        assert!(matches!(en.word("didnt"), Some(Kind::Negator { .. })));
        assert_eq!(
            english_bases("stopped").collect::<Vec<_>>(),
            ["stopp", "stoppe", "stop"]
        );
    }

    #[test]
    fn phrases_prefer_the_longest() {
        let nl = dutch();
        let words = ["van", "het", "kastje", "naar", "de", "muur"];
        let m = nl.at(&words, 2, |_| true).expect("phrase");
        assert_eq!(m.len, 4);
        assert!(nl.at(&words, 2, |j| j != 4).is_none_or(|m| m.len == 1));
    }
}
