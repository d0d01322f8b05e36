//! The user being read: what the three parsers (the fast JSON scanner, the
//! serde path, the CSV reader) fill with the same rules before the store
//! encodes it, and the problems found in its properties.

use std::borrow::Cow;

use super::dates;
use super::props::{Property, PropertySet, UserType};
use crate::diag::DiagKind;

/// The text properties of a user, in record order (bit `i` of the mask).
pub(crate) const SCALARS: [Property; 13] = [
    Property::Id,
    Property::UserPrincipalName,
    Property::Mail,
    Property::CreationType,
    Property::ExternalUserState,
    Property::OnPremisesImmutableId,
    Property::OnPremisesSecurityIdentifier,
    Property::OnPremisesDistinguishedName,
    Property::OnPremisesSamAccountName,
    Property::OnPremisesUserPrincipalName,
    Property::OnPremisesDomainName,
    Property::OnPremisesLastSyncDateTime,
    Property::CreatedDateTime,
];

/// The record slot of a text property.
pub(crate) fn slot(p: Property) -> Option<usize> {
    Some(match p {
        Property::Id => 0,
        Property::UserPrincipalName => 1,
        Property::Mail => 2,
        Property::CreationType => 3,
        Property::ExternalUserState => 4,
        Property::OnPremisesImmutableId => 5,
        Property::OnPremisesSecurityIdentifier => 6,
        Property::OnPremisesDistinguishedName => 7,
        Property::OnPremisesSamAccountName => 8,
        Property::OnPremisesUserPrincipalName => 9,
        Property::OnPremisesDomainName => 10,
        Property::OnPremisesLastSyncDateTime => 11,
        Property::CreatedDateTime => 12,
        _ => return None,
    })
}

/// One identity being read: `signInType`, `issuer`, `issuerAssignedId`.
pub(crate) type DraftIdentity<'a> = [Option<Cow<'a, str>>; 3];

/// A user being read, its strings borrowed from the input where possible.
/// The JSON readers (the fast scanner and the serde path) and the CSV
/// reader fill one, with the same rules (the `set_*` methods), before it is
/// encoded into a chunk.
#[derive(Default)]
pub(crate) struct Draft<'a> {
    pub scalars: [Option<Cow<'a, str>>; 13],
    pub proxies: Vec<Cow<'a, str>>,
    pub other_mails: Vec<Cow<'a, str>>,
    pub identities: Vec<DraftIdentity<'a>>,
    /// `extensionAttribute1..15`.
    pub ext: [Option<Cow<'a, str>>; 15],
    pub user_type: Option<UserType>,
    pub account_enabled: Option<bool>,
    pub on_premises_sync_enabled: Option<bool>,
    pub present: PropertySet,
    pub valued: PropertySet,
    pub issues: Vec<Issue>,
}

impl<'a> Draft<'a> {
    /// Empties the draft for the next user, keeping its allocations.
    pub fn reset(&mut self) {
        self.scalars = Default::default();
        self.proxies.clear();
        self.other_mails.clear();
        self.identities.clear();
        self.ext = Default::default();
        self.user_type = None;
        self.account_enabled = None;
        self.on_premises_sync_enabled = None;
        self.present = PropertySet::EMPTY;
        self.valued = PropertySet::EMPTY;
        self.issues.clear();
    }

    /// Whether an issue of `kind` about `p` was recorded.
    pub fn has_issue(&self, p: Property, kind: crate::diag::DiagKind) -> bool {
        self.issues.iter().any(|i| i.prop == p && i.kind == kind)
    }

    /// The id, empty when there is none.
    pub fn id(&self) -> &str {
        self.scalars[0].as_deref().unwrap_or("")
    }

    /// A key for `p` was seen: present, and not valued until a value is set.
    pub fn begin(&mut self, p: Property) {
        self.present.insert(p);
        self.valued.remove(p);
    }

    /// `p` is null, of the wrong type or unusable: absent.
    pub fn clear(&mut self, p: Property) {
        match p {
            Property::UserType => self.user_type = None,
            Property::AccountEnabled => self.account_enabled = None,
            Property::OnPremisesSyncEnabled => self.on_premises_sync_enabled = None,
            Property::ProxyAddresses => self.proxies.clear(),
            Property::OtherMails => self.other_mails.clear(),
            Property::Identities => self.identities.clear(),
            Property::OnPremisesExtensionAttributes => self.ext = Default::default(),
            p => {
                if let Some(i) = slot(p) {
                    self.scalars[i] = None;
                }
            }
        }
    }

    /// Sets a string property; false when the value is unusable (a blank id,
    /// a date in no known format) or `p` takes no string; the property then
    /// keeps its previous value.
    pub fn set_str(&mut self, p: Property, s: Cow<'a, str>) -> bool {
        match p {
            Property::Id if s.trim().is_empty() => return false,
            Property::UserType => self.user_type = Some(UserType::parse(&s)),
            Property::OnPremisesLastSyncDateTime | Property::CreatedDateTime => {
                match dates::normalize_cow(s) {
                    Some(d) => self.scalars[slot(p).unwrap_or(0)] = Some(d),
                    None => return false,
                }
            }
            p => match slot(p) {
                Some(i) => self.scalars[i] = Some(s),
                None => return false,
            },
        }
        true
    }

    /// Sets a boolean property; false when `p` takes no boolean.
    pub fn set_bool(&mut self, p: Property, b: bool) -> bool {
        match p {
            Property::AccountEnabled => self.account_enabled = Some(b),
            Property::OnPremisesSyncEnabled => self.on_premises_sync_enabled = Some(b),
            _ => return false,
        }
        true
    }

    /// The list of a list property (`proxyAddresses`, `otherMails`).
    pub fn list_mut(&mut self, p: Property) -> Option<&mut Vec<Cow<'a, str>>> {
        match p {
            Property::ProxyAddresses => Some(&mut self.proxies),
            Property::OtherMails => Some(&mut self.other_mails),
            _ => None,
        }
    }
}

/// Something wrong with one property of a user (the user is kept).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Issue {
    /// The property.
    pub prop: Property,
    /// `WrongType`, `StringifiedObject` or `InvalidDate`.
    pub kind: DiagKind,
    /// The message.
    pub message: String,
}
