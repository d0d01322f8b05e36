//! `classify`, `explain`, `rules check` and `init` through the binary.

use std::collections::BTreeMap;
use std::fs;

use crate::common::{bin, fixture};

/// `classify --format jsonl` of fixtures/classify/accounts.ldf: CN → (outcome, value, rule).
fn classify(rules: &str) -> BTreeMap<String, (String, String, String)> {
    let out = bin()
        .args(["--quiet", "classify", "--format", "jsonl", "--onprem"])
        .arg(fixture("classify/accounts.ldf"))
        .arg("--rules")
        .arg(fixture(rules))
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf8")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json");
            let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
            let cn = s("dn")
                .split(',')
                .next()
                .unwrap_or("")
                .trim_start_matches("CN=")
                .to_string();
            (cn, (s("outcome"), s("value"), s("rule")))
        })
        .collect()
}

fn row<'a>(
    rows: &'a BTreeMap<String, (String, String, String)>,
    cn: &str,
) -> (&'a str, &'a str, &'a str) {
    let (o, v, r) = rows
        .get(cn)
        .unwrap_or_else(|| panic!("no row for {cn}: {rows:?}"));
    (o, v, r)
}

#[test]
fn the_learn_sample_expression_tests_contains_and_fails_without_upn() {
    let rows = classify("rules/upn-expression.toml");
    assert_eq!(rows.len(), 6);
    assert_eq!(row(&rows, "Evil Suffix"), ("Guest", "Guest", "Expression"));
    assert_eq!(row(&rows, "Upper Case"), ("Guest", "Guest", "Expression"));
    assert_eq!(row(&rows, "Employee"), ("Member", "Member", "Expression"));
    assert_eq!(
        row(&rows, "No UPN"),
        (
            "error",
            "UserPrincipalName is not present to determine UserType",
            "Expression"
        )
    );
    assert_eq!(
        row(&rows, "MSOL_0123456789ab"),
        ("out_of_scope", "", "scope: cloudFiltered")
    );
    assert_eq!(
        row(&rows, "krbtgt"),
        (
            "out_of_scope",
            "",
            "scope: isCriticalSystemObject NOTEQUAL TRUE"
        )
    );
}

#[test]
fn a_direct_flow_passes_values_raw() {
    let rows = classify("rules/extension-attribute.toml");
    let rule = "Direct: extensionAttribute1";
    assert_eq!(row(&rows, "Evil Suffix"), ("Guest", "Guest", rule));
    assert_eq!(row(&rows, "No UPN"), ("invalid", "guest", rule));
    assert_eq!(row(&rows, "Upper Case"), ("invalid", "Guest ", rule));
    assert_eq!(row(&rows, "Employee"), ("Member", "Member", rule));
}

#[test]
fn classify_csv_has_a_header_and_one_row_per_account() {
    let out = bin()
        .args(["--quiet", "classify", "--onprem"])
        .arg(fixture("classify/accounts.ldf"))
        .arg("--rules")
        .arg(fixture("rules/upn-expression.toml"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).expect("utf8");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("dn,upn,source_anchor,outcome,value,rule,source")
    );
    assert_eq!(lines.count(), 6);
    // The source anchor of the first account: objectGUID bytes 00..0f in base64.
    assert!(text.contains(",AAECAwQFBgcICQoLDA0ODw==,"), "{text}");
    assert!(
        text.contains("accounts.ldf:1\r\n") || text.contains("accounts.ldf:1\n"),
        "{text}"
    );
}

#[test]
fn explain_shows_the_value_of_every_sub_expression() {
    let out = bin()
        .args([
            "explain",
            "--upn",
            "x@partners.fabrikam123.org.evil.com",
            "--onprem",
        ])
        .arg(fixture("classify/accounts.ldf"))
        .arg("--rules")
        .arg(fixture("rules/upn-expression.toml"))
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("CN=Evil Suffix,OU=Partners,DC=contoso,DC=com"),
        "{text}"
    );
    assert!(
        text.contains("[userPrincipalName] = \"x@partners.fabrikam123.org.evil.com\""),
        "{text}"
    );
    // InStr finds the partner domain at position 2: "contains", so Guest.
    assert!(
        text.contains("InStr(LCase([userPrincipalName]),\"@partners.fabrikam123.org\") = 2"),
        "{text}"
    );
    assert!(text.contains("outcome: Guest"), "{text}");
    // Unknown accounts exit 1.
    let out = bin()
        .args(["explain", "--dn", "CN=Nobody,DC=contoso,DC=com", "--onprem"])
        .arg(fixture("classify/accounts.ldf"))
        .arg("--rules")
        .arg(fixture("rules/upn-expression.toml"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn rules_check_accepts_the_bundled_files_and_points_at_errors() {
    for f in [
        "rules/upn-expression.toml",
        "rules/extension-attribute.toml",
    ] {
        let out = bin()
            .args(["rules", "check"])
            .arg(fixture(f))
            .output()
            .expect("run");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{f}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.toml");
    fs::write(
        &bad,
        "[usertype]\nexpression = 'IIF(IsPresent([userPrincipalName]),lcase([userPrincipalName]),\"Member\")'\n",
    )
    .expect("write");
    let out = bin()
        .args(["rules", "check"])
        .arg(&bad)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml:2:"), "{err}");
    assert!(err.contains("LCase"), "{err}");
    assert!(err.contains('^'), "{err}");
    // A value other than Member/Guest in a simple rule is refused at load.
    fs::write(
        &bad,
        "[[rule]]\nname = \"p\"\nuser_type = \"guest\"\nwhen = { attribute = \"company\", equals = \"x\" }\n",
    )
    .expect("write");
    let out = bin()
        .args(["rules", "check"])
        .arg(&bad)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml:3:13: error: user type `guest` is not valid"),
        "{err}"
    );
}

#[test]
fn rules_check_warns_on_unparenthesised_mixed_chains() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("mixed.toml");
    fs::write(
        &f,
        "[usertype]\nexpression = 'IIF(IsPresent([company]) || [employeeType] = \"Vendor\", \"Guest\", \"Member\")'\n",
    )
    .expect("write");
    let out = bin()
        .args(["rules", "check"])
        .arg(&f)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("warning"), "{err}");
    assert!(err.contains("parenthes"), "{err}");
}

#[test]
fn init_writes_a_starter_that_checks_clean_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rules.toml");
    let out = bin().arg("init").arg(&path).output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    let out = bin()
        .args(["rules", "check"])
        .arg(&path)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    fs::write(&path, "mine").expect("write");
    let out = bin().arg("init").arg(&path).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(fs::read_to_string(&path).expect("read"), "mine");
    let out = bin().args(["init", "-"]).output().expect("run");
    assert!(String::from_utf8_lossy(&out.stdout).contains("[usertype]"));
}

#[test]
fn rules_check_flags_a_misspelt_attribute_in_a_simple_rule() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("rules.toml");
    fs::write(
        &f,
        "[usertype]\ndefault = \"Member\"\n[[rule]]\nname = \"partners\"\nuser_type = \"Guest\"\n\
         when = { attribute = \"userPrincipalNam\", ends_with = \"@partners.contoso.com\" }\n",
    )
    .expect("write");
    let out = bin()
        .args(["rules", "check"])
        .arg(&f)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("rules.toml:6:22: warning: rule `partners`: `userPrincipalNam` is not an Active Directory attribute name"),
        "{stderr}"
    );
    assert!(
        stderr.contains("did you mean `userPrincipalName`?"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("1 warning(s)"), "{stdout}");
}

#[test]
fn rules_check_prints_the_corrected_expression_of_a_contains_lint() {
    let out = bin()
        .args(["rules", "check"])
        .arg(fixture("rules/upn-expression.toml"))
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "  corrected: IIF(IsPresent([userPrincipalName]),IIF(CBool(Right(LCase([userPrincipalName]), 25) <> \"@partners.fabrikam123.org\"),\"Member\",\"Guest\")"
        ),
        "{stderr}"
    );
}
