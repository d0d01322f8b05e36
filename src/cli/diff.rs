//! `usertype-audit diff OLD NEW --out DIR`: what changed between two audits.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::output::{check_report_dir, InputFiles};
use super::{ExitStatus, Global};
use usertype_audit::diff::{self, Diff};
use usertype_audit::findings::Severity;

/// Compare two audits: the findings that are new, resolved and changed.
///
/// OLD and NEW are report folders of `usertype-audit audit` (their --out);
/// their findings.jsonl and summary.json are read and the findings matched
/// by id. Writes diff.json, diff.md and diff.html to --out, as one set (a
/// file there under those names that this tool did not write stops the run).
///
/// Before anything is compared, what makes the audits hard to compare is
/// said, on standard error and in every file: other rules, another tenant or
/// forest, other input formats, another version, an incomplete audit.
///
/// Exit status: 0 no finding newly reaches --fail-on, 1 one does (a new
/// finding at or above it, or a changed one risen to it; waived findings do
/// not count), 2 usage or input error (a report folder that cannot be read,
/// or one written before finding ids: run that audit again).
#[derive(Debug, Args)]
#[command(after_help = "\
Example:
  usertype-audit diff report-march report-april --out changes")]
pub struct DiffArgs {
    /// The older audit's report folder.
    #[arg(value_name = "OLD")]
    pub old: PathBuf,
    /// The newer audit's report folder.
    #[arg(value_name = "NEW")]
    pub new: PathBuf,
    /// The folder for diff.json, diff.md and diff.html (created when missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Exit 1 when a finding newly reaches this severity: critical, high,
    /// medium, low, info.
    #[arg(long, default_value = "high", value_name = "SEVERITY")]
    pub fail_on: String,
}

pub(super) fn run(args: &DiffArgs, global: Global) -> anyhow::Result<ExitStatus> {
    let fail_on = Severity::from_name(&args.fail_on).ok_or_else(|| {
        anyhow::anyhow!(
            "--fail-on {}: expected critical, high, medium, low or info",
            args.fail_on
        )
    })?;
    // The folders' own files: a diff written over them would destroy them.
    let read: Vec<String> = [&args.old, &args.new]
        .into_iter()
        .flat_map(|d| {
            [
                d.join(usertype_audit::report::jsonl::FILE_NAME),
                d.join(usertype_audit::report::summary::FILE_NAME),
            ]
        })
        .map(|p| p.display().to_string())
        .collect();
    let inputs = InputFiles::new(read.iter().map(String::as_str));
    check_report_dir(&args.out, &diff::FILE_NAMES, &inputs, diff::is_own_diff)?;
    let old = diff::load(&args.old)?;
    let new = diff::load(&args.new)?;
    let diff = diff::compare(old, new, fail_on);
    print_warnings(&diff)?;
    let written = diff::write_diff(&diff, &args.out)
        .map_err(|e| anyhow::anyhow!("cannot write the diff to {}: {e}", args.out.display()))?;
    if !global.quiet {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", summary_line(&diff))?;
        for p in &written {
            writeln!(out, "  wrote {}", p.display())?;
        }
    }
    Ok(if diff.failed {
        ExitStatus::Problems
    } else {
        ExitStatus::Clean
    })
}

/// The warnings on standard error (even with --quiet: they qualify the exit status).
pub(super) fn print_warnings(diff: &Diff) -> anyhow::Result<()> {
    let mut err = std::io::stderr().lock();
    for w in &diff.warnings {
        writeln!(
            err,
            "warning[{}]: {}",
            w.code,
            usertype_audit::report::terminal_safe(&w.detail)
        )?;
    }
    Ok(())
}

/// `3 new, 2 resolved, 1 changed, 40 unchanged. Fail: ...`
pub(super) fn summary_line(diff: &Diff) -> String {
    format!(
        "{} new, {} resolved, {} changed, {} unchanged. {}",
        diff.new_findings.len(),
        diff.resolved.len(),
        diff.changed.len(),
        diff.unchanged,
        diff::outcome(diff)
    )
}

/// `audit --baseline OLD`: checks that --out can take the diff files and
/// reads OLD, before any input of the audit is read.
pub(super) fn load_baseline(
    old: Option<&std::path::Path>,
    out: &std::path::Path,
    inputs: &InputFiles,
) -> anyhow::Result<Option<diff::Loaded>> {
    let Some(old) = old else {
        return Ok(None);
    };
    check_report_dir(out, &diff::FILE_NAMES, inputs, diff::is_own_diff)?;
    let loaded = diff::load(old).map_err(|e| anyhow::anyhow!("--baseline: {e}"))?;
    Ok(Some(loaded))
}

/// The diff of the baseline `old` against the audit just made, warnings
/// printed on standard error.
pub(super) fn against(
    old: diff::Loaded,
    report: &usertype_audit::report::Report<'_>,
    out: &std::path::Path,
    fail_on: Severity,
) -> Diff {
    let diff = diff::compare(old, diff::from_report(report, out), fail_on);
    // Best effort: a closed standard error must not lose the reports.
    let _ = print_warnings(&diff);
    diff
}

/// Removes the diff files of an earlier `audit --baseline` in `out` that this
/// run (without --baseline) does not replace, so the folder never mixes two
/// runs; a file this tool did not write, or an input, is left alone.
pub(super) fn remove_stale_diff(
    out: &std::path::Path,
    inputs: &InputFiles,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for name in diff::FILE_NAMES {
        let path = out.join(name);
        if inputs.same_as(&path).is_some() || !diff::is_own_diff(&path) {
            continue;
        }
        std::fs::remove_file(&path).map_err(|e| {
            anyhow::anyhow!(
                "cannot remove {}, the diff of an earlier run: {e}; remove it by hand so that \
                 the folder holds one run",
                path.display()
            )
        })?;
        removed.push(path);
    }
    Ok(removed)
}
