//! Outputs (#13 item 7, #14 items 4 to 8): no output destroys or half-replaces
//! a file the tool did not create, the report folder is checked before any
//! input is read, nothing raw reaches a terminal, options have sane limits,
//! identifiers are written exactly and values copied from inputs are capped.

#![cfg(unix)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{bin, fixture};

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A copy of the bundled example LDIF in `dir`, with its bytes.
fn export_copy(dir: &Path) -> (PathBuf, Vec<u8>) {
    let bytes = fs::read(fixture("example/onprem.ldf")).expect("example");
    let path = dir.join("v.ldf");
    fs::write(&path, &bytes).expect("copy");
    (path, bytes)
}

fn classify(onprem: &Path, out: &Path, extra: &[&str]) -> Output {
    bin()
        .args(["--quiet", "classify", "--onprem"])
        .arg(onprem)
        .arg("--rules")
        .arg(fixture("rules/upn-expression.toml"))
        .arg("--output")
        .arg(out)
        .args(extra)
        .output()
        .expect("run")
}

fn audit(out: &Path, extra: &[&str]) -> Output {
    bin()
        .args(["--quiet", "audit", "--reproducible", "--onprem"])
        .arg(fixture("example/onprem.ldf"))
        .arg("--cloud")
        .arg(fixture("example/graph-users.json"))
        .arg("--rules")
        .arg(fixture("rules/upn-expression.toml"))
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .expect("run")
}

// ---- #14 item 4: never destroy or replace a file the tool did not create ----

#[test]
fn classify_refuses_to_write_over_its_input_by_any_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (input, bytes) = export_copy(dir.path());
    let hard = dir.path().join("hard.ldf");
    fs::hard_link(&input, &hard).expect("hard link");
    let soft = dir.path().join("soft.ldf");
    std::os::unix::fs::symlink(&input, &soft).expect("symlink");
    let detour = dir.path().join("sub");
    fs::create_dir(&detour).expect("sub");
    for out in [input.clone(), hard, soft, detour.join("../v.ldf")] {
        // Even --force never replaces an input.
        for extra in [&[][..], &["--force"][..]] {
            let run = classify(&input, &out, extra);
            assert_eq!(run.status.code(), Some(2), "{out:?} {extra:?}");
            assert!(stderr(&run).contains("is the input"), "{}", stderr(&run));
            assert_eq!(fs::read(&input).expect("input"), bytes, "{out:?} intact");
        }
    }
}

#[test]
fn classify_refuses_an_existing_file_without_force_and_never_follows_a_link() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (input, _) = export_copy(dir.path());
    let rows = dir.path().join("rows.csv");
    fs::write(&rows, "mine").expect("existing");
    let run = classify(&input, &rows, &[]);
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("--force"), "{}", stderr(&run));
    assert_eq!(fs::read_to_string(&rows).expect("rows"), "mine");

    // A link to someone else's file: refused, with or without --force.
    let victim = dir.path().join("victim.txt");
    fs::write(&victim, "precious").expect("victim");
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink(&victim, &link).expect("symlink");
    for extra in [&[][..], &["--force"][..]] {
        let run = classify(&input, &link, extra);
        assert_eq!(run.status.code(), Some(2));
        assert!(stderr(&run).contains("symbolic link"), "{}", stderr(&run));
        assert_eq!(fs::read_to_string(&victim).expect("victim"), "precious");
    }

    // --force replaces a plain file, with complete rows and nothing left over.
    let run = classify(&input, &rows, &["--force"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let text = fs::read_to_string(&rows).expect("rows");
    assert!(text.starts_with("dn,upn,source_anchor,outcome,value,rule,source\n"));
    assert!(text.lines().count() > 1000);
    let names: Vec<_> = fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert!(
        !names.iter().any(|n| n.to_string_lossy().contains(".tmp-")),
        "{names:?}"
    );
}

#[test]
fn scan_dump_refuses_its_input_and_an_existing_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (input, bytes) = export_copy(dir.path());
    let run = bin()
        .args(["scan", "--dump", "jsonl", "-o"])
        .arg(&input)
        .arg(&input)
        .output()
        .expect("run");
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("is the input"), "{}", stderr(&run));
    assert_eq!(fs::read(&input).expect("input"), bytes);

    let dump = dir.path().join("dump.jsonl");
    fs::write(&dump, "mine").expect("existing");
    let run = bin()
        .args(["scan", "--dump", "jsonl", "-o"])
        .arg(&dump)
        .arg(&input)
        .output()
        .expect("run");
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(fs::read_to_string(&dump).expect("dump"), "mine");
    let run = bin()
        .args(["scan", "--dump", "jsonl", "--force", "-o"])
        .arg(&dump)
        .arg(&input)
        .output()
        .expect("run");
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(fs::read_to_string(&dump).expect("dump").lines().count() > 1000);
}

#[test]
fn dump_to_standard_output_redirected_into_the_input_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (input, bytes) = export_copy(dir.path());
    let append = fs::OpenOptions::new()
        .append(true)
        .open(&input)
        .expect("open");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_usertype-audit"))
        .args(["scan", "--dump", "jsonl"])
        .arg(&input)
        .stdout(append)
        .output()
        .expect("run");
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("standard output is the input"));
    assert_eq!(fs::read(&input).expect("input"), bytes);
}

#[test]
fn generate_refuses_a_folder_holding_a_forest_without_force() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("onprem.ldf"), "my export").expect("existing");
    let run = bin()
        .args(["generate", "--users", "20", "--out"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("--force"), "{}", stderr(&run));
    assert_eq!(
        fs::read_to_string(dir.path().join("onprem.ldf")).expect("kept"),
        "my export"
    );
    assert_eq!(fs::read_dir(dir.path()).expect("dir").count(), 1);
    // --force replaces a link itself, never the file it points to.
    fs::remove_file(dir.path().join("onprem.ldf")).expect("rm");
    let victim = dir.path().join("victim.txt");
    fs::write(&victim, "precious").expect("victim");
    std::os::unix::fs::symlink(&victim, dir.path().join("onprem.ldf")).expect("link");
    let run = bin()
        .args(["--quiet", "generate", "--users", "20", "--force", "--out"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(fs::read_to_string(&victim).expect("victim"), "precious");
    assert!(fs::read_to_string(dir.path().join("onprem.ldf"))
        .expect("ldf")
        .starts_with("dn: "));
}

#[test]
fn a_report_that_cannot_be_written_leaves_the_previous_set_intact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report");
    let first = audit(&out, &[]);
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    // Mark the earlier run's files at their end (they stay recognisable as
    // reports by their start), then put a folder where report.html goes.
    let names = [
        "findings.jsonl",
        "findings.csv",
        "summary.json",
        "summary.md",
    ];
    let mut earlier = Vec::new();
    for name in names {
        let mut bytes = fs::read(out.join(name)).expect("report");
        bytes.extend_from_slice(format!("earlier {name}").as_bytes());
        fs::write(out.join(name), &bytes).expect("mark");
        earlier.push(bytes);
    }
    fs::remove_file(out.join("report.html")).expect("rm");
    fs::create_dir(out.join("report.html")).expect("dir in the way");
    fs::write(out.join("report.html/keep"), "x").expect("keep");
    let second = audit(&out, &[]);
    assert_eq!(second.status.code(), Some(2));
    assert!(
        stderr(&second).contains("report.html"),
        "{}",
        stderr(&second)
    );
    for (name, bytes) in names.iter().zip(&earlier) {
        assert_eq!(
            &fs::read(out.join(name)).expect("kept"),
            bytes,
            "{name} must not be replaced when the set cannot be written"
        );
    }
}

#[test]
fn init_never_writes_through_a_link() {
    let dir = tempfile::tempdir().expect("tempdir");
    let victim = dir.path().join("victim.txt");
    fs::write(&victim, "precious").expect("victim");
    let link = dir.path().join("rules.toml");
    std::os::unix::fs::symlink(&victim, &link).expect("symlink");
    for extra in [&[][..], &["--force"][..]] {
        let run = bin()
            .arg("init")
            .arg(&link)
            .args(extra)
            .output()
            .expect("run");
        assert_eq!(run.status.code(), Some(2), "{extra:?}");
        assert_eq!(fs::read_to_string(&victim).expect("victim"), "precious");
    }
    // A dangling link is not followed either.
    let dangling = dir.path().join("dangling.toml");
    std::os::unix::fs::symlink(dir.path().join("elsewhere.toml"), &dangling).expect("symlink");
    let run = bin().arg("init").arg(&dangling).output().expect("run");
    assert_eq!(run.status.code(), Some(2));
    assert!(!dir.path().join("elsewhere.toml").exists());
    // --force replaces a plain file.
    let plain = dir.path().join("plain.toml");
    fs::write(&plain, "old").expect("plain");
    let run = bin()
        .arg("init")
        .arg(&plain)
        .arg("--force")
        .output()
        .expect("run");
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(fs::read_to_string(&plain)
        .expect("plain")
        .contains("[usertype]"));
}

#[test]
fn a_file_under_a_report_name_that_the_tool_did_not_write_is_never_replaced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report");
    fs::create_dir(&out).expect("mkdir");
    fs::write(out.join("summary.md"), "# My own notes\n").expect("mine");
    let run = audit(&out, &[]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        stderr(&run).contains("is not a report this tool wrote"),
        "{}",
        stderr(&run)
    );
    assert_eq!(
        fs::read_to_string(out.join("summary.md")).expect("mine"),
        "# My own notes\n"
    );
    assert!(!out.join("findings.csv").exists(), "nothing written");
    // Nor is one that a narrower run would remove as stale, nor a link.
    let run = audit(&out, &["--format", "csv"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(out.join("summary.md").exists());
    fs::remove_file(out.join("summary.md")).expect("rm");
    let victim = dir.path().join("victim.html");
    fs::write(&victim, "precious").expect("victim");
    std::os::unix::fs::symlink(&victim, out.join("report.html")).expect("link");
    let run = audit(&out, &[]);
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("symbolic link"), "{}", stderr(&run));
    assert_eq!(fs::read_to_string(&victim).expect("victim"), "precious");
}

// ---- #13 item 7: the output folder is checked first ----

#[test]
fn the_report_folder_is_checked_before_any_input_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("a-file");
    fs::write(&file, "not a folder").expect("file");
    for out in [file.clone(), file.join("sub")] {
        // The cloud export does not exist: reading it would be the first error.
        let run = bin()
            .args(["audit", "--onprem"])
            .arg(fixture("example/onprem.ldf"))
            .args(["--cloud", "/nonexistent/graph.json", "--rules"])
            .arg(fixture("rules/upn-expression.toml"))
            .arg("--out")
            .arg(&out)
            .output()
            .expect("run");
        assert_eq!(run.status.code(), Some(2));
        let err = stderr(&run);
        assert!(err.contains(&out.display().to_string()), "{err}");
        assert!(!err.contains("/nonexistent/graph.json"), "{err}");
    }
    assert_eq!(fs::read_to_string(&file).expect("file"), "not a folder");
}

#[test]
fn a_report_name_that_is_an_input_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report");
    fs::create_dir(&out).expect("mkdir");
    let cloud = out.join("findings.jsonl");
    let bytes = fs::read(fixture("example/graph-users.json")).expect("cloud");
    fs::write(&cloud, &bytes).expect("copy");
    let run = bin()
        .args(["audit", "--onprem"])
        .arg(fixture("example/onprem.ldf"))
        .arg("--cloud")
        .arg(&cloud)
        .arg("--rules")
        .arg(fixture("rules/upn-expression.toml"))
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run");
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("is the input"), "{}", stderr(&run));
    assert_eq!(fs::read(&cloud).expect("cloud"), bytes);
}

#[test]
fn reports_of_an_earlier_run_not_written_now_are_removed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report");
    let run = audit(&out, &[]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    fs::write(out.join("notes.txt"), "mine").expect("unrelated");
    let run = bin()
        .args(["audit", "--reproducible", "--format", "csv", "--onprem"])
        .arg(fixture("example/onprem.ldf"))
        .arg("--cloud")
        .arg(fixture("example/graph-users.json"))
        .arg("--rules")
        .arg(fixture("rules/upn-expression.toml"))
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run");
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let mut names: Vec<String> = fs::read_dir(&out)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["findings.csv", "notes.txt"]);
    let text = stdout(&run);
    assert!(
        text.contains("removed") && text.contains("report.html"),
        "{text}"
    );
    // And `audit --help` says so.
    let help = bin().args(["audit", "--help"]).output().expect("run");
    assert!(stdout(&help).contains("Reports of an earlier run that this run does not write"));
}

// ---- #14 item 6: sane options ----

#[test]
fn an_empty_format_list_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    for list in ["", ",", " , "] {
        let out = dir.path().join("report");
        let run = audit(&out, &["--format", list]);
        assert_eq!(run.status.code(), Some(2), "{list:?}");
        assert!(stderr(&run).contains("names no report"), "{}", stderr(&run));
        assert!(!out.exists(), "nothing written for {list:?}");
    }
}

#[test]
fn thread_counts_are_capped() {
    for n in ["0", "257", "10000"] {
        let run = bin()
            .args(["scan", "--threads", n])
            .arg(fixture("example/onprem.ldf"))
            .output()
            .expect("run");
        assert_eq!(run.status.code(), Some(2), "--threads {n}");
        assert!(stderr(&run).contains("1..=256"), "{}", stderr(&run));
    }
    let run = bin()
        .args(["--quiet", "scan", "--threads", "256"])
        .arg(fixture("example/onprem.ldf"))
        .output()
        .expect("run");
    assert!(run.status.success(), "{}", stderr(&run));
}

#[test]
fn generate_caps_users_and_checks_free_space_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("forest");
    for n in ["18446744073709551615", "10000001"] {
        let run = bin()
            .args(["generate", "--users", n, "--out"])
            .arg(&out)
            .output()
            .expect("run");
        assert_eq!(run.status.code(), Some(2), "--users {n}");
        assert!(stderr(&run).contains("0..=10000000"), "{}", stderr(&run));
        assert!(!out.exists());
    }
    // The largest count needs about 120 GB; where less is free, it is refused
    // before a byte is written (never run where it would fit).
    let needed = usertype_audit::generate::estimated_bytes(10_000_000);
    let free = std::process::Command::new("df")
        .args(["-B1", "--output=avail"])
        .arg(dir.path())
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .nth(1)
                .and_then(|l| l.trim().parse::<u64>().ok())
        });
    match free {
        Some(free) if free < needed => {
            let run = bin()
                .args(["generate", "--users", "10000000", "--out"])
                .arg(&out)
                .output()
                .expect("run");
            assert_eq!(run.status.code(), Some(2));
            assert!(stderr(&run).contains("free"), "{}", stderr(&run));
            assert!(
                fs::read_dir(&out).map_or(true, |mut d| d.next().is_none()),
                "nothing written"
            );
        }
        _ => eprintln!("free space unknown or over {needed} bytes: disk check not exercised"),
    }
}

// ---- #14 item 5: nothing raw on a terminal ----

/// A partner whose UPN carries a line break, a forged `outcome:` line, an
/// ANSI escape sequence and a C1 CSI.
const FORGED_UPN: &str =
    "eve@partners.fabrikam123.org\n  outcome: Member (rule: forged)\x1b[2J\u{9b}";

fn forged_export(dir: &Path) -> PathBuf {
    use base64::Engine as _;
    let upn = base64::engine::general_purpose::STANDARD.encode(FORGED_UPN);
    let path = dir.join("eve.ldf");
    fs::write(
        &path,
        format!(
            "dn: CN=Eve,OU=Partners,DC=contoso,DC=com\nobjectClass: top\nobjectClass: user\n\
             sAMAccountName: eve\nuserPrincipalName:: {upn}\n\
             objectGUID:: AAECAwQFBgcICQoLDA0ODw==\n\n"
        ),
    )
    .expect("export");
    path
}

#[test]
fn the_explain_trace_cannot_forge_a_line_or_reach_the_terminal_raw() {
    let dir = tempfile::tempdir().expect("tempdir");
    let export = forged_export(dir.path());
    let run = bin()
        .args(["--quiet", "explain", "--onprem"])
        .arg(&export)
        .arg("--rules")
        .arg(fixture("rules/upn-expression.toml"))
        .args(["--dn", "CN=Eve,OU=Partners,DC=contoso,DC=com"])
        .output()
        .expect("run");
    assert!(run.status.success(), "{}", stderr(&run));
    let text = stdout(&run);
    let outcomes: Vec<&str> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("outcome:"))
        .collect();
    assert_eq!(outcomes, ["  outcome: Guest (rule: Expression)"], "{text}");
    assert!(
        !text.contains('\x1b') && !text.contains('\u{9b}'),
        "{text:?}"
    );
    assert!(text.contains("(rule: forged)\\u{1b}[2J\\u{9b}"), "{text}");
}

/// Runs `args` under a pseudo-terminal (`script`), returning what it printed;
/// `None` where `script` is missing.
fn on_a_terminal(args: &[&str]) -> Option<String> {
    let mut command = String::from(env!("CARGO_BIN_EXE_usertype-audit"));
    for a in args {
        command.push_str(" '");
        command.push_str(&a.replace('\'', "'\\''"));
        command.push('\'');
    }
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .ok()?;
    out.status.success().then(|| stdout(&out))
}

#[test]
fn classify_rows_are_escaped_on_a_terminal_and_exact_when_redirected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let export = forged_export(dir.path());
    let rules = fixture("rules/upn-expression.toml");
    let args = [
        "--quiet",
        "classify",
        "--onprem",
        export.to_str().expect("utf-8 path"),
        "--rules",
        rules.to_str().expect("utf-8 path"),
    ];
    // Redirected: the value exactly (quoted, as CSV quotes a line break).
    let run = bin().args(args).output().expect("run");
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(stdout(&run).contains(&format!("\"{FORGED_UPN}\"")));
    match on_a_terminal(&args) {
        Some(shown) => {
            assert!(
                !shown.contains('\x1b') && !shown.contains('\u{9b}'),
                "{shown:?}"
            );
            assert!(
                shown.contains("\\n  outcome: Member (rule: forged)\\u{1b}[2J\\u{9b}"),
                "{shown:?}"
            );
            // One row for the header, one for Eve.
            assert_eq!(shown.lines().count(), 2, "{shown:?}");
        }
        None => eprintln!("`script` is not installed: the terminal case is not exercised"),
    }
}

#[test]
fn error_messages_do_not_echo_control_characters() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = audit(
        &dir.path().join("report"),
        &["--format", "\x1b]0;owned\x07html"],
    );
    assert_eq!(run.status.code(), Some(2));
    let err = stderr(&run);
    assert!(!err.contains('\x1b') && !err.contains('\x07'), "{err:?}");
    assert!(err.contains("\\u{1b}]0;owned\\u{7}html"), "{err}");
    let run = bin()
        .args(["explain", "--onprem"])
        .arg(fixture("example/onprem.ldf"))
        .arg("--rules")
        .arg(fixture("rules/upn-expression.toml"))
        .args(["--dn", "CN=\x1b[2JNobody"])
        .output()
        .expect("run");
    assert_eq!(run.status.code(), Some(1));
    assert!(!stderr(&run).contains('\x1b'), "{:?}", stderr(&run));
}

// ---- #14 item 7: exact identifiers ----

/// Two partners that are Members in the cloud: Eve's anchor starts with `+`,
/// Finn's cloud user has a hostile `id`.
fn identifier_case(dir: &Path) -> (PathBuf, PathBuf) {
    let onprem = dir.join("onprem.ldf");
    fs::write(
        &onprem,
        "dn: CN=Eve,OU=Partners,DC=contoso,DC=com\nobjectClass: top\nobjectClass: user\n\
         sAMAccountName: eve\nuserPrincipalName: eve@partners.fabrikam123.org\n\
         userAccountControl: 512\nobjectGUID:: +AECAwQFBgcICQoLDA0ODw==\n\n\
         dn: CN=Finn,OU=Partners,DC=contoso,DC=com\nobjectClass: top\nobjectClass: user\n\
         sAMAccountName: finn\nuserPrincipalName: finn@partners.fabrikam123.org\n\
         userAccountControl: 512\nobjectGUID:: AAECAwQFBgcICQoLDA0ODw==\n\n",
    )
    .expect("onprem");
    let select = "id,userPrincipalName,userType,accountEnabled,mail,proxyAddresses,otherMails,\
                  creationType,externalUserState,identities,onPremisesSyncEnabled,\
                  onPremisesImmutableId,onPremisesSecurityIdentifier,onPremisesDistinguishedName,\
                  onPremisesSamAccountName,onPremisesUserPrincipalName,onPremisesDomainName,\
                  onPremisesLastSyncDateTime,onPremisesExtensionAttributes,createdDateTime";
    let user = |id: &str, upn: &str, anchor: &str| {
        serde_json::json!({
            "id": id, "userPrincipalName": upn, "userType": "Member", "accountEnabled": true,
            "mail": upn, "proxyAddresses": [format!("SMTP:{upn}")], "otherMails": [],
            "creationType": null, "externalUserState": null, "identities": [],
            "onPremisesSyncEnabled": true, "onPremisesImmutableId": anchor,
            "onPremisesSecurityIdentifier": null, "onPremisesDistinguishedName": null,
            "onPremisesSamAccountName": null, "onPremisesUserPrincipalName": upn,
            "onPremisesDomainName": "contoso.com", "onPremisesLastSyncDateTime": null,
            "onPremisesExtensionAttributes": {}, "createdDateTime": "2020-01-01T00:00:00Z"
        })
    };
    let page = serde_json::json!({
        "@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#users({select})"),
        "value": [
            user("9725079c-8dc0-4e59-a608-84e839010570", "eve@partners.fabrikam123.org",
                 "+AECAwQFBgcICQoLDA0ODw=="),
            user("=HYPERLINK(\"http://evil\")", "finn@partners.fabrikam123.org",
                 "AAECAwQFBgcICQoLDA0ODw=="),
        ]
    });
    let cloud = dir.join("graph.json");
    fs::write(&cloud, page.to_string()).expect("cloud");
    (onprem, cloud)
}

#[test]
fn findings_csv_writes_identifiers_exactly_and_guards_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (onprem, cloud) = identifier_case(dir.path());
    let out = dir.path().join("report");
    // Two users cannot show every property the audit wants.
    let run = bin()
        .args(["--quiet", "audit", "--allow-partial-cloud", "--onprem"])
        .arg(&onprem)
        .arg("--cloud")
        .arg(&cloud)
        .arg("--rules")
        .arg(fixture("rules/upn-expression.toml"))
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run");
    assert!(out.join("findings.csv").exists(), "{}", stderr(&run));
    let mut reader = csv::Reader::from_path(out.join("findings.csv")).expect("csv");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let eve = rows
        .iter()
        .find(|r| r.get(4) == Some("eve@partners.fabrikam123.org"))
        .expect("Eve's finding");
    assert_eq!(eve.get(1), Some("guest_as_member"));
    assert_eq!(eve.get(5), Some("+AECAwQFBgcICQoLDA0ODw=="), "anchor exact");
    assert_eq!(eve.get(6), Some("9725079c-8dc0-4e59-a608-84e839010570"));
    let finn = rows
        .iter()
        .find(|r| r.get(4) == Some("finn@partners.fabrikam123.org"))
        .expect("Finn's finding");
    assert_eq!(
        finn.get(6),
        Some("'=HYPERLINK(\"http://evil\")"),
        "not an id: guarded"
    );
    // The same anchor as findings.jsonl.
    let jsonl = fs::read_to_string(out.join("findings.jsonl")).expect("jsonl");
    assert!(jsonl.contains("\"source_anchor\":\"+AECAwQFBgcICQoLDA0ODw==\""));

    // classify writes the anchor exactly too.
    let run = bin()
        .args(["--quiet", "classify", "--onprem"])
        .arg(&onprem)
        .arg("--rules")
        .arg(fixture("rules/upn-expression.toml"))
        .output()
        .expect("run");
    assert!(
        stdout(&run).contains(",+AECAwQFBgcICQoLDA0ODw==,"),
        "{}",
        stdout(&run)
    );
}

// ---- #14 item 8: values capped ----

#[test]
fn a_huge_value_is_capped_with_a_marker_in_every_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let upn = format!("eve{}@partners.fabrikam123.org", "x".repeat(600_000));
    let onprem = dir.path().join("onprem.ldf");
    fs::write(
        &onprem,
        format!(
            "dn: CN=Eve,OU=Partners,DC=contoso,DC=com\nobjectClass: top\nobjectClass: user\n\
             sAMAccountName: eve\nuserPrincipalName: {upn}\nuserAccountControl: 512\n\
             objectGUID:: AAECAwQFBgcICQoLDA0ODw==\n\n"
        ),
    )
    .expect("onprem");
    let out = dir.path().join("report");
    let run = bin()
        .args(["audit", "--allow-partial-cloud", "--onprem"])
        .arg(&onprem)
        .arg("--cloud")
        .arg(fixture("example/graph-users.json"))
        .arg("--rules")
        .arg(fixture("rules/upn-expression.toml"))
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run");
    assert!(out.join("findings.jsonl").exists(), "{}", stderr(&run));
    let marker = format!("… [cut: {} bytes in all]", thousands(upn.len()));
    let jsonl = fs::read_to_string(out.join("findings.jsonl")).expect("jsonl");
    let eve: serde_json::Value = jsonl
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
        .find(|v| v["dn"] == "CN=Eve,OU=Partners,DC=contoso,DC=com")
        .expect("Eve's finding");
    let shown = eve["upn"].as_str().expect("upn");
    assert_eq!(shown, format!("{}{marker}", &upn[..4096]));
    let mut reader = csv::Reader::from_path(out.join("findings.csv")).expect("csv");
    let upns: Vec<String> = reader
        .records()
        .map(|r| r.expect("row").get(4).unwrap_or_default().to_owned())
        .collect();
    assert!(
        upns.contains(&shown.to_owned()),
        "capped the same way in the CSV"
    );
    // No line of any report holds the value whole (the cloud side adds
    // about a thousand short orphaned_cloud findings).
    for name in [
        "findings.jsonl",
        "findings.csv",
        "summary.md",
        "summary.json",
    ] {
        let text = fs::read_to_string(out.join(name)).expect("report");
        let longest = text.lines().map(str::len).max().unwrap_or(0);
        assert!(longest < 10_000, "{name}: a line of {longest} bytes");
    }
    assert!(stdout(&run).len() + stderr(&run).len() < 100_000);
    // explain shows it capped too, on every line that holds it.
    let run = bin()
        .args(["--quiet", "explain", "--onprem"])
        .arg(&onprem)
        .arg("--rules")
        .arg(fixture("rules/upn-expression.toml"))
        .args(["--dn", "CN=Eve,OU=Partners,DC=contoso,DC=com"])
        .output()
        .expect("run");
    let text = stdout(&run);
    assert!(text.len() < 100_000, "{} bytes", text.len());
    assert!(text.contains("bytes in all]"), "{text}");
}

/// `1234567` → `1,234,567`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn a_dump_on_a_terminal_escapes_controls_and_stays_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let export = forged_export(dir.path());
    let path = export.to_str().expect("utf-8 path");
    match on_a_terminal(&["--quiet", "scan", "--dump", "jsonl", path]) {
        Some(shown) => {
            assert!(
                !shown.contains('\x1b') && !shown.contains('\u{9b}'),
                "{shown:?}"
            );
            let line = shown.lines().next().expect("one entry");
            let entry: serde_json::Value =
                serde_json::from_str(line.trim_end_matches('\r')).expect("still JSON");
            assert_eq!(entry["attrs"]["userPrincipalName"][0], FORGED_UPN);
        }
        None => eprintln!("`script` is not installed: the terminal case is not exercised"),
    }
    // Redirected, the dump is byte for byte what serde writes.
    let run = bin()
        .args(["--quiet", "scan", "--dump", "jsonl", path])
        .output()
        .expect("run");
    assert!(stdout(&run).contains('\u{9b}'));
}

#[test]
fn json_rows_and_summaries_on_a_terminal_stay_json_with_exact_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let export = forged_export(dir.path());
    let path = export.to_str().expect("utf-8 path");
    let rules = fixture("rules/upn-expression.toml");
    let rules = rules.to_str().expect("utf-8 path");
    let Some(shown) = on_a_terminal(&[
        "--quiet", "classify", "--format", "jsonl", "--onprem", path, "--rules", rules,
    ]) else {
        eprintln!("`script` is not installed: the terminal case is not exercised");
        return;
    };
    assert!(
        !shown.contains('\x1b') && !shown.contains('\u{9b}'),
        "{shown:?}"
    );
    let row: serde_json::Value =
        serde_json::from_str(shown.lines().next().expect("row").trim_end_matches('\r'))
            .expect("still JSON");
    assert_eq!(row["upn"], FORGED_UPN);
    // The scan summary as JSON names the file; a file name is shown escaped too.
    let odd = dir.path().join("odd\u{9b}name.ldf");
    fs::copy(&export, &odd).expect("copy");
    let shown = on_a_terminal(&["scan", "--format", "json", odd.to_str().expect("path")])
        .expect("script ran before");
    assert!(!shown.contains('\u{9b}'), "{shown:?}");
    assert!(shown.contains("odd\\u009bname.ldf"), "{shown}");
}

/// `-o -` is standard output, as `-` is standard input among the inputs: no
/// file named `-` appears.
#[test]
fn output_dash_is_standard_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (input, _) = export_copy(dir.path());
    let classified = bin()
        .current_dir(dir.path())
        .args(["classify", "-o", "-", "--rules"])
        .arg(fixture("rules/extension-attribute.toml"))
        .arg("--onprem")
        .arg(&input)
        .output()
        .expect("run");
    assert_eq!(classified.status.code(), Some(0), "{}", stderr(&classified));
    assert!(stdout(&classified).starts_with("dn,upn,source_anchor,outcome,"));
    let dumped = bin()
        .current_dir(dir.path())
        .args(["scan", "--dump", "jsonl", "-o", "-"])
        .arg(&input)
        .output()
        .expect("run");
    assert_eq!(dumped.status.code(), Some(0), "{}", stderr(&dumped));
    assert!(
        stdout(&dumped).starts_with("{\"dn\":"),
        "{}",
        stdout(&dumped)
    );
    assert!(
        !dir.path().join("-").exists(),
        "a file named `-` was written"
    );
}

/// `--out -` names no folder: `-` is standard input or output everywhere
/// else. audit, man and generate refuse it and create no folder named `-`.
#[test]
fn out_dash_is_refused_where_out_is_a_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (input, _) = export_copy(dir.path());
    let audit = bin()
        .current_dir(dir.path())
        .args(["audit", "--out", "-", "--onprem"])
        .arg(&input)
        .arg("--cloud")
        .arg(fixture("example/graph-users.json"))
        .arg("--rules")
        .arg(fixture("rules/upn-expression.toml"))
        .output()
        .expect("run");
    let man = bin()
        .current_dir(dir.path())
        .args(["man", "--out", "-"])
        .output()
        .expect("run");
    let generate = bin()
        .current_dir(dir.path())
        .args(["generate", "--users", "10", "--seed", "1", "--out", "-"])
        .output()
        .expect("run");
    for (name, out) in [("audit", audit), ("man", man), ("generate", generate)] {
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        assert!(stderr(&out).contains("folder"), "{name}: {}", stderr(&out));
        assert!(
            !dir.path().join("-").exists(),
            "{name} created a folder named -"
        );
    }
}
