//! `diff` and `audit --baseline`: after the cloud export changes (some
//! conflicts fixed, some new), the diff lists exactly those; hostile report
//! folders are clear errors; `diff.md` of a small fixture is a golden file
//! (`UPDATE_GOLDEN=1 cargo test --test history_diff` rewrites it).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use usertype_audit::generate::{generate, GenerateOptions};

fn bin() -> Command {
    Command::cargo_bin("usertype-audit").expect("binary")
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn rules(name: &str) -> PathBuf {
    root().join("fixtures/rules").join(name)
}

fn audit(cwd: &Path, onprem: &Path, cloud: &Path, rules: &Path, out: &str, extra: &[&str]) {
    let run = bin()
        .current_dir(cwd)
        .args(["--quiet", "audit", "--reproducible", "--onprem"])
        .arg(onprem)
        .arg("--cloud")
        .arg(cloud)
        .arg("--rules")
        .arg(rules)
        .args(["--out", out])
        .args(extra)
        .output()
        .expect("run");
    // 2 is an incomplete audit, which still writes its reports.
    assert!(
        matches!(run.status.code(), Some(0..=2)) && cwd.join(out).join("summary.json").exists(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

fn diff(cwd: &Path, old: &str, new: &str, out: &str) -> std::process::Output {
    bin()
        .current_dir(cwd)
        .args(["diff", old, new, "--out", out])
        .output()
        .expect("run")
}

/// Rewrites a Graph export (one page per line) with `edit` applied to every user.
fn edit_cloud(
    from: &Path,
    to: &Path,
    mut edit: impl FnMut(&mut serde_json::Map<String, Value>) -> bool,
) {
    let mut out = String::new();
    for line in fs::read_to_string(from).expect("cloud").lines() {
        let mut page: Value = serde_json::from_str(line).expect("page");
        let users = page["value"].as_array_mut().expect("value");
        users.retain_mut(|u| edit(u.as_object_mut().expect("user")));
        out.push_str(&page.to_string());
        out.push('\n');
    }
    fs::write(to, out).expect("write cloud");
}

fn findings(dir: &Path) -> Vec<Value> {
    fs::read_to_string(dir.join("findings.jsonl"))
        .expect("jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

fn cloud_ids(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .expect("array")
        .iter()
        .map(|f| f["cloud_id"].as_str().expect("cloud id").to_owned())
        .collect()
}

#[test]
fn fixed_and_introduced_conflicts_are_exactly_the_resolved_and_new_findings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let forest = d.join("forest");
    let opts = GenerateOptions {
        users: 1500,
        seed: 21,
        ..GenerateOptions::default()
    };
    generate(&opts, &forest).expect("generate");
    let onprem = forest.join("onprem.ldf");
    let rules = rules("upn-expression.toml");
    audit(
        d,
        &onprem,
        &forest.join("graph-users.json"),
        &rules,
        "a",
        &[],
    );
    let before = findings(&d.join("a"));
    // Fix four partners who are Members in the cloud...
    let fixed: BTreeSet<String> = before
        .iter()
        .filter(|f| f["kind"] == "guest_as_member")
        .take(4)
        .map(|f| f["cloud_id"].as_str().expect("cloud id").to_owned())
        .collect();
    assert_eq!(fixed.len(), 4, "the forest has partners who are Members");
    // ...and make three partners who are rightly Guests Members.
    let flagged: BTreeSet<&str> = before
        .iter()
        .filter_map(|f| f["cloud_id"].as_str())
        .collect();
    let mut introduced = BTreeSet::new();
    edit_cloud(
        &forest.join("graph-users.json"),
        &d.join("cloud2.json"),
        |u| {
            let id = u["id"].as_str().unwrap_or_default().to_owned();
            if fixed.contains(&id) {
                u.insert("userType".into(), "Guest".into());
            } else if introduced.len() < 3
                && u["userType"] == "Guest"
                && u["onPremisesSyncEnabled"] == true
                && u["accountEnabled"] == true
                && !flagged.contains(id.as_str())
                && u["userPrincipalName"]
                    .as_str()
                    .is_some_and(|p| p.ends_with("@partners.fabrikam123.org"))
            {
                u.insert("userType".into(), "Member".into());
                introduced.insert(id);
            }
            true
        },
    );
    assert_eq!(introduced.len(), 3, "the forest has synced partner Guests");
    audit(d, &onprem, &d.join("cloud2.json"), &rules, "b", &[]);

    let run = diff(d, "a", "b", "d");
    assert_eq!(run.status.code(), Some(1), "new critical findings fail");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("3 new, 4 resolved, 0 changed"), "{stdout}");
    assert!(
        run.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let json: Value =
        serde_json::from_str(&fs::read_to_string(d.join("d/diff.json")).expect("diff.json"))
            .expect("json");
    assert_eq!(cloud_ids(&json["resolved"]), fixed);
    assert_eq!(cloud_ids(&json["new"]), introduced);
    for f in json["new"].as_array().expect("new") {
        assert_eq!(f["kind"], "guest_as_member");
        assert_eq!(f["severity"], "critical");
    }
    assert_eq!(json["changed"], Value::Array(vec![]));
    let unchanged = json["counts"]["unchanged"].as_u64().expect("unchanged");
    assert_eq!(unchanged as usize, before.len() - 4);
    assert_eq!(json["warnings"], Value::Array(vec![]));
    assert_eq!(json["failed"], true);
    // The new ids are the ids the newer audit gave those findings.
    let after = findings(&d.join("b"));
    let without_waiver = |f: &Value| {
        let mut f = f.as_object().expect("object").clone();
        f.remove("waiver");
        f
    };
    let after: Vec<_> = after.iter().map(without_waiver).collect();
    for f in json["new"].as_array().expect("new") {
        assert!(after.contains(&without_waiver(f)), "{f}");
    }
    let md = fs::read_to_string(d.join("d/diff.md")).expect("md");
    let html = fs::read_to_string(d.join("d/diff.html")).expect("html");
    for f in json["new"]
        .as_array()
        .expect("new")
        .iter()
        .chain(json["resolved"].as_array().expect("r"))
    {
        let id = f["id"].as_str().expect("id");
        assert!(md.contains(id) && html.contains(id), "{id}");
    }
    assert!(html.starts_with("<!DOCTYPE html>") && !html.contains("<script"));

    // With --fail-on critical... still fails; a diff with itself passes.
    let same = diff(d, "b", "b", "same");
    assert_eq!(same.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&same.stdout).contains("0 new, 0 resolved, 0 changed"));

    // audit --baseline writes the same diff into the new report folder.
    audit(
        d,
        &onprem,
        &d.join("cloud2.json"),
        &rules,
        "c",
        &["--baseline", "a"],
    );
    let baseline = fs::read_to_string(d.join("c/diff.json")).expect("baseline diff");
    let direct = fs::read_to_string(d.join("d/diff.json")).expect("diff");
    assert_eq!(
        baseline.replace("\"folder\": \"c\"", "\"folder\": \"b\""),
        direct
    );
    // A baseline that cannot be read stops the audit before it reads anything.
    let run = bin()
        .current_dir(d)
        .args(["audit", "--baseline", "nowhere", "--onprem"])
        .arg(&onprem)
        .arg("--cloud")
        .arg(d.join("cloud2.json"))
        .arg("--rules")
        .arg(&rules)
        .args(["--out", "e"])
        .output()
        .expect("run");
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("--baseline: nowhere: cannot open the report folder"),
        "{stderr}"
    );
    assert!(!d.join("e/findings.jsonl").exists());
    // Run again without --baseline: the earlier diff files go, so the folder
    // holds one run.
    audit(d, &onprem, &d.join("cloud2.json"), &rules, "c", &[]);
    assert!(!d.join("c/diff.json").exists());
    assert!(!d.join("c/diff.md").exists());
}

/// The small fixture audited, then again after its cloud export changed.
fn fixture_pair(d: &Path) {
    let cloud = root().join("fixtures/audit/graph-users.json");
    let onprem = root().join("fixtures/audit/onprem.ldf");
    let rules = rules("upn-expression.toml");
    audit(d, &onprem, &cloud, &rules, "old", &["--include-info"]);
    edit_cloud(&cloud, &d.join("cloud2.json"), |u| {
        match u["id"].as_str().unwrap_or_default() {
            // The critical partner made a Guest: resolved.
            "00000000-0000-0000-0000-000000000001" => {
                u.insert("userType".into(), "Guest".into());
            }
            // Paula enabled: high becomes critical.
            "00000000-0000-0000-0000-000000000002" => {
                u.insert("accountEnabled".into(), true.into());
            }
            // Gina, rightly a Guest, made a Member: new.
            "00000000-0000-0000-0000-000000000003" => {
                u.insert("userType".into(), "Member".into());
            }
            // The orphan deleted: resolved.
            "00000000-0000-0000-0000-000000000007" => return false,
            _ => {}
        }
        true
    });
    audit(
        d,
        &onprem,
        &d.join("cloud2.json"),
        &rules,
        "new",
        &["--include-info"],
    );
}

#[test]
fn diff_md_matches_its_golden_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    fixture_pair(d);
    let run = diff(d, "old", "new", "out");
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let got = fs::read_to_string(d.join("out/diff.md")).expect("diff.md");
    let golden = root().join("tests/golden/diff/diff.md");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        fs::create_dir_all(golden.parent().expect("dir")).expect("golden dir");
        fs::write(&golden, &got).expect("write golden");
    }
    let want = fs::read_to_string(&golden).expect("golden (UPDATE_GOLDEN=1 writes it)");
    assert_eq!(got, want, "diff.md differs from tests/golden/diff/diff.md");
}

#[test]
fn different_rules_are_said_before_anything_is_compared() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let cloud = root().join("fixtures/audit/graph-users.json");
    let onprem = root().join("fixtures/audit/onprem.ldf");
    audit(
        d,
        &onprem,
        &cloud,
        &rules("upn-expression.toml"),
        "old",
        &[],
    );
    audit(
        d,
        &onprem,
        &cloud,
        &rules("extension-attribute.toml"),
        "new",
        &[],
    );
    let run = diff(d, "old", "new", "out");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("warning[different_rules]"), "{stderr}");
    assert!(stderr.contains("upn-expression.toml") && stderr.contains("extension-attribute.toml"));
    let md = fs::read_to_string(d.join("out/diff.md")).expect("md");
    let warn = md
        .find("Warning: these audits are not like for like")
        .expect("warning block");
    assert!(
        warn < md.find("| new |").expect("counts"),
        "the warning comes first"
    );
    assert!(fs::read_to_string(d.join("out/diff.html"))
        .expect("html")
        .contains("different_rules"));
    let json = fs::read_to_string(d.join("out/diff.json")).expect("json");
    assert!(json.contains("\"code\": \"different_rules\""));
}

#[test]
fn broken_report_folders_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    fixture_pair(d);
    let copy = |name: &str| {
        let to = d.join(name);
        fs::create_dir_all(&to).expect("dir");
        for f in ["findings.jsonl", "summary.json"] {
            fs::copy(d.join("old").join(f), to.join(f)).expect("copy");
        }
        to
    };
    let expect_error = |old: &str, what: &[&str]| {
        let run = diff(d, old, "new", "out");
        assert_eq!(run.status.code(), Some(2), "{old}");
        let stderr = String::from_utf8_lossy(&run.stderr);
        for w in what {
            assert!(stderr.contains(w), "{old}: {w} not in {stderr}");
        }
    };
    // A report from before ids.
    let old = copy("no-ids");
    let text = fs::read_to_string(old.join("findings.jsonl")).expect("jsonl");
    let stripped: String = text
        .lines()
        .map(|l| {
            let mut v: serde_json::Map<String, Value> = serde_json::from_str(l).expect("json");
            v.remove("id");
            Value::Object(v).to_string() + "\n"
        })
        .collect();
    fs::write(old.join("findings.jsonl"), stripped).expect("write");
    expect_error(
        "no-ids",
        &[
            "no-ids/findings.jsonl:1:",
            "run the audit again with this version",
        ],
    );
    // Cut in the middle of a line.
    let old = copy("cut");
    fs::write(old.join("findings.jsonl"), &text[..text.len() - 20]).expect("write");
    let lines = text.lines().count();
    expect_error(
        "cut",
        &[&format!("cut/findings.jsonl:{lines}:"), "cut short"],
    );
    // Cut at a line boundary: fewer findings than the summary counts.
    let old = copy("short");
    let first: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
    fs::write(old.join("findings.jsonl"), first).expect("write");
    expect_error(
        "short",
        &[
            "short/findings.jsonl",
            "holds 2 findings, but summary.json counts",
        ],
    );
    // Garbage.
    let old = copy("garbage");
    fs::write(old.join("summary.json"), "\u{0}\u{1}garbage").expect("write");
    expect_error(
        "garbage",
        &["garbage/summary.json:1:1", "not an audit summary"],
    );
    let old = copy("garbage-line");
    fs::write(
        old.join("findings.jsonl"),
        format!("{}{{\"id\": 1}}\n", &first_line(&text)),
    )
    .expect("write");
    expect_error(
        "garbage-line",
        &["garbage-line/findings.jsonl:2:", "not a finding"],
    );
    // An id given twice.
    let old = copy("twice");
    let line = first_line(&text);
    fs::write(old.join("findings.jsonl"), format!("{line}{line}")).expect("write");
    expect_error("twice", &["twice/findings.jsonl:2", "also on line 1"]);
    // Missing files and folders.
    let old = copy("no-summary");
    fs::remove_file(old.join("summary.json")).expect("rm");
    expect_error("no-summary", &["no-summary/summary.json", "cannot read it"]);
    expect_error("missing", &["missing", "cannot open the report folder"]);
    // Nothing was written for any of them.
    assert!(!d.join("out").join("diff.json").exists());
}

fn first_line(text: &str) -> String {
    format!("{}\n", text.lines().next().expect("a finding"))
}

#[test]
fn a_file_the_tool_did_not_write_is_never_replaced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    fixture_pair(d);
    fs::create_dir_all(d.join("out")).expect("dir");
    fs::write(d.join("out/diff.md"), "# my notes\n").expect("write");
    let run = diff(d, "old", "new", "out");
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("not a report this tool wrote"));
    assert_eq!(
        fs::read_to_string(d.join("out/diff.md")).expect("kept"),
        "# my notes\n"
    );
    assert!(!d.join("out/diff.json").exists());
    // The tool's own earlier diff is replaced.
    fs::remove_file(d.join("out/diff.md")).expect("rm");
    assert_eq!(diff(d, "old", "new", "out").status.code(), Some(1));
    assert_eq!(diff(d, "old", "new", "out").status.code(), Some(1));
    // The older audit's own files are never an output.
    let run = diff(d, "old", "new", "old");
    assert_eq!(
        run.status.code(),
        Some(1),
        "diff files beside the reports are fine"
    );
    assert!(d.join("old/findings.jsonl").exists());
}
