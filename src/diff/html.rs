//! `diff.html`: the comparison for people, one self-contained page in the
//! audit report's style (its stylesheet, no script, nothing loaded from
//! anywhere). Every value is HTML-escaped and capped like the report's.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::render::{changes_text, describe, outcome, subject, MAX_LISTED, TITLE};
use super::{Diff, DiffFinding};
use crate::report::cap_value;

/// The file name.
pub const FILE_NAME: &str = "diff.html";

const CSS: &str = include_str!("../report/assets/report.css");

/// `s` escaped for HTML text and attribute values.
fn esc(o: &mut String, s: &str) {
    for c in cap_value(s).chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
}

/// Writes `diff.html` for `diff` to `w`.
pub fn write_html<W: Write>(mut w: W, diff: &Diff) -> io::Result<()> {
    let mut o = String::with_capacity(1 << 16);
    o.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n<title>",
    );
    let _ = write!(
        o,
        "{TITLE}: {} new, {} resolved, {} changed",
        diff.new_findings.len(),
        diff.resolved.len(),
        diff.changed.len()
    );
    o.push_str("</title>\n<style>\n");
    o.push_str(CSS);
    o.push_str("</style>\n</head>\n<body>\n<main>\n");
    let _ = writeln!(
        o,
        "<header class=\"hero {}\">\n<div class=\"eyebrow\">{TITLE}</div>",
        if diff.failed { "bad" } else { "good" }
    );
    let _ = write!(
        o,
        "<p class=\"verdict {}\">",
        if diff.failed { "fail" } else { "pass" }
    );
    esc(&mut o, &outcome(diff));
    o.push_str("</p>\n<p class=\"lede muted\">Older: ");
    esc(&mut o, &describe(&diff.old));
    o.push_str("<br>Newer: ");
    esc(&mut o, &describe(&diff.new));
    o.push_str("</p>\n</header>\n");
    if !diff.warnings.is_empty() {
        o.push_str(
            "<section class=\"warn\" id=\"warnings\">\n<h2>\u{26a0} These audits are not like \
             for like</h2>\n<ul>\n",
        );
        for wn in &diff.warnings {
            let _ = write!(o, "<li><code>{}</code>: ", wn.code);
            esc(&mut o, &wn.detail);
            o.push_str("</li>\n");
        }
        o.push_str("</ul>\n</section>\n");
    }
    o.push_str("<section class=\"cards\">\n");
    for (label, n, class) in [
        ("new", diff.new_findings.len() as u64, "critical"),
        ("resolved", diff.resolved.len() as u64, "low"),
        ("changed", diff.changed.len() as u64, "medium"),
        ("unchanged", diff.unchanged, "total"),
    ] {
        let _ = writeln!(
            o,
            "<div class=\"card {class}{}\"><div class=\"n\">{n}</div><div class=\"l\">{label}</div></div>",
            if n == 0 { " zero" } else { "" }
        );
    }
    o.push_str("</section>\n");
    findings_section(&mut o, "new", "New findings", &diff.new_findings);
    findings_section(&mut o, "resolved", "Resolved findings", &diff.resolved);
    let _ = writeln!(
        o,
        "<section id=\"changed\">\n<h2>Changed findings ({})</h2>",
        diff.changed.len()
    );
    if diff.changed.is_empty() {
        o.push_str("<p class=\"note\">None.</p>\n");
    } else {
        o.push_str(
            "<div class=\"table-wrap\"><table>\n<thead><tr><th>Id</th><th>Finding</th>\
             <th>Account</th><th>What changed</th></tr></thead>\n<tbody>\n",
        );
        for c in diff.changed.iter().take(MAX_LISTED) {
            o.push_str("<tr><td class=\"mono\">");
            esc(&mut o, &c.id);
            o.push_str("</td><td>");
            esc(&mut o, &c.after.kind);
            o.push_str("</td><td>");
            esc(&mut o, subject(&c.after));
            o.push_str("</td><td>");
            esc(&mut o, &changes_text(c));
            o.push_str("</td></tr>\n");
        }
        o.push_str("</tbody>\n</table></div>\n");
        more(&mut o, diff.changed.len());
    }
    o.push_str("</section>\n</main>\n</body>\n</html>\n");
    w.write_all(o.as_bytes())?;
    w.flush()
}

fn findings_section(o: &mut String, id: &str, title: &str, list: &[DiffFinding]) {
    let _ = writeln!(
        o,
        "<section id=\"{id}\">\n<h2>{title} ({})</h2>",
        list.len()
    );
    if list.is_empty() {
        o.push_str("<p class=\"note\">None.</p>\n</section>\n");
        return;
    }
    o.push_str(
        "<div class=\"table-wrap\"><table>\n<thead><tr><th>Severity</th><th>Id</th>\
         <th>Finding</th><th>Account</th><th>Detail</th></tr></thead>\n<tbody>\n",
    );
    for f in list.iter().take(MAX_LISTED) {
        let _ = write!(
            o,
            "<tr><td><span class=\"badge {0}\">{0}</span></td><td class=\"mono\">",
            f.severity.name()
        );
        esc(o, &f.id);
        o.push_str("</td><td>");
        esc(o, &f.kind);
        o.push_str("</td><td>");
        esc(o, subject(f));
        o.push_str("</td><td>");
        esc(o, &f.detail);
        if let Some(w) = &f.waiver {
            o.push_str("<div class=\"sub\">waived: ");
            esc(o, &super::load::waiver_text(w));
            o.push_str("</div>");
        }
        o.push_str("</td></tr>\n");
    }
    o.push_str("</tbody>\n</table></div>\n");
    more(o, list.len());
    o.push_str("</section>\n");
}

fn more(o: &mut String, len: usize) {
    if len > MAX_LISTED {
        let _ = writeln!(
            o,
            "<p class=\"note\">The first {MAX_LISTED} of {len}; diff.json lists them all.</p>"
        );
    }
}
