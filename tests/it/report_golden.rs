//! Golden tests of the report writers: a hand-written summary and findings
//! (hostile values included) rendered into every format and compared byte for
//! byte with `tests/golden/report/`. `UPDATE_GOLDEN=1 cargo test --test
//! report_golden` rewrites the golden files; read the diff before committing.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use usertype_audit::findings::{
    AuditSummary, CloudTally, Finding, FindingId, InputFile, IntentTally, Kind, MatchedBy,
    OnPremTally, Reason, RuleSummary, Severity, Verdict,
};
use usertype_audit::report::{write_reports, Format, Report};

const PARTNERS: &str = "OU=Partners,OU=External,DC=contoso,DC=com";
const EMPLOYEES: &str = "OU=Employees,OU=Users,DC=contoso,DC=com";
const HOSTILE_DN: &str =
    "CN=<script>alert(1)</script> \"quotes\" & 'apos',OU=Partners,OU=External,DC=contoso,DC=com";

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

#[allow(clippy::too_many_arguments)]
fn finding(
    kind: Kind,
    severity: Severity,
    dn: Option<String>,
    upn: Option<String>,
    cloud_upn: Option<String>,
    intended: Option<&str>,
    cloud: Option<&str>,
    matched_by: Option<MatchedBy>,
    rule: Option<&str>,
    source: &str,
    detail: &str,
) -> Finding {
    let cloud_side = cloud_upn.is_some();
    let anchor = dn.as_ref().map(|_| "AAECAwQFBgcICQoLDA0ODw==");
    Finding {
        id: FindingId::account(kind, anchor, dn.as_deref()),
        kind,
        severity,
        source_anchor: dn.as_ref().map(|_| "AAECAwQFBgcICQoLDA0ODw==".to_owned()),
        dn,
        upn,
        cloud_id: cloud_side.then(|| "11111111-2222-3333-4444-555555555555".to_owned()),
        cloud_upn,
        intended_user_type: intended.map(str::to_owned),
        cloud_user_type: cloud.map(str::to_owned),
        matched_by,
        rule: rule.map(str::to_owned),
        source: s(source),
        detail: detail.to_owned(),
        waiver: None,
    }
}

/// One finding per kind, in the order an audit writes them (by source line).
fn findings() -> Vec<Finding> {
    use Kind::*;
    use Severity::*;
    let mut f = vec![
        finding(
            GuestAsMember,
            Critical,
            s(&format!("CN=Ann Partner,{PARTNERS}")),
            s("=HYPERLINK(\"http://evil\")"),
            s("ann@partner.example"),
            Some("Guest"),
            Some("Member"),
            Some(MatchedBy::ImmutableId),
            Some("extensionAttribute1"),
            "onprem.ldf:12",
            "extensionAttribute1 is \"Guest\" but the cloud userType is \"Member\"; the account is enabled.",
        ),
        finding(
            GuestAsMember,
            High,
            s(HOSTILE_DN),
            s("bob@partner.example"),
            s("bob@partner.example"),
            Some("Guest"),
            Some("Member"),
            Some(MatchedBy::ImmutableId),
            Some("extensionAttribute1"),
            "onprem.ldf:30",
            "extensionAttribute1 is \"Guest\" but the cloud userType is \"Member\"; the account is disabled.",
        ),
        finding(
            RuleError,
            High,
            s(&format!("CN=No Upn,{PARTNERS}")),
            None,
            s("noupn@contoso.onmicrosoft.com"),
            Some("error"),
            Some("Member"),
            Some(MatchedBy::Sid),
            Some("extensionAttribute1"),
            "onprem.ldf:44",
            "the rule raised Error(\"UserPrincipalName is not present to determine UserType\"): Connect would fail to sync this account.",
        ),
        finding(
            GuestAsMember,
            Critical,
            s(&format!("CN=Carl Partner,{PARTNERS}")),
            s("+1"),
            s("carl@partner.example"),
            Some("Guest"),
            Some("Member"),
            Some(MatchedBy::Dn),
            Some("extensionAttribute1"),
            "onprem.ldf:58",
            "extensionAttribute1 is \"Guest\" but the cloud userType is \"Member\"; the account is enabled.",
        ),
        finding(
            MemberAsGuest,
            Medium,
            s(&format!("CN=Dana Staff,{EMPLOYEES}")),
            s("-2"),
            s("dana@contoso.com"),
            Some("Member"),
            Some("Guest"),
            Some(MatchedBy::OnPremisesUpn),
            Some("extensionAttribute1"),
            "onprem.ldf:71",
            "extensionAttribute1 is \"Member\" but the cloud userType is \"Guest\".",
        ),
        finding(
            InvalidUserType,
            Medium,
            s(&format!("CN=Eve Partner,{PARTNERS}")),
            s("eve@partner.example"),
            s("eve@partner.example"),
            Some("invalid"),
            Some("Member"),
            Some(MatchedBy::ImmutableId),
            Some("@SUM(A1:A9)"),
            "onprem.ldf:85",
            "extensionAttribute1 is \"guest \": Entra accepts only \"Member\" or \"Guest\".",
        ),
        finding(
            AnchorMismatch,
            Medium,
            s(&format!("CN=Finn Staff,{EMPLOYEES}")),
            s("finn@contoso.com"),
            s("finn@contoso.com"),
            Some("Member"),
            Some("Member"),
            Some(MatchedBy::Upn),
            Some("extensionAttribute1"),
            "onprem.ldf:99",
            "matched by UPN onto a cloud user whose onPremisesImmutableId is \"ZZZZZZZZZZZZZZZZZZZZZZ==\".",
        ),
        finding(
            DuplicateAnchor,
            Medium,
            s(&format!("CN=Gina Staff,{EMPLOYEES}")),
            s("gina@contoso.com"),
            None,
            Some("Member"),
            None,
            None,
            Some("extensionAttribute1"),
            "onprem.ldf:113",
            "the source anchor is shared with onprem.ldf:127.",
        ),
        finding(
            SyncedB2bGuest,
            Medium,
            s(&format!("CN=Hugo Staff,{EMPLOYEES}")),
            s("hugo@contoso.com"),
            s("hugo_partner.example#EXT#@contoso.onmicrosoft.com"),
            Some("Member"),
            Some("Guest"),
            Some(MatchedBy::Smtp),
            Some("extensionAttribute1"),
            "onprem.ldf:141",
            "an invited guest (creationType Invitation) was taken over by sync.",
        ),
        finding(
            SoftMatch,
            Low,
            s(&format!("CN=Ida Staff,{EMPLOYEES}")),
            s("ida@contoso.com"),
            s("ida@contoso.com"),
            Some("Member"),
            Some("Member"),
            Some(MatchedBy::Upn),
            Some("extensionAttribute1"),
            "onprem.ldf:155",
            "matched only by UPN onto a cloud user without ImmutableId:\nthe next sync takes it over.",
        ),
        finding(
            MissingInCloud,
            Low,
            s(&format!("CN=Müller\\, Jörg,{EMPLOYEES}")),
            s("joerg.mueller@contoso.com"),
            None,
            Some("Member"),
            None,
            None,
            Some("extensionAttribute1"),
            "onprem.ldf:169",
            "in sync scope, but no cloud user matches.",
        ),
        finding(
            OrphanedCloud,
            Low,
            None,
            None,
            s("\tghost@contoso.com"),
            None,
            Some("Member"),
            None,
            None,
            "<stdin>:40",
            "a synced cloud user whose ImmutableId matches no account of the export.",
        ),
        finding(
            OutOfScope,
            Info,
            s("CN=krbtgt,CN=Users,DC=contoso,DC=com"),
            s("krbtgt@contoso.com"),
            None,
            Some("out_of_scope"),
            None,
            None,
            Some("isCriticalSystemObject"),
            "onprem.ldf:200",
            "isCriticalSystemObject is TRUE: the out-of-box rules keep it out of the cloud.",
        ),
    ];
    // The orphaned cloud user has no account: no anchor either.
    f[11].source_anchor = None;
    f
}

fn summary() -> AuditSummary {
    use Kind::*;
    AuditSummary {
        tool: "usertype-audit 0.1.0".into(),
        generated_at: None,
        elapsed_seconds: None,
        inputs: vec![
            InputFile {
                role: "onprem",
                path: "exports/q1|old/onprem.ldf".into(),
                format: "ldif".into(),
                bytes: 1_234_567,
                blake3: s("af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"),
            },
            InputFile {
                role: "cloud",
                path: "-".into(),
                format: "graph-json".into(),
                bytes: 987_654,
                blake3: None,
            },
            InputFile {
                role: "rules",
                path: "rules.toml".into(),
                format: "toml".into(),
                bytes: 512,
                blake3: s("0000000000000000000000000000000000000000000000000000000000000001"),
            },
        ],
        rules: RuleSummary {
            path: "rules.toml".into(),
            flow: "direct",
            definition: "extensionAttribute1".into(),
            out_of_box_scope: true,
        },
        by_kind: vec![
            (GuestAsMember, 3),
            (MemberAsGuest, 1),
            (RuleError, 1),
            (InvalidUserType, 1),
            (AnchorMismatch, 1),
            (DuplicateAnchor, 1),
            (SyncedB2bGuest, 1),
            (KeyConflict, 0),
            (SoftMatch, 1),
            (MissingInCloud, 1),
            (OrphanedCloud, 1),
            (OutOfScope, 1),
        ],
        by_severity: vec![
            (Severity::Critical, 2),
            (Severity::High, 2),
            (Severity::Medium, 5),
            (Severity::Low, 3),
            (Severity::Info, 1),
        ],
        top_ous: vec![(EMPLOYEES.into(), 6), (PARTNERS.into(), 5)],
        onprem: OnPremTally {
            records_read: 1000,
            accounts_audited: 900,
            out_of_scope: 60,
            out_of_scope_by_filter: BTreeMap::from([
                ("isCriticalSystemObject".to_owned(), 3),
                ("adminDescription User_".to_owned(), 2),
                ("OU filter".to_owned(), 55),
            ]),
            skipped: 40,
            skipped_by_reason: BTreeMap::from([
                ("computer".to_owned(), 30),
                ("class group".to_owned(), 8),
                ("rejected record".to_owned(), 2),
            ]),
        },
        cloud: CloudTally {
            users: 950,
            matched: 900,
            orphaned: 10,
            cloud_only: 30,
            unmatched_not_synced: 10,
        },
        intent: IntentTally {
            member: 800,
            guest: 90,
            error: 5,
            invalid: 3,
            no_value: 2,
        },
        diagnostics: BTreeMap::from([("ldif_bad_base64".to_owned(), 2)]),
        fail_on: Severity::High,
        failed: true,
        // Hostile text in every field a reason has: each format must escape it.
        verdict: Verdict::Incomplete,
        reasons: vec![Reason {
            code: "cloud_property_missing".into(),
            file: Some("graph|users.json".into()),
            line: None,
            column: None,
            detail: "The cloud export has no onPremisesImmutableId column: accounts were matched by UPN only | re-export with $select=onPremisesImmutableId".into(),
            next_step: "export again".into(),
        }],
        limitations: vec![Reason {
            code: "rule_attribute_absent".into(),
            file: Some("<b>onprem.ldf</b>".into()),
            line: Some(12),
            column: None,
            detail: "<b>onprem.ldf</b> lacks extensionAttribute1 on 12 accounts & they were read as absent".into(),
            next_step: "re-export with `extensionAttribute1`\nthen audit again".into(),
        }],
        waivers: Default::default(),
    }
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/report")
}

/// Writes `format` for the fixture into a fresh directory and returns it.
fn render(format: Format, include_info: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let findings = findings();
    let summary = summary();
    let report = Report {
        findings: &findings,
        summary: &summary,
        include_info,
    };
    write_reports(&report, &[format], dir.path()).expect("write reports");
    dir
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Compares `name` written in `dir` with its golden file (or rewrites it).
fn check_golden(dir: &Path, name: &str) {
    let got = fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let path = golden_dir().join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        fs::create_dir_all(golden_dir()).expect("golden dir");
        fs::write(&path, &got).expect("write golden");
        return;
    }
    let want = fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with UPDATE_GOLDEN=1 to create it)",
            path.display()
        )
    });
    if got != want {
        let got = String::from_utf8_lossy(&got);
        let want = String::from_utf8_lossy(&want);
        let line = got
            .split('\n')
            .zip(want.split('\n'))
            .position(|(g, w)| g != w)
            .unwrap_or_else(|| got.split('\n').count().min(want.split('\n').count()));
        panic!(
            "{name} differs from {} at line {}:\n  got:  {:?}\n  want: {:?}\n(UPDATE_GOLDEN=1 rewrites it)",
            path.display(),
            line + 1,
            got.split('\n').nth(line).unwrap_or("<end of file>"),
            want.split('\n').nth(line).unwrap_or("<end of file>"),
        );
    }
}

#[test]
fn golden_findings_jsonl() {
    let dir = render(Format::Jsonl, true);
    check_golden(dir.path(), "findings.jsonl");
}

#[test]
fn golden_findings_csv() {
    let dir = render(Format::Csv, true);
    check_golden(dir.path(), "findings.csv");
}

#[test]
fn golden_summary_json_and_md() {
    let dir = render(Format::Summary, true);
    check_golden(dir.path(), "summary.json");
    check_golden(dir.path(), "summary.md");
}

#[test]
fn golden_report_html() {
    let dir = render(Format::Html, true);
    check_golden(dir.path(), "report.html");
}

#[test]
fn csv_neutralises_formulas_and_reads_back() {
    let dir = render(Format::Csv, true);
    let bytes = fs::read(dir.path().join("findings.csv")).expect("csv");
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBFid,kind,severity,dn,"),
        "BOM then header"
    );
    let text = String::from_utf8(bytes.clone()).expect("utf-8");
    assert!(
        text.contains(",\"'=HYPERLINK(\"\"http://evil\"\")\","),
        "{text}"
    );
    assert!(!text.contains(",=HYPERLINK"), "{text}");

    // The csv crate strips the BOM; every formula-looking value starts with '.
    let mut reader = csv::Reader::from_reader(&bytes[..]);
    let header = reader.headers().expect("header").clone();
    assert_eq!(header.get(0), Some("id"));
    assert_eq!(header.get(1), Some("kind"));
    assert_eq!(header.len(), 15);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("record")).collect();
    assert_eq!(rows.len(), 13);
    let upn = |i: usize| rows[i].get(4).expect("upn").to_owned();
    assert_eq!(upn(0), "'=HYPERLINK(\"http://evil\")");
    assert_eq!(upn(3), "'+1");
    assert_eq!(upn(4), "'-2");
    assert_eq!(rows[5].get(11), Some("'@SUM(A1:A9)"));
    assert_eq!(rows[11].get(7), Some("'\tghost@contoso.com"));
    // A value with a line break survives, quoted.
    assert_eq!(
        rows[9].get(13),
        Some("matched only by UPN onto a cloud user without ImmutableId:\nthe next sync takes it over.")
    );
    for row in &rows {
        for field in row {
            assert!(
                !field.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "unneutralised {field:?}"
            );
        }
    }
}

#[test]
fn html_escapes_every_input_value() {
    let dir = render(Format::Html, true);
    let html = read(dir.path(), "report.html");
    assert!(!html.contains("<script>alert"), "raw script from input");
    assert!(!html.contains("alert(1)</script>"), "raw script from input");
    assert!(
        !html.contains("<b>onprem.ldf</b>"),
        "raw markup from a warning"
    );
    // Escaped in the table...
    assert!(html.contains(
        "CN=&lt;script&gt;alert(1)&lt;/script&gt; &quot;quotes&quot; &amp; &#39;apos&#39;,OU=Partners"
    ));
    assert!(html.contains("&lt;b&gt;onprem.ldf&lt;/b&gt; lacks"));
    // ...and in the data island, which decodes to the value as it was.
    assert!(html.contains(
        r#""CN=\u003cscript\u003ealert(1)\u003c/script\u003e \"quotes\" \u0026 'apos'","#
    ));
    let rows = island_rows(&html);
    assert!(rows.iter().any(|row| row[2].as_deref() == Some(HOSTILE_DN)));
    // Exactly two script elements: the data island and ours.
    assert_eq!(html.matches("<script").count(), 2);
    assert_eq!(html.matches("</script>").count(), 2);
}

#[test]
fn html_loads_nothing_from_anywhere() {
    let dir = render(Format::Html, true);
    let html = read(dir.path(), "report.html");
    let lower = html.to_ascii_lowercase();
    for needle in [
        "<link", " src=", "url(", "@import", "<iframe", "<img", "<object", "<embed",
    ] {
        assert!(!lower.contains(needle), "report.html contains {needle:?}");
    }
    // Every href is an in-page anchor; the only http(s) text is the input
    // value of the formula UPN (escaped, inert).
    for (i, _) in lower.match_indices("href=") {
        assert!(lower[i..].starts_with("href=\"#"), "remote href at {i}");
    }
    let mut urls = lower.matches("http://").count() + lower.matches("https://").count();
    urls -= html.matches("HYPERLINK(&quot;http://evil&quot;)").count();
    urls -= html.matches(r#"HYPERLINK(\"http://evil\")"#).count();
    assert_eq!(urls, 0, "a URL other than the input's");
    assert!(
        html.contains("content=\"default-src 'none';"),
        "CSP blocks the network"
    );
}

#[test]
fn write_reports_replaces_reports_and_touches_nothing_else() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("nested/reports");
    fs::create_dir_all(&out).expect("mkdir");
    fs::write(out.join("findings.csv"), "stale").expect("stale csv");
    fs::write(out.join("summary.md"), "stale").expect("stale md");
    fs::write(out.join("notes.txt"), "mine").expect("unrelated file");

    let findings = findings();
    let summary = summary();
    let report = Report {
        findings: &findings,
        summary: &summary,
        include_info: false,
    };
    let written = write_reports(&report, Format::ALL, &out).expect("write");
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "findings.jsonl",
            "findings.csv",
            "summary.json",
            "summary.md",
            "report.html"
        ]
    );
    assert!(written.iter().all(|p| p.starts_with(&out)));
    assert_ne!(read(&out, "findings.csv"), "stale");
    assert!(read(&out, "summary.md").starts_with("# UserType sync audit"));
    assert_eq!(read(&out, "notes.txt"), "mine");

    let mut entries: Vec<String> = fs::read_dir(&out)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(
        entries,
        [
            "findings.csv",
            "findings.jsonl",
            "notes.txt",
            "report.html",
            "summary.json",
            "summary.md"
        ],
        "no temporary file is left behind"
    );

    // Twice in a row gives the same bytes (and replaces, not appends).
    let first = fs::read(out.join("report.html")).expect("html");
    write_reports(&report, &[Format::Html], &out).expect("write again");
    assert_eq!(fs::read(out.join("report.html")).expect("html"), first);
}

#[test]
fn write_reports_fails_cleanly_when_a_target_is_a_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::create_dir(dir.path().join("findings.csv")).expect("dir in the way");
    let findings = findings();
    let summary = summary();
    let report = Report {
        findings: &findings,
        summary: &summary,
        include_info: false,
    };
    let err = write_reports(&report, &[Format::Csv], dir.path()).expect_err("cannot replace a dir");
    assert!(err.to_string().contains("findings.csv"), "{err}");
    let left: Vec<_> = fs::read_dir(dir.path()).expect("read dir").collect();
    assert_eq!(left.len(), 1, "temporary file removed");
}

#[test]
fn info_findings_are_listed_only_on_request_but_always_counted() {
    let dir = render(Format::Jsonl, false);
    let jsonl = read(dir.path(), "findings.jsonl");
    assert_eq!(jsonl.lines().count(), 12);
    assert!(!jsonl.contains("out_of_scope"));
    let dir = render(Format::Jsonl, true);
    assert_eq!(read(dir.path(), "findings.jsonl").lines().count(), 13);

    let dir = render(Format::Summary, false);
    let json: serde_json::Value =
        serde_json::from_str(&read(dir.path(), "summary.json")).expect("json");
    assert_eq!(json["findings_total"], 13);
    assert_eq!(json["by_kind"][12]["kind"], "out_of_scope");
    assert_eq!(json["by_kind"][12]["count"], 1);

    let dir = render(Format::Html, false);
    let html = read(dir.path(), "report.html");
    assert!(html.contains("12 findings listed, most severe first;"));
    assert!(
        html.contains(" 1 info findings (accounts out of sync scope) are counted but not listed")
    );
    assert_eq!(island_rows(&html).len(), 12);
    assert!(!html.contains("krbtgt"));
}

/// The findings embedded in `html`, one row of [`COLUMNS`] values each,
/// decoded as the module documentation of `report::html` specifies (not with
/// the writer's code): a cell is null, a number (a shared string), a string,
/// `[a, b]` (two such parts joined) or `true` in `cloud_upn` (same as `upn`).
fn island_rows(html: &str) -> Vec<Vec<Option<String>>> {
    let start = html.find("id=\"findings-data\">").expect("island") + "id=\"findings-data\">".len();
    let end = start + html[start..].find("</script>").expect("island end");
    let island: serde_json::Value = serde_json::from_str(&html[start..end]).expect("island JSON");
    let strings: Vec<&str> = island["strings"]
        .as_array()
        .expect("strings")
        .iter()
        .map(|s| s.as_str().expect("string"))
        .collect();
    let count = island["count"].as_u64().expect("count") as usize;
    let columns = island["columns"].as_array().expect("columns");
    assert_eq!(columns.len(), 15);
    assert_eq!(columns[0], "id");
    let data = island["data"].as_array().expect("data");
    assert_eq!(data.len(), columns.len());
    let part = |v: &serde_json::Value| -> String {
        match v {
            serde_json::Value::Number(n) => strings[n.as_u64().expect("index") as usize].to_owned(),
            serde_json::Value::String(s) => s.clone(),
            other => panic!("not a part: {other}"),
        }
    };
    let mut rows = vec![vec![None; columns.len()]; count];
    for (c, column) in data.iter().enumerate() {
        let cells = column.as_array().expect("column");
        assert_eq!(cells.len(), count, "column {c}");
        for (i, cell) in cells.iter().enumerate() {
            rows[i][c] = match cell {
                serde_json::Value::Null => None,
                serde_json::Value::Bool(true) => {
                    assert_eq!(c, 7, "true only in cloud_upn");
                    rows[i][4].clone()
                }
                serde_json::Value::Array(pair) => {
                    assert_eq!(pair.len(), 2);
                    Some(part(&pair[0]) + &part(&pair[1]))
                }
                other => Some(part(other)),
            };
        }
    }
    // Every row has its id; the callers index the columns after it.
    for row in &rows {
        let id = row[0].as_deref().expect("every finding has an id");
        assert!(FindingId::parse(id).is_some(), "{id}");
    }
    rows.into_iter().map(|r| r[1..].to_vec()).collect()
}

#[test]
fn html_embeds_every_listed_finding_most_severe_first() {
    let template = findings();
    let mut many: Vec<Finding> = Vec::new();
    // 20,010 low findings first (more than the 20,000 the page used to keep),
    // then 3 critical ones at the very end.
    for i in 0..20_010 {
        let mut f = template[9].clone();
        f.source = Some(format!("onprem.ldf:{i}"));
        many.push(f);
    }
    for i in 0..3 {
        let mut f = template[0].clone();
        f.source = Some(format!("late.ldf:{i}"));
        many.push(f);
    }
    let summary = summary();
    let report = Report {
        findings: &many,
        summary: &summary,
        include_info: false,
    };
    let dir = tempfile::tempdir().expect("temp dir");
    write_reports(&report, &[Format::Html], dir.path()).expect("write");
    let html = read(dir.path(), "report.html");
    assert!(html
        .contains("20,013 findings listed, most severe first; this page holds every one of them"));
    let rows = island_rows(&html);
    assert_eq!(rows.len(), 20_013);
    // The critical ones lead, in their original order; then every low one.
    let sources: Vec<&str> = rows
        .iter()
        .map(|r| r[11].as_deref().expect("source"))
        .collect();
    assert_eq!(sources[..3], ["late.ldf:0", "late.ldf:1", "late.ldf:2"]);
    for (i, source) in sources[3..].iter().enumerate() {
        assert_eq!(*source, format!("onprem.ldf:{i}"));
    }
    assert_eq!(
        rows.iter()
            .filter(|r| r[0].as_deref() == Some("soft_match"))
            .count(),
        20_010
    );
    // Every embedded row is the finding as findings.jsonl writes it.
    let want = &many[20_009];
    let last = &rows[20_012];
    assert_eq!(last[2], want.dn);
    assert_eq!(last[3], want.upn);
    assert_eq!(last[5], want.cloud_id);
    assert_eq!(last[6], want.cloud_upn);
    assert_eq!(last[12].as_deref(), Some(want.detail.as_str()));
    assert!(html.contains("Showing the first 100 of 20,013."));
}

#[test]
fn html_caps_long_values_and_keeps_hostile_text_inert() {
    let mut findings = findings();
    let long = "é".repeat(5000);
    findings[0].dn = Some(format!("CN={long},OU=Partners,DC=contoso,DC=com"));
    findings[1].detail = "a\u{2028}b\u{2029}c </script><!-- x --> \u{0}\u{1f}".to_owned();
    findings[2].upn = Some(format!("{}@example.com", "x".repeat(1100)));
    let summary = summary();
    let report = Report {
        findings: &findings,
        summary: &summary,
        include_info: true,
    };
    let dir = tempfile::tempdir().expect("temp dir");
    write_reports(&report, &[Format::Html], dir.path()).expect("write");
    let html = read(dir.path(), "report.html");
    let rows = island_rows(&html);
    let by_source = |s: &str| {
        rows.iter()
            .find(|r| r[11].as_deref() == Some(s))
            .unwrap_or_else(|| panic!("{s} not embedded"))
    };
    // 1,024 characters: the first 1,023 of the value and the marker.
    let dn = by_source("onprem.ldf:12")[2].clone().expect("dn");
    assert_eq!(dn.chars().count(), 1024);
    assert_eq!(dn, format!("CN={}…", "é".repeat(1020)));
    let upn = by_source("onprem.ldf:44")[3].clone().expect("upn");
    assert_eq!(upn, format!("{}…", "x".repeat(1023)));
    // The static table shows the same capped value, never the whole one.
    assert!(html.contains(&format!(
        "<div class=\"sub\">CN={}…</div>",
        "é".repeat(1020)
    )));
    assert!(!html.contains(&"é".repeat(1021)));
    // Line separators, a script end and a comment open are escaped, and the
    // value decodes back to itself.
    assert_eq!(
        by_source("onprem.ldf:30")[12].as_deref(),
        Some("a\u{2028}b\u{2029}c </script><!-- x --> \u{0}\u{1f}")
    );
    let start = html.find("id=\"findings-data\">").expect("island");
    let island = &html[start..start + html[start..].find("</script>").expect("end")];
    for needle in ["\u{2028}", "\u{2029}", "<!--", "</script", "\u{0}"] {
        assert!(
            !island.contains(needle),
            "raw {needle:?} in the data island"
        );
    }
    assert_eq!(html.matches("</script>").count(), 2);
}

#[test]
fn remediation_follows_the_rule_flow() {
    let findings = findings();
    let html_for = |flow: &'static str, definition: &str| {
        let mut summary = summary();
        summary.rules.flow = flow;
        summary.rules.definition = definition.to_owned();
        let report = Report {
            findings: &findings,
            summary: &summary,
            include_info: false,
        };
        let dir = tempfile::tempdir().expect("temp dir");
        write_reports(&report, &[Format::Html], dir.path()).expect("write");
        read(dir.path(), "report.html")
    };

    let direct = html_for("direct", "extensionAttribute7");
    assert!(direct.contains(
        "<td>Direct</td><td>UserType</td><td><code>extensionAttribute7</code></td><td>Unchecked</td><td>Update</td>"
    ));
    assert!(!direct.contains("<td>Expression</td>"));

    // A lint-free expression is proposed as it is (the old InStr(...)>0
    // example here is flagged by the linter: see the test below).
    let expr =
        "IIF(Right(LCase([userPrincipalName]),16)=\"@partner.example\",\"Guest\",\"Member\")";
    let expression = html_for("expression", expr);
    assert!(expression.contains(
        "<td>Expression</td><td>UserType</td><td><code data-proposed-expression>IIF(Right(LCase([userPrincipalName]),16)=&quot;@partner.example&quot;,&quot;Guest&quot;,&quot;Member&quot;)</code></td>"
    ));
    assert!(!expression.contains("Your rule file uses simple rules"));

    let rules = html_for("rules", "partners, contractors");
    assert!(rules.contains("Your rule file uses simple rules, which Entra Connect cannot read."));
    assert!(rules.contains("<pre>partners, contractors</pre>"));
    assert!(rules.contains(
        "<td>Expression</td><td>UserType</td><td><i>your expression (see above)</i></td>"
    ));
    // Every flow shows the outbound rule and the seven steps.
    for page in [&direct, &expression, &rules] {
        assert!(page.contains("<td>cloudMastered</td><td>NOTEQUAL</td><td>True</td>"));
        assert!(page.contains("Set-ADSyncScheduler -SyncCycleEnabled $true"));
    }
}

/// The text of every element `html` marks `data-proposed-expression`
/// (an expression the reader is told to paste), HTML-unescaped.
fn proposed_expressions(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in html.match_indices(" data-proposed-expression>") {
        let tag_start = html[..at].rfind('<').expect("tag");
        let name = &html[tag_start + 1..at];
        let text_start = at + " data-proposed-expression>".len();
        let end = text_start
            + html[text_start..]
                .find(&format!("</{name}>"))
                .expect("end tag");
        out.push(
            html[text_start..end]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&"),
        );
    }
    out
}

#[test]
fn every_proposed_expression_passes_the_rule_linter() {
    use usertype_audit::classify::expr::{compile, CompileOptions};
    const LEARN: &str = "IIF(IsPresent([userPrincipalName]),IIF(CBool(InStr(LCase([userPrincipalName]),\"@partners.fabrikam123.org\")=0),\"Member\",\"Guest\"),Error(\"UserPrincipalName is not present to determine UserType\"))";
    const CLEAN: &str =
        "IIF(Right(LCase([userPrincipalName]),16)=\"@partner.example\",\"Guest\",\"Member\")";
    // Flagged (the needle is no domain, and a case-sensitive search): no fix.
    const UNFIXABLE: &str = "IIF(InStr([department],\"Partner\")>0,\"Guest\",\"Member\")";
    const MULTILINE: &str = "IIF(IsPresent([userPrincipalName]),\n  IIF(InStr([userPrincipalName], \"@partner.example\") > 0, \"Guest\", \"Member\"),\n  \"Member\")";
    let findings = findings();
    let page = |flow: &'static str, definition: &str| {
        let mut summary = summary();
        summary.rules.flow = flow;
        summary.rules.definition = definition.to_owned();
        let report = Report {
            findings: &findings,
            summary: &summary,
            include_info: false,
        };
        let dir = tempfile::tempdir().expect("temp dir");
        write_reports(&report, &[Format::Html], dir.path()).expect("write");
        read(dir.path(), "report.html")
    };
    for (flow, definition, proposals) in [
        ("rules", "partners, contractors", 1),
        ("expression", LEARN, 1),
        ("expression", CLEAN, 2),
        ("expression", MULTILINE, 1),
        ("expression", UNFIXABLE, 0),
        ("direct", "extensionAttribute1", 0),
    ] {
        let html = page(flow, definition);
        let proposed = proposed_expressions(&html);
        assert_eq!(
            proposed.len(),
            proposals,
            "{flow} {definition}: {proposed:?}"
        );
        for expression in &proposed {
            let compiled = compile(expression, &CompileOptions::default())
                .unwrap_or_else(|e| panic!("the page proposes {expression:?}, which fails: {e:?}"));
            let warnings: Vec<String> = compiled
                .warnings
                .iter()
                .map(|w| w.render(expression))
                .collect();
            assert!(
                warnings.is_empty(),
                "the page proposes {expression:?}, flagged: {warnings:?}"
            );
        }
        let linted = compile(definition, &CompileOptions::default());
        if let Ok(compiled) = linted {
            if !compiled.warnings.is_empty() {
                // A flagged rule is never proposed, and its warnings are listed.
                assert!(!proposed.iter().any(|p| p == definition), "{definition}");
                assert!(html.contains("Do not paste your expression as it is"));
                for w in &compiled.warnings {
                    assert!(
                        html.contains(&format!("<code>{}</code>", w.code)),
                        "{}",
                        w.code
                    );
                }
            }
        }
    }
    // Learn's sample: the page says why its correction differs.
    let html = page("expression", LEARN);
    assert!(html.contains("x@partners.fabrikam123.org.evil.com"));
    let column = LEARN.find("InStr").expect("InStr") + 1;
    assert!(
        html.contains(&format!(
            "<li>1:{column}: <code>contains-not-ends-with</code>"
        )),
        "the warning with its line and column"
    );
    assert!(proposed_expressions(&html)[0]
        .contains("Right(LCase([userPrincipalName]),25)<>\"@partners.fabrikam123.org\""));
    // Simple rules: the example given is not Learn's flagged one.
    let html = page("rules", "partners");
    assert!(!proposed_expressions(&html)
        .iter()
        .any(|p| p.contains("InStr")));
    assert!(!html.contains("Microsoft&#39;s example expression"));
}

#[test]
fn clock_values_appear_only_when_known() {
    let findings = findings();
    let mut summary = summary();
    summary.generated_at = Some("2025-06-01T12:00:00Z".into());
    summary.elapsed_seconds = Some(3.25);
    let report = Report {
        findings: &findings,
        summary: &summary,
        include_info: false,
    };
    let dir = tempfile::tempdir().expect("temp dir");
    write_reports(&report, &[Format::Summary, Format::Html], dir.path()).expect("write");
    let md = read(dir.path(), "summary.md");
    assert!(
        md.ends_with("usertype-audit 0.1.0 · generated 2025-06-01T12:00:00Z · 3.2 s\n"),
        "{md}"
    );
    let json = read(dir.path(), "summary.json");
    assert!(
        json.contains("\"generated_at\": \"2025-06-01T12:00:00Z\",\n  \"elapsed_seconds\": 3.25,")
    );
    let html = read(dir.path(), "report.html");
    assert!(html.contains(
        "<footer>usertype-audit 0.1.0 · generated 2025-06-01T12:00:00Z · 3.2 s</footer>"
    ));
}
