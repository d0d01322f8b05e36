//! `usertype-audit init`: write a commented starter rule file.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::output::{InputFiles, OutputFile};
use super::{ExitStatus, Global};

/// Write a commented starter rule file (rules.toml) to edit.
///
/// The file shows the three ways to decide UserType (a Direct flow from an
/// attribute, an Entra Connect expression, simple rules) with the first
/// active, and the scope settings. Check it with `usertype-audit rules check`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  usertype-audit init                 # writes rules.toml
  usertype-audit init - | less        # read it first")]
pub struct InitArgs {
    /// Where to write (`-` for standard output).
    #[arg(default_value = "rules.toml", value_name = "FILE")]
    pub path: PathBuf,
    /// Replace an existing file (never through a symbolic link).
    #[arg(long)]
    pub force: bool,
}

/// The starter rule file.
pub const STARTER: &str = include_str!("starter-rules.toml");

pub(super) fn run(args: &InitArgs, global: Global) -> anyhow::Result<ExitStatus> {
    if args.path.as_os_str() == "-" {
        std::io::stdout().write_all(STARTER.as_bytes())?;
        return Ok(ExitStatus::Clean);
    }
    let mut file = OutputFile::create(&args.path, &InputFiles::default(), args.force, "FILE")?;
    file.write_all(STARTER.as_bytes())
        .with_context(|| format!("cannot write {}", args.path.display()))?;
    file.commit()?;
    if !global.quiet {
        // Not eprintln!, which panics when standard error is closed.
        let _ = writeln!(
            std::io::stderr(),
            "wrote {}; edit it, then run `usertype-audit rules check {}`",
            args.path.display(),
            args.path.display()
        );
    }
    Ok(ExitStatus::Clean)
}
