//! The LDIF reader: RFC 2849 plus everything real exports contain.
//!
//! It reads what Windows `ldifde` writes (every record `changetype: add`,
//! base64 binary attributes, folded lines, UTF-16 from `ldifde -u`), what
//! OpenLDAP `ldapsearch` writes (comments, `version: 1`, `ref:` referrals,
//! `search:`/`result:` trailers) and what other tools write, and it honours
//! every row of the conformance table (`shared/ldif-conformance.md`; one test
//! per row in `tests/ldif_conformance.rs`). In short:
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

use std::io::{self, Read};
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

pub use self::options::{LdifOptions, TrailingSpace};
pub use crate::read::batch::{AttrRef, Batch, EntryRef, ReadStats};
pub use crate::read::entry::{OwnedAttr, OwnedEntry, Projection, Value, ValueKind, ValueRef};
pub use crate::read::{BatchSink, CountOnly, Diagnostics, ReadControl, ReadSummary};

use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::error::{Error, Result};
use crate::read::input::{Body, Encoding, Input};

/// Parses one chunk of whole records (the no-I/O core, exposed for fuzzing
/// and benchmarks). Lines in the batch are relative to the chunk.
pub fn parse_chunk(input: &[u8], at_file_start: bool, opts: &LdifOptions) -> Batch {
    core::parse_chunk(input, at_file_start, opts)
}

/// The result of [`parse_bytes`]: everything, owned.
#[derive(Clone, Debug)]
pub struct Parsed {
    /// The entries, in file order.
    pub entries: Vec<OwnedEntry>,
    /// Every diagnostic, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// Counters.
    pub stats: ReadStats,
}

/// Parses a whole file held in memory (BOM and UTF-16 handled as for files)
/// into owned entries. Convenient for tests and small inputs; large inputs
/// should use [`read`] with a [`BatchSink`].
pub fn parse_bytes(name: &str, bytes: &[u8], opts: &LdifOptions) -> Parsed {
    struct Collect(Vec<OwnedEntry>);
    impl BatchSink for Collect {
        type Output = Vec<OwnedEntry>;
        fn map(&self, batch: &Batch) -> Vec<OwnedEntry> {
            batch.entries().map(|e| e.to_owned()).collect()
        }
        fn consume(&mut self, _: &Batch, out: Vec<OwnedEntry>) -> io::Result<()> {
            self.0.extend(out);
            Ok(())
        }
    }
    let mut sink = Collect(Vec::new());
    let control = ReadControl {
        progress: None,
        keep_per_kind: u64::MAX,
    };
    let lenient = LdifOptions {
        strict: false,
        ..opts.clone()
    };
    let input = Input::from_bytes(name, bytes);
    match read(input, &lenient, &control, &mut sink) {
        Ok(summary) => Parsed {
            entries: sink.0,
            diagnostics: summary.diagnostics.kept,
            stats: summary.stats,
        },
        // Reading from memory into a collecting sink cannot fail.
        Err(e) => unreachable!("in-memory read failed: {e}"),
    }
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
    let started = Instant::now();
    let mut driver = Driver {
        file: input.name.clone(),
        opts,
        control,
        stats: ReadStats::default(),
        diagnostics: Diagnostics::new(control.keep_per_kind),
        next_line: 1,
        next_byte: 0,
        at_file_start: true,
        raw_utf8_seen: false,
        pool: Vec::new(),
        skipped_partial_line: false,
    };
    match input.encoding {
        Encoding::Utf8Bom => driver.file_diag(
            DiagKind::ByteOrderMark,
            "UTF-8 byte-order mark at the start of the file; skipped".into(),
        )?,
        Encoding::Utf16Le | Encoding::Utf16Be => driver.file_diag(
            DiagKind::Utf16Transcoded,
            format!(
                "file is {} (as `ldifde -u` writes it); transcoded to UTF-8",
                if input.encoding == Encoding::Utf16Le {
                    "UTF-16LE"
                } else {
                    "UTF-16BE"
                }
            ),
        )?,
        Encoding::Utf8 => {}
    }
    match input.body {
        Body::Mapped { map, start } => driver.buffer(&map[start..], true, sink)?,
        Body::Stream(reader) => driver.stream(reader, sink)?,
    }
    if let Ok(problems) = input.problems.lock() {
        if problems.count > 0 {
            let d = Diagnostic {
                file: driver.file.clone(),
                line: problems.first_line.unwrap_or(1),
                column: None,
                kind: DiagKind::InvalidUtf16,
                severity: Severity::Error,
                message: format!(
                    "{} invalid UTF-16 code unit(s) (unpaired surrogate or odd final byte), \
                     replaced by U+FFFD; the export may be truncated or not UTF-16",
                    problems.count
                ),
            };
            driver.emit(d)?;
        }
    }
    Ok(ReadSummary {
        file: input.name,
        encoding: input.encoding,
        transport: input.transport,
        size_on_disk: input.size_on_disk,
        stats: driver.stats,
        diagnostics: driver.diagnostics,
        elapsed: started.elapsed(),
    })
}

/// Window size in chunks per thread: enough to keep every core busy while
/// the window's slowest chunk finishes, small enough to bound memory.
const CHUNKS_PER_THREAD: usize = 4;

struct Driver<'o, 'c, 'p> {
    file: Arc<str>,
    opts: &'o LdifOptions,
    control: &'c ReadControl<'p>,
    stats: ReadStats,
    diagnostics: Diagnostics,
    /// Absolute 1-based line of the next unread byte.
    next_line: u64,
    /// Absolute offset of the next unread (decoded) byte.
    next_byte: u64,
    at_file_start: bool,
    raw_utf8_seen: bool,
    /// Batches whose allocations are reused by the next window.
    pool: Vec<Batch>,
    /// The last bytes skipped (of an oversized record) end inside a line.
    skipped_partial_line: bool,
}

impl Driver<'_, '_, '_> {
    fn emit(&mut self, d: Diagnostic) -> Result<()> {
        if self.opts.strict && d.severity == Severity::Error {
            return Err(Error::Strict(Box::new(d)));
        }
        self.diagnostics.push(d);
        Ok(())
    }

    fn file_diag(&mut self, kind: DiagKind, message: String) -> Result<()> {
        let d = Diagnostic {
            file: self.file.clone(),
            line: 1,
            column: None,
            kind,
            severity: kind.severity(),
            message,
        };
        self.emit(d)
    }

    fn window_len(&self) -> usize {
        rayon::current_num_threads().max(1) * CHUNKS_PER_THREAD
    }

    /// Parses a buffer of whole records (`eof` means nothing follows it).
    fn buffer<S: BatchSink>(&mut self, buf: &[u8], _eof: bool, sink: &mut S) -> Result<()> {
        let bounds = chunk_bounds(buf, self.opts.chunk_target());
        let window = self.window_len();
        let mut done = 0usize;
        for ranges in bounds.chunks(window) {
            let first_is_start = self.at_file_start;
            let opts = self.opts;
            let mut batches: Vec<Batch> = (0..ranges.len())
                .map(|_| self.pool.pop().unwrap_or_default())
                .collect();
            batches
                .par_iter_mut()
                .zip(ranges.par_iter())
                .enumerate()
                .for_each(|(i, (batch, r))| {
                    core::parse_chunk_into(&buf[r.clone()], first_is_start && i == 0, opts, batch)
                });
            self.at_file_start = false;
            for batch in &mut batches {
                batch.first_line = self.next_line;
                batch.first_byte = self.next_byte;
                self.next_line += batch.stats.lines;
                self.next_byte += batch.stats.bytes;
            }
            let sink_ref: &S = sink;
            let outputs: Vec<S::Output> = batches.par_iter().map(|b| sink_ref.map(b)).collect();
            for (batch, out) in batches.iter_mut().zip(outputs) {
                self.merge(batch)?;
                sink.consume(batch, out).map_err(Error::Output)?;
            }
            self.pool.extend(batches);
            done += ranges.iter().map(|r| r.len()).sum::<usize>();
            if let Some(progress) = self.control.progress {
                progress(done as u64);
            }
        }
        Ok(())
    }

    /// Folds a batch's counters and diagnostics into the totals.
    fn merge(&mut self, batch: &mut Batch) -> Result<()> {
        self.stats += batch.stats;
        for raw in batch.diags.drain(..) {
            if raw.kind == DiagKind::RawUtf8 {
                if self.raw_utf8_seen {
                    continue;
                }
                self.raw_utf8_seen = true;
            }
            let d = Diagnostic {
                file: self.file.clone(),
                line: batch.first_line + raw.line,
                column: raw.column,
                kind: raw.kind,
                severity: raw.kind.severity(),
                message: raw.message,
            };
            self.emit(d)?;
        }
        Ok(())
    }

    /// Reads a stream in blocks cut at record boundaries.
    fn stream<S: BatchSink>(
        &mut self,
        mut reader: Box<dyn Read + Send>,
        sink: &mut S,
    ) -> Result<()> {
        let block = self
            .opts
            .chunk_target()
            .saturating_mul(self.window_len())
            .max(1);
        let mut buf: Vec<u8> = Vec::new();
        let mut eof = false;
        let mut read_total: u64 = 0;
        let mut discarding = false;
        while !eof || !buf.is_empty() {
            if !eof && buf.len() < block {
                eof = self.fill(&mut reader, &mut buf, block, &mut read_total)?;
            }
            if discarding {
                // Skipping an oversized record: drop bytes up to its end.
                match first_boundary(&buf, 0) {
                    Some(end) => {
                        self.skip_bytes(&buf[..end]);
                        buf.drain(..end);
                        discarding = false;
                    }
                    None => {
                        // Keep a possible start of the blank line that ends the record.
                        let keep = if buf.ends_with(b"\n\r") {
                            2
                        } else {
                            usize::from(buf.ends_with(b"\n"))
                        };
                        let cut = buf.len() - keep;
                        self.skip_bytes(&buf[..cut]);
                        buf.drain(..cut);
                        if eof {
                            let rest = std::mem::take(&mut buf);
                            self.skip_bytes(&rest);
                        }
                    }
                }
                continue;
            }
            let cut = if eof {
                buf.len()
            } else {
                match last_boundary(&buf) {
                    Some(cut) => cut,
                    None if buf.len() > self.opts.record_limit() + block => {
                        self.oversized_record(&buf)?;
                        discarding = true;
                        continue;
                    }
                    None => {
                        // One record longer than a block: read more.
                        let want = buf.len() + block;
                        eof = self.fill(&mut reader, &mut buf, want, &mut read_total)?;
                        continue;
                    }
                }
            };
            self.buffer(&buf[..cut], eof && cut == buf.len(), sink)?;
            buf.drain(..cut);
            if let Some(progress) = self.control.progress {
                progress(read_total);
            }
        }
        // Count a final line without a line feed, as the parser does.
        if self.skipped_partial_line {
            self.stats.lines += 1;
        }
        Ok(())
    }

    /// Reads until `buf` holds `upto` bytes; returns whether the input ended.
    fn fill(
        &self,
        reader: &mut Box<dyn Read + Send>,
        buf: &mut Vec<u8>,
        upto: usize,
        read_total: &mut u64,
    ) -> Result<bool> {
        let want = upto.saturating_sub(buf.len()) as u64;
        let n = reader
            .take(want)
            .read_to_end(buf)
            .map_err(|source| Error::Io {
                path: self.file.as_ref().into(),
                source,
            })? as u64;
        *read_total += n;
        Ok(n < want)
    }

    /// Reports a record too large to hold and counts it as rejected.
    /// `buf` starts with the record, perhaps after a blank line.
    fn oversized_record(&mut self, buf: &[u8]) -> Result<()> {
        // The skipped record was the first: a later `version:` is misplaced.
        self.at_file_start = false;
        self.stats.records += 1;
        self.stats.rejected += 1;
        let mut blank = 0;
        let mut rest = buf;
        while let Some(r) = rest
            .strip_prefix(b"\n")
            .or_else(|| rest.strip_prefix(b"\r\n"))
        {
            blank += 1;
            rest = r;
        }
        let d = Diagnostic {
            file: self.file.clone(),
            line: self.next_line + blank,
            column: None,
            kind: DiagKind::RecordTooLarge,
            severity: Severity::Error,
            message: core::too_large_message(self.opts.record_limit()),
        };
        self.emit(d)
    }

    /// Accounts for bytes skipped without parsing.
    fn skip_bytes(&mut self, bytes: &[u8]) {
        if !bytes.is_empty() {
            self.skipped_partial_line = !bytes.ends_with(b"\n");
        }
        let lines = memchr::memchr_iter(b'\n', bytes).count() as u64;
        self.next_line += lines;
        self.next_byte += bytes.len() as u64;
        self.stats.lines += lines;
        self.stats.bytes += bytes.len() as u64;
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
