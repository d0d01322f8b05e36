//! The cloud side of the synthetic forest: Entra ID users as Microsoft Graph
//! and the admin center would export them, with planted disagreements.
//!
//! Like [`account`](super::account), every cloud user is a pure function of
//! the options and an index: [`cloud_user`] for on-premises user index `i`
//! (`None` when the account has no cloud user) and [`cloud_only_user`] for
//! cloud-only slot `k` (`0..cloud_only_count(opts.users)`). The planted kind
//! of an account is [`planted`]; the kind of a slot is [`cloud_only_kind`].
//! Every per-index draw comes from the module's own PRNG streams, so the
//! on-premises files are unchanged.
//!
//! Synced users are the accounts without an
//! [`oob_exclusion`](super::SyntheticAccount::oob_exclusion), with the
//! account's own ImmutableId, SID, DN, sAMAccountName and UPN, and the
//! intended `userType` ([`intended_user_type`]: `Guest` for partners whose
//! `extensionAttribute1` is `Guest`, else `Member`), except where a
//! disagreement is planted:
//!
//! | [`Planted`] | rate | how it is planted |
//! | --- | --- | --- |
//! | `GuestAsMember` | [`GUEST_AS_MEMBER_RATE`] of partners intended `Guest` | synced user with `userType: Member` (the headline finding) |
//! | `MemberAsGuest` | [`MEMBER_AS_GUEST_RATE`] of employees | synced user with `userType: Guest` |
//! | `MissingInCloud` | [`MISSING_IN_CLOUD_RATE`] of in-scope accounts | no cloud user at all |
//! | `SoftMatch` | [`SOFT_MATCH_RATE`] of in-scope accounts | cloud user with the account's UPN and primary SMTP, no `onPremisesImmutableId`, `onPremisesSyncEnabled` null, no other on-premises values |
//! | `AnchorMismatch` | [`ANCHOR_MISMATCH_RATE`] of in-scope accounts | synced user with the account's UPN, DN and sAMAccountName but another ImmutableId (and a stale SID) |
//! | `DuplicateImmutableId` | [`DUPLICATE_IMMUTABLE_ID_RATE`] of users, as cloud-only slots | a second synced cloud user (`<local>@<tenant>.onmicrosoft.com`) with the ImmutableId, SID and DN of an account that has its own cloud user |
//! | `OrphanedCloud` | [`ORPHANED_CLOUD_RATE`] of users, as cloud-only slots | synced user (`onPremisesSyncEnabled: true`, stale last sync) whose ImmutableId, SID and DN match no account |
//! | `B2bGuest` | [`B2B_GUEST_RATE`] of users, as cloud-only slots | invited guest `first.last.N_fabrikam.com#EXT#@<tenant>.onmicrosoft.com`, `creationType: Invitation`, `externalUserState` `Accepted` (about 80%) or `PendingAcceptance`, `userType: Guest`, `otherMails` the external address |
//! | `CloudOnlyMember` | [`CLOUD_ONLY_MEMBER_RATE`] of users, as cloud-only slots | plain cloud-only member `first.last.cN@<tenant>.onmicrosoft.com` (not a disagreement) |
//!
//! The per-account kinds are chosen by one PRNG draw per index (exclusive
//! bands: missing, soft match, anchor mismatch, then a second draw for the
//! `userType` kinds), so their counts vary around the rate. The number of
//! cloud-only slots of each kind is `ceil(users * rate)` (a pure function of
//! `opts.users`, at least one of each when `users > 0`); the slots come in
//! the order B2B guests, cloud-only members, orphans, duplicates.
//!
//! Three files, the same users in the same order (every cloud user of
//! account 0, 1, ... in index order, then the cloud-only slots):
//! * [`GRAPH_PAGES_FILE`](super::GRAPH_PAGES_FILE): Graph REST pages, one per
//!   line, [`PAGE_SIZE`] users each, camelCase keys in the `$select` order of
//!   [`select_list`](crate::read::cloud::coverage::select_list), every
//!   property present (`null` when absent), `@odata.nextLink` on all but the
//!   last page ([`write_graph_pages`]);
//! * [`GRAPH_ARRAY_FILE`](super::GRAPH_ARRAY_FILE): PowerShell 7 `Get-MgUser
//!   -All -Property ... | Select-Object ... | ConvertTo-Json -Depth 10`: one
//!   array, 2-space indentation, CRLF, PascalCase keys ([`write_graph_array`]);
//! * [`GRAPH_CSV_FILE`](super::GRAPH_CSV_FILE): the admin-center "Download
//!   users" CSV, variant B header ([`ADMIN_CSV_HEADER`]), `True`/`False`,
//!   en-US locale dates (`8/19/2021 1:25:31 PM`), `directorySynced` =
//!   `onPremisesSyncEnabled`, `invitationState` = `externalUserState`,
//!   `alternateEmailAddress` = `otherMails`, `identityIssuer` left empty
//!   ([`write_admin_center_csv`]). It cannot carry [`CSV_LOST`].

use std::io::{self, Write};

use base64::Engine as _;

use super::{
    account_in, domain_sid, guid_to_string, sid_to_string, BatchedOut, Ctx, GenerateOptions, Rng,
    SyntheticAccount, GIVEN, SURNAME, T_2012, T_NOW,
};

/// Share of partners intended `Guest` whose cloud `userType` is `Member`.
pub const GUEST_AS_MEMBER_RATE: f64 = 0.30;
/// Share of employees whose cloud `userType` is `Guest`.
pub const MEMBER_AS_GUEST_RATE: f64 = 0.01;
/// Share of in-scope accounts without a cloud user.
pub const MISSING_IN_CLOUD_RATE: f64 = 0.01;
/// Share of in-scope accounts whose cloud user is an unsynced soft-match candidate.
pub const SOFT_MATCH_RATE: f64 = 0.005;
/// Share of in-scope accounts whose cloud user carries another ImmutableId.
pub const ANCHOR_MISMATCH_RATE: f64 = 0.005;
/// Cloud-only slots (per user) that duplicate the ImmutableId of an account.
pub const DUPLICATE_IMMUTABLE_ID_RATE: f64 = 0.002;
/// Cloud-only slots (per user) of synced users that match no account.
pub const ORPHANED_CLOUD_RATE: f64 = 0.005;
/// Cloud-only slots (per user) of `#EXT#` B2B guests.
pub const B2B_GUEST_RATE: f64 = 0.02;
/// Cloud-only slots (per user) of plain cloud-only members.
pub const CLOUD_ONLY_MEMBER_RATE: f64 = 0.01;
/// Share of employees whose synced cloud user is a B2B invitation taken over by sync.
pub const SYNCED_B2B_RATE: f64 = 0.003;
/// Cloud-only slots (per user) of B2B guests whose mail is an account's primary SMTP address.
pub const MAIL_COLLISION_RATE: f64 = 0.001;
/// Users per Graph page (the maximum `$top`).
pub const PAGE_SIZE: usize = 999;

/// The admin-center "Download users" CSV header (variant B, docs/formats.md#admin-center-csv).
pub const ADMIN_CSV_HEADER: &str = "userPrincipalName,displayName,surname,mail,givenName,id,userType,jobTitle,department,accountEnabled,usageLocation,streetAddress,state,country,officeLocation,city,postalCode,telephoneNumber,mobilePhone,alternateEmailAddress,ageGroup,consentProvidedForMinor,legalAgeGroupClassification,companyName,creationType,directorySynced,invitationState,identityIssuer,createdDateTime";

/// The Graph properties the admin-center CSV cannot carry (empty `identityIssuer` included).
pub const CSV_LOST: &[&str] = &[
    "proxyAddresses",
    "identities",
    "onPremisesImmutableId",
    "onPremisesSecurityIdentifier",
    "onPremisesDistinguishedName",
    "onPremisesSamAccountName",
    "onPremisesUserPrincipalName",
    "onPremisesDomainName",
    "onPremisesLastSyncDateTime",
    "onPremisesExtensionAttributes",
];

// PRNG streams of this module (the on-premises streams are 1..=6).
const S_PLANT: u64 = 40;
const S_CLOUD: u64 = 41;
const S_SLOT_USER: u64 = 42;
const S_TOKEN: u64 = 43;

/// Which disagreement (or cloud-only kind) was planted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Planted {
    /// Partner intended `Guest`, cloud `userType` `Member`.
    GuestAsMember,
    /// Employee, cloud `userType` `Guest`.
    MemberAsGuest,
    /// In-scope account without a cloud user.
    MissingInCloud,
    /// Cloud user with the account's UPN and primary SMTP, never synced.
    SoftMatch,
    /// Cloud user with the account's UPN but another ImmutableId.
    AnchorMismatch,
    /// Second cloud user with the ImmutableId of an account (cloud-only slot).
    DuplicateImmutableId,
    /// Synced cloud user whose ImmutableId matches no account (cloud-only slot).
    OrphanedCloud,
    /// `#EXT#` B2B guest (cloud-only slot).
    B2bGuest,
    /// Plain cloud-only member (cloud-only slot; not a disagreement).
    CloudOnlyMember,
    /// The account repeats the anchor of the account before it (on-premises;
    /// no cloud user of its own).
    DuplicateAnchor,
    /// Employee whose synced cloud user is a B2B invitation (`creationType:
    /// Invitation`, `externalUserState: Accepted`, `userType: Guest`).
    SyncedB2bGuest,
    /// B2B guest whose mail is an account's primary SMTP address (cloud-only slot).
    MailCollision,
}

impl Planted {
    /// Every kind, in declaration order.
    pub const ALL: &'static [Planted] = &[
        Planted::GuestAsMember,
        Planted::MemberAsGuest,
        Planted::MissingInCloud,
        Planted::SoftMatch,
        Planted::AnchorMismatch,
        Planted::DuplicateImmutableId,
        Planted::OrphanedCloud,
        Planted::B2bGuest,
        Planted::CloudOnlyMember,
        Planted::DuplicateAnchor,
        Planted::SyncedB2bGuest,
        Planted::MailCollision,
    ];
}

/// One `identities` entry of a planned cloud user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedIdentity {
    /// `signInType`.
    pub sign_in_type: String,
    /// `issuer`.
    pub issuer: String,
    /// `issuerAssignedId`.
    pub issuer_assigned_id: Option<String>,
}

/// One cloud user as the generator writes it (Graph fields; `None` = null).
/// Dates are Unix seconds (UTC).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedCloudUser {
    /// On-premises user index this cloud user stems from (`None` for cloud-only slots).
    pub index: Option<u64>,
    /// `id` (a GUID string).
    pub id: String,
    /// `userPrincipalName`.
    pub user_principal_name: String,
    /// `userType` (`Member` or `Guest`).
    pub user_type: &'static str,
    /// `accountEnabled`.
    pub account_enabled: bool,
    /// `mail`.
    pub mail: Option<String>,
    /// `proxyAddresses` (`SMTP:` primary, `smtp:` secondaries).
    pub proxy_addresses: Vec<String>,
    /// `otherMails`.
    pub other_mails: Vec<String>,
    /// `creationType` (`Invitation` for B2B guests).
    pub creation_type: Option<&'static str>,
    /// `externalUserState` (`Accepted`, `PendingAcceptance`).
    pub external_user_state: Option<&'static str>,
    /// `identities`.
    pub identities: Vec<PlannedIdentity>,
    /// `onPremisesSyncEnabled` (true for synced, None for never synced).
    pub on_premises_sync_enabled: Option<bool>,
    /// `onPremisesImmutableId`.
    pub on_premises_immutable_id: Option<String>,
    /// `onPremisesSecurityIdentifier`.
    pub on_premises_security_identifier: Option<String>,
    /// `onPremisesDistinguishedName`.
    pub on_premises_distinguished_name: Option<String>,
    /// `onPremisesSamAccountName`.
    pub on_premises_sam_account_name: Option<String>,
    /// `onPremisesUserPrincipalName`.
    pub on_premises_user_principal_name: Option<String>,
    /// `onPremisesDomainName`.
    pub on_premises_domain_name: Option<String>,
    /// `onPremisesLastSyncDateTime` (Unix seconds).
    pub on_premises_last_sync_date_time: Option<u64>,
    /// `onPremisesExtensionAttributes.extensionAttribute1`.
    pub extension_attribute1: Option<String>,
    /// `createdDateTime` (Unix seconds).
    pub created_date_time: Option<u64>,
    /// `displayName` (CSV only).
    pub display_name: Option<String>,
    /// `givenName` (CSV only).
    pub given_name: Option<String>,
    /// `surname` (CSV only).
    pub surname: Option<String>,
    /// `jobTitle` (CSV only).
    pub job_title: Option<String>,
    /// `department` (CSV only).
    pub department: Option<String>,
    /// `companyName` (CSV only).
    pub company_name: Option<String>,
    /// `usageLocation` (CSV only).
    pub usage_location: Option<String>,
    /// `city` (CSV only).
    pub city: Option<String>,
    /// `country` (CSV only).
    pub country: Option<String>,
    /// `officeLocation` (CSV only).
    pub office_location: Option<String>,
    /// `telephoneNumber` (CSV only).
    pub telephone_number: Option<String>,
    /// Which disagreement was planted (`None`: the user agrees with its account).
    pub planted: Option<Planted>,
}

/// The `userType` the UserType sync rule intends for an account: `Guest` for
/// partners whose `extensionAttribute1` is `Guest`, else `Member`.
pub fn intended_user_type(a: &SyntheticAccount) -> &'static str {
    if a.is_partner && a.extension_attribute1.as_deref() == Some("Guest") {
        "Guest"
    } else {
        "Member"
    }
}

/// The disagreement planted on account `index` (`None`: none, or the account
/// is out of scope of the out-of-box rules). Only the per-account kinds occur.
pub fn planted(opts: &GenerateOptions, index: u64) -> Option<Planted> {
    let ctx = Ctx::new(opts);
    plant_for(&ctx, &account_in(&ctx, index))
}

/// The cloud user of on-premises account `index`; `None` when the account is
/// not in the cloud (out-of-box excluded, or [`Planted::MissingInCloud`]).
pub fn cloud_user(opts: &GenerateOptions, index: u64) -> Option<PlannedCloudUser> {
    let ctx = Ctx::new(opts);
    cloud_user_in(&ctx, &account_in(&ctx, index))
}

/// Number of cloud-only slots for `users` accounts.
pub fn cloud_only_count(users: u64) -> u64 {
    slot_counts(users).iter().sum()
}

/// The kind of cloud-only slot `slot` for `users` accounts (slots past the
/// end count as [`Planted::CloudOnlyMember`]).
pub fn cloud_only_kind(users: u64, slot: u64) -> Planted {
    let kinds = [
        Planted::B2bGuest,
        Planted::CloudOnlyMember,
        Planted::OrphanedCloud,
        Planted::DuplicateImmutableId,
        Planted::MailCollision,
    ];
    let mut rest = slot;
    for (kind, n) in kinds.iter().zip(slot_counts(users)) {
        if rest < n {
            return *kind;
        }
        rest -= n;
    }
    Planted::CloudOnlyMember
}

/// Cloud-only user `slot` (see [`cloud_only_kind`]). A duplicate slot for
/// which no account with its own cloud user is found becomes a plain member.
pub fn cloud_only_user(opts: &GenerateOptions, slot: u64) -> PlannedCloudUser {
    cloud_only_in(&Ctx::new(opts), slot)
}

/// Every planned cloud user in file order (accounts, then cloud-only slots).
pub fn cloud_users(opts: &GenerateOptions) -> impl Iterator<Item = PlannedCloudUser> + '_ {
    let ctx = Ctx::new(opts);
    let slots = cloud_only_count(opts.users);
    let ctx2 = Ctx::new(opts);
    (0..opts.users)
        .filter_map(move |i| cloud_user_in(&ctx, &account_in(&ctx, i)))
        .chain((0..slots).map(move |k| cloud_only_in(&ctx2, k)))
}

fn ceil_rate(users: u64, rate: f64) -> u64 {
    let x = users as f64 * rate - 1e-9;
    if x <= 0.0 {
        u64::from(users > 0)
    } else {
        x.ceil() as u64
    }
}

fn slot_counts(users: u64) -> [u64; 5] {
    [
        ceil_rate(users, B2B_GUEST_RATE),
        ceil_rate(users, CLOUD_ONLY_MEMBER_RATE),
        ceil_rate(users, ORPHANED_CLOUD_RATE),
        ceil_rate(users, DUPLICATE_IMMUTABLE_ID_RATE),
        ceil_rate(users, MAIL_COLLISION_RATE),
    ]
}

pub(crate) fn plant_for(ctx: &Ctx, a: &SyntheticAccount) -> Option<Planted> {
    if a.oob_exclusion.is_some() {
        return None;
    }
    if a.duplicate_anchor_of.is_some() {
        return Some(Planted::DuplicateAnchor);
    }
    let mut r = Rng::new(ctx.seed, a.index, S_PLANT);
    let d = r.unit();
    let second = r.unit();
    let mut band = MISSING_IN_CLOUD_RATE;
    if d < band {
        return Some(Planted::MissingInCloud);
    }
    band += SOFT_MATCH_RATE;
    if d < band {
        return Some(Planted::SoftMatch);
    }
    band += ANCHOR_MISMATCH_RATE;
    if d < band {
        return Some(Planted::AnchorMismatch);
    }
    if intended_user_type(a) == "Guest" {
        (second < GUEST_AS_MEMBER_RATE).then_some(Planted::GuestAsMember)
    } else if !a.is_partner {
        if second < MEMBER_AS_GUEST_RATE {
            Some(Planted::MemberAsGuest)
        } else if second < MEMBER_AS_GUEST_RATE + SYNCED_B2B_RATE {
            Some(Planted::SyncedB2bGuest)
        } else {
            None
        }
    } else {
        None
    }
}

fn tenant_domain(ctx: &Ctx) -> String {
    format!("{}.onmicrosoft.com", ctx.tenant)
}

fn upn_identity(ctx: &Ctx, upn: &str) -> PlannedIdentity {
    PlannedIdentity {
        sign_in_type: "userPrincipalName".to_string(),
        issuer: tenant_domain(ctx),
        issuer_assigned_id: Some(upn.to_string()),
    }
}

fn b64_guid(g: &[u8; 16]) -> String {
    base64::engine::general_purpose::STANDARD.encode(g)
}

/// A cloud user with every field empty but the given ones.
fn bare(id: String, upn: String, user_type: &'static str) -> PlannedCloudUser {
    PlannedCloudUser {
        index: None,
        id,
        user_principal_name: upn,
        user_type,
        account_enabled: true,
        mail: None,
        proxy_addresses: Vec::new(),
        other_mails: Vec::new(),
        creation_type: None,
        external_user_state: None,
        identities: Vec::new(),
        on_premises_sync_enabled: None,
        on_premises_immutable_id: None,
        on_premises_security_identifier: None,
        on_premises_distinguished_name: None,
        on_premises_sam_account_name: None,
        on_premises_user_principal_name: None,
        on_premises_domain_name: None,
        on_premises_last_sync_date_time: None,
        extension_attribute1: None,
        created_date_time: None,
        display_name: None,
        given_name: None,
        surname: None,
        job_title: None,
        department: None,
        company_name: None,
        usage_location: None,
        city: None,
        country: None,
        office_location: None,
        telephone_number: None,
        planted: None,
    }
}

/// The synced cloud user of `a` as the rules intend it.
fn synced(ctx: &Ctx, a: &SyntheticAccount, r: &mut Rng) -> PlannedCloudUser {
    let id = guid_to_string(&r.guid());
    // Without an on-premises UPN, Connect's out-of-box rule sends
    // sAMAccountName@domain (docs/rules.md#out-of-box-rules).
    let upn = if a.upn.is_empty() {
        format!("{}@{}", a.sam, ctx.domain)
    } else {
        a.upn.clone()
    };
    let mut u = bare(id, upn.clone(), intended_user_type(a));
    u.index = Some(a.index);
    u.account_enabled = a.account_enabled();
    u.mail = a.mail.clone();
    u.proxy_addresses = a.proxy_addresses.clone();
    u.identities = vec![upn_identity(ctx, &upn)];
    u.on_premises_sync_enabled = Some(true);
    u.on_premises_immutable_id = Some(a.immutable_id());
    u.on_premises_security_identifier = Some(a.sid_string());
    u.on_premises_distinguished_name = Some(a.dn.clone());
    u.on_premises_sam_account_name = Some(a.sam.clone());
    u.on_premises_user_principal_name = (!a.upn.is_empty()).then(|| a.upn.clone());
    u.on_premises_domain_name = Some(ctx.domain.clone());
    u.on_premises_last_sync_date_time = Some(T_NOW - r.below(1800));
    u.extension_attribute1 = a.extension_attribute1.clone();
    u.created_date_time = Some((a.when_created + r.range(60, 3 * 86_400)).min(T_NOW - 3600));
    u.display_name = a.display_name.clone();
    u.given_name = a.given.clone();
    u.surname = a.sn.clone();
    u.job_title = a.title.clone();
    u.department = a.department.clone();
    u.company_name = a.company.clone();
    u.usage_location = a.country.clone();
    u.city = a.city.clone();
    u.country = a.country_name.clone();
    u.office_location = a.office.clone();
    u.telephone_number = a.telephone.clone();
    u
}

pub(crate) fn cloud_user_in(ctx: &Ctx, a: &SyntheticAccount) -> Option<PlannedCloudUser> {
    if a.oob_exclusion.is_some() {
        return None;
    }
    let plant = plant_for(ctx, a);
    let mut r = Rng::new(ctx.seed, a.index, S_CLOUD);
    let mut u = synced(ctx, a, &mut r);
    u.planted = plant;
    match plant {
        None => {}
        Some(Planted::MissingInCloud | Planted::DuplicateAnchor) => return None,
        Some(Planted::SyncedB2bGuest) => {
            // Invited as a guest before the account was synced, then soft-matched.
            u.user_type = "Guest";
            u.creation_type = Some("Invitation");
            u.external_user_state = Some("Accepted");
        }
        Some(Planted::GuestAsMember) => u.user_type = "Member",
        Some(Planted::MemberAsGuest) => u.user_type = "Guest",
        Some(Planted::SoftMatch) => {
            // Created by hand in the cloud before sync: same UPN and primary SMTP.
            u.user_type = "Member";
            u.proxy_addresses = u.mail.iter().map(|m| format!("SMTP:{m}")).collect();
            u.on_premises_sync_enabled = None;
            u.on_premises_immutable_id = None;
            u.on_premises_security_identifier = None;
            u.on_premises_distinguished_name = None;
            u.on_premises_sam_account_name = None;
            u.on_premises_user_principal_name = None;
            u.on_premises_domain_name = None;
            u.on_premises_last_sync_date_time = None;
            u.extension_attribute1 = None;
        }
        Some(Planted::AnchorMismatch) => {
            // Hard-matched to an earlier AD object of the same name.
            u.on_premises_immutable_id = Some(b64_guid(&r.guid()));
            let stale_rid = 0x4000_0000u32.wrapping_add(a.index as u32);
            u.on_premises_security_identifier = sid_to_string(&domain_sid(stale_rid));
        }
        Some(_) => {}
    }
    Some(u)
}

/// An account with its own cloud user near `start`, for a duplicate slot.
fn duplicate_source(ctx: &Ctx, start: u64) -> Option<SyntheticAccount> {
    let users = ctx.users;
    (0..users.min(1000))
        .map(|k| (start + k) % users)
        .map(|i| account_in(ctx, i))
        .find(|a| {
            a.oob_exclusion.is_none()
                && !a.upn.is_empty()
                && matches!(
                    plant_for(ctx, a),
                    None | Some(Planted::GuestAsMember | Planted::MemberAsGuest)
                )
        })
}

fn person(r: &mut Rng) -> (&'static str, &'static str) {
    (*r.pick(GIVEN), *r.pick(SURNAME))
}

const EXTERNAL_DOMAINS: &[&str] = &[
    "fabrikam.com",
    "northwindtraders.com",
    "adatum.com",
    "outlook.com",
    "gmail.com",
    "tailspintoys.com",
];

pub(crate) fn cloud_only_in(ctx: &Ctx, slot: u64) -> PlannedCloudUser {
    let kind = cloud_only_kind(ctx.users, slot);
    let mut r = Rng::new(ctx.seed, slot, S_SLOT_USER);
    let id = guid_to_string(&r.guid());
    let (given, sn) = person(&mut r);
    let local = format!("{}.{}", given.to_ascii_lowercase(), sn.to_ascii_lowercase());
    let created = r.range(T_2012 + 200 * 86_400, T_NOW - 86_400);
    let tenant = tenant_domain(ctx);
    let display = format!("{given} {sn}");
    let named = |mut u: PlannedCloudUser| {
        u.display_name = Some(display.clone());
        u.given_name = Some(given.to_string());
        u.surname = Some(sn.to_string());
        u.created_date_time = Some(created);
        u
    };
    match kind {
        Planted::B2bGuest => {
            let domain = *r.pick(EXTERNAL_DOMAINS);
            let email = format!("{local}.{slot}@{domain}");
            let upn = format!("{local}.{slot}_{domain}#EXT#@{tenant}");
            let accepted = r.chance(0.8);
            let mut u = named(bare(id, upn.clone(), "Guest"));
            u.mail = Some(email.clone());
            u.proxy_addresses = vec![format!("SMTP:{email}")];
            u.other_mails = vec![email];
            u.creation_type = Some("Invitation");
            u.external_user_state = Some(if accepted {
                "Accepted"
            } else {
                "PendingAcceptance"
            });
            u.identities = if accepted {
                let issuer = if domain == "outlook.com" || domain == "gmail.com" {
                    "mail"
                } else {
                    "ExternalAzureAD"
                };
                vec![PlannedIdentity {
                    sign_in_type: "federated".to_string(),
                    issuer: issuer.to_string(),
                    issuer_assigned_id: None,
                }]
            } else {
                vec![upn_identity(ctx, &upn)]
            };
            u.planted = Some(Planted::B2bGuest);
            u
        }
        Planted::OrphanedCloud => {
            let n = format!("o{slot}");
            let upn = format!("{local}.{n}@{}", ctx.domain);
            let mut u = named(bare(id, upn.clone(), "Member"));
            u.mail = Some(upn.clone());
            u.proxy_addresses = vec![format!("SMTP:{upn}")];
            u.identities = vec![upn_identity(ctx, &upn)];
            u.on_premises_sync_enabled = Some(true);
            u.on_premises_immutable_id = Some(b64_guid(&r.guid()));
            let rid = 0x5000_0000u32.wrapping_add(slot as u32);
            u.on_premises_security_identifier = sid_to_string(&domain_sid(rid));
            u.on_premises_distinguished_name =
                Some(format!("CN={given} {sn} {n},{}", ctx.employees_ou));
            let mut sam: String = given.chars().take(1).chain(sn.chars()).collect();
            sam.truncate(12);
            u.on_premises_sam_account_name = Some(format!("{sam}{n}"));
            u.on_premises_user_principal_name = Some(upn);
            u.on_premises_domain_name = Some(ctx.domain.clone());
            u.on_premises_last_sync_date_time = Some(T_NOW - r.range(30 * 86_400, 400 * 86_400));
            u.planted = Some(Planted::OrphanedCloud);
            u
        }
        Planted::DuplicateImmutableId if ctx.users > 0 => {
            let start = r.below(ctx.users);
            match duplicate_source(ctx, start) {
                Some(a) => {
                    let mut s = Rng::new(ctx.seed, a.index, S_CLOUD);
                    let mut u = synced(ctx, &a, &mut s);
                    let local = a.upn.split('@').next().unwrap_or_default();
                    let upn = format!("{local}@{tenant}");
                    u.index = None;
                    u.id = id;
                    u.user_principal_name = upn.clone();
                    u.user_type = "Member";
                    u.mail = None;
                    u.proxy_addresses = Vec::new();
                    u.identities = vec![upn_identity(ctx, &upn)];
                    u.on_premises_last_sync_date_time =
                        Some(T_NOW - r.range(30 * 86_400, 400 * 86_400));
                    u.extension_attribute1 = None;
                    u.created_date_time = Some(created);
                    u.planted = Some(Planted::DuplicateImmutableId);
                    u
                }
                None => member(ctx, id, &local, slot, named),
            }
        }
        Planted::MailCollision if ctx.users > 0 => {
            let start = r.below(ctx.users);
            match duplicate_source(ctx, start).filter(|a| a.mail.is_some()) {
                Some(a) => {
                    let email = a.mail.clone().unwrap_or_default();
                    let upn = format!("{}#EXT#@{tenant}", email.replace('@', "_"));
                    let mut u = named(bare(id, upn, "Guest"));
                    u.mail = Some(email.clone());
                    u.proxy_addresses = vec![format!("SMTP:{email}")];
                    u.other_mails = vec![email];
                    u.creation_type = Some("Invitation");
                    u.external_user_state = Some("Accepted");
                    u.identities = vec![PlannedIdentity {
                        sign_in_type: "federated".to_string(),
                        issuer: "ExternalAzureAD".to_string(),
                        issuer_assigned_id: None,
                    }];
                    u.planted = Some(Planted::MailCollision);
                    u
                }
                None => member(ctx, id, &local, slot, named),
            }
        }
        _ => member(ctx, id, &local, slot, named),
    }
}

fn member(
    ctx: &Ctx,
    id: String,
    local: &str,
    slot: u64,
    named: impl Fn(PlannedCloudUser) -> PlannedCloudUser,
) -> PlannedCloudUser {
    let upn = format!("{local}.c{slot}@{}", tenant_domain(ctx));
    let mut u = named(bare(id, upn.clone(), "Member"));
    u.mail = Some(upn.clone());
    u.proxy_addresses = vec![format!("SMTP:{upn}")];
    u.identities = vec![upn_identity(ctx, &upn)];
    u.planted = Some(Planted::CloudOnlyMember);
    u
}

// ---------------------------------------------------------------------------
// Writers

/// One output format of the cloud pass.
trait CloudSink {
    fn user(&mut self, u: &PlannedCloudUser) -> io::Result<()>;
    fn finish(&mut self) -> io::Result<u64>;
}

const SPILL: usize = 1 << 16;

/// One pass over the planned users, each handed to every sink; the bytes
/// each sink wrote.
fn drive_cloud(opts: &GenerateOptions, sinks: &mut [&mut dyn CloudSink]) -> io::Result<Vec<u64>> {
    let ctx = Ctx::new(opts);
    for i in 0..opts.users {
        if let Some(u) = cloud_user_in(&ctx, &account_in(&ctx, i)) {
            for s in sinks.iter_mut() {
                s.user(&u)?;
            }
        }
    }
    for k in 0..cloud_only_count(opts.users) {
        let u = cloud_only_in(&ctx, k);
        for s in sinks.iter_mut() {
            s.user(&u)?;
        }
    }
    sinks.iter_mut().map(|s| s.finish()).collect()
}

/// Writes the three cloud files in one pass; the bytes written to each.
pub(crate) fn write_cloud<A: Write, B: Write, C: Write>(
    opts: &GenerateOptions,
    pages: A,
    array: B,
    csv: C,
) -> io::Result<[u64; 3]> {
    let mut p = PagesSink::new(opts, pages);
    let mut a = ArraySink::new(array);
    let mut c = CsvSink::new(csv);
    let v = drive_cloud(opts, &mut [&mut p, &mut a, &mut c])?;
    Ok([v[0], v[1], v[2]])
}

/// Writes the Graph REST pages (one page per line, [`PAGE_SIZE`] users each);
/// returns the bytes written.
pub fn write_graph_pages<W: Write>(opts: &GenerateOptions, out: W) -> io::Result<u64> {
    let mut s = PagesSink::new(opts, out);
    Ok(drive_cloud(opts, &mut [&mut s])?[0])
}

/// Writes the PowerShell 7 `ConvertTo-Json` array; returns the bytes written.
pub fn write_graph_array<W: Write>(opts: &GenerateOptions, out: W) -> io::Result<u64> {
    let mut s = ArraySink::new(out);
    Ok(drive_cloud(opts, &mut [&mut s])?[0])
}

/// Writes the admin-center "Download users" CSV; returns the bytes written.
pub fn write_admin_center_csv<W: Write>(opts: &GenerateOptions, out: W) -> io::Result<u64> {
    let mut s = CsvSink::new(out);
    Ok(drive_cloud(opts, &mut [&mut s])?[0])
}

/// `2024-01-15T10:30:00Z`.
fn iso(unix: u64) -> String {
    let (y, mo, d, h, mi, s) = super::ldifde::civil(unix);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `8/19/2021 1:25:31 PM` (en-US).
fn locale_date(unix: u64) -> String {
    let (y, mo, d, h, mi, s) = super::ldifde::civil(unix);
    let h12 = if h % 12 == 0 { 12 } else { h % 12 };
    let ampm = if h < 12 { "AM" } else { "PM" };
    format!("{mo}/{d}/{y} {h12}:{mi:02}:{s:02} {ampm}")
}

/// A small JSON emitter: compact (REST) or PowerShell 7 pretty (2 spaces, CRLF).
struct Json<'a> {
    buf: &'a mut Vec<u8>,
    pretty: bool,
    pascal: bool,
    depth: usize,
    /// Per open container: whether it has no item yet.
    first: Vec<bool>,
}

impl Json<'_> {
    fn newline(&mut self) {
        if self.pretty {
            self.buf.extend_from_slice(b"\r\n");
            for _ in 0..self.depth {
                self.buf.extend_from_slice(b"  ");
            }
        }
    }

    /// Separator and indentation before an item of the open container.
    fn item(&mut self) {
        if let Some(f) = self.first.last_mut() {
            let was_first = *f;
            *f = false;
            if !was_first {
                self.buf.push(b',');
            }
            self.newline();
        }
    }

    fn key(&mut self, camel: &str) {
        self.item();
        self.buf.push(b'"');
        let mut chars = camel.chars();
        if let Some(c) = chars.next() {
            let c = if self.pascal {
                c.to_ascii_uppercase()
            } else {
                c
            };
            self.buf.push(c as u8);
        }
        self.buf.extend_from_slice(chars.as_str().as_bytes());
        self.buf
            .extend_from_slice(if self.pretty { b"\": " } else { b"\":" });
    }

    fn open(&mut self, c: u8) {
        self.buf.push(c);
        self.depth += 1;
        self.first.push(true);
    }

    fn close(&mut self, c: u8) {
        self.depth = self.depth.saturating_sub(1);
        if self.first.pop() == Some(false) {
            self.newline();
        }
        self.buf.push(c);
    }

    fn str(&mut self, s: &str) -> io::Result<()> {
        serde_json::to_writer(&mut *self.buf, s).map_err(io::Error::other)
    }

    fn opt_str(&mut self, s: Option<&str>) -> io::Result<()> {
        match s {
            Some(s) => self.str(s),
            None => {
                self.buf.extend_from_slice(b"null");
                Ok(())
            }
        }
    }

    fn field_str(&mut self, k: &str, s: Option<&str>) -> io::Result<()> {
        self.key(k);
        self.opt_str(s)
    }

    fn field_raw(&mut self, k: &str, raw: &[u8]) {
        self.key(k);
        self.buf.extend_from_slice(raw);
    }

    fn field_list(&mut self, k: &str, xs: &[String]) -> io::Result<()> {
        self.key(k);
        self.open(b'[');
        for x in xs {
            self.item();
            self.str(x)?;
        }
        self.close(b']');
        Ok(())
    }

    fn bool_raw(b: Option<bool>) -> &'static [u8] {
        match b {
            Some(true) => b"true",
            Some(false) => b"false",
            None => b"null",
        }
    }

    /// One user object, keys in the `$select` order of the reader's export command.
    fn user(&mut self, u: &PlannedCloudUser) -> io::Result<()> {
        self.open(b'{');
        self.field_str("id", Some(&u.id))?;
        self.field_str("userPrincipalName", Some(&u.user_principal_name))?;
        self.field_str("userType", Some(u.user_type))?;
        self.field_raw("accountEnabled", Self::bool_raw(Some(u.account_enabled)));
        self.field_str("mail", u.mail.as_deref())?;
        self.field_list("proxyAddresses", &u.proxy_addresses)?;
        self.field_list("otherMails", &u.other_mails)?;
        self.field_str("creationType", u.creation_type)?;
        self.field_str("externalUserState", u.external_user_state)?;
        self.key("identities");
        self.open(b'[');
        for id in &u.identities {
            self.item();
            self.open(b'{');
            if self.pascal {
                // SDK model properties come in alphabetical order.
                self.field_str("issuer", Some(&id.issuer))?;
                self.field_str("issuerAssignedId", id.issuer_assigned_id.as_deref())?;
                self.field_str("signInType", Some(&id.sign_in_type))?;
            } else {
                self.field_str("signInType", Some(&id.sign_in_type))?;
                self.field_str("issuer", Some(&id.issuer))?;
                self.field_str("issuerAssignedId", id.issuer_assigned_id.as_deref())?;
            }
            self.close(b'}');
        }
        self.close(b']');
        self.field_raw(
            "onPremisesSyncEnabled",
            Self::bool_raw(u.on_premises_sync_enabled),
        );
        self.field_str(
            "onPremisesImmutableId",
            u.on_premises_immutable_id.as_deref(),
        )?;
        self.field_str(
            "onPremisesSecurityIdentifier",
            u.on_premises_security_identifier.as_deref(),
        )?;
        self.field_str(
            "onPremisesDistinguishedName",
            u.on_premises_distinguished_name.as_deref(),
        )?;
        self.field_str(
            "onPremisesSamAccountName",
            u.on_premises_sam_account_name.as_deref(),
        )?;
        self.field_str(
            "onPremisesUserPrincipalName",
            u.on_premises_user_principal_name.as_deref(),
        )?;
        self.field_str("onPremisesDomainName", u.on_premises_domain_name.as_deref())?;
        let last_sync = u.on_premises_last_sync_date_time.map(iso);
        self.field_str("onPremisesLastSyncDateTime", last_sync.as_deref())?;
        self.key("onPremisesExtensionAttributes");
        self.open(b'{');
        for n in 1..=15 {
            let k = format!("extensionAttribute{n}");
            let v = if n == 1 {
                u.extension_attribute1.as_deref()
            } else {
                None
            };
            self.field_str(&k, v)?;
        }
        self.close(b'}');
        let created = u.created_date_time.map(iso);
        self.field_str("createdDateTime", created.as_deref())?;
        self.close(b'}');
        Ok(())
    }
}

/// Graph REST pages, one per line. A page is held until the next user (or
/// the end) says whether it needs `@odata.nextLink`.
struct PagesSink<W: Write> {
    out: BatchedOut<W>,
    buf: Vec<u8>,
    page: Vec<u8>,
    in_page: usize,
    pages: u64,
    seed: u64,
    context: String,
    next_base: String,
}

impl<W: Write> PagesSink<W> {
    fn new(opts: &GenerateOptions, out: W) -> Self {
        let select = crate::read::cloud::coverage::select_list();
        PagesSink {
            out: BatchedOut::new(out),
            buf: Vec::with_capacity(SPILL * 2),
            page: Vec::with_capacity(1 << 21),
            in_page: 0,
            pages: 0,
            seed: opts.seed,
            context: format!("https://graph.microsoft.com/v1.0/$metadata#users({select})"),
            next_base: format!(
                "https://graph.microsoft.com/v1.0/users?$select={select}&$top={PAGE_SIZE}&$skiptoken="
            ),
        }
    }

    fn emit_page(&mut self, next: bool) -> io::Result<()> {
        let mut j = Json {
            buf: &mut self.buf,
            pretty: false,
            pascal: false,
            depth: 0,
            first: Vec::new(),
        };
        j.open(b'{');
        j.field_str("@odata.context", Some(&self.context))?;
        if next {
            let mut r = Rng::new(self.seed, self.pages, S_TOKEN);
            let token = format!(
                "{}RFNwdAIAAQAAACpVc2VyXz{:016x}{:016x}",
                self.next_base,
                r.next_u64(),
                r.next_u64()
            );
            j.field_str("@odata.nextLink", Some(&token))?;
        }
        j.key("value");
        self.buf.push(b'[');
        self.buf.extend_from_slice(&self.page);
        self.buf.extend_from_slice(b"]}\n");
        self.page.clear();
        self.in_page = 0;
        self.pages += 1;
        self.out.spill(&mut self.buf, 0)
    }
}

impl<W: Write> CloudSink for PagesSink<W> {
    fn user(&mut self, u: &PlannedCloudUser) -> io::Result<()> {
        if self.in_page == PAGE_SIZE {
            self.emit_page(true)?;
        }
        if self.in_page > 0 {
            self.page.push(b',');
        }
        let mut j = Json {
            buf: &mut self.page,
            pretty: false,
            pascal: false,
            depth: 0,
            first: Vec::new(),
        };
        j.user(u)?;
        self.in_page += 1;
        Ok(())
    }

    fn finish(&mut self) -> io::Result<u64> {
        self.emit_page(false)?;
        self.out.finish(&mut self.buf)
    }
}

/// `ConvertTo-Json` array (PowerShell 7: 2-space indentation, CRLF).
struct ArraySink<W: Write> {
    out: BatchedOut<W>,
    buf: Vec<u8>,
    users: u64,
}

impl<W: Write> ArraySink<W> {
    fn new(out: W) -> Self {
        ArraySink {
            out: BatchedOut::new(out),
            buf: Vec::with_capacity(SPILL * 2),
            users: 0,
        }
    }
}

impl<W: Write> CloudSink for ArraySink<W> {
    fn user(&mut self, u: &PlannedCloudUser) -> io::Result<()> {
        self.buf.extend_from_slice(if self.users == 0 {
            b"[\r\n  "
        } else {
            b",\r\n  "
        });
        let mut j = Json {
            buf: &mut self.buf,
            pretty: true,
            pascal: true,
            depth: 1,
            first: Vec::new(),
        };
        j.user(u)?;
        self.users += 1;
        self.out.spill(&mut self.buf, SPILL)
    }

    fn finish(&mut self) -> io::Result<u64> {
        self.buf.extend_from_slice(if self.users == 0 {
            b"[]\r\n"
        } else {
            b"\r\n]\r\n"
        });
        self.out.finish(&mut self.buf)
    }
}

/// The admin-center "Download users" CSV.
struct CsvSink<W: Write> {
    out: BatchedOut<W>,
    buf: Vec<u8>,
}

impl<W: Write> CsvSink<W> {
    fn new(out: W) -> Self {
        let mut buf = Vec::with_capacity(SPILL * 2);
        buf.extend_from_slice(ADMIN_CSV_HEADER.as_bytes());
        buf.extend_from_slice(b"\r\n");
        CsvSink {
            out: BatchedOut::new(out),
            buf,
        }
    }

    fn field(&mut self, first: bool, v: Option<&str>) {
        if !first {
            self.buf.push(b',');
        }
        let Some(v) = v else { return };
        if v.bytes().any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n')) {
            self.buf.push(b'"');
            for b in v.bytes() {
                if b == b'"' {
                    self.buf.push(b'"');
                }
                self.buf.push(b);
            }
            self.buf.push(b'"');
        } else {
            self.buf.extend_from_slice(v.as_bytes());
        }
    }
}

fn csv_bool(b: Option<bool>) -> Option<&'static str> {
    b.map(|b| if b { "True" } else { "False" })
}

impl<W: Write> CloudSink for CsvSink<W> {
    fn user(&mut self, u: &PlannedCloudUser) -> io::Result<()> {
        let other = (!u.other_mails.is_empty()).then(|| u.other_mails.join(";"));
        let created = u.created_date_time.map(locale_date);
        let cols: [Option<&str>; 29] = [
            Some(&u.user_principal_name),
            u.display_name.as_deref(),
            u.surname.as_deref(),
            u.mail.as_deref(),
            u.given_name.as_deref(),
            Some(&u.id),
            Some(u.user_type),
            u.job_title.as_deref(),
            u.department.as_deref(),
            csv_bool(Some(u.account_enabled)),
            u.usage_location.as_deref(),
            None, // streetAddress
            None, // state
            u.country.as_deref(),
            u.office_location.as_deref(),
            u.city.as_deref(),
            None, // postalCode
            u.telephone_number.as_deref(),
            None, // mobilePhone
            other.as_deref(),
            None, // ageGroup
            None, // consentProvidedForMinor
            None, // legalAgeGroupClassification
            u.company_name.as_deref(),
            u.creation_type,
            csv_bool(u.on_premises_sync_enabled),
            u.external_user_state,
            None, // identityIssuer
            created.as_deref(),
        ];
        for (i, v) in cols.iter().enumerate() {
            self.field(i == 0, *v);
        }
        self.buf.extend_from_slice(b"\r\n");
        self.out.spill(&mut self.buf, SPILL)
    }

    fn finish(&mut self) -> io::Result<u64> {
        self.out.finish(&mut self.buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(iso(1_629_379_531), "2021-08-19T13:25:31Z");
        assert_eq!(locale_date(1_629_379_531), "8/19/2021 1:25:31 PM");
        assert_eq!(locale_date(1_629_331_200), "8/19/2021 12:00:00 AM");
    }

    #[test]
    fn slot_layout() {
        assert_eq!(cloud_only_count(0), 0);
        assert_eq!(slot_counts(1000), [20, 10, 5, 2, 1]);
        assert_eq!(cloud_only_count(1000), 38);
        assert_eq!(cloud_only_kind(1000, 0), Planted::B2bGuest);
        assert_eq!(cloud_only_kind(1000, 20), Planted::CloudOnlyMember);
        assert_eq!(cloud_only_kind(1000, 30), Planted::OrphanedCloud);
        assert_eq!(cloud_only_kind(1000, 36), Planted::DuplicateImmutableId);
        assert_eq!(cloud_only_kind(1000, 37), Planted::MailCollision);
        assert_eq!(slot_counts(1), [1, 1, 1, 1, 1]);
    }

    #[test]
    fn pages_split_at_page_size() {
        let opts = GenerateOptions {
            users: 1100,
            ..GenerateOptions::default()
        };
        let mut v = Vec::new();
        write_graph_pages(&opts, &mut v).unwrap();
        let text = String::from_utf8(v).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].contains("\"@odata.nextLink\":"));
        assert!(!lines[1].contains("@odata.nextLink"));
        let n = cloud_users(&opts).count();
        assert_eq!(text.matches("\"userPrincipalName\":").count(), n);
    }
}
