//! `summary.md`: the summary as Markdown, for a ticket, a wiki page or a
//! pull request.
//!
//! # Format
//!
//! CommonMark with GitHub tables, UTF-8 without BOM, `\n` line endings. In
//! order: the title; the headline sentence (bold) and the pass/fail result;
//! the coverage warnings as a block quote (only when there are any, right
//! under the headline because they qualify every number below); findings per
//! severity and per kind; top OUs; the reconciliation of both sides, each as
//! its equation with the numbers filled in and the breakdowns; the intended
//! UserType tally; the inputs (path, role, format, size, BLAKE3); the rule
//! file and its flow, with the definition in a fenced code block; input
//! diagnostics; a footer with the tool version, and the time and duration
//! when known.
//!
//! Every value that comes from the inputs (paths, OUs, warnings, filter and
//! reason names) is escaped with [`escape_cell`]: Markdown punctuation and
//! `<`, `>`, `&`, `|`, `$` are backslash-escaped and line breaks become spaces, so
//! a value can neither break a table nor inject markup or HTML. It is capped
//! first, like every value in every report ([`super::row::cap_value`]).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::{cloud_balance, headline, human_bytes, kind_counts, onprem_balance};
use super::{severity_counts, thousands, total_findings, Report};
use crate::findings::AuditSummary;

/// The file name.
pub const FILE_NAME: &str = "summary.md";

/// Writes `summary.md` for `report` to `w`.
pub fn write_summary_md<W: Write>(mut w: W, report: &Report) -> io::Result<()> {
    w.write_all(render(report.summary).as_bytes())?;
    w.flush()
}

/// `s` capped ([`super::row::cap_value`]) and made safe as Markdown inline
/// text and as a table cell.
pub fn escape_cell(s: &str) -> String {
    let s = super::row::cap_value(s);
    let mut out = String::with_capacity(s.len() + 8);
    let mut last_space = false;
    for c in s.chars() {
        if c.is_control() {
            // Line breaks would end the table row; other controls render as junk.
            if !last_space {
                out.push(' ');
            }
            last_space = true;
            continue;
        }
        last_space = false;
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '~' | '#' | '!' | '$'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A fenced code block holding `text` verbatim: the fence is longer than any
/// backtick run inside.
fn code_block(out: &mut String, text: &str) {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat((longest + 1).max(3));
    let _ = writeln!(
        out,
        "{fence}text\n{}\n{fence}",
        text.trim_end_matches(['\r', '\n'])
    );
}

/// A block of reasons, one bullet each, under `title` (nothing when empty).
fn reason_list(o: &mut String, title: &str, reasons: &[crate::findings::Reason]) {
    if reasons.is_empty() {
        return;
    }
    let quote = if title.starts_with('>') { "> " } else { "" };
    let _ = writeln!(o, "{title}\n{}", quote.trim_end());
    for r in reasons {
        let _ = writeln!(
            o,
            "{quote}- `{}` {}{} Next step: {}",
            r.code,
            escape_cell(&r.location()),
            escape_cell(&r.detail),
            escape_cell(&r.next_step)
        );
    }
    o.push('\n');
}

/// The Markdown text of `s`.
fn render(s: &AuditSummary) -> String {
    let mut out = String::with_capacity(4096);
    heading(&mut out, s);
    findings_section(&mut out, s);
    reconciliation(&mut out, s);
    intent_section(&mut out, s);
    inputs_section(&mut out, s);
    rules_section(&mut out, s);
    diagnostics_section(&mut out, s);
    footer(&mut out, s);
    out
}

/// The title, the headline, the verdict and the reasons it is incomplete or limited.
fn heading(o: &mut String, s: &AuditSummary) {
    let _ = writeln!(o, "# UserType sync audit\n");
    let _ = writeln!(o, "**{}**\n", escape_cell(&headline(s)));
    let _ = writeln!(
        o,
        "Verdict: **{}** (`--fail-on {}`; exit code {}).\n",
        s.verdict.name(),
        s.fail_on.name(),
        s.verdict.exit_code()
    );
    reason_list(
        o,
        "> **⚠ Incomplete: the audit could not see everything it needs.** Until these are fixed, \
         the numbers below are a lower bound and prove nothing about the accounts it could not \
         see.",
        &s.reasons,
    );
    reason_list(
        o,
        "**Limitations** (they do not change the verdict):",
        &s.limitations,
    );
}

/// The findings by severity and by kind, and the waivers.
fn findings_section(o: &mut String, s: &AuditSummary) {
    let _ = writeln!(o, "## Findings\n");
    let _ = writeln!(o, "| Severity | Findings |\n| --- | ---: |");
    for (severity, n) in severity_counts(s) {
        let _ = writeln!(o, "| {} | {} |", severity.name(), thousands(n));
    }
    let _ = writeln!(o, "| **total** | **{}** |\n", thousands(total_findings(s)));
    let _ = writeln!(
        o,
        "| Kind | What it means | Findings |\n| --- | --- | ---: |"
    );
    for (kind, n) in kind_counts(s) {
        let _ = writeln!(
            o,
            "| `{}` | {} | {} |",
            kind.name(),
            kind.title(),
            thousands(n)
        );
    }
    o.push('\n');
    super::waivers::markdown(o, s);

    let _ = writeln!(o, "## Top OUs\n");
    if s.top_ous.is_empty() {
        let _ = writeln!(o, "No OU has a finding above `info`.\n");
    } else {
        let _ = writeln!(o, "| OU | Findings above info |\n| --- | ---: |");
        for (ou, n) in &s.top_ous {
            let _ = writeln!(o, "| {} | {} |", escape_cell(ou), thousands(*n));
        }
        o.push('\n');
    }
}

/// How the records and the cloud users add up.
fn reconciliation(o: &mut String, s: &AuditSummary) {
    let _ = writeln!(o, "## Reconciliation\n");
    let t = &s.onprem;
    let _ = writeln!(o, "### On-premises\n");
    let _ = writeln!(
        o,
        "records read = accounts audited + out of scope + skipped\n"
    );
    let _ = writeln!(
        o,
        "**{} = {} + {} + {}** {}\n",
        thousands(t.records_read),
        thousands(t.accounts_audited),
        thousands(t.out_of_scope),
        thousands(t.skipped),
        balance_note(onprem_balance(s))
    );
    breakdown(
        o,
        "Out of scope, by filter",
        "Accounts",
        &t.out_of_scope_by_filter,
    );
    breakdown(o, "Skipped, by reason", "Records", &t.skipped_by_reason);
    let c = &s.cloud;
    let _ = writeln!(o, "### Cloud\n");
    let _ = writeln!(
        o,
        "users = matched + orphaned + cloud-only + unmatched not synced\n"
    );
    let _ = writeln!(
        o,
        "**{} = {} + {} + {} + {}** {}\n",
        thousands(c.users),
        thousands(c.matched),
        thousands(c.orphaned),
        thousands(c.cloud_only),
        thousands(c.unmatched_not_synced),
        balance_note(cloud_balance(s))
    );
}

/// What the rules make of the audited accounts.
fn intent_section(o: &mut String, s: &AuditSummary) {
    let i = &s.intent;
    let _ = writeln!(o, "## Intended UserType\n");
    let _ = writeln!(o, "What the rules make of the audited accounts.\n");
    let _ = writeln!(o, "| Intended | Accounts |\n| --- | ---: |");
    for (label, n) in [
        ("Member", i.member),
        ("Guest", i.guest),
        ("Error() raised: would fail to sync", i.error),
        ("Invalid value (not Member or Guest)", i.invalid),
        ("No value", i.no_value),
    ] {
        let _ = writeln!(o, "| {label} | {} |", thousands(n));
    }
    o.push('\n');
}

/// The inputs, with their sizes and hashes.
fn inputs_section(o: &mut String, s: &AuditSummary) {
    let _ = writeln!(o, "## Inputs\n");
    let _ = writeln!(
        o,
        "| Role | Path | Format | Size | BLAKE3 |\n| --- | --- | --- | ---: | --- |"
    );
    for input in &s.inputs {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} |",
            escape_cell(input.role),
            escape_cell(&input.path),
            escape_cell(&input.format),
            human_bytes(input.bytes),
            input
                .blake3
                .as_deref()
                .map(escape_cell)
                .unwrap_or_else(|| "(standard input)".to_owned())
        );
    }
    o.push('\n');
}

/// The rule file and what it does.
fn rules_section(o: &mut String, s: &AuditSummary) {
    let r = &s.rules;
    let _ = writeln!(o, "## Rules\n");
    let _ = writeln!(o, "- File: {}", escape_cell(&r.path));
    let _ = writeln!(o, "- Flow: {}", escape_cell(&flow_description(r.flow)));
    let _ = writeln!(
        o,
        "- Out-of-box scope filters: {}",
        if r.out_of_box_scope {
            "applied"
        } else {
            "not applied"
        }
    );
    let _ = writeln!(o, "- Definition:\n");
    code_block(o, &r.definition);
    o.push('\n');
}

/// The input diagnostics, by kind.
fn diagnostics_section(o: &mut String, s: &AuditSummary) {
    let _ = writeln!(o, "## Diagnostics\n");
    if s.diagnostics.is_empty() {
        let _ = writeln!(o, "No input diagnostics.\n");
    } else {
        let _ = writeln!(o, "| Diagnostic | Count |\n| --- | ---: |");
        for (kind, n) in &s.diagnostics {
            let _ = writeln!(o, "| {} | {} |", escape_cell(kind), thousands(*n));
        }
        o.push('\n');
    }
}

/// The tool, the time of the run and how long it took.
fn footer(o: &mut String, s: &AuditSummary) {
    let _ = write!(o, "---\n\n{}", escape_cell(&s.tool));
    if let Some(at) = &s.generated_at {
        let _ = write!(o, " · generated {}", escape_cell(at));
    }
    if let Some(secs) = s.elapsed_seconds {
        let _ = write!(o, " · {secs:.1} s");
    }
    o.push('\n');
}

/// A breakdown table, omitted when empty.
fn breakdown(
    o: &mut String,
    title: &str,
    unit: &str,
    rows: &std::collections::BTreeMap<String, u64>,
) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(o, "| {title} | {unit} |\n| --- | ---: |");
    for (name, n) in rows {
        let _ = writeln!(o, "| {} | {} |", escape_cell(name), thousands(*n));
    }
    o.push('\n');
}

/// `(balanced)` or the mismatch.
fn balance_note((left, right): (u128, u128)) -> String {
    if left == right {
        "(balanced)".to_owned()
    } else {
        format!(
            "(**does not balance**: the parts add up to {})",
            thousands(right)
        )
    }
}

/// The rule flow in words (plain text: escape it for the format).
pub(crate) fn flow_description(flow: &str) -> Cow<'_, str> {
    match flow {
        "direct" => "direct (a source attribute flows to UserType as is)".into(),
        "expression" => "expression (a sync-rule expression computes UserType)".into(),
        "rules" => {
            "rules (simple rules in the rule file; Entra Connect needs them as an expression)"
                .into()
        }
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_tables_or_inject_markup() {
        assert_eq!(escape_cell("a|b"), "a\\|b");
        assert_eq!(escape_cell("line1\nline2\r\nline3"), "line1 line2 line3");
        assert_eq!(
            escape_cell("<script>alert(1)</script>"),
            "\\<script\\>alert(1)\\</script\\>"
        );
        assert_eq!(
            escape_cell("*x* _y_ `z` [l](u) ~s~"),
            "\\*x\\* \\_y\\_ \\`z\\` \\[l\\](u) \\~s\\~"
        );
        assert_eq!(escape_cell("CN=Smith\\, John"), "CN=Smith\\\\, John");
        assert_eq!(escape_cell("Tom & Jerry's"), "Tom \\& Jerry's");
        // GitHub reads $...$ as math.
        assert_eq!(escape_cell("$select=a $x$"), "\\$select=a \\$x\\$");
        assert_eq!(
            escape_cell("OU=Partners,DC=contoso,DC=com"),
            "OU=Partners,DC=contoso,DC=com"
        );
    }

    #[test]
    fn cells_are_capped() {
        let cell = escape_cell(&"x".repeat(10_000));
        assert_eq!(
            cell,
            format!("{}… \\[cut: 10,000 bytes in all\\]", "x".repeat(4096))
        );
    }

    #[test]
    fn code_fences_outgrow_backticks_inside() {
        let mut out = String::new();
        code_block(&mut out, "a ``` b");
        assert_eq!(out, "````text\na ``` b\n````\n");
        let mut out = String::new();
        code_block(&mut out, "IIF([x]=\"Guest\",\"Guest\",\"Member\")\n");
        assert_eq!(
            out,
            "```text\nIIF([x]=\"Guest\",\"Guest\",\"Member\")\n```\n"
        );
    }
}
