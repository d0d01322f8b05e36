//! The `usertype-audit` command. The audit lives in the library; the command
//! line (`cli/`: arguments, help, what goes to the terminal) belongs to the
//! binary, so the library does not depend on clap.

mod cli;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use cli::Cli;
use usertype_audit::report::terminal_safe_lines;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli::run(cli) {
        Ok(status) => status.into(),
        Err(err) => {
            // A closed pipe (`usertype-audit scan --dump jsonl x | head`) is not an error.
            if err
                .chain()
                .filter_map(|e| e.downcast_ref::<std::io::Error>())
                .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            let mut stderr = std::io::stderr().lock();
            // Messages can quote inputs: nothing raw reaches the terminal.
            let _ = writeln!(
                stderr,
                "usertype-audit: error: {}",
                terminal_safe_lines(&err.to_string())
            );
            for cause in err.chain().skip(1) {
                let _ = writeln!(
                    stderr,
                    "  caused by: {}",
                    terminal_safe_lines(&cause.to_string())
                );
            }
            cli::ExitStatus::from_error(&err).into()
        }
    }
}
