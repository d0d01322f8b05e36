//! `summary.json`: the audit's totals, reconciliation and inputs, for scripts
//! and dashboards.
//!
//! # Format
//!
//! UTF-8 without BOM, pretty-printed (two-space indent), ending with `\n`.
//! One object; its keys always appear, in this order (the row types below
//! are the contract, [`SummaryJson`] first):
//!
//! | key | value |
//! | --- | --- |
//! | `format_version` | `1`; raised only on an incompatible change |
//! | `tool` | `"usertype-audit x.y.z"` |
//! | `generated_at` | RFC 3339 UTC time, or `null` in reproducible mode |
//! | `elapsed_seconds` | wall time, or `null` in reproducible mode |
//! | `inputs` | array of [`InputRow`] (on-premises, cloud, then the rule file) |
//! | `rules` | [`RulesRow`] |
//! | `verdict` | `"pass"`, `"fail"` or `"incomplete"` (exit code 0, 1 or 2) |
//! | `reasons` | array of [`ReasonRow`]: why the audit is incomplete (empty otherwise) |
//! | `limitations` | array of [`ReasonRow`]: what limits the findings without changing the verdict |
//! | `headline` | [`HeadlineRow`]: partners who are Members in the cloud |
//! | `fail_on` | the `--fail-on` severity |
//! | `failed` | whether a finding reached it |
//! | `findings_total` | all findings, `info` included |
//! | `by_severity` | array of [`SeverityCount`], every severity, most severe first |
//! | `by_kind` | array of [`KindCount`], every kind (zeros included) in report order |
//! | `top_ous` | array of [`OuCount`], most findings first |
//! | `onprem` | [`OnPremRow`]: `records_read = accounts_audited + out_of_scope + skipped` |
//! | `cloud` | [`CloudRow`]: `users = matched + orphaned + cloud_only + unmatched_not_synced` |
//! | `intent` | [`IntentRow`]: intended UserType over audited accounts |
//! | `diagnostics` | object: input diagnostic kind → count, keys sorted |
//! | `waivers` | [`WaiversRow`] when the audit ran with `--waivers`, else `null` |
//!
//! Counts per kind and severity are arrays of objects rather than objects, so
//! their order is part of the contract and survives any JSON library.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::{cloud_balance, headline, headline_counts, kind_counts, onprem_balance};
use super::{severity_counts, total_findings};
use crate::findings::waiver::WaiverNote;
use crate::findings::{AuditSummary, Reason, WaiverSummary};

/// A reason or limitation: `code`, `file` and `line` (null when unknown),
/// `detail` and `next_step` (see [`Reason`]).
pub type ReasonRow = Reason;

/// The file name.
pub const FILE_NAME: &str = "summary.json";

/// The value of `format_version`.
pub const FORMAT_VERSION: u32 = 2;

/// The whole `summary.json` object.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SummaryJson<'a> {
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// The tool and its version.
    pub tool: &'a str,
    /// When the audit ran (null in reproducible mode).
    pub generated_at: Option<&'a str>,
    /// How long it ran (null in reproducible mode).
    pub elapsed_seconds: Option<f64>,
    /// The input files.
    pub inputs: Vec<InputRow<'a>>,
    /// The rule file.
    pub rules: RulesRow<'a>,
    /// `pass`, `fail` or `incomplete`.
    pub verdict: &'static str,
    /// Why the audit is incomplete.
    pub reasons: &'a [Reason],
    /// What limits the findings.
    pub limitations: &'a [Reason],
    /// The headline numbers.
    pub headline: HeadlineRow,
    /// The `--fail-on` threshold.
    pub fail_on: &'static str,
    /// Whether a finding reached the threshold.
    pub failed: bool,
    /// All findings.
    pub findings_total: u64,
    /// Findings per severity.
    pub by_severity: Vec<SeverityCount>,
    /// Findings per kind.
    pub by_kind: Vec<KindCount>,
    /// OUs with the most findings above `info`.
    pub top_ous: Vec<OuCount<'a>>,
    /// On-premises reconciliation.
    pub onprem: OnPremRow<'a>,
    /// Cloud reconciliation.
    pub cloud: CloudRow,
    /// Intended UserType tally.
    pub intent: IntentRow,
    /// Input diagnostics by kind.
    pub diagnostics: &'a BTreeMap<String, u64>,
    /// What `--waivers` did (null without it).
    pub waivers: Option<WaiversRow<'a>>,
}

/// What the waivers did ([`crate::findings::waiver`]). Waived findings are
/// counted in `by_kind` and `by_severity` like any other; these counts say
/// how many of them are waived.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WaiversRow<'a> {
    /// The waivers file as given.
    pub file: &'a str,
    /// The date expiry was judged on (`YYYY-MM-DD`).
    pub as_of: &'a str,
    /// Waivers in the file.
    pub waivers: u64,
    /// Findings waived.
    pub waived: u64,
    /// Waived findings per kind (only kinds with some).
    pub by_kind: Vec<KindCount>,
    /// Waived findings per severity (only severities with some).
    pub by_severity: Vec<SeverityCount>,
    /// Waivers past their `expires` date: they waive nothing.
    pub expired: &'a [WaiverNote],
    /// Waivers in force that match no finding.
    pub stale: &'a [WaiverNote],
}

/// One input file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InputRow<'a> {
    /// `onprem`, `cloud` or `rules`.
    pub role: &'a str,
    /// The path as given.
    pub path: &'a str,
    /// The format detected.
    pub format: &'a str,
    /// Size in bytes (decoded size for compressed or UTF-16 input).
    pub bytes: u64,
    /// BLAKE3 hex of the stored bytes; null when not hashed (standard input, a
    /// pipe, or `--no-hash`).
    pub blake3: Option<&'a str>,
}

/// The rule file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RulesRow<'a> {
    /// Its path.
    pub path: &'a str,
    /// `direct`, `expression` or `rules`.
    pub flow: &'a str,
    /// The source attribute, the expression, or the rule names.
    pub definition: &'a str,
    /// Whether the out-of-box scope filters were applied.
    pub out_of_box_scope: bool,
}

/// The headline: partner accounts intended Guest that are Members in the cloud.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HeadlineRow {
    /// `guest_as_member` findings.
    pub guest_as_member: u64,
    /// Of those, enabled accounts (the `critical` ones).
    pub guest_as_member_enabled: u64,
    /// The sentence the human formats print.
    pub sentence: String,
}

/// A severity and its count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SeverityCount {
    /// `critical` ... `info`.
    pub severity: &'static str,
    /// Findings of that severity.
    pub count: u64,
}

/// A kind and its count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KindCount {
    /// The snake_case kind.
    pub kind: &'static str,
    /// Its human title.
    pub title: &'static str,
    /// Findings of that kind.
    pub count: u64,
}

/// An OU and its count of findings above `info`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OuCount<'a> {
    /// The OU's DN.
    pub ou: &'a str,
    /// Findings in it.
    pub count: u64,
}

/// The on-premises reconciliation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OnPremRow<'a> {
    /// Records read.
    pub records_read: u64,
    /// Accounts classified and matched.
    pub accounts_audited: u64,
    /// Accounts kept out by the scope.
    pub out_of_scope: u64,
    /// By filter (keys sorted).
    pub out_of_scope_by_filter: &'a BTreeMap<String, u64>,
    /// Records not audited for another reason.
    pub skipped: u64,
    /// By reason (keys sorted).
    pub skipped_by_reason: &'a BTreeMap<String, u64>,
    /// Whether `records_read = accounts_audited + out_of_scope + skipped` holds.
    pub balanced: bool,
}

/// The cloud reconciliation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CloudRow {
    /// Cloud users read.
    pub users: u64,
    /// Matched to an account.
    pub matched: u64,
    /// Synced, matched by no account.
    pub orphaned: u64,
    /// Never synced: outside the audit.
    pub cloud_only: u64,
    /// Once synced, matched by no account.
    pub unmatched_not_synced: u64,
    /// Whether `users = matched + orphaned + cloud_only + unmatched_not_synced` holds.
    pub balanced: bool,
}

/// What the rules intend over the audited accounts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IntentRow {
    /// `Member`.
    pub member: u64,
    /// `Guest`.
    pub guest: u64,
    /// `Error()` raised.
    pub error: u64,
    /// Another value.
    pub invalid: u64,
    /// No value.
    pub no_value: u64,
}

impl<'a> SummaryJson<'a> {
    /// The rows of `s`.
    pub fn new(s: &'a AuditSummary) -> SummaryJson<'a> {
        let (partners, enabled) = headline_counts(s);
        let (read, parts) = onprem_balance(s);
        let (users, cloud_parts) = cloud_balance(s);
        SummaryJson {
            format_version: FORMAT_VERSION,
            tool: &s.tool,
            generated_at: s.generated_at.as_deref(),
            elapsed_seconds: s.elapsed_seconds,
            inputs: s
                .inputs
                .iter()
                .map(|i| InputRow {
                    role: i.role,
                    path: &i.path,
                    format: &i.format,
                    bytes: i.bytes,
                    blake3: i.blake3.as_deref(),
                })
                .collect(),
            rules: RulesRow {
                path: &s.rules.path,
                flow: s.rules.flow,
                definition: &s.rules.definition,
                out_of_box_scope: s.rules.out_of_box_scope,
            },
            verdict: s.verdict.name(),
            reasons: &s.reasons,
            limitations: &s.limitations,
            headline: HeadlineRow {
                guest_as_member: partners,
                guest_as_member_enabled: enabled,
                sentence: headline(s),
            },
            fail_on: s.fail_on.name(),
            failed: s.failed,
            findings_total: total_findings(s),
            by_severity: severity_counts(s)
                .into_iter()
                .map(|(severity, count)| SeverityCount {
                    severity: severity.name(),
                    count,
                })
                .collect(),
            by_kind: kind_counts(s)
                .into_iter()
                .map(|(kind, count)| KindCount {
                    kind: kind.name(),
                    title: kind.title(),
                    count,
                })
                .collect(),
            top_ous: s
                .top_ous
                .iter()
                .map(|(ou, count)| OuCount { ou, count: *count })
                .collect(),
            onprem: OnPremRow {
                records_read: s.onprem.records_read,
                accounts_audited: s.onprem.accounts_audited,
                out_of_scope: s.onprem.out_of_scope,
                out_of_scope_by_filter: &s.onprem.out_of_scope_by_filter,
                skipped: s.onprem.skipped,
                skipped_by_reason: &s.onprem.skipped_by_reason,
                balanced: read == parts,
            },
            cloud: CloudRow {
                users: s.cloud.users,
                matched: s.cloud.matched,
                orphaned: s.cloud.orphaned,
                cloud_only: s.cloud.cloud_only,
                unmatched_not_synced: s.cloud.unmatched_not_synced,
                balanced: users == cloud_parts,
            },
            intent: IntentRow {
                member: s.intent.member,
                guest: s.intent.guest,
                error: s.intent.error,
                invalid: s.intent.invalid,
                no_value: s.intent.no_value,
            },
            diagnostics: &s.diagnostics,
            waivers: waivers_row(&s.waivers),
        }
    }
}

fn waivers_row(w: &WaiverSummary) -> Option<WaiversRow<'_>> {
    Some(WaiversRow {
        file: w.file.as_deref()?,
        as_of: w.as_of.as_deref().unwrap_or_default(),
        waivers: w.waivers,
        waived: w.waived,
        by_kind: w
            .by_kind
            .iter()
            .map(|(kind, count)| KindCount {
                kind: kind.name(),
                title: kind.title(),
                count: *count,
            })
            .collect(),
        by_severity: w
            .by_severity
            .iter()
            .map(|(severity, count)| SeverityCount {
                severity: severity.name(),
                count: *count,
            })
            .collect(),
        expired: &w.expired,
        stale: &w.stale,
    })
}

/// Writes `summary.json` for `summary` to `w`.
pub fn write_summary_json<W: Write>(mut w: W, summary: &AuditSummary) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut w, &SummaryJson::new(summary)).map_err(super::json_error)?;
    w.write_all(b"\n")?;
    w.flush()
}
