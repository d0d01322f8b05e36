//! `usertype-audit generate`: a deterministic synthetic forest.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::{output, ExitStatus, Global};
use usertype_audit::generate::{self, generate, GenerateOptions, MAX_USERS};
use usertype_audit::report::human_bytes;

/// Write a deterministic synthetic forest (for demos, tests and benchmarks).
///
/// The same AD accounts three ways:
/// `onprem.ldf` as Windows `ldifde` writes it (about 2 KB per account),
/// `onprem.csv` as `csvde` writes it, and `onprem-ps.csv` as
/// `Get-ADUser -Properties * | Export-Csv -NoTypeInformation` writes it;
/// and the cloud side: `graph-users.json` (Graph REST pages, one per line),
/// `graph-users-array.json` (`Get-MgUser | ConvertTo-Json`) and
/// `graph-users.csv` (admin-center download), with cloud-only users and
/// planted disagreements. The same `--users` and `--seed` always give
/// byte-identical files.
///
/// All files together take about 10 KB per user; the free space of --out is
/// checked first. A folder that already holds any of these files is refused
/// unless --force is given.
#[derive(Debug, Args)]
#[command(after_help = "\
Example:
  usertype-audit generate --users 20000 --seed 7 --out /tmp/forest")]
pub struct GenerateArgs {
    /// Number of user accounts, at most 10,000,000 (about 100 GB of files).
    #[arg(long, default_value_t = 1000, value_name = "N",
          value_parser = clap::value_parser!(u64).range(0..=MAX_USERS))]
    pub users: u64,
    /// Seed of the pseudo-random generator.
    #[arg(long, default_value_t = 1, value_name = "S")]
    pub seed: u64,
    /// Output folder (created if missing). Its free space is checked first;
    /// a folder that already holds these files is refused without --force.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace the files of an earlier forest in --out.
    #[arg(long)]
    pub force: bool,
}

pub(super) fn run(args: &GenerateArgs, global: Global) -> anyhow::Result<ExitStatus> {
    let opts = GenerateOptions {
        users: args.users,
        seed: args.seed,
        ..GenerateOptions::default()
    };
    let out = &args.out;
    output::refuse_dash_folder(out)?;
    anyhow::ensure!(
        !out.exists() || out.is_dir(),
        "--out {} is a file, not a folder; give a folder (it is created when missing)",
        out.display()
    );
    let existing = generate::existing_files(out);
    if !existing.is_empty() {
        let names: Vec<String> = existing.iter().map(|p| p.display().to_string()).collect();
        anyhow::ensure!(
            args.force,
            "--out {} already holds {}; give --force to replace them, or another folder",
            out.display(),
            names.join(", ")
        );
        // Removed rather than overwritten: a link is never written through.
        for path in &existing {
            std::fs::remove_file(path)
                .with_context(|| format!("cannot replace {}", path.display()))?;
        }
    }
    let needed = generate::estimated_bytes(args.users);
    if let Some(free) = output::available_space(out) {
        anyhow::ensure!(
            needed <= free,
            "{} users need about {} and {} has {} free; give fewer --users or another folder",
            args.users,
            human_bytes(needed),
            out.display(),
            human_bytes(free)
        );
    }
    let summary = generate(&opts, out)
        .with_context(|| format!("cannot write the forest into {}", out.display()))?;
    if !global.quiet {
        // `?`, not println!: a closed pipe ends the run quietly, not in a panic.
        let mut stdout = std::io::stdout().lock();
        for (path, bytes) in &summary.files {
            writeln!(stdout, "{}  {} bytes", path.display(), bytes)?;
        }
        writeln!(
            stdout,
            "{} users ({} partners), {} other objects",
            summary.users, summary.partners, summary.non_user_objects
        )?;
    }
    Ok(ExitStatus::Clean)
}
