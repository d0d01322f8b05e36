//! Inputs that lie: one case per reason an audit must not say "all clear"
//! (`fixtures/lying/README.md` says how each file was made). Each runs the
//! binary and checks the exit code, the verdict in `summary.json`, the reason
//! codes, and that the all-clear sentence appears nowhere but on `pass`.

use std::fs;
use std::path::Path;

use crate::common::fixture;
use assert_cmd::Command;
use serde_json::Value;

const ALL_CLEAR: &str = "no partner account intended as Guest is a Member in the cloud";

/// One case: the arguments after `audit` (paths relative to `fixtures/`;
/// `--out` is added), and what the run must say.
struct Case {
    name: &'static str,
    args: Vec<&'static str>,
    exit: i32,
    /// `None`: refused before any report is written.
    verdict: Option<&'static str>,
    /// Reason codes that must be listed (others may be too).
    reasons: &'static [&'static str],
    /// Text stderr must hold.
    stderr: &'static str,
}

const U: &str = "rules/upn-expression.toml";

fn is_path(arg: &str) -> bool {
    arg.contains('/')
}

struct Outcome {
    exit: i32,
    stdout: String,
    stderr: String,
    summary: Option<Value>,
    out: tempfile::TempDir,
}

fn run(case: &Case) -> Outcome {
    let out = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::cargo_bin("usertype-audit").expect("binary");
    cmd.args(["audit", "--reproducible", "--no-hash"]);
    for a in &case.args {
        if is_path(a) {
            cmd.arg(fixture(a));
        } else {
            cmd.arg(a);
        }
    }
    cmd.arg("--out").arg(out.path().join("report"));
    let o = cmd.output().expect("run");
    let summary = fs::read_to_string(out.path().join("report/summary.json"))
        .ok()
        .map(|s| serde_json::from_str(&s).expect("summary.json parses"));
    Outcome {
        exit: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        summary,
        out,
    }
}

fn reason_codes(summary: &Value) -> Vec<String> {
    summary["reasons"]
        .as_array()
        .expect("reasons array")
        .iter()
        .map(|r| r["code"].as_str().expect("code").to_string())
        .collect()
}

fn check(case: &Case) {
    let o = run(case);
    let ctx = format!(
        "case {}: exit {}\nstdout:\n{}\nstderr:\n{}",
        case.name, o.exit, o.stdout, o.stderr
    );
    assert_eq!(o.exit, case.exit, "{ctx}");
    assert!(o.stderr.contains(case.stderr), "{ctx}");
    match case.verdict {
        None => assert!(o.summary.is_none(), "{ctx}: a refused run wrote reports"),
        Some(verdict) => {
            let s = o.summary.as_ref().expect("summary.json written");
            assert_eq!(s["verdict"], verdict, "{ctx}");
            let codes = reason_codes(s);
            for want in case.reasons {
                assert!(
                    codes.iter().any(|c| c == want),
                    "{ctx}: no {want} in {codes:?}"
                );
            }
            // Every reason names what to do next.
            for r in s["reasons"].as_array().into_iter().flatten() {
                assert!(
                    r["next_step"].as_str().is_some_and(|n| n.len() > 10),
                    "{ctx}: {r}"
                );
            }
            if verdict != "pass" {
                assert!(!codes.is_empty() || verdict == "fail", "{ctx}");
                // The all-clear is said nowhere: terminal, summaries, HTML.
                let lower = |t: &str| t.to_lowercase();
                assert!(!lower(&o.stdout).contains(ALL_CLEAR), "{ctx}");
                for f in ["summary.md", "summary.json", "report.html"] {
                    let text =
                        fs::read_to_string(o.out.path().join("report").join(f)).unwrap_or_default();
                    assert!(!lower(&text).contains(ALL_CLEAR), "{ctx}: {f}");
                }
                // The terminal and summary.md say the verdict first.
                let first = o.stdout.lines().next().unwrap_or("");
                assert!(
                    first.to_lowercase().starts_with(verdict),
                    "{ctx}: first line {first:?}"
                );
                let md =
                    fs::read_to_string(o.out.path().join("report/summary.md")).expect("summary.md");
                assert!(
                    md.contains(&format!("Verdict: **{verdict}**")),
                    "{ctx}: {md}"
                );
            }
        }
    }
}

const LDF: &str = "audit/onprem.ldf";
const GRAPH: &str = "audit/graph-users.json";

/// `--onprem ONPREM --cloud CLOUD --rules RULES EXTRA...`.
fn audit_args(
    onprem: &'static str,
    cloud: &'static str,
    rules: &'static str,
    extra: &[&'static str],
) -> Vec<&'static str> {
    let mut v = vec!["--onprem", onprem, "--cloud", cloud, "--rules", rules];
    v.extend_from_slice(extra);
    v
}

/// A run whose verdict must be `incomplete` (exit 2) with these reasons.
fn incomplete(
    name: &'static str,
    args: Vec<&'static str>,
    reasons: &'static [&'static str],
) -> Case {
    Case {
        name,
        args,
        exit: 2,
        verdict: Some("incomplete"),
        reasons,
        stderr: "",
    }
}

/// A run refused before any report is written (exit 2), saying `stderr`.
fn refused(name: &'static str, args: Vec<&'static str>, stderr: &'static str) -> Case {
    Case {
        name,
        args,
        exit: 2,
        verdict: None,
        reasons: &[],
        stderr,
    }
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "complete",
            args: audit_args(LDF, GRAPH, U, &[]),
            exit: 1,
            verdict: Some("fail"),
            reasons: &[],
            stderr: "",
        },
        incomplete(
            "empty cloud export",
            audit_args(LDF, "lying/cloud-empty.json", U, &[]),
            &["no_entries"],
        ),
        incomplete(
            "a binary given as the cloud export",
            audit_args(LDF, "lying/cloud-elf.json", U, &[]),
            &["unknown_shape"],
        ),
        incomplete(
            "an LDIF given as the cloud export",
            audit_args(LDF, "lying/onprem-reordered.ldf", U, &[]),
            &["unknown_shape"],
        ),
        incomplete(
            "a Graph page without users",
            audit_args(LDF, "lying/cloud-no-users.json", U, &[]),
            &["no_entries"],
        ),
        refused(
            "a cloud export without userType, refused",
            audit_args(LDF, "lying/cloud-without-usertype.json", U, &[]),
            "Get-MgUser -All -Property",
        ),
        incomplete(
            "a cloud export without userType, audited anyway",
            audit_args(
                LDF,
                "lying/cloud-without-usertype.json",
                U,
                &["--allow-partial-cloud"],
            ),
            &["cloud_property_missing"],
        ),
        incomplete(
            "a cloud export without onPremisesSyncEnabled, audited anyway",
            audit_args(
                LDF,
                "lying/cloud-without-sync-state.json",
                U,
                &["--allow-partial-cloud"],
            ),
            &["cloud_property_missing"],
        ),
        incomplete(
            "an empty LDIF named as LDIF",
            audit_args(
                "lying/onprem-empty.ldf",
                GRAPH,
                U,
                &["--onprem-format", "ldif"],
            ),
            &["no_entries"],
        ),
        incomplete(
            "an empty file beside a complete export",
            vec![
                "--onprem",
                LDF,
                "lying/onprem-empty.ldf",
                "--cloud",
                GRAPH,
                "--rules",
                U,
            ],
            &["no_entries"],
        ),
        incomplete(
            "ldapsearch stopped by a size limit",
            audit_args("lying/onprem-ldapsearch-sizelimit.ldf", GRAPH, U, &[]),
            &["truncated_export"],
        ),
        incomplete(
            "ldapsearch's entry count disagrees with the entries",
            audit_args("lying/onprem-ldapsearch-count-mismatch.ldf", GRAPH, U, &[]),
            &["truncated_export"],
        ),
        incomplete(
            "ldapsearch output without its trailer",
            audit_args("lying/onprem-ldapsearch-no-trailer.ldf", GRAPH, U, &[]),
            &["truncated_export"],
        ),
        incomplete(
            "ldapsearch on a base DN that does not exist",
            audit_args("lying/onprem-ldapsearch-no-such-object.ldf", GRAPH, U, &[]),
            &["truncated_export"],
        ),
        incomplete(
            "a scope that matches no account",
            audit_args(LDF, GRAPH, "lying/rules-scope-matches-nothing.toml", &[]),
            &["no_accounts_audited"],
        ),
        incomplete(
            "a simple rule on a misspelt attribute",
            audit_args(LDF, GRAPH, "lying/rules-misspelt-attribute.toml", &[]),
            &["rule_attribute_absent"],
        ),
        incomplete(
            "a Graph page cut short",
            audit_args(LDF, "lying/cloud-cut.json", U, &[]),
            &["truncated_input"],
        ),
        incomplete(
            "a gzip stream cut short",
            audit_args(LDF, "lying/cloud-cut.json.gz", U, &[]),
            &["truncated_input"],
        ),
        incomplete(
            "a user object that names userType twice",
            audit_args(LDF, "lying/cloud-duplicate-property.json", U, &[]),
            &["duplicate_property"],
        ),
        incomplete(
            "an ldifde export cut inside a partner's UPN",
            audit_args("lying/onprem-cut-in-upn.ldf", GRAPH, U, &[]),
            &["truncated_input"],
        ),
        incomplete(
            "an ldifde export cut between a CR and its LF",
            audit_args("lying/onprem-cut-at-cr.ldf", GRAPH, U, &[]),
            &["truncated_input"],
        ),
        incomplete(
            "ldapsearch entries without objectClass",
            audit_args("lying/onprem-no-objectclass.ldf", GRAPH, U, &[]),
            &["no_accounts_audited"],
        ),
        incomplete(
            "a csvde export cut inside a quoted field",
            audit_args("lying/onprem-csvde-cut-in-quote.csv", GRAPH, U, &[]),
            &["truncated_input"],
        ),
        refused(
            "an Export-Csv without a DistinguishedName column",
            audit_args("lying/onprem-select-without-dn.csv", GRAPH, U, &[]),
            "DistinguishedName",
        ),
        incomplete(
            "an ldifde export gzipped and cut",
            audit_args("lying/onprem-cut.ldf.gz", GRAPH, U, &[]),
            &["truncated_input"],
        ),
        incomplete(
            "a gzip stream that fails its checksum",
            audit_args(LDF, "lying/cloud-bad-crc.json.gz", U, &[]),
            &["io"],
        ),
        incomplete(
            "a UTF-16 export with an odd final byte",
            audit_args("lying/onprem-odd-utf16.ldf", GRAPH, U, &[]),
            &["invalid_utf16"],
        ),
        incomplete(
            "a gzip bomb given as the cloud export",
            audit_args(LDF, "lying/cloud-bomb.json.gz", U, &[]),
            &["decompression_limit"],
        ),
        incomplete(
            "a partner's cloud userType in lower case",
            audit_args(LDF, "lying/cloud-odd-usertype.json", U, &[]),
            &["partner_state_unknown"],
        ),
        incomplete(
            "one partner without userType, under --fail-on critical",
            audit_args(
                LDF,
                "lying/cloud-one-without-usertype.json",
                U,
                &["--fail-on", "critical"],
            ),
            &["partner_state_unknown"],
        ),
        incomplete(
            "a partner's record rejected (bad base64)",
            audit_args("lying/onprem-bad-base64.ldf", GRAPH, U, &[]),
            &["records_rejected"],
        ),
        refused(
            "the same export given twice",
            vec![
                "--onprem",
                "audit/onprem.ldf",
                "audit/onprem.ldf",
                "--cloud",
                "audit/graph-users.json",
                "--rules",
                U,
            ],
            "are the same file",
        ),
    ]
}

#[test]
fn every_lying_input_gets_its_verdict() {
    for case in &cases() {
        check(case);
    }
}

#[test]
fn a_copy_given_twice_is_refused_naming_both_arguments() {
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("copy.json");
    fs::copy(fixture("audit/graph-users.json"), &copy).expect("copy");
    let o = Command::cargo_bin("usertype-audit")
        .expect("binary")
        .args(["audit", "--onprem"])
        .arg(fixture("audit/onprem.ldf"))
        .arg("--cloud")
        .arg(fixture("audit/graph-users.json"))
        .arg(&copy)
        .arg("--rules")
        .arg(fixture(U))
        .arg("--out")
        .arg(dir.path().join("report"))
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("have identical content"), "{err}");
    assert!(err.contains("copy.json"), "{err}");
    assert!(err.contains("graph-users.json"), "{err}");
    // No report is written (the folder itself may have been created when it
    // was checked, before any input was read).
    assert!(!dir.path().join("report/summary.json").exists());
    assert!(!dir.path().join("report/findings.jsonl").exists());
}

#[test]
fn without_user_type_each_matched_account_gets_a_finding_of_its_own() {
    let o = run(&Case {
        name: "partial",
        args: vec![
            "--onprem",
            "audit/onprem.ldf",
            "--cloud",
            "lying/cloud-without-usertype.json",
            "--rules",
            U,
            "--allow-partial-cloud",
        ],
        exit: 2,
        verdict: Some("incomplete"),
        reasons: &[],
        stderr: "",
    });
    let findings = fs::read_to_string(o.out.path().join("report/findings.jsonl")).expect("jsonl");
    let unknown: Vec<Value> = findings
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json line"))
        .filter(|f| f["kind"] == "cloud_state_unknown")
        .collect();
    // The forest's three partners intended Guest and matched (fixtures/audit/README.md):
    // two Members and one Guest in the cloud; with userType gone none is "OK".
    let high: Vec<&Value> = unknown.iter().filter(|f| f["severity"] == "high").collect();
    assert_eq!(high.len(), 3, "{unknown:#?}");
    for f in &high {
        assert_eq!(f["intended_user_type"], "Guest", "{f}");
    }
    // And the headline says what is already known: nothing is "all clear".
    assert!(o.stdout.starts_with("Incomplete:"), "{}", o.stdout);
}

#[test]
fn the_readme_lists_exactly_the_codes_that_make_an_audit_incomplete() {
    use usertype_audit::diag::DiagKind;
    use usertype_audit::findings::reason_code;
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let intro = readme
        .find("An audit is incomplete when:")
        .expect("the list");
    let start = intro + readme[intro..].find("\n- ").expect("first item");
    let end = start + readme[start..].find("\n\n").expect("end of the list");
    let mut named: Vec<&str> = readme[start..end]
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|w| {
            w.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
        // The finding kind the list mentions is not a reason code.
        .filter(|w| usertype_audit::findings::Kind::from_name(w).is_none())
        .collect();
    named.sort_unstable();
    named.dedup();
    let mut codes: Vec<&str> = DiagKind::ALL
        .iter()
        .filter(|k| k.makes_incomplete())
        .map(|k| k.name())
        .chain(reason_code::INCOMPLETE.iter().copied())
        .collect();
    codes.sort_unstable();
    assert_eq!(named, codes);
}

#[test]
fn an_audit_stopped_by_strict_has_no_verdict_and_exits_2() {
    let o = run(&Case {
        name: "strict",
        args: vec![
            "--strict",
            "--onprem",
            "lying/onprem-csvde-cut-in-quote.csv",
            "--cloud",
            "audit/graph-users.json",
            "--rules",
            U,
        ],
        exit: 2,
        verdict: None,
        reasons: &[],
        stderr: "",
    });
    assert_eq!(o.exit, 2, "{}", o.stderr);
    assert!(o.stderr.contains("stopped by --strict"), "{}", o.stderr);
    assert!(o.summary.is_none());
}

#[test]
fn a_cut_record_is_not_audited_as_if_it_were_whole() {
    // Read whole, the cut partner's UPN no longer holds the partner domain:
    // the rule would make them a Member and their critical finding vanish.
    // The cut record is rejected instead, and the reason names its line.
    let o = run(&Case {
        name: "cut",
        args: vec![
            "--onprem",
            "lying/onprem-cut-in-upn.ldf",
            "--cloud",
            "audit/graph-users.json",
            "--rules",
            U,
        ],
        exit: 2,
        verdict: Some("incomplete"),
        reasons: &[],
        stderr: "",
    });
    let s = o.summary.expect("summary");
    let cut = s["reasons"]
        .as_array()
        .and_then(|a| a.iter().find(|r| r["code"] == "truncated_input"))
        .expect("truncated_input reason");
    let lines = fs::read_to_string(fixture("lying/onprem-cut-in-upn.ldf"))
        .expect("fixture")
        .lines()
        .count() as u64;
    assert_eq!(cut["line"], lines, "{cut}");
    assert!(cut["file"]
        .as_str()
        .is_some_and(|f| f.ends_with("onprem-cut-in-upn.ldf")));
    let findings = fs::read_to_string(o.out.path().join("report/findings.jsonl")).expect("jsonl");
    // The cut record's account (its DN holds a <script> tag) has no finding.
    assert!(
        !findings.contains("\"dn\":\"CN=<script>"),
        "the cut record was audited: {findings}"
    );
    assert_eq!(
        s["onprem"]["skipped_by_reason"]["rejected record (see diagnostics)"],
        1
    );
}

#[test]
fn rule_warnings_and_unused_scope_ous_are_limitations_with_their_place() {
    let o = run(&Case {
        name: "scope",
        args: vec![
            "--onprem",
            "audit/onprem.ldf",
            "--cloud",
            "audit/graph-users.json",
            "--rules",
            "lying/rules-scope-matches-nothing.toml",
        ],
        exit: 2,
        verdict: Some("incomplete"),
        reasons: &[],
        stderr: "",
    });
    let s = o.summary.expect("summary");
    let limits = s["limitations"].as_array().expect("limitations").clone();
    let find = |code: &str| {
        limits
            .iter()
            .find(|l| l["code"] == code)
            .unwrap_or_else(|| panic!("no {code} in {limits:#?}"))
            .clone()
    };
    // The misspelt OU, at its place in the rule file (line 10, the value's column).
    let rules =
        fs::read_to_string(fixture("lying/rules-scope-matches-nothing.toml")).expect("rules");
    let (line, text) = rules
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("OU=Partnres"))
        .expect("the OU line");
    let ou = find("scope_ou_unmatched");
    assert_eq!(ou["line"], line as u64 + 1, "{ou}");
    assert_eq!(
        ou["column"],
        text.find('"').expect("quote") as u64 + 1,
        "{ou}"
    );
    assert!(ou["detail"]
        .as_str()
        .is_some_and(|d| d.contains("OU=Partnres,DC=contoso,DC=com")));
    // Learn's expression: the linter's warning, with the corrected form as the next step.
    let lint = find("rule_warning");
    assert!(lint["detail"]
        .as_str()
        .is_some_and(|d| d.contains("contains-not-ends-with")));
    assert!(
        lint["next_step"]
            .as_str()
            .is_some_and(|n| n.contains("Right(")),
        "{lint}"
    );
    // And every human format shows them.
    let md = fs::read_to_string(o.out.path().join("report/summary.md")).expect("md");
    assert!(
        md.contains("`scope_ou_unmatched`") && md.contains("`rule_warning`"),
        "{md}"
    );
    let html = fs::read_to_string(o.out.path().join("report/report.html")).expect("html");
    assert!(html.contains("<code>scope_ou_unmatched</code>"));
    assert!(o.stdout.contains("limitation: "), "{}", o.stdout);
}

#[test]
fn without_sync_state_an_unmatched_synced_user_is_unknown_not_cloud_only() {
    let o = run(&Case {
        name: "sync state",
        args: audit_args(
            LDF,
            "lying/cloud-without-sync-state.json",
            U,
            &["--allow-partial-cloud"],
        ),
        exit: 2,
        verdict: Some("incomplete"),
        reasons: &[],
        stderr: "",
    });
    let findings = fs::read_to_string(o.out.path().join("report/findings.jsonl")).expect("jsonl");
    // fixtures/audit/README.md: the synced cloud user with no account
    // (old.user@contoso.com) is an orphaned_cloud when the export says it is synced.
    let old: Vec<Value> = findings
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json"))
        .filter(|f| f["cloud_upn"] == "old.user@contoso.com")
        .collect();
    assert_eq!(old.len(), 1, "{findings}");
    assert_eq!(old[0]["kind"], "cloud_state_unknown");
    assert_eq!(old[0]["severity"], "low");
}
