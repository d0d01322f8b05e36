//! Escaping for the formats a plan writes: PowerShell strings and comments,
//! LDIF values and DNs (RFC 2849), and a URL path segment.

use base64::Engine;

/// The characters PowerShell takes for a single quote: the ASCII one and
/// the typographic ones (U+2018 to U+201B), any of which ends a
/// single-quoted string unless doubled.
fn is_ps_single_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
}

/// `value` as a PowerShell single-quoted string: nothing in it is expanded,
/// and every quote character is doubled (PowerShell reads a doubled quote
/// as that quote).
pub fn ps_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if is_ps_single_quote(c) {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// `text` made safe for a `#` comment line: line breaks and other control
/// characters (which would end the comment and start code) are written as
/// `\u{..}`, and the text stays on one line.
pub fn ps_comment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether RFC 2849 lets `value` be written as is (a SAFE-STRING that does
/// not end with a space); otherwise it must be base64 (`attr:: ...`).
pub fn ldif_safe(value: &[u8]) -> bool {
    let Some((&first, _)) = value.split_first() else {
        return true;
    };
    let init_ok = first < 0x80 && !matches!(first, 0 | b'\n' | b'\r' | b' ' | b':' | b'<');
    init_ok
        && value
            .iter()
            .all(|&b| b < 0x80 && !matches!(b, 0 | b'\n' | b'\r'))
        && value.last() != Some(&b' ')
}

/// One LDIF line `name: value`, or `name:: base64` where RFC 2849 requires
/// it (and for an empty value, written `name:` by the RFC's grammar).
pub fn ldif_line(out: &mut String, name: &str, value: &[u8]) {
    out.push_str(name);
    if ldif_safe(value) {
        out.push(':');
        if !value.is_empty() {
            out.push(' ');
            // Safe bytes are ASCII.
            out.extend(value.iter().map(|&b| b as char));
        }
    } else {
        out.push_str(":: ");
        out.push_str(&base64::engine::general_purpose::STANDARD.encode(value));
    }
    out.push('\n');
}

/// `segment` for a URL path: every byte outside RFC 3986's unreserved set
/// is percent-encoded (an object id is a GUID and passes unchanged).
pub fn url_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powershell_quotes_are_doubled_whatever_their_form() {
        assert_eq!(ps_quote("O'Brien"), "'O''Brien'");
        assert_eq!(ps_quote("a\u{2019}b"), "'a\u{2019}\u{2019}b'");
        assert_eq!(ps_quote("$(rm -r /)"), "'$(rm -r /)'");
        assert_eq!(ps_quote(""), "''");
    }

    #[test]
    fn a_comment_stays_on_its_line() {
        assert_eq!(ps_comment("a\r\nb"), "a\\u{d}\\u{a}b");
        assert_eq!(ps_comment("x\u{2028}y"), "x\\u{2028}y");
    }

    #[test]
    fn ldif_values_are_base64_where_the_rfc_requires() {
        let line = |v: &[u8]| {
            let mut s = String::new();
            ldif_line(&mut s, "a", v);
            s
        };
        assert_eq!(line(b"Guest"), "a: Guest\n");
        assert_eq!(line(b" lead"), "a:: IGxlYWQ=\n");
        assert_eq!(line(b"trail "), "a:: dHJhaWwg\n");
        assert_eq!(line(b":x"), "a:: Ong=\n");
        assert_eq!(line(b"<x"), "a:: PHg=\n");
        assert_eq!(line("é".as_bytes()), "a:: w6k=\n");
        assert_eq!(line(b"a\nb"), "a:: YQpi\n");
        assert_eq!(line(b""), "a:\n");
    }

    #[test]
    fn url_segments_encode_all_but_unreserved() {
        assert_eq!(
            url_segment("0b6f5a1e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"),
            "0b6f5a1e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
        );
        assert_eq!(url_segment("a/b?c d"), "a%2Fb%3Fc%20d");
    }
}
