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
    if args.shell == Shell::Bash {
        out = fix_bash_states(&out);
    }
    std::io::Write::write_all(&mut std::io::stdout().lock(), &out)?;
    Ok(ExitStatus::Clean)
}

/// clap_complete's bash script, for a binary name with a hyphen, names a
/// subcommand's state `usertype__audit__subcmd__scan` where it is set and
/// `usertype__subcmd__audit__subcmd__scan` where it is matched, so no
/// subcommand option ever completes (clap-rs/clap issue 6421). The match
/// arms are respelled the way the state is set.
fn fix_bash_states(script: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(script)
        .replace("usertype__subcmd__audit", "usertype__audit")
        .into_bytes()
}
