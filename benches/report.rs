//! Throughput of the report writers over 100,000 synthetic findings written
//! to memory (`cargo bench --bench report`). Figures are findings per second;
//! the HTML figure includes sorting by severity and embedding every finding.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use usertype_audit::findings::{
    AuditSummary, CloudTally, Finding, FindingId, IntentTally, Kind, MatchedBy, OnPremTally,
    RuleSummary, Severity,
};
use usertype_audit::report::{csv, html, jsonl, Report};

const FINDINGS: usize = 100_000;

fn findings() -> Vec<Finding> {
    (0..FINDINGS)
        .map(|i| {
            let kind = Kind::ALL[i % Kind::ALL.len()];
            let severity = Severity::ALL[i % Severity::ALL.len()];
            Finding {
                id: FindingId::cloud(kind, &format!("00000000-0000-0000-0000-{i:012}")),
                kind,
                severity,
                dn: Some(format!(
                    "CN=User {i},OU=Partners,OU=External,DC=contoso,DC=com"
                )),
                upn: Some(format!("user.{i}@partner.example")),
                source_anchor: Some("AAECAwQFBgcICQoLDA0ODw==".to_owned()),
                cloud_id: Some(format!("00000000-0000-0000-0000-{i:012}")),
                cloud_upn: Some(format!("user.{i}@partner.example")),
                intended_user_type: Some("Guest".to_owned()),
                cloud_user_type: Some("Member".to_owned()),
                matched_by: Some(MatchedBy::ImmutableId),
                rule: Some("extensionAttribute1".to_owned()),
                source: Some(format!("onprem.ldf:{}", i * 40 + 1)),
                detail: "extensionAttribute1 is \"Guest\" but the cloud userType is \"Member\"."
                    .to_owned(),
                waiver: None,
            }
        })
        .collect()
}

fn summary() -> AuditSummary {
    AuditSummary {
        tool: "usertype-audit bench".to_owned(),
        generated_at: None,
        elapsed_seconds: None,
        inputs: Vec::new(),
        rules: RuleSummary {
            path: "rules.toml".to_owned(),
            flow: "direct",
            definition: "extensionAttribute1".to_owned(),
            out_of_box_scope: true,
        },
        by_kind: Kind::ALL.iter().map(|&k| (k, 1)).collect(),
        by_severity: Severity::ALL.iter().map(|&s| (s, 1)).collect(),
        top_ous: Vec::new(),
        onprem: OnPremTally::default(),
        cloud: CloudTally::default(),
        intent: IntentTally::default(),
        diagnostics: Default::default(),
        fail_on: Severity::High,
        failed: true,
        verdict: usertype_audit::findings::Verdict::Fail,
        reasons: Vec::new(),
        limitations: Vec::new(),
        waivers: Default::default(),
    }
}

fn bench_report(c: &mut Criterion) {
    let findings = findings();
    let summary = summary();
    let report = Report {
        findings: &findings,
        summary: &summary,
        include_info: true,
    };
    let mut out = Vec::with_capacity(64 << 20);
    let mut group = c.benchmark_group("report");
    group.sample_size(10);
    group.throughput(Throughput::Elements(FINDINGS as u64));
    group.bench_function("jsonl", |b| {
        b.iter(|| {
            out.clear();
            jsonl::write_jsonl(&mut out, report.listed()).expect("memory")
        })
    });
    group.bench_function("csv", |b| {
        b.iter(|| {
            out.clear();
            csv::write_csv(&mut out, report.listed()).expect("memory")
        })
    });
    group.bench_function("html", |b| {
        b.iter(|| {
            out.clear();
            html::write_html(&mut out, &report).expect("memory");
            out.len()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_report);
criterion_main!(benches);
