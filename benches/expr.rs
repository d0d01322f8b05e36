//! Evaluation speed of sync-rule expressions over a generated ldifde export
//! held in memory (entries already parsed; only evaluation is timed).
//!
//! `cargo bench --bench expr`. Figures are evaluations per second
//! (criterion's "elements"); divide to get nanoseconds per evaluation.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use usertype_audit::classify::expr::{compile, CompileOptions, Scratch};
use usertype_audit::generate::{write_onprem_ldif, GenerateOptions};
use usertype_audit::read::ldif::{parse_chunk, LdifOptions, Projection};

/// Microsoft's sample UserType rule, with the generated forest's partner domain.
const SAMPLE: &str = r#"IIF(IsPresent([userPrincipalName]),IIF(CBool(InStr(LCase([userPrincipalName]),"@partners.contoso.com")=0),"Member","Guest"),Error("UserPrincipalName is not present to determine UserType"))"#;

/// The out-of-box cloudFiltered rule (docs/rules.md#out-of-box-rules).
const CLOUD_FILTERED: &str = r#"IIF(IsPresent([isCriticalSystemObject]) || IsPresent([sAMAccountName]) = False || [sAMAccountName] = "SUPPORT_388945a0" || Left([mailNickname], 14) = "SystemMailbox{" || Left([sAMAccountName], 4) = "AAD_" || (Left([mailNickname], 4) = "CAS_" && (InStr([mailNickname], "}") > 0)) || (Left([sAMAccountName], 4) = "CAS_" && (InStr([sAMAccountName], "}") > 0)) || Left([sAMAccountName], 5) = "MSOL_" || CBool(IIF(IsPresent([msExchRecipientTypeDetails]),BitAnd([msExchRecipientTypeDetails],&H21C07000) > 0,NULL)) || CBool(InStr(DNComponent(CRef([dn]),1),"\\0ACNF:")>0), True, NULL)"#;

fn bench_eval(c: &mut Criterion) {
    let mut ldif = Vec::new();
    let opts = GenerateOptions {
        users: 5_000,
        seed: 42,
        ..GenerateOptions::default()
    };
    write_onprem_ldif(&opts, &mut ldif).expect("writing to memory");

    let mut group = c.benchmark_group("expr_eval");
    for (name, src) in [
        ("sample_usertype", SAMPLE),
        ("direct_extensionAttribute1", "[extensionAttribute1]"),
        ("oob_cloudFiltered", CLOUD_FILTERED),
    ] {
        let program = compile(src, &CompileOptions::default())
            .expect("compiles")
            .program;
        // Entries with every attribute (about 60 each), and entries holding
        // only what the rule reads (what the audit's reader keeps).
        for (shape, projection) in [
            ("all_attrs", Projection::All),
            ("rule_attrs", Projection::attrs(program.attributes())),
        ] {
            let read = LdifOptions {
                projection,
                ..LdifOptions::default()
            };
            let batch = parse_chunk(&ldif, true, &read);
            let entries: Vec<_> = batch.entries().collect();
            group.throughput(Throughput::Elements(entries.len() as u64));
            let mut scratch = Scratch::new();
            group.bench_function(BenchmarkId::new(name, shape), |b| {
                b.iter(|| {
                    let mut guests = 0usize;
                    for e in &entries {
                        if let Ok(v) = program.eval(e, &mut scratch) {
                            guests += usize::from(v.as_str() == Some("Guest"));
                        }
                    }
                    guests
                })
            });
        }
    }
    group.finish();
}

fn bench_compile(c: &mut Criterion) {
    let mut group = c.benchmark_group("expr_compile");
    group.bench_function("oob_cloudFiltered", |b| {
        b.iter(|| compile(CLOUD_FILTERED, &CompileOptions::default()).map(|c| c.warnings.len()))
    });
    group.finish();
}

criterion_group!(benches, bench_eval, bench_compile);
criterion_main!(benches);
