//! The plans applied by the test's own appliers, then audited again
//! (issue 16's acceptance): the cloud plan leaves no guest_as_member or
//! member_as_guest and changes no other finding, its undo restores every
//! value, and after `populate` a Direct flow from the stamped attribute
//! classifies every account as the original rule did.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::plan_support::*;
use assert_cmd::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tool() -> Command {
    let mut c = Command::cargo_bin("usertype-audit").expect("binary");
    c.current_dir(root()).arg("--quiet");
    c
}

fn audit(onprem: &Path, cloud: &Path, out: &Path, plan: bool) {
    let mut c = tool();
    c.args(["audit", "--reproducible", "--include-info", "--onprem"])
        .arg(onprem)
        .arg("--cloud")
        .arg(cloud)
        .args(["--rules", "fixtures/rules/upn-expression.toml", "--out"])
        .arg(out);
    if plan {
        c.arg("--plan");
    }
    let o = c.output().expect("run");
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn is_usertype_conflict(f: &serde_json::Value) -> bool {
    matches!(
        f["kind"].as_str(),
        Some("guest_as_member" | "member_as_guest")
    )
}

#[test]
fn the_cloud_plan_fixes_every_usertype_conflict_and_nothing_else_and_undo_restores() {
    let dir = tempfile::tempdir().expect("tempdir");
    let onprem = root().join("fixtures/example/onprem.ldf");
    let cloud = root().join("fixtures/example/graph-users.json");
    let before_dir = dir.path().join("before");
    audit(&onprem, &cloud, &before_dir, true);
    let before = findings(&before_dir.join("findings.jsonl"));
    assert!(before.iter().filter(|f| is_usertype_conflict(f)).count() > 10);

    let pages = fs::read_to_string(&cloud).expect("cloud");
    let plan =
        fs::read_to_string(before_dir.join("plan/cloud-usertype.batch.jsonl")).expect("plan");
    let after_pages = apply_batches(&pages, &plan);
    let after_cloud = dir.path().join("graph-after.json");
    fs::write(&after_cloud, &after_pages).expect("write");
    let after_dir = dir.path().join("after");
    audit(&onprem, &after_cloud, &after_dir, false);
    let after = findings(&after_dir.join("findings.jsonl"));
    assert!(!after.iter().any(is_usertype_conflict), "conflicts left");
    let others = |v: &[serde_json::Value]| -> Vec<serde_json::Value> {
        v.iter()
            .filter(|f| !is_usertype_conflict(f))
            .cloned()
            .collect()
    };
    assert_eq!(others(&before), others(&after), "another finding changed");

    let undo =
        fs::read_to_string(before_dir.join("plan/undo/cloud-usertype.batch.jsonl")).expect("undo");
    let restored = apply_batches(&after_pages, &undo);
    let parse = |s: &str| -> Vec<serde_json::Value> {
        s.lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect()
    };
    assert_eq!(
        parse(&restored),
        parse(&pages),
        "undo did not restore every value"
    );
}

/// `classify` rows as dn -> (outcome, value).
fn classify(onprem: &Path, rules: &Path) -> BTreeMap<String, (String, String)> {
    let o = tool()
        .args(["classify", "--onprem"])
        .arg(onprem)
        .arg("--rules")
        .arg(rules)
        .output()
        .expect("run");
    let mut r = csv::Reader::from_reader(o.stdout.as_slice());
    r.records()
        .map(|rec| {
            let rec = rec.expect("row");
            (rec[0].to_string(), (rec[3].to_string(), rec[4].to_string()))
        })
        .collect()
}

fn populate(onprem: &Path, rules: &str, attribute: &str, out: &Path, extra: &[&str]) -> i32 {
    let o = tool()
        .args(["populate", "--attribute", attribute, "--onprem"])
        .arg(onprem)
        .args(["--rules", rules, "--out"])
        .arg(out)
        .args(extra)
        .output()
        .expect("run");
    o.status.code().expect("exit code")
}

#[test]
fn after_populate_a_direct_flow_gives_what_the_rules_gave_and_undo_restores() {
    let dir = tempfile::tempdir().expect("tempdir");
    let onprem = root().join("fixtures/example/onprem.ldf");
    let out = dir.path().join("populate");
    // Two accounts raise Error(): listed, not stamped, so exit 1.
    assert_eq!(
        populate(
            &onprem,
            "fixtures/rules/upn-expression.toml",
            "extensionAttribute9",
            &out,
            &[]
        ),
        1
    );
    let original = fs::read(&onprem).expect("read");
    let mut records = parse_ldif(&original);
    let changes = parse_ldif(&fs::read(out.join("changes.ldf")).expect("changes"));
    assert!(changes.len() > 900);
    apply_ldif(&mut records, &changes);
    let stamped = dir.path().join("stamped.ldf");
    fs::write(&stamped, write_ldif(&records)).expect("write");

    let direct = dir.path().join("direct.toml");
    fs::write(
        &direct,
        "[usertype]\nsource_attribute = \"extensionAttribute9\"\n\n[scope]\nout_of_box = true\n",
    )
    .expect("rules");
    let by_rules = classify(&onprem, &root().join("fixtures/rules/upn-expression.toml"));
    let by_attr = classify(&stamped, &direct);
    assert_eq!(by_rules.len(), by_attr.len());
    let mut compared = 0;
    for (dn, (outcome, value)) in &by_rules {
        let got = by_attr.get(dn).expect("same accounts");
        if matches!(value.as_str(), "Member" | "Guest") && outcome != "out_of_scope" {
            assert_eq!(got, &(outcome.clone(), value.clone()), "{dn}");
            compared += 1;
        } else {
            // Not stamped: the attribute stays absent.
            assert_ne!(got.1, "Member", "{dn}");
            assert_ne!(got.1, "Guest", "{dn}");
        }
    }
    assert!(compared > 900);
    let listed = fs::read_to_string(out.join("populate.csv")).expect("csv");
    assert_eq!(
        listed
            .lines()
            .filter(|l| l.ends_with(",rule_error"))
            .count(),
        2
    );

    let undo = parse_ldif(&fs::read(out.join("undo.ldf")).expect("undo"));
    apply_ldif(&mut records, &undo);
    let mut original_records = parse_ldif(&original);
    let sort = |rs: &mut Vec<Record>| {
        for r in rs.iter_mut() {
            r[1..].sort();
        }
    };
    sort(&mut records);
    sort(&mut original_records);
    assert_eq!(
        records, original_records,
        "undo did not restore every value"
    );
}

#[test]
fn an_existing_different_value_is_kept_unless_overwrite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let onprem = root().join("fixtures/example/onprem.ldf");
    // The example's extensionAttribute1 holds Member/Guest for most accounts
    // and `External`, `guest` for a few: the UPN rule disagrees with some.
    let kept = dir.path().join("kept");
    populate(
        &onprem,
        "fixtures/rules/upn-expression.toml",
        "extensionAttribute1",
        &kept,
        &[],
    );
    let csv_text = fs::read_to_string(kept.join("populate.csv")).expect("csv");
    let kept_rows: Vec<&str> = csv_text.lines().filter(|l| l.ends_with(",kept")).collect();
    assert!(!kept_rows.is_empty());
    let changes = parse_ldif(&fs::read(kept.join("changes.ldf")).expect("changes"));
    let changed: std::collections::HashSet<Vec<u8>> =
        changes.iter().map(|r| r[0].1.clone()).collect();
    let export = parse_ldif(&fs::read(&onprem).expect("read"));
    for r in &export {
        let had = values(r, "extensionAttribute1");
        if changed.contains(&r[0].1) {
            assert!(
                had.is_empty(),
                "a present value was changed without --overwrite"
            );
        }
    }
    let over = dir.path().join("over");
    populate(
        &onprem,
        "fixtures/rules/upn-expression.toml",
        "extensionAttribute1",
        &over,
        &["--overwrite"],
    );
    let csv_text = fs::read_to_string(over.join("populate.csv")).expect("csv");
    let replaced = csv_text.lines().filter(|l| l.ends_with(",replace")).count();
    assert_eq!(replaced, kept_rows.len());
    let undo = parse_ldif(&fs::read(over.join("undo.ldf")).expect("undo"));
    let by_dn: BTreeMap<&[u8], &Record> = export.iter().map(|r| (r[0].1.as_slice(), r)).collect();
    for u in &undo {
        let original = by_dn[u[0].1.as_slice()];
        let had = values(original, "extensionAttribute1");
        let restored: Vec<&[u8]> = u[3..]
            .iter()
            .filter(|(n, _)| n == "extensionAttribute1")
            .map(|(_, v)| v.as_slice())
            .collect();
        assert_eq!(restored, had);
    }
}

#[test]
fn an_attribute_the_audit_reads_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let onprem = root().join("fixtures/example/onprem.ldf");
    for attr in ["userPrincipalName", "extensionAttribute1", "mail"] {
        let out = dir.path().join(attr);
        let rules = if attr == "extensionAttribute1" {
            "fixtures/rules/extension-attribute.toml"
        } else {
            "fixtures/rules/upn-expression.toml"
        };
        let o = tool()
            .args(["populate", "--attribute", attr, "--onprem"])
            .arg(&onprem)
            .args(["--rules", rules, "--out"])
            .arg(&out)
            .output()
            .expect("run");
        assert_eq!(o.status.code(), Some(2), "{attr}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("designate an unused attribute"), "{err}");
        assert!(!out.join("changes.ldf").exists());
    }
    let o = tool()
        .args(["populate", "--attribute", "bad name", "--onprem"])
        .arg(&onprem)
        .args(["--rules", "fixtures/rules/upn-expression.toml", "--out"])
        .arg(dir.path().join("x"))
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_record_that_cannot_be_read_makes_populate_fail_and_say_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ldif = dir.path().join("broken.ldf");
    fs::write(
        &ldif,
        "dn: CN=a,DC=contoso,DC=com\nobjectClass: user\nuserPrincipalName: a@contoso.com\n\
         sAMAccountName: a\nobjectGUID:: AQIDBAUGBwgJCgsMDQ4PEA==\n\n\
         dn: CN=b,DC=contoso,DC=com\nobjectClass: user\nuserPrincipalName:: !!!not base64\n\n",
    )
    .expect("write");
    let out = dir.path().join("out");
    let o = tool()
        .args(["populate", "--attribute", "extensionAttribute9", "--onprem"])
        .arg(&ldif)
        .args(["--rules", "fixtures/rules/upn-expression.toml", "--out"])
        .arg(&out)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("1 record(s) could not be read"), "{err}");
    let changes = parse_ldif(&fs::read(out.join("changes.ldf")).expect("changes"));
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0][0].1, b"CN=a,DC=contoso,DC=com");
}

#[test]
fn populate_from_the_connect_configuration_stamps_what_the_equivalent_rule_file_does() {
    // An audit made with --connect-config leads to PLAN.md's populate step:
    // the same configuration must be usable there.
    let dir = tempfile::tempdir().expect("tempdir");
    let onprem = root().join("fixtures/example/onprem.ldf");
    let from_toml = dir.path().join("toml");
    let from_connect = dir.path().join("connect");
    let code = populate(
        &onprem,
        "fixtures/rules/upn-expression.toml",
        "extensionAttribute9",
        &from_toml,
        &[],
    );
    assert_eq!(code, 1, "two accounts raise a rule error");
    let o = tool()
        .args(["populate", "--attribute", "extensionAttribute9", "--onprem"])
        .arg(&onprem)
        .args([
            "--connect-config",
            "fixtures/connect/rules-export.ps1",
            "--out",
        ])
        .arg(&from_connect)
        .output()
        .expect("run");
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let csv = |d: &Path| fs::read_to_string(d.join("populate.csv")).expect("populate.csv");
    let connect_csv = csv(&from_connect);
    assert_eq!(connect_csv, csv(&from_toml));
    assert!(connect_csv.contains(",Guest,stamp"), "{connect_csv}");
    let script = fs::read_to_string(from_connect.join("populate.ps1")).expect("script");
    assert!(
        script.contains("rules-export.ps1"),
        "the script names its rule source"
    );
}

#[test]
fn the_plan_of_a_connect_audit_sends_populate_the_same_configuration() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report");
    let o = tool()
        .args(["audit", "--reproducible", "--plan", "--onprem"])
        .arg(root().join("fixtures/example/onprem.ldf"))
        .arg("--cloud")
        .arg(root().join("fixtures/example/graph-users.json"))
        .args([
            "--connect-config",
            "fixtures/connect/rules-export.ps1",
            "--out",
        ])
        .arg(&out)
        .output()
        .expect("run");
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let plan = fs::read_to_string(out.join("plan/PLAN.md")).expect("PLAN.md");
    assert!(
        plan.contains("--onprem ... --connect-config fixtures/connect/rules-export.ps1 --out DIR"),
        "{plan}"
    );
    assert!(!plan.contains("--rules"), "{plan}");
}

#[test]
fn a_waived_conflict_is_left_out_of_the_cloud_plan_and_said_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let onprem = root().join("fixtures/example/onprem.ldf");
    let cloud = root().join("fixtures/example/graph-users.json");
    let first = dir.path().join("first");
    audit(&onprem, &cloud, &first, true);
    let findings = fs::read_to_string(first.join("findings.jsonl")).expect("findings");
    let gam: serde_json::Value = findings
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
        .find(|f| f["kind"] == "guest_as_member")
        .expect("a guest_as_member");
    let (id, cloud_id) = (
        gam["id"].as_str().expect("id"),
        gam["cloud_id"].as_str().expect("cloud_id"),
    );
    let batch =
        |d: &Path| fs::read_to_string(d.join("plan/cloud-usertype.batch.jsonl")).expect("batch");
    assert!(batch(&first).contains(cloud_id));

    let waivers = dir.path().join("waivers.toml");
    fs::write(
        &waivers,
        format!(
            "[[waiver]]\nid = \"{id}\"\nreason = \"EDI account\"\nowner = \"alice\"\nexpires = 2099-12-31\n"
        ),
    )
    .expect("write");
    let second = dir.path().join("second");
    let o = tool()
        .args([
            "audit",
            "--reproducible",
            "--as-of",
            "2026-12-07",
            "--plan",
            "--onprem",
        ])
        .arg(&onprem)
        .arg("--cloud")
        .arg(&cloud)
        .args(["--rules", "fixtures/rules/upn-expression.toml", "--waivers"])
        .arg(&waivers)
        .arg("--out")
        .arg(&second)
        .output()
        .expect("run");
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for file in [
        "plan/cloud-usertype.batch.jsonl",
        "plan/undo/cloud-usertype.batch.jsonl",
        "plan/cloud-usertype.ps1",
    ] {
        let text = fs::read_to_string(second.join(file)).expect(file);
        assert!(
            !text.contains(cloud_id),
            "{file} still changes the waived user"
        );
    }
    let plan = fs::read_to_string(second.join("plan/PLAN.md")).expect("PLAN.md");
    assert!(plan.contains("because the finding is waived"), "{plan}");
    assert!(plan.contains(cloud_id), "{plan}");
    let lines = |d: &Path| {
        batch(d)
            .lines()
            .map(|l| l.matches("\"PATCH\"").count())
            .sum::<usize>()
    };
    assert_eq!(lines(&second) + 1, lines(&first));
}
