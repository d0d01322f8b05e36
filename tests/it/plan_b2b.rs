//! B2B conversion readiness on a forest written here: an account per
//! blocker and ready ones; invitations for the ready ones only; the tenant
//! domains from --domains or inferred, and the files say which.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use base64::Engine;

struct Case {
    name: &'static str,
    mail: Option<&'static str>,
    onprem_upn_in_cloud: bool,
    enabled: bool,
    invited: bool,
    mailbox: bool,
}

const fn case(name: &'static str, mail: Option<&'static str>) -> Case {
    Case {
        name,
        mail,
        onprem_upn_in_cloud: false,
        enabled: true,
        invited: false,
        mailbox: false,
    }
}

fn cases() -> Vec<(Case, &'static str)> {
    vec![
        (case("ready", Some("ready@fabrikam.example")), ""),
        (case("obrien", Some("o'brien@fabrikam.example")), ""),
        (
            Case {
                onprem_upn_in_cloud: true,
                ..case("synced-upn", Some("s@fabrikam.example"))
            },
            "on_premises_upn_present",
        ),
        (case("nomail", None), "no_mail"),
        (
            case("tenantmail", Some("t@eu.contoso.com")),
            "mail_in_tenant_domain",
        ),
        (
            Case {
                enabled: false,
                ..case("disabled", Some("d@fabrikam.example"))
            },
            "account_disabled",
        ),
        (
            Case {
                invited: true,
                ..case("invited", Some("i@fabrikam.example"))
            },
            "already_b2b",
        ),
        (
            Case {
                mailbox: true,
                ..case("mailbox", Some("m@fabrikam.example"))
            },
            "has_mailbox",
        ),
    ]
}

fn dn(c: &Case) -> String {
    format!("CN={},OU=Partners,DC=contoso,DC=com", c.name)
}

fn cloud_id(i: usize) -> String {
    format!("00000000-0000-4000-8000-{:012}", i + 1)
}

/// Writes onprem.ldf, graph.json and guest.toml into `dir`.
fn write_forest(dir: &Path) {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut ldif = String::new();
    let mut users = Vec::new();
    for (i, (c, _)) in cases().iter().enumerate() {
        let guid = b64.encode([i as u8 + 1; 16]);
        let upn = format!("{}@contoso.com", c.name);
        ldif.push_str(&format!(
            "dn: {}\nobjectClass: top\nobjectClass: person\nobjectClass: user\n\
             objectGUID:: {guid}\nsAMAccountName: {}\nuserPrincipalName: {upn}\n\
             userAccountControl: {}\n",
            dn(c),
            c.name,
            if c.enabled { 512 } else { 514 }
        ));
        if let Some(m) = c.mail {
            ldif.push_str(&format!("mail: {m}\n"));
        }
        if c.mailbox {
            ldif.push_str("msExchRecipientTypeDetails: 1\n");
        }
        ldif.push('\n');
        users.push(serde_json::json!({
            "id": cloud_id(i),
            "userPrincipalName": upn,
            "userType": "Guest",
            "accountEnabled": c.enabled,
            "mail": c.mail,
            "creationType": if c.invited { Some("Invitation") } else { None },
            "externalUserState": if c.invited { Some("Accepted") } else { None },
            "onPremisesSyncEnabled": true,
            "onPremisesImmutableId": guid,
            "onPremisesUserPrincipalName": if c.onprem_upn_in_cloud { Some(upn.clone()) } else { None },
            "onPremisesDistinguishedName": dn(c),
        }));
    }
    fs::write(dir.join("onprem.ldf"), ldif).expect("ldif");
    fs::write(
        dir.join("graph.json"),
        serde_json::json!({ "value": users }).to_string(),
    )
    .expect("graph");
    fs::write(
        dir.join("guest.toml"),
        "[usertype]\nexpression = '\"Guest\"'\n\n[scope]\nout_of_box = false\n",
    )
    .expect("rules");
}

fn audit(dir: &Path, extra: &[&str]) -> std::process::Output {
    Command::cargo_bin("usertype-audit")
        .expect("binary")
        .current_dir(dir)
        .args([
            "audit",
            "--onprem",
            "onprem.ldf",
            "--cloud",
            "graph.json",
            "--rules",
            "guest.toml",
            "--out",
            "out",
            "--plan",
        ])
        .args(extra)
        .output()
        .expect("run")
}

fn rows(dir: &Path) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(dir.join("out/plan/b2b-readiness.csv")).expect("csv");
    r.records().map(|x| x.expect("row")).collect()
}

#[test]
fn every_blocker_is_named_and_only_ready_accounts_are_invited() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_forest(dir.path());
    let o = audit(dir.path(), &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("2 of 8 candidate(s) ready"), "{stdout}");
    assert!(
        stdout.contains("inferred from the UPN suffixes"),
        "{stdout}"
    );
    let rows = rows(dir.path());
    assert_eq!(rows.len(), cases().len());
    for (i, (c, blocker)) in cases().iter().enumerate() {
        let row = rows
            .iter()
            .find(|r| r[0] == dn(c))
            .expect("a row per account");
        assert_eq!(&row[1], cloud_id(i).as_str());
        assert_eq!(
            &row[4],
            if blocker.is_empty() { "true" } else { "false" },
            "{}",
            c.name
        );
        assert_eq!(&row[5], *blocker, "{}", c.name);
        assert_eq!(&row[6], "inferred-from-upns");
    }
    let batch =
        fs::read_to_string(dir.path().join("out/plan/b2b-invitations.batch.jsonl")).expect("batch");
    let requests: Vec<serde_json::Value> = batch
        .lines()
        .flat_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json");
            v["requests"].as_array().expect("requests").clone()
        })
        .collect();
    let invited: Vec<&str> = requests
        .iter()
        .map(|r| r["body"]["invitedUser"]["id"].as_str().expect("id"))
        .collect();
    assert_eq!(invited, [cloud_id(0), cloud_id(1)]);
    let first = &requests[0];
    assert_eq!(first["method"], "POST");
    assert_eq!(first["url"], "/invitations");
    assert_eq!(first["headers"]["Content-Type"], "application/json");
    assert_eq!(
        first["body"]["invitedUserEmailAddress"],
        "ready@fabrikam.example"
    );
    assert_eq!(first["body"]["sendInvitationMessage"], false);
    assert_eq!(
        first["body"]["inviteRedirectUrl"],
        "https://myapplications.microsoft.com"
    );
    let script =
        fs::read_to_string(dir.path().join("out/plan/b2b-invitations.ps1")).expect("script");
    assert_eq!(script.matches("\nNew-MgInvitation ").count(), 2);
    assert!(script.contains("-InvitedUserEmailAddress 'o''brien@fabrikam.example'"));
    assert!(script.contains("-SendInvitationMessage:$false"));
    let plan = fs::read_to_string(dir.path().join("out/plan/PLAN.md")).expect("plan");
    assert!(plan.contains("| has_mailbox | 1 |"), "{plan}");
    assert!(plan.contains("inferred from the UPN suffixes"));
}

#[test]
fn domains_come_from_the_export_when_given_and_invitation_flags_are_used() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_forest(dir.path());
    // contoso.com is not verified in this export: eu.contoso.com mail is no blocker.
    fs::write(
        dir.path().join("domains.json"),
        r#"{"value":[{"id":"contoso.com","isVerified":false},{"id":"contoso.onmicrosoft.com","isVerified":true}]}"#,
    )
    .expect("domains");
    let o = audit(
        dir.path(),
        &[
            "--domains",
            "domains.json",
            "--send-invitations",
            "--redirect-url",
            "https://apps.contoso.com/start",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let rows = rows(dir.path());
    let tenant = rows
        .iter()
        .find(|r| r[0].starts_with("CN=tenantmail"))
        .expect("row");
    assert_eq!(&tenant[4], "true");
    assert_eq!(&tenant[6], "domains-file");
    let batch =
        fs::read_to_string(dir.path().join("out/plan/b2b-invitations.batch.jsonl")).expect("batch");
    assert!(batch.contains("\"sendInvitationMessage\":true"));
    assert!(batch.contains("\"inviteRedirectUrl\":\"https://apps.contoso.com/start\""));
}

#[test]
fn a_bad_domains_file_stops_before_any_input_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_forest(dir.path());
    fs::write(
        dir.path().join("domains.json"),
        "{\"value\": [ {\"id\": 3} ]}",
    )
    .expect("write");
    let o = audit(dir.path(), &["--domains", "domains.json"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("domains.json") && err.contains("domain #1 has no `id`"),
        "{err}"
    );
    assert!(!dir.path().join("out/findings.csv").exists());
    fs::write(dir.path().join("domains.json"), "{\"value\": [").expect("write");
    let o = audit(dir.path(), &["--domains", "domains.json"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("domains.json:1:"), "{err}");
    let o = audit(dir.path(), &["--redirect-url", "javascript:alert(1)"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn an_incomplete_audit_says_so_at_the_top_of_the_plan() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_forest(dir.path());
    let graph = fs::read_to_string(dir.path().join("graph.json")).expect("read");
    let mut v: serde_json::Value = serde_json::from_str(&graph).expect("json");
    for u in v["value"].as_array_mut().expect("users") {
        u.as_object_mut().expect("user").remove("userType");
    }
    fs::write(dir.path().join("graph.json"), v.to_string()).expect("write");
    let o = audit(dir.path(), &["--allow-partial-cloud"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let plan = fs::read_to_string(dir.path().join("out/plan/PLAN.md")).expect("plan");
    let head: String = plan.lines().take(12).collect::<Vec<_>>().join("\n");
    assert!(head.contains("**The audit is incomplete**"), "{head}");
}
