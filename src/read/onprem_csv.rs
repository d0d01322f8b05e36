//! On-premises CSV exports: `csvde` and `Get-ADUser | Export-Csv`.
//!
//! Both become the same [`Batch`]es of entries as LDIF, so scan, dump and the
//! account model do not care which tool wrote the export.
//!
//! * **csvde** writes one wide CSV: a `DN` column, the union of all
//!   attributes as the header, binary values as `X'hex'`, multiple values
//!   joined with `;`, empty fields for absent attributes.
//! * **Export-Csv** (`Get-ADUser -Properties * | Export-Csv`) writes an
//!   optional `#TYPE` line, friendly and LDAP property names, `ObjectGUID` as
//!   a GUID string, SIDs as `S-1-5-...` strings, and multi-valued properties
//!   and byte arrays as useless .NET type names
//!   (`Microsoft.ActiveDirectory.Management.ADPropertyValueCollection`,
//!   `System.Byte[]`). Such a column is reported once, with the calculated
//!   property that exports it properly, and treated as absent.
//!
//! Header names are matched case-insensitively; friendly names are mapped to
//! their LDAP attribute (`EmailAddress` is `mail`, `SID` is `objectSid`, ...).
//!
//! The field delimiter is found from the header: `,`, or `;` (`Export-Csv
//! -UseCulture` where the list separator is `;`, Excel re-saves there) or
//! TAB (`Export-Csv -Delimiter "`t"`); [`CsvOptions::delimiter`] forces it.
//! The header is read whole up to the record limit and mapped in linear
//! time; a longer one is one `header_too_large` error. A file that ends
//! inside its last row (no line break, or an open quote) is `truncated_input`
//! and that row is skipped.
//!
//! # Parallelism
//!
//! A CSV record may span lines (quoted line breaks), so chunks cannot be cut
//! at any newline. One quick pass walks the input as the csv crate reads it,
//! jumping from quote to line feed with `memchr`, and cuts it at record ends
//! about every chunk size; the chunks are then parsed on all cores. (Quote
//! parity alone is not enough: a quote inside an unquoted field is a literal.)

use std::collections::HashSet;
use std::ops::Range;

use crate::diag::{preview, DiagKind};
use crate::error::{Error, Result};
use crate::model::ids::{decode_csvde_binary, Guid, Sid};
use crate::read::batch::{nul_message, AttrIdx, EntryIdx, RawDiag, ValIdx};
use crate::read::detect;
use crate::read::driver::{self, ChunkFormat, Limits};
use crate::read::input::Input;
use crate::read::{
    collect, Batch, BatchSink, Parsed, Projection, ReadControl, ReadSummary, ValueKind,
};

/// Which tool wrote the CSV.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CsvFlavor {
    /// `csvde`: `X'hex'` binaries, `;`-joined values.
    Csvde,
    /// `Get-ADUser | Export-Csv`: friendly names, GUID and SID strings.
    ExportCsv,
}

/// Options of the CSV readers.
#[derive(Clone, Debug)]
pub struct CsvOptions {
    /// Which attributes to keep.
    pub projection: Projection,
    /// Stop at the first error.
    pub strict: bool,
    /// Target size of one parallel work unit, in bytes.
    pub chunk_size: usize,
    /// A record larger than this is rejected; a header larger than this
    /// ends the read (`header_too_large`).
    pub max_record_size: usize,
    /// The field delimiter; `None` finds it from the header (`,`, `;` or
    /// TAB: see [`detect::sniff_delimiter`]).
    pub delimiter: Option<u8>,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            projection: Projection::All,
            strict: false,
            chunk_size: 4 << 20,
            max_record_size: 64 << 20,
            delimiter: None,
        }
    }
}

/// The .NET type names Export-Csv writes for values it cannot print.
const DOTNET_PLACEHOLDERS: [&str; 2] = [
    "Microsoft.ActiveDirectory.Management.ADPropertyValueCollection",
    "System.Byte[]",
];

/// Attributes that are multi-valued in AD: their `;`-joined CSV values are
/// split. Other values are kept whole, since a single value may contain `;`
/// and csvde does not escape it (docs/formats.md#csvde).
const MULTI_VALUED: [&str; 14] = [
    "objectClass",
    "memberOf",
    "member",
    "proxyAddresses",
    "otherMailbox",
    "otherTelephone",
    "otherHomePhone",
    "otherMobile",
    "servicePrincipalName",
    "url",
    "dSCorePropagationData",
    "showInAddressBook",
    "userCertificate",
    "msDS-ExternalDirectoryObjectId",
];

/// Export-Csv friendly property names and the LDAP attribute they stand for.
const FRIENDLY: [(&str, &str); 12] = [
    ("EmailAddress", "mail"),
    ("SID", "objectSid"),
    ("Surname", "sn"),
    ("GivenName", "givenName"),
    ("SamAccountName", "sAMAccountName"),
    ("Office", "physicalDeliveryOfficeName"),
    ("OfficePhone", "telephoneNumber"),
    ("MobilePhone", "mobile"),
    ("City", "l"),
    ("State", "st"),
    ("Country", "c"),
    ("EmployeeID", "employeeID"),
];

/// How one column's values are turned into attribute values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Conv {
    /// Text; split on `;` when `multi`.
    Text { multi: bool },
    /// csvde: `X'hex'` is binary, else text (split on `;` when `multi`).
    Csvde { multi: bool },
    /// A GUID string (Export-Csv `ObjectGUID`), or base64 of 16 bytes.
    Guid,
    /// A SID string (Export-Csv `SID`, `objectSid`).
    Sid,
}

#[derive(Clone, Debug)]
struct Column {
    /// Attribute name as it will appear in entries (index into `names`).
    attr: Option<usize>,
    conv: Conv,
    /// Header text, for messages (escaped, at most 60 bytes of it).
    header: String,
}

/// The header, mapped.
#[derive(Clone, Debug)]
struct Layout {
    flavor: CsvFlavor,
    /// The DN column; without one every row is skipped (one diagnostic says why).
    dn: Option<usize>,
    columns: Vec<Column>,
    /// Attribute names, in column order of first use.
    names: Vec<String>,
    /// The field delimiter.
    delimiter: u8,
}

/// Reads a csvde or Export-Csv file into `sink`.
pub fn read<S: BatchSink>(
    input: Input,
    flavor: Option<CsvFlavor>,
    opts: &CsvOptions,
    control: &ReadControl<'_>,
    sink: &mut S,
) -> Result<ReadSummary> {
    let mut input = input;
    let limits = Limits {
        strict: opts.strict,
        chunk_target: opts.chunk_size.clamp(1, 1 << 28),
        record_limit: opts.max_record_size.clamp(1, 1 << 30),
    };
    let head = peek_header(&mut input, limits.record_limit, opts.delimiter)?;
    let header = read_header(&head, flavor, opts, limits.record_limit)?;
    let format = CsvFormat {
        header,
        record_limit: limits.record_limit,
    };
    driver::read(input, &format, limits, control, sink)
}

/// The `#TYPE` line Export-Csv writes before the header, if `head` starts with one.
fn type_line_len(head: &[u8]) -> usize {
    if head.len() >= 5 && head[..5].eq_ignore_ascii_case(b"#TYPE") {
        memchr::memchr(b'\n', head).map_or(head.len(), |i| i + 1)
    } else {
        0
    }
}

/// The delimiter in force: the one asked for, else the header's.
fn delimiter_of(head: &[u8], forced: Option<u8>) -> u8 {
    forced.unwrap_or_else(|| {
        let rest = &head[type_line_len(head)..];
        let line = memchr::memchr(b'\n', rest).map_or(rest, |i| &rest[..i]);
        detect::sniff_delimiter(line)
    })
}

/// Reads ahead until the `#TYPE` line and the header row are whole, the
/// input ends, or the header passes `limit` (then it is reported, not read:
/// memory stays bounded by the limit).
fn peek_header(input: &mut Input, limit: usize, delimiter: Option<u8>) -> Result<Vec<u8>> {
    let mut want: usize = 1 << 20;
    loop {
        let head = input.peek(want).map_err(|source| Error::Io {
            path: input.name.as_ref().into(),
            source,
        })?;
        let start = type_line_len(&head);
        let delimiter = delimiter_of(&head, delimiter);
        // (A `#TYPE` line never ended counts against the limit too.)
        let most = limit.saturating_mul(2).saturating_add(2);
        let whole = head.len() < want
            || first_record_end(&head[start..], delimiter).is_some()
            || head.len() - start > limit
            || want >= most;
        if whole {
            return Ok(head);
        }
        want = want.saturating_mul(2).min(start + limit + 1).min(most);
    }
}

/// Offset just after the first record of `buf`, if a line feed ends it.
fn first_record_end(buf: &[u8], delimiter: u8) -> Option<usize> {
    let mut end = None;
    scan_records(buf, delimiter, |e| {
        end = Some(e);
        false
    });
    end
}

/// Parses a whole CSV file held in memory into owned entries (tests, fuzzing,
/// small inputs).
pub fn parse_bytes(
    name: &str,
    bytes: &[u8],
    flavor: Option<CsvFlavor>,
    opts: &CsvOptions,
) -> Parsed {
    let lenient = CsvOptions {
        strict: false,
        ..opts.clone()
    };
    collect(|sink, control| {
        read(
            Input::from_bytes(name, bytes),
            flavor,
            &lenient,
            control,
            sink,
        )
    })
}

/// The header, read: its layout, where the rows start and what was wrong with it.
struct Header {
    layout: Layout,
    /// Bytes of the `#TYPE` line and header, skipped by the first chunk.
    len: usize,
    /// Lines of the `#TYPE` line and header.
    lines: u64,
    /// 0-based line of the header row.
    line: u64,
    diags: Vec<RawDiag>,
    /// The header is longer than the limit: nothing is read, and `len` is
    /// one byte over the limit (the first chunk need not hold all of it).
    too_large: bool,
}

/// Parses the header (and a `#TYPE` line before it). Linear in its length:
/// a 100,000-column header is mapped with hash sets, not by pairs.
fn read_header(
    head: &[u8],
    flavor: Option<CsvFlavor>,
    opts: &CsvOptions,
    limit: usize,
) -> Result<Header> {
    let start = type_line_len(head);
    let mut lines = u64::from(start > 0);
    let delimiter = delimiter_of(head, opts.delimiter);
    let complete = first_record_end(&head[start..], delimiter).is_some();
    if (!complete && head.len() - start > limit) || start > limit {
        // Not whole within the limit: report it, read nothing.
        return Ok(Header {
            layout: Layout {
                flavor: flavor.unwrap_or(CsvFlavor::Csvde),
                dn: None,
                columns: Vec::new(),
                names: Vec::new(),
                delimiter,
            },
            len: head.len().min(limit + 1),
            lines,
            // A `#TYPE` line over the limit is the culprit itself.
            line: if start > limit { 0 } else { lines },
            diags: Vec::new(),
            too_large: true,
        });
    }
    // 0-based line of the header, for its diagnostics.
    let header_line = lines;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(&head[start..]);
    let mut record = csv::ByteRecord::new();
    let got = reader.read_byte_record(&mut record).unwrap_or(false);
    // Where the data starts: the position of the next record, if any.
    let mut next = csv::ByteRecord::new();
    let mut header_end = match reader.read_byte_record(&mut next) {
        Ok(true) => start + next.position().map_or(0, |p| p.byte() as usize),
        _ => head.len(),
    };
    // The csv crate places a record after a CRLF at its LF: move past line ends.
    while header_end < head.len() && matches!(head[header_end], b'\r' | b'\n') {
        header_end += 1;
    }
    lines += head[start..header_end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64;
    let mut diags = Vec::new();
    if !got {
        diags.push(RawDiag {
            line: header_line,
            column: None,
            kind: DiagKind::MissingDnColumn,
            message: "the file has no header line".into(),
        });
    }
    let headers: Vec<String> = record
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    let flavor = flavor.unwrap_or_else(|| guess_flavor(&headers));
    let dn = headers
        .iter()
        .position(|h| h.eq_ignore_ascii_case("DN"))
        .or_else(|| {
            headers
                .iter()
                .position(|h| h.eq_ignore_ascii_case("DistinguishedName"))
        });
    if dn.is_none() && got {
        let line_end = memchr::memchr(b'\n', &head[start..]).map_or(head.len(), |i| start + i);
        diags.push(RawDiag {
            line: header_line,
            column: None,
            kind: DiagKind::MissingDnColumn,
            message: format!(
                "the header has no DN or DistinguishedName column ({} columns: {}); no row can \
                 be identified, so every row is skipped. Export with `csvde -f users.csv` or \
                 `Get-ADUser -Filter * -Properties * | Export-Csv -NoTypeInformation users.csv` \
                 (with Select-Object, name DistinguishedName among the properties)",
                headers.len(),
                detect::header_preview(&head[start..line_end])
            ),
        });
    }
    let mut names: Vec<String> = Vec::new();
    // Lower-cased attribute names taken, and header texts seen: linear mapping.
    let mut taken_names: HashSet<String> = HashSet::with_capacity(headers.len());
    let mut seen_headers: HashSet<String> = HashSet::with_capacity(headers.len());
    let mut columns = Vec::with_capacity(headers.len());
    for (i, h) in headers.iter().enumerate() {
        let target = FRIENDLY
            .iter()
            .find(|(f, _)| f.eq_ignore_ascii_case(h))
            .map_or(h.as_str(), |(_, ldap)| ldap);
        let repeated_header = !seen_headers.insert(h.to_ascii_lowercase());
        // The DN column is the entry's DN, not an attribute (as in LDIF).
        let wanted = !h.is_empty() && Some(i) != dn && opts.projection.wants(target.as_bytes());
        let taken = wanted && !taken_names.insert(target.to_ascii_lowercase());
        let attr = match (wanted, taken) {
            (false, _) => None,
            (true, true) => {
                // A friendly twin of an LDAP column (or a repeated name): the
                // first column wins.
                if !FRIENDLY.iter().any(|(f, _)| f.eq_ignore_ascii_case(h)) && repeated_header {
                    diags.push(RawDiag {
                        line: header_line,
                        column: None,
                        kind: DiagKind::DuplicateColumn,
                        message: format!(
                            "column `{}` appears twice in the header; the first is used",
                            preview(h.as_bytes())
                        ),
                    });
                }
                None
            }
            (true, false) => {
                names.push(target.to_string());
                Some(names.len() - 1)
            }
        };
        let multi = MULTI_VALUED.iter().any(|m| m.eq_ignore_ascii_case(target));
        let conv = match flavor {
            CsvFlavor::Csvde => Conv::Csvde { multi },
            CsvFlavor::ExportCsv => {
                if target.eq_ignore_ascii_case("objectGUID")
                    || target.eq_ignore_ascii_case("mS-DS-ConsistencyGuid")
                {
                    Conv::Guid
                } else if target.eq_ignore_ascii_case("objectSid") {
                    Conv::Sid
                } else {
                    Conv::Text { multi }
                }
            }
        };
        columns.push(Column {
            attr,
            conv,
            // Escaped and capped: it is echoed in messages.
            header: preview(h.as_bytes()),
        });
    }
    Ok(Header {
        layout: Layout {
            flavor,
            dn,
            columns,
            names,
            delimiter,
        },
        len: if header_end > limit {
            limit + 1
        } else {
            header_end
        },
        lines,
        line: header_line,
        diags,
        too_large: header_end > limit,
    })
}

/// Export-Csv headers use friendly names; csvde's start with `DN`.
fn guess_flavor(headers: &[String]) -> CsvFlavor {
    if headers
        .first()
        .is_some_and(|h| h.eq_ignore_ascii_case("DN"))
    {
        CsvFlavor::Csvde
    } else {
        CsvFlavor::ExportCsv
    }
}

struct CsvFormat {
    header: Header,
    /// A record larger than this ends the read (see [`chunk_bounds`]).
    record_limit: usize,
}

impl ChunkFormat for CsvFormat {
    fn chunk_bounds(&self, buf: &[u8], target: usize, at_file_start: bool) -> Vec<Range<usize>> {
        // The first chunk of the file holds the whole header.
        let head = if at_file_start {
            self.header.len.min(buf.len())
        } else {
            0
        };
        let delimiter = self.header.layout.delimiter;
        let mut bounds = chunk_bounds(&buf[head..], delimiter, target, self.record_limit);
        for r in &mut bounds {
            *r = r.start + head..r.end + head;
        }
        match bounds.first_mut() {
            Some(first) => first.start = 0,
            None if head > 0 => bounds.push(0..head),
            None => {}
        }
        bounds
    }

    fn parse(&self, chunk: &[u8], at_file_start: bool, batch: &mut Batch) {
        batch.clear();
        let header = &self.header;
        if at_file_start && header.too_large {
            // A header over the limit: nothing can be read (the streamed
            // path reaches the same verdict without holding it). One error
            // says so, instead of every row being "ragged".
            count_lines(chunk, batch);
            batch.stats.records = 1;
            batch.stop_reading = true;
            reject(
                batch,
                header.line,
                DiagKind::HeaderTooLarge,
                format!(
                    "the CSV header (its first row{}) is longer than the limit of {} bytes, so \
                     no row can be read: no csvde or Export-Csv header is that long. Check that \
                     this is the export meant (a header row cut from its line breaks?), or raise \
                     --max-record-size if it is genuine",
                    if header.line > 0 {
                        ", after the #TYPE line"
                    } else {
                        ""
                    },
                    self.record_limit
                ),
            );
            return;
        }
        let mut skip = 0;
        if at_file_start {
            skip = header.len.min(chunk.len());
            for d in &header.diags {
                batch.diag(d.line, d.column, d.kind, || d.message.clone());
            }
        }
        let skip_lines = if at_file_start { header.lines } else { 0 };
        parse_rows(
            chunk,
            skip,
            skip_lines,
            &header.layout,
            self.record_limit,
            batch,
        );
    }

    fn last_boundary(&self, buf: &[u8]) -> Option<usize> {
        let mut last = None;
        scan_records(buf, self.header.layout.delimiter, |end| {
            last = Some(end);
            true
        });
        last
    }

    fn first_boundary(&self, _: &[u8]) -> Option<usize> {
        // A record over the limit ends the read (see `chunk_bounds`): the
        // driver skips to the end of the input.
        None
    }

    fn header_len(&self) -> usize {
        self.header.len
    }

    fn too_large_message(&self, limit: usize) -> String {
        too_large_message(limit)
    }

    fn truncated_message(&self) -> String {
        "the file ends inside a row (no line break after its last line): the export was cut \
         short and what followed is missing, so that row was skipped. Export the file again \
         (csvde and Export-Csv end every row with a line break)"
            .into()
    }
}

/// Walks `buf` (which starts at a record boundary) as the csv crate reads
/// it, calling `at_end` with the offset just after every line feed that ends
/// a record, until `at_end` returns false. Returns whether the input ends
/// inside a quoted field (an unterminated quote).
///
/// Only a quote at the start of a field opens a quoted field (a quote inside
/// an unquoted field is a literal, as the csv crate reads it), so the walk
/// jumps from quote to line feed with `memchr` instead of looking at every byte.
fn scan_records(buf: &[u8], delimiter: u8, mut at_end: impl FnMut(usize) -> bool) -> bool {
    let mut at = 0;
    while let Some(i) = memchr::memchr2(b'"', b'\n', &buf[at..]) {
        let p = at + i;
        if buf[p] == b'\n' {
            if !at_end(p + 1) {
                return false;
            }
            at = p + 1;
            continue;
        }
        let field_start = p == 0 || matches!(buf[p - 1], b'\n' | b'\r') || buf[p - 1] == delimiter;
        if !field_start {
            at = p + 1;
            continue;
        }
        // A quoted field: up to a quote not followed by another quote.
        let mut q = p + 1;
        loop {
            match memchr::memchr(b'"', &buf[q..]) {
                None => return true,
                Some(j) if buf.get(q + j + 1) == Some(&b'"') => q += j + 2,
                Some(j) => {
                    q += j + 1;
                    break;
                }
            }
        }
        at = q;
    }
    false
}

/// Cuts `buf` (starting at a record boundary) into ranges of about `target`
/// bytes ending at record boundaries.
///
/// A record larger than `limit` ends the read of a CSV file: after a quote
/// that never closes, the csv crate reads the rest of the file as one field,
/// and no later boundary can be trusted. The oversized record starts the last
/// range, which [`parse_rows`] rejects whole (memory stays bounded: it is
/// never handed to the csv crate).
fn chunk_bounds(buf: &[u8], delimiter: u8, target: usize, limit: usize) -> Vec<Range<usize>> {
    let target = target.max(1);
    let mut bounds = Vec::with_capacity(buf.len() / target + 1);
    let mut start = 0;
    let mut last = 0;
    scan_records(buf, delimiter, |end| {
        if end - last > limit {
            return false;
        }
        last = end;
        if end - start >= target && end < buf.len() {
            bounds.push(start..end);
            start = end;
        }
        true
    });
    if last > start {
        bounds.push(start..last);
        start = last;
    }
    if start < buf.len() {
        bounds.push(start..buf.len());
    }
    bounds
}

/// Sets a batch's byte and line counts for its chunk (line feeds; the
/// driver adds a last line without one).
fn count_lines(chunk: &[u8], batch: &mut Batch) {
    batch.stats.bytes = chunk.len() as u64;
    batch.stats.lines = memchr::memchr_iter(b'\n', chunk).count() as u64;
}

/// The message of a `record_too_large` diagnostic for CSV.
fn too_large_message(limit: usize) -> String {
    format!(
        "CSV record is larger than the limit of {limit} bytes; it and the rest of the file were \
         not read (usually a quote that never closes makes the rest of the file one record: fix \
         it, or raise --max-record-size if the record is genuine)"
    )
}

/// Where the first record over `limit` starts in `body`, if any (a quote
/// that never closes makes the rest of the input one record).
fn oversized_record_start(body: &[u8], delimiter: u8, limit: usize) -> Option<usize> {
    let mut last = 0;
    let mut found = None;
    let unterminated = scan_records(body, delimiter, |end| {
        if end - last > limit {
            found = Some(last);
            return false;
        }
        last = end;
        true
    });
    found.or_else(|| {
        ((unterminated || last < body.len()) && body.len() - last > limit).then_some(last)
    })
}

/// Parses the rows of one chunk.
fn parse_rows(
    chunk: &[u8],
    skip: usize,
    skip_lines: u64,
    layout: &Layout,
    limit: usize,
    batch: &mut Batch,
) {
    count_lines(chunk, batch);
    batch.lists_object_class = layout
        .names
        .iter()
        .any(|n| n.eq_ignore_ascii_case("objectClass"));
    // Attribute names once per batch; every entry's attributes point at them.
    let names: Vec<Range<usize>> = layout
        .names
        .iter()
        .map(|n| {
            let s = batch.data.len();
            batch.data.extend_from_slice(n.as_bytes());
            s..batch.data.len()
        })
        .collect();
    let mut body = &chunk[skip..];
    // A record over the limit ends the read: it is counted and reported, the
    // rows before it are parsed, nothing after it is.
    let mut oversized_line = None;
    if let Some(at) = oversized_record_start(body, layout.delimiter, limit) {
        let start = at
            + body[at..]
                .iter()
                .take_while(|&&b| matches!(b, b'\r' | b'\n'))
                .count();
        oversized_line =
            Some(body[..start].iter().filter(|&&b| b == b'\n').count() as u64 + skip_lines);
        batch.stop_reading = true;
        body = &body[..at];
    }
    // A quoted field that never closes swallows the rest of the input: find
    // where its record starts.
    let mut record_start = 0;
    let unterminated = scan_records(body, layout.delimiter, |end| {
        record_start = end;
        true
    });
    // Where the last record starts, skipping line ends as the row loop does
    // before it compares offsets.
    let last_record_at = (record_start
        + body[record_start..]
            .iter()
            .take_while(|&&b| matches!(b, b'\r' | b'\n'))
            .count()) as u64;
    let unterminated_at = unterminated.then_some(last_record_at);
    // A chunk that ends without a line break (LF, or CR for files with CR
    // line ends) ends the input: the export was cut inside its last row,
    // which must not be read as whole (the driver reports the cut once for
    // the file).
    // A final CR ends a line only in a file of CR line ends: where the
    // chunk holds a CRLF, it is a cut between the CR and its LF.
    let cr_line_ends = chunk.ends_with(b"\r") && memchr::memmem::find(chunk, b"\r\n").is_none();
    let cut =
        oversized_line.is_none() && !chunk.is_empty() && !chunk.ends_with(b"\n") && !cr_line_ends;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(layout.delimiter)
        .from_reader(body);
    let mut record = csv::ByteRecord::new();
    let mut reported_unusable: Vec<bool> = vec![false; layout.columns.len()];
    let mut row_values: Vec<(u32, Range<usize>, ValueKind)> = Vec::new();
    let mut counted_to = 0;
    let mut lines_before = 0u64;
    loop {
        // The previous row is done: its counted diagnostics stay.
        batch.commit_diags();
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                // The csv crate reports only I/O and UTF-8 errors for byte
                // records; neither can happen on a slice, but never panic.
                let line = e.position().map_or(0, |p| p.line().saturating_sub(1)) + skip_lines;
                batch.diag(line, None, DiagKind::RaggedRow, || {
                    format!("unreadable CSV row: {e}")
                });
                batch.stats.records += 1;
                batch.stats.rejected += 1;
                continue;
            }
        }
        // Lines are counted here from byte offsets: after a CRLF the csv
        // crate places the next record at the LF, before counting the line.
        let mut at = record
            .position()
            .map_or(0, |p| p.byte() as usize)
            .min(body.len());
        while at < body.len() && matches!(body[at], b'\r' | b'\n') {
            at += 1;
        }
        if at > counted_to {
            lines_before += memchr::memchr_iter(b'\n', &body[counted_to..at]).count() as u64;
            counted_to = at;
        }
        let line = lines_before + skip_lines;
        let byte = (at + skip) as u64;
        batch.stats.records += 1;
        if unterminated_at == Some(at as u64) {
            reject(
                batch,
                line,
                DiagKind::TruncatedInput,
                "the file ends inside a quoted field that starts in this row: the export was \
                 cut short (what followed is missing) or a `\"` on this line is never closed; \
                 the row was skipped. Export the file again, or fix the quote"
                    .into(),
            );
            continue;
        }
        if cut && reader.position().byte() as usize >= body.len() {
            batch.stats.rejected += 1;
            continue;
        }
        if record.len() != layout.columns.len() {
            reject(
                batch,
                line,
                DiagKind::RaggedRow,
                format!(
                "row has {} fields but the header has {}; the row was skipped (a value with an \
                 unquoted comma or line break?)",
                record.len(),
                layout.columns.len()
            ),
            );
            continue;
        }
        let Some(dn_column) = layout.dn else {
            batch.stats.rejected += 1;
            continue;
        };
        let dn_field = record.get(dn_column).unwrap_or(b"");
        if dn_field.is_empty() {
            reject(
                batch,
                line,
                DiagKind::RecordWithoutDn,
                "row has an empty DN; it was skipped".into(),
            );
            continue;
        }
        let data_mark = batch.data.len();
        let diag_mark = batch.diag_mark();
        if memchr::memchr(0, dn_field).is_some() {
            batch.diag(line, None, DiagKind::NulByte, || nul_message("the DN"));
        }
        batch.data.extend_from_slice(dn_field);
        let dn = data_mark..batch.data.len();
        row_values.clear();
        let mut failed = false;
        let mut rejection = None;
        for (c, column) in layout.columns.iter().enumerate() {
            let Some(attr) = column.attr else { continue };
            let field = record.get(c).unwrap_or(b"");
            if field.is_empty() {
                continue;
            }
            if layout.flavor == CsvFlavor::ExportCsv
                && DOTNET_PLACEHOLDERS.iter().any(|p| field == p.as_bytes())
            {
                if !reported_unusable[c] {
                    reported_unusable[c] = true;
                    batch.diag(line, None, DiagKind::UnusableColumn, || {
                        unusable_message(&column.header, field)
                    });
                }
                continue;
            }
            if let Err(e) = convert(field, column, attr as u32, line, batch, &mut row_values) {
                rejection = Some(e);
                failed = true;
                break;
            }
        }
        if failed {
            // Drop the row's warnings; report it by its error alone.
            batch.drop_diags_since(diag_mark);
            if let Some(e) = rejection.take() {
                batch.diag(e.line, e.column, e.kind, || e.message);
            }
            batch.data.truncate(data_mark);
            batch.stats.rejected += 1;
            continue;
        }
        // Values arrive in column order, so they are grouped by attribute
        // unless two columns feed one attribute, which the layout prevents.
        let attrs_start = batch.attrs.len();
        let mut i = 0;
        while i < row_values.len() {
            let attr = row_values[i].0;
            let values_start = batch.values.len();
            while i < row_values.len() && row_values[i].0 == attr {
                let (_, r, kind) = row_values[i].clone();
                batch.values.push(ValIdx {
                    start: r.start as u32,
                    end: r.end as u32,
                    attr: (batch.attrs.len() - attrs_start) as u32,
                    line: line as u32,
                    kind,
                });
                i += 1;
            }
            batch.attrs.push(AttrIdx {
                name: names[attr as usize].clone(),
                values: values_start..batch.values.len(),
            });
        }
        batch.entries.push(EntryIdx {
            dn,
            dn_kind: ValueKind::Plain,
            line,
            byte,
            attrs: attrs_start..batch.attrs.len(),
        });
        batch.stats.entries += 1;
    }
    batch.commit_diags();
    if let Some(line) = oversized_line {
        batch.stats.records += 1;
        reject(
            batch,
            line,
            DiagKind::RecordTooLarge,
            too_large_message(limit),
        );
    }
}

fn reject(batch: &mut Batch, line: u64, kind: DiagKind, message: String) {
    batch.diag(line, None, kind, || message);
    batch.stats.rejected += 1;
}

/// The message for a column Export-Csv could not print, with the fix.
fn unusable_message(header: &str, field: &[u8]) -> String {
    let fix = if field == b"System.Byte[]" {
        format!("@{{n='{header}';e={{[Convert]::ToBase64String($_.'{header}')}}}}")
    } else {
        format!("@{{n='{header}';e={{$_.'{header}' -join ';'}}}}")
    };
    format!(
        "column `{header}` holds `{}` instead of values (Export-Csv cannot print collections or \
         byte arrays); it is treated as absent. Re-export with a calculated property: \
         Get-ADUser -Filter * -Properties * | Select-Object *,{fix} -ExcludeProperty '{header}' | Export-Csv -NoTypeInformation users.csv",
        String::from_utf8_lossy(field)
    )
}

/// Converts one non-empty field into values in the arena.
fn convert(
    field: &[u8],
    column: &Column,
    attr: u32,
    line: u64,
    batch: &mut Batch,
    out: &mut Vec<(u32, Range<usize>, ValueKind)>,
) -> std::result::Result<(), RawDiag> {
    let text = |batch: &mut Batch, v: &[u8], out: &mut Vec<(u32, Range<usize>, ValueKind)>| {
        if !v.is_ascii() && std::str::from_utf8(v).is_err() {
            batch.diag(line, None, DiagKind::InvalidUtf8, || {
                format!(
                    "column `{}` is not valid UTF-8 (an ANSI code page?); the bytes are kept. \
                     Re-export with `csvde -u` or `Export-Csv -Encoding utf8`",
                    column.header
                )
            });
        }
        if memchr::memchr(0, v).is_some() {
            batch.diag(line, None, DiagKind::NulByte, || {
                nul_message(&format!("column `{}`", column.header))
            });
        }
        let s = batch.data.len();
        batch.data.extend_from_slice(v);
        out.push((attr, s..batch.data.len(), ValueKind::Plain));
    };
    match column.conv {
        Conv::Text { multi } => {
            if multi {
                for v in field.split(|&b| b == b';').filter(|v| !v.is_empty()) {
                    text(batch, v, out);
                }
            } else {
                text(batch, field, out);
            }
        }
        Conv::Csvde { multi } => {
            // Split multi-valued attributes on `;`; keep other values whole.
            let mut rest = field;
            while !rest.is_empty() {
                let (v, next) = match memchr::memchr(b';', rest).filter(|_| multi) {
                    Some(i) => (&rest[..i], &rest[i + 1..]),
                    None => (rest, &b""[..]),
                };
                rest = next;
                if v.is_empty() {
                    continue;
                }
                if v.starts_with(b"X'") || v.starts_with(b"x'") {
                    let s = batch.data.len();
                    if !decode_csvde_binary(v, &mut batch.data) {
                        batch.data.truncate(s);
                        return Err(RawDiag {
                            line,
                            column: None,
                            kind: DiagKind::InvalidHex,
                            message: format!(
                                "column `{}` holds `{}`, which is not valid X'hex'; the row \
                                 was skipped",
                                column.header,
                                preview(v)
                            ),
                        });
                    }
                    out.push((attr, s..batch.data.len(), ValueKind::Decoded));
                } else {
                    text(batch, v, out);
                }
            }
        }
        Conv::Guid => {
            let s = std::str::from_utf8(field).unwrap_or("").trim();
            let guid = Guid::parse(s).or_else(|| Guid::from_immutable_id(s));
            match guid {
                Some(g) => {
                    let start = batch.data.len();
                    batch.data.extend_from_slice(&g.0);
                    out.push((attr, start..batch.data.len(), ValueKind::Decoded));
                }
                None => batch.diag(line, None, DiagKind::InvalidGuid, || {
                    format!(
                        "column `{}` holds `{}`, which is not a GUID; treated as absent",
                        column.header,
                        preview(field)
                    )
                }),
            }
        }
        Conv::Sid => {
            let s = std::str::from_utf8(field).unwrap_or("").trim();
            match Sid::parse(s) {
                Some(sid) => {
                    let start = batch.data.len();
                    batch.data.extend_from_slice(&sid.to_bytes());
                    out.push((attr, start..batch.data.len(), ValueKind::Decoded));
                }
                None => batch.diag(line, None, DiagKind::InvalidSid, || {
                    format!(
                        "column `{}` holds `{}`, which is not a SID (S-1-5-...); treated as absent",
                        column.header,
                        preview(field)
                    )
                }),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::OwnedEntry;

    fn parse(text: &[u8], flavor: Option<CsvFlavor>) -> Parsed {
        parse_bytes("t.csv", text, flavor, &CsvOptions::default())
    }

    fn kinds(p: &Parsed) -> Vec<(u64, DiagKind)> {
        p.diagnostics.iter().map(|d| (d.line, d.kind)).collect()
    }

    fn values(e: &OwnedEntry, name: &str) -> Vec<Vec<u8>> {
        e.get(name)
            .map(|a| a.values.iter().map(|v| v.bytes.clone()).collect())
            .unwrap_or_default()
    }

    const CSVDE: &[u8] = b"DN,objectClass,cn,objectGUID,objectSid,memberOf,description\r\n\
\"CN=Smith\\, John,OU=Users,DC=x\",top;person;organizationalPerson;user,\"Smith, John\",X'0b818fd05ca3a849a4cdc6923dfc031e',X'010500000000000515000000e49ec47102197d0ca6881995e9030000',\"CN=G1,DC=x;CN=G2,DC=x\",\"two\r\nlines; one value\"\r\n\
\"CN=PC1,DC=x\",top;computer,PC1,,,,\r\n";

    #[test]
    fn csvde_values_binaries_and_multi_values() {
        let p = parse(CSVDE, None);
        assert_eq!(kinds(&p), vec![]);
        assert_eq!(p.entries.len(), 2);
        let e = &p.entries[0];
        assert_eq!(e.dn, b"CN=Smith\\, John,OU=Users,DC=x");
        assert_eq!(e.line, 2);
        assert_eq!(
            values(e, "objectGUID"),
            vec![vec![
                0x0b, 0x81, 0x8f, 0xd0, 0x5c, 0xa3, 0xa8, 0x49, 0xa4, 0xcd, 0xc6, 0x92, 0x3d, 0xfc,
                0x03, 0x1e
            ]]
        );
        assert_eq!(values(e, "objectSid")[0].len(), 28);
        assert_eq!(
            e.texts("objectClass"),
            vec!["top", "person", "organizationalPerson", "user"]
        );
        // memberOf is multi-valued: split on `;`.
        assert_eq!(e.texts("memberOf"), vec!["CN=G1,DC=x", "CN=G2,DC=x"]);
        // description is not: a `;` inside it stays, and so does the quoted line break.
        assert_eq!(e.texts("description"), vec!["two\r\nlines; one value"]);
        assert!(
            e.get("DN").is_none(),
            "the DN column is the DN, not an attribute"
        );
        // The second row starts on line 4: the first spans lines 2 and 3.
        assert_eq!(p.entries[1].line, 4);
        assert!(
            p.entries[1].get("objectGUID").is_none(),
            "empty fields are absent attributes"
        );
        assert!(p.stats.reconciles());
    }

    #[test]
    fn chunking_does_not_change_results() {
        let mut text = CSVDE.to_vec();
        for i in 0..20 {
            text.extend_from_slice(
                format!("\"CN=U{i},DC=x\",user,\"u\"\"{i}\",,,,\"a\nb\"\r\n").as_bytes(),
            );
        }
        let whole = parse(&text, None);
        assert_eq!(whole.entries.len(), 22);
        assert_eq!(whole.entries[21].texts("cn"), vec!["u\"19"]);
        for chunk_size in 1..120 {
            let opts = CsvOptions {
                chunk_size,
                ..CsvOptions::default()
            };
            let got = parse_bytes("t.csv", &text, None, &opts);
            assert_eq!(got.entries, whole.entries, "chunk size {chunk_size}");
            assert_eq!(got.stats, whole.stats, "chunk size {chunk_size}");
        }
    }

    #[test]
    fn ragged_rows_and_bad_hex_are_skipped_with_their_line() {
        let text = b"DN,cn,objectGUID\n\"CN=a,DC=x\",a,\nCN=b,b\n\"CN=c,DC=x\",c,X'zz'\n\"CN=d,DC=x\",d,X'abc'\n\"CN=e,DC=x\",e,\n";
        let p = parse(text, Some(CsvFlavor::Csvde));
        assert_eq!(
            kinds(&p),
            vec![
                (3, DiagKind::RaggedRow),
                (4, DiagKind::InvalidHex),
                (5, DiagKind::InvalidHex)
            ]
        );
        assert_eq!(
            p.entries.iter().map(|e| e.line).collect::<Vec<_>>(),
            vec![2, 6]
        );
        assert_eq!(p.stats.rejected, 3);
        assert!(p.stats.reconciles());
    }

    #[test]
    fn unterminated_quote_is_reported_at_its_row() {
        // The quote never closes: the rest of the file is one value, and the
        // file ends inside it (cut short, or a stray quote): `truncated_input`
        // (issue #13 item 2; it was `unterminated_quote`).
        let text = b"DN,cn\n\"CN=a,DC=x\",a\n\"CN=b,DC=x\",\"b\nCN=c,c\nCN=d,d\n";
        let p = parse(text, Some(CsvFlavor::Csvde));
        assert_eq!(kinds(&p), vec![(3, DiagKind::TruncatedInput)]);
        assert_eq!(p.entries.len(), 1);
        assert!(p.stats.reconciles());
        // Read as the csv crate does, a later quote closes it (`"b\n"` then
        // literal text): the row has too many fields.
        let text = b"DN,cn\n\"CN=a,DC=x\",a\n\"CN=b,DC=x\",\"b\n\"CN=c,DC=x\",c\n";
        let p = parse(text, Some(CsvFlavor::Csvde));
        assert_eq!(kinds(&p), vec![(3, DiagKind::RaggedRow)]);
    }

    #[test]
    fn header_without_dn_skips_every_row_with_one_error() {
        let p = parse(b"cn,mail\na,a@x\nb,b@x\n", Some(CsvFlavor::Csvde));
        assert_eq!(kinds(&p), vec![(1, DiagKind::MissingDnColumn)]);
        assert_eq!(p.entries.len(), 0);
        assert_eq!(p.stats.rejected, 2);
        assert!(p.stats.reconciles());
    }

    const EXPORT_CSV: &[u8] = b"#TYPE Microsoft.ActiveDirectory.Management.ADUser\r\n\
\"DistinguishedName\",\"EmailAddress\",\"Enabled\",\"ObjectGUID\",\"SID\",\"memberOf\",\"mS-DS-ConsistencyGuid\",\"mail\"\r\n\
\"CN=Ann,DC=x\",\"ann@x.com\",\"True\",\"88666888-0101-1111-bbbb-1234567890ab\",\"S-1-5-21-347728882-1813064083-908604766-1038\",\"Microsoft.ActiveDirectory.Management.ADPropertyValueCollection\",\"System.Byte[]\",\"ann@x.com\"\r\n\
\"CN=Bob,DC=x\",\"\",\"False\",\"nonsense\",\"S-1-5-21-1-2-3-4\",\"Microsoft.ActiveDirectory.Management.ADPropertyValueCollection\",\"\",\"\"\r\n";

    #[test]
    fn export_csv_chunking_keeps_the_header_whole() {
        // The `#TYPE` line and the header stay in the first chunk whatever the
        // chunk size (found by `cargo fuzz`).
        let whole = parse(EXPORT_CSV, None);
        assert_eq!(whole.stats.records, 2);
        for chunk_size in 1..80 {
            let opts = CsvOptions {
                chunk_size,
                ..CsvOptions::default()
            };
            let got = parse_bytes("t.csv", EXPORT_CSV, None, &opts);
            assert_eq!(got.entries, whole.entries, "chunk size {chunk_size}");
            assert_eq!(got.stats, whole.stats, "chunk size {chunk_size}");
        }
    }

    /// A `#TYPE` line is skipped as a line, not read as CSV, however the
    /// input is cut into blocks (found by `cargo fuzz`: a quote in it spanned
    /// the line break).
    #[test]
    fn type_line_with_quotes_is_skipped_as_a_line() {
        let text = b"#TYPE x\",\"y\n\"DistinguishedName\",\"cn\"\r\n\"CN=a,DC=x\",\"a\"\r\n\"CN=b,DC=x\",\"b\"\r\n";
        let whole = parse(text, None);
        assert_eq!(whole.entries.len(), 2, "{:?}", whole.diagnostics);
        assert_eq!(whole.entries[0].line, 3);
        for chunk_size in 1..40 {
            let opts = CsvOptions {
                chunk_size,
                ..CsvOptions::default()
            };
            let got = parse_bytes("t.csv", text, None, &opts);
            assert_eq!(got.entries, whole.entries, "chunk size {chunk_size}");
            assert_eq!(got.stats, whole.stats, "chunk size {chunk_size}");
        }
    }

    /// A record over the limit ends the read, the same way whether the file
    /// is mapped or streamed and whatever the chunk size (found in review: a
    /// stray quote made the rest of a mapped file one unbounded record).
    #[test]
    fn oversized_record_ends_the_read_however_it_is_read() {
        let mut text = b"DN,cn\n\"CN=a,DC=x\",a\n\"CN=b,DC=x\",b\n\"CN=c,DC=x\",\"c\n".to_vec();
        for i in 0..50 {
            text.extend_from_slice(format!("CN=u{i},u{i}\n").as_bytes());
        }
        let check = |p: &Parsed, how: &str| {
            assert_eq!(kinds(p), vec![(4, DiagKind::RecordTooLarge)], "{how}");
            assert_eq!(p.entries.len(), 2, "{how}");
            assert_eq!((p.stats.records, p.stats.rejected), (3, 1), "{how}");
            assert_eq!(p.stats.lines, 54, "{how}");
            assert!(p.stats.reconciles(), "{how}");
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("t.csv");
        std::fs::write(&path, &text).expect("write");
        for chunk_size in [1, 3, 10, 40, 1 << 20] {
            let opts = CsvOptions {
                chunk_size,
                max_record_size: 200,
                ..CsvOptions::default()
            };
            check(
                &parse_bytes("t.csv", &text, None, &opts),
                &format!("streamed, chunk {chunk_size}"),
            );
            let mapped = collect(|sink, control| {
                let input =
                    Input::open(path.to_str().unwrap_or_default()).map_err(|source| Error::Io {
                        path: path.clone(),
                        source,
                    })?;
                read(input, None, &opts, control, sink)
            });
            check(&mapped, &format!("mapped, chunk {chunk_size}"));
        }
    }

    /// A header of 100,000 columns (1.3 MB, past the 1 MiB that was read
    /// ahead before) is read whole and mapped in linear time (issue #14 item
    /// 6: it took 13.9 s and every row was then "ragged").
    #[test]
    fn a_header_of_100000_columns_is_read_whole() {
        let mut text = b"DN".to_vec();
        for i in 0..100_000 {
            text.extend_from_slice(format!(",attr{i:07}").as_bytes());
        }
        text.extend_from_slice(b"\r\n");
        assert!(text.len() > 1 << 20);
        for row in ["a", "b"] {
            text.extend_from_slice(format!("\"CN={row},DC=x\"").as_bytes());
            text.extend(std::iter::repeat_n(b',', 99_999));
            text.extend_from_slice(format!(",{row}\r\n").as_bytes());
        }
        let p = parse(&text, Some(CsvFlavor::Csvde));
        assert_eq!(kinds(&p), vec![]);
        assert_eq!(p.entries.len(), 2);
        assert_eq!(p.entries[1].texts("attr0099999"), vec!["b"]);
        assert_eq!(p.entries[1].line, 3);
    }

    /// A header longer than the limit is one `header_too_large` error, and
    /// no row is read (before: cut at 1 MiB, then every row "ragged").
    #[test]
    fn a_header_over_the_limit_is_one_error() {
        let mut text = b"DN".to_vec();
        for i in 0..1000 {
            text.extend_from_slice(format!(",attr{i:04}").as_bytes());
        }
        text.extend_from_slice(b"\n");
        for i in 0..50 {
            text.extend_from_slice(format!("\"CN=u{i},DC=x\"").as_bytes());
            text.extend(std::iter::repeat_n(b',', 1000));
            text.extend_from_slice(b"\n");
        }
        let p = same_however_cut(&text, Some(CsvFlavor::Csvde), 4096);
        assert_eq!(kinds(&p), vec![(1, DiagKind::HeaderTooLarge)]);
        assert!(p.diagnostics[0].message.contains("limit of 4096 bytes"));
        assert_eq!(p.entries.len(), 0);
        assert_eq!(p.stats.lines, 51);
        // The same header, not ended, in a file larger than the limit.
        let cut = &text[..text.iter().position(|&b| b == b'\n').unwrap_or(0)];
        let mut long = cut.to_vec();
        long.extend(std::iter::repeat_n(b'x', 10_000));
        let p = same_however_cut(&long, Some(CsvFlavor::Csvde), 4096);
        assert_eq!(
            kinds(&p),
            vec![(1, DiagKind::HeaderTooLarge), (1, DiagKind::TruncatedInput)]
        );
        // A `#TYPE` line that never ends is read no further than the limit.
        let mut type_line = b"#TYPE ".to_vec();
        type_line.extend(std::iter::repeat_n(b'x', 10_000));
        type_line.extend_from_slice(b"\nDN,cn\n\"CN=a,DC=x\",a\n");
        let p = parse_bytes(
            "t.csv",
            &type_line,
            None,
            &CsvOptions {
                max_record_size: 4096,
                ..CsvOptions::default()
            },
        );
        assert_eq!(kinds(&p), vec![(1, DiagKind::HeaderTooLarge)]);
    }

    /// The `missing_dn_column` message echoes at most 200 characters of the
    /// header, escaped, with the column count (issue #14 item 5).
    #[test]
    fn missing_dn_message_is_capped_and_escaped() {
        let mut text = Vec::new();
        for i in 0..1000 {
            text.extend_from_slice(format!("\x1b[2J{i},").as_bytes());
        }
        text.extend_from_slice(b"last\n1,2\n");
        let p = parse(&text, Some(CsvFlavor::ExportCsv));
        let d = &p.diagnostics[0];
        assert_eq!(d.kind, DiagKind::MissingDnColumn);
        assert!(d.message.contains("(1001 columns: "), "{}", d.message);
        assert!(!d.message.contains('\x1b'), "{}", d.message);
        assert!(d.message.len() < 1600, "{}", d.message.len());
    }

    /// Reads `text` keeping `keep` diagnostics of each kind.
    fn read_keeping(text: &[u8], keep: u64, chunk_size: usize) -> ReadSummary {
        let control = ReadControl {
            progress: None,
            keep_per_kind: keep,
        };
        let opts = CsvOptions {
            chunk_size,
            max_record_size: 256,
            ..CsvOptions::default()
        };
        read(
            Input::from_bytes("t.csv", text),
            None,
            &opts,
            &control,
            &mut crate::read::CountOnly,
        )
        .expect("in-memory read")
    }

    proptest::proptest! {
        /// Whatever the rows and the chunk size, the same counts and
        /// (capped) diagnostics: cut rows, quotes and the per-batch cap do
        /// not depend on where chunks end.
        #[test]
        fn chunking_never_changes_results(
            header in proptest::sample::select(vec![
                &b"DN,objectClass,cn\n"[..], b"DN;objectClass;cn\r\n", b"\"DN\"\t\"cn\"\n",
            ]),
            parts in proptest::collection::vec(proptest::sample::select(vec![
                &b"\"CN=a,DC=x\",user,a\n"[..], b"CN=b;user;b\r\n", b"\"c\"\"\tx\n", b"\"open",
                b"x\0,y,z\n", b",,\n", b"\n", b"X'zz',a,b\n", b";", b",", b"\t",
            ]), 0..30),
            chunk_size in 1usize..64,
            keep in 1u64..4,
        ) {
            let text: Vec<u8> = [header, &parts.concat()[..]].concat();
            let whole = read_keeping(&text, keep, 1 << 20);
            let got = read_keeping(&text, keep, chunk_size);
            proptest::prop_assert_eq!(&got.diagnostics.counts, &whole.diagnostics.counts);
            proptest::prop_assert_eq!(&got.diagnostics.kept, &whole.diagnostics.kept);
            proptest::prop_assert_eq!(got.stats, whole.stats);
            proptest::prop_assert!(got.stats.reconciles());
        }
    }

    /// A last row without a line break was cut: it is skipped and the cut
    /// reported once; a file with CR line ends (an old Mac re-save) is whole.
    #[test]
    fn a_cut_last_row_is_skipped_and_cr_line_ends_are_whole() {
        let p = parse(
            b"DN,cn\n\"CN=a,DC=x\",a\n\"CN=b,DC=x\",b@partners.fabr",
            Some(CsvFlavor::Csvde),
        );
        assert_eq!(kinds(&p), vec![(3, DiagKind::TruncatedInput)]);
        assert_eq!(p.entries.len(), 1);
        assert_eq!((p.stats.records, p.stats.rejected), (2, 1));
        let p = parse(
            b"DN,cn\r\"CN=a,DC=x\",a\r\"CN=b,DC=x\",b\r",
            Some(CsvFlavor::Csvde),
        );
        assert_eq!(kinds(&p), vec![]);
        assert_eq!(p.entries.len(), 2);
        let p = parse(
            b"DN,cn\r\"CN=a,DC=x\",a\r\"CN=b,DC=x\",b",
            Some(CsvFlavor::Csvde),
        );
        assert_eq!(p.entries.len(), 1);
        assert_eq!(p.entries[0].dn, b"CN=a,DC=x");
        assert_eq!(
            p.diagnostics.iter().map(|d| d.kind).collect::<Vec<_>>(),
            vec![DiagKind::TruncatedInput]
        );
    }

    /// Column names echoed in messages are escaped and capped (issue #14
    /// item 5: nothing raw on a terminal).
    #[test]
    fn column_names_in_messages_are_escaped() {
        let long = "y".repeat(500);
        let text = format!("DN,\x1b[2Jx,\x1b[2Jx,{long},{long}\n\"CN=a,DC=x\",1,2,3,4\n");
        let p = parse(text.as_bytes(), Some(CsvFlavor::Csvde));
        assert_eq!(
            kinds(&p),
            vec![
                (1, DiagKind::DuplicateColumn),
                (1, DiagKind::DuplicateColumn)
            ]
        );
        for d in &p.diagnostics {
            assert!(!d.message.contains('\x1b'), "{}", d.message);
            assert!(d.message.len() < 200, "{}", d.message);
        }
    }

    /// A NUL in a DN or a text field is reported; the value is kept as read
    /// (issue #14 item 8).
    #[test]
    fn nul_bytes_are_reported() {
        let p = parse(
            b"DN,cn,objectGUID\n\"CN=a\0,DC=x\",a,\n\"CN=b,DC=x\",b\0,X'00000000000000000000000000000000'\n",
            Some(CsvFlavor::Csvde),
        );
        assert_eq!(
            kinds(&p),
            vec![(2, DiagKind::NulByte), (3, DiagKind::NulByte)]
        );
        assert!(p.diagnostics[1].message.contains("column `cn`"));
        assert_eq!(p.entries[1].texts("cn"), vec!["b\0"]);
    }

    /// A row holding only `""` is a row (with an empty DN), not a blank line.
    #[test]
    fn a_quoted_empty_row_is_not_dropped() {
        let p = parse(b"DN\n\"CN=a,DC=x\"\n\"\"\n", Some(CsvFlavor::Csvde));
        assert_eq!(kinds(&p), vec![(3, DiagKind::RecordWithoutDn)]);
        assert_eq!((p.stats.records, p.stats.rejected), (2, 1));
    }

    /// Header diagnostics point at the header line (found in review).
    #[test]
    fn header_diagnostics_name_the_header_line() {
        let p = parse(
            b"DN,cn,CN\r\n\r\n\"CN=a,DC=x\",a,b\r\n",
            Some(CsvFlavor::Csvde),
        );
        assert_eq!(kinds(&p), vec![(1, DiagKind::DuplicateColumn)]);
        let p = parse(b"#TYPE x\ncn,mail\n\na,b\n", Some(CsvFlavor::ExportCsv));
        assert_eq!(kinds(&p), vec![(2, DiagKind::MissingDnColumn)]);
    }

    /// A header followed by one record whose sum, not the record, is over
    /// the limit: the streamed path must not call it oversized (found by
    /// `cargo fuzz`).
    #[test]
    fn header_plus_record_over_limit_regression() {
        let fuzzed = include_bytes!("../../fuzz/seeds/onprem_csv/regression-oversized-header.csv");
        same_however_cut(&fuzzed[1..], None, 512);
    }

    /// A header ended by a lone CR (the csv crate's record end) and over the
    /// limit with its line: lines are counted the same however the input is
    /// cut (found by `cargo fuzz`; the last line without a line feed is now
    /// counted once, by the driver).
    #[test]
    fn lone_cr_header_regression() {
        let fuzzed = include_bytes!("../../fuzz/seeds/onprem_csv/regression-lone-cr-header.csv");
        assert_eq!(same_however_cut(&fuzzed[1..], None, 512).stats.lines, 1);
    }

    #[test]
    fn fuzzed_type_line_regression() {
        let fuzzed = include_bytes!("../../fuzz/seeds/onprem_csv/regression-type-line-quotes.csv");
        same_however_cut(&fuzzed[1..], Some(CsvFlavor::ExportCsv), 64 << 20);
    }

    /// Reads `text` whole and in chunks of 1 to 39 bytes (streamed) and
    /// asserts the same diagnostics and counters; returns the whole read.
    /// (The fuzzer's inputs start with a byte that chose its options.)
    fn same_however_cut(text: &[u8], flavor: Option<CsvFlavor>, limit: usize) -> Parsed {
        let opts = |chunk_size| CsvOptions {
            chunk_size,
            max_record_size: limit,
            ..CsvOptions::default()
        };
        let whole = parse_bytes("t.csv", text, flavor, &opts(4 << 20));
        for chunk_size in 1..40 {
            let got = parse_bytes("t.csv", text, flavor, &opts(chunk_size));
            assert_eq!(
                got.diagnostics, whole.diagnostics,
                "chunk size {chunk_size}"
            );
            assert_eq!(got.stats, whole.stats, "chunk size {chunk_size}");
        }
        whole
    }

    #[test]
    fn export_csv_maps_names_and_converts_identifiers() {
        let text = EXPORT_CSV;
        let p = parse(text, None);
        assert_eq!(
            kinds(&p),
            vec![
                (3, DiagKind::UnusableColumn),
                (3, DiagKind::UnusableColumn),
                (4, DiagKind::InvalidGuid)
            ]
        );
        assert!(p.diagnostics[0]
            .message
            .contains("@{n='memberOf';e={$_.'memberOf' -join ';'}}"));
        let ann = &p.entries[0];
        assert_eq!(ann.line, 3);
        // docs/identifiers.md#guid-byte-order, example 1: the GUID string becomes AD byte order.
        assert_eq!(
            values(ann, "objectGUID"),
            vec![vec![
                0x88, 0x68, 0x66, 0x88, 0x01, 0x01, 0x11, 0x11, 0xbb, 0xbb, 0x12, 0x34, 0x56, 0x78,
                0x90, 0xab
            ]]
        );
        // The worked example of docs/identifiers.md#sid: the SID string becomes its binary form.
        assert_eq!(
            values(ann, "objectSid"),
            vec![vec![
                0x01, 0x05, 0, 0, 0, 0, 0, 0x05, 0x15, 0, 0, 0, 0xF2, 0xEB, 0xB9, 0x14, 0x93, 0x29,
                0x11, 0x6C, 0x5E, 0x35, 0x28, 0x36, 0x0E, 0x04, 0, 0
            ]]
        );
        // EmailAddress is the friendly name of mail: one attribute.
        assert_eq!(ann.texts("mail"), vec!["ann@x.com"]);
        assert!(ann.get("memberOf").is_none() && ann.get("mS-DS-ConsistencyGuid").is_none());
        assert!(p.entries[1].get("objectGUID").is_none());
    }
}
