//! Phrase suggestions for the theme dictionary: frequent 1–3-word phrases that no theme
//! covers yet.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use super::normalize::{Gap, tokenize};
use super::themes::ThemeDictionary;

const STOPWORDS: &str = include_str!("data/stopwords.txt");

/// A phrase must occur in at least this many comments.
pub const MIN_COUNT: u64 = 2;

fn stopwords() -> &'static HashSet<&'static str> {
    static S: OnceLock<HashSet<&'static str>> = OnceLock::new();
    S.get_or_init(|| {
        STOPWORDS
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(str::split_whitespace)
            .collect()
    })
}

/// Whether a folded word is a Dutch or English stop word.
pub fn is_stopword(w: &str) -> bool {
    stopwords().contains(w)
}

/// A word that may start or end a phrase: not a stop word, not a number, not one letter.
fn edge_ok(w: &str) -> bool {
    w.len() > 1 && !w.bytes().all(|b| b.is_ascii_digit()) && !is_stopword(w)
}

/// Frequent phrases of one to three words in `texts` that `dict` does not cover yet, as
/// `(phrase, number of texts it occurs in)`.
///
/// Texts are folded like everything else here (lowercase, no accents); phrases never cross
/// punctuation and never start or end with a stop word, though one may sit inside ("app
/// loopt vast" and "kastje naar muur" can be suggested, "in de wacht" cannot). A
/// phrase counts once per text, must occur in at least [`MIN_COUNT`] texts, and is left out
/// when any synonym of the dictionary occurs in it. Most frequent first, ties alphabetical;
/// at most `limit`.
pub fn suggest_phrases<'a>(
    texts: impl IntoIterator<Item = &'a str>,
    dict: &ThemeDictionary,
    limit: usize,
) -> Vec<(String, u64)> {
    let mut counts: HashMap<String, u64> = HashMap::new();
    let mut seen: HashSet<String> = HashSet::new();
    for text in texts {
        let t = tokenize(text);
        let words: Vec<&str> = t.words().collect();
        seen.clear();
        for i in 0..words.len() {
            if !edge_ok(words[i]) {
                continue;
            }
            for n in 1..=3 {
                let j = i + n - 1;
                if j >= words.len() || (j > i && t.gap(j) != Gap::Space) {
                    break;
                }
                if !edge_ok(words[j]) {
                    continue;
                }
                seen.insert(words[i..=j].join(" "));
            }
        }
        for p in seen.drain() {
            *counts.entry(p).or_insert(0) += 1;
        }
    }
    let matcher = dict.matcher();
    let mut out: Vec<(String, u64)> = counts
        .into_iter()
        .filter(|(p, c)| {
            *c >= MIN_COUNT && {
                let words: Vec<&str> = p.split(' ').collect();
                !matcher.covers(&words)
            }
        })
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out.truncate(limit);
    out
}
