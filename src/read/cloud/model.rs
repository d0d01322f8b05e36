//! The cloud user model: the Microsoft Graph `user` properties the audit reads.
//!
//! [`CloudUser`] is compact (its strings are in a buffer shared by a chunk
//! of users, see `store`); [`CloudUserData`] is the same user as plain owned
//! values, to build one or take one apart.

use std::borrow::Cow;
use std::fmt;

use super::draft::Draft;
pub use super::props::{Property, PropertySet, Source, UserType};
pub use super::store::CloudUser;
use super::store::{self, ChunkBuilder, Reader};

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

/// A cloud user as plain owned values: what [`CloudUser::from`] stores and
/// [`CloudUser::to_data`] gives back (tests, tools, the fuzzer).
///
/// A property is `None` (or empty) when it is absent, `null`, of the wrong
/// type or invalid. `present` says which keys (JSON) or columns
/// (CSV) were there at all, `valued` which carried a usable value:
/// Graph omits properties that were not in `$select`, while `Get-MgUser`
/// output has every key with `null`; the coverage check needs both.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CloudUserData {
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

macro_rules! text_accessors {
    ($( $(#[$doc:meta])* $name:ident = $prop:ident; )*) => {
        impl CloudUser {
            $(
                $(#[$doc])*
                #[inline]
                pub fn $name(&self) -> Option<&str> {
                    self.text(Property::$prop)
                }
            )*
        }
    };
}

text_accessors! {
    /// `userPrincipalName`.
    user_principal_name = UserPrincipalName;
    /// `mail`.
    mail = Mail;
    /// `creationType` (`Invitation`, `LocalAccount`, ...; `None` for work accounts).
    creation_type = CreationType;
    /// `externalUserState` as written (`PendingAcceptance`, `Pending Acceptance`, `Accepted`).
    external_user_state = ExternalUserState;
    /// `onPremisesImmutableId` (the sourceAnchor, usually base64 of the objectGUID bytes).
    on_premises_immutable_id = OnPremisesImmutableId;
    /// `onPremisesSecurityIdentifier` (SID string).
    on_premises_security_identifier = OnPremisesSecurityIdentifier;
    /// `onPremisesDistinguishedName`.
    on_premises_distinguished_name = OnPremisesDistinguishedName;
    /// `onPremisesSamAccountName`.
    on_premises_sam_account_name = OnPremisesSamAccountName;
    /// `onPremisesUserPrincipalName`.
    on_premises_user_principal_name = OnPremisesUserPrincipalName;
    /// `onPremisesDomainName`.
    on_premises_domain_name = OnPremisesDomainName;
    /// `onPremisesLastSyncDateTime`, normalised (see [`crate::read::cloud`] on dates).
    on_premises_last_sync_date_time = OnPremisesLastSyncDateTime;
    /// `createdDateTime`, normalised.
    created_date_time = CreatedDateTime;
}

/// The text properties a matcher indexes (see [`CloudUser::key_texts`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyTexts<'a> {
    /// `userPrincipalName`.
    pub user_principal_name: Option<&'a str>,
    /// `mail`.
    pub mail: Option<&'a str>,
    /// `onPremisesImmutableId`.
    pub on_premises_immutable_id: Option<&'a str>,
    /// `onPremisesSecurityIdentifier`.
    pub on_premises_security_identifier: Option<&'a str>,
    /// `onPremisesDistinguishedName`.
    pub on_premises_distinguished_name: Option<&'a str>,
    /// `onPremisesUserPrincipalName`.
    pub on_premises_user_principal_name: Option<&'a str>,
}

impl CloudUser {
    fn reader(&self) -> Reader<'_> {
        Reader::open(&self.chunk, self.at)
    }

    /// The text properties the matcher indexes, read in one walk of the
    /// record: (UPN, mail, ImmutableId, SID, DN, on-premises UPN).
    pub fn key_texts(&self) -> KeyTexts<'_> {
        let s = self.reader().scalars();
        let at = |p: Property| store::slot(p).and_then(|i| s.get(i).copied().flatten());
        KeyTexts {
            user_principal_name: at(Property::UserPrincipalName),
            mail: at(Property::Mail),
            on_premises_immutable_id: at(Property::OnPremisesImmutableId),
            on_premises_security_identifier: at(Property::OnPremisesSecurityIdentifier),
            on_premises_distinguished_name: at(Property::OnPremisesDistinguishedName),
            on_premises_user_principal_name: at(Property::OnPremisesUserPrincipalName),
        }
    }

    fn text(&self, p: Property) -> Option<&str> {
        store::slot(p).and_then(|i| self.reader().scalar(i))
    }

    fn list(&self, bit: u32) -> StrList<'_> {
        let mut r = self.reader();
        let left = r.list(bit);
        StrList { r, left }
    }

    /// `id`; never empty for a user a reader kept.
    #[inline]
    pub fn id(&self) -> &str {
        self.text(Property::Id).unwrap_or("")
    }

    /// `proxyAddresses` (`SMTP:` primary, `smtp:` secondary), as written.
    pub fn proxy_addresses(&self) -> StrList<'_> {
        self.list(store::PROXIES)
    }

    /// `otherMails` (`alternateEmailAddress` in the admin-center CSV).
    pub fn other_mails(&self) -> StrList<'_> {
        self.list(store::OTHER_MAILS)
    }

    /// `identities`.
    pub fn identities(&self) -> Identities<'_> {
        let mut r = self.reader();
        let left = r.list(store::IDENTITIES);
        Identities { r, left }
    }

    /// `onPremisesExtensionAttributes`.
    pub fn on_premises_extension_attributes(&self) -> ExtensionAttributesRef<'_> {
        let mut r = self.reader();
        let len = r.list(store::EXT);
        ExtensionAttributesRef { r, len }
    }

    /// The user as plain owned values.
    pub fn to_data(&self) -> CloudUserData {
        let own = |s: Option<&str>| s.map(Box::from);
        CloudUserData {
            id: self.id().into(),
            user_principal_name: own(self.user_principal_name()),
            user_type: self.user_type.clone(),
            account_enabled: self.account_enabled,
            mail: own(self.mail()),
            proxy_addresses: self.proxy_addresses().map(Box::from).collect(),
            other_mails: self.other_mails().map(Box::from).collect(),
            creation_type: own(self.creation_type()),
            external_user_state: own(self.external_user_state()),
            identities: self.identities().map(|i| i.to_identity()).collect(),
            on_premises_sync_enabled: self.on_premises_sync_enabled,
            on_premises_immutable_id: own(self.on_premises_immutable_id()),
            on_premises_security_identifier: own(self.on_premises_security_identifier()),
            on_premises_distinguished_name: own(self.on_premises_distinguished_name()),
            on_premises_sam_account_name: own(self.on_premises_sam_account_name()),
            on_premises_user_principal_name: own(self.on_premises_user_principal_name()),
            on_premises_domain_name: own(self.on_premises_domain_name()),
            on_premises_last_sync_date_time: own(self.on_premises_last_sync_date_time()),
            on_premises_extension_attributes: self
                .on_premises_extension_attributes()
                .to_owned_attributes(),
            created_date_time: own(self.created_date_time()),
            source: self.source,
            present: self.present,
            valued: self.valued,
        }
    }
}

impl From<CloudUserData> for CloudUser {
    fn from(d: CloudUserData) -> Self {
        CloudUser::from(&d)
    }
}

impl From<&CloudUserData> for CloudUser {
    /// Stores the values as they are (no normalisation, no validation).
    fn from(d: &CloudUserData) -> Self {
        fn b(s: &Option<Box<str>>) -> Option<Cow<'_, str>> {
            s.as_deref().map(Cow::Borrowed)
        }
        let mut draft = Draft {
            proxies: d
                .proxy_addresses
                .iter()
                .map(|s| Cow::Borrowed(&**s))
                .collect(),
            other_mails: d.other_mails.iter().map(|s| Cow::Borrowed(&**s)).collect(),
            identities: d
                .identities
                .iter()
                .map(|i| [b(&i.sign_in_type), b(&i.issuer), b(&i.issuer_assigned_id)])
                .collect(),
            user_type: d.user_type.clone(),
            account_enabled: d.account_enabled,
            on_premises_sync_enabled: d.on_premises_sync_enabled,
            present: d.present,
            valued: d.valued,
            ..Draft::default()
        };
        let scalars = [
            (!d.id.is_empty()).then_some(Cow::Borrowed(&*d.id)),
            b(&d.user_principal_name),
            b(&d.mail),
            b(&d.creation_type),
            b(&d.external_user_state),
            b(&d.on_premises_immutable_id),
            b(&d.on_premises_security_identifier),
            b(&d.on_premises_distinguished_name),
            b(&d.on_premises_sam_account_name),
            b(&d.on_premises_user_principal_name),
            b(&d.on_premises_domain_name),
            b(&d.on_premises_last_sync_date_time),
            b(&d.created_date_time),
        ];
        draft.scalars = scalars;
        for (n, v) in d.on_premises_extension_attributes.iter() {
            draft.ext[n - 1] = Some(Cow::Borrowed(v));
        }
        ChunkBuilder::single(&draft, d.source)
    }
}

impl Default for CloudUser {
    /// A user without any value (and an empty id).
    fn default() -> Self {
        CloudUser::from(&CloudUserData::default())
    }
}

impl PartialEq for CloudUser {
    /// Equal values, wherever they are stored.
    fn eq(&self, o: &Self) -> bool {
        self.user_type == o.user_type
            && self.account_enabled == o.account_enabled
            && self.on_premises_sync_enabled == o.on_premises_sync_enabled
            && self.source == o.source
            && self.present == o.present
            && self.valued == o.valued
            && store::SCALARS.iter().all(|&p| self.text(p) == o.text(p))
            && self.proxy_addresses().eq(o.proxy_addresses())
            && self.other_mails().eq(o.other_mails())
            && self.identities().eq(o.identities())
            && self
                .on_premises_extension_attributes()
                .iter()
                .eq(o.on_premises_extension_attributes().iter())
    }
}

impl Eq for CloudUser {}

impl fmt::Debug for CloudUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.to_data();
        f.debug_struct("CloudUser")
            .field("id", &d.id)
            .field("user_principal_name", &d.user_principal_name)
            .field("user_type", &d.user_type)
            .field("account_enabled", &d.account_enabled)
            .field("mail", &d.mail)
            .field("proxy_addresses", &d.proxy_addresses)
            .field("other_mails", &d.other_mails)
            .field("creation_type", &d.creation_type)
            .field("external_user_state", &d.external_user_state)
            .field("identities", &d.identities)
            .field("on_premises_sync_enabled", &d.on_premises_sync_enabled)
            .field("on_premises_immutable_id", &d.on_premises_immutable_id)
            .field(
                "on_premises_security_identifier",
                &d.on_premises_security_identifier,
            )
            .field(
                "on_premises_distinguished_name",
                &d.on_premises_distinguished_name,
            )
            .field(
                "on_premises_sam_account_name",
                &d.on_premises_sam_account_name,
            )
            .field(
                "on_premises_user_principal_name",
                &d.on_premises_user_principal_name,
            )
            .field("on_premises_domain_name", &d.on_premises_domain_name)
            .field(
                "on_premises_last_sync_date_time",
                &d.on_premises_last_sync_date_time,
            )
            .field(
                "on_premises_extension_attributes",
                &d.on_premises_extension_attributes,
            )
            .field("created_date_time", &d.created_date_time)
            .field("source", &d.source)
            .field("present", &d.present)
            .field("valued", &d.valued)
            .finish()
    }
}

impl serde::Serialize for CloudUser {
    /// The same fields as [`CloudUserData`].
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_data().serialize(s)
    }
}

/// The values of a list property (`proxyAddresses`, `otherMails`), in order.
#[derive(Clone)]
pub struct StrList<'a> {
    r: Reader<'a>,
    left: usize,
}

impl<'a> StrList<'a> {
    /// Whether the list is empty (or absent).
    pub fn is_empty(&self) -> bool {
        self.left == 0
    }
}

impl<'a> Iterator for StrList<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        Some(self.r.entry())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for StrList<'_> {}

impl fmt::Debug for StrList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

/// One entry of a user's `identities`, borrowed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct IdentityRef<'a> {
    /// `signInType`.
    pub sign_in_type: Option<&'a str>,
    /// `issuer`.
    pub issuer: Option<&'a str>,
    /// `issuerAssignedId`.
    pub issuer_assigned_id: Option<&'a str>,
}

impl IdentityRef<'_> {
    /// As an owned [`Identity`].
    pub fn to_identity(&self) -> Identity {
        Identity {
            sign_in_type: self.sign_in_type.map(Box::from),
            issuer: self.issuer.map(Box::from),
            issuer_assigned_id: self.issuer_assigned_id.map(Box::from),
        }
    }
}

impl PartialEq<Identity> for IdentityRef<'_> {
    fn eq(&self, o: &Identity) -> bool {
        self.sign_in_type == o.sign_in_type.as_deref()
            && self.issuer == o.issuer.as_deref()
            && self.issuer_assigned_id == o.issuer_assigned_id.as_deref()
    }
}

/// A user's `identities`, in order.
#[derive(Clone, Debug)]
pub struct Identities<'a> {
    r: Reader<'a>,
    left: usize,
}

impl<'a> Iterator for Identities<'a> {
    type Item = IdentityRef<'a>;

    fn next(&mut self) -> Option<IdentityRef<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let flags = self.r.byte();
        let mut field = |bit: u8| (flags & bit != 0).then(|| self.r.entry());
        Some(IdentityRef {
            sign_in_type: field(1),
            issuer: field(2),
            issuer_assigned_id: field(4),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Identities<'_> {}

impl Identities<'_> {
    /// Whether there is no identity.
    pub fn is_empty(&self) -> bool {
        self.left == 0
    }
}

/// A user's `onPremisesExtensionAttributes`, borrowed: only the set ones.
#[derive(Clone, Debug)]
pub struct ExtensionAttributesRef<'a> {
    r: Reader<'a>,
    len: usize,
}

impl<'a> ExtensionAttributesRef<'a> {
    /// `extensionAttribute{n}` for `n` in 1..=15 (None outside that range).
    pub fn get(&self, n: usize) -> Option<&'a str> {
        self.iter().find(|&(i, _)| i == n).map(|(_, v)| v)
    }

    /// Whether no attribute is set.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The set attributes as `(n, value)`, `n` in 1..=15, in order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &'a str)> {
        let mut r = self.r.clone();
        (0..self.len).map(move |_| {
            let n = usize::from(r.byte());
            (n, r.entry())
        })
    }

    /// As an owned [`ExtensionAttributes`].
    pub fn to_owned_attributes(&self) -> ExtensionAttributes {
        self.iter().map(|(n, v)| (n, Box::from(v))).collect()
    }
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
