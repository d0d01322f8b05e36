//! Cloud exports: Microsoft Graph users as JSON, and the admin-center CSV.
//!
//! The audit compares intent with the cloud's current state, and that state
//! comes from whatever the admin managed to export. Every shape is detected
//! by content ([`detect`]), never by file name:
//!
//! * **Graph REST pages** (`{"@odata.context": ..., "value": [...],
//!   "@odata.nextLink": ...}`), one per file, concatenated (`}{`, `}\n{`,
//!   pretty-printed one after another) — [`CloudFormat::GraphPages`]; or one
//!   page per line — [`CloudFormat::GraphPagesPerLine`].
//! * **A JSON array of pages** — [`CloudFormat::ArrayOfPages`].
//! * **A bare array of users**, including `Get-MgUser -All | ConvertTo-Json`
//!   (PascalCase names, every model property present, `null`s) —
//!   [`CloudFormat::UserArray`].
//! * **JSON Lines**, one user per line (or user objects one after another) —
//!   [`CloudFormat::JsonLines`].
//! * **The admin-center "Download users" CSV** (variants A and B, `id` or
//!   `objectId`, locale dates, no ImmutableId or SID) —
//!   [`CloudFormat::AdminCenterCsv`]; and **`Get-MgUser | Export-Csv`**
//!   (PascalCase headers, optional `#TYPE` line) — [`CloudFormat::PowerShellCsv`].
//!
//! Property names are matched ASCII case-insensitively (camelCase REST,
//! PascalCase SDK). Dates are ISO 8601, `\/Date(ms)\/` (Windows PowerShell
//! 5.1), Get-Date objects `{"value": "\/Date(...)\/", "DisplayHint": 2, ...}`
//! or admin-center locale dates, all normalised (see `dates` below). BOM,
//! UTF-16 (PowerShell 5.1 `>`), gzip and standard input are handled by
//! [`Input`].
//!
//! Never a panic, never a silent drop: a property of the wrong type
//! (`"accountEnabled": "yes"`) is a [`DiagKind::WrongType`] warning naming
//! the property and its line, and the property is treated as absent; a
//! nested object that `ConvertTo-Json` turned into a string (`@{...}`,
//! `System.String[]`, `Microsoft.Graph.PowerShell.Models....`) is a
//! [`DiagKind::StringifiedObject`] warning; a user without `id` is a
//! [`DiagKind::MissingId`] error and is skipped; malformed or truncated JSON is
//! a [`DiagKind::InvalidJson`] error at its line, and reading goes on with
//! the next line (line-per-value files) or the next line starting with `{`.
//!
//! After reading, [`coverage::coverage`] says which properties the audit
//! depends on are missing from the whole export (Graph returns most of them
//! only when named in `$select`), separating the verdict properties from
//! those that limit a secondary check, and [`coverage::remedy`] prints the
//! exact commands that export them. Gaps are data ([`CloudSummary::coverage`]),
//! not diagnostics, so that each is shown once.
//!
//! # Dates
//!
//! ISO 8601 is kept as written; `\/Date(ms)\/` becomes ISO 8601 UTC
//! (`2019-11-19T22:33:39Z`); admin-center locale dates (`8/19/2021 1:25:31
//! PM` en-US, `19/08/2021 13:25:31`, `19.08.2021 13:25:31`) become
//! `2021-08-19T13:25:31` without a zone (the file does not say it). A date in
//! no known format is an [`DiagKind::InvalidDate`] warning and is treated as absent.
//!
//! # Parallelism and memory
//!
//! When the first value of the file ends on its first line, the file holds
//! one page or one user per line: it is cut into chunks at line feeds and the
//! chunks are parsed on all cores with rayon, in windows (memory-mapped pages
//! already parsed are released). Otherwise the file is walked in one pass.
//! Either way each user is deserialised straight from the bytes by a visitor
//! that matches keys without a map and skips unknown keys; nothing but the
//! user being read is ever materialised (no DOM, no `Vec<Value>`).
//!
//! Input that is streamed (standard input, gzip, UTF-16) is read in blocks of
//! 32 MiB whatever its shape: line by line as above, or (pretty-printed
//! pages, arrays, users one after another) by a walker that keeps its place
//! in the outer structure between blocks and holds only the value being
//! read. Memory is bounded by the users kept, one block and the largest
//! value; a value longer than [`CloudOptions::max_record_size`] (64 MiB) is
//! skipped with a [`DiagKind::RecordTooLarge`] error. Leading white space is
//! dropped as it is read, and a file of no known shape is refused from its
//! first block. A CSV is read in blocks too, each up to its last whole
//! record. Gzip input is limited in decoded size
//! (see [`crate::read::input::gzip_decoded_limit`]).
//!
//! # Example
//!
//! ```
//! use usertype_audit::read::cloud::{read_cloud_bytes, CloudFormat, CloudOptions, UserType};
//!
//! let page = br#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users(id,userType)","value":[{"id":"1","userType":"Guest"}]}"#;
//! let read = read_cloud_bytes("page.json", page, &CloudOptions::default());
//! assert_eq!(read.format, CloudFormat::GraphPagesPerLine);
//! assert_eq!(read.users[0].user_type, Some(UserType::Guest));
//! assert!(!read.summary.coverage.is_complete()); // no onPremisesImmutableId, ...
//! ```

pub mod coverage;
mod csv;
mod dates;
mod draft;
mod fast;
mod json;
pub mod model;
mod props;
mod repeats;
mod store;
mod user_de;

use std::io::Read;
use std::ops::Range;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

pub use self::coverage::{remedy, CloudCoverage, Coverage, Gap, GapReason, MissingProperty};
pub use self::model::{
    CloudUser, CloudUserData, ExtensionAttributes, ExtensionAttributesRef, Identities, Identity,
    IdentityRef, Property, PropertySet, Source, StrList, UserType,
};
pub use self::repeats::remove_repeated_users;
pub use crate::read::Diagnostics;

use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::error::{Error, Result};
use crate::read::input::{Body, Encoding, Input};

use self::draft::Draft;
use self::store::ChunkBuilder;

/// The shape of a cloud export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CloudFormat {
    /// Graph REST page objects: one, or several one after another (pretty-printed).
    GraphPages,
    /// Graph REST page objects, one per line (read in parallel).
    GraphPagesPerLine,
    /// A JSON array of page objects.
    ArrayOfPages,
    /// A JSON array of users (`ConvertTo-Json`, bare REST `value`).
    UserArray,
    /// User objects, one per line (JSON Lines) or one after another.
    JsonLines,
    /// The Entra admin center "Download users" CSV.
    AdminCenterCsv,
    /// `Get-MgUser | Export-Csv`.
    PowerShellCsv,
}

impl CloudFormat {
    /// Whether this is one of the CSV formats.
    pub fn is_csv(self) -> bool {
        matches!(
            self,
            CloudFormat::AdminCenterCsv | CloudFormat::PowerShellCsv
        )
    }

    /// The kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            CloudFormat::GraphPages => "graph-pages",
            CloudFormat::GraphPagesPerLine => "graph-pages-per-line",
            CloudFormat::ArrayOfPages => "array-of-pages",
            CloudFormat::UserArray => "user-array",
            CloudFormat::JsonLines => "json-lines",
            CloudFormat::AdminCenterCsv => "admin-center-csv",
            CloudFormat::PowerShellCsv => "powershell-csv",
        }
    }
}

impl std::fmt::Display for CloudFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Recognises the shape from the first (decoded) bytes of a file; a few
/// kilobytes are enough. `None` when it is no cloud export.
pub fn detect(head: &[u8]) -> Option<CloudFormat> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let text = head.trim_ascii_start();
    match text.first()? {
        b'{' => {
            let line_mode = json::is_line_mode(text) || memchr::memchr(b'\n', text).is_none();
            Some(match (first_key_is_page(&text[1..]), line_mode) {
                (true, true) => CloudFormat::GraphPagesPerLine,
                (true, false) => CloudFormat::GraphPages,
                (false, _) => CloudFormat::JsonLines,
            })
        }
        b'[' => {
            let rest = text[1..].trim_ascii_start();
            Some(match rest.first() {
                Some(b'{') if first_key_is_page(&rest[1..]) => CloudFormat::ArrayOfPages,
                _ => CloudFormat::UserArray,
            })
        }
        _ => detect_csv(text),
    }
}

/// Whether the first key of an object (`text` just after its `{`) is a page key.
fn first_key_is_page(text: &[u8]) -> bool {
    let text = text.trim_ascii_start();
    let Some(rest) = text.strip_prefix(b"\"") else {
        return false;
    };
    let end = memchr::memchr(b'"', rest).unwrap_or(rest.len());
    let key = &rest[..end];
    key.eq_ignore_ascii_case(b"value")
        || (key.len() > 7 && key[..7].eq_ignore_ascii_case(b"@odata."))
}

fn detect_csv(text: &[u8]) -> Option<CloudFormat> {
    // A header is short; a binary file may hold no line feed at all.
    let text = &text[..text.len().min(64 << 10)];
    let mut lines = text.split(|&b| b == b'\n');
    let mut first = lines.next()?;
    let typed = first.len() >= 5 && first[..5].eq_ignore_ascii_case(b"#TYPE");
    if typed {
        first = lines.next()?;
    }
    let first = first.strip_suffix(b"\r").unwrap_or(first);
    let fields: Vec<String> = String::from_utf8_lossy(first)
        .split(',')
        .map(|f| f.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    let has = |n: &str| fields.iter().any(|f| f == n);
    if !(has("userprincipalname") && (has("id") || has("objectid") || has("usertype"))) {
        return None;
    }
    let quoted = first.first() == Some(&b'"');
    let pascal = first.first().is_some_and(u8::is_ascii_uppercase)
        || first.get(1).is_some_and(u8::is_ascii_uppercase);
    Some(if typed || quoted || pascal {
        CloudFormat::PowerShellCsv
    } else {
        CloudFormat::AdminCenterCsv
    })
}

/// The default [`CloudOptions::max_record_size`]: 64 MiB (a Graph page of
/// 999 users is a few MiB).
pub const DEFAULT_MAX_RECORD_SIZE: usize = 64 << 20;

/// Options of a cloud read.
#[derive(Clone, Debug)]
pub struct CloudOptions {
    /// Stop at the first error-severity diagnostic ([`Error::Strict`]).
    pub strict: bool,
    /// How many diagnostics of each kind to keep (all are counted).
    pub keep_per_kind: u64,
    /// Target chunk size in bytes for the parallel line-by-line path (0 = automatic).
    pub chunk_size: usize,
    /// The longest JSON value (a user, or a line of a line-per-value file)
    /// read from a stream (standard input, gzip, UTF-16), in bytes: longer
    /// ones are skipped with a [`DiagKind::RecordTooLarge`] error. A mapped
    /// file has no such limit (its bytes are not copied).
    pub max_record_size: usize,
    /// Parse every JSON user with the `serde_json` path only, without the
    /// fast scanner. The result is the same by design; tests and the fuzz
    /// target compare the two.
    #[doc(hidden)]
    pub serde_only: bool,
}

impl Default for CloudOptions {
    fn default() -> Self {
        CloudOptions {
            strict: false,
            keep_per_kind: 100,
            chunk_size: 0,
            max_record_size: DEFAULT_MAX_RECORD_SIZE,
            serde_only: false,
        }
    }
}

/// Users by `userType`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct UserTypeCounts {
    /// `Member`.
    pub member: u64,
    /// `Guest`.
    pub guest: u64,
    /// Absent or null.
    pub absent: u64,
    /// Any other value.
    pub other: u64,
}

/// Users by `onPremisesSyncEnabled`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncCounts {
    /// `true`: synced from AD.
    pub synced: u64,
    /// `false`: once synced, no longer.
    pub no_longer_synced: u64,
    /// `null` or absent: never synced (or not exported).
    pub never_or_unknown: u64,
}

/// The outcome of reading one cloud export.
#[derive(Clone, Debug)]
pub struct CloudSummary {
    /// The input's name.
    pub file: Arc<str>,
    /// The encoding found.
    pub encoding: Encoding,
    /// Decoded bytes read.
    pub bytes: u64,
    /// Users read (kept).
    pub users: u64,
    /// User objects or rows skipped (no id, ragged row, malformed JSON is not counted).
    pub rejected: u64,
    /// Graph page objects read.
    pub pages: u64,
    /// Users by `userType`.
    pub by_user_type: UserTypeCounts,
    /// Users by `onPremisesSyncEnabled`.
    pub synced: SyncCounts,
    /// Diagnostics (coverage gaps are in `coverage`, not here).
    pub diagnostics: Diagnostics,
    /// What the export covers.
    pub coverage: Coverage,
    /// Wall time of the read.
    pub elapsed: Duration,
}

/// Everything read from one cloud export.
#[derive(Clone, Debug)]
pub struct CloudRead {
    /// The users, in file order.
    pub users: Vec<CloudUser>,
    /// The shape found.
    pub format: CloudFormat,
    /// Counters, diagnostics and coverage.
    pub summary: CloudSummary,
}

/// Opens `path` (`-` for standard input; gzip, BOM and UTF-16 handled) and reads it.
pub fn read_cloud(path: &str, opts: &CloudOptions) -> Result<CloudRead> {
    let input = Input::open(path).map_err(|source| Error::Io {
        path: path.into(),
        source,
    })?;
    read_input(input, opts)
}

/// Reads a whole export held in memory (tests, fuzzing). Never fails: with
/// `strict`, the read simply stops early; problems are diagnostics.
pub fn read_cloud_bytes(name: &str, bytes: &[u8], opts: &CloudOptions) -> CloudRead {
    let lenient = CloudOptions {
        strict: false,
        ..opts.clone()
    };
    match read_input(Input::from_bytes(name, bytes), &lenient) {
        Ok(r) => r,
        // Without strict and from memory, nothing can stop the read.
        Err(e) => unreachable!("in-memory cloud read failed: {e}"),
    }
}

/// Reads an opened input.
pub fn read_input(input: Input, opts: &CloudOptions) -> Result<CloudRead> {
    read_input_with_progress(input, opts, &|_| {})
}

/// As [`read_input`], telling `progress` how many bytes of a mapped
/// export are read so far (for a progress bar).
pub fn read_input_with_progress(
    input: Input,
    opts: &CloudOptions,
    progress: &dyn Fn(u64),
) -> Result<CloudRead> {
    let started = Instant::now();
    let Input {
        name,
        encoding,
        body,
        problems,
        digest,
        ..
    } = input;
    let mut col = Collector::new(name.clone(), opts);
    match encoding {
        Encoding::Utf8Bom => col.file_diag(
            DiagKind::ByteOrderMark,
            "UTF-8 byte-order mark at the start of the file; skipped".into(),
        )?,
        Encoding::Utf16Le | Encoding::Utf16Be => col.file_diag(
            DiagKind::Utf16Transcoded,
            "the file is UTF-16 (Windows PowerShell `>` or `Out-File`); transcoded to UTF-8".into(),
        )?,
        Encoding::Utf8 => {}
    }
    let format = match body {
        Body::Mapped { map, start } => {
            let buf = &map[start.min(map.len())..];
            col.bytes = buf.len() as u64;
            // Workers hash a range's blocks before they parse it (the first
            // range also takes the byte-order mark before the buffer).
            let hash_along = |r: Range<usize>| {
                if let Some(d) = &digest {
                    let from = if r.start == 0 { 0 } else { start + r.start };
                    d.hash_blocks_starting_in(from..start + r.end);
                }
            };
            read_slice(buf, &mut col, opts, &hash_along, &|r: Range<usize>| {
                release(&map, start, r.clone());
                progress((start + r.end) as u64);
            })?
        }
        Body::Stream(reader) => read_stream(reader, &mut col, opts)?,
    };
    if let Ok(p) = problems.lock() {
        if p.count > 0 {
            let line = p.first_line.unwrap_or(1);
            let d = col.diag_at(
                line,
                DiagKind::InvalidUtf16,
                format!(
                    "{} invalid UTF-16 code unit(s) (unpaired surrogate or odd final byte), the first on this line; replaced by U+FFFD",
                    p.count
                ),
            );
            col.emit(d)?;
        }
    }
    let format = format.unwrap_or(CloudFormat::JsonLines);
    col.finish(format, encoding, started)
}

/// Gives the pages of a processed range of the map back to the kernel.
fn release(map: &memmap2::Mmap, start: usize, r: Range<usize>) {
    #[cfg(unix)]
    {
        let page = 4096;
        let from = (start + r.start).div_ceil(page) * page;
        let to = (start + r.end) / page * page;
        if to > from {
            // SAFETY: the mapping is a read-only shared file mapping: dropped
            // pages are read back from the file if touched again, and no
            // reference into the released range is alive (the range was parsed
            // and its users' strings were copied into their chunks).
            unsafe {
                let _ =
                    map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, from, to - from);
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (map, start, r);
}

/// One diagnostic as a worker found it, its line relative to its buffer.
#[derive(Clone, Debug)]
pub(crate) struct RawDiag {
    pub line: u64,
    pub kind: DiagKind,
    pub message: String,
    /// A second relative line, written as [`START_LINE`] in the message.
    pub start: Option<u64>,
}

/// Placeholder in a [`RawDiag`] message for its `start` line, made absolute
/// by the collector.
pub(crate) const START_LINE: &str = "\u{1}";

/// What a worker found in one buffer (lines relative to it).
#[derive(Default)]
pub(crate) struct Out {
    /// Users whose chunk is sealed.
    pub users: Vec<CloudUser>,
    /// Users being stored.
    pub store: ChunkBuilder,
    pub diags: Vec<RawDiag>,
    pub rejected: u64,
    pub pages: u64,
    /// Line of the last page object and whether it had `@odata.nextLink`.
    pub last_page: Option<(u64, bool)>,
    pub shape: Option<json::Shape>,
    /// Line feeds in the buffer (line mode).
    pub lines: u64,
}

impl Out {
    /// An `Out` sized for about `input` bytes of export.
    pub fn for_input(input: usize) -> Out {
        Out {
            store: ChunkBuilder::for_input(input),
            ..Out::default()
        }
    }

    /// Keeps a user read on (relative) line `line`.
    pub fn push_user(&mut self, d: &Draft<'_>, line: u64) {
        self.store.push(d, line, &mut self.users);
    }

    /// Moves every stored user into `users`.
    pub fn seal(&mut self) {
        self.store.seal(&mut self.users);
    }
}

fn threads() -> usize {
    rayon::current_num_threads().max(1)
}

/// Reads decoded bytes held whole in memory; returns the JSON format found
/// (None for an empty input).
fn read_slice(
    buf: &[u8],
    col: &mut Collector,
    opts: &CloudOptions,
    before_parse: &(dyn Fn(Range<usize>) + Sync),
    release: &dyn Fn(Range<usize>),
) -> Result<Option<CloudFormat>> {
    let text = buf.trim_ascii_start();
    match text.first() {
        None => {
            col.file_diag(
                DiagKind::NoEntries,
                format!(
                    "the file is empty{}: the export failed or was cut before its first user; \
                     export the users again",
                    // White space dropped while streaming counts too.
                    if col.bytes == 0 {
                        ""
                    } else {
                        " (white space only)"
                    }
                ),
            )?;
            Ok(None)
        }
        Some(b'{' | b'[') => {
            if json::is_line_mode(buf) {
                col.line_mode = true;
                lines_parallel(buf, 1, true, col, opts, before_parse, release)?;
            } else {
                let mut out = Out::for_input(buf.len());
                json::Walker::new(buf, 1, true, &mut out)
                    .fast(!opts.serde_only)
                    .run();
                out.seal();
                col.absorb(out, 1)?;
            }
            Ok(col.shape.map(|s| s.format(col.line_mode)))
        }
        Some(_) => match detect_csv(text) {
            Some(f) => {
                col.absorb(csv::read(buf), 1)?;
                Ok(Some(f))
            }
            None => {
                col.file_diag(DiagKind::UnknownShape, not_a_cloud_export(text))?;
                Ok(None)
            }
        },
    }
}

/// Why `text` (neither JSON nor a users CSV) is no cloud export, and what to give instead.
fn not_a_cloud_export(text: &[u8]) -> String {
    let head = &text[..text.len().min(4096)];
    let what = if memchr::memchr(0, head).is_some() {
        "a binary file, not a text export".to_string()
    } else if [&b"dn:"[..], b"version:", b"changetype:"]
        .iter()
        .any(|p| head.len() >= p.len() && head[..p.len()].eq_ignore_ascii_case(p))
    {
        "an LDIF export (from ldifde or ldapsearch): it belongs to --onprem".to_string()
    } else {
        format!(
            "neither Graph JSON (`{{` or `[`) nor a users CSV with userPrincipalName and \
             id/objectId columns; it starts with \"{}\"",
            crate::diag::preview(&text[..text.len().min(40)])
        )
    };
    format!(
        "not a cloud export: {what}. --cloud takes the Microsoft Graph users export (JSON, as \
         `GET /v1.0/users` or `Get-MgUser | ConvertTo-Json` write it) or the admin-center users CSV"
    )
}

/// Parses a buffer of whole lines in parallel, in windows, in order
/// (`at_end`: the buffer ends where the input does);
/// `before_parse` is called by the worker with each range it is about to
/// parse, `release` with each window parsed.
fn lines_parallel(
    buf: &[u8],
    first_line: u64,
    at_end: bool,
    col: &mut Collector,
    opts: &CloudOptions,
    before_parse: &(dyn Fn(Range<usize>) + Sync),
    release: &dyn Fn(Range<usize>),
) -> Result<u64> {
    let target = if opts.chunk_size > 0 {
        opts.chunk_size
    } else {
        (buf.len() / (threads() * 8)).clamp(256 << 10, 8 << 20)
    };
    let bounds = line_chunks(buf, target);
    let mut line = first_line;
    for window in bounds.chunks(threads() * 4) {
        let outs: Vec<Out> = window
            .par_iter()
            .map(|r| {
                before_parse(r.clone());
                let last = at_end && r.end == buf.len();
                let mut out = json::walk_lines(&buf[r.clone()], !opts.serde_only, last);
                // Sealed here, in parallel, rather than when absorbed.
                out.seal();
                out
            })
            .collect();
        col.users.reserve(outs.iter().map(|o| o.users.len()).sum());
        for out in outs {
            let n = out.lines;
            col.absorb(out, line)?;
            line += n;
        }
        if let (Some(a), Some(b)) = (window.first(), window.last()) {
            release(a.start..b.end);
        }
    }
    Ok(line - first_line)
}

/// Cuts `buf` into ranges of about `target` bytes ending after a line feed.
fn line_chunks(buf: &[u8], target: usize) -> Vec<Range<usize>> {
    let target = target.max(1);
    let mut out = Vec::with_capacity(buf.len() / target + 1);
    let mut start = 0;
    while start < buf.len() {
        let end = if buf.len() - start <= target {
            buf.len()
        } else {
            let from = start + target - 1;
            memchr::memchr(b'\n', &buf[from..]).map_or(buf.len(), |i| from + i + 1)
        };
        out.push(start..end);
        start = end;
    }
    out
}

/// Reads up to `n` more bytes into `buf`; returns false at the end of input.
fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>, n: usize) -> std::io::Result<bool> {
    // Exactly: `read_to_end` would double the buffer, a block more than read.
    buf.reserve_exact(n);
    let before = buf.len();
    let got = reader.take(n as u64).read_to_end(buf)?;
    debug_assert_eq!(buf.len(), before + got);
    Ok(got == n)
}

/// A streamed input is read at most this far to find its first line.
const DETECT_LIMIT: usize = 1 << 20;

fn read_stream(
    mut reader: Box<dyn Read + Send>,
    col: &mut Collector,
    opts: &CloudOptions,
) -> Result<Option<CloudFormat>> {
    let block = if opts.chunk_size > 0 {
        (opts.chunk_size * threads() * 4).max(64)
    } else {
        32 << 20
    };
    let max_record = opts.max_record_size.max(1);
    let mut buf = Vec::new();
    let mut more = true;
    let mut io_error = None;
    let mut read_more = |buf: &mut Vec<u8>,
                         more: &mut bool,
                         io_error: &mut Option<std::io::Error>| {
        match fill(&mut reader, buf, block) {
            Ok(m) => *more = m,
            Err(e) => {
                *more = false;
                *io_error = Some(e);
            }
        }
    };
    read_more(&mut buf, &mut more, &mut io_error);
    // Leading white space is counted (for line numbers) and dropped, however long.
    let mut first_line = 1u64;
    while more && buf.iter().all(u8::is_ascii_whitespace) {
        first_line += memchr::memchr_iter(b'\n', &buf).count() as u64;
        col.bytes += buf.len() as u64;
        buf.clear();
        read_more(&mut buf, &mut more, &mut io_error);
    }
    // Until the first value's line is whole (or long enough to decide on:
    // a binary file without line feeds must not be read whole).
    loop {
        let start = buf.iter().position(|b| !b.is_ascii_whitespace());
        let whole = start.is_some_and(|s| memchr::memchr(b'\n', &buf[s..]).is_some());
        if whole || !more || buf.len() >= DETECT_LIMIT {
            break;
        }
        read_more(&mut buf, &mut more, &mut io_error);
    }
    let text = buf.trim_ascii_start();
    let json = matches!(text.first(), Some(b'{' | b'['));
    let format = if json && json::is_line_mode(&buf) {
        col.line_mode = true;
        let mut line = first_line;
        // Bytes of an over-long line still to drop, up to its line feed.
        let mut skipping = false;
        loop {
            if skipping {
                match memchr::memchr(b'\n', &buf) {
                    Some(i) => {
                        col.bytes += i as u64 + 1;
                        buf.drain(..=i);
                        line += 1;
                        skipping = false;
                    }
                    None => {
                        col.bytes += buf.len() as u64;
                        buf.clear();
                    }
                }
            }
            let cut = if more {
                memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1)
            } else {
                buf.len()
            };
            if cut > 0 && !skipping {
                col.bytes += cut as u64;
                line += lines_parallel(&buf[..cut], line, !more, col, opts, &|_| {}, &|_| {})?;
                buf.drain(..cut);
            }
            if more && !skipping && buf.len() > max_record {
                let d = col.diag_at(
                    line,
                    DiagKind::RecordTooLarge,
                    too_large(max_record, "line"),
                );
                col.emit(d)?;
                col.rejected += 1;
                skipping = true;
                continue;
            }
            if !more {
                break;
            }
            read_more(&mut buf, &mut more, &mut io_error);
        }
        col.shape.map(|s| s.format(true))
    } else if json {
        walk_stream(
            &mut buf,
            first_line,
            col,
            opts,
            &mut more,
            &mut |buf, more| read_more(buf, more, &mut io_error),
        )?;
        col.shape.map(|s| s.format(false))
    } else if let Some(format) = detect_csv(text) {
        // Read in blocks, each up to its last whole record.
        let mut reader = csv::CsvReader::new(first_line);
        loop {
            let at_end = !more;
            let mut out = Out::default();
            let used = reader.feed(&buf, at_end, &mut out);
            col.absorb(out, 1)?;
            col.bytes += used as u64;
            buf.drain(..used);
            if at_end {
                break;
            }
            if buf.len() > max_record {
                // A quote never closed makes the rest of the file one record.
                let d = col.diag_at(
                    reader.next_line(),
                    DiagKind::RecordTooLarge,
                    format!(
                        "{}; the rest of the file is not read",
                        too_large(max_record, "CSV record (a quoted field never closed?)")
                    ),
                );
                col.emit(d)?;
                col.rejected += 1;
                col.bytes += buf.len() as u64;
                break;
            }
            read_more(&mut buf, &mut more, &mut io_error);
        }
        Some(format)
    } else {
        // Empty or of no known shape: the first block says all there is to
        // say, once it holds the 4 KiB the message looks at (as a mapped
        // read sees them), whatever the block size.
        while more && buf.trim_ascii_start().len() < 4096 && buf.len() < DETECT_LIMIT {
            read_more(&mut buf, &mut more, &mut io_error);
        }
        col.bytes += buf.len() as u64;
        read_slice(&buf, col, opts, &|_| {}, &|_| {})?
    };
    if let Some(e) = io_error {
        let line = col.last_line;
        let kind = crate::read::input::read_error_kind(&e);
        let message = match kind {
            DiagKind::TruncatedInput => format!(
                "the compressed stream ends early ({e}): the file was cut short (an interrupted \
                 copy or download) and what follows is missing; copy or export it again"
            ),
            DiagKind::DecompressionLimit => format!("{e}; nothing after the limit was read"),
            _ => format!(
                "reading the input failed: {e}; what follows is missing or corrupt, copy or \
                 export the file again"
            ),
        };
        let d = col.diag_at(line, kind, message);
        col.emit(d)?;
    }
    Ok(format)
}

/// The message of a [`DiagKind::RecordTooLarge`] for a `what` over `limit` bytes.
fn too_large(limit: usize, what: &str) -> String {
    format!(
        "a {what} longer than {} MiB, the record size limit of a streamed export; it is skipped \
         (and the user or page it holds is not audited): give the file itself rather than a pipe \
         or gzip stream, or check it is a Graph users export",
        (limit >> 20).max(1)
    )
}

/// Walks a JSON export that is not one value per line, from a stream,
/// holding only the value being read (and one block): the outer structure
/// (pages, arrays) is followed by [`json::WalkState`], each user is parsed
/// whole. A value longer than `max_record_size` is skipped with a
/// [`DiagKind::RecordTooLarge`] error.
fn walk_stream(
    buf: &mut Vec<u8>,
    first_line: u64,
    col: &mut Collector,
    opts: &CloudOptions,
    more: &mut bool,
    read_more: &mut dyn FnMut(&mut Vec<u8>, &mut bool),
) -> Result<()> {
    let max_record = opts.max_record_size.max(1);
    let mut state = json::WalkState::new(first_line);
    loop {
        let at_end = !*more;
        let mut out = Out::default();
        let mut walker = json::Walker::resume(buf, state, at_end, &mut out).fast(!opts.serde_only);
        walker.run();
        state = walker.into_state();
        out.seal();
        col.absorb(out, 1)?;
        if at_end {
            col.bytes += buf.len() as u64;
            return Ok(());
        }
        let keep = state.keep_from();
        col.bytes += keep as u64;
        state.forget(buf, keep);
        buf.drain(..keep);
        if buf.len() > max_record {
            if let Some(line) = state.give_up_element() {
                let d = col.diag_at(
                    line,
                    DiagKind::RecordTooLarge,
                    too_large(max_record, "JSON value"),
                );
                col.emit(d)?;
                col.rejected += 1;
                continue;
            }
        }
        read_more(buf, more);
    }
}

/// Gathers the workers' output in file order.
struct Collector {
    file: Arc<str>,
    strict: bool,
    diagnostics: Diagnostics,
    users: Vec<CloudUser>,
    rejected: u64,
    pages: u64,
    last_page: Option<(u64, bool)>,
    shape: Option<json::Shape>,
    line_mode: bool,
    bytes: u64,
    last_line: u64,
}

impl Collector {
    fn new(file: Arc<str>, opts: &CloudOptions) -> Self {
        Collector {
            file,
            strict: opts.strict,
            diagnostics: Diagnostics::new(opts.keep_per_kind),
            users: Vec::new(),
            rejected: 0,
            pages: 0,
            last_page: None,
            shape: None,
            line_mode: false,
            bytes: 0,
            last_line: 1,
        }
    }

    fn diag_at(&self, line: u64, kind: DiagKind, message: String) -> Diagnostic {
        Diagnostic {
            file: self.file.clone(),
            line,
            column: None,
            kind,
            severity: kind.severity(),
            message,
        }
    }

    fn emit(&mut self, d: Diagnostic) -> Result<()> {
        if self.strict && d.severity == Severity::Error {
            return Err(Error::Strict(Box::new(d)));
        }
        self.diagnostics.push(d);
        Ok(())
    }

    fn file_diag(&mut self, kind: DiagKind, message: String) -> Result<()> {
        let d = self.diag_at(1, kind, message);
        self.emit(d)
    }

    fn absorb(&mut self, mut out: Out, first_line: u64) -> Result<()> {
        out.seal();
        let shift = first_line - 1;
        for d in out.diags {
            let message = match d.start {
                Some(start) => d.message.replace(START_LINE, &(start + shift).to_string()),
                None => d.message,
            };
            let d = self.diag_at(d.line + shift, d.kind, message);
            self.emit(d)?;
        }
        let mut users = out.users;
        if shift > 0 {
            for u in &mut users {
                u.source.line += shift;
            }
        }
        if let Some(u) = users.last() {
            self.last_line = u.source.line;
        }
        self.users.append(&mut users);
        self.rejected += out.rejected;
        self.pages += out.pages;
        if let Some((line, next)) = out.last_page {
            self.last_page = Some((line + shift, next));
        }
        if self.shape.is_none() {
            self.shape = out.shape;
        }
        Ok(())
    }

    fn finish(
        mut self,
        format: CloudFormat,
        encoding: Encoding,
        started: Instant,
    ) -> Result<CloudRead> {
        if let Some((line, true)) = self.last_page {
            let d = self.diag_at(
                line,
                DiagKind::TruncatedInput,
                "the last page in the file has `@odata.nextLink`: the export stops before the last \
                 page and the users of the pages after it are missing; export again, following \
                 @odata.nextLink until it is absent (`Get-MgUser -All` does)"
                    .into(),
            );
            self.emit(d)?;
        }
        // No users and nothing yet that says why the input is unusable.
        let explained = self.diagnostics.counts.keys().any(|k| k.makes_incomplete());
        if self.users.is_empty() && !explained {
            let message = if self.rejected > 0 || self.diagnostics.count(Severity::Error) > 0 {
                "the export holds no usable user: every user object was malformed or skipped \
                 (see the errors above); export the users again"
                    .to_string()
            } else {
                "the export holds no users: it was exported with a filter that matched nobody, \
                 or it stops before the first page's users; export all users again"
                    .to_string()
            };
            self.file_diag(DiagKind::NoEntries, message)?;
        }
        // Gaps are data, shown once by whoever presents the read.
        let cov = coverage::coverage(&self.users, format);
        let mut by_type = UserTypeCounts::default();
        let mut synced = SyncCounts::default();
        for u in &self.users {
            match &u.user_type {
                Some(UserType::Member) => by_type.member += 1,
                Some(UserType::Guest) => by_type.guest += 1,
                Some(UserType::Other(_)) => by_type.other += 1,
                None => by_type.absent += 1,
            }
            match u.on_premises_sync_enabled {
                Some(true) => synced.synced += 1,
                Some(false) => synced.no_longer_synced += 1,
                None => synced.never_or_unknown += 1,
            }
        }
        let summary = CloudSummary {
            file: self.file,
            encoding,
            bytes: self.bytes,
            users: self.users.len() as u64,
            rejected: self.rejected,
            pages: self.pages,
            by_user_type: by_type,
            synced,
            diagnostics: self.diagnostics,
            coverage: cov,
            elapsed: started.elapsed(),
        };
        Ok(CloudRead {
            users: self.users,
            format,
            summary,
        })
    }
}
