//! LDIF conformance tests.
//!
//! * `row_NN_*`: one or more tests per row of the LDIF edge-case table
//!   (`docs/ldif-conformance.md`, 55 rows). Every expected value below is written by
//!   hand from the table's "the reader" column and the decisions taken for it; none is
//!   computed with the code under test. Base64 literals were decoded by hand /
//!   with an independent tool and the bytes are spelled out.
//! * `corpus_*`: one test per public parser test file copied verbatim into
//!   `fixtures/corpus/` (npm `ldif` RFC 2849 examples and perl-ldap `data/*.ldif`,
//!   see the `SOURCE.txt` next to them). Counts were determined by reading each
//!   file; the method is stated in a comment on each test.
//!
//! Every parse goes through [`check_invariants`], which checks among other things
//! `records == entries + change_records + referrals + trailers + rejected`.

use std::collections::BTreeMap;
use std::path::Path;

use usertype_audit::diag::{DiagKind, Diagnostic, Severity};
use usertype_audit::read::ldif::{
    parse_bytes, LdifOptions, OwnedEntry, Parsed, TrailingSpace, ValueKind,
};

/// The file name every inline fixture is parsed under.
const FILE: &str = "t.ldif";

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

/// Parse with default options and check the invariants.
fn parse(b: &[u8]) -> Parsed {
    parse_with(b, &LdifOptions::default())
}

/// Parse with the given options and check the invariants.
fn parse_with(b: &[u8], opts: &LdifOptions) -> Parsed {
    let p = parse_bytes(FILE, b, opts);
    check_invariants(&p, FILE);
    p
}

/// Errors that are about the whole file, not a record (they reject nothing).
fn is_file_level(kind: DiagKind) -> bool {
    matches!(
        kind,
        DiagKind::TruncatedExport | DiagKind::InvalidUtf16 | DiagKind::Io
    )
}

/// Checks that hold for every parse, whatever the input.
fn check_invariants(p: &Parsed, file: &str) {
    let s = &p.stats;
    assert_eq!(
        s.records,
        s.entries + s.change_records + s.referrals + s.trailers + s.rejected,
        "stats.records must be entries + change_records + referrals + trailers + rejected\n{}",
        dump(p)
    );
    assert_eq!(
        s.entries,
        p.entries.len() as u64,
        "stats.entries must equal the number of entries handed out\n{}",
        dump(p)
    );
    for d in &p.diagnostics {
        assert_eq!(&*d.file, file, "diagnostic names the wrong file: {d}");
        assert!(d.line >= 1, "lines are 1-based: {d}");
        assert_eq!(
            d.severity,
            d.kind.severity(),
            "severity must be that of the kind: {d}"
        );
    }
    // Diagnostics come in file order (NoEntries is a whole-file verdict, exempt).
    let lines: Vec<u64> = p
        .diagnostics
        .iter()
        .filter(|d| d.kind != DiagKind::NoEntries)
        .map(|d| d.line)
        .collect();
    assert!(
        lines.windows(2).all(|w| w[0] <= w[1]),
        "diagnostics must be in file order\n{}",
        dump(p)
    );
    // A record is never dropped silently: rejected records come with record-level errors.
    let record_errors = p
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error && !is_file_level(d.kind))
        .count() as u64;
    assert!(
        record_errors >= s.rejected,
        "every rejected record needs an error diagnostic\n{}",
        dump(p)
    );
    assert_eq!(
        record_errors > 0,
        s.rejected > 0,
        "a record-level error means a rejected record (and vice versa)\n{}",
        dump(p)
    );
    for e in &p.entries {
        assert!(e.line >= 1, "entry lines are 1-based: {e}");
        for a in &e.attrs {
            for reserved in ["dn", "changetype", "control", "version"] {
                assert!(
                    !a.name.eq_ignore_ascii_case(reserved),
                    "`{reserved}` must never become an attribute (entry {e})"
                );
            }
        }
    }
}

/// All diagnostics, one per line, for assertion messages.
fn dump(p: &Parsed) -> String {
    let mut s = String::from("diagnostics:\n");
    for d in &p.diagnostics {
        s.push_str(&format!("  {d}\n"));
    }
    s.push_str("entries:\n");
    for e in &p.entries {
        s.push_str(&format!("  {e}\n"));
    }
    s
}

/// Diagnostics of one kind.
fn of_kind(p: &Parsed, kind: DiagKind) -> Vec<&Diagnostic> {
    p.diagnostics.iter().filter(|d| d.kind == kind).collect()
}

/// Lines of the diagnostics of one kind, in file order.
fn lines_of(p: &Parsed, kind: DiagKind) -> Vec<u64> {
    of_kind(p, kind).iter().map(|d| d.line).collect()
}

/// Error-severity diagnostics.
fn errors(p: &Parsed) -> Vec<&Diagnostic> {
    p.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect()
}

fn assert_no_errors(p: &Parsed) {
    assert!(errors(p).is_empty(), "expected no errors\n{}", dump(p));
}

/// No diagnostics at all.
fn assert_clean(p: &Parsed) {
    assert!(
        p.diagnostics.is_empty(),
        "expected no diagnostics\n{}",
        dump(p)
    );
}

/// Every diagnostic is of one of these kinds.
fn assert_only_kinds(p: &Parsed, allowed: &[DiagKind]) {
    for d in &p.diagnostics {
        assert!(
            allowed.contains(&d.kind),
            "unexpected diagnostic {d} (allowed: {allowed:?})\n{}",
            dump(p)
        );
    }
}

/// The entries' DNs as text.
fn dns(p: &Parsed) -> Vec<String> {
    p.entries.iter().map(OwnedEntry::dn_lossy).collect()
}

/// The entries' `dn:` lines.
fn entry_lines(p: &Parsed) -> Vec<u64> {
    p.entries.iter().map(|e| e.line).collect()
}

/// The only entry (panics unless there is exactly one).
fn only_entry(p: &Parsed) -> &OwnedEntry {
    assert_eq!(
        p.entries.len(),
        1,
        "expected exactly one entry\n{}",
        dump(p)
    );
    &p.entries[0]
}

/// The values of `name` as byte slices (empty when absent).
fn values<'a>(e: &'a OwnedEntry, name: &str) -> Vec<&'a [u8]> {
    e.get(name)
        .map(|a| a.values.iter().map(|v| v.bytes.as_slice()).collect())
        .unwrap_or_default()
}

/// The kinds of the values of `name`.
fn value_kinds(e: &OwnedEntry, name: &str) -> Vec<ValueKind> {
    e.get(name)
        .map(|a| a.values.iter().map(|v| v.kind).collect())
        .unwrap_or_default()
}

/// The attribute names of an entry, in order.
fn attr_names(e: &OwnedEntry) -> Vec<&str> {
    e.attrs.iter().map(|a| a.name.as_str()).collect()
}

/// What must be equal between two parses of the same data in different
/// encodings / line endings (`byte` offsets legitimately differ).
type Comparable = Vec<(Vec<u8>, u64, Vec<(String, Vec<(Vec<u8>, ValueKind)>)>)>;

fn comparable(p: &Parsed) -> Comparable {
    p.entries
        .iter()
        .map(|e| {
            let attrs = e
                .attrs
                .iter()
                .map(|a| {
                    let vals = a.values.iter().map(|v| (v.bytes.clone(), v.kind)).collect();
                    (a.name.clone(), vals)
                })
                .collect();
            (e.dn.clone(), e.line, attrs)
        })
        .collect()
}

/// `s` as UTF-16 with a byte-order mark (what `ldifde -u` writes).
fn utf16_with_bom(s: &str, little_endian: bool) -> Vec<u8> {
    let mut out = if little_endian {
        vec![0xFF, 0xFE]
    } else {
        vec![0xFE, 0xFF]
    };
    for unit in s.encode_utf16() {
        if little_endian {
            out.extend_from_slice(&unit.to_le_bytes());
        } else {
            out.extend_from_slice(&unit.to_be_bytes());
        }
    }
    out
}

// ---------------------------------------------------------------------------
// rows 1-10: basic values, folding, FILL
// ---------------------------------------------------------------------------

#[test]
fn row_01_basic_entry() {
    let p = parse(b"dn: cn=a,dc=x\ncn: a\n\n");
    assert_clean(&p);
    let e = only_entry(&p);
    assert_eq!(e.dn, b"cn=a,dc=x");
    assert_eq!(e.line, 1);
    assert_eq!(e.byte, 0);
    assert_eq!(attr_names(e), ["cn"]);
    assert_eq!(values(e, "cn"), [b"a"]);
    assert_eq!(value_kinds(e, "cn"), [ValueKind::Plain]);
    assert_eq!(e.texts("cn"), ["a"]);
    assert_eq!(p.stats.records, 1);
    assert_eq!(p.stats.entries, 1);
    assert_eq!(p.stats.change_records, 0);
    assert_eq!(p.stats.rejected, 0);
}

#[test]
fn row_02_folded_plain_value() {
    // Unfolding removes exactly one SPACE: the second one is part of the value.
    let p = parse(b"dn: cn=a,dc=x\ndescription: hello\n  world\n");
    assert_clean(&p);
    let e = only_entry(&p);
    assert_eq!(e.texts("description"), ["hello world"]);
}

#[test]
fn row_03_fold_inside_utf8() {
    // The fold splits the two bytes of "ö" (C3 B6): unfold on bytes, validate after.
    let p = parse(b"dn: cn=a,dc=x\nsn: Str\xc3\n \xb6der\n");
    let e = only_entry(&p);
    assert_eq!(values(e, "sn"), [b"Str\xc3\xb6der"]);
    assert_eq!(e.texts("sn"), ["Str\u{f6}der"]);
    assert_eq!(value_kinds(e, "sn"), [ValueKind::Plain]);
    assert!(
        of_kind(&p, DiagKind::InvalidUtf8).is_empty(),
        "{}",
        dump(&p)
    );
    // Raw (unencoded) UTF-8: accepted with the once-per-file warning (row 29).
    assert_eq!(lines_of(&p, DiagKind::RawUtf8), [2]);
    assert_only_kinds(&p, &[DiagKind::RawUtf8]);
}

#[test]
fn row_04_folded_base64() {
    let p = parse(b"dn: cn=a,dc=x\nsn:: U3Ry\n w7ZkZXI=\n");
    assert_clean(&p);
    let e = only_entry(&p);
    assert_eq!(values(e, "sn"), [b"Str\xc3\xb6der"]);
    assert_eq!(value_kinds(e, "sn"), [ValueKind::Base64]);
}

#[test]
fn row_05_empty_value() {
    let p = parse(b"dn: cn=a,dc=x\ndescription:\n");
    assert_clean(&p);
    let e = only_entry(&p);
    assert_eq!(values(e, "description"), [b""]);
    assert_eq!(value_kinds(e, "description"), [ValueKind::Plain]);
}

#[test]
fn row_06_empty_value_with_fill() {
    // The spaces are FILL, not a trailing space of a value: one empty value, no warning.
    let input = b"dn: cn=a,dc=x\nseeAlso:   \n";
    let p = parse(input);
    assert_clean(&p);
    let e = only_entry(&p);
    assert_eq!(values(e, "seeAlso"), [b""]);
    assert_eq!(value_kinds(e, "seeAlso"), [ValueKind::Plain]);

    // Judgement: since the value is empty, `--trailing-space reject` has nothing to reject.
    let opts = LdifOptions {
        trailing_space: TrailingSpace::Reject,
        ..LdifOptions::default()
    };
    let p = parse_with(input, &opts);
    assert_clean(&p);
    assert_eq!(values(only_entry(&p), "seeAlso"), [b""]);
}

#[test]
fn row_07_empty_base64() {
    // Both spellings: nothing after `::`, and FILL only after `::`.
    for input in [
        &b"dn: cn=a,dc=x\ndescription::\n"[..],
        &b"dn: cn=a,dc=x\ndescription:: \n"[..],
    ] {
        let p = parse(input);
        let e = only_entry(&p);
        assert_eq!(values(e, "description"), [b""]);
        assert_eq!(value_kinds(e, "description"), [ValueKind::Base64]);
        assert_eq!(lines_of(&p, DiagKind::EmptyBase64), [2]);
        assert_only_kinds(&p, &[DiagKind::EmptyBase64]);
    }
}

#[test]
fn row_08_base64_without_space_after_colons() {
    let p = parse(b"dn: cn=a,dc=x\nattrib::CQAKOiVA\n");
    assert_clean(&p);
    let e = only_entry(&p);
    assert_eq!(values(e, "attrib"), [b"\t\0\n:%@"]);
    assert_eq!(value_kinds(e, "attrib"), [ValueKind::Base64]);
}

#[test]
fn row_09_plain_value_without_space_after_colon() {
    let p = parse(b"dn:cn=a,dc=x\ncn:a\n");
    assert_clean(&p);
    let e = only_entry(&p);
    assert_eq!(e.dn, b"cn=a,dc=x");
    assert_eq!(values(e, "cn"), [b"a"]);
}

#[test]
fn row_10_several_spaces_after_colon() {
    let p = parse(b"dn: cn=a,dc=x\ncn:    a\n");
    assert_clean(&p);
    assert_eq!(values(only_entry(&p), "cn"), [b"a"]);
}

// ---------------------------------------------------------------------------
// rows 11-16: trailing spaces, base64 oddities, unsafe values, URLs
// ---------------------------------------------------------------------------

#[test]
fn row_11_trailing_space_kept_by_default() {
    let p = parse(b"dn: cn=a,dc=x\ncn: a  \n");
    let e = only_entry(&p);
    assert_eq!(values(e, "cn"), [b"a  "]);
    assert_eq!(lines_of(&p, DiagKind::TrailingSpace), [2]);
    assert_only_kinds(&p, &[DiagKind::TrailingSpace]);
}

#[test]
fn row_11_trailing_space_strip() {
    let opts = LdifOptions {
        trailing_space: TrailingSpace::Strip,
        ..LdifOptions::default()
    };
    let p = parse_with(b"dn: cn=a,dc=x\ncn: a  \n", &opts);
    let e = only_entry(&p);
    assert_eq!(values(e, "cn"), [b"a"]);
    assert_eq!(lines_of(&p, DiagKind::TrailingSpace), [2]);
    assert_only_kinds(&p, &[DiagKind::TrailingSpace]);
}

#[test]
fn row_11_trailing_space_reject() {
    let opts = LdifOptions {
        trailing_space: TrailingSpace::Reject,
        ..LdifOptions::default()
    };
    let p = parse_with(b"dn: cn=a,dc=x\ncn: a  \n\ndn: cn=b,dc=x\ncn: b\n", &opts);
    assert_eq!(lines_of(&p, DiagKind::TrailingSpaceRejected), [2]);
    assert_eq!(errors(&p).len(), 1, "{}", dump(&p));
    assert_eq!(dns(&p), ["cn=b,dc=x"]);
    assert_eq!(entry_lines(&p), [4]);
    assert_eq!(p.stats.rejected, 1);
    assert_eq!(p.stats.records, 2);
}

#[test]
fn row_12_space_after_base64() {
    let p = parse(b"dn: cn=a,dc=x\ndescription:: ZG9lcyBub3Q= \n");
    let e = only_entry(&p);
    assert_eq!(values(e, "description"), [b"does not"]);
    assert_eq!(value_kinds(e, "description"), [ValueKind::Base64]);
    assert_eq!(lines_of(&p, DiagKind::SpaceAfterBase64), [2]);
    assert_only_kinds(&p, &[DiagKind::SpaceAfterBase64]);
}

#[test]
fn row_13_base64_value_ending_in_space() {
    let p = parse(b"dn: cn=a,dc=x\ndescription:: ZW5kcyB3aXRoIGEgc3BhY2Ug\n");
    assert_clean(&p);
    let e = only_entry(&p);
    assert_eq!(values(e, "description"), [b"ends with a space "]);
    assert_eq!(value_kinds(e, "description"), [ValueKind::Base64]);
}

#[test]
fn row_14_invalid_base64_is_an_error() {
    let p = parse(b"dn: cn=a,dc=x\nsn:: U3Ry!!w7ZkZXI\n\ndn: cn=b,dc=x\ncn: b\n");
    assert_eq!(lines_of(&p, DiagKind::InvalidBase64), [2]);
    assert_eq!(errors(&p).len(), 1, "{}", dump(&p));
    // Never silently decoded: the record is gone, the next one is read.
    assert_eq!(dns(&p), ["cn=b,dc=x"]);
    assert_eq!(entry_lines(&p), [4]);
    assert_eq!(p.stats.rejected, 1);
    assert_eq!(p.stats.records, 2);
}

#[test]
fn row_15_unencoded_value_starting_with_colon() {
    let p = parse(b"dn: cn=a,dc=x\ncn: :a\n");
    let e = only_entry(&p);
    assert_eq!(values(e, "cn"), [b":a"]);
    assert_eq!(value_kinds(e, "cn"), [ValueKind::Plain]);
    assert_eq!(lines_of(&p, DiagKind::UnsafeInitChar), [2]);
    assert_only_kinds(&p, &[DiagKind::UnsafeInitChar]);
}

#[test]
fn row_15_unencoded_value_starting_with_less_than() {
    // `cn: <a` is a plain value (the `<` follows FILL), not a `:<` URL.
    let p = parse(b"dn: cn=a,dc=x\ncn: <a\n");
    let e = only_entry(&p);
    assert_eq!(values(e, "cn"), [b"<a"]);
    assert_eq!(value_kinds(e, "cn"), [ValueKind::Plain]);
    assert_eq!(lines_of(&p, DiagKind::UnsafeInitChar), [2]);
    assert_only_kinds(&p, &[DiagKind::UnsafeInitChar]);
}

#[test]
fn row_16_url_value_kept_unresolved() {
    for input in [
        &b"dn: cn=a,dc=x\nphoto:< file:///etc/passwd\n"[..],
        &b"dn: cn=a,dc=x\nphoto:<file:///etc/passwd\n"[..],
    ] {
        let p = parse(input);
        let e = only_entry(&p);
        assert_eq!(values(e, "photo"), [b"file:///etc/passwd"]);
        assert_eq!(value_kinds(e, "photo"), [ValueKind::Url]);
        assert_eq!(lines_of(&p, DiagKind::UrlValue), [2]);
        assert_only_kinds(&p, &[DiagKind::UrlValue]);
    }
}

#[test]
fn row_16_url_target_is_never_read() {
    const MARKER: &str = "ROW16-MARKER-the-reader-must-never-open-this-file";
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("secret.txt");
    std::fs::write(&path, MARKER).expect("write marker file");
    let url = format!("file://{}", path.display());
    let input = format!("dn: cn=a,dc=x\nphoto:< {url}\ncn: a\n");

    let p = parse(input.as_bytes());
    let e = only_entry(&p);
    assert_eq!(values(e, "photo"), [url.as_bytes()]);
    assert_eq!(value_kinds(e, "photo"), [ValueKind::Url]);
    assert_eq!(values(e, "cn"), [b"a"]);
    assert_eq!(lines_of(&p, DiagKind::UrlValue), [2]);
    let marker = MARKER.as_bytes();
    for a in &e.attrs {
        for v in &a.values {
            assert!(
                !v.bytes.windows(marker.len()).any(|w| w == marker),
                "the URL target was read into attribute {}",
                a.name
            );
        }
    }
    for d in &p.diagnostics {
        assert!(!d.message.contains(MARKER), "the URL target was read: {d}");
    }
}

// ---------------------------------------------------------------------------
// rows 17-26: comments, blank lines, continuation lines, line ends
// ---------------------------------------------------------------------------

#[test]
fn row_17_folded_comment_before_first_record() {
    let p = parse(b"# c\n continued\ndn: cn=a,dc=x\ncn: a\n");
    assert_clean(&p);
    let e = only_entry(&p);
    assert_eq!(e.dn, b"cn=a,dc=x");
    assert_eq!(e.line, 3);
    assert_eq!(attr_names(e), ["cn"]);
    assert_eq!(p.stats.records, 1);
}

#[test]
fn row_18_folded_comment_inside_record() {
    let p = parse(b"dn: cn=a,dc=x\ncn: a\n# x\n more\nsn: b\n");
    assert_clean(&p);
    let e = only_entry(&p);
    assert_eq!(attr_names(e), ["cn", "sn"]);
    assert_eq!(values(e, "cn"), [b"a"]);
    assert_eq!(values(e, "sn"), [b"b"]);
    assert_eq!(p.stats.records, 1);
}

#[test]
fn row_19_hash_inside_value_is_not_a_comment() {
    let p = parse(b"dn: cn=a,dc=x\ncn: app1#another comment\n");
    assert_clean(&p);
    assert_eq!(values(only_entry(&p), "cn"), [b"app1#another comment"]);
}

#[test]
fn row_20_multiple_blank_lines_between_records() {
    let p = parse(b"dn: cn=a,dc=x\ncn: a\n\n\n\ndn: cn=b,dc=x\ncn: b\n");
    assert_clean(&p);
    assert_eq!(dns(&p), ["cn=a,dc=x", "cn=b,dc=x"]);
    assert_eq!(entry_lines(&p), [1, 6]);
    assert_eq!(p.stats.records, 2);
}

#[test]
fn row_21_leading_blank_lines() {
    let p = parse(b"\n\ndn: cn=a,dc=x\ncn: a\n");
    assert_clean(&p);
    let e = only_entry(&p);
    assert_eq!(e.line, 3);
    assert_eq!(values(e, "cn"), [b"a"]);
    assert_eq!(p.stats.records, 1);
}

/// No final newline: ldifde and ldapsearch end every record with a line
/// break and a blank line, so the file was cut inside its last line and the
/// record it ends may be cut short (a partner's UPN cut before its suffix
/// no longer matches the rule). The record is skipped, counted, and the cut
/// reported at the last line (issue #13 item 2; row 21 accepted it before).
#[test]
fn row_21_no_final_newline_is_a_cut_export() {
    let p = parse(b"\n\ndn: cn=a,dc=x\ncn: a\n\ndn: cn=b,dc=x\nuserPrincipalName: b@partners.fabr");
    assert_eq!(dns(&p), ["cn=a,dc=x"]);
    assert_eq!(lines_of(&p, DiagKind::TruncatedInput), [7]);
    assert_eq!(errors(&p).len(), 1, "{}", dump(&p));
    assert_eq!((p.stats.records, p.stats.rejected), (2, 1));
}

#[test]
fn row_21_trailing_blank_lines() {
    let p = parse(b"\n\ndn: cn=a,dc=x\ncn: a\n\n\n\n");
    assert_clean(&p);
    let e = only_entry(&p);
    assert_eq!(e.line, 3);
    assert_eq!(values(e, "cn"), [b"a"]);
    assert_eq!(p.stats.records, 1);
}

#[test]
fn row_22_space_only_line_between_records_is_a_continuation() {
    // Line 3 holds one SPACE: a zero-length continuation of line 2, so lines 1-5 are
    // ONE record and line 4 is its second `dn:`. Never merge silently.
    let p = parse(b"dn: cn=a,dc=x\ncn: a\n \ndn: cn=b,dc=x\ncn: b\n\ndn: cn=c,dc=x\ncn: c\n");
    assert_eq!(lines_of(&p, DiagKind::SecondDn), [4]);
    assert_eq!(errors(&p).len(), 1, "{}", dump(&p));
    assert_eq!(
        dns(&p),
        ["cn=c,dc=x"],
        "neither half of the merged record may survive"
    );
    assert_eq!(entry_lines(&p), [7]);
    assert_eq!(p.stats.rejected, 1);
    assert_eq!(p.stats.records, 2);
}

#[test]
fn row_23_continuation_line_at_file_start() {
    // The table's input verbatim. Only the error and its line are fixed by the
    // decision; whatever else is read must not carry the orphan " x".
    let p = parse(b" x\ndn: cn=a,dc=x\ncn: a\n");
    let d = of_kind(&p, DiagKind::ContinuationAtStart);
    assert_eq!(d.len(), 1, "{}", dump(&p));
    assert_eq!(d[0].line, 1);
    for e in &p.entries {
        assert_eq!(e.dn, b"cn=a,dc=x");
        assert_eq!(values(e, "cn"), [b"a"]);
    }
}

#[test]
fn row_23_continuation_line_at_record_start() {
    // Line 4 is a continuation with no line before it in its record.
    let p = parse(b"dn: cn=a,dc=x\ncn: a\n\n x\n\ndn: cn=b,dc=x\ncn: b\n");
    assert_eq!(lines_of(&p, DiagKind::ContinuationAtStart), [4]);
    assert_eq!(errors(&p).len(), 1, "{}", dump(&p));
    assert_eq!(dns(&p), ["cn=a,dc=x", "cn=b,dc=x"]);
    assert_eq!(entry_lines(&p), [1, 6]);
    assert_eq!(
        values(&p.entries[0], "cn"),
        [b"a"],
        "the orphan must not be glued to the previous record"
    );
    assert_eq!(p.stats.rejected, 1);
    assert_eq!(p.stats.records, 3);
}

#[test]
fn row_24_crlf_same_as_lf() {
    let lf: &[u8] = b"dn: cn=a,dc=x\ndescription: hel\n lo\ncn: a\n\ndn: cn=b,dc=x\ncn: b\n";
    let crlf: &[u8] =
        b"dn: cn=a,dc=x\r\ndescription: hel\r\n lo\r\ncn: a\r\n\r\ndn: cn=b,dc=x\r\ncn: b\r\n";
    let p_lf = parse(lf);
    let p_crlf = parse(crlf);
    assert_clean(&p_lf);
    assert_clean(&p_crlf);
    for p in [&p_lf, &p_crlf] {
        assert_eq!(dns(p), ["cn=a,dc=x", "cn=b,dc=x"]);
        // lines: 1 dn a, 2-3 folded description, 4 cn, 5 blank, 6 dn b
        assert_eq!(entry_lines(p), [1, 6]);
        assert_eq!(values(&p.entries[0], "description"), [b"hello"]);
        assert_eq!(values(&p.entries[0], "cn"), [b"a"]);
        assert_eq!(values(&p.entries[1], "cn"), [b"b"]);
        assert_eq!(p.stats.records, 2);
    }
    assert_eq!(comparable(&p_lf), comparable(&p_crlf));
}

#[test]
fn row_25_bare_cr_line_ends() {
    let p = parse(b"dn: cn=a,dc=x\rcn: a\r\r");
    let d = of_kind(&p, DiagKind::BareCr);
    assert!(!d.is_empty(), "expected a bare_cr error\n{}", dump(&p));
    assert_eq!(d[0].line, 1);
    assert!(p.stats.rejected >= 1);
    for e in &p.entries {
        assert!(!e.dn.contains(&b'\r'), "CR glued into a DN: {e}");
    }
}

#[test]
fn row_25_bare_cr_inside_lf_file() {
    let p = parse(b"dn: cn=a,dc=x\ncn: a\rb\n\ndn: cn=b,dc=x\ncn: b\n");
    assert_eq!(lines_of(&p, DiagKind::BareCr), [2]);
    assert_eq!(errors(&p).len(), 1, "{}", dump(&p));
    assert_eq!(dns(&p), ["cn=b,dc=x"]);
    assert_eq!(entry_lines(&p), [4]);
    assert_eq!(p.stats.rejected, 1);
}

#[test]
fn row_26_cr_inside_base64_value_preserved() {
    // RFC 2849 example 3 (value folded over four lines, decodes to text with a CR).
    let p = parse(
        b"dn: cn=Gern Jensen, ou=Product Testing, dc=airius, dc=com\n\
cn: Gern Jensen\n\
description:: V2hhdCBhIGNhcmVmdWwgcmVhZGVyIHlvdSBhcmUhICBUaGlzIHZhbHVl\n \
IGlzIGJhc2UtNjQtZW5jb2RlZCBiZWNhdXNlIGl0IGhhcyBhIGNvbnRyb2wgY2hhcmFjdG\n \
VyIGluIGl0IChhIENSKS4NICBCeSB0aGUgd2F5LCB5b3Ugc2hvdWxkIHJlYWxseSBnZXQg\n \
b3V0IG1vcmUu\n",
    );
    assert_clean(&p);
    let e = only_entry(&p);
    let expected: &[u8] = b"What a careful reader you are!  This value is base-64-encoded \
because it has a control character in it (a CR).\r  By the way, you should really get out more.";
    assert_eq!(values(e, "description"), [expected]);
    assert_eq!(value_kinds(e, "description"), [ValueKind::Base64]);
}

// ---------------------------------------------------------------------------
// rows 27-32: encodings, UTF-8, DNs
// ---------------------------------------------------------------------------

#[test]
fn row_27_utf8_bom_skipped() {
    let p = parse(b"\xef\xbb\xbfdn: cn=a,dc=x\ncn: a\n\ndn: cn=b,dc=x\ncn: b\n");
    assert_eq!(dns(&p), ["cn=a,dc=x", "cn=b,dc=x"]);
    assert_eq!(entry_lines(&p), [1, 4]);
    assert_eq!(lines_of(&p, DiagKind::ByteOrderMark), [1]);
    assert_eq!(
        of_kind(&p, DiagKind::ByteOrderMark)[0].severity,
        Severity::Note
    );
    assert_only_kinds(&p, &[DiagKind::ByteOrderMark]);
}

/// Three records; the third (line 7) has a non-ASCII value and a fold.
const UTF16_TEXT: &str =
    "dn: cn=a,dc=x\ncn: a\n\ndn: cn=b,dc=x\ncn: b\n\ndn: cn=c,dc=x\nsn: Str\u{f6}der\ndescription: fol\n ded\n";

fn check_utf16_result(p: &Parsed) {
    assert_no_errors(p);
    assert_eq!(lines_of(p, DiagKind::Utf16Transcoded), [1]);
    assert_eq!(
        of_kind(p, DiagKind::Utf16Transcoded)[0].severity,
        Severity::Note
    );
    // The non-ASCII value may be reported as raw UTF-8 (row 29); nothing else.
    assert_only_kinds(p, &[DiagKind::Utf16Transcoded, DiagKind::RawUtf8]);
    assert_eq!(dns(p), ["cn=a,dc=x", "cn=b,dc=x", "cn=c,dc=x"]);
    assert_eq!(entry_lines(p), [1, 4, 7]);
    assert_eq!(values(&p.entries[2], "sn"), [b"Str\xc3\xb6der"]);
    assert_eq!(values(&p.entries[2], "description"), [b"folded"]);
    assert_eq!(p.stats.records, 3);
}

#[test]
fn row_28_utf16le_with_bom() {
    let p = parse(&utf16_with_bom(UTF16_TEXT, true));
    check_utf16_result(&p);
    assert_eq!(comparable(&p), comparable(&parse(UTF16_TEXT.as_bytes())));
}

#[test]
fn row_28_utf16le_with_bom_crlf() {
    // ldifde writes CRLF.
    let text = UTF16_TEXT.replace('\n', "\r\n");
    let p = parse(&utf16_with_bom(&text, true));
    check_utf16_result(&p);
}

#[test]
fn row_28_utf16be_with_bom() {
    let p = parse(&utf16_with_bom(UTF16_TEXT, false));
    check_utf16_result(&p);
    assert_eq!(comparable(&p), comparable(&parse(UTF16_TEXT.as_bytes())));
}

#[test]
fn row_29_raw_utf8_accepted_and_warned_once() {
    let p = parse(
        "dn: cn=a,dc=x\nsn: Str\u{f6}der\n\ndn: cn=b,dc=x\nsn: \u{65e5}\u{672c}\ncn: \u{e9}\n"
            .as_bytes(),
    );
    assert_eq!(dns(&p), ["cn=a,dc=x", "cn=b,dc=x"]);
    assert_eq!(values(&p.entries[0], "sn"), [b"Str\xc3\xb6der"]);
    assert_eq!(values(&p.entries[1], "sn"), [b"\xe6\x97\xa5\xe6\x9c\xac"]);
    assert_eq!(values(&p.entries[1], "cn"), [b"\xc3\xa9"]);
    assert_eq!(
        lines_of(&p, DiagKind::RawUtf8),
        [2],
        "raw_utf8 is reported once per file"
    );
    assert_only_kinds(&p, &[DiagKind::RawUtf8]);
}

#[test]
fn row_30_invalid_utf8_kept_and_flagged() {
    let p = parse(b"dn: cn=a,dc=x\nsn: caf\xe9\n");
    let e = only_entry(&p);
    assert_eq!(values(e, "sn"), [b"caf\xe9"]);
    assert_eq!(value_kinds(e, "sn"), [ValueKind::Plain]);
    assert_eq!(lines_of(&p, DiagKind::InvalidUtf8), [2]);
    assert_only_kinds(&p, &[DiagKind::InvalidUtf8]);
}

#[test]
fn row_31_base64_dn() {
    let p = parse(b"dn:: Y249U3Ryw7ZkZXIsZGM9eA==\ncn: a\n");
    assert_clean(&p);
    let e = only_entry(&p);
    assert_eq!(e.dn, b"cn=Str\xc3\xb6der,dc=x");
    assert_eq!(e.line, 1);
}

#[test]
fn row_32_empty_dn_root_dse() {
    for input in [
        &b"dn:\nobjectClass: top\n"[..],
        &b"dn: \nobjectClass: top\n"[..],
    ] {
        let p = parse(input);
        assert_clean(&p);
        let e = only_entry(&p);
        assert_eq!(e.dn, b"");
        assert_eq!(e.line, 1);
        assert_eq!(values(e, "objectClass"), [b"top"]);
    }
}

// ---------------------------------------------------------------------------
// rows 33-36: record structure, ldapsearch output, version lines
// ---------------------------------------------------------------------------

#[test]
fn row_33_second_dn_inside_record() {
    let p = parse(b"dn: cn=a,dc=x\ncn: a\ndn: cn=b\n\ndn: cn=c,dc=x\ncn: c\n");
    assert_eq!(lines_of(&p, DiagKind::SecondDn), [3]);
    assert_eq!(errors(&p).len(), 1, "{}", dump(&p));
    assert_eq!(dns(&p), ["cn=c,dc=x"]);
    assert_eq!(entry_lines(&p), [5]);
    assert_eq!(p.stats.rejected, 1);
    assert_eq!(p.stats.records, 2);
}

/// Default (non `-LLL`) ldapsearch output against AD (docs/formats.md#ldapsearch-output), with a
/// referral folded at the ldapsearch wrap width. `result:` is on line 19.
fn ldapsearch_output(result: &str) -> Vec<u8> {
    format!(
        "# extended LDIF\n\
#\n\
# LDAPv3\n\
# base <DC=x> with scope subtree\n\
# filter: (objectClass=*)\n\
# requesting: ALL\n\
#\n\
\n\
# a, x\n\
dn: cn=a,dc=x\n\
cn: a\n\
\n\
# search reference\n\
ref: ldap://ForestDnsZones.administrator.htb/DC=ForestDnsZones,DC=administrato\n \
r,DC=htb\n\
\n\
# search result\n\
search: 2\n\
result: {result}\n\
\n\
# numResponses: 3\n\
# numEntries: 1\n\
# numReferences: 1\n"
    )
    .into_bytes()
}

#[test]
fn row_34_ldapsearch_trailer_and_referral_skipped() {
    let p = parse(&ldapsearch_output("0 Success"));
    assert_no_errors(&p);
    assert!(
        p.diagnostics.iter().all(|d| d.severity == Severity::Note),
        "a complete ldapsearch export deserves no warning\n{}",
        dump(&p)
    );
    assert_eq!(dns(&p), ["cn=a,dc=x"]);
    assert_eq!(entry_lines(&p), [10]);
    assert_eq!(attr_names(&p.entries[0]), ["cn"]);
    assert_eq!(p.stats.referrals, 1);
    assert_eq!(p.stats.trailers, 1);
    assert_eq!(p.stats.rejected, 0);
    assert_eq!(p.stats.records, 3);
}

#[test]
fn row_34_trailer_only() {
    // The table's input verbatim.
    let p = parse(b"# search result\nsearch: 2\nresult: 0 Success\n");
    assert_no_errors(&p);
    assert!(p.entries.is_empty());
    assert_eq!(p.stats.trailers, 1);
    assert_eq!(p.stats.records, 1);
    // A file with no entries may say so; nothing else.
    assert!(
        p.diagnostics
            .iter()
            .all(|d| d.kind == DiagKind::NoEntries || d.severity == Severity::Note),
        "{}",
        dump(&p)
    );
}

#[test]
fn row_34_nonzero_result_is_a_truncated_export() {
    let p = parse(&ldapsearch_output("4 Size limit exceeded"));
    // Judgement: reported at the `result:` line.
    assert_eq!(lines_of(&p, DiagKind::TruncatedExport), [19]);
    assert_eq!(errors(&p).len(), 1, "{}", dump(&p));
    // File level: the entries read are kept and the trailer is still a trailer.
    assert_eq!(dns(&p), ["cn=a,dc=x"]);
    assert_eq!(p.stats.trailers, 1);
    assert_eq!(p.stats.referrals, 1);
    assert_eq!(p.stats.rejected, 0);
    assert_eq!(p.stats.records, 3);
}

#[test]
fn row_34_failed_bind_result_only() {
    let p = parse(
        b"# search result\nsearch: 2\nresult: 1 Operations error\n\
text: 000004DC: LdapErr: DSID-0C090A5C, comment: In order to perform this operation a successful bind must be completed on the connection., data 0, v4563\n",
    );
    assert_eq!(lines_of(&p, DiagKind::TruncatedExport), [3]);
    assert!(p.entries.is_empty());
    assert_eq!(p.stats.trailers, 1);
    assert_eq!(p.stats.rejected, 0);
    assert_eq!(p.stats.records, 1);
}

#[test]
fn row_35_version_then_blank_line() {
    let p = parse(b"version: 1\n\ndn: cn=a,dc=x\ncn: a\n");
    assert_clean(&p);
    assert_eq!(dns(&p), ["cn=a,dc=x"]);
    assert_eq!(entry_lines(&p), [3]);
    assert_eq!(p.stats.records, 1, "no phantom record for `version: 1`");
}

#[test]
fn row_35_version_directly_followed_by_dn() {
    let p = parse(b"version: 1\ndn: cn=a,dc=x\ncn: a\n");
    assert_clean(&p);
    let e = only_entry(&p);
    assert_eq!(e.line, 2);
    assert_eq!(attr_names(e), ["cn"]);
    assert_eq!(p.stats.records, 1, "no phantom record for `version: 1`");
}

#[test]
fn row_36_version_before_second_record() {
    // go-ldap `ldifVersionOnSecond`: `version: 1` is line 13, Bjorn's `dn:` line 14.
    let p = parse(
        b"dn: cn=Barbara Jensen, ou=Product Development, dc=airius, dc=com\n\
objectclass: top\n\
objectclass: person\n\
objectclass: organizationalPerson\n\
cn: Barbara Jensen\n\
cn: Barbara J Jensen\n\
cn: Babs Jensen\n\
sn: Jensen\n\
uid: bjensen\n\
telephonenumber: +1 408 555 1212\n\
description: A big sailing fan.\n\
\n\
version: 1\n\
dn: cn=Bjorn Jensen, ou=Accounting, dc=airius, dc=com\n\
objectclass: top\n\
objectclass: person\n\
objectclass: organizationalPerson\n\
cn: Bjorn Jensen\n\
sn: Jensen\n\
telephonenumber: +1 408 555 1212\n",
    );
    assert_eq!(lines_of(&p, DiagKind::MisplacedVersion), [13]);
    assert_only_kinds(&p, &[DiagKind::MisplacedVersion]);
    assert_eq!(
        dns(&p),
        [
            "cn=Barbara Jensen, ou=Product Development, dc=airius, dc=com",
            "cn=Bjorn Jensen, ou=Accounting, dc=airius, dc=com"
        ]
    );
    assert_eq!(entry_lines(&p), [1, 14]);
    assert_eq!(
        attr_names(&p.entries[1]),
        ["objectclass", "cn", "sn", "telephonenumber"]
    );
    assert_eq!(p.stats.records, 2);
}

#[test]
fn row_36_version_inside_later_record() {
    let p = parse(b"dn: cn=a,dc=x\ncn: a\n\ndn: cn=b,dc=x\nversion: 1\ncn: b\n");
    assert_eq!(lines_of(&p, DiagKind::MisplacedVersion), [5]);
    assert_only_kinds(&p, &[DiagKind::MisplacedVersion]);
    assert_eq!(dns(&p), ["cn=a,dc=x", "cn=b,dc=x"]);
    assert_eq!(attr_names(&p.entries[1]), ["cn"]);
    assert_eq!(values(&p.entries[1], "cn"), [b"b"]);
}

// ---------------------------------------------------------------------------
// rows 37-45: attribute names, malformed lines, duplicates, sizes
// ---------------------------------------------------------------------------

#[test]
fn row_37_attribute_options_and_oid_names() {
    let p = parse(
        b"dn: cn=a,dc=x\n\
cn;lang-en: a\n\
1.2.840.113556.1.4.221: x\n\
ou;lang-ja;phonetic:: 44GI44GE44GO44KH44GG44G2\n",
    );
    assert_clean(&p);
    let e = only_entry(&p);
    assert_eq!(
        attr_names(e),
        [
            "cn;lang-en",
            "1.2.840.113556.1.4.221",
            "ou;lang-ja;phonetic"
        ]
    );
    assert_eq!(values(e, "cn;lang-en"), [b"a"]);
    assert_eq!(values(e, "1.2.840.113556.1.4.221"), [b"x"]);
    // えいぎょうぶ
    assert_eq!(
        values(e, "ou;lang-ja;phonetic"),
        [b"\xe3\x81\x88\xe3\x81\x84\xe3\x81\x8e\xe3\x82\x87\xe3\x81\x86\xe3\x81\xb6"]
    );
    assert_eq!(value_kinds(e, "ou;lang-ja;phonetic"), [ValueKind::Base64]);
}

#[test]
fn row_38_attribute_name_case_variants_merge() {
    let p = parse(b"dn: cn=a,dc=x\nCN: a\ncn: b\n");
    assert_clean(&p);
    let e = only_entry(&p);
    assert_eq!(attr_names(e), ["CN"], "one attribute, first spelling kept");
    assert_eq!(values(e, "cn"), [&b"a"[..], &b"b"[..]]);
}

#[test]
fn row_39_odd_attribute_name() {
    let p = parse(b"dn: cn=a,dc=x\nAn_idiot_Attribute: x\n");
    let e = only_entry(&p);
    assert_eq!(attr_names(e), ["An_idiot_Attribute"]);
    assert_eq!(values(e, "An_idiot_Attribute"), [b"x"]);
    assert_eq!(lines_of(&p, DiagKind::OddAttributeName), [2]);
    assert_only_kinds(&p, &[DiagKind::OddAttributeName]);
}

#[test]
fn row_40_space_before_colon() {
    let p = parse(b"dn: cn=a,dc=x\ncn : a\n");
    let e = only_entry(&p);
    assert_eq!(attr_names(e), ["cn"]);
    assert_eq!(values(e, "cn"), [b"a"]);
    assert_eq!(lines_of(&p, DiagKind::SpaceBeforeColon), [2]);
    assert_only_kinds(&p, &[DiagKind::SpaceBeforeColon]);
}

#[test]
fn row_41_line_without_colon() {
    let p = parse(b"dn: cn=a,dc=x\ncn\n\ndn: cn=b,dc=x\ncn: b\n");
    assert_eq!(lines_of(&p, DiagKind::MissingColon), [2]);
    assert_eq!(errors(&p).len(), 1, "{}", dump(&p));
    assert_eq!(dns(&p), ["cn=b,dc=x"]);
    assert_eq!(entry_lines(&p), [4]);
    assert_eq!(p.stats.rejected, 1);
}

#[test]
fn row_41_value_on_next_line_without_colon() {
    // python-ldap#352: an AD export with the value on its own line.
    let p = parse(b"dn: cn=a,dc=x\nuserPrincipalName:\nstudent1@x\n\ndn: cn=b,dc=x\ncn: b\n");
    assert_eq!(lines_of(&p, DiagKind::MissingColon), [3]);
    assert_eq!(errors(&p).len(), 1, "{}", dump(&p));
    assert_eq!(dns(&p), ["cn=b,dc=x"]);
    assert_eq!(entry_lines(&p), [5]);
    assert_eq!(p.stats.rejected, 1);
}

#[test]
fn row_42_line_starting_with_colon() {
    let p = parse(b"dn: cn=a,dc=x\n: foo\n\ndn: cn=b,dc=x\ncn: b\n");
    assert_eq!(lines_of(&p, DiagKind::EmptyAttributeName), [2]);
    assert_eq!(errors(&p).len(), 1, "{}", dump(&p));
    assert_eq!(dns(&p), ["cn=b,dc=x"]);
    assert_eq!(entry_lines(&p), [4]);
    assert_eq!(p.stats.rejected, 1);
}

#[test]
fn row_43_duplicate_values_kept_and_reported() {
    let p = parse(b"dn: cn=a,dc=x\ncn: a\ncn: a\n");
    let e = only_entry(&p);
    assert_eq!(values(e, "cn"), [b"a", b"a"]);
    // Judgement: reported at the line of the repeated value (line 3), where the
    // deviation is, not at the record's `dn:` line.
    assert_eq!(lines_of(&p, DiagKind::DuplicateValue), [3]);
    assert_only_kinds(&p, &[DiagKind::DuplicateValue]);
}

#[test]
fn row_44_two_mib_unfolded_line() {
    const LEN: usize = 2 * 1024 * 1024;
    let big = "x".repeat(LEN);
    let input = format!("dn: cn=a,dc=x\ndescription: {big}\n\ndn: cn=b,dc=x\ncn: b\n");
    let p = parse(input.as_bytes());
    assert_clean(&p);
    assert_eq!(dns(&p), ["cn=a,dc=x", "cn=b,dc=x"]);
    assert_eq!(entry_lines(&p), [1, 4]);
    let v = values(&p.entries[0], "description");
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].len(), LEN, "the value is read whole");
    assert!(v[0].iter().all(|&b| b == b'x'));
}

#[test]
fn row_44_record_over_max_record_size_rejected() {
    let opts = LdifOptions {
        max_record_size: 1024,
        ..LdifOptions::default()
    };
    let big = "x".repeat(2000);
    // lines: 1-2 small record, 4-5 oversized record, 7-8 small record
    let input = format!(
        "dn: cn=small,dc=x\ncn: small\n\ndn: cn=big,dc=x\ndescription: {big}\n\ndn: cn=b,dc=x\ncn: b\n"
    );
    let p = parse_with(input.as_bytes(), &opts);
    let d = of_kind(&p, DiagKind::RecordTooLarge);
    assert_eq!(d.len(), 1, "{}", dump(&p));
    // Judgement: the record's `dn:` line (4) or the line where the limit is crossed (5).
    assert!((4..=5).contains(&d[0].line), "{}", dump(&p));
    assert_eq!(errors(&p).len(), 1, "{}", dump(&p));
    assert_eq!(
        dns(&p),
        ["cn=small,dc=x", "cn=b,dc=x"],
        "the next record is still read"
    );
    assert_eq!(entry_lines(&p), [1, 7]);
    assert_eq!(p.stats.rejected, 1);
    assert_eq!(p.stats.records, 3);
}

#[test]
fn row_45_hundred_thousand_member_values() {
    // Linear time is checked by the benchmarks; here only the count is exact.
    const N: usize = 100_000;
    let mut input = String::from("dn: cn=big group,dc=x\nobjectClass: group\n");
    for i in 0..N {
        input.push_str(&format!("member: cn=u{i},dc=x\n"));
    }
    let p = parse(input.as_bytes());
    assert_clean(&p);
    let e = only_entry(&p);
    let members = values(e, "member");
    assert_eq!(members.len(), N);
    assert_eq!(members[0], b"cn=u0,dc=x");
    assert_eq!(members[N - 1], b"cn=u99999,dc=x");
}

#[test]
fn row_45_thousands_of_continuation_lines() {
    // Like the subschema entry: one value folded over ~5,900 continuation lines.
    const FOLDS: usize = 5_900;
    let mut input = String::from("dn: cn=subschema\nattributeTypes: start");
    for _ in 0..FOLDS {
        input.push_str("\n abc");
    }
    input.push('\n');
    let p = parse(input.as_bytes());
    assert_clean(&p);
    let v = values(only_entry(&p), "attributeTypes");
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].len(), "start".len() + 3 * FOLDS);
    assert!(v[0].starts_with(b"startabcabc"));
    assert!(v[0].ends_with(b"abcabc"));
}

// ---------------------------------------------------------------------------
// rows 46-52: change records
// ---------------------------------------------------------------------------

#[test]
fn row_46_changetype_add_is_an_entry() {
    let p = parse(b"dn: cn=a,dc=x\nchangetype: add\ncn: a\n");
    assert_clean(&p);
    let e = only_entry(&p);
    assert_eq!(
        attr_names(e),
        ["cn"],
        "`changetype` never leaks into the attributes"
    );
    assert_eq!(values(e, "cn"), [b"a"]);
    assert_eq!(p.stats.change_records, 0);
    assert_eq!(p.stats.records, 1);
}

#[test]
fn row_46_changetype_after_attributes_not_leaked() {
    // Judgement: a misplaced `changetype:` is ignored, so the record stays an entry.
    let p = parse(b"dn: cn=a,dc=x\ncn: a\nchangetype: add\nsn: b\n");
    assert_eq!(lines_of(&p, DiagKind::MisplacedChangetype), [3]);
    assert_only_kinds(&p, &[DiagKind::MisplacedChangetype]);
    let e = only_entry(&p);
    assert_eq!(attr_names(e), ["cn", "sn"]);
}

#[test]
fn row_47_modify_without_final_separator() {
    // lines: 1 dn, 2 changetype, 3 add:, 4 mail, 5 -, 6 replace:, 7 sn, 8 blank, 9 dn b
    let p = parse(
        b"dn: cn=a,dc=x\nchangetype: modify\nadd: mail\nmail: a@x\n-\nreplace: sn\nsn: b\n\
\ndn: cn=b,dc=x\ncn: b\n",
    );
    let d = of_kind(&p, DiagKind::MissingModifySeparator);
    assert_eq!(d.len(), 1, "{}", dump(&p));
    // Judgement: reported in the unterminated block (its `replace:` line or its last line).
    assert!((6..=7).contains(&d[0].line), "{}", dump(&p));
    assert_only_kinds(&p, &[DiagKind::MissingModifySeparator]);
    assert_eq!(p.stats.change_records, 1);
    assert_eq!(dns(&p), ["cn=b,dc=x"], "a modify record is not an entry");
    assert_eq!(entry_lines(&p), [9]);
    assert_eq!(p.stats.records, 2);
}

#[test]
fn row_47_modify_with_separators_is_clean() {
    let p = parse(
        b"dn: cn=a,dc=x\nchangetype: modify\nadd: mail\nmail: a@x\n-\nreplace: sn\nsn: b\n-\n\
delete: description\n-\n\ndn: cn=b,dc=x\ncn: b\n",
    );
    assert_clean(&p);
    assert_eq!(p.stats.change_records, 1);
    assert_eq!(dns(&p), ["cn=b,dc=x"]);
}

#[test]
fn row_48_modify_attribute_mismatch() {
    let p =
        parse(b"dn: cn=a,dc=x\nchangetype: modify\nadd: mail\ncn: x\n-\n\ndn: cn=b,dc=x\ncn: b\n");
    assert_eq!(lines_of(&p, DiagKind::ModifyAttributeMismatch), [4]);
    assert_eq!(errors(&p).len(), 1, "{}", dump(&p));
    assert_eq!(p.stats.rejected, 1);
    assert_eq!(p.stats.change_records, 0);
    assert_eq!(dns(&p), ["cn=b,dc=x"]);
    assert_eq!(entry_lines(&p), [7]);
}

#[test]
fn row_48_modify_attribute_names_compare_case_insensitively() {
    let p = parse(
        b"dn: cn=a,dc=x\nchangetype: modify\nadd: Mail\nmail: a@x\n-\n\
replace: cn;lang-en\nCN;lang-en: y\n-\n\ndn: cn=b,dc=x\ncn: b\n",
    );
    assert_clean(&p);
    assert_eq!(p.stats.change_records, 1);
    assert_eq!(dns(&p), ["cn=b,dc=x"]);
}

#[test]
fn row_49_delete_modrdn_moddn_are_change_records() {
    let p = parse(
        b"dn: cn=Robert Jensen, ou=Marketing, dc=airius, dc=com\n\
changetype: delete\n\
\n\
dn: cn=Paul Jensen, ou=Product Development, dc=airius, dc=com\n\
changetype: modrdn\n\
newrdn: cn=Paula Jensen\n\
deleteoldrdn: 1\n\
\n\
dn: ou=PD Accountants, ou=Product Development, dc=airius, dc=com\n\
changetype: moddn\n\
newrdn: ou=Product Development Accountants\n\
deleteoldrdn: 0\n\
newsuperior: ou=Accounting, dc=airius, dc=com\n\
\n\
dn: cn=x,dc=x\n\
changetype: Delete\n\
\n\
dn: cn=y,dc=x\n\
changetype: MODRDN\n\
newrdn: cn=z\n\
deleteoldrdn: 1\n",
    );
    assert_no_errors(&p);
    assert_only_kinds(&p, &[DiagKind::NoEntries]);
    assert!(p.entries.is_empty());
    assert_eq!(p.stats.change_records, 5);
    assert_eq!(p.stats.records, 5);
}

#[test]
fn row_50_control_lines_ignored() {
    // lines: 1 dn a, 2-4 controls (the second folded, base64 value), 5 changetype, 6 cn
    //        8 dn b (control + delete), 12 dn c (control without criticality)
    let p = parse(
        b"dn: cn=a,dc=x\n\
control: 1.2.840.113556.1.4.805 true\n\
control: 2.16.840.1.113730.3.4.18 true:: ZG46Y249SMOkZ2FyLG91PXBlb3BsZSxvPW15b\n \
3JnLmNvbQ==\n\
changetype: add\n\
cn: a\n\
\n\
dn: cn=b,dc=x\n\
control: 2.16.840.1.113730.3.4.18 true: dn:cn=me,ou=people,o=myorg.com\n\
changetype: delete\n\
\n\
dn: cn=c,dc=x\n\
control: 1.2.840.113556.1.4.805\n\
changetype: add\n\
cn: c\n",
    );
    assert_clean(&p);
    assert_eq!(dns(&p), ["cn=a,dc=x", "cn=c,dc=x"]);
    assert_eq!(entry_lines(&p), [1, 12]);
    assert_eq!(attr_names(&p.entries[0]), ["cn"]);
    assert_eq!(attr_names(&p.entries[1]), ["cn"]);
    assert_eq!(p.stats.controls, 4);
    assert_eq!(p.stats.change_records, 1);
    assert_eq!(p.stats.records, 3);
}

#[test]
fn row_51_entries_and_change_records_mixed() {
    let p = parse(
        b"dn: cn=a,dc=x\ncn: a\n\ndn: cn=b,dc=x\nchangetype: delete\n\ndn: cn=c,dc=x\ncn: c\n",
    );
    assert_clean(&p);
    assert_eq!(dns(&p), ["cn=a,dc=x", "cn=c,dc=x"]);
    assert_eq!(entry_lines(&p), [1, 7]);
    assert_eq!(p.stats.change_records, 1);
    assert_eq!(p.stats.records, 3);
}

#[test]
fn row_52_ldifde_schema_changetypes() {
    let p = parse(
        b"dn: CN=ms-Exch-Extension-Attribute-1,CN=Schema,CN=Configuration,DC=X\n\
changetype: ntdsSchemaAdd\n\
adminDisplayName: ms-Exch-Extension-Attribute-1\n\
attributeID: 1.2.840.113556.1.2.423\n\
objectClass: attributeSchema\n\
\n\
dn: CN=User,CN=Schema,CN=Configuration,DC=X\n\
changetype: ntdsSchemaModify\n\
add: mayContain\n\
mayContain: extensionAttribute1\n\
-\n\
\n\
dn: CN=ms-Exch-Extension-Attribute-2,CN=Schema,CN=Configuration,DC=X\n\
changetype: NTDSSCHEMAADD\n\
objectClass: attributeSchema\n\
\n\
dn: CN=Group,CN=Schema,CN=Configuration,DC=X\n\
changetype: ntdsschemamodify\n\
replace: description\n\
description: x\n\
-\n\
\n\
dn: cn=a,dc=x\n\
cn: a\n",
    );
    assert_clean(&p);
    assert_eq!(
        dns(&p),
        ["cn=a,dc=x"],
        "schema change records are not entries"
    );
    assert_eq!(entry_lines(&p), [23]);
    assert_eq!(p.stats.change_records, 4);
    assert_eq!(p.stats.records, 5);
}

// ---------------------------------------------------------------------------
// rows 53-55: TAB continuation, DN forms, binary values
// ---------------------------------------------------------------------------

#[test]
fn row_53_tab_continuation_is_an_error() {
    let p = parse(b"dn: cn=a,dc=x\ndescription: hello\n\tworld\n\ndn: cn=b,dc=x\ncn: b\n");
    assert_eq!(lines_of(&p, DiagKind::TabContinuation), [3]);
    assert_eq!(errors(&p).len(), 1, "{}", dump(&p));
    assert_eq!(dns(&p), ["cn=b,dc=x"]);
    assert_eq!(entry_lines(&p), [5]);
    assert_eq!(p.stats.rejected, 1);
}

#[test]
fn row_54_dn_forms_kept_verbatim() {
    let p = parse(
        b"dn: CN=John Smith\\, III,DC=example,DC=net\n\
cn: a\n\
\n\
dn: CN=\\#John Smith\\ ,DC=example,DC=net\n\
cn: b\n\
\n\
dn: OU=Sales+CN=J. Smith,DC=example,DC=net\n\
cn: c\n\
\n\
dn: 1.3.6.1.4.1.1466.0=#04024869,DC=example,DC=com\n\
member: \n\
member: CN=Before\\0dAfter,DC=example,DC=net\n\
member: UID=jsmith, O=example, C=US\n\
\n\
dn: UID=jsmith, O=Example, C=US\n\
cn: e\n",
    );
    assert_clean(&p);
    assert_eq!(
        dns(&p),
        [
            "CN=John Smith\\, III,DC=example,DC=net",
            "CN=\\#John Smith\\ ,DC=example,DC=net",
            "OU=Sales+CN=J. Smith,DC=example,DC=net",
            "1.3.6.1.4.1.1466.0=#04024869,DC=example,DC=com",
            "UID=jsmith, O=Example, C=US",
        ]
    );
    assert_eq!(entry_lines(&p), [1, 4, 7, 10, 15]);
    // `member: ` (single trailing space) is FILL: an empty value, no warning.
    assert_eq!(
        values(&p.entries[3], "member"),
        [
            &b""[..],
            &b"CN=Before\\0dAfter,DC=example,DC=net"[..],
            &b"UID=jsmith, O=example, C=US"[..],
        ]
    );
}

#[test]
fn row_55_binary_attributes_are_raw_bytes() {
    let p = parse(
        b"dn: cn=a,dc=x\n\
objectGUID:: iGhmiAEBERG7uxI0VniQqw==\n\
objectSid:: AQUAAAAAAAUVAAAA5J7EcQIZfQymiBmV6QMAAA==\n\
thumbnailPhoto:: /9j/4AAQSkZJRgABAQ==\n",
    );
    // Binary is never text-decoded, so never reported as invalid UTF-8.
    assert_clean(&p);
    let e = only_entry(&p);
    let guid: &[u8] = &[
        0x88, 0x68, 0x66, 0x88, 0x01, 0x01, 0x11, 0x11, 0xbb, 0xbb, 0x12, 0x34, 0x56, 0x78, 0x90,
        0xab,
    ];
    assert_eq!(values(e, "objectGUID"), [guid]);
    // S-1-5-21-1908711140-209524994-2501478566-1001
    let sid: &[u8] = &[
        0x01, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x15, 0x00, 0x00, 0x00, 0xe4, 0x9e, 0xc4,
        0x71, 0x02, 0x19, 0x7d, 0x0c, 0xa6, 0x88, 0x19, 0x95, 0xe9, 0x03, 0x00, 0x00,
    ];
    assert_eq!(values(e, "objectSid"), [sid]);
    let jpeg: &[u8] = &[
        0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01,
    ];
    assert_eq!(values(e, "thumbnailPhoto"), [jpeg]);
    for name in ["objectGUID", "objectSid", "thumbnailPhoto"] {
        assert_eq!(value_kinds(e, name), [ValueKind::Base64]);
    }
}

// ---------------------------------------------------------------------------
// corpus: public parser test files, copied into fixtures/corpus/
// ---------------------------------------------------------------------------

/// Read and parse `fixtures/corpus/<rel>` (parsed under the file name `rel`).
fn corpus(rel: &str) -> Parsed {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/corpus")
        .join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let p = parse_bytes(rel, &bytes, &LdifOptions::default());
    check_invariants(&p, rel);
    p
}

/// A corpus file re-created without a confirmed final newline (see its
/// SOURCE.txt), read with one added. As it is stored, it ends inside its
/// last line: a cut export, whose last record is skipped with
/// `truncated_input` (checked here too).
fn corpus_with_final_newline(rel: &str) -> Parsed {
    let as_stored = corpus(rel);
    assert_eq!(
        as_stored
            .diagnostics
            .iter()
            .filter(|d| d.kind == DiagKind::TruncatedInput)
            .count(),
        1,
        "{}",
        dump(&as_stored)
    );
    assert_eq!(as_stored.stats.rejected, 1, "{}", dump(&as_stored));
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/corpus")
        .join(rel);
    let mut bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes.push(b'\n');
    let p = parse_bytes(rel, &bytes, &LdifOptions::default());
    check_invariants(&p, rel);
    p
}

/// Exact outcome of a corpus file: the `dn:` lines of its entries, its change
/// records and controls, no rejected record and no error, and exactly the listed
/// diagnostics (a file without entries may also carry `no_entries`).
fn assert_corpus(
    p: &Parsed,
    entry_dn_lines: &[u64],
    change_records: u64,
    controls: u64,
    diags: &[(DiagKind, usize)],
) {
    assert_no_errors(p);
    assert_eq!(entry_lines(p), entry_dn_lines, "{}", dump(p));
    assert_eq!(p.stats.entries, entry_dn_lines.len() as u64);
    assert_eq!(p.stats.change_records, change_records, "{}", dump(p));
    assert_eq!(p.stats.controls, controls);
    assert_eq!(p.stats.referrals, 0);
    assert_eq!(p.stats.trailers, 0);
    assert_eq!(p.stats.rejected, 0);
    assert_eq!(
        p.stats.records,
        entry_dn_lines.len() as u64 + change_records
    );

    let mut got: BTreeMap<DiagKind, usize> = BTreeMap::new();
    for d in &p.diagnostics {
        if d.kind == DiagKind::NoEntries && entry_dn_lines.is_empty() {
            continue;
        }
        *got.entry(d.kind).or_default() += 1;
    }
    let want: BTreeMap<DiagKind, usize> = diags.iter().copied().collect();
    assert_eq!(got, want, "{}", dump(p));
}

// --- npm `ldif` (node-ldif) rfc/ examples ---------------------------------

#[test]
fn corpus_npm_example0_root_dse() {
    // One record at line 1: `dn: ` (empty DN, FILL only) + two objectclass lines,
    // no final newline.
    let p = corpus_with_final_newline("npm-ldif/example0.ldif");
    assert_corpus(&p, &[1], 0, 0, &[]);
    let e = &p.entries[0];
    assert_eq!(e.dn, b"");
    assert_eq!(
        values(e, "objectclass"),
        [&b"top"[..], &b"OpenLDAProotDSE"[..]]
    );
}

#[test]
fn corpus_npm_example1_two_entries() {
    // `version: 1` (line 1, no phantom record), entries at lines 2 and 14.
    let p = corpus("npm-ldif/example1.ldif");
    assert_corpus(&p, &[2, 14], 0, 0, &[]);
    assert_eq!(
        p.entries[0].texts("cn"),
        ["Barbara Jensen", "Barbara J Jensen", "Babs Jensen"]
    );
    assert_eq!(
        p.entries[1].dn,
        b"cn=Bjorn Jensen, ou=Accounting, dc=airius, dc=com"
    );
}

#[test]
fn corpus_npm_example2_folded_value() {
    // One entry at line 2 (`dn:` and values without a space after the colon);
    // description folded over lines 13-14.
    let p = corpus("npm-ldif/example2.ldif");
    assert_corpus(&p, &[2], 0, 0, &[]);
    let e = &p.entries[0];
    assert_eq!(
        e.dn,
        b"cn=Barbara Jensen, ou=Product Development, dc=airius, dc=com"
    );
    assert_eq!(
        e.texts("description"),
        ["Babs is a big sailing fan, and travels extensively in search of perfect sailing conditions."]
    );
    assert_eq!(e.texts("title"), ["Product Manager, Rod and Reel Division"]);
}

#[test]
fn corpus_npm_example3_base64_with_cr() {
    // One entry at line 2; description base64 folded over 4 lines, contains a CR.
    let p = corpus("npm-ldif/example3.ldif");
    assert_corpus(&p, &[2], 0, 0, &[]);
    let expected: &[u8] = b"What a careful reader you are!  This value is base-64-encoded \
because it has a control character in it (a CR).\r  By the way, you should really get out more.";
    assert_eq!(values(&p.entries[0], "description"), [expected]);
}

#[test]
fn corpus_npm_example4_utf8_dns_and_language_options() {
    // Two entries (lines 2 and 14), both with `dn::`; comment lines inside records.
    // First entry: objectclass, ou, ou;lang-ja, ou;lang-ja;phonetic, ou;lang-en, description.
    let p = corpus("npm-ldif/example4.ldif");
    assert_corpus(&p, &[2, 14], 0, 0, &[]);
    let e = &p.entries[0];
    assert_eq!(e.dn, "ou=\u{55b6}\u{696d}\u{90e8},o=Airius".as_bytes()); // ou=営業部,o=Airius
    assert_eq!(
        attr_names(e),
        [
            "objectclass",
            "ou",
            "ou;lang-ja",
            "ou;lang-ja;phonetic",
            "ou;lang-en",
            "description"
        ]
    );
    assert_eq!(values(e, "ou"), ["\u{55b6}\u{696d}\u{90e8}".as_bytes()]);
    assert_eq!(values(e, "ou;lang-en"), [b"Sales"]);
    assert_eq!(
        p.entries[1].dn,
        "uid=rogasawara,ou=\u{55b6}\u{696d}\u{90e8},o=Airius".as_bytes()
    );
    assert_eq!(
        p.entries[1].texts("userpassword"),
        ["{SHA}O3HSv1MusyL4kTjP+HKI5uxuNoM="]
    );
}

#[test]
fn corpus_npm_example5_url_value() {
    // One entry at line 2; line 11 `jpegphoto:< file:///...` -> one url_value warning.
    let p = corpus("npm-ldif/example5.ldif");
    assert_corpus(&p, &[2], 0, 0, &[(DiagKind::UrlValue, 1)]);
    assert_eq!(lines_of(&p, DiagKind::UrlValue), [11]);
    let e = &p.entries[0];
    assert_eq!(
        values(e, "jpegphoto"),
        [b"file:///usr/local/directory/photos/hjensen.jpg"]
    );
    assert_eq!(value_kinds(e, "jpegphoto"), [ValueKind::Url]);
}

#[test]
fn corpus_npm_example6_change_records() {
    // Six records: add (line 3, an entry), delete (15), modrdn (19), modrdn (26),
    // modify (36, every block closed by `-`), modify (56, `replace:` with no values).
    // => 1 entry, 5 change records; the add record's `jpegphoto:<` (line 12) warns.
    let p = corpus("npm-ldif/example6.ldif");
    assert_corpus(&p, &[3], 5, 0, &[(DiagKind::UrlValue, 1)]);
    assert_eq!(lines_of(&p, DiagKind::UrlValue), [12]);
    let e = &p.entries[0];
    assert_eq!(e.dn, b"cn=Fiona Jensen, ou=Marketing, dc=airius, dc=com");
    assert_eq!(
        attr_names(e),
        [
            "objectclass",
            "cn",
            "sn",
            "uid",
            "telephonenumber",
            "jpegphoto"
        ]
    );
}

#[test]
fn corpus_npm_example7_delete_with_control() {
    // One delete record (line 6) preceded by one `control:` line: 0 entries,
    // 1 change record, 1 control.
    let p = corpus("npm-ldif/example7.ldif");
    assert_corpus(&p, &[], 1, 1, &[]);
}

#[test]
fn corpus_npm_example8_raw_utf8() {
    // One entry at line 1; raw UTF-8 (Romanian letters) in the DN and in values,
    // no final newline -> raw_utf8 reported exactly once.
    let p = corpus_with_final_newline("npm-ldif/example8.ldif");
    assert_corpus(&p, &[1], 0, 0, &[(DiagKind::RawUtf8, 1)]);
    assert_eq!(p.entries[0].dn, "cn=testRoLetter\u{219}".as_bytes());
    assert_eq!(p.entries[0].texts("sn"), ["RoLetter\u{219}"]);
}

#[test]
fn corpus_npm_example9_raw_utf8() {
    // One entry at line 1; raw UTF-8 (German letters) in the DN and values,
    // no final newline -> raw_utf8 exactly once.
    let p = corpus_with_final_newline("npm-ldif/example9.ldif");
    assert_corpus(&p, &[1], 0, 0, &[(DiagKind::RawUtf8, 1)]);
    assert_eq!(p.entries[0].dn, "cn=testDeLetter\u{df}".as_bytes());
}

#[test]
fn corpus_npm_example10_braces_in_value() {
    // One entry at line 1, no final newline; a JSON-looking value is just text.
    let p = corpus("npm-ldif/example10.ldif");
    assert_corpus(&p, &[1], 0, 0, &[]);
    assert_eq!(
        p.entries[0].texts("crypto"),
        [r#"{"key":"Its magic, joel"}"#]
    );
    assert_eq!(p.entries[0].texts("street"), ["Steegerstrasse 17"]);
}

// --- perl-ldap data/ ---------------------------------------------------------
//
// Counting method for all of these: `grep -n '^dn:'` gives the record starts;
// `grep -i '^changetype:'` the change records; every other record is an entry.
// Lines ending in a space in these files are all folded lines whose continuation
// supplies the rest of the value, so no unfolded value ends in a space (no
// trailing_space warning); no file has a TAB, CR, non-ASCII byte or `:<`.

const UM_MEMBERS_ALL_STAFF: usize = 11;

#[test]
fn corpus_perl_00_cmp() {
    // Leading blank line, then 6 entries (lines 2, 24, 31, 40, 47, 55).
    let p = corpus("perl-ldap/00-cmp.ldif");
    assert_corpus(&p, &[2, 24, 31, 40, 47, 55], 0, 0, &[]);
    assert_eq!(values(&p.entries[5], "member").len(), UM_MEMBERS_ALL_STAFF);
}

#[test]
fn corpus_perl_00_cmp2() {
    // One entry (line 2) and one modify record (line 27) whose last block
    // (`replace: telephonenumber`, line 49-50) ends the file without `-`:
    // one missing_modify_separator warning, the record is still a change record.
    let p = corpus("perl-ldap/00-cmp2.ldif");
    assert_corpus(&p, &[2], 1, 0, &[(DiagKind::MissingModifySeparator, 1)]);
    assert_eq!(p.entries[0].texts("counting"), ["one", "two", "three"]);
    assert_eq!(p.entries[0].texts("telephonenumber"), ["911"]);
}

#[test]
fn corpus_perl_00_in() {
    // `version: 1` + blank line (no phantom record), then 6 entries (lines 3, 25,
    // 32, 41, 48, 56). Line 48's DN and several values are folded.
    let p = corpus("perl-ldap/00-in.ldif");
    assert_corpus(&p, &[3, 25, 32, 41, 48, 56], 0, 0, &[]);
    assert_eq!(
        p.entries[0].texts("postaladdress"),
        ["University of Michigan $ 535 W. William St. $ Ann Arbor, MI 48109 $ USpostalcode: 48109"]
    );
    assert_eq!(
        p.entries[4].dn,
        b"ou=Information Technology Division, ou=People, o=University of Michigan, c=US"
    );
    assert_eq!(
        values(&p.entries[5], "member")[1],
        b"cn=Barbara Jensen, ou=Information Technology Division, ou=People, o=University of Michigan, c=US"
    );
    assert_eq!(values(&p.entries[5], "member").len(), UM_MEMBERS_ALL_STAFF);
}

#[test]
fn corpus_perl_10_in_controls() {
    // Leading blank line; 6 records (lines 2, 28, 37, 47, 55, 64), all
    // `changetype: add` -> 6 entries. `control:` lines: 2 in the first record (the
    // second with a folded base64 value), 1 in the second, 1 in the last = 4.
    let p = corpus("perl-ldap/10-in.ldif");
    assert_corpus(&p, &[2, 28, 37, 47, 55, 64], 0, 4, &[]);
    assert_eq!(
        attr_names(&p.entries[1]),
        ["objectclass", "ou"],
        "controls and changetype never become attributes"
    );
    assert_eq!(values(&p.entries[5], "member").len(), UM_MEMBERS_ALL_STAFF);
}

/// The 19 entry `dn:` lines shared by 41-in.ldif and 42-in.ldif.
const UM_19_IN: [u64; 19] = [
    1, 18, 28, 33, 60, 79, 92, 97, 102, 120, 140, 159, 177, 195, 211, 217, 238, 258, 277,
];

#[test]
fn corpus_perl_40_cmp() {
    // Leading blank line, 19 entries.
    let p = corpus("perl-ldap/40-cmp.ldif");
    assert_corpus(
        &p,
        &[
            2, 19, 29, 34, 61, 80, 93, 98, 103, 121, 141, 160, 178, 196, 212, 218, 239, 259, 278,
        ],
        0,
        0,
        &[],
    );
}

#[test]
fn corpus_perl_40_in() {
    // 19 entries; four `userpassword::` base64 values.
    let p = corpus("perl-ldap/40-in.ldif");
    assert_corpus(
        &p,
        &[
            1, 18, 23, 28, 33, 39, 66, 85, 106, 126, 144, 157, 177, 196, 215, 233, 251, 261, 279,
        ],
        0,
        0,
        &[],
    );
    let barbara = &p.entries[7];
    assert_eq!(
        barbara.dn,
        b"cn=Barbara Jensen, ou=Information Technology Division, ou=People, o=University of Michigan, c=US"
    );
    assert_eq!(values(barbara, "userpassword"), [b"bjensen"]);
    assert_eq!(value_kinds(barbara, "userpassword"), [ValueKind::Base64]);
    // `cn` is split by a `uid:` line: still one attribute with both values.
    assert_eq!(barbara.texts("cn"), ["Barbara Jensen", "Babs Jensen"]);
}

#[test]
fn corpus_perl_41_in() {
    // 19 entries.
    let p = corpus("perl-ldap/41-in.ldif");
    assert_corpus(&p, &UM_19_IN, 0, 0, &[]);
}

#[test]
fn corpus_perl_41a_cmp() {
    // Leading blank line, 2 entries.
    let p = corpus("perl-ldap/41a-cmp.ldif");
    assert_corpus(&p, &[2, 23], 0, 0, &[]);
}

#[test]
fn corpus_perl_41b_cmp() {
    // Leading blank line, 4 entries.
    let p = corpus("perl-ldap/41b-cmp.ldif");
    assert_corpus(&p, &[2, 29, 48, 61], 0, 0, &[]);
}

#[test]
fn corpus_perl_41c_cmp() {
    // Leading blank line, 2 entries.
    let p = corpus("perl-ldap/41c-cmp.ldif");
    assert_corpus(&p, &[2, 29], 0, 0, &[]);
    assert_eq!(values(&p.entries[0], "member").len(), UM_MEMBERS_ALL_STAFF);
}

#[test]
fn corpus_perl_41d_cmp() {
    // Leading blank line, 8 entries.
    let p = corpus("perl-ldap/41d-cmp.ldif");
    assert_corpus(&p, &[2, 19, 24, 51, 70, 83, 88, 93], 0, 0, &[]);
}

#[test]
fn corpus_perl_42_cmp() {
    // Leading blank line, 19 entries.
    let p = corpus("perl-ldap/42-cmp.ldif");
    assert_corpus(
        &p,
        &[
            2, 19, 29, 34, 61, 80, 93, 98, 103, 121, 142, 161, 179, 197, 213, 219, 240, 261, 278,
        ],
        0,
        0,
        &[],
    );
}

#[test]
fn corpus_perl_42_in() {
    // 19 entries.
    let p = corpus("perl-ldap/42-in.ldif");
    assert_corpus(&p, &UM_19_IN, 0, 0, &[]);
    assert_eq!(
        p.entries[1].texts("cn"),
        ["Manager", "Directory Manager", "Dir Man"]
    );
}

#[test]
fn corpus_perl_42_mod() {
    // Five records: modify (line 1), modify (6), modify (15), add (25, an entry),
    // delete (42) -> 1 entry, 4 change records. None of the three modify records
    // closes its LAST block with `-` (the first has no `-` at all): three
    // missing_modify_separator warnings, no error (row 47: accepted).
    let p = corpus("perl-ldap/42-mod.ldif");
    assert_corpus(&p, &[25], 4, 0, &[(DiagKind::MissingModifySeparator, 3)]);
    let e = &p.entries[0];
    assert_eq!(
        e.dn,
        b"cn=Gern Jensen, ou=Information Technology Division, ou=People, o=University of Michigan, c=US"
    );
    assert_eq!(e.texts("drink"), ["Coffee"]);
}
