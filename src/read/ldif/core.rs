//! The no-I/O core: parses one chunk of LDIF held in memory into a [`Batch`].
//!
//! A chunk is any run of whole records (it starts at a record boundary and
//! ends after a blank line or at the end of input). The parser works on bytes:
//! lines are found with `memchr`, folded lines are unfolded into one scratch
//! buffer only when they are folded, base64 is decoded straight into the
//! batch's arena, and attributes outside the projection are not kept (and
//! not even decoded unless `validate_all` asks for it).
//!
//! Line numbers are 0-based and relative to the chunk here; the driver adds
//! the chunk's first line once the chunks before it are known.

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use memchr::memchr2;

use super::options::{LdifOptions, TrailingSpace};
use crate::diag::{preview, DiagKind};
use crate::read::batch::{AttrIdx, Batch, EntryClaim, EntryIdx, RawDiag, ReadStats, ValIdx};
use crate::read::entry::ValueKind;

/// Base64 as LDIF writers produce it: standard alphabet, padding optional,
/// non-canonical trailing bits tolerated (they carry no data).
pub(crate) const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Parses `input` (whole records) into a batch. `at_file_start` allows a
/// `version:` line in the first record.
pub(crate) fn parse_chunk(input: &[u8], at_file_start: bool, opts: &LdifOptions) -> Batch {
    let mut batch = Batch::default();
    parse_chunk_into(input, at_file_start, opts, &mut batch);
    batch
}

/// As [`parse_chunk`], reusing `batch`'s allocations (the driver keeps a pool
/// of batches so that steady-state parsing allocates nothing).
pub(crate) fn parse_chunk_into(
    input: &[u8],
    at_file_start: bool,
    opts: &LdifOptions,
    batch: &mut Batch,
) {
    batch.clear();
    let mut parser = Parser {
        input,
        pos: 0,
        line: 0,
        opts,
        batch: std::mem::take(batch),
        bare_cr: None,
        attr_slots: vec![0; ATTR_SLOTS],
        used_slots: Vec::new(),
        version_allowed: at_file_start,
        raw_utf8_reported: false,
        check_only: false,
        rejection: None,
    };
    parser.batch.stats.bytes = input.len() as u64;
    parser.batch.lists_object_class = opts.projection.wants(b"objectClass");
    let mut scratch = std::mem::take(&mut parser.batch.scratch);
    // A chunk ends after a blank line unless it ends the input: a last line
    // without a line break means the export was cut there (the driver
    // reports it once for the file). A final CR is a cut too (between the CR
    // and the LF of a CRLF): LDIF has no CR-only line ends.
    let cut = !input.is_empty() && !input.ends_with(b"\n");
    loop {
        parser.skip_blank_lines();
        if parser.pos >= input.len() {
            break;
        }
        let before = cut.then(|| parser.snapshot());
        parser.record(&mut scratch);
        if let Some(before) = before {
            if parser.pos >= input.len() {
                parser.reject_cut_record(&before);
            }
        }
    }
    // Lines are counted as line feeds; the driver adds a last line without
    // one once it knows where the input ends.
    parser.batch.stats.lines =
        parser.line - u64::from(!input.is_empty() && !input.ends_with(b"\n"));
    parser.batch.scratch = scratch;
    parser.batch.commit_diags();
    // Duplicates are found at the end of a record; keep diagnostics in file order.
    parser.batch.diags.sort_by_key(|d| d.line);
    *batch = parser.batch;
}

/// What kind of record is being parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RecordKind {
    /// No `dn:` yet.
    Start,
    /// `dn:` seen; controls and changetype may follow.
    AfterDn,
    /// An entry: attribute lines.
    Entry,
    /// A change record; `modify` syntax is checked.
    Change { modify: bool },
    /// ldapsearch `search:`/`result:` trailer.
    Trailer,
    /// ldapsearch `ref:` referral.
    Referral,
    /// Only a `version:` line so far.
    Version,
}

/// One logical (unfolded) line.
enum Logical<'s> {
    /// End of the record (blank line or end of input).
    End,
    /// The unfolded content.
    Text(&'s [u8]),
    /// The record exceeds `max_record_size`.
    TooLarge,
    /// A bare CR at this 0-based chunk line and 1-based column.
    BareCr(u64, usize),
}

struct Parser<'a, 'o> {
    input: &'a [u8],
    /// Start of the next physical line.
    pos: usize,
    /// 0-based index (within the chunk) of the physical line at `pos`.
    line: u64,
    opts: &'o LdifOptions,
    batch: Batch,
    /// (line, column) of the first bare CR met by `physical` since it was cleared.
    bare_cr: Option<(u64, usize)>,
    /// Open-addressing table of the current entry's attribute names
    /// (index + 1; 0 is empty), so merging names stays O(1) per line. It
    /// grows for entries with many names; only the slots in `used_slots` are
    /// cleared between records.
    attr_slots: Vec<u32>,
    used_slots: Vec<usize>,
    version_allowed: bool,
    raw_utf8_reported: bool,
    /// Checking a value outside the projection: plain values are validated
    /// without being copied into the arena.
    check_only: bool,
    /// The error that rejects the current record, left by `store_value`.
    rejection: Option<RawDiag>,
}

/// Where the batch stood before a record (see [`Parser::reject_cut_record`]).
struct Snapshot {
    stats: ReadStats,
    data: usize,
    entries: usize,
    attrs: usize,
    values: usize,
    diags: usize,
    claims: usize,
}

/// Marks into the batch vectors, to roll back a rejected record.
struct Marks {
    data: usize,
    attrs: usize,
    values: usize,
    diags: usize,
    raw_utf8_reported: bool,
    record_start: usize,
    record_line: u64,
}

impl<'a> Parser<'a, '_> {
    /// End of the content of the physical line at `pos` (CR of CRLF
    /// excluded) and the start of the next line. A CR that is not followed by
    /// LF does not end the line; its place is noted in `bare_cr`.
    #[inline]
    fn physical(&mut self, pos: usize) -> (usize, usize) {
        let input = self.input;
        let mut at = pos;
        loop {
            let Some(i) = memchr2(b'\n', b'\r', &input[at..]) else {
                return (input.len(), input.len());
            };
            let p = at + i;
            if input[p] == b'\n' {
                return (p, p + 1);
            }
            match input.get(p + 1) {
                Some(b'\n') => return (p, p + 2),
                // A final CR at the end of input is taken as a line end.
                None => return (p, p + 1),
                Some(_) => {
                    self.bare_cr.get_or_insert((self.line, p - pos + 1));
                    at = p + 1;
                }
            }
        }
    }

    fn skip_blank_lines(&mut self) {
        while self.pos < self.input.len() {
            let (end, next) = self.physical(self.pos);
            if end != self.pos {
                return;
            }
            self.pos = next;
            self.line += 1;
        }
    }

    /// Whether the record at `pos` is longer than `limit` bytes (line ends
    /// included), reading no further than that.
    fn record_exceeds(&mut self, limit: usize) -> bool {
        let saved = self.bare_cr;
        let start = self.pos;
        let mut at = start;
        let mut over = false;
        while at < self.input.len() {
            let (end, next) = self.physical(at);
            if end == at {
                break;
            }
            if next - start > limit {
                over = true;
                break;
            }
            at = next;
        }
        self.bare_cr = saved;
        over
    }

    /// Skips the rest of a record (up to, not including, its terminating blank line).
    fn skip_record(&mut self) {
        while self.pos < self.input.len() {
            let (end, next) = self.physical(self.pos);
            if end == self.pos {
                return;
            }
            self.pos = next;
            self.line += 1;
        }
    }

    /// Reads the next logical line of the current record, unfolding into
    /// `scratch` only when the line is folded.
    #[inline]
    fn logical<'s>(&mut self, scratch: &'s mut Vec<u8>, record_start: usize) -> Logical<'s>
    where
        'a: 's,
    {
        if self.pos >= self.input.len() {
            return Logical::End;
        }
        let input: &'a [u8] = self.input;
        let start = self.pos;
        self.bare_cr = None;
        let (end, mut next) = self.physical(start);
        if end == start {
            return Logical::End;
        }
        self.line += 1;
        let folded = next < input.len() && input[next] == b' ';
        let text: &'s [u8] = if !folded {
            self.pos = next;
            &input[start..end]
        } else {
            scratch.clear();
            scratch.extend_from_slice(&input[start..end]);
            while next < input.len() && input[next] == b' ' {
                let (cend, cnext) = self.physical(next);
                if cnext - record_start > self.opts.record_limit() {
                    self.pos = cnext;
                    self.line += 1;
                    return Logical::TooLarge;
                }
                scratch.extend_from_slice(&input[next + 1..cend.max(next + 1)]);
                next = cnext;
                self.line += 1;
            }
            self.pos = next;
            &scratch[..]
        };
        if self.pos - record_start > self.opts.record_limit() {
            return Logical::TooLarge;
        }
        if let Some((line, col)) = self.bare_cr.take() {
            return Logical::BareCr(line, col);
        }
        Logical::Text(text)
    }

    /// Records a diagnostic; the message is only formatted when the batch
    /// keeps it (see [`Batch::diag`]).
    #[inline]
    fn diag(
        &mut self,
        line: u64,
        column: Option<usize>,
        kind: DiagKind,
        message: impl FnOnce() -> String,
    ) {
        self.batch.diag(line, column.map(column32), kind, message);
    }

    /// Parses one record starting at `self.pos` (a non-blank line).
    fn record(&mut self, scratch: &mut Vec<u8>) {
        let record_start = self.pos;
        let record_line = self.line;
        // The previous record is done: its diagnostics stay.
        self.batch.commit_diags();
        // Only a chunk longer than the limit can hold a record over it: such
        // a record is measured first and skipped unparsed, so its values are
        // never stored (a 64 MiB record of short lines would take hundreds
        // of MB of value index before the limit was seen).
        let limit = self.opts.record_limit();
        if self.input.len() - self.pos > limit && self.record_exceeds(limit) {
            self.version_allowed = false;
            self.skip_record();
            self.batch.stats.records += 1;
            self.batch.stats.rejected += 1;
            self.diag(record_line, None, DiagKind::RecordTooLarge, || {
                too_large_message(limit)
            });
            return;
        }
        let marks = Marks {
            data: self.batch.data.len(),
            attrs: self.batch.attrs.len(),
            values: self.batch.values.len(),
            diags: self.batch.diags.len(),
            raw_utf8_reported: self.raw_utf8_reported,
            record_start,
            record_line,
        };
        let mut kind = RecordKind::Start;
        let mut dn = 0..0;
        let mut dn_kind = ValueKind::Plain;
        let mut dn_line = record_line;
        let mut modify_block: Option<Vec<u8>> = None;
        let mut last_attr: usize = usize::MAX;
        // Counted only if the record is not rejected.
        let mut controls = 0;
        let version_allowed = std::mem::replace(&mut self.version_allowed, false);
        for &slot in &self.used_slots {
            self.attr_slots[slot] = 0;
        }
        self.used_slots.clear();

        let first = self.input[self.pos];
        if first == b' ' {
            return self.reject(
                &marks,
                record_line,
                Some(1),
                DiagKind::ContinuationAtStart,
                "continuation line (leading space) with no line before it in the record; \
                 remove the leading space or join it to the previous line"
                    .into(),
            );
        }

        loop {
            let line_no = self.line;
            let text = match self.logical(scratch, record_start) {
                Logical::End => break,
                Logical::Text(t) => t,
                Logical::TooLarge => {
                    return self.reject(
                        &marks,
                        record_line,
                        None,
                        DiagKind::RecordTooLarge,
                        too_large_message(self.opts.record_limit()),
                    );
                }
                Logical::BareCr(cr_line, col) => {
                    return self.reject(
                        &marks,
                        cr_line,
                        Some(col),
                        DiagKind::BareCr,
                        "carriage return (CR) not followed by a line feed; line ends must be \
                         LF or CRLF (convert the file, for example with dos2unix)"
                            .into(),
                    );
                }
            };
            match text[0] {
                b'#' => {
                    if text.len() > 13 && text[2] == b'n' {
                        self.check_entry_count(text, line_no);
                    }
                    continue;
                }
                b'\t' => {
                    return self.reject(
                        &marks,
                        line_no,
                        Some(1),
                        DiagKind::TabContinuation,
                        "line starts with a TAB; LDIF folds lines with a single SPACE only \
                         (replace the TAB with a space if this is a continuation)"
                            .into(),
                    );
                }
                _ => {}
            }
            if matches!(kind, RecordKind::Change { .. }) && text == b"-" {
                modify_block = None;
                continue;
            }
            // Find the colon, noting on the way whether the name is plain
            // (one pass instead of a search and a check).
            let (colon, plain) = scan_name(text);
            let odd = !plain;
            if colon == text.len() {
                return self.reject(
                    &marks,
                    line_no,
                    Some(text.len() + 1),
                    DiagKind::MissingColon,
                    format!(
                        "line `{}` has no colon; every line must be `name: value` \
                         (is it a value that lost its fold space?)",
                        preview(text)
                    ),
                );
            }
            let mut name = &text[..colon];
            // A plain name has no spaces to trim.
            while let (false, [rest @ .., b' ']) = (plain, name) {
                name = rest;
            }
            if name.is_empty() {
                return self.reject(
                    &marks,
                    line_no,
                    Some(1),
                    DiagKind::EmptyAttributeName,
                    "line starts with a colon: no attribute name".into(),
                );
            }
            if name.len() != colon {
                self.diag(
                    line_no,
                    Some(name.len() + 1),
                    DiagKind::SpaceBeforeColon,
                    || {
                        format!(
                            "space between attribute name `{}` and its colon; accepted as `{}`",
                            preview(name),
                            preview(name)
                        )
                    },
                );
            }
            let rest = &text[colon + 1..];
            let (vkind, raw) = match rest.first() {
                Some(b':') => (ValueKind::Base64, trim_fill(&rest[1..])),
                Some(b'<') => (ValueKind::Url, trim_fill(&rest[1..])),
                _ => (ValueKind::Plain, trim_fill(rest)),
            };
            let value_col = text.len() - raw.len() + 1;

            match kind {
                RecordKind::Start | RecordKind::Version => {
                    if name.eq_ignore_ascii_case(b"dn") {
                        if vkind == ValueKind::Url {
                            return self.reject(
                                &marks,
                                line_no,
                                Some(value_col),
                                DiagKind::RecordWithoutDn,
                                "`dn:<` gives a URL, not a DN; the record was skipped".into(),
                            );
                        }
                        match self.store_value(raw, vkind, line_no, value_col, true) {
                            Ok(r) => dn = r,
                            Err(()) => return self.reject_recorded(&marks),
                        }
                        dn_kind = vkind;
                        dn_line = line_no;
                        kind = RecordKind::AfterDn;
                    } else if name.eq_ignore_ascii_case(b"version") && kind == RecordKind::Start {
                        if version_allowed {
                            kind = RecordKind::Version;
                        } else {
                            self.diag(line_no, Some(1), DiagKind::MisplacedVersion, || {
                                "`version:` outside the first record; ignored".into()
                            });
                        }
                    } else if kind == RecordKind::Start
                        && (name.eq_ignore_ascii_case(b"search")
                            || name.eq_ignore_ascii_case(b"result"))
                    {
                        kind = RecordKind::Trailer;
                        self.check_result(name, raw, line_no);
                    } else if kind == RecordKind::Start && name.eq_ignore_ascii_case(b"ref") {
                        kind = RecordKind::Referral;
                    } else {
                        return self.reject(
                            &marks,
                            line_no,
                            Some(1),
                            DiagKind::RecordWithoutDn,
                            format!(
                                "record starts with `{}:` instead of `dn:`; it was skipped \
                                 (is a blank line missing, or a line of the previous record broken?)",
                                preview(name)
                            ),
                        );
                    }
                }
                RecordKind::Trailer => self.check_result(name, raw, line_no),
                RecordKind::Referral => {}
                RecordKind::AfterDn | RecordKind::Entry | RecordKind::Change { .. } => {
                    if name.len() == 2 && name.eq_ignore_ascii_case(b"dn") {
                        return self.reject(
                            &marks,
                            line_no,
                            Some(1),
                            DiagKind::SecondDn,
                            "second `dn:` inside one record; a blank line is missing before it \
                             (a line holding only spaces is a continuation, not a separator)"
                                .into(),
                        );
                    }
                    if kind == RecordKind::AfterDn {
                        if name.eq_ignore_ascii_case(b"control") {
                            controls += 1;
                            continue;
                        }
                        if name.eq_ignore_ascii_case(b"changetype") {
                            match changetype(raw) {
                                Some(k) => kind = k,
                                None => {
                                    return self.reject(
                                        &marks,
                                        line_no,
                                        Some(value_col),
                                        DiagKind::InvalidChangeRecord,
                                        format!(
                                            "unknown changetype `{}`; expected add, modify, \
                                             delete, modrdn, moddn or ntdsSchema*",
                                            preview(raw)
                                        ),
                                    );
                                }
                            }
                            continue;
                        }
                        kind = RecordKind::Entry;
                    }
                    if name.len() == 10 && name.eq_ignore_ascii_case(b"changetype") {
                        self.diag(line_no, Some(1), DiagKind::MisplacedChangetype, || {
                            "`changetype:` after attribute lines; ignored (it must follow `dn:`)"
                                .into()
                        });
                        continue;
                    }
                    if name.len() == 7 && name.eq_ignore_ascii_case(b"version") {
                        self.diag(line_no, Some(1), DiagKind::MisplacedVersion, || {
                            "`version:` inside a record; ignored".into()
                        });
                        continue;
                    }
                    if let RecordKind::Change { modify } = kind {
                        if let Err(d) =
                            self.change_line(modify, &mut modify_block, name, raw, vkind, line_no)
                        {
                            return self.reject(&marks, line_no, Some(1), d.0, d.1);
                        }
                        continue;
                    }
                    // An attribute of an entry.
                    if odd {
                        check_name(self, name, line_no);
                    }
                    let wanted = if plain {
                        self.opts.projection.wants_plain(name)
                    } else {
                        self.opts.projection.wants(name)
                    };
                    if !wanted {
                        if self.opts.validate_all {
                            // Decode and check without keeping: the arena's
                            // tail serves as scratch space.
                            let mark = self.batch.data.len();
                            self.check_only = true;
                            let ok = self.store_value(raw, vkind, line_no, value_col, false);
                            self.check_only = false;
                            self.batch.data.truncate(mark);
                            if ok.is_err() {
                                return self.reject_recorded(&marks);
                            }
                        }
                        continue;
                    }
                    let attr = self.attr_index(&marks, name, !odd, &mut last_attr);
                    match self.store_value(raw, vkind, line_no, value_col, false) {
                        Ok(data) => self.batch.values.push(ValIdx {
                            start: data.start as u32,
                            end: data.end as u32,
                            kind: vkind,
                            attr,
                            line: line_no as u32,
                        }),
                        Err(()) => return self.reject_recorded(&marks),
                    }
                }
            }
        }

        self.batch.stats.controls += controls;
        match kind {
            RecordKind::Start => {
                // Only comments: not a record. (It still uses up the place of
                // `version:`, so the result does not depend on chunking.)
            }
            RecordKind::Version => {}
            RecordKind::Trailer => {
                self.batch.stats.records += 1;
                self.batch.stats.trailers += 1;
            }
            RecordKind::Referral => {
                self.batch.stats.records += 1;
                self.batch.stats.referrals += 1;
            }
            RecordKind::Change { .. } => {
                if modify_block.is_some() {
                    self.diag(
                        self.line.saturating_sub(1),
                        None,
                        DiagKind::MissingModifySeparator,
                        || "modify block not closed by a `-` line; accepted".into(),
                    );
                }
                self.rollback(&marks);
                self.batch.stats.records += 1;
                self.batch.stats.change_records += 1;
            }
            RecordKind::AfterDn | RecordKind::Entry => {
                self.finish_entry(&marks, dn, dn_kind, dn_line, record_start);
            }
        }
    }

    /// Checks an ldapsearch trailer line; a `result:` other than 0 means the
    /// export stopped early (or found nothing), with advice by result code
    /// (RFC 4511 §4.1.9).
    fn check_result(&mut self, name: &[u8], raw: &[u8], line_no: u64) {
        if !name.eq_ignore_ascii_case(b"result") {
            return;
        }
        let code = raw.split(|&b| b == b' ').next().unwrap_or(b"");
        if code == b"0" {
            return;
        }
        let next = match code {
            b"32" => {
                "the search base does not exist (noSuchObject): check the base DN given with \
                 `-b` (its spelling and its domain components), then re-run the export"
            }
            b"4" => {
                "the server's size limit stopped the search: re-run the export with paging \
                 (for example `-E pr=1000/noprompt`)"
            }
            b"3" => {
                "the server's time limit stopped the search: re-run the export with paging \
                 (for example `-E pr=1000/noprompt`)"
            }
            b"49" | b"50" => {
                "the bind was refused or lacks rights: re-run the export with an account \
                 that may read the users"
            }
            _ => "re-run the export and audit the new file",
        };
        self.diag(line_no, None, DiagKind::TruncatedExport, || {
            format!(
                "ldapsearch reports `result: {}`: the export is incomplete; {next}",
                preview(raw)
            )
        });
    }

    /// Notes an ldapsearch `# numEntries: N` comment, which the driver
    /// compares with the entries read.
    fn check_entry_count(&mut self, comment: &[u8], line_no: u64) {
        let Some(rest) = comment.strip_prefix(b"# numEntries:") else {
            return;
        };
        let Some(claimed) = std::str::from_utf8(rest)
            .ok()
            .and_then(|t| t.trim().parse::<u64>().ok())
        else {
            return;
        };
        self.batch.entry_claims.push(EntryClaim {
            line: line_no,
            claimed,
            entries_before: self.batch.stats.entries,
            rejected_before: self.batch.stats.rejected,
        });
    }

    /// Where the batch stood before a record (to take the record back).
    fn snapshot(&self) -> Snapshot {
        Snapshot {
            stats: self.batch.stats,
            data: self.batch.data.len(),
            entries: self.batch.entries.len(),
            attrs: self.batch.attrs.len(),
            values: self.batch.values.len(),
            diags: self.batch.diag_mark(),
            claims: self.batch.entry_claims.len(),
        }
    }

    /// The record just read ends the input without a line break: the export
    /// was cut inside it, so its last value may be cut too (a partner's UPN
    /// cut short no longer matches the rule). It is rejected, not read as
    /// whole. A record rejected already keeps its own error; the cut itself
    /// is reported once, by the driver.
    fn reject_cut_record(&mut self, before: &Snapshot) {
        let b = &mut self.batch;
        if b.stats.rejected > before.stats.rejected || b.stats.records == before.stats.records {
            return;
        }
        b.stats = before.stats;
        b.data.truncate(before.data);
        b.entries.truncate(before.entries);
        b.attrs.truncate(before.attrs);
        b.values.truncate(before.values);
        b.entry_claims.truncate(before.claims);
        b.drop_diags_since(before.diags);
        b.stats.records += 1;
        b.stats.rejected += 1;
    }

    /// Validates one line of a change record.
    fn change_line(
        &mut self,
        modify: bool,
        block: &mut Option<Vec<u8>>,
        name: &[u8],
        raw: &[u8],
        vkind: ValueKind,
        line_no: u64,
    ) -> Result<(), (DiagKind, String)> {
        let is_spec = name.eq_ignore_ascii_case(b"add")
            || name.eq_ignore_ascii_case(b"delete")
            || name.eq_ignore_ascii_case(b"replace")
            || name.eq_ignore_ascii_case(b"increment");
        if vkind == ValueKind::Base64 && BASE64.decode(raw).is_err() {
            return Err((
                DiagKind::InvalidBase64,
                format!("attribute `{}` has invalid base64", preview(name)),
            ));
        }
        match block {
            Some(attr) if attr.eq_ignore_ascii_case(name) => Ok(()),
            Some(attr) if is_spec => {
                let _ = attr;
                self.diag(line_no, Some(1), DiagKind::MissingModifySeparator, || {
                    "modify block not closed by a `-` line before the next one; accepted".into()
                });
                *block = Some(raw.to_vec());
                Ok(())
            }
            Some(attr) => Err((
                DiagKind::ModifyAttributeMismatch,
                format!(
                    "value line for `{}` inside a modify block for `{}`; the record was skipped",
                    preview(name),
                    String::from_utf8_lossy(attr)
                ),
            )),
            None if modify && is_spec => {
                *block = Some(raw.to_vec());
                Ok(())
            }
            None if modify => Err((
                DiagKind::InvalidChangeRecord,
                format!(
                    "`{}:` in a modify record outside an add:/delete:/replace: block",
                    preview(name)
                ),
            )),
            None => Ok(()),
        }
    }

    /// The index (within the current entry) of attribute `name`, adding it
    /// when new. Names are merged case-insensitively; the first spelling is kept.
    fn attr_index(&mut self, marks: &Marks, name: &[u8], plain: bool, last: &mut usize) -> u32 {
        let attrs = &self.batch.attrs[marks.attrs..];
        let data = &self.batch.data;
        let same = |a: &AttrIdx| data[a.name.clone()].eq_ignore_ascii_case(name);
        // Values of one attribute are almost always on consecutive lines.
        if let Some(a) = attrs.get(*last) {
            if same(a) {
                return *last as u32;
            }
        }
        let count = attrs.len();
        // Keep the table at most half full: grow it (and re-insert this
        // entry's names) before it fills, so a record with a million distinct
        // names stays linear.
        if (count + 1) * 2 > self.attr_slots.len() {
            self.grow_attr_slots(marks);
        }
        let attrs = &self.batch.attrs[marks.attrs..];
        let data = &self.batch.data;
        let same = |a: &AttrIdx| data[a.name.clone()].eq_ignore_ascii_case(name);
        let mask = self.attr_slots.len() - 1;
        let mut h = name_hash(name) as usize & mask;
        let slot = loop {
            match self.attr_slots[h] {
                0 => break h,
                k => {
                    let i = k as usize - 1;
                    if same(&attrs[i]) {
                        *last = i;
                        return i as u32;
                    }
                }
            }
            h = (h + 1) & mask;
        };
        let start = self.batch.data.len();
        // A name of RFC 2849 characters only is ASCII; others may not be UTF-8.
        match if plain {
            Ok("")
        } else {
            std::str::from_utf8(name)
        } {
            Ok(_) => self.batch.data.extend_from_slice(name),
            Err(_) => self
                .batch
                .data
                .extend_from_slice(String::from_utf8_lossy(name).as_bytes()),
        }
        let i = count;
        self.attr_slots[slot] = (i + 1) as u32;
        self.used_slots.push(slot);
        self.batch.attrs.push(AttrIdx {
            name: start..self.batch.data.len(),
            values: 0..0,
        });
        *last = i;
        i as u32
    }

    /// Doubles the attribute name table and re-inserts the current entry's names.
    fn grow_attr_slots(&mut self, marks: &Marks) {
        for &slot in &self.used_slots {
            self.attr_slots[slot] = 0;
        }
        self.used_slots.clear();
        let size = self.attr_slots.len() * 2;
        self.attr_slots.resize(size, 0);
        let mask = size - 1;
        for (i, attr) in self.batch.attrs[marks.attrs..].iter().enumerate() {
            let mut h = name_hash(&self.batch.data[attr.name.clone()]) as usize & mask;
            while self.attr_slots[h] != 0 {
                h = (h + 1) & mask;
            }
            self.attr_slots[h] = (i + 1) as u32;
            self.used_slots.push(h);
        }
    }

    /// Decodes (when base64) and stores one value in the arena.
    /// `Err` means an error diagnostic was recorded and the record must be rejected.
    fn store_value(
        &mut self,
        raw: &[u8],
        vkind: ValueKind,
        line_no: u64,
        col: usize,
        is_dn: bool,
    ) -> Result<std::ops::Range<usize>, ()> {
        let start = self.batch.data.len();
        match vkind {
            // The LDIF grammar never produces `Decoded`; treat it as plain.
            ValueKind::Plain | ValueKind::Decoded => {
                let mut value = raw;
                if let Some(&c @ (b':' | b'<')) = value.first() {
                    self.diag(
                        line_no,
                        Some(col),
                        DiagKind::UnsafeInitChar,
                        || format!(
                            "plain value starts with `{}`; RFC 2849 requires base64 here. Kept literally",
                            c as char
                        ),
                    );
                }
                if !is_dn && value.last() == Some(&b' ') {
                    let trimmed =
                        value.len() - value.iter().rev().take_while(|&&b| b == b' ').count();
                    match self.opts.trailing_space {
                        TrailingSpace::Keep => self.diag(
                            line_no,
                            Some(trimmed + col),
                            DiagKind::TrailingSpace,
                            || {
                                "value ends with spaces; kept (RFC 2849 says such values should \
                             be base64; use --trailing-space strip to drop them)"
                                    .into()
                            },
                        ),
                        TrailingSpace::Strip => {
                            self.diag(
                                line_no,
                                Some(trimmed + col),
                                DiagKind::TrailingSpace,
                                || {
                                    "value ends with spaces; stripped (--trailing-space strip)"
                                        .into()
                                },
                            );
                            value = &value[..trimmed];
                        }
                        TrailingSpace::Reject => {
                            self.rejection = Some(RawDiag {
                                line: line_no,
                                column: Some(column32(trimmed + col)),
                                kind: DiagKind::TrailingSpaceRejected,
                                message: "value ends with spaces and --trailing-space reject \
                                          was given"
                                    .into(),
                            });
                            return Err(());
                        }
                    }
                }
                if has_nul_or_non_ascii(value) {
                    if !value.is_ascii() {
                        self.check_utf8(value, line_no, col, is_dn);
                    }
                    if let Some(i) = memchr::memchr(0, value) {
                        self.nul_byte(line_no, col + i, is_dn);
                    }
                }
                if !self.check_only {
                    self.batch.data.extend_from_slice(value);
                }
            }
            ValueKind::Url => {
                self.diag(line_no, Some(col), DiagKind::UrlValue, || {
                    format!(
                        "value given by URL `{}`; usertype-audit never opens URLs, the value \
                         is kept as the unresolved URL (export the value inline instead)",
                        preview(raw)
                    )
                });
                self.batch.data.extend_from_slice(raw);
            }
            ValueKind::Base64 => {
                let mut b64 = raw;
                if b64.last() == Some(&b' ') {
                    while let [rest @ .., b' '] = b64 {
                        b64 = rest;
                    }
                    self.diag(
                        line_no,
                        Some(col + b64.len()),
                        DiagKind::SpaceAfterBase64,
                        || "spaces after a base64 value; ignored".into(),
                    );
                }
                if b64.is_empty() {
                    self.diag(line_no, Some(col), DiagKind::EmptyBase64, || {
                        "empty base64 value; read as an empty value".into()
                    });
                } else {
                    let cap = b64.len().div_ceil(4) * 3;
                    self.batch.data.resize(start + cap, 0);
                    match BASE64.decode_slice(b64, &mut self.batch.data[start..]) {
                        Ok(n) => self.batch.data.truncate(start + n),
                        Err(e) => {
                            self.batch.data.truncate(start);
                            let column = match e {
                                base64::DecodeSliceError::DecodeError(
                                    base64::DecodeError::InvalidByte(i, _),
                                ) => col + i,
                                _ => col,
                            };
                            self.rejection = Some(RawDiag {
                                line: line_no,
                                column: Some(column32(column)),
                                kind: DiagKind::InvalidBase64,
                                message: format!(
                                    "invalid base64 ({e}); the record was skipped. Re-export the \
                                     record or correct the value"
                                ),
                            });
                            return Err(());
                        }
                    }
                    if is_dn && memchr::memchr(0, &self.batch.data[start..]).is_some() {
                        self.nul_byte(line_no, col, true);
                    }
                    if is_dn && std::str::from_utf8(&self.batch.data[start..]).is_err() {
                        self.diag(line_no, Some(col), DiagKind::InvalidUtf8, || {
                            "the base64 DN does not decode to UTF-8; the bytes are kept".into()
                        });
                    }
                }
            }
        }
        Ok(start..self.batch.data.len())
    }

    fn nul_byte(&mut self, line_no: u64, col: usize, is_dn: bool) {
        self.diag(line_no, Some(col), DiagKind::NulByte, || {
            crate::read::batch::nul_message(if is_dn { "the DN" } else { "the value" })
        });
    }

    fn check_utf8(&mut self, value: &[u8], line_no: u64, col: usize, is_dn: bool) {
        match std::str::from_utf8(value) {
            Ok(_) => {
                if !self.raw_utf8_reported {
                    self.raw_utf8_reported = true;
                    self.diag(line_no, Some(col), DiagKind::RawUtf8, || {
                        "raw (not base64) UTF-8 text; accepted (reported once per file)".into()
                    });
                }
            }
            Err(e) => self.diag(
                line_no,
                Some(col + e.valid_up_to()),
                DiagKind::InvalidUtf8,
                || {
                    format!(
                        "{} is not valid UTF-8 (Latin-1 or another legacy encoding?); the bytes \
                     are kept. Re-export with base64 or `ldifde -u`",
                        if is_dn { "the DN" } else { "the value" }
                    )
                },
            ),
        }
    }

    fn finish_entry(
        &mut self,
        marks: &Marks,
        dn: std::ops::Range<usize>,
        dn_kind: ValueKind,
        dn_line: u64,
        record_start: usize,
    ) {
        // Group values by attribute (stable: file order within an attribute).
        let values = &mut self.batch.values[marks.values..];
        if values.windows(2).any(|w| w[0].attr > w[1].attr) {
            values.sort_by_key(|v| v.attr);
        }
        let mut i = marks.values;
        let end = self.batch.values.len();
        for (a, attr) in self.batch.attrs[marks.attrs..].iter_mut().enumerate() {
            let from = i;
            while i < end && self.batch.values[i].attr as usize == a {
                i += 1;
            }
            attr.values = from..i;
        }
        self.report_duplicates(marks);
        self.batch.entries.push(EntryIdx {
            dn,
            dn_kind,
            line: dn_line,
            byte: record_start as u64,
            attrs: marks.attrs..self.batch.attrs.len(),
        });
        self.batch.stats.records += 1;
        self.batch.stats.entries += 1;
    }

    /// Reports values that occur twice in one attribute (both are kept), at
    /// the line of the repeated value.
    fn report_duplicates(&mut self, marks: &Marks) {
        let mut found: Vec<(u64, String)> = Vec::new();
        {
            let b = &self.batch;
            for attr in &b.attrs[marks.attrs..] {
                let vals = &b.values[attr.values.clone()];
                if vals.len() < 2 {
                    continue;
                }
                let bytes = |v: &ValIdx| &b.data[v.start as usize..v.end as usize];
                let repeated = if vals.len() <= 16 {
                    (1..vals.len()).find(|&j| vals[..j].iter().any(|v| bytes(v) == bytes(&vals[j])))
                } else {
                    let mut seen = std::collections::HashSet::with_capacity(vals.len());
                    vals.iter().position(|v| !seen.insert(bytes(v)))
                };
                if let Some(j) = repeated {
                    let name = String::from_utf8_lossy(&b.data[attr.name.clone()]).into_owned();
                    found.push((u64::from(vals[j].line), name));
                }
            }
        }
        // In line order, so the first diagnostics of a kind a batch keeps are
        // the first in the file.
        found.sort_by_key(|f| f.0);
        for (line, name) in found {
            self.diag(line, None, DiagKind::DuplicateValue, || {
                format!("attribute `{name}` holds the same value twice; both are kept")
            });
        }
    }

    fn rollback(&mut self, marks: &Marks) {
        self.batch.data.truncate(marks.data);
        self.batch.attrs.truncate(marks.attrs);
        self.batch.values.truncate(marks.values);
    }

    /// Rejects the current record: rolls back what was stored (its warnings
    /// included), records the error, counts it and skips to the end of the
    /// record.
    fn reject(
        &mut self,
        marks: &Marks,
        line: u64,
        column: Option<usize>,
        kind: DiagKind,
        message: String,
    ) {
        self.rejection = Some(RawDiag {
            line,
            column: column.map(column32),
            kind,
            message,
        });
        self.reject_recorded(marks);
    }

    /// As [`Parser::reject`], with the error `store_value` left in `rejection`.
    ///
    /// Warnings about the rejected record's content are dropped with it: the
    /// record is reported once, by its error, however the error was found.
    ///
    /// A record over the size limit is reported as `record_too_large` whatever
    /// else is wrong with it, so the report does not depend on whether the
    /// reader saw the record whole or streamed past it.
    fn reject_recorded(&mut self, marks: &Marks) {
        let error = self.rejection.take();
        self.batch.drop_diags_since(marks.diags);
        self.raw_utf8_reported = marks.raw_utf8_reported;
        self.rollback(marks);
        self.batch.stats.records += 1;
        self.batch.stats.rejected += 1;
        self.skip_record();
        let limit = self.opts.record_limit();
        if self.pos - marks.record_start > limit {
            self.diag(marks.record_line, None, DiagKind::RecordTooLarge, || {
                too_large_message(limit)
            });
        } else if let Some(e) = error {
            self.batch.diag(e.line, e.column, e.kind, || e.message);
        }
        self.batch.commit_diags();
    }
}

/// A column for a diagnostic (columns past `u32::MAX` are capped).
#[inline]
fn column32(column: usize) -> u32 {
    column.min(u32::MAX as usize) as u32
}

/// Warns about characters RFC 2849 does not allow in attribute names
/// (`AttributeType` is letters, digits and `-`, or an OID; options follow `;`).
#[inline]
fn check_name(parser: &mut Parser<'_, '_>, name: &[u8], line_no: u64) {
    if name
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b';' || b == b'.')
    {
        return;
    }
    parser.diag(line_no, Some(1), DiagKind::OddAttributeName, || {
        format!(
            "attribute name `{}` has characters outside RFC 2849 (letters, digits, `-`); accepted",
            preview(name)
        )
    });
}

/// Initial size of the per-entry attribute name table (a power of two; it
/// doubles whenever an entry fills half of it).
const ATTR_SLOTS: usize = 256;

/// A cheap case-insensitive hash of an attribute name: its first and last
/// eight bytes folded to lower case (`| 0x20` folds letters and leaves the
/// other name characters `0-9 - ; .` alone) and its length. Names that
/// collide are told apart by comparison.
#[inline]
fn name_hash(name: &[u8]) -> u32 {
    #[inline]
    fn load(bytes: &[u8]) -> u64 {
        let mut buf = [0u8; 8];
        let n = bytes.len().min(8);
        buf[..n].copy_from_slice(&bytes[..n]);
        u64::from_le_bytes(buf) | 0x2020_2020_2020_2020
    }
    let head = load(name);
    let tail = load(&name[name.len().saturating_sub(8)..]);
    let x = (head ^ tail.rotate_left(29) ^ name.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (x >> 32) as u32
}

/// The position of the first `:` in `line` (its length when there is none)
/// and whether every byte before it is a letter, digit or `-`: a plain
/// attribute name, without options, ASCII. Eight bytes at a time.
#[inline]
fn scan_name(line: &[u8]) -> (usize, bool) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x80 * ONES;
    const LOW7: u64 = 0x7f * ONES;
    // High bit set in each byte of `v` (7-bit bytes) that is >= n.
    let at_least = |v: u64, n: u8| (v + (0x80 - u64::from(n)) * ONES) & HIGH;
    // High bit set in each byte of `w` equal to `b`, exactly.
    let equal = |w: u64, b: u8| {
        let x = w ^ (u64::from(b) * ONES);
        !(((x & LOW7) + LOW7) | x | LOW7)
    };
    let mut at = 0;
    while at < line.len() {
        let n = (line.len() - at).min(8);
        let w = match line.get(at..at + 8) {
            Some(word) => u64::from_le_bytes(word.try_into().unwrap_or_default()),
            None => {
                let mut buf = [0u8; 8];
                buf[..n].copy_from_slice(&line[at..]);
                u64::from_le_bytes(buf)
            }
        };
        let v = w & LOW7;
        let lower = v | (0x20 * ONES);
        let alpha = at_least(lower, b'a') & !at_least(lower, b'z' + 1);
        let digit = at_least(v, b'0') & !at_least(v, b'9' + 1);
        let good = (alpha | digit | equal(w, b'-')) & !w & HIGH;
        let colons = equal(w, b':');
        // Only the bytes read, and only those before the colon, count.
        let mut span = if n == 8 {
            HIGH
        } else {
            HIGH & ((1 << (8 * n)) - 1)
        };
        if colons != 0 {
            span &= (1 << colons.trailing_zeros()) - 1;
        }
        if span & !good != 0 {
            let colon = match memchr::memchr(b':', &line[at..]) {
                Some(i) => at + i,
                None => line.len(),
            };
            return (colon, false);
        }
        if colons != 0 {
            return (at + colons.trailing_zeros() as usize / 8, true);
        }
        at += 8;
    }
    (line.len(), true)
}

/// Whether `bytes` holds a NUL or a non-ASCII byte: one pass, eight bytes
/// at a time, so the common plain ASCII value costs no more than an ASCII
/// check (a NUL is reported; non-ASCII is checked for UTF-8).
#[inline]
fn has_nul_or_non_ascii(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x80 * ONES;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().unwrap_or_default());
        // High bit of a byte set when it is >= 0x80, or (the classic zero
        // test, exact when no byte is >= 0x80) when it is 0.
        if (w | (w.wrapping_sub(ONES) & !w)) & HIGH != 0 {
            return true;
        }
    }
    words.remainder().iter().any(|&b| b == 0 || b >= 0x80)
}

/// Removes the FILL (spaces) after the colon.
#[inline]
fn trim_fill(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&b| b == b' ').count();
    &s[n..]
}

fn changetype(raw: &[u8]) -> Option<RecordKind> {
    let v = raw.trim_ascii();
    let eq = |s: &str| v.eq_ignore_ascii_case(s.as_bytes());
    if eq("add") {
        Some(RecordKind::Entry)
    } else if eq("modify") || eq("ntdsSchemaModify") {
        Some(RecordKind::Change { modify: true })
    } else if eq("delete")
        || eq("modrdn")
        || eq("moddn")
        || eq("ntdsSchemaAdd")
        || eq("ntdsSchemaDelete")
        || eq("ntdsSchemaModRdn")
        || eq("ntdsSchemaModDn")
    {
        Some(RecordKind::Change { modify: false })
    } else {
        None
    }
}

/// The message of a `record_too_large` diagnostic.
pub(crate) fn too_large_message(limit: usize) -> String {
    format!(
        "record is larger than the limit of {limit} bytes; it was skipped \
         (raise --max-record-size if it is genuine)"
    )
}

#[cfg(test)]
mod tests {
    use super::{has_nul_or_non_ascii, scan_name};

    #[test]
    fn nul_or_non_ascii_in_every_position() {
        for len in 0..20 {
            let clean = vec![b'a'; len];
            assert!(!has_nul_or_non_ascii(&clean), "{len}");
            for at in 0..len {
                for b in [0u8, 0x80, 0xff, 0xc3] {
                    let mut v = clean.clone();
                    v[at] = b;
                    assert!(has_nul_or_non_ascii(&v), "{b:#x} at {at} of {len}");
                }
                let mut v = clean.clone();
                v[at] = 0x01;
                assert!(!has_nul_or_non_ascii(&v), "0x01 at {at} of {len}");
            }
        }
    }
    use proptest::prelude::*;

    /// The byte-at-a-time definition `scan_name` must agree with.
    fn reference(line: &[u8]) -> (usize, bool) {
        let colon = line.iter().position(|&b| b == b':').unwrap_or(line.len());
        let plain = line[..colon]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-');
        (colon, plain)
    }

    #[test]
    fn scan_name_finds_the_colon_and_plain_names() {
        assert_eq!(scan_name(b"cn: x"), (2, true));
        assert_eq!(scan_name(b"userPrincipalName: a@b"), (17, true));
        assert_eq!(scan_name(b"extensionAttribute1:: R3Vlc3Q="), (19, true));
        assert_eq!(scan_name(b"msDS-cloudExtensionAttribute10: x"), (30, true));
        assert_eq!(scan_name(b"cn;lang-en: x"), (10, false));
        assert_eq!(scan_name(b"1.2.840.113556.1.4.221: x"), (22, false));
        assert_eq!(scan_name(b"cn : x"), (3, false));
        assert_eq!(scan_name("c\u{e9}: x".as_bytes()), (3, false));
        assert_eq!(scan_name(b"no colon at all"), (15, false));
        assert_eq!(scan_name(b"abcdefgh"), (8, true));
        assert_eq!(scan_name(b":"), (0, true));
        assert_eq!(scan_name(b""), (0, true));
        // Every byte next to the ranges' edges, in every position of a word.
        for b in 0..=255u8 {
            for at in 0..9 {
                let mut line = b"abcdefghi: v".to_vec();
                line[at] = b;
                assert_eq!(scan_name(&line), reference(&line), "{b:#x} at {at}");
            }
        }
    }

    proptest! {
        #[test]
        fn scan_name_agrees_with_the_reference(line in proptest::collection::vec(
            prop_oneof![
                Just(b':'), Just(b'-'), Just(b';'), Just(b' '),
                b'0'..=b'9', b'A'..=b'Z', b'a'..=b'z', any::<u8>()
            ],
            0..40,
        )) {
            prop_assert_eq!(scan_name(&line), reference(&line));
        }
    }
}
