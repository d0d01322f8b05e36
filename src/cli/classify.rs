//! `usertype-audit classify`: one row per account with what the rules make of it.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::output::{InputFiles, OutputFile};
use super::{progress, rules::load_rule_source, ExitStatus, Global, OnPremArgs, ThreadsArgs};
use usertype_audit::classify::{Classifier, EvalScratch, Intent};
use usertype_audit::matcher::account_anchor_key;
use usertype_audit::model::ids::AnchorSource;
use usertype_audit::read::account::{Account, CLASSIFY_ATTRIBUTES};
use usertype_audit::read::input::Input;
use usertype_audit::read::{Batch, BatchSink, Projection, ReadControl};
use usertype_audit::report::csv::{push_field, push_identifier_field};
use usertype_audit::report::{cap_value, json_terminal_safe, terminal_safe};

/// Classify every account with a rule file or the Connect configuration: one row per account.
///
/// Classify every account of on-premises exports with a rule file (or the
/// Entra Connect configuration, --connect-config), as Entra Connect would:
/// one row per user account with its DN, UPN, source anchor (ImmutableId),
/// outcome (Member, Guest, error, invalid, no_value, out_of_scope, and with
/// --connect-config not_managed), the value behind it (the UserType, the
/// Error() message, the invalid value, why there is none), the rule or scope
/// filter that decided it, and where it is (file:line).
///
/// Only the attributes the rules, the scope and the anchor read are decoded
/// and checked (a record's structure always is); `scan` checks every value.
///
/// Rows go to standard output, or to --output: a new file (an existing one is
/// replaced only with --force, an input or a symbolic link never), which
/// appears only once complete. On a terminal, control characters in values
/// are shown escaped (`\u{1b}`, `\n` in CSV; JSON escapes in JSON Lines);
/// redirected, values are written exactly.
///
/// Exit status: 0 done, 1 bad records were found (reported on standard error), 2 usage or input error.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  usertype-audit classify --onprem export.ldf --rules rules.toml -o rows.csv
  usertype-audit classify --onprem export.ldf --rules rules.toml --format jsonl | head")]
pub struct ClassifyArgs {
    /// The on-premises exports.
    #[command(flatten)]
    pub input: OnPremArgs,
    /// The rule file (its `[scope]` applies before --connect-config).
    #[arg(long, value_name = "FILE", required_unless_present = "connect_config")]
    pub rules: Option<String>,
    /// The Entra Connect configuration: the Synchronization Rules Editor's
    /// Export (.ps1), a folder of them, and the
    /// Applied-SynchronizationPolicy-*.json file (OU filtering).
    #[arg(long, value_name = "PATH")]
    pub connect_config: Vec<String>,
    /// Where to write the rows: a new file, which appears only once complete
    /// (default, or `-`: standard output, where on a terminal control characters in
    /// values are shown escaped).
    // `--out FILE`, the spelling of earlier releases, stays as a hidden
    // alias: `--out` names a report folder everywhere else.
    #[arg(long, short, alias = "out", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace --output when it exists (never an input, never through a link).
    #[arg(long, requires = "output")]
    pub force: bool,
    /// Row format.
    #[arg(long, value_enum, default_value_t = RowFormat::Csv)]
    pub format: RowFormat,
    /// Stop at the first bad record.
    #[arg(long)]
    pub strict: bool,
    /// Worker threads.
    #[command(flatten)]
    pub threads: ThreadsArgs,
}

/// Row formats of `classify`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RowFormat {
    /// CSV with a header row (values that Excel would run as formulas are
    /// neutralised; the source anchor is written exactly).
    Csv,
    /// JSON Lines.
    Jsonl,
}

const COLUMNS: [&str; 7] = [
    "dn",
    "upn",
    "source_anchor",
    "outcome",
    "value",
    "rule",
    "source",
];

/// The index of `source_anchor` in [`COLUMNS`]: written exactly (a base64
/// anchor may start with `+`), as in `findings.csv`.
const SOURCE_ANCHOR_COLUMN: usize = 2;

struct ClassifySink<'a> {
    classifier: &'a Classifier,
    anchor: &'a AnchorSource,
    name: Arc<str>,
    format: RowFormat,
    /// Escape control characters in values (rows shown on a terminal).
    for_terminal: bool,
    out: &'a mut (dyn Write + Send + Sync),
    rows: u64,
    by_outcome: std::collections::BTreeMap<&'static str, u64>,
    not_accounts: u64,
}

struct Rows {
    bytes: Vec<u8>,
    rows: u64,
    by_outcome: Vec<(&'static str, u64)>,
    not_accounts: u64,
}

/// Appends `n` in decimal (no formatting machinery on the per-row path).
fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[i..].iter().map(|&d| d as char));
}

/// The value column: what the outcome carries.
pub(super) fn intent_value(intent: &Intent) -> &str {
    match intent {
        Intent::UserType(t) => t.as_str(),
        Intent::Error(m) => m,
        Intent::Invalid(v) => v,
        Intent::NoValue(why) => why,
        Intent::OutOfScope => "",
        Intent::NotManaged => {
            "no outbound rule exports userType: new users are created as Member, existing cloud \
             values are kept"
        }
    }
}

impl BatchSink for ClassifySink<'_> {
    type Output = Rows;

    fn map(&self, batch: &Batch) -> Rows {
        let mut scratch = EvalScratch::default();
        let mut out = Rows {
            bytes: Vec::with_capacity(batch.len() * 160),
            rows: 0,
            by_outcome: Vec::new(),
            not_accounts: 0,
        };
        let mut counts: std::collections::BTreeMap<&'static str, u64> = Default::default();
        let mut anchor_buf = [0u8; 24];
        let mut line_buf = String::new();
        for entry in batch.entries() {
            let Ok(account) = Account::from_entry(entry) else {
                out.not_accounts += 1;
                continue;
            };
            let anchor = account.source_anchor(self.anchor);
            let c = self
                .classifier
                .classify(&account, anchor.is_some(), &mut scratch);
            let dn = String::from_utf8_lossy(account.dn());
            let anchor = anchor
                .as_ref()
                .map(|a| account_anchor_key(a, &mut anchor_buf));
            line_buf.clear();
            line_buf.push_str(&self.name);
            line_buf.push(':');
            push_decimal(&mut line_buf, account.line());
            let fields = [
                &*dn,
                account.upn.unwrap_or(""),
                anchor.as_deref().unwrap_or(""),
                c.intent.outcome(),
                intent_value(&c.intent),
                self.classifier.rule_name(&c),
                &line_buf,
            ];
            *counts.entry(c.intent.outcome()).or_default() += 1;
            out.rows += 1;
            let escaped;
            let fields = if self.for_terminal && self.format == RowFormat::Csv {
                escaped = fields.map(terminal_safe);
                escaped.each_ref().map(|f| f.as_ref())
            } else {
                fields
            };
            match self.format {
                RowFormat::Csv => {
                    for (i, f) in fields.iter().enumerate() {
                        if i > 0 {
                            out.bytes.push(b',');
                        }
                        if i == SOURCE_ANCHOR_COLUMN {
                            push_identifier_field(&mut out.bytes, f);
                        } else {
                            push_field(&mut out.bytes, f);
                        }
                    }
                    out.bytes.push(b'\n');
                }
                RowFormat::Jsonl => {
                    let obj: serde_json::Map<String, serde_json::Value> = COLUMNS
                        .iter()
                        .zip(fields)
                        .map(|(k, v)| (k.to_string(), serde_json::Value::from(v)))
                        .collect();
                    if let Ok(line) = serde_json::to_string(&obj) {
                        let line = if self.for_terminal {
                            json_terminal_safe(&line)
                        } else {
                            line.into()
                        };
                        out.bytes.extend_from_slice(line.as_bytes());
                        out.bytes.push(b'\n');
                    }
                }
            }
        }
        out.by_outcome = counts.into_iter().collect();
        out
    }

    fn consume(&mut self, _: &Batch, rows: Rows) -> io::Result<()> {
        self.rows += rows.rows;
        self.not_accounts += rows.not_accounts;
        for (k, n) in rows.by_outcome {
            *self.by_outcome.entry(k).or_default() += n;
        }
        self.out.write_all(&rows.bytes)
    }
}

pub(super) fn run(args: &ClassifyArgs, global: Global) -> anyhow::Result<ExitStatus> {
    let classifier = load_rule_source(args.rules.as_deref(), &args.connect_config, global.quiet)?;
    let anchor = args.input.anchor();
    let mut projection: Vec<String> = CLASSIFY_ATTRIBUTES.iter().map(|s| s.to_string()).collect();
    projection.extend(classifier.attributes());
    projection.extend(anchor.attributes().iter().map(|s| s.to_string()));
    let mut opts = args.input.onprem_options();
    opts.ldif.projection = Projection::attrs(projection.iter());
    opts.ldif.strict = args.strict;
    // Classification checks the values it reads; `scan` checks every value.
    opts.ldif.validate_all = false;
    opts.csv.projection = Projection::attrs(projection.iter());
    opts.csv.strict = args.strict;
    let inputs = InputFiles::new(
        args.input
            .onprem
            .iter()
            .map(String::as_str)
            .chain(args.rules.as_deref())
            .chain(args.connect_config.iter().map(String::as_str)),
    );
    let mut file = match super::output::output_path(args.output.as_ref()) {
        Some(p) => Some(OutputFile::create(p, &inputs, args.force, "--output")?),
        None => {
            super::output::check_stdout(&inputs)?;
            None
        }
    };
    let for_terminal = file.is_none() && io::stdout().is_terminal();
    let mut stdout;
    let out: &mut (dyn Write + Send + Sync) = match file.as_mut() {
        Some(f) => f,
        None => {
            stdout = BufWriter::with_capacity(1 << 20, io::stdout());
            &mut stdout
        }
    };
    match args.format {
        RowFormat::Csv => writeln!(out, "{}", COLUMNS.join(","))?,
        RowFormat::Jsonl => {}
    }
    let mut errors = 0;
    let mut totals = (0u64, 0u64, std::collections::BTreeMap::new());
    for file in &args.input.onprem {
        let input = Input::open(file).with_context(|| format!("cannot open {file}"))?;
        let bar = progress::bytes_bar(file, input.progress_total(), global.quiet);
        let tick = |done: u64| bar.set_position(done);
        let control = ReadControl {
            progress: Some(&tick),
            keep_per_kind: 5,
        };
        let mut sink = ClassifySink {
            classifier: &classifier,
            anchor: &anchor,
            name: input.name.clone(),
            format: args.format,
            for_terminal,
            out: &mut *out,
            rows: 0,
            by_outcome: Default::default(),
            not_accounts: 0,
        };
        let read = usertype_audit::read::read_onprem(input, &opts, &control, &mut sink);
        bar.finish_and_clear();
        let (rows, not_accounts, by_outcome) = (sink.rows, sink.not_accounts, sink.by_outcome);
        let (_, summary) = read?;
        errors += summary
            .diagnostics
            .count(usertype_audit::diag::Severity::Error);
        if !global.quiet {
            for d in &summary.diagnostics.kept {
                // Not eprintln!, which panics when standard error is closed.
                let _ = writeln!(
                    io::stderr(),
                    "{}",
                    terminal_safe(&cap_value(&d.to_string()))
                );
            }
        }
        totals.0 += rows;
        totals.1 += not_accounts;
        for (k, n) in by_outcome {
            *totals.2.entry(k).or_insert(0u64) += n;
        }
    }
    out.flush().context("writing the rows")?;
    if let Some(file) = file {
        file.commit()?;
    }
    if !global.quiet {
        let parts: Vec<String> = totals.2.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let _ = writeln!(
            io::stderr(),
            "classified {} accounts: {}; {} entries are not user accounts",
            totals.0,
            parts.join(", "),
            totals.1
        );
    }
    Ok(if errors > 0 {
        ExitStatus::Problems
    } else {
        ExitStatus::Clean
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn decimals() {
        for n in [0u64, 7, 10, 1234567, u64::MAX] {
            let mut s = String::from("x:");
            super::push_decimal(&mut s, n);
            assert_eq!(s, format!("x:{n}"));
        }
    }
}
