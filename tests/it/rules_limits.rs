//! Hostile rules and values through the binary (#14 items 3 and 6): no
//! panic, no runaway allocation, and an account whose rule cannot be decided
//! is an error of its own, never a silent match or no-match.

use std::fs;
use std::path::Path;

use crate::common::bin;

/// One account whose `info` holds `info`.
fn ldif(dir: &Path, info: &str) -> std::path::PathBuf {
    let path = dir.join("onprem.ldf");
    let text = format!(
        "dn: CN=big,OU=Users,DC=contoso,DC=com\nobjectClass: user\nsAMAccountName: big\n\
         userPrincipalName: big@contoso.com\ninfo: {info}\n\n"
    );
    fs::write(&path, text).expect("write ldif");
    path
}

fn rules(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("rules.toml");
    fs::write(&path, format!("{text}\n[scope]\nout_of_box = false\n")).expect("write rules");
    path
}

/// `classify --format jsonl`: (exit code, outcome, value) of the one account.
fn classify(onprem: &Path, rules: &Path) -> (Option<i32>, String, String) {
    let out = bin()
        .args(["--quiet", "classify", "--format", "jsonl", "--onprem"])
        .arg(onprem)
        .arg("--rules")
        .arg(rules)
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let row: serde_json::Value = stdout
        .lines()
        .next()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_default();
    let field = |k: &str| row[k].as_str().unwrap_or("").to_string();
    (out.status.code(), field("outcome"), field("value"))
}

#[test]
fn a_format_string_from_the_data_does_not_crash_the_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 65,536 `y`: std::fmt's width limit, which panicked (exit 101, no output).
    let onprem = ldif(dir.path(), &"y".repeat(65_536));
    let r = rules(
        dir.path(),
        r#"[usertype]
expression = 'IIF(Len(FormatDateTime(CDate("2013-01-10"), [info])) = 65536, "Guest", "Member")'"#,
    );
    let (code, outcome, _) = classify(&onprem, &r);
    assert_eq!((code, outcome.as_str()), (Some(0), "Guest"));
}

#[test]
fn an_expression_that_would_need_gigabytes_is_an_error_for_that_account() {
    let dir = tempfile::tempdir().expect("tempdir");
    let onprem = ldif(dir.path(), &"a".repeat(1 << 20));
    // 1 MiB of `a`, each replaced by 4 KiB: 4 GiB, which aborted the run.
    let r = rules(
        dir.path(),
        r#"[usertype]
expression = 'IIF(Len(Replace([info],"a",PadLeft("",4096,"a"))) > 0, "Guest", "Member")'"#,
    );
    let (code, outcome, value) = classify(&onprem, &r);
    assert_eq!((code, outcome.as_str()), (Some(0), "error"), "{value}");
    assert!(value.contains("resource limit"), "{value}");
}

#[test]
fn a_regex_over_a_value_past_the_documented_length_is_an_error_not_a_no_match() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = rules(
        dir.path(),
        r#"[usertype]
default = "Member"
[[rule]]
name = "partners"
user_type = "Guest"
when = { attribute = "info", matches = "a[ab]{400}c" }"#,
    );
    // 100 KB of `a`, then `c`: a match, but past the 64 KiB a regex reads.
    let onprem = ldif(dir.path(), &("a".repeat(100_000) + "c"));
    let (code, outcome, value) = classify(&onprem, &r);
    assert_eq!((code, outcome.as_str()), (Some(0), "error"), "{value}");
    assert!(value.contains("at most 65536 bytes"), "{value}");
    // Within the length the rule decides as written.
    let onprem = ldif(dir.path(), &("a".repeat(1000) + "c"));
    let (_, outcome, _) = classify(&onprem, &r);
    assert_eq!(outcome, "Guest");
}

#[test]
fn rules_check_warns_about_constant_arguments_over_the_limits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = rules(
        dir.path(),
        r#"[usertype]
expression = 'Replace([cn],"o",PadLeft("",40000000,"a"))'"#,
    );
    let out = bin()
        .args(["rules", "check"])
        .arg(&r)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("warning[resource-limit]"), "{stderr}");
    assert!(stderr.contains("rules.toml:2:"), "{stderr}");
}
