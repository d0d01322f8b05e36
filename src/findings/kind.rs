//! The registry of finding kinds: name, title, severity and user documentation.
//!
//! One row of [`kinds!`] per kind. The row's doc comment is the kind's user
//! documentation: `usertype-audit explain KIND` prints it, and the tests at
//! the end of this file check that every kind has one with the sections of
//! [`Kind::DOC_SECTIONS`], in order. Each row states the kind's severities
//! once: the list (most severe first), and for a kind with more than one the
//! rule choosing among them from the finding's [`SeverityFacts`]; the audit
//! asks [`Kind::severity`] and states none itself.

use std::fmt;

use serde::Serialize;

use super::severity::SeverityFacts;
use super::Severity;
use crate::classify::UserType;

/// The severity a registry row gives: its only one, or its rule applied to the facts.
macro_rules! severity_rule {
    ($facts:ident; [$only:ident]) => {
        Severity::$only
    };
    ($facts:ident; [$($severity:ident),+] $rule:expr) => {{
        #[allow(unused_imports)]
        use Severity::*;
        let rule: fn(SeverityFacts) -> Severity = $rule;
        rule($facts)
    }};
}

macro_rules! kinds {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident = $name:literal, $title:literal,
            [$($severity:ident),+] $(when $rule:expr)?, $severity_note:literal;
    )*) => {
        /// What a finding flags. The snake_case names are stable: reports,
        /// `--fail-on` gating and users' scripts depend on them.
        ///
        /// Each variant's documentation is the kind's user documentation, as
        /// `usertype-audit explain KIND` prints it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Kind {
            $( $(#[doc = $doc])* $variant, )*
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

            /// The severities the audit gives findings of this kind, most severe first.
            pub fn severities(self) -> &'static [Severity] {
                match self { $(Kind::$variant => &[$(Severity::$severity),+],)* }
            }

            /// The severity of a finding of this kind: the row's only one, or
            /// the one its rule picks from `facts` (a kind with one severity
            /// ignores them).
            pub fn severity(self, facts: SeverityFacts) -> Severity {
                match self { $(Kind::$variant => severity_rule!(facts; [$($severity),+] $($rule)?),)* }
            }

            /// When the kind gets which severity, in words (`explain` prints it).
            pub fn severity_note(self) -> &'static str {
                match self { $(Kind::$variant => $severity_note,)* }
            }

            /// The doc comment as written: every line but empty ones starts
            /// with the space that follows `///`.
            fn raw_doc(self) -> &'static str {
                match self { $(Kind::$variant => concat!($($doc, "\n",)*),)* }
            }
        }
    };
}

impl Kind {
    /// The headings of every kind's documentation, in order (`## Heading`).
    pub const DOC_SECTIONS: &'static [&'static str] = &[
        "What it flags",
        "Why it matters",
        "Example",
        "What to do",
        "References",
    ];

    /// The kind named `name` (snake_case or kebab-case).
    pub fn from_name(name: &str) -> Option<Kind> {
        let name = name.replace('-', "_");
        Kind::ALL.iter().copied().find(|k| k.name() == name)
    }

    /// The user documentation: Markdown with the sections of
    /// [`Kind::DOC_SECTIONS`], each a `## ` heading. It is the variant's doc
    /// comment, so `cargo doc` shows the same text.
    pub fn doc(self) -> String {
        let mut out = String::new();
        for line in self.raw_doc().lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }
}

kinds! {
    /// ## What it flags
    /// An account the rules make a `Guest` whose cloud user is a `Member`. UserType is compared
    /// when the account is joined to its cloud user by the source anchor (hard match), the rule
    /// yields a valid value and the cloud export carries `userType`. When the cloud export has
    /// no `onPremisesImmutableId` at all (the admin-center CSV read with `--allow-partial-cloud`),
    /// a UPN or mail match is taken as the join, and the detail says so.
    ///
    /// ## Why it matters
    /// A Member can read all directory information (every user, group, device and application),
    /// register applications and invite guests; a guest can't list users or groups. Entra
    /// Connect creates synced users as Members unless UserType sync is enabled, and Connect
    /// before 1.5.30.0 set UserType only when it created the user.
    ///
    /// ## Example
    /// With Learn's sample expression (a UPN in `@partners.fabrikam123.org` is a Guest):
    ///
    /// ```text
    /// kind:               guest_as_member
    /// severity:           critical
    /// dn:                 CN=Robert Taylor 24,OU=Partners,OU=External,DC=contoso,DC=com
    /// upn:                robert.taylor.24@partners.fabrikam123.org
    /// intended_user_type: Guest
    /// cloud_user_type:    Member
    /// matched_by:         immutable_id
    /// rule:               Expression
    /// detail:             intended Guest, Member in the cloud (enabled): the partner can
    ///                     read the whole directory, register applications and invite guests
    /// ```
    ///
    /// ## What to do
    /// 1. Confirm the intent: `usertype-audit explain --dn DN --onprem FILE --rules FILE` shows
    ///    how the rule decided. If the person is in fact an employee, fix the rule or the marker.
    /// 2. Enable UserType sync as Learn describes: stop the sync scheduler, add the source
    ///    attribute and UserType to the connectors' schemas, create the inbound and outbound
    ///    UserType rules, run a full synchronization (Preview one account, check Pending Export),
    ///    start the scheduler again.
    /// 3. Connect before 1.5.30.0 does not change the UserType of existing users: upgrade, or
    ///    change it in Entra ID: `usertype-audit audit ... --plan` writes the Graph batches and
    ///    the `Update-MgUser` script (with their undo) for you to review and run. Inviting the
    ///    partner to B2B collaboration does not change it.
    ///
    /// ## References
    /// - <https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-sync-change-the-configuration#enable-synchronization-of-usertype>
    /// - <https://learn.microsoft.com/entra/fundamentals/users-default-permissions>
    /// - <https://learn.microsoft.com/entra/external-id/invite-internal-users>
    /// - <https://github.com/MicrosoftDocs/azure-docs/issues/54877>
    GuestAsMember = "guest_as_member", "Partner is a Member in the cloud",
        [Critical, High] when |f| if f.account_enabled == Some(false) { High } else { Critical },
        "critical when the cloud account is enabled (or `accountEnabled` is not exported), \
         high when it is disabled";

    /// ## What it flags
    /// An account the rules make a `Member` whose cloud user is a `Guest` without B2B invitation
    /// markers (with them it is `synced_b2b_guest`). UserType is compared as for
    /// `guest_as_member`: on a hard match, for a valid rule value, when the export has `userType`.
    ///
    /// ## Why it matters
    /// The person gets a guest's restricted directory access (no list of users or groups, nothing
    /// about devices, roles or policies); Conditional Access policies, access reviews and dynamic
    /// groups aimed at guests apply to them; guests are billed by monthly active users (MAU). The
    /// gap is smaller when the tenant gives guests the same access as members (`guestUserRoleId`
    /// `a0b1b346-4d3e-4e8b-98f8-753987be4970`); the audit does not read that policy.
    ///
    /// ## Example
    /// ```text
    /// kind:               member_as_guest
    /// severity:           medium
    /// dn:                 CN=Lisa Weber 86,OU=Employees,OU=Users,DC=contoso,DC=com
    /// upn:                lisa.weber.86@contoso.com
    /// intended_user_type: Member
    /// cloud_user_type:    Guest
    /// matched_by:         immutable_id
    /// detail:             intended Member, Guest in the cloud: restricted directory access,
    ///                     guest Conditional Access and MAU billing apply
    /// ```
    ///
    /// ## What to do
    /// - If the person is in fact external, fix the rule or the marker attribute.
    /// - Otherwise the cloud value is stale. With UserType sync enabled, Connect 1.5.30.0 or
    ///   later exports the rule's value at the next sync; without it, or on older versions,
    ///   change UserType in the admin center or with the script `audit --plan` writes.
    ///
    /// ## References
    /// - <https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-sync-change-the-configuration#enable-synchronization-of-usertype>
    /// - <https://learn.microsoft.com/entra/fundamentals/users-default-permissions>
    /// - <https://learn.microsoft.com/entra/external-id/user-properties>
    MemberAsGuest = "member_as_guest", "Employee is a Guest in the cloud",
        [Medium], "medium";

    /// ## What it flags
    /// An account joined to its cloud user (hard match, or a UPN or mail join when the export
    /// has no ImmutableIds) and given a valid UserType by the rules, whose cloud user has no
    /// `userType` in the export: the cloud export left the property out (Graph's default
    /// property set, `Get-MgUser` without `-Property`, read with `--allow-partial-cloud`), or the
    /// user's value is null. Whether the account is a `guest_as_member` cannot be told. Also
    /// (low) a cloud user with an ImmutableId that no account matches, when the export has no
    /// `onPremisesSyncEnabled`: whether it is an `orphaned_cloud` cannot be told either.
    ///
    /// ## Why it matters
    /// A partner intended Guest whose cloud UserType is unknown may be a Member who can read the
    /// whole directory. Reporting nothing would read as "OK"; the audit says it could not look.
    /// When the whole export lacks `userType` the verdict is also `incomplete`.
    ///
    /// ## Example
    /// ```text
    /// kind:               cloud_state_unknown
    /// severity:           high
    /// dn:                 CN=Paula Partner,OU=Partners,OU=External,DC=contoso,DC=com
    /// upn:                paula@partners.fabrikam123.org
    /// intended_user_type: Guest
    /// matched_by:         immutable_id
    /// detail:             intended Guest, but the cloud export has no userType for this
    ///                     user: it may be a Member who can read the whole directory;
    ///                     re-export with userType
    /// ```
    ///
    /// ## What to do
    /// Re-export the cloud users with `userType` selected (`$select=...,userType,...` or
    /// `Get-MgUser -All -Property ...,UserType,...`; the audit's error without
    /// `--allow-partial-cloud` prints the full command) and audit again. A user whose value is
    /// null in a complete export: set it in the admin center or with PowerShell.
    ///
    /// ## References
    /// - <https://learn.microsoft.com/graph/api/resources/user#properties>
    /// - <https://learn.microsoft.com/graph/query-parameters#select-parameter>
    CloudStateUnknown = "cloud_state_unknown", "Cloud UserType unknown",
        [High, Low] when |f| if f.intended == Some(UserType::Guest) { High } else { Low },
        "high when the account is intended Guest, low when it is intended Member or is a cloud \
         user no account matches";

    /// ## What it flags
    /// An account for which the UserType rule raises `Error()`, or fails to evaluate (the detail
    /// then reads `evaluation failed: ...`). Learn's sample expression raises
    /// `Error("UserPrincipalName is not present to determine UserType")` for an account without
    /// `userPrincipalName`. Reported whether or not a cloud user matched, beside the account's
    /// other findings (`missing_in_cloud`, `soft_match`, ...).
    ///
    /// ## Why it matters
    /// `Error()` throws an error on the object: Entra Connect reports a synchronization error
    /// for it and no UserType flows, not even the Member default. The object is not created or
    /// updated in the cloud until the error is gone.
    ///
    /// ## Example
    /// ```text
    /// kind:               rule_error
    /// severity:           high
    /// dn:                 CN=Linda Anderson 589,OU=Employees,OU=Users,DC=contoso,DC=com
    /// cloud_upn:          landerson589@contoso.com
    /// intended_user_type: error
    /// rule:               Expression
    /// detail:             the rule raised Error("UserPrincipalName is not present to
    ///                     determine UserType"): Entra Connect would fail to synchronise this
    ///                     object
    /// ```
    ///
    /// ## What to do
    /// - `usertype-audit explain --dn DN --onprem FILE --rules FILE` shows the value of every
    ///   sub-expression, and which one raised the error.
    /// - Fill in the attribute the rule needs (here `userPrincipalName`), or change the
    ///   expression so that such accounts get a value; check it with
    ///   `usertype-audit rules check rules.toml`, then with Connect's Preview.
    ///
    /// ## References
    /// - <https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-sync-change-the-configuration#enable-synchronization-of-usertype>
    /// - <https://learn.microsoft.com/entra/identity/hybrid/connect/reference-connect-sync-functions-reference>
    RuleError = "rule_error", "Rule raises Error()",
        [High], "high";

    /// ## What it flags
    /// An account for which the rule yields something other than exactly `Member` or `Guest`:
    /// another case or spacing (`guest`, `Guest `), another word (`External`), several values of
    /// a multi-valued attribute, a binary value, or an expression result that is not a string.
    /// A Direct flow passes the attribute's value as is: no trimming, no case folding. An absent
    /// or empty attribute, `NULL` or `IgnoreThisFlow` is not flagged: no value flows (counted as
    /// `no_value` in `summary.json`).
    ///
    /// ## Why it matters
    /// Entra ID accepts only two values, `Member` and `Guest`. What it does with any other value
    /// (an export error, or case folding) is not documented; either way the account does not
    /// get the UserType you meant.
    ///
    /// ## Example
    /// With a Direct flow from `extensionAttribute1`:
    ///
    /// ```text
    /// kind:               invalid_user_type
    /// severity:           high
    /// dn:                 CN=Thomas Collins 36,OU=Partners,OU=External,DC=contoso,DC=com
    /// intended_user_type: invalid
    /// cloud_user_type:    Member
    /// rule:               Direct: extensionAttribute1
    /// detail:             the rule yields "External": Entra ID accepts exactly Member or
    ///                     Guest (case and spaces matter)
    /// ```
    ///
    /// ## What to do
    /// - Learn requires the source attribute to be a single-valued string that holds `Member` or
    ///   `Guest` on every synced account before UserType sync is enabled: correct the values
    ///   (`usertype-audit classify` lists every account's outcome).
    /// - Or keep your own marker (Learn's guide to local guest accounts uses
    ///   `ExtensionAttribute15 = External`) and map it to `Guest` with an expression flow.
    ///
    /// ## References
    /// - <https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-sync-change-the-configuration#enable-synchronization-of-usertype>
    /// - <https://learn.microsoft.com/entra/architecture/10-secure-local-guest>
    InvalidUserType = "invalid_user_type", "Rule yields an invalid UserType",
        [High], "high";

    /// ## What it flags
    /// An account whose source anchor (its ImmutableId) no cloud user has, while another of its
    /// keys (SID, DN, on-premises UPN, UPN or primary SMTP address; `matched_by` names it)
    /// reaches a cloud user with a different `onPremisesImmutableId`. Not raised when the cloud
    /// export has no `onPremisesImmutableId` at all.
    ///
    /// ## Why it matters
    /// Entra Connect joins by hard match on the source anchor, then by soft match on the UPN or
    /// primary SMTP address, and a cloud object's source anchor cannot change once it is set. So
    /// the account cannot take this cloud user over: it does not sync, and a new object for it
    /// would collide with the cloud user's UPN or mail.
    ///
    /// ## Example
    /// ```text
    /// kind:          anchor_mismatch
    /// severity:      high
    /// dn:            CN=Oliver Roberts 121,OU=Employees,OU=Users,DC=contoso,DC=com
    /// source_anchor: 35t83JvN40CW1+LDLO+hVg==
    /// cloud_upn:     oliver.roberts.121@contoso.com
    /// matched_by:    dn
    /// detail:        matched by dn to a cloud user whose ImmutableId XAwyEolDMUmqDa5iyyTx5g==
    ///                differs from the account's 35t83JvN40CW1+LDLO+hVg==: Connect joins only on
    ///                the anchor, so it would provision a new object that collides with this
    ///                one, and the account will not sync
    /// ```
    ///
    /// ## What to do
    /// - Find the object the cloud user's ImmutableId belongs to: `ConvertFrom-ADSyncToolsImmutableID`
    ///   turns it into a GUID to look up in AD (`objectGUID` or `mS-DS-ConsistencyGuid`).
    /// - If this account should own the cloud user, give it that anchor (the ImmutableId's bytes
    ///   in `mS-DS-ConsistencyGuid`, when Connect uses it) so that a hard match joins them;
    ///   otherwise change the UPN or mail that collides.
    ///
    /// ## References
    /// - <https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-install-existing-tenant>
    /// - <https://learn.microsoft.com/entra/identity/hybrid/connect/plan-connect-design-concepts>
    /// - <https://learn.microsoft.com/entra/identity/hybrid/connect/reference-connect-adsynctools>
    AnchorMismatch = "anchor_mismatch", "Cloud user has another anchor",
        [High], "high";

    /// ## What it flags
    /// Two or more accounts of the on-premises exports with the same source anchor (one finding
    /// per account; the detail names the others), or two or more cloud users with the same
    /// `onPremisesImmutableId` (one finding per cloud user; `dn` and `upn` are then its
    /// `onPremisesDistinguishedName` and `onPremisesUserPrincipalName`).
    ///
    /// ## Why it matters
    /// The source anchor must be unique: it is the key Entra Connect joins on. Of the accounts
    /// that share one, Connect joins only one; of the cloud users that share one, sync can join
    /// only one.
    ///
    /// ## Example
    /// ```text
    /// kind:          duplicate_anchor
    /// severity:      high
    /// dn:            CN=Nancy Cooper 18,OU=Employees,OU=Users,DC=contoso,DC=com
    /// source_anchor: CvbZp4OlWkmJTmCVR21O7A==
    /// detail:        2 accounts share this source anchor (also
    ///                CN=Carol Mitchell 19,OU=Employees,OU=Users,DC=contoso,DC=com): Connect
    ///                joins only one of them and reports the others
    /// ```
    ///
    /// ## What to do
    /// - Accounts: the anchor is `mS-DS-ConsistencyGuid` when it is set, else `objectGUID` (or
    ///   the `--source-anchor` attribute). Find the account that got another's value and correct
    ///   it. The same DN twice means that the exports overlap: give each account once.
    /// - Cloud users: decide which one the account should own (compare their UPNs and
    ///   `onPremisesLastSyncDateTime`) and clean up the other.
    ///
    /// ## References
    /// - <https://learn.microsoft.com/entra/identity/hybrid/connect/plan-connect-design-concepts>
    /// - <https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-install-existing-tenant>
    DuplicateAnchor = "duplicate_anchor", "Duplicate anchor",
        [High], "high";

    /// ## What it flags
    /// An account the rules make a `Member`, joined by its source anchor to a cloud user that
    /// carries B2B invitation markers: `creationType` `Invitation`, `#EXT#` in its UPN, or an
    /// `externalUserState` (`PendingAcceptance`, `Accepted`), whatever that user's `userType`.
    /// For an account the rules make a `Guest`, the markers are only named in the detail of its
    /// UserType finding.
    ///
    /// ## Why it matters
    /// A user invited as a guest before the account was synced is soft-matched by sync: it
    /// becomes a synced Guest with an external address and mail redirection, and stays so until
    /// updated. An internal account invited to B2B collaboration is also turned into a B2B user
    /// (the invitation leaves UserType as it was). Either way the employee's cloud object is
    /// now a B2B user, an external identity.
    ///
    /// ## Example
    /// ```text
    /// kind:               synced_b2b_guest
    /// severity:           medium
    /// dn:                 CN=Joshua Gray 327,OU=Employees,OU=Users,DC=contoso,DC=com
    /// intended_user_type: Member
    /// cloud_user_type:    Guest
    /// matched_by:         immutable_id
    /// detail:             intended Member, but the cloud user is a B2B invitation
    ///                     (creationType Invitation, externalUserState Accepted); a guest
    ///                     invited before the account was synced was taken over by sync (cloud
    ///                     userType Guest)
    /// ```
    ///
    /// ## What to do
    /// - If the person is an employee, convert the cloud user to an internal one with
    ///   `POST /users/{id}/convertExternalToInternalMemberUser` (Preview), which also converts
    ///   synced users (for them `userPrincipalName` and `passwordProfile` must be empty). Users
    ///   with a role assigned cannot be converted.
    /// - If the person is external, fix the rule so that the account is a `Guest`.
    ///
    /// ## References
    /// - <https://learn.microsoft.com/archive/technet-wiki/37875.exchange-hybrid-deployment-troubleshooting-incorrect-ad-user-and-on-premises-mailbox-mappings>
    /// - <https://learn.microsoft.com/entra/identity/users/convert-external-users-internal>
    /// - <https://learn.microsoft.com/entra/external-id/user-properties>
    SyncedB2bGuest = "synced_b2b_guest", "Invited guest taken over by sync",
        [Medium], "medium";

    /// ## What it flags
    /// An account joined to one cloud user whose other keys (SID, DN, on-premises UPN, UPN or
    /// primary SMTP address) also reach a different cloud user: one finding per other cloud
    /// user, with that user in `cloud_id` and `cloud_upn` and the key in `matched_by`. Cloud
    /// users that share the account's ImmutableId are `duplicate_anchor` instead.
    ///
    /// ## Why it matters
    /// UPNs and proxy addresses must be unique in Entra ID: Connect reports
    /// `AttributeValueMustBeUnique`, or, with duplicate attribute resiliency, gives the UPN a
    /// placeholder (`prefix+1234@tenant.onmicrosoft.com`) and quarantines the proxy address.
    /// Guests carry their external mail as `SMTP:` proxy address, so a local account with that
    /// address collides with the guest. A SID, DN or on-premises UPN on another cloud user is
    /// what an earlier sync wrote there.
    ///
    /// ## Example
    /// ```text
    /// kind:       key_conflict
    /// severity:   medium
    /// dn:         CN=Brian Mitchell 363,OU=Employees,OU=Users,DC=contoso,DC=com
    /// upn:        brian.mitchell.363@contoso.com
    /// cloud_upn:  brian.mitchell.363_contoso.com#EXT#@contoso.onmicrosoft.com
    /// matched_by: smtp
    /// detail:     joined to cloud user d3ecf0fc-a6e5-4122-bb5e-65128bb22dbe by immutable_id,
    ///             but its smtp also reaches cloud user 071b9b88-07c0-462d-a3f0-3582d369658d
    ///             (brian.mitchell.363_contoso.com#EXT#@contoso.onmicrosoft.com): Connect
    ///             would report a duplicate attribute (AttributeValueMustBeUnique)
    /// ```
    ///
    /// ## What to do
    /// - Find out whether the other cloud user is the same person (a guest invited with the
    ///   employee's address, an earlier object) or someone else.
    /// - Remove the value from the object that should not hold it, or delete the redundant
    ///   cloud user, before Connect next exports the account.
    ///
    /// ## References
    /// - <https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-syncservice-duplicate-attribute-resiliency>
    /// - <https://learn.microsoft.com/microsoft-365/troubleshoot/active-directory/duplicate-attributes-prevent-dirsync>
    /// - <https://timmcmic.blog/2021/06/14/azure-active-directory-and-duplicate-proxy-addresses-with-guest-accounts/>
    KeyConflict = "key_conflict", "Keys reach different cloud users",
        [Medium], "medium";

    /// ## What it flags
    /// An account whose source anchor no cloud user has, while another key (usually the UPN or
    /// primary SMTP address, the keys Connect soft-matches on) reaches a cloud user without
    /// `onPremisesImmutableId`, typically one created in the cloud. Not raised when the cloud
    /// export has no `onPremisesImmutableId` at all: the match is then taken as the join.
    ///
    /// ## Why it matters
    /// At the account's first sync Entra Connect soft-matches it to that cloud user: the user
    /// becomes managed on-premises, every attribute with a value in AD is overwritten, the
    /// source anchor is written to it, and its UserType then follows the rule (the detail says
    /// when that changes it). Entra ID does not soft-match cloud users with an admin role.
    ///
    /// ## Example
    /// ```text
    /// kind:               soft_match
    /// severity:           medium
    /// dn:                 CN=Matthew Jones 586,OU=Partners,OU=External,DC=contoso,DC=com
    /// upn:                matthew.jones.586@partners.fabrikam123.org
    /// intended_user_type: Guest
    /// cloud_user_type:    Member
    /// matched_by:         upn
    /// detail:             matched only by upn to a cloud user without ImmutableId: Entra
    ///                     Connect would take it over at first sync; its UserType would then
    ///                     change from Member to Guest
    /// ```
    ///
    /// ## What to do
    /// - Same person: the takeover is what you want; check what AD will overwrite (UserType
    ///   included) before the first sync.
    /// - Different people: change the UPN or mail on one side before the account syncs. The
    ///   tenant setting `BlockSoftMatchEnabled` turns soft matching off altogether.
    ///
    /// ## References
    /// - <https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-install-existing-tenant>
    SoftMatch = "soft_match", "Takeover by soft match",
        [Medium], "medium";

    /// ## What it flags
    /// An account in the scope of the rule file that no cloud user matches by any key: not its
    /// ImmutableId, SID, DN, on-premises UPN, UPN or primary SMTP address.
    ///
    /// ## Why it matters
    /// Connect does not sync the account although the rule file's scope says it would (OU
    /// filtering or custom scoping rules missing from `[scope]`, a sync error such as a
    /// `rule_error`), or the account is new and not synced yet, or the cloud export is
    /// incomplete. The person has no cloud account, and the audit cannot check its UserType.
    ///
    /// ## Example
    /// ```text
    /// kind:               missing_in_cloud
    /// severity:           low
    /// dn:                 CN=David Phillips 274,OU=Employees,OU=Users,DC=contoso,DC=com
    /// upn:                david.phillips.274@contoso.com
    /// source_anchor:      4fCB7JopS0qIWcFqDOwnlA==
    /// intended_user_type: Member
    /// detail:             no cloud user has ImmutableId 4fCB7JopS0qIWcFqDOwnlA==, nor the
    ///                     account's SID, DN, UPN or primary SMTP address
    /// ```
    ///
    /// ## What to do
    /// - Compare `[scope]` with Connect's OU filtering and scoping rules;
    ///   `usertype-audit explain --dn DN --onprem FILE --rules FILE` shows every scope step.
    /// - Make sure the cloud export holds every user: every page (follow `@odata.nextLink` until
    ///   there is none, or `Get-MgUser -All`), no filter.
    ///
    /// ## References
    /// - <https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-sync-configure-filtering>
    /// - <https://learn.microsoft.com/graph/paging>
    MissingInCloud = "missing_in_cloud", "Not in the cloud",
        [Low], "low";

    /// ## What it flags
    /// A cloud user with `onPremisesSyncEnabled` true that no account of the on-premises exports
    /// matches by any key (nor shares its ImmutableId with a matched cloud user). `dn`, `upn` and
    /// `source_anchor` are its `onPremisesDistinguishedName`, `onPremisesUserPrincipalName` and
    /// `onPremisesImmutableId`. Unmatched users never synced (`onPremisesSyncEnabled` null) or
    /// no longer synced (false) are only counted, in `summary.json`.
    ///
    /// ## Why it matters
    /// Entra ID still has the user as synced, but the exports hold no account for it: the
    /// account was deleted or moved out of the synced OUs, or lives in a domain or forest that
    /// the exports do not cover.
    ///
    /// ## Example
    /// ```text
    /// kind:          orphaned_cloud
    /// severity:      low
    /// dn:            CN=James Campbell o33,OU=Employees,OU=Users,DC=contoso,DC=com
    /// source_anchor: gsWM0UkMnkuGMawFsWPbVw==
    /// cloud_upn:     james.campbell.o33@contoso.com
    /// detail:        synced cloud user (last sync 2024-08-11T19:16:27Z) whose ImmutableId
    ///                gsWM0UkMnkuGMawFsWPbVw== matches no account of the export: deleted,
    ///                moved out of the synced OUs, or from another forest
    /// ```
    ///
    /// ## What to do
    /// - Check that the exports cover every domain, forest and OU that Connect syncs.
    /// - Look the object up in AD: `ConvertFrom-ADSyncToolsImmutableID` turns the ImmutableId
    ///   into its GUID (`objectGUID` or `mS-DS-ConsistencyGuid`).
    /// - If it is gone from AD, find out why Connect did not remove the cloud user (the detail
    ///   gives its last sync) before you delete it.
    ///
    /// ## References
    /// - <https://learn.microsoft.com/entra/identity/hybrid/connect/reference-connect-adsynctools>
    /// - <https://learn.microsoft.com/graph/api/resources/user?view=graph-rest-1.0>
    /// - <https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-sync-configure-filtering>
    OrphanedCloud = "orphaned_cloud", "Synced cloud user without account",
        [Low], "low";

    /// ## What it flags
    /// An account Entra Connect would not sync, by the scope of the rule file: the out-of-box
    /// filters (`isCriticalSystemObject`, `adminDescription` starting with `User_`,
    /// `cloudFiltered` for service accounts, system mailboxes and CNF objects, no source
    /// anchor, linked mailboxes), the OU filter, `[[scope.exclude]]` and `[[scope.group]]`.
    /// `rule` names the filter. Counted by filter in `summary.json`.
    ///
    /// ## Why it matters
    /// Usually it does not: most of these accounts are meant to stay out of Entra ID. It does
    /// when a partner or an employee is excluded by mistake (wrong OU), or when the rule file's
    /// scope is not Connect's. When a cloud user still has the account's ImmutableId, the
    /// detail names it and says that Entra Connect would delete it at the next sync.
    ///
    /// ## Example
    /// ```text
    /// kind:     out_of_scope
    /// severity: info
    /// dn:       CN=krbtgt_5,CN=Users,DC=contoso,DC=com
    /// rule:     scope: isCriticalSystemObject NOTEQUAL TRUE
    /// detail:   excluded by the scope: Entra Connect does not synchronise it
    /// ```
    ///
    /// ## What to do
    /// Nothing, if the filter is the one you expect. Otherwise
    /// `usertype-audit explain --dn DN --onprem FILE --rules FILE` shows every scope step: move
    /// the account or correct its attributes, or make `[scope]` mirror Connect's configuration.
    ///
    /// ## References
    /// - <https://learn.microsoft.com/entra/identity/hybrid/connect/concept-azure-ad-connect-sync-default-configuration>
    /// - <https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-sync-configure-filtering>
    /// - <https://support.microsoft.com/en-us/help/3066176>
    OutOfScope = "out_of_scope", "Out of sync scope",
        [Info], "info: listed in the findings files only with `audit --include-info`";
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

/// Meta-tests over the registry: every kind is named, documented and
/// severity-noted the same way, and a rename shows up in review.
#[cfg(test)]
mod tests {
    use super::*;

    /// The names as the audit issue lists them, in report order. A rename or
    /// a new kind must change this list (and the README table).
    const NAMES: [&str; 13] = [
        "guest_as_member",
        "member_as_guest",
        "cloud_state_unknown",
        "rule_error",
        "invalid_user_type",
        "anchor_mismatch",
        "duplicate_anchor",
        "synced_b2b_guest",
        "key_conflict",
        "soft_match",
        "missing_in_cloud",
        "orphaned_cloud",
        "out_of_scope",
    ];

    const HEADINGS: [&str; 5] = [
        "What it flags",
        "Why it matters",
        "Example",
        "What to do",
        "References",
    ];

    /// The doc's sections: (heading, body lines).
    fn sections(doc: &str) -> Vec<(&str, Vec<&str>)> {
        let mut out: Vec<(&str, Vec<&str>)> = Vec::new();
        for line in doc.lines() {
            if let Some(h) = line.strip_prefix("## ") {
                out.push((h, Vec::new()));
            } else if let Some((_, body)) = out.last_mut() {
                body.push(line);
            } else {
                panic!("text before the first heading: {line:?}\n{doc}");
            }
        }
        out
    }

    fn section<'d>(doc: &'d str, heading: &str) -> Vec<&'d str> {
        sections(doc)
            .into_iter()
            .find(|(h, _)| *h == heading)
            .map(|(_, body)| body)
            .unwrap_or_default()
    }

    /// The `field: value` rows of the Example's code block (continuation
    /// lines, indented, are joined to the row above with one space).
    fn example_fields(doc: &str) -> Vec<(String, String)> {
        let mut rows: Vec<(String, String)> = Vec::new();
        let mut in_code = false;
        for line in section(doc, "Example") {
            if line.starts_with("```") {
                in_code = !in_code;
            } else if in_code {
                if line.starts_with(' ') {
                    let (_, value) = rows.last_mut().expect("continuation after a field");
                    value.push(' ');
                    value.push_str(line.trim());
                } else {
                    let (field, value) = line.split_once(':').expect("field: value");
                    rows.push((field.to_string(), value.trim().to_string()));
                }
            }
        }
        rows
    }

    #[test]
    fn the_names_are_the_issues_in_report_order() {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names, NAMES);
    }

    #[test]
    fn names_and_titles_are_unique_and_names_snake_case() {
        for (i, a) in Kind::ALL.iter().enumerate() {
            let name = a.name();
            assert!(
                !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                    && name.starts_with(|c: char| c.is_ascii_lowercase())
                    && !name.ends_with('_')
                    && !name.contains("__"),
                "{name} is not snake_case"
            );
            assert!(!a.title().trim().is_empty(), "{name} has no title");
            for b in &Kind::ALL[i + 1..] {
                assert_ne!(name, b.name());
                assert_ne!(
                    a.title(),
                    b.title(),
                    "{name} and {} share a title",
                    b.name()
                );
            }
        }
    }

    #[test]
    fn from_name_round_trips_snake_and_kebab_case() {
        for &k in Kind::ALL {
            assert_eq!(Kind::from_name(k.name()), Some(k));
            assert_eq!(Kind::from_name(&k.name().replace('_', "-")), Some(k));
            assert_eq!(k.to_string(), k.name());
        }
        assert_eq!(
            Kind::from_name("guest-as-member"),
            Some(Kind::GuestAsMember)
        );
        assert_eq!(
            Kind::from_name("synced-b2b-guest"),
            Some(Kind::SyncedB2bGuest)
        );
        for unknown in [
            "",
            "guest",
            "guest_as_members",
            "GuestAsMember",
            "no_such_kind",
        ] {
            assert_eq!(Kind::from_name(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn every_doc_has_the_five_sections_in_order_none_empty() {
        assert_eq!(Kind::DOC_SECTIONS, HEADINGS);
        for &k in Kind::ALL {
            let doc = k.doc();
            let found = sections(&doc);
            let headings: Vec<&str> = found.iter().map(|(h, _)| *h).collect();
            assert_eq!(headings, HEADINGS, "{}:\n{doc}", k.name());
            for (h, body) in &found {
                assert!(
                    body.iter().any(|l| !l.trim().is_empty()),
                    "{}: section {h} is empty",
                    k.name()
                );
            }
        }
    }

    #[test]
    fn every_example_is_a_finding_of_its_own_kind_and_severities() {
        for &k in Kind::ALL {
            let doc = k.doc();
            let fields = example_fields(&doc);
            let get = |f: &str| {
                fields
                    .iter()
                    .find(|(name, _)| name == f)
                    .map(|(_, v)| v.as_str())
            };
            assert_eq!(get("kind"), Some(k.name()), "{doc}");
            let severity = get("severity").and_then(Severity::from_name);
            assert!(
                severity.is_some_and(|s| k.severities().contains(&s)),
                "{}: example severity {:?} not in {:?}",
                k.name(),
                get("severity"),
                k.severities()
            );
            assert!(get("detail").is_some_and(|d| d.len() > 20), "{doc}");
        }
    }

    #[test]
    fn every_severity_note_names_exactly_the_kinds_severities() {
        for &k in Kind::ALL {
            let note = k.severity_note();
            let words: Vec<&str> = note
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            assert!(!k.severities().is_empty(), "{}", k.name());
            for &s in Severity::ALL {
                assert_eq!(
                    words.contains(&s.name()),
                    k.severities().contains(&s),
                    "{}: note {note:?} vs severities {:?}",
                    k.name(),
                    k.severities()
                );
            }
            // Most severe first, no repeats.
            assert!(
                k.severities().windows(2).all(|w| w[0] > w[1]),
                "{}",
                k.name()
            );
        }
        assert_eq!(
            Kind::GuestAsMember.severities(),
            [Severity::Critical, Severity::High]
        );
        assert_eq!(Kind::OutOfScope.severities(), [Severity::Info]);
    }

    #[test]
    fn docs_are_not_copies_of_each_other() {
        for (i, a) in Kind::ALL.iter().enumerate() {
            for b in &Kind::ALL[i + 1..] {
                assert_ne!(a.doc(), b.doc(), "{} and {}", a.name(), b.name());
                for heading in ["What it flags", "Why it matters", "Example", "What to do"] {
                    assert_ne!(
                        section(&a.doc(), heading),
                        section(&b.doc(), heading),
                        "{} and {} share the section {heading}",
                        a.name(),
                        b.name()
                    );
                }
            }
        }
    }

    #[test]
    fn every_doc_cites_a_source_and_fits_a_terminal() {
        for &k in Kind::ALL {
            let doc = k.doc();
            let refs = section(&doc, "References");
            assert!(
                refs.iter().any(|l| l.starts_with("- <https://")),
                "{}: no link in References",
                k.name()
            );
            for line in doc.lines().filter(|l| !l.contains("https://")) {
                assert!(
                    line.chars().count() <= 96,
                    "{}: line longer than 96 columns: {line}",
                    k.name()
                );
                assert_eq!(line, line.trim_end(), "{}: trailing space", k.name());
            }
            // Concise: headings and example included, 15 to 40 lines with text.
            let text = doc
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with("```"))
                .count();
            assert!((15..=40).contains(&text), "{}: {text} lines", k.name());
        }
    }
}
