//! The waivers section of `summary.md` and `report.html`: findings waived
//! per kind, expired and stale waivers (see [`crate::findings::waiver`]).

use std::fmt::Write as _;

use super::escape::push_html;
use super::markdown::escape_cell;
use super::thousands;
use crate::findings::waiver::WaiverNote;
use crate::findings::{AuditSummary, WaiverSummary};

/// The sentence that opens the section.
fn lede(w: &WaiverSummary, file: &str) -> String {
    format!(
        "{} finding(s) waived by {} ({} waiver(s), expiry judged on {}): they stay listed, \
         marked, and do not count toward the verdict. {} expired, {} stale.",
        thousands(w.waived),
        file,
        thousands(w.waivers),
        w.as_of.as_deref().unwrap_or("?"),
        thousands(w.expired.len() as u64),
        thousands(w.stale.len() as u64)
    )
}

const NOTE_TITLES: [(&str, &str); 2] = [
    (
        "Expired",
        "past their date: they waive nothing; renew or remove them",
    ),
    (
        "Stale",
        "in force but matching no finding: remove them, or fix the id or pattern",
    ),
];

/// `## Waivers` for `summary.md` (nothing without `--waivers`).
pub(crate) fn markdown(o: &mut String, s: &AuditSummary) {
    let w = &s.waivers;
    let Some(file) = &w.file else {
        return;
    };
    let _ = writeln!(o, "## Waivers\n\n{}\n", escape_cell(&lede(w, file)));
    if !w.by_kind.is_empty() {
        let _ = writeln!(o, "| Kind | Waived |\n| --- | ---: |");
        for (kind, n) in &w.by_kind {
            let _ = writeln!(o, "| `{}` | {} |", kind.name(), thousands(*n));
        }
        o.push('\n');
    }
    for ((title, why), list) in NOTE_TITLES.iter().zip([&w.expired, &w.stale]) {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(
            o,
            "**{title}** ({why}):\n\n| Waiver | Selects | Owner | Expires | Matches |\n| --- | --- | --- | --- | ---: |"
        );
        for n in list.iter() {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} |",
                escape_cell(&n.at),
                escape_cell(&n.selects),
                escape_cell(&n.owner),
                n.expires,
                thousands(n.matches)
            );
        }
        o.push('\n');
    }
}

/// The waivers section of `report.html` (nothing without `--waivers`).
pub(crate) fn html(o: &mut String, s: &AuditSummary) {
    let w = &s.waivers;
    let Some(file) = &w.file else {
        return;
    };
    o.push_str("<section id=\"waivers\">\n<h2>Waivers</h2>\n<p class=\"note\">");
    push_html(o, &lede(w, file));
    o.push_str("</p>\n");
    if !w.by_kind.is_empty() {
        o.push_str("<table class=\"small\"><thead><tr><th>Kind</th><th class=\"num\">Waived</th></tr></thead><tbody>\n");
        for (kind, n) in &w.by_kind {
            o.push_str("<tr><td>");
            push_html(o, kind.title());
            let _ = writeln!(o, "</td><td class=\"num\">{}</td></tr>", thousands(*n));
        }
        o.push_str("</tbody></table>\n");
    }
    for ((title, why), list) in NOTE_TITLES.iter().zip([&w.expired, &w.stale]) {
        notes_html(o, title, why, list);
    }
    o.push_str("</section>\n");
}

fn notes_html(o: &mut String, title: &str, why: &str, list: &[WaiverNote]) {
    if list.is_empty() {
        return;
    }
    let _ = write!(o, "<h3>{title}</h3>\n<p class=\"note\">{why}.</p>\n");
    o.push_str(
        "<table class=\"small\"><thead><tr><th>Waiver</th><th>Selects</th><th>Owner</th>\
         <th>Expires</th><th class=\"num\">Matches</th></tr></thead><tbody>\n",
    );
    for n in list {
        for (i, v) in [&n.at, &n.selects, &n.owner, &n.expires]
            .into_iter()
            .enumerate()
        {
            o.push_str(if i == 0 { "<tr><td>" } else { "</td><td>" });
            push_html(o, v);
        }
        let _ = writeln!(
            o,
            "</td><td class=\"num\">{}</td></tr>",
            thousands(n.matches)
        );
    }
    o.push_str("</tbody></table>\n");
}
