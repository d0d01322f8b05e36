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
/// usertype-audit-rules-check.1). A page this command wrote earlier is
/// replaced (so a new release can refresh its pages); any other file of the
/// same name only with --force, and nothing is written unless every page can be.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  usertype-audit man | man -l -
  usertype-audit man --out ~/.local/share/man/man1")]
pub struct ManArgs {
    /// The folder for the pages (created when missing).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace files in --out that have a page's name but are not this tool's pages.
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
    super::output::refuse_dash_folder(dir)?;
    anyhow::ensure!(
        !dir.exists() || dir.is_dir(),
        "--out {} is a file, not a folder; give a folder (it is created when missing)",
        dir.display()
    );
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut pages = Vec::new();
    render_pages(cmd, "usertype-audit", &mut pages)?;
    // Every name is checked before the first page is written, so a refused
    // name leaves the folder as it was.
    let mut files = Vec::with_capacity(pages.len());
    for (name, page) in &pages {
        let path = dir.join(format!("{name}.1"));
        let replace = args.force || is_own_page(&path, name);
        let file = OutputFile::create(&path, &InputFiles::default(), replace, "--out")?;
        files.push((path, file, page));
    }
    let mut written = Vec::with_capacity(files.len());
    for (path, mut file, page) in files {
        file.write_all(page)
            .with_context(|| format!("cannot write {}", path.display()))?;
        file.commit()?;
        written.push(path);
    }
    if !global.quiet {
        // `?`, not println!: a closed pipe ends the run quietly, not in a panic.
        let mut stdout = std::io::stdout().lock();
        for path in &written {
            writeln!(stdout, "  wrote {}", path.display())?;
        }
    }
    Ok(ExitStatus::Clean)
}

/// `cmd` and its subcommands without clap's `help` subcommand.
fn without_help_subcommand(cmd: clap::Command) -> clap::Command {
    cmd.disable_help_subcommand(true)
        .mut_subcommands(without_help_subcommand)
}

/// Renders the page of `cmd` (named `name`) and of each of its visible
/// subcommands, as (page name, roff).
fn render_pages(
    cmd: clap::Command,
    name: &str,
    pages: &mut Vec<(String, Vec<u8>)>,
) -> anyhow::Result<()> {
    let cmd = cmd.name(name.to_string());
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut page)?;
    pages.push((name.to_string(), page));
    for sub in cmd.get_subcommands() {
        if sub.is_hide_set() {
            continue;
        }
        render_pages(sub.clone(), &format!("{name}-{}", sub.get_name()), pages)?;
    }
    Ok(())
}

/// Whether `path` is a regular file holding the page `name` as this command
/// writes it (clap_mangen's preamble, then the `.TH` line naming the page):
/// one written by an earlier run, which may be refreshed without --force.
fn is_own_page(path: &Path, name: &str) -> bool {
    use std::io::Read;
    let is_file = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file());
    let mut head = Vec::with_capacity(512);
    let read = std::fs::File::open(path).and_then(|f| f.take(512).read_to_end(&mut head));
    if !is_file || read.is_err() {
        return false;
    }
    let head = String::from_utf8_lossy(&head);
    let mut lines = head.lines();
    lines.next() == Some(r".ie \n(.g .ds Aq \(aq")
        && lines.next() == Some(".el .ds Aq '")
        && lines
            .next()
            .is_some_and(|th| th.starts_with(&format!(".TH {name} 1 ")))
}
