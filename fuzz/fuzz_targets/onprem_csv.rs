//! The csvde and Export-Csv readers on arbitrary bytes: never panic, counters
//! reconcile, and the chunk size does not change the result.
#![no_main]

use libfuzzer_sys::fuzz_target;
use usertype_audit::read::onprem_csv::{parse_bytes, CsvFlavor, CsvOptions};

fuzz_target!(|data: &[u8]| {
    let (selector, data) = match data.split_first() {
        Some((&b, rest)) => (b, rest),
        None => (0, data),
    };
    let flavor = match selector % 3 {
        0 => None,
        1 => Some(CsvFlavor::Csvde),
        _ => Some(CsvFlavor::ExportCsv),
    };
    // A small record limit so that oversized records (stray quotes) are
    // exercised on both the streamed path and the whole-buffer path.
    let small = CsvOptions {
        chunk_size: usize::from(selector / 3) + 1,
        max_record_size: 512,
        ..CsvOptions::default()
    };
    let whole = CsvOptions { max_record_size: 512, ..CsvOptions::default() };
    let a = parse_bytes("fuzz.csv", data, flavor, &small);
    let b = parse_bytes("fuzz.csv", data, flavor, &whole);
    assert!(a.stats.reconciles(), "{:?}", a.stats);
    assert_eq!(a.entries, b.entries);
    assert_eq!(a.stats, b.stats);
    assert_eq!(a.diagnostics, b.diagnostics);
});
