//! `usertype-audit populate`: the change file that stamps a source attribute
//! with the UserType the rules give each account (see `usertype_audit::plan::populate`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::output::{check_report_dir, InputFiles};
use super::{progress, rules::load_rule_source, ExitStatus, Global, OnPremArgs, ThreadsArgs};
use usertype_audit::plan::populate::{self, Action, PopulateSink};
use usertype_audit::read::input::Input;
use usertype_audit::read::{Projection, ReadControl};
use usertype_audit::report::{cap_value, terminal_safe};

/// Write the LDIF change file that stamps ATTR with the UserType the rules
/// give every account in scope (approach 1 of "Enable synchronization of
/// UserType": a designated attribute holding exactly Member or Guest, then a
/// Direct flow from it).
///
/// Writes to --out: changes.ldf (import with `ldifde -i -f changes.ldf`; only
/// accounts whose value differs), undo.ldf (restores every previous value,
/// `delete` where the attribute was absent), populate.csv (every account:
/// dn, old, new, action) and populate.ps1 (the same changes with Set-ADUser,
/// -WhatIf unless run with -Apply). An account that already holds a
/// different value is reported (action `kept`), not touched, unless
/// --overwrite; accounts whose rule raises an error or gives a value other
/// than Member or Guest are listed, never stamped. Nothing is applied: the
/// files are for you to review and import.
///
/// Exit status: 0 every account in scope is stamped or already right, 1 some
/// are only listed (kept, rule_error, invalid_value, no_value), 2 usage or
/// input error (including records that could not be read: they are in no file).
#[derive(Debug, Args)]
#[command(after_help = "\
Example:
  usertype-audit populate --attribute extensionAttribute1 --onprem export.ldf --rules rules.toml --out stamp")]
pub struct PopulateArgs {
    /// The on-premises exports.
    #[command(flatten)]
    pub input: OnPremArgs,
    /// The attribute to stamp, e.g. extensionAttribute1.
    #[arg(long, value_name = "ATTR")]
    pub attribute: String,
    /// The rule file that says what each account should be; its `[scope]`
    /// applies before --connect-config.
    #[arg(long, value_name = "FILE", required_unless_present = "connect_config")]
    pub rules: Option<String>,
    /// The Entra Connect configuration instead of (or with) the rule file:
    /// the Synchronization Rules Editor's Export (.ps1), a folder of them,
    /// and the Applied-SynchronizationPolicy-*.json file (OU filtering).
    #[arg(long, value_name = "PATH")]
    pub connect_config: Vec<String>,
    /// The folder for the four files, created when missing; a file there
    /// under one of their names that this tool did not write stops the run.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace a value that differs from the rules' (default: report it).
    #[arg(long)]
    pub overwrite: bool,
    /// Stop at the first bad record instead of reporting and skipping it.
    #[arg(long)]
    pub strict: bool,
    /// Worker threads.
    #[command(flatten)]
    pub threads: ThreadsArgs,
}

pub(super) fn run(args: &PopulateArgs, global: Global) -> anyhow::Result<ExitStatus> {
    populate::check_attribute(&args.attribute).map_err(anyhow::Error::msg)?;
    let inputs = InputFiles::new(
        args.input
            .onprem
            .iter()
            .chain(&args.rules)
            .chain(&args.connect_config)
            .map(String::as_str),
    );
    let names = [
        populate::CHANGES_NAME,
        populate::UNDO_NAME,
        populate::CSV_NAME,
        populate::SCRIPT_NAME,
    ];
    check_report_dir(
        &args.out,
        &names,
        &inputs,
        usertype_audit::plan::is_own_file,
    )?;
    let classifier = load_rule_source(args.rules.as_deref(), &args.connect_config, global.quiet)?;
    let rule_source: Vec<&str> = args
        .rules
        .iter()
        .chain(&args.connect_config)
        .map(String::as_str)
        .collect();
    let anchor = args.input.anchor();
    populate::check_unused(&args.attribute, &classifier, &anchor).map_err(anyhow::Error::msg)?;
    let projection = populate::projection(&classifier, &anchor, &args.attribute);
    let mut opts = args.input.onprem_options();
    opts.ldif.projection = Projection::attrs(projection.iter());
    opts.ldif.strict = args.strict;
    opts.ldif.validate_all = false;
    opts.csv.projection = Projection::attrs(projection.iter());
    opts.csv.strict = args.strict;
    let mut rows = Vec::new();
    let mut unread = 0u64;
    let mut not_accounts = 0u64;
    for file in &args.input.onprem {
        let input = Input::open(file).with_context(|| format!("cannot open {file}"))?;
        let bar = progress::bytes_bar(file, input.progress_total(), global.quiet);
        let tick = |done: u64| bar.set_position(done);
        let control = ReadControl {
            progress: Some(&tick),
            keep_per_kind: 5,
        };
        let mut sink = PopulateSink {
            classifier: &classifier,
            anchor: &anchor,
            attribute: &args.attribute,
            overwrite: args.overwrite,
            name: input.name.clone(),
            rows: Vec::new(),
            not_accounts: 0,
        };
        let read = usertype_audit::read::read_onprem(input, &opts, &control, &mut sink);
        bar.finish_and_clear();
        let (_, summary) = read?;
        unread += summary.stats.rejected;
        for d in &summary.diagnostics.kept {
            if !global.quiet {
                eprintln!("{}", terminal_safe(&cap_value(&d.to_string())));
            }
        }
        rows.append(&mut sink.rows);
        not_accounts += sink.not_accounts;
    }
    let written = populate::write_all(
        &rows,
        &args.attribute,
        &args.input.onprem,
        &rule_source.join(", "),
        &args.out,
    )
    .map_err(|e| anyhow::anyhow!("cannot write to {}: {e}", args.out.display()))?;
    let mut counts: BTreeMap<Action, u64> = BTreeMap::new();
    for r in &rows {
        *counts.entry(r.action).or_default() += 1;
    }
    let listed = [
        Action::Kept,
        Action::RuleError,
        Action::InvalidValue,
        Action::NoValue,
    ]
    .iter()
    .map(|a| counts.get(a).copied().unwrap_or(0))
    .sum::<u64>();
    if !global.quiet {
        let parts: Vec<String> = Action::ALL
            .iter()
            .map(|a| format!("{} {}", a.name(), counts.get(a).copied().unwrap_or(0)))
            .collect();
        println!(
            "populate {}: {} account(s): {}; {} entries are not user accounts; nothing \
             applied: review, then ldifde -i -f changes.ldf",
            args.attribute,
            rows.len(),
            parts.join(", "),
            not_accounts
        );
        for p in &written {
            println!("  wrote {}", p.display());
        }
    }
    if unread > 0 {
        anyhow::bail!(
            "{unread} record(s) could not be read (see the diagnostics above): they are in no \
             file, and an account left unstamped would sync without a UserType; fix or \
             re-export them and run populate again"
        );
    }
    Ok(if listed > 0 {
        ExitStatus::Problems
    } else {
        ExitStatus::Clean
    })
}
