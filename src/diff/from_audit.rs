//! The newer side of `audit --baseline`: the audit just made, as the
//! comparison would read it back from the folder it is written to.

use std::path::Path;

use super::{AuditInfo, DiffFinding, InputInfo, Loaded};
use crate::findings::Severity;
use crate::report::row::FindingRow;
use crate::report::Report;

/// `report` as [`super::load()`] would read it from `folder` once written:
/// the findings `findings.jsonl` lists, values capped the same way.
pub fn from_report(report: &Report<'_>, folder: &Path) -> Loaded {
    let s = report.summary;
    let findings = report
        .listed()
        .enumerate()
        .map(|(position, f)| {
            let row = FindingRow::new(f);
            let text = |v: Option<std::borrow::Cow<'_, str>>| v.map(|v| v.into_owned());
            DiffFinding {
                id: row.id,
                kind: row.kind.to_owned(),
                severity: f.severity,
                dn: text(row.dn),
                upn: text(row.upn),
                source_anchor: text(row.source_anchor),
                cloud_id: text(row.cloud_id),
                cloud_upn: text(row.cloud_upn),
                intended_user_type: text(row.intended_user_type),
                cloud_user_type: text(row.cloud_user_type),
                matched_by: row.matched_by.map(str::to_owned),
                rule: text(row.rule),
                source: text(row.source),
                detail: row.detail.into_owned(),
                waiver: f
                    .waiver
                    .as_deref()
                    .and_then(|w| serde_json::to_value(w).ok()),
                position,
            }
        })
        .collect();
    let total = s
        .by_severity
        .iter()
        .fold(0u64, |acc, (_, n)| acc.saturating_add(*n));
    let info = s
        .by_severity
        .iter()
        .filter(|(sev, _)| *sev == Severity::Info)
        .map(|(_, n)| *n)
        .sum::<u64>();
    Loaded {
        info: AuditInfo {
            folder: folder.display().to_string(),
            tool: s.tool.clone(),
            generated_at: s.generated_at.clone(),
            verdict: s.verdict.name().to_owned(),
            inputs: s
                .inputs
                .iter()
                .map(|i| InputInfo {
                    role: i.role.to_owned(),
                    path: i.path.clone(),
                    format: i.format.clone(),
                    blake3: i.blake3.clone(),
                })
                .collect(),
            rules_flow: s.rules.flow.to_owned(),
            rules_definition: s.rules.definition.clone(),
            findings_total: total,
        },
        findings,
        lists_info: (info > 0).then_some(report.include_info),
    }
}
