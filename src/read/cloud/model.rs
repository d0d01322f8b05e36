//! The cloud user model: the Microsoft Graph `user` properties the audit reads.
//!
//! Strings are `Box<str>` and collections boxed slices so that a million users
//! stay small in memory; every field derefs to `&str` / `&[T]`.

use std::fmt;

macro_rules! properties {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal; )*) => {
        /// A Graph user property the reader knows (by its camelCase Graph name).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        #[repr(u8)]
        pub enum Property {
            $( $(#[$doc])* $variant, )*
        }

        impl Property {
            /// Every property, in declaration order.
            pub const ALL: &'static [Property] = &[$(Property::$variant,)*];

            /// The camelCase Graph name (what `$select` takes).
            pub fn name(self) -> &'static str {
                match self { $(Property::$variant => $name,)* }
            }
        }
    };
}

properties! {
    /// `id` (object id; `objectId` in the admin-center CSV).
    Id = "id";
    /// `userPrincipalName`.
    UserPrincipalName = "userPrincipalName";
    /// `userType` (`Member`, `Guest`).
    UserType = "userType";
    /// `accountEnabled`.
    AccountEnabled = "accountEnabled";
    /// `mail`.
    Mail = "mail";
    /// `proxyAddresses`.
    ProxyAddresses = "proxyAddresses";
    /// `otherMails`.
    OtherMails = "otherMails";
    /// `creationType` (`Invitation` for B2B).
    CreationType = "creationType";
    /// `externalUserState` (`PendingAcceptance`, `Accepted`).
    ExternalUserState = "externalUserState";
    /// `identities`.
    Identities = "identities";
    /// `onPremisesSyncEnabled`.
    OnPremisesSyncEnabled = "onPremisesSyncEnabled";
    /// `onPremisesImmutableId`.
    OnPremisesImmutableId = "onPremisesImmutableId";
    /// `onPremisesSecurityIdentifier`.
    OnPremisesSecurityIdentifier = "onPremisesSecurityIdentifier";
    /// `onPremisesDistinguishedName`.
    OnPremisesDistinguishedName = "onPremisesDistinguishedName";
    /// `onPremisesSamAccountName`.
    OnPremisesSamAccountName = "onPremisesSamAccountName";
    /// `onPremisesUserPrincipalName`.
    OnPremisesUserPrincipalName = "onPremisesUserPrincipalName";
    /// `onPremisesDomainName`.
    OnPremisesDomainName = "onPremisesDomainName";
    /// `onPremisesLastSyncDateTime`.
    OnPremisesLastSyncDateTime = "onPremisesLastSyncDateTime";
    /// `onPremisesExtensionAttributes` (extensionAttribute1..15).
    OnPremisesExtensionAttributes = "onPremisesExtensionAttributes";
    /// `createdDateTime`.
    CreatedDateTime = "createdDateTime";
}

impl Property {
    /// The property named `name`, compared ASCII case-insensitively
    /// (`userType`, `UserType` and `USERTYPE` are one property).
    pub fn from_name_ci(name: &str) -> Option<Property> {
        Property::ALL
            .iter()
            .copied()
            .find(|p| p.name().len() == name.len() && p.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of [`Property`] values (a bit set).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PropertySet(u32);

impl PropertySet {
    /// The empty set.
    pub const EMPTY: PropertySet = PropertySet(0);

    /// Adds a property.
    pub fn insert(&mut self, p: Property) {
        self.0 |= 1 << p as u8;
    }

    /// Removes a property.
    pub fn remove(&mut self, p: Property) {
        self.0 &= !(1 << p as u8);
    }

    /// Whether the set holds `p`.
    pub fn contains(self, p: Property) -> bool {
        self.0 & (1 << p as u8) != 0
    }

    /// The properties in the set, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Property> {
        Property::ALL
            .iter()
            .copied()
            .filter(move |p| self.contains(*p))
    }
}

impl serde::Serialize for PropertySet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// The cloud `userType`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum UserType {
    /// Exactly `Member`.
    Member,
    /// Exactly `Guest`.
    Guest,
    /// Any other value, kept as written (wrong case, spaces, unknown words).
    Other(Box<str>),
}

impl UserType {
    /// Parses a value: only the exact spellings `Member` and `Guest` are
    /// recognised (DOMAIN §9.3), anything else is [`UserType::Other`].
    pub fn parse(s: &str) -> UserType {
        match s {
            "Member" => UserType::Member,
            "Guest" => UserType::Guest,
            _ => UserType::Other(s.into()),
        }
    }

    /// The value as written.
    pub fn as_str(&self) -> &str {
        match self {
            UserType::Member => "Member",
            UserType::Guest => "Guest",
            UserType::Other(s) => s,
        }
    }
}

/// One entry of `identities` (Graph `objectIdentity`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Identity {
    /// `signInType` (`userPrincipalName`, `emailAddress`, `federated`, ...).
    pub sign_in_type: Option<Box<str>>,
    /// `issuer` (`contoso.onmicrosoft.com`, `ExternalAzureAD`, `mail`, ...).
    pub issuer: Option<Box<str>>,
    /// `issuerAssignedId`.
    pub issuer_assigned_id: Option<Box<str>>,
}

/// `onPremisesExtensionAttributes`: extensionAttribute1..15. Only the set
/// attributes are stored (most users have one or none).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ExtensionAttributes(Box<[(u8, Box<str>)]>);

impl ExtensionAttributes {
    /// `extensionAttribute{n}` for `n` in 1..=15 (None outside that range).
    pub fn get(&self, n: usize) -> Option<&str> {
        self.0
            .iter()
            .find(|(i, _)| usize::from(*i) == n)
            .map(|(_, v)| &**v)
    }

    /// Sets `extensionAttribute{n}` (`n` in 1..=15; other `n` are ignored).
    pub fn set(&mut self, n: usize, value: Option<Box<str>>) {
        let Ok(n8) = u8::try_from(n) else { return };
        if !(1..=15).contains(&n8) {
            return;
        }
        let mut v: Vec<(u8, Box<str>)> = std::mem::take(&mut self.0)
            .into_vec()
            .into_iter()
            .filter(|(i, _)| *i != n8)
            .collect();
        if let Some(value) = value {
            v.push((n8, value));
            v.sort_by_key(|(i, _)| *i);
        }
        self.0 = v.into_boxed_slice();
    }

    /// Whether no attribute is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The set attributes as `(n, value)`, `n` in 1..=15, in order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &str)> {
        self.0.iter().map(|(i, v)| (usize::from(*i), &**v))
    }
}

impl serde::Serialize for ExtensionAttributes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(
            self.iter()
                .map(|(n, v)| (format!("extensionAttribute{n}"), v)),
        )
    }
}

impl FromIterator<(usize, Box<str>)> for ExtensionAttributes {
    /// Pairs outside 1..=15 are dropped; for a repeated `n` the last wins.
    fn from_iter<I: IntoIterator<Item = (usize, Box<str>)>>(iter: I) -> Self {
        let mut v: Vec<(u8, Box<str>)> = Vec::new();
        for (n, value) in iter {
            if let Some(n) = u8::try_from(n).ok().filter(|n| (1..=15).contains(n)) {
                v.retain(|(i, _)| *i != n);
                v.push((n, value));
            }
        }
        v.sort_by_key(|(i, _)| *i);
        ExtensionAttributes(v.into_boxed_slice())
    }
}

/// Where a user was read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Source {
    /// 1-based line of the start of the user (its `{` or CSV row) in the original file.
    pub line: u64,
}

/// One cloud user as exported from Microsoft Graph or the admin center.
///
/// A property is `None` (or empty) when it is absent, `null`, of the wrong
/// type or invalid. [`CloudUser::present`] says which keys (JSON) or columns
/// (CSV) were there at all, [`CloudUser::valued`] which carried a usable value:
/// Graph omits properties that were not in `$select`, while `Get-MgUser`
/// output has every key with `null`; the coverage check needs both.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CloudUser {
    /// `id`, never empty.
    pub id: Box<str>,
    /// `userPrincipalName`.
    pub user_principal_name: Option<Box<str>>,
    /// `userType`; `None` when absent or null.
    pub user_type: Option<UserType>,
    /// `accountEnabled`.
    pub account_enabled: Option<bool>,
    /// `mail`.
    pub mail: Option<Box<str>>,
    /// `proxyAddresses` (`SMTP:` primary, `smtp:` secondary), as written.
    pub proxy_addresses: Box<[Box<str>]>,
    /// `otherMails` (`alternateEmailAddress` in the admin-center CSV).
    pub other_mails: Box<[Box<str>]>,
    /// `creationType` (`Invitation`, `LocalAccount`, ...; `None` for work accounts).
    pub creation_type: Option<Box<str>>,
    /// `externalUserState` as written (`PendingAcceptance`, `Pending Acceptance`, `Accepted`).
    pub external_user_state: Option<Box<str>>,
    /// `identities`.
    pub identities: Box<[Identity]>,
    /// `onPremisesSyncEnabled`: true synced, false once synced, None never synced (or not exported).
    pub on_premises_sync_enabled: Option<bool>,
    /// `onPremisesImmutableId` (the sourceAnchor, usually base64 of the objectGUID bytes).
    pub on_premises_immutable_id: Option<Box<str>>,
    /// `onPremisesSecurityIdentifier` (SID string).
    pub on_premises_security_identifier: Option<Box<str>>,
    /// `onPremisesDistinguishedName`.
    pub on_premises_distinguished_name: Option<Box<str>>,
    /// `onPremisesSamAccountName`.
    pub on_premises_sam_account_name: Option<Box<str>>,
    /// `onPremisesUserPrincipalName`.
    pub on_premises_user_principal_name: Option<Box<str>>,
    /// `onPremisesDomainName`.
    pub on_premises_domain_name: Option<Box<str>>,
    /// `onPremisesLastSyncDateTime`, normalised (see [`crate::read::cloud`] on dates).
    pub on_premises_last_sync_date_time: Option<Box<str>>,
    /// `onPremisesExtensionAttributes`.
    pub on_premises_extension_attributes: ExtensionAttributes,
    /// `createdDateTime`, normalised.
    pub created_date_time: Option<Box<str>>,
    /// Where the user starts in the file.
    pub source: Source,
    /// Keys (or columns) present for this user, null or not.
    pub present: PropertySet,
    /// Properties that carried a usable, non-null value.
    pub valued: PropertySet,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive() {
        assert_eq!(Property::from_name_ci("UserType"), Some(Property::UserType));
        assert_eq!(
            Property::from_name_ci("ONPREMISESIMMUTABLEID"),
            Some(Property::OnPremisesImmutableId)
        );
        assert_eq!(Property::from_name_ci("displayName"), None);
        assert!(Property::ALL.len() <= 32);
    }

    #[test]
    fn extension_attributes() {
        let mut e = ExtensionAttributes::default();
        assert!(e.is_empty());
        e.set(1, Some("Guest".into()));
        e.set(16, Some("x".into()));
        e.set(0, Some("x".into()));
        assert_eq!(e.get(1), Some("Guest"));
        assert_eq!(e.get(0), None);
        assert_eq!(e.get(16), None);
        assert_eq!(e.iter().collect::<Vec<_>>(), vec![(1, "Guest")]);
    }
}
