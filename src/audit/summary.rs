//! The end of an audit: findings in their final order, their totals, the
//! verdict and the summary.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::classify::{Classifier, UserType};
use crate::findings::{AuditSummary, CloudTally, Finding, InputFile, Kind, RuleSummary, Severity};
use crate::findings::{IntentTally, OnPremTally, Reason, Verdict, WaiverSummary};

use super::{parent_dn, AuditInputs, AuditOptions, SortKey};

/// Sorts the findings by their key: most severe first, then kind, then where
/// the evidence is, so the reports are byte-identical whatever the thread count.
pub(super) fn sorted(mut keyed: Vec<(SortKey, Finding)>) -> Vec<Finding> {
    keyed.par_sort_by(|a, b| a.0.cmp(&b.0));
    keyed.into_iter().map(|(_, f)| f).collect()
}

/// Findings counted by kind, by severity, and the ten OUs with the most
/// findings above info.
pub(super) struct Totals {
    by_kind: BTreeMap<Kind, u64>,
    by_severity: BTreeMap<Severity, u64>,
    top_ous: Vec<(String, u64)>,
}

impl Totals {
    pub(super) fn count(findings: &[Finding]) -> Totals {
        let mut by_kind: BTreeMap<Kind, u64> = BTreeMap::new();
        let mut by_severity: BTreeMap<Severity, u64> = BTreeMap::new();
        let mut by_ou: BTreeMap<String, u64> = BTreeMap::new();
        for f in findings {
            *by_kind.entry(f.kind).or_default() += 1;
            *by_severity.entry(f.severity).or_default() += 1;
            if f.severity > Severity::Info {
                if let Some(dn) = &f.dn {
                    *by_ou.entry(parent_dn(dn).to_string()).or_default() += 1;
                }
            }
        }
        let mut top_ous: Vec<(String, u64)> = by_ou.into_iter().collect();
        top_ous.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        top_ous.truncate(10);
        Totals {
            by_kind,
            by_severity,
            top_ous,
        }
    }
}

/// Everything the summary states beyond the totals.
pub(super) struct SummaryParts {
    pub(super) inputs: Vec<InputFile>,
    pub(super) onprem: OnPremTally,
    pub(super) cloud: CloudTally,
    pub(super) intent: IntentTally,
    pub(super) diagnostics: BTreeMap<String, u64>,
    pub(super) reasons: Vec<Reason>,
    pub(super) limitations: Vec<Reason>,
    pub(super) elapsed_seconds: f64,
    pub(super) waivers: WaiverSummary,
}

/// The summary, with its verdict: `fail` when a finding reaches `--fail-on`,
/// `incomplete` when a reason says the audit could not see everything.
pub(super) fn summarise(
    inputs: &AuditInputs,
    classifier: &Classifier,
    opts: &AuditOptions,
    findings: &[Finding],
    totals: Totals,
    mut parts: SummaryParts,
) -> AuditSummary {
    // A waived finding is accepted: it does not fail the audit.
    let failed = findings
        .iter()
        .any(|f| f.severity >= opts.fail_on && f.waiver.is_none());
    let verdict = Verdict::decide(&parts.reasons, failed);
    parts.inputs.sort_by_key(|f| match f.role {
        "onprem" => 0,
        "cloud" => 1,
        _ => 2,
    });
    AuditSummary {
        tool: format!("usertype-audit {}", env!("CARGO_PKG_VERSION")),
        generated_at: (!opts.reproducible).then(super::now_rfc3339),
        elapsed_seconds: (!opts.reproducible).then_some(parts.elapsed_seconds),
        inputs: parts.inputs,
        rules: rule_summary(inputs, classifier),
        by_kind: Kind::ALL
            .iter()
            .map(|k| (*k, totals.by_kind.get(k).copied().unwrap_or(0)))
            .collect(),
        by_severity: Severity::ALL
            .iter()
            .map(|s| (*s, totals.by_severity.get(s).copied().unwrap_or(0)))
            .collect(),
        top_ous: totals.top_ous,
        onprem: parts.onprem,
        cloud: parts.cloud,
        intent: parts.intent,
        diagnostics: parts.diagnostics,
        fail_on: opts.fail_on,
        failed,
        verdict,
        reasons: parts.reasons,
        limitations: parts.limitations,
        waivers: parts.waivers,
    }
}

fn rule_summary(inputs: &AuditInputs, classifier: &Classifier) -> RuleSummary {
    if let Some((sim, _)) = classifier.connect() {
        return RuleSummary {
            flow: "connect",
            definition: format!(
                "Entra Connect configuration: {} synchronization rules",
                sim.rules().len()
            ),
            ..rule_summary_of_file(inputs, classifier)
        };
    }
    rule_summary_of_file(inputs, classifier)
}

fn rule_summary_of_file(inputs: &AuditInputs, classifier: &Classifier) -> RuleSummary {
    use crate::classify::config::Flow;
    let rules = classifier.rules();
    RuleSummary {
        path: inputs.rules.name().to_string(),
        flow: rules.flow.name(),
        definition: match &rules.flow {
            Flow::Direct(a) => a.clone(),
            Flow::Expression { source, .. } => source.trim().to_string(),
            Flow::Rules { rules, default } => {
                let mut names: Vec<String> = rules
                    .iter()
                    .map(|r| format!("{} → {}", r.name, r.user_type))
                    .collect();
                names.push(format!(
                    "default → {}",
                    default.map_or("no value", UserType::as_str)
                ));
                names.join("; ")
            }
        },
        out_of_box_scope: rules.scope.out_of_box,
    }
}
