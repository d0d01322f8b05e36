//! The no-I/O core parser on one arbitrary chunk: it must never panic, its
//! counters must reconcile, and a projection must keep exactly the wanted
//! attributes of the same entries (the audit reads through one).
#![no_main]

use libfuzzer_sys::fuzz_target;
use usertype_audit::read::entry::Projection;
use usertype_audit::read::ldif::{parse_chunk, LdifOptions};

/// Names of several lengths, some sharing first and last letters.
const WANTED: [&str; 8] = [
    "cn",
    "c",
    "mail",
    "objectSid",
    "userPrincipalName",
    "extensionAttribute1",
    "abcdefgh",
    "a-1",
];

fn wanted(description: &[u8]) -> bool {
    let base = description.split(|&b| b == b';').next().unwrap_or(&[]);
    WANTED.iter().any(|w| w.as_bytes().eq_ignore_ascii_case(base))
}

fuzz_target!(|data: &[u8]| {
    let batch = parse_chunk(data, true, &LdifOptions::default());
    assert!(batch.stats().reconciles(), "{:?}", batch.stats());
    for entry in batch.entries() {
        for attr in entry.attrs() {
            assert!(!attr.is_empty());
        }
    }
    let opts = LdifOptions {
        projection: Projection::attrs(WANTED),
        ..LdifOptions::default()
    };
    let projected = parse_chunk(data, true, &opts);
    assert_eq!(projected.stats(), batch.stats());
    assert_eq!(projected.entries().count(), batch.entries().count());
    for (p, f) in projected.entries().zip(batch.entries()) {
        assert_eq!((p.dn(), p.line()), (f.dn(), f.line()));
        let kept: Vec<(&[u8], Vec<&[u8]>)> = f
            .attrs()
            .filter(|a| wanted(a.name_bytes()))
            .map(|a| (a.name_bytes(), a.values().map(|v| v.bytes).collect()))
            .collect();
        let got: Vec<(&[u8], Vec<&[u8]>)> = p
            .attrs()
            .map(|a| (a.name_bytes(), a.values().map(|v| v.bytes).collect()))
            .collect();
        assert_eq!(got, kept);
    }
});
