//! The cloud side of an audit: every Graph export read, checked for the
//! properties the audit needs, and gathered into one list of users.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::findings::{reason_code, InputFile, Reason};
use crate::read::cloud::{self, CloudUser};
use crate::read::input::Input;
use crate::read::InputSource;

use super::{reasons, AuditOptions, Progress, RunLog};

/// Where a cloud user came from.
pub(super) struct CloudFiles {
    /// (first user index, file name), ascending.
    pub(super) starts: Vec<(usize, Arc<str>)>,
}

impl CloudFiles {
    /// `file:line` of user `user`.
    pub(super) fn source(&self, user: usize, line: u64) -> String {
        let i = self.starts.partition_point(|(start, _)| *start <= user);
        let name = i
            .checked_sub(1)
            .and_then(|i| self.starts.get(i))
            .map_or("?", |(_, n)| n.as_ref());
        format!("{name}:{line}")
    }

    /// The number of the file user `user` came from (counting from 1).
    pub(super) fn file_no(&self, user: usize) -> usize {
        self.starts.partition_point(|(start, _)| *start <= user)
    }
}

/// The cloud users of every export.
pub(super) struct CloudSide {
    pub(super) users: Vec<CloudUser>,
    pub(super) files: CloudFiles,
    pub(super) coverage: cloud::CloudCoverage,
    pub(super) has_immutable_ids: bool,
}

/// Reads the cloud exports in order; a user given in two exports is kept once.
pub(super) fn read(
    sources: &[InputSource],
    inputs: Vec<Input>,
    opts: &AuditOptions,
    progress: &dyn Progress,
    log: &mut RunLog,
) -> Result<CloudSide> {
    let mut users: Vec<CloudUser> = Vec::new();
    let mut files = CloudFiles { starts: Vec::new() };
    let mut coverage = cloud::CloudCoverage::default();
    for (source, input) in sources.iter().zip(inputs) {
        let path = source.name();
        progress.begin(path, input.progress_total());
        let tick = |done: u64| progress.update(done);
        let read = cloud::read_input_with_progress(input, &opts.cloud, &tick);
        progress.end();
        let read = read?;
        let s = &read.summary;
        log.absorb(&s.diagnostics);
        reasons::unreadable(
            path,
            &s.diagnostics,
            read.users.len() as u64,
            "users",
            &mut log.reasons,
        );
        coverage_gaps(path, &s.coverage, opts.allow_partial_cloud, log)?;
        log.input_files.push(InputFile {
            role: "cloud",
            path: path.to_string(),
            format: read.format.name().to_string(),
            bytes: s.bytes,
            blake3: None,
        });
        files.starts.push((users.len(), s.file.clone()));
        coverage.push(s.file.clone(), s.coverage.clone());
        users.extend(read.users);
    }
    let repeats = cloud::remove_repeated_users(&mut users, &mut files.starts, &opts.cloud)?;
    log.absorb(&repeats);
    let has_immutable_ids = users.iter().any(|u| u.on_premises_immutable_id().is_some());
    Ok(CloudSide {
        users,
        files,
        coverage,
        has_immutable_ids,
    })
}

/// The properties one export lacks: the audit stops when the verdict depends
/// on one (unless a partial audit was asked for); otherwise each missing
/// property is a reason (the verdict is incomplete) or a limitation.
fn coverage_gaps(
    path: &str,
    coverage: &cloud::coverage::Coverage,
    allow_partial_cloud: bool,
    log: &mut RunLog,
) -> Result<()> {
    if coverage.gaps.is_empty() {
        return Ok(());
    }
    let blocking = coverage.blocking().count() > 0;
    if blocking && !allow_partial_cloud {
        return Err(Error::Format(format!(
            "{path}: the cloud export cannot support the audit.\n{}\
             Or audit anyway with --allow-partial-cloud (the verdict is then \
             `incomplete`, and accounts whose answer needs a missing property get \
             findings of their own).",
            cloud::remedy(coverage)
        )));
    }
    let next_step = format!(
        "export the users again with every property the audit reads: {}",
        cloud::coverage::graph_request()
    );
    for g in &coverage.gaps {
        let (code, list) = if g.blocking {
            (reason_code::CLOUD_PROPERTY_MISSING, &mut log.reasons)
        } else {
            (reason_code::CLOUD_PROPERTY_LIMITED, &mut log.limitations)
        };
        list.push(Reason {
            code: code.into(),
            file: Some(path.to_string()),
            line: None,
            column: None,
            detail: g.message(),
            next_step: next_step.clone(),
        });
    }
    Ok(())
}
