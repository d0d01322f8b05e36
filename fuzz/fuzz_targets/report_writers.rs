//! The report writers on hostile values: the findings and summary of a real
//! audit of the bundled example, with every text field replaced by
//! fuzz-built strings (control characters, quotes, formula prefixes, HTML,
//! invalid-looking escapes, huge ones), written in every format. Never a
//! panic; `findings.jsonl` and `summary.json` stay valid JSON with one line
//! per finding, and `findings.csv` reads back as one record per finding.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use usertype_audit::audit::{self, Audit, AuditInputs, AuditOptions, NoProgress};
use usertype_audit::classify::{config, Classifier};
use usertype_audit::report::{csv, html, jsonl, markdown, summary, terminal_summary, Report};

fn example(file: &str) -> String {
    format!("{}/../fixtures/{file}", env!("CARGO_MANIFEST_DIR"))
}

/// The audit of the bundled example, run once.
fn base() -> &'static Audit {
    static AUDIT: OnceLock<Audit> = OnceLock::new();
    AUDIT.get_or_init(|| {
        let rules_path = example("rules/upn-expression.toml");
        let text = std::fs::read_to_string(&rules_path).expect("rule file");
        let rules = config::load(&text).rules.expect("rules load");
        let classifier = Classifier::new(rules).expect("classifier");
        let inputs = AuditInputs::from_paths(
            &[example("example/onprem.ldf")],
            &[example("example/graph-users.json")],
            &rules_path,
        );
        let opts = AuditOptions {
            reproducible: true,
            hash_inputs: false,
            ..AuditOptions::default()
        };
        audit::run(&inputs, &classifier, &opts, &NoProgress).expect("the example audits")
    })
}

fuzz_target!(|strings: Vec<String>| {
    if strings.is_empty() {
        return;
    }
    let base = base();
    let mut next = strings.iter().cycle();
    let mut pick = || next.next().cloned().unwrap_or_default();
    let mut findings = base.findings.clone();
    for f in &mut findings {
        f.dn = Some(pick());
        f.upn = Some(pick());
        f.source_anchor = Some(pick());
        f.cloud_id = Some(pick());
        f.cloud_upn = Some(pick());
        f.intended_user_type = Some(pick());
        f.cloud_user_type = Some(pick());
        f.rule = Some(pick());
        f.source = Some(pick());
        f.detail = pick();
    }
    let mut s = base.summary.clone();
    s.tool = pick();
    for input in &mut s.inputs {
        input.path = pick();
        input.format = pick();
    }
    for (ou, _) in &mut s.top_ous {
        *ou = pick();
    }
    // Reasons and limitations carry input-derived text in every field.
    for list in [&mut s.reasons, &mut s.limitations] {
        list.push(usertype_audit::findings::Reason {
            code: pick(),
            file: Some(pick()),
            line: Some(7),
            column: Some(3),
            detail: pick(),
            next_step: pick(),
        });
    }
    s.diagnostics.insert(pick(), 3);
    let report = Report {
        findings: &findings,
        summary: &s,
        include_info: true,
    };
    let listed = report.listed().count();

    let mut out = Vec::new();
    jsonl::write_jsonl(&mut out, report.listed()).expect("jsonl");
    let text = String::from_utf8(out).expect("jsonl is UTF-8");
    assert_eq!(text.lines().count(), listed, "one line per finding");
    for line in text.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("each line is JSON");
    }

    let mut out = Vec::new();
    csv::write_csv(&mut out, report.listed()).expect("csv");
    let body = out.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(&out);
    let mut reader = ::csv::ReaderBuilder::new().from_reader(body);
    assert_eq!(
        reader.records().filter(|r| r.is_ok()).count(),
        listed,
        "one CSV record per finding"
    );

    let mut out = Vec::new();
    summary::write_summary_json(&mut out, &s).expect("summary.json");
    serde_json::from_slice::<serde_json::Value>(&out).expect("summary.json is JSON");

    markdown::write_summary_md(std::io::sink(), &report).expect("summary.md");
    html::write_html(std::io::sink(), &report).expect("report.html");
    let _ = terminal_summary(&s, true);
    let _ = terminal_summary(&s, false);
});
