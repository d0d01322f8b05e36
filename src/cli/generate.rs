//! `usertype-audit generate`: a deterministic synthetic forest.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::{ExitStatus, Global};
use crate::generate::{generate, GenerateOptions};

/// Write a deterministic synthetic AD forest, the same accounts three ways:
/// `onprem.ldf` as Windows `ldifde` writes it (about 2 KB per account),
/// `onprem.csv` as `csvde` writes it, and `onprem-ps.csv` as
/// `Get-ADUser -Properties * | Export-Csv -NoTypeInformation` writes it;
/// and the cloud side: `graph-users.json` (Graph REST pages, one per line),
/// `graph-users-array.json` (`Get-MgUser | ConvertTo-Json`) and
/// `graph-users.csv` (admin-center download), with cloud-only users and
/// planted disagreements. The same `--users` and `--seed` always give
/// byte-identical files.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of user accounts.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub users: u64,
    /// Seed of the pseudo-random generator.
    #[arg(long, default_value_t = 1, value_name = "S")]
    pub seed: u64,
    /// Output folder (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub(super) fn run(args: &GenerateArgs, global: Global) -> anyhow::Result<ExitStatus> {
    let opts = GenerateOptions {
        users: args.users,
        seed: args.seed,
        ..GenerateOptions::default()
    };
    let summary = generate(&opts, &args.out)
        .with_context(|| format!("cannot write the forest into {}", args.out.display()))?;
    if !global.quiet {
        for (path, bytes) in &summary.files {
            println!("{}  {} bytes", path.display(), bytes);
        }
        println!(
            "{} users ({} partners), {} other objects",
            summary.users, summary.partners, summary.non_user_objects
        );
    }
    Ok(ExitStatus::Clean)
}
