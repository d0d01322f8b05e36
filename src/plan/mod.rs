//! Remediation plans: files a person reviews and applies, never the tool.
//!
//! `audit --plan` writes `plan/` inside the report folder: the cloud
//! `userType` corrections ([`cloud`]) as Microsoft Graph JSON batches, their
//! undo and a Microsoft Graph PowerShell script; the B2B conversion
//! readiness and invitations ([`b2b`]); and `PLAN.md` ([`markdown`]), the
//! order of operations for this tenant. `populate` ([`populate`]) writes the
//! LDIF change file that stamps a source attribute from the rules.
//!
//! Every file is written as a set, the way reports are: to temporary files
//! first, renamed over the targets only when all are complete, and a file
//! under a plan's name that this tool did not write is never replaced.

pub mod b2b;
pub mod cloud;
pub mod escape;
pub mod markdown;
pub mod populate;

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::audit::Audit;

/// The plan's folder inside the report folder.
pub const DIR: &str = "plan";

/// The plan's files, relative to the report folder.
pub const FILE_NAMES: [&str; 7] = [
    "plan/cloud-usertype.batch.jsonl",
    "plan/undo/cloud-usertype.batch.jsonl",
    "plan/cloud-usertype.ps1",
    "plan/b2b-readiness.csv",
    "plan/b2b-invitations.batch.jsonl",
    "plan/b2b-invitations.ps1",
    "plan/PLAN.md",
];

/// How to write a plan.
#[derive(Clone, Debug)]
pub struct PlanOptions {
    /// The tenant's domains from `--domains`; `None`: inferred.
    pub domains: Option<b2b::TenantDomains>,
    /// How invitations are sent.
    pub invite: b2b::InviteOptions,
}

/// What a plan holds, for the terminal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanOutcome {
    /// The files written, in [`FILE_NAMES`] order.
    pub written: Vec<PathBuf>,
    /// Cloud users whose `userType` the plan sets.
    pub cloud_changes: usize,
    /// B2B candidates, and how many are ready.
    pub candidates: usize,
    /// Ready B2B candidates.
    pub ready: usize,
    /// Where the tenant's domains came from.
    pub domains_source: &'static str,
}

/// Writes `out_dir/plan/` for `audit` (run with
/// [`crate::audit::AuditOptions::keep_plan_data`]).
pub fn write_plan(audit: &Audit, opts: &PlanOptions, out_dir: &Path) -> io::Result<PlanOutcome> {
    let empty = crate::audit::guests::PlanData::default();
    let data = audit.plan_data.as_ref().unwrap_or(&empty);
    let domains = opts
        .domains
        .clone()
        .unwrap_or_else(|| b2b::TenantDomains::inferred(data));
    let cloud_plan = cloud::CloudPlan::from_findings(&audit.findings);
    let candidates = b2b::assess(data, &domains);
    let plan_md = markdown::write_plan_md(&markdown::PlanInputs {
        summary: &audit.summary,
        findings: &audit.findings,
        cloud: &cloud_plan,
        candidates: &candidates,
        domains: &domains,
    });
    let changes = &cloud_plan.changes;
    let files: [Render<'_>; 7] = [
        Box::new(|| cloud::write_batch(changes, false).into_bytes()),
        Box::new(|| cloud::write_batch(changes, true).into_bytes()),
        Box::new(|| cloud::write_script(&cloud_plan, &audit.summary).into_bytes()),
        Box::new(|| b2b::write_csv(&candidates, &domains)),
        Box::new(|| b2b::write_batch(&candidates, &opts.invite).into_bytes()),
        Box::new(|| b2b::write_script(&candidates, &opts.invite, &audit.summary).into_bytes()),
        Box::new(|| plan_md.as_bytes().to_vec()),
    ];
    let jobs: Vec<(PathBuf, Render<'_>)> = FILE_NAMES
        .iter()
        .zip(files)
        .map(|(name, render)| (out_dir.join(name), render))
        .collect();
    let written = write_files(&jobs)?;
    Ok(PlanOutcome {
        written,
        cloud_changes: cloud_plan.changes.len(),
        candidates: candidates.len(),
        ready: candidates.iter().filter(|c| c.ready()).count(),
        domains_source: domains.source,
    })
}

/// The plan's lines for the terminal: what it holds and the files written.
pub fn outcome_line(p: &PlanOutcome) -> String {
    let domains = match p.domains_source {
        "domains-file" => "tenant domains from --domains",
        _ => "tenant domains inferred from the UPN suffixes of the tenant's users",
    };
    let mut out = format!(
        "plan: {} cloud userType change(s); B2B conversion: {} of {} candidate(s) ready \
         ({domains}); nothing applied: review plan/PLAN.md",
        p.cloud_changes, p.ready, p.candidates
    );
    for w in &p.written {
        out.push_str(&format!("\n  wrote {}", w.display()));
    }
    out
}

/// Removes the plan of an earlier run from `out_dir` (a run without
/// `--plan` must not leave one that no longer matches the reports): only
/// files [`is_own_file`] recognises and `keep` does not (an input), then
/// the folders if empty. Returns the files removed.
pub fn remove_stale(out_dir: &Path, keep: impl Fn(&Path) -> bool) -> io::Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for name in FILE_NAMES {
        let path = out_dir.join(name);
        if !is_own_file(&path) || keep(&path) {
            continue;
        }
        fs::remove_file(&path).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "{}: {e}; it is an earlier run's plan: remove it by hand so that the \
                     folder holds one run",
                    path.display()
                ),
            )
        })?;
        removed.push(path);
    }
    // Only empty folders go; anything else in them stays.
    let _ = fs::remove_dir(out_dir.join(DIR).join("undo"));
    let _ = fs::remove_dir(out_dir.join(DIR));
    Ok(removed)
}

/// Checks, before any input is read, that `plan/` and `plan/undo/` in
/// `out_dir` are folders (or missing), not files or links.
pub fn check_dirs(out_dir: &Path) -> io::Result<()> {
    for dir in [out_dir.join(DIR), out_dir.join(DIR).join("undo")] {
        match fs::symlink_metadata(&dir) {
            Ok(m) if !m.is_dir() => {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!(
                        "{} is not a folder (a file or a link); the plan goes there: move it \
                         or give another --out folder",
                        dir.display()
                    ),
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

/// What renders one file's bytes (called when its turn comes, so that only
/// one file of a set is in memory at a time).
pub type Render<'a> = Box<dyn Fn() -> Vec<u8> + 'a>;

/// Writes `jobs` as one set: each to a hidden temporary file beside its
/// target, then, when all are on disk, renamed over the targets. A target
/// that exists and is not the tool's own ([`is_own_file`]), or a folder on
/// the way that is a link, stops the run before anything is written.
pub fn write_files(jobs: &[(PathBuf, Render<'_>)]) -> io::Result<Vec<PathBuf>> {
    for (target, _) in jobs {
        if let Some(dir) = target.parent() {
            ensure_real_dir(dir)?;
        }
        if fs::symlink_metadata(target).is_ok() && !is_own_file(target) {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "{} exists and is not a file this tool wrote; it is never replaced: \
                     move it or give another folder",
                    target.display()
                ),
            ));
        }
    }
    let mut temps: Vec<PathBuf> = Vec::with_capacity(jobs.len());
    for (target, render) in jobs {
        match write_temp(target, &render()) {
            Ok(tmp) => temps.push(tmp),
            Err(e) => {
                for t in &temps {
                    let _ = fs::remove_file(t);
                }
                return Err(e);
            }
        }
    }
    let mut written = Vec::with_capacity(jobs.len());
    for (i, ((target, _), tmp)) in jobs.iter().zip(&temps).enumerate() {
        if let Err(e) = fs::rename(tmp, target) {
            for rest in &temps[i..] {
                let _ = fs::remove_file(rest);
            }
            return Err(io::Error::new(
                e.kind(),
                format!("{}: {e}", target.display()),
            ));
        }
        written.push(target.clone());
    }
    Ok(written)
}

/// Creates `dir` (and its parents) when missing; refuses a link or a file
/// where it should be, so that nothing is written through a link.
fn ensure_real_dir(dir: &Path) -> io::Result<()> {
    match fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "{} is not a folder (a file or a link); the plan goes there: move it or \
                 give another folder",
                dir.display()
            ),
        )),
        Err(e) if e.kind() == io::ErrorKind::NotFound => fs::create_dir_all(dir)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dir.display()))),
        Err(e) => Err(io::Error::new(e.kind(), format!("{}: {e}", dir.display()))),
    }
}

fn write_temp(target: &Path, bytes: &[u8]) -> io::Result<PathBuf> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = target.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let with_path = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", target.display()));
    let open = || OpenOptions::new().write(true).create_new(true).open(&tmp);
    let mut file = match open() {
        Ok(f) => f,
        // A leftover of a crashed run with the same pid: the name is ours.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            fs::remove_file(&tmp).map_err(with_path)?;
            open().map_err(with_path)?
        }
        Err(e) => return Err(with_path(e)),
    };
    let result = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(with_path(e));
    }
    Ok(tmp)
}

/// Whether the regular file at `path`, named like a file of a plan or of
/// `populate`, starts the way this tool writes it. Only such a file is ever
/// replaced; a link, or someone else's file that bears the name, is not.
pub fn is_own_file(path: &Path) -> bool {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return false;
    };
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let mut head = Vec::with_capacity(256);
    if !meta.is_file()
        || File::open(path)
            .and_then(|f| f.take(256).read_to_end(&mut head))
            .is_err()
    {
        return false;
    }
    let head = String::from_utf8_lossy(&head);
    if name.ends_with(".batch.jsonl") {
        return head.is_empty() || head.starts_with("{\"requests\":[");
    }
    match name {
        "cloud-usertype.ps1" | "b2b-invitations.ps1" | populate::SCRIPT_NAME => {
            head.starts_with(cloud::SCRIPT_MARK)
        }
        "b2b-readiness.csv" => head.starts_with("dn,cloud_id,"),
        "PLAN.md" => head.starts_with(markdown::TITLE),
        populate::CSV_NAME => head.starts_with(populate::CSV_HEADER),
        populate::CHANGES_NAME | populate::UNDO_NAME => head.starts_with(populate::LDIF_MARK),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn someone_elses_file_is_never_replaced() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("plan").join("PLAN.md");
        fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        fs::write(&target, "my notes\n").expect("write");
        let jobs: [(PathBuf, Render<'_>); 1] = [(
            target.clone(),
            Box::new(|| b"# Remediation plan: UserType sync\n".to_vec()),
        )];
        assert!(write_files(&jobs).is_err());
        assert_eq!(fs::read_to_string(&target).expect("read"), "my notes\n");
        fs::write(&target, "# Remediation plan: UserType sync\nold\n").expect("write");
        write_files(&jobs).expect("own file replaced");
        assert_eq!(
            fs::read_to_string(&target).expect("read"),
            "# Remediation plan: UserType sync\n"
        );
    }

    #[test]
    fn a_linked_folder_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let elsewhere = dir.path().join("elsewhere");
        fs::create_dir(&elsewhere).expect("mkdir");
        std::os::unix::fs::symlink(&elsewhere, dir.path().join("plan")).expect("link");
        let jobs: [(PathBuf, Render<'_>); 1] =
            [(dir.path().join("plan/PLAN.md"), Box::new(|| b"x".to_vec()))];
        assert!(write_files(&jobs).is_err());
        assert!(fs::read_dir(&elsewhere).expect("read").next().is_none());
    }
}
