//! The command line: clap definitions and one module per subcommand.

mod audit;
mod classify;
mod diff;
mod explain;
mod generate;
mod init;
mod output;
mod progress;
mod rules;
mod scan;
mod waivers;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use self::audit::AuditArgs;
pub use self::classify::ClassifyArgs;
pub use self::diff::DiffArgs;
pub use self::explain::ExplainArgs;
pub use self::generate::GenerateArgs;
pub use self::init::InitArgs;
pub use self::rules::RulesArgs;
pub use self::scan::ScanArgs;

/// Audit Microsoft Entra Connect UserType sync from offline exports.
///
/// usertype-audit reads on-premises Active Directory exports (LDIF, CSV) and
/// Microsoft Graph user exports and finds partner accounts whose cloud UserType
/// disagrees with what the organisation intends. It never opens a network
/// connection and never writes to a directory.
#[derive(Debug, Parser)]
#[command(name = "usertype-audit", version, propagate_version = true)]
pub struct Cli {
    /// Worker threads, 1 to 256 (default: one per core). More threads than
    /// cores only add start-up time.
    #[arg(long, global = true, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS as i64))]
    pub threads: Option<u16>,
    /// Print nothing but errors and requested output (no progress, no summary).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The largest `--threads` accepted. Every stage is bounded by two or three
/// passes over memory-mapped input, so more threads than cores never help, and
/// each thread costs start-up time and a stack (10,000 took 30 s on a 60 KB
/// file); 256 covers the largest servers.
pub const MAX_THREADS: u16 = 256;

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit on-premises accounts against the cloud and write the reports (the main job).
    Audit(AuditArgs),
    /// Classify every account with a rule file: one row per account.
    Classify(ClassifyArgs),
    /// Explain a finding kind, or how the rules classify one account.
    ///
    /// `explain KIND` prints the documentation of a finding kind (what it
    /// flags, why it matters, an example, what to do, references), e.g.
    /// `usertype-audit explain guest-as-member`; `explain --list` lists the
    /// kinds with their severities and titles.
    ///
    /// `explain --onprem FILE... --rules FILE --dn DN` (or `--upn UPN`) shows,
    /// for one account, what Entra Connect would compute and why, like the
    /// Preview of the Synchronization Service Manager: the attribute values the
    /// rules read, every scope step, and the value of every sub-expression.
    ///
    /// Exit status: 0 shown, 1 no account matched, 2 usage or input error
    /// (an unknown KIND included).
    Explain(ExplainArgs),
    /// Compare two audits' report folders: new, resolved and changed findings.
    Diff(DiffArgs),
    /// Write a commented starter rule file.
    Init(InitArgs),
    /// Check a rule file.
    Rules(RulesArgs),
    /// Read exports and report what they hold: records, entries, diagnostics, speed.
    Scan(ScanArgs),
    /// Write a deterministic synthetic forest (for demos, tests and benchmarks).
    Generate(GenerateArgs),
}

/// The process outcome: 0 clean, 1 problems found in the data, 2 usage or I/O failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// Everything was read without error.
    Clean = 0,
    /// The data has errors (or, for the audit, findings at or above the threshold).
    Problems = 1,
    /// Usage error, a file that could not be read, or an incomplete audit.
    Failure = 2,
}

impl ExitStatus {
    /// The status for an error that ended the run.
    pub fn from_error(err: &anyhow::Error) -> ExitStatus {
        match err.downcast_ref::<crate::error::Error>() {
            Some(crate::error::Error::Strict(_)) => ExitStatus::Problems,
            _ => ExitStatus::Failure,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        ExitCode::from(s as u8)
    }
}

/// The on-premises inputs of `audit`, `classify` and `explain`.
#[derive(Debug, clap::Args)]
pub struct OnPremArgs {
    /// On-premises exports: LDIF (ldifde, ldapsearch), csvde or Get-ADUser |
    /// Export-Csv CSV (`-` for standard input, `.gz` decompressed).
    #[arg(long, required = true, num_args = 1.., value_name = "FILE")]
    pub onprem: Vec<String>,
    /// The source anchor attribute, when it is not Connect's default
    /// (mS-DS-ConsistencyGuid, else objectGUID).
    #[arg(long, value_name = "ATTR")]
    pub source_anchor: Option<String>,
    /// The format of the on-premises files, when detection by content is not wanted.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub onprem_format: Option<crate::read::detect::Format>,
    /// The field delimiter of on-premises CSV files, when detection by
    /// content is not wanted: `,` `;` or `tab` (Export-Csv -UseCulture and
    /// Excel re-saves in many European locales use `;`).
    #[arg(long, value_parser = parse_delimiter, value_name = "CHAR")]
    pub delimiter: Option<u8>,
}

/// `--delimiter`: one of `,` `;` TAB (written `tab`, `\t` or a TAB).
fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "," | "comma" => Ok(b','),
        ";" | "semicolon" => Ok(b';'),
        "\t" | "\\t" | "tab" | "TAB" => Ok(b'\t'),
        _ => Err(format!(
            "`{}` is not a CSV delimiter: use `,`, `;` or `tab`",
            s.escape_debug()
        )),
    }
}

impl OnPremArgs {
    /// The reader options the flags select.
    pub fn onprem_options(&self) -> crate::read::OnPremOptions {
        let mut opts = crate::read::OnPremOptions {
            format: self.onprem_format,
            ..crate::read::OnPremOptions::default()
        };
        opts.csv.delimiter = self.delimiter;
        opts
    }

    /// The anchor source the flags select.
    pub fn anchor(&self) -> crate::model::ids::AnchorSource {
        match &self.source_anchor {
            Some(a) => crate::model::ids::AnchorSource::Attribute(a.clone()),
            None => crate::model::ids::AnchorSource::default(),
        }
    }
}

/// Shared settings every subcommand gets.
#[derive(Clone, Copy, Debug)]
pub struct Global {
    /// `--quiet`.
    pub quiet: bool,
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    if let Some(n) = cli.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(usize::from(n))
            .build_global()
            .map_err(|e| anyhow::anyhow!("cannot start {n} threads: {e}"))?;
    }
    let global = Global { quiet: cli.quiet };
    match cli.command {
        Command::Audit(args) => audit::run(&args, global),
        Command::Classify(args) => classify::run(&args, global),
        Command::Explain(args) => explain::run(&args, global),
        Command::Diff(args) => diff::run(&args, global),
        Command::Init(args) => init::run(&args, global),
        Command::Rules(args) => rules::run(&args, global),
        Command::Scan(args) => scan::run(&args, global),
        Command::Generate(args) => generate::run(&args, global),
    }
}
