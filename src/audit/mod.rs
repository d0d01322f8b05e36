//! The audit: the composition point of read → classify → match → judge.
//!
//! 1. The cloud exports are read and indexed once ([`CloudIndex`]).
//! 2. The on-premises exports stream through the parallel readers; each batch
//!    of entries is classified, matched and judged on a worker thread
//!    ([`assess::judge`]), and only findings and a few bytes per account
//!    (its anchor, its match, its DN and UPN in one shared buffer) are kept.
//! 3. Whole-export checks follow: accounts sharing an anchor, cloud users
//!    sharing an ImmutableId, synced cloud users no account matched.
//! 4. Findings are sorted by (severity, kind, file, line, cloud id), so the
//!    reports are byte-identical whatever the thread count.

pub mod assess;

use std::cmp::Reverse;

use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io;
use std::sync::Arc;
use std::time::Instant;

use crate::classify::{Classifier, EvalScratch, Intent, UserType};
use crate::diag::{Diagnostic, Severity as DiagSeverity};
use crate::error::{Error, Result};
use crate::findings::{
    reason_code, AuditSummary, CloudTally, Finding, InputFile, IntentTally, Kind, MatchedBy,
    OnPremTally, Reason, RuleSummary, Severity, Verdict,
};
use crate::matcher::{AccountKeys, CloudIndex, Hit};
use crate::model::account::{Account, CLASSIFY_ATTRIBUTES, MATCH_ATTRIBUTES};
use crate::model::ids::{Anchor, AnchorSource, SidText};
use crate::read::cloud::{self, CloudOptions, CloudUser};
use crate::read::digest::Digest;
use crate::read::input::Input;
use crate::read::{Batch, BatchSink, OnPremOptions, Projection, ReadControl};

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

/// What to audit.
#[derive(Clone, Debug)]
pub struct AuditInputs {
    /// On-premises exports (LDIF, csvde, Export-Csv; `-` for standard input).
    pub onprem: Vec<String>,
    /// Microsoft Graph exports.
    pub cloud: Vec<String>,
    /// The rule file's path (for the summary).
    pub rules_path: String,
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
}

/// Where a cloud user came from.
struct CloudFiles {
    /// (first user index, file name), ascending.
    starts: Vec<(usize, Arc<str>)>,
}

impl CloudFiles {
    fn source(&self, user: usize, line: u64) -> String {
        let i = self.starts.partition_point(|(start, _)| *start <= user);
        let name = i
            .checked_sub(1)
            .and_then(|i| self.starts.get(i))
            .map_or("?", |(_, n)| n.as_ref());
        format!("{name}:{line}")
    }

    fn file_no(&self, user: usize) -> usize {
        self.starts.partition_point(|(start, _)| *start <= user)
    }
}

/// Runs an audit. Input errors (an unreadable file, a cloud export without
/// the properties the audit needs) are `Err`; bad records are diagnostics.
pub fn run(
    inputs: &AuditInputs,
    classifier: &Classifier,
    opts: &AuditOptions,
    progress: &dyn Progress,
) -> Result<Audit> {
    let started = Instant::now();
    let timings = std::env::var_os("USERTYPE_AUDIT_TIMINGS").is_some();
    let phase = |what: &str| {
        if timings {
            eprintln!(
                "[timings] {what}: {:.3} s (cpu {})",
                started.elapsed().as_secs_f64(),
                std::fs::read_to_string("/proc/self/stat")
                    .ok()
                    .and_then(|s| {
                        let f: Vec<&str> = s.rsplit(')').next()?.split_whitespace().collect();
                        Some(format!("u{} s{}", f.get(11)?, f.get(12)?))
                    })
                    .unwrap_or_default()
            );
        }
    };
    let open = |path: &String| {
        Input::open(path).map_err(|source| Error::Io {
            path: path.into(),
            source,
        })
    };
    refuse_identical_inputs(
        inputs
            .onprem
            .iter()
            .map(|p| ("--onprem", p))
            .chain(inputs.cloud.iter().map(|p| ("--cloud", p))),
    )?;
    let mut cloud_inputs = inputs.cloud.iter().map(open).collect::<Result<Vec<_>>>()?;
    let mut onprem_inputs = inputs.onprem.iter().map(open).collect::<Result<Vec<_>>>()?;
    crate::read::input::prefetch(cloud_inputs.iter().chain(&onprem_inputs));
    // The readers hash what they read as they go (see `read::digest`): the
    // bytes are then in cache, and the files are not walked a second time.
    // Other regular files (gzip, UTF-16, the rules) are hashed from their
    // paths on a thread of their own; a pipe cannot be read twice and is not
    // hashed at all.
    let mut digests: Vec<(String, Arc<Digest>)> = Vec::new();
    let mut whole_files: Vec<String> = Vec::new();
    if opts.hash_inputs {
        let all = inputs
            .cloud
            .iter()
            .zip(&mut cloud_inputs)
            .chain(inputs.onprem.iter().zip(&mut onprem_inputs));
        for (path, input) in all {
            match input.digest() {
                Some(d) => digests.push((path.clone(), d)),
                None if input.size_on_disk.is_some() => whole_files.push(path.clone()),
                None => {}
            }
        }
        whole_files.push(inputs.rules_path.clone());
    }
    let hashing_files = Background::start("hash-files", move || {
        whole_files
            .into_iter()
            .filter_map(|path| hash_file(&path).map(|hash| (path, hash)))
            .collect::<Vec<(String, String)>>()
    });
    let mut input_files = Vec::new();
    let mut diagnostics = Vec::new();
    let mut diag_counts: BTreeMap<String, u64> = BTreeMap::new();
    // What makes the verdict incomplete, and what only limits the findings.
    let mut reasons: Vec<Reason> = Vec::new();
    let mut limitations: Vec<Reason> = Vec::new();

    // 1. The cloud side.
    let mut users: Vec<CloudUser> = Vec::new();
    let mut cloud_files = CloudFiles { starts: Vec::new() };
    let mut cloud_coverage = cloud::CloudCoverage::default();
    for (path, input) in inputs.cloud.iter().zip(cloud_inputs) {
        progress.begin(path, input.progress_total());
        let tick = |done: u64| progress.update(done);
        let read = cloud::read_input_with_progress(input, &opts.cloud, &tick);
        progress.end();
        let read = read?;
        let s = &read.summary;
        absorb(&s.diagnostics, &mut diag_counts, &mut diagnostics);
        unreadable(
            path,
            &s.diagnostics,
            read.users.len() as u64,
            "users",
            &mut reasons,
        );
        if !s.coverage.gaps.is_empty() {
            let blocking = s.coverage.blocking().count() > 0;
            if blocking && !opts.allow_partial_cloud {
                return Err(Error::Format(format!(
                    "{path}: the cloud export cannot support the audit.\n{}\
                     Or audit anyway with --allow-partial-cloud (the verdict is then \
                     `incomplete`, and accounts whose answer needs a missing property get \
                     findings of their own).",
                    cloud::remedy(&s.coverage)
                )));
            }
            let next_step = format!(
                "export the users again with every property the audit reads: {}",
                cloud::coverage::graph_request()
            );
            for g in &s.coverage.gaps {
                let (code, list) = if g.blocking {
                    (reason_code::CLOUD_PROPERTY_MISSING, &mut reasons)
                } else {
                    (reason_code::CLOUD_PROPERTY_LIMITED, &mut limitations)
                };
                list.push(Reason {
                    code: code.into(),
                    file: Some(path.clone()),
                    line: None,
                    column: None,
                    detail: g.message(),
                    next_step: next_step.clone(),
                });
            }
        }
        input_files.push(InputFile {
            role: "cloud",
            path: path.clone(),
            format: read.format.name().to_string(),
            bytes: s.bytes,
            blake3: None,
        });
        cloud_files.starts.push((users.len(), s.file.clone()));
        cloud_coverage.push(s.file.clone(), s.coverage.clone());
        users.extend(read.users);
    }
    let repeats = cloud::remove_repeated_users(&mut users, &mut cloud_files.starts, &opts.cloud)?;
    absorb(&repeats, &mut diag_counts, &mut diagnostics);
    let has_immutable_ids = users.iter().any(|u| u.on_premises_immutable_id().is_some());
    phase("cloud read");
    let index = CloudIndex::new(&users);
    phase("cloud indexed");

    // 2. The on-premises side, streamed.
    let mut projection: Vec<String> = CLASSIFY_ATTRIBUTES
        .iter()
        .chain(MATCH_ATTRIBUTES)
        .map(|s| s.to_string())
        .collect();
    projection.extend(classifier.attributes());
    projection.extend(opts.anchor.attributes().iter().map(|s| s.to_string()));
    let mut onprem_opts = opts.onprem.clone();
    // The audit checks the values it reads (a broken value of an attribute
    // no rule or key uses does not change a finding); `scan` checks them all.
    onprem_opts.ldif.validate_all = false;
    onprem_opts.ldif.projection = Projection::attrs(projection.iter());
    onprem_opts.csv.projection = Projection::attrs(projection.iter());
    let flow_attributes = flow_attributes(classifier);
    let mut sink = AuditSink {
        ctx: Ctx {
            classifier,
            index: &index,
            anchor: &opts.anchor,
            file: 0,
            name: Arc::from(""),
            flow_attributes: &flow_attributes,
            has_immutable_ids,
        },
        stubs: Vec::new(),
        findings: Vec::new(),
        tally: LocalTally::default(),
        attrs_seen: 0,
    };
    let mut onprem = OnPremTally::default();
    for (file_no, (path, input)) in inputs.onprem.iter().zip(onprem_inputs).enumerate() {
        sink.ctx.file = file_no as u16;
        sink.ctx.name = input.name.clone();
        progress.begin(path, input.progress_total());
        let tick = |done: u64| progress.update(done);
        let control = ReadControl {
            progress: Some(&tick),
            keep_per_kind: opts.keep_per_kind,
        };
        let read = crate::read::read_onprem(input, &onprem_opts, &control, &mut sink);
        progress.end();
        let (format, summary) = read?;
        let st = summary.stats;
        onprem.records_read += st.records;
        let mut skip = |why: &str, n: u64| {
            if n > 0 {
                *onprem.skipped_by_reason.entry(why.to_string()).or_default() += n;
                onprem.skipped += n;
            }
        };
        skip("change record", st.change_records);
        skip("ldapsearch referral", st.referrals);
        skip("ldapsearch result trailer", st.trailers);
        skip("rejected record (see diagnostics)", st.rejected);
        absorb(&summary.diagnostics, &mut diag_counts, &mut diagnostics);
        unreadable(
            path,
            &summary.diagnostics,
            st.records,
            "records",
            &mut reasons,
        );
        if st.rejected > 0 {
            // A record that could not be read may be a partner's: the
            // verdict cannot vouch for it.
            reasons.push(Reason {
                code: reason_code::RECORDS_REJECTED.into(),
                file: Some(path.clone()),
                line: None,
                column: None,
                detail: format!(
                    "{} record(s) could not be read and were skipped: they are not audited",
                    st.rejected
                ),
                next_step: "see the diagnostics (each names its line); fix or re-export those \
                            records, or run with --strict to stop at the first"
                    .into(),
            });
        }
        if st.change_records > 0 {
            reasons.push(Reason {
                code: reason_code::CHANGE_RECORDS.into(),
                file: Some(path.clone()),
                line: None,
                column: None,
                detail: format!(
                    "{} change record(s) (changetype modify, delete, modrdn) are not the state of \
                     an account and were skipped: the file is not a plain export",
                    st.change_records
                ),
                next_step: "export the accounts as they are (ldifde -f, ldapsearch, csvde), not \
                            a change file"
                    .into(),
            });
        }
        input_files.push(InputFile {
            role: "onprem",
            path: path.clone(),
            format: format.name().to_string(),
            bytes: st.bytes,
            blake3: None,
        });
    }
    phase("on-premises read, classified and matched");
    let mut hashes: BTreeMap<String, String> = digests
        .iter()
        .map(|(path, digest)| (path.clone(), digest.finish()))
        .collect();
    // The digests hold the last references to the inputs' maps: unmapping
    // gigabytes takes the kernel a while, which the rest of the audit need
    // not wait for.
    Background::start("unmap", move || drop(digests));
    let AuditSink {
        stubs,
        findings: mut keyed,
        tally,
        attrs_seen,
        ..
    } = sink;
    for (why, n) in tally.not_accounts {
        *onprem.skipped_by_reason.entry(why).or_default() += n;
        onprem.skipped += n;
    }
    onprem.accounts_audited = tally.audited;
    onprem.out_of_scope = tally.out_of_scope.values().sum();
    onprem.out_of_scope_by_filter = tally.out_of_scope;
    for (i, attr) in flow_attributes.iter().enumerate() {
        if tally.audited > 0 && attrs_seen & (1 << i) == 0 {
            reasons.push(Reason {
                code: reason_code::RULE_ATTRIBUTE_ABSENT.into(),
                file: None,
                line: None,
                column: None,
                detail: format!(
                    "no audited account has `{attr}`, which the rules read: every account was \
                     evaluated as if it were absent"
                ),
                next_step: format!(
                    "if the export left it out (Export-Csv takes its columns from the first \
                     object; ldifde -l and ldapsearch export only the attributes named), export \
                     again with `{attr}`; if the rule misspells it, fix the rule \
                     (`usertype-audit rules check`)"
                ),
            });
        }
    }
    if onprem.records_read > 0 && onprem.accounts_audited == 0 {
        reasons.push(Reason {
            code: reason_code::NO_ACCOUNTS_AUDITED.into(),
            file: None,
            line: None,
            column: None,
            detail: format!(
                "{} record(s) read, none audited ({} out of scope, {} skipped): there is \
                 nothing the verdict could rest on",
                onprem.records_read, onprem.out_of_scope, onprem.skipped
            ),
            next_step: "check the scope (include_ous, exclude_ous, the out-of-box filters) and \
                        that the export holds user objects with objectClass"
                .into(),
        });
    }

    // 3. Whole-export checks.
    let mut matched = vec![false; users.len()];
    for s in stubs.iter().flat_map(|b| b.rows.iter()) {
        if let Some(h) = s.primary {
            if let Some(m) = matched.get_mut(h.user as usize) {
                *m = true;
            }
        }
    }
    duplicate_accounts(&stubs, &mut keyed);
    let duplicate_groups = index.duplicate_immutable_ids();
    // A cloud user that shares its ImmutableId with a matched one has an
    // account too (the duplicate finding says so): it is not an orphan.
    for group in &duplicate_groups {
        if group.iter().any(|&i| matched[i as usize]) {
            for &i in group {
                matched[i as usize] = true;
            }
        }
    }
    duplicate_cloud_users(
        &index,
        &duplicate_groups,
        &cloud_files,
        inputs.onprem.len(),
        &mut keyed,
    );
    let mut cloud_tally = CloudTally {
        users: users.len() as u64,
        ..CloudTally::default()
    };
    // Without onPremisesSyncEnabled, an unmatched user with an ImmutableId
    // may be a synced orphan or a user sync no longer manages: say so.
    let sync_state_unknown = cloud_coverage
        .missing_verdict_properties()
        .iter()
        .any(|m| m.property == cloud::model::Property::OnPremisesSyncEnabled);
    for (i, u) in users.iter().enumerate() {
        if matched[i] {
            cloud_tally.matched += 1;
            continue;
        }
        match u.on_premises_sync_enabled {
            Some(true) => {
                cloud_tally.orphaned += 1;
                keyed.push(cloud_finding(
                    u,
                    i,
                    &cloud_files,
                    inputs.onprem.len(),
                    Kind::OrphanedCloud,
                    Severity::Low,
                    format!(
                        "synced cloud user (last sync {}) whose ImmutableId {} matches no account \
                         of the export: deleted, moved out of the synced OUs, or from another \
                         forest",
                        u.on_premises_last_sync_date_time().unwrap_or("unknown"),
                        u.on_premises_immutable_id().unwrap_or("(none)")
                    ),
                ));
            }
            Some(false) => cloud_tally.unmatched_not_synced += 1,
            None if sync_state_unknown && u.on_premises_immutable_id().is_some() => {
                cloud_tally.cloud_only += 1;
                keyed.push(cloud_finding(
                    u,
                    i,
                    &cloud_files,
                    inputs.onprem.len(),
                    Kind::CloudStateUnknown,
                    Severity::Low,
                    format!(
                        "cloud user with ImmutableId {} that no account of the export matches; \
                         the export has no onPremisesSyncEnabled, so whether sync still manages \
                         it (an orphan) cannot be told; re-export with onPremisesSyncEnabled",
                        u.on_premises_immutable_id().unwrap_or("(none)")
                    ),
                ));
            }
            None => cloud_tally.cloud_only += 1,
        }
    }

    phase("whole-export checks");
    // 4. Order, totals, summary.
    keyed.par_sort_by(|a, b| a.0.cmp(&b.0));
    let findings: Vec<Finding> = keyed.into_iter().map(|(_, f)| f).collect();
    let mut by_kind: BTreeMap<Kind, u64> = BTreeMap::new();
    let mut by_severity: BTreeMap<Severity, u64> = BTreeMap::new();
    let mut by_ou: BTreeMap<String, u64> = BTreeMap::new();
    for f in &findings {
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
    rule_limitations(&inputs.rules_path, classifier, &mut limitations);
    // Partners whose cloud UserType is unknown: a finding each, and the
    // verdict cannot vouch for them whatever --fail-on is.
    let unknown_guests = findings
        .iter()
        .filter(|f| f.kind == Kind::CloudStateUnknown && f.severity == Severity::High)
        .count();
    if unknown_guests > 0 {
        reasons.push(Reason {
            code: reason_code::CLOUD_STATE_UNKNOWN.into(),
            file: None,
            line: None,
            column: None,
            detail: format!(
                "{unknown_guests} account(s) intended Guest have no usable cloud userType \
                 (cloud_state_unknown findings): any of them may be a Member"
            ),
            next_step: format!(
                "export the users again with userType: {}",
                cloud::coverage::graph_request()
            ),
        });
    }
    let failed = findings.iter().any(|f| f.severity >= opts.fail_on);
    let verdict = Verdict::decide(&reasons, failed);
    phase("sorted");
    hashes.extend(hashing_files.finish());
    for f in &mut input_files {
        f.blake3 = hashes.get(&f.path).cloned();
    }
    if let Some(h) = hashes.get(&inputs.rules_path) {
        input_files.push(InputFile {
            role: "rules",
            path: inputs.rules_path.clone(),
            format: "toml".to_string(),
            bytes: std::fs::metadata(&inputs.rules_path).map_or(0, |m| m.len()),
            blake3: Some(h.clone()),
        });
    }
    phase("hashed");
    input_files.sort_by_key(|f| match f.role {
        "onprem" => 0,
        "cloud" => 1,
        _ => 2,
    });
    let summary = AuditSummary {
        tool: format!("usertype-audit {}", env!("CARGO_PKG_VERSION")),
        generated_at: (!opts.reproducible).then(now_rfc3339),
        elapsed_seconds: (!opts.reproducible).then(|| started.elapsed().as_secs_f64()),
        inputs: input_files,
        rules: rule_summary(inputs, classifier),
        by_kind: Kind::ALL
            .iter()
            .map(|k| (*k, by_kind.get(k).copied().unwrap_or(0)))
            .collect(),
        by_severity: Severity::ALL
            .iter()
            .map(|s| (*s, by_severity.get(s).copied().unwrap_or(0)))
            .collect(),
        top_ous,
        onprem,
        cloud: cloud_tally,
        intent: tally.intent,
        diagnostics: diag_counts,
        fail_on: opts.fail_on,
        failed,
        verdict,
        reasons,
        limitations,
    };
    diagnostics.retain(|d| d.severity != DiagSeverity::Note);
    Ok(Audit {
        findings,
        summary,
        diagnostics,
        cloud_coverage,
    })
}

/// Adds one file's diagnostics to the audit's counts and kept list.
fn absorb(
    d: &crate::read::Diagnostics,
    counts: &mut BTreeMap<String, u64>,
    kept: &mut Vec<Diagnostic>,
) {
    for (kind, n) in &d.counts {
        *counts.entry(kind.to_string()).or_default() += n;
    }
    kept.extend(d.kept.iter().cloned());
}

/// Adds a reason for each kind of diagnostic in one input's read that means
/// part of it could not be read (see [`DiagKind::makes_incomplete`]), and one
/// for an input that holds nothing, unless a diagnostic already said so.
fn unreadable(
    path: &str,
    d: &crate::read::Diagnostics,
    records: u64,
    noun: &str,
    reasons: &mut Vec<Reason>,
) {
    use crate::diag::DiagKind;
    for (&kind, &n) in &d.counts {
        if !kind.makes_incomplete() || n == 0 {
            continue;
        }
        let first = d.kept.iter().find(|x| x.kind == kind);
        let mut detail = first.map_or_else(|| kind.name().replace('_', " "), |x| x.message.clone());
        if n > 1 {
            detail.push_str(&format!(" ({n} in this file)"));
        }
        reasons.push(Reason {
            code: kind.name().into(),
            file: Some(path.to_string()),
            line: first.map(|x| x.line),
            column: first.and_then(|x| x.column),
            detail,
            next_step: next_step(kind).into(),
        });
    }
    if records == 0 && d.counts.get(&DiagKind::NoEntries).copied().unwrap_or(0) == 0 {
        reasons.push(Reason {
            code: DiagKind::NoEntries.name().into(),
            file: Some(path.to_string()),
            line: None,
            column: None,
            detail: format!("the file holds no {noun}"),
            next_step: next_step(DiagKind::NoEntries).into(),
        });
    }
}

/// The rule file's warnings (lints, unknown attribute names) and the scope
/// OUs that no account of the export was under: they qualify every finding,
/// so each is listed with its line and column in the rule file.
fn rule_limitations(path: &str, classifier: &Classifier, out: &mut Vec<Reason>) {
    let position = |line: usize, column: usize| {
        (
            (line > 0).then_some(line as u64),
            (column > 0).then(|| u32::try_from(column).unwrap_or(u32::MAX)),
        )
    };
    for w in &classifier.rules().warnings {
        let (line, column) = position(w.line, w.column);
        // The message's first line says it all; the rest is an excerpt with a caret.
        let first = w.message.lines().next().unwrap_or_default();
        out.push(Reason {
            code: reason_code::RULE_WARNING.into(),
            file: Some(path.to_string()),
            line,
            column,
            detail: if first.contains(w.code) {
                first.to_string()
            } else {
                format!("[{}] {first}", w.code)
            },
            next_step: match &w.fix {
                Some(fix) => format!("use instead: {}", fix.trim()),
                None => format!(
                    "`usertype-audit rules check {path}` shows the place; fix the rule, or keep \
                     it if it is what Entra Connect runs (the audit evaluates it as written)"
                ),
            },
        });
    }
    for u in classifier.unmatched_ous() {
        let (line, column) = position(u.line, u.column);
        out.push(Reason {
            code: reason_code::SCOPE_OU_UNMATCHED.into(),
            file: Some(path.to_string()),
            line,
            column,
            detail: format!(
                "no account of the export is under `{}` ({}){}",
                u.ou,
                u.list,
                if u.list == "include_ous" {
                    ": it brings nothing into scope"
                } else {
                    ": it keeps nothing out"
                }
            ),
            next_step: "compare the OU with the DNs of the export (a misspelt or moved OU); Entra \
                        Connect's OU filter is in the AD connector's Containers list"
                .into(),
        });
    }
}

/// What to do about a diagnostic that makes the audit incomplete.
fn next_step(kind: crate::diag::DiagKind) -> &'static str {
    use crate::diag::DiagKind as K;
    match kind {
        K::NoEntries => {
            "check that the export ran against the right base DN or tenant and finished, then \
             export again"
        }
        K::TruncatedInput => {
            "the file was cut short (an interrupted copy or export, a full disk): export it \
             again, or copy the whole file"
        }
        K::TruncatedExport => {
            "the export tool stopped with an error: fix the cause its trailer names and export \
             again"
        }
        K::MissingDnColumn => {
            "export again with the DistinguishedName column (Get-ADUser ... | Select-Object \
             DistinguishedName,... | Export-Csv, or csvde, which always writes DN)"
        }
        K::UnknownShape => {
            "give the file to the right option (--onprem or --cloud), or export again in a \
             supported format (see the README, Getting the exports)"
        }
        K::DuplicateProperty => {
            "export the users again from Microsoft Graph: an object that names a property twice \
             cannot be trusted"
        }
        K::DecompressionLimit => {
            "decompress the file yourself and check what it holds; a genuine export can be \
             given uncompressed"
        }
        K::HeaderTooLarge => "check the file: no export writes a header that long",
        _ => "check that the file can be read whole (permissions, a complete copy) and export it again",
    }
}

/// Refuses the same file given twice (the same path, a link to it, or a
/// copy with the same content): every finding would be doubled and every
/// account would "share" its anchor with itself.
fn refuse_identical_inputs<'a>(args: impl Iterator<Item = (&'a str, &'a String)>) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let files: Vec<(&str, &String, std::fs::Metadata)> = args
        .filter(|(_, p)| p.as_str() != "-")
        .filter_map(|(opt, p)| {
            let m = std::fs::metadata(p).ok()?;
            m.is_file().then_some((opt, p, m))
        })
        .collect();
    for (i, (oa, a, ma)) in files.iter().enumerate() {
        for (ob, b, mb) in &files[i + 1..] {
            if ma.len() != mb.len() {
                continue;
            }
            let same = if ma.dev() == mb.dev() && ma.ino() == mb.ino() {
                "are the same file"
            } else if same_content(a, b) {
                "have identical content"
            } else {
                continue;
            };
            return Err(Error::Format(format!(
                "`{oa} {a}` and `{ob} {b}` {same}: an export given twice would count every \
                 account and finding twice; give each export once"
            )));
        }
    }
    Ok(())
}

/// Whether two files of the same size hold the same bytes (compared in
/// blocks, stopping at the first difference: exports that differ usually
/// do so in their first block).
fn same_content(a: &str, b: &str) -> bool {
    use std::io::Read;
    let (Ok(mut fa), Ok(mut fb)) = (std::fs::File::open(a), std::fs::File::open(b)) else {
        return false;
    };
    let mut ba = vec![0u8; 1 << 20];
    let mut bb = vec![0u8; 1 << 20];
    loop {
        let na = match read_full(&mut fa, &mut ba) {
            Ok(n) => n,
            Err(_) => return false,
        };
        let nb = match read_full(&mut fb, &mut bb) {
            Ok(n) => n,
            Err(_) => return false,
        };
        if na != nb || ba[..na] != bb[..nb] {
            return false;
        }
        if na == 0 {
            return true;
        }
    }
    fn read_full(f: &mut std::fs::File, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            match f.read(&mut buf[n..])? {
                0 => break,
                k => n += k,
            }
        }
        Ok(n)
    }
}

/// The attributes the UserType flow itself reads (not the out-of-box scope).
fn flow_attributes(classifier: &Classifier) -> Vec<String> {
    use crate::classify::config::Flow;
    let mut v: Vec<String> = match &classifier.rules().flow {
        Flow::Direct(a) => vec![a.clone()],
        Flow::Expression { program, .. } => program.attributes().map(str::to_string).collect(),
        Flow::Rules { rules, .. } => {
            let mut v = Vec::new();
            for r in rules {
                crate::classify::condition_attributes(&r.when, &mut v);
            }
            v
        }
    };
    v.retain(|a| !a.eq_ignore_ascii_case("dn"));
    // Each attribute once (case-insensitively, as AD names are), first spelling kept.
    let mut seen = std::collections::HashSet::new();
    v.retain(|a| seen.insert(a.to_ascii_lowercase()));
    v.truncate(64);
    v
}

fn rule_summary(inputs: &AuditInputs, classifier: &Classifier) -> RuleSummary {
    if let Some((sim, _)) = classifier.connect() {
        return RuleSummary {
            path: inputs.rules_path.clone(),
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
        path: inputs.rules_path.clone(),
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

/// Sort key: most severe first, then kind, then where the evidence is.
type SortKey = (Reverse<Severity>, Kind, usize, u64, String);

/// Per-account data kept after its batch is gone.
struct Stub {
    anchor: Option<Anchor>,
    primary: Option<Hit>,
    line: u64,
    /// DN and UPN as ranges of the batch's text buffer.
    dn: (u32, u32),
    upn: Option<(u32, u32)>,
}

/// Stubs of one batch, with one text buffer for all of them.
struct Stubs {
    file: u16,
    name: Arc<str>,
    text: String,
    rows: Vec<Stub>,
}

impl Stubs {
    fn text(&self, r: (u32, u32)) -> &str {
        self.text.get(r.0 as usize..r.1 as usize).unwrap_or("")
    }
}

#[derive(Default)]
struct LocalTally {
    audited: u64,
    out_of_scope: BTreeMap<String, u64>,
    not_accounts: BTreeMap<String, u64>,
    intent: IntentTally,
}

impl LocalTally {
    fn add(&mut self, o: LocalTally) {
        self.audited += o.audited;
        for (k, n) in o.out_of_scope {
            *self.out_of_scope.entry(k).or_default() += n;
        }
        for (k, n) in o.not_accounts {
            *self.not_accounts.entry(k).or_default() += n;
        }
        self.intent.member += o.intent.member;
        self.intent.guest += o.intent.guest;
        self.intent.error += o.intent.error;
        self.intent.invalid += o.intent.invalid;
        self.intent.no_value += o.intent.no_value;
    }
}

struct Ctx<'a> {
    classifier: &'a Classifier,
    index: &'a CloudIndex<'a>,
    anchor: &'a AnchorSource,
    file: u16,
    name: Arc<str>,
    flow_attributes: &'a [String],
    has_immutable_ids: bool,
}

struct AuditSink<'a> {
    ctx: Ctx<'a>,
    stubs: Vec<Stubs>,
    findings: Vec<(SortKey, Finding)>,
    tally: LocalTally,
    attrs_seen: u64,
}

struct BatchOut {
    stubs: Stubs,
    findings: Vec<(SortKey, Finding)>,
    tally: LocalTally,
    attrs_seen: u64,
}

impl BatchSink for AuditSink<'_> {
    type Output = BatchOut;

    fn map(&self, batch: &Batch) -> BatchOut {
        let ctx = &self.ctx;
        let users = ctx.index.users();
        let mut scratch = EvalScratch::default();
        let mut out = BatchOut {
            stubs: Stubs {
                file: ctx.file,
                name: ctx.name.clone(),
                text: String::new(),
                rows: Vec::with_capacity(batch.len()),
            },
            findings: Vec::new(),
            tally: LocalTally::default(),
            attrs_seen: 0,
        };
        let mut judgements = Vec::new();
        for entry in batch.entries() {
            let account = match Account::from_entry(entry) {
                Ok(a) => a,
                Err(why) => {
                    *out.tally.not_accounts.entry(why.to_string()).or_default() += 1;
                    continue;
                }
            };
            let anchor = account.source_anchor(ctx.anchor);
            let classification = ctx
                .classifier
                .classify(&account, anchor.is_some(), &mut scratch);
            let sid = account.sid_text();
            let dn_text = String::from_utf8_lossy(account.dn());
            let keys = AccountKeys {
                anchor: anchor.as_ref(),
                sid: sid.as_ref().map(SidText::as_str),
                dn: Some(&dn_text),
                upn: account.upn,
                smtp: account.primary_smtp.or(account.mail),
            };
            let m = ctx.index.match_account(&keys);
            let intent = &classification.intent;
            judgements.clear();
            // The cloud user the account claims (an out-of-scope account
            // claims only its hard match, so that user is no orphan).
            let joined = if *intent == Intent::OutOfScope {
                let rule = ctx.classifier.rule_name(&classification).to_string();
                *out.tally.out_of_scope.entry(rule).or_default() += 1;
                let primary = m.primary.filter(|h| h.by == MatchedBy::ImmutableId);
                let detail = match primary.and_then(|h| users.get(h.user as usize)) {
                    Some(u) => format!(
                        "excluded by the scope; its cloud user {} still exists and Entra Connect \
                         would delete it at the next sync",
                        u.id()
                    ),
                    None => "excluded by the scope: Entra Connect does not synchronise it".into(),
                };
                judgements.push(assess::Judgement {
                    kind: Kind::OutOfScope,
                    severity: Severity::Info,
                    cloud_user: primary.map(|h| h.user),
                    matched_by: primary.map(|h| h.by),
                    detail,
                });
                primary
            } else {
                out.tally.audited += 1;
                for (i, attr) in ctx.flow_attributes.iter().enumerate() {
                    if entry.get(attr).is_some() {
                        out.attrs_seen |= 1 << i;
                    }
                }
                match intent {
                    Intent::UserType(UserType::Member) => out.tally.intent.member += 1,
                    Intent::UserType(UserType::Guest) => out.tally.intent.guest += 1,
                    Intent::Error(_) => out.tally.intent.error += 1,
                    Intent::Invalid(_) => out.tally.intent.invalid += 1,
                    // Not managed by sync (Entra Connect configuration): no value
                    // flows, as for NoValue; the rule name says why.
                    Intent::NoValue(_) | Intent::NotManaged => out.tally.intent.no_value += 1,
                    Intent::OutOfScope => {}
                }
                let mut buf = [0u8; 24];
                let key = anchor
                    .as_ref()
                    .map(|a| crate::matcher::account_anchor_key(a, &mut buf));
                let side = assess::CloudSide {
                    users,
                    has_immutable_ids: ctx.has_immutable_ids,
                };
                assess::judge(intent, key.as_deref(), &m, side, &mut judgements);
                m.primary
            };
            // Only accounts with findings need the ImmutableId as text.
            let immutable_id = if judgements.is_empty() {
                None
            } else {
                anchor.as_ref().map(Anchor::immutable_id)
            };
            push_stub(&mut out.stubs, &account, &dn_text, anchor, joined);
            for j in judgements.drain(..) {
                let cloud = j.cloud_user.and_then(|i| users.get(i as usize));
                let finding = Finding {
                    kind: j.kind,
                    severity: j.severity,
                    dn: Some(dn_text.to_string()),
                    upn: account.upn.map(str::to_string),
                    source_anchor: immutable_id.clone(),
                    cloud_id: cloud.map(|u| u.id().to_string()),
                    cloud_upn: cloud.and_then(|u| u.user_principal_name().map(str::to_string)),
                    intended_user_type: Some(intent.outcome().to_string()),
                    cloud_user_type: cloud
                        .and_then(|u| u.user_type.as_ref().map(|t| t.as_str().to_string())),
                    matched_by: j.matched_by,
                    rule: Some(ctx.classifier.rule_name(&classification).to_string()),
                    source: Some(format!("{}:{}", ctx.name, account.line())),
                    detail: j.detail,
                };
                let key = (
                    Reverse(finding.severity),
                    finding.kind,
                    usize::from(ctx.file),
                    account.line(),
                    finding.cloud_id.clone().unwrap_or_default(),
                );
                out.findings.push((key, finding));
            }
        }
        out
    }

    fn consume(&mut self, _: &Batch, out: BatchOut) -> io::Result<()> {
        self.findings.extend(out.findings);
        self.tally.add(out.tally);
        self.attrs_seen |= out.attrs_seen;
        if !out.stubs.rows.is_empty() {
            self.stubs.push(out.stubs);
        }
        Ok(())
    }
}

fn push_stub(
    stubs: &mut Stubs,
    account: &Account<'_>,
    dn: &str,
    anchor: Option<Anchor>,
    primary: Option<Hit>,
) {
    let mut range = |s: &str| {
        let start = stubs.text.len() as u32;
        stubs.text.push_str(s);
        (start, stubs.text.len() as u32)
    };
    let dn = range(dn);
    let upn = account.upn.map(&mut range);
    stubs.rows.push(Stub {
        anchor,
        primary,
        line: account.line(),
        dn,
        upn,
    });
}

/// `duplicate_anchor` for accounts that share a source anchor.
fn duplicate_accounts(stubs: &[Stubs], out: &mut Vec<(SortKey, Finding)>) {
    // Sort a hash of each anchor's match key (no string per account), then
    // confirm the rare equal hashes with the keys themselves.
    let mut hashed: Vec<(u64, u32, u32)> = stubs
        .par_iter()
        .enumerate()
        .flat_map_iter(|(b, batch)| {
            batch.rows.iter().enumerate().filter_map(move |(r, row)| {
                let mut buf = [0u8; 24];
                let a = row.anchor.as_ref()?;
                let key = crate::matcher::account_anchor_key(a, &mut buf);
                Some((anchor_hash(&key), b as u32, r as u32))
            })
        })
        .collect();
    hashed.par_sort_unstable();
    let mut keys: Vec<(String, usize, usize)> = Vec::new();
    for run in hashed.chunk_by(|a, b| a.0 == b.0) {
        if run.len() < 2 {
            continue;
        }
        for &(_, b, r) in run {
            if let Some(a) = &stubs[b as usize].rows[r as usize].anchor {
                keys.push((a.match_key(), b as usize, r as usize));
            }
        }
    }
    keys.sort_unstable();
    for group in keys.chunk_by(|a, b| a.0 == b.0) {
        if group.len() < 2 {
            continue;
        }
        let dns: Vec<&str> = group
            .iter()
            .map(|(_, b, r)| stubs[*b].text(stubs[*b].rows[*r].dn))
            .collect();
        for (i, (key, b, r)) in group.iter().enumerate() {
            let batch = &stubs[*b];
            let row = &batch.rows[*r];
            let others: Vec<&str> = dns
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, d)| *d)
                .collect();
            let finding = Finding {
                kind: Kind::DuplicateAnchor,
                severity: Severity::High,
                dn: Some(batch.text(row.dn).to_string()),
                upn: row.upn.map(|u| batch.text(u).to_string()),
                source_anchor: Some(key.clone()),
                cloud_id: None,
                cloud_upn: None,
                intended_user_type: None,
                cloud_user_type: None,
                matched_by: None,
                rule: None,
                source: Some(format!("{}:{}", batch.name, row.line)),
                detail: format!(
                    "{} accounts share this source anchor (also {}): Connect joins only one of \
                     them and reports the others",
                    group.len(),
                    others.join("; ")
                ),
            };
            let key = (
                Reverse(Severity::High),
                Kind::DuplicateAnchor,
                usize::from(batch.file),
                row.line,
                String::new(),
            );
            out.push((key, finding));
        }
    }
}

/// A 64-bit hash of an anchor's match key (FNV-1a; exact, case-sensitive).
fn anchor_hash(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// `duplicate_anchor` for cloud users that share an ImmutableId.
fn duplicate_cloud_users(
    index: &CloudIndex<'_>,
    groups: &[Vec<u32>],
    files: &CloudFiles,
    onprem_files: usize,
    out: &mut Vec<(SortKey, Finding)>,
) {
    let users = index.users();
    for group in groups {
        let ids: Vec<&str> = group.iter().map(|&i| users[i as usize].id()).collect();
        for &i in group {
            let u = &users[i as usize];
            let others: Vec<&str> = ids.iter().copied().filter(|id| *id != u.id()).collect();
            out.push(cloud_finding(
                u,
                i as usize,
                files,
                onprem_files,
                Kind::DuplicateAnchor,
                Severity::High,
                format!(
                    "{} cloud users share onPremisesImmutableId {} (also {}): sync can join \
                     only one of them",
                    group.len(),
                    u.on_premises_immutable_id().unwrap_or(""),
                    others.join(", ")
                ),
            ));
        }
    }
}

fn cloud_finding(
    u: &CloudUser,
    i: usize,
    files: &CloudFiles,
    onprem_files: usize,
    kind: Kind,
    severity: Severity,
    detail: String,
) -> (SortKey, Finding) {
    let finding = Finding {
        kind,
        severity,
        dn: u.on_premises_distinguished_name().map(str::to_string),
        upn: u.on_premises_user_principal_name().map(str::to_string),
        source_anchor: u.on_premises_immutable_id().map(str::to_string),
        cloud_id: Some(u.id().to_string()),
        cloud_upn: u.user_principal_name().map(str::to_string),
        intended_user_type: None,
        cloud_user_type: u.user_type.as_ref().map(|t| t.as_str().to_string()),
        matched_by: None,
        rule: None,
        source: Some(files.source(i, u.source.line)),
        detail,
    };
    let key = (
        Reverse(severity),
        kind,
        onprem_files + files.file_no(i),
        u.source.line,
        u.id().to_string(),
    );
    (key, finding)
}

/// The DN without its first RDN (the OU an object sits in).
pub fn parent_dn(dn: &str) -> &str {
    let bytes = dn.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b',' => return dn[i + 1..].trim_start(),
            _ => i += 1,
        }
    }
    ""
}

/// Work on a thread of its own, or done on the spot when no thread can be
/// started.
enum Background<T> {
    Thread(std::thread::JoinHandle<Option<T>>),
    Done(Option<T>),
}

impl<T: Send + Default + 'static> Background<T> {
    fn start<F: FnOnce() -> T + Send + 'static>(name: &str, work: F) -> Background<T> {
        // Shared, so that the work can still be done here if the thread
        // cannot be started (spawning consumes its closure).
        let slot = Arc::new(std::sync::Mutex::new(Some(work)));
        let theirs = slot.clone();
        let spawned = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || theirs.lock().ok().and_then(|mut w| w.take()).map(|w| w()));
        match spawned {
            Ok(handle) => Background::Thread(handle),
            Err(_) => Background::Done(slot.lock().ok().and_then(|mut w| w.take()).map(|w| w())),
        }
    }

    /// The work's result (the default if it panicked).
    fn finish(self) -> T {
        match self {
            Background::Thread(handle) => handle.join().ok().flatten(),
            Background::Done(result) => result,
        }
        .unwrap_or_default()
    }
}

/// BLAKE3 of a regular file; None for anything else (standard input, a pipe
/// or a FIFO cannot be read a second time) or when it cannot be read.
fn hash_file(path: &str) -> Option<String> {
    if path == "-" || !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let file = std::fs::File::open(path).ok()?;
    let mut hasher = blake3::Hasher::new();
    // SAFETY: as for the readers' inputs (see `read::input`), the export is
    // assumed not to change while it is audited; it is only read.
    match unsafe { memmap2::Mmap::map(&file) } {
        Ok(map) => {
            hasher.update(&map);
        }
        Err(_) => {
            hasher.update_reader(file).ok()?;
        }
    }
    Some(hasher.finalize().to_hex().to_string())
}

/// Now as RFC 3339 UTC, to the second.
fn now_rfc3339() -> String {
    let c = crate::classify::expr::DateTime::now().civil();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
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
