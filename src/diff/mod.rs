//! Comparing two audits: what is new, resolved and changed between an older
//! report folder and a newer one.
//!
//! Findings are matched by their stable id ([`crate::findings::id`]):
//!
//! * **new**: an id only the newer audit has;
//! * **resolved**: an id only the older audit has;
//! * **changed**: an id both have, with another value in one of
//!   [`COMPARED`] (severity, intent, cloud state, detail, waiver);
//! * **unchanged**: the rest (the file and line of the evidence may differ:
//!   an export made again moves every line).
//!
//! Before anything is compared, what makes the two audits hard to compare is
//! listed ([`Diff::warnings`]): other rules (the rule file's hash), another
//! tenant or forest (no domain in common), other input formats, another
//! version of the tool, an incomplete audit, or `info` findings listed by
//! only one of them.
//!
//! The comparison fails ([`Diff::failed`], exit 1) when a finding that is not
//! waived newly reaches the `--fail-on` severity: a new one at or above it,
//! or a changed one that was below it and now is not.
//!
//! [`load()`] reads a report folder (`findings.jsonl`, `summary.json`),
//! [`write_diff`] writes `diff.json`, `diff.md` and `diff.html` as one set
//! (see [`crate::report::write_reports`]).

mod from_audit;
mod html;
pub mod load;
mod render;

pub use from_audit::from_report;
pub use load::{load, AuditInfo, DiffFinding, InputInfo, LoadError, Loaded};
pub use render::{
    is_own_diff, outcome, write_diff, write_reports_and_diff, FILE_NAMES, HTML_FILE, JSON_FILE,
    MD_FILE,
};

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use crate::findings::Severity;

/// The fields whose change makes a finding `changed`, in the order shown.
pub const COMPARED: &[&str] = &[
    "severity",
    "intended_user_type",
    "cloud_id",
    "cloud_upn",
    "cloud_user_type",
    "matched_by",
    "detail",
    "waiver",
];

/// Why two audits may not compare like with like.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// A stable snake_case code (`different_rules`, `different_tenant`, ...).
    pub code: &'static str,
    /// What differs, with the values.
    pub detail: String,
}

/// One field of a changed finding, before and after.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// The column name (one of [`COMPARED`]).
    pub field: &'static str,
    /// The older value (null when missing).
    pub before: Option<String>,
    /// The newer value.
    pub after: Option<String>,
}

/// A finding both audits have, with something changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Changed {
    /// The finding's id.
    pub id: String,
    /// What changed, in [`COMPARED`] order.
    pub changes: Vec<FieldChange>,
    /// The finding in the older audit.
    pub before: DiffFinding,
    /// The finding in the newer audit.
    pub after: DiffFinding,
}

/// The comparison of two audits.
#[derive(Clone, Debug, PartialEq)]
pub struct Diff {
    /// The older audit.
    pub old: AuditInfo,
    /// The newer audit.
    pub new: AuditInfo,
    /// What makes the two hard to compare (empty when nothing does).
    pub warnings: Vec<Warning>,
    /// The threshold for [`Diff::failed`].
    pub fail_on: Severity,
    /// Findings only the newer audit has, in its order.
    pub new_findings: Vec<DiffFinding>,
    /// Findings only the older audit has, in its order.
    pub resolved: Vec<DiffFinding>,
    /// Findings both have, changed, in the newer audit's order.
    pub changed: Vec<Changed>,
    /// Findings both have, unchanged.
    pub unchanged: u64,
    /// Findings not waived that newly reach `fail_on` (see the module doc).
    pub newly_reaching: u64,
    /// Whether one does.
    pub failed: bool,
}

/// Compares `old` with `new`; `fail_on` as `--fail-on`.
pub fn compare(old: Loaded, new: Loaded, fail_on: Severity) -> Diff {
    let mut warnings = comparability(&old, &new);
    let (mut old_findings, mut new_findings) = (old.findings, new.findings);
    let listing = (old.lists_info, new.lists_info);
    if let (Some(o), Some(n)) = listing {
        if o != n {
            warnings.push(Warning {
                code: "info_listing_differs",
                detail: format!(
                    "only the {} audit lists `info` findings (audit --include-info): they are \
                     left out of the comparison",
                    if o { "older" } else { "newer" }
                ),
            });
            old_findings.retain(|f| f.severity > Severity::Info);
            new_findings.retain(|f| f.severity > Severity::Info);
        }
    }
    let mut old_by_id: HashMap<String, DiffFinding> = old_findings
        .into_iter()
        .map(|f| (f.id.to_ascii_lowercase(), f))
        .collect();
    let reaches = |f: &DiffFinding| f.severity >= fail_on && f.waiver.is_none();
    let mut added = Vec::new();
    let mut changed = Vec::new();
    let mut unchanged = 0u64;
    let mut newly_reaching = 0u64;
    for f in new_findings {
        match old_by_id.remove(&f.id.to_ascii_lowercase()) {
            None => {
                if reaches(&f) {
                    newly_reaching += 1;
                }
                added.push(f);
            }
            Some(before) => {
                let changes = field_changes(&before, &f);
                if changes.is_empty() {
                    unchanged += 1;
                } else {
                    if reaches(&f) && !reaches(&before) {
                        newly_reaching += 1;
                    }
                    changed.push(Changed {
                        id: f.id.clone(),
                        changes,
                        before,
                        after: f,
                    });
                }
            }
        }
    }
    // What is left of the older audit is resolved, in its own order.
    let mut resolved: Vec<DiffFinding> = old_by_id.into_values().collect();
    resolved.sort_by_key(|f| f.position);
    Diff {
        old: old.info,
        new: new.info,
        warnings,
        fail_on,
        new_findings: added,
        resolved,
        changed,
        unchanged,
        newly_reaching,
        failed: newly_reaching > 0,
    }
}

fn field_changes(before: &DiffFinding, after: &DiffFinding) -> Vec<FieldChange> {
    COMPARED
        .iter()
        .filter_map(|&field| {
            let (b, a) = (before.field(field), after.field(field));
            (b != a).then_some(FieldChange {
                field,
                before: b,
                after: a,
            })
        })
        .collect()
}

/// The warnings about comparing `old` with `new` (see the module doc).
fn comparability(old: &Loaded, new: &Loaded) -> Vec<Warning> {
    let (o, n) = (&old.info, &new.info);
    let mut out = Vec::new();
    let rules = |i: &AuditInfo| i.inputs.iter().find(|x| x.role == "rules").cloned();
    let (ro, rn) = (rules(o), rules(n));
    let hashes = (
        ro.as_ref().and_then(|r| r.blake3.clone()),
        rn.as_ref().and_then(|r| r.blake3.clone()),
    );
    let other_rules = match &hashes {
        (Some(a), Some(b)) => a != b,
        // Without both hashes, what the rules say is compared.
        _ => o.rules_definition != n.rules_definition || o.rules_flow != n.rules_flow,
    };
    if other_rules {
        let describe = |r: &Option<InputInfo>, i: &AuditInfo| match r {
            Some(r) => format!(
                "{} (BLAKE3 {})",
                r.path,
                r.blake3
                    .as_deref()
                    .map_or("not hashed", |h| h.get(..12).unwrap_or(h))
            ),
            None => format!("a rule file with the {} flow", i.rules_flow),
        };
        out.push(Warning {
            code: "different_rules",
            detail: format!(
                "the audits used different rules: {} then {}; a finding that appears or \
                 disappears may come from the rules, not from the directory or the cloud",
                describe(&ro, o),
                describe(&rn, n)
            ),
        });
    }
    for (code, what, domains) in [
        (
            "different_tenant",
            "cloud UPN domain",
            cloud_domains as fn(&[DiffFinding]) -> BTreeSet<String>,
        ),
        ("different_forest", "on-premises DN domain", dn_domains),
    ] {
        let (a, b) = (domains(&old.findings), domains(&new.findings));
        if !a.is_empty() && !b.is_empty() && a.is_disjoint(&b) {
            out.push(Warning {
                code,
                detail: format!(
                    "the findings have no {what} in common ({} then {}): the audits seem to be \
                     of different {}; every finding shows as resolved or new",
                    sample(&a),
                    sample(&b),
                    if code == "different_tenant" {
                        "tenants"
                    } else {
                        "forests"
                    }
                ),
            });
        }
    }
    for role in ["onprem", "cloud"] {
        let formats = |i: &AuditInfo| {
            i.inputs
                .iter()
                .filter(|x| x.role == role)
                .map(|x| x.format.clone())
                .collect::<Vec<_>>()
        };
        let (a, b) = (formats(o), formats(n));
        if a != b {
            out.push(Warning {
                code: "different_inputs",
                detail: format!(
                    "the {} inputs differ in number or format ({} then {}): ids do not depend \
                     on the format, but a file more or less changes what is seen",
                    if role == "onprem" {
                        "on-premises"
                    } else {
                        "cloud"
                    },
                    list_or_none(&a),
                    list_or_none(&b)
                ),
            });
        }
    }
    if o.tool != n.tool {
        out.push(Warning {
            code: "different_version",
            detail: format!(
                "the audits were made by different versions ({} then {}): a finding a newer \
                 version adds or refines may show as new or changed",
                o.tool, n.tool
            ),
        });
    }
    for (which, i) in [("older", o), ("newer", n)] {
        if i.verdict == "incomplete" {
            out.push(Warning {
                code: "incomplete_audit",
                detail: format!(
                    "the {which} audit ({}) is incomplete: findings it could not see show as {}",
                    i.folder,
                    if which == "older" { "new" } else { "resolved" }
                ),
            });
        }
    }
    out
}

fn cloud_domains(findings: &[DiffFinding]) -> BTreeSet<String> {
    findings
        .iter()
        .filter_map(|f| f.cloud_upn.as_deref()?.rsplit_once('@'))
        .map(|(_, d)| d.to_ascii_lowercase())
        .filter(|d| !d.is_empty())
        .collect()
}

/// The `DC=` components of the findings' DNs, joined (`contoso.com`).
fn dn_domains(findings: &[DiffFinding]) -> BTreeSet<String> {
    findings
        .iter()
        .filter_map(|f| {
            let dn = f.dn.as_deref()?;
            let dcs: Vec<String> = dn
                .split(',')
                .filter_map(|rdn| {
                    let (k, v) = rdn.trim().split_once('=')?;
                    k.trim()
                        .eq_ignore_ascii_case("dc")
                        .then(|| v.trim().to_ascii_lowercase())
                })
                .collect();
            (!dcs.is_empty()).then(|| dcs.join("."))
        })
        .collect()
}

fn sample(set: &BTreeSet<String>) -> String {
    let mut s: Vec<&str> = set.iter().take(3).map(String::as_str).collect();
    if set.len() > 3 {
        s.push("…");
    }
    s.join(", ")
}

fn list_or_none(v: &[String]) -> String {
    if v.is_empty() {
        "none".to_owned()
    } else {
        v.join(", ")
    }
}

#[cfg(test)]
mod tests;
