//! Matching: which cloud user each on-premises account is, the way Entra
//! Connect would join them (DOMAIN.md §3.4).
//!
//! The cloud side is indexed once ([`CloudIndex::new`]); accounts are then
//! matched independently (and in parallel) with [`CloudIndex::match_account`].
//! Keys are tried strongest first: the source anchor against
//! `onPremisesImmutableId` (hard match), then `onPremisesSecurityIdentifier`,
//! `onPremisesDistinguishedName` and `onPremisesUserPrincipalName` (what a
//! previous sync wrote), and last the soft-match keys Connect itself tries for
//! a new object: UPN against `userPrincipalName`, primary SMTP against `mail`
//! or the primary proxy address. Every key is looked up, not only the first
//! that hits, so that keys which lead to different cloud users are reported
//! instead of silently resolved.
//!
//! The index holds a 64-bit hash of each normalised key and the user's
//! position, sorted by hash: 12 bytes per key instead of a string per key,
//! and every hit is confirmed against the user's own value.

use rayon::prelude::*;

use crate::findings::MatchedBy;
use crate::model::ids::Anchor;
use crate::read::cloud::CloudUser;

/// The keys an account offers for matching. Borrowed; build one per account.
#[derive(Clone, Debug, Default)]
pub struct AccountKeys<'a> {
    /// The source anchor.
    pub anchor: Option<&'a Anchor>,
    /// The `objectSid` as `S-1-5-...`.
    pub sid: Option<&'a str>,
    /// The DN as text.
    pub dn: Option<&'a str>,
    /// `userPrincipalName`.
    pub upn: Option<&'a str>,
    /// The primary SMTP address (`SMTP:` proxy address, else `mail`).
    pub smtp: Option<&'a str>,
}

/// One cloud user reached by one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    /// The key.
    pub by: MatchedBy,
    /// The cloud user's position in the slice the index was built on.
    pub user: u32,
}

/// What matching found for one account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountMatch {
    /// The cloud user Connect would join: the first hit of the strongest key
    /// (lowest position when a key reaches several users).
    pub primary: Option<Hit>,
    /// Other cloud users with the account's ImmutableId (duplicates in the cloud).
    pub duplicate_immutable_ids: Vec<u32>,
    /// Hits of any key on a cloud user other than `primary`, strongest key first.
    pub disagreements: Vec<Hit>,
}

/// Sorted `(hash, position)` pairs for one key.
#[derive(Debug, Default)]
struct KeyIndex(Vec<(u64, u32)>);

impl KeyIndex {
    fn build(users: &[CloudUser], key: impl Fn(&CloudUser, &mut dyn FnMut(&str)) + Sync) -> Self {
        let mut v: Vec<(u64, u32)> = users
            .par_iter()
            .enumerate()
            .fold(Vec::new, |mut v, (i, u)| {
                key(u, &mut |k: &str| {
                    if !k.is_empty() {
                        v.push((key_hash(k), i as u32));
                    }
                });
                v
            })
            .reduce(Vec::new, |mut a, mut b| {
                a.append(&mut b);
                a
            });
        v.par_sort_unstable();
        v.dedup();
        KeyIndex(v)
    }

    /// Positions whose key hashes like `key`, in ascending order.
    fn candidates(&self, key: &str) -> impl Iterator<Item = u32> + '_ {
        let h = key_hash(key);
        let start = self.0.partition_point(|&(k, _)| k < h);
        self.0[start..]
            .iter()
            .take_while(move |&&(k, _)| k == h)
            .map(|&(_, i)| i)
    }
}

/// FNV-1a over ASCII-lowercased bytes: keys compare case-insensitively
/// (UPNs, SMTP addresses, DNs and SID strings all do in Entra ID).
fn key_hash(key: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in key.trim().as_bytes() {
        h ^= u64::from(b.to_ascii_lowercase());
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn same_key(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// The cloud user's primary SMTP proxy address (without `SMTP:`).
pub fn primary_proxy(user: &CloudUser) -> Option<&str> {
    user.proxy_addresses().find_map(|p| p.strip_prefix("SMTP:"))
}

/// The cloud side, indexed by every key Connect (or a previous sync) joins on.
#[derive(Debug)]
pub struct CloudIndex<'c> {
    users: &'c [CloudUser],
    /// Each user's ImmutableId normalised to its match key (see [`Anchor::match_key`]).
    immutable: KeyIndex,
    sid: KeyIndex,
    dn: KeyIndex,
    on_premises_upn: KeyIndex,
    upn: KeyIndex,
    smtp: KeyIndex,
}

impl<'c> CloudIndex<'c> {
    /// Indexes `users` (at most `u32::MAX` of them; the rest are not indexed).
    pub fn new(users: &'c [CloudUser]) -> Self {
        let users = &users[..users.len().min(u32::MAX as usize)];
        let immutable = KeyIndex::build(users, |u, push| {
            if let Some(id) = u.on_premises_immutable_id() {
                push(&Anchor::from_immutable_id(id).match_key());
            }
        });
        let field = |get: fn(&CloudUser) -> Option<&str>| {
            KeyIndex::build(users, move |u, push| {
                if let Some(v) = get(u) {
                    push(v)
                }
            })
        };
        CloudIndex {
            users,
            immutable,
            sid: field(|u| u.on_premises_security_identifier()),
            dn: field(|u| u.on_premises_distinguished_name()),
            on_premises_upn: field(|u| u.on_premises_user_principal_name()),
            upn: field(|u| u.user_principal_name()),
            smtp: KeyIndex::build(users, |u, push| {
                if let Some(m) = u.mail() {
                    push(m);
                }
                if let Some(p) = primary_proxy(u) {
                    if !u.mail().is_some_and(|m| same_key(m, p)) {
                        push(p);
                    }
                }
            }),
        }
    }

    /// The indexed users.
    pub fn users(&self) -> &'c [CloudUser] {
        self.users
    }

    /// Cloud users whose `onPremisesImmutableId` is `anchor`, ascending.
    pub fn by_anchor<'s>(&'s self, anchor: &'s Anchor) -> impl Iterator<Item = u32> + 's {
        let key = anchor.match_key();
        let users = self.users;
        let hits: Vec<u32> = self
            .immutable
            .candidates(&key)
            .filter(|&i| {
                users[i as usize]
                    .on_premises_immutable_id()
                    .is_some_and(|id| anchor.matches_immutable_id(id))
            })
            .collect();
        hits.into_iter()
    }

    /// Groups of two or more cloud users that share an ImmutableId (after
    /// normalisation), each ascending, groups in order of their first user.
    pub fn duplicate_immutable_ids(&self) -> Vec<Vec<u32>> {
        let mut groups = Vec::new();
        for run in self.immutable.0.chunk_by(|a, b| a.0 == b.0) {
            if run.len() < 2 {
                continue;
            }
            // Same hash: confirm with the normalised keys themselves.
            let mut keyed: Vec<(String, u32)> = run
                .iter()
                .filter_map(|&(_, i)| {
                    let id = self.users[i as usize].on_premises_immutable_id()?;
                    Some((Anchor::from_immutable_id(id).match_key(), i))
                })
                .collect();
            keyed.sort();
            for g in keyed.chunk_by(|a, b| a.0 == b.0) {
                if g.len() > 1 {
                    groups.push(g.iter().map(|&(_, i)| i).collect::<Vec<u32>>());
                }
            }
        }
        groups.sort();
        groups
    }

    fn lookup<'s>(
        &'s self,
        index: &'s KeyIndex,
        key: &'s str,
        field: fn(&CloudUser) -> Option<&str>,
    ) -> impl Iterator<Item = u32> + 's {
        let users = self.users;
        index
            .candidates(key)
            .filter(move |&i| field(&users[i as usize]).is_some_and(|v| same_key(v, key)))
    }

    fn smtp_lookup<'s>(&'s self, key: &'s str) -> impl Iterator<Item = u32> + 's {
        let users = self.users;
        self.smtp.candidates(key).filter(move |&i| {
            let u = &users[i as usize];
            u.mail().is_some_and(|m| same_key(m, key))
                || primary_proxy(u).is_some_and(|p| same_key(p, key))
        })
    }

    /// Matches one account. Pure: the result depends only on the keys and the index.
    pub fn match_account(&self, keys: &AccountKeys<'_>) -> AccountMatch {
        let mut hits: Vec<Hit> = Vec::new();
        let mut push = |by: MatchedBy, it: &mut dyn Iterator<Item = u32>| {
            for user in it {
                hits.push(Hit { by, user });
            }
        };
        if let Some(anchor) = keys.anchor {
            push(MatchedBy::ImmutableId, &mut self.by_anchor(anchor));
        }
        if let Some(sid) = keys.sid {
            push(
                MatchedBy::Sid,
                &mut self.lookup(&self.sid, sid, |u| u.on_premises_security_identifier()),
            );
        }
        if let Some(dn) = keys.dn {
            push(
                MatchedBy::Dn,
                &mut self.lookup(&self.dn, dn, |u| u.on_premises_distinguished_name()),
            );
        }
        if let Some(upn) = keys.upn {
            push(
                MatchedBy::OnPremisesUpn,
                &mut self.lookup(&self.on_premises_upn, upn, |u| {
                    u.on_premises_user_principal_name()
                }),
            );
            push(
                MatchedBy::Upn,
                &mut self.lookup(&self.upn, upn, |u| u.user_principal_name()),
            );
        }
        if let Some(smtp) = keys.smtp {
            push(MatchedBy::Smtp, &mut self.smtp_lookup(smtp));
        }
        // Strongest key first, then file order: the first hit is the join.
        hits.sort_unstable();
        let Some(&primary) = hits.first() else {
            return AccountMatch::default();
        };
        let duplicate_immutable_ids = hits
            .iter()
            .filter(|h| h.by == MatchedBy::ImmutableId && h.user != primary.user)
            .map(|h| h.user)
            .collect();
        let mut disagreements: Vec<Hit> = hits
            .iter()
            .filter(|h| h.user != primary.user && h.by != MatchedBy::ImmutableId)
            .copied()
            .collect();
        disagreements.dedup_by_key(|h| h.user);
        AccountMatch {
            primary: Some(primary),
            duplicate_immutable_ids,
            disagreements,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ids::Guid;
    use crate::read::cloud::CloudUserData;

    fn user(id: &str) -> CloudUserData {
        CloudUserData {
            id: id.into(),
            ..CloudUserData::default()
        }
    }

    #[test]
    fn key_hash_ignores_case_and_padding_spaces() {
        assert_eq!(key_hash("Bob@Contoso.com"), key_hash("bob@contoso.COM"));
        assert_eq!(key_hash(" bob@contoso.com "), key_hash("bob@contoso.com"));
        assert_ne!(key_hash("bob@contoso.com"), key_hash("bob@contoso.co"));
    }

    #[test]
    fn strongest_key_wins_and_other_users_are_disagreements() {
        // The ImmutableId is the base64 of the raw objectGUID bytes 00..0f.
        let guid = Guid([
            0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
            0x0e, 0x0f,
        ]);
        let anchor = Anchor::Guid(guid);
        let mut hard = user("hard");
        hard.on_premises_immutable_id = Some("AAECAwQFBgcICQoLDA0ODw==".into());
        hard.user_principal_name = Some("old@contoso.com".into());
        let mut soft = user("soft");
        soft.user_principal_name = Some("Bob@Contoso.com".into());
        let users: Vec<CloudUser> = vec![soft.into(), hard.into()];
        let index = CloudIndex::new(&users);
        let m = index.match_account(&AccountKeys {
            anchor: Some(&anchor),
            upn: Some("bob@contoso.com"),
            ..AccountKeys::default()
        });
        assert_eq!(
            m.primary,
            Some(Hit {
                by: MatchedBy::ImmutableId,
                user: 1
            })
        );
        assert_eq!(
            m.disagreements,
            vec![Hit {
                by: MatchedBy::Upn,
                user: 0
            }]
        );
        assert!(m.duplicate_immutable_ids.is_empty());
    }

    #[test]
    fn unpadded_immutable_id_still_matches() {
        let anchor = Anchor::Guid(Guid([7; 16]));
        let mut u = user("u");
        u.on_premises_immutable_id = Some("BwcHBwcHBwcHBwcHBwcHBw".into());
        let users = vec![CloudUser::from(u)];
        let index = CloudIndex::new(&users);
        let m = index.match_account(&AccountKeys {
            anchor: Some(&anchor),
            ..AccountKeys::default()
        });
        assert_eq!(m.primary.map(|h| h.by), Some(MatchedBy::ImmutableId));
    }

    #[test]
    fn smtp_matches_mail_or_primary_proxy_only() {
        let mut a = user("a");
        a.proxy_addresses = vec![
            "smtp:alias@contoso.com".into(),
            "SMTP:Ann@contoso.com".into(),
        ]
        .into_boxed_slice();
        let users = vec![CloudUser::from(a)];
        let index = CloudIndex::new(&users);
        let hit = |smtp| {
            index
                .match_account(&AccountKeys {
                    smtp: Some(smtp),
                    ..AccountKeys::default()
                })
                .primary
        };
        assert_eq!(
            hit("ann@contoso.com"),
            Some(Hit {
                by: MatchedBy::Smtp,
                user: 0
            })
        );
        assert_eq!(hit("alias@contoso.com"), None);
    }

    #[test]
    fn two_cloud_users_with_one_immutable_id_are_duplicates() {
        let anchor = Anchor::Text("E123".into());
        let mut a = user("a");
        a.on_premises_immutable_id = Some("E123".into());
        let mut b = user("b");
        b.on_premises_immutable_id = Some("E123".into());
        let users: Vec<CloudUser> = vec![a.into(), b.into(), user("c").into()];
        let index = CloudIndex::new(&users);
        let m = index.match_account(&AccountKeys {
            anchor: Some(&anchor),
            ..AccountKeys::default()
        });
        assert_eq!(m.primary.map(|h| h.user), Some(0));
        assert_eq!(m.duplicate_immutable_ids, vec![1]);
        assert_eq!(index.duplicate_immutable_ids(), vec![vec![0, 1]]);
    }

    #[test]
    fn nothing_matches_nothing() {
        let users = vec![CloudUser::from(user("a"))];
        let index = CloudIndex::new(&users);
        assert_eq!(
            index.match_account(&AccountKeys::default()),
            AccountMatch::default()
        );
    }
}
