//! Throughput of the csvde and Export-Csv readers on generated exports held
//! in memory (`cargo bench --bench read_csv`). Figures are bytes per second.
//! For the 1,000,000-account figure, time `scan` on a generated `onprem.csv`
//! instead (see README, "Performance").

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use usertype_audit::generate::{write_onprem_csvde, write_onprem_export_csv, GenerateOptions};
use usertype_audit::read::onprem_csv::{parse_bytes, CsvFlavor, CsvOptions};

fn options() -> GenerateOptions {
    GenerateOptions {
        users: 10_000,
        seed: 42,
        ..GenerateOptions::default()
    }
}

fn bench_csv(c: &mut Criterion) {
    let mut csvde = Vec::new();
    write_onprem_csvde(&options(), &mut csvde).expect("writing to memory");
    let mut export = Vec::new();
    write_onprem_export_csv(&options(), &mut export).expect("writing to memory");

    let mut group = c.benchmark_group("onprem_csv");
    group.sample_size(10);
    for (name, data, flavor) in [
        ("csvde", &csvde, CsvFlavor::Csvde),
        ("export_csv", &export, CsvFlavor::ExportCsv),
    ] {
        group.throughput(Throughput::Bytes(data.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                parse_bytes("bench.csv", data, Some(flavor), &CsvOptions::default())
                    .stats
                    .entries
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_csv);
criterion_main!(benches);
