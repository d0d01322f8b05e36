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
//! Those gaps are *blocking*: the audit refuses the export unless told
//! `--allow-partial-cloud`. A property that is null on every user but can
//! legitimately be (`creationType` in a tenant without B2B guests) is a
//! non-blocking gap: reported, not refused.

use super::model::{CloudUser, Property};
use super::CloudFormat;

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
}

/// One missing property.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Gap {
    /// The property.
    pub property: Property,
    /// Why it counts as missing.
    pub reason: GapReason,
    /// Whether the audit must refuse the export (unless `--allow-partial-cloud`).
    pub blocking: bool,
}

impl Gap {
    /// A one-line explanation.
    pub fn message(&self) -> String {
        let p = self.property.name();
        match self.reason {
            GapReason::AbsentEverywhere => format!(
                "no user in the export has `{p}`: it was not exported (Graph returns it only when named in `$select`)"
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
    /// Whether the export is a CSV (the remedy then says the CSV cannot do).
    pub csv: bool,
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
                let reason = if csv && anchor {
                    GapReason::NotInFormat
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
                    blocking,
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

/// What to tell the user: the gaps and both exact re-export commands.
pub fn remedy(c: &Coverage) -> String {
    let mut s = String::new();
    if c.gaps.is_empty() {
        s.push_str("The export has every property the audit depends on.\n");
    } else {
        let names: Vec<&str> = c.gaps.iter().map(|g| g.property.name()).collect();
        s.push_str(&format!(
            "The export lacks properties the audit depends on: {}.\n",
            names.join(", ")
        ));
        for g in &c.gaps {
            s.push_str(&format!("  - {}\n", g.message()));
        }
    }
    if c.csv {
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
