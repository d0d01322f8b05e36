//! Report writers: findings and summaries on disk and on the terminal.
//!
//! One file per format; each module's rustdoc is that format's specification
//! and each format has a golden test (`tests/it/report_golden.rs`):
//!
//! | `--format` | files | module |
//! | --- | --- | --- |
//! | `jsonl` | `findings.jsonl` | [`jsonl`] |
//! | `csv` | `findings.csv` | [`csv`] (Excel-safe) |
//! | `summary` | `summary.json`, `summary.md` | [`summary`], [`markdown`] |
//! | `html` | `report.html` | [`html`] (one self-contained file) |
//! | `xlsx` | `report.xlsx` | [`xlsx`] (Excel workbook; not in `all`) |
//!
//! [`terminal_summary`] renders the short summary printed after a run.
//!
//! Values copied from the inputs are capped at [`MAX_VALUE_BYTES`] in every
//! report and on the terminal ([`cap_value`], documented in [`row`]), and text
//! from the inputs reaches a terminal only through [`terminal_safe`].
//!
//! The row types written to disk ([`row::FindingRow`], the `summary.json`
//! rows in [`summary`]) are output-only: they are the on-disk contract and do
//! not change when the internal [`Finding`] or [`AuditSummary`] does.
//!
//! Every writer is deterministic: the bytes depend only on the findings and
//! the summary (`generated_at` and `elapsed_seconds` are the only clock-derived
//! values, and they are `None` in reproducible mode). Findings are streamed:
//! none of the writers holds more than one finding's output in memory, except
//! `report.html`, which holds its table of shared strings while it embeds
//! every listed finding.

pub mod csv;
mod escape;
pub mod html;
pub mod jsonl;
pub mod markdown;
pub mod row;
pub mod summary;
mod svg;
pub mod terminal;
mod waivers;
pub mod xlsx;

pub use escape::{json_terminal_safe, terminal_safe, terminal_safe_lines};
pub use row::{cap_value, MAX_VALUE_BYTES};
pub use terminal::{next_steps, terminal_summary};

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use rayon::prelude::*;

use crate::findings::{AuditSummary, Finding, Kind, Severity, Verdict};

/// A report format, as named by `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// `findings.jsonl`: one JSON object per finding.
    Jsonl,
    /// `findings.csv`: one row per finding, safe to open in Excel.
    Csv,
    /// `summary.json` and `summary.md`: totals, reconciliation, inputs.
    Summary,
    /// `report.html`: one self-contained page for people who do not read JSON.
    Html,
    /// `report.xlsx`: an Excel workbook (summary, findings, action plan).
    Xlsx,
}

impl Format {
    /// The formats `all` (the default) names, in the order [`write_reports`]
    /// writes them. `xlsx` is asked for by name: it takes longer to write
    /// than the others together on a large audit.
    pub const ALL: &'static [Format] = &[Format::Jsonl, Format::Csv, Format::Summary, Format::Html];

    /// Every format `--format` accepts, [`Format::ALL`] and the ones asked
    /// for by name, in writing order.
    pub const KNOWN: &'static [Format] = &[
        Format::Jsonl,
        Format::Csv,
        Format::Summary,
        Format::Html,
        Format::Xlsx,
    ];

    /// The name `--format` accepts.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Summary => "summary",
            Format::Html => "html",
            Format::Xlsx => "xlsx",
        }
    }

    /// The format named `name` (case-insensitive).
    pub fn from_name(name: &str) -> Option<Format> {
        Format::KNOWN
            .iter()
            .copied()
            .find(|f| f.name().eq_ignore_ascii_case(name.trim()))
    }

    /// Parses a comma-separated `--format` list (`jsonl,csv`, `all`, or
    /// `all,xlsx`). Duplicates are dropped; the result is in
    /// [`Format::KNOWN`] order. A list
    /// that names no format (`''`, `,`) is refused: it would write nothing.
    pub fn parse_list(list: &str) -> Result<Vec<Format>, UnknownFormat> {
        let mut out = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if name.eq_ignore_ascii_case("all") {
                out.extend_from_slice(Format::ALL);
            } else {
                out.push(Format::from_name(name).ok_or_else(|| UnknownFormat(name.to_owned()))?);
            }
        }
        if out.is_empty() {
            return Err(UnknownFormat(list.to_owned()));
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// The file names this format writes, in writing order.
    pub fn file_names(self) -> &'static [&'static str] {
        match self {
            Format::Jsonl => &[jsonl::FILE_NAME],
            Format::Csv => &[csv::FILE_NAME],
            Format::Summary => &[summary::FILE_NAME, markdown::FILE_NAME],
            Format::Html => &[html::FILE_NAME],
            Format::Xlsx => &[xlsx::FILE_NAME],
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        Format::from_name(s).ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}

/// A `--format` name that is not one of [`Format::KNOWN`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownFormat(pub String);

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.split(',').all(|n| n.trim().is_empty()) {
            return write!(
                f,
                "the format list `{}` names no report; expected one or more of jsonl, csv, \
                 summary, html, xlsx (comma-separated), or all",
                self.0
            );
        }
        write!(
            f,
            "unknown report format `{}`; expected one of jsonl, csv, summary, html, xlsx (or all)",
            self.0
        )
    }
}

impl std::error::Error for UnknownFormat {}

/// What the writers render.
#[derive(Clone, Copy, Debug)]
pub struct Report<'a> {
    /// Every finding, info included, already in their final deterministic order.
    pub findings: &'a [Finding],
    /// The totals; they count every finding whether listed or not.
    pub summary: &'a AuditSummary,
    /// Whether `info` findings (out of scope) are listed in the findings files
    /// and the HTML table. They are counted in the summary either way.
    pub include_info: bool,
}

impl<'a> Report<'a> {
    /// Whether `finding` is listed in the findings files.
    pub fn lists(&self, finding: &Finding) -> bool {
        self.include_info || finding.severity > Severity::Info
    }

    /// The findings the findings files list, in order.
    pub fn listed(&self) -> impl Iterator<Item = &'a Finding> + 'a {
        let report = *self;
        self.findings.iter().filter(move |f| report.lists(f))
    }
}

/// The headline numbers: partner accounts intended Guest that are Members in
/// the cloud (`guest_as_member`), and how many of them are enabled.
///
/// The enabled count is the `critical` count: by the severity ladder
/// (docs/findings.md#the-severity-ladder, [`Severity::Critical`]) critical means exactly "an enabled
/// partner account with Member rights". It is capped at the first number so
/// the sentence never reads "2 ...; 3 of them".
pub fn headline_counts(summary: &AuditSummary) -> (u64, u64) {
    let partners = kind_count(summary, Kind::GuestAsMember);
    let enabled = severity_count(summary, Severity::Critical).min(partners);
    (partners, enabled)
}

/// The headline sentence shared by every human-readable format. It starts
/// with the verdict; the all-clear ("no partner ... is a Member") is said
/// only when the verdict is `pass`: an incomplete audit could not look.
pub fn headline(summary: &AuditSummary) -> String {
    let (partners, enabled) = headline_counts(summary);
    let members = match partners {
        0 => None,
        1 => Some(format!(
            "1 partner account intended as Guest is a Member in the cloud; {} enabled.",
            if enabled == 1 { "it is" } else { "it is not" }
        )),
        n => Some(format!(
            "{} partner accounts intended as Guest are Members in the cloud; {} of them enabled.",
            thousands(n),
            thousands(enabled)
        )),
    };
    let waived_partners = summary.waivers.waived_of(Kind::GuestAsMember);
    match (summary.verdict, members) {
        (Verdict::Pass, _) if waived_partners > 0 => format!(
            "Pass: every partner account intended as Guest that is a Member in the cloud is \
             waived ({}).",
            thousands(waived_partners)
        ),
        (Verdict::Pass, _) => {
            "Pass: no partner account intended as Guest is a Member in the cloud.".to_owned()
        }
        (Verdict::Fail, Some(m)) if waived_partners > 0 => format!(
            "Fail: {} ({} of them waived).",
            m.trim_end_matches('.'),
            thousands(waived_partners)
        ),
        (Verdict::Fail, Some(m)) => format!("Fail: {m}"),
        (Verdict::Fail, None) => {
            // Waived findings do not fail the audit: not counted here.
            let reached: u64 = summary
                .by_severity
                .iter()
                .filter(|(s, _)| *s >= summary.fail_on)
                .fold(0u64, |acc, (s, n)| {
                    acc.saturating_add(n.saturating_sub(summary.waivers.waived_at(*s)))
                });
            format!(
                "Fail: {} finding{} at or above {} (no partner account intended as Guest is \
                 among them).",
                thousands(reached),
                if reached == 1 { "" } else { "s" },
                summary.fail_on.name()
            )
        }
        (Verdict::Incomplete, members) => {
            let n = summary.reasons.len();
            let why = format!(
                "Incomplete: the audit could not see everything it needs ({} reason{})",
                thousands(n as u64),
                if n == 1 { "" } else { "s" }
            );
            match members {
                Some(m) => format!("{why}, and already {}", lower_first(&m)),
                None => format!(
                    "{why}: it cannot say whether partner accounts are Members in the cloud."
                ),
            }
        }
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The count of `kind` in the summary (0 if absent).
pub(crate) fn kind_count(summary: &AuditSummary, kind: Kind) -> u64 {
    summary
        .by_kind
        .iter()
        .filter(|(k, _)| *k == kind)
        .map(|(_, n)| *n)
        .sum()
}

/// The count of `severity` in the summary (0 if absent).
pub(crate) fn severity_count(summary: &AuditSummary, severity: Severity) -> u64 {
    summary
        .by_severity
        .iter()
        .filter(|(s, _)| *s == severity)
        .map(|(_, n)| *n)
        .sum()
}

/// Every kind with its count, in [`Kind::ALL`] order, whatever order (or
/// gaps) the summary has.
pub(crate) fn kind_counts(summary: &AuditSummary) -> Vec<(Kind, u64)> {
    Kind::ALL
        .iter()
        .map(|&k| (k, kind_count(summary, k)))
        .collect()
}

/// Every severity with its count, most severe first.
pub(crate) fn severity_counts(summary: &AuditSummary) -> Vec<(Severity, u64)> {
    Severity::ALL
        .iter()
        .map(|&s| (s, severity_count(summary, s)))
        .collect()
}

/// All findings, summed over severities (saturating: counts come from input).
pub(crate) fn total_findings(summary: &AuditSummary) -> u64 {
    summary
        .by_severity
        .iter()
        .fold(0u64, |acc, (_, n)| acc.saturating_add(*n))
}

/// `records_read = accounts_audited + out_of_scope + skipped`, as
/// `(left, right)`; u128 so that no input can overflow the sum.
pub(crate) fn onprem_balance(summary: &AuditSummary) -> (u128, u128) {
    let t = &summary.onprem;
    (
        u128::from(t.records_read),
        u128::from(t.accounts_audited) + u128::from(t.out_of_scope) + u128::from(t.skipped),
    )
}

/// `users = matched + orphaned + cloud_only + unmatched_not_synced`.
pub(crate) fn cloud_balance(summary: &AuditSummary) -> (u128, u128) {
    let t = &summary.cloud;
    (
        u128::from(t.users),
        u128::from(t.matched)
            + u128::from(t.orphaned)
            + u128::from(t.cloud_only)
            + u128::from(t.unmatched_not_synced),
    )
}

/// `1234567` → `1,234,567`.
pub(crate) fn thousands(n: impl Into<u128>) -> String {
    let digits = n.into().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A byte count for people: `812 B`, `1.5 KiB`, `2.3 GiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Writes the reports in `formats` into `out_dir` (created with its parents)
/// and returns the paths written, in [`Format::KNOWN`] order.
///
/// The set is written as a whole: every file first goes to a hidden
/// temporary file in `out_dir` (`.<name>.tmp-<pid>`, written in parallel),
/// and only when all of them are complete and on disk are they renamed over
/// their targets. When one report cannot be written, every temporary file is
/// removed and the previous set stays as it was; the error names the file.
/// A rename replaces a link at a report's name, never what it points to.
/// Nothing else in `out_dir` is touched (see [`stale_reports`]).
pub fn write_reports(
    report: &Report,
    formats: &[Format],
    out_dir: &Path,
) -> io::Result<Vec<PathBuf>> {
    write_reports_with(report, formats, out_dir, Vec::new())
}

/// [`write_reports`], with `extra` files written in the same set (after
/// the reports): `audit --baseline` adds the diff files this way.
pub(crate) fn write_reports_with<'a>(
    report: &'a Report,
    formats: &[Format],
    out_dir: &Path,
    extra: Vec<ReportJob<'a>>,
) -> io::Result<Vec<PathBuf>> {
    let mut formats = formats.to_vec();
    formats.sort();
    formats.dedup();
    let mut jobs: Vec<ReportJob<'_>> = Vec::new();
    for format in formats {
        match format {
            Format::Jsonl => jobs.push((
                jsonl::FILE_NAME,
                Box::new(|w| jsonl::write_jsonl(w, report.listed()).map(drop)),
            )),
            Format::Csv => jobs.push((
                csv::FILE_NAME,
                Box::new(|w| csv::write_csv(w, report.listed()).map(drop)),
            )),
            Format::Summary => {
                jobs.push((
                    summary::FILE_NAME,
                    Box::new(|w| summary::write_summary_json(w, report.summary)),
                ));
                jobs.push((
                    markdown::FILE_NAME,
                    Box::new(|w| markdown::write_summary_md(w, report)),
                ));
            }
            Format::Html => jobs.push((html::FILE_NAME, Box::new(|w| html::write_html(w, report)))),
            Format::Xlsx => jobs.push((xlsx::FILE_NAME, Box::new(|w| xlsx::write_xlsx(w, report)))),
        }
    }
    jobs.extend(extra);
    write_set(out_dir, &jobs)
}

/// What writes one report file.
pub(crate) type WriteReport<'a> =
    Box<dyn Fn(&mut BufWriter<File>) -> io::Result<()> + Send + Sync + 'a>;

/// One report file of a set: its name and what writes it.
pub(crate) type ReportJob<'a> = (&'static str, WriteReport<'a>);

/// Writes every job to its temporary file (in parallel), then, when all
/// succeeded, renames them over their targets (see [`write_reports`]).
pub(crate) fn write_set(out_dir: &Path, jobs: &[ReportJob<'_>]) -> io::Result<Vec<PathBuf>> {
    fs::create_dir_all(out_dir).map_err(|e| with_path(e, out_dir))?;
    let temps: Vec<io::Result<PathBuf>> = jobs
        .par_iter()
        .map(|(name, write)| write_temp(out_dir, name, write))
        .collect();
    if let Some(pos) = temps.iter().position(Result::is_err) {
        for tmp in temps.iter().flatten() {
            // Best effort: the write error is the one worth reporting.
            let _ = fs::remove_file(tmp);
        }
        let mut temps = temps;
        return Err(temps.swap_remove(pos).expect_err("position found an error"));
    }
    let temps: Vec<PathBuf> = temps.into_iter().flatten().collect();
    let mut written = Vec::with_capacity(temps.len());
    for (i, ((name, _), tmp)) in jobs.iter().zip(&temps).enumerate() {
        let target = out_dir.join(name);
        if let Err(e) = fs::rename(tmp, &target) {
            for rest in &temps[i..] {
                let _ = fs::remove_file(rest);
            }
            return Err(with_path(e, &target));
        }
        written.push(target);
    }
    Ok(written)
}

/// The files in `out_dir` named like a report that a run writing `formats`
/// does not replace, in [`Format::KNOWN`] order: left in place, an earlier
/// run's would mix two runs (see [`is_own_report`] before removing one).
pub fn stale_reports(out_dir: &Path, formats: &[Format]) -> Vec<PathBuf> {
    Format::KNOWN
        .iter()
        .filter(|f| !formats.contains(f))
        .flat_map(|f| f.file_names())
        .map(|name| out_dir.join(name))
        .filter(|p| fs::symlink_metadata(p).is_ok_and(|m| !m.is_dir()))
        .collect()
}

/// Whether the regular file at `path`, named like one of the reports, starts
/// the way this tool writes that report: the CSV header, a JSON Lines
/// finding (or nothing: no finding), `summary.json`'s `tool`, `summary.md`'s
/// title naming UserType, `report.html`'s doctype and a `UserType` title (or
/// the tool's name) in its first 4 KiB, `report.xlsx`'s author
/// ([`xlsx::is_own_xlsx`]). Only such a file is
/// ever replaced or removed as an earlier run's report; a link or a file of
/// someone else that happens to bear the name is not.
pub fn is_own_report(path: &Path) -> bool {
    use std::io::Read;
    let Ok(meta) = fs::symlink_metadata(path) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    if name == xlsx::FILE_NAME {
        return xlsx::is_own_xlsx(path);
    }
    let mut head = Vec::with_capacity(4096);
    let read = File::open(path).and_then(|f| f.take(4096).read_to_end(&mut head));
    if read.is_err() {
        return false;
    }
    let head = String::from_utf8_lossy(&head);
    match name {
        // Reports before finding ids started with `kind`.
        jsonl::FILE_NAME => {
            head.is_empty() || head.starts_with("{\"id\":\"") || head.starts_with("{\"kind\":\"")
        }
        csv::FILE_NAME => {
            let head = head.trim_start_matches('\u{feff}');
            head.starts_with("id,kind,severity,") || head.starts_with("kind,severity,")
        }
        summary::FILE_NAME => {
            head.starts_with('{')
                && (head.contains("\"usertype-audit") || head.contains("\"format_version\""))
        }
        // A title that names UserType: the wording may change between versions.
        markdown::FILE_NAME => {
            head.starts_with("# ") && head.lines().next().is_some_and(|l| l.contains("UserType"))
        }
        html::FILE_NAME => {
            head.starts_with("<!DOCTYPE html>")
                && (head.contains("<title>UserType") || head.contains("usertype-audit"))
        }
        _ => false,
    }
}

/// Writes `name`'s temporary file in `dir`, on disk when it returns; on
/// error nothing is left behind and the error names the report.
fn write_temp(
    dir: &Path,
    name: &str,
    write: &(dyn Fn(&mut BufWriter<File>) -> io::Result<()> + Send + Sync + '_),
) -> io::Result<PathBuf> {
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let file = match OpenOptions::new().write(true).create_new(true).open(&tmp) {
        Ok(file) => file,
        // A leftover of a crashed run with the same pid: the name is ours.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            fs::remove_file(&tmp).map_err(|e| with_path(e, &tmp))?;
            OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
                .map_err(|e| with_path(e, &tmp))?
        }
        Err(e) => return Err(with_path(e, &tmp)),
    };
    let result = (|| {
        let mut w = BufWriter::with_capacity(1 << 16, file);
        write(&mut w)?;
        w.flush()?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        // Durable before it becomes visible under the real name.
        file.sync_all()
    })();
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(with_path(e, &dir.join(name)))
        }
    }
}

/// The same error, with the path in its message.
fn with_path(e: io::Error, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// Writes `items` to `w` as `render` writes each run of them: runs are
/// rendered in parallel a window at a time (both cores busy, memory bounded
/// by the window) and written in order, so the output is the same as
/// rendering them one by one.
pub(crate) fn write_in_parallel<T: Sync, W: Write>(
    w: &mut W,
    items: &[T],
    render: impl Fn(&[T], &mut Vec<u8>) -> io::Result<()> + Sync,
) -> io::Result<()> {
    const RUN: usize = 1024;
    const WINDOW: usize = 32 * RUN;
    for window in items.chunks(WINDOW) {
        let parts = window
            .par_chunks(RUN)
            .map(|run| {
                let mut out = Vec::with_capacity(run.len() * 512);
                render(run, &mut out).map(|()| out)
            })
            .collect::<io::Result<Vec<Vec<u8>>>>()?;
        for part in parts {
            w.write_all(&part)?;
        }
    }
    Ok(())
}

/// Turns a serialization error into an I/O error (the writers return io::Result).
pub(crate) fn json_error(e: serde_json::Error) -> io::Error {
    if let Some(kind) = e.io_error_kind() {
        io::Error::new(kind, e)
    } else {
        io::Error::new(io::ErrorKind::InvalidData, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_writing_keeps_the_order_across_runs_and_windows() {
        // More than one window (32 runs of 1024), and a ragged last run.
        let items: Vec<u32> = (0..70_001).collect();
        let mut out = Vec::new();
        write_in_parallel(&mut out, &items, |run, buf| {
            for i in run {
                writeln!(buf, "{i}")?;
            }
            Ok(())
        })
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 70_001);
        assert_eq!(lines[0], "0");
        assert_eq!(lines[32_768], "32768");
        assert_eq!(lines[70_000], "70000");
        assert!(lines
            .windows(2)
            .all(|w| w[0].parse::<u32>().unwrap() + 1 == w[1].parse::<u32>().unwrap()));
        // An error in any run is the result.
        let failed = write_in_parallel(&mut Vec::new(), &items, |run, _| {
            if run.contains(&40_000) {
                Err(io::Error::other("run failed"))
            } else {
                Ok(())
            }
        });
        assert_eq!(failed.unwrap_err().to_string(), "run failed");
    }

    #[test]
    fn a_failed_report_leaves_the_previous_set_intact() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        fs::write(out.join("a.txt"), "old a").unwrap();
        fs::write(out.join("b.txt"), "old b").unwrap();
        let ok = |text: &'static str| -> WriteReport<'static> {
            Box::new(move |w| w.write_all(text.as_bytes()))
        };
        let failing: ReportJob<'_> = (
            "b.txt",
            Box::new(|w| {
                w.write_all(b"half")?;
                Err(io::Error::other("disk full"))
            }),
        );
        let err = write_set(out, &[("a.txt", ok("new a")), failing]).unwrap_err();
        assert!(err.to_string().contains("b.txt"), "{err}");
        assert!(err.to_string().contains("disk full"), "{err}");
        assert_eq!(fs::read_to_string(out.join("a.txt")).unwrap(), "old a");
        assert_eq!(fs::read_to_string(out.join("b.txt")).unwrap(), "old b");
        assert_eq!(
            fs::read_dir(out).unwrap().count(),
            2,
            "no temporary file left"
        );
        let written = write_set(out, &[("a.txt", ok("new a")), ("b.txt", ok("new b"))]).unwrap();
        assert_eq!(written, [out.join("a.txt"), out.join("b.txt")]);
        assert_eq!(fs::read_to_string(out.join("a.txt")).unwrap(), "new a");
        assert_eq!(fs::read_to_string(out.join("b.txt")).unwrap(), "new b");
    }

    #[test]
    fn stale_reports_are_the_tools_own_names_not_written_now() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        for name in ["findings.jsonl", "findings.csv", "summary.md", "notes.txt"] {
            fs::write(out.join(name), "x").unwrap();
        }
        fs::create_dir(out.join("report.html")).unwrap();
        assert_eq!(
            stale_reports(out, &[Format::Csv]),
            [out.join("findings.jsonl"), out.join("summary.md")]
        );
        assert!(stale_reports(out, Format::ALL).is_empty());
    }

    #[test]
    fn own_reports_are_recognised_by_their_start() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let put = |name: &str, text: &str| {
            fs::write(out.join(name), text).unwrap();
            is_own_report(&out.join(name))
        };
        assert!(put("findings.csv", "\u{feff}kind,severity,dn\r\n"));
        assert!(put("findings.csv", "\u{feff}id,kind,severity,dn\r\n"));
        assert!(put(
            "findings.jsonl",
            "{\"id\":\"smt-0123456789\",\"kind\":\"soft_match\"}\n"
        ));
        assert!(!put("findings.csv", "name,amount\n"));
        assert!(put("findings.jsonl", ""));
        assert!(put("findings.jsonl", "{\"kind\":\"soft_match\"}\n"));
        assert!(!put("findings.jsonl", "{\"event\":1}\n"));
        assert!(put(
            "summary.json",
            "{\n  \"format_version\": 1,\n  \"tool\": \"usertype-audit 0.1.0\""
        ));
        assert!(!put("summary.json", "{\"my\": \"notes\"}"));
        assert!(put("summary.md", "# UserType sync audit\n"));
        assert!(!put("summary.md", "# My summary\n"));
        assert!(put(
            "report.html",
            "<!DOCTYPE html>\n<html><head><title>UserType audit</title>"
        ));
        assert!(!put(
            "report.html",
            "<!DOCTYPE html>\n<title>Quarterly report</title>"
        ));
        assert!(!put("notes.txt", "kind,severity,"));
        assert!(!is_own_report(&out.join("missing.csv")));
    }

    #[test]
    fn format_names_round_trip_and_lists_parse() {
        for &f in Format::ALL {
            assert_eq!(Format::from_name(f.name()), Some(f));
        }
        assert_eq!(
            Format::parse_list("html, csv,CSV").unwrap(),
            vec![Format::Csv, Format::Html]
        );
        assert_eq!(Format::parse_list("all").unwrap(), Format::ALL.to_vec());
        assert_eq!(
            Format::parse_list("csv,xml").unwrap_err(),
            UnknownFormat("xml".into())
        );
        for nothing in ["", " ", ",", " , "] {
            let err = Format::parse_list(nothing).unwrap_err();
            assert!(err.to_string().contains("names no report"), "{err}");
        }
    }

    fn summary(partners: u64, critical: u64) -> AuditSummary {
        AuditSummary {
            tool: String::new(),
            generated_at: None,
            elapsed_seconds: None,
            inputs: vec![],
            rules: crate::findings::RuleSummary {
                path: String::new(),
                flow: "direct",
                definition: String::new(),
                out_of_box_scope: true,
            },
            by_kind: vec![(Kind::GuestAsMember, partners)],
            by_severity: vec![(Severity::Critical, critical)],
            top_ous: vec![],
            onprem: Default::default(),
            cloud: Default::default(),
            intent: Default::default(),
            diagnostics: Default::default(),
            fail_on: Severity::High,
            failed: partners > 0,
            verdict: if partners > 0 {
                Verdict::Fail
            } else {
                Verdict::Pass
            },
            reasons: vec![],
            limitations: vec![],
            waivers: Default::default(),
        }
    }

    #[test]
    fn headline_reads_well_for_none_one_and_many() {
        assert_eq!(
            headline(&summary(0, 0)),
            "Pass: no partner account intended as Guest is a Member in the cloud."
        );
        assert_eq!(
            headline(&summary(1, 1)),
            "Fail: 1 partner account intended as Guest is a Member in the cloud; it is enabled."
        );
        assert_eq!(
            headline(&summary(1, 0)),
            "Fail: 1 partner account intended as Guest is a Member in the cloud; it is not enabled."
        );
        assert_eq!(
            headline(&summary(1234, 1000)),
            "Fail: 1,234 partner accounts intended as Guest are Members in the cloud; 1,000 of \
             them enabled."
        );
        // A critical count above the partner count never reads "2 ...; 3 of them".
        assert_eq!(headline_counts(&summary(2, 3)), (2, 2));
    }

    #[test]
    fn the_all_clear_is_said_only_on_pass() {
        let reason = crate::findings::Reason {
            code: "truncated_input".into(),
            file: Some("a.ldf".into()),
            line: Some(9),
            column: None,
            detail: "cut".into(),
            next_step: "export again".into(),
        };
        let mut s = summary(0, 0);
        s.verdict = Verdict::Incomplete;
        s.reasons = vec![reason.clone()];
        let h = headline(&s);
        assert_eq!(
            h,
            "Incomplete: the audit could not see everything it needs (1 reason): it cannot say \
             whether partner accounts are Members in the cloud."
        );
        let mut s = summary(3, 2);
        s.verdict = Verdict::Incomplete;
        s.reasons = vec![reason.clone(), reason];
        assert_eq!(
            headline(&s),
            "Incomplete: the audit could not see everything it needs (2 reasons), and already 3 \
             partner accounts intended as Guest are Members in the cloud; 2 of them enabled."
        );
        // Failing on another kind never reads as the all-clear.
        let mut s = summary(0, 0);
        s.verdict = Verdict::Fail;
        s.by_severity = vec![(Severity::High, 4)];
        assert_eq!(
            headline(&s),
            "Fail: 4 findings at or above high (no partner account intended as Guest is among \
             them)."
        );
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0u64), "0");
        assert_eq!(thousands(999u64), "999");
        assert_eq!(thousands(1000u64), "1,000");
        assert_eq!(thousands(1234567u64), "1,234,567");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn human_bytes_picks_a_unit() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(5 * 1024 * 1024), "5.0 MiB");
        assert_eq!(human_bytes(u64::MAX), "16384.0 PiB");
    }
}
