//! Options that several subcommands take, each defined once and flattened
//! into the subcommands where it acts (`--threads` where inputs are read in
//! parallel, `--color` where something is coloured).

use std::io::IsTerminal;

use clap::{Args, ValueEnum};

/// The largest `--threads` accepted. Every stage is bounded by two or three
/// passes over memory-mapped input, so more threads than cores never help, and
/// each thread costs start-up time and a stack (10,000 took 30 s on a 60 KB
/// file); 256 covers the largest servers.
pub const MAX_THREADS: u16 = 256;

/// `--threads`, on the subcommands that read in parallel.
#[derive(Debug, Default, Args)]
pub struct ThreadsArgs {
    /// Worker threads, 1 to 256 (default: one per core). More threads than
    /// cores only add start-up time; the outputs are the same whatever the count.
    #[arg(long, value_name = "N", value_parser = threads_parser())]
    pub threads: Option<u16>,
}

/// The parser of `--threads` (also used by the hidden spelling before the subcommand).
pub fn threads_parser() -> clap::builder::RangedI64ValueParser<u16> {
    clap::value_parser!(u16).range(1..=i64::from(MAX_THREADS))
}

/// Sets the size of the global thread pool, once, before any work.
pub fn start_threads(threads: Option<u16>) -> anyhow::Result<()> {
    if let Some(n) = threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(usize::from(n))
            .build_global()
            .map_err(|e| anyhow::anyhow!("cannot start {n} threads: {e}"))?;
    }
    Ok(())
}

/// `--color`, on the subcommands whose terminal output has colour.
#[derive(Debug, Default, Args)]
pub struct ColorArgs {
    /// When to colour the terminal output: auto (when standard output is a
    /// terminal, TERM is not dumb and NO_COLOR is not set), always, never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// `--color` values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal, unless TERM is dumb or NO_COLOR is set to a non-empty value.
    #[default]
    Auto,
    /// Always colour, even into a pipe or with NO_COLOR set.
    Always,
    /// Never colour.
    Never,
}

impl ColorArgs {
    /// Whether standard output gets colour.
    pub fn stdout_colored(&self) -> bool {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        // A terminal that declares itself dumb takes no escape sequences (as
        // ripgrep and other tools treat TERM=dumb).
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        wants_color(
            self.color,
            std::io::stdout().is_terminal() && !dumb,
            no_color,
        )
    }
}

/// The decision, apart from the environment: an explicit choice wins over
/// NO_COLOR (no-color.org: a command-line flag may override it).
fn wants_color(choice: ColorChoice, terminal: bool, no_color: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && !no_color,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn color_choice() {
        assert!(wants_color(ColorChoice::Auto, true, false));
        assert!(!wants_color(ColorChoice::Auto, true, true));
        assert!(!wants_color(ColorChoice::Auto, false, false));
        assert!(wants_color(ColorChoice::Always, false, true));
        assert!(!wants_color(ColorChoice::Never, true, false));
    }
}
