//! `report.xlsx` (#18 point 4) read back with calamine: the three sheets,
//! the header and one row per finding as `findings.jsonl` lists them, text
//! cells that keep hostile values exact, the Summary sheet against its golden
//! file (`tests/golden/xlsx/`; `UPDATE_GOLDEN=1 cargo test --test
//! report_xlsx` rewrites it, read the diff), the same bytes at any thread
//! count, and a file of that name that the tool did not write left alone.

#![cfg(unix)]

use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use usertype_audit::findings::{
    AuditSummary, Finding, FindingId, Kind, MatchedBy, RuleSummary, Severity, Verdict,
};
use usertype_audit::report::{write_reports, Format, Report};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Audits the bundled example (reproducible) into `out`.
fn audit_example(out: &Path, formats: &str, extra: &[&str]) -> Output {
    Command::cargo_bin("usertype-audit")
        .expect("binary")
        .current_dir(root())
        .args(extra)
        .args([
            "--quiet",
            "audit",
            "--reproducible",
            "--onprem",
            "fixtures/example/onprem.ldf",
            "--cloud",
            "fixtures/example/graph-users.json",
            "--rules",
            "fixtures/rules/upn-expression.toml",
            "--format",
            formats,
            "--out",
        ])
        .arg(out)
        .output()
        .expect("run")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn book(path: &Path) -> Xlsx<Cursor<Vec<u8>>> {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    open_workbook_from_rs(Cursor::new(bytes)).expect("a workbook calamine reads")
}

fn rows(book: &mut Xlsx<Cursor<Vec<u8>>>, sheet: &str) -> Vec<Vec<Data>> {
    let range = book.worksheet_range(sheet).expect(sheet);
    assert_eq!(range.start(), Some((0, 0)), "{sheet} starts at A1");
    range.rows().map(<[Data]>::to_vec).collect()
}

/// A cell as text; only text cells (or none) are allowed.
fn text(cell: &Data) -> &str {
    match cell {
        Data::String(s) => s,
        Data::Empty => "",
        other => panic!("not a text cell: {other:?}"),
    }
}

#[test]
fn the_workbook_lists_every_finding_as_the_other_reports_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = audit_example(dir.path(), "csv,jsonl,xlsx", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let mut book = book(&dir.path().join("report.xlsx"));
    assert_eq!(book.sheet_names(), ["Summary", "Findings", "Action plan"]);

    let csv = fs::read_to_string(dir.path().join("findings.csv")).expect("csv");
    let csv_header: Vec<&str> = csv
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .expect("header")
        .split(',')
        .collect();
    let jsonl = fs::read_to_string(dir.path().join("findings.jsonl")).expect("jsonl");
    let listed: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert!(listed.len() > 50, "the example has findings");

    let findings = rows(&mut book, "Findings");
    let header: Vec<&str> = findings[0].iter().map(text).collect();
    assert_eq!(header, csv_header);
    assert_eq!(findings.len() - 1, listed.len(), "one row per finding");
    for (row, json) in findings[1..].iter().zip(&listed) {
        for (cell, column) in row.iter().zip(&header) {
            let want = json[*column].as_str().unwrap_or("");
            assert_eq!(text(cell), want, "{column} of {json}");
        }
    }

    // Without --include-info every listed finding is above info: all planned.
    let plan = rows(&mut book, "Action plan");
    let plan_header: Vec<&str> = plan[0].iter().map(text).collect();
    assert_eq!(
        plan_header[plan_header.len() - 4..],
        ["Owner", "Due date", "Status", "Notes"]
    );
    assert_eq!(plan.len() - 1, listed.len());
    let upn = plan_header.iter().position(|c| *c == "upn").expect("upn");
    for (row, json) in plan[1..].iter().zip(&listed) {
        assert_eq!(text(&row[upn]), json["upn"].as_str().unwrap_or(""));
        assert!(
            row.len() <= plan_header.len() - 4
                || row[plan_header.len() - 4..]
                    .iter()
                    .all(|c| *c == Data::Empty)
        );
    }
}

/// The Summary sheet as `A1<TAB>value` lines, empty cells left out.
fn summary_lines(book: &mut Xlsx<Cursor<Vec<u8>>>) -> String {
    let mut lines = String::new();
    for (r, row) in rows(book, "Summary").iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let value = text(cell);
            if !value.is_empty() {
                let col = char::from(b'A' + u8::try_from(c).expect("few columns"));
                lines.push_str(&format!("{col}{}\t{value}\n", r + 1));
            }
        }
    }
    lines
}

#[test]
fn the_summary_sheet_matches_its_golden_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = audit_example(dir.path(), "summary,xlsx", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let got = summary_lines(&mut book(&dir.path().join("report.xlsx")));
    let path = root().join("tests/golden/xlsx/summary-example.tsv");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        fs::create_dir_all(path.parent().expect("dir")).expect("golden dir");
        fs::write(&path, &got).expect("write golden");
        return;
    }
    let want = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        assert_eq!(g, w, "line {} of {}", i + 1, path.display());
    }
    assert_eq!(got.lines().count(), want.lines().count());

    // The numbers are summary.json's.
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("summary.json")).expect("json"))
            .expect("summary.json");
    assert!(got.contains(&format!(
        "B3\t{}\n",
        json["verdict"].as_str().expect("verdict")
    )));
    let read = json["onprem"]["records_read"]
        .as_u64()
        .expect("records_read");
    assert!(got.contains("\trecords read\nB"), "{got}");
    assert!(got.contains(&format!("\t{read} = ")), "{got}");
    assert!(
        !got.contains("generated at"),
        "no time under --reproducible"
    );
}

#[test]
fn the_bytes_do_not_depend_on_the_thread_count() {
    let one = tempfile::tempdir().expect("tempdir");
    let two = tempfile::tempdir().expect("tempdir");
    for (dir, threads) in [(&one, "1"), (&two, "2")] {
        let out = audit_example(dir.path(), "xlsx", &["--threads", threads]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    }
    let a = fs::read(one.path().join("report.xlsx")).expect("xlsx");
    let b = fs::read(two.path().join("report.xlsx")).expect("xlsx");
    assert!(a == b, "report.xlsx differs between --threads 1 and 2");
}

fn hostile_finding(rule: &str) -> Finding {
    Finding {
        id: FindingId::account(Kind::GuestAsMember, Some("+AAECAwQFBgcICQoLDA0ODw=="), None),
        kind: Kind::GuestAsMember,
        severity: Severity::Critical,
        dn: Some("+33123".to_owned()),
        upn: Some("=1+1".to_owned()),
        source_anchor: Some("+AAECAwQFBgcICQoLDA0ODw==".to_owned()),
        cloud_id: Some("0012345".to_owned()),
        cloud_upn: Some("=cmd|' /C calc'!A0".to_owned()),
        intended_user_type: Some("@SUM(A1)".to_owned()),
        cloud_user_type: Some("-2".to_owned()),
        matched_by: Some(MatchedBy::ImmutableId),
        rule: Some(rule.to_owned()),
        source: Some("2024-01-31".to_owned()),
        detail: "12345678901234567890 _x0041_ TRUE".to_owned(),
        waiver: None,
    }
}

#[test]
fn hostile_values_stay_exact_text() {
    let long = "x".repeat(40_000);
    let findings = [hostile_finding(&long)];
    let summary = AuditSummary {
        tool: "usertype-audit test".to_owned(),
        generated_at: None,
        elapsed_seconds: None,
        inputs: vec![],
        rules: RuleSummary {
            path: "=HYPERLINK(\"http://evil\")".to_owned(),
            flow: "direct",
            definition: long.clone(),
            out_of_box_scope: true,
        },
        by_kind: vec![(Kind::GuestAsMember, 1)],
        by_severity: vec![(Severity::Critical, 1)],
        top_ous: vec![],
        onprem: Default::default(),
        cloud: Default::default(),
        intent: Default::default(),
        diagnostics: Default::default(),
        fail_on: Severity::High,
        failed: true,
        verdict: Verdict::Fail,
        reasons: vec![],
        limitations: vec![],
        waivers: Default::default(),
    };
    let report = Report {
        findings: &findings,
        summary: &summary,
        include_info: false,
    };
    let dir = tempfile::tempdir().expect("tempdir");
    write_reports(&report, &[Format::Xlsx], dir.path()).expect("write");
    let mut book = book(&dir.path().join("report.xlsx"));
    let findings = rows(&mut book, "Findings");
    let header: Vec<&str> = findings[0].iter().map(text).collect();
    let cell = |column: &str| {
        let at = header.iter().position(|c| *c == column).expect(column);
        findings[1][at].clone()
    };
    for (column, want) in [
        ("upn", "=1+1"),
        ("dn", "+33123"),
        ("source_anchor", "+AAECAwQFBgcICQoLDA0ODw=="),
        ("cloud_id", "0012345"),
        ("cloud_upn", "=cmd|' /C calc'!A0"),
        ("intended_user_type", "@SUM(A1)"),
        ("cloud_user_type", "-2"),
        ("source", "2024-01-31"),
    ] {
        assert_eq!(cell(column), Data::String(want.to_owned()), "{column}");
    }
    // calamine does not decode `_xHHHH_`; Excel does, and shows `_x0041_`.
    assert_eq!(
        cell("detail"),
        Data::String("12345678901234567890 _x005F_x0041_ TRUE".to_owned())
    );
    // 40,000 characters: capped like every report, under Excel's 32,767.
    let Data::String(rule) = cell("rule") else {
        panic!("rule is not text")
    };
    assert!(rule.starts_with(&"x".repeat(4096)));
    assert!(rule.ends_with("… [cut: 40,000 bytes in all]"), "{rule}");
    assert!(rule.chars().count() <= 32_767);

    let summary = rows(&mut book, "Summary");
    let all: Vec<&str> = summary.iter().flatten().map(text).collect();
    assert!(all.contains(&"=HYPERLINK(\"http://evil\")"));
    assert!(all
        .iter()
        .any(|v| v.ends_with("… [cut: 40,000 bytes in all]")));
}

#[test]
fn only_the_tools_own_workbook_is_replaced_or_removed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let xlsx: PathBuf = dir.path().join("report.xlsx");
    // Someone's file under the name: the run stops and leaves it.
    fs::write(&xlsx, b"PK\x03\x04 my own workbook").expect("write");
    let out = audit_example(dir.path(), "csv", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("report.xlsx exists and is not a report this tool wrote"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fs::read(&xlsx).expect("kept"),
        b"PK\x03\x04 my own workbook"
    );

    // The tool's own: replaced by a run that writes it, removed by one that
    // does not (the folder holds one run).
    fs::remove_file(&xlsx).expect("remove");
    assert_eq!(
        audit_example(dir.path(), "xlsx", &[]).status.code(),
        Some(1)
    );
    assert_eq!(
        audit_example(dir.path(), "xlsx", &[]).status.code(),
        Some(1)
    );
    assert!(xlsx.exists());
    let out = audit_example(dir.path(), "csv", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!xlsx.exists(), "an earlier run's workbook is removed");
}

#[test]
fn an_unwritable_temporary_folder_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no-such-folder");
    let out = Command::cargo_bin("usertype-audit")
        .expect("binary")
        .current_dir(root())
        .env("TMPDIR", &missing)
        .args([
            "--quiet",
            "audit",
            "--onprem",
            "fixtures/example/onprem.ldf",
            "--cloud",
            "fixtures/example/graph-users.json",
            "--rules",
            "fixtures/rules/upn-expression.toml",
            "--format",
            "csv,xlsx",
            "--out",
        ])
        .arg(dir.path().join("out"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("report.xlsx"), "{err}");
    assert!(err.contains("set TMPDIR to a writable folder"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // Nothing of the set is written (not even findings.csv), nothing left.
    let left: Vec<_> = fs::read_dir(dir.path().join("out"))
        .expect("out")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
