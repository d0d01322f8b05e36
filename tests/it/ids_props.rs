//! Property tests for `model::ids`: GUID, SID and ImmutableId round trips.

use proptest::prelude::*;
use usertype_audit::model::ids::{Anchor, Guid, Sid, SidText};

/// Any valid binary SID: revision 1, 0..=15 sub-authorities, any 48-bit authority.
fn sid_bytes() -> impl Strategy<Value = Vec<u8>> {
    (
        0u64..(1u64 << 48),
        prop::collection::vec(any::<u32>(), 0..=15),
    )
        .prop_map(|(authority, subs)| {
            let mut b = vec![1u8, subs.len() as u8];
            b.extend_from_slice(&authority.to_be_bytes()[2..]);
            for s in subs {
                b.extend_from_slice(&s.to_le_bytes());
            }
            b
        })
}

#[test]
fn sid_text_examples() {
    let text = |b: &[u8]| SidText::from_bytes(b).map(|t| t.as_str().to_string());
    let mut b = vec![1, 3, 0, 0, 0, 0, 0, 5];
    b.extend_from_slice(&[0x15, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    assert_eq!(text(&b).as_deref(), Some("S-1-5-21-1-4294967295"));
    assert_eq!(
        text(&[1, 0, 1, 0, 0, 0, 0, 0]).as_deref(),
        Some("S-1-0x010000000000")
    );
    assert_eq!(text(&[1, 0, 0, 0, 0, 0, 0, 0]).as_deref(), Some("S-1-0"));
    // Wrong revision, count beyond 15, length not matching the count.
    assert_eq!(text(&[2, 0, 0, 0, 0, 0, 0, 5]), None);
    assert_eq!(text(&[1, 1, 0, 0, 0, 0, 0, 5]), None);
    assert_eq!(text(&[]), None);
    let mut long = vec![1, 16, 0, 0, 0, 0, 0, 5];
    long.extend_from_slice(&[0xff; 64]);
    assert_eq!(text(&long), None);
    // The longest text fits.
    let mut max = vec![1, 15, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    max.extend_from_slice(&[0xff; 60]);
    assert_eq!(
        text(&max).map(|t| t.len()),
        Some("S-1-0xFFFFFFFFFFFF".len() + 15 * "-4294967295".len())
    );
}

proptest! {
    /// The audit's allocation-free text agrees with `Sid`'s `Display`,
    /// on valid and invalid bytes alike.
    #[test]
    fn sid_text_agrees_with_display(bytes in prop_oneof![
        sid_bytes(),
        proptest::collection::vec(any::<u8>(), 0..80),
    ]) {
        prop_assert_eq!(
            SidText::from_bytes(&bytes).map(|t| t.as_str().to_string()),
            Sid::from_bytes(&bytes).map(|s| s.to_string())
        );
    }

    #[test]
    fn guid_bytes_string_parse_bytes(bytes in any::<[u8; 16]>()) {
        let g = Guid::from_bytes(&bytes).expect("16 bytes");
        let s = g.to_string();
        prop_assert_eq!(s.len(), 36);
        prop_assert_eq!(Guid::parse(&s), Some(g));
        prop_assert_eq!(Guid::parse(&s.to_uppercase()), Some(g));
        prop_assert_eq!(Guid::parse(&format!("{{{s}}}")), Some(g));
        prop_assert_eq!(Guid::parse(&s).map(|p| p.0), Some(bytes));
    }

    #[test]
    fn guid_string_parse_string(bytes in any::<[u8; 16]>()) {
        let s = Guid(bytes).to_string();
        prop_assert_eq!(Guid::parse(&s).map(|g| g.to_string()), Some(s));
    }

    #[test]
    fn guid_immutable_id_round_trip(bytes in any::<[u8; 16]>()) {
        let g = Guid(bytes);
        prop_assert_eq!(Guid::from_immutable_id(&g.to_immutable_id()), Some(g));
    }

    #[test]
    fn sid_bytes_string_parse_bytes(bytes in sid_bytes()) {
        let sid = Sid::from_bytes(&bytes).expect("valid SID bytes");
        let s = sid.to_string();
        let parsed = Sid::parse(&s).expect("own string form parses");
        prop_assert_eq!(&parsed, &sid);
        prop_assert_eq!(parsed.to_bytes(), bytes);
    }

    #[test]
    fn sid_string_authority_form(bytes in sid_bytes()) {
        let sid = Sid::from_bytes(&bytes).expect("valid SID bytes");
        let s = sid.to_string();
        let auth = s.split('-').nth(2).expect("authority component");
        if sid.authority >= 1u64 << 32 {
            prop_assert!(auth.starts_with("0x") && auth.len() == 14, "{}", s);
            prop_assert!(!auth[2..].bytes().any(|c| c.is_ascii_lowercase()), "{}", s);
        } else {
            prop_assert_eq!(auth, sid.authority.to_string());
        }
    }

    #[test]
    fn anchor_immutable_id_round_trip(bin in prop::collection::vec(any::<u8>(), 1..64)) {
        let a = Anchor::from_binary(&bin);
        let id = a.immutable_id();
        let back = Anchor::from_immutable_id(&id);
        prop_assert_eq!(&back, &a);
        prop_assert_eq!(back.match_key(), a.match_key());
        prop_assert!(a.matches_immutable_id(&id));
        prop_assert_eq!(a.to_string(), id);
    }

    #[test]
    fn text_anchor_matches_its_cloud_copy(s in "[A-Za-z0-9+/=@._-]{0,40}") {
        let on_prem = Anchor::from_text_attribute(&s);
        prop_assert!(on_prem.matches_immutable_id(&s));
    }
}
