//! What `scan` prints about each file: the text and JSON summaries.

use usertype_audit::diag::Severity;
use usertype_audit::read::cloud::{self, CloudFormat, CloudSummary};
use usertype_audit::read::detect::Format;
use usertype_audit::read::{Diagnostics, ReadSummary};

/// What scan found in one file.
pub(super) enum FileSummary {
    OnPrem(Format, ReadSummary, Option<AccountTally>),
    Cloud(CloudFormat, CloudSummary),
}

impl FileSummary {
    pub(super) fn errors(&self) -> u64 {
        match self {
            FileSummary::OnPrem(_, s, _) => s.diagnostics.count(Severity::Error),
            FileSummary::Cloud(_, s) => s.diagnostics.count(Severity::Error),
        }
    }

    pub(super) fn text(&self) -> String {
        match self {
            FileSummary::OnPrem(f, s, t) => text_summary(*f, s, t.as_ref()),
            FileSummary::Cloud(f, s) => cloud_text_summary(*f, s),
        }
    }

    pub(super) fn json(&self) -> serde_json::Value {
        match self {
            FileSummary::OnPrem(f, s, t) => json_summary(*f, s, t.as_ref()),
            FileSummary::Cloud(f, s) => cloud_json_summary(*f, s),
        }
    }
}

fn cloud_text_summary(format: CloudFormat, s: &CloudSummary) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let t = &s.by_user_type;
    let y = &s.synced;
    let _ = writeln!(out, "{}", s.file);
    let _ = writeln!(out, "  format       {format} (cloud users)");
    let _ = writeln!(out, "  bytes        {}", s.bytes);
    let _ = writeln!(out, "  users        {} ({} rejected)", s.users, s.rejected);
    let _ = writeln!(
        out,
        "    userType         Member {}, Guest {}, absent {}, other {}",
        t.member, t.guest, t.absent, t.other
    );
    let _ = writeln!(
        out,
        "    synced           {} synced, {} no longer synced, {} never synced or unknown",
        y.synced, y.no_longer_synced, y.never_or_unknown
    );
    diagnostics_lines(&mut out, &s.diagnostics);
    if let Some(headline) = cloud::coverage::headline(&s.coverage) {
        let _ = writeln!(out, "  {headline}");
        for line in cloud::remedy(&s.coverage).lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
    elapsed_line(&mut out, s.bytes, s.elapsed);
    out
}

fn cloud_json_summary(format: CloudFormat, s: &CloudSummary) -> serde_json::Value {
    serde_json::json!({
        "file": &*s.file,
        "format": format.name(),
        "encoding": s.encoding,
        "bytes": s.bytes,
        "users": s.users,
        "rejected": s.rejected,
        "pages": s.pages,
        "by_user_type": s.by_user_type,
        "synced": s.synced,
        "diagnostics": diagnostics_json(&s.diagnostics),
        "coverage_gaps": s.coverage.gaps.iter().map(|g| g.message()).collect::<Vec<_>>(),
        "remedy": (!s.coverage.gaps.is_empty()).then(|| cloud::remedy(&s.coverage)),
        "elapsed_seconds": s.elapsed.as_secs_f64(),
        "throughput_mb_per_s": mb_per_s(s.bytes, s.elapsed),
    })
}

fn mb_per_s(bytes: u64, elapsed: std::time::Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 {
        bytes as f64 / secs / 1e6
    } else {
        0.0
    }
}

/// The last line of a text summary: time and throughput.
fn elapsed_line(out: &mut String, bytes: u64, elapsed: std::time::Duration) {
    use std::fmt::Write as _;
    let _ = writeln!(
        out,
        "  elapsed      {:.3} s ({:.0} MB/s)",
        elapsed.as_secs_f64(),
        mb_per_s(bytes, elapsed)
    );
}

fn kebab<T: serde::Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The diagnostics lines of a text summary: totals, then each kind with its count and first place.
fn diagnostics_lines(out: &mut String, d: &Diagnostics) {
    use std::fmt::Write as _;
    let _ = writeln!(
        out,
        "  diagnostics  {} error(s), {} warning(s), {} note(s)",
        d.count(Severity::Error),
        d.count(Severity::Warning),
        d.count(Severity::Note)
    );
    for (kind, n) in &d.counts {
        let first = d
            .kept
            .iter()
            .find(|x| x.kind == *kind)
            .map(|x| match x.column {
                Some(c) => format!("{}:{}:{}", x.file, x.line, c),
                None => format!("{}:{}", x.file, x.line),
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    {:<8} {:<28} {:>8}  first at {}",
            kind.severity(),
            kind.name(),
            n,
            first
        );
    }
}

fn diagnostics_json(d: &Diagnostics) -> serde_json::Value {
    let counts: serde_json::Map<String, serde_json::Value> = d
        .counts
        .iter()
        .map(|(k, n)| (k.name().to_string(), (*n).into()))
        .collect();
    serde_json::json!({
        "errors": d.count(Severity::Error),
        "warnings": d.count(Severity::Warning),
        "notes": d.count(Severity::Note),
        "by_kind": counts,
        "first": d.kept,
    })
}

fn text_summary(format: Format, s: &ReadSummary, tally: Option<&AccountTally>) -> String {
    use std::fmt::Write as _;
    let st = &s.stats;
    let mut out = String::new();
    let _ = writeln!(out, "{}", s.file);
    let _ = writeln!(
        out,
        "  format       {format} ({}, {})",
        kebab(s.encoding),
        kebab(s.transport)
    );
    let _ = writeln!(out, "  bytes        {}", st.bytes);
    let _ = writeln!(out, "  lines        {}", st.lines);
    let _ = writeln!(out, "  records      {}", st.records);
    let _ = writeln!(out, "    entries          {}", st.entries);
    let _ = writeln!(out, "    change records   {}", st.change_records);
    let _ = writeln!(out, "    referrals        {}", st.referrals);
    let _ = writeln!(out, "    trailers         {}", st.trailers);
    let _ = writeln!(out, "    rejected         {}", st.rejected);
    if st.controls > 0 {
        let _ = writeln!(out, "  controls     {} (ignored)", st.controls);
    }
    if let Some(t) = tally {
        let _ = writeln!(
            out,
            "  accounts     {} user objects ({} enabled, {} disabled, {} enabled state unknown)",
            t.users,
            t.enabled,
            t.disabled,
            t.users - t.enabled - t.disabled
        );
        let _ = writeln!(
            out,
            "    without a source anchor  {} (Entra Connect cannot sync them)",
            t.without_anchor
        );
        for (why, n) in &t.not_accounts {
            let _ = writeln!(out, "    skipped: {why}  {n}");
        }
    }
    diagnostics_lines(&mut out, &s.diagnostics);
    if st.entries == 0 {
        let _ = writeln!(
            out,
            "  WARNING: no entries. Check the export command (filter, base DN, bind) and that this is the right file."
        );
    }
    elapsed_line(&mut out, st.bytes, s.elapsed);
    out
}

fn json_summary(
    format: Format,
    s: &ReadSummary,
    tally: Option<&AccountTally>,
) -> serde_json::Value {
    serde_json::json!({
        "accounts": tally,
        "file": &*s.file,
        "format": format,
        "encoding": s.encoding,
        "transport": s.transport,
        "size_on_disk": s.size_on_disk,
        "stats": s.stats,
        "reconciles": s.stats.reconciles(),
        "diagnostics": diagnostics_json(&s.diagnostics),
        "elapsed_seconds": s.elapsed.as_secs_f64(),
        "throughput_mb_per_s": mb_per_s(s.stats.bytes, s.elapsed),
    })
}

/// Accounts found by `--accounts`.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub(super) struct AccountTally {
    pub(super) users: u64,
    pub(super) enabled: u64,
    pub(super) disabled: u64,
    pub(super) without_anchor: u64,
    /// Entries that are not user objects, by reason.
    pub(super) not_accounts: std::collections::BTreeMap<String, u64>,
}

impl AccountTally {
    pub(super) fn add(&mut self, other: AccountTally) {
        self.users += other.users;
        self.enabled += other.enabled;
        self.disabled += other.disabled;
        self.without_anchor += other.without_anchor;
        for (why, n) in other.not_accounts {
            *self.not_accounts.entry(why).or_default() += n;
        }
    }
}
