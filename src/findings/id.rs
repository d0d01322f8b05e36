//! Stable finding ids: `gam-7k2q9x4m1c`, the same for the same finding in
//! every run, input format, thread count and report format.
//!
//! An id is a three-letter prefix naming the kind ([`prefix`]), a dash, and
//! ten characters of Crockford's base32 (lower case, no `i`, `l`, `o`, `u`)
//! holding 50 bits of the BLAKE3 hash of what identifies the finding:
//!
//! * the kind's stable name, and
//! * its subject: for a finding about an on-premises account, the account's
//!   source anchor in ImmutableId form (base64 of the anchor bytes, as
//!   `source_anchor` shows it); for an account without an anchor (no
//!   `objectGUID` or anchor attribute), its DN, lower-cased and trimmed; for a
//!   cloud-side finding (`orphaned_cloud`, a cloud user's `duplicate_anchor`
//!   or `cloud_state_unknown`), the cloud user's object `id`.
//!
//! Nothing else enters the hash: not the file, line, severity, cloud state
//! or detail, so a finding keeps its id when the account moves in the export,
//! its severity changes, or the export is read from another format.
//!
//! Where two findings of one audit would get the same id (accounts that
//! share an anchor: `duplicate_anchor` flags exactly those; or a 50-bit
//! collision, about one in 2,000 audits with a million findings of one kind),
//! each of them is given the hash of that id and its lower-cased DN instead,
//! and findings that still collide (the same account given twice) the hash of
//! that and their position among them, in the audit's order ([`make_unique`]).
//! The ids of one audit are therefore always distinct. The full rules are in
//! `docs/finding-ids.md`.

use std::fmt;

use serde::Serialize;

use super::{Finding, Kind};

/// The domain separator hashed first: a change to what ids are made of
/// changes this text, so old and new ids cannot be confused.
const CONTEXT: &[u8] = b"usertype-audit finding id v1";

/// Characters of base32 in an id (5 bits each).
pub const HASH_CHARS: usize = 10;

/// Crockford's base32 alphabet, lower case: no `i`, `l`, `o` or `u` to
/// misread or mistype.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// The three-letter prefix of `kind`'s ids (unique per kind; a test checks).
pub fn prefix(kind: Kind) -> &'static str {
    match kind {
        Kind::GuestAsMember => "gam",
        Kind::MemberAsGuest => "mag",
        Kind::SyncedB2bGuest => "sbg",
        Kind::CloudStateUnknown => "csu",
        Kind::RuleError => "rer",
        Kind::InvalidUserType => "iut",
        Kind::AnchorMismatch => "amm",
        Kind::DuplicateAnchor => "dup",
        Kind::KeyConflict => "kco",
        Kind::SoftMatch => "smt",
        Kind::MissingInCloud => "mic",
        Kind::OrphanedCloud => "orp",
        Kind::OutOfScope => "oos",
    }
}

/// A finding's stable id (see the module doc). Written as text
/// (`gam-7k2q9x4m1c`); ordered by kind, then hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FindingId {
    kind: Kind,
    /// The 50 hash bits, in the low bits.
    bits: u64,
}

impl FindingId {
    /// The id of a finding about an on-premises account: from its anchor
    /// (ImmutableId form) or, without one, its DN.
    pub fn account(kind: Kind, anchor: Option<&str>, dn: Option<&str>) -> FindingId {
        match anchor {
            Some(anchor) => FindingId::hashed(kind, &[b"anchor", anchor.as_bytes()]),
            None => {
                let dn = normalised_dn(dn.unwrap_or(""));
                FindingId::hashed(kind, &[b"dn", dn.as_bytes()])
            }
        }
    }

    /// The id of a cloud-side finding: from the cloud user's object id.
    pub fn cloud(kind: Kind, cloud_id: &str) -> FindingId {
        FindingId::hashed(kind, &[b"cloud", cloud_id.as_bytes()])
    }

    /// The kind the id belongs to.
    pub fn kind(self) -> Kind {
        self.kind
    }

    fn hashed(kind: Kind, parts: &[&[u8]]) -> FindingId {
        let mut h = blake3::Hasher::new();
        h.update(CONTEXT);
        h.update(b"\0");
        h.update(kind.name().as_bytes());
        for part in parts {
            // Length-prefixed: no two lists of parts hash the same bytes.
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part);
        }
        let digest = h.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest.as_bytes()[..8]);
        FindingId {
            kind,
            bits: u64::from_be_bytes(first) >> (64 - 5 * HASH_CHARS),
        }
    }

    /// The id derived from this one and `extra` (used to part colliding ids).
    fn rehashed(self, extra: &[&[u8]]) -> FindingId {
        let text = self.to_string();
        let mut parts: Vec<&[u8]> = vec![b"again", text.as_bytes()];
        parts.extend_from_slice(extra);
        FindingId::hashed(self.kind, &parts)
    }

    /// Parses an id as [`Display`](fmt::Display) writes it (case-insensitive,
    /// surrounding white space ignored); None when `text` is not one.
    pub fn parse(text: &str) -> Option<FindingId> {
        let text = text.trim();
        let (head, tail) = text.split_once('-')?;
        let kind = Kind::ALL
            .iter()
            .copied()
            .find(|&k| prefix(k).eq_ignore_ascii_case(head))?;
        if tail.len() != HASH_CHARS {
            return None;
        }
        let mut bits = 0u64;
        for c in tail.bytes() {
            let c = c.to_ascii_lowercase();
            let v = ALPHABET.iter().position(|&a| a == c)?;
            bits = (bits << 5) | v as u64;
        }
        Some(FindingId { kind, bits })
    }
}

impl fmt::Display for FindingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = [0u8; HASH_CHARS];
        for (i, c) in text.iter_mut().enumerate() {
            let shift = 5 * (HASH_CHARS - 1 - i);
            *c = ALPHABET[((self.bits >> shift) & 31) as usize];
        }
        f.write_str(prefix(self.kind))?;
        f.write_str("-")?;
        // The alphabet is ASCII.
        f.write_str(std::str::from_utf8(&text).unwrap_or("?"))
    }
}

impl Serialize for FindingId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A DN as it enters an id: lower case, without surrounding white space.
fn normalised_dn(dn: &str) -> String {
    dn.trim().to_lowercase()
}

/// Makes the ids of `findings` (in the audit's final order) distinct: each
/// group of findings sharing an id gets ids from the shared id and their
/// DNs, and any still shared, from their position in the group (see the
/// module doc). Costs one sort of the ids; nothing changes when they are
/// already distinct.
pub fn make_unique(findings: &mut [Finding]) {
    for round in 0..2 {
        let mut order: Vec<(FindingId, usize)> = findings
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id, i))
            .collect();
        order.sort_unstable();
        let mut changed = false;
        for group in order.chunk_by(|a, b| a.0 == b.0) {
            if group.len() < 2 {
                continue;
            }
            changed = true;
            for (n, &(id, i)) in group.iter().enumerate() {
                let Some(f) = findings.get_mut(i) else {
                    continue;
                };
                let dn = normalised_dn(f.dn.as_deref().unwrap_or(""));
                f.id = if round == 0 {
                    id.rehashed(&[b"dn", dn.as_bytes()])
                } else {
                    id.rehashed(&[b"position", &(n as u64).to_le_bytes()])
                };
            }
        }
        if !changed {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Severity;

    fn finding(id: FindingId, dn: &str) -> Finding {
        Finding {
            id,
            kind: id.kind(),
            severity: Severity::High,
            dn: Some(dn.into()),
            upn: None,
            source_anchor: None,
            cloud_id: None,
            cloud_upn: None,
            intended_user_type: None,
            cloud_user_type: None,
            matched_by: None,
            rule: None,
            source: None,
            detail: String::new(),
            waiver: None,
        }
    }

    #[test]
    fn prefixes_are_unique_three_letters() {
        let mut seen: Vec<&str> = Kind::ALL.iter().map(|&k| prefix(k)).collect();
        assert!(seen
            .iter()
            .all(|p| p.len() == 3 && p.bytes().all(|b| b.is_ascii_lowercase())));
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), Kind::ALL.len());
    }

    #[test]
    fn an_id_is_its_prefix_and_ten_base32_characters_and_parses_back() {
        let id = FindingId::account(Kind::GuestAsMember, Some("AAECAwQFBgcICQoLDA0ODw=="), None);
        let text = id.to_string();
        assert_eq!(text.len(), 14, "{text}");
        assert!(text.starts_with("gam-"), "{text}");
        assert!(text[4..].bytes().all(|b| ALPHABET.contains(&b)), "{text}");
        assert_eq!(FindingId::parse(&text), Some(id));
        assert_eq!(FindingId::parse(&text.to_uppercase()), Some(id));
        assert_eq!(FindingId::parse(&format!(" {text}\n")), Some(id));
        for bad in [
            "",
            "gam",
            "gam-",
            "xyz-0123456789",
            "gam-012345678",
            "gam-01234567890",
        ] {
            assert_eq!(FindingId::parse(bad), None, "{bad}");
        }
        // `u` is not in the alphabet.
        assert_eq!(FindingId::parse("gam-uuuuuuuuuu"), None);
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{text}\""));
    }

    #[test]
    fn only_the_kind_and_the_subject_make_the_id() {
        let anchor = Some("AAECAwQFBgcICQoLDA0ODw==");
        let a = FindingId::account(Kind::GuestAsMember, anchor, Some("CN=A,DC=x"));
        // The DN does not matter when there is an anchor.
        assert_eq!(
            a,
            FindingId::account(Kind::GuestAsMember, anchor, Some("CN=B,DC=y"))
        );
        assert_ne!(a, FindingId::account(Kind::SoftMatch, anchor, None));
        assert_ne!(
            a,
            FindingId::account(Kind::GuestAsMember, Some("AAECAwQFBgcICQoLDA0ODg=="), None)
        );
        // Without an anchor the DN decides, case and surrounding space aside.
        let dn = FindingId::account(Kind::RuleError, None, Some("CN=Ann,OU=P,DC=x"));
        assert_eq!(
            dn,
            FindingId::account(Kind::RuleError, None, Some(" cn=ANN,ou=p,dc=X "))
        );
        assert_ne!(
            dn,
            FindingId::account(Kind::RuleError, None, Some("CN=Bob,OU=P,DC=x"))
        );
        // An anchor that reads like a DN is not that DN's id, nor a cloud id.
        assert_ne!(
            FindingId::account(Kind::RuleError, Some("cn=ann,ou=p,dc=x"), None),
            dn
        );
        assert_ne!(
            FindingId::cloud(Kind::DuplicateAnchor, "x"),
            FindingId::account(Kind::DuplicateAnchor, Some("x"), None)
        );
    }

    #[test]
    fn known_ids_do_not_change_between_versions() {
        // Pinned values: a change here breaks every saved baseline and waiver.
        let a = FindingId::account(Kind::GuestAsMember, Some("AAECAwQFBgcICQoLDA0ODw=="), None);
        let d = FindingId::account(Kind::RuleError, None, Some("CN=Ann,OU=P,DC=x"));
        let c = FindingId::cloud(Kind::OrphanedCloud, "11111111-2222-3333-4444-555555555555");
        assert_eq!(
            [a.to_string(), d.to_string(), c.to_string()],
            ["gam-vgaqh3d4gp", "rer-6m4m2h4m0y", "orp-1eqrn3tx13"]
        );
    }

    #[test]
    fn shared_ids_are_parted_by_dn_then_by_position() {
        let shared = FindingId::account(Kind::DuplicateAnchor, Some("QUJD"), None);
        let mut findings = vec![
            finding(shared, "CN=One,DC=x"),
            finding(shared, "CN=Two,DC=x"),
            finding(shared, "CN=Two,DC=x"),
            finding(FindingId::cloud(Kind::OrphanedCloud, "c"), "CN=Three,DC=x"),
        ];
        let untouched = findings[3].id;
        make_unique(&mut findings);
        let mut ids: Vec<FindingId> = findings.iter().map(|f| f.id).collect();
        assert_eq!(findings[3].id, untouched);
        assert!(findings[..3].iter().all(|f| f.id != shared));
        assert!(findings.iter().all(|f| f.id.kind() == f.kind));
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 4, "all distinct");
        // The first account's id depends only on the shared id and its DN.
        assert_eq!(findings[0].id, shared.rehashed(&[b"dn", b"cn=one,dc=x"]));
        // The same again gives the same ids.
        let mut again = vec![
            finding(shared, "CN=One,DC=x"),
            finding(shared, "CN=Two,DC=x"),
            finding(shared, "CN=Two,DC=x"),
        ];
        make_unique(&mut again);
        assert_eq!(
            again.iter().map(|f| f.id).collect::<Vec<_>>(),
            findings[..3].iter().map(|f| f.id).collect::<Vec<_>>()
        );
    }
}
