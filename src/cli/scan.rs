//! `usertype-audit scan`: read exports and report what they hold.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use base64::Engine as _;
use clap::{Args, ValueEnum};

use super::output::{check_stdout, output_path, InputFiles, OutputFile};
use super::scan_summary::{AccountTally, FileSummary};
use super::{progress, ExitStatus, Global, InputFormat, ReaderArgs, ThreadsArgs};
use usertype_audit::diag::{Diagnostic, Severity};
use usertype_audit::model::ids::AnchorSource;
use usertype_audit::read::account::Account;
use usertype_audit::read::cloud::{self, CloudOptions, CloudUser};
use usertype_audit::read::detect::{detect, Format};
use usertype_audit::read::input::Input;
use usertype_audit::read::ldif::{self, LdifOptions};
use usertype_audit::read::onprem_csv::{self, CsvFlavor, CsvOptions};
use usertype_audit::read::{Batch, BatchSink, EntryRef, OnPremOptions, Projection, ReadControl};
use usertype_audit::report::{cap_value, json_terminal_safe, terminal_safe, terminal_safe_lines};

/// Read exports and report what they hold: records, entries, diagnostics, speed.
///
/// Prints, per file: format, records, entries, change records,
/// referrals and trailers, diagnostics by kind with their first locations,
/// bytes, elapsed time and throughput.
///
/// Exit status: 0 read without errors, 1 errors found in the data, 2 usage or I/O failure.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  usertype-audit scan export.ldf                              # summary
  usertype-audit scan --accounts export.ldf graph-users.json  # also count the accounts
  usertype-audit scan --dump jsonl -o entries.jsonl export.ldf")]
pub struct ScanArgs {
    /// Export files to read (`-` for standard input; `.gz` files are decompressed).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Summary format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
    /// Also write every entry, one JSON object per line:
    /// {"dn", "line", "attrs": {"name": ["value", ...]}}; a value that is not
    /// UTF-8 is written {"base64": "..."}. Goes to --output, else standard output
    /// (the summary then goes to standard error).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub dump: Option<DumpFormat>,
    /// Where --dump writes (default, or `-`: standard output): a new file, which
    /// appears only when the scan completes (an existing file is replaced
    /// only with --force; an input or a symbolic link never is).
    #[arg(long, short, value_name = "FILE", requires = "dump")]
    pub output: Option<PathBuf>,
    /// Replace --output when it exists.
    #[arg(long, requires = "output")]
    pub force: bool,
    /// The format of the files, when detection by content is not wanted.
    // `--onprem-format`, the spelling of earlier releases, stays a hidden alias.
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        alias = "onprem-format",
        help_heading = "Reading the exports"
    )]
    pub input_format: Option<InputFormat>,
    /// Also count user objects, their enabled state and those without a source
    /// anchor, and the entries that are not user objects, by reason.
    #[arg(long)]
    pub accounts: bool,
    /// Stop at the first error instead of skipping the broken record (exit 1).
    /// Entries already dumped with --dump to standard output stay written;
    /// the dump stops at a batch boundary at or before the error. A dump to
    /// --output is then not written at all.
    #[arg(long)]
    pub strict: bool,
    /// Diagnostics printed per kind and file (all are counted).
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub max_diagnostics: u64,
    /// The reader options (--source-anchor implies --accounts).
    #[command(flatten)]
    pub reader: ReaderArgs,
    /// Worker threads.
    #[command(flatten)]
    pub threads: ThreadsArgs,
}

/// Summary formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    /// Human-readable text.
    Text,
    /// One JSON document.
    Json,
}

/// Entry dump formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DumpFormat {
    /// JSON Lines, one entry per line.
    Jsonl,
}

pub(super) fn run(args: &ScanArgs, global: Global) -> anyhow::Result<ExitStatus> {
    let mut onprem_opts = OnPremOptions::default();
    onprem_opts.ldif.strict = args.strict;
    onprem_opts.ldif.projection = Projection::All;
    onprem_opts.csv.strict = args.strict;
    onprem_opts.csv.projection = Projection::All;
    args.reader.apply_onprem(&mut onprem_opts);
    let OnPremOptions {
        ldif: opts,
        csv: csv_opts,
        ..
    } = onprem_opts;
    let output = output_path(args.output.as_ref());
    let dump_to_stdout = args.dump.is_some() && output.is_none();
    let inputs = InputFiles::new(args.files.iter().map(String::as_str));
    let mut dump: Option<Dump> = match (&args.dump, output) {
        (None, _) => None,
        (Some(_), Some(path)) => Some(Dump::File(OutputFile::create(
            path, &inputs, args.force, "--output",
        )?)),
        (Some(_), None) => {
            check_stdout(&inputs)?;
            Some(Dump::Stdout(
                BufWriter::with_capacity(1 << 20, io::stdout()),
                io::stdout().is_terminal(),
            ))
        }
    };
    let stdin_count = args.files.iter().filter(|f| f.as_str() == "-").count();
    anyhow::ensure!(
        stdin_count <= 1,
        "`-` (standard input) can be given only once"
    );

    let mut summaries = Vec::new();
    let mut errors = 0u64;
    let anchor_source =
        (args.accounts || args.reader.source_anchor.is_some()).then(|| args.reader.anchor());
    let mut failed = false;
    for file in &args.files {
        let ctx = FileContext {
            args,
            global,
            opts: &opts,
            csv_opts: &csv_opts,
            anchor_source: anchor_source.as_ref(),
        };
        match scan_file(file, &ctx, &mut dump) {
            Ok(summary) => {
                errors += summary.errors();
                summaries.push(summary);
            }
            // --strict and a closed output end the run; other failures end
            // only this file, and the next one is read.
            Err(e) if is_fatal(&e) => return Err(e),
            Err(e) => {
                failed = true;
                let _ = writeln!(
                    io::stderr(),
                    "usertype-audit: error: {}",
                    terminal_safe_lines(&format!("{e:#}"))
                );
            }
        }
    }
    match dump {
        Some(Dump::File(file)) => file.commit()?,
        Some(Dump::Stdout(mut out, _)) => out.flush().context("writing the dump")?,
        None => {}
    }

    if !global.quiet || args.format == SummaryFormat::Json {
        let text = match args.format {
            SummaryFormat::Text => summaries.iter().map(FileSummary::text).collect::<String>(),
            SummaryFormat::Json => {
                let docs: Vec<_> = summaries.iter().map(FileSummary::json).collect();
                let mut s = serde_json::to_string_pretty(&docs)?;
                s.push('\n');
                s
            }
        };
        // Text is for people: escaped wherever it goes. JSON stays exact for
        // a program, and the same JSON with escapes on a terminal.
        let text = match args.format {
            SummaryFormat::Text => terminal_safe_lines(&text).into_owned(),
            SummaryFormat::Json if shown_on_terminal(dump_to_stdout) => {
                json_terminal_safe(&text).into_owned()
            }
            SummaryFormat::Json => text,
        };
        if dump_to_stdout {
            io::stderr().write_all(text.as_bytes())?;
        } else {
            io::stdout().write_all(text.as_bytes())?;
        }
    }
    Ok(if failed {
        ExitStatus::Failure
    } else if errors > 0 {
        ExitStatus::Problems
    } else {
        ExitStatus::Clean
    })
}

/// Whether the summary goes to a terminal (standard error when the dump
/// takes standard output).
fn shown_on_terminal(dump_to_stdout: bool) -> bool {
    if dump_to_stdout {
        io::stderr().is_terminal()
    } else {
        io::stdout().is_terminal()
    }
}

/// Where `--dump` goes.
enum Dump {
    /// `--output`: put in place when the scan completes.
    File(OutputFile),
    /// Standard output; on a terminal (`true`), control characters inside
    /// strings are written as JSON escapes.
    Stdout(BufWriter<io::Stdout>, bool),
}

impl Write for Dump {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Dump::File(f) => f.write(buf),
            Dump::Stdout(o, _) => o.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Dump::File(f) => f.write_all(buf),
            // The sink writes whole lines of JSON: escaping them is exact.
            Dump::Stdout(o, true) => match std::str::from_utf8(buf) {
                Ok(text) => o.write_all(json_terminal_safe(text).as_bytes()),
                Err(_) => o.write_all(buf),
            },
            Dump::Stdout(o, false) => o.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Dump::File(f) => f.flush(),
            Dump::Stdout(o, _) => o.flush(),
        }
    }
}

/// What every file of one scan shares.
struct FileContext<'a> {
    args: &'a ScanArgs,
    global: Global,
    opts: &'a LdifOptions,
    csv_opts: &'a CsvOptions,
    anchor_source: Option<&'a AnchorSource>,
}

/// Errors that end the whole run rather than one file.
fn is_fatal(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<usertype_audit::error::Error>(),
            Some(usertype_audit::error::Error::Strict(_) | usertype_audit::error::Error::Output(_))
        ) || c
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Reads one file: detects its format, reads it, prints its diagnostics.
fn scan_file(
    file: &str,
    ctx: &FileContext<'_>,
    dump: &mut Option<Dump>,
) -> anyhow::Result<FileSummary> {
    let FileContext {
        args,
        global,
        opts,
        csv_opts,
        anchor_source,
    } = *ctx;
    let mut input = Input::open(file).with_context(|| format!("cannot open {file}"))?;
    let format = match args.input_format {
        Some(f) => f.into(),
        None => {
            let head = input
                .peek(64 << 10)
                .with_context(|| format!("cannot read {file}"))?;
            detect(&head).ok_or_else(|| {
                match usertype_audit::read::detect::csv_without_dn(&head) {
                    Some(why) => anyhow::anyhow!("{file}: {why}"),
                    None => anyhow::anyhow!(
                        "{file}: cannot recognise the format (expected LDIF, csvde or Export-Csv \
                     CSV, or a Microsoft Graph users export); name it with --input-format"
                    ),
                }
            })?
        }
    };
    let bar = progress::bytes_bar(file, input.progress_total(), global.quiet);
    let tick = |done: u64| bar.set_position(done);
    let control = ReadControl {
        progress: Some(&tick),
        keep_per_kind: args.max_diagnostics,
    };
    let mut sink = ScanSink {
        out: dump.as_mut(),
        anchor: anchor_source,
        tally: AccountTally::default(),
    };
    let summary = match format {
        Format::Ldif => ldif::read(input, opts, &control, &mut sink),
        Format::Csvde | Format::ExportCsv => {
            let flavor = if format == Format::Csvde {
                CsvFlavor::Csvde
            } else {
                CsvFlavor::ExportCsv
            };
            onprem_csv::read(input, Some(flavor), csv_opts, &control, &mut sink)
        }
        Format::GraphJson | Format::CloudCsv => {
            let mut cloud_opts = CloudOptions {
                strict: args.strict,
                keep_per_kind: args.max_diagnostics,
                ..CloudOptions::default()
            };
            args.reader.apply_cloud(&mut cloud_opts);
            let read = cloud::read_input_with_progress(input, &cloud_opts, &tick);
            bar.finish_and_clear();
            let read = read?;
            if let Some(out) = sink.out {
                for user in &read.users {
                    out.write_all(cloud_user_json(user).as_bytes())
                        .context("writing the dump")?;
                }
            }
            let summary = read.summary;
            print_diagnostics(&summary.diagnostics.kept, global.quiet);
            return Ok(FileSummary::Cloud(read.format, summary));
        }
    };
    bar.finish_and_clear();
    let summary = summary?;
    print_diagnostics(&summary.diagnostics.kept, global.quiet);
    let tally = sink.anchor.map(|_| sink.tally);
    Ok(FileSummary::OnPrem(format, summary, tally))
}

/// One cloud user as a JSON line, with Graph's property names.
fn cloud_user_json(u: &CloudUser) -> String {
    let ext: serde_json::Map<String, serde_json::Value> = (1..=15)
        .filter_map(|n| {
            u.on_premises_extension_attributes()
                .get(n)
                .map(|v| (format!("extensionAttribute{n}"), v.into()))
        })
        .collect();
    let mut line = serde_json::json!({
        "id": u.id(),
        "line": u.source.line,
        "userPrincipalName": u.user_principal_name(),
        "userType": u.user_type.as_ref().map(|t| t.as_str()),
        "accountEnabled": u.account_enabled,
        "mail": u.mail(),
        "proxyAddresses": u.proxy_addresses().collect::<Vec<_>>(),
        "creationType": u.creation_type(),
        "externalUserState": u.external_user_state(),
        "onPremisesSyncEnabled": u.on_premises_sync_enabled,
        "onPremisesImmutableId": u.on_premises_immutable_id(),
        "onPremisesSecurityIdentifier": u.on_premises_security_identifier(),
        "onPremisesDistinguishedName": u.on_premises_distinguished_name(),
        "onPremisesUserPrincipalName": u.on_premises_user_principal_name(),
        "onPremisesExtensionAttributes": ext,
    })
    .to_string();
    line.push('\n');
    line
}

/// Prints diagnostics to stderr; `--quiet` keeps only errors.
fn print_diagnostics(kept: &[Diagnostic], quiet: bool) {
    let mut err = io::stderr().lock();
    for d in kept
        .iter()
        .filter(|d| !quiet || d.severity == Severity::Error)
    {
        let _ = writeln!(err, "{}", terminal_safe(&cap_value(&d.to_string())));
    }
}

/// What scan does with entries: dump them (`--dump`) and count accounts
/// (`--accounts`). The work runs in parallel in `map`; writing stays in order.
struct ScanSink<'w, 'a> {
    out: Option<&'w mut Dump>,
    anchor: Option<&'a AnchorSource>,
    tally: AccountTally,
}

impl BatchSink for ScanSink<'_, '_> {
    type Output = (Vec<u8>, AccountTally);

    fn map(&self, batch: &Batch) -> Self::Output {
        let mut buf = Vec::new();
        let mut tally = AccountTally::default();
        if self.out.is_none() && self.anchor.is_none() {
            return (buf, tally);
        }
        if self.out.is_some() {
            buf.reserve(batch.len() * 512);
        }
        for entry in batch.entries() {
            if self.out.is_some() {
                write_entry_json(&mut buf, &entry);
            }
            if let Some(anchor) = self.anchor {
                match Account::from_entry(entry) {
                    Ok(a) => {
                        tally.users += 1;
                        match a.enabled {
                            Some(true) => tally.enabled += 1,
                            Some(false) => tally.disabled += 1,
                            None => {}
                        }
                        if a.source_anchor(anchor).is_none() {
                            tally.without_anchor += 1;
                        }
                    }
                    Err(why) => *tally.not_accounts.entry(why.to_string()).or_default() += 1,
                }
            }
        }
        (buf, tally)
    }

    fn consume(&mut self, _: &Batch, (buf, tally): Self::Output) -> io::Result<()> {
        self.tally.add(tally);
        match self.out.as_mut() {
            Some(out) => out.write_all(&buf),
            None => Ok(()),
        }
    }
}

/// Renders one entry as a JSON line.
pub fn write_entry_json(buf: &mut Vec<u8>, entry: &EntryRef<'_>) {
    buf.extend_from_slice(b"{\"dn\":");
    json_value(buf, entry.dn());
    buf.extend_from_slice(b",\"line\":");
    buf.extend_from_slice(entry.line().to_string().as_bytes());
    buf.extend_from_slice(b",\"attrs\":{");
    for (i, attr) in entry.attrs().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        json_str(buf, attr.name());
        buf.extend_from_slice(b":[");
        for (j, v) in attr.values().enumerate() {
            if j > 0 {
                buf.push(b',');
            }
            json_value(buf, v.bytes);
        }
        buf.push(b']');
    }
    buf.extend_from_slice(b"}}\n");
}

fn json_str(buf: &mut Vec<u8>, s: &str) {
    // Serialising a &str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *buf, s);
}

fn json_value(buf: &mut Vec<u8>, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(s) => json_str(buf, s),
        Err(_) => {
            buf.extend_from_slice(b"{\"base64\":\"");
            let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
            buf.extend_from_slice(b64.as_bytes());
            buf.extend_from_slice(b"\"}");
        }
    }
}
