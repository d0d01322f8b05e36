//! Distinguished names (RFC 4514 string form, as AD, ldifde and csvde
//! write them): split into RDNs and attribute-value pairs, escape, unescape,
//! parent and subtree tests. Every stage that reads or writes a DN goes
//! through this module, so a DN is split and escaped one way everywhere.
//!
//! Splitting works on the DN as written, without copying: an RDN boundary
//! is a comma not escaped by a backslash (`CN=Smith\, John,OU=x` has two
//! RDNs). Values keep their escapes until [`unescape_value`] is asked for,
//! because the expression language's `DNComponent` returns them as written
//! (AD writes a conflict-mangled name's line feed as `\0A`, and Connect's
//! out-of-box rule searches for that text).
//!
//! Sources: RFC 4514 (LDAP string representation of distinguished names,
//! <https://www.rfc-editor.org/rfc/rfc4514>) and Microsoft Learn,
//! "Distinguished Names" (the characters AD escapes, which add `=` to
//! RFC 4514's list: <https://learn.microsoft.com/previous-versions/windows/desktop/ldap/distinguished-names>).

use std::borrow::Cow;
use std::fmt;

/// The RDNs of a DN, split at unescaped commas and trimmed, each with its
/// byte offset in `dn`. An empty or all-space DN has none.
pub fn components(dn: &str) -> impl Iterator<Item = (usize, &str)> + Clone + '_ {
    let b = dn.as_bytes();
    let mut pos = 0;
    let mut done = dn.trim().is_empty();
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let start = pos;
        let end = next_unescaped(b, start, b',');
        pos = end + 1;
        done = end >= b.len();
        let (lead, part) = trim(dn.get(start..end).unwrap_or(""));
        Some((start + lead, part))
    })
}

/// The index of the first unescaped `sep` at or after `from`, or `b.len()`.
/// A backslash escapes the byte after it (for `\XX` the hex digits are
/// never separators anyway), so a boundary found is always a char boundary.
fn next_unescaped(b: &[u8], from: usize, sep: u8) -> usize {
    let mut i = from;
    while i < b.len() && b[i] != sep {
        i += if b[i] == b'\\' { 2 } else { 1 };
    }
    i.min(b.len())
}

/// `s` without white space around it, keeping an escaped trailing space
/// (`a\ ` stays `a\ `: RFC 4514 escapes a value's trailing space), and
/// the number of bytes cut from its start.
fn trim(s: &str) -> (usize, &str) {
    let start = s.trim_start();
    let mut end = start.len();
    while let Some(c) = start[..end].chars().next_back() {
        let before = end - c.len_utf8();
        if !c.is_whitespace() || escaped(&start.as_bytes()[..before]) {
            break;
        }
        end = before;
    }
    (s.len() - start.len(), &start[..end])
}

/// The attribute type and value of one attribute-value pair (`cn = Joe` →
/// (`cn`, 5, `Joe`)): both trimmed, the value as written with the byte
/// offset where it starts. Without an unescaped `=` the type is empty and
/// the value is the whole text.
pub fn split_ava(ava: &str) -> (&str, usize, &str) {
    let at = next_unescaped(ava.as_bytes(), 0, b'=');
    match (ava.get(..at), ava.get(at + 1..)) {
        (Some(attr), Some(value)) => {
            let (lead, value) = trim(value);
            (attr.trim(), at + 1 + lead, value)
        }
        _ => ("", 0, ava),
    }
}

/// The byte range in the DN of the value of the RDN found at `offset`
/// (the whole RDN after its first unescaped `=`, `+` included).
pub fn value_range(offset: usize, rdn: &str) -> (usize, usize) {
    let (_, at, value) = split_ava(rdn);
    (offset + at, offset + at + value.len())
}

/// The attribute-value pairs of one RDN: one, or several joined by
/// unescaped `+` (a multi-valued RDN such as `CN=Ann+UID=ann`), each split
/// by [`split_ava`].
pub fn avas(rdn: &str) -> impl Iterator<Item = (&str, &str)> + '_ {
    let b = rdn.as_bytes();
    let mut pos = 0;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let start = pos;
        let end = next_unescaped(b, start, b'+');
        pos = end + 1;
        done = end >= b.len();
        let (attr, _, value) = split_ava(rdn.get(start..end).unwrap_or(""));
        Some((attr, value))
    })
}

/// The byte offset of the comma that ends the first RDN (the first one not
/// escaped by a backslash), if any.
pub fn first_separator(dn: &str) -> Option<usize> {
    let at = next_unescaped(dn.as_bytes(), 0, b',');
    (at < dn.len()).then_some(at)
}

/// The parent of a DN: everything after its first unescaped comma, or ""
/// for a DN of one RDN.
pub fn parent(dn: &str) -> &str {
    let at = next_unescaped(dn.as_bytes(), 0, b',');
    dn.get(at + 1..).map_or("", str::trim_start)
}

/// Whether `dn` is `ancestor` or below it: compared at an RDN boundary,
/// ASCII case-insensitively (attribute types and AD's values compare that
/// way), spaces around the RDN separators ignored on both sides.
pub fn is_under(dn: &str, ancestor: &str) -> bool {
    let dn = squeeze(dn);
    let ou = squeeze(ancestor);
    if ou.is_empty() || dn.len() < ou.len() {
        return false;
    }
    let split = dn.len() - ou.len();
    if !dn.is_char_boundary(split) || !dn[split..].eq_ignore_ascii_case(&ou) {
        return false;
    }
    // The ancestor must start at an RDN boundary: an unescaped comma before it.
    split == 0 || (dn.as_bytes()[split - 1] == b',' && !escaped(&dn.as_bytes()[..split - 1]))
}

/// Whether the byte after `prefix` is escaped (an odd run of backslashes ends `prefix`).
fn escaped(prefix: &[u8]) -> bool {
    prefix.iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 1
}

/// The DN without spaces around RDN separators (borrowed when it has none,
/// as exports write DNs: this runs per account under OU filtering).
fn squeeze(dn: &str) -> Cow<'_, str> {
    if dn.trim() == dn && !dn.contains(", ") && !dn.contains(" ,") {
        return Cow::Borrowed(dn);
    }
    let mut out = String::with_capacity(dn.len());
    let mut after_comma = false;
    for c in dn.trim().chars() {
        if after_comma && c == ' ' {
            continue;
        }
        after_comma = c == ',';
        if after_comma {
            while out.ends_with(' ') && !out.ends_with("\\ ") {
                out.pop();
            }
        }
        out.push(c);
    }
    Cow::Owned(out)
}

/// Appends `value` escaped as an RDN attribute value: a backslash before
/// `, + " \ < > ; =`, before a leading space or `#` and before a trailing
/// space (RFC 4514 section 2.4, plus `=` as AD escapes it), and NUL as `\00`.
pub fn escape_value_into(value: &str, out: &mut String) {
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        if c == '\0' {
            out.push_str("\\00");
            continue;
        }
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=')
            || (i == 0 && (c == ' ' || c == '#'))
            || (i == last && c == ' ');
        if special {
            out.push('\\');
        }
        out.push(c);
    }
}

/// [`escape_value_into`] into a new string.
pub fn escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    escape_value_into(value, &mut out);
    out
}

/// What is wrong with an escaped DN value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnescapeError {
    /// A backslash at this byte offset is followed by neither a character
    /// nor two hex digits (a DN cut after its backslash).
    DanglingEscape(usize),
    /// The `\XX` escapes spell bytes that are not UTF-8.
    NotUtf8,
}

impl fmt::Display for UnescapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnescapeError::DanglingEscape(at) => write!(
                f,
                "the backslash at byte {at} escapes nothing (a DN value ends in `\\` or a lone hex digit): re-export the entry"
            ),
            UnescapeError::NotUtf8 => f.write_str(
                "the value's \\XX escapes are not UTF-8: the export was written in another encoding",
            ),
        }
    }
}

impl std::error::Error for UnescapeError {}

/// The value with its escapes resolved: `\XX` (two hex digits) is that byte,
/// `\c` is `c` (RFC 4514 section 3). Borrowed when there is nothing to resolve.
pub fn unescape_value(value: &str) -> Result<Cow<'_, str>, UnescapeError> {
    if !value.contains('\\') {
        return Ok(Cow::Borrowed(value));
    }
    let b = value.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        match b.get(i + 1) {
            None => return Err(UnescapeError::DanglingEscape(i)),
            Some(&hi) if hi.is_ascii_hexdigit() => {
                // `\XX`: a hex pair is the only escape starting with a hex digit.
                let byte = b
                    .get(i + 2)
                    .and_then(|&lo| Some(hex_digit(hi)? * 16 + hex_digit(lo)?))
                    .ok_or(UnescapeError::DanglingEscape(i))?;
                out.push(byte);
                i += 3;
            }
            // `\c`: the character itself (a multi-byte character's other
            // bytes follow as ordinary bytes).
            Some(&c) => {
                out.push(c);
                i += 2;
            }
        }
    }
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| UnescapeError::NotUtf8)
}

fn hex_digit(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// One attribute-value pair of a parsed DN, its value unescaped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ava<'a> {
    /// The attribute type as written (`CN`, `ou`, an OID).
    pub attr: &'a str,
    /// The value, escapes resolved.
    pub value: Cow<'a, str>,
}

/// A DN parsed into RDNs (leaf first), each a list of attribute-value pairs.
/// Fails on an RDN without `=` or with an empty type, or a bad escape.
pub fn parse(dn: &str) -> Result<Vec<Vec<Ava<'_>>>, ParseError> {
    let mut rdns = Vec::new();
    for (offset, rdn) in components(dn) {
        let mut pairs = Vec::new();
        for (attr, value) in avas(rdn) {
            if attr.is_empty() {
                return Err(ParseError::NoType { offset });
            }
            let value =
                unescape_value(value).map_err(|e| ParseError::Value { offset, error: e })?;
            pairs.push(Ava { attr, value });
        }
        rdns.push(pairs);
    }
    Ok(rdns)
}

/// Why [`parse`] failed, with the byte offset of the RDN in the DN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// An RDN (or one of its `+` parts) has no `type=` before its value.
    NoType {
        /// Byte offset of the RDN.
        offset: usize,
    },
    /// A value's escapes are malformed.
    Value {
        /// Byte offset of the RDN.
        offset: usize,
        /// What is wrong.
        error: UnescapeError,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::NoType { offset } => write!(
                f,
                "the RDN at byte {offset} has no attribute type (expected `type=value`, such as `CN=Ann`)"
            ),
            ParseError::Value { offset, error } => {
                write!(f, "the RDN at byte {offset}: {error}")
            }
        }
    }
}

impl std::error::Error for ParseError {}

#[cfg(test)]
#[path = "dn_tests.rs"]
mod tests;
