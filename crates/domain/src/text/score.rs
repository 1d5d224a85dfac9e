//! The sentiment scorer: lexicon look-up plus rules for negation, intensity, contrast and
//! emphasis. See the module documentation of [`super`] for the method.

use super::lexicon::{self, Kind, Lexicon, Morph, Negated};
use super::normalize::{Gap, Tokens, tokenize};

/// Tokens after a negator that it can reach.
const NEGATION_AHEAD: usize = 3;
/// Tokens before a Dutch negator that it can reach when nothing follows ("het werkt niet").
const NEGATION_BEHIND: usize = 3;
/// Weight of what precedes / follows the last contrast word ("maar", "but").
const BEFORE_CONTRAST: f32 = 0.5;
const AFTER_CONTRAST: f32 = 1.5;
/// Weight of a concession clause ("hoewel …", "although …").
const CONCESSION: f32 = 0.5;
/// Extra weight per exclamation mark, at most three.
const EXCLAMATION: f32 = 0.1;
/// α in the normalisation `s / √(s² + α)`, as in VADER.
const ALPHA: f64 = 15.0;
/// |normalised score| at or above which a text is positive or negative.
pub(crate) const THRESHOLD: f64 = 0.3;

#[derive(Clone, Copy, Debug)]
struct Item {
    /// First token.
    start: usize,
    /// One past the last token.
    end: usize,
    kind: Kind,
    /// Clause number of the first token.
    clause: u32,
    /// Product of the modifiers that apply.
    factor: f32,
    /// The greatest own valence of an applying modifier ("vreselijk lang").
    modifier_own: Option<f32>,
    negated: bool,
    weight: f32,
}

/// The raw result for one lexicon.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Raw {
    /// Sum of weighted valences (AFINN scale).
    pub sum: f32,
    /// Number of lexicon matches.
    pub hits: u32,
}

impl Raw {
    pub fn normalised(self) -> f64 {
        let s = f64::from(self.sum);
        if s == 0.0 {
            0.0
        } else {
            s / (s * s + ALPHA).sqrt()
        }
    }
}

/// Emoji and emoticons with their valence (own list; the few that customers really use).
const EMOJI: &[(&str, f32)] = &[
    ("👍", 2.0),
    ("👌", 2.0),
    ("😊", 2.0),
    ("🙂", 1.5),
    ("😀", 2.0),
    ("😃", 2.0),
    ("😁", 2.0),
    ("😄", 2.0),
    ("❤", 2.5),
    ("💯", 2.0),
    ("🙏", 1.5),
    ("👎", -2.0),
    ("😡", -3.0),
    ("😠", -2.5),
    ("🤬", -3.0),
    ("😞", -2.0),
    ("🙁", -1.5),
    ("☹", -1.5),
    ("😤", -2.0),
    ("😢", -2.0),
    ("😭", -2.0),
    ("🙄", -1.5),
    (":-)", 1.5),
    (":)", 1.5),
    (":-D", 2.0),
    (":D", 2.0),
    (":-(", -1.5),
    (":(", -1.5),
];

fn emoji_sum(text: &str) -> (f32, u32) {
    if text.is_ascii() && !text.contains(':') {
        return (0.0, 0);
    }
    let mut sum = 0.0;
    let mut hits = 0;
    for (e, v) in EMOJI {
        let n = text.matches(e).count();
        if n > 0 {
            sum += v * n as f32;
            hits += n as u32;
        }
    }
    (sum, hits)
}

/// Scores already tokenised text with one lexicon.
pub(crate) fn score_tokens(tokens: &Tokens, text: &str, lex: &Lexicon) -> Raw {
    let words: Vec<&str> = tokens.words().collect();
    let n = words.len();
    // Clause numbers: a new clause at every comma or sentence end.
    let mut clause = Vec::with_capacity(n);
    let mut c = 0u32;
    for i in 0..n {
        if i > 0 && tokens.gap(i) != Gap::Space {
            c += 1;
        }
        clause.push(c);
    }
    let phrase_ok = |j: usize| tokens.gap(j) == Gap::Space;

    // 1. Lexicon matches, longest phrase first.
    let mut items: Vec<Item> = Vec::with_capacity(n / 2 + 1);
    let mut i = 0;
    while i < n {
        match lex.at(&words, i, phrase_ok) {
            Some(m) if m.kind == Kind::Filler => i += 1,
            Some(m) => {
                items.push(Item {
                    start: i,
                    end: i + m.len,
                    kind: m.kind,
                    clause: clause[i],
                    factor: m.factor,
                    modifier_own: None,
                    negated: false,
                    weight: 1.0,
                });
                i += m.len;
            }
            None => i += 1,
        }
    }

    // 2. Modifiers: a chain of modifiers (and negators) directly before a valence, in the
    //    same clause, multiplies it. A modifier that reaches nothing keeps its own valence.
    let mut unused_own: Vec<f32> = Vec::new();
    let mut chain: Vec<usize> = Vec::new();
    for k in 0..items.len() {
        let it = items[k];
        let adjacent = chain.last().is_some_and(|&p| {
            let prev = items[p];
            prev.clause == it.clause && it.start <= prev.end + 1
        });
        if !adjacent {
            for &p in &chain {
                if let Kind::Modifier { own: Some(o), .. } = items[p].kind {
                    unused_own.push(o);
                }
            }
            chain.clear();
        }
        match it.kind {
            Kind::Modifier { .. } => chain.push(k),
            Kind::Negator { .. } => {
                if !chain.is_empty() {
                    chain.push(k);
                }
            }
            Kind::Valence { .. } => {
                for &p in &chain {
                    if let Kind::Modifier { factor, own } = items[p].kind {
                        items[k].factor *= factor;
                        if let Some(o) = own {
                            let cur = items[k].modifier_own.unwrap_or(0.0);
                            if o.abs() > cur.abs() {
                                items[k].modifier_own = Some(o);
                            }
                        }
                    }
                }
                chain.clear();
            }
            Kind::Contrast | Kind::Concession | Kind::Filler => chain.clear(),
        }
    }
    for &p in &chain {
        if let Kind::Modifier { own: Some(o), .. } = items[p].kind {
            unused_own.push(o);
        }
    }

    // 3. Negation: forward within the clause; for Dutch also backward when nothing follows.
    let mut negator_own: Vec<f32> = Vec::new();
    for k in 0..items.len() {
        let Kind::Negator { own } = items[k].kind else {
            continue;
        };
        let (start, end, cl) = (items[k].start, items[k].end, items[k].clause);
        let mut any = false;
        for t in items.iter_mut().skip(k + 1) {
            if t.clause != cl || t.start >= end + NEGATION_AHEAD {
                break;
            }
            match t.kind {
                Kind::Negator { .. } | Kind::Contrast | Kind::Concession => break,
                Kind::Valence { negated, .. } if !t.negated && negated != Negated::Immune => {
                    t.negated = true;
                    any = true;
                }
                _ => {}
            }
        }
        if !any && lex.morph == Morph::Dutch {
            for t in items[..k].iter_mut().rev() {
                if t.clause != cl || t.end + NEGATION_BEHIND < start + 1 {
                    break;
                }
                match t.kind {
                    Kind::Negator { .. } | Kind::Contrast | Kind::Concession => break,
                    Kind::Valence { negated, .. } if !t.negated && negated != Negated::Immune => {
                        t.negated = true;
                        any = true;
                        break;
                    }
                    _ => {}
                }
            }
        }
        if !any {
            negator_own.push(own);
        }
    }

    // 4. Weights: contrast and concession.
    if let Some(last) = items.iter().rposition(|t| t.kind == Kind::Contrast) {
        let at = items[last].start;
        for t in &mut items {
            t.weight *= if t.start < at {
                BEFORE_CONTRAST
            } else {
                AFTER_CONTRAST
            };
        }
    }
    let concession_clauses: Vec<u32> = items
        .iter()
        .filter(|t| t.kind == Kind::Concession)
        .map(|t| t.clause)
        .collect();
    for t in &mut items {
        if concession_clauses.contains(&t.clause) {
            t.weight *= CONCESSION;
        }
    }

    // 5. Sum.
    let mut sum = 0.0f32;
    let mut hits = 0u32;
    for t in &items {
        hits += 1;
        if let Kind::Valence { v, negated } = t.kind {
            let mut x = v * t.factor;
            if let Some(o) = t.modifier_own
                && o.signum() == x.signum()
                && o.abs() > x.abs()
            {
                x = o;
            }
            if t.negated {
                x = match negated {
                    Negated::Flip => Kind::negate(x, negated),
                    other => Kind::negate(v, other),
                };
            }
            sum += x * t.weight;
        }
    }
    sum += unused_own.iter().sum::<f32>();
    sum += negator_own.iter().sum::<f32>();
    let (e, eh) = emoji_sum(text);
    sum += e;
    hits += eh;
    if sum != 0.0 {
        sum *= 1.0 + EXCLAMATION * tokens.exclamations.min(3) as f32;
    }
    Raw { sum, hits }
}

/// Scores `text` with the lexicon for `primary` ("nl", "en"); other languages try both and
/// keep the one with more hits.
pub(crate) fn score(text: &str, primary: &str) -> Raw {
    let tokens = tokenize(text);
    match primary {
        // The declared language first; a comment with no match there (written in the other
        // language, as happens when a survey's language is not the respondent's) is read with
        // the other lexicon.
        "nl" | "en" => {
            let (own, other) = if primary == "nl" {
                (lexicon::dutch(), lexicon::english())
            } else {
                (lexicon::english(), lexicon::dutch())
            };
            let first = score_tokens(&tokens, text, own);
            if first.hits > 0 {
                return first;
            }
            let second = score_tokens(&tokens, text, other);
            if second.hits > first.hits {
                second
            } else {
                first
            }
        }
        _ => {
            let nl = score_tokens(&tokens, text, lexicon::dutch());
            let en = score_tokens(&tokens, text, lexicon::english());
            if nl.hits > en.hits || (nl.hits == en.hits && nl.sum.abs() > en.sum.abs()) {
                nl
            } else {
                en
            }
        }
    }
}

/// The lexicon matches in `text`, for inspecting why a comment scores as it does.
#[cfg(test)]
pub(crate) fn explain(text: &str, primary: &str) -> Vec<(String, Kind)> {
    let lex = if primary == "nl" {
        lexicon::dutch()
    } else {
        lexicon::english()
    };
    let tokens = tokenize(text);
    let words: Vec<&str> = tokens.words().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        match lex.at(&words, i, |j| tokens.gap(j) == Gap::Space) {
            Some(m) => {
                out.push((words[i..i + m.len].join(" "), m.kind));
                i += m.len;
            }
            None => i += 1,
        }
    }
    out
}
