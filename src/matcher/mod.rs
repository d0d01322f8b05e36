//! Matching: which cloud user each on-premises account is, the way Entra
//! Connect would join them (docs/matching.md).
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
//! The index holds, per key, an open-addressing table of 64-bit hashes of the
//! normalised keys and the users' positions: 16 bytes per key instead of a
//! string per key, and every hit is confirmed against the user's own value.

use std::borrow::Cow;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rayon::prelude::*;

use slots::Slots;

mod matched_by;
mod slots;
pub use self::matched_by::MatchedBy;
use crate::model::ids::Anchor;
use crate::read::cloud::model::KeyTexts;
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

/// An open-addressing hash table from a key's hash to the positions of the
/// users holding the key. Each slot packs 32 check bits of the hash and the
/// position + 1 (0 = empty) in a `u64`, so a lookup costs one or two cache
/// misses instead of the twenty of a binary search over a million keys.
/// Equal keys (duplicates) occupy several slots; every hit is confirmed by
/// the caller against the user's own value.
#[derive(Debug, Default)]
struct KeyIndex {
    slots: Slots,
    mask: usize,
    /// Check bits held by more than one user (the same key twice, or a
    /// collision): a lookup of such a key cannot be answered from one user.
    shared: HashSet<u64, BuildHasherDefault<CheckHasher>>,
}

/// A hasher for check bits, which are hash bits already: spread by one
/// multiplication instead of SipHash (asked once per key of every account).
#[derive(Default)]
struct CheckHasher(u64);

impl Hasher for CheckHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl KeyIndex {
    /// A table of the hashes in columns `cols` of `hashes` (0 = no key;
    /// [`key_hash`] never returns 0).
    fn from_hashes(hashes: &[[u64; 7]], cols: &[usize]) -> Self {
        let n = hashes
            .iter()
            .map(|h| cols.iter().filter(|&&c| h[c] != 0).count())
            .sum::<usize>();
        let capacity = (n * 2).next_power_of_two().max(16);
        let mut index = KeyIndex {
            slots: Slots::zeroed(capacity),
            mask: capacity - 1,
            shared: Default::default(),
        };
        for (i, h) in hashes.iter().enumerate() {
            for &c in cols {
                if h[c] != 0 {
                    index.insert(h[c], i as u32);
                }
            }
        }
        index
    }

    fn insert(&mut self, h: u64, i: u32) {
        let packed = (h >> 32 << 32) | (u64::from(i) + 1);
        let mut pos = h as usize & self.mask;
        while self.slots[pos] != 0 {
            if self.slots[pos] == packed {
                return; // the same key twice on one user
            }
            if self.slots[pos] >> 32 == h >> 32 {
                self.shared.insert(h >> 32);
            }
            pos = (pos + 1) & self.mask;
        }
        self.slots[pos] = packed;
    }

    /// Whether a key with hash `h` can only belong to one user, so that a
    /// lookup is answered by that user's own value.
    fn unshared(&self, h: u64) -> bool {
        !self.shared.contains(&(h >> 32))
    }

    /// The slot a hash starts probing at: 0 when no key hashes there, so
    /// that most absent keys cost one load.
    fn home(&self, h: u64) -> u64 {
        self.slots.get(h as usize & self.mask).copied().unwrap_or(0)
    }

    /// Positions whose key hash is `h`.
    fn candidates_of(&self, h: u64) -> impl Iterator<Item = u32> + '_ {
        let check = h >> 32;
        let mut pos = h as usize & self.mask;
        std::iter::from_fn(move || loop {
            let slot = *self.slots.get(pos)?;
            if slot == 0 {
                return None;
            }
            pos = (pos + 1) & self.mask;
            if slot >> 32 == check {
                return Some((slot as u32).wrapping_sub(1));
            }
        })
    }

    /// The (check bits, position) pairs of check bits held by more than
    /// one user, sorted: the candidates for duplicates (callers confirm).
    fn shared_positions(&self) -> Vec<(u64, u32)> {
        if self.shared.is_empty() {
            return Vec::new();
        }
        let mut v: Vec<(u64, u32)> = self
            .slots
            .iter()
            .filter(|&&s| s != 0 && self.shared.contains(&(s >> 32)))
            .map(|&s| (s >> 32, (s as u32).wrapping_sub(1)))
            .collect();
        v.sort_unstable();
        v
    }
}

/// A hash of the key, ASCII case-insensitive and ignoring surrounding ASCII
/// whitespace (UPNs, SMTP addresses, DNs and SID strings all compare so in
/// Entra ID). Eight bytes at a time: lowercased with a SWAR trick, mixed
/// FxHash-style. Collisions are harmless: every hit is confirmed.
fn key_hash(key: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    const ONES: u64 = 0x0101_0101_0101_0101;
    let bytes = key.as_bytes().trim_ascii();
    let lower = |w: u64| {
        let low7 = w & (0x7f * ONES);
        let ge_a = low7.wrapping_add((0x80 - b'A' as u64) * ONES);
        let gt_z = low7.wrapping_add((0x80 - b'Z' as u64 - 1) * ONES);
        let upper = (ge_a ^ gt_z) & !w & (0x80 * ONES);
        w | (upper >> 2)
    };
    let mut h = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ lower(u64::from_le_bytes(w))).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ lower(u64::from_le_bytes(w))).wrapping_mul(K);
    }
    // Spread the high bits down (the table uses the low bits for the slot);
    // the low bit is set so that a hash is never 0, which marks "no key".
    (h ^ (h >> 29)) | 1
}

/// The match key of a cloud `onPremisesImmutableId` ([`Anchor::match_key`]
/// of [`Anchor::from_immutable_id`]), without allocating for the usual
/// canonical base64 of 16 bytes, which is its own key.
pub fn cloud_anchor_key(id: &str) -> Cow<'_, str> {
    let mut buf = [0u8; 18];
    // The STANDARD engine accepts only canonical padding and trailing bits.
    if id.len() == 24 && matches!(STANDARD.decode_slice(id, &mut buf), Ok(16)) {
        Cow::Borrowed(id)
    } else {
        Cow::Owned(Anchor::from_immutable_id(id).match_key())
    }
}

/// The match key of an account's anchor, in `buf` for a GUID (no allocation).
pub fn account_anchor_key<'b>(anchor: &Anchor, buf: &'b mut [u8; 24]) -> Cow<'b, str> {
    if let Anchor::Guid(g) = anchor {
        if let Ok(24) = STANDARD.encode_slice(g.0, &mut buf[..]) {
            if let Ok(s) = std::str::from_utf8(&buf[..]) {
                return Cow::Borrowed(s);
            }
        }
    }
    Cow::Owned(anchor.match_key())
}

fn same_key(a: &str, b: &str) -> bool {
    a.as_bytes()
        .trim_ascii()
        .eq_ignore_ascii_case(b.as_bytes().trim_ascii())
}

/// The cloud user's primary SMTP proxy address (without `SMTP:`).
pub fn primary_proxy(user: &CloudUser) -> Option<&str> {
    user.proxy_addresses().find_map(|p| p.strip_prefix("SMTP:"))
}

/// One key of an account to look up in one table.
struct Probe<'i, 'k> {
    table: &'i KeyIndex,
    key: &'k str,
    hash: u64,
    by: MatchedBy,
    /// Whether a cloud user (with its key texts) holds the key.
    holds: Holds,
}

type Holds = fn(&KeyTexts<'_>, &CloudUser, &str) -> bool;

fn probe<'i, 'k>(
    table: &'i KeyIndex,
    key: Option<&'k str>,
    hash: Option<u64>,
    by: MatchedBy,
    holds: Holds,
) -> Option<Probe<'i, 'k>> {
    key.map(|key| Probe {
        table,
        key,
        hash: hash.unwrap_or_else(|| key_hash(key)),
        by,
        holds,
    })
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
        // Hash every key of every user in one parallel pass (one walk of
        // each stored record), then fill the six tables in parallel.
        const NONE: u64 = 0;
        let hashes: Vec<[u64; 7]> = users
            .par_iter()
            .map(|u| {
                let k = u.key_texts();
                let h = |v: Option<&str>| match v {
                    Some(v) if !v.as_bytes().trim_ascii().is_empty() => key_hash(v),
                    _ => NONE,
                };
                let proxy = primary_proxy(u).filter(|p| !k.mail.is_some_and(|m| same_key(m, p)));
                [
                    h(k.on_premises_immutable_id.map(cloud_anchor_key).as_deref()),
                    h(k.on_premises_security_identifier),
                    h(k.on_premises_distinguished_name),
                    h(k.on_premises_user_principal_name),
                    h(k.user_principal_name),
                    h(k.mail),
                    h(proxy),
                ]
            })
            .collect();
        let table = |cols: &[usize]| KeyIndex::from_hashes(&hashes, cols);
        let ((immutable, sid), ((dn, on_premises_upn), (upn, smtp))) = rayon::join(
            || rayon::join(|| table(&[0]), || table(&[1])),
            || {
                rayon::join(
                    || rayon::join(|| table(&[2]), || table(&[3])),
                    || rayon::join(|| table(&[4]), || table(&[5, 6])),
                )
            },
        );
        CloudIndex {
            users,
            immutable,
            sid,
            dn,
            on_premises_upn,
            upn,
            smtp,
        }
    }

    /// The indexed users.
    pub fn users(&self) -> &'c [CloudUser] {
        self.users
    }

    /// Groups of two or more cloud users that share an ImmutableId (after
    /// normalisation), each ascending, groups in order of their first user.
    pub fn duplicate_immutable_ids(&self) -> Vec<Vec<u32>> {
        let mut groups = Vec::new();
        for run in self
            .immutable
            .shared_positions()
            .chunk_by(|a, b| a.0 == b.0)
        {
            if run.len() < 2 {
                continue;
            }
            // Same hash: confirm with the normalised keys themselves.
            let mut keyed: Vec<(String, u32)> = run
                .iter()
                .filter_map(|&(_, i)| {
                    let id = self.users[i as usize].on_premises_immutable_id()?;
                    Some((cloud_anchor_key(id).into_owned(), i))
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

    /// Matches one account. Pure: the result depends only on the keys and the index.
    pub fn match_account(&self, keys: &AccountKeys<'_>) -> AccountMatch {
        let mut hits: Vec<Hit> = Vec::with_capacity(8);
        if let Some(anchor) = keys.anchor {
            let mut buf = [0u8; 24];
            let key = account_anchor_key(anchor, &mut buf);
            let h = key_hash(&key);
            if self.immutable.home(h) != 0 {
                for user in self.immutable.candidates_of(h) {
                    let same = self.users[user as usize]
                        .on_premises_immutable_id()
                        .is_some_and(|id| cloud_anchor_key(id) == key);
                    if same {
                        hits.push(Hit {
                            by: MatchedBy::ImmutableId,
                            user,
                        });
                    }
                }
            }
        }
        let upn_hash = keys.upn.map(key_hash);
        let mut probes: [Option<Probe<'_, '_>>; 5] = [
            probe(&self.sid, keys.sid, None, MatchedBy::Sid, |k, _, key| {
                k.on_premises_security_identifier
                    .is_some_and(|v| same_key(v, key))
            }),
            probe(&self.dn, keys.dn, None, MatchedBy::Dn, |k, _, key| {
                k.on_premises_distinguished_name
                    .is_some_and(|v| same_key(v, key))
            }),
            probe(
                &self.on_premises_upn,
                keys.upn,
                upn_hash,
                MatchedBy::OnPremisesUpn,
                |k, _, key| {
                    k.on_premises_user_principal_name
                        .is_some_and(|v| same_key(v, key))
                },
            ),
            probe(
                &self.upn,
                keys.upn,
                upn_hash,
                MatchedBy::Upn,
                |k, _, key| k.user_principal_name.is_some_and(|v| same_key(v, key)),
            ),
            probe(&self.smtp, keys.smtp, None, MatchedBy::Smtp, |k, u, key| {
                k.mail.is_some_and(|m| same_key(m, key))
                    || primary_proxy(u).is_some_and(|p| same_key(p, key))
            }),
        ];
        // The usual case: one cloud user has the anchor and holds the
        // account's other keys too. A key that no other user holds needs no
        // table probe: the answer is that user (same hits, fewer cache misses).
        if let [only] = hits[..] {
            let u = &self.users[only.user as usize];
            let k = u.key_texts();
            for slot in &mut probes {
                if let Some(p) = slot {
                    if (p.holds)(&k, u, p.key) && p.table.unshared(p.hash) {
                        hits.push(Hit {
                            by: p.by,
                            user: only.user,
                        });
                        *slot = None;
                    }
                }
            }
        }
        // Load every home slot first: the loads are independent, so their
        // cache misses overlap instead of queueing; an empty one ends the probe.
        let homes = probes
            .each_ref()
            .map(|p| p.as_ref().map_or(0, |p| p.table.home(p.hash)));
        for (p, home) in probes.iter().zip(homes) {
            let Some(p) = p.as_ref().filter(|_| home != 0) else {
                continue;
            };
            for user in p.table.candidates_of(p.hash) {
                // A user already reached by a stronger key needs no
                // confirmation: a hash collision on it changes nothing reported.
                let known = hits.iter().any(|h| h.user == user);
                let u = &self.users[user as usize];
                if known || (p.holds)(&u.key_texts(), u, p.key) {
                    hits.push(Hit { by: p.by, user });
                }
            }
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
        // One disagreement per other user, by its strongest key.
        let mut disagreements: Vec<Hit> = Vec::new();
        for h in &hits {
            let other = h.user != primary.user && h.by != MatchedBy::ImmutableId;
            if other && !disagreements.iter().any(|d| d.user == h.user) {
                disagreements.push(*h);
            }
        }
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
        // Only A-Z fold: the bytes next to them in ASCII stay distinct.
        for (a, b) in [("@", "`"), ("[", "{"), ("Z", "z"), ("A", "a")] {
            assert_eq!(
                key_hash(a) == key_hash(b),
                a.eq_ignore_ascii_case(b),
                "{a} {b}"
            );
        }
        // Non-ASCII bytes are hashed as they are.
        assert_ne!(key_hash("Ä@x"), key_hash("ä@x"));
        let all: Vec<String> = (0u8..128)
            .filter(|c| !c.is_ascii_whitespace())
            .map(|c| format!("k{}", c as char))
            .collect();
        for x in &all {
            for y in &all {
                if !x.eq_ignore_ascii_case(y) {
                    assert_ne!(key_hash(x), key_hash(y), "{x:?} {y:?}");
                }
            }
        }
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
    fn duplicate_groups_are_found_among_many_unique_ids() {
        let with_id = |name: &str, id: &str| {
            let mut u = user(name);
            u.on_premises_immutable_id = Some(id.into());
            CloudUser::from(u)
        };
        let mut users: Vec<CloudUser> = (0..500)
            .map(|i| with_id(&format!("u{i}"), &format!("ID{i}")))
            .collect();
        // Two spellings of one 16-byte ImmutableId (padded and unpadded).
        users.push(with_id("p1", "BwcHBwcHBwcHBwcHBwcHBw=="));
        users.push(with_id("p2", "BwcHBwcHBwcHBwcHBwcHBw"));
        // Three users with one text id, one of them among the unique ones.
        users.push(with_id("t1", "ID7"));
        users.push(with_id("t2", "ID7"));
        users.push(user("no-id").into());
        let index = CloudIndex::new(&users);
        assert_eq!(
            index.duplicate_immutable_ids(),
            vec![vec![7, 502, 503], vec![500, 501]]
        );
    }

    #[test]
    fn anchor_keys_borrow_canonical_base64_and_normalise_the_rest() {
        let canonical = "AAECAwQFBgcICQoLDA0ODw==";
        assert!(matches!(cloud_anchor_key(canonical), Cow::Borrowed(_)));
        assert_eq!(cloud_anchor_key("AAECAwQFBgcICQoLDA0ODw"), canonical);
        assert_eq!(
            cloud_anchor_key("E123"),
            Anchor::from_immutable_id("E123").match_key()
        );
        let guid = Anchor::Guid(Guid([
            0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
            0x0e, 0x0f,
        ]));
        let mut buf = [0u8; 24];
        assert_eq!(account_anchor_key(&guid, &mut buf), canonical);
        let text = Anchor::Text("emp-42".into());
        assert_eq!(account_anchor_key(&text, &mut buf), "emp-42");
    }

    #[test]
    fn a_key_another_user_shares_is_still_looked_up() {
        // The anchor's user holds the account's UPN, and so does another
        // user: the shortcut must not hide that second user.
        let mut mine = user("mine");
        mine.on_premises_immutable_id = Some("E123".into());
        mine.user_principal_name = Some("bob@contoso.com".into());
        let mut other = user("other");
        other.user_principal_name = Some("BOB@contoso.com".into());
        let users = vec![CloudUser::from(mine), CloudUser::from(other)];
        let index = CloudIndex::new(&users);
        let anchor = Anchor::Text("E123".into());
        let m = index.match_account(&AccountKeys {
            anchor: Some(&anchor),
            upn: Some("bob@contoso.com"),
            ..AccountKeys::default()
        });
        assert_eq!(m.primary.map(|h| h.user), Some(0));
        assert_eq!(
            m.disagreements,
            vec![Hit {
                by: MatchedBy::Upn,
                user: 1
            }]
        );
        // Alone with its key, the same account has no disagreement.
        let users = vec![users[0].clone()];
        let index = CloudIndex::new(&users);
        let m = index.match_account(&AccountKeys {
            anchor: Some(&anchor),
            upn: Some("bob@contoso.com"),
            ..AccountKeys::default()
        });
        assert!(m.disagreements.is_empty());
    }

    #[test]
    fn a_user_reached_by_two_other_keys_is_one_disagreement() {
        let mut mine = user("mine");
        mine.on_premises_immutable_id = Some("E123".into());
        let mut other = user("other");
        other.user_principal_name = Some("bob@contoso.com".into());
        other.mail = Some("bob@contoso.com".into());
        let mut third = user("third");
        third.user_principal_name = Some("Bob@Contoso.com".into());
        let users = vec![
            CloudUser::from(mine),
            CloudUser::from(other),
            CloudUser::from(third),
        ];
        let index = CloudIndex::new(&users);
        let anchor = Anchor::Text("E123".into());
        let m = index.match_account(&AccountKeys {
            anchor: Some(&anchor),
            upn: Some("bob@contoso.com"),
            smtp: Some("bob@contoso.com"),
            ..AccountKeys::default()
        });
        assert_eq!(
            m.disagreements,
            vec![
                Hit {
                    by: MatchedBy::Upn,
                    user: 1
                },
                Hit {
                    by: MatchedBy::Upn,
                    user: 2
                }
            ]
        );
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
