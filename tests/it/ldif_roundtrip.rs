//! Property tests: random entries written as LDIF, with random folding,
//! base64 choices, line endings and name case, read back equal.
//!
//! The writer here is deliberately separate from anything in the crate: it
//! follows RFC 2849 directly, so the reader is checked against the RFC and
//! not against itself.

use base64::Engine as _;
use proptest::prelude::*;
use usertype_audit::diag::Severity;
use usertype_audit::read::entry::Projection;
use usertype_audit::read::ldif::{parse_bytes, LdifOptions, ValueKind};

#[derive(Clone, Debug)]
struct TestEntry {
    dn: Vec<u8>,
    /// (lower-case name, values); names are distinct.
    attrs: Vec<(String, Vec<Vec<u8>>)>,
}

/// RFC 2849 SAFE-STRING, and no trailing space (note 8).
fn is_safe(v: &[u8]) -> bool {
    match v.first() {
        None => true,
        Some(&first) => {
            v.iter()
                .all(|&b| b != 0 && b != b'\n' && b != b'\r' && b < 128)
                && first != b' '
                && first != b':'
                && first != b'<'
                && v.last() != Some(&b' ')
        }
    }
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        // Mostly printable text, sometimes with non-ASCII.
        "[ -~]{0,40}".prop_map(String::into_bytes),
        "[a-zA-Zäöü日本 ,=]{0,20}".prop_map(String::into_bytes),
        // Binary.
        proptest::collection::vec(any::<u8>(), 0..40),
    ]
}

fn entry() -> impl Strategy<Value = TestEntry> {
    let dn = "[a-zA-Z]{1,3}=[ -~&&[^\\\\]]{0,30}".prop_map(String::into_bytes);
    let attrs = proptest::collection::btree_map(
        "[a-z][a-z0-9-]{0,12}",
        proptest::collection::vec(value(), 1..5),
        0..8,
    );
    (dn, attrs).prop_map(|(dn, attrs)| TestEntry {
        dn,
        attrs: attrs
            .into_iter()
            .filter(|(name, _)| {
                !matches!(name.as_str(), "dn" | "changetype" | "control" | "version")
            })
            .collect(),
    })
}

/// Writing choices, drawn per line from this seed.
struct Choices(u64);

impl Choices {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn chance(&mut self, in_n: u64) -> bool {
        self.next() % in_n == 0
    }
}

/// Writes one logical line, folded at random places, and returns the number
/// of physical lines written.
fn write_line(out: &mut Vec<u8>, line: &[u8], eol: &[u8], c: &mut Choices) -> u64 {
    let mut physical = 1;
    let mut start = 0;
    out.extend_from_slice(&line[..line.len().min(1)]);
    start += line.len().min(1);
    while start < line.len() {
        let take = 1 + (c.next() % 30) as usize;
        let end = (start + take).min(line.len());
        out.extend_from_slice(&line[start..end]);
        start = end;
        if start < line.len() && c.chance(3) {
            out.extend_from_slice(eol);
            out.push(b' ');
            physical += 1;
        }
    }
    out.extend_from_slice(eol);
    physical
}

/// What the writer expects the reader to find.
struct Written {
    bytes: Vec<u8>,
    /// First line of each entry.
    lines: Vec<u64>,
    /// Kind of every value, per entry and attribute.
    kinds: Vec<Vec<Vec<ValueKind>>>,
    /// First spelling of every attribute name, per entry.
    names: Vec<Vec<String>>,
}

/// Writes entries as LDIF with random writing choices drawn from `seed`.
fn write_ldif(entries: &[TestEntry], seed: u64) -> Written {
    let mut c = Choices(seed | 1);
    let eol: &[u8] = if c.chance(2) { b"\r\n" } else { b"\n" };
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut out = Vec::new();
    let mut line = 1u64;
    let mut lines = Vec::new();
    let mut kinds = Vec::new();
    let mut spellings = Vec::new();
    if c.chance(2) {
        out.extend_from_slice(b"version: 1");
        out.extend_from_slice(eol);
        line += 1;
        if c.chance(2) {
            out.extend_from_slice(eol);
            line += 1;
        }
    }
    for e in entries {
        if c.chance(4) {
            line += write_line(&mut out, b"# a comment that may be folded too", eol, &mut c);
        }
        lines.push(line);
        let dn_line = if is_safe(&e.dn) && !c.chance(4) {
            [b"dn: ".as_slice(), &e.dn].concat()
        } else {
            format!("dn:: {}", b64.encode(&e.dn)).into_bytes()
        };
        line += write_line(&mut out, &dn_line, eol, &mut c);
        if c.chance(2) {
            line += write_line(&mut out, b"changetype: add", eol, &mut c);
        }
        let mut entry_kinds = Vec::new();
        let mut entry_names = Vec::new();
        for (name, values) in &e.attrs {
            let mut attr_kinds = Vec::new();
            let mut first_spelling = None;
            for v in values {
                let spelled: String = name
                    .chars()
                    .map(|ch| {
                        if c.chance(3) {
                            ch.to_ascii_uppercase()
                        } else {
                            ch
                        }
                    })
                    .collect();
                first_spelling.get_or_insert_with(|| spelled.clone());
                let text = if is_safe(v) && !c.chance(5) {
                    attr_kinds.push(ValueKind::Plain);
                    let sep = if c.chance(3) { ":" } else { ": " };
                    [spelled.as_bytes(), sep.as_bytes(), v].concat()
                } else {
                    attr_kinds.push(ValueKind::Base64);
                    let sep = if c.chance(3) { "::" } else { ":: " };
                    format!("{spelled}{sep}{}", b64.encode(v)).into_bytes()
                };
                line += write_line(&mut out, &text, eol, &mut c);
            }
            entry_kinds.push(attr_kinds);
            entry_names.push(first_spelling.unwrap_or_default());
        }
        kinds.push(entry_kinds);
        spellings.push(entry_names);
        let blanks = 1 + c.next() % 3;
        for _ in 0..blanks {
            out.extend_from_slice(eol);
        }
        line += blanks;
    }
    Written {
        bytes: out,
        lines,
        kinds,
        names: spellings,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn written_entries_read_back_equal(
        entries in proptest::collection::vec(entry(), 0..12),
        seed in any::<u64>(),
        chunk_size in 1usize..400,
    ) {
        let Written { bytes, lines, kinds, names } = write_ldif(&entries, seed);
        let opts = LdifOptions { chunk_size, ..LdifOptions::default() };
        let parsed = parse_bytes("prop.ldif", &bytes, &opts);
        let errors: Vec<_> = parsed.diagnostics.iter().filter(|d| d.severity == Severity::Error).collect();
        prop_assert!(errors.is_empty(), "errors: {errors:?}\n{}", String::from_utf8_lossy(&bytes));
        prop_assert_eq!(parsed.entries.len(), entries.len());
        prop_assert!(parsed.stats.reconciles());
        for (i, (want, got)) in entries.iter().zip(&parsed.entries).enumerate() {
            prop_assert_eq!(&got.dn, &want.dn);
            prop_assert_eq!(got.line, lines[i]);
            prop_assert_eq!(got.attrs.len(), want.attrs.len());
            for (j, ((_, values), attr)) in want.attrs.iter().zip(&got.attrs).enumerate() {
                prop_assert_eq!(&attr.name, &names[i][j]);
                let got_values: Vec<&Vec<u8>> = attr.values.iter().map(|v| &v.bytes).collect();
                let want_values: Vec<&Vec<u8>> = values.iter().collect();
                prop_assert_eq!(got_values, want_values);
                let got_kinds: Vec<ValueKind> = attr.values.iter().map(|v| v.kind).collect();
                prop_assert_eq!(&got_kinds, &kinds[i][j]);
            }
        }
    }

    /// A projection keeps exactly the wanted attributes (names compared
    /// without case), with their values, whether or not the others are checked.
    #[test]
    fn projection_keeps_exactly_the_wanted_attributes(
        entries in proptest::collection::vec(entry(), 1..8),
        seed in any::<u64>(),
        picks in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
        extra in proptest::collection::vec("[a-zA-Z][a-zA-Z0-9-]{0,12}", 0..4),
        validate_all in any::<bool>(),
    ) {
        let Written { bytes, .. } = write_ldif(&entries, seed);
        let all: Vec<&String> = entries.iter().flat_map(|e| e.attrs.iter().map(|a| &a.0)).collect();
        let mut wanted: Vec<String> = extra;
        if !all.is_empty() {
            // Some names of the entries, in upper case to test case folding.
            wanted.extend(picks.iter().map(|i| i.get(&all).to_uppercase()));
        }
        let opts = LdifOptions {
            projection: Projection::attrs(wanted.iter()),
            validate_all,
            ..LdifOptions::default()
        };
        let parsed = parse_bytes("prop.ldif", &bytes, &opts);
        prop_assert_eq!(parsed.entries.len(), entries.len());
        for (want, got) in entries.iter().zip(&parsed.entries) {
            let kept: Vec<(&str, &Vec<Vec<u8>>)> = want
                .attrs
                .iter()
                .filter(|(name, _)| wanted.iter().any(|w| w.eq_ignore_ascii_case(name)))
                .map(|(name, values)| (name.as_str(), values))
                .collect();
            prop_assert_eq!(got.attrs.len(), kept.len());
            for ((name, values), attr) in kept.iter().zip(&got.attrs) {
                prop_assert!(attr.name.eq_ignore_ascii_case(name));
                let got_values: Vec<&Vec<u8>> = attr.values.iter().map(|v| &v.bytes).collect();
                let want_values: Vec<&Vec<u8>> = values.iter().collect();
                prop_assert_eq!(got_values, want_values);
            }
        }
    }

    /// Arbitrary bytes never panic, and the counters always reconcile.
    #[test]
    fn arbitrary_input_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600), chunk_size in 1usize..100) {
        let opts = LdifOptions { chunk_size, ..LdifOptions::default() };
        let parsed = parse_bytes("fuzz.ldif", &bytes, &opts);
        prop_assert!(parsed.stats.reconciles());
        let whole = parse_bytes("fuzz.ldif", &bytes, &LdifOptions::default());
        prop_assert_eq!(parsed.entries, whole.entries);
        prop_assert_eq!(parsed.stats, whole.stats);
    }
}
