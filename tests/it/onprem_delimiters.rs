//! Semicolon- and TAB-delimited on-premises CSV (Export-Csv -UseCulture and
//! -Delimiter, Excel re-saves) read to the same accounts as the comma files
//! they were made from (`fixtures/delimiters/README.md`), whether the
//! delimiter is found from the content or forced with `--delimiter`.

use std::fs;
use std::path::Path;

use crate::common::fixture;
use assert_cmd::Command;

/// `classify` rows of `file` (stdout), with the file's path taken out of the
/// `source` column so that rows of different files compare.
fn classify(file: &Path, extra: &[&str]) -> String {
    let out = Command::cargo_bin("usertype-audit")
        .expect("binary")
        .args(["--quiet", "classify"])
        .args(extra)
        .arg("--onprem")
        .arg(file)
        .arg("--rules")
        .arg(fixture("rules/upn-expression.toml"))
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .replace(file.to_str().expect("UTF-8 path"), "FILE")
}

/// `audit` findings (findings.jsonl) of `file`, its path taken out.
fn audit(file: &Path, extra: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::cargo_bin("usertype-audit")
        .expect("binary")
        .args(["--quiet", "audit", "--reproducible", "--no-hash"])
        .args(extra)
        .arg("--onprem")
        .arg(file)
        .arg("--cloud")
        .arg(fixture("example/graph-users.json"))
        .arg("--rules")
        .arg(fixture("rules/upn-expression.toml"))
        .arg("--out")
        .arg(dir.path())
        .output()
        .expect("run");
    let findings = fs::read_to_string(dir.path().join("findings.jsonl")).unwrap_or_else(|e| {
        panic!(
            "{}: {e}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    // The path as JSON writes it.
    let json_path = serde_json::to_string(file.to_str().expect("UTF-8 path")).expect("JSON");
    findings.replace(json_path.trim_matches('"'), "FILE")
}

#[test]
fn semicolon_and_tab_variants_read_as_the_comma_files() {
    for name in ["onprem", "onprem-ps"] {
        let comma = fixture(&format!("example/{name}.csv"));
        let want_rows = classify(&comma, &[]);
        let want_findings = audit(&comma, &[]);
        assert!(want_rows.lines().count() > 900, "{name}: {want_rows:.300}");
        assert!(want_findings.lines().count() > 10, "{name}");
        for (variant, flag) in [("semicolon", ";"), ("tab", "tab")] {
            let file = fixture(&format!("delimiters/{name}.{variant}.csv"));
            assert_eq!(
                classify(&file, &[]),
                want_rows,
                "{name}.{variant}: found from the content"
            );
            assert_eq!(
                classify(&file, &["--delimiter", flag]),
                want_rows,
                "{name}.{variant}: --delimiter {flag}"
            );
            assert_eq!(audit(&file, &[]), want_findings, "{name}.{variant}: audit");
        }
    }
}

/// `--delimiter` forces the delimiter: a semicolon file read as comma has
/// no DN column (one field per row).
#[test]
fn delimiter_flag_forces_the_delimiter() {
    let file = fixture("delimiters/onprem-ps.semicolon.csv");
    let out = Command::cargo_bin("usertype-audit")
        .expect("binary")
        .args([
            "classify",
            "--delimiter",
            ",",
            "--onprem-format",
            "export-csv",
        ])
        .arg("--onprem")
        .arg(&file)
        .arg("--rules")
        .arg(fixture("rules/upn-expression.toml"))
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("[missing_dn_column]"), "{stderr}");
    let bad = Command::cargo_bin("usertype-audit")
        .expect("binary")
        .args(["classify", "--delimiter", "|", "--onprem"])
        .arg(&file)
        .arg("--rules")
        .arg(fixture("rules/upn-expression.toml"))
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a CSV delimiter"));
}
