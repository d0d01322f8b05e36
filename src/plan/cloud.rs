//! The cloud `userType` corrections: one per cloud user of a
//! `guest_as_member` or `member_as_guest` finding, as Microsoft Graph JSON
//! batches (and their undo) and as Microsoft Graph PowerShell.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::json;

use super::escape::{ps_comment, ps_quote, url_segment};
use crate::findings::{AuditSummary, Finding, Kind};

/// Microsoft Graph takes at most 20 requests in one `$batch`
/// (<https://learn.microsoft.com/graph/json-batching>).
pub const BATCH_LIMIT: usize = 20;

/// One cloud user whose `userType` the plan sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloudChange {
    /// The cloud user's `id`.
    pub cloud_id: String,
    /// The value the rules intend (`Member` or `Guest`).
    pub to: &'static str,
    /// The value in the cloud export (the undo sets it back).
    pub from: &'static str,
    /// The finding kind that asks for it.
    pub kind: Kind,
    /// The account's DN.
    pub dn: String,
    /// `file:line` of the account.
    pub source: String,
}

/// The changes, and the cloud users left out because two accounts ask for
/// different values (each such id once, with the DNs involved).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CloudPlan {
    /// One change per cloud user, in the findings' order.
    pub changes: Vec<CloudChange>,
    /// Cloud users two accounts disagree about: (cloud id, DNs).
    pub contested: Vec<(String, Vec<String>)>,
    /// Cloud users left out because a finding about them is waived: (cloud
    /// id, DN, the waiver's `file:line`). A waiver accepts the cloud value as
    /// it is, so the plan must not change it.
    pub waived: Vec<(String, String, String)>,
}

impl CloudPlan {
    /// The changes the findings ask for.
    pub fn from_findings(findings: &[Finding]) -> CloudPlan {
        let mut changes: Vec<CloudChange> = Vec::new();
        let mut by_id: HashMap<String, usize> = HashMap::new();
        let mut contested: Vec<(String, Vec<String>)> = Vec::new();
        let mut waived: Vec<(String, String, String)> = Vec::new();
        for f in findings {
            let (to, from) = match f.kind {
                Kind::GuestAsMember => ("Guest", "Member"),
                Kind::MemberAsGuest => ("Member", "Guest"),
                _ => continue,
            };
            let Some(id) = f.cloud_id.as_deref().filter(|id| !id.is_empty()) else {
                continue;
            };
            let dn = f.dn.clone().unwrap_or_default();
            if let Some(w) = &f.waiver {
                waived.push((id.to_string(), dn, w.at.clone()));
                continue;
            }
            match by_id.get(id) {
                Some(&i) if changes.get(i).is_some_and(|c| c.to == to) => continue,
                Some(&i) => {
                    let first = changes.get(i).map(|c| c.dn.clone()).unwrap_or_default();
                    match contested.iter_mut().find(|(c, _)| c == id) {
                        Some((_, dns)) => dns.push(dn),
                        None => contested.push((id.to_string(), vec![first, dn])),
                    }
                }
                None => {
                    by_id.insert(id.to_string(), changes.len());
                    changes.push(CloudChange {
                        cloud_id: id.to_string(),
                        to,
                        from,
                        kind: f.kind,
                        dn,
                        source: f.source.clone().unwrap_or_default(),
                    });
                }
            }
        }
        changes.retain(|c| {
            !contested.iter().any(|(id, _)| *id == c.cloud_id)
                && !waived.iter().any(|(id, _, _)| *id == c.cloud_id)
        });
        contested.retain(|(c, _)| !waived.iter().any(|(id, _, _)| id == c));
        CloudPlan {
            changes,
            contested,
            waived,
        }
    }

    /// How many changes set `to`.
    pub fn count_to(&self, to: &str) -> usize {
        self.changes.iter().filter(|c| c.to == to).count()
    }
}

/// JSON batch bodies, one per line, at most [`BATCH_LIMIT`] requests each;
/// request ids run 1, 2, ... over the whole file, so each is unique.
pub fn batch_lines(requests: impl Iterator<Item = serde_json::Value>) -> String {
    let mut out = String::new();
    let mut batch: Vec<serde_json::Value> = Vec::with_capacity(BATCH_LIMIT);
    let flush = |batch: &mut Vec<serde_json::Value>, out: &mut String| {
        if !batch.is_empty() {
            out.push_str(&json!({ "requests": batch }).to_string());
            out.push('\n');
            batch.clear();
        }
    };
    for (i, mut request) in requests.enumerate() {
        if let Some(obj) = request.as_object_mut() {
            obj.insert("id".into(), json!((i + 1).to_string()));
        }
        batch.push(request);
        if batch.len() == BATCH_LIMIT {
            flush(&mut batch, &mut out);
        }
    }
    flush(&mut batch, &mut out);
    out
}

/// `PATCH /users/{id}` requests; with `undo`, back to the exported values.
pub fn write_batch(changes: &[CloudChange], undo: bool) -> String {
    batch_lines(changes.iter().map(|c| {
        json!({
            "method": "PATCH",
            "url": format!("/users/{}", url_segment(&c.cloud_id)),
            "headers": { "Content-Type": "application/json" },
            "body": { "userType": if undo { c.from } else { c.to } },
        })
    }))
}

/// The first line of every script a plan writes (how a later run knows the
/// file for its own).
pub const SCRIPT_MARK: &str = "# usertype-audit remediation plan";

/// Comment lines naming the audit a script comes from: its inputs with
/// their BLAKE3 hashes, and its verdict.
pub fn audit_lines(summary: &AuditSummary) -> String {
    let mut out = String::from("# From the audit of:\n");
    for f in &summary.inputs {
        let hash = f.blake3.as_deref().unwrap_or("not hashed");
        let _ = writeln!(
            out,
            "#   {:<6} {}  blake3 {}",
            f.role,
            ps_comment(&f.path),
            hash
        );
    }
    let _ = writeln!(out, "# Verdict of that audit: {}", summary.verdict.name());
    out
}

/// The script's `-Apply` switch and `-WhatIf` default.
pub const SCRIPT_PARAMS: &str = "[CmdletBinding()]\nparam(\n    # Make the changes; without it every command runs with -WhatIf.\n    [switch]$Apply\n)\n$ErrorActionPreference = 'Stop'\n$WhatIf = -not $Apply\n";

/// `cloud-usertype.ps1`.
pub fn write_script(plan: &CloudPlan, summary: &AuditSummary) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{SCRIPT_MARK}: cloud userType");
    out.push_str("#\n");
    let _ = writeln!(
        out,
        "# What: sets the cloud userType of {} user(s) to what the UserType rules intend:\n\
         #   {} guest_as_member -> Guest, {} member_as_guest -> Member.",
        plan.changes.len(),
        plan.count_to("Guest"),
        plan.count_to("Member"),
    );
    out.push_str(&audit_lines(summary));
    out.push_str(
        "#\n\
         # Review every line before running it. Without -Apply nothing changes: every\n\
         # Update-MgUser runs with -WhatIf and only says what it would do.\n\
         #   Connect-MgGraph -Scopes 'User.ReadWrite.All'\n\
         #   ./cloud-usertype.ps1           # dry run\n\
         #   ./cloud-usertype.ps1 -Apply    # make the changes\n\
         # undo/cloud-usertype.batch.jsonl sets every value back (Graph $batch).\n\
         # While UserType sync runs with a rule that disagrees, the next sync\n\
         # cycle writes the rule's value again: fix the rule first (PLAN.md).\n",
    );
    out.push_str(SCRIPT_PARAMS);
    for c in &plan.changes {
        let _ = write!(
            out,
            "\n# {} (was {}; {}, {})\nUpdate-MgUser -UserId {} -UserType {} -WhatIf:$WhatIf\n",
            ps_comment(&c.dn),
            c.from,
            c.kind.name(),
            ps_comment(&c.source),
            ps_quote(&c.cloud_id),
            ps_quote(c.to),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Severity;

    fn finding(kind: Kind, id: &str, dn: &str) -> Finding {
        Finding {
            id: crate::findings::FindingId::cloud(kind, id),
            kind,
            severity: Severity::High,
            dn: Some(dn.into()),
            upn: None,
            source_anchor: None,
            cloud_id: Some(id.into()),
            cloud_upn: None,
            intended_user_type: None,
            cloud_user_type: None,
            matched_by: None,
            rule: None,
            source: Some("x.ldf:1".into()),
            detail: String::new(),
            waiver: None,
        }
    }

    #[test]
    fn one_change_per_user_and_disagreements_left_out() {
        let findings = [
            finding(Kind::GuestAsMember, "a", "CN=A"),
            finding(Kind::GuestAsMember, "a", "CN=A2"),
            finding(Kind::MemberAsGuest, "b", "CN=B"),
            finding(Kind::GuestAsMember, "c", "CN=C"),
            finding(Kind::MemberAsGuest, "c", "CN=C2"),
            finding(Kind::SoftMatch, "d", "CN=D"),
        ];
        let plan = CloudPlan::from_findings(&findings);
        let ids: Vec<(&str, &str)> = plan
            .changes
            .iter()
            .map(|c| (c.cloud_id.as_str(), c.to))
            .collect();
        assert_eq!(ids, [("a", "Guest"), ("b", "Member")]);
        assert_eq!(
            plan.contested,
            [(
                "c".to_string(),
                vec!["CN=C".to_string(), "CN=C2".to_string()]
            )]
        );
    }

    #[test]
    fn a_waived_finding_changes_nothing_for_its_cloud_user() {
        let waiver = std::sync::Arc::new(crate::findings::AppliedWaiver {
            at: "waivers.toml:3".into(),
            owner: "alice".into(),
            expires: crate::findings::waiver::Date::parse("2027-03-31").expect("date"),
            reason: "EDI account stays Member".into(),
            text: String::new(),
        });
        let mut waived = finding(Kind::GuestAsMember, "a", "CN=A");
        waived.waiver = Some(waiver.clone());
        let mut also_waived = finding(Kind::MemberAsGuest, "c", "CN=C2");
        also_waived.waiver = Some(waiver);
        let findings = [
            waived,
            // Another account of the same cloud user: the waiver still wins.
            finding(Kind::GuestAsMember, "a", "CN=A2"),
            finding(Kind::MemberAsGuest, "b", "CN=B"),
            finding(Kind::GuestAsMember, "c", "CN=C"),
            also_waived,
        ];
        let plan = CloudPlan::from_findings(&findings);
        let ids: Vec<&str> = plan.changes.iter().map(|c| c.cloud_id.as_str()).collect();
        assert_eq!(ids, ["b"]);
        assert!(plan.contested.is_empty(), "{:?}", plan.contested);
        assert_eq!(
            plan.waived,
            [
                (
                    "a".to_string(),
                    "CN=A".to_string(),
                    "waivers.toml:3".to_string()
                ),
                (
                    "c".to_string(),
                    "CN=C2".to_string(),
                    "waivers.toml:3".to_string()
                ),
            ]
        );
    }

    #[test]
    fn batches_hold_at_most_twenty_requests_with_unique_ids() {
        let changes: Vec<CloudChange> = (0..45)
            .map(|i| CloudChange {
                cloud_id: format!("id{i}"),
                to: "Guest",
                from: "Member",
                kind: Kind::GuestAsMember,
                dn: String::new(),
                source: String::new(),
            })
            .collect();
        let text = write_batch(&changes, true);
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect();
        let sizes: Vec<usize> = lines
            .iter()
            .map(|l| l["requests"].as_array().map_or(0, Vec::len))
            .collect();
        assert_eq!(sizes, [20, 20, 5]);
        let ids: std::collections::BTreeSet<&str> = lines
            .iter()
            .flat_map(|l| l["requests"].as_array().into_iter().flatten())
            .filter_map(|r| r["id"].as_str())
            .collect();
        assert_eq!(ids.len(), 45);
        assert_eq!(lines[2]["requests"][4]["url"], "/users/id44");
        assert_eq!(lines[2]["requests"][4]["body"]["userType"], "Member");
    }
}
