//! What a correct audit of the generated forest must report, derived from
//! what was planted, not from the audit's code.
//!
//! For each of the two rule files shipped in `fixtures/rules/`
//! ([`StandardRules`]) the intended UserType of an account is spelled out
//! here by hand (a Direct flow passes `extensionAttribute1` raw; Learn's
//! sample expression tests whether the lowercased UPN *contains*
//! `@partners.fabrikam123.org`, and raises `Error()` without a UPN), and each
//! planted disagreement ([`Planted`]) maps to the findings it must cause:
//!
//! | planted | findings |
//! | --- | --- |
//! | out-of-box exclusion | `out_of_scope` (info) |
//! | `MissingInCloud` | `missing_in_cloud` |
//! | `SoftMatch` | `soft_match` |
//! | `AnchorMismatch` | `anchor_mismatch` |
//! | `DuplicateAnchor` | `duplicate_anchor` on both accounts; the copy is compared with the original's cloud user |
//! | `DuplicateImmutableId` (slot) | `duplicate_anchor` on both cloud users |
//! | `OrphanedCloud` (slot) | `orphaned_cloud` |
//! | `MailCollision` (slot) | `key_conflict` on the account whose mail the guest has |
//! | a B2B cloud user, intended Member | `synced_b2b_guest` |
//! | intended Guest, cloud Member | `guest_as_member` (critical when enabled, else high) |
//! | intended Member, cloud Guest | `member_as_guest` |
//! | rule error / invalid value | `rule_error` / `invalid_user_type` (no UserType comparison) |
//!
//! The files are CSV with the columns `kind,severity,dn,cloud_id`: `dn` is
//! the account's DN for account findings and empty for cloud-side ones;
//! `cloud_id` is the cloud user concerned, empty when none.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use super::cloud::{
    cloud_only_count, cloud_only_in, cloud_user_in, plant_for, PlannedCloudUser, Planted,
};
use super::{account_in, Ctx, GenerateOptions, SyntheticAccount};

/// The rule files of `fixtures/rules/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StandardRules {
    /// `extension-attribute.toml`: Direct flow from `extensionAttribute1`.
    ExtensionAttribute,
    /// `upn-expression.toml`: Learn's sample expression.
    UpnExpression,
}

impl StandardRules {
    /// Both, in file-name order.
    pub const ALL: [StandardRules; 2] = [
        StandardRules::ExtensionAttribute,
        StandardRules::UpnExpression,
    ];

    /// The expected-findings file name for this rule file.
    pub fn file_name(self) -> &'static str {
        match self {
            StandardRules::ExtensionAttribute => "expected-extension-attribute.csv",
            StandardRules::UpnExpression => "expected-upn-expression.csv",
        }
    }
}

/// The partner marker of Learn's sample expression (lowercase, as it compares).
pub const SAMPLE_PARTNER_MARKER: &str = "@partners.fabrikam123.org";

/// One expected finding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExpectedFinding {
    /// The finding kind (snake_case).
    pub kind: &'static str,
    /// Its severity.
    pub severity: &'static str,
    /// The account's DN (empty for a cloud-side finding).
    pub dn: String,
    /// The cloud user concerned (empty when none).
    pub cloud_id: String,
}

enum Intended {
    Member,
    Guest,
    Error,
    Invalid,
    NoValue,
}

fn intended(a: &SyntheticAccount, rules: StandardRules) -> Intended {
    match rules {
        StandardRules::ExtensionAttribute => match a.extension_attribute1.as_deref() {
            None => Intended::NoValue,
            Some("Member") => Intended::Member,
            Some("Guest") => Intended::Guest,
            Some(_) => Intended::Invalid,
        },
        StandardRules::UpnExpression => {
            if a.upn.is_empty() {
                Intended::Error
            } else if a.upn.to_lowercase().contains(SAMPLE_PARTNER_MARKER) {
                Intended::Guest
            } else {
                Intended::Member
            }
        }
    }
}

fn is_b2b(u: &PlannedCloudUser) -> bool {
    u.creation_type == Some("Invitation")
        || u.user_principal_name.contains("#EXT#")
        || u.external_user_state.is_some()
}

/// Every finding the audit of the generated forest must report with `rules`, sorted.
pub fn expected_findings(opts: &GenerateOptions, rules: StandardRules) -> Vec<ExpectedFinding> {
    let ctx = Ctx::new(opts);
    let mut out = Vec::new();
    let mut push = |kind, severity, dn: &str, cloud: Option<&PlannedCloudUser>| {
        out.push(ExpectedFinding {
            kind,
            severity,
            dn: dn.to_string(),
            cloud_id: cloud.map(|u| u.id.clone()).unwrap_or_default(),
        })
    };
    // The cloud-only slots first, so that one pass over the accounts finds
    // what the slots point at.
    let mut by_immutable_id: HashMap<String, Vec<PlannedCloudUser>> = HashMap::new();
    let mut by_mail: HashMap<String, Vec<PlannedCloudUser>> = HashMap::new();
    for slot in 0..cloud_only_count(opts.users) {
        let u = cloud_only_in(&ctx, slot);
        match u.planted {
            Some(Planted::OrphanedCloud) => push("orphaned_cloud", "low", "", Some(&u)),
            Some(Planted::DuplicateImmutableId) => {
                if let Some(id) = &u.on_premises_immutable_id {
                    by_immutable_id.entry(id.clone()).or_default().push(u);
                }
            }
            Some(Planted::MailCollision) => {
                if let Some(m) = &u.mail {
                    by_mail.entry(m.to_ascii_lowercase()).or_default().push(u);
                }
            }
            _ => {}
        }
    }
    for i in 0..opts.users {
        let a = account_in(&ctx, i);
        if a.oob_exclusion.is_some() {
            push("out_of_scope", "info", &a.dn, None);
            continue;
        }
        // A guest with an account's mail conflicts with the first account
        // that has it.
        if let Some(guests) = a
            .mail
            .as_ref()
            .and_then(|m| by_mail.remove(&m.to_ascii_lowercase()))
        {
            for g in &guests {
                push("key_conflict", "medium", &a.dn, Some(g));
            }
        }
        let plant = plant_for(&ctx, &a);
        let original = a.duplicate_anchor_of.map(|j| account_in(&ctx, j));
        let cloud = match (&original, plant) {
            (_, Some(Planted::MissingInCloud)) => None,
            (Some(o), _) => cloud_user_in(&ctx, o),
            (None, _) => cloud_user_in(&ctx, &a),
        };
        // Each duplicate slot copies an account that has its own cloud user.
        let own = cloud.as_ref().filter(|_| original.is_none());
        let copies = own.and_then(|u| by_immutable_id.get(u.on_premises_immutable_id.as_ref()?));
        if let (Some(own), Some(copies)) = (own, copies) {
            push("duplicate_anchor", "high", "", Some(own));
            for c in copies {
                push("duplicate_anchor", "high", "", Some(c));
            }
        }
        let want = intended(&a, rules);
        match want {
            Intended::Error => push("rule_error", "high", &a.dn, cloud.as_ref()),
            Intended::Invalid => push("invalid_user_type", "high", &a.dn, cloud.as_ref()),
            _ => {}
        }
        match plant {
            Some(Planted::MissingInCloud) => {
                push("missing_in_cloud", "low", &a.dn, None);
                continue;
            }
            Some(Planted::SoftMatch) => {
                push("soft_match", "medium", &a.dn, cloud.as_ref());
                continue;
            }
            Some(Planted::AnchorMismatch) => {
                push("anchor_mismatch", "high", &a.dn, cloud.as_ref());
                continue;
            }
            Some(Planted::DuplicateAnchor) => {
                push("duplicate_anchor", "high", &a.dn, None);
                if let Some(o) = &original {
                    push("duplicate_anchor", "high", &o.dn, None);
                }
            }
            _ => {}
        }
        let Some(u) = &cloud else { continue };
        let t = match want {
            Intended::Member => "Member",
            Intended::Guest => "Guest",
            _ => continue,
        };
        if is_b2b(u) && t == "Member" {
            push("synced_b2b_guest", "medium", &a.dn, Some(u));
        } else if t == "Guest" && u.user_type == "Member" {
            let severity = if u.account_enabled {
                "critical"
            } else {
                "high"
            };
            push("guest_as_member", severity, &a.dn, Some(u));
        } else if t == "Member" && u.user_type == "Guest" {
            push("member_as_guest", "medium", &a.dn, Some(u));
        }
    }
    out.sort();
    out
}

/// Writes the expected-findings files of both rule files into `dir`.
pub fn write_expected(opts: &GenerateOptions, dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for rules in StandardRules::ALL {
        let path = dir.join(rules.file_name());
        let mut w = csv::Writer::from_writer(io::BufWriter::new(std::fs::File::create(&path)?));
        w.write_record(["kind", "severity", "dn", "cloud_id"])?;
        for f in expected_findings(opts, rules) {
            w.write_record([f.kind, f.severity, &f.dn, &f.cloud_id])?;
        }
        w.flush()?;
        drop(w);
        written.push(path);
    }
    Ok(written)
}
