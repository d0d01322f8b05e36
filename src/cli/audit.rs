//! `usertype-audit audit`: the main job.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use clap::Args;
use indicatif::ProgressBar;

use super::output::{check_report_dir, InputFiles};
use super::{
    progress, rules::load_rule_source, ColorArgs, ExitStatus, Global, OnPremArgs, ThreadsArgs,
};
use usertype_audit::audit::{self, Audit, AuditInputs, AuditOptions, Progress};
use usertype_audit::classify::Classifier;
use usertype_audit::diff::Diff;
use usertype_audit::findings::{Severity, Verdict};
use usertype_audit::plan::{PlanOptions, PlanOutcome};
use usertype_audit::read::cloud::CloudOptions;
use usertype_audit::report::{self, Report};

/// Audit on-premises accounts against the cloud and write the reports (the main job).
///
/// Classify every account with the rule file, match it to its cloud user as Entra Connect would, and
/// report every conflict (partners intended Guest who are Members first).
///
/// Writes findings.jsonl, findings.csv, summary.json, summary.md and
/// report.html to --out, and a short summary to the terminal.
///
/// --out is checked before any input is read: it must be a folder (created
/// when missing) that can be written, and a file in it under a report's name
/// must be a report this tool wrote (not an input, a link or someone else's
/// file, which are never replaced). The reports are written as one set: to temporary files first, renamed
/// over the previous reports only when all are complete, so a failed run
/// leaves the previous set as it was. Report files of an earlier run that this
/// run does not write (with --format) are removed, so the folder never mixes
/// two runs; nothing else in the folder is touched.
///
/// Only the attributes the rules, the scope and the matching read are decoded
/// and checked (a record's structure always is); `scan` checks every value.
///
/// Exit status: 0 no finding at or above --fail-on, 1 one does, 2 usage or
/// input error (including a cloud export without the properties the audit
/// needs; the message says how to re-export).
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  usertype-audit audit --onprem export.ldf --cloud graph-users.json --rules rules.toml
  usertype-audit audit --onprem a.ldf b.ldf --cloud users.json --rules rules.toml --out q3
Then open report/report.html (or q3/report.html); `usertype-audit explain KIND` documents
each finding kind.")]
pub struct AuditArgs {
    /// The on-premises exports.
    #[command(flatten)]
    pub input: OnPremArgs,
    /// Microsoft Graph users exports (REST pages, arrays, JSON Lines,
    /// ConvertTo-Json, admin-center CSV).
    #[arg(long, required = true, num_args = 1.., value_name = "FILE")]
    pub cloud: Vec<String>,
    /// The rule file (see `usertype-audit init`); its `[scope]` applies
    /// before --connect-config.
    #[arg(long, value_name = "FILE", required_unless_present = "connect_config")]
    pub rules: Option<String>,
    /// The Entra Connect configuration: the Synchronization Rules Editor's
    /// Export (.ps1), a folder of them, and the
    /// Applied-SynchronizationPolicy-*.json file (OU filtering).
    #[arg(long, value_name = "PATH")]
    pub connect_config: Vec<String>,
    /// The report folder, created when missing and checked before any input is
    /// read. The reports are written as one set (temporary files renamed only
    /// when all are complete: a failed run leaves the previous set as it was).
    /// Reports of an earlier run that this run does not write (with --format)
    /// are removed, so the folder never mixes two runs. A file under a report's
    /// name that this tool did not write, an input or a link stops the run;
    /// nothing else in the folder is touched.
    #[arg(long, default_value = "report", value_name = "DIR")]
    pub out: PathBuf,
    /// Reports to write: jsonl, csv, summary, html, or all (comma-separated;
    /// an empty list is refused); add xlsx for report.xlsx (all,xlsx).
    #[arg(long, default_value = "all", value_name = "LIST")]
    pub format: String,
    /// Exit 1 when a finding reaches this severity: critical, high, medium, low, info.
    #[arg(long, default_value = "high", value_name = "SEVERITY")]
    pub fail_on: String,
    /// Also list `info` findings (accounts out of scope) in the findings files.
    #[arg(long)]
    pub include_info: bool,
    /// Audit even when the cloud export lacks properties the audit depends on
    /// (userType, onPremisesImmutableId, ...). Findings that need them will be
    /// wrong or absent; the summary says which are missing.
    #[arg(long)]
    pub allow_partial_cloud: bool,
    /// Leave the time of the run and the elapsed time out of the summaries,
    /// so that the same inputs give byte-identical reports.
    #[arg(long)]
    pub reproducible: bool,
    /// Do not hash the input files (faster on very large exports).
    #[arg(long)]
    pub no_hash: bool,
    /// Stop at the first bad record instead of reporting and skipping it.
    #[arg(long)]
    pub strict: bool,
    /// Diagnostics printed per kind and file (all are counted).
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub max_diagnostics: u64,
    /// Worker threads.
    #[command(flatten)]
    pub threads: ThreadsArgs,
    /// Colour of the terminal summary.
    #[command(flatten)]
    pub color: ColorArgs,
    /// Remediation plan flags.
    #[command(flatten)]
    pub plan: super::plan_args::PlanArgs,
    /// An earlier audit's report folder: also write diff.json, diff.md and
    /// diff.html (as `usertype-audit diff OLD --out`) comparing it with this
    /// audit. It is read before the inputs, and may be --out itself.
    #[arg(long, value_name = "OLD")]
    pub baseline: Option<PathBuf>,
    /// Accepted findings: a TOML file of [[waiver]] entries (id, or kind
    /// with a dn/upn pattern; reason, owner, expires). A waived finding stays
    /// in the reports, marked, and does not count toward the verdict.
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<String>,
    /// The date waivers expire against, YYYY-MM-DD (default: today, UTC;
    /// with --reproducible, SOURCE_DATE_EPOCH when set, else required).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
}

/// Progress bars on standard error (hidden unless it is a terminal).
struct Bars {
    quiet: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl Progress for Bars {
    fn begin(&self, label: &str, total: Option<u64>) {
        let bar = progress::bytes_bar(label, total, self.quiet);
        if let Ok(mut b) = self.bar.lock() {
            *b = Some(bar);
        }
    }
    fn update(&self, done: u64) {
        if let Ok(b) = self.bar.lock() {
            if let Some(b) = b.as_ref() {
                b.set_position(done);
            }
        }
    }
    fn end(&self) {
        if let Ok(mut b) = self.bar.lock() {
            if let Some(b) = b.take() {
                b.finish_and_clear();
            }
        }
    }
}

pub(super) fn run(args: &AuditArgs, global: Global) -> anyhow::Result<ExitStatus> {
    let checked = check_outputs_and_inputs(args)?;
    let setup = load_setup(args, global, &checked)?;
    let result = run_audit(args, global, &setup)?;
    let mut err = std::io::stderr().lock();
    if !global.quiet {
        for d in &result.diagnostics {
            writeln!(
                err,
                "{}",
                report::terminal_safe(&report::cap_value(&d.to_string()))
            )?;
        }
    }
    let report = Report {
        findings: &result.findings,
        summary: &result.summary,
        include_info: args.include_info,
    };
    let diff =
        (setup.baseline).map(|old| super::diff::against(old, &report, &args.out, checked.fail_on));
    let written = write_outputs(args, &checked, &result, &report, diff.as_ref())?;
    if !global.quiet {
        print_summary(args, &result, diff.as_ref(), &written)?;
    }
    let status = match result.summary.verdict {
        Verdict::Pass => ExitStatus::Clean,
        Verdict::Fail => ExitStatus::Problems,
        Verdict::Incomplete => ExitStatus::Failure,
    };
    // The process ends next: freeing a million small strings one by one
    // would only delay the exit.
    std::mem::forget(result);
    Ok(status)
}

/// What is known once the arguments and the output folder are checked.
struct Checked {
    formats: Vec<report::Format>,
    fail_on: Severity,
    input_files: InputFiles,
    plan: Option<PlanOptions>,
}

/// Checks the arguments and the output folder, before any input is read: a
/// long read must not end in "cannot write".
fn check_outputs_and_inputs(args: &AuditArgs) -> anyhow::Result<Checked> {
    let formats = report::Format::parse_list(&args.format).map_err(|e| anyhow::anyhow!("{e}"))?;
    let fail_on = Severity::from_name(&args.fail_on).ok_or_else(|| {
        anyhow::anyhow!(
            "--fail-on {}: expected critical, high, medium, low or info",
            args.fail_on
        )
    })?;
    anyhow::ensure!(
        args.input
            .onprem
            .iter()
            .chain(&args.cloud)
            .filter(|f| *f == "-")
            .count()
            <= 1,
        "`-` (standard input) can be given only once"
    );
    let input_files = InputFiles::new(
        args.input
            .onprem
            .iter()
            .chain(&args.cloud)
            .chain(&args.rules)
            .chain(&args.connect_config)
            .chain(&args.waivers)
            .map(String::as_str),
    );
    let report_names: Vec<&str> = report::Format::KNOWN
        .iter()
        .flat_map(|f| f.file_names())
        .copied()
        .collect();
    check_report_dir(
        &args.out,
        &report_names,
        &input_files,
        report::is_own_report,
    )?;
    let plan = args.plan.options().map_err(anyhow::Error::msg)?;
    if plan.is_some() {
        usertype_audit::plan::check_dirs(&args.out)?;
        let own = usertype_audit::plan::is_own_file;
        check_report_dir(
            &args.out,
            &usertype_audit::plan::FILE_NAMES,
            &input_files,
            own,
        )?;
    }
    Ok(Checked {
        formats,
        fail_on,
        input_files,
        plan,
    })
}

/// The baseline, the rules and the audit's options, loaded from the arguments.
struct Setup {
    baseline: Option<usertype_audit::diff::Loaded>,
    classifier: Classifier,
    opts: AuditOptions,
}

/// Loads the baseline, the waivers and the rules, and sets the audit's options.
fn load_setup(args: &AuditArgs, global: Global, checked: &Checked) -> anyhow::Result<Setup> {
    let baseline =
        super::diff::load_baseline(args.baseline.as_deref(), &args.out, &checked.input_files)?;
    let (waivers, as_of) = super::waivers::load(
        args.waivers.as_deref(),
        args.as_of.as_deref(),
        args.reproducible,
    )?;
    let classifier = load_rule_source(args.rules.as_deref(), &args.connect_config, global.quiet)?;
    let mut onprem = args.input.onprem_options();
    onprem.ldif.strict = args.strict;
    onprem.csv.strict = args.strict;
    let mut cloud = CloudOptions {
        strict: args.strict,
        keep_per_kind: args.max_diagnostics,
        ..CloudOptions::default()
    };
    args.input.reader.apply_cloud(&mut cloud);
    let opts = AuditOptions {
        onprem,
        cloud,
        anchor: args.input.anchor(),
        fail_on: checked.fail_on,
        allow_partial_cloud: args.allow_partial_cloud,
        reproducible: args.reproducible,
        hash_inputs: !args.no_hash,
        keep_per_kind: args.max_diagnostics,
        keep_plan_data: checked.plan.is_some(),
        waivers,
        as_of,
    };
    Ok(Setup {
        baseline,
        classifier,
        opts,
    })
}

/// Reads the inputs and audits them, with a progress bar unless quiet.
fn run_audit(args: &AuditArgs, global: Global, setup: &Setup) -> anyhow::Result<Audit> {
    // With only --connect-config, the configuration stands for the rule file.
    let rules_path = (args.rules.clone())
        .or_else(|| args.connect_config.first().cloned())
        .unwrap_or_default();
    let inputs = AuditInputs::from_paths(&args.input.onprem, &args.cloud, &rules_path);
    let bars = Bars {
        quiet: global.quiet,
        bar: Mutex::new(None),
    };
    // A read stopped by --strict has no verdict: exit 2, like any audit that
    // could not see everything (for `scan`, 1 means "errors in the data").
    audit::run(&inputs, &setup.classifier, &setup.opts, &bars).map_err(|e| match e {
        usertype_audit::error::Error::Strict(d) => anyhow::anyhow!(
            "{d} (stopped by --strict: no verdict; without --strict the record is skipped, \
             counted and named in the report)"
        ),
        e => anyhow::Error::new(e),
    })
}

/// What the run wrote to, and removed from, the output folder.
struct Written {
    reports: Vec<PathBuf>,
    removed: Vec<PathBuf>,
    plan: Option<PlanOutcome>,
}

/// Writes the reports, the diff and the plan, and removes an earlier run's
/// files that this run does not write.
fn write_outputs(
    args: &AuditArgs,
    checked: &Checked,
    result: &Audit,
    report: &Report<'_>,
    diff: Option<&Diff>,
) -> anyhow::Result<Written> {
    let input_files = &checked.input_files;
    let reports = match diff {
        Some(diff) => {
            usertype_audit::diff::write_reports_and_diff(report, &checked.formats, &args.out, diff)
        }
        None => report::write_reports(report, &checked.formats, &args.out),
    }
    .map_err(|e| anyhow::anyhow!("cannot write the reports to {}: {e}", args.out.display()))?;
    let mut removed = remove_stale_reports(&args.out, &checked.formats, input_files)?;
    if diff.is_none() {
        removed.extend(super::diff::remove_stale_diff(&args.out, input_files)?);
    }
    let plan = (checked.plan.as_ref())
        .map(|p| usertype_audit::plan::write_plan(result, p, &args.out))
        .transpose()
        .map_err(|e| anyhow::anyhow!("cannot write the plan to {}: {e}", args.out.display()))?;
    if plan.is_none() {
        removed.extend(usertype_audit::plan::remove_stale(&args.out, |p| {
            input_files.same_as(p).is_some()
        })?);
    }
    Ok(Written {
        reports,
        removed,
        plan,
    })
}

/// Prints the terminal summary: the verdict, the waivers, the diff, the files
/// written and removed, the plan and the next steps.
fn print_summary(
    args: &AuditArgs,
    result: &Audit,
    diff: Option<&Diff>,
    written: &Written,
) -> anyhow::Result<()> {
    let color = args.color.stdout_colored();
    let mut out = std::io::stdout().lock();
    out.write_all(report::terminal_summary(&result.summary, color).as_bytes())?;
    super::waivers::print_summary(&mut out, &result.summary.waivers)?;
    if let Some(diff) = diff {
        writeln!(
            out,
            "Against the baseline: {}",
            super::diff::summary_line(diff)
        )?;
    }
    for p in &written.reports {
        writeln!(out, "  wrote {}", p.display())?;
    }
    for p in &written.removed {
        writeln!(out, "  removed {} (an earlier run's report)", p.display())?;
    }
    if let Some(p) = &written.plan {
        writeln!(out, "{}", usertype_audit::plan::outcome_line(p))?;
    }
    let html = (written.reports.iter()).find(|p| p.file_name().is_some_and(|n| n == "report.html"));
    out.write_all(
        report::next_steps(&result.summary, html.map(PathBuf::as_path), color).as_bytes(),
    )?;
    Ok(())
}

/// Removes the reports of an earlier run that this run did not write (see
/// [`report::stale_reports`]) and returns them. A file that is an input or
/// that this tool did not write ([`report::is_own_report`]) is never removed;
/// the folder check refuses a run where one would be replaced or left.
fn remove_stale_reports(
    out: &std::path::Path,
    formats: &[report::Format],
    inputs: &InputFiles,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for path in report::stale_reports(out, formats) {
        if inputs.same_as(&path).is_some() || !report::is_own_report(&path) {
            continue;
        }
        std::fs::remove_file(&path).map_err(|e| {
            anyhow::anyhow!(
                "cannot remove {}, a report of an earlier run: {e}; remove it by hand \
                 so that the folder holds one run",
                path.display()
            )
        })?;
        removed.push(path);
    }
    Ok(removed)
}
