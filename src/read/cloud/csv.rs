//! The cloud CSV reader: the Entra admin center "Download users" file
//! (variants A and B, docs/formats.md#admin-center-csv) and `Get-MgUser | Export-Csv`.
//!
//! Header-driven: columns are found by name, never by position. Names are
//! compared case-insensitively and ignoring spaces and punctuation, so
//! `userType`, `UserType` and the Preview export's `User type` are one
//! column. Aliases: `id` = `objectId`, `alternateEmailAddress` =
//! `otherMails`, `invitationState` = `externalUserState`, `directorySynced` =
//! `onPremisesSyncEnabled`, `identityIssuer` = the issuer of one identity,
//! `extensionAttributeN` = `onPremisesExtensionAttributes.extensionAttributeN`.
//! (`officeLocation` = `physicalDeliveryOfficeName` and `mobilePhone` =
//! `mobile` are recognised as aliases of each other but not kept: the audit
//! does not use them.) Values are kept literally: the admin center writes
//! `=1+3` unquoted and it stays `=1+3`. Booleans are `True`/`False`/`Yes`/`No`
//! (any case) or `1`/`0`. A `#TYPE ...` first line (Windows PowerShell
//! `Export-Csv`) is skipped. Multi-valued columns hold `;`-separated values;
//! a column holding a .NET type name (`System.String[]`) is unusable.

use std::borrow::Cow;

use super::draft::Draft;
use super::model::Property;
use super::user_de::{extension_number, is_stringified};
use super::{Out, RawDiag};
use crate::diag::{preview, DiagKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Col {
    Prop(Property),
    Ext(usize),
    IdentityIssuer,
    Office,
    Mobile,
    Ignore,
}

fn key(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn column(name: &str) -> Col {
    let k = key(name);
    match k.as_str() {
        "id" | "objectid" => return Col::Prop(Property::Id),
        "alternateemailaddress" => return Col::Prop(Property::OtherMails),
        "invitationstate" => return Col::Prop(Property::ExternalUserState),
        "directorysynced" => return Col::Prop(Property::OnPremisesSyncEnabled),
        "identityissuer" => return Col::IdentityIssuer,
        "officelocation" | "physicaldeliveryofficename" => return Col::Office,
        "mobilephone" | "mobile" => return Col::Mobile,
        _ => {}
    }
    if let Some(p) = Property::ALL.iter().find(|p| key(p.name()) == k) {
        return Col::Prop(*p);
    }
    let ext = k
        .strip_prefix("onpremisesextensionattributes")
        .unwrap_or(&k);
    if let Some(n) = extension_number(ext) {
        return Col::Ext(n);
    }
    Col::Ignore
}

fn parse_bool(v: &str) -> Option<bool> {
    let v = v.trim();
    if ["true", "yes", "1"]
        .iter()
        .any(|t| v.eq_ignore_ascii_case(t))
    {
        Some(true)
    } else if ["false", "no", "0"]
        .iter()
        .any(|t| v.eq_ignore_ascii_case(t))
    {
        Some(false)
    } else {
        None
    }
}

/// 1-based line of a byte offset, for offsets that only grow.
struct LineIndex<'a> {
    text: &'a [u8],
    pos: usize,
    line: u64,
}

impl LineIndex<'_> {
    fn at(&mut self, byte: u64) -> u64 {
        // After a CRLF the csv crate reports a record as starting at the LF
        // (and the line it counts is wrong): a record never starts with a
        // line end, so step over them.
        let mut to = (byte as usize).clamp(self.pos, self.text.len());
        while matches!(self.text.get(to), Some(b'\r' | b'\n')) {
            to += 1;
        }
        self.line += memchr::memchr_iter(b'\n', &self.text[self.pos..to]).count() as u64;
        self.pos = to;
        self.line
    }
}

/// Reads a whole cloud CSV (decoded bytes); lines are absolute.
pub(crate) fn read(buf: &[u8]) -> Out {
    let mut out = Out::for_input(buf.len());
    CsvReader::new(1).feed(buf, true, &mut out);
    out.seal();
    out
}

/// The columns of a CSV, from its header.
struct Header {
    cols: Vec<Col>,
    names: Vec<String>,
    /// Columns already reported unusable (once each).
    unusable: Vec<bool>,
    present: super::model::PropertySet,
    /// (column, earlier column naming the same property).
    repeats: Vec<(usize, usize)>,
}

/// A cloud CSV read in parts (a stream): each part is read up to its last
/// whole record; the header is kept from the first.
pub(crate) struct CsvReader {
    /// Line of the first byte of the next part.
    first_line: u64,
    /// Whether a `#TYPE` line was looked for.
    started: bool,
    header: Option<Header>,
}

fn diag(out: &mut Out, line: u64, kind: DiagKind, message: String) {
    out.diags.push(RawDiag {
        line,
        kind,
        message,
        start: None,
    });
}

impl Header {
    fn parse(record: &csv::ByteRecord, header_line: u64, out: &mut Out) -> Header {
        let mut cols: Vec<Col> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        let mut repeats = Vec::new();
        for field in record.iter() {
            let name = String::from_utf8_lossy(field).trim().to_string();
            let mut c = column(&name);
            if c != Col::Ignore {
                if let Some(i) = cols.iter().position(|o| *o == c) {
                    diag(
                        out,
                        header_line,
                        DiagKind::DuplicateColumn,
                        format!(
                            "columns `{}` and `{name}` name the same property; the first is used \
                             (a row where they differ is skipped)",
                            names[i]
                        ),
                    );
                    repeats.push((cols.len(), i));
                    c = Col::Ignore;
                }
            }
            cols.push(c);
            names.push(name);
        }
        if !cols.contains(&Col::Prop(Property::Id)) {
            diag(
                out,
                header_line,
                DiagKind::MissingId,
                "the CSV has no `id` or `objectId` column: users cannot be identified; every row is skipped"
                    .into(),
            );
        }
        let mut present = super::model::PropertySet::default();
        for c in &cols {
            match c {
                Col::Prop(p) => present.insert(*p),
                Col::Ext(_) => present.insert(Property::OnPremisesExtensionAttributes),
                Col::IdentityIssuer => present.insert(Property::Identities),
                _ => {}
            }
        }
        Header {
            unusable: vec![false; cols.len()],
            cols,
            names,
            present,
            repeats,
        }
    }
}

impl CsvReader {
    /// A reader whose first part starts on line `first_line`.
    pub(crate) fn new(first_line: u64) -> Self {
        CsvReader {
            first_line,
            started: false,
            header: None,
        }
    }

    /// The line the next part starts on.
    pub(crate) fn next_line(&self) -> u64 {
        self.first_line
    }

    /// Reads the whole records of `part` into `out`; returns the bytes
    /// used. The rest starts a record that may go on in the next part
    /// (`at_end`: nothing follows `part`, every byte is read).
    pub(crate) fn feed(&mut self, part: &[u8], at_end: bool, out: &mut Out) -> usize {
        let mut skipped = 0;
        if !self.started {
            if part.len() < 5 && !at_end {
                return 0;
            }
            if part.len() >= 5 && part[..5].eq_ignore_ascii_case(b"#TYPE") {
                match memchr::memchr(b'\n', part) {
                    Some(i) => skipped = i + 1,
                    None if at_end => skipped = part.len(),
                    None => return 0,
                }
            }
            self.started = true;
            self.first_line += u64::from(skipped > 0);
        }
        let body = &part[skipped..];
        let used = skipped + self.records(body, at_end, out);
        if at_end && self.header.is_none() {
            diag(
                out,
                self.first_line,
                DiagKind::NoEntries,
                "the CSV has no header and no users".into(),
            );
        }
        used
    }

    /// The records of `body`; returns the bytes used and moves `first_line`.
    fn records(&mut self, body: &[u8], at_end: bool, out: &mut Out) -> usize {
        let first_line = self.first_line;
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(body);
        let mut record = csv::ByteRecord::new();
        let mut lines = LineIndex {
            text: body,
            pos: 0,
            line: 1,
        };
        let mut used = body.len();
        loop {
            let start_byte = rdr.position().byte() as usize;
            match rdr.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = first_line - 1 + lines.at(rdr.position().byte());
                    diag(out, line, DiagKind::Io, format!("reading the CSV: {e}"));
                    break;
                }
            }
            let end = rdr.position().byte() as usize;
            if !at_end && end >= body.len() {
                // The record may go on in the next part.
                used = start_byte;
                break;
            }
            let line = first_line - 1 + lines.at(record.position().map_or(0, |p| p.byte()));
            if record.len() == 1 && record[0].trim_ascii().is_empty() {
                continue;
            }
            match &mut self.header {
                None => self.header = Some(Header::parse(&record, line, out)),
                Some(h) => row(h, &record, body, start_byte, end, at_end, line, out),
            }
        }
        self.first_line += memchr::memchr_iter(b'\n', &body[..used.min(body.len())]).count() as u64;
        used
    }
}

/// One data row.
#[allow(clippy::too_many_arguments)]
fn row(
    h: &mut Header,
    record: &csv::ByteRecord,
    body: &[u8],
    start_byte: usize,
    end: usize,
    at_end: bool,
    line: u64,
    out: &mut Out,
) {
    let Header {
        cols,
        names,
        unusable,
        present,
        repeats,
    } = h;
    let present = *present;
    if record.len() != cols.len() {
        out.rejected += 1;
        let quotes =
            memchr::memchr_iter(b'"', &body[start_byte.min(end)..end.min(body.len())]).count();
        let last = at_end && end >= body.len();
        if last && quotes % 2 == 1 {
            diag(
                out,
                line,
                DiagKind::TruncatedInput,
                "a quoted field opened on this line is never closed: the file ends inside it \
                 (an export cut short, or a stray quote); the row is skipped and what follows \
                 it is missing, export the users again"
                    .into(),
            );
        } else if last && record.len() < cols.len() && !body.ends_with(b"\n") {
            diag(
                out,
                line,
                DiagKind::TruncatedInput,
                format!(
                    "the file ends inside this row ({} of {} fields, no final line break): \
                     the export was cut short; the row is skipped, export the users again",
                    record.len(),
                    cols.len()
                ),
            );
        } else {
            diag(
                out,
                line,
                DiagKind::RaggedRow,
                format!(
                    "the row has {} fields but the header has {}; skipped",
                    record.len(),
                    cols.len()
                ),
            );
        }
        return;
    }
    // The same property in two columns with two values: which one the
    // export meant cannot be known (as for a JSON property given twice).
    for &(i, first) in repeats.iter() {
        if record.get(i).map(<[u8]>::trim_ascii) != record.get(first).map(<[u8]>::trim_ascii) {
            out.rejected += 1;
            diag(
                out,
                line,
                DiagKind::DuplicateProperty,
                format!(
                    "columns `{}` and `{}` name the same property and differ on this row: \
                     which value the export meant cannot be known, so the user is skipped and \
                     not audited; export again with each column once",
                    names[first], names[i]
                ),
            );
            return;
        }
    }
    let mut u = Draft {
        present,
        ..Draft::default()
    };
    for (i, field) in record.iter().enumerate() {
        let c = cols[i];
        if matches!(c, Col::Ignore | Col::Office | Col::Mobile) || field.is_empty() {
            continue;
        }
        let value = match std::str::from_utf8(field) {
            Ok(v) => v.to_string(),
            Err(_) => {
                diag(
                    out,
                    line,
                    DiagKind::InvalidUtf8,
                    format!(
                        "column `{}` is not valid UTF-8 (Latin-1?); invalid bytes replaced",
                        names[i]
                    ),
                );
                String::from_utf8_lossy(field).into_owned()
            }
        };
        let stringified = is_stringified(&value)
            && matches!(
                c,
                Col::Prop(
                    Property::ProxyAddresses
                        | Property::OtherMails
                        | Property::Identities
                        | Property::OnPremisesExtensionAttributes
                )
            );
        if stringified
            || matches!(
                c,
                Col::Prop(Property::OnPremisesExtensionAttributes | Property::Identities)
            )
        {
            if !unusable[i] {
                unusable[i] = true;
                diag(
                    out,
                    line,
                    DiagKind::UnusableColumn,
                    format!(
                        "column `{}` holds \"{}\" instead of values (Export-Csv cannot write \
                         collections); treated as absent: export JSON with `ConvertTo-Json -Depth 10` instead",
                        names[i],
                        preview(value.as_bytes())
                    ),
                );
            }
            continue;
        }
        let ok = match c {
            Col::Prop(p @ (Property::AccountEnabled | Property::OnPremisesSyncEnabled)) => {
                match parse_bool(&value) {
                    Some(b) => u.set_bool(p, b),
                    None => {
                        diag(
                            out,
                            line,
                            DiagKind::InvalidBoolean,
                            format!(
                                "column `{}` is \"{}\", not True/False/Yes/No; treated as absent",
                                names[i],
                                preview(value.as_bytes())
                            ),
                        );
                        false
                    }
                }
            }
            Col::Prop(p @ (Property::ProxyAddresses | Property::OtherMails)) => {
                let list: Vec<Cow<'_, str>> = value
                    .split(';')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Cow::Owned(s.to_owned()))
                    .collect();
                match u.list_mut(p) {
                    Some(l) => {
                        *l = list;
                        true
                    }
                    None => false,
                }
            }
            Col::Prop(p @ (Property::CreatedDateTime | Property::OnPremisesLastSyncDateTime)) => {
                let ok = u.set_str(p, Cow::Owned(value.clone()));
                if !ok {
                    diag(
                        out,
                        line,
                        DiagKind::InvalidDate,
                        format!(
                            "column `{}` is \"{}\", a date in no known format; treated as absent",
                            names[i],
                            preview(value.as_bytes())
                        ),
                    );
                }
                ok
            }
            Col::Prop(p) => u.set_str(p, Cow::Owned(value)),
            Col::Ext(n) => {
                if let Some(slot) = n.checked_sub(1).and_then(|i| u.ext.get_mut(i)) {
                    *slot = Some(Cow::Owned(value));
                }
                u.valued.insert(Property::OnPremisesExtensionAttributes);
                false
            }
            Col::IdentityIssuer => {
                u.identities = vec![[None, Some(Cow::Owned(value)), None]];
                u.valued.insert(Property::Identities);
                false
            }
            Col::Office | Col::Mobile | Col::Ignore => false,
        };
        if ok {
            if let Col::Prop(p) = c {
                u.valued.insert(p);
            }
        }
    }
    if u.id().is_empty() {
        out.rejected += 1;
        if cols.contains(&Col::Prop(Property::Id)) {
            diag(
                out,
                line,
                DiagKind::MissingId,
                "a row with an empty id/objectId is skipped".into(),
            );
        }
        return;
    }
    out.push_user(&u, line);
}
