//! `explain KIND` and `explain --list` through the binary; the kinds'
//! documented examples checked against the audit of the bundled forest; the
//! account form of `explain` next to them.

use std::path::Path;

use crate::common::fixture;
use assert_cmd::Command;

/// The finding kinds, in report order, as the audit issue names them.
const NAMES: [&str; 13] = [
    "guest_as_member",
    "member_as_guest",
    "cloud_state_unknown",
    "rule_error",
    "invalid_user_type",
    "anchor_mismatch",
    "duplicate_anchor",
    "synced_b2b_guest",
    "key_conflict",
    "soft_match",
    "missing_in_cloud",
    "orphaned_cloud",
    "out_of_scope",
];

/// Runs the binary: (exit code, stdout, stderr).
fn run<I, S>(args: I) -> (Option<i32>, String, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let out = Command::cargo_bin("usertype-audit")
        .expect("binary")
        .args(args)
        .output()
        .expect("run");
    (
        out.status.code(),
        String::from_utf8(out.stdout).expect("utf8 stdout"),
        String::from_utf8(out.stderr).expect("utf8 stderr"),
    )
}

/// `explain KIND`'s output, which must succeed.
fn explain(kind: &str) -> String {
    let (code, out, err) = run(["explain", kind]);
    assert_eq!(code, Some(0), "explain {kind}: {err}");
    assert!(err.is_empty(), "explain {kind}: {err}");
    out
}

/// The `field: value` rows of the Example block of `explain KIND`'s output
/// (indented four spaces; deeper lines continue the row above).
fn example_fields(out: &str) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = Vec::new();
    let block = out
        .lines()
        .skip_while(|l| *l != "## Example")
        .take_while(|l| *l != "## What to do");
    for line in block {
        let Some(text) = line.strip_prefix("    ") else {
            continue;
        };
        if text.starts_with(' ') {
            let (_, value) = rows.last_mut().expect("a row before a continuation");
            value.push(' ');
            value.push_str(text.trim());
        } else {
            let (field, value) = text.split_once(':').expect("field: value");
            rows.push((field.to_string(), value.trim().to_string()));
        }
    }
    rows
}

#[test]
fn explain_guest_as_member_prints_its_documentation() {
    let out = explain("guest-as-member");
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("guest_as_member: Partner is a Member in the cloud")
    );
    assert_eq!(
        lines.next(),
        Some(
            "severity: critical when the cloud account is enabled (or `accountEnabled` is not \
             exported), high when it is disabled"
        )
    );
    let mut from = 0;
    for heading in [
        "\n## What it flags\n",
        "\n## Why it matters\n",
        "\n## Example\n",
        "\n## What to do\n",
        "\n## References\n",
    ] {
        let at = out[from..].find(heading).map(|i| i + from);
        assert!(at.is_some(), "{heading:?} missing or out of order:\n{out}");
        from = at.unwrap_or(from) + heading.len();
    }
    // The code fences are rustdoc's; the terminal gets an indented block.
    assert!(!out.contains("```"), "{out}");
    assert!(
        out.contains("\n    kind:               guest_as_member\n"),
        "{out}"
    );
    assert!(out.contains(
        "<https://learn.microsoft.com/entra/identity/hybrid/connect/\
         how-to-connect-sync-change-the-configuration#enable-synchronization-of-usertype>"
    ));
    // snake_case and kebab-case name the same kind.
    assert_eq!(explain("guest_as_member"), out);
}

#[test]
fn every_kind_is_explained_under_both_spellings() {
    for name in NAMES {
        let out = explain(name);
        assert!(out.starts_with(&format!("{name}: ")), "{out}");
        assert!(
            out.contains("\n## References\n- <https://"),
            "{name}:\n{out}"
        );
        assert_eq!(explain(&name.replace('_', "-")), out);
    }
}

#[test]
fn an_unknown_kind_exits_2_with_the_valid_names() {
    let (code, out, err) = run(["explain", "no_such_kind"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("'no_such_kind'"), "{err}");
    for name in NAMES {
        assert!(err.contains(name), "{name} not listed:\n{err}");
    }
    let (code, _, err) = run(["explain", "guest_as_membr"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("a similar value exists: 'guest_as_member'"),
        "{err}"
    );
}

#[test]
fn list_names_every_kind_with_its_severities_and_title() {
    let (code, out, err) = run(["explain", "--list"]);
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), NAMES.len(), "{out}");
    for (line, name) in lines.iter().zip(NAMES) {
        assert_eq!(line.split_whitespace().next(), Some(name), "{out}");
    }
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        [
            "guest_as_member",
            "critical/high",
            "Partner",
            "is",
            "a",
            "Member",
            "in",
            "the",
            "cloud"
        ]
    );
    assert!(lines[12].contains(" info "), "{out}");
    assert!(lines[12].ends_with("Out of sync scope"), "{out}");
}

#[test]
fn the_forms_of_explain_do_not_mix() {
    let (code, _, err) = run(["explain"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("<KIND|--list|--dn <DN>|--upn <UPN>>"), "{err}");
    assert!(err.contains("usertype-audit explain --list"), "{err}");
    let rules = fixture("rules/upn-expression.toml");
    let accounts = fixture("classify/accounts.ldf");
    for args in [
        vec!["explain", "guest_as_member", "--list"],
        vec!["explain", "guest_as_member", "--dn", "CN=X"],
        vec!["explain", "--list", "--rules", "r.toml"],
        vec!["explain", "--dn", "CN=X"],
    ] {
        let (code, out, err) = run(&args);
        assert_eq!(code, Some(2), "{args:?}: {out}{err}");
    }
    let mut args = vec![
        "explain".into(),
        "guest_as_member".into(),
        "--onprem".into(),
    ];
    args.push(accounts.into_os_string());
    args.extend(["--rules".into(), rules.into_os_string()]);
    let (code, _, err) = run(&args);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("cannot be used with"), "{err}");
}

#[test]
fn explain_by_dn_still_shows_the_classification() {
    let (code, out, err) = run([
        "explain".into(),
        "--dn".into(),
        "cn=evil suffix,ou=partners,dc=contoso,dc=com".into(),
        "--onprem".into(),
        fixture("classify/accounts.ldf").into_os_string(),
        "--rules".into(),
        fixture("rules/upn-expression.toml").into_os_string(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.starts_with("CN=Evil Suffix,OU=Partners,DC=contoso,DC=com\n"),
        "{out}"
    );
    assert!(out.contains("outcome: Guest"), "{out}");
}

#[test]
fn the_readme_example_is_what_explain_prints() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let block: Vec<&str> = readme
        .lines()
        .skip_while(|l| *l != "$ usertype-audit explain guest_as_member")
        .skip(1)
        .take_while(|l| !l.starts_with("```"))
        .collect();
    assert!(block.len() > 5, "no explain example in README.md");
    let out = explain("guest_as_member");
    let printed: Vec<&str> = out.lines().collect();
    // Each README line is printed, in order ("..." leaves lines out).
    let mut at = 0;
    for line in block.iter().filter(|l| l.trim() != "...") {
        let found = printed[at..].iter().position(|p| p == line);
        assert!(found.is_some(), "README line not printed: {line:?}\n{out}");
        at += found.unwrap_or(0) + 1;
    }
}

/// Every kind's Example is a finding the audit writes for the bundled forest
/// (with one of the bundled rule files), field for field; and every finding
/// of the forest has a severity that `explain --list` gives its kind.
#[test]
fn documented_examples_and_severities_match_the_audit_of_the_example_forest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut findings: Vec<serde_json::Value> = Vec::new();
    for rules in ["upn-expression", "extension-attribute"] {
        let out = dir.path().join(rules);
        let (code, _, err) = run([
            "--quiet".into(),
            "audit".into(),
            "--onprem".into(),
            fixture("example/onprem.ldf").into_os_string(),
            "--cloud".into(),
            fixture("example/graph-users.json").into_os_string(),
            "--rules".into(),
            fixture(&format!("rules/{rules}.toml")).into_os_string(),
            "--out".into(),
            out.clone().into_os_string(),
            "--format".into(),
            "jsonl".into(),
            "--include-info".into(),
            "--no-hash".into(),
            "--reproducible".into(),
        ]);
        assert_eq!(code, Some(1), "audit with {rules}: {err}");
        let text = std::fs::read_to_string(out.join("findings.jsonl")).expect("findings.jsonl");
        for line in text.lines() {
            findings.push(serde_json::from_str(line).expect("json line"));
        }
    }

    // cloud_state_unknown needs a cloud export without userType (exit 2:
    // the verdict is incomplete).
    let out = dir.path().join("partial");
    let (code, _, err) = run([
        "--quiet".into(),
        "audit".into(),
        "--onprem".into(),
        fixture("audit/onprem.ldf").into_os_string(),
        "--cloud".into(),
        fixture("lying/cloud-without-usertype.json").into_os_string(),
        "--rules".into(),
        fixture("rules/upn-expression.toml").into_os_string(),
        "--allow-partial-cloud".into(),
        "--out".into(),
        out.clone().into_os_string(),
        "--format".into(),
        "jsonl".into(),
        "--no-hash".into(),
        "--reproducible".into(),
    ]);
    assert_eq!(code, Some(2), "partial audit: {err}");
    let text = std::fs::read_to_string(out.join("findings.jsonl")).expect("findings.jsonl");
    for line in text.lines() {
        findings.push(serde_json::from_str(line).expect("json line"));
    }

    let (_, list, _) = run(["explain", "--list"]);
    for name in NAMES {
        let severities: Vec<&str> = list
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .map(|s| s.split('/').collect())
            .unwrap_or_default();
        let of_kind: Vec<&serde_json::Value> =
            findings.iter().filter(|f| f["kind"] == name).collect();
        assert!(!of_kind.is_empty(), "the forest has no {name}");
        for f in &of_kind {
            let severity = f["severity"].as_str().unwrap_or("");
            assert!(
                severities.contains(&severity),
                "{name} found with severity {severity}, documented {severities:?}"
            );
        }

        let fields = example_fields(&explain(name));
        assert!(fields.len() >= 4, "{name}: {fields:?}");
        let same = |f: &serde_json::Value| {
            fields
                .iter()
                .all(|(k, v)| f[k.as_str()].as_str() == Some(v.as_str()))
        };
        assert!(
            of_kind.iter().any(|f| same(f)),
            "the example of {name} is no finding of the forest: {fields:#?}"
        );
    }
}
