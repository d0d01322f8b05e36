//! The command line: clap definitions and one module per subcommand. It
//! belongs to the binary; the library knows no clap.
//!
//! # One vocabulary
//!
//! A new subcommand or flag follows these rules, so that the tool reads as
//! one (ripgrep's and cargo's conventions):
//!
//! * A subcommand is a struct `XxxArgs` deriving `clap::Args` in its own
//!   file, whose doc comment is its help: a one-line summary, then the long
//!   text, ending with `Exit status: ...`; `#[command(after_help = ...)]`
//!   gives an `Example:` with a real `usertype-audit ...` line (a test reads
//!   every subcommand's help for it). Add it to [`Command`], to
//!   `Command::threads` and `Command::name`.
//! * `--out DIR` is a folder that receives a set of files; `-o/--output FILE`
//!   is one file (written through `output::OutputFile`); `--format` names
//!   only what is written. An input's format is `--onprem-format` or
//!   `--input-format`, never `--format`.
//! * A subcommand that reads on-premises exports flattens [`OnPremArgs`]
//!   (which holds [`ReaderArgs`]); one that reads other exports flattens
//!   [`ReaderArgs`]. A reader option is added once, in `ReaderArgs`.
//! * `--threads` ([`ThreadsArgs`]) is flattened only where exports are read;
//!   `--color` ([`ColorArgs`]) only where output is coloured. Only `--quiet`
//!   is global: it never hides requested output.
//! * A renamed flag keeps its old spelling as a hidden `alias` for one
//!   release, with a test of both spellings (tests/it/cli_flags.rs).

mod audit;
mod classify;
mod completions;
mod diff;
mod explain;
mod generate;
mod init;
mod man;
mod output;
mod plan_args;
mod populate;
mod progress;
mod reader_args;
mod rules;
mod scan;
mod scan_summary;
mod shared_args;
mod start;
mod waivers;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use self::audit::AuditArgs;
pub use self::classify::ClassifyArgs;
pub use self::completions::CompletionsArgs;
pub use self::diff::DiffArgs;
pub use self::explain::ExplainArgs;
pub use self::generate::GenerateArgs;
pub use self::init::InitArgs;
pub use self::man::ManArgs;
pub use self::populate::PopulateArgs;
pub use self::reader_args::{InputFormat, OnPremFormat, ReaderArgs};
pub use self::rules::RulesArgs;
pub use self::scan::ScanArgs;
pub use self::shared_args::{ColorArgs, ThreadsArgs};

/// Audit Microsoft Entra Connect UserType sync from offline exports.
///
/// usertype-audit reads on-premises Active Directory exports (LDIF, CSV) and
/// Microsoft Graph user exports and finds partner accounts whose cloud UserType
/// disagrees with what the organisation intends. It never opens a network
/// connection and never writes to a directory.
#[derive(Debug, Parser)]
#[command(name = "usertype-audit", version, propagate_version = true,
          after_help = start::AFTER_HELP)]
pub struct Cli {
    /// The spelling of `--threads` before the subcommand, kept for scripts
    /// of earlier releases: passed to a subcommand that takes `--threads`,
    /// refused with a clear error by one that does not.
    #[arg(long, hide = true, value_name = "N", value_parser = shared_args::threads_parser())]
    pub threads: Option<u16>,
    /// Print nothing but errors and requested output (no progress, no summary).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// What to do (none: a short "start here" and exit status 2).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands. Their help texts are the doc comments of their argument
/// structs (`AuditArgs`, ...), so that `--help` shows them whole.
#[derive(Debug, Subcommand)]
pub enum Command {
    Audit(AuditArgs),
    Classify(ClassifyArgs),
    Explain(ExplainArgs),
    Diff(DiffArgs),
    Init(InitArgs),
    Rules(RulesArgs),
    Scan(ScanArgs),
    Populate(PopulateArgs),
    Generate(GenerateArgs),
    Completions(CompletionsArgs),
    Man(ManArgs),
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
        match err.downcast_ref::<usertype_audit::error::Error>() {
            Some(usertype_audit::error::Error::Strict(_)) => ExitStatus::Problems,
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
    /// The format of the on-premises files, when detection by content is not wanted.
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        help_heading = "Reading the exports"
    )]
    pub onprem_format: Option<OnPremFormat>,
    /// The reader options.
    #[command(flatten)]
    pub reader: ReaderArgs,
}

impl OnPremArgs {
    /// The reader options the flags select.
    pub fn onprem_options(&self) -> usertype_audit::read::OnPremOptions {
        let mut opts = usertype_audit::read::OnPremOptions {
            format: self.onprem_format.map(Into::into),
            ..usertype_audit::read::OnPremOptions::default()
        };
        self.reader.apply_onprem(&mut opts);
        opts
    }

    /// The anchor source the flags select.
    pub fn anchor(&self) -> usertype_audit::model::ids::AnchorSource {
        self.reader.anchor()
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
    let Some(command) = cli.command else {
        start::print_start_here()?;
        return Ok(ExitStatus::Failure);
    };
    let threads = match (command.threads(), cli.threads) {
        (Some(args), old) => args.threads.or(old),
        (None, Some(_)) => anyhow::bail!(
            "--threads does nothing for `{}`: it reads no exports; leave it out \
             (it is an option of audit, classify, explain --dn and scan)",
            command.name()
        ),
        (None, None) => None,
    };
    shared_args::start_threads(threads)?;
    let global = Global { quiet: cli.quiet };
    match command {
        Command::Audit(args) => audit::run(&args, global),
        Command::Classify(args) => classify::run(&args, global),
        Command::Explain(args) => explain::run(&args, global),
        Command::Diff(args) => diff::run(&args, global),
        Command::Init(args) => init::run(&args, global),
        Command::Rules(args) => rules::run(&args, global),
        Command::Scan(args) => scan::run(&args, global),
        Command::Generate(args) => generate::run(&args, global),
        Command::Populate(args) => populate::run(&args, global),
        Command::Completions(args) => completions::run(&args),
        Command::Man(args) => man::run(&args, global),
    }
}

impl Command {
    /// `--threads` of the subcommands where it acts; `None` where it does not.
    fn threads(&self) -> Option<&ThreadsArgs> {
        match self {
            Command::Audit(a) => Some(&a.threads),
            Command::Classify(a) => Some(&a.threads),
            // Only `explain --dn/--upn` reads; clap refuses --threads with KIND or --list.
            Command::Explain(a) if a.kind.is_none() && !a.list => Some(&a.threads),
            Command::Scan(a) => Some(&a.threads),
            Command::Populate(a) => Some(&a.threads),
            Command::Explain(_)
            | Command::Init(_)
            | Command::Rules(_)
            | Command::Generate(_)
            | Command::Diff(_)
            | Command::Completions(_)
            | Command::Man(_) => None,
        }
    }

    /// The subcommand's name, for messages.
    fn name(&self) -> &'static str {
        match self {
            Command::Audit(_) => "audit",
            Command::Classify(_) => "classify",
            Command::Explain(_) => "explain",
            Command::Init(_) => "init",
            Command::Rules(_) => "rules",
            Command::Scan(_) => "scan",
            Command::Populate(_) => "populate",
            Command::Diff(_) => "diff",
            Command::Generate(_) => "generate",
            Command::Completions(_) => "completions",
            Command::Man(_) => "man",
        }
    }
}
