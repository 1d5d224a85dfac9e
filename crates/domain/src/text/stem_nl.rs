//! The Snowball stemmer for Dutch (the original Porter-style "dutch" algorithm of
//! snowballstem.org, as also used by nlp.js), written from the published algorithm. The
//! Pattern lexicon in `data/pattern-nl.tsv` is keyed by these stems, so the stemmer must
//! match that one exactly; the tests pin outputs checked against the nlp.js implementation.
//!
//! Input is a folded word (lowercase ASCII letters, diacritics already stripped).

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

struct Stemmer {
    w: Vec<u8>,
    p1: usize,
    p2: usize,
    e_found: bool,
}

impl Stemmer {
    fn ends_with(&self, s: &[u8]) -> bool {
        self.w.ends_with(s)
    }

    fn r1(&self, pos: usize) -> bool {
        self.p1 <= pos
    }

    fn r2(&self, pos: usize) -> bool {
        self.p2 <= pos
    }

    /// The byte before `pos`, if any.
    fn before(&self, pos: usize) -> Option<u8> {
        pos.checked_sub(1).map(|i| self.w[i])
    }

    fn undouble(&mut self) {
        if self.ends_with(b"kk") || self.ends_with(b"dd") || self.ends_with(b"tt") {
            self.w.pop();
        }
    }

    fn e_ending(&mut self) {
        self.e_found = false;
        let n = self.w.len();
        if n == 0 || self.w[n - 1] != b'e' || !self.r1(n - 1) {
            return;
        }
        match self.before(n - 1) {
            Some(c) if !is_vowel(c) => {}
            _ => return,
        }
        self.w.truncate(n - 1);
        self.e_found = true;
        self.undouble();
    }

    /// Deletes the `en`/`ene` suffix that starts at `pos` when it is a valid en-ending.
    fn en_ending(&mut self, pos: usize) -> bool {
        if !self.r1(pos) {
            return false;
        }
        match self.before(pos) {
            Some(c) if !is_vowel(c) => {}
            _ => return false,
        }
        if pos >= 3 && &self.w[pos - 3..pos] == b"gem" {
            return false;
        }
        self.w.truncate(pos);
        self.undouble();
        true
    }

    fn prelude(&mut self) {
        if self.w.first() == Some(&b'y') {
            self.w[0] = b'Y';
        }
        let n = self.w.len();
        for i in 0..n.saturating_sub(1) {
            if !is_vowel(self.w[i]) {
                continue;
            }
            let next = self.w[i + 1];
            if next == b'i' && i + 2 < n && is_vowel(self.w[i + 2]) {
                self.w[i + 1] = b'I';
            } else if next == b'y' {
                self.w[i + 1] = b'Y';
            }
        }
    }

    fn mark_regions(&mut self) {
        let n = self.w.len();
        self.p1 = n;
        self.p2 = n;
        // R1: after the first non-vowel that follows a vowel.
        let Some(v) = (0..n).find(|&i| is_vowel(self.w[i])) else {
            return;
        };
        let Some(c) = (v + 1..n).find(|&i| !is_vowel(self.w[i])) else {
            return;
        };
        let after = c + 1;
        self.p1 = after.max(3);
        let Some(v2) = (after..n).find(|&i| is_vowel(self.w[i])) else {
            return;
        };
        let Some(c2) = (v2 + 1..n).find(|&i| !is_vowel(self.w[i])) else {
            return;
        };
        self.p2 = c2 + 1;
    }

    fn standard_suffix(&mut self) {
        // Step 1: the longest of heden, ene, en, se, s.
        let n = self.w.len();
        if self.ends_with(b"heden") {
            if self.r1(n - 5) {
                self.w.truncate(n - 5);
                self.w.extend_from_slice(b"heid");
            }
        } else if self.ends_with(b"ene") {
            self.en_ending(n - 3);
        } else if self.ends_with(b"en") {
            self.en_ending(n - 2);
        } else if self.ends_with(b"se") || self.ends_with(b"s") {
            let pos = if self.ends_with(b"se") { n - 2 } else { n - 1 };
            if self.r1(pos)
                && let Some(c) = self.before(pos)
                && !is_vowel(c)
                && c != b'j'
            {
                self.w.truncate(pos);
            }
        }
        // Step 2.
        self.e_ending();
        // Step 3a: heid.
        if self.ends_with(b"heid") {
            let pos = self.w.len() - 4;
            if self.r2(pos) && self.before(pos) != Some(b'c') {
                self.w.truncate(pos);
                if self.ends_with(b"en") {
                    let p = self.w.len() - 2;
                    self.en_ending(p);
                }
            }
        }
        // Step 3b: d-suffixes, longest match.
        let n = self.w.len();
        if self.ends_with(b"end") || self.ends_with(b"ing") {
            let pos = n - 3;
            if self.r2(pos) {
                self.w.truncate(pos);
                let m = self.w.len();
                if self.ends_with(b"ig") && self.r2(m - 2) && self.before(m - 2) != Some(b'e') {
                    self.w.truncate(m - 2);
                } else {
                    self.undouble();
                }
            }
        } else if self.ends_with(b"ig") {
            let pos = n - 2;
            if self.r2(pos) && self.before(pos) != Some(b'e') {
                self.w.truncate(pos);
            }
        } else if self.ends_with(b"lijk") {
            let pos = n - 4;
            if self.r2(pos) {
                self.w.truncate(pos);
                self.e_ending();
            }
        } else if self.ends_with(b"baar") {
            let pos = n - 4;
            if self.r2(pos) {
                self.w.truncate(pos);
            }
        } else if self.ends_with(b"bar") {
            let pos = n - 3;
            if self.r2(pos) && self.e_found {
                self.w.truncate(pos);
            }
        }
        // Step 4: undouble a vowel in a final consonant–double vowel–consonant.
        let n = self.w.len();
        if n >= 4 {
            let d = self.w[n - 1];
            let (v1, v2) = (self.w[n - 3], self.w[n - 2]);
            let c = self.w[n - 4];
            if !is_vowel(d)
                && d != b'I'
                && v1 == v2
                && matches!(v1, b'a' | b'e' | b'o' | b'u')
                && !is_vowel(c)
            {
                self.w.remove(n - 2);
            }
        }
    }
}

/// Stems a folded Dutch word.
pub(crate) fn stem(word: &str) -> String {
    let mut s = Stemmer {
        w: word.as_bytes().to_vec(),
        p1: 0,
        p2: 0,
        e_found: false,
    };
    if !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return word.to_string();
    }
    s.prelude();
    s.mark_regions();
    s.standard_suffix();
    for b in &mut s.w {
        match *b {
            b'Y' => *b = b'y',
            b'I' => *b = b'i',
            _ => {}
        }
    }
    // Only ASCII letters went in, so the bytes are valid UTF-8.
    String::from_utf8(s.w).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::stem;

    /// Pairs produced by the nlp.js Dutch stemmer (`@nlpjs/lang-nl` 4.26.1).
    const VECTORS: &str = include_str!("data/stem-nl-vectors.tsv");

    #[test]
    fn matches_reference_implementation() {
        let mut n = 0;
        for line in VECTORS.lines().filter(|l| !l.starts_with('#')) {
            let (word, expected) = line.split_once('\t').expect("two columns");
            assert_eq!(stem(word), expected, "stem of {word}");
            n += 1;
        }
        assert!(n > 1000, "{n} vectors");
    }

    #[test]
    fn stems_common_inflections_together() {
        assert_eq!(stem("vriendelijke"), stem("vriendelijk"));
        assert_eq!(stem("vervelende"), stem("vervelend"));
        assert_eq!(stem("klachten"), stem("klacht"));
        assert_eq!(stem("aangenaam"), "aangenam");
    }
}
