//! The parallel driver shared by the on-premises readers.
//!
//! A format says how to cut its input into chunks of whole records and how
//! to parse one chunk into a [`Batch`]; the driver does the rest the same way
//! for every format: chunks are parsed on all cores in windows of a few per
//! thread, batches are handed to the sink in input order (so output never
//! depends on the thread count), line numbers are made absolute, memory stays
//! bounded (batches are pooled and reused), and streams (stdin, gzip, UTF-16)
//! are read in blocks cut at record boundaries.

use std::collections::HashSet;
use std::io::Read;
use std::ops::Range;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::error::{Error, Result};
use crate::read::batch::{DiagCap, RawDiag};
use crate::read::digest::Digest;
use crate::read::input::{Body, Encoding, Input};
use crate::read::{Batch, BatchSink, Diagnostics, ReadControl, ReadStats, ReadSummary};

/// How a format cuts and parses its input.
pub(crate) trait ChunkFormat: Sync {
    /// Cuts a buffer of whole records into ranges of about `target` bytes,
    /// each ending at a record boundary (or at the end of the buffer).
    /// `at_file_start` says `buf` starts the file (a header may have to stay whole).
    fn chunk_bounds(&self, buf: &[u8], target: usize, at_file_start: bool) -> Vec<Range<usize>>;
    /// Parses one chunk into `batch` (cleared first); lines relative to the chunk.
    fn parse(&self, chunk: &[u8], at_file_start: bool, batch: &mut Batch);
    /// Offset just after the last record boundary in `buf`, if any.
    fn last_boundary(&self, buf: &[u8]) -> Option<usize>;
    /// Offset just after the first record boundary in `buf`, if any (used to
    /// skip past a record too large to hold).
    fn first_boundary(&self, buf: &[u8]) -> Option<usize>;
    /// The message of a `record_too_large` diagnostic.
    fn too_large_message(&self, limit: usize) -> String;
    /// The message of the `truncated_input` diagnostic for an input whose
    /// last line has no line break.
    fn truncated_message(&self) -> String;
    /// Bytes at the start of the input that only the first chunk may hold
    /// (a CSV header); 0 when there are none.
    fn header_len(&self) -> usize {
        0
    }
}

/// Limits every format shares.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Stop at the first error.
    pub strict: bool,
    /// Target chunk size in bytes.
    pub chunk_target: usize,
    /// Largest record accepted, in bytes.
    pub record_limit: usize,
}

/// Reads an opened input into `sink`, in parallel, in input order.
pub(crate) fn read<F: ChunkFormat, S: BatchSink>(
    input: Input,
    format: &F,
    limits: Limits,
    control: &ReadControl<'_>,
    sink: &mut S,
) -> Result<ReadSummary> {
    let started = Instant::now();
    let mut driver = Driver {
        file: input.name.clone(),
        format,
        limits,
        control,
        stats: ReadStats::default(),
        diagnostics: Diagnostics::new(control.keep_per_kind),
        next_line: 1,
        next_byte: 0,
        at_file_start: true,
        once_seen: HashSet::new(),
        pool: Vec::new(),
        last_byte: None,
        crlf_before_final_cr: false,
        digest: None,
        claimed_up_to: (0, 0),
    };
    match input.encoding {
        Encoding::Utf8Bom => driver.file_diag(
            DiagKind::ByteOrderMark,
            "UTF-8 byte-order mark at the start of the file; skipped".into(),
        )?,
        Encoding::Utf16Le | Encoding::Utf16Be => driver.file_diag(
            DiagKind::Utf16Transcoded,
            format!(
                "file is {} (as `ldifde -u` and `csvde -u` write it); transcoded to UTF-8",
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
        Body::Mapped { map, start } => {
            driver.digest = input.digest.clone().map(|d| (d, start));
            driver.buffer(&map[start..], sink)?;
        }
        Body::Stream(reader) => driver.stream(reader, sink)?,
    }
    // Chunks count line feeds; a last line without one counts too.
    if driver.last_byte.is_some_and(|b| b != b'\n') {
        driver.stats.lines += 1;
        // Export tools end every record with a line break: the input was cut
        // (the format rejected the record it cut, unless it said so already).
        // A final CR is a line end in a file of CR line ends (a CSV re-saved
        // on an old Mac), and a cut between CR and LF in a CRLF file.
        if (driver.last_byte != Some(b'\r') || driver.crlf_before_final_cr)
            && !driver
                .diagnostics
                .counts
                .contains_key(&DiagKind::TruncatedInput)
        {
            let d = Diagnostic {
                file: driver.file.clone(),
                line: driver.stats.lines,
                column: None,
                kind: DiagKind::TruncatedInput,
                severity: DiagKind::TruncatedInput.severity(),
                message: format.truncated_message(),
            };
            driver.emit(d)?;
        }
    }
    // (Rejected records are reported by their own errors.)
    if driver.stats.entries == 0 && driver.stats.rejected == 0 {
        driver.file_diag(
            DiagKind::NoEntries,
            "the file holds no entries (it is empty, or holds only comments, a header, change \
             records or ldapsearch trailers): there is nothing to audit. Export the users again"
                .into(),
        )?;
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

/// Groups consecutive ranges into windows of at most `count` ranges and
/// at most `2 * count * target` bytes (ranges are about `target` each, so
/// ordinary windows are never cut short): a range far over the target (one
/// huge record) gets a window of its own, so the batches alive at once
/// never hold several such records.
fn windows(bounds: &[Range<usize>], count: usize, target: usize) -> Vec<&[Range<usize>]> {
    let budget = count.max(1).saturating_mul(target.max(1)).saturating_mul(2);
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0usize);
    for (i, r) in bounds.iter().enumerate() {
        let len = r.end - r.start;
        if i > start && (i - start == count.max(1) || bytes.saturating_add(len) > budget) {
            out.push(&bounds[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes = bytes.saturating_add(len);
    }
    if start < bounds.len() {
        out.push(&bounds[start..]);
    }
    out
}

/// Window size in chunks per thread: enough to keep every core busy while
/// the window's slowest chunk finishes, small enough to bound memory.
const CHUNKS_PER_THREAD: usize = 4;

struct Driver<'f, 'c, 'p, F> {
    file: Arc<str>,
    format: &'f F,
    limits: Limits,
    control: &'c ReadControl<'p>,
    stats: ReadStats,
    diagnostics: Diagnostics,
    /// Absolute 1-based line of the next unread byte.
    next_line: u64,
    /// Absolute offset of the next unread (decoded) byte.
    next_byte: u64,
    at_file_start: bool,
    /// Diagnostics reported once per file, by kind and message.
    once_seen: HashSet<(DiagKind, String)>,
    /// Batches whose allocations are reused by the next window.
    pool: Vec<Batch>,
    /// The last byte of input handled so far (parsed or skipped).
    last_byte: Option<u8>,
    /// Whether the input ends in a CR with a CRLF shortly before it: then
    /// the final CR is a cut between a CR and its LF, not a CR line end.
    crlf_before_final_cr: bool,
    /// Entries and rejected records read up to the last ldapsearch
    /// `# numEntries:` comment.
    claimed_up_to: (u64, u64),
    /// The input's hash, when asked for, and where the buffer starts in the
    /// file: workers hash the blocks of a range before they parse it.
    digest: Option<(Arc<Digest>, usize)>,
}

impl<F: ChunkFormat> Driver<'_, '_, '_, F> {
    fn emit(&mut self, d: Diagnostic) -> Result<()> {
        if self.limits.strict && d.severity == Severity::Error {
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
    /// Parses a buffer of whole records. Returns true when a batch asked to
    /// stop reading (the rest of the input is then counted, not parsed).
    fn buffer<S: BatchSink>(&mut self, buf: &[u8], sink: &mut S) -> Result<bool> {
        if let Some(&b) = buf.last() {
            self.last_byte = Some(b);
            // Rare (a buffer ending in CR), and only its tail is looked at.
            if b == b'\r' {
                let tail = &buf[buf.len().saturating_sub(1 << 16)..];
                self.crlf_before_final_cr = memchr::memmem::find(tail, b"\r\n").is_some();
            }
        }
        let bounds = self
            .format
            .chunk_bounds(buf, self.limits.chunk_target, self.at_file_start);
        for ranges in windows(&bounds, self.window_len(), self.limits.chunk_target) {
            let first_is_start = self.at_file_start;
            let format = self.format;
            let digest = self.digest.as_ref();
            let cap = DiagCap(self.control.keep_per_kind);
            let mut batches: Vec<Batch> = (0..ranges.len())
                .map(|_| {
                    let mut batch = self.pool.pop().unwrap_or_default();
                    batch.diag_cap = cap;
                    batch
                })
                .collect();
            batches
                .par_iter_mut()
                .zip(ranges.par_iter())
                .enumerate()
                .for_each(|(i, (batch, r))| {
                    if let Some((digest, offset)) = digest {
                        // The first range also takes what precedes the buffer (a BOM).
                        let from = if r.start == 0 { 0 } else { offset + r.start };
                        digest.hash_blocks_starting_in(from..offset + r.end);
                    }
                    format.parse(&buf[r.clone()], first_is_start && i == 0, batch)
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
            let mut stop_after = None;
            for ((batch, out), range) in batches.iter_mut().zip(outputs).zip(ranges) {
                self.merge(batch)?;
                sink.consume(batch, out).map_err(Error::Output)?;
                if batch.stop_reading {
                    stop_after = Some(range.end);
                    break;
                }
            }
            self.pool.extend(batches);
            if let Some(end) = stop_after {
                // The format stopped reading: the rest of this buffer is
                // counted, not parsed (nor are the batches parsed beside it).
                self.next_line = self.stats.lines + 1;
                self.next_byte = self.stats.bytes;
                self.skip_bytes(&buf[end..]);
                return Ok(true);
            }
            if let Some(progress) = self.control.progress {
                // Bytes of (decoded) input done so far, across blocks.
                progress(self.next_byte);
            }
        }
        Ok(false)
    }

    /// Folds a batch's counters and diagnostics into the totals.
    fn merge(&mut self, batch: &mut Batch) -> Result<()> {
        let before = self.stats;
        let mut raws = std::mem::take(&mut batch.diags);
        for claim in std::mem::take(&mut batch.entry_claims) {
            let entries = before.entries + claim.entries_before;
            let rejected = before.rejected + claim.rejected_before;
            let (since_entries, since_rejected) = (
                entries.saturating_sub(self.claimed_up_to.0),
                rejected.saturating_sub(self.claimed_up_to.1),
            );
            self.claimed_up_to = (entries, rejected);
            // A rejected record may have been one of the entries counted.
            if (since_entries..=since_entries + since_rejected).contains(&claim.claimed) {
                continue;
            }
            // Not through the batch's cap: it is placed among the kept ones
            // by line below, so the first of its kind in the file are kept.
            raws.push(RawDiag {
                line: claim.line,
                column: None,
                kind: DiagKind::TruncatedExport,
                message: format!(
                    "ldapsearch says it returned {n} entries (`# numEntries: {n}`) but the file \
                     holds {since_entries} before this line: the export was cut or edited. \
                     Re-run the export and audit the new file",
                    n = claim.claimed
                ),
            });
            raws.sort_by_key(|d| d.line);
        }
        self.stats += batch.stats;
        for raw in raws.drain(..) {
            if raw.kind.once_per_file() && !self.once_seen.insert((raw.kind, raw.message.clone())) {
                continue;
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
        // Keep the allocation for the batch's next use.
        batch.diags = raws;
        // Diagnostics over the batch's cap were counted, never formatted.
        batch.commit_diags();
        for (kind, n) in batch.unkept() {
            if self.limits.strict && kind.severity() == Severity::Error {
                // Only reachable with a cap of 0: no message was kept to stop at.
                return Err(Error::Strict(Box::new(Diagnostic {
                    file: self.file.clone(),
                    line: batch.first_line,
                    column: None,
                    kind,
                    severity: Severity::Error,
                    message: format!("{n} error(s) of this kind from this line on"),
                })));
            }
            self.diagnostics.count_unkept(kind, n);
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
            .limits
            .chunk_target
            .saturating_mul(self.window_len())
            .max(1);
        let mut buf: Vec<u8> = Vec::new();
        let mut eof = false;
        let mut discarding = false;
        while !eof || !buf.is_empty() {
            if !eof && buf.len() < block {
                eof = self.fill(&mut reader, &mut buf, block)?;
            }
            if discarding {
                // Skipping an oversized record: drop bytes up to its end.
                match self.format.first_boundary(&buf) {
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
            // The first block must hold the whole header, if the format has one.
            let header = if self.at_file_start {
                self.format.header_len()
            } else {
                0
            };
            let cut = if eof {
                buf.len()
            } else {
                // Record boundaries are found from the end of the header:
                // a `#TYPE` line is not CSV and must not be scanned as CSV.
                let found = if buf.len() < header {
                    None
                } else {
                    self.format
                        .last_boundary(&buf[header..])
                        .map(|cut| cut + header)
                };
                match found {
                    Some(cut) => cut,
                    // A whole header and an oversized record after it: read
                    // the header on its own, so the next round reports the
                    // record at its own line.
                    None if header > 0
                        && buf.len() >= header
                        && buf.len() > self.limits.record_limit + block =>
                    {
                        header
                    }
                    None if buf.len() > self.limits.record_limit + block => {
                        self.oversized_record(&buf)?;
                        discarding = true;
                        continue;
                    }
                    None => {
                        // One record longer than a block: read more.
                        let want = buf.len() + block;
                        eof = self.fill(&mut reader, &mut buf, want)?;
                        continue;
                    }
                }
            };
            if self.buffer(&buf[..cut], sink)? {
                // The format stopped reading: count the rest without parsing.
                buf.drain(..cut);
                loop {
                    self.skip_bytes(&buf);
                    buf.clear();
                    if eof {
                        break;
                    }
                    eof = self.fill(&mut reader, &mut buf, block)?;
                }
                break;
            }
            buf.drain(..cut);
        }
        Ok(())
    }

    /// Reads until `buf` holds `upto` bytes; returns whether the input ended.
    fn fill(
        &mut self,
        reader: &mut Box<dyn Read + Send>,
        buf: &mut Vec<u8>,
        upto: usize,
    ) -> Result<bool> {
        let want = upto.saturating_sub(buf.len()) as u64;
        match reader.take(want).read_to_end(buf) {
            Ok(n) => Ok((n as u64) < want),
            // A stream that fails part-way (a cut or corrupt `.gz`, a gzip
            // bomb) ends here: what was decoded is read, and the diagnostic
            // makes the read incomplete instead of stopping the whole run.
            Err(source) => {
                let kind = crate::read::input::read_error_kind(&source);
                let line = self.next_line + memchr::memchr_iter(b'\n', &buf[..]).count() as u64;
                let what = match kind {
                    DiagKind::TruncatedInput => {
                        "the compressed stream ends early (a cut or partly copied file): what \
                         followed is missing; copy or export the file again"
                    }
                    DiagKind::DecompressionLimit => {
                        "the stream was stopped at its decoded-size limit; decompress it yourself \
                         and check what it holds"
                    }
                    _ => "the file could not be read to its end; copy or export it again",
                };
                let d = Diagnostic {
                    file: self.file.clone(),
                    line,
                    column: None,
                    kind,
                    severity: kind.severity(),
                    message: format!("{what} ({source})"),
                };
                self.emit(d)?;
                Ok(true)
            }
        }
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
            message: self.format.too_large_message(self.limits.record_limit),
        };
        self.emit(d)
    }

    /// Accounts for bytes skipped without parsing.
    fn skip_bytes(&mut self, bytes: &[u8]) {
        if let Some(&b) = bytes.last() {
            self.last_byte = Some(b);
        }
        let lines = memchr::memchr_iter(b'\n', bytes).count() as u64;
        self.next_line += lines;
        self.next_byte += bytes.len() as u64;
        self.stats.lines += lines;
        self.stats.bytes += bytes.len() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::windows;

    #[test]
    fn windows_hold_a_count_and_a_budget() {
        let bounds = vec![0..4, 4..8, 8..100, 100..104, 104..108, 108..112, 112..116];
        let got: Vec<Vec<std::ops::Range<usize>>> = windows(&bounds, 2, 3)
            .into_iter()
            .map(<[_]>::to_vec)
            .collect();
        assert_eq!(
            got,
            vec![
                vec![0..4, 4..8],
                vec![8..100],
                vec![100..104, 104..108],
                vec![108..112, 112..116]
            ]
        );
        assert!(windows(&[], 4, 10).is_empty());
    }
}
