use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};

use super::ownership::read_entry;
use super::*;
use crate::findings::{AuditSummary, Kind, RuleSummary, Verdict};

fn finding(severity: Severity, upn: &str) -> Finding {
    let detail = "a partner is a Member _x0041_ \u{1} \u{FFFF}".to_owned();
    Finding {
        id: crate::findings::FindingId::account(
            Kind::GuestAsMember,
            Some("+AAECAwQFBgcICQoLDA0ODw=="),
            None,
        ),
        kind: Kind::GuestAsMember,
        severity,
        dn: Some(format!("CN={upn},OU=Partners,DC=contoso,DC=com")),
        upn: Some(upn.to_owned()),
        source_anchor: Some("+AAECAwQFBgcICQoLDA0ODw==".to_owned()),
        cloud_id: Some("0012345".to_owned()),
        cloud_upn: None,
        intended_user_type: Some("Guest".to_owned()),
        cloud_user_type: Some("Member".to_owned()),
        matched_by: None,
        rule: None,
        source: Some("onprem.ldf:12".to_owned()),
        detail,
        waiver: None,
    }
}

fn summary() -> AuditSummary {
    AuditSummary {
        tool: "usertype-audit 0.0.0".to_owned(),
        generated_at: None,
        elapsed_seconds: None,
        inputs: vec![],
        rules: RuleSummary {
            path: "rules.toml".to_owned(),
            flow: "direct",
            definition: "extensionAttribute1".to_owned(),
            out_of_box_scope: true,
        },
        by_kind: vec![(Kind::GuestAsMember, 5)],
        by_severity: vec![(Severity::Critical, 4), (Severity::Info, 1)],
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
    }
}

fn workbook(findings: &[Finding], include_info: bool, sheet_rows: u32) -> Vec<u8> {
    let summary = summary();
    let report = Report {
        findings,
        summary: &summary,
        include_info,
    };
    let mut out = Cursor::new(Vec::new());
    write_with_sheet_rows(&mut out, &report, sheet_rows).unwrap();
    out.into_inner()
}

fn sheet(bytes: &[u8], name: &str) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let range = book.worksheet_range(name).unwrap();
    range.rows().map(<[Data]>::to_vec).collect()
}

fn names(bytes: &[u8]) -> Vec<String> {
    let book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    book.sheet_names()
}

/// The column letter of 0-based `col` (A to Z is enough here).
fn letter(col: usize) -> char {
    char::from(b'A' + u8::try_from(col).unwrap())
}

#[test]
fn cells_are_capped_and_xml_safe() {
    // The library escapes `_xHHHH_` itself (checked in the sheet XML below).
    assert!(matches!(cell_text("plain _x0041_"), Cow::Borrowed(_)));
    assert_eq!(cell_text("x\u{FFFE}\u{FFFF}"), "x_xFFFE__xFFFF_");
    // Capped first, like every report; far below Excel's 32,767 characters.
    let long = "é".repeat(40_000);
    let text = cell_text(&long);
    assert!(text.ends_with("… [cut: 80,000 bytes in all]"), "{text}");
    assert!(text.chars().count() < 32_767);
}

#[test]
fn more_rows_than_a_sheet_holds_continue_on_numbered_sheets() {
    let findings: Vec<Finding> = (0..5)
        .map(|i| finding(Severity::Critical, &format!("p{i}@x")))
        .chain([finding(Severity::Info, "out@x")])
        .collect();
    // Three rows a sheet: the header and two findings.
    let bytes = workbook(&findings, true, 3);
    assert_eq!(
        names(&bytes),
        [
            "Summary",
            "Findings",
            "Findings (2)",
            "Findings (3)",
            "Action plan",
            "Action plan (2)",
            "Action plan (3)"
        ]
    );
    let upns: Vec<String> = ["Findings", "Findings (2)", "Findings (3)"]
        .iter()
        .flat_map(|name| {
            let rows = sheet(&bytes, name);
            assert_eq!(rows[0][0], Data::String("id".into()), "{name} has a header");
            rows.into_iter()
                .skip(1)
                .map(|r| r[4].to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(upns, ["p0@x", "p1@x", "p2@x", "p3@x", "p4@x", "out@x"]);
    // The info finding is not on the action plan: 5 rows over 3 sheets.
    let planned: usize = ["Action plan", "Action plan (2)", "Action plan (3)"]
        .iter()
        .map(|name| sheet(&bytes, name).len() - 1)
        .sum();
    assert_eq!(planned, 5);
}

#[test]
fn an_empty_listing_has_its_headers() {
    let bytes = workbook(&[finding(Severity::Info, "out@x")], false, MAX_SHEET_ROWS);
    assert_eq!(names(&bytes), ["Summary", "Findings", "Action plan"]);
    let findings = sheet(&bytes, "Findings");
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].len(), COLUMNS.len());
    let plan = sheet(&bytes, "Action plan");
    assert_eq!(plan.len(), 1);
    let mut header: Vec<String> = plan[0].iter().map(|d| d.to_string()).collect();
    // The stable id leads once findings have one.
    if COLUMNS.contains(&"id") {
        assert_eq!(header.remove(0), "id");
    }
    assert_eq!(
        header,
        [
            "severity",
            "kind",
            "upn",
            "dn",
            "cloud_upn",
            "detail",
            "Owner",
            "Due date",
            "Status",
            "Notes"
        ]
    );
}

#[test]
fn a_waived_finding_is_accepted_on_the_action_plan() {
    let mut waived = finding(Severity::Critical, "edi@x");
    waived.waiver = Some(std::sync::Arc::new(crate::findings::AppliedWaiver {
        at: "waivers.toml:3".to_owned(),
        owner: "alice@contoso.com".to_owned(),
        expires: crate::findings::waiver::Date::parse("2027-03-31").unwrap(),
        reason: "EDI account stays Member".to_owned(),
        text: String::new(),
    }));
    let bytes = workbook(
        &[finding(Severity::Critical, "open@x"), waived],
        false,
        MAX_SHEET_ROWS,
    );
    let plan = sheet(&bytes, "Action plan");
    let header: Vec<String> = plan[0].iter().map(|d| d.to_string()).collect();
    let owner = header.iter().position(|h| h == "Owner").unwrap();
    let tail = |row: &[Data]| -> Vec<String> {
        (owner..owner + 4)
            .map(|c| row.get(c).map(|d| d.to_string()).unwrap_or_default())
            .collect()
    };
    assert_eq!(tail(&plan[1]), ["", "", "", ""]);
    assert_eq!(
        tail(&plan[2]),
        [
            "alice@contoso.com",
            "2027-03-31",
            "Accepted",
            "waived (waivers.toml:3): EDI account stays Member"
        ]
    );
}

#[test]
fn the_sheets_have_their_frame_and_the_file_its_author() {
    let findings = [
        finding(Severity::Critical, "a@x"),
        finding(Severity::Low, "b@x"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    fs::write(&path, workbook(&findings, false, MAX_SHEET_ROWS)).unwrap();
    let entry = |name: &str| {
        String::from_utf8(read_entry(&path, name.as_bytes(), 1 << 20).unwrap()).unwrap()
    };
    let listing = entry("xl/worksheets/sheet2.xml");
    assert!(listing.contains(r#"state="frozen""#), "{listing}");
    let last = letter(COLUMNS.len() - 1);
    assert!(
        listing.contains(&format!(r#"<autoFilter ref="A1:{last}3"/>"#)),
        "{listing}"
    );
    assert!(listing.contains(r#"numberStoredAsText="1""#), "{listing}");
    assert!(!listing.contains("<f>"), "no formula anywhere");
    assert!(
        listing.contains("Member _x005F_x0041_ _x0001_ _x005F_xFFFF_<"),
        "Excel's escapes: {listing}"
    );
    let plan = entry("xl/worksheets/sheet3.xml");
    assert!(
        plan.contains(r#"<formula1>"Open,In progress,Done,Accepted"</formula1>"#),
        "{plan}"
    );
    // Status is the third column after the finding's (8 of them with an id).
    let status = letter(if COLUMNS.contains(&"id") { 9 } else { 8 });
    assert!(
        plan.contains(&format!(r#"sqref="{status}2:{status}3""#)),
        "{plan}"
    );
    let styles = entry("xl/styles.xml");
    assert!(styles.contains("FFA4161A"), "the critical colour: {styles}");
    assert!(is_own_xlsx(&path));
}

#[test]
fn other_files_named_report_xlsx_are_not_the_tools() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    let mut other = Workbook::new();
    other.set_properties(&DocProperties::new().set_author("Someone"));
    other
        .add_worksheet()
        .write_string(0, 0, "usertype-audit")
        .unwrap();
    other.save(&path).unwrap();
    assert!(!is_own_xlsx(&path));
    for bytes in [
        &b""[..],
        b"PK\x05\x06",
        b"not a zip at all",
        &[0xFF; 100_000][..],
    ] {
        fs::write(&path, bytes).unwrap();
        assert!(!is_own_xlsx(&path));
    }
    // Cut short: the end record is gone.
    let ours = workbook(&[finding(Severity::High, "a@x")], false, MAX_SHEET_ROWS);
    fs::write(&path, &ours[..ours.len() - 10]).unwrap();
    assert!(!is_own_xlsx(&path));
    fs::write(&path, &ours).unwrap();
    assert!(is_own_xlsx(&path));
}

#[test]
fn the_zip64_form_is_read_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    let summary = summary();
    let findings = [finding(Severity::High, "a@x")];
    let report = Report {
        findings: &findings,
        summary: &summary,
        include_info: false,
    };
    let mut workbook = Workbook::new();
    workbook.use_zip_large_file(true);
    workbook.set_properties(&properties(&report).unwrap());
    workbook.add_worksheet().write_string(0, 0, "x").unwrap();
    workbook.save(&path).unwrap();
    assert!(is_own_xlsx(&path));
}

/// A file that takes `room` bytes, then fails as a full disk does.
struct FullDisk {
    inner: Cursor<Vec<u8>>,
    room: usize,
}

impl Write for FullDisk {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.inner.get_ref().len() + buf.len() > self.room {
            return Err(io::Error::new(io::ErrorKind::StorageFull, "no space left"));
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for FullDisk {
    fn seek(&mut self, to: io::SeekFrom) -> io::Result<u64> {
        self.inner.seek(to)
    }
}

#[test]
fn a_full_disk_is_an_error_not_a_crash() {
    let findings: Vec<Finding> = (0..300)
        .map(|i| finding(Severity::High, &format!("p{i}@x")))
        .collect();
    let summary = summary();
    let report = Report {
        findings: &findings,
        summary: &summary,
        include_info: false,
    };
    let mut whole = Cursor::new(Vec::new());
    write_xlsx(&mut whole, &report).unwrap();
    let size = whole.into_inner().len();
    for room in [0, 100, size / 2, size - 1] {
        let disk = FullDisk {
            inner: Cursor::new(Vec::new()),
            room,
        };
        let err = write_xlsx(disk, &report).expect_err("the disk is full");
        assert!(
            err.to_string().contains("no space left") || err.to_string().contains("stopped"),
            "{room}: {err}"
        );
    }
}
