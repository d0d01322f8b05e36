//! The same cloud user read twice: from two exports that overlap (two
//! downloads of one tenant, a page saved in both) or from one export that
//! holds a page twice. Graph ids are unique in a tenant, so a repeat is the
//! same user: the first is kept and each repeat is a counted
//! [`DiagKind::DuplicateCloudUser`] diagnostic. Without this a repeat would
//! share its ImmutableId with itself and invent a `duplicate_anchor` finding.
//!
//! Ids are compared through a 64-bit hash sorted in parallel (a million
//! users take a few tens of milliseconds and 16 MB); users whose hashes
//! collide are compared by id, so only true repeats are removed.

use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

use rayon::prelude::*;

use super::model::CloudUser;
use super::{CloudOptions, Diagnostics};
use crate::diag::{preview, DiagKind, Diagnostic, Severity};
use crate::error::{Error, Result};

/// Removes every user whose id was read before (earlier in `users`, which
/// holds the exports one after another). `files` holds each export's first
/// user index and name, ascending; the indices are moved to match the users
/// kept. Returns the `duplicate_cloud_user` diagnostics, in file order.
pub fn remove_repeated_users(
    users: &mut Vec<CloudUser>,
    files: &mut [(usize, Arc<str>)],
    opts: &CloudOptions,
) -> Result<Diagnostics> {
    let mut diagnostics = Diagnostics::new(opts.keep_per_kind);
    let repeats = find_repeats(users);
    if repeats.is_empty() {
        return Ok(diagnostics);
    }
    let name_of = |i: usize| -> Arc<str> {
        let n = files.partition_point(|(start, _)| *start <= i);
        n.checked_sub(1)
            .and_then(|f| files.get(f))
            .map_or_else(|| Arc::from("?"), |(_, name)| name.clone())
    };
    for &(repeat, first) in &repeats {
        let (Some(r), Some(f)) = (users.get(repeat), users.get(first)) else {
            continue;
        };
        let d = Diagnostic {
            file: name_of(repeat),
            line: r.source.line,
            column: None,
            kind: DiagKind::DuplicateCloudUser,
            severity: DiagKind::DuplicateCloudUser.severity(),
            message: format!(
                "user `{}` was already read at {}:{}; this repeat is skipped and the first kept \
                 (the exports overlap, or a page was saved twice): give each user once",
                preview(r.id().as_bytes()),
                name_of(first),
                f.source.line
            ),
        };
        if opts.strict && d.severity == Severity::Error {
            return Err(Error::Strict(Box::new(d)));
        }
        diagnostics.push(d);
    }
    let mut drop = vec![false; users.len()];
    for &(repeat, _) in &repeats {
        drop[repeat] = true;
    }
    // Each export's first index, less the repeats before it.
    let mut removed = 0;
    let mut next_file = 0;
    for (i, gone) in drop.iter().enumerate() {
        while next_file < files.len() && files[next_file].0 == i {
            files[next_file].0 -= removed;
            next_file += 1;
        }
        removed += usize::from(*gone);
    }
    for f in &mut files[next_file..] {
        f.0 -= removed;
    }
    let mut i = 0;
    users.retain(|_| {
        i += 1;
        !drop[i - 1]
    });
    Ok(diagnostics)
}

/// (repeat, first) index pairs, ascending by repeat.
fn find_repeats(users: &[CloudUser]) -> Vec<(usize, usize)> {
    let state = std::hash::RandomState::new();
    let mut keyed: Vec<(u64, u32)> = users
        .par_iter()
        .enumerate()
        .map(|(i, u)| {
            let mut h = state.build_hasher();
            h.write(u.id().as_bytes());
            (h.finish(), i as u32)
        })
        .collect();
    keyed.par_sort_unstable();
    let mut repeats = Vec::new();
    let mut group_start = 0;
    while group_start < keyed.len() {
        let hash = keyed[group_start].0;
        let group_end = keyed[group_start..]
            .iter()
            .position(|k| k.0 != hash)
            .map_or(keyed.len(), |n| group_start + n);
        let group = &keyed[group_start..group_end];
        if group.len() > 1 {
            // Ascending index within the group: each user is compared with
            // the earlier ones whose id differs from all before (rare: a
            // group is almost always one id).
            let mut firsts: Vec<usize> = Vec::new();
            for &(_, i) in group {
                let i = i as usize;
                match firsts.iter().find(|&&f| users[f].id() == users[i].id()) {
                    Some(&f) => repeats.push((i, f)),
                    None => firsts.push(i),
                }
            }
        }
        group_start = group_end;
    }
    repeats.sort_unstable();
    repeats
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::cloud::read_cloud_bytes;

    fn users(text: &str) -> Vec<CloudUser> {
        read_cloud_bytes("x.jsonl", text.as_bytes(), &CloudOptions::default()).users
    }

    #[test]
    fn repeats_are_removed_and_file_starts_move() {
        let a = users("{\"id\":\"1\"}\n{\"id\":\"2\"}\n{\"id\":\"1\"}\n");
        let b = users("{\"id\":\"3\"}\n{\"id\":\"2\"}\n{\"id\":\"4\"}\n");
        let mut all = a;
        all.extend(b);
        let mut files = vec![(0, Arc::from("a.json")), (3, Arc::from("b.json"))];
        let d = remove_repeated_users(&mut all, &mut files, &CloudOptions::default())
            .expect("not strict");
        let ids: Vec<&str> = all.iter().map(|u| u.id()).collect();
        assert_eq!(ids, ["1", "2", "3", "4"]);
        assert_eq!(files[0].0, 0);
        assert_eq!(files[1].0, 2);
        let got: Vec<(String, u64)> = d
            .kept
            .iter()
            .map(|d| (d.file.to_string(), d.line))
            .collect();
        assert_eq!(got, [("a.json".into(), 3), ("b.json".into(), 2)]);
        assert!(d.kept[1].message.contains("already read at a.json:2"));
        assert_eq!(d.counts[&DiagKind::DuplicateCloudUser], 2);
    }

    #[test]
    fn no_repeat_changes_nothing() {
        let mut all = users("{\"id\":\"1\"}\n{\"id\":\"2\"}\n");
        let mut files = vec![(0, Arc::from("a.json"))];
        let d = remove_repeated_users(&mut all, &mut files, &CloudOptions::default())
            .expect("not strict");
        assert_eq!(all.len(), 2);
        assert!(d.kept.is_empty());
    }
}
