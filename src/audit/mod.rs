//! The audit: the composition point of read → classify → match → judge.
//!
//! 1. The cloud exports are read and indexed once ([`CloudIndex`]).
//! 2. The on-premises exports stream through the parallel readers; each batch
//!    of entries is classified, matched and judged on a worker thread
//!    (`assess::judge`), and only findings and a few bytes per account
//!    (its anchor, its match, its DN and UPN in one shared buffer) are kept.
//! 3. Whole-export checks follow: accounts sharing an anchor, cloud users
//!    sharing an ImmutableId, synced cloud users no account matched.
//! 4. Findings are sorted by (severity, kind, file, line, cloud id), so the
//!    reports are byte-identical whatever the thread count.

pub(crate) mod assess;
mod checks;
mod cloud_side;
#[cfg(test)]
mod from_memory_tests;
pub mod guests;
mod hashing;
mod onprem;
mod open;
mod reasons;
mod summary;
mod timing;

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::classify::Classifier;
use crate::diag::{Diagnostic, Severity as DiagSeverity};
use crate::error::Result;
use crate::findings::waiver::{Date, Waivers};
use crate::findings::{AuditSummary, Finding, InputFile, Kind, Reason, Severity, WaiverSummary};
use crate::matcher::CloudIndex;
use crate::model::ids::AnchorSource;
use crate::read::cloud::{self, CloudOptions};
use crate::read::{Diagnostics, InputSource, OnPremOptions};

use self::hashing::InputHashes;
use self::summary::{SummaryParts, Totals};
use self::timing::PhaseTimer;

/// Reports progress of the long steps (the CLI draws bars; tests pass [`NoProgress`]).
pub trait Progress: Sync {
    /// A step starts: `label` and, when known, its size in bytes.
    fn begin(&self, label: &str, total: Option<u64>);
    /// Bytes done in the current step.
    fn update(&self, done: u64);
    /// The step ended.
    fn end(&self);
}

/// No progress reporting.
pub struct NoProgress;

impl Progress for NoProgress {
    fn begin(&self, _: &str, _: Option<u64>) {}
    fn update(&self, _: u64) {}
    fn end(&self) {}
}

/// What to audit: each export a file or bytes held in memory
/// ([`InputSource`]); either way gzip, UTF-16 and the format are recognised
/// by content.
#[derive(Clone, Debug)]
pub struct AuditInputs {
    /// On-premises exports (LDIF, csvde, Export-Csv; the path `-` for standard input).
    pub onprem: Vec<InputSource>,
    /// Microsoft Graph exports.
    pub cloud: Vec<InputSource>,
    /// The rule file the classifier was built from: named in the summary,
    /// its lints and unmatched OUs, and hashed with the inputs.
    pub rules: InputSource,
}

impl AuditInputs {
    /// Inputs that are all files (the command line's case).
    pub fn from_paths(onprem: &[String], cloud: &[String], rules: &str) -> AuditInputs {
        AuditInputs {
            onprem: onprem.iter().map(InputSource::path).collect(),
            cloud: cloud.iter().map(InputSource::path).collect(),
            rules: InputSource::path(rules),
        }
    }
}

/// How to audit.
#[derive(Clone, Debug)]
pub struct AuditOptions {
    /// On-premises reader options (the projection is set by the audit).
    pub onprem: OnPremOptions,
    /// Cloud reader options.
    pub cloud: CloudOptions,
    /// Where the source anchor comes from.
    pub anchor: AnchorSource,
    /// Findings at or above this severity make the audit fail (exit 1).
    pub fail_on: Severity,
    /// Audit even when the cloud export lacks properties the audit depends on.
    pub allow_partial_cloud: bool,
    /// Leave timestamps and elapsed time out of the summary.
    pub reproducible: bool,
    /// Hash the input files (BLAKE3) for the summary.
    pub hash_inputs: bool,
    /// Diagnostics kept per kind and file (all are counted).
    pub keep_per_kind: u64,
    /// Keep what a remediation plan needs ([`Audit::plan_data`]).
    pub keep_plan_data: bool,
    /// Accepted findings (`--waivers`): marked, and left out of the verdict.
    pub waivers: Option<Arc<Waivers>>,
    /// The date waivers expire against (None: today, UTC).
    pub as_of: Option<Date>,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            onprem: OnPremOptions::default(),
            cloud: CloudOptions::default(),
            anchor: AnchorSource::default(),
            fail_on: Severity::High,
            allow_partial_cloud: false,
            reproducible: false,
            hash_inputs: true,
            keep_per_kind: 100,
            keep_plan_data: false,
            waivers: None,
            as_of: None,
        }
    }
}

/// The outcome of an audit.
#[derive(Debug)]
pub struct Audit {
    /// Every finding (info included), sorted.
    pub findings: Vec<Finding>,
    /// The summary.
    pub summary: AuditSummary,
    /// Input diagnostics kept for display (first N per kind and file).
    pub diagnostics: Vec<Diagnostic>,
    /// What the cloud exports cover: the verdict properties and the
    /// secondary ones they lack ([`cloud::CloudCoverage::missing_verdict_properties`]).
    pub cloud_coverage: cloud::CloudCoverage,
    /// What a remediation plan needs, when [`AuditOptions::keep_plan_data`].
    pub plan_data: Option<guests::PlanData>,
}

/// Runs an audit. Input errors (an unreadable file, a cloud export without
/// the properties the audit needs) are `Err`; bad records are diagnostics.
///
/// The phases, each in a module of its own: the inputs are opened
/// (`open`) and hashed beside the reads (`hashing`); the cloud exports are
/// read and indexed (`cloud_side`); the on-premises exports stream through
/// classification, matching and judgement (`onprem`, `assess`); the
/// whole-export checks follow (`checks`), then the verdict and the summary
/// (`summary`). `reasons` words what makes the verdict incomplete.
pub fn run(
    inputs: &AuditInputs,
    classifier: &Classifier,
    opts: &AuditOptions,
    progress: &dyn Progress,
) -> Result<Audit> {
    let timer = PhaseTimer::from_env();
    let mut opened = open::open_all(inputs)?;
    let sources = inputs.cloud.iter().zip(&mut opened.cloud);
    let sources = sources.chain(inputs.onprem.iter().zip(&mut opened.onprem));
    let mut hashes = InputHashes::start(sources, &inputs.rules, opts.hash_inputs);
    let mut log = RunLog::default();

    let cloud = cloud_side::read(&inputs.cloud, opened.cloud, opts, progress, &mut log)?;
    timer.phase("cloud read");
    let index = CloudIndex::new(&cloud.users);
    timer.phase("cloud indexed");

    let onprem = onprem::read(
        &inputs.onprem,
        opened.onprem,
        classifier,
        &index,
        cloud.has_immutable_ids,
        opts,
        progress,
        &mut log,
    )?;
    timer.phase("on-premises read, classified and matched");
    reasons::not_managed(onprem.not_managed, inputs.rules.name(), &mut log.reasons);
    let plan_data = opts
        .keep_plan_data
        .then(|| guests::PlanData::new(onprem.guests, &cloud.users));
    let streamed_hashes = hashes.take_streamed();

    let mut keyed = onprem.findings;
    let cloud_tally = checks::whole_export(
        &onprem.stubs,
        &index,
        &cloud,
        inputs.onprem.len(),
        &mut keyed,
    );
    timer.phase("whole-export checks");

    let mut findings = summary::sorted(keyed);
    crate::findings::id::make_unique(&mut findings);
    let waivers = match &opts.waivers {
        Some(w) => w.apply(&mut findings, opts.as_of.unwrap_or_else(Date::today)),
        None => WaiverSummary::default(),
    };
    let totals = Totals::count(&findings);
    reasons::rule_limitations(inputs.rules.name(), classifier, &mut log.limitations);
    // Partners whose cloud UserType is unknown: the verdict cannot vouch for them.
    let unknown_guests = findings
        .iter()
        .filter(|f| f.kind == Kind::CloudStateUnknown && f.severity == Severity::High)
        .count();
    reasons::unknown_guests(unknown_guests, &mut log.reasons);
    timer.phase("sorted");
    log.add_hashes(streamed_hashes, hashes.finish(), &inputs.rules);
    timer.phase("hashed");

    let parts = SummaryParts {
        inputs: log.input_files,
        onprem: onprem.tally,
        cloud: cloud_tally,
        intent: onprem.intent,
        diagnostics: log.diag_counts,
        reasons: log.reasons,
        limitations: log.limitations,
        elapsed_seconds: timer.started().elapsed().as_secs_f64(),
        waivers,
    };
    let summary = summary::summarise(inputs, classifier, opts, &findings, totals, parts);
    let mut diagnostics = log.diagnostics;
    diagnostics.retain(|d| d.severity != DiagSeverity::Note);
    Ok(Audit {
        findings,
        summary,
        diagnostics,
        cloud_coverage: cloud.coverage,
        plan_data,
    })
}

/// Sort key of a finding: most severe first, then kind, then where the
/// evidence is (input number, line, cloud id).
type SortKey = (Reverse<Severity>, Kind, usize, u64, String);

/// What the phases gather for the summary as they go.
#[derive(Default)]
struct RunLog {
    input_files: Vec<InputFile>,
    /// Input diagnostics kept for display.
    diagnostics: Vec<Diagnostic>,
    /// Every input diagnostic, counted by kind.
    diag_counts: BTreeMap<String, u64>,
    /// What makes the verdict incomplete.
    reasons: Vec<Reason>,
    /// What only limits the findings.
    limitations: Vec<Reason>,
}

impl RunLog {
    /// Adds one read's diagnostics to the counts and the kept list.
    fn absorb(&mut self, d: &Diagnostics) {
        for (kind, n) in &d.counts {
            *self.diag_counts.entry(kind.to_string()).or_default() += n;
        }
        self.diagnostics.extend(d.kept.iter().cloned());
    }

    /// Puts the inputs' hashes into their entries, and lists the rule file
    /// when it was hashed.
    fn add_hashes(
        &mut self,
        mut hashes: BTreeMap<String, String>,
        apart: Vec<(String, String)>,
        rules: &InputSource,
    ) {
        hashes.extend(apart);
        for f in &mut self.input_files {
            f.blake3 = hashes.get(&f.path).cloned();
        }
        if let Some(h) = hashes.get(rules.name()) {
            let bytes = match rules {
                InputSource::Path(path) => std::fs::metadata(path).map_or(0, |m| m.len()),
                InputSource::Bytes { bytes, .. } => bytes.len() as u64,
            };
            self.input_files.push(InputFile {
                role: "rules",
                path: rules.name().to_string(),
                format: "toml".to_string(),
                bytes,
                blake3: Some(h.clone()),
            });
        }
    }
}

/// The DN without its first RDN (the OU an object sits in).
pub fn parent_dn(dn: &str) -> &str {
    crate::model::dn::parent(dn)
}

/// Now as RFC 3339 UTC, to the second.
fn now_rfc3339() -> String {
    crate::model::time::now_rfc3339()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_dn_skips_escaped_commas() {
        assert_eq!(
            parent_dn("CN=Smith\\, John,OU=Partners,DC=contoso,DC=com"),
            "OU=Partners,DC=contoso,DC=com"
        );
        assert_eq!(parent_dn("DC=com"), "");
    }
}
