//! `--connect-config` through the binary: the decoys of
//! `fixtures/connect/rules-export.ps1` each do what Connect would; the
//! configuration agrees with the equivalent TOML rule on a generated forest;
//! without the outbound rule nothing is managed; `rules check`, `explain`
//! and `audit` with it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn fixture(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(p)
        .display()
        .to_string()
}

/// Runs the binary: (exit code, stdout, stderr).
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::cargo_bin("usertype-audit")
        .expect("binary")
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `classify --format jsonl` rows as (dn, outcome, value, rule).
fn classify(onprem: &str, source: &[&str]) -> Vec<(String, String, String, String)> {
    let mut args = vec!["-q", "classify", "--format", "jsonl", "--onprem", onprem];
    args.extend_from_slice(source);
    let (code, out, err) = run(&args);
    assert_eq!(code, Some(0), "{err}");
    out.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON row");
            let f = |k: &str| v[k].as_str().unwrap_or_default().to_string();
            (f("dn"), f("outcome"), f("value"), f("rule"))
        })
        .collect()
}

fn generated_forest(dir: &Path) -> PathBuf {
    let (code, _, err) = run(&[
        "-q",
        "generate",
        "--users",
        "3000",
        "--seed",
        "7",
        "--out",
        &dir.display().to_string(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    dir.join("onprem.ldf")
}

#[test]
fn each_decoy_does_what_connect_would() {
    let rows = classify(
        &fixture("connect/decoys.ldf"),
        &["--connect-config", &fixture("connect/rules-export.ps1")],
    );
    let by_cn: BTreeMap<String, (String, String, String)> = rows
        .into_iter()
        .map(|(dn, o, v, r)| {
            let cn = dn.split(',').next().unwrap_or_default().to_string();
            (cn, (o, v, r))
        })
        .collect();
    let get = |cn: &str| {
        by_cn
            .get(&format!("CN={cn}"))
            .cloned()
            .unwrap_or_else(|| panic!("no row for {cn}: {by_cn:?}"))
    };
    let learn = "In from AD - User UserType (precedence 50)";
    // The disabled precedence-10 rule (Constant Guest) is ignored, the
    // precedence-20 rule gives NULL, the precedence-30 rule is out of scope,
    // and the precedence-90 Guest never gets a turn.
    assert_eq!(
        get("Member Plain"),
        ("Member".into(), "Member".into(), learn.into())
    );
    assert_eq!(get("Partner Guest").0, "Guest");
    assert_eq!(get("Partner Guest").2, learn);
    // The NULL-returning rule contributes when its marker is set.
    assert_eq!(
        get("Forced Guest"),
        (
            "Guest".into(),
            "Guest".into(),
            "In from AD - User UserType override (precedence 20)".into()
        )
    );
    // The rule scoped to nobody applies to the one account it does scope.
    assert_eq!(
        get("Decoy Department").2,
        "In from AD - User UserType nobody (precedence 30)"
    );
    // AuthoritativeNull: neither the Learn rule (50) nor the fallback (90) contributes.
    let (o, v, r) = get("Suppressed");
    assert_eq!(o, "no_value");
    assert!(v.contains("AuthoritativeNull"), "{v}");
    assert_eq!(r, "In from AD - User UserType suppress (precedence 40)");
    // Error() fails the object; the lower-precedence fallback does not rescue it.
    assert_eq!(
        get("No UPN"),
        (
            "error".into(),
            "UserPrincipalName is not present to determine UserType".into(),
            learn.into()
        )
    );
    // Out of scope: the Join rule's scope, cloudFiltered, the linked mailbox.
    for cn in ["Critical", "Written Back"] {
        let (o, _, r) = get(cn);
        assert_eq!(o, "out_of_scope", "{cn}");
        assert!(r.contains("no Provision rule in scope"), "{cn}: {r}");
    }
    assert_eq!(
        get("Sync Account"),
        (
            "out_of_scope".into(),
            String::new(),
            "In from AD - User Join (precedence 100)".into()
        )
    );
    assert!(get("Linked Mailbox")
        .2
        .contains("no outbound Provision rule"));
}

#[test]
fn the_configuration_agrees_with_the_equivalent_toml_rule_on_a_generated_forest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ldf = generated_forest(dir.path()).display().to_string();
    let connect = classify(
        &ldf,
        &["--connect-config", &fixture("connect/rules-export.ps1")],
    );
    let toml = classify(&ldf, &["--rules", &fixture("rules/upn-expression.toml")]);
    assert_eq!(connect.len(), toml.len());
    assert!(connect.len() >= 3000);
    let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
    for (c, t) in connect.iter().zip(&toml) {
        assert_eq!(c.0, t.0, "same accounts in the same order");
        assert_eq!((&c.1, &c.2), (&t.1, &t.2), "{}: {} vs {}", c.0, c.3, t.3);
        *outcomes.entry(c.1.as_str()).or_default() += 1;
    }
    // The comparison covers every kind of outcome the forest has.
    for o in ["Member", "Guest", "error", "out_of_scope"] {
        assert!(outcomes.get(o).copied().unwrap_or(0) > 0, "{outcomes:?}");
    }

    // Without the outbound rule, sync manages no account's UserType.
    let unmanaged = classify(
        &ldf,
        &[
            "--connect-config",
            &fixture("connect/rules-export-no-outbound.ps1"),
        ],
    );
    assert_eq!(unmanaged.len(), connect.len());
    for (u, c) in unmanaged.iter().zip(&connect) {
        match c.1.as_str() {
            // Out of scope and failing objects stay so; every other account is not managed.
            "out_of_scope" | "error" => assert_eq!(u.1, c.1, "{}", u.0),
            _ => {
                assert_eq!(u.1, "not_managed", "{}", u.0);
                assert!(u.2.contains("created as Member"), "{}", u.2);
                assert!(u.3.contains("no outbound rule exports userType"), "{}", u.3);
            }
        }
    }
}

#[test]
fn rules_check_reports_each_mistake_with_rule_and_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bad.ps1");
    let rule = |name: &str, prec: i64, dir: &str, flow: &str| {
        format!(
            "New-ADSyncRule -Name '{name}' -Direction '{dir}' -Precedence {prec} `\n  \
             -SourceObjectType 'user' -TargetObjectType 'person' -OutVariable syncRule\n\
             {flow}\
             Add-ADSyncRule -SynchronizationRule $syncRule[0]\n"
        )
    };
    let flow = |ty: &str, rest: &str| {
        format!(
            "Add-ADSyncAttributeFlowMapping -SynchronizationRule $syncRule[0] -Destination \
             'userType' -FlowType '{ty}' {rest} -OutVariable syncRule\n"
        )
    };
    let text = [
        rule("A", 40, "Inbound", &flow("Constant", "-Source @('guest')")),
        rule(
            "B",
            40,
            "Inbound",
            &flow("Expression", "-Expression 'IIF(,'"),
        ),
        rule(
            "C",
            150,
            "Inbound",
            &flow("Direct", "-Source @('extensionAttribute1')"),
        ),
        rule(
            "D",
            41,
            "Inbound",
            &flow("Expression", "-Expression 'IIF([x]=\"1\",\"Guest\",[y])'"),
        ),
    ]
    .concat();
    std::fs::write(&path, text).expect("write");
    let p = path.display().to_string();
    let (code, out, err) = run(&["rules", "check", "--connect-config", &p]);
    assert_eq!(code, Some(1), "{out}{err}");
    let has = |line: usize, code: &str, name: &str| {
        err.lines().any(|l| {
            l.starts_with(&format!("{p}:{line}:"))
                && l.contains(&format!("[{code}]"))
                && l.contains(&format!("`{name}`"))
        })
    };
    assert!(has(3, "usertype-values", "A"), "{err}");
    assert!(has(5, "same-precedence", "B"), "{err}");
    assert!(has(7, "bad-expression", "B"), "{err}");
    assert!(has(9, "custom-precedence", "C"), "{err}");
    assert!(has(11, "usertype-values", "C"), "{err}");
    assert!(has(15, "usertype-values", "D"), "{err}");
    assert!(err.contains("a computed value (`[y]`)"), "{err}");
    assert!(has(1, "inbound-without-outbound", "A"), "{err}");
    // The fixture itself is clean.
    let (code, out, err) = run(&[
        "rules",
        "check",
        "--connect-config",
        &fixture("connect/rules-export.ps1"),
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("11 synchronization rules (10 enabled)"),
        "{out}"
    );
    assert!(out.contains("0 error(s), 0 warning(s)"), "{out}");
}

#[test]
fn an_unreadable_configuration_stops_classify_with_file_and_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("cut.ps1");
    std::fs::write(&path, "New-ADSyncRule `\n  -Name 'never closed\n").expect("write");
    let p = path.display().to_string();
    let (code, _, err) = run(&[
        "classify",
        "--onprem",
        &fixture("connect/decoys.ldf"),
        "--connect-config",
        &p,
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(&format!("{p}:2:9: error[unreadable]")),
        "{err}"
    );
    assert!(err.contains("rules check --connect-config"), "{err}");
}

#[test]
fn explain_lists_every_rule_considered_and_the_winner() {
    let (code, out, err) = run(&[
        "explain",
        "--onprem",
        &fixture("connect/decoys.ldf"),
        "--connect-config",
        &fixture("connect/rules-export.ps1"),
        "--upn",
        "suppressed@contoso.com",
    ]);
    assert_eq!(code, Some(0), "{err}");
    for want in [
        "(old, disabled) (precedence 10): disabled, ignored",
        "nobody (precedence 30): not in scope: `department EQUAL Decoy-No-Such-Department` fails",
        "override (precedence 20): userType ← NULL",
        "suppress (precedence 40): userType ← AuthoritativeNull",
        "outbound Out to AAD - User UserType (precedence 51): in scope",
        "outcome: no_value",
        "(rule: In from AD - User UserType suppress (precedence 40))",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    // The Learn rule is in scope but contributes nothing after AuthoritativeNull.
    assert!(
        !out.contains("User UserType (precedence 50): userType"),
        "{out}"
    );
}

#[test]
fn the_audit_names_the_deciding_rule() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ldf = generated_forest(dir.path());
    let report = dir.path().join("report");
    let (code, _, err) = run(&[
        "-q",
        "audit",
        "--onprem",
        &ldf.display().to_string(),
        "--cloud",
        &dir.path().join("graph-users.json").display().to_string(),
        "--connect-config",
        &fixture("connect/rules-export.ps1"),
        "--out",
        &report.display().to_string(),
        "--format",
        "jsonl,summary",
    ]);
    assert!(matches!(code, Some(0 | 1)), "{err}");
    let summary = std::fs::read_to_string(report.join("summary.json")).expect("summary");
    let summary: serde_json::Value = serde_json::from_str(&summary).expect("json");
    assert_eq!(summary["rules"]["flow"], "connect", "{summary}");
    let findings = std::fs::read_to_string(report.join("findings.jsonl")).expect("findings");
    let rules: Vec<String> = findings
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["rule"].as_str().map(str::to_string))
        .collect();
    assert!(
        rules
            .iter()
            .any(|r| r == "In from AD - User UserType (precedence 50)"),
        "{rules:?}"
    );
}

#[test]
fn a_folder_of_scripts_with_the_policy_file_filters_ous() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ldf = generated_forest(dir.path()).display().to_string();
    let folder = classify(&ldf, &["--connect-config", &fixture("connect/per-rule")]);
    let single = classify(
        &ldf,
        &["--connect-config", &fixture("connect/rules-export.ps1")],
    );
    assert_eq!(folder.len(), single.len());
    let (mut partners, mut employees) = (0, 0);
    for (f, s) in folder.iter().zip(&single) {
        let dn = f.0.to_ascii_lowercase();
        if dn.ends_with(",ou=partners,ou=external,dc=contoso,dc=com") {
            // Excluded below an included container.
            partners += 1;
            assert_eq!(f.1, "out_of_scope", "{}", f.0);
            assert!(f.3.starts_with("connect: OU filtering ("), "{}", f.3);
            assert!(f.3.contains("Applied-SynchronizationPolicy"), "{}", f.3);
        } else if dn.ends_with(",ou=employees,ou=users,dc=contoso,dc=com") {
            // Selected: the same as without the policy file.
            employees += 1;
            assert_eq!(f, s);
        } else if dn.ends_with(",cn=users,dc=contoso,dc=com") {
            // Under no included container.
            assert_eq!(f.1, "out_of_scope", "{}", f.0);
        }
    }
    assert!(partners > 100 && employees > 1000, "{partners} {employees}");
}

/// Without an outbound userType rule, sync gives no account a UserType: the
/// audit cannot tell partners from employees, so it must not pass (the
/// example forest has partners who are Members in the cloud).
#[test]
fn an_audit_without_the_outbound_rule_is_incomplete() {
    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("report");
    let (code, out, err) = run(&[
        "audit",
        "--onprem",
        &fixture("example/onprem.ldf"),
        "--cloud",
        &fixture("example/graph-users.json"),
        "--connect-config",
        &fixture("connect/rules-export-no-outbound.ps1"),
        "--out",
        &report.display().to_string(),
        "--format",
        "summary",
    ]);
    assert_eq!(code, Some(2), "{out}\n{err}");
    let summary = std::fs::read_to_string(report.join("summary.json")).expect("summary");
    let summary: serde_json::Value = serde_json::from_str(&summary).expect("json");
    assert_eq!(summary["verdict"], "incomplete", "{summary}");
    let reasons = summary["reasons"].as_array().expect("reasons");
    let reason = reasons
        .iter()
        .find(|r| r["code"] == "usertype_not_synced")
        .unwrap_or_else(|| panic!("no usertype_not_synced reason: {reasons:?}"));
    let detail = reason["detail"].as_str().expect("detail");
    // 996 audited, less the 2 without a UPN, whose inbound rule raises Error()
    // (the rule_error findings of the TOML audit): an error fails the object
    // whatever the outbound rules do.
    assert!(detail.starts_with("994 account(s) in scope"), "{detail}");
    assert!(out.contains("usertype_not_synced"), "{out}");
}
