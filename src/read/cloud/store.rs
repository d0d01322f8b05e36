//! Compact storage of cloud users: one text buffer and one record buffer per
//! chunk of users, shared through an `Arc`, instead of a `Box<str>` per value.
//!
//! A million users with twenty small strings each cost twenty million
//! allocations, and their headers and fragmentation more than the text
//! itself. Here a user is a small header ([`CloudUser`]) and a record of
//! LEB128 varints in its chunk's `rec`; the strings are in the chunk's `text`:
//!
//! ```text
//! record := cursor mask scalar* proxies? other_mails? identities? ext?
//! scalar := entry                        (one per set bit 0..13 of mask)
//! list   := count entry*                 (proxyAddresses, otherMails)
//! ids    := count (flags entry*)*        (flags: which of the 3 fields follow)
//! ext    := count (n entry)*             (n: 1..=15, one byte)
//! entry  := len<<1              : the next `len` bytes of text at the cursor
//!                                  (cursor += len)
//!         | len<<1|1 back<<1     : `len` bytes starting `back` bytes before the cursor
//!         | len<<1|1 skip<<1|1   : `len` bytes starting `skip` bytes after the
//!                                  cursor (cursor += skip + len)
//! ```
//!
//! The back reference stores a value once per user when several properties
//! hold it (the UPN is usually also `mail`, `onPremisesUserPrincipalName` and
//! the identity's `issuerAssignedId`), and once per chunk for the few values
//! shared by many users (domain, identity issuer and sign-in type, creation
//! type, invitation state). The skip stores a value inside a longer one that
//! ends with it: the UPN is written as its primary `SMTP:` proxy address,
//! which is then a back reference. Reading a property walks the record (a few
//! varints), which costs less than the allocation it replaces.

use std::borrow::Cow;
use std::sync::Arc;

use super::draft::Draft;
pub(crate) use super::draft::{slot, SCALARS};
use super::props::{PropertySet, Source, UserType};

const SCALAR_MASK: u32 = (1 << SCALARS.len()) - 1;
pub(crate) const PROXIES: u32 = 1 << 13;
pub(crate) const OTHER_MAILS: u32 = 1 << 14;
pub(crate) const IDENTITIES: u32 = 1 << 15;
pub(crate) const EXT: u32 = 1 << 16;

/// Scalars whose values few users do not share: stored once per chunk.
const INTERNED: u32 = 1 << 3 | 1 << 4 | 1 << 10;

/// One cloud user as exported from Microsoft Graph or the admin center.
///
/// Compact: the user's strings live in a buffer shared with the other users
/// read from the same chunk of the file (see `store`), and the text
/// properties are read through accessor methods that borrow from it. Build
/// one from owned values with [`CloudUser::from`] a [`CloudUserData`](super::model::CloudUserData).
///
/// A property is `None` (or empty) when it is absent, `null`, of the wrong
/// type or invalid. [`CloudUser::present`] says which keys (JSON) or columns
/// (CSV) were there at all, [`CloudUser::valued`] which carried a usable value:
/// Graph omits properties that were not in `$select`, while `Get-MgUser`
/// output has every key with `null`; the coverage check needs both.
#[derive(Clone)]
pub struct CloudUser {
    pub(crate) chunk: Arc<Chunk>,
    pub(crate) at: u32,
    /// `userType`; `None` when absent or null.
    pub user_type: Option<UserType>,
    /// `accountEnabled`.
    pub account_enabled: Option<bool>,
    /// `onPremisesSyncEnabled`: true synced, false once synced, None never synced (or not exported).
    pub on_premises_sync_enabled: Option<bool>,
    /// Where the user starts in the file.
    pub source: Source,
    /// Keys (or columns) present for this user, null or not.
    pub present: PropertySet,
    /// Properties that carried a usable, non-null value.
    pub valued: PropertySet,
}

/// The storage of a chunk of users.
#[derive(Debug, Default)]
pub(crate) struct Chunk {
    text: Box<str>,
    rec: Box<[u8]>,
}

/// A user's header before its chunk is sealed.
struct Pending {
    at: u32,
    user_type: Option<UserType>,
    account_enabled: Option<bool>,
    on_premises_sync_enabled: Option<bool>,
    line: u64,
    present: PropertySet,
    valued: PropertySet,
}

/// Seal a chunk once its text reaches this size (whole-file and CSV reads
/// put every user in one builder; line-mode chunks are smaller).
const SEAL_AT: usize = 32 << 20;
/// Values stored once per chunk (domains, issuers, ...): at most this many.
const MAX_INTERNED: usize = 32;
/// Shorter values are written again rather than referenced.
const MIN_SHARED: usize = 8;
/// The longest prefix (`SMTP:`, `smtp:`, `SIP:`, ...) a value is stored after.
const MAX_SKIP: usize = 8;

/// Encodes drafts into chunks.
#[derive(Default)]
pub(crate) struct ChunkBuilder {
    text: String,
    rec: Vec<u8>,
    pending: Vec<Pending>,
    /// (start, len) of the values stored once for the chunk.
    interned: Vec<(usize, usize)>,
    /// (start, len) of the current user's values, to share repeats.
    seen: Vec<(usize, usize)>,
}

impl ChunkBuilder {
    /// A builder sized for about `input` bytes of export.
    pub fn for_input(input: usize) -> Self {
        let input = input.min(SEAL_AT * 2);
        ChunkBuilder {
            text: String::with_capacity(input / 4),
            rec: Vec::with_capacity(input / 40),
            pending: Vec::with_capacity(input / 1400),
            ..ChunkBuilder::default()
        }
    }

    /// Adds a user (sealing the chunk into `out` first when it is full).
    pub fn push(&mut self, d: &Draft<'_>, line: u64, out: &mut Vec<CloudUser>) {
        if self.text.len() >= SEAL_AT || self.rec.len() >= SEAL_AT {
            self.seal(out);
        }
        let at = self.encode(d);
        self.pending.push(Pending {
            at,
            user_type: d.user_type.clone(),
            account_enabled: d.account_enabled,
            on_premises_sync_enabled: d.on_premises_sync_enabled,
            line,
            present: d.present,
            valued: d.valued,
        });
    }

    /// Moves the pending users into `out`, sharing one sealed chunk.
    pub fn seal(&mut self, out: &mut Vec<CloudUser>) {
        if self.pending.is_empty() {
            return;
        }
        let chunk = self.take_chunk();
        out.reserve(self.pending.len());
        out.extend(self.pending.drain(..).map(|p| CloudUser {
            chunk: chunk.clone(),
            at: p.at,
            user_type: p.user_type,
            account_enabled: p.account_enabled,
            on_premises_sync_enabled: p.on_premises_sync_enabled,
            source: Source { line: p.line },
            present: p.present,
            valued: p.valued,
        }));
    }

    /// One user in a chunk of its own.
    pub fn single(d: &Draft<'_>, source: Source) -> CloudUser {
        let mut b = ChunkBuilder::default();
        let at = b.encode(d);
        CloudUser {
            chunk: b.take_chunk(),
            at,
            user_type: d.user_type.clone(),
            account_enabled: d.account_enabled,
            on_premises_sync_enabled: d.on_premises_sync_enabled,
            source,
            present: d.present,
            valued: d.valued,
        }
    }

    fn take_chunk(&mut self) -> Arc<Chunk> {
        self.interned.clear();
        Arc::new(Chunk {
            text: std::mem::take(&mut self.text).into_boxed_str(),
            rec: std::mem::take(&mut self.rec).into_boxed_slice(),
        })
    }

    /// Writes a user's record; returns its offset. The record buffer is
    /// sealed below `SEAL_AT` before each user, so offsets fit in a `u32`.
    fn encode(&mut self, d: &Draft<'_>) -> u32 {
        let at = u32::try_from(self.rec.len()).unwrap_or(u32::MAX);
        debug_assert!(at < u32::MAX);
        self.seen.clear();
        let mut mask = 0u32;
        for (i, s) in d.scalars.iter().enumerate() {
            if s.is_some() {
                mask |= 1 << i;
            }
        }
        let list_bits = [
            (!d.proxies.is_empty(), PROXIES),
            (!d.other_mails.is_empty(), OTHER_MAILS),
            (!d.identities.is_empty(), IDENTITIES),
            (d.ext.iter().any(Option::is_some), EXT),
        ];
        for (set, bit) in list_bits {
            if set {
                mask |= bit;
            }
        }
        put_varint(&mut self.rec, self.text.len() as u64);
        put_varint(&mut self.rec, u64::from(mask));
        for (i, s) in d.scalars.iter().enumerate() {
            if let Some(s) = s {
                if INTERNED & (1 << i) != 0 {
                    self.put(s, true);
                } else {
                    self.put_within(s, &d.proxies);
                }
            }
        }
        for list in [&d.proxies, &d.other_mails] {
            if !list.is_empty() {
                put_varint(&mut self.rec, list.len() as u64);
                for s in list {
                    self.put(s, false);
                }
            }
        }
        if !d.identities.is_empty() {
            put_varint(&mut self.rec, d.identities.len() as u64);
            for id in &d.identities {
                let flags = id
                    .iter()
                    .enumerate()
                    .fold(0u8, |f, (i, v)| f | u8::from(v.is_some()) << i);
                self.rec.push(flags);
                for (i, v) in id.iter().enumerate() {
                    if let Some(v) = v {
                        // signInType and issuer repeat across users; the
                        // issuerAssignedId is usually the user's UPN.
                        self.put(v, i < 2);
                    }
                }
            }
        }
        if mask & EXT != 0 {
            let n = d.ext.iter().filter(|v| v.is_some()).count();
            put_varint(&mut self.rec, n as u64);
            for (i, v) in d.ext.iter().enumerate() {
                if let Some(v) = v {
                    self.rec.push(i as u8 + 1);
                    self.put(v, false);
                }
            }
        }
        at
    }

    /// Writes one value, inside the first of `longer` that ends with it
    /// (`SMTP:` + value) unless it can be shared already.
    fn put_within(&mut self, s: &str, longer: &[Cow<'_, str>]) {
        let len = s.len();
        if len >= MIN_SHARED && !self.seen_has(s) {
            let outer = longer
                .iter()
                .find(|p| p.len() > len && p.len() - len <= MAX_SKIP && p.ends_with(s));
            if let Some(p) = outer {
                let start = self.text.len();
                let skip = p.len() - len;
                put_varint(&mut self.rec, (len as u64) << 1 | 1);
                put_varint(&mut self.rec, (skip as u64) << 1 | 1);
                self.text.push_str(p);
                self.seen.push((start, p.len()));
                self.seen.push((start + skip, len));
                return;
            }
        }
        self.put(s, false);
    }

    fn seen_has(&self, s: &str) -> bool {
        let text = self.text.as_bytes();
        self.seen
            .iter()
            .any(|&(start, l)| l == s.len() && text.get(start..start + l) == Some(s.as_bytes()))
    }

    /// Writes one value: a reference to an equal value of the chunk
    /// (`intern`) or of this user, else the text itself.
    fn put(&mut self, s: &str, intern: bool) {
        let len = s.len();
        let text = self.text.as_bytes();
        let same = |&&(start, l): &&(usize, usize)| {
            l == len && text.get(start..start + l) == Some(s.as_bytes())
        };
        let found = if intern {
            self.interned.iter().find(same)
        } else if len >= MIN_SHARED {
            self.seen.iter().find(same)
        } else {
            None
        };
        if let Some(&(start, _)) = found {
            put_varint(&mut self.rec, (len as u64) << 1 | 1);
            put_varint(&mut self.rec, ((self.text.len() - start) as u64) << 1);
            return;
        }
        let start = self.text.len();
        put_varint(&mut self.rec, (len as u64) << 1);
        self.text.push_str(s);
        if intern {
            if self.interned.len() < MAX_INTERNED {
                self.interned.push((start, len));
            }
        } else if len >= MIN_SHARED {
            self.seen.push((start, len));
        }
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads one user's record. Records are written by [`ChunkBuilder`] only;
/// reads stay in bounds (and yield empty strings) even if one were corrupt.
#[derive(Clone, Debug)]
pub(crate) struct Reader<'a> {
    text: &'a str,
    rec: &'a [u8],
    pos: usize,
    cursor: usize,
    mask: u32,
}

impl<'a> Reader<'a> {
    /// The reader of the record at `at`, positioned on its first value.
    pub fn open(chunk: &'a Chunk, at: u32) -> Self {
        let mut r = Reader {
            text: &chunk.text,
            rec: &chunk.rec,
            pos: at as usize,
            cursor: 0,
            mask: 0,
        };
        r.cursor = r.varint() as usize;
        r.mask = r.varint() as u32;
        r
    }

    #[inline]
    fn varint(&mut self) -> u64 {
        let mut v = 0u64;
        let mut shift = 0;
        while let Some(&b) = self.rec.get(self.pos) {
            self.pos += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 || shift >= 57 {
                break;
            }
            shift += 7;
        }
        v
    }

    /// One byte (identity flags, extension attribute number).
    #[inline]
    pub fn byte(&mut self) -> u8 {
        let b = self.rec.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    /// The next value.
    #[inline]
    pub fn entry(&mut self) -> &'a str {
        let v = self.varint();
        let len = (v >> 1) as usize;
        let start = if v & 1 == 0 {
            let start = self.cursor;
            self.cursor = self.cursor.saturating_add(len);
            start
        } else {
            let k = self.varint() as usize;
            if k & 1 == 0 {
                self.cursor.saturating_sub(k >> 1)
            } else {
                let start = self.cursor.saturating_add(k >> 1);
                self.cursor = start.saturating_add(len);
                start
            }
        };
        self.text
            .get(start..start.saturating_add(len))
            .unwrap_or("")
    }

    #[inline]
    fn skip(&mut self) {
        let v = self.varint();
        let len = (v >> 1) as usize;
        if v & 1 == 0 {
            self.cursor = self.cursor.saturating_add(len);
        } else {
            let k = self.varint() as usize;
            if k & 1 == 1 {
                self.cursor = self.cursor.saturating_add((k >> 1) + len);
            }
        }
    }

    /// Every text property, by record slot, in one walk of the record.
    pub fn scalars(mut self) -> [Option<&'a str>; SCALARS.len()] {
        let mut out = [None; SCALARS.len()];
        for (i, slot) in out.iter_mut().enumerate() {
            if self.mask & (1 << i) != 0 {
                *slot = Some(self.entry());
            }
        }
        out
    }

    /// The text property in record slot `i`.
    #[inline]
    pub fn scalar(mut self, i: usize) -> Option<&'a str> {
        let bit = 1u32 << i;
        if self.mask & bit == 0 {
            return None;
        }
        for _ in 0..(self.mask & (bit - 1)).count_ones() {
            self.skip();
        }
        Some(self.entry())
    }

    /// Moves to the list `bit` (one of [`PROXIES`], ...); returns its length.
    pub fn list(&mut self, bit: u32) -> usize {
        if self.mask & bit == 0 {
            return 0;
        }
        for _ in 0..(self.mask & SCALAR_MASK).count_ones() {
            self.skip();
        }
        for b in [PROXIES, OTHER_MAILS, IDENTITIES] {
            if b >= bit {
                break;
            }
            if self.mask & b == 0 {
                continue;
            }
            for _ in 0..self.varint() {
                match b {
                    IDENTITIES => {
                        for _ in 0..self.byte().count_ones() {
                            self.skip();
                        }
                    }
                    _ => self.skip(),
                }
            }
        }
        self.varint() as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::cloud::props::Property;

    fn b(s: &str) -> Option<Cow<'_, str>> {
        Some(Cow::Borrowed(s))
    }

    #[test]
    fn round_trip_and_sharing() {
        let mut d = Draft::default();
        d.scalars[0] = b("id-1");
        d.scalars[1] = b("ann@contoso.com");
        d.scalars[2] = b("ann@contoso.com");
        d.scalars[10] = b("contoso.com");
        d.proxies = vec!["SMTP:ann@contoso.com".into(), "".into()];
        d.identities = vec![[b("userPrincipalName"), None, b("ann@contoso.com")]];
        d.ext[14] = b("x");
        let mut builder = ChunkBuilder::default();
        let mut out = Vec::new();
        builder.push(&d, 3, &mut out);
        d.scalars[0] = b("id-2");
        builder.push(&d, 4, &mut out);
        builder.seal(&mut out);
        assert_eq!(out.len(), 2);
        // "ann@contoso.com" once per user (inside its SMTP: proxy),
        // "contoso.com" once per chunk.
        assert_eq!(out[0].chunk.text.matches("ann@contoso.com").count(), 2);
        assert_eq!(out[0].chunk.text.matches("SMTP:ann@contoso.com").count(), 2);
        assert_eq!(out[0].chunk.text.matches("contoso.com").count(), 2 + 1);
        for (u, id) in out.iter().zip(["id-1", "id-2"]) {
            assert_eq!(u.id(), id);
            assert_eq!(u.mail(), Some("ann@contoso.com"));
            assert_eq!(u.on_premises_domain_name(), Some("contoso.com"));
            assert_eq!(u.on_premises_immutable_id(), None);
            assert_eq!(
                u.proxy_addresses().collect::<Vec<_>>(),
                ["SMTP:ann@contoso.com", ""]
            );
            assert!(u.other_mails().is_empty());
            let ids: Vec<_> = u.identities().collect();
            assert_eq!(ids.len(), 1);
            assert_eq!(ids[0].issuer, None);
            assert_eq!(ids[0].issuer_assigned_id, Some("ann@contoso.com"));
            assert_eq!(
                u.on_premises_extension_attributes()
                    .iter()
                    .collect::<Vec<_>>(),
                [(15, "x")]
            );
        }
        assert_eq!(out[1].source.line, 4);
    }

    use crate::read::cloud::{CloudUserData, Identity, PropertySet, Source};
    use proptest::prelude::*;

    /// Values from a small pool, so that users repeat them, inside
    /// proxies and across users of a chunk.
    fn value() -> impl Strategy<Value = Option<Box<str>>> {
        prop_oneof![
            Just(None),
            Just(Some("".into())),
            Just(Some("ann@contoso.com".into())),
            Just(Some("SMTP:ann@contoso.com".into())),
            Just(Some("contoso.com".into())),
            "[a-zé@.:]{0,12}".prop_map(|s| Some(s.into())),
            "[a-z]{100,300}".prop_map(|s| Some(s.into())),
        ]
    }

    fn set_of(bits: u32) -> PropertySet {
        let mut set = PropertySet::EMPTY;
        for (i, &p) in Property::ALL.iter().enumerate() {
            if bits & (1 << i) != 0 {
                set.insert(p);
            }
        }
        set
    }

    fn data() -> impl Strategy<Value = CloudUserData> {
        (
            proptest::collection::vec(value(), 13),
            proptest::collection::vec(value(), 0..4),
            proptest::collection::vec((value(), value(), value()), 0..3),
            proptest::collection::vec((1usize..=15, value()), 0..4),
            (
                any::<u64>(),
                any::<u32>(),
                any::<u32>(),
                any::<Option<bool>>(),
            ),
        )
            .prop_map(|(v, proxies, ids, ext, (line, present, valued, b))| {
                let mut v = v.into_iter();
                let mut next = || v.next().flatten();
                CloudUserData {
                    id: next().unwrap_or_default(),
                    user_principal_name: next(),
                    mail: next(),
                    creation_type: next(),
                    external_user_state: next(),
                    on_premises_immutable_id: next(),
                    on_premises_security_identifier: next(),
                    on_premises_distinguished_name: next(),
                    on_premises_sam_account_name: next(),
                    on_premises_user_principal_name: next(),
                    on_premises_domain_name: next(),
                    on_premises_last_sync_date_time: next(),
                    created_date_time: next(),
                    proxy_addresses: proxies.into_iter().flatten().collect(),
                    other_mails: vec!["x".into()].into(),
                    identities: ids
                        .into_iter()
                        .map(|(a, b, c)| Identity {
                            sign_in_type: a,
                            issuer: b,
                            issuer_assigned_id: c,
                        })
                        .collect(),
                    on_premises_extension_attributes: ext
                        .into_iter()
                        .filter_map(|(n, v)| v.map(|v| (n, v)))
                        .collect(),
                    account_enabled: b,
                    on_premises_sync_enabled: b.map(|b| !b),
                    source: Source { line },
                    present: set_of(present),
                    valued: set_of(valued),
                    ..CloudUserData::default()
                }
            })
    }

    proptest! {
        /// Users stored together in one chunk read back as they were.
        #[test]
        fn chunks_round_trip(users in proptest::collection::vec(data(), 1..6)) {
            let mut builder = ChunkBuilder::default();
            let mut out = Vec::new();
            for u in &users {
                let one = CloudUser::from(u);
                prop_assert_eq!(&one.to_data(), u);
                let mut d = Draft::default();
                fn b(s: &Option<Box<str>>) -> Option<Cow<'_, str>> {
                    s.as_deref().map(Cow::Borrowed)
                }
                d.scalars = [
                    (!u.id.is_empty()).then_some(Cow::Borrowed(&*u.id)),
                    b(&u.user_principal_name), b(&u.mail), b(&u.creation_type),
                    b(&u.external_user_state), b(&u.on_premises_immutable_id),
                    b(&u.on_premises_security_identifier), b(&u.on_premises_distinguished_name),
                    b(&u.on_premises_sam_account_name), b(&u.on_premises_user_principal_name),
                    b(&u.on_premises_domain_name), b(&u.on_premises_last_sync_date_time),
                    b(&u.created_date_time),
                ];
                d.proxies = u.proxy_addresses.iter().map(|s| Cow::Borrowed(&**s)).collect();
                d.other_mails = u.other_mails.iter().map(|s| Cow::Borrowed(&**s)).collect();
                d.identities = u.identities.iter()
                    .map(|i| [b(&i.sign_in_type), b(&i.issuer), b(&i.issuer_assigned_id)])
                    .collect();
                for (n, v) in u.on_premises_extension_attributes.iter() {
                    d.ext[n - 1] = Some(Cow::Borrowed(v));
                }
                d.account_enabled = u.account_enabled;
                d.on_premises_sync_enabled = u.on_premises_sync_enabled;
                d.present = u.present;
                d.valued = u.valued;
                builder.push(&d, u.source.line, &mut out);
            }
            builder.seal(&mut out);
            prop_assert_eq!(out.len(), users.len());
            for (got, want) in out.iter().zip(&users) {
                prop_assert_eq!(&got.to_data(), want);
                prop_assert_eq!(got, &CloudUser::from(want));
            }
        }
    }

    #[test]
    fn varints() {
        for v in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            let mut buf = Vec::new();
            put_varint(&mut buf, v);
            let chunk = Chunk {
                text: "".into(),
                rec: buf.into(),
            };
            let mut r = Reader {
                text: &chunk.text,
                rec: &chunk.rec,
                pos: 0,
                cursor: 0,
                mask: 0,
            };
            assert_eq!(r.varint(), v);
        }
    }
}
