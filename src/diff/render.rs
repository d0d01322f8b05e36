//! `diff.json` and `diff.md`, and writing the three diff files as one set.
//!
//! # `diff.json`
//!
//! UTF-8, pretty-printed, ending with `\n`; keys in this order:
//!
//! | key | value |
//! | --- | --- |
//! | `format_version` | `1` |
//! | `kind` | `"usertype-audit diff"` |
//! | `tool` | `"usertype-audit x.y.z"` |
//! | `old_audit`, `new_audit` | the two audits: `folder`, `tool`, `generated_at`, `verdict`, `inputs` (`role`, `path`, `format`, `blake3`), `rules_flow`, `rules_definition`, `findings_total` |
//! | `warnings` | array of `{code, detail}`: what makes the two hard to compare (see [`super`]) |
//! | `fail_on` | the `--fail-on` severity |
//! | `failed` | whether a finding not waived newly reaches it (exit 1) |
//! | `counts` | `{new, resolved, changed, unchanged, newly_reaching_fail_on}` |
//! | `new`, `resolved` | arrays of findings, as `findings.jsonl` writes them |
//! | `changed` | array of `{id, changes: [{field, before, after}], before, after}` |
//!
//! No clock value: the same two folders give the same bytes.
//!
//! # `diff.md`
//!
//! The title `# UserType audit diff`, the two audits, the warnings, the
//! outcome and the counts, then the new, resolved and changed findings as
//! tables (at most [`MAX_LISTED`] rows each; `diff.json` holds them all).

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{AuditInfo, Changed, Diff, DiffFinding, Warning};
use crate::report::markdown::escape_cell;
use crate::report::{cap_value, ReportJob};

/// `diff.json`.
pub const JSON_FILE: &str = "diff.json";
/// `diff.md`.
pub const MD_FILE: &str = "diff.md";
/// `diff.html`.
pub const HTML_FILE: &str = super::html::FILE_NAME;
/// The files of a diff, in writing order.
pub const FILE_NAMES: [&str; 3] = [JSON_FILE, MD_FILE, HTML_FILE];

/// The most findings of each list that `diff.md` and `diff.html` show.
pub const MAX_LISTED: usize = 1000;

/// The value of `kind` in `diff.json`, by which the tool knows its own file.
const JSON_KIND: &str = "usertype-audit diff";

/// The first line of `diff.md`.
pub(super) const TITLE: &str = "UserType audit diff";

#[derive(Serialize)]
struct Counts {
    new: usize,
    resolved: usize,
    changed: usize,
    unchanged: u64,
    newly_reaching_fail_on: u64,
}

#[derive(Serialize)]
struct DiffJson<'a> {
    format_version: u32,
    kind: &'static str,
    tool: String,
    old_audit: &'a AuditInfo,
    new_audit: &'a AuditInfo,
    warnings: &'a [Warning],
    fail_on: &'static str,
    failed: bool,
    counts: Counts,
    new: &'a [DiffFinding],
    resolved: &'a [DiffFinding],
    changed: &'a [Changed],
}

/// Writes `diff.json` for `diff` to `w`.
pub fn write_json<W: Write>(mut w: W, diff: &Diff) -> io::Result<()> {
    let doc = DiffJson {
        format_version: 1,
        kind: JSON_KIND,
        tool: format!("usertype-audit {}", env!("CARGO_PKG_VERSION")),
        old_audit: &diff.old,
        new_audit: &diff.new,
        warnings: &diff.warnings,
        fail_on: diff.fail_on.name(),
        failed: diff.failed,
        counts: Counts {
            new: diff.new_findings.len(),
            resolved: diff.resolved.len(),
            changed: diff.changed.len(),
            unchanged: diff.unchanged,
            newly_reaching_fail_on: diff.newly_reaching,
        },
        new: &diff.new_findings,
        resolved: &diff.resolved,
        changed: &diff.changed,
    };
    serde_json::to_writer_pretty(&mut w, &doc).map_err(io::Error::other)?;
    w.write_all(b"\n")?;
    w.flush()
}

/// The one-sentence outcome shared by every format.
pub fn outcome(diff: &Diff) -> String {
    let n = diff.newly_reaching;
    if diff.failed {
        format!(
            "Fail: {n} finding{} not waived newly reach{} {} (new, or risen to it).",
            if n == 1 { "" } else { "s" },
            if n == 1 { "es" } else { "" },
            diff.fail_on.name()
        )
    } else {
        format!(
            "Pass: no finding that is not waived newly reaches {}.",
            diff.fail_on.name()
        )
    }
}

/// One line describing an audit.
pub(super) fn describe(i: &AuditInfo) -> String {
    format!(
        "{} ({}, {}, verdict {}, {} findings)",
        i.folder,
        i.tool,
        i.generated_at.as_deref().unwrap_or("time not recorded"),
        i.verdict,
        i.findings_total
    )
}

/// Who or what a finding is about, for people: the UPN, else the DN, else
/// the cloud UPN or id.
pub(super) fn subject(f: &DiffFinding) -> &str {
    [&f.upn, &f.dn, &f.cloud_upn, &f.cloud_id]
        .into_iter()
        .find_map(|v| v.as_deref().filter(|v| !v.is_empty()))
        .unwrap_or("\u{2014}")
}

/// The changes of `c` as `field: before → after; ...`.
pub(super) fn changes_text(c: &Changed) -> String {
    c.changes
        .iter()
        .map(|ch| {
            format!(
                "{}: {} \u{2192} {}",
                ch.field,
                ch.before.as_deref().unwrap_or("\u{2014}"),
                ch.after.as_deref().unwrap_or("\u{2014}")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn cell(s: &str) -> String {
    escape_cell(&cap_value(s))
}

/// Writes `diff.md` for `diff` to `w`.
pub fn write_md<W: Write>(mut w: W, diff: &Diff) -> io::Result<()> {
    let mut o = String::new();
    let _ = writeln!(o, "# {TITLE}\n");
    let _ = writeln!(o, "- Older: {}", cell(&describe(&diff.old)));
    let _ = writeln!(o, "- Newer: {}\n", cell(&describe(&diff.new)));
    if !diff.warnings.is_empty() {
        let _ = writeln!(o, "> **Warning: these audits are not like for like.**\n>");
        for wn in &diff.warnings {
            let _ = writeln!(o, "> - `{}`: {}", wn.code, cell(&wn.detail));
        }
        o.push('\n');
    }
    let _ = writeln!(o, "**{}**\n", outcome(diff));
    let _ = writeln!(o, "| findings | count |\n| --- | ---: |");
    let _ = writeln!(o, "| new | {} |", diff.new_findings.len());
    let _ = writeln!(o, "| resolved | {} |", diff.resolved.len());
    let _ = writeln!(o, "| changed | {} |", diff.changed.len());
    let _ = writeln!(o, "| unchanged | {} |\n", diff.unchanged);
    for (title, list) in [("New", &diff.new_findings), ("Resolved", &diff.resolved)] {
        let _ = writeln!(o, "## {title} ({})\n", list.len());
        if list.is_empty() {
            o.push_str("None.\n\n");
            continue;
        }
        o.push_str(
            "| id | severity | kind | account | detail |\n| --- | --- | --- | --- | --- |\n",
        );
        for f in list.iter().take(MAX_LISTED) {
            let waived = f
                .waiver
                .as_ref()
                .map(|w| format!(" (waived: {})", super::load::waiver_text(w)))
                .unwrap_or_default();
            let _ = writeln!(
                o,
                "| `{}` | {} | {} | {} | {}{} |",
                f.id,
                f.severity.name(),
                f.kind,
                cell(subject(f)),
                cell(&f.detail),
                cell(&waived)
            );
        }
        more(&mut o, list.len());
    }
    let _ = writeln!(o, "## Changed ({})\n", diff.changed.len());
    if diff.changed.is_empty() {
        o.push_str("None.\n");
    } else {
        o.push_str("| id | kind | account | what changed |\n| --- | --- | --- | --- |\n");
        for c in diff.changed.iter().take(MAX_LISTED) {
            let _ = writeln!(
                o,
                "| `{}` | {} | {} | {} |",
                c.id,
                c.after.kind,
                cell(subject(&c.after)),
                cell(&changes_text(c))
            );
        }
        more(&mut o, diff.changed.len());
    }
    w.write_all(o.as_bytes())?;
    w.flush()
}

fn more(o: &mut String, len: usize) {
    if len > MAX_LISTED {
        let _ = writeln!(
            o,
            "\nThe first {MAX_LISTED} of {len}; diff.json lists them all."
        );
    }
    o.push('\n');
}

/// The three diff files of `diff`, as jobs of a report set (see
/// [`crate::report::write_reports`]).
pub(crate) fn diff_jobs(diff: &Diff) -> Vec<ReportJob<'_>> {
    vec![
        (
            JSON_FILE,
            Box::new(move |w: &mut BufWriter<File>| write_json(w, diff)),
        ),
        (
            MD_FILE,
            Box::new(move |w: &mut BufWriter<File>| write_md(w, diff)),
        ),
        (
            HTML_FILE,
            Box::new(move |w: &mut BufWriter<File>| super::html::write_html(w, diff)),
        ),
    ]
}

/// Writes `diff.json`, `diff.md` and `diff.html` into `out_dir` as one set
/// (temporary files renamed when all are complete) and returns their paths.
/// The caller checks first that no file of another's bears their names
/// ([`is_own_diff`]).
pub fn write_diff(diff: &Diff, out_dir: &Path) -> io::Result<Vec<PathBuf>> {
    crate::report::write_set(out_dir, &diff_jobs(diff))
}

/// Whether the regular file at `path`, named like a diff file, starts the
/// way this tool writes it; only such a file is ever replaced.
pub fn is_own_diff(path: &Path) -> bool {
    use std::io::Read;
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    let mut head = Vec::with_capacity(4096);
    if File::open(path)
        .and_then(|f| f.take(4096).read_to_end(&mut head))
        .is_err()
    {
        return false;
    }
    let head = String::from_utf8_lossy(&head);
    match path.file_name().and_then(|n| n.to_str()) {
        Some(JSON_FILE) => head.starts_with('{') && head.contains(&format!("\"{JSON_KIND}\"")),
        Some(MD_FILE) => head.starts_with(&format!("# {TITLE}\n")),
        Some(HTML_FILE) => {
            head.starts_with("<!DOCTYPE html>") && head.contains(&format!("<title>{TITLE}"))
        }
        _ => false,
    }
}

/// Writes the reports of `report` in `formats` and the diff files of `diff`
/// into `out_dir` as one set (`audit --baseline`): either all of them
/// replace the previous files, or none does.
pub fn write_reports_and_diff<'a>(
    report: &'a crate::report::Report<'a>,
    formats: &[crate::report::Format],
    out_dir: &Path,
    diff: &'a Diff,
) -> io::Result<Vec<PathBuf>> {
    crate::report::write_reports_with(report, formats, out_dir, diff_jobs(diff))
}
