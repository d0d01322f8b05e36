//! Finding ids are stable: the same forest audited from LDIF and from csvde,
//! at one thread and at several, gives the same id to the same finding, and
//! every report format carries the same ids. (`onprem-ps.csv`, the
//! Export-Csv form, is left out: it holds users only and loses byte-array
//! values, so its findings are not the same set.)

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use assert_cmd::Command;
use usertype_audit::findings::FindingId;
use usertype_audit::generate::{generate, GenerateOptions};

fn audit(onprem: &Path, cloud: &Path, out: &Path, threads: &str) {
    let run = Command::cargo_bin("usertype-audit")
        .expect("binary")
        .env("RAYON_NUM_THREADS", threads)
        .args([
            "--quiet",
            "audit",
            "--reproducible",
            "--include-info",
            "--onprem",
        ])
        .arg(onprem)
        .arg("--cloud")
        .arg(cloud)
        .arg("--rules")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules/upn-expression.toml"))
        .arg("--out")
        .arg(out)
        .output()
        .expect("run");
    assert!(
        out.join("findings.jsonl").exists(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

/// id → (kind, dn, cloud id) of every finding in `findings.jsonl`.
fn ids(out: &Path) -> BTreeMap<String, (String, String, String)> {
    let text = fs::read_to_string(out.join("findings.jsonl")).expect("jsonl");
    let mut map = BTreeMap::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("json");
        let id = v["id"]
            .as_str()
            .expect("every finding has an id")
            .to_owned();
        let parsed = FindingId::parse(&id).expect("an id as documented");
        assert_eq!(parsed.kind().name(), v["kind"], "the prefix names the kind");
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
        let before = map.insert(id.clone(), (s("kind"), s("dn"), s("cloud_id")));
        assert!(before.is_none(), "{id} given to two findings");
    }
    map
}

#[test]
fn the_same_forest_from_ldif_and_csvde_at_any_thread_count_gets_the_same_ids() {
    let dir = tempfile::tempdir().expect("tempdir");
    let forest = dir.path().join("forest");
    let opts = GenerateOptions {
        users: 3000,
        seed: 7,
        ..GenerateOptions::default()
    };
    generate(&opts, &forest).expect("generate");
    let cloud = forest.join("graph-users.json");
    let runs = [
        ("onprem.ldf", "1"),
        ("onprem.ldf", "2"),
        ("onprem.csv", "2"),
        ("onprem.csv", "1"),
    ];
    let mut all = Vec::new();
    for (i, (file, threads)) in runs.iter().enumerate() {
        let out = dir.path().join(format!("report-{i}"));
        audit(&forest.join(file), &cloud, &out, threads);
        all.push((file, threads, ids(&out), out));
    }
    let (_, _, first, first_out) = &all[0];
    assert!(first.len() > 50, "the forest has findings: {}", first.len());
    for (file, threads, other, _) in &all[1..] {
        assert_eq!(
            first.keys().collect::<Vec<_>>(),
            other.keys().collect::<Vec<_>>(),
            "{file} at {threads} thread(s)"
        );
        // The same id names the same finding.
        assert_eq!(first, other, "{file} at {threads} thread(s)");
    }
    // findings.csv and report.html carry the same ids as findings.jsonl.
    let mut csv = csv::Reader::from_path(first_out.join("findings.csv")).expect("csv");
    assert_eq!(csv.headers().expect("header").get(0), Some("id"));
    let csv_ids: Vec<String> = csv
        .records()
        .map(|r| r.expect("row").get(0).expect("id").to_owned())
        .collect();
    let mut sorted = csv_ids.clone();
    sorted.sort();
    assert_eq!(sorted, first.keys().cloned().collect::<Vec<_>>());
    let html = fs::read_to_string(first_out.join("report.html")).expect("html");
    for id in csv_ids.iter().take(50) {
        assert!(html.contains(id.as_str()), "{id} in report.html");
    }
}
