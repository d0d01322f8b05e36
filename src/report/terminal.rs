//! The short summary printed on the terminal after an audit.
//!
//! The headline, the findings per severity (every severity) and per kind
//! (kinds with findings only), both reconciliation equations with the skipped
//! records by reason, the coverage warnings and the diagnostics total. Where
//! the reports went is the caller's line; [`next_steps`] then ends the output
//! with what to do next: the HTML report to open and the command that
//! explains the most dangerous finding kind. Colour (ANSI SGR) only when asked: the caller decides from the TTY
//! and `NO_COLOR`. Padding is computed on the plain text, so columns line up
//! with or without colour.

use std::fmt::Write as _;
use std::path::Path;

use super::{cloud_balance, headline, headline_counts, kind_counts, onprem_balance};
use super::{severity_counts, thousands, total_findings};
use crate::findings::{AuditSummary, Severity, Verdict};

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const BLUE: &str = "\x1b[34m";
const BOLD_RED: &str = "\x1b[1;31m";
const BOLD_YELLOW: &str = "\x1b[1;33m";

/// The terminal summary of `summary`, lines ending in `\n`.
pub fn terminal_summary(summary: &AuditSummary, color: bool) -> String {
    let paint = |style: &str, text: &str| -> String {
        if color {
            format!("{style}{text}{RESET}")
        } else {
            text.to_owned()
        }
    };
    let mut out = String::with_capacity(1024);
    let o = &mut out;

    let (partners, _) = headline_counts(summary);
    let headline_style = match summary.verdict {
        Verdict::Pass => GREEN,
        Verdict::Incomplete if partners == 0 => BOLD_YELLOW,
        _ => BOLD_RED,
    };
    let _ = writeln!(o, "{}", paint(headline_style, &headline(summary)));
    o.push('\n');

    let kinds: Vec<_> = kind_counts(summary)
        .into_iter()
        .filter(|&(_, n)| n > 0)
        .collect();
    let name_width = kinds
        .iter()
        .map(|(k, _)| k.name().len())
        .chain(["severity".len(), "total".len()])
        .max()
        .unwrap_or(8);
    let severities = severity_counts(summary);
    let count_width = severities
        .iter()
        .map(|&(_, n)| n)
        .chain(kinds.iter().map(|&(_, n)| n))
        .chain([total_findings(summary)])
        .map(|n| thousands(n).len())
        .max()
        .unwrap_or(1)
        .max("findings".len());

    let _ = writeln!(
        o,
        "{}",
        paint(
            BOLD,
            &format!("{:<name_width$}  {:>count_width$}", "severity", "findings")
        )
    );
    for (severity, n) in severities {
        let name = format!("{:<name_width$}", severity.name());
        let style = match severity {
            Severity::Critical => BOLD_RED,
            Severity::High => RED,
            Severity::Medium => YELLOW,
            Severity::Low => BLUE,
            Severity::Info => DIM,
        };
        let name = if n > 0 { paint(style, &name) } else { name };
        let _ = writeln!(o, "{name}  {:>count_width$}", thousands(n));
    }
    let _ = writeln!(
        o,
        "{:<name_width$}  {:>count_width$}",
        "total",
        thousands(total_findings(summary))
    );
    if !kinds.is_empty() {
        o.push('\n');
        let _ = writeln!(
            o,
            "{}",
            paint(
                BOLD,
                &format!("{:<name_width$}  {:>count_width$}", "kind", "findings")
            )
        );
        for (kind, n) in kinds {
            let _ = writeln!(
                o,
                "{:<name_width$}  {:>count_width$}",
                kind.name(),
                thousands(n)
            );
        }
    }
    o.push('\n');

    let t = &summary.onprem;
    let _ = writeln!(
        o,
        "on-premises: {} records read = {} audited + {} out of scope + {} skipped{}",
        thousands(t.records_read),
        thousands(t.accounts_audited),
        thousands(t.out_of_scope),
        thousands(t.skipped),
        unbalanced(onprem_balance(summary), &paint)
    );
    if !t.skipped_by_reason.is_empty() {
        // Reasons can name an objectClass value from the input.
        let reasons: Vec<String> = t
            .skipped_by_reason
            .iter()
            .map(|(why, n)| format!("{} {why}", thousands(*n)))
            .collect();
        let line = super::row::cap_value(&reasons.join(", ")).into_owned();
        let _ = writeln!(o, "  skipped: {}", super::terminal_safe(&line));
    }
    let c = &summary.cloud;
    let _ = writeln!(
        o,
        "cloud: {} users = {} matched + {} orphaned + {} cloud-only + {} unmatched not synced{}",
        thousands(c.users),
        thousands(c.matched),
        thousands(c.orphaned),
        thousands(c.cloud_only),
        thousands(c.unmatched_not_synced),
        unbalanced(cloud_balance(summary), &paint)
    );
    let diagnostics = summary
        .diagnostics
        .values()
        .fold(0u64, |acc, n| acc.saturating_add(*n));
    if diagnostics > 0 {
        let _ = writeln!(o, "input diagnostics: {}", thousands(diagnostics));
    }
    for (label, style, list) in [
        ("incomplete:", RED, &summary.reasons),
        ("limitation:", YELLOW, &summary.limitations),
    ] {
        for r in list {
            // One line each, capped: a terminal must not receive raw control
            // bytes or megabytes from an input.
            let line = format!(
                "{}[{}] {} Next: {}",
                r.location(),
                r.code,
                r.detail,
                r.next_step
            );
            let clean = super::terminal_safe(&super::row::cap_value(&line)).into_owned();
            let _ = writeln!(o, "{} {clean}", paint(style, label));
        }
    }
    out
}

/// The last lines of the audit's terminal output: where the HTML report is
/// (`html`, when it was written) and the command that documents the most
/// dangerous finding kind present (the first in report order, `info` left out).
pub fn next_steps(summary: &AuditSummary, html: Option<&Path>, color: bool) -> String {
    let mut out = String::new();
    let top = kind_counts(summary)
        .into_iter()
        .find(|&(k, n)| n > 0 && k.severities().iter().any(|s| *s != Severity::Info));
    if html.is_none() && top.is_none() {
        return out;
    }
    let label = if color {
        format!("{BOLD}next:{RESET}")
    } else {
        "next:".to_string()
    };
    let mut first = true;
    let mut line = |o: &mut String, text: String| {
        let _ = writeln!(o, "{} {text}", if first { label.as_str() } else { "     " });
        first = false;
    };
    if let Some(html) = html {
        let path = super::terminal_safe(&html.display().to_string()).into_owned();
        line(&mut out, format!("open {path} in a browser"));
    }
    if let Some((kind, n)) = top {
        line(
            &mut out,
            format!(
                "usertype-audit explain {}   ({} finding{}: what it means, what to do)",
                kind.name(),
                thousands(n),
                if n == 1 { "" } else { "s" }
            ),
        );
    }
    out
}

/// ` (does not balance: parts add up to N)` or nothing.
fn unbalanced((left, right): (u128, u128), paint: &dyn Fn(&str, &str) -> String) -> String {
    if left == right {
        String::new()
    } else {
        format!(
            " {}",
            paint(
                RED,
                &format!("(does not balance: parts add up to {})", thousands(right))
            )
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{CloudTally, IntentTally, Kind, OnPremTally, Reason, RuleSummary};

    fn summary() -> AuditSummary {
        AuditSummary {
            tool: "usertype-audit 0.0.0".into(),
            generated_at: None,
            elapsed_seconds: None,
            inputs: vec![],
            rules: RuleSummary {
                path: "rules.toml".into(),
                flow: "direct",
                definition: "extensionAttribute1".into(),
                out_of_box_scope: true,
            },
            by_kind: vec![(Kind::GuestAsMember, 3), (Kind::SoftMatch, 1200)],
            by_severity: vec![
                (Severity::Critical, 2),
                (Severity::High, 1),
                (Severity::Medium, 1200),
            ],
            top_ous: vec![],
            onprem: OnPremTally {
                records_read: 10,
                accounts_audited: 7,
                out_of_scope: 2,
                skipped: 0,
                ..OnPremTally::default()
            },
            cloud: CloudTally {
                users: 5,
                matched: 5,
                ..CloudTally::default()
            },
            intent: IntentTally::default(),
            diagnostics: Default::default(),
            fail_on: Severity::High,
            failed: true,
            verdict: Verdict::Incomplete,
            reasons: vec![Reason {
                code: "rule_attribute_absent".into(),
                file: None,
                line: None,
                column: None,
                detail: "no\nextensionAttribute1 column".into(),
                next_step: "export again".into(),
            }],
            limitations: vec![],
            waivers: Default::default(),
        }
    }

    #[test]
    fn plain_summary_is_aligned_and_uncoloured() {
        let text = terminal_summary(&summary(), false);
        assert_eq!(
            text,
            "Incomplete: the audit could not see everything it needs (1 reason), and already 3 \
             partner accounts intended as Guest are Members in the cloud; 2 of them enabled.\n\
             \n\
             severity         findings\n\
             critical                2\n\
             high                    1\n\
             medium              1,200\n\
             low                     0\n\
             info                    0\n\
             total               1,203\n\
             \n\
             kind             findings\n\
             guest_as_member         3\n\
             soft_match          1,200\n\
             \n\
             on-premises: 10 records read = 7 audited + 2 out of scope + 0 skipped (does not balance: parts add up to 9)\n\
             cloud: 5 users = 5 matched + 0 orphaned + 0 cloud-only + 0 unmatched not synced\n\
             incomplete: [rule_attribute_absent] no\\nextensionAttribute1 column Next: export again\n"
        );
    }

    #[test]
    fn warnings_are_escaped_and_capped() {
        let mut s = summary();
        s.reasons[0].detail = format!("\x1b[2J{}", "w".repeat(100_000));
        let text = terminal_summary(&s, false);
        assert!(!text.contains('\x1b'));
        assert!(
            text.contains("incomplete: [rule_attribute_absent] \\u{1b}[2Jwww"),
            "{text}"
        );
        assert!(text.contains("… [cut: 100,047 bytes in all]\n"), "{text}");
        assert!(text.len() < 6000, "{} bytes", text.len());
    }

    #[test]
    fn colour_only_when_asked() {
        let s = summary();
        assert!(!terminal_summary(&s, false).contains('\x1b'));
        let coloured = terminal_summary(&s, true);
        assert!(coloured.starts_with("\x1b[1;31mIncomplete: "));
        assert!(coloured.contains("\x1b[1;31mcritical       \x1b[0m"));
        // Zero rows stay plain.
        assert!(coloured.contains("\nlow                     0\n"));
    }

    #[test]
    fn skipped_records_are_listed_by_reason_escaped() {
        let mut s = summary();
        s.onprem.skipped = 3;
        s.onprem.skipped_by_reason = [
            ("computer object".to_string(), 2),
            ("not a user object (objectClass \x1b[2J)".to_string(), 1),
        ]
        .into_iter()
        .collect();
        let text = terminal_summary(&s, false);
        assert!(
            text.contains(
                "\n  skipped: 2 computer object, 1 not a user object (objectClass \\u{1b}[2J)\n"
            ),
            "{text}"
        );
        // None skipped: no line.
        assert!(!terminal_summary(&summary(), false).contains("skipped:"));
    }

    #[test]
    fn next_steps_name_the_report_and_the_most_dangerous_kind() {
        let s = summary();
        let text = next_steps(&s, Some(Path::new("out/report.html")), false);
        assert_eq!(
            text,
            "next: open out/report.html in a browser\n      \
             usertype-audit explain guest_as_member   (3 findings: what it means, what to do)\n"
        );
        // Only info findings: nothing to explain; no HTML: nothing to open.
        let mut quiet = summary();
        quiet.by_kind = vec![(Kind::OutOfScope, 4)];
        assert_eq!(next_steps(&quiet, None, false), "");
        let one = AuditSummary {
            by_kind: vec![(Kind::SoftMatch, 1)],
            ..summary()
        };
        assert_eq!(
            next_steps(&one, None, true),
            "\x1b[1mnext:\x1b[0m usertype-audit explain soft_match   (1 finding: what it means, what to do)\n"
        );
    }
}
