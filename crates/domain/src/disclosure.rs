//! What may be shown of what respondents answered: the one place that decides.
//!
//! Every path that shows numbers or texts drawn from responses (results and their breakdowns,
//! "vs rest", drivers, comments, response lists and pages, exports, scorecards) asks a
//! [`Policy`] before it shows them, and shows only what the policy lets through. The policy
//! depends on the survey's [`Audience`]: customer results are shown whatever their size (a small
//! `n` is flagged, not hidden, methods.md 2). Rules for other audiences (the anonymity threshold
//! of employee results, methods.md 4) belong here and nowhere else.
//!
//! The web crate's `disclosure` module is the one caller: it records every question asked per
//! request, so that a test can prove that no such route bypasses this module.

use std::fmt;

/// Who answered a survey; decides the rules of what may be shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Audience {
    /// Customers (NPS, CSAT, effort, post-contact): shown at any size.
    Customers,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Customers => "customers",
        }
    }
}

/// What a path is about to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Shown {
    /// Numbers over one set of responses: a score, its interval, a count, a driver analysis.
    Aggregate,
    /// The same numbers per group (unit, period, touchpoint, employee, version, attribute
    /// value…) beside the whole the groups split, or one group against the rest of it.
    Groups,
    /// Free-text answers, one by one.
    Comments,
    /// Whole responses one by one: lists, pages and exports.
    Individual,
}

impl Shown {
    pub fn as_str(self) -> &'static str {
        match self {
            Shown::Aggregate => "aggregate",
            Shown::Groups => "groups",
            Shown::Comments => "comments",
            Shown::Individual => "individual",
        }
    }
}

/// Why something is not shown. Customer results have no such reason today; the reasons of the
/// employee rules (a group under the threshold, a difference that would reveal one) join here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Withheld {}

impl fmt::Display for Withheld {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {}
    }
}

/// The policy's answer for one set of responses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Show,
    Withhold(Withheld),
}

impl Verdict {
    pub fn is_shown(self) -> bool {
        matches!(self, Verdict::Show)
    }

    /// `Err` with the reason when it is not shown: for paths that refuse as a whole.
    pub fn allowed(self) -> Result<(), Withheld> {
        match self {
            Verdict::Show => Ok(()),
            Verdict::Withhold(why) => Err(why),
        }
    }
}

/// The rules for the results of one survey.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    audience: Audience,
}

impl Policy {
    pub fn new(audience: Audience) -> Policy {
        Policy { audience }
    }

    pub fn audience(self) -> Audience {
        self.audience
    }

    /// May numbers over `n` responses be shown?
    pub fn aggregate(self, n: u64) -> Verdict {
        match self.audience {
            Audience::Customers => {
                let _ = n;
                Verdict::Show
            }
        }
    }

    /// Which of the groups with these sizes may be shown, beside a whole of `whole` responses?
    /// One verdict per group, in order. The whole is given because a hidden group can be
    /// revealed by subtracting the shown ones from it.
    pub fn groups(self, whole: u64, sizes: &[u64]) -> Vec<Verdict> {
        match self.audience {
            Audience::Customers => {
                let _ = whole;
                vec![Verdict::Show; sizes.len()]
            }
        }
    }

    /// May the free-text answers among `n` responses be shown one by one?
    pub fn comments(self, n: u64) -> Verdict {
        match self.audience {
            Audience::Customers => {
                let _ = n;
                Verdict::Show
            }
        }
    }

    /// May responses be shown one by one (lists, pages, exports)?
    pub fn individual(self) -> Verdict {
        match self.audience {
            Audience::Customers => Verdict::Show,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Customer results are shown at every size, one response included (methods.md 2: a small
    /// `n` is flagged beside the number, never hidden).
    #[test]
    fn customer_results_are_shown_at_every_size() {
        let p = Policy::new(Audience::Customers);
        for n in [0, 1, 2, 4, 29, 30, 10_000] {
            assert_eq!(p.aggregate(n), Verdict::Show);
            assert_eq!(p.comments(n), Verdict::Show);
        }
        assert_eq!(p.individual(), Verdict::Show);
        assert_eq!(
            p.groups(7, &[1, 2, 4]),
            vec![Verdict::Show, Verdict::Show, Verdict::Show]
        );
        assert!(p.groups(0, &[]).is_empty());
    }
}
