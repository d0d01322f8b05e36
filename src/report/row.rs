//! The finding row of `findings.jsonl`, `findings.csv` and the HTML data
//! island: the on-disk contract, kept apart from the internal [`Finding`].
//!
//! Columns, in order ([`COLUMNS`]):
//!
//! | column | type | meaning |
//! | --- | --- | --- |
//! | `id` | string | the finding's stable id (`gam-7k2q9x4m1c`): the same finding has the same id in every run ([`crate::findings::id`]) |
//! | `kind` | string | the finding's stable snake_case kind (`guest_as_member`, ...) |
//! | `severity` | string | `critical`, `high`, `medium`, `low` or `info` |
//! | `dn` | string or null | the on-premises account's DN (null for a cloud-side finding) |
//! | `upn` | string or null | the account's `userPrincipalName` |
//! | `source_anchor` | string or null | the account's source anchor as an ImmutableId (base64) |
//! | `cloud_id` | string or null | the cloud user's object `id` |
//! | `cloud_upn` | string or null | the cloud user's `userPrincipalName` |
//! | `intended_user_type` | string or null | `Member`, `Guest`, or the rule outcome (`error`, `invalid`, `no_value`, `out_of_scope`) |
//! | `cloud_user_type` | string or null | the cloud `userType` as exported |
//! | `matched_by` | string or null | `immutable_id`, `sid`, `dn`, `on_premises_upn`, `upn` or `smtp` |
//! | `rule` | string or null | the rule or scope filter that decided the intended type |
//! | `source` | string or null | `file:line` of the evidence |
//! | `detail` | string | one sentence saying what is wrong, with the values involved |
//! | `waiver` | object or null | the waiver that accepts the finding (`audit --waivers`): in `findings.jsonl` an object `{at, owner, expires, reason}` (`at` is `file:line` of the waiver); in `findings.csv` and the HTML one text, `at; owner ...; expires ...; reason` |
//!
//! `id` came first when it was added, so that it reads as the row's key;
//! other new columns are only ever appended.
//!
//! # Capped values
//!
//! Every value that comes from an input (every column but `id`, `kind`,
//! `severity` and `matched_by`) is at most [`MAX_VALUE_BYTES`] bytes in a
//! report: a longer one is cut at a character boundary and ends with the
//! visible marker `… [cut: N bytes in all]` ([`cap_value`]). No legitimate
//! value comes near the cap: Active Directory allows 1,024 characters in a
//! `userPrincipalName`, Entra ID 113 in a cloud UPN, and an anchor, an
//! object id, a GUID or a SID is at most a few dozen. An identifier longer
//! than the cap is therefore not a real one; it is cut like any other value,
//! and the marker (which no identifier can contain) tells a script so.

use std::borrow::Cow;

use serde::Serialize;

use super::thousands;
use crate::findings::Finding;

/// The most bytes of one input value a report holds (see the module doc);
/// the writers of every format share it through [`cap_value`].
pub const MAX_VALUE_BYTES: usize = 4096;

/// `value` as a report holds it: unchanged when at most [`MAX_VALUE_BYTES`]
/// bytes (borrowed, no allocation), else its first [`MAX_VALUE_BYTES`] bytes
/// or fewer (cut at a character boundary) followed by
/// `… [cut: N bytes in all]`.
pub fn cap_value(value: &str) -> Cow<'_, str> {
    if value.len() <= MAX_VALUE_BYTES {
        return Cow::Borrowed(value);
    }
    let mut end = MAX_VALUE_BYTES;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    let kept = value.get(..end).unwrap_or_default();
    Cow::Owned(format!(
        "{kept}… [cut: {} bytes in all]",
        thousands(value.len() as u64)
    ))
}

/// The column names, in order.
pub const COLUMNS: [&str; 15] = [
    "id",
    "kind",
    "severity",
    "dn",
    "upn",
    "source_anchor",
    "cloud_id",
    "cloud_upn",
    "intended_user_type",
    "cloud_user_type",
    "matched_by",
    "rule",
    "source",
    "detail",
    "waiver",
];

/// One finding as written to disk, values capped ([`cap_value`]). Field
/// order is [`COLUMNS`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FindingRow<'a> {
    /// See [`COLUMNS`].
    pub id: String,
    /// See [`COLUMNS`].
    pub kind: &'static str,
    /// See [`COLUMNS`].
    pub severity: &'static str,
    /// See [`COLUMNS`].
    pub dn: Option<Cow<'a, str>>,
    /// See [`COLUMNS`].
    pub upn: Option<Cow<'a, str>>,
    /// See [`COLUMNS`].
    pub source_anchor: Option<Cow<'a, str>>,
    /// See [`COLUMNS`].
    pub cloud_id: Option<Cow<'a, str>>,
    /// See [`COLUMNS`].
    pub cloud_upn: Option<Cow<'a, str>>,
    /// See [`COLUMNS`].
    pub intended_user_type: Option<Cow<'a, str>>,
    /// See [`COLUMNS`].
    pub cloud_user_type: Option<Cow<'a, str>>,
    /// See [`COLUMNS`].
    pub matched_by: Option<&'static str>,
    /// See [`COLUMNS`].
    pub rule: Option<Cow<'a, str>>,
    /// See [`COLUMNS`].
    pub source: Option<Cow<'a, str>>,
    /// See [`COLUMNS`].
    pub detail: Cow<'a, str>,
    /// See [`COLUMNS`] (an object in JSON; [`FindingRow::values`] gives its text).
    pub waiver: Option<&'a crate::findings::AppliedWaiver>,
}

/// The values of `f` in [`COLUMNS`] order, as the finding holds them (not
/// capped), with `id` its id as text: for a writer that caps them its own
/// way (the HTML table cuts display values shorter still).
pub fn raw_values<'a>(f: &'a Finding, id: &'a str) -> [Option<&'a str>; 15] {
    [
        Some(id),
        Some(f.kind.name()),
        Some(f.severity.name()),
        f.dn.as_deref(),
        f.upn.as_deref(),
        f.source_anchor.as_deref(),
        f.cloud_id.as_deref(),
        f.cloud_upn.as_deref(),
        f.intended_user_type.as_deref(),
        f.cloud_user_type.as_deref(),
        f.matched_by.map(|m| m.name()),
        f.rule.as_deref(),
        f.source.as_deref(),
        Some(&f.detail),
        f.waiver.as_deref().map(|w| w.text.as_str()),
    ]
}

impl<'a> FindingRow<'a> {
    /// The row of `f`.
    pub fn new(f: &'a Finding) -> FindingRow<'a> {
        FindingRow {
            id: f.id.to_string(),
            kind: f.kind.name(),
            severity: f.severity.name(),
            dn: f.dn.as_deref().map(cap_value),
            upn: f.upn.as_deref().map(cap_value),
            source_anchor: f.source_anchor.as_deref().map(cap_value),
            cloud_id: f.cloud_id.as_deref().map(cap_value),
            cloud_upn: f.cloud_upn.as_deref().map(cap_value),
            intended_user_type: f.intended_user_type.as_deref().map(cap_value),
            cloud_user_type: f.cloud_user_type.as_deref().map(cap_value),
            matched_by: f.matched_by.map(|m| m.name()),
            rule: f.rule.as_deref().map(cap_value),
            source: f.source.as_deref().map(cap_value),
            detail: cap_value(&f.detail),
            waiver: f.waiver.as_deref(),
        }
    }

    /// The values in [`COLUMNS`] order (None for null).
    pub fn values(&self) -> [Option<&str>; 15] {
        [
            Some(&self.id),
            Some(self.kind),
            Some(self.severity),
            self.dn.as_deref(),
            self.upn.as_deref(),
            self.source_anchor.as_deref(),
            self.cloud_id.as_deref(),
            self.cloud_upn.as_deref(),
            self.intended_user_type.as_deref(),
            self.cloud_user_type.as_deref(),
            self.matched_by,
            self.rule.as_deref(),
            self.source.as_deref(),
            Some(&self.detail),
            self.waiver.map(|w| w.text.as_str()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_over_the_cap_are_cut_with_a_marker() {
        let short = "a".repeat(MAX_VALUE_BYTES);
        assert!(matches!(cap_value(&short), Cow::Borrowed(_)));
        let long = "a".repeat(500_000);
        assert_eq!(
            cap_value(&long),
            format!("{short}… [cut: 500,000 bytes in all]")
        );
        // Cut at a character boundary: 4095 ASCII bytes, then a 2-byte "é".
        let mut mixed = "a".repeat(MAX_VALUE_BYTES - 1);
        mixed.push_str(&"é".repeat(10));
        let capped = cap_value(&mixed);
        assert!(capped.starts_with(&"a".repeat(MAX_VALUE_BYTES - 1)));
        assert!(capped.ends_with("a… [cut: 4,115 bytes in all]"), "{capped}");
    }

    #[test]
    fn serialized_keys_follow_columns() {
        let f = Finding {
            id: crate::findings::FindingId::cloud(crate::findings::Kind::SoftMatch, "c"),
            kind: crate::findings::Kind::SoftMatch,
            severity: crate::findings::Severity::Medium,
            dn: None,
            upn: Some("a@b".into()),
            source_anchor: None,
            cloud_id: None,
            cloud_upn: None,
            intended_user_type: None,
            cloud_user_type: None,
            matched_by: Some(crate::findings::MatchedBy::Upn),
            rule: None,
            source: None,
            detail: "d".into(),
            waiver: None,
        };
        let json = serde_json::to_string(&FindingRow::new(&f)).unwrap();
        let mut at = 0;
        for col in COLUMNS {
            let key = format!("\"{col}\":");
            let pos = json[at..].find(&key).map(|p| p + at);
            assert!(pos.is_some(), "{col} missing or out of order in {json}");
            at = pos.unwrap_or(at);
        }
        assert_eq!(FindingRow::new(&f).values()[10], Some("upn"));
        assert!(json.starts_with("{\"id\":\"smt-"), "{json}");
    }
}
