//! Reading exports: opening inputs and one reader per format.
//!
//! The on-premises readers (LDIF, CSV) all produce [`Batch`]es of entries
//! and hand them to a [`BatchSink`], so everything downstream (scan, dump,
//! the account model) is the same whatever the format.

pub mod account;
pub mod batch;
pub mod cloud;
pub mod detect;
pub mod digest;
pub(crate) mod driver;
pub mod entry;
pub mod input;
pub mod ldif;
pub mod onprem_csv;
pub mod source;

use std::collections::BTreeMap;
use std::io;
use std::sync::Arc;
use std::time::Duration;

pub use self::batch::{AttrRef, Batch, EntryRef, ReadStats};
pub use self::entry::{OwnedAttr, OwnedEntry, Projection, Value, ValueKind, ValueRef};
pub use self::source::InputSource;

use crate::diag::{DiagKind, Diagnostic, Severity};
use crate::read::input::{Encoding, Input, Transport};

/// What a consumer does with the entries of each batch.
///
/// `map` runs in parallel on the batches of a window; `consume` then runs on
/// the caller's thread, batch by batch in input order. Put the per-entry work
/// in `map` and keep `consume` cheap.
pub trait BatchSink: Sync {
    /// What `map` produces for one batch.
    type Output: Send;
    /// Turns one batch into output (runs on any thread).
    fn map(&self, batch: &Batch) -> Self::Output;
    /// Takes the output of one batch, in input order.
    fn consume(&mut self, batch: &Batch, output: Self::Output) -> io::Result<()>;
}

/// A sink that only counts (what `scan` without `--dump` uses).
pub struct CountOnly;

impl BatchSink for CountOnly {
    type Output = ();
    fn map(&self, _: &Batch) {}
    fn consume(&mut self, _: &Batch, _: ()) -> io::Result<()> {
        Ok(())
    }
}

/// Diagnostics of one read: every diagnostic is counted by kind; the first
/// `keep_per_kind` of each kind are kept, in file order.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    /// Count per kind.
    pub counts: BTreeMap<DiagKind, u64>,
    /// The kept diagnostics, in file order.
    pub kept: Vec<Diagnostic>,
    keep_per_kind: u64,
}

impl Diagnostics {
    /// An empty set that keeps at most `keep_per_kind` diagnostics of each kind.
    pub fn new(keep_per_kind: u64) -> Self {
        Diagnostics {
            counts: BTreeMap::new(),
            kept: Vec::new(),
            keep_per_kind,
        }
    }

    pub(crate) fn push(&mut self, d: Diagnostic) {
        let n = self.counts.entry(d.kind).or_insert(0);
        *n += 1;
        if *n <= self.keep_per_kind {
            self.kept.push(d);
        }
    }

    /// Counts `n` diagnostics of `kind` whose messages were never kept.
    pub(crate) fn count_unkept(&mut self, kind: DiagKind, n: u64) {
        *self.counts.entry(kind).or_insert(0) += n;
    }

    /// Number of diagnostics of a severity.
    pub fn count(&self, severity: Severity) -> u64 {
        self.counts
            .iter()
            .filter(|(k, _)| k.severity() == severity)
            .map(|(_, n)| n)
            .sum()
    }
}

/// The outcome of reading one input.
#[derive(Clone, Debug)]
pub struct ReadSummary {
    /// The input's name.
    pub file: Arc<str>,
    /// The encoding found.
    pub encoding: Encoding,
    /// How it was read.
    pub transport: Transport,
    /// Size on disk, when it is a file.
    pub size_on_disk: Option<u64>,
    /// Counters.
    pub stats: ReadStats,
    /// Diagnostics.
    pub diagnostics: Diagnostics,
    /// Wall time of the read.
    pub elapsed: Duration,
}

/// Options of one read beyond the parser's: progress and diagnostics kept.
pub struct ReadControl<'p> {
    /// Called with the number of input bytes done so far.
    pub progress: Option<&'p (dyn Fn(u64) + Sync)>,
    /// How many diagnostics of each kind to keep (all are counted).
    pub keep_per_kind: u64,
}

impl Default for ReadControl<'_> {
    fn default() -> Self {
        ReadControl {
            progress: None,
            keep_per_kind: 100,
        }
    }
}

/// Everything a read produced, owned: what [`ldif::parse_bytes`] and
/// [`onprem_csv::parse_bytes`] return.
#[derive(Clone, Debug)]
pub struct Parsed {
    /// The entries, in file order.
    pub entries: Vec<OwnedEntry>,
    /// Every diagnostic, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// Counters.
    pub stats: ReadStats,
}

/// Runs `read` with a sink that keeps every entry and every diagnostic.
pub(crate) fn collect(
    read: impl FnOnce(&mut Collect, &ReadControl<'_>) -> crate::error::Result<ReadSummary>,
) -> Parsed {
    let mut sink = Collect(Vec::new());
    let control = ReadControl {
        progress: None,
        keep_per_kind: u64::MAX,
    };
    match read(&mut sink, &control) {
        Ok(summary) => Parsed {
            entries: sink.0,
            diagnostics: summary.diagnostics.kept,
            stats: summary.stats,
        },
        // Reading from memory, leniently, into a collecting sink cannot fail.
        Err(e) => unreachable!("in-memory read failed: {e}"),
    }
}

/// A sink that keeps owned copies of every entry.
pub(crate) struct Collect(Vec<OwnedEntry>);

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

/// Options of the on-premises readers, one set per format.
#[derive(Clone, Debug, Default)]
pub struct OnPremOptions {
    /// LDIF reader options.
    pub ldif: ldif::LdifOptions,
    /// CSV reader options.
    pub csv: onprem_csv::CsvOptions,
    /// The format, when the user named it (else detected from the content).
    pub format: Option<detect::Format>,
}

/// Reads an opened on-premises export (LDIF, csvde or Export-Csv; detected
/// from the content unless `opts.format` names it) into `sink`. A cloud
/// export is refused with an error that says where it belongs.
pub fn read_onprem<S: BatchSink>(
    mut input: Input,
    opts: &OnPremOptions,
    control: &ReadControl<'_>,
    sink: &mut S,
) -> crate::error::Result<(detect::Format, ReadSummary)> {
    use crate::error::Error;
    use detect::Format;
    let name = input.name.clone();
    let format = match opts.format {
        Some(f) => f,
        None => {
            let head = input.peek(64 << 10).map_err(|source| Error::Io {
                path: name.as_ref().into(),
                source,
            })?;
            // An empty input (or white space alone) has no format to find:
            // read it as an empty LDIF, which says `no_entries`, so an audit
            // reports it instead of stopping.
            let blank = head.iter().all(|b| b.is_ascii_whitespace());
            let detected = if blank {
                Some(Format::Ldif)
            } else {
                detect::detect_with(&head, opts.csv.delimiter)
            };
            // A user export without its DN column is named as such, with
            // the command that adds it (with or without a `#TYPE` line).
            if matches!(detected, None | Some(Format::ExportCsv)) {
                if let Some(why) = detect::csv_without_dn(&head) {
                    return Err(Error::Format(format!("{name}: {why}")));
                }
            }
            detected.ok_or_else(|| {
                Error::Format(format!(
                    "{name}: cannot recognise the format (expected LDIF from ldifde or \
                     ldapsearch, csvde CSV, or Get-ADUser | Export-Csv CSV); name it with \
                     --onprem-format"
                ))
            })?
        }
    };
    let summary = match format {
        Format::Ldif => ldif::read(input, &opts.ldif, control, sink)?,
        Format::Csvde => onprem_csv::read(
            input,
            Some(onprem_csv::CsvFlavor::Csvde),
            &opts.csv,
            control,
            sink,
        )?,
        Format::ExportCsv => onprem_csv::read(
            input,
            Some(onprem_csv::CsvFlavor::ExportCsv),
            &opts.csv,
            control,
            sink,
        )?,
        Format::GraphJson | Format::CloudCsv => {
            return Err(Error::Format(format!(
                "{name} is a Microsoft Graph (cloud) export, not an on-premises one; \
                 pass it with --cloud"
            )))
        }
    };
    Ok((format, summary))
}
