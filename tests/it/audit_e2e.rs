//! The audit end to end: generated forests whose planted disagreements are
//! known (`expected-*.csv`, written by the generator from what it planted),
//! audited through the binary with both rule files of `fixtures/rules/`,
//! LDIF and csvde input, Graph REST pages and ConvertTo-Json array input.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::common::bin;
use usertype_audit::generate::expected::StandardRules;
use usertype_audit::generate::{generate, GenerateOptions};

/// `usertype-audit --quiet audit EXTRA... --onprem .. --cloud .. --rules .. --out ..`.
fn audit_cmd(
    extra: &[&str],
    onprem: &Path,
    cloud: &Path,
    rules: StandardRules,
    out: &Path,
) -> std::process::Output {
    bin()
        .args(["--quiet", "audit"])
        .args(extra)
        .arg("--onprem")
        .arg(onprem)
        .arg("--cloud")
        .arg(cloud)
        .arg("--rules")
        .arg(rules_file(rules))
        .arg("--out")
        .arg(out)
        .output()
        .expect("run")
}

fn rules_file(rules: StandardRules) -> PathBuf {
    let name = match rules {
        StandardRules::ExtensionAttribute => "extension-attribute.toml",
        StandardRules::UpnExpression => "upn-expression.toml",
    };
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/rules")
        .join(name)
}

/// One generated forest shared by the tests of this file.
fn forest() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let opts = GenerateOptions {
            users: 4000,
            seed: 11,
            ..GenerateOptions::default()
        };
        generate(&opts, dir.path()).expect("generate");
        dir
    })
    .path()
}

type Key = (String, String, String, String);

/// The expected findings as (kind, severity, dn, cloud id), counted.
fn expected(dir: &Path, rules: StandardRules) -> BTreeMap<Key, usize> {
    let mut out = BTreeMap::new();
    let mut r = csv::Reader::from_path(dir.join(rules.file_name())).expect("expected file");
    for row in r.records() {
        let row = row.expect("row");
        let key = (
            row[0].to_string(),
            row[1].to_string(),
            row[2].to_string(),
            row[3].to_string(),
        );
        *out.entry(key).or_default() += 1;
    }
    out
}

/// The audit's findings in the same shape: account findings keyed by DN,
/// cloud-side findings (their evidence is in the cloud file) by cloud id only.
fn found(report: &Path, onprem: &Path) -> BTreeMap<Key, usize> {
    let onprem = onprem.to_string_lossy().into_owned();
    let text = fs::read_to_string(report.join("findings.jsonl")).expect("findings.jsonl");
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let f: serde_json::Value = serde_json::from_str(line).expect("json line");
        let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
        let account_side = s("source").starts_with(&format!("{onprem}:"));
        let key = (
            s("kind"),
            s("severity"),
            if account_side { s("dn") } else { String::new() },
            s("cloud_id"),
        );
        *out.entry(key).or_default() += 1;
    }
    out
}

fn audit(onprem: &Path, cloud: &Path, rules: StandardRules, out: &Path, threads: &str) -> i32 {
    let extra = ["--threads", threads, "--include-info", "--reproducible"];
    let status = audit_cmd(&extra, onprem, cloud, rules, out);
    assert!(
        status.status.code().is_some_and(|c| c < 2),
        "audit failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    status.status.code().unwrap_or(2)
}

fn check(onprem: &str, cloud: &str, rules: StandardRules) {
    let dir = forest();
    let out = tempfile::tempdir().expect("tempdir");
    let onprem = dir.join(onprem);
    let code = audit(&onprem, &dir.join(cloud), rules, out.path(), "2");
    let want = expected(dir, rules);
    let got = found(out.path(), &onprem);
    let missing: Vec<_> = want.keys().filter(|k| !got.contains_key(*k)).collect();
    let extra: Vec<_> = got.keys().filter(|k| !want.contains_key(*k)).collect();
    assert!(
        missing.is_empty() && extra.is_empty() && got == want,
        "{rules:?} {onprem:?} {cloud}: missing {missing:#?}\nextra {extra:#?}"
    );
    // Every kind the audit issue names is planted in this forest.
    let kinds: std::collections::BTreeSet<&str> = want.keys().map(|k| k.0.as_str()).collect();
    for k in [
        "guest_as_member",
        "member_as_guest",
        "missing_in_cloud",
        "soft_match",
        "anchor_mismatch",
        "duplicate_anchor",
        "orphaned_cloud",
        "out_of_scope",
        "synced_b2b_guest",
        "key_conflict",
    ] {
        assert!(kinds.contains(k), "{k} not planted");
    }
    let rule_kind = match rules {
        StandardRules::ExtensionAttribute => "invalid_user_type",
        StandardRules::UpnExpression => "rule_error",
    };
    assert!(kinds.contains(rule_kind), "{rule_kind} not planted");
    // Critical findings exist, so the default --fail-on high fails.
    assert_eq!(code, 1);
}

#[test]
fn extension_attribute_ldif_pages() {
    check(
        "onprem.ldf",
        "graph-users.json",
        StandardRules::ExtensionAttribute,
    );
}

#[test]
fn extension_attribute_csvde_array() {
    check(
        "onprem.csv",
        "graph-users-array.json",
        StandardRules::ExtensionAttribute,
    );
}

#[test]
fn upn_expression_ldif_array() {
    check(
        "onprem.ldf",
        "graph-users-array.json",
        StandardRules::UpnExpression,
    );
}

#[test]
fn upn_expression_csvde_pages() {
    check(
        "onprem.csv",
        "graph-users.json",
        StandardRules::UpnExpression,
    );
}

#[test]
fn reports_are_identical_whatever_the_thread_count() {
    let dir = forest();
    let one = tempfile::tempdir().expect("tempdir");
    let two = tempfile::tempdir().expect("tempdir");
    let onprem = dir.join("onprem.ldf");
    let cloud = dir.join("graph-users.json");
    let rules = StandardRules::UpnExpression;
    audit(&onprem, &cloud, rules, one.path(), "1");
    audit(&onprem, &cloud, rules, two.path(), "2");
    for name in [
        "findings.jsonl",
        "findings.csv",
        "summary.json",
        "summary.md",
        "report.html",
    ] {
        let a = fs::read(one.path().join(name)).expect(name);
        let b = fs::read(two.path().join(name)).expect(name);
        assert!(a == b, "{name} differs between --threads 1 and 2");
        assert!(!a.is_empty(), "{name} is empty");
    }
}

#[test]
fn summary_reconciles_both_sides() {
    let dir = forest();
    let out = tempfile::tempdir().expect("tempdir");
    let onprem = dir.join("onprem.ldf");
    audit(
        &onprem,
        &dir.join("graph-users.json"),
        StandardRules::ExtensionAttribute,
        out.path(),
        "2",
    );
    let s: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(out.path().join("summary.json")).expect("summary"),
    )
    .expect("json");
    let n = |v: &serde_json::Value| v.as_u64().unwrap_or(u64::MAX);
    let on = &s["onprem"];
    assert_eq!(
        n(&on["records_read"]),
        n(&on["accounts_audited"]) + n(&on["out_of_scope"]) + n(&on["skipped"]),
        "{on:#}"
    );
    // 4000 users plus one group or computer after every 50th.
    assert_eq!(n(&on["records_read"]), 4080);
    let cl = &s["cloud"];
    assert_eq!(
        n(&cl["users"]),
        n(&cl["matched"])
            + n(&cl["orphaned"])
            + n(&cl["cloud_only"])
            + n(&cl["unmatched_not_synced"]),
        "{cl:#}"
    );
}

/// The summary's hashes are BLAKE3 of the files as they are on disk: for
/// mapped files (which the readers hash block by block as they parse,
/// several blocks here: LDIF, csvde, Graph pages) and for a gzip file
/// (hashed apart, compressed).
#[test]
fn summary_hashes_are_blake3_of_the_files() {
    use std::io::Write as _;
    let dir = forest();
    let out = tempfile::tempdir().expect("tempdir");
    let onprem = dir.join("onprem.ldf");
    let cloud = dir.join("graph-users.json");
    let gz = out.path().join("onprem.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(
        fs::File::create(&gz).expect("create"),
        flate2::Compression::fast(),
    );
    enc.write_all(&fs::read(dir.join("onprem.csv")).expect("read"))
        .expect("write");
    enc.finish().expect("finish");
    let report = out.path().join("report");
    let run = |onprem: &Path| {
        audit(onprem, &cloud, StandardRules::UpnExpression, &report, "2");
        let s: serde_json::Value = serde_json::from_str(
            &fs::read_to_string(report.join("summary.json")).expect("summary"),
        )
        .expect("json");
        s["inputs"]
            .as_array()
            .expect("inputs")
            .iter()
            .map(|i| {
                (
                    i["path"].as_str().unwrap_or("").to_string(),
                    i["blake3"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    let want = |p: &Path| {
        blake3::hash(&fs::read(p).expect("read"))
            .to_hex()
            .to_string()
    };
    assert!(fs::metadata(&onprem).expect("meta").len() > 4 << 20);
    let rules = rules_file(StandardRules::UpnExpression);
    let csv = dir.join("onprem.csv");
    for (input, files) in [
        (&onprem, [&onprem, &cloud, &rules]),
        (&csv, [&csv, &cloud, &rules]),
        (&gz, [&gz, &cloud, &rules]),
    ] {
        let got = run(input);
        assert_eq!(got.len(), 3, "{got:?}");
        for ((path, hash), file) in got.iter().zip(files) {
            assert_eq!(path, &file.to_string_lossy(), "{got:?}");
            assert_eq!(hash, &want(file), "{path}");
        }
    }
}

#[test]
fn fail_on_sets_the_exit_code() {
    let dir = forest();
    let out = tempfile::tempdir().expect("tempdir");
    let run = |fail_on: &str| {
        audit_cmd(
            &["--fail-on", fail_on, "--format", "jsonl"],
            &dir.join("onprem.ldf"),
            &dir.join("graph-users.json"),
            StandardRules::ExtensionAttribute,
            out.path(),
        )
        .status
        .code()
    };
    assert_eq!(run("critical"), Some(1));
    assert_eq!(run("nonsense"), Some(2));
}

#[test]
fn a_cloud_export_without_anchors_is_refused_with_the_re_export_command() {
    let dir = forest();
    let out = tempfile::tempdir().expect("tempdir");
    let (onprem, csv) = (dir.join("onprem.ldf"), dir.join("graph-users.csv"));
    let rules = StandardRules::ExtensionAttribute;
    let output = audit_cmd(&[], &onprem, &csv, rules, out.path());
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("onPremisesImmutableId"), "{err}");
    assert!(err.contains("$select="), "{err}");
    assert!(err.contains("Get-MgUser -All"), "{err}");
    assert!(err.contains("--allow-partial-cloud"), "{err}");
    assert!(!out.path().join("findings.jsonl").exists());
    // With the switch, it audits by UPN and mail and says what is missing.
    let extra = ["--allow-partial-cloud", "--format", "summary"];
    let output = audit_cmd(&extra, &onprem, &csv, rules, out.path());
    // The findings are written, but the verdict cannot be a pass or a fail:
    // the join without anchors is a guess (exit 2, incomplete).
    assert_eq!(output.status.code(), Some(2));
    let summary = fs::read_to_string(out.path().join("summary.json")).expect("summary");
    assert!(summary.contains("onPremisesImmutableId"), "{summary}");
    assert!(summary.contains("\"verdict\": \"incomplete\""), "{summary}");
    assert!(
        summary.contains("\"code\": \"cloud_property_missing\""),
        "{summary}"
    );
    // Joined by UPN, partners who are Members are still found, not taken
    // for takeovers.
    let doc: serde_json::Value = serde_json::from_str(&summary).expect("json");
    let count = |kind: &str| {
        doc["by_kind"]
            .as_array()
            .and_then(|a| a.iter().find(|k| k["kind"] == kind))
            .and_then(|k| k["count"].as_u64())
            .unwrap_or(0)
    };
    assert!(count("guest_as_member") > 100, "{summary}");
    assert_eq!(count("soft_match"), 0, "{summary}");
}
