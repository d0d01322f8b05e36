//! The no-I/O core parser on one arbitrary chunk: it must never panic and its
//! counters must reconcile.
#![no_main]

use libfuzzer_sys::fuzz_target;
use usertype_audit::read::ldif::{parse_chunk, LdifOptions};

fuzz_target!(|data: &[u8]| {
    let batch = parse_chunk(data, true, &LdifOptions::default());
    assert!(batch.stats().reconciles(), "{:?}", batch.stats());
    for entry in batch.entries() {
        for attr in entry.attrs() {
            assert!(!attr.is_empty());
        }
    }
});
