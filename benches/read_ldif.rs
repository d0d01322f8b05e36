//! Throughput of the LDIF reader on a generated ldifde export held in memory.
//!
//! `cargo bench --bench read_ldif`. Figures are bytes of LDIF per second.
//! For the 1,000,000-account figure of the README, time `scan` on a
//! generated file instead (see README, "Performance").

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use usertype_audit::generate::{write_onprem_ldif, GenerateOptions};
use usertype_audit::read::account::ACCOUNT_ATTRIBUTES;
use usertype_audit::read::ldif::{parse_bytes, parse_chunk, LdifOptions, Projection};

fn forest(users: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let opts = GenerateOptions {
        users,
        seed: 42,
        ..GenerateOptions::default()
    };
    write_onprem_ldif(&opts, &mut out).expect("writing to memory");
    out
}

fn bench_core(c: &mut Criterion) {
    let data = forest(5_000);
    let mut group = c.benchmark_group("ldif_core_single_thread");
    group.throughput(Throughput::Bytes(data.len() as u64));
    // What the account model reads (the audit adds the attributes its rules name).
    let audit_attrs = Projection::attrs(ACCOUNT_ATTRIBUTES.iter().copied());
    // `classify` and `audit` check only the values they keep.
    for (name, projection, validate_all) in [
        ("all", Projection::All, true),
        ("audit_attrs", audit_attrs.clone(), true),
        ("audit_attrs_unchecked", audit_attrs, false),
        ("dn_only", Projection::DnOnly, true),
    ] {
        let opts = LdifOptions {
            projection,
            validate_all,
            ..LdifOptions::default()
        };
        group.bench_with_input(BenchmarkId::from_parameter(name), &data, |b, data| {
            b.iter(|| parse_chunk(data, true, &opts).len())
        });
    }
    group.finish();
}

fn bench_parallel(c: &mut Criterion) {
    let data = forest(20_000);
    let mut group = c.benchmark_group("ldif_parse_bytes_parallel");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(data.len() as u64));
    let opts = LdifOptions {
        projection: Projection::DnOnly,
        ..LdifOptions::default()
    };
    group.bench_function("dn_only", |b| {
        b.iter(|| parse_bytes("bench.ldf", &data, &opts).stats.entries)
    });
    group.finish();
}

criterion_group!(benches, bench_core, bench_parallel);
criterion_main!(benches);
