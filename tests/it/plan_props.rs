//! Any DN and any value round-trip through populate's change and undo files,
//! read back with the test's own RFC 2849 reader.

use crate::plan_support::parse_ldif;
use proptest::prelude::*;
use usertype_audit::plan::populate::{write_changes, write_undo, Action, Row};

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..40),
        "[ :<#a-zA-Z0-9=,\\\\+\"'é\u{2019}\r\n-]{0,30}".prop_map(String::into_bytes),
    ]
}

proptest! {
    #[test]
    fn any_dn_and_value_round_trip(
        dn in bytes(),
        new in "\\PC{0,20}",
        old in proptest::collection::vec(bytes(), 0..3),
    ) {
        let rows = [Row {
            dn: dn.clone(),
            old: old.clone(),
            new: new.clone().into(),
            action: if old.is_empty() { Action::Stamp } else { Action::Replace },
            file: "x".into(),
            line: 1,
        }];
        let attr = "extensionAttribute1";
        let changes = parse_ldif(write_changes(&rows, attr).as_bytes());
        prop_assert_eq!(changes.len(), 1);
        let c = &changes[0];
        prop_assert_eq!(&c[0], &("dn".to_string(), dn.clone()));
        prop_assert_eq!(&c[1], &("changetype".to_string(), b"modify".to_vec()));
        prop_assert_eq!(&c[2], &("replace".to_string(), attr.as_bytes().to_vec()));
        prop_assert_eq!(&c[3], &(attr.to_string(), new.into_bytes()));
        prop_assert_eq!(c.len(), 5);

        let undo = parse_ldif(write_undo(&rows, attr).as_bytes());
        prop_assert_eq!(undo.len(), 1);
        let u = &undo[0];
        prop_assert_eq!(&u[0].1, &dn);
        let restored: Vec<Vec<u8>> = u[3..]
            .iter()
            .filter(|(n, _)| n == attr)
            .map(|(_, v)| v.clone())
            .collect();
        prop_assert_eq!(restored, old.clone());
        let op = if old.is_empty() { "delete" } else { "replace" };
        prop_assert_eq!(&u[2].0, op);
    }
}
