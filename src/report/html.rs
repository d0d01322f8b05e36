//! `report.html`: one self-contained page for people who do not read JSON.
//!
//! # Format
//!
//! One HTML5 file, UTF-8, that works offline and from a mail attachment:
//!
//! * **Self-contained.** CSS and JavaScript are inline; there are no `<link>`
//!   elements, no `src` attributes, no fonts, images or `url()`, and no
//!   `http://`/`https://` reference at all in the markup we write (Microsoft
//!   documentation is cited as plain text). A `Content-Security-Policy` meta
//!   element (`default-src 'none'`) makes the browser refuse any network
//!   request even if an input value slipped through.
//! * **Escaped.** Every value from the inputs is HTML-escaped (`& < > " '`);
//!   the embedded JSON escapes `<`, `>`, `&`, U+2028 and U+2029 as `\u`
//!   sequences, so no value can close its `<script>` element; the script
//!   inserts values with `textContent` only.
//! * **Sections, in order:** the headline (how many partner accounts intended
//!   as Guest are Members in the cloud, how many of them are enabled, the
//!   pass/fail result); the coverage warnings, when there are any; a card per
//!   severity; three SVG bar charts drawn here (findings by severity, by kind,
//!   top OUs); the findings table; the reconciliation of both sides; the
//!   intended UserType tally; the remediation steps (docs/rules.md#the-seven-steps) for the
//!   rule flow in use, where an expression to paste (marked
//!   `data-proposed-expression`) is one the rule linter passes: a flagged
//!   rule expression is shown with its warnings, and corrected when the fix
//!   is the domain-suffix one; the inputs and the rule file; input diagnostics; a
//!   footer with the tool version (and time and duration when known).
//! * **Findings table.** Every listed finding (see [`super::Report::lists`]),
//!   most severe first (stable: ties keep the audit's order), is embedded
//!   once in `<script type="application/json" id="findings-data">` (see
//!   [Embedded data](#embedded-data)). The first [`STATIC_ROWS`] are also
//!   rendered as table rows, so the page shows them without JavaScript; with
//!   JavaScript the table is virtualised (only the rows in view are in the
//!   DOM, so a million-account report stays responsive), sorts by a click on
//!   a column header, filters by text, severity and kind with true counts,
//!   and shows every field of a finding when its row is chosen. The filters
//!   live in the address's fragment (`#kind=duplicate_anchor&severity=high&q=text&row=last`),
//!   so a link opens the same view; the count element `#count` carries
//!   `data-matching` and `data-total`, and the table `aria-rowcount`.
//! * **Capped values.** A value from the inputs longer than
//!   [`MAX_VALUE_CHARS`] characters is cut to that many, the last one being
//!   `…`, in the table and in the embedded data.
//! * **Print-friendly:** the controls are hidden and colours kept when
//!   printed; the findings table prints the rows in view (findings.csv holds
//!   them all).
//!
//! # Embedded data
//!
//! One JSON object, column-oriented and with repeated strings stored once, so
//! that a million-account report stays small enough to load:
//!
//! ```text
//! {"version":1,"count":N,"columns":["kind",...],
//!  "data":[[cell of finding 0, cell of finding 1, ...],   one array per column
//!          ...],
//!  "strings":["guest_as_member", ...]}
//! ```
//!
//! `columns` are those of `findings.jsonl` ([`super::row::COLUMNS`]) and
//! `data` holds one array of `count` cells per column. A cell is
//!
//! * `null`: no value;
//! * a number `k`: the string `strings[k]`;
//! * a string: that string;
//! * `[a, b]`: the two parts, each a number or a string as above, joined
//!   (`"CN=Ann"` + `",OU=Partners,DC=contoso,DC=com"`: the shared tail of a
//!   DN, a UPN's `@domain` or the `file:` of a source is stored once);
//! * `true`, in the `cloud_upn` column only: the same value as `upn`.
//!
//! Which form a column uses is the writer's choice, not part of the format.
//! The text escapes `<`, `>`, `&`, U+2028 and U+2029 as `\u` sequences, so
//! no value can end the `<script>` element or open a comment in it.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::escape::{html, push_html};
use super::row::COLUMNS;
use super::svg::{bar_chart, Bar};
use super::{cloud_balance, headline_counts, human_bytes, kind_counts, onprem_balance};
use super::{severity_count, severity_counts, thousands, total_findings, Report};
use crate::classify::expr::{
    compile, line_col, parse, BinOp, CompileOptions, Expr, ExprKind, Span,
};
use crate::findings::{AuditSummary, Finding, Kind, Severity, Verdict};

/// The file name.
pub const FILE_NAME: &str = "report.html";

/// A value from the inputs longer than this many characters is cut to this
/// many, the last being `…`.
pub const MAX_VALUE_CHARS: usize = 1024;

/// The first this many embedded findings are rendered as static table rows.
pub const STATIC_ROWS: usize = 100;

mod remediation;
use remediation::remediation;

const CSS: &str = include_str!("assets/report.css");
const JS: &str = include_str!("assets/report.js");

/// Microsoft's example expression ("Enable synchronization of UserType",
/// step 4), as Learn prints it. Never proposed: the rule linter flags it
/// (`contains-not-ends-with`); kept to test that the corrected form below is
/// what the page makes of it.
#[cfg(test)]
const LEARN_EXPRESSION: &str = "IIF(IsPresent([userPrincipalName]),IIF(CBool(InStr(LCase([userPrincipalName]),\"@partners.fabrikam123.org\")=0),\"Member\",\"Guest\"),Error(\"UserPrincipalName is not present to determine UserType\"))";

/// Learn's example corrected, and otherwise unchanged: the UPN must end with
/// the partner domain (its last 25 characters), not merely contain it, so
/// `x@partners.fabrikam123.org.evil.com` is a Member. Shown when the rule
/// file holds simple rules that must be rewritten as an expression.
const EXAMPLE_EXPRESSION: &str = "IIF(IsPresent([userPrincipalName]),IIF(CBool(Right(LCase([userPrincipalName]),25)<>\"@partners.fabrikam123.org\"),\"Member\",\"Guest\"),Error(\"UserPrincipalName is not present to determine UserType\"))";

/// The attribute that marks an expression the page proposes to paste into a
/// sync rule (a test lints every one of them).
const PROPOSED: &str = "data-proposed-expression";

/// Writes `report.html` for `report` to `w`.
pub fn write_html<W: Write>(mut w: W, report: &Report) -> io::Result<()> {
    let s = report.summary;
    let mut listed: Vec<&Finding> = report.listed().collect();
    // Stable: equal severities keep the audit's deterministic order.
    listed.sort_by_key(|f| std::cmp::Reverse(f.severity));

    let mut page = String::with_capacity(64 * 1024);
    head(&mut page, s);
    hero(&mut page, s);
    warnings(&mut page, s);
    cards(&mut page, s);
    charts(&mut page, s);
    super::waivers::html(&mut page, s);
    findings_table(&mut page, report, &listed);
    w.write_all(page.as_bytes())?;

    page.clear();
    reconciliation(&mut page, s);
    intent(&mut page, s);
    remediation(&mut page, s);
    inputs(&mut page, s);
    diagnostics(&mut page, s);
    footer(&mut page, s);
    page.push_str("</main>\n<script type=\"application/json\" id=\"findings-data\">");
    w.write_all(page.as_bytes())?;
    data_island(&mut w, &listed)?;
    w.write_all(b"</script>\n<script>\n")?;
    w.write_all(JS.as_bytes())?;
    w.write_all(b"</script>\n</body>\n</html>\n")?;
    w.flush()
}

/// `value` cut to [`MAX_VALUE_CHARS`] characters, the last being `…`.
pub fn cap(value: &str) -> Cow<'_, str> {
    // Characters never outnumber bytes: the common case needs no count.
    if value.len() <= MAX_VALUE_CHARS {
        return Cow::Borrowed(value);
    }
    let mut ends = value.char_indices().map(|(i, _)| i);
    match (ends.nth(MAX_VALUE_CHARS - 1), ends.next()) {
        (Some(keep), Some(_)) => {
            let mut cut = String::with_capacity(keep + '…'.len_utf8());
            cut.push_str(value.get(..keep).unwrap_or_default());
            cut.push('…');
            Cow::Owned(cut)
        }
        _ => Cow::Borrowed(value),
    }
}

/// How a column's cells are written (see [Embedded data](#embedded-data)).
#[derive(Clone, Copy)]
enum Encoding {
    /// The whole value is a shared string: few distinct values.
    Shared,
    /// The value as it is: unique per finding.
    Literal,
    /// The first RDN, then the parent DN shared.
    Dn,
    /// The local part, then the `@domain` shared.
    Upn,
    /// `true` when equal to the finding's `upn`, else as [`Encoding::Upn`].
    CloudUpn,
    /// The shared `file:`, then the line.
    Source,
}

/// The encoding of each of [`COLUMNS`].
const ENCODINGS: [Encoding; 15] = [
    Encoding::Literal, // id
    Encoding::Shared,  // kind
    Encoding::Shared,  // severity
    Encoding::Dn,      // dn
    Encoding::Upn,     // upn
    Encoding::Literal, // source_anchor
    Encoding::Literal, // cloud_id
    Encoding::CloudUpn,
    Encoding::Shared, // intended_user_type
    Encoding::Shared, // cloud_user_type
    Encoding::Shared, // matched_by
    Encoding::Shared, // rule
    Encoding::Source,
    Encoding::Shared, // detail: templated sentences repeat
    Encoding::Shared, // waiver: one waiver covers many findings
];
const ID_COLUMN: usize = 0;
const UPN_COLUMN: usize = 4;

/// The shared strings, numbered in order of first use (deterministic).
#[derive(Default)]
struct Strings<'a> {
    numbers: HashMap<Cow<'a, str>, u32>,
    in_order: Vec<Cow<'a, str>>,
    /// The string numbered last, and its number: columns are written one at
    /// a time and neighbours often share a value (kind, severity, parent DN),
    /// so most cells need a comparison, not a hash.
    last: Option<(Cow<'a, str>, u32)>,
}

impl<'a> Strings<'a> {
    fn number(&mut self, s: Cow<'a, str>) -> u32 {
        if let Some((last, n)) = &self.last {
            if last.as_ref() == s.as_ref() {
                return *n;
            }
        }
        let n = match self.numbers.get(s.as_ref()) {
            Some(&n) => n,
            None => {
                let n = u32::try_from(self.in_order.len()).unwrap_or(u32::MAX);
                self.numbers.insert(s.clone(), n);
                self.in_order.push(s.clone());
                n
            }
        };
        self.last = Some((s, n));
        n
    }
}

/// Writes the embedded data (see [Embedded data](#embedded-data)): one line
/// per column, then one line per shared string.
fn data_island<W: Write>(w: &mut W, findings: &[&Finding]) -> io::Result<()> {
    let mut out: Vec<u8> = Vec::with_capacity(1 << 17);
    let _ = write!(
        out,
        "{{\"version\":1,\"count\":{},\"columns\":[",
        findings.len()
    );
    for (i, name) in COLUMNS.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_json_str(&mut out, name);
    }
    out.extend_from_slice(b"],\n\"data\":[");
    let mut strings = Strings::default();
    for (column, encoding) in ENCODINGS.iter().enumerate() {
        out.extend_from_slice(if column == 0 { b"\n[" } else { b",\n[" });
        for (i, f) in findings.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            if column == ID_COLUMN {
                // Ids are unique: nothing to share, and not borrowed from `f`.
                push_json_str(&mut out, &f.id.to_string());
            } else {
                let values = super::row::raw_values(f, "");
                let value = values.get(column).copied().flatten();
                let upn = values.get(UPN_COLUMN).copied().flatten();
                push_cell(&mut out, &mut strings, *encoding, value, upn);
            }
            if out.len() >= 1 << 16 {
                w.write_all(&out)?;
                out.clear();
            }
        }
        out.push(b']');
    }
    out.extend_from_slice(b"\n],\n\"strings\":[");
    for (i, s) in strings.in_order.iter().enumerate() {
        out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
        push_json_str(&mut out, s);
        if out.len() >= 1 << 16 {
            w.write_all(&out)?;
            out.clear();
        }
    }
    out.extend_from_slice(b"\n]}");
    w.write_all(&out)
}

/// One cell of the embedded data.
fn push_cell<'a>(
    out: &mut Vec<u8>,
    strings: &mut Strings<'a>,
    encoding: Encoding,
    value: Option<&'a str>,
    upn: Option<&'a str>,
) {
    let Some(raw) = value else {
        out.extend_from_slice(b"null");
        return;
    };
    if matches!(encoding, Encoding::CloudUpn) && upn == Some(raw) {
        out.extend_from_slice(b"true");
        return;
    }
    let value = cap(raw);
    // Where the unique head ends and the shared tail starts, if anywhere.
    let split = match encoding {
        Encoding::Shared => {
            push_number(out, strings.number(value));
            return;
        }
        Encoding::Literal => None,
        Encoding::Dn => first_rdn_end(&value),
        Encoding::Upn | Encoding::CloudUpn => value.rfind('@').filter(|&at| at > 0),
        Encoding::Source => value.rfind(':').map(|colon| colon + 1),
    };
    let Some(at) = split.filter(|&at| at > 0 && at < value.len()) else {
        push_json_str(out, &value);
        return;
    };
    let (Some(head), Some(tail)) = (part(&value, ..at), part(&value, at..)) else {
        push_json_str(out, &value);
        return;
    };
    out.push(b'[');
    if matches!(encoding, Encoding::Source) {
        push_number(out, strings.number(head));
        out.push(b',');
        push_json_str(out, &tail);
    } else {
        push_json_str(out, &head);
        out.push(b',');
        push_number(out, strings.number(tail));
    }
    out.push(b']');
}

/// `value[range]`, borrowed from the finding when `value` is (no copy for
/// all but capped values).
fn part<'a>(
    value: &Cow<'a, str>,
    range: impl std::slice::SliceIndex<str, Output = str>,
) -> Option<Cow<'a, str>> {
    match value {
        Cow::Borrowed(v) => v.get(range).map(Cow::Borrowed),
        Cow::Owned(v) => v.get(range).map(|p| Cow::Owned(p.to_owned())),
    }
}

/// The byte offset of the first comma that ends an RDN (one not escaped by
/// a backslash), if any.
fn first_rdn_end(dn: &str) -> Option<usize> {
    crate::model::dn::first_separator(dn)
}

fn push_number(out: &mut Vec<u8>, mut n: u32) {
    // Decimal digits without the formatting machinery (a million cells).
    let mut digits = [0u8; 10];
    let mut at = digits.len();
    loop {
        at -= 1;
        if let Some(d) = digits.get_mut(at) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || at == 0 {
            break;
        }
    }
    out.extend_from_slice(digits.get(at..).unwrap_or_default());
}

/// Bytes [`push_json_str`] must look at: JSON's own (`"`, `\`, controls),
/// HTML's (`<`, `>`, `&`) and the lead byte of U+2028/U+2029.
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'&' as usize] = true;
    table[0xE2] = true;
    table
};

/// `s` as a JSON string that is also safe inside an HTML `<script>`: `<`,
/// `>` and `&` (no `</script`, no `<!--`) and U+2028/U+2029 (line breaks to
/// older JavaScript parsers) are `\u` escapes.
fn push_json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut last = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !SPECIAL[usize::from(b)] {
            continue;
        }
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            b'<' => b"\\u003c",
            b'>' => b"\\u003e",
            b'&' => b"\\u0026",
            0xE2 if bytes.get(i + 1) == Some(&0x80)
                && matches!(bytes.get(i + 2), Some(0xA8 | 0xA9)) =>
            {
                if bytes.get(i + 2) == Some(&0xA8) {
                    b"\\u2028"
                } else {
                    b"\\u2029"
                }
            }
            0x00..=0x1F => {
                out.extend_from_slice(bytes.get(last..i).unwrap_or_default());
                let _ = write!(out, "\\u{b:04x}");
                last = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(bytes.get(last..i).unwrap_or_default());
        out.extend_from_slice(escape);
        last = if b == 0xE2 { i + 3 } else { i + 1 };
    }
    out.extend_from_slice(bytes.get(last..).unwrap_or_default());
    out.push(b'"');
}

fn head(o: &mut String, s: &AuditSummary) {
    let (partners, _) = headline_counts(s);
    o.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n<title>",
    );
    let _ = write!(
        o,
        "UserType audit: {} partner {} as Member",
        thousands(partners),
        if partners == 1 { "account" } else { "accounts" }
    );
    o.push_str("</title>\n<style>\n");
    o.push_str(CSS);
    o.push_str("</style>\n</head>\n<body>\n<main>\n");
}

fn hero(o: &mut String, s: &AuditSummary) {
    let (partners, enabled) = headline_counts(s);
    let _ = write!(
        o,
        "<header class=\"hero {}\">\n<div class=\"eyebrow\">UserType sync audit</div>\n",
        if partners > 0 || s.verdict != Verdict::Pass {
            "bad"
        } else {
            "good"
        }
    );
    // The verdict first, as in every other format.
    verdict_pill(o, s);
    match partners {
        0 if s.verdict == Verdict::Incomplete => o.push_str(
            "<h1>Incomplete: the audit cannot say whether partner accounts are Members in the cloud</h1>\n",
        ),
        0 => o.push_str(
            "<h1><span class=\"num\">0</span> partner accounts intended as Guest are Members in the cloud</h1>\n",
        ),
        1 => o.push_str(
            "<h1><span class=\"num\">1</span> partner account intended as Guest is a Member in the cloud</h1>\n",
        ),
        n => {
            let _ = writeln!(
                o,
                "<h1><span class=\"num\">{}</span> partner accounts intended as Guest are Members in the cloud</h1>",
                thousands(n)
            );
        }
    }
    if partners > 0 {
        let _ = writeln!(
            o,
            "<p class=\"lede\"><strong>{} of them {} enabled</strong> (critical). As Members they can \
             enumerate every user and group, read all directory information, register applications \
             and invite guests; as Guests they could not.</p>",
            thousands(enabled),
            if enabled == 1 { "is" } else { "are" }
        );
    } else if s.verdict == Verdict::Pass {
        o.push_str(
            "<p class=\"lede\">No account that the rules intend as Guest has Member rights in the cloud.</p>\n",
        );
    }
    let _ = writeln!(
        o,
        "<p class=\"lede muted\">{} findings in all; {} critical, {} high.</p>",
        thousands(total_findings(s)),
        thousands(severity_count(s, Severity::Critical)),
        thousands(severity_count(s, Severity::High))
    );
    o.push_str("</header>\n");
}

/// The verdict, in one pill: what the exit code says.
fn verdict_pill(o: &mut String, s: &AuditSummary) {
    let _ = writeln!(
        o,
        "<p class=\"verdict {}\">{}: {} (--fail-on {}; exit code {})</p>",
        s.verdict.name(),
        match s.verdict {
            Verdict::Pass => "Passed",
            Verdict::Fail => "Failed",
            Verdict::Incomplete => "Incomplete",
        },
        match s.verdict {
            Verdict::Pass => "no finding reached the threshold",
            Verdict::Fail => "at least one finding reached the threshold",
            Verdict::Incomplete =>
                "the audit could not see everything it needs; the reasons follow",
        },
        s.fail_on.name(),
        s.verdict.exit_code()
    );
}

fn warnings(o: &mut String, s: &AuditSummary) {
    reason_section(
        o,
        "incomplete",
        "warn",
        "\u{26a0} Incomplete: the audit could not see everything it needs",
        "Until these are fixed the counts below are a lower bound: they prove nothing about \
         the accounts the audit could not see.",
        &s.reasons,
    );
    reason_section(
        o,
        "limitations",
        "limits",
        "Limitations",
        "These limit the findings without changing the verdict.",
        &s.limitations,
    );
}

fn reason_section(
    o: &mut String,
    id: &str,
    class: &str,
    title: &str,
    intro: &str,
    reasons: &[crate::findings::Reason],
) {
    if reasons.is_empty() {
        return;
    }
    let _ = write!(
        o,
        "<section class=\"{class}\" id=\"{id}\" role=\"alert\">\n<h2>{title}</h2>\n<p>{intro}</p>\n<ul>\n"
    );
    for r in reasons {
        o.push_str("<li><code>");
        push_html(o, &r.code);
        o.push_str("</code> ");
        push_html(o, &r.location());
        push_html(o, &r.detail);
        o.push_str(" <em>Next step:</em> ");
        push_html(o, &r.next_step);
        o.push_str("</li>\n");
    }
    o.push_str("</ul>\n</section>\n");
}

fn cards(o: &mut String, s: &AuditSummary) {
    o.push_str("<section class=\"cards\" aria-label=\"Findings by severity\">\n");
    for (severity, n) in severity_counts(s) {
        let _ = writeln!(
            o,
            "<div class=\"card {}{}\"><span class=\"n\">{}</span><span class=\"l\">{}</span></div>",
            severity.name(),
            if n == 0 { " zero" } else { "" },
            thousands(n),
            severity_title(severity)
        );
    }
    let _ = writeln!(
        o,
        "<div class=\"card total\"><span class=\"n\">{}</span><span class=\"l\">All findings</span></div>\n</section>",
        thousands(total_findings(s))
    );
}

fn charts(o: &mut String, s: &AuditSummary) {
    o.push_str("<section class=\"charts\" aria-label=\"Charts\">\n");
    let severities: Vec<_> = severity_counts(s)
        .into_iter()
        .map(|(severity, count)| Bar {
            label: severity_title(severity),
            count,
            color: severity_color(severity),
        })
        .collect();
    figure(o, "Findings by severity", &severities, 64);
    let kinds: Vec<_> = kind_counts(s)
        .into_iter()
        .map(|(kind, count)| Bar {
            label: kind.title(),
            count,
            color: if kind == Kind::GuestAsMember {
                "#a4161a"
            } else {
                "#4c6ef5"
            },
        })
        .collect();
    figure(o, "Findings by kind", &kinds, 256);
    let ous: Vec<_> = s
        .top_ous
        .iter()
        .map(|(ou, count)| Bar {
            label: ou,
            count: *count,
            color: "#7048e8",
        })
        .collect();
    figure(o, "Top OUs (findings above info)", &ous, 380);
    o.push_str("</section>\n");
}

fn figure(o: &mut String, title: &str, bars: &[Bar], label_width: u32) {
    o.push_str("<figure><figcaption>");
    push_html(o, title);
    o.push_str("</figcaption>");
    o.push_str(&bar_chart(title, bars, label_width));
    o.push_str("</figure>\n");
}

fn findings_table(o: &mut String, report: &Report, listed: &[&Finding]) {
    let s = report.summary;
    o.push_str("<section id=\"findings\">\n<h2>Findings</h2>\n<p class=\"note\">");
    let _ = write!(
        o,
        "{} findings listed, most severe first; this page holds every one of them \
         (values longer than {} characters are cut, ending with \u{2026}).",
        thousands(listed.len() as u64),
        thousands(MAX_VALUE_CHARS as u64)
    );
    let info = severity_count(s, Severity::Info);
    if !report.include_info && info > 0 {
        let _ = write!(
            o,
            " {} info findings (accounts out of sync scope) are counted but not listed; \
             list them with --include-info.",
            thousands(info)
        );
    }
    o.push_str("</p>\n");

    o.push_str(
        "<div class=\"controls\" id=\"controls\" hidden>\n\
         <input type=\"search\" id=\"f-text\" placeholder=\"Filter: name, UPN, DN, OU, detail\u{2026}\" aria-label=\"Filter findings\">\n\
         <select id=\"f-severity\" aria-label=\"Severity\"><option value=\"\">All severities</option>",
    );
    for &severity in Severity::ALL {
        let _ = write!(
            o,
            "<option value=\"{}\">{}</option>",
            severity.name(),
            severity_title(severity)
        );
    }
    o.push_str("</select>\n<select id=\"f-kind\" aria-label=\"Kind\"><option value=\"\">All kinds</option>");
    for &kind in Kind::ALL {
        let _ = write!(o, "<option value=\"{}\">", kind.name());
        push_html(o, kind.title());
        o.push_str("</option>");
    }
    o.push_str("</select>\n<span id=\"count\" aria-live=\"polite\"></span>\n</div>\n");

    o.push_str(
        "<div class=\"table-wrap\" id=\"findings-scroll\">\n<table id=\"findings-table\">\n<thead><tr>\
         <th data-col=\"0\" class=\"c-sev\">Severity</th><th data-col=\"1\" class=\"c-kind\">Finding</th>\
         <th data-col=\"2\" class=\"c-account\">Account (UPN, DN)</th>\
         <th data-col=\"3\" class=\"c-cloud\">Cloud user (matched by)</th>\
         <th data-col=\"4\" class=\"c-type\">Intended \u{2192} cloud (rule)</th>\
         <th data-col=\"5\" class=\"c-detail\">Detail (evidence)</th></tr></thead>\n<tbody>\n",
    );
    for f in listed.iter().take(STATIC_ROWS) {
        static_row(o, f);
    }
    if listed.is_empty() {
        o.push_str("<tr><td colspan=\"6\">No findings to list.</td></tr>\n");
    }
    o.push_str("</tbody>\n</table>\n</div>\n");
    if listed.len() > STATIC_ROWS {
        let _ = writeln!(
            o,
            "<p class=\"note\" id=\"static-note\">Showing the first {} of {}. With JavaScript \
             enabled, this table shows all of them and can be sorted and filtered.</p>",
            STATIC_ROWS,
            thousands(listed.len() as u64)
        );
    }
    o.push_str(
        "<section class=\"finding-detail\" id=\"finding-detail\" aria-live=\"polite\" hidden></section>\n</section>\n",
    );
}

/// One table row; the same cells the script renders (keep both in step).
fn static_row(o: &mut String, f: &Finding) {
    let _ = write!(
        o,
        "<tr><td><span class=\"badge {0}\">{0}</span>{1}</td>",
        f.severity.name(),
        if f.waiver.is_some() {
            "<div class=\"sub\">waived</div>"
        } else {
            ""
        }
    );
    cell(o, Some(f.kind.title()), Some(&f.id.to_string()));
    let upn = f.upn.as_deref().filter(|v| !v.is_empty());
    cell(o, upn.or(f.dn.as_deref()), upn.and(f.dn.as_deref()));
    let cloud_upn = f.cloud_upn.as_deref().filter(|v| !v.is_empty());
    let matched = f.matched_by.map(|m| format!("matched by {m}"));
    let cloud_sub = [cloud_upn.and(f.cloud_id.as_deref()), matched.as_deref()]
        .into_iter()
        .flatten()
        .map(cap)
        .collect::<Vec<_>>()
        .join("\n");
    cell(
        o,
        cloud_upn.or(f.cloud_id.as_deref()),
        Some(cloud_sub.as_str()),
    );
    let types = format!(
        "{} \u{2192} {}",
        cap(f.intended_user_type.as_deref().unwrap_or("\u{2014}")),
        cap(f.cloud_user_type.as_deref().unwrap_or("\u{2014}"))
    );
    cell(o, Some(&types), f.rule.as_deref());
    let waiver = f.waiver.as_deref().map(|w| format!("waived: {}", w.text));
    let evidence = [f.source.as_deref(), waiver.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n");
    cell(o, Some(&f.detail), Some(&evidence));
    o.push_str("</tr>\n");
}

/// A cell: `main` (a dash when missing) and, when given, `sub` below it in
/// small print; each capped at [`MAX_VALUE_CHARS`].
fn cell(o: &mut String, main: Option<&str>, sub: Option<&str>) {
    o.push_str("<td>");
    push_html(
        o,
        &cap(main.filter(|m| !m.is_empty()).unwrap_or("\u{2014}")),
    );
    if let Some(sub) = sub.filter(|s| !s.is_empty()) {
        o.push_str("<div class=\"sub\">");
        push_html(o, &cap(sub));
        o.push_str("</div>");
    }
    o.push_str("</td>");
}

fn reconciliation(o: &mut String, s: &AuditSummary) {
    o.push_str("<section id=\"reconciliation\">\n<h2>Reconciliation</h2>\n");
    let balanced = {
        let (a, b) = onprem_balance(s);
        let (c, d) = cloud_balance(s);
        a == b && c == d
    };
    o.push_str(if balanced {
        "<p>Every record read is accounted for: nothing was left out silently.</p>\n"
    } else {
        "<p class=\"bad-balance\">The counts do not add up: some records are unaccounted for. \
         This is a bug in the audit; please report it with summary.json.</p>\n"
    });
    let t = &s.onprem;
    o.push_str("<div class=\"eq\"><h3>On-premises records</h3>\n<div class=\"eq-line\">");
    term(o, t.records_read, "records read");
    op(o, "=");
    term(o, t.accounts_audited, "audited");
    op(o, "+");
    term(o, t.out_of_scope, "out of scope");
    op(o, "+");
    term(o, t.skipped, "skipped");
    balance(o, onprem_balance(s));
    o.push_str("</div>\n<div class=\"breakdowns\">");
    breakdown(
        o,
        "Out of scope, by filter",
        "Accounts",
        &t.out_of_scope_by_filter,
    );
    breakdown(o, "Skipped, by reason", "Records", &t.skipped_by_reason);
    o.push_str("</div></div>\n");

    let c = &s.cloud;
    o.push_str("<div class=\"eq\"><h3>Cloud users</h3>\n<div class=\"eq-line\">");
    term(o, c.users, "users");
    op(o, "=");
    term(o, c.matched, "matched");
    op(o, "+");
    term(o, c.orphaned, "orphaned (synced, no account)");
    op(o, "+");
    term(o, c.cloud_only, "cloud-only");
    op(o, "+");
    term(o, c.unmatched_not_synced, "unmatched, not synced");
    balance(o, cloud_balance(s));
    o.push_str("</div></div>\n</section>\n");
}

fn term(o: &mut String, n: u64, label: &str) {
    let _ = write!(
        o,
        "<span class=\"term\"><b>{}</b> {label}</span>",
        thousands(n)
    );
}

fn op(o: &mut String, op: &str) {
    let _ = write!(o, "<span class=\"op\">{op}</span>");
}

fn balance(o: &mut String, (left, right): (u128, u128)) {
    if left == right {
        o.push_str("<span class=\"ok\">\u{2713} balanced</span>");
    } else {
        let _ = write!(
            o,
            "<span class=\"bad-balance\">\u{2717} does not balance: the parts add up to {}</span>",
            thousands(right)
        );
    }
}

fn breakdown(
    o: &mut String,
    title: &str,
    unit: &str,
    rows: &std::collections::BTreeMap<String, u64>,
) {
    if rows.is_empty() {
        return;
    }
    let _ = write!(
        o,
        "<table class=\"small\"><thead><tr><th>{title}</th><th class=\"num\">{unit}</th></tr></thead><tbody>"
    );
    for (name, n) in rows {
        o.push_str("<tr><td>");
        push_html(o, name);
        let _ = write!(o, "</td><td class=\"num\">{}</td></tr>", thousands(*n));
    }
    o.push_str("</tbody></table>");
}

fn intent(o: &mut String, s: &AuditSummary) {
    let i = &s.intent;
    o.push_str(
        "<section id=\"intent\">\n<h2>Intended UserType</h2>\n<p>What the rules make of the audited accounts.</p>\n\
         <table class=\"small\"><thead><tr><th>Intended</th><th class=\"num\">Accounts</th></tr></thead><tbody>\n",
    );
    for (label, n) in [
        ("Member", i.member),
        ("Guest", i.guest),
        ("Error() raised: would fail to sync", i.error),
        ("Invalid value (not Member or Guest)", i.invalid),
        ("No value", i.no_value),
    ] {
        let _ = writeln!(
            o,
            "<tr><td>{label}</td><td class=\"num\">{}</td></tr>",
            thousands(n)
        );
    }
    o.push_str("</tbody></table>\n</section>\n");
}

/// A table with a header row; cells are HTML already.
fn table(o: &mut String, head: &[&str], rows: &[&[&str]]) {
    o.push_str("<table><thead><tr>");
    for h in head {
        let _ = write!(o, "<th>{h}</th>");
    }
    o.push_str("</tr></thead><tbody>");
    for row in rows {
        o.push_str("<tr>");
        for cell in *row {
            let _ = write!(o, "<td>{cell}</td>");
        }
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table>\n");
}

/// The callout of the expression flow, and the Source cell of step 4.
///
/// The expression is proposed as it is only when the rule linter passes it.
/// Otherwise its warnings are listed and, when every one of them is
/// `contains-not-ends-with` (or the case warning that goes with it), the
/// corrected form is proposed instead, provided the linter passes that too.
fn expression_callout(o: &mut String, definition: &str) -> String {
    let lints = match compile(definition, &CompileOptions::default()) {
        Ok(compiled) => compiled.warnings,
        Err(_) => {
            // Parameters without a value (or a rule the audit could not have
            // run): nothing can be proposed without linting it.
            o.push_str(
                "<div class=\"callout\"><p>Your rule file computes UserType with this expression. \
                 This page could not check it; run <code>usertype-audit rules check</code> on the \
                 rule file and fix what it reports before you use it as the source of the inbound \
                 rule (step 4):</p>\n<pre>",
            );
            push_html(o, definition);
            o.push_str("</pre></div>\n");
            return "<i>your expression, once checked (see above)</i>".to_owned();
        }
    };
    if lints.is_empty() {
        let _ = write!(
            o,
            "<div class=\"callout\"><p>Your rule file computes UserType with this expression; \
             use it as the source of the inbound rule (step 4):</p>\n<pre {PROPOSED}>"
        );
        push_html(o, definition);
        o.push_str("</pre></div>\n");
        return format!("<code {PROPOSED}>{}</code>", html(definition));
    }

    o.push_str(
        "<div class=\"callout warn-callout\"><p><b>Do not paste your expression as it is: the rule \
         linter flags it.</b></p>\n<pre>",
    );
    push_html(o, definition);
    o.push_str("</pre>\n<ul class=\"lints\">\n");
    for lint in &lints {
        let (line, column) = line_col(definition, lint.span.start as usize);
        let _ = write!(o, "<li>{line}:{column}: <code>{}</code> ", lint.code);
        push_html(o, &cap(&lint.message));
        o.push_str("</li>\n");
    }
    o.push_str("</ul>\n");
    let cell = match ends_with_form(definition) {
        Some(corrected) => {
            let _ = write!(
                o,
                "<p>The corrected form compares the end of the value instead of searching it, so \
                 a domain suffix matches only at the end (Microsoft's example on Learn has the same \
                 flaw: with <code>InStr(\u{2026})=0</code>, <code>x@partners.fabrikam123.org.evil.com</code> \
                 is a Guest too). Re-run this audit with it as the rule file before you use it: \
                 accounts that only contained the domain change type.</p>\n<pre {PROPOSED}>"
            );
            push_html(o, &corrected);
            o.push_str("</pre>\n");
            "<i>the corrected expression (see above)</i>".to_owned()
        }
        None => {
            o.push_str(
                "<p>Fix these warnings, run <code>usertype-audit rules check</code> and this audit \
                 again, then use the expression as the source of the inbound rule (step 4).</p>\n",
            );
            "<i>your expression, once the warnings are fixed (see above)</i>".to_owned()
        }
    };
    o.push_str("</div>\n");
    cell
}

/// `source` with every `InStr(value, "@domain")` compared with 0 rewritten
/// as a comparison of the value's end (`Right(value, n) = "@domain"`, `<>`
/// for "does not contain"), if that leaves the rule linter nothing to say.
fn ends_with_form(source: &str) -> Option<String> {
    let expr = parse(source).ok()?;
    let mut edits = Vec::new();
    collect_ends_with_edits(&expr, source, &mut edits);
    if edits.is_empty() {
        return None;
    }
    // Spans of distinct comparisons do not overlap: apply from the end.
    edits.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
    let mut out = source.to_owned();
    for (span, text) in edits {
        let range = span.start as usize..span.end as usize;
        out.get(range.clone())?;
        out.replace_range(range, &text);
    }
    match compile(&out, &CompileOptions::default()) {
        Ok(compiled) if compiled.warnings.is_empty() => Some(out),
        _ => None,
    }
}

fn collect_ends_with_edits(e: &Expr, source: &str, edits: &mut Vec<(Span, String)>) {
    match &e.kind {
        ExprKind::Binary { op, lhs, rhs, .. } => {
            let zero = |x: &Expr| matches!(x.kind, ExprKind::Num { value: 0, .. });
            // `InStr(...) op 0` or `0 op InStr(...)`: does it mean "contains"?
            let (call, contains) = match (zero(lhs), zero(rhs), op) {
                (false, true, BinOp::Eq) | (true, false, BinOp::Eq) => {
                    (lhs_or_rhs(lhs, rhs), false)
                }
                (false, true, BinOp::Ne | BinOp::Gt) => (lhs.as_ref(), true),
                (true, false, BinOp::Ne | BinOp::Lt) => (rhs.as_ref(), true),
                _ => {
                    collect_ends_with_edits(lhs, source, edits);
                    collect_ends_with_edits(rhs, source, edits);
                    return;
                }
            };
            if let ExprKind::Call { name, args, .. } = &call.kind {
                if let [hay, needle] = args.as_slice() {
                    if let (true, ExprKind::Str(text)) = (
                        matches!(name.as_str(), "InStr" | "InStrRev" | "InstrRev"),
                        &needle.kind,
                    ) {
                        if text.starts_with('@') {
                            let replacement = format!(
                                "Right({},{}){}{}",
                                hay.span.text(source),
                                text.chars().count(),
                                if contains { "=" } else { "<>" },
                                needle.span.text(source)
                            );
                            edits.push((e.span, replacement));
                            return;
                        }
                    }
                }
            }
            collect_ends_with_edits(lhs, source, edits);
            collect_ends_with_edits(rhs, source, edits);
        }
        ExprKind::Call { args, .. } => {
            for arg in args {
                collect_ends_with_edits(arg, source, edits);
            }
        }
        _ => {}
    }
}

/// The side of an `= 0` comparison that is not the zero.
fn lhs_or_rhs<'e>(lhs: &'e Expr, rhs: &'e Expr) -> &'e Expr {
    if matches!(lhs.kind, ExprKind::Num { value: 0, .. }) {
        rhs
    } else {
        lhs
    }
}

fn inputs(o: &mut String, s: &AuditSummary) {
    o.push_str(
        "<section id=\"inputs\">\n<h2>Inputs</h2>\n<div class=\"table-wrap\"><table><thead><tr>\
         <th>Role</th><th>Path</th><th>Format</th><th class=\"num\">Size</th><th>BLAKE3</th>\
         </tr></thead><tbody>\n",
    );
    for input in &s.inputs {
        o.push_str("<tr><td>");
        push_html(o, input.role);
        o.push_str("</td><td class=\"mono\">");
        push_html(o, &input.path);
        o.push_str("</td><td>");
        push_html(o, &input.format);
        let _ = write!(
            o,
            "</td><td class=\"num\" title=\"{} bytes\">{}</td><td class=\"mono sub\">",
            thousands(input.bytes),
            human_bytes(input.bytes)
        );
        push_html(o, input.blake3.as_deref().unwrap_or("(standard input)"));
        o.push_str("</td></tr>\n");
    }
    o.push_str("</tbody></table></div>\n<h3>Rule file</h3>\n<table class=\"small\"><tbody><tr><th>Path</th><td class=\"mono\">");
    let r = &s.rules;
    push_html(o, &r.path);
    o.push_str("</td></tr><tr><th>Flow</th><td>");
    push_html(o, &super::markdown::flow_description(r.flow));
    let _ = write!(
        o,
        "</td></tr><tr><th>Out-of-box scope filters</th><td>{}</td></tr><tr><th>Definition</th><td><pre>",
        if r.out_of_box_scope {
            "applied"
        } else {
            "not applied"
        }
    );
    push_html(o, &r.definition);
    o.push_str("</pre></td></tr></tbody></table>\n</section>\n");
}

fn diagnostics(o: &mut String, s: &AuditSummary) {
    o.push_str("<section id=\"diagnostics\">\n<h2>Input diagnostics</h2>\n");
    if s.diagnostics.is_empty() {
        o.push_str("<p>No input diagnostics.</p>\n");
    } else {
        o.push_str("<p>Problems the readers found in the input files, by kind.</p>\n");
        breakdown(o, "Diagnostic", "Count", &s.diagnostics);
        o.push('\n');
    }
    o.push_str("</section>\n");
}

fn footer(o: &mut String, s: &AuditSummary) {
    o.push_str("<footer>");
    push_html(o, &s.tool);
    if let Some(at) = &s.generated_at {
        o.push_str(" \u{b7} generated ");
        push_html(o, at);
    }
    if let Some(secs) = s.elapsed_seconds {
        let _ = write!(o, " \u{b7} {secs:.1} s");
    }
    o.push_str("</footer>\n");
}

fn severity_title(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Info => "Info",
    }
}

fn severity_color(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "#a4161a",
        Severity::High => "#d9480f",
        Severity::Medium => "#f59f00",
        Severity::Low => "#1c7ed6",
        Severity::Info => "#868e96",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_example_is_flagged_and_its_correction_is_the_example_shown() {
        let learn = compile(LEARN_EXPRESSION, &CompileOptions::default()).expect("compiles");
        let codes: Vec<_> = learn.warnings.iter().map(|l| l.code).collect();
        assert_eq!(codes, ["contains-not-ends-with"]);
        assert_eq!(
            ends_with_form(LEARN_EXPRESSION).as_deref(),
            Some(EXAMPLE_EXPRESSION)
        );
        let example = compile(EXAMPLE_EXPRESSION, &CompileOptions::default()).expect("compiles");
        assert!(example.warnings.is_empty(), "{:?}", example.warnings);
    }

    #[test]
    fn the_corrected_example_tests_the_end_of_the_upn() {
        use crate::classify::expr::Value;
        use crate::read::{OwnedAttr, OwnedEntry, Value as Bytes, ValueKind};
        let program = compile(EXAMPLE_EXPRESSION, &CompileOptions::default())
            .expect("compiles")
            .program;
        let learn = compile(LEARN_EXPRESSION, &CompileOptions::default())
            .expect("compiles")
            .program;
        let user = |upn: Option<&str>| OwnedEntry {
            dn: b"CN=x,DC=contoso,DC=com".to_vec(),
            line: 1,
            byte: 0,
            attrs: upn
                .map(|upn| OwnedAttr {
                    name: "userPrincipalName".into(),
                    values: vec![Bytes {
                        bytes: upn.as_bytes().to_vec(),
                        kind: ValueKind::Plain,
                    }],
                })
                .into_iter()
                .collect(),
        };
        for (upn, corrected, learns) in [
            ("ann@partners.fabrikam123.org", "Guest", "Guest"),
            ("ANN@Partners.Fabrikam123.ORG", "Guest", "Guest"),
            ("x@partners.fabrikam123.org.evil.com", "Member", "Guest"),
            ("bob@contoso.com", "Member", "Member"),
            ("@partners.fabrikam123.org", "Guest", "Guest"),
            ("partners.fabrikam123.org", "Member", "Member"),
        ] {
            let entry = user(Some(upn));
            assert_eq!(
                program.eval_owned(&entry),
                Ok(Value::str(corrected)),
                "{upn}"
            );
            assert_eq!(learn.eval_owned(&entry), Ok(Value::str(learns)), "{upn}");
        }
        assert!(
            program.eval_owned(&user(None)).is_err(),
            "no UPN fails to sync"
        );
    }

    #[test]
    fn only_searches_for_a_domain_compared_with_zero_are_rewritten() {
        let fixed = |s: &str| ends_with_form(s);
        assert_eq!(
            fixed(r#"IIF(InStr([mail],"@partner.example")>0,"Guest","Member")"#).as_deref(),
            Some(r#"IIF(Right([mail],16)="@partner.example","Guest","Member")"#)
        );
        assert_eq!(
            fixed(r#"IIF(0<>InStr(LCase([mail]),"@p.example"),"Guest","Member")"#).as_deref(),
            Some(r#"IIF(Right(LCase([mail]),10)="@p.example","Guest","Member")"#)
        );
        // Not a domain, a start position, or nothing to fix: no proposal.
        assert_eq!(
            fixed(r#"IIF(InStr(LCase([mail]),"partner")>0,"Guest","Member")"#),
            None
        );
        assert_eq!(
            fixed(r#"IIF(InStr([mail],"@p.example",2)>0,"Guest","Member")"#),
            None
        );
        assert_eq!(fixed(r#"IIF(Left([mail],1)="x","Guest","Member")"#), None);
        // A rewrite the linter still flags is not proposed.
        let still_flagged =
            r#"IIF(InStr([mail],"@p.example")>0 && InStr([cn],"X")>0,"Guest","Member")"#;
        let lints = compile(still_flagged, &CompileOptions::default()).expect("compiles");
        assert!(
            lints
                .warnings
                .iter()
                .any(|l| l.code == "case-sensitive-search"
                    && l.span.text(still_flagged).contains('X'))
        );
        assert_eq!(fixed(still_flagged), None);
        assert_eq!(fixed("IIF("), None);
    }

    #[test]
    fn cap_keeps_short_values_and_cuts_long_ones_on_a_character_boundary() {
        assert!(matches!(cap("short"), Cow::Borrowed("short")));
        let exact = "ü".repeat(MAX_VALUE_CHARS);
        assert_eq!(cap(&exact), exact.as_str(), "1,024 characters fit");
        let long = "ü".repeat(MAX_VALUE_CHARS + 1);
        let cut = cap(&long);
        assert_eq!(cut.chars().count(), MAX_VALUE_CHARS);
        assert_eq!(cut, format!("{}…", "ü".repeat(MAX_VALUE_CHARS - 1)));
        assert_eq!(cap(""), "");
    }

    fn json(s: &str) -> String {
        let mut out = Vec::new();
        push_json_str(&mut out, s);
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn json_strings_cannot_end_the_script_and_parse_back() {
        for s in [
            "</script><script>alert(1)</script>",
            "<!-- <script>",
            "a\u{2028}b\u{2029}c",
            "quote \" backslash \\ tab \t nl \n cr \r nul \0 us \u{1f} del \u{7f}",
            "é\u{20ac}\u{1f600} \u{e2}",
            "",
        ] {
            let text = json(s);
            for bad in ["<", ">", "&", "\u{2028}", "\u{2029}", "\0", "\n"] {
                assert!(!text.contains(bad), "{bad:?} in {text}");
            }
            let back: String = serde_json::from_str(&text).expect("valid JSON");
            assert_eq!(back, s);
        }
        assert_eq!(json("a\u{2028}"), "\"a\\u2028\"");
        assert_eq!(json("<&>"), "\"\\u003c\\u0026\\u003e\"");
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        for n in [0, 7, 10, 99, 100, 4_294_967_295] {
            let mut out = Vec::new();
            push_number(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
        }
    }

    #[test]
    fn a_dn_splits_after_its_first_rdn_only_at_an_unescaped_comma() {
        assert_eq!(first_rdn_end("CN=a,OU=b"), Some(4));
        let dn = r"CN=Müller\, Jörg,OU=b";
        assert_eq!(first_rdn_end(dn), dn.find(",OU"));
        assert_eq!(first_rdn_end(r"CN=a\\,OU=b"), Some(6));
        assert_eq!(first_rdn_end("CN=alone"), None);
    }

    /// Decodes one cell as the format documents it.
    fn decode(cell: &serde_json::Value, strings: &[String], upn: Option<&str>) -> Option<String> {
        let part = |v: &serde_json::Value| match v {
            serde_json::Value::Number(n) => strings[n.as_u64().unwrap() as usize].clone(),
            serde_json::Value::String(s) => s.clone(),
            other => panic!("{other}"),
        };
        match cell {
            serde_json::Value::Null => None,
            serde_json::Value::Bool(true) => upn.map(str::to_owned),
            serde_json::Value::Array(p) => Some(part(&p[0]) + &part(&p[1])),
            other => Some(part(other)),
        }
    }

    #[test]
    fn every_encoding_round_trips_odd_values() {
        let values = [
            None,
            Some(""),
            Some("@"),
            Some("a@"),
            Some("@b"),
            Some(":"),
            Some("file:"),
            Some(":12"),
            Some(","),
            Some("CN=x,"),
            Some(",OU=y"),
            Some("CN=a,OU=b"),
            Some("a@b.example"),
            Some("C:\\x.ldf:7"),
        ];
        let upn = Some("a@b.example");
        for encoding in ENCODINGS {
            let mut strings = Strings::default();
            let mut out = Vec::new();
            out.push(b'[');
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                push_cell(&mut out, &mut strings, encoding, *v, upn);
            }
            out.push(b']');
            let cells: Vec<serde_json::Value> = serde_json::from_slice(&out).expect("json");
            let table: Vec<String> = strings.in_order.iter().map(|s| s.to_string()).collect();
            for (cell, want) in cells.iter().zip(values) {
                assert_eq!(decode(cell, &table, upn).as_deref(), want, "{cell}");
            }
        }
    }
}
