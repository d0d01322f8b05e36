//! Diagnostics: what a reader found wrong with its input, and where.
//!
//! Every diagnostic names the file, the 1-based line, a column where one is
//! useful, a stable snake_case kind and a message that says what to do next.
//! Readers never panic on input and never drop a record silently: a broken
//! record becomes a diagnostic of severity [`Severity::Error`] and is counted.

use std::fmt;
use std::sync::Arc;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing, changes nothing (a byte-order mark was skipped).
    Note,
    /// The reader accepted something unusual; the data is kept as read.
    Warning,
    /// The record was rejected: it is counted and skipped (fatal under `--strict`).
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

macro_rules! diag_kinds {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $sev:ident; )*) => {
        /// The stable kind of a diagnostic. Its snake_case name appears in
        /// reports and JSON output and never changes once released.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum DiagKind {
            $( $(#[$doc])* $variant, )*
        }

        impl DiagKind {
            /// Every kind, in declaration order (for the registry meta-test and docs).
            pub const ALL: &'static [DiagKind] = &[$(DiagKind::$variant,)*];

            /// The stable snake_case name.
            pub fn name(self) -> &'static str {
                match self { $(DiagKind::$variant => $name,)* }
            }

            /// The severity this kind always has.
            pub fn severity(self) -> Severity {
                match self { $(DiagKind::$variant => Severity::$sev,)* }
            }
        }
    };
}

diag_kinds! {
    // ---- file level ----
    /// The file starts with a UTF-8 byte-order mark; it was skipped.
    ByteOrderMark = "byte_order_mark", Note;
    /// The file is UTF-16 (for example `ldifde -u`); it was transcoded to UTF-8.
    Utf16Transcoded = "utf16_transcoded", Note;
    /// UTF-16 input with an odd byte count or an unpaired surrogate.
    InvalidUtf16 = "invalid_utf16", Error;
    /// The file could not be read (I/O error, corrupt gzip stream).
    Io = "io", Error;
    /// An ldapsearch trailer reports a result other than `0 Success`: the export is incomplete.
    TruncatedExport = "truncated_export", Error;
    /// The file holds no entries at all.
    NoEntries = "no_entries", Warning;
    /// The file ends inside a record, a line, a quoted field, a JSON page or a
    /// compressed stream (an export cut short): what follows the cut is missing.
    TruncatedInput = "truncated_input", Error;
    /// A compressed input decodes to more than the decoded-size limit (a
    /// decompression bomb, or an export too large to stream).
    DecompressionLimit = "decompression_limit", Error;
    /// A header (CSV) longer than the header limit; the file cannot be read.
    HeaderTooLarge = "header_too_large", Error;

    // ---- record level errors: the record is skipped ----
    /// A carriage return not followed by a line feed.
    BareCr = "bare_cr", Error;
    /// A second `dn:` line inside one record (often a line holding only spaces, which is a continuation).
    SecondDn = "second_dn", Error;
    /// A continuation line (leading space) with no line before it in the record.
    ContinuationAtStart = "continuation_at_start", Error;
    /// A line starting with a TAB: RFC 2849 folds with a single SPACE only.
    TabContinuation = "tab_continuation", Error;
    /// A `::` value that is not valid base64.
    InvalidBase64 = "invalid_base64", Error;
    /// A line with no colon.
    MissingColon = "missing_colon", Error;
    /// A line starting with a colon (no attribute name).
    EmptyAttributeName = "empty_attribute_name", Error;
    /// A record whose first line is not `dn:` and is not a known ldapsearch trailer or referral.
    RecordWithoutDn = "record_without_dn", Error;
    /// A change record that is malformed (unknown changetype, bad modify block).
    InvalidChangeRecord = "invalid_change_record", Error;
    /// In a modify block the attribute of a value line differs from the `add:`/`delete:`/`replace:` line.
    ModifyAttributeMismatch = "modify_attribute_mismatch", Error;
    /// A record larger than the configured limit (`--max-record-size`).
    RecordTooLarge = "record_too_large", Error;
    /// A plain value ending in spaces, rejected because `--trailing-space reject` was given.
    TrailingSpaceRejected = "trailing_space_rejected", Error;

    // ---- warnings: the data is kept ----
    /// An `attr:< URL` value. It is never fetched; the URL is kept as an unresolved value.
    UrlValue = "url_value", Warning;
    /// An empty base64 value (`attr::` with nothing after it).
    EmptyBase64 = "empty_base64", Warning;
    /// A plain value with trailing spaces (RFC 2849 says such values should be base64).
    TrailingSpace = "trailing_space", Warning;
    /// Spaces after a base64 value; they were ignored.
    SpaceAfterBase64 = "space_after_base64", Warning;
    /// A plain value starting with `:`, `<` (RFC 2849 requires base64); kept literally.
    UnsafeInitChar = "unsafe_init_char", Warning;
    /// Raw (not base64) non-ASCII UTF-8 in a plain value; accepted (reported once per file).
    RawUtf8 = "raw_utf8", Warning;
    /// A plain value or DN that is not valid UTF-8 (perhaps Latin-1); the bytes are kept.
    InvalidUtf8 = "invalid_utf8", Warning;
    /// An attribute name with characters outside RFC 2849 (for example `_`).
    OddAttributeName = "odd_attribute_name", Warning;
    /// A space between the attribute name and its colon (`cn : a`).
    SpaceBeforeColon = "space_before_colon", Warning;
    /// The same value twice in one attribute; both are kept.
    DuplicateValue = "duplicate_value", Warning;
    /// A modify block not closed by `-`.
    MissingModifySeparator = "missing_modify_separator", Warning;
    /// A `version:` line outside the first record; ignored.
    MisplacedVersion = "misplaced_version", Warning;
    /// A `changetype:` line after attribute lines; ignored.
    MisplacedChangetype = "misplaced_changetype", Warning;

    // ---- CSV exports (csvde, Export-Csv, admin-center download) ----
    /// The header has no DN / DistinguishedName column: rows cannot be identified.
    MissingDnColumn = "missing_dn_column", Error;
    /// A row with more or fewer fields than the header.
    RaggedRow = "ragged_row", Error;
    /// A quoted field that is never closed (the rest of the file would be one value).
    UnterminatedQuote = "unterminated_quote", Error;
    /// A csvde `X'..'` binary value that is not valid hex.
    InvalidHex = "invalid_hex", Error;
    /// An Export-Csv column holding a .NET type name (`ADPropertyValueCollection`,
    /// `System.Byte[]`) instead of values; treated as absent (reported once per column).
    UnusableColumn = "unusable_column", Warning;
    /// Two header columns that name the same attribute; the first is used.
    DuplicateColumn = "duplicate_column", Warning;
    /// A GUID string that does not parse; the value is treated as absent.
    InvalidGuid = "invalid_guid", Warning;
    /// A SID string or binary SID that does not parse; the value is treated as absent.
    InvalidSid = "invalid_sid", Warning;

    // ---- cloud exports (Microsoft Graph JSON, admin-center CSV) ----
    /// Malformed or truncated JSON; the rest of the page or line is skipped.
    InvalidJson = "invalid_json", Error;
    /// The file's shape is not one of the known Graph export shapes.
    UnknownShape = "unknown_shape", Error;
    /// A user object without `id`; it is skipped.
    MissingId = "missing_id", Error;
    /// A property whose value has the wrong JSON type; treated as absent.
    WrongType = "wrong_type", Warning;
    /// A nested object turned into a string (`ConvertTo-Json` without `-Depth`); treated as absent.
    StringifiedObject = "stringified_object", Warning;
    /// A date that is neither ISO 8601 nor `\/Date(ms)\/` nor a known locale format.
    InvalidDate = "invalid_date", Warning;
    /// A boolean that is not true/false/yes/no; treated as absent.
    InvalidBoolean = "invalid_boolean", Warning;
    /// A property the audit depends on is missing from the whole export.
    CoverageGap = "coverage_gap", Warning;
    /// One JSON object holds the same property twice (exactly, or differing
    /// only in case): which value Graph meant cannot be known; the user is skipped.
    DuplicateProperty = "duplicate_property", Error;
    /// A user id already read from an earlier cloud export; the first is kept.
    DuplicateCloudUser = "duplicate_cloud_user", Warning;

    // ---- shared ----
    /// A NUL byte in a DN or value (never legitimate in an Active Directory
    /// string attribute); the value is kept as read.
    NulByte = "nul_byte", Warning;
}

impl DiagKind {
    /// Kinds that mean part of an input could not be read at all (empty, cut
    /// short, unreadable, of unknown shape): an audit that saw one cannot say
    /// "all clear" and its verdict is `incomplete`.
    pub fn makes_incomplete(self) -> bool {
        matches!(
            self,
            DiagKind::Io
                | DiagKind::InvalidUtf16
                | DiagKind::TruncatedExport
                | DiagKind::NoEntries
                | DiagKind::TruncatedInput
                | DiagKind::DecompressionLimit
                | DiagKind::HeaderTooLarge
                | DiagKind::MissingDnColumn
                | DiagKind::UnknownShape
                | DiagKind::DuplicateProperty
        )
    }

    /// Kinds reported once per file (per message): the first occurrence says
    /// all there is to say.
    pub fn once_per_file(self) -> bool {
        matches!(self, DiagKind::RawUtf8 | DiagKind::UnusableColumn)
    }
}

impl fmt::Display for DiagKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for DiagKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// One finding about the input, located in a file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// The file, as the user named it (`-` for standard input).
    pub file: Arc<str>,
    /// 1-based line in the original file.
    pub line: u64,
    /// 1-based byte column in the (unfolded) line, where useful.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// The stable kind.
    pub kind: DiagKind,
    /// Severity (always that of the kind).
    pub severity: Severity,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        if let Some(col) = self.column {
            write!(f, ":{col}")?;
        }
        write!(f, ": {} [{}]: {}", self.severity, self.kind, self.message)
    }
}

/// A short, printable rendering of input bytes for messages (at most 60
/// bytes, escaped).
pub fn preview(bytes: &[u8]) -> String {
    const MAX: usize = 60;
    let s = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX)]);
    let mut out: String = s.chars().flat_map(char::escape_debug).collect();
    if bytes.len() > MAX {
        out.push('…');
    }
    out
}
