//! The cloud JSON reader on arbitrary bytes (BOM and UTF-16 sniffing, shape
//! detection, the line-by-line parallel path and the one-pass walker): it
//! must never panic, every kept user has an id, every diagnostic names a
//! line of the input, and neither the chunk size nor the fast user scanner
//! (against the serde-only path) may change the result.
#![no_main]

use libfuzzer_sys::fuzz_target;
use usertype_audit::read::cloud::{read_cloud_bytes, CloudOptions};

fuzz_target!(|data: &[u8]| {
    // The first byte picks a chunk size so that chunk boundaries move around.
    let (chunk_size, data) = match data.split_first() {
        Some((&b, rest)) => (usize::from(b) + 1, rest),
        None => (1, data),
    };
    let small = CloudOptions {
        chunk_size,
        keep_per_kind: u64::MAX,
        ..CloudOptions::default()
    };
    let whole = CloudOptions {
        keep_per_kind: u64::MAX,
        ..CloudOptions::default()
    };
    let serde = CloudOptions {
        keep_per_kind: u64::MAX,
        serde_only: true,
        ..CloudOptions::default()
    };
    let a = read_cloud_bytes("fuzz.json", data, &small);
    let b = read_cloud_bytes("fuzz.json", data, &whole);
    assert_eq!(a.users, b.users);
    assert_eq!(a.summary.diagnostics.kept, b.summary.diagnostics.kept);
    assert_eq!(a.format, b.format);
    // The fast user scanner takes exactly what the serde path takes.
    let c = read_cloud_bytes("fuzz.json", data, &serde);
    assert_eq!(b.users, c.users);
    assert_eq!(b.summary.diagnostics.kept, c.summary.diagnostics.kept);
    // UTF-16 input has at most as many lines as bytes / 2; UTF-8 one per LF.
    let max_line = data.iter().filter(|&&c| c == b'\n').count() as u64 + 1;
    for u in &a.users {
        assert!(!u.id().is_empty());
        assert!(u.source.line >= 1 && u.source.line <= max_line);
    }
    for d in &a.summary.diagnostics.kept {
        assert!(d.line >= 1 && d.line <= max_line, "{d}");
    }
});
