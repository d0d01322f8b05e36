//! The whole LDIF reader on arbitrary bytes (BOM and UTF-16 sniffing, the
//! streaming driver, chunking): it must never panic, the counters must
//! reconcile, and chunking must not change the result.
#![no_main]

use libfuzzer_sys::fuzz_target;
use usertype_audit::read::ldif::{parse_bytes, LdifOptions};

fuzz_target!(|data: &[u8]| {
    // The first byte picks a chunk size so that chunk boundaries move around.
    let (chunk_size, data) = match data.split_first() {
        Some((&b, rest)) => (usize::from(b) + 1, rest),
        None => (1, data),
    };
    let small = LdifOptions { chunk_size, max_record_size: 4096, ..LdifOptions::default() };
    let whole = LdifOptions { max_record_size: 4096, ..LdifOptions::default() };
    let a = parse_bytes("fuzz.ldif", data, &small);
    let b = parse_bytes("fuzz.ldif", data, &whole);
    assert!(a.stats.reconciles(), "{:?}", a.stats);
    assert_eq!(a.entries, b.entries);
    assert_eq!(a.stats, b.stats);
    assert_eq!(a.diagnostics, b.diagnostics);
});
