//! How an account was joined to its cloud user: the matcher's answer,
//! which the findings and reports carry.

use std::fmt;

use serde::Serialize;

/// The key that joined an account to its cloud user, strongest first
/// (docs/matching.md#the-keys-in-order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchedBy {
    /// The source anchor equals `onPremisesImmutableId` (hard match).
    ImmutableId,
    /// `objectSid` equals `onPremisesSecurityIdentifier`.
    Sid,
    /// The DN equals `onPremisesDistinguishedName`.
    Dn,
    /// The UPN equals `onPremisesUserPrincipalName`.
    OnPremisesUpn,
    /// Soft match: the UPN equals the cloud `userPrincipalName`.
    Upn,
    /// Soft match: the primary SMTP address equals the cloud `mail` or primary proxy address.
    Smtp,
}

impl MatchedBy {
    /// The stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            MatchedBy::ImmutableId => "immutable_id",
            MatchedBy::Sid => "sid",
            MatchedBy::Dn => "dn",
            MatchedBy::OnPremisesUpn => "on_premises_upn",
            MatchedBy::Upn => "upn",
            MatchedBy::Smtp => "smtp",
        }
    }

    /// Whether this is a soft match (what Connect itself would try at first sync).
    pub fn is_soft(self) -> bool {
        matches!(self, MatchedBy::Upn | MatchedBy::Smtp)
    }
}

impl fmt::Display for MatchedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for MatchedBy {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}
