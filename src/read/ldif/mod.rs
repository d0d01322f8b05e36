//! The LDIF reader: RFC 2849 plus everything real exports contain.
//!
//! It reads what Windows `ldifde` writes (every record `changetype: add`,
//! base64 binary attributes, folded lines, UTF-16 from `ldifde -u`), what
//! OpenLDAP `ldapsearch` writes (comments, `version: 1`, `ref:` referrals,
//! `search:`/`result:` trailers) and what other tools write, and it honours
//! every row of the conformance table (`docs/ldif-conformance.md`; one test
//! per row in `tests/it/ldif_conformance.rs`). In short:
//!
//! * Lines end in LF or CRLF; a bare CR is an error. Folding is one leading
//!   SPACE, unfolded on bytes (a fold may split a UTF-8 sequence).
//! * `attr: value`, `attr:: base64`, `attr:< url`. URLs are **never**
//!   dereferenced: the value is the URL itself and a warning names the line.
//! * Attribute names are case-insensitive: `CN` and `cn` are one attribute,
//!   spelled as first seen. Options (`cn;lang-en`) and OID names are kept.
//! * Change records (modify, delete, modrdn, moddn, `ntdsSchema*`) and
//!   `control:` lines are parsed, counted and skipped; `changetype: add`
//!   records are entries and `changetype` never becomes an attribute.
//! * Values are bytes. Plain values are checked for UTF-8 only when they are
//!   not ASCII; base64 values may be binary and are never text-decoded here.
//! * Lenient: a broken record becomes an error diagnostic, is counted in
//!   [`ReadStats::rejected`] and skipped; `strict` stops at the first error.
//! * Honest about cut exports: ldifde and ldapsearch end every record with a
//!   line break, so a last line without one is `truncated_input` and the
//!   record it ends is skipped (a value cut short must not be read as
//!   whole). An ldapsearch `result:` other than 0, or a `# numEntries: N`
//!   that disagrees with the entries read, is `truncated_export`.
//! * Entries without objectClass are kept; the account model refuses them
//!   ([`crate::read::account::NotAccount::NoObjectClass`]).
//!
//! # Parallelism
//!
//! A blank line always ends a record, so the input is cut into chunks at
//! blank lines and the chunks are parsed on all cores with rayon. Chunks are
//! processed in windows of a few per thread and handed on in input order, so
//! memory stays bounded whatever the file size, and line numbers are exact:
//! each chunk counts its lines and the driver adds up the counts in order.
//!
//! # Example
//!
//! ```
//! use usertype_audit::read::ldif::{parse_bytes, LdifOptions};
//!
//! let ldif = b"dn: CN=Ann,DC=contoso,DC=com\nchangetype: add\ncn: Ann\nobjectGUID:: iGhmiAEBERG7uxI0VniQqw==\n";
//! let parsed = parse_bytes("example.ldf", ldif, &LdifOptions::default());
//! assert_eq!(parsed.entries.len(), 1);
//! let entry = &parsed.entries[0];
//! assert_eq!(entry.dn, b"CN=Ann,DC=contoso,DC=com");
//! assert!(entry.get("changetype").is_none());
//! assert_eq!(entry.get("objectguid").unwrap().values[0].bytes[..2], [0x88, 0x68]);
//! ```

mod core;
mod options;

pub use self::options::{LdifOptions, TrailingSpace};
pub use crate::read::batch::{AttrRef, Batch, EntryRef, ReadStats};
use crate::read::collect;
pub use crate::read::entry::{OwnedAttr, OwnedEntry, Projection, Value, ValueKind, ValueRef};
pub use crate::read::{BatchSink, CountOnly, Diagnostics, Parsed, ReadControl, ReadSummary};

use crate::error::{Error, Result};
use crate::read::driver::{self, ChunkFormat, Limits};
use crate::read::input::Input;

/// Parses one chunk of whole records (the no-I/O core, exposed for fuzzing
/// and benchmarks). Lines in the batch are relative to the chunk.
pub fn parse_chunk(input: &[u8], at_file_start: bool, opts: &LdifOptions) -> Batch {
    core::parse_chunk(input, at_file_start, opts)
}

/// Parses a whole file held in memory (BOM and UTF-16 handled as for files)
/// into owned entries. Convenient for tests and small inputs; large inputs
/// should use [`read`] with a [`BatchSink`].
pub fn parse_bytes(name: &str, bytes: &[u8], opts: &LdifOptions) -> Parsed {
    let lenient = LdifOptions {
        strict: false,
        ..opts.clone()
    };
    collect(|sink, control| read(Input::from_bytes(name, bytes), &lenient, control, sink))
}

/// Opens `path` (`-` for standard input) and reads it into `sink`.
pub fn read_path<S: BatchSink>(
    path: &str,
    opts: &LdifOptions,
    control: &ReadControl<'_>,
    sink: &mut S,
) -> Result<ReadSummary> {
    let input = Input::open(path).map_err(|source| Error::Io {
        path: path.into(),
        source,
    })?;
    read(input, opts, control, sink)
}

/// Reads an opened input into `sink`, in parallel, in input order.
pub fn read<S: BatchSink>(
    input: Input,
    opts: &LdifOptions,
    control: &ReadControl<'_>,
    sink: &mut S,
) -> Result<ReadSummary> {
    let format = LdifFormat { opts };
    let limits = Limits {
        strict: opts.strict,
        chunk_target: opts.chunk_target(),
        record_limit: opts.record_limit(),
    };
    let mut input = input;
    // ldapsearch starts its output with `# extended LDIF` and always ends it
    // with a `# search result` trailer: without one, the output was cut.
    let ldapsearch = input
        .peek(64)
        .is_ok_and(|head| head.starts_with(b"# extended LDIF"));
    let mut summary = driver::read(input, &format, limits, control, sink)?;
    if ldapsearch && summary.stats.trailers == 0 {
        let d = crate::diag::Diagnostic {
            file: summary.file.clone(),
            line: summary.stats.lines.max(1),
            column: None,
            kind: crate::diag::DiagKind::TruncatedExport,
            severity: crate::diag::DiagKind::TruncatedExport.severity(),
            message: "the file starts as ldapsearch output (`# extended LDIF`) but has no \
                      `# search result` trailer, which ldapsearch always writes last: the output \
                      was cut. Run the search again and keep its whole output"
                .into(),
        };
        if opts.strict {
            return Err(Error::Strict(Box::new(d)));
        }
        summary.diagnostics.push(d);
    }
    Ok(summary)
}

/// LDIF as the driver sees it: records end at blank lines.
struct LdifFormat<'o> {
    opts: &'o LdifOptions,
}

impl ChunkFormat for LdifFormat<'_> {
    fn chunk_bounds(&self, buf: &[u8], target: usize, _: bool) -> Vec<std::ops::Range<usize>> {
        chunk_bounds(buf, target)
    }

    fn parse(&self, chunk: &[u8], at_file_start: bool, batch: &mut Batch) {
        core::parse_chunk_into(chunk, at_file_start, self.opts, batch)
    }

    fn last_boundary(&self, buf: &[u8]) -> Option<usize> {
        last_boundary(buf)
    }

    fn first_boundary(&self, buf: &[u8]) -> Option<usize> {
        first_boundary(buf, 0)
    }

    fn too_large_message(&self, limit: usize) -> String {
        core::too_large_message(limit)
    }

    fn truncated_message(&self) -> String {
        "the file ends inside a line (no line break after its last line): the export was cut \
         short and what followed is missing, so the record it ends was skipped. Export the \
         file again (ldifde and ldapsearch end every record with a line break and a blank line)"
            .into()
    }
}

/// Offset just after the first blank line at or after `from`, if any.
fn first_boundary(buf: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(i) = memchr::memchr(b'\n', &buf[at..]) {
        let nl = at + i;
        match buf.get(nl + 1) {
            Some(b'\n') => return Some(nl + 2),
            Some(b'\r') if buf.get(nl + 2) == Some(&b'\n') => return Some(nl + 3),
            _ => at = nl + 1,
        }
    }
    None
}

/// Offset just after the last blank line in `buf`, if any.
fn last_boundary(buf: &[u8]) -> Option<usize> {
    let mut end = buf.len();
    while let Some(nl) = memchr::memrchr(b'\n', &buf[..end]) {
        // `nl` ends a blank line when the line before it is empty.
        if nl >= 1 && buf[nl - 1] == b'\n' {
            return Some(nl + 1);
        }
        if nl >= 2 && buf[nl - 1] == b'\r' && buf[nl - 2] == b'\n' {
            return Some(nl + 1);
        }
        end = nl;
    }
    None
}

/// Cuts `buf` into ranges of about `target` bytes, each ending after a blank
/// line (or at the end of the buffer).
fn chunk_bounds(buf: &[u8], target: usize) -> Vec<std::ops::Range<usize>> {
    let target = target.max(1);
    let mut bounds = Vec::with_capacity(buf.len() / target + 1);
    let mut start = 0;
    while start < buf.len() {
        let end = if buf.len() - start <= target {
            buf.len()
        } else {
            first_boundary(buf, start + target - 1).unwrap_or(buf.len())
        };
        bounds.push(start..end);
        start = end;
    }
    bounds
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{DiagKind, Diagnostic};

    #[test]
    fn chunk_bounds_end_after_blank_lines() {
        let buf = b"dn: a\ncn: x\n\ndn: b\n\r\ndn: c\n";
        let bounds = chunk_bounds(buf, 1);
        assert_eq!(bounds, vec![0..13, 13..21, 21..27]);
        assert_eq!(chunk_bounds(buf, 1 << 20), vec![0..27]);
        assert!(chunk_bounds(b"", 10).is_empty());
    }

    #[test]
    fn last_boundary_finds_lf_and_crlf() {
        assert_eq!(last_boundary(b"a\n\nb\n"), Some(3));
        assert_eq!(last_boundary(b"a\r\n\r\nb"), Some(5));
        assert_eq!(last_boundary(b"a\nb\n"), None);
    }

    /// A rejected record is reported by its error alone, and an oversized
    /// record as `record_too_large` whatever else is wrong with it, whether it
    /// is seen whole or streamed past (found by `cargo fuzz`).
    #[test]
    fn oversized_record_reports_the_same_however_it_is_read() {
        let mut text = b"dn: cn=a\ncn: a\n\ndn: cn=big\ncn: caf\xe9\nsn:: !!\n".to_vec();
        for _ in 0..100 {
            text.extend_from_slice(b"description: 0123456789012345678901234567890123456789\n");
        }
        text.extend_from_slice(b"\ndn: cn=c\ncn: caf\xc3\xa9\n");
        for chunk_size in [1, 7, 64, 1 << 20] {
            let opts = LdifOptions {
                chunk_size,
                max_record_size: 1024,
                ..LdifOptions::default()
            };
            let got = parse_bytes("t", &text, &opts);
            let kinds: Vec<(u64, DiagKind)> =
                got.diagnostics.iter().map(|d| (d.line, d.kind)).collect();
            assert_eq!(
                kinds,
                vec![(4, DiagKind::RecordTooLarge), (109, DiagKind::RawUtf8)],
                "chunk size {chunk_size}"
            );
            assert_eq!(got.stats.entries, 2);
            assert_eq!(got.stats.rejected, 1);
        }
        // The same record last in the file, without a final line feed: its
        // last line still counts (found by `cargo fuzz`).
        let mut text = b"dn: cn=a\n\ndn: cn=big\n".to_vec();
        for _ in 0..100 {
            text.extend_from_slice(b"description: 0123456789012345678901234567890123456789\n");
        }
        text.extend_from_slice(b"sn: no final line feed");
        for chunk_size in [1, 7, 64, 1 << 20] {
            let opts = LdifOptions {
                chunk_size,
                max_record_size: 1024,
                ..LdifOptions::default()
            };
            let got = parse_bytes("t", &text, &opts);
            assert_eq!(got.stats.lines, 104, "chunk size {chunk_size}");
            assert_eq!(got.stats.rejected, 1);
        }
    }

    /// An entry with very many distinct attribute names is read in linear
    /// time (the name table grows; found in review).
    #[test]
    fn many_distinct_attribute_names() {
        let mut text = b"dn: cn=wide\n".to_vec();
        for i in 0..100_000 {
            text.extend_from_slice(format!("a{i:07}: v\n").as_bytes());
        }
        text.extend_from_slice(b"A0000007: again\n");
        let got = parse_bytes("t", &text, &LdifOptions::default());
        let entry = &got.entries[0];
        assert_eq!(entry.attrs.len(), 100_000);
        assert_eq!(entry.texts("a0000007"), vec!["v", "again"]);
        assert_eq!(entry.attrs[7].name, "a0000007");
    }

    /// Controls of a rejected record are not counted (found by `cargo fuzz`).
    #[test]
    fn controls_of_rejected_records_are_not_counted() {
        let got = parse_bytes(
            "t",
            b"dn: cn=a\ncontrol: 1.2.3 true\ncn:: !!\n\ndn: cn=b\ncontrol: 1.2.4\nchangetype: add\ncn: b\n",
            &LdifOptions::default(),
        );
        assert_eq!(got.stats.rejected, 1);
        assert_eq!(got.stats.entries, 1);
        assert_eq!(got.stats.controls, 1);
    }

    /// Reads `text` keeping `keep` diagnostics of each kind.
    fn read_keeping(text: &[u8], keep: u64, chunk_size: usize) -> ReadSummary {
        let control = ReadControl {
            progress: None,
            keep_per_kind: keep,
        };
        let opts = LdifOptions {
            chunk_size,
            ..LdifOptions::default()
        };
        let input = Input::from_bytes("t", text);
        read(input, &opts, &control, &mut CountOnly).expect("in-memory read")
    }

    /// A batch keeps (and formats) at most the cap of each kind and counts
    /// the rest, so memory does not grow with the number of diagnostics
    /// (issue #14 item 1: one record of 60 MB of `a: x ` lines took 2 GB).
    #[test]
    fn a_batch_keeps_at_most_the_cap_of_each_kind() {
        let mut text = b"dn: cn=a\n".to_vec();
        for _ in 0..1000 {
            text.extend_from_slice(b"a: x \n");
        }
        text.extend_from_slice(b"cn : a\n");
        let mut batch = Batch::default();
        batch.diag_cap = crate::read::batch::DiagCap(3);
        core::parse_chunk_into(&text, true, &LdifOptions::default(), &mut batch);
        let kept: Vec<(u64, DiagKind)> = batch.diags.iter().map(|d| (d.line, d.kind)).collect();
        assert_eq!(
            kept,
            vec![
                (1, DiagKind::TrailingSpace),
                (2, DiagKind::TrailingSpace),
                (2, DiagKind::DuplicateValue),
                (3, DiagKind::TrailingSpace),
                (1001, DiagKind::SpaceBeforeColon),
            ]
        );
        assert_eq!(
            batch.unkept().collect::<Vec<_>>(),
            vec![(DiagKind::TrailingSpace, 997)]
        );
    }

    /// A record over the limit inside a chunk is measured and skipped
    /// unparsed: none of its values is stored, even for a while (4 records
    /// of 66 MB of short lines took 940 MiB before).
    #[test]
    fn a_record_over_the_limit_is_skipped_unparsed() {
        let mut text = b"dn: cn=big\n".to_vec();
        for _ in 0..1000 {
            text.extend_from_slice(b"a: x \n");
        }
        text.extend_from_slice(b"\ndn: cn=small\ncn: a\n");
        let opts = LdifOptions {
            max_record_size: 1024,
            ..LdifOptions::default()
        };
        let batch = core::parse_chunk(&text, true, &opts);
        // One value stored (the small record's), none of the big one's.
        assert!(batch.values.capacity() < 16, "{}", batch.values.capacity());
        assert_eq!((batch.stats.records, batch.stats.rejected), (2, 1));
        let kinds: Vec<(u64, DiagKind)> = batch.diags.iter().map(|d| (d.line, d.kind)).collect();
        assert_eq!(kinds, vec![(0, DiagKind::RecordTooLarge)]);
        assert_eq!(batch.stats.lines, 1004);
    }

    /// Counts are whole and the kept diagnostics are the first of the file,
    /// whatever the chunk size; the warnings of a rejected record are
    /// dropped with it, counted or kept.
    #[test]
    fn capped_diagnostics_are_the_first_and_counts_are_whole() {
        let mut text = Vec::new();
        for r in 0..20 {
            text.extend_from_slice(format!("dn: cn=r{r}\n").as_bytes());
            for _ in 0..7 {
                text.extend_from_slice(b"a: x \n");
            }
            if r % 5 == 4 {
                text.extend_from_slice(b"b:: !!\n");
            }
            text.extend_from_slice(b"\n");
        }
        let whole = read_keeping(&text, u64::MAX, 1 << 20);
        assert_eq!(whole.diagnostics.counts[&DiagKind::TrailingSpace], 16 * 7);
        assert_eq!(whole.diagnostics.counts[&DiagKind::InvalidBase64], 4);
        for chunk_size in [1, 9, 50, 200, 1 << 20] {
            let got = read_keeping(&text, 2, chunk_size);
            assert_eq!(
                got.diagnostics.counts, whole.diagnostics.counts,
                "chunk size {chunk_size}"
            );
            let firsts: Vec<&Diagnostic> = whole
                .diagnostics
                .kept
                .iter()
                .filter(|d| {
                    whole
                        .diagnostics
                        .kept
                        .iter()
                        .filter(|e| e.kind == d.kind && e.line < d.line)
                        .count()
                        < 2
                })
                .collect();
            assert_eq!(
                got.diagnostics.kept.iter().collect::<Vec<_>>(),
                firsts,
                "chunk size {chunk_size}"
            );
        }
    }

    /// A NUL in a DN (plain or base64) or a plain value is reported at its
    /// column; the value is kept as read. Binary base64 values (GUIDs hold
    /// zero bytes) are not text and are not checked (issue #14 item 8).
    #[test]
    fn nul_bytes_in_dns_and_values_are_reported() {
        let text = b"dn: cn=a\0b,dc=x\ncn: x\0\nobjectGUID:: AAAAAAAAAAAAAAAAAAAAAA==\n\ndn:: Y249Ywk=\n\ndn:: Y249AGM=\nsn: caf\xc3\xa9\0\n";
        let got = parse_bytes("t", text, &LdifOptions::default());
        let kinds: Vec<(u64, Option<u32>, DiagKind)> = got
            .diagnostics
            .iter()
            .filter(|d| d.kind != DiagKind::RawUtf8)
            .map(|d| (d.line, d.column, d.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (1, Some(9), DiagKind::NulByte),
                (2, Some(6), DiagKind::NulByte),
                (7, Some(6), DiagKind::NulByte),
                // Byte columns: `é` takes two.
                (8, Some(10), DiagKind::NulByte),
            ]
        );
        assert_eq!(got.entries.len(), 3);
        assert_eq!(got.entries[0].dn, b"cn=a\0b,dc=x");
        assert_eq!(got.entries[0].texts("cn"), vec!["x\0"]);
        assert!(got.diagnostics[0].message.contains("NUL"));
    }

    proptest::proptest! {
        /// Whatever the input and the chunk size, the same entries, counts
        /// and (capped) diagnostics: cut records, `# numEntries:` checks and
        /// the per-batch cap do not depend on where chunks end.
        #[test]
        fn chunking_never_changes_results(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                &b"dn: cn=a,dc=x\n"[..], b"cn: x \n", b"cn: x\n", b"sn:: !!\n", b"\n",
                b"objectClass: user\n", b"# numEntries: 2\n", b"search: 2\nresult: 4 Size\n",
                b"cn : y\n", b"a\0: b\n", b"dn: cn=b\r\n", b"cn: z", b" folded\n",
                b"changetype: add\n", b"x:",
            ]), 0..30),
            chunk_size in 1usize..64,
            keep in 1u64..4,
        ) {
            let text: Vec<u8> = parts.concat();
            let whole = read_keeping(&text, keep, 1 << 20);
            let got = read_keeping(&text, keep, chunk_size);
            proptest::prop_assert_eq!(&got.diagnostics.counts, &whole.diagnostics.counts);
            proptest::prop_assert_eq!(&got.diagnostics.kept, &whole.diagnostics.kept);
            proptest::prop_assert_eq!(got.stats, whole.stats);
            proptest::prop_assert!(got.stats.reconciles());
        }
    }

    /// Every chunk size gives the same entries, diagnostics and line numbers.
    #[test]
    fn chunking_does_not_change_results() {
        let text = b"version: 1\n\ndn: cn=a\ncn: a\n\n\ndn: cn=b\ncn: caf\xe9\nsn:: !!\n\n# c\ndn: cn=c\r\ncn: x\r\n \r\n\r\ndn: cn=d\ncn: d\n";
        let whole = parse_bytes("t", text, &LdifOptions::default());
        assert_eq!(whole.stats.entries, 3, "{whole:?}");
        for chunk_size in 1..text.len() {
            let opts = LdifOptions {
                chunk_size,
                ..LdifOptions::default()
            };
            let got = parse_bytes("t", text, &opts);
            assert_eq!(got.entries, whole.entries, "chunk size {chunk_size}");
            assert_eq!(
                got.diagnostics, whole.diagnostics,
                "chunk size {chunk_size}"
            );
            assert_eq!(got.stats, whole.stats, "chunk size {chunk_size}");
        }
    }
}
