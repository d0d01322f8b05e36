//! The registry of finding kinds: name, title and user documentation.

use std::fmt;

use serde::Serialize;

macro_rules! kinds {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $title:literal; )*) => {
        /// What a finding flags. The snake_case names are stable: reports,
        /// `--fail-on` gating and users' scripts depend on them.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Kind {
            $( $(#[$doc])* $variant, )*
        }

        impl Kind {
            /// Every kind, in report order (most dangerous first).
            pub const ALL: &'static [Kind] = &[$(Kind::$variant,)*];

            /// The stable snake_case name.
            pub fn name(self) -> &'static str {
                match self { $(Kind::$variant => $name,)* }
            }

            /// A short human title for tables and charts.
            pub fn title(self) -> &'static str {
                match self { $(Kind::$variant => $title,)* }
            }

            /// The kind named `name` (snake_case or kebab-case).
            pub fn from_name(name: &str) -> Option<Kind> {
                let name = name.replace('-', "_");
                Kind::ALL.iter().copied().find(|k| k.name() == name)
            }
        }
    };
}

kinds! {
    /// Intended Guest, Member in the cloud: the partner can read the whole directory.
    GuestAsMember = "guest_as_member", "Partner is a Member in the cloud";
    /// Intended Member, Guest in the cloud.
    MemberAsGuest = "member_as_guest", "Employee is a Guest in the cloud";
    /// The rule raised `Error()`: Connect would fail to sync the object.
    RuleError = "rule_error", "Rule raises Error()";
    /// The rule produced a value other than exactly `Member` or `Guest`.
    InvalidUserType = "invalid_user_type", "Rule yields an invalid UserType";
    /// Matched only by UPN or SMTP onto a cloud user that has a different ImmutableId.
    AnchorMismatch = "anchor_mismatch", "Cloud user has another anchor";
    /// Two accounts share a source anchor, or two cloud users an ImmutableId.
    DuplicateAnchor = "duplicate_anchor", "Duplicate anchor";
    /// A synced B2B user (invited, `#EXT#`, external state) matched to an account
    /// intended Member: the invitation soft-matched by sync (DOMAIN §7.5).
    SyncedB2bGuest = "synced_b2b_guest", "Invited guest taken over by sync";
    /// The account's keys reach different cloud users (say its anchor one and its
    /// UPN another): Connect would fail with a duplicate attribute.
    KeyConflict = "key_conflict", "Keys reach different cloud users";
    /// Matched only by UPN or SMTP onto a cloud user without ImmutableId (a takeover at first sync).
    SoftMatch = "soft_match", "Takeover by soft match";
    /// In scope, no cloud user matched.
    MissingInCloud = "missing_in_cloud", "Not in the cloud";
    /// A synced cloud user whose ImmutableId matches no account of the export.
    OrphanedCloud = "orphaned_cloud", "Synced cloud user without account";
    /// Kept out of the cloud by the scope (out-of-box filters, OU filter).
    OutOfScope = "out_of_scope", "Out of sync scope";
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}
