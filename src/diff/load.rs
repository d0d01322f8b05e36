//! Reading an audit's report folder for [`super::compare`]: `summary.json`
//! and `findings.jsonl`, checked against each other.
//!
//! Every problem is a [`LoadError`] naming the file, the line (and column
//! where the JSON parser knows it) and what to do: a missing or unreadable
//! file, a line that is not JSON, a file cut short (the last line has no line
//! break, or fewer findings than the summary counts), a finding without an id
//! (a report from a version before ids), an id given twice.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::findings::{FindingId, Kind, Severity};

/// The largest `summary.json` read (a real one is a few KB).
const MAX_SUMMARY_BYTES: u64 = 64 << 20;

/// The largest line of `findings.jsonl` read (every value of a finding is
/// capped at 4 KiB, and there are 15 of them).
const MAX_LINE_BYTES: u64 = 1 << 20;

/// One finding as a report folder holds it: a line of `findings.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DiffFinding {
    /// The stable id.
    pub id: String,
    /// The kind's name.
    pub kind: String,
    /// The severity.
    pub severity: Severity,
    /// See [`crate::report::row`].
    pub dn: Option<String>,
    /// See [`crate::report::row`].
    pub upn: Option<String>,
    /// See [`crate::report::row`].
    pub source_anchor: Option<String>,
    /// See [`crate::report::row`].
    pub cloud_id: Option<String>,
    /// See [`crate::report::row`].
    pub cloud_upn: Option<String>,
    /// See [`crate::report::row`].
    pub intended_user_type: Option<String>,
    /// See [`crate::report::row`].
    pub cloud_user_type: Option<String>,
    /// See [`crate::report::row`].
    pub matched_by: Option<String>,
    /// See [`crate::report::row`].
    pub rule: Option<String>,
    /// See [`crate::report::row`].
    pub source: Option<String>,
    /// See [`crate::report::row`].
    pub detail: String,
    /// The waiver that covers the finding (null when none).
    pub waiver: Option<serde_json::Value>,
    /// The finding's position in its file (its order).
    #[serde(skip)]
    pub position: usize,
}

impl DiffFinding {
    /// The value of column `name` as text (None for null or an unknown name).
    pub fn field(&self, name: &str) -> Option<String> {
        let s = |v: &Option<String>| v.clone();
        match name {
            "id" => Some(self.id.clone()),
            "kind" => Some(self.kind.clone()),
            "severity" => Some(self.severity.name().to_owned()),
            "dn" => s(&self.dn),
            "upn" => s(&self.upn),
            "source_anchor" => s(&self.source_anchor),
            "cloud_id" => s(&self.cloud_id),
            "cloud_upn" => s(&self.cloud_upn),
            "intended_user_type" => s(&self.intended_user_type),
            "cloud_user_type" => s(&self.cloud_user_type),
            "matched_by" => s(&self.matched_by),
            "rule" => s(&self.rule),
            "source" => s(&self.source),
            "detail" => Some(self.detail.clone()),
            "waiver" => self.waiver.as_ref().map(waiver_text),
            _ => None,
        }
    }
}

/// A waiver value (`{at, owner, expires, reason}`) as one line of text:
/// `waivers.toml:3 (owner ..., expires ...)`; any other value as its JSON.
pub fn waiver_text(v: &serde_json::Value) -> String {
    let get = |k: &str| v.get(k).and_then(|t| t.as_str());
    match (get("at"), get("owner"), get("expires")) {
        (Some(at), Some(owner), Some(expires)) => {
            format!("{at} (owner {owner}, expires {expires})")
        }
        _ => v.to_string(),
    }
}

/// One input of an audit, from `summary.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputInfo {
    /// `onprem`, `cloud` or `rules`.
    pub role: String,
    /// The path as given to the audit.
    pub path: String,
    /// The format found.
    pub format: String,
    /// BLAKE3 hex (null when not hashed).
    pub blake3: Option<String>,
}

/// What the comparison needs of an audit's `summary.json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuditInfo {
    /// The report folder as given.
    pub folder: String,
    /// `usertype-audit x.y.z`.
    pub tool: String,
    /// When it ran (null in reproducible mode).
    pub generated_at: Option<String>,
    /// `pass`, `fail` or `incomplete`.
    pub verdict: String,
    /// Its inputs.
    pub inputs: Vec<InputInfo>,
    /// The rule flow (`direct`, `expression`, `rules`).
    pub rules_flow: String,
    /// The rule definition.
    pub rules_definition: String,
    /// All its findings, `info` included.
    pub findings_total: u64,
}

/// A report folder, read.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded {
    /// From `summary.json`.
    pub info: AuditInfo,
    /// The findings of `findings.jsonl`, in order.
    pub findings: Vec<DiffFinding>,
    /// Whether `info` findings are listed (None when the audit has none).
    pub lists_info: Option<bool>,
}

/// Why a report folder cannot be compared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    /// The file (or folder).
    pub path: PathBuf,
    /// 1-based line, when known.
    pub line: Option<u64>,
    /// 1-based column, when known.
    pub column: Option<u64>,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for LoadError {}

fn error(path: &Path, line: Option<u64>, column: Option<u64>, message: String) -> LoadError {
    LoadError {
        path: path.to_path_buf(),
        line,
        column,
        message,
    }
}

#[derive(Deserialize)]
struct RawSummary {
    format_version: Option<u64>,
    tool: String,
    generated_at: Option<String>,
    inputs: Vec<InputInfo>,
    rules: RawRules,
    verdict: String,
    findings_total: u64,
    by_severity: Vec<RawSeverityCount>,
}

#[derive(Deserialize)]
struct RawRules {
    flow: String,
    definition: String,
}

#[derive(Deserialize)]
struct RawSeverityCount {
    severity: String,
    count: u64,
}

#[derive(Deserialize)]
struct RawFinding {
    id: Option<String>,
    kind: String,
    severity: String,
    dn: Option<String>,
    upn: Option<String>,
    source_anchor: Option<String>,
    cloud_id: Option<String>,
    cloud_upn: Option<String>,
    intended_user_type: Option<String>,
    cloud_user_type: Option<String>,
    matched_by: Option<String>,
    rule: Option<String>,
    source: Option<String>,
    detail: String,
    #[serde(default)]
    waiver: Option<serde_json::Value>,
}

/// Reads the report folder `folder` (see the module doc).
pub fn load(folder: &Path) -> Result<Loaded, LoadError> {
    match std::fs::metadata(folder) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(error(
                folder,
                None,
                None,
                "is a file, not a report folder; give the folder an audit wrote (its --out)".into(),
            ))
        }
        Err(e) => {
            return Err(error(
                folder,
                None,
                None,
                format!("cannot open the report folder: {e}; give the folder an audit wrote"),
            ))
        }
    }
    let (info, info_count) = load_summary(folder)?;
    let path = folder.join(crate::report::jsonl::FILE_NAME);
    let findings = load_findings(&path)?;
    let listed = findings.len() as u64;
    let lists_info = if listed == info.findings_total {
        (info_count > 0).then_some(true)
    } else if listed == info.findings_total.saturating_sub(info_count) {
        Some(false)
    } else {
        return Err(error(
            &path,
            None,
            None,
            format!(
                "holds {listed} findings, but summary.json counts {} ({info_count} of them \
                 info): the two files are not from the same audit, or one was cut or edited; \
                 run the audit again",
                info.findings_total
            ),
        ));
    };
    Ok(Loaded {
        info,
        findings,
        lists_info,
    })
}

fn load_summary(folder: &Path) -> Result<(AuditInfo, u64), LoadError> {
    let path = folder.join(crate::report::summary::FILE_NAME);
    let mut bytes = Vec::new();
    File::open(&path)
        .and_then(|f| f.take(MAX_SUMMARY_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| {
            error(
                &path,
                None,
                None,
                format!(
                    "cannot read it: {e}; an audit writes it with --format summary (or all): \
                     give the folder of such an audit"
                ),
            )
        })?;
    if bytes.len() as u64 > MAX_SUMMARY_BYTES {
        return Err(error(
            &path,
            None,
            None,
            "is larger than 64 MiB: not a summary this tool wrote".into(),
        ));
    }
    let raw: RawSummary = serde_json::from_slice(&bytes).map_err(|e| {
        let cut = e.is_eof();
        error(
            &path,
            Some(e.line() as u64),
            Some(e.column() as u64),
            if cut {
                format!("the file is cut short ({e}); run the audit again")
            } else {
                format!("not an audit summary: {e}; give the folder an audit wrote")
            },
        )
    })?;
    if raw.format_version.is_none() {
        return Err(error(
            &path,
            None,
            None,
            "has no format_version: not a summary this tool wrote".into(),
        ));
    }
    let info_count = raw
        .by_severity
        .iter()
        .filter(|c| c.severity == "info")
        .map(|c| c.count)
        .sum();
    let info = AuditInfo {
        folder: folder.display().to_string(),
        tool: raw.tool,
        generated_at: raw.generated_at,
        verdict: raw.verdict,
        inputs: raw.inputs,
        rules_flow: raw.rules.flow,
        rules_definition: raw.rules.definition,
        findings_total: raw.findings_total,
    };
    Ok((info, info_count))
}

fn load_findings(path: &Path) -> Result<Vec<DiffFinding>, LoadError> {
    let file = File::open(path).map_err(|e| {
        error(
            path,
            None,
            None,
            format!(
                "cannot read it: {e}; an audit writes it with --format jsonl (or all): run the \
                 audit again with it"
            ),
        )
    })?;
    let mut reader = BufReader::new(file);
    let mut findings = Vec::new();
    let mut seen: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        let n = (&mut reader)
            .take(MAX_LINE_BYTES + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| {
                error(
                    path,
                    Some(line_no + 1),
                    None,
                    format!("cannot read it: {e}"),
                )
            })?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let at = Some(line_no);
        if buf.last() != Some(&b'\n') {
            return Err(error(
                path,
                at,
                None,
                if buf.len() as u64 > MAX_LINE_BYTES {
                    "the line is longer than 1 MiB: not a finding this tool wrote".into()
                } else {
                    "the last line does not end with a line break: the file is cut short; run \
                     the audit again (or copy the whole file)"
                        .into()
                },
            ));
        }
        let raw: RawFinding = serde_json::from_slice(&buf).map_err(|e| {
            error(
                path,
                at,
                Some(e.column() as u64),
                format!("not a finding: {e}; findings.jsonl holds one JSON object per line"),
            )
        })?;
        let finding = check(raw, path, line_no, findings.len())?;
        if let Some(first) = seen.insert(finding.id.to_ascii_lowercase(), line_no) {
            return Err(error(
                path,
                at,
                None,
                format!(
                    "the id {} is also on line {first}: an audit gives each finding its own id; \
                     the file was edited or joined from two audits",
                    finding.id
                ),
            ));
        }
        findings.push(finding);
    }
    Ok(findings)
}

fn check(
    raw: RawFinding,
    path: &Path,
    line: u64,
    position: usize,
) -> Result<DiffFinding, LoadError> {
    let at = Some(line);
    let Some(id) = raw.id else {
        return Err(error(
            path,
            at,
            None,
            "the finding has no id: the report was written by a version of usertype-audit \
             before finding ids; run the audit again with this version"
                .into(),
        ));
    };
    let Some(kind) = Kind::from_name(&raw.kind) else {
        return Err(error(
            path,
            at,
            None,
            format!(
                "unknown kind `{}`: the report was written by another version; run the audit \
                 again with this version",
                short(&raw.kind)
            ),
        ));
    };
    match FindingId::parse(&id) {
        Some(parsed) if parsed.kind() == kind => {}
        _ => {
            return Err(error(
                path,
                at,
                None,
                format!(
                    "`{}` is not the id of a {} finding (expected {}- and ten letters or \
                     digits): the file was edited",
                    short(&id),
                    raw.kind,
                    crate::findings::id::prefix(kind)
                ),
            ))
        }
    }
    let Some(severity) = Severity::from_name(&raw.severity) else {
        return Err(error(
            path,
            at,
            None,
            format!(
                "unknown severity `{}`: expected critical, high, medium, low or info",
                short(&raw.severity)
            ),
        ));
    };
    Ok(DiffFinding {
        id,
        kind: raw.kind,
        severity,
        dn: raw.dn,
        upn: raw.upn,
        source_anchor: raw.source_anchor,
        cloud_id: raw.cloud_id,
        cloud_upn: raw.cloud_upn,
        intended_user_type: raw.intended_user_type,
        cloud_user_type: raw.cloud_user_type,
        matched_by: raw.matched_by,
        rule: raw.rule,
        source: raw.source,
        detail: raw.detail,
        waiver: raw.waiver.filter(|w| !w.is_null()),
        position,
    })
}

/// `s` cut to 64 characters for a message (a value from the file may be huge).
fn short(s: &str) -> String {
    match s.char_indices().nth(64) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}
