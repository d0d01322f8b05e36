//! `usertype-audit man`: roff manual pages, written by clap_mangen from the
//! same definitions as `--help`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, CommandFactory};

use super::output::{InputFiles, OutputFile};
use super::{Cli, ExitStatus, Global};

/// Print the manual page, or write one page per subcommand into a folder.
///
/// Without --out, the top page (usertype-audit.1) goes to standard output.
/// With --out DIR, the folder (created when missing) gets usertype-audit.1
/// and a page per subcommand (usertype-audit-audit.1, ...,
/// usertype-audit-rules-check.1); a page that is already there is replaced
/// only with --force.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  usertype-audit man | man -l -
  usertype-audit man --out ~/.local/share/man/man1")]
pub struct ManArgs {
    /// The folder for the pages (created when missing).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace pages already in --out.
    #[arg(long, requires = "out")]
    pub force: bool,
}

pub(super) fn run(args: &ManArgs, global: Global) -> anyhow::Result<ExitStatus> {
    // `help SUBCOMMAND` is `SUBCOMMAND --help`: no page of its own, and no
    // page refers to one.
    let cmd = without_help_subcommand(Cli::command());
    let Some(dir) = &args.out else {
        let mut page = Vec::new();
        clap_mangen::Man::new(cmd).render(&mut page)?;
        std::io::stdout().lock().write_all(&page)?;
        return Ok(ExitStatus::Clean);
    };
    anyhow::ensure!(
        !dir.exists() || dir.is_dir(),
        "--out {} is a file, not a folder; give a folder (it is created when missing)",
        dir.display()
    );
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = Vec::new();
    write_pages(cmd, "usertype-audit", dir, args.force, &mut written)?;
    if !global.quiet {
        for path in &written {
            println!("  wrote {}", path.display());
        }
    }
    Ok(ExitStatus::Clean)
}

/// `cmd` and its subcommands without clap's `help` subcommand.
fn without_help_subcommand(cmd: clap::Command) -> clap::Command {
    cmd.disable_help_subcommand(true)
        .mut_subcommands(without_help_subcommand)
}

/// Writes the page of `cmd` (named `name`) and of each of its subcommands.
fn write_pages(
    cmd: clap::Command,
    name: &str,
    dir: &Path,
    force: bool,
    written: &mut Vec<PathBuf>,
) -> anyhow::Result<()> {
    let cmd = cmd.name(name.to_string());
    let path = dir.join(format!("{name}.1"));
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut page)?;
    let mut file = OutputFile::create(&path, &InputFiles::default(), force, "--out")?;
    file.write_all(&page)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.commit()?;
    written.push(path);
    for sub in cmd.get_subcommands() {
        if sub.is_hide_set() {
            continue;
        }
        let sub_name = format!("{name}-{}", sub.get_name());
        write_pages(sub.clone(), &sub_name, dir, force, written)?;
    }
    Ok(())
}
