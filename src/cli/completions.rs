//! `usertype-audit completions SHELL`: a shell completion script on standard output.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{Cli, ExitStatus};

/// Print a shell completion script (bash, zsh, fish, powershell, elvish).
///
/// The script goes to standard output; install it where the shell looks for
/// completions.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  usertype-audit completions bash > ~/.local/share/bash-completion/completions/usertype-audit
  usertype-audit completions zsh > ~/.zfunc/_usertype-audit     # with fpath+=~/.zfunc
  usertype-audit completions fish > ~/.config/fish/completions/usertype-audit.fish
  usertype-audit completions powershell >> $PROFILE")]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}

pub(super) fn run(args: &CompletionsArgs) -> anyhow::Result<ExitStatus> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "usertype-audit", &mut out);
    std::io::Write::write_all(&mut std::io::stdout().lock(), &out)?;
    Ok(ExitStatus::Clean)
}
