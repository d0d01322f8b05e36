//! `findings.jsonl`: the findings as JSON Lines, for scripts and SIEMs.
//!
//! # Format
//!
//! * UTF-8 without a byte-order mark; every line ends with `\n` (LF), including
//!   the last. An audit without listed findings writes an empty file.
//! * One finding per line, a JSON object with exactly these keys in this order:
//!   `id, kind, severity, dn, upn, source_anchor, cloud_id, cloud_upn,
//!   intended_user_type, cloud_user_type, matched_by, rule, source, detail,
//!   waiver`
//!   (meanings in [`super::row`]). A missing value is `null`, never omitted and
//!   never `""`; `id`, `kind`, `severity` and `detail` are always strings.
//! * Values are written as read (no Excel neutralisation, unlike
//!   [`super::csv`]); JSON escapes `"`, `\` and control characters.
//! * Lines are in the audit's deterministic order (the order of
//!   [`super::Report::findings`]). `info` findings appear only with
//!   [`super::Report::include_info`].
//!
//! ```text
//! {"id":"gam-7k2q9x4m1c","kind":"guest_as_member","severity":"critical","dn":"CN=Ann,OU=Partners,DC=contoso,DC=com","upn":"ann@partner.example","source_anchor":"AAECAwQFBgcICQoLDA0ODw==","cloud_id":"11111111-2222-3333-4444-555555555555","cloud_upn":"ann@partner.example","intended_user_type":"Guest","cloud_user_type":"Member","matched_by":"immutable_id","rule":"extensionAttribute1","source":"onprem.ldf:12","detail":"..."}
//! ```

use std::io::{self, Write};

use super::row::FindingRow;
use crate::findings::Finding;

/// The file name.
pub const FILE_NAME: &str = "findings.jsonl";

/// Writes `findings` as JSON Lines to `w` (buffer it) and returns how many
/// lines were written.
pub fn write_jsonl<'a, W: Write>(
    mut w: W,
    findings: impl IntoIterator<Item = &'a Finding>,
) -> io::Result<u64> {
    let findings: Vec<&Finding> = findings.into_iter().collect();
    super::write_in_parallel(&mut w, &findings, |run, out| {
        for f in run {
            serde_json::to_writer(&mut *out, &FindingRow::new(f)).map_err(super::json_error)?;
            out.push(b'\n');
        }
        Ok(())
    })?;
    w.flush()?;
    Ok(findings.len() as u64)
}
