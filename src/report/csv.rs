//! `findings.csv`: the findings as a spreadsheet, safe to open in Excel.
//!
//! # Format
//!
//! * UTF-8 **with a byte-order mark** (`EF BB BF`). Excel opens a UTF-8 CSV by
//!   double-click correctly only with a BOM; without it, it decodes the file in
//!   the Windows ANSI code page and names such as `Müller` or `Łukasz` turn
//!   into mojibake. The audience of this file is administrators with Excel;
//!   scripts should read `findings.jsonl`. The `csv` crate, pandas and
//!   Python's `utf-8-sig` codec skip the BOM; a reader that does not sees the
//!   first column as `\u{feff}kind`.
//! * RFC 4180: comma-separated, records end with `\r\n` (CRLF), fields that
//!   contain a comma, a double quote, CR or LF are enclosed in double quotes
//!   and inner quotes doubled. Newlines inside values are kept (quoted).
//! * A header row, then one row per finding, columns in this order:
//!   `id, kind, severity, dn, upn, source_anchor, cloud_id, cloud_upn,
//!   intended_user_type, cloud_user_type, matched_by, rule, source, detail,
//!   waiver` (meanings in [`super::row`]). A missing value is an empty field (CSV
//!   cannot tell null from `""`; `findings.jsonl` can).
//! * Rows are in the audit's order; `info` findings only with
//!   [`super::Report::include_info`].
//!
//! # Formula neutralisation (CSV injection)
//!
//! Values come from the directory and the cloud, which an attacker (a partner
//! editing their own display name, say) may control. Spreadsheet programs
//! evaluate a cell that starts with `=`, `+`, `-` or `@` as a formula (and a
//! leading tab or CR can hide one), so `=HYPERLINK("http://evil","click")`
//! in a UPN would become a live link. As OWASP recommends, every free-text
//! value that starts with `=`, `+`, `-`, `@`, tab (`\t`) or carriage return
//! (`\r`) is written with a single quote `'` in front, and is otherwise
//! unchanged: `=HYPERLINK(...)` is written `'=HYPERLINK(...)`, `-2` is
//! written `'-2`. Excel then shows the text instead of running it.
//!
//! A value that itself starts with `'` gets the prefix too, which makes the
//! rule reversible: **a value that starts with `'` had exactly one `'` added;
//! drop it to get the original** (`''t Hooft` → `'t Hooft`).
//!
//! **Identifier columns are written exactly**, so a script gets the same
//! anchor or id as `findings.jsonl`: `source_anchor` (a base64 ImmutableId,
//! which may start with `+`), `cloud_id` (a GUID), and the tool's own names
//! `id`, `kind`, `severity` and `matched_by`. An identifier is written exactly when
//! it is made only of the characters identifiers use (ASCII letters, digits,
//! `+ / = - _ . { }`) and does not start with `=`; such a cell holds no
//! function call, link or command, so a spreadsheet can at worst show it as a
//! number or an error. A value in those columns that is not shaped like an
//! identifier (an export can hold anything) is guarded like free text. The
//! free-text columns, always guarded, are `dn`, `upn`, `cloud_upn`,
//! `intended_user_type`, `cloud_user_type`, `rule`, `source`, `detail` and
//! `waiver`.

use std::borrow::Cow;
use std::io::{self, Write};

use super::row::{FindingRow, COLUMNS};
use crate::findings::Finding;

/// The file name.
pub const FILE_NAME: &str = "findings.csv";

/// The UTF-8 byte-order mark written first.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Writes the BOM, the header and `findings` to `w` (buffer it); returns how
/// many rows (header excluded) were written.
pub fn write_csv<'a, W: Write>(
    mut w: W,
    findings: impl IntoIterator<Item = &'a Finding>,
) -> io::Result<u64> {
    w.write_all(BOM)?;
    let mut header = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(&mut w);
    header.write_record(COLUMNS).map_err(csv_error)?;
    header.flush()?;
    drop(header);
    let findings: Vec<&Finding> = findings.into_iter().collect();
    super::write_in_parallel(&mut w, &findings, |run, out| {
        let mut rows = ::csv::WriterBuilder::new()
            .terminator(::csv::Terminator::CRLF)
            .from_writer(out);
        for f in run {
            let row = FindingRow::new(f);
            let mut column = 0;
            let fields = row.values().map(|v| {
                let v = v.unwrap_or("");
                let exact = EXACT_COLUMNS[column] && is_identifier(v);
                column += 1;
                if exact {
                    Cow::Borrowed(v)
                } else {
                    neutralise(v)
                }
            });
            rows.write_record(fields.iter().map(|f| f.as_bytes()))
                .map_err(csv_error)?;
        }
        rows.flush()
    })?;
    w.flush()?;
    Ok(findings.len() as u64)
}

/// Which of [`COLUMNS`] hold identifiers or the tool's own names, written
/// exactly when [`is_identifier`] (see the module doc).
const EXACT_COLUMNS: [bool; COLUMNS.len()] = {
    let mut exact = [false; COLUMNS.len()];
    exact[0] = true; // id
    exact[1] = true; // kind
    exact[2] = true; // severity
    exact[5] = true; // source_anchor
    exact[6] = true; // cloud_id
    exact[10] = true; // matched_by
    exact
};

/// Whether `value` is shaped like an identifier (a base64 anchor, a GUID, a
/// SID, one of the tool's snake_case names): non-empty, only ASCII letters,
/// digits and `+ / = - _ . { }`, not starting with `=`. Such a value is no
/// formula a spreadsheet could run, and is written to the CSV exactly.
pub fn is_identifier(value: &str) -> bool {
    !value.is_empty()
        && !value.starts_with('=')
        && value.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_' | b'.' | b'{' | b'}')
        })
}

/// Appends an identifier field to `out`: exactly when [`is_identifier`],
/// else as [`push_field`] does.
pub fn push_identifier_field(out: &mut Vec<u8>, value: &str) {
    if is_identifier(value) {
        out.extend_from_slice(value.as_bytes());
    } else {
        push_field(out, value);
    }
}

/// The value as written to the CSV: `'` added in front of a value that a
/// spreadsheet could take for a formula (see the module doc), else unchanged.
pub fn neutralise(value: &str) -> Cow<'_, str> {
    match value.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r' | b'\'') => {
            let mut s = String::with_capacity(value.len() + 1);
            s.push('\'');
            s.push_str(value);
            Cow::Owned(s)
        }
        _ => Cow::Borrowed(value),
    }
}

/// Appends `value` as one CSV field to `out`: neutralised like
/// [`neutralise`] and quoted when it holds a comma, a quote or a line break
/// (RFC 4180, as the `csv` crate writes it). For hot paths that build rows
/// by hand; allocates nothing.
pub fn push_field(out: &mut Vec<u8>, value: &str) {
    let risky = matches!(
        value.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r' | b'\'')
    );
    let quote = value
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'));
    if quote {
        out.push(b'"');
    }
    if risky {
        out.push(b'\'');
    }
    if quote {
        for part in value.split('"').enumerate() {
            if part.0 > 0 {
                out.extend_from_slice(b"\"\"");
            }
            out.extend_from_slice(part.1.as_bytes());
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(value.as_bytes());
    }
}

fn csv_error(e: ::csv::Error) -> io::Error {
    match e.into_kind() {
        ::csv::ErrorKind::Io(e) => e,
        other => io::Error::new(io::ErrorKind::InvalidData, format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_field_quotes_and_neutralises_like_the_csv_writer() {
        let cases = [
            "plain",
            "a,b",
            "say \"hi\"",
            "=1+1",
            "-2",
            "line\nbreak",
            "",
            "@x,y",
        ];
        for v in cases {
            let mut ours = Vec::new();
            push_field(&mut ours, v);
            let mut w = ::csv::WriterBuilder::new().from_writer(Vec::new());
            w.write_record([neutralise(v).as_ref(), "z"]).unwrap();
            let theirs = w.into_inner().unwrap();
            let theirs = &theirs[..theirs.len() - b",z\n".len()];
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(theirs),
                "{v:?}"
            );
        }
    }

    #[test]
    fn identifiers_are_exact_and_anything_else_in_their_columns_is_guarded() {
        for id in [
            "+AAECAwQFBgcICQoLDA0ODw==",
            "/wECAwQFBgcICQoLDA0ODw==",
            "-1",
            "11111111-2222-3333-4444-555555555555",
            "{11111111-2222-3333-4444-555555555555}",
            "S-1-5-21-1-2-3-1100",
            "guest_as_member",
        ] {
            assert!(is_identifier(id), "{id}");
            let mut out = Vec::new();
            push_identifier_field(&mut out, id);
            assert_eq!(out, id.as_bytes());
        }
        for not_id in [
            "",
            "=A1",
            "=1+1",
            "@SUM(A1)",
            "+cmd|' /C calc'!A0",
            "a b",
            "x,y",
            "'x",
        ] {
            assert!(!is_identifier(not_id), "{not_id}");
            let (mut ours, mut guarded) = (Vec::new(), Vec::new());
            push_identifier_field(&mut ours, not_id);
            push_field(&mut guarded, not_id);
            assert_eq!(ours, guarded, "{not_id}");
        }
    }

    #[test]
    fn formula_starts_are_prefixed() {
        assert_eq!(neutralise("=1+1"), "'=1+1");
        assert_eq!(
            neutralise("=HYPERLINK(\"http://evil\")"),
            "'=HYPERLINK(\"http://evil\")"
        );
        assert_eq!(neutralise("+1"), "'+1");
        assert_eq!(neutralise("-2"), "'-2");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("\r=x"), "'\r=x");
        assert_eq!(neutralise("'t Hooft"), "''t Hooft");
    }

    #[test]
    fn ordinary_values_are_untouched() {
        for v in [
            "",
            "ann@contoso.com",
            "a=b",
            "x-1",
            "CN=Smith\\, John",
            "Müller",
            " =x",
        ] {
            assert!(matches!(neutralise(v), Cow::Borrowed(_)), "{v:?}");
            assert_eq!(neutralise(v), v);
        }
    }

    #[test]
    fn writes_bom_header_crlf_and_quotes() {
        let f = Finding {
            id: crate::findings::FindingId::parse("gam-0123456789").unwrap(),
            kind: crate::findings::Kind::GuestAsMember,
            severity: crate::findings::Severity::Critical,
            dn: Some("CN=Smith\\, John,OU=P,DC=x".into()),
            upn: Some("=cmd".into()),
            source_anchor: None,
            cloud_id: None,
            cloud_upn: None,
            intended_user_type: Some("Guest".into()),
            cloud_user_type: Some("Member".into()),
            matched_by: None,
            rule: None,
            source: None,
            detail: "line1\nline2 \"q\"".into(),
            waiver: None,
        };
        let mut out = Vec::new();
        assert_eq!(write_csv(&mut out, [&f]).unwrap(), 1);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "\u{feff}id,kind,severity,dn,upn,source_anchor,cloud_id,cloud_upn,intended_user_type,\
             cloud_user_type,matched_by,rule,source,detail,waiver\r\n\
             gam-0123456789,guest_as_member,critical,\"CN=Smith\\, John,OU=P,DC=x\",'=cmd,,,,Guest,Member,,,,\
             \"line1\nline2 \"\"q\"\"\",\r\n"
        );
    }
}
