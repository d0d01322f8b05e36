//! The Summary sheet of `report.xlsx`: what `summary.md` says, as rows of
//! text cells (see [`super`]).

use std::collections::BTreeMap;

use rust_xlsxwriter::{Format as CellFormat, IgnoreError, Workbook, Worksheet, XlsxError};

use super::{cell_text, Styles};
use crate::findings::Reason;
use crate::report::{
    cloud_balance, headline, kind_counts, onprem_balance, severity_counts, total_findings, Report,
};

/// The sheet's columns and their widths.
const WIDTHS: [f64; 5] = [34.0, 60.0, 16.0, 16.0, 66.0];

/// Rows written one after another.
struct Rows<'a> {
    sheet: Worksheet,
    next: u32,
    styles: &'a Styles,
}

impl Rows<'_> {
    /// A row of cells, the first one in `first`'s format when given.
    fn cells(&mut self, cells: &[&str], first: Option<&CellFormat>) -> Result<(), XlsxError> {
        for (col, value) in cells.iter().enumerate() {
            let text = cell_text(value);
            match (col, first) {
                (0, Some(format)) => {
                    self.sheet
                        .write_string_with_format(self.next, 0, text, format)?;
                }
                _ => {
                    self.sheet.write_string(self.next, col as u16, text)?;
                }
            }
        }
        self.next += 1;
        Ok(())
    }

    /// `label | value`, the label bold.
    fn pair(&mut self, label: &str, value: &str) -> Result<(), XlsxError> {
        let bold = self.styles.label.clone();
        self.cells(&[label, value], Some(&bold))
    }

    /// A blank row, then a section title.
    fn section(&mut self, title: &str) -> Result<(), XlsxError> {
        self.next += 1;
        let format = self.styles.section.clone();
        self.cells(&[title], Some(&format))
    }

    /// A table header row.
    fn header(&mut self, titles: &[&str]) -> Result<(), XlsxError> {
        for (col, title) in titles.iter().enumerate() {
            self.sheet.write_string_with_format(
                self.next,
                col as u16,
                *title,
                &self.styles.header,
            )?;
        }
        self.next += 1;
        Ok(())
    }

    /// `name | count` rows of a map, or one `none` row.
    fn counts(&mut self, map: &BTreeMap<String, u64>) -> Result<(), XlsxError> {
        if map.is_empty() {
            return self.cells(&["none"], None);
        }
        for (name, count) in map {
            self.cells(&[name, &count.to_string()], None)?;
        }
        Ok(())
    }

    fn reasons(&mut self, title: &str, reasons: &[Reason]) -> Result<(), XlsxError> {
        self.section(title)?;
        if reasons.is_empty() {
            return self.cells(&["none"], None);
        }
        self.header(&["code", "detail", "file", "line", "next step"])?;
        for r in reasons {
            let line = match (r.line, r.column) {
                (Some(l), Some(c)) => format!("{l}:{c}"),
                (Some(l), None) => l.to_string(),
                _ => String::new(),
            };
            let file = r.file.as_deref().unwrap_or("");
            self.cells(&[&r.code, &r.detail, file, &line, &r.next_step], None)?;
        }
        Ok(())
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// The Summary sheet of `report`; `listed` findings are on the Findings
/// sheets and `planned` on the Action plan.
pub(super) fn write(
    workbook: &mut Workbook,
    report: &Report,
    styles: &Styles,
    listed: u64,
    planned: u64,
) -> Result<Worksheet, XlsxError> {
    let mut sheet = workbook.new_worksheet_with_constant_memory();
    sheet.set_name("Summary")?;
    for (col, width) in WIDTHS.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
    }
    let mut rows = Rows {
        sheet,
        next: 0,
        styles,
    };
    let s = report.summary;
    let title = styles.title.clone();
    rows.cells(&["UserType sync audit"], Some(&title))?;
    rows.next += 1;
    rows.pair("Verdict", s.verdict.name())?;
    rows.pair("Headline", &headline(s))?;
    rows.pair("Fail on", s.fail_on.name())?;
    rows.pair("Failed", yes_no(s.failed))?;
    rows.reasons("Why the audit is incomplete", &s.reasons)?;
    rows.reasons("Limitations", &s.limitations)?;

    rows.section("Findings by severity")?;
    rows.header(&["severity", "count"])?;
    for (severity, count) in severity_counts(s) {
        let format = styles.severity(severity).clone();
        rows.cells(&[severity.name(), &count.to_string()], Some(&format))?;
    }
    rows.pair("total", &total_findings(s).to_string())?;
    rows.pair("on the Findings sheet", &listed.to_string())?;
    rows.pair("on the Action plan", &planned.to_string())?;

    rows.section("Findings by kind")?;
    rows.header(&["kind", "title", "count"])?;
    for (kind, count) in kind_counts(s) {
        rows.cells(&[kind.name(), kind.title(), &count.to_string()], None)?;
    }

    rows.section("OUs with the most findings")?;
    if s.top_ous.is_empty() {
        rows.cells(&["none"], None)?;
    } else {
        rows.header(&["ou", "count"])?;
        for (ou, count) in &s.top_ous {
            rows.cells(&[ou, &count.to_string()], None)?;
        }
    }

    write_reconciliation(&mut rows, report)?;
    write_inputs(&mut rows, report)?;

    rows.section("Tool")?;
    rows.pair("tool", &s.tool)?;
    if let Some(at) = &s.generated_at {
        rows.pair("generated at", at)?;
    }
    if let Some(seconds) = s.elapsed_seconds {
        rows.pair("elapsed seconds", &format!("{seconds:.3}"))?;
    }
    let last = rows.next.saturating_sub(1);
    rows.sheet
        .ignore_error_range(0, 0, last, 4, IgnoreError::NumberStoredAsText)?;
    Ok(rows.sheet)
}

/// Both sides' equations, their terms and breakdowns, and the intent tally.
fn write_reconciliation(rows: &mut Rows, report: &Report) -> Result<(), XlsxError> {
    let s = report.summary;
    let (read, parts) = onprem_balance(s);
    let t = &s.onprem;
    rows.section("On-premises: records read = audited + out of scope + skipped")?;
    rows.pair(
        "equation",
        &format!(
            "{} = {} + {} + {}",
            t.records_read, t.accounts_audited, t.out_of_scope, t.skipped
        ),
    )?;
    rows.pair("balanced", yes_no(read == parts))?;
    rows.pair("records read", &t.records_read.to_string())?;
    rows.pair("accounts audited", &t.accounts_audited.to_string())?;
    rows.pair("out of scope", &t.out_of_scope.to_string())?;
    rows.pair("skipped", &t.skipped.to_string())?;
    rows.section("Out of scope, by filter")?;
    rows.counts(&t.out_of_scope_by_filter)?;
    rows.section("Skipped, by reason")?;
    rows.counts(&t.skipped_by_reason)?;

    let (users, cloud_parts) = cloud_balance(s);
    let c = &s.cloud;
    rows.section("Cloud: users = matched + orphaned + cloud only + unmatched not synced")?;
    rows.pair(
        "equation",
        &format!(
            "{} = {} + {} + {} + {}",
            c.users, c.matched, c.orphaned, c.cloud_only, c.unmatched_not_synced
        ),
    )?;
    rows.pair("balanced", yes_no(users == cloud_parts))?;
    rows.pair("users", &c.users.to_string())?;
    rows.pair("matched", &c.matched.to_string())?;
    rows.pair("orphaned", &c.orphaned.to_string())?;
    rows.pair("cloud only", &c.cloud_only.to_string())?;
    rows.pair("unmatched, not synced", &c.unmatched_not_synced.to_string())?;

    let i = &s.intent;
    rows.section("Intended UserType of the audited accounts")?;
    rows.pair("Member", &i.member.to_string())?;
    rows.pair("Guest", &i.guest.to_string())?;
    rows.pair("error", &i.error.to_string())?;
    rows.pair("invalid", &i.invalid.to_string())?;
    rows.pair("no value", &i.no_value.to_string())?;
    Ok(())
}

/// The inputs, the rule file and the input diagnostics.
fn write_inputs(rows: &mut Rows, report: &Report) -> Result<(), XlsxError> {
    let s = report.summary;
    rows.section("Inputs")?;
    rows.header(&["role", "path", "format", "bytes", "blake3"])?;
    for input in &s.inputs {
        rows.cells(
            &[
                input.role,
                &input.path,
                &input.format,
                &input.bytes.to_string(),
                input.blake3.as_deref().unwrap_or("not hashed"),
            ],
            None,
        )?;
    }
    rows.section("Rules")?;
    rows.pair("path", &s.rules.path)?;
    rows.pair("flow", s.rules.flow)?;
    rows.pair("definition", &s.rules.definition)?;
    rows.pair("out-of-box scope", yes_no(s.rules.out_of_box_scope))?;
    rows.section("Input diagnostics")?;
    rows.counts(&s.diagnostics)
}
