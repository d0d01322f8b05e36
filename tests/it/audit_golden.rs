//! Golden files of a whole audit run on a small hand-written forest
//! (fixtures/audit, see its README): every report, byte for byte.
//! `UPDATE_GOLDEN=1 cargo test --test audit_golden` rewrites them; read the
//! diff before committing.

use std::fs;
use std::path::Path;

use assert_cmd::Command;

const REPORTS: [&str; 5] = [
    "findings.csv",
    "findings.jsonl",
    "summary.json",
    "summary.md",
    "report.html",
];

fn run(out: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let status = Command::cargo_bin("usertype-audit")
        .expect("binary")
        .current_dir(root)
        .args([
            "--quiet",
            "audit",
            "--reproducible",
            "--include-info",
            "--onprem",
            "fixtures/audit/onprem.ldf",
            "--cloud",
            "fixtures/audit/graph-users.json",
            "--rules",
            "fixtures/rules/upn-expression.toml",
            "--out",
        ])
        .arg(out)
        .output()
        .expect("run");
    // Critical findings: exit 1 with the default --fail-on high.
    assert_eq!(
        status.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
}

#[test]
fn every_report_matches_its_golden_file() {
    let out = tempfile::tempdir().expect("tempdir");
    run(out.path());
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/audit");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    for name in REPORTS {
        let got = fs::read(out.path().join(name)).expect(name);
        let path = golden.join(name);
        if update {
            fs::create_dir_all(&golden).expect("golden dir");
            fs::write(&path, &got).expect("write golden");
            continue;
        }
        let want = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if got != want {
            let (g, w) = (
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&want),
            );
            let line = g
                .lines()
                .zip(w.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(g.lines().count().min(w.lines().count()));
            panic!(
                "{name} differs from its golden file at line {}:\n got:  {:?}\n want: {:?}",
                line + 1,
                g.lines().nth(line),
                w.lines().nth(line)
            );
        }
    }
}

#[test]
fn hostile_values_are_neutralised_and_escaped() {
    let out = tempfile::tempdir().expect("tempdir");
    run(out.path());
    let csv = fs::read_to_string(out.path().join("findings.csv")).expect("csv");
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://evil\"\")@partners.fabrikam123.org\""),
        "{csv}"
    );
    assert!(!csv.contains(",=HYPERLINK"), "{csv}");
    let html = fs::read_to_string(out.path().join("report.html")).expect("html");
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}
