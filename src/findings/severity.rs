//! What a finding kind's severity may depend on. The registry
//! (`kind.rs`) states each kind's severities and the rule choosing among
//! them; the audit fills these facts and asks [`super::Kind::severity`].

use crate::classify::UserType;

/// The facts a conditional severity depends on; `Default` when none is
/// known (a kind with one severity ignores them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeverityFacts {
    /// The matched cloud user's `accountEnabled` (`None`: not exported, or
    /// no cloud user).
    pub account_enabled: Option<bool>,
    /// The UserType the rules give the account (`None`: no account, as for
    /// a cloud user no account matches).
    pub intended: Option<UserType>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Kind, Severity};

    /// Every severity a row lists is the one some facts give, and no facts
    /// give another: the list, the rule and the note agree.
    #[test]
    fn every_rule_gives_exactly_the_listed_severities() {
        let mut all_facts = Vec::new();
        for account_enabled in [None, Some(true), Some(false)] {
            for intended in [None, Some(UserType::Guest), Some(UserType::Member)] {
                all_facts.push(SeverityFacts {
                    account_enabled,
                    intended,
                });
            }
        }
        for &k in Kind::ALL {
            let given: std::collections::BTreeSet<Severity> =
                all_facts.iter().map(|&f| k.severity(f)).collect();
            let listed: std::collections::BTreeSet<Severity> =
                k.severities().iter().copied().collect();
            assert_eq!(given, listed, "{}", k.name());
        }
    }

    /// The conditional cases, as the notes state them.
    #[test]
    fn conditional_severities() {
        let enabled = |account_enabled| SeverityFacts {
            account_enabled,
            ..SeverityFacts::default()
        };
        assert_eq!(
            Kind::GuestAsMember.severity(enabled(Some(true))),
            Severity::Critical
        );
        assert_eq!(
            Kind::GuestAsMember.severity(enabled(None)),
            Severity::Critical
        );
        assert_eq!(
            Kind::GuestAsMember.severity(enabled(Some(false))),
            Severity::High
        );
        let intended = |intended| SeverityFacts {
            intended,
            ..SeverityFacts::default()
        };
        assert_eq!(
            Kind::CloudStateUnknown.severity(intended(Some(UserType::Guest))),
            Severity::High
        );
        assert_eq!(
            Kind::CloudStateUnknown.severity(intended(Some(UserType::Member))),
            Severity::Low
        );
        assert_eq!(
            Kind::CloudStateUnknown.severity(intended(None)),
            Severity::Low
        );
        assert_eq!(
            Kind::RuleError.severity(enabled(Some(false))),
            Severity::High
        );
        assert_eq!(
            Kind::OutOfScope.severity(SeverityFacts::default()),
            Severity::Info
        );
    }
}
