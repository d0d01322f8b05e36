//! `usertype-audit rules check` and loading a rule file for the other commands.

use std::io::Write;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::{ExitStatus, Global};
use usertype_audit::classify::config::{self, Flow};
use usertype_audit::classify::Classifier;

/// Check a rule file.
#[derive(Debug, Args)]
#[command(after_help = "\
Example:
  usertype-audit rules check rules.toml")]
pub struct RulesArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: RulesCommand,
}

/// `rules` subcommands.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Parse, type-check and lint a rule file: every problem with its
    /// line and column (and a caret under the expression). Exit 1 on errors;
    /// warnings alone exit 0.
    #[command(after_help = "\
Example:
  usertype-audit rules check rules.toml")]
    Check {
        /// The rule file (TOML).
        #[arg(value_name = "FILE", required_unless_present = "connect_config")]
        file: Option<String>,
        /// Check an Entra Connect configuration instead (or as well): the
        /// Rules Editor's Export (.ps1), a folder of them, the
        /// Applied-SynchronizationPolicy-*.json file.
        #[arg(long, value_name = "PATH")]
        connect_config: Vec<String>,
    },
}

pub(super) fn run(args: &RulesArgs, global: Global) -> anyhow::Result<ExitStatus> {
    match &args.command {
        RulesCommand::Check {
            file,
            connect_config,
        } => {
            let connect_status = if connect_config.is_empty() {
                ExitStatus::Clean
            } else {
                check_connect(connect_config, global)?
            };
            let Some(file) = file else {
                return Ok(connect_status);
            };
            let text = read_rule_file(file)?;
            let loaded = config::load(&text);
            let mut err = std::io::stderr().lock();
            for p in &loaded.problems {
                writeln!(err, "{file}:{p}")?;
                // An attribute's right name is in the message already.
                if let Some(fix) = p.fix.as_ref().filter(|_| p.code != "unknown-attribute") {
                    writeln!(err, "  corrected: {fix}")?;
                }
            }
            let errors = loaded.problems.iter().filter(|p| p.is_error).count();
            let warnings = loaded.problems.len() - errors;
            match &loaded.rules {
                Some(rules) if !global.quiet => {
                    let what = match &rules.flow {
                        Flow::Direct(a) => format!("Direct flow from {a}"),
                        Flow::Expression { .. } => "an Entra Connect expression".to_string(),
                        Flow::Rules { rules, .. } => format!("{} simple rules", rules.len()),
                    };
                    let scope = if rules.scope.out_of_box {
                        "with"
                    } else {
                        "without"
                    };
                    writeln!(
                        std::io::stdout(),
                        "{file}: OK: {what}, {scope} the out-of-box scope filters; \
                         {warnings} warning(s)"
                    )?;
                }
                _ => {}
            }
            Ok(if errors > 0 {
                ExitStatus::Problems
            } else {
                connect_status
            })
        }
    }
}

/// `rules check --connect-config`: every reading problem and configuration
/// check, by file and line; exit 1 on errors.
fn check_connect(paths: &[String], global: Global) -> anyhow::Result<ExitStatus> {
    use usertype_audit::classify::connect;
    let cfg = connect::load(paths).map_err(|e| anyhow::anyhow!(e))?;
    let mut problems = cfg.diagnostics.clone();
    problems.extend(connect::check::check(&cfg.rules));
    problems.sort_by(|a, b| {
        (&a.at.file, a.at.line, a.at.column).cmp(&(&b.at.file, b.at.line, b.at.column))
    });
    let mut err = std::io::stderr().lock();
    for p in &problems {
        writeln!(err, "{p}")?;
    }
    let errors = problems.iter().filter(|p| p.is_error).count();
    if !global.quiet {
        let enabled = cfg.rules.iter().filter(|r| !r.disabled).count();
        writeln!(
            std::io::stdout(),
            "{}: {} synchronization rules ({enabled} enabled){}; {errors} error(s), {} warning(s)",
            paths.join(", "),
            cfg.rules.len(),
            if cfg.policy.is_some() {
                ", with OU filtering"
            } else {
                ""
            },
            problems.len() - errors
        )?;
    }
    Ok(if errors > 0 {
        ExitStatus::Problems
    } else {
        ExitStatus::Clean
    })
}

fn read_rule_file(path: &str) -> anyhow::Result<String> {
    let bytes = if path == "-" {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut v)?;
        v
    } else {
        std::fs::read(path).with_context(|| format!("cannot read the rule file {path}"))?
    };
    String::from_utf8(bytes).with_context(|| format!("{path}: the rule file is not UTF-8"))
}

/// Loads a rule file for `classify`, `explain` and `audit`: warnings go to
/// standard error (unless quiet), errors end the run with all of them listed.
pub(super) fn load_classifier(path: &str, quiet: bool) -> anyhow::Result<Classifier> {
    let text = read_rule_file(path)?;
    let loaded = config::load(&text);
    let mut err = std::io::stderr().lock();
    for p in &loaded.problems {
        if p.is_error || !quiet {
            writeln!(err, "{path}:{p}")?;
        }
    }
    let Some(rules) = loaded.rules else {
        anyhow::bail!(
            "{path}: the rule file has errors (see above); `usertype-audit rules check {path}` \
             lists them"
        );
    };
    Classifier::new(rules).map_err(|e| anyhow::anyhow!(e))
}

/// Loads the rule source of `classify`, `explain` and `audit`: a rule file,
/// an Entra Connect configuration (`--connect-config`), or both (the rule
/// file's `[scope]` first, then the configuration's rules).
pub(super) fn load_rule_source(
    rules: Option<&str>,
    connect: &[String],
    quiet: bool,
) -> anyhow::Result<Classifier> {
    if connect.is_empty() {
        let Some(path) = rules else {
            anyhow::bail!("give a rule file (--rules FILE) or an Entra Connect configuration (--connect-config PATH)");
        };
        return load_classifier(path, quiet);
    }
    let (sim, warnings) =
        usertype_audit::classify::connect::simulation(connect).map_err(|e| anyhow::anyhow!(e))?;
    if !quiet {
        let mut err = std::io::stderr().lock();
        for w in &warnings {
            writeln!(err, "{w}")?;
        }
    }
    match rules {
        Some(path) => load_classifier(path, quiet)?.with_connect(sim),
        None => Classifier::from_connect(sim),
    }
    .map_err(|e| anyhow::anyhow!(e))
}
