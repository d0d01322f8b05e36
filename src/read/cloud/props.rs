//! The vocabulary of the cloud reader: the Graph `user` properties it knows,
//! sets of them, `userType` and where a user was read. A leaf: the parsers,
//! the store and the accessor layer (`model`) all use it.

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
    /// recognised (docs/rules.md#enabling-usertype-synchronization), anything else is [`UserType::Other`].
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

/// Where a user was read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Source {
    /// 1-based line of the start of the user (its `{` or CSV row) in the original file.
    pub line: u64,
}
