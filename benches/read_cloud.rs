//! Throughput of the cloud readers on generated Graph exports
//! (`cargo bench --bench read_cloud`). Figures are bytes per second. The
//! files are read from a temporary directory, memory-mapped as `scan` reads
//! them: `graph_pages` (REST pages, one per line) takes the parallel line
//! path, `graph_array` (`ConvertTo-Json`) the one-pass walker, and
//! `graph_pages_serde_only` is the pages without the fast user scanner. For
//! the 1,000,000-user figure, time `scan` on a generated `graph-users.json`
//! instead (see README, "Performance").

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use usertype_audit::generate::{
    write_admin_center_csv, write_graph_array, write_graph_pages, GenerateOptions,
};
use usertype_audit::read::cloud::{read_cloud, CloudOptions};

fn options() -> GenerateOptions {
    GenerateOptions {
        users: 20_000,
        seed: 42,
        ..GenerateOptions::default()
    }
}

type Writer = fn(&GenerateOptions, BufWriter<File>) -> std::io::Result<u64>;

fn write(dir: &Path, name: &str, writer: Writer) -> (String, u64) {
    let path = dir.join(name);
    let file = File::create(&path).expect("creating a temporary file");
    let bytes = writer(&options(), BufWriter::new(file)).expect("writing the export");
    (path.to_string_lossy().into_owned(), bytes)
}

fn bench_cloud(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let pages = write(dir.path(), "graph-users.json", write_graph_pages);
    let array = write(dir.path(), "graph-users-array.json", write_graph_array);
    let csv = write(dir.path(), "graph-users.csv", write_admin_center_csv);
    let serde_only = CloudOptions {
        serde_only: true,
        ..CloudOptions::default()
    };

    let mut group = c.benchmark_group("cloud");
    group.sample_size(10);
    for (name, (path, bytes), opts) in [
        ("graph_pages", &pages, CloudOptions::default()),
        ("graph_pages_serde_only", &pages, serde_only),
        ("graph_array", &array, CloudOptions::default()),
        ("admin_center_csv", &csv, CloudOptions::default()),
    ] {
        group.throughput(Throughput::Bytes(*bytes));
        group.bench_function(name, |b| {
            b.iter(|| read_cloud(path, &opts).map(|r| r.users.len()))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_cloud);
criterion_main!(benches);
