//! The coverage check: which properties the audit depends on are missing
//! from the whole export, and the exact commands that export them.
//!
//! Graph returns most of these properties only when they are named in
//! `$select`, and `Get-MgUser` without `-Property` emits them all as `null`:
//! an export without `userType` or `onPremisesImmutableId` would silently
//! make the audit meaningless. A property is missing when
//!
//! * no user has the key at all (REST without `$select`, a CSV without the column);
//! * `id`, `userPrincipalName`, `userType` or `accountEnabled` is null on
//!   every user (every real user has them: `Get-MgUser` without `-Property`);
//! * `onPremisesImmutableId` or `onPremisesSecurityIdentifier` is null on
//!   every synced user (`onPremisesSyncEnabled` true);
//! * the format cannot carry it (the admin-center CSV has no anchors).
//!
//! A gap in one of the [`VERDICT_PROPERTIES`] (`userType`,
//! `onPremisesImmutableId`, `onPremisesSyncEnabled`) is *blocking*: without
//! it the audit cannot tell a partner Member from a Guest, or a synced user
//! from another, and it refuses the export unless told
//! `--allow-partial-cloud` (its verdict can then not be a pass). A gap in any
//! other property only limits a secondary check (`proxyAddresses`: the soft
//! match on the primary SMTP address) and is reported as a limitation. A
//! property that is null on every user but can legitimately be
//! (`onPremisesImmutableId` in a tenant nobody syncs to) is not blocking.
//!
//! The gaps are data ([`Coverage::gaps`], and [`CloudCoverage`] over the
//! exports of one audit), not diagnostics: each is shown once, by whoever
//! presents the read.

use std::sync::Arc;

use super::model::{CloudUser, Property};
use super::CloudFormat;

/// The properties the audit's verdict depends on: a gap in one of them
/// blocks the audit (or, with `--allow-partial-cloud`, makes it incomplete).
pub const VERDICT_PROPERTIES: &[Property] = &[
    Property::UserType,
    Property::OnPremisesImmutableId,
    Property::OnPremisesSyncEnabled,
];

/// Whether `p` is one of the [`VERDICT_PROPERTIES`].
pub fn is_verdict_property(p: Property) -> bool {
    VERDICT_PROPERTIES.contains(&p)
}

/// The properties the audit depends on (checked by [`coverage`]).
pub const AUDIT_PROPERTIES: &[Property] = &[
    Property::UserType,
    Property::OnPremisesImmutableId,
    Property::OnPremisesSyncEnabled,
    Property::AccountEnabled,
    Property::UserPrincipalName,
    Property::Mail,
    Property::ProxyAddresses,
    Property::OnPremisesSecurityIdentifier,
    Property::CreationType,
    Property::ExternalUserState,
];

/// Why a property counts as missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GapReason {
    /// No user has the key (or the CSV has no such column).
    AbsentEverywhere,
    /// The key is there but null on every user.
    NullEverywhere,
    /// Null on every synced user (`onPremisesSyncEnabled` true).
    NullOnSyncedUsers,
    /// The format never carries it (admin-center CSV: no ImmutableId, no SID).
    NotInFormat,
    /// The CSV export has no column for it.
    NoColumn,
}

/// One missing property.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Gap {
    /// The property.
    pub property: Property,
    /// Why it counts as missing.
    pub reason: GapReason,
    /// Whether the audit must refuse the export (unless
    /// `--allow-partial-cloud`): a gap in a verdict property (see the module doc).
    pub blocking: bool,
}

impl Gap {
    /// Whether the property is one of the [`VERDICT_PROPERTIES`].
    pub fn is_verdict_property(&self) -> bool {
        is_verdict_property(self.property)
    }

    /// A one-line explanation, with what the gap costs the audit.
    pub fn message(&self) -> String {
        let cost = if self.blocking {
            "the verdict depends on it"
        } else if self.is_verdict_property() {
            "harmless if no user is synced from Active Directory"
        } else {
            "a secondary check is limited"
        };
        format!("{} ({cost})", self.cause())
    }

    /// Why the property counts as missing.
    fn cause(&self) -> String {
        let p = self.property.name();
        match self.reason {
            GapReason::AbsentEverywhere => format!(
                "no user in the export has `{p}`: it was not exported (Graph returns it only when named in `$select`)"
            ),
            GapReason::NoColumn => format!(
                "the CSV has no `{p}` column: it was not exported (add it to the columns exported, or export JSON from Microsoft Graph)"
            ),
            GapReason::NullEverywhere if self.blocking => format!(
                "`{p}` is null on every user: it was not exported (`Get-MgUser` without `-Property {p}` leaves it null)"
            ),
            GapReason::NullEverywhere => format!(
                "`{p}` is null on every user: either no user has one or it was not exported (`Get-MgUser` without `-Property {p}`)"
            ),
            GapReason::NullOnSyncedUsers => format!(
                "`{p}` is null on every synced user (onPremisesSyncEnabled true): it was not exported"
            ),
            GapReason::NotInFormat => format!(
                "the admin-center \"Download users\" CSV never carries `{p}`: matching to AD falls back to UPN and mail; use the Graph JSON export"
            ),
        }
    }
}

/// Per-property counts over the whole export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PropertyCount {
    /// The property.
    pub property: Property,
    /// Users with the key (or column), null or not.
    pub present: u64,
    /// Users with a usable value.
    pub valued: u64,
}

/// What the export covers.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Coverage {
    /// Users read.
    pub users: u64,
    /// Users with `onPremisesSyncEnabled` true.
    pub synced_users: u64,
    /// Counts for every [`Property`], in declaration order.
    pub counts: Vec<PropertyCount>,
    /// The missing properties, in [`AUDIT_PROPERTIES`] order.
    pub gaps: Vec<Gap>,
    /// Whether the export is a CSV.
    pub csv: bool,
    /// Whether the export is the admin-center "Download users" CSV, which
    /// has no anchor columns (the remedy then says so).
    pub admin_center: bool,
}

impl Coverage {
    /// Whether no blocking gap was found.
    pub fn is_complete(&self) -> bool {
        self.gaps.iter().all(|g| !g.blocking)
    }

    /// The blocking gaps.
    pub fn blocking(&self) -> impl Iterator<Item = &Gap> {
        self.gaps.iter().filter(|g| g.blocking)
    }

    /// The verdict properties missing from the export (blocking gaps).
    pub fn missing_verdict_properties(&self) -> Vec<Property> {
        self.blocking().map(|g| g.property).collect()
    }

    /// The other missing properties: each limits a secondary check.
    pub fn missing_secondary_properties(&self) -> Vec<Property> {
        self.gaps
            .iter()
            .filter(|g| !g.blocking)
            .map(|g| g.property)
            .collect()
    }

    /// The counts of one property.
    pub fn count(&self, p: Property) -> PropertyCount {
        self.counts
            .iter()
            .copied()
            .find(|c| c.property == p)
            .unwrap_or(PropertyCount {
                property: p,
                present: 0,
                valued: 0,
            })
    }
}

/// Computes the coverage of `users` read from an export of `format`.
pub fn coverage(users: &[CloudUser], format: CloudFormat) -> Coverage {
    let n = Property::ALL.len();
    let mut present = vec![0u64; n];
    let mut valued = vec![0u64; n];
    let mut synced_valued = vec![0u64; n];
    let mut synced = 0u64;
    for u in users {
        let is_synced = u.on_premises_sync_enabled == Some(true);
        synced += u64::from(is_synced);
        for p in u.present.iter() {
            present[p as usize] += 1;
        }
        for p in u.valued.iter() {
            valued[p as usize] += 1;
            if is_synced {
                synced_valued[p as usize] += 1;
            }
        }
    }
    let csv = format.is_csv();
    let admin_center = format == CloudFormat::AdminCenterCsv;
    let counts: Vec<PropertyCount> = Property::ALL
        .iter()
        .map(|&p| PropertyCount {
            property: p,
            present: present[p as usize],
            valued: valued[p as usize],
        })
        .collect();
    let mut gaps = Vec::new();
    if !users.is_empty() {
        let has_anchor = valued[Property::OnPremisesImmutableId as usize] > 0
            || valued[Property::OnPremisesSecurityIdentifier as usize] > 0;
        for &p in AUDIT_PROPERTIES {
            let i = p as usize;
            let anchor = matches!(
                p,
                Property::OnPremisesImmutableId | Property::OnPremisesSecurityIdentifier
            );
            let gap = if present[i] == 0 {
                let reason = if admin_center && anchor {
                    GapReason::NotInFormat
                } else if csv {
                    GapReason::NoColumn
                } else {
                    GapReason::AbsentEverywhere
                };
                Some((reason, true))
            } else if anchor && synced > 0 && synced_valued[i] == 0 {
                Some((GapReason::NullOnSyncedUsers, true))
            } else if valued[i] == 0 {
                let blocking = match p {
                    Property::UserType | Property::AccountEnabled | Property::UserPrincipalName => {
                        true
                    }
                    Property::OnPremisesSyncEnabled => has_anchor,
                    _ => false,
                };
                Some((GapReason::NullEverywhere, blocking))
            } else {
                None
            };
            if let Some((reason, blocking)) = gap {
                gaps.push(Gap {
                    property: p,
                    reason,
                    blocking: blocking && is_verdict_property(p),
                });
            }
        }
    }
    Coverage {
        users: users.len() as u64,
        synced_users: synced,
        counts,
        gaps,
        csv,
        admin_center,
    }
}

/// The `$select` list: every property the reader knows, in model order.
pub fn select_list() -> String {
    Property::ALL
        .iter()
        .map(|p| p.name())
        .collect::<Vec<_>>()
        .join(",")
}

/// The Graph request that exports every property the audit reads.
pub fn graph_request() -> String {
    format!(
        "GET https://graph.microsoft.com/v1.0/users?$select={}&$top=999",
        select_list()
    )
}

/// The Microsoft Graph PowerShell line that exports every property the audit reads.
pub fn powershell_command() -> String {
    let list = select_list();
    format!(
        "Get-MgUser -All -Property {list} | Select-Object {list} | ConvertTo-Json -Depth 10 | Out-File -Encoding utf8 graph-users.json"
    )
}

/// The one-line verdict on an export's coverage, for a summary: None when
/// nothing is missing.
pub fn headline(c: &Coverage) -> Option<&'static str> {
    if !c.is_complete() {
        Some("WARNING: this export cannot support a full audit. It lacks properties the verdict depends on.")
    } else if !c.gaps.is_empty() {
        Some(
            "Note: this export supports the audit, but lacks properties some secondary checks use.",
        )
    } else {
        None
    }
}

/// What to tell the user: the gaps and both exact re-export commands
/// (only the first sentence when nothing is missing).
pub fn remedy(c: &Coverage) -> String {
    let mut s = String::new();
    if c.gaps.is_empty() {
        s.push_str("The export has every property the audit depends on.\n");
        return s;
    }
    let names = |blocking: bool| -> Vec<&str> {
        c.gaps
            .iter()
            .filter(|g| g.blocking == blocking)
            .map(|g| g.property.name())
            .collect()
    };
    let (verdict, secondary) = (names(true), names(false));
    if !verdict.is_empty() {
        s.push_str(&format!(
            "The export lacks properties the verdict depends on: {}.\n",
            verdict.join(", ")
        ));
    }
    if !secondary.is_empty() {
        s.push_str(&format!(
            "It lacks properties that only limit secondary checks: {}.\n",
            secondary.join(", ")
        ));
    }
    for g in &c.gaps {
        s.push_str(&format!("  - {}\n", g.message()));
    }
    if c.gaps.iter().any(|g| g.reason == GapReason::NotInFormat) {
        s.push_str(
            "The admin-center \"Download users\" CSV never carries onPremisesImmutableId or \
             onPremisesSecurityIdentifier; export from Microsoft Graph instead.\n",
        );
    }
    s.push_str(
        "Re-export all users with Microsoft Graph (follow @odata.nextLink until it is absent; save each page on its own line):\n",
    );
    s.push_str("  ");
    s.push_str(&graph_request());
    s.push_str("\nor with Microsoft Graph PowerShell:\n  ");
    s.push_str(&powershell_command());
    s.push('\n');
    s
}

/// One property missing from one or more of an audit's cloud exports.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MissingProperty {
    /// The property.
    pub property: Property,
    /// The exports that lack it, in the order given, with why.
    pub files: Vec<(Arc<str>, GapReason)>,
}

/// What the cloud exports of one audit cover, together: which verdict
/// properties and which secondary ones are missing, and from which export.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CloudCoverage {
    /// Each export's coverage, in the order given.
    pub files: Vec<(Arc<str>, Coverage)>,
}

impl CloudCoverage {
    /// Adds the coverage of one export.
    pub fn push(&mut self, file: Arc<str>, coverage: Coverage) {
        self.files.push((file, coverage));
    }

    /// The [`VERDICT_PROPERTIES`] some export lacks (a blocking gap), in
    /// that order: the audit's answer for the users of those exports is
    /// unknown, and its verdict cannot be a pass.
    pub fn missing_verdict_properties(&self) -> Vec<MissingProperty> {
        self.missing(true)
    }

    /// The other properties some export lacks: each limits a secondary
    /// check (a limitation to list, not a reason to doubt the verdict).
    pub fn missing_secondary_properties(&self) -> Vec<MissingProperty> {
        self.missing(false)
    }

    fn missing(&self, blocking: bool) -> Vec<MissingProperty> {
        let mut out: Vec<MissingProperty> = Vec::new();
        for &p in AUDIT_PROPERTIES {
            let files: Vec<(Arc<str>, GapReason)> = self
                .files
                .iter()
                .flat_map(|(f, c)| {
                    c.gaps
                        .iter()
                        .filter(move |g| g.property == p && g.blocking == blocking)
                        .map(move |g| (f.clone(), g.reason))
                })
                .collect();
            if !files.is_empty() {
                out.push(MissingProperty { property: p, files });
            }
        }
        out
    }
}
