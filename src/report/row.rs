//! The finding row of `findings.jsonl`, `findings.csv` and the HTML data
//! island: the on-disk contract, kept apart from the internal [`Finding`].
//!
//! Columns, in order ([`COLUMNS`]):
//!
//! | column | type | meaning |
//! | --- | --- | --- |
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
//!
//! New columns are only ever appended.

use serde::Serialize;

use crate::findings::Finding;

/// The column names, in order.
pub const COLUMNS: [&str; 13] = [
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
];

/// One finding as written to disk. Field order is [`COLUMNS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FindingRow<'a> {
    /// See [`COLUMNS`].
    pub kind: &'static str,
    /// See [`COLUMNS`].
    pub severity: &'static str,
    /// See [`COLUMNS`].
    pub dn: Option<&'a str>,
    /// See [`COLUMNS`].
    pub upn: Option<&'a str>,
    /// See [`COLUMNS`].
    pub source_anchor: Option<&'a str>,
    /// See [`COLUMNS`].
    pub cloud_id: Option<&'a str>,
    /// See [`COLUMNS`].
    pub cloud_upn: Option<&'a str>,
    /// See [`COLUMNS`].
    pub intended_user_type: Option<&'a str>,
    /// See [`COLUMNS`].
    pub cloud_user_type: Option<&'a str>,
    /// See [`COLUMNS`].
    pub matched_by: Option<&'static str>,
    /// See [`COLUMNS`].
    pub rule: Option<&'a str>,
    /// See [`COLUMNS`].
    pub source: Option<&'a str>,
    /// See [`COLUMNS`].
    pub detail: &'a str,
}

impl<'a> FindingRow<'a> {
    /// The row of `f`.
    pub fn new(f: &'a Finding) -> FindingRow<'a> {
        FindingRow {
            kind: f.kind.name(),
            severity: f.severity.name(),
            dn: f.dn.as_deref(),
            upn: f.upn.as_deref(),
            source_anchor: f.source_anchor.as_deref(),
            cloud_id: f.cloud_id.as_deref(),
            cloud_upn: f.cloud_upn.as_deref(),
            intended_user_type: f.intended_user_type.as_deref(),
            cloud_user_type: f.cloud_user_type.as_deref(),
            matched_by: f.matched_by.map(|m| m.name()),
            rule: f.rule.as_deref(),
            source: f.source.as_deref(),
            detail: &f.detail,
        }
    }

    /// The values in [`COLUMNS`] order (None for null).
    pub fn values(&self) -> [Option<&'a str>; 13] {
        [
            Some(self.kind),
            Some(self.severity),
            self.dn,
            self.upn,
            self.source_anchor,
            self.cloud_id,
            self.cloud_upn,
            self.intended_user_type,
            self.cloud_user_type,
            self.matched_by,
            self.rule,
            self.source,
            Some(self.detail),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialized_keys_follow_columns() {
        let f = Finding {
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
        };
        let json = serde_json::to_string(&FindingRow::new(&f)).unwrap();
        let mut at = 0;
        for col in COLUMNS {
            let key = format!("\"{col}\":");
            let pos = json[at..].find(&key).map(|p| p + at);
            assert!(pos.is_some(), "{col} missing or out of order in {json}");
            at = pos.unwrap_or(at);
        }
        assert_eq!(FindingRow::new(&f).values()[9], Some("upn"));
    }
}
