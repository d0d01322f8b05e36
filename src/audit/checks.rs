//! The whole-export checks, once every account has been judged: accounts
//! sharing a source anchor, cloud users sharing an ImmutableId, and the
//! reconciliation of the cloud users no account matched (orphans).

use std::cmp::Reverse;

use rayon::prelude::*;

use crate::findings::{CloudTally, Finding, FindingId, Kind, Severity, SeverityFacts};
use crate::matcher::CloudIndex;
use crate::read::cloud::{self, CloudUser};

use super::cloud_side::{CloudFiles, CloudSide};
use super::onprem::Stubs;
use super::SortKey;

/// Runs the whole-export checks; adds their findings to `keyed` and returns
/// what became of the cloud users.
pub(super) fn whole_export(
    stubs: &[Stubs],
    index: &CloudIndex<'_>,
    cloud: &CloudSide,
    onprem_files: usize,
    keyed: &mut Vec<(SortKey, Finding)>,
) -> CloudTally {
    let users = &cloud.users;
    let mut matched = vec![false; users.len()];
    for s in stubs.iter().flat_map(|b| b.rows.iter()) {
        if let Some(h) = s.primary {
            if let Some(m) = matched.get_mut(h.user as usize) {
                *m = true;
            }
        }
    }
    duplicate_accounts(stubs, keyed);
    let duplicate_groups = index.duplicate_immutable_ids();
    // A cloud user that shares its ImmutableId with a matched one has an
    // account too (the duplicate finding says so): it is not an orphan.
    for group in &duplicate_groups {
        if group.iter().any(|&i| matched[i as usize]) {
            for &i in group {
                matched[i as usize] = true;
            }
        }
    }
    duplicate_cloud_users(index, &duplicate_groups, &cloud.files, onprem_files, keyed);
    reconcile(cloud, &matched, onprem_files, keyed)
}

/// Counts the cloud users by what became of them; a finding for each synced
/// user no account matched (an orphan), and for each unmatched user whose
/// sync state the export does not tell.
fn reconcile(
    cloud: &CloudSide,
    matched: &[bool],
    onprem_files: usize,
    keyed: &mut Vec<(SortKey, Finding)>,
) -> CloudTally {
    let users = &cloud.users;
    let mut cloud_tally = CloudTally {
        users: users.len() as u64,
        ..CloudTally::default()
    };
    // Without onPremisesSyncEnabled, an unmatched user with an ImmutableId
    // may be a synced orphan or a user sync no longer manages: say so.
    let sync_state_unknown = cloud
        .coverage
        .missing_verdict_properties()
        .iter()
        .any(|m| m.property == cloud::model::Property::OnPremisesSyncEnabled);
    for (i, u) in users.iter().enumerate() {
        if matched[i] {
            cloud_tally.matched += 1;
            continue;
        }
        match u.on_premises_sync_enabled {
            Some(true) => {
                cloud_tally.orphaned += 1;
                keyed.push(cloud_finding(
                    u,
                    i,
                    &cloud.files,
                    onprem_files,
                    Kind::OrphanedCloud,
                    Kind::OrphanedCloud.severity(SeverityFacts::default()),
                    format!(
                        "synced cloud user (last sync {}) whose ImmutableId {} matches no account \
                         of the export: deleted, moved out of the synced OUs, or from another \
                         forest",
                        u.on_premises_last_sync_date_time().unwrap_or("unknown"),
                        u.on_premises_immutable_id().unwrap_or("(none)")
                    ),
                ));
            }
            Some(false) => cloud_tally.unmatched_not_synced += 1,
            None if sync_state_unknown && u.on_premises_immutable_id().is_some() => {
                cloud_tally.cloud_only += 1;
                keyed.push(cloud_finding(
                    u,
                    i,
                    &cloud.files,
                    onprem_files,
                    Kind::CloudStateUnknown,
                    Kind::CloudStateUnknown.severity(SeverityFacts::default()),
                    format!(
                        "cloud user with ImmutableId {} that no account of the export matches; \
                         the export has no onPremisesSyncEnabled, so whether sync still manages \
                         it (an orphan) cannot be told; re-export with onPremisesSyncEnabled",
                        u.on_premises_immutable_id().unwrap_or("(none)")
                    ),
                ));
            }
            None => cloud_tally.cloud_only += 1,
        }
    }
    cloud_tally
}

/// `duplicate_anchor` for accounts that share a source anchor.
fn duplicate_accounts(stubs: &[Stubs], out: &mut Vec<(SortKey, Finding)>) {
    // Sort a hash of each anchor's match key (no string per account), then
    // confirm the rare equal hashes with the keys themselves.
    let mut hashed: Vec<(u64, u32, u32)> = stubs
        .par_iter()
        .enumerate()
        .flat_map_iter(|(b, batch)| {
            batch.rows.iter().enumerate().filter_map(move |(r, row)| {
                let mut buf = [0u8; 24];
                let a = row.anchor.as_ref()?;
                let key = crate::matcher::account_anchor_key(a, &mut buf);
                Some((anchor_hash(&key), b as u32, r as u32))
            })
        })
        .collect();
    hashed.par_sort_unstable();
    let mut keys: Vec<(String, usize, usize)> = Vec::new();
    for run in hashed.chunk_by(|a, b| a.0 == b.0) {
        if run.len() < 2 {
            continue;
        }
        for &(_, b, r) in run {
            if let Some(a) = &stubs[b as usize].rows[r as usize].anchor {
                keys.push((a.match_key(), b as usize, r as usize));
            }
        }
    }
    keys.sort_unstable();
    for group in keys.chunk_by(|a, b| a.0 == b.0) {
        if group.len() < 2 {
            continue;
        }
        let dns: Vec<&str> = group
            .iter()
            .map(|(_, b, r)| stubs[*b].text(stubs[*b].rows[*r].dn))
            .collect();
        for (i, (key, b, r)) in group.iter().enumerate() {
            let batch = &stubs[*b];
            let row = &batch.rows[*r];
            let others: Vec<&str> = dns
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, d)| *d)
                .collect();
            let dn = batch.text(row.dn);
            let finding = Finding {
                id: FindingId::account(Kind::DuplicateAnchor, Some(key), Some(dn)),
                kind: Kind::DuplicateAnchor,
                severity: Kind::DuplicateAnchor.severity(SeverityFacts::default()),
                dn: Some(dn.to_string()),
                upn: row.upn.map(|u| batch.text(u).to_string()),
                source_anchor: Some(key.clone()),
                cloud_id: None,
                cloud_upn: None,
                intended_user_type: None,
                cloud_user_type: None,
                matched_by: None,
                rule: None,
                source: Some(format!("{}:{}", batch.name, row.line)),
                detail: format!(
                    "{} accounts share this source anchor (also {}): Connect joins only one of \
                     them and reports the others",
                    group.len(),
                    others.join("; ")
                ),
                waiver: None,
            };
            let key = (
                Reverse(Kind::DuplicateAnchor.severity(SeverityFacts::default())),
                Kind::DuplicateAnchor,
                usize::from(batch.file),
                row.line,
                String::new(),
            );
            out.push((key, finding));
        }
    }
}

/// A 64-bit hash of an anchor's match key (FNV-1a; exact, case-sensitive).
fn anchor_hash(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// `duplicate_anchor` for cloud users that share an ImmutableId.
fn duplicate_cloud_users(
    index: &CloudIndex<'_>,
    groups: &[Vec<u32>],
    files: &CloudFiles,
    onprem_files: usize,
    out: &mut Vec<(SortKey, Finding)>,
) {
    let users = index.users();
    for group in groups {
        let ids: Vec<&str> = group.iter().map(|&i| users[i as usize].id()).collect();
        for &i in group {
            let u = &users[i as usize];
            let others: Vec<&str> = ids.iter().copied().filter(|id| *id != u.id()).collect();
            out.push(cloud_finding(
                u,
                i as usize,
                files,
                onprem_files,
                Kind::DuplicateAnchor,
                Kind::DuplicateAnchor.severity(SeverityFacts::default()),
                format!(
                    "{} cloud users share onPremisesImmutableId {} (also {}): sync can join \
                     only one of them",
                    group.len(),
                    u.on_premises_immutable_id().unwrap_or(""),
                    others.join(", ")
                ),
            ));
        }
    }
}

fn cloud_finding(
    u: &CloudUser,
    i: usize,
    files: &CloudFiles,
    onprem_files: usize,
    kind: Kind,
    severity: Severity,
    detail: String,
) -> (SortKey, Finding) {
    let finding = Finding {
        id: FindingId::cloud(kind, u.id()),
        kind,
        severity,
        dn: u.on_premises_distinguished_name().map(str::to_string),
        upn: u.on_premises_user_principal_name().map(str::to_string),
        source_anchor: u.on_premises_immutable_id().map(str::to_string),
        cloud_id: Some(u.id().to_string()),
        cloud_upn: u.user_principal_name().map(str::to_string),
        intended_user_type: None,
        cloud_user_type: u.user_type.as_ref().map(|t| t.as_str().to_string()),
        matched_by: None,
        rule: None,
        source: Some(files.source(i, u.source.line)),
        detail,
        waiver: None,
    };
    let key = (
        Reverse(severity),
        kind,
        onprem_files + files.file_no(i),
        u.source.line,
        u.id().to_string(),
    );
    (key, finding)
}
