//! Folding and tokenising: lowercase, diacritics stripped, split on everything that is not a
//! letter or digit. Apostrophes inside a word are dropped (`didn't` → `didnt`, `foto's` →
//! `fotos`), so contractions need no special tokens.

/// What separates a token from the one before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Gap {
    /// Only spaces (or hyphens, quotes, …).
    Space,
    /// A comma, parenthesis or dash: ends a clause.
    Comma,
    /// `.`, `!`, `?`, `;`, `:` or a line break: ends a sentence.
    Sentence,
}

/// A token: a range in [`Tokens::folded`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Token {
    pub start: u32,
    pub end: u32,
    /// What came between the previous token and this one.
    pub gap: Gap,
}

/// A text folded and split into tokens.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    pub folded: String,
    pub tokens: Vec<Token>,
    /// Number of `!` in the text.
    pub exclamations: u32,
}

impl Tokens {
    pub fn get(&self, i: usize) -> &str {
        let t = self.tokens[i];
        &self.folded[t.start as usize..t.end as usize]
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn gap(&self, i: usize) -> Gap {
        self.tokens[i].gap
    }

    /// Iterates over the token strings.
    pub fn words(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// Folds one non-ASCII character onto `out`: its compatibility decomposition (NFKD, by
/// `unicode-normalization`) without the combining marks, lowercased (`É` → `e`, `ĳ` → `ij`,
/// `ﬁ` → `fi`); the letters without a decomposition that Dutch and English text meets are
/// spelled out (`ß` → `ss`, `æ` → `ae`, `œ` → `oe`, `ø` → `o`, `ł` → `l`).
fn push_folded(out: &mut String, c: char) {
    match c {
        'ß' => out.push_str("ss"),
        'æ' | 'Æ' => out.push_str("ae"),
        'œ' | 'Œ' => out.push_str("oe"),
        'ø' | 'Ø' => out.push('o'),
        'ł' | 'Ł' => out.push('l'),
        _ => unicode_normalization::char::decompose_compatible(c, |d| {
            if !unicode_normalization::char::is_combining_mark(d) {
                out.extend(d.to_lowercase());
            }
        }),
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | '`' | '´')
}

/// Folds and tokenises `text`.
pub(crate) fn tokenize(text: &str) -> Tokens {
    let mut out = Tokens {
        folded: String::with_capacity(text.len()),
        tokens: Vec::with_capacity(text.len() / 5 + 1),
        exclamations: 0,
    };
    let mut gap = Gap::Space;
    let mut start: Option<usize> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() {
            if start.is_none() {
                start = Some(out.folded.len());
            }
            if c.is_ascii() {
                out.folded.push(c.to_ascii_lowercase());
            } else {
                push_folded(&mut out.folded, c);
            }
            continue;
        }
        // A combining mark (text typed in decomposed form, `e` + U+0301) belongs to its letter.
        if start.is_some() && unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        // An apostrophe between two letters is part of the word.
        if is_apostrophe(c) && start.is_some() && chars.peek().is_some_and(|n| n.is_alphabetic()) {
            continue;
        }
        if let Some(s) = start.take() {
            out.tokens.push(Token {
                start: s as u32,
                end: out.folded.len() as u32,
                gap,
            });
            gap = Gap::Space;
        }
        let g = match c {
            '.' | '!' | '?' | ';' | ':' | '\n' | '\r' | '…' => Gap::Sentence,
            ',' | '(' | ')' | '–' | '—' | '/' => Gap::Comma,
            _ => Gap::Space,
        };
        if c == '!' {
            out.exclamations += 1;
        }
        gap = gap.max(g);
    }
    if let Some(s) = start {
        out.tokens.push(Token {
            start: s as u32,
            end: out.folded.len() as u32,
            gap,
        });
    }
    out
}

/// Folds a word or phrase the same way as [`tokenize`] and joins the tokens with one space.
pub(crate) fn fold_phrase(s: &str) -> String {
    let t = tokenize(s);
    let mut out = String::with_capacity(t.folded.len());
    for w in t.words() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_and_apostrophes() {
        let t = tokenize("Één café, geïnformeerd! Didn't we? Foto's — ÇA");
        let words: Vec<&str> = t.words().collect();
        assert_eq!(
            words,
            ["een", "cafe", "geinformeerd", "didnt", "we", "fotos", "ca"]
        );
        assert_eq!(t.gap(1), Gap::Space);
        assert_eq!(t.gap(2), Gap::Comma);
        assert_eq!(t.gap(3), Gap::Sentence);
        assert_eq!(t.gap(5), Gap::Sentence);
        assert_eq!(t.gap(6), Gap::Comma);
        assert_eq!(t.exclamations, 1);
    }

    #[test]
    fn decomposed_letters_ligatures_and_compatibility_forms_fold_alike() {
        let t = tokenize("Cafe\u{301} Straße Œuvre ĳs ﬁets Ørsted ＡＢＣ");
        let words: Vec<&str> = t.words().collect();
        assert_eq!(
            words,
            ["cafe", "strasse", "oeuvre", "ijs", "fiets", "orsted", "abc"]
        );
    }

    #[test]
    fn splits_hyphens_and_keeps_digits() {
        let t = tokenize("e-mail 4 keer, 'quoted' text");
        let words: Vec<&str> = t.words().collect();
        assert_eq!(words, ["e", "mail", "4", "keer", "quoted", "text"]);
        assert_eq!(
            fold_phrase("  Kastje   naar de MUUR "),
            "kastje naar de muur"
        );
    }
}
