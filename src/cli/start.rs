//! What `usertype-audit` with no subcommand prints: the three commands a new
//! user runs, on standard error, with exit status 2 (no subcommand is a usage
//! error, as clap treats it; a script that forgot one must not see success).

use std::io::Write;

/// The "start here" text; also the end of the top-level `--help`.
pub const START_HERE: &str = "\
Start here:
  usertype-audit init rules.toml              # a commented rule file: say who is a partner
  usertype-audit rules check rules.toml       # check it
  usertype-audit audit --onprem export.ldf --cloud graph-users.json --rules rules.toml --out report
                                              # the audit: open report/report.html

Getting the exports: see the README (ldifde, csvde, Get-ADUser, Graph $select, Get-MgUser).
Every subcommand explains itself: usertype-audit help audit";

/// Appended to the top-level help.
pub const AFTER_HELP: &str = START_HERE;

/// Prints [`START_HERE`] on standard error.
pub fn print_start_here() -> std::io::Result<()> {
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "usertype-audit: offline audit of Entra Connect UserType sync; no subcommand given.\n"
    )?;
    writeln!(err, "{START_HERE}")
}
