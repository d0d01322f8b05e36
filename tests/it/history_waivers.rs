//! `audit --waivers`: waivers apply (the finding stays, marked, and leaves
//! the verdict), expire (after their date they waive nothing and are listed)
//! and go stale (matching nothing, listed); a malformed file is an error at
//! its line and column. On the small fixture (fixtures/audit), whose ids are
//! pinned in tests/golden/audit/findings.jsonl.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// Paula, a disabled partner who is a Member (high).
const PAULA: &str = "gam-sytj9thh34";
/// The enabled partner who is a Member (critical).
const CRITICAL: &str = "gam-vgaqh3d4gp";
/// Nora, whose rule raises Error() (high).
const NORA: &str = "rer-y50c6s4756";

fn audit(dir: &Path, out: &str, extra: &[&str]) -> std::process::Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    Command::cargo_bin("usertype-audit")
        .expect("binary")
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .args(["--quiet", "audit", "--reproducible", "--onprem"])
        .arg(root.join("fixtures/audit/onprem.ldf"))
        .arg("--cloud")
        .arg(root.join("fixtures/audit/graph-users.json"))
        .arg("--rules")
        .arg(root.join("fixtures/rules/upn-expression.toml"))
        .args(["--out", out])
        .args(extra)
        .output()
        .expect("run")
}

fn jsonl(dir: &Path) -> Vec<Value> {
    fs::read_to_string(dir.join("findings.jsonl"))
        .expect("jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

fn by_id<'a>(findings: &'a [Value], id: &str) -> &'a Value {
    findings
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("{id} not found"))
}

fn waiver(id_or_pattern: &str, owner: &str, expires: &str) -> String {
    format!(
        "[[waiver]]\n{id_or_pattern}\nreason = \"accepted by the project board\"\nowner = \
         \"{owner}\"\nexpires = {expires}\n\n"
    )
}

#[test]
fn waivers_apply_expire_and_go_stale() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let text = [
        waiver(&format!("id = \"{CRITICAL}\""), "alice", "2027-03-31"),
        waiver(&format!("id = \"{PAULA}\""), "bob", "2025-01-01"),
        waiver(
            "kind = \"soft_match\"\nupn = \"*@CONTOSO.com\"",
            "carol",
            "\"2027-01-01\"",
        ),
        waiver(
            "kind = \"missing_in_cloud\"\ndn = \"*,OU=Nowhere,*\"",
            "dave",
            "2030-01-01",
        ),
    ]
    .concat();
    fs::write(d.join("waivers.toml"), text).expect("write");
    let run = audit(
        d,
        "r",
        &["--waivers", "waivers.toml", "--as-of", "2026-12-07"],
    );
    // Paula's waiver has expired, so her high finding still fails the audit.
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let findings = jsonl(&d.join("r"));
    assert_eq!(findings.len(), 7, "waived findings stay listed");
    let w = &by_id(&findings, CRITICAL)["waiver"];
    assert_eq!(w["at"], "waivers.toml:1");
    assert_eq!(w["owner"], "alice");
    assert_eq!(w["expires"], "2027-03-31");
    assert_eq!(w["reason"], "accepted by the project board");
    assert_eq!(by_id(&findings, PAULA)["waiver"], Value::Null, "expired");
    let soft: Vec<&Value> = findings
        .iter()
        .filter(|f| f["kind"] == "soft_match")
        .collect();
    assert_eq!(soft.len(), 1);
    assert_eq!(soft[0]["waiver"]["owner"], "carol");

    let summary: Value =
        serde_json::from_str(&fs::read_to_string(d.join("r/summary.json")).expect("summary"))
            .expect("json");
    let w = &summary["waivers"];
    assert_eq!(w["file"], "waivers.toml");
    assert_eq!(w["as_of"], "2026-12-07");
    assert_eq!(w["waivers"], 4);
    assert_eq!(w["waived"], 2);
    let kinds: Vec<(&str, u64)> = w["by_kind"]
        .as_array()
        .expect("by_kind")
        .iter()
        .map(|k| {
            (
                k["kind"].as_str().expect("kind"),
                k["count"].as_u64().expect("n"),
            )
        })
        .collect();
    assert_eq!(kinds, [("guest_as_member", 1), ("soft_match", 1)]);
    assert_eq!(w["expired"].as_array().expect("expired").len(), 1);
    assert_eq!(w["expired"][0]["at"], "waivers.toml:7");
    assert_eq!(w["expired"][0]["matches"], 1);
    assert_eq!(w["stale"].as_array().expect("stale").len(), 1);
    assert_eq!(w["stale"][0]["at"], "waivers.toml:20");
    // Waived findings are still counted with the rest.
    assert_eq!(summary["findings_total"], 8);
    assert_eq!(summary["verdict"], "fail");

    // The CSV, the Markdown summary and the page show the waivers.
    let csv = fs::read_to_string(d.join("r/findings.csv")).expect("csv");
    assert!(csv
        .lines()
        .next()
        .expect("header")
        .ends_with(",detail,waiver"));
    assert!(csv.contains(
        "waivers.toml:1; owner alice; expires 2027-03-31; accepted by the project board"
    ));
    let md = fs::read_to_string(d.join("r/summary.md")).expect("md");
    assert!(md.contains("## Waivers"), "{md}");
    assert!(
        md.contains("**Expired**") && md.contains("**Stale**"),
        "{md}"
    );
    let html = fs::read_to_string(d.join("r/report.html")).expect("html");
    assert!(html.contains("<section id=\"waivers\">"));
    assert!(html.contains("waived: waivers.toml:1; owner alice"));

    // After alice's date, her waiver expires too.
    let run = audit(
        d,
        "later",
        &["--waivers", "waivers.toml", "--as-of", "2027-04-01"],
    );
    assert_eq!(run.status.code(), Some(1));
    let findings = jsonl(&d.join("later"));
    assert_eq!(by_id(&findings, CRITICAL)["waiver"], Value::Null);
    let summary = fs::read_to_string(d.join("later/summary.json")).expect("summary");
    assert!(summary.contains("\"waived\": 0"), "{summary}");
}

#[test]
fn waiving_every_failing_finding_passes_the_audit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let text = [CRITICAL, PAULA, NORA]
        .iter()
        .map(|id| {
            waiver(
                &format!("id = \"{}\"", id.to_uppercase()),
                "alice",
                "2027-03-31",
            )
        })
        .collect::<String>();
    fs::write(d.join("waivers.toml"), text).expect("write");
    let run = audit(
        d,
        "r",
        &["--waivers", "waivers.toml", "--as-of", "2026-12-07"],
    );
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary: Value =
        serde_json::from_str(&fs::read_to_string(d.join("r/summary.json")).expect("summary"))
            .expect("json");
    assert_eq!(summary["verdict"], "pass");
    assert_eq!(summary["failed"], false);
    assert_eq!(
        summary["headline"]["sentence"],
        "Pass: every partner account intended as Guest that is a Member in the cloud is waived (2)."
    );
    // Without the waivers the same audit fails; the diff shows the waivers
    // as changes, and nothing newly reaches --fail-on.
    assert_eq!(audit(d, "plain", &[]).status.code(), Some(1));
    let diff = Command::cargo_bin("usertype-audit")
        .expect("binary")
        .current_dir(d)
        .args(["diff", "plain", "r", "--out", "d"])
        .output()
        .expect("run");
    assert_eq!(diff.status.code(), Some(0));
    let json: Value =
        serde_json::from_str(&fs::read_to_string(d.join("d/diff.json")).expect("diff"))
            .expect("json");
    assert_eq!(json["counts"]["changed"], 3);
    for c in json["changed"].as_array().expect("changed") {
        assert_eq!(c["changes"][0]["field"], "waiver");
        assert_eq!(c["changes"][0]["before"], Value::Null);
    }
}

#[test]
fn bad_waivers_and_dates_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // A misspelt key would silently widen the waiver: an error, with its place.
    fs::write(
        d.join("typo.toml"),
        "[[waiver]]\nkind = \"soft_match\"\nupm = \"*@contoso.com\"\nreason = \"r\"\nowner = \
         \"o\"\nexpires = 2027-01-01\n",
    )
    .expect("write");
    let run = audit(d, "r", &["--waivers", "typo.toml", "--as-of", "2026-12-07"]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("typo.toml:3:1:") && stderr.contains("upm"),
        "{stderr}"
    );
    assert!(
        !d.join("r").join("findings.jsonl").exists(),
        "nothing audited"
    );
    // A waiver without expires.
    fs::write(
        d.join("forever.toml"),
        format!("[[waiver]]\nid = \"{CRITICAL}\"\nreason = \"r\"\nowner = \"o\"\n"),
    )
    .expect("write");
    let run = audit(
        d,
        "r",
        &["--waivers", "forever.toml", "--as-of", "2026-12-07"],
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        stderr.contains("forever.toml:1:1:") && stderr.contains("no `expires`"),
        "{stderr}"
    );
    // --reproducible takes no date from the clock.
    fs::write(
        d.join("ok.toml"),
        waiver(&format!("id = \"{CRITICAL}\""), "o", "2027-01-01"),
    )
    .expect("write");
    let run = audit(d, "r", &["--waivers", "ok.toml"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("--as-of"));
    let run = audit(d, "r", &["--waivers", "ok.toml", "--as-of", "2026-13-01"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("YYYY-MM-DD"));
    // SOURCE_DATE_EPOCH gives it instead (2026-12-07 00:00:00 UTC).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = Command::cargo_bin("usertype-audit")
        .expect("binary")
        .current_dir(d)
        .env("SOURCE_DATE_EPOCH", "1796601600")
        .args([
            "--quiet",
            "audit",
            "--reproducible",
            "--waivers",
            "ok.toml",
            "--onprem",
        ])
        .arg(root.join("fixtures/audit/onprem.ldf"))
        .arg("--cloud")
        .arg(root.join("fixtures/audit/graph-users.json"))
        .arg("--rules")
        .arg(root.join("fixtures/rules/upn-expression.toml"))
        .args(["--out", "epoch"])
        .output()
        .expect("run");
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary = fs::read_to_string(d.join("epoch/summary.json")).expect("summary");
    assert!(summary.contains("\"as_of\": \"2026-12-07\""), "{summary}");
}
