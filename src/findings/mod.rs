//! Findings: what the audit flags, and the totals that reconcile every input.
//!
//! A [`Finding`] is one row of every report. Its fields are the on-disk
//! contract of `findings.jsonl` and `findings.csv` (see [`crate::report`]);
//! [`AuditSummary`] is the contract of `summary.json`.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

pub mod id;
mod kind;
mod severity;
mod verdict;
pub mod waiver;

pub use crate::matcher::MatchedBy;
pub use id::FindingId;
pub use kind::Kind;
pub use severity::SeverityFacts;
pub use verdict::{code as reason_code, Reason, Verdict};
pub use waiver::{AppliedWaiver, WaiverSummary};

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Counted, listed only on request.
    Info,
    /// Worth a look.
    Low,
    /// Wrong access or a pending takeover.
    Medium,
    /// A sync failure or a partner with Member rights on a disabled account.
    High,
    /// An enabled partner account with Member rights.
    Critical,
}

impl Severity {
    /// Every severity, most severe first.
    pub const ALL: &'static [Severity] = &[
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// The lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The severity named `name` (case-insensitive).
    pub fn from_name(name: &str) -> Option<Severity> {
        Severity::ALL
            .iter()
            .copied()
            .find(|s| s.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Severity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// One finding. Field order is the column order of `findings.csv` and the
/// key order of `findings.jsonl`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The stable id (see [`id`]): the same finding has the same id in
    /// every run.
    pub id: FindingId,
    /// What is flagged.
    pub kind: Kind,
    /// How bad it is.
    pub severity: Severity,
    /// The account's DN (None for a cloud-side finding).
    pub dn: Option<String>,
    /// The account's `userPrincipalName`.
    pub upn: Option<String>,
    /// The account's source anchor as an ImmutableId (base64 of the anchor bytes).
    pub source_anchor: Option<String>,
    /// The cloud user's `id`.
    pub cloud_id: Option<String>,
    /// The cloud user's `userPrincipalName`.
    pub cloud_upn: Option<String>,
    /// What the rules make of the account: `Member`, `Guest`, or the outcome
    /// (`error`, `invalid`, `no_value`, `out_of_scope`).
    pub intended_user_type: Option<String>,
    /// The cloud `userType` as exported.
    pub cloud_user_type: Option<String>,
    /// The key that joined the two sides.
    pub matched_by: Option<MatchedBy>,
    /// The rule (or scope filter) that decided the intended type.
    pub rule: Option<String>,
    /// Where the evidence is: `file:line` of the account, else of the cloud user.
    pub source: Option<String>,
    /// What exactly is wrong, in a sentence, with the values involved.
    pub detail: String,
    /// The waiver that covers it (see [`waiver`]): it then counts neither
    /// toward the verdict nor toward `--fail-on`.
    pub waiver: Option<std::sync::Arc<AppliedWaiver>>,
}

/// One input file of the audit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InputFile {
    /// `onprem`, `cloud` or `rules`.
    pub role: &'static str,
    /// The path as given.
    pub path: String,
    /// The format found (`ldif`, `csvde`, `graph-json`, ...).
    pub format: String,
    /// Size in bytes (decoded bytes for compressed or UTF-16 input).
    pub bytes: u64,
    /// BLAKE3 of the file's bytes as stored, hex (None when not hashed:
    /// standard input, a pipe, or `--no-hash`).
    pub blake3: Option<String>,
}

/// How the rule file decides UserType.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleSummary {
    /// The rule file's path.
    pub path: String,
    /// `direct`, `expression` or `rules`: selects the remediation steps shown.
    pub flow: &'static str,
    /// The source attribute, the expression, or the rule names in order.
    pub definition: String,
    /// Whether the out-of-box scope filters were applied.
    pub out_of_box_scope: bool,
}

/// The on-premises side's reconciliation: `records_read = accounts_audited +
/// out_of_scope + skipped` (skipped broken down by reason).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OnPremTally {
    /// Records read from the on-premises files.
    pub records_read: u64,
    /// Accounts classified and matched.
    pub accounts_audited: u64,
    /// Accounts kept out by the scope, by filter.
    pub out_of_scope: u64,
    /// Out-of-scope accounts by the filter that excluded them.
    pub out_of_scope_by_filter: BTreeMap<String, u64>,
    /// Records not audited for another reason.
    pub skipped: u64,
    /// Skipped records by reason (`computer`, `class group`, `rejected record`, ...).
    pub skipped_by_reason: BTreeMap<String, u64>,
}

/// The cloud side's reconciliation: `users = matched + orphaned + cloud_only +
/// unmatched_not_synced`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CloudTally {
    /// Cloud users read.
    pub users: u64,
    /// Matched to at least one account.
    pub matched: u64,
    /// Synced (`onPremisesSyncEnabled` true), matched by no account.
    pub orphaned: u64,
    /// Never synced (`onPremisesSyncEnabled` null): outside the audit.
    pub cloud_only: u64,
    /// Once synced (`onPremisesSyncEnabled` false), matched by no account.
    pub unmatched_not_synced: u64,
}

/// What the rules intend, over the audited accounts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IntentTally {
    /// `Member`.
    pub member: u64,
    /// `Guest`.
    pub guest: u64,
    /// `Error()` raised.
    pub error: u64,
    /// A value other than `Member` or `Guest`.
    pub invalid: u64,
    /// No value (NULL, IgnoreThisFlow): Connect contributes nothing.
    pub no_value: u64,
}

/// Everything `summary.json` holds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuditSummary {
    /// `usertype-audit x.y.z`.
    pub tool: String,
    /// RFC 3339 UTC time the audit ran (None with `--reproducible`).
    pub generated_at: Option<String>,
    /// Wall time in seconds (None with `--reproducible`).
    pub elapsed_seconds: Option<f64>,
    /// The inputs, on-premises first, then cloud, then the rule file.
    pub inputs: Vec<InputFile>,
    /// The rule file.
    pub rules: RuleSummary,
    /// Findings per kind (every kind listed, zero included), in [`Kind::ALL`] order.
    pub by_kind: Vec<(Kind, u64)>,
    /// Findings per severity (every severity, most severe first).
    pub by_severity: Vec<(Severity, u64)>,
    /// OUs (the DN without its first RDN) with the most findings above `info`, most first.
    pub top_ous: Vec<(String, u64)>,
    /// On-premises reconciliation.
    pub onprem: OnPremTally,
    /// Cloud reconciliation.
    pub cloud: CloudTally,
    /// Intended UserType over audited accounts.
    pub intent: IntentTally,
    /// Input diagnostics (bad records) by kind name.
    pub diagnostics: BTreeMap<String, u64>,
    /// The `--fail-on` threshold.
    pub fail_on: Severity,
    /// Whether a finding reached the threshold.
    pub failed: bool,
    /// The verdict: `incomplete` when any reason is listed, else `fail` when
    /// a finding reached the threshold, else `pass`.
    pub verdict: Verdict,
    /// Why the audit is incomplete (empty when it is not), in input order.
    pub reasons: Vec<Reason>,
    /// What limits the findings without changing the verdict (secondary
    /// checks that could not run, rule lint warnings, unused scope OUs).
    pub limitations: Vec<Reason>,
    /// What `--waivers` did (empty without it).
    pub waivers: WaiverSummary,
}
