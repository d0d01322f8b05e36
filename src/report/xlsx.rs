//! `report.xlsx`: the audit as an Excel workbook, for the customer who reads
//! spreadsheets rather than CSV.
//!
//! # Format
//!
//! An Office Open XML workbook (ECMA-376), written with `rust_xlsxwriter`;
//! no Office is needed to write it. Sheets, in order:
//!
//! * **Summary**: the verdict, the headline and the reasons, findings by
//!   severity and by kind, the reconciliation of both sides, the intended
//!   UserType tally, the inputs with their sizes and BLAKE3 hashes, the rule
//!   file, input diagnostics, the tool, and the time and duration when known
//!   (both left out in reproducible mode, like `summary.json`).
//! * **Findings**: one row per finding listed in `findings.csv` (same
//!   selection, same order), the columns of [`super::row::COLUMNS`] with the
//!   same names; the header row frozen, an autofilter over the table,
//!   columns as wide as their longest value within 8 to 60 characters, and
//!   the `severity` cell coloured as in `report.html`.
//! * **Action plan**: the listed findings above `info`, with the columns that
//!   identify and explain them, then empty `Owner`, `Due date`, `Status` and
//!   `Notes` columns for the customer; `Status` offers the list Open, In
//!   progress, Done, Accepted.
//!
//! A sheet holds at most 1,048,576 rows, Excel's limit: more findings than
//! that continue on `Findings (2)`, `Findings (3)`, ... (each with its header),
//! and likewise `Action plan (2)`.
//!
//! # Values
//!
//! Every value is a text cell (an inline string): nothing in it is ever
//! evaluated as a formula (`=cmd|...`, `+`, `-` and `@` stay text, with no
//! `'` added), and identifiers stay exact (no digit string becomes a number,
//! no value becomes a date). Excel's "number stored as text" marks are
//! switched off over the tables. Values are capped like in every report
//! ([`super::row::cap_value`]), which keeps each cell far below Excel's
//! 32,767 characters. Excel reads `_xHHHH_` in a cell as an escaped
//! character (ECMA-376 Part 1, the `ST_Xstring` type): the library writes
//! the `_` of such a sequence in a value as `_x005F_` and control characters
//! as `_xHHHH_`, so Excel shows the value as it was (a reader that does not
//! decode these escapes, such as calamine, shows them). U+FFFE and U+FFFF,
//! which XML does not allow, are shown as the text `_xFFFE_` and `_xFFFF_`.
//!
//! # Determinism and ownership
//!
//! The workbook's creation date is the audit's time, or 1980-01-01 in
//! reproducible mode (the date every entry of the zip carries), so the same
//! audit gives the same bytes whatever the thread count. Its author is
//! `usertype-audit`, which is how a later run recognises the file as one it
//! wrote ([`is_own_xlsx`]).
//!
//! The large sheets are written in the library's constant-memory mode: rows
//! go to an unnamed temporary file in the system's temporary folder
//! (`TMPDIR`) as they are written, and memory stays flat whatever the number
//! of findings. A workbook whose sheets could pass the 4 GiB a plain zip
//! entry holds (a bound over the values, reached at some 400,000
//! findings) is written in the ZIP64 form, which Excel reads.

mod ownership;
mod summary_sheet;

pub use ownership::is_own_xlsx;

use std::borrow::Cow;
use std::fs::{self, OpenOptions};
use std::io::{self, Seek, Write};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};

use rust_xlsxwriter::{
    Color, DataValidation, DocProperties, ExcelDateTime, Format as CellFormat, FormatBorder,
    IgnoreError, Workbook, Worksheet, XlsxError,
};

use super::row::{cap_value, FindingRow, COLUMNS};
use super::Report;
use crate::findings::{Finding, Severity};

/// The file name.
pub const FILE_NAME: &str = "report.xlsx";

/// Excel's most rows in one sheet.
pub const MAX_SHEET_ROWS: u32 = 1_048_576;

/// The workbook's author: the mark of a workbook this tool wrote.
pub const AUTHOR: &str = "usertype-audit";

/// The finding columns the Action plan shows, those of [`COLUMNS`] that
/// exist, in this order (`id` once findings have one).
const ACTION_COLUMNS: [&str; 7] = ["id", "severity", "kind", "upn", "dn", "cloud_upn", "detail"];

/// The columns the customer fills in, with their widths.
const CUSTOMER_COLUMNS: [(&str, f64); 4] = [
    ("Owner", 20.0),
    ("Due date", 12.0),
    ("Status", 14.0),
    ("Notes", 40.0),
];

/// The choices of the Status column.
const STATUSES: [&str; 4] = ["Open", "In progress", "Done", "Accepted"];

const MIN_WIDTH: usize = 8;
const MAX_WIDTH: usize = 60;

/// Above this bound on a sheet's XML the zip needs its large-file (ZIP64)
/// form: a plain zip entry holds at most 4 GiB.
const LARGE_FILE_BOUND: u64 = 3 << 30;

/// Writes `report.xlsx` for `report` to `w`.
pub fn write_xlsx<W: Write + Seek + Send>(w: W, report: &Report) -> io::Result<()> {
    write_with_sheet_rows(w, report, MAX_SHEET_ROWS)
}

/// [`write_xlsx`] with at most `sheet_rows` rows a sheet (the tests use a
/// small one to show the continuation sheets).
fn write_with_sheet_rows<W: Write + Seek + Send>(
    w: W,
    report: &Report,
    sheet_rows: u32,
) -> io::Result<()> {
    check_temp_dir()?;
    // The library panics on a failed write to its temporary files (a full
    // disk): that becomes this report's error, not the end of the run.
    match panic::catch_unwind(AssertUnwindSafe(|| build(w, report, sheet_rows))) {
        Ok(result) => result.map_err(xlsx_error),
        Err(payload) => {
            let why = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("no reason given");
            Err(io::Error::other(format!(
                "the spreadsheet writer stopped ({why}); check the free space in the report \
                 folder and in the temporary folder, or leave xlsx out of --format"
            )))
        }
    }
}

/// The constant-memory sheets need a writable temporary folder, and the
/// library does not report a failure to create their files as an error:
/// find out first.
fn check_temp_dir() -> io::Result<()> {
    static PROBES: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir();
    let probe = dir.join(format!(
        ".usertype-audit-xlsx-{}-{}",
        std::process::id(),
        PROBES.fetch_add(1, Ordering::Relaxed)
    ));
    match OpenOptions::new().write(true).create_new(true).open(&probe) {
        Ok(file) => {
            drop(file);
            let _ = fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(io::Error::new(
            e.kind(),
            format!(
                "the workbook needs a writable temporary folder and {} is not ({e}); set \
                 TMPDIR to a writable folder, or leave xlsx out of --format",
                dir.display()
            ),
        )),
    }
}

fn xlsx_error(e: XlsxError) -> io::Error {
    match e {
        XlsxError::IoError(e) => e,
        // The zip's own message is only "i/o error": say the cause.
        XlsxError::ZipError(zip) => match std::error::Error::source(&zip)
            .and_then(|cause| cause.downcast_ref::<io::Error>())
        {
            Some(cause) => io::Error::new(cause.kind(), cause.to_string()),
            None => io::Error::other(format!("the workbook's zip could not be written: {zip}")),
        },
        other => io::Error::other(format!(
            "the spreadsheet writer refused the workbook: {other}"
        )),
    }
}

fn build<W: Write + Seek + Send>(w: W, report: &Report, sheet_rows: u32) -> Result<(), XlsxError> {
    let sheet_rows = sheet_rows.clamp(2, MAX_SHEET_ROWS);
    let mut workbook = Workbook::new();
    workbook.set_properties(&properties(report)?);
    let stats = ColumnStats::of(report);
    if stats.xml_bound > LARGE_FILE_BOUND {
        workbook.use_zip_large_file(true);
    }
    let styles = Styles::new();
    let listed = report.listed().count() as u64;
    let planned = report
        .listed()
        .filter(|f| f.severity > Severity::Info)
        .count() as u64;
    let summary = summary_sheet::write(&mut workbook, report, &styles, listed, planned)?;
    workbook.push_worksheet(summary);
    for sheet in findings_sheets(&mut workbook, report, &stats, &styles, sheet_rows)? {
        workbook.push_worksheet(sheet);
    }
    for sheet in action_plan_sheets(&mut workbook, report, &stats, &styles, sheet_rows)? {
        workbook.push_worksheet(sheet);
    }
    workbook.save_to_writer(w)
}

/// The document properties: the author marks the file as this tool's, and
/// the creation date is fixed so that the bytes depend only on the audit.
fn properties(report: &Report) -> Result<DocProperties, XlsxError> {
    let created = match report.summary.generated_at.as_deref() {
        Some(at) => {
            ExcelDateTime::parse_from_str(at).or_else(|_| ExcelDateTime::from_ymd(1980, 1, 1))?
        }
        None => ExcelDateTime::from_ymd(1980, 1, 1)?,
    };
    Ok(DocProperties::new()
        .set_title("UserType sync audit")
        .set_author(AUTHOR)
        .set_comment(report.summary.tool.as_str())
        .set_creation_datetime(&created))
}

/// The cell formats, made once.
pub(crate) struct Styles {
    pub(crate) header: CellFormat,
    pub(crate) title: CellFormat,
    pub(crate) section: CellFormat,
    pub(crate) label: CellFormat,
    severities: [CellFormat; 5],
}

impl Styles {
    fn new() -> Styles {
        let severity = |background: u32, text: u32| {
            CellFormat::new()
                .set_bold()
                .set_background_color(Color::RGB(background))
                .set_font_color(Color::RGB(text))
        };
        Styles {
            header: CellFormat::new()
                .set_bold()
                .set_background_color(Color::RGB(0xE9ECEF))
                .set_border_bottom(FormatBorder::Thin),
            title: CellFormat::new().set_bold().set_font_size(16),
            section: CellFormat::new()
                .set_bold()
                .set_font_size(12)
                .set_border_bottom(FormatBorder::Thin),
            label: CellFormat::new().set_bold(),
            // The colours of report.html, most severe first (Severity::ALL).
            severities: [
                severity(0xA4161A, 0xFFFFFF),
                severity(0xD9480F, 0xFFFFFF),
                severity(0xF59F00, 0x222222),
                severity(0x1C7ED6, 0xFFFFFF),
                severity(0x868E96, 0xFFFFFF),
            ],
        }
    }

    /// The format of a `severity` cell.
    pub(crate) fn severity(&self, severity: Severity) -> &CellFormat {
        let at = Severity::ALL
            .iter()
            .position(|s| *s == severity)
            .unwrap_or(0);
        self.severities.get(at).unwrap_or(&self.label)
    }
}

/// `value` as a cell holds it: capped ([`cap_value`]), the two
/// non-characters escaped (see the module doc).
pub(crate) fn cell_text(value: &str) -> Cow<'_, str> {
    match cap_value(value) {
        Cow::Borrowed(v) => escape_xstring(v),
        Cow::Owned(v) => Cow::Owned(escape_xstring(&v).into_owned()),
    }
}

/// U+FFFE and U+FFFF, which XML does not allow, as the text `_xFFFE_` and
/// `_xFFFF_` (the library escapes the rest: see the module doc).
fn escape_xstring(value: &str) -> Cow<'_, str> {
    if !value.contains(['\u{FFFE}', '\u{FFFF}']) {
        return Cow::Borrowed(value);
    }
    Cow::Owned(
        value
            .replace('\u{FFFE}', "_xFFFE_")
            .replace('\u{FFFF}', "_xFFFF_"),
    )
}

/// Per column of [`COLUMNS`], the width of the widest value (in characters,
/// bounded), and a bound on the bytes of the Findings sheets' XML.
struct ColumnStats {
    widths: Vec<f64>,
    xml_bound: u64,
}

impl ColumnStats {
    fn of(report: &Report) -> ColumnStats {
        let mut chars: Vec<usize> = COLUMNS.iter().map(|c| c.chars().count()).collect();
        let mut xml_bound = 0u64;
        for f in report.listed() {
            let row = FindingRow::new(f);
            for (col, value) in row.values().iter().enumerate() {
                let Some(value) = value else { continue };
                if let Some(width) = chars.get_mut(col) {
                    *width = (*width).max(value.chars().take(MAX_WIDTH).count());
                }
                // An escape turns one byte into at most seven; a cell's tags
                // and reference take less than 80.
                xml_bound = xml_bound.saturating_add(value.len() as u64 * 7 + 80);
            }
        }
        ColumnStats {
            widths: chars
                .into_iter()
                .map(|c| (c + 2).clamp(MIN_WIDTH, MAX_WIDTH) as f64)
                .collect(),
            // The Action plan repeats some of the columns.
            xml_bound: xml_bound.saturating_mul(2),
        }
    }

    fn width(&self, col: usize) -> f64 {
        self.widths.get(col).copied().unwrap_or(MIN_WIDTH as f64)
    }
}

/// `base`, then `base (2)`, `base (3)`, ... for the continuation sheets.
fn sheet_name(base: &str, part: usize) -> String {
    if part == 0 {
        base.to_owned()
    } else {
        format!("{base} ({})", part + 1)
    }
}

/// One table sheet: the header written, the rest of the frame (filter,
/// panes, widths) set when its last row is known ([`finish_table`]).
fn new_table(
    workbook: &mut Workbook,
    name: &str,
    header: &[&str],
    widths: &[f64],
    styles: &Styles,
) -> Result<Worksheet, XlsxError> {
    let mut sheet = workbook.new_worksheet_with_constant_memory();
    sheet.set_name(name)?;
    for (col, (title, width)) in header.iter().zip(widths).enumerate() {
        let col = col as u16;
        sheet.set_column_width(col, *width)?;
        sheet.write_string_with_format(0, col, *title, &styles.header)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(sheet)
}

/// The autofilter over the table and no "number stored as text" marks.
fn finish_table(sheet: &mut Worksheet, last_row: u32, columns: usize) -> Result<(), XlsxError> {
    let last_col = columns.saturating_sub(1) as u16;
    sheet.autofilter(0, 0, last_row, last_col)?;
    sheet.ignore_error_range(0, 0, last_row, last_col, IgnoreError::NumberStoredAsText)?;
    Ok(())
}

/// Writes `row`'s values from `col` on, the severity cell coloured.
fn write_cells(
    sheet: &mut Worksheet,
    row_at: u32,
    cells: impl Iterator<Item = (usize, Option<usize>)>,
    row: &FindingRow,
    severity: Severity,
    styles: &Styles,
) -> Result<(), XlsxError> {
    let values = row.values();
    let severity_col = COLUMNS.iter().position(|c| *c == "severity");
    for (col, source) in cells {
        let Some(value) = source.and_then(|s| values.get(s).copied().flatten()) else {
            continue;
        };
        // Capped already by FindingRow.
        let text = escape_xstring(value);
        if source == severity_col {
            sheet.write_string_with_format(row_at, col as u16, text, styles.severity(severity))?;
        } else {
            sheet.write_string(row_at, col as u16, text)?;
        }
    }
    Ok(())
}

/// The Findings sheets: every listed finding, [`COLUMNS`] as in the CSV.
fn findings_sheets(
    workbook: &mut Workbook,
    report: &Report,
    stats: &ColumnStats,
    styles: &Styles,
    sheet_rows: u32,
) -> Result<Vec<Worksheet>, XlsxError> {
    let widths: Vec<f64> = (0..COLUMNS.len()).map(|c| stats.width(c)).collect();
    let listed: Vec<&Finding> = report.listed().collect();
    table_sheets(
        workbook,
        "Findings",
        &COLUMNS,
        &widths,
        &listed,
        sheet_rows,
        |sheet, at, f| {
            let row = FindingRow::new(f);
            write_cells(
                sheet,
                at,
                (0..COLUMNS.len()).map(|c| (c, Some(c))),
                &row,
                f.severity,
                styles,
            )
        },
        styles,
    )
}

/// The Action plan sheets: the listed findings above `info`.
fn action_plan_sheets(
    workbook: &mut Workbook,
    report: &Report,
    stats: &ColumnStats,
    styles: &Styles,
    sheet_rows: u32,
) -> Result<Vec<Worksheet>, XlsxError> {
    let sources: Vec<usize> = ACTION_COLUMNS
        .iter()
        .filter_map(|name| COLUMNS.iter().position(|c| c == name))
        .collect();
    let mut header: Vec<&str> = sources
        .iter()
        .filter_map(|&s| COLUMNS.get(s).copied())
        .collect();
    let mut widths: Vec<f64> = sources.iter().map(|&s| stats.width(s)).collect();
    header.extend(CUSTOMER_COLUMNS.iter().map(|(name, _)| *name));
    widths.extend(CUSTOMER_COLUMNS.iter().map(|(_, width)| *width));
    let planned: Vec<&Finding> = report
        .listed()
        .filter(|f| f.severity > Severity::Info)
        .collect();
    let status_col = (sources.len() + 2) as u16;
    let mut sheets = table_sheets(
        workbook,
        "Action plan",
        &header,
        &widths,
        &planned,
        sheet_rows,
        |sheet, at, f| {
            let row = FindingRow::new(f);
            write_cells(
                sheet,
                at,
                sources.iter().enumerate().map(|(c, &s)| (c, Some(s))),
                &row,
                f.severity,
                styles,
            )?;
            write_waiver_cells(sheet, at, sources.len() as u16, f)
        },
        styles,
    )?;
    let statuses = DataValidation::new()
        .allow_list_strings(&STATUSES)?
        .set_input_title("Status")?
        .set_input_message("Open, In progress, Done or Accepted")?;
    let mut left = planned.len() as u64;
    for sheet in &mut sheets {
        let rows = left.min(u64::from(sheet_rows - 1));
        left -= rows;
        if rows > 0 {
            sheet.add_data_validation(1, status_col, rows as u32, status_col, &statuses)?;
        }
    }
    Ok(sheets)
}

/// A waived finding is already accepted: its customer columns say so (the
/// waiver's owner, its expiry as the due date, `Accepted`, and where the
/// waiver is and why), so no one plans work to undo an accepted exception.
fn write_waiver_cells(
    sheet: &mut Worksheet,
    at: u32,
    first: u16,
    f: &Finding,
) -> Result<(), XlsxError> {
    let Some(w) = &f.waiver else {
        return Ok(());
    };
    let notes = format!("waived ({}): {}", w.at, w.reason);
    let cells = [
        w.owner.clone(),
        w.expires.to_string(),
        "Accepted".to_owned(),
        notes,
    ];
    for (i, text) in cells.iter().enumerate() {
        sheet.write_string(at, first + i as u16, cell_text(text))?;
    }
    Ok(())
}

/// Writes `items` a row each under `header`, on as many sheets named after
/// `base` as [`MAX_SHEET_ROWS`] (or `sheet_rows`) needs; at least one.
#[allow(clippy::too_many_arguments)]
fn table_sheets(
    workbook: &mut Workbook,
    base: &str,
    header: &[&str],
    widths: &[f64],
    items: &[&Finding],
    sheet_rows: u32,
    mut write_row: impl FnMut(&mut Worksheet, u32, &Finding) -> Result<(), XlsxError>,
    styles: &Styles,
) -> Result<Vec<Worksheet>, XlsxError> {
    let per_sheet = (sheet_rows - 1) as usize;
    let mut sheets = Vec::new();
    let mut parts = items.chunks(per_sheet).peekable();
    if parts.peek().is_none() {
        let mut sheet = new_table(workbook, base, header, widths, styles)?;
        finish_table(&mut sheet, 0, header.len())?;
        return Ok(vec![sheet]);
    }
    for (part, run) in parts.enumerate() {
        let mut sheet = new_table(workbook, &sheet_name(base, part), header, widths, styles)?;
        for (i, f) in run.iter().enumerate() {
            write_row(&mut sheet, i as u32 + 1, f)?;
        }
        finish_table(&mut sheet, run.len() as u32, header.len())?;
        sheets.push(sheet);
    }
    Ok(sheets)
}

#[cfg(test)]
mod tests;
