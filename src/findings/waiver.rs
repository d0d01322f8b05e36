//! Waivers: findings the customer has accepted, for a time.
//!
//! `audit --waivers waivers.toml` reads entries like
//!
//! ```toml
//! [[waiver]]
//! id = "gam-vgaqh3d4gp"                 # one finding, by its stable id
//! reason = "EDI service account of the partner; stays Member until the contract ends"
//! owner = "alice@contoso.com"
//! expires = 2027-03-31                  # required; a TOML date or "2027-03-31"
//!
//! [[waiver]]
//! kind = "soft_match"                   # or a kind and a dn and/or upn pattern
//! upn = "*@lab.contoso.com"             # `*` matches any text; case-insensitive
//! reason = "lab accounts, merged by design"
//! owner = "bob@contoso.com"
//! expires = "2026-12-31"
//! ```
//!
//! A waived finding stays in every report, marked with its waiver
//! ([`AppliedWaiver`]), and counts neither toward the verdict nor toward
//! `--fail-on`. A waiver applies through its `expires` date; after it, it is
//! **expired**: it waives nothing and is listed as such. A waiver in force
//! that matches no finding is **stale** and listed too. When several waivers
//! match a finding, the first in the file applies.
//!
//! A `upn` pattern is matched against the finding's `upn`, else (a
//! cloud-side finding) its `cloud_upn`; a missing value as empty text, so
//! `upn = "*"` matches every finding of the kind. Keys other than those above, a
//! missing `reason`, `owner` or `expires`, an id or kind that does not exist,
//! or `id` together with a pattern are errors with the file's line and
//! column: a typo must never silently widen or narrow a waiver.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::{Finding, FindingId, Kind, Severity};

/// A calendar date (proleptic Gregorian), ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD` (a real date: `2027-02-30` is refused).
    pub fn parse(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |s: &str| -> Option<u32> {
            s.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| s.parse().ok())
                .flatten()
        };
        let year = num(text.get(..4)?)? as i32;
        let month = num(text.get(5..7)?)? as u8;
        let day = num(text.get(8..)?)? as u8;
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days)
            .contains(&day)
            .then_some(Date { year, month, day })
    }

    /// The UTC date of `seconds` since the Unix epoch.
    pub fn from_unix(seconds: i64) -> Date {
        // Howard Hinnant's days-to-civil algorithm.
        let z = seconds.div_euclid(86_400) + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// Today's UTC date from the system clock.
    pub fn today() -> Date {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_unix(i64::try_from(now).unwrap_or(i64::MAX))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The waiver that covers a finding, as the reports show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedWaiver {
    /// Where the waiver is: `waivers.toml:3`.
    pub at: String,
    /// Who accepted the finding.
    pub owner: String,
    /// The last day the waiver applies.
    pub expires: Date,
    /// Why.
    pub reason: String,
    /// One line for the CSV and the HTML: `waivers.toml:3; owner ...; expires ...; reason`.
    pub text: String,
}

impl Serialize for AppliedWaiver {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("AppliedWaiver", 4)?;
        st.serialize_field("at", &self.at)?;
        st.serialize_field("owner", &self.owner)?;
        st.serialize_field("expires", &self.expires.to_string())?;
        st.serialize_field("reason", &self.reason)?;
        st.end()
    }
}

/// A waiver listed in the summary: expired or stale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WaiverNote {
    /// Where the waiver is: `waivers.toml:3`.
    pub at: String,
    /// What it selects: `id gam-...`, or `kind soft_match, upn *@lab...`.
    pub selects: String,
    /// Who owns it.
    pub owner: String,
    /// Its `expires` date.
    pub expires: String,
    /// Findings it matches (an expired waiver's would-be findings; 0 for a stale one).
    pub matches: u64,
}

/// What the waivers did, for the summary (all empty without `--waivers`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WaiverSummary {
    /// The waivers file (None without `--waivers`).
    pub file: Option<String>,
    /// The date expiry was judged on.
    pub as_of: Option<String>,
    /// Waivers in the file.
    pub waivers: u64,
    /// Findings waived.
    pub waived: u64,
    /// Findings waived, per kind (kinds with none left out), in [`Kind::ALL`] order.
    pub by_kind: Vec<(Kind, u64)>,
    /// Findings waived, per severity (those with none left out), most severe first.
    pub by_severity: Vec<(Severity, u64)>,
    /// Waivers past their date: they waive nothing.
    pub expired: Vec<WaiverNote>,
    /// Waivers in force that match no finding.
    pub stale: Vec<WaiverNote>,
}

impl WaiverSummary {
    /// Waived findings of `severity`.
    pub fn waived_at(&self, severity: Severity) -> u64 {
        self.by_severity
            .iter()
            .filter(|(s, _)| *s == severity)
            .map(|(_, n)| *n)
            .sum()
    }

    /// Waived findings of `kind`.
    pub fn waived_of(&self, kind: Kind) -> u64 {
        self.by_kind
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, n)| *n)
            .sum()
    }
}

/// A waivers file that cannot be used: where and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaiverError {
    /// The file as given.
    pub path: String,
    /// 1-based line and column, when the problem has a place.
    pub position: Option<(usize, usize)>,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for WaiverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => write!(f, "{}:{line}:{column}: {}", self.path, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

impl std::error::Error for WaiverError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    waiver: Vec<Spanned<RawWaiver>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    id: Option<Spanned<String>>,
    kind: Option<Spanned<String>>,
    dn: Option<Spanned<String>>,
    upn: Option<Spanned<String>>,
    reason: Option<Spanned<String>>,
    owner: Option<Spanned<String>>,
    expires: Option<Spanned<toml::Value>>,
}

#[derive(Debug)]
enum Selector {
    Id(FindingId),
    Pattern {
        kind: Kind,
        dn: Option<String>,
        upn: Option<String>,
    },
}

#[derive(Debug)]
struct Waiver {
    applied: Arc<AppliedWaiver>,
    selector: Selector,
    selects: String,
}

/// A validated waivers file.
#[derive(Debug)]
pub struct Waivers {
    path: String,
    waivers: Vec<Waiver>,
}

mod parse;

impl Waivers {
    /// Reads the waivers file at `path`.
    pub fn load(path: &str) -> Result<Waivers, WaiverError> {
        let bytes = std::fs::read(path).map_err(|e| WaiverError {
            path: path.to_owned(),
            position: None,
            message: format!("cannot read the waivers file: {e}"),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| WaiverError {
            path: path.to_owned(),
            position: None,
            message: format!(
                "not UTF-8 (byte {}): save the waivers file as UTF-8",
                e.utf8_error().valid_up_to()
            ),
        })?;
        Waivers::parse(path, &text)
    }

    /// Parses waivers from `text`; `path` names the file in messages.
    pub fn parse(path: &str, text: &str) -> Result<Waivers, WaiverError> {
        parse::parse(path, text)
    }

    /// How many waivers the file holds.
    pub fn len(&self) -> usize {
        self.waivers.len()
    }

    /// Whether the file holds none.
    pub fn is_empty(&self) -> bool {
        self.waivers.is_empty()
    }

    /// Marks each finding that a waiver in force on `today` matches (the
    /// first such waiver in the file) and returns what the waivers did.
    pub fn apply(&self, findings: &mut [Finding], today: Date) -> WaiverSummary {
        let expired = |w: &Waiver| w.applied.expires < today;
        let mut matches = vec![0u64; self.waivers.len()];
        // One look-up per finding for id waivers; patterns are few.
        // Every waiver of an id counts: a renewal is often written as a new
        // entry for the same id below the expired one.
        let mut by_id: HashMap<FindingId, Vec<usize>> = HashMap::new();
        let mut patterns: Vec<usize> = Vec::new();
        for (i, w) in self.waivers.iter().enumerate() {
            match w.selector {
                Selector::Id(id) => by_id.entry(id).or_default().push(i),
                Selector::Pattern { .. } => patterns.push(i),
            }
        }
        let mut out = WaiverSummary {
            file: Some(self.path.clone()),
            as_of: Some(today.to_string()),
            waivers: self.waivers.len() as u64,
            ..WaiverSummary::default()
        };
        let mut by_kind: HashMap<Kind, u64> = HashMap::new();
        let mut by_severity: HashMap<Severity, u64> = HashMap::new();
        for f in findings.iter_mut() {
            let mut first_in_force = None;
            let candidates = by_id.get(&f.id).into_iter().flatten().copied().chain(
                patterns
                    .iter()
                    .copied()
                    .filter(|&i| self.waivers[i].selects_finding(f)),
            );
            let mut candidates: Vec<usize> = candidates.collect();
            candidates.sort_unstable();
            for i in candidates {
                matches[i] += 1;
                if first_in_force.is_none() && !expired(&self.waivers[i]) {
                    first_in_force = Some(i);
                }
            }
            if let Some(i) = first_in_force {
                f.waiver = Some(self.waivers[i].applied.clone());
                out.waived += 1;
                *by_kind.entry(f.kind).or_default() += 1;
                *by_severity.entry(f.severity).or_default() += 1;
            }
        }
        out.by_kind = Kind::ALL
            .iter()
            .filter_map(|k| by_kind.get(k).map(|n| (*k, *n)))
            .collect();
        out.by_severity = Severity::ALL
            .iter()
            .filter_map(|s| by_severity.get(s).map(|n| (*s, *n)))
            .collect();
        for (w, &n) in self.waivers.iter().zip(&matches) {
            let note = WaiverNote {
                at: w.applied.at.clone(),
                selects: w.selects.clone(),
                owner: w.applied.owner.clone(),
                expires: w.applied.expires.to_string(),
                matches: n,
            };
            if expired(w) {
                out.expired.push(note);
            } else if n == 0 {
                out.stale.push(note);
            }
        }
        out
    }
}

impl Waiver {
    fn selects_finding(&self, f: &Finding) -> bool {
        match &self.selector {
            Selector::Id(id) => *id == f.id,
            Selector::Pattern { kind, dn, upn } => {
                // A missing value is matched as empty text: `*` matches it.
                let upn_value = f.upn.as_deref().or(f.cloud_upn.as_deref());
                *kind == f.kind
                    && dn
                        .as_deref()
                        .map_or(true, |p| glob(p, f.dn.as_deref().unwrap_or("")))
                    && upn
                        .as_deref()
                        .map_or(true, |p| glob(p, upn_value.unwrap_or("")))
            }
        }
    }
}

/// Whether `text` matches `pattern` (already lower case), where `*` matches
/// any run of characters; case-insensitive.
pub fn glob(pattern: &str, text: &str) -> bool {
    let text = text.to_lowercase();
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        // No `*`: the whole text.
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests;
