//! The result of parsing one chunk: entries stored in one arena, diagnostics
//! and counters. A batch allocates a handful of vectors, not one per entry.

use std::ops::{Add, AddAssign, Range};

use super::entry::{OwnedAttr, OwnedEntry, Value, ValueKind, ValueRef};
use crate::diag::DiagKind;

/// Counters of one read. They reconcile:
/// `records == entries + change_records + referrals + trailers + rejected`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReadStats {
    /// Bytes of (decoded) input.
    pub bytes: u64,
    /// Lines of input.
    pub lines: u64,
    /// Records (blocks of lines between blank lines), excluding a lone `version:` record.
    pub records: u64,
    /// Entries: records with `dn:` and no changetype, or `changetype: add`.
    pub entries: u64,
    /// Change records (modify, delete, modrdn, moddn, ntdsSchema*): parsed, not accounts.
    pub change_records: u64,
    /// ldapsearch `ref:` referral records.
    pub referrals: u64,
    /// ldapsearch `search:`/`result:` trailer records.
    pub trailers: u64,
    /// Records rejected with an error diagnostic.
    pub rejected: u64,
    /// `control:` lines seen (ignored).
    pub controls: u64,
}

impl ReadStats {
    /// Whether the counters reconcile.
    pub fn reconciles(&self) -> bool {
        self.records
            == self.entries + self.change_records + self.referrals + self.trailers + self.rejected
    }
}

impl AddAssign for ReadStats {
    fn add_assign(&mut self, o: Self) {
        self.bytes += o.bytes;
        self.lines += o.lines;
        self.records += o.records;
        self.entries += o.entries;
        self.change_records += o.change_records;
        self.referrals += o.referrals;
        self.trailers += o.trailers;
        self.rejected += o.rejected;
        self.controls += o.controls;
    }
}

impl Add for ReadStats {
    type Output = ReadStats;
    fn add(mut self, o: Self) -> Self {
        self += o;
        self
    }
}

/// The message of a `nul_byte` diagnostic about `what` ("the DN", a column).
pub(crate) fn nul_message(what: &str) -> String {
    format!(
        "{what} holds a NUL byte, which no Active Directory string holds; it is kept as read, \
         but the export is probably damaged or was written by a tool that pads values: check \
         this record in the directory and export it again"
    )
}

/// How many diagnostics of each kind a batch keeps (all by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DiagCap(pub u64);

impl Default for DiagCap {
    fn default() -> Self {
        DiagCap(u64::MAX)
    }
}

/// The position of a kind in [`DiagKind::ALL`] (its declaration order).
#[inline]
fn kind_index(kind: DiagKind) -> usize {
    kind as usize
}

/// A diagnostic before it knows its file and absolute line.
#[derive(Clone, Debug)]
pub(crate) struct RawDiag {
    /// 0-based line relative to the chunk start.
    pub line: u64,
    pub column: Option<u32>,
    pub kind: DiagKind,
    pub message: String,
}

/// An ldapsearch `# numEntries: N` comment: how many entries the search
/// returned, to compare with what the file holds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EntryClaim {
    /// 0-based line relative to the chunk start.
    pub line: u64,
    /// The N of the comment.
    pub claimed: u64,
    /// Entries and rejected records of the batch before the comment.
    pub entries_before: u64,
    pub rejected_before: u64,
}

#[derive(Clone, Debug)]
pub(crate) struct EntryIdx {
    pub dn: Range<usize>,
    pub dn_kind: ValueKind,
    /// 0-based line relative to the chunk start.
    pub line: u64,
    /// Byte offset relative to the chunk start.
    pub byte: u64,
    pub attrs: Range<usize>,
}

#[derive(Clone, Debug)]
pub(crate) struct AttrIdx {
    pub name: Range<usize>,
    pub values: Range<usize>,
}

/// One value: 17 bytes of index per value, since a batch holds millions.
/// Offsets fit in u32 because a chunk's arena is bounded by the chunk size
/// plus one record, and a record by the record limit (at most 1 GiB).
#[derive(Clone, Debug)]
pub(crate) struct ValIdx {
    pub start: u32,
    pub end: u32,
    /// Index of the attribute within its entry (used to group values).
    pub attr: u32,
    /// 0-based line relative to the chunk start.
    pub line: u32,
    pub kind: ValueKind,
}

/// Entries, diagnostics and counters parsed from one chunk of input.
#[derive(Debug, Default)]
pub struct Batch {
    pub(crate) data: Vec<u8>,
    pub(crate) entries: Vec<EntryIdx>,
    pub(crate) attrs: Vec<AttrIdx>,
    pub(crate) values: Vec<ValIdx>,
    /// The diagnostics kept, at most `diag_cap` of each kind.
    pub(crate) diags: Vec<RawDiag>,
    /// How many of each kind (by [`kind_index`]) `diags` holds.
    kept_by_kind: Vec<u64>,
    /// Diagnostics over the cap, of finished records: counted, never formatted.
    unkept: Vec<u64>,
    /// Diagnostics over the cap of the record being read (dropped with it
    /// when it is rejected).
    record_unkept: Vec<(DiagKind, u64)>,
    /// At most this many diagnostics of each kind are kept (the driver sets
    /// it to `--max-diagnostics`): memory does not grow with their number.
    pub(crate) diag_cap: DiagCap,
    pub(crate) stats: ReadStats,
    /// Absolute 1-based line of the chunk's first line, set before entries are handed out.
    pub(crate) first_line: u64,
    /// Absolute byte offset of the chunk in the decoded input.
    pub(crate) first_byte: u64,
    /// Every entry of this export states its objectClass (LDIF; a CSV with
    /// an objectClass column) and the read kept it: an entry without one is
    /// not a user (the root DSE, an attribute-limited or anonymous search).
    pub(crate) lists_object_class: bool,
    /// ldapsearch `# numEntries: N` comments met in this batch.
    pub(crate) entry_claims: Vec<EntryClaim>,
    /// The parser's unfolding buffer, kept with the batch for reuse.
    pub(crate) scratch: Vec<u8>,
    /// The format found a reason to stop reading the input after this batch
    /// (a CSV record over the size limit); the driver counts the rest.
    pub(crate) stop_reading: bool,
}

impl Batch {
    /// Empties the batch, keeping its allocations.
    pub(crate) fn clear(&mut self) {
        self.data.clear();
        self.entries.clear();
        self.attrs.clear();
        self.values.clear();
        self.diags.clear();
        self.kept_by_kind.clear();
        self.unkept.clear();
        self.record_unkept.clear();
        self.entry_claims.clear();
        self.lists_object_class = false;
        self.stats = ReadStats::default();
        self.first_line = 0;
        self.first_byte = 0;
        self.stop_reading = false;
    }

    /// Records a diagnostic. The first `diag_cap` of each kind are kept (and
    /// only they are formatted); the others are only counted. Kinds reported
    /// once per file are always kept: the driver counts distinct messages.
    #[inline]
    pub(crate) fn diag(
        &mut self,
        line: u64,
        column: Option<u32>,
        kind: DiagKind,
        message: impl FnOnce() -> String,
    ) {
        let k = kind_index(kind);
        if self.kept_by_kind.len() <= k {
            self.kept_by_kind.resize(DiagKind::ALL.len().max(k + 1), 0);
        }
        // Once-per-file kinds are few per batch (one per column at most) and
        // are told apart by message, so they are always kept.
        if self.kept_by_kind[k] < self.diag_cap.0 || kind.once_per_file() {
            self.kept_by_kind[k] += 1;
            self.diags.push(RawDiag {
                line,
                column,
                kind,
                message: message(),
            });
        } else {
            match self.record_unkept.iter_mut().find(|(x, _)| *x == kind) {
                Some((_, n)) => *n += 1,
                None => self.record_unkept.push((kind, 1)),
            }
        }
    }

    /// Where the diagnostics of a record start (for [`Batch::drop_diags_since`]).
    #[inline]
    pub(crate) fn diag_mark(&self) -> usize {
        self.diags.len()
    }

    /// Drops the diagnostics recorded since `mark` (the warnings of a
    /// rejected record), counted ones included.
    pub(crate) fn drop_diags_since(&mut self, mark: usize) {
        for d in self.diags.get(mark..).unwrap_or_default() {
            if let Some(n) = self.kept_by_kind.get_mut(kind_index(d.kind)) {
                *n = n.saturating_sub(1);
            }
        }
        self.diags.truncate(mark);
        self.record_unkept.clear();
    }

    /// The current record is done: its counted diagnostics stay counted.
    #[inline]
    pub(crate) fn commit_diags(&mut self) {
        if self.record_unkept.is_empty() {
            return;
        }
        if self.unkept.len() < DiagKind::ALL.len() {
            self.unkept.resize(DiagKind::ALL.len(), 0);
        }
        for (kind, n) in self.record_unkept.drain(..) {
            if let Some(total) = self.unkept.get_mut(kind_index(kind)) {
                *total += n;
            }
        }
    }

    /// Diagnostics counted but not kept, by kind.
    pub(crate) fn unkept(&self) -> impl Iterator<Item = (DiagKind, u64)> + '_ {
        DiagKind::ALL
            .iter()
            .zip(&self.unkept)
            .filter(|(_, &n)| n > 0)
            .map(|(&k, &n)| (k, n))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the batch holds no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The counters of this batch.
    pub fn stats(&self) -> &ReadStats {
        &self.stats
    }

    /// The entries, in input order.
    pub fn entries(&self) -> impl ExactSizeIterator<Item = EntryRef<'_>> + '_ {
        self.entries
            .iter()
            .map(move |idx| EntryRef { batch: self, idx })
    }
}

/// A borrowed entry: no allocation, valid while its batch lives.
#[derive(Clone, Copy)]
pub struct EntryRef<'a> {
    batch: &'a Batch,
    idx: &'a EntryIdx,
}

impl<'a> EntryRef<'a> {
    /// The DN bytes as written (decoded when written `dn::`).
    pub fn dn(&self) -> &'a [u8] {
        &self.batch.data[self.idx.dn.clone()]
    }

    /// Whether the DN was base64 (`dn::`).
    pub fn dn_kind(&self) -> ValueKind {
        self.idx.dn_kind
    }

    /// Whether the export states every entry's objectClass and the read
    /// kept it, so that an entry without objectClass really has none (an
    /// Export-Csv of `Get-ADUser` has no such column: its rows are users).
    pub fn lists_object_class(&self) -> bool {
        self.batch.lists_object_class
    }

    /// 1-based line of the `dn:` line in the original file.
    pub fn line(&self) -> u64 {
        self.batch.first_line + self.idx.line
    }

    /// 0-based byte offset of the record in the decoded input.
    pub fn byte(&self) -> u64 {
        self.batch.first_byte + self.idx.byte
    }

    /// The attributes in order of first appearance.
    pub fn attrs(&self) -> impl ExactSizeIterator<Item = AttrRef<'a>> + 'a {
        let batch = self.batch;
        batch.attrs[self.idx.attrs.clone()]
            .iter()
            .map(move |idx| AttrRef { batch, idx })
    }

    /// The attribute named `name` (case-insensitive; options must match too).
    pub fn get(&self, name: &str) -> Option<AttrRef<'a>> {
        // Compared as bytes: no UTF-8 check per attribute on this hot path.
        self.attrs()
            .find(|a| a.name_bytes().eq_ignore_ascii_case(name.as_bytes()))
    }

    /// An owned copy.
    pub fn to_owned(&self) -> OwnedEntry {
        OwnedEntry {
            dn: self.dn().to_vec(),
            line: self.line(),
            byte: self.byte(),
            attrs: self
                .attrs()
                .map(|a| OwnedAttr {
                    name: a.name().to_string(),
                    values: a
                        .values()
                        .map(|v| Value {
                            bytes: v.bytes.to_vec(),
                            kind: v.kind,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// A borrowed attribute of an [`EntryRef`].
#[derive(Clone, Copy)]
pub struct AttrRef<'a> {
    batch: &'a Batch,
    idx: &'a AttrIdx,
}

impl<'a> AttrRef<'a> {
    /// The attribute description as first spelled in the record.
    pub fn name(&self) -> &'a str {
        // Names are stored as valid UTF-8 (made lossless-or-lossy at parse time).
        std::str::from_utf8(&self.batch.data[self.idx.name.clone()]).unwrap_or("")
    }

    /// The attribute description's bytes (valid UTF-8, see [`AttrRef::name`]).
    pub fn name_bytes(&self) -> &'a [u8] {
        &self.batch.data[self.idx.name.clone()]
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.idx.values.len()
    }

    /// Whether the attribute has no value (never true for parsed data).
    pub fn is_empty(&self) -> bool {
        self.idx.values.is_empty()
    }

    /// The values in file order.
    pub fn values(&self) -> impl ExactSizeIterator<Item = ValueRef<'a>> + 'a {
        let batch = self.batch;
        batch.values[self.idx.values.clone()]
            .iter()
            .map(move |v| ValueRef {
                bytes: &batch.data[v.start as usize..v.end as usize],
                kind: v.kind,
            })
    }

    /// The first value, if any.
    pub fn first(&self) -> Option<ValueRef<'a>> {
        self.values().next()
    }
}
