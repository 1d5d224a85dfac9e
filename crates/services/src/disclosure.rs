//! The per-request record of what the disclosure policy was asked.
//!
//! A path that shows numbers or texts drawn from responses asks a [`Judge`] (the domain's
//! [`Policy`] for one survey) what may be shown; the results services take a `Judge` as an
//! argument, so they cannot compute without one. Every question asked is noted in the
//! request's [`Record`]; the web crate writes it into a response header, which is how the
//! route-list test proves that no such route bypasses the policy.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use tevreden_domain::disclosure::{Audience, Policy, Shown, Verdict};
use tevreden_storage::{Indicator, Survey};

/// What the policy was asked during one request (shared by the clones of one request).
#[derive(Clone, Default)]
pub struct Record {
    asked: Arc<Mutex<BTreeSet<(Audience, Shown)>>>,
}

impl Record {
    /// The rules for the results of `survey`.
    pub fn survey(&self, survey: &Survey) -> Judge<'_> {
        self.audience(audience_of(survey.id))
    }

    /// The rules for the organisation's customer indicator (its survey's).
    pub fn indicator(&self, indicator: &Indicator) -> Judge<'_> {
        self.audience(audience_of(indicator.survey_id))
    }

    pub fn audience(&self, audience: Audience) -> Judge<'_> {
        Judge {
            record: self,
            policy: Policy::new(audience),
        }
    }

    fn note(&self, audience: Audience, shown: Shown) {
        self.asked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((audience, shown));
    }

    /// `customers:aggregate,customers:groups`: what was asked, or `None` when nothing was.
    pub fn summary(&self) -> Option<String> {
        let asked = self.asked.lock().unwrap_or_else(|e| e.into_inner());
        (!asked.is_empty()).then(|| {
            asked
                .iter()
                .map(|(a, s)| format!("{}:{}", a.as_str(), s.as_str()))
                .collect::<Vec<_>>()
                .join(",")
        })
    }
}

/// Who answered a survey. Every survey is a customer survey until surveys carry an audience.
fn audience_of(survey_id: i64) -> Audience {
    let _ = survey_id;
    Audience::Customers
}

/// The policy of one survey, asked on behalf of one request.
#[derive(Clone, Copy)]
pub struct Judge<'a> {
    record: &'a Record,
    policy: Policy,
}

impl Judge<'_> {
    pub fn aggregate(&self, n: u64) -> Verdict {
        self.record.note(self.policy.audience(), Shown::Aggregate);
        self.policy.aggregate(n)
    }
    pub fn groups(&self, whole: u64, sizes: &[u64]) -> Vec<Verdict> {
        self.record.note(self.policy.audience(), Shown::Groups);
        self.policy.groups(whole, sizes)
    }
    pub fn comments(&self, n: u64) -> Verdict {
        self.record.note(self.policy.audience(), Shown::Comments);
        self.policy.comments(n)
    }
    pub fn individual(&self) -> Verdict {
        self.record.note(self.policy.audience(), Shown::Individual);
        self.policy.individual()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_lists_each_kind_of_question_once() {
        let record = Record::default();
        assert_eq!(record.summary(), None);
        let judge = record.audience(Audience::Customers);
        judge.groups(3, &[1, 2]);
        judge.aggregate(3);
        judge.aggregate(1);
        assert_eq!(
            record.summary().as_deref(),
            Some("customers:aggregate,customers:groups")
        );
    }
}
