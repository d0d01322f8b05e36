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
