//! The verdict: the one word an auditor acts on, and why.
//!
//! `pass` means the audit looked at everything it needed and no finding
//! reached `--fail-on`; `fail` means one did; `incomplete` means part of the
//! evidence was missing (an empty, cut, unreadable or partial input, no
//! account audited, a cloud export without a property the answer depends
//! on, a rule that reads an attribute no record holds). An incomplete audit
//! never prints the all-clear, whatever its findings say: it could not look.
//!
//! Each [`Reason`] names a stable `code`, the file and line where known, what
//! is wrong and the next step. Limitations use the same shape: they qualify
//! the findings (a secondary check could not run, the rule has lint
//! warnings) without changing the verdict.

use std::fmt;

use serde::Serialize;

/// Reason codes the audit itself gives (the others are the names of the
/// diagnostic kinds for which `DiagKind::makes_incomplete` holds).
pub mod code {
    /// Records were read, but none was audited.
    pub const NO_ACCOUNTS_AUDITED: &str = "no_accounts_audited";
    /// The cloud export lacks a property the verdict depends on.
    pub const CLOUD_PROPERTY_MISSING: &str = "cloud_property_missing";
    /// No audited account holds an attribute the rule reads.
    pub const RULE_ATTRIBUTE_ABSENT: &str = "rule_attribute_absent";
    /// Records that could not be read and were skipped.
    pub const RECORDS_REJECTED: &str = "records_rejected";
    /// LDIF change records (modify, delete, modrdn): not the state of an account.
    pub const CHANGE_RECORDS: &str = "change_records";
    /// Accounts intended Guest whose cloud userType is absent, null or odd.
    pub const CLOUD_STATE_UNKNOWN: &str = "partner_state_unknown";
    /// Accounts to which the Entra Connect configuration gives no UserType:
    /// no outbound rule exports userType, so the intent cannot be compared.
    pub const USERTYPE_NOT_SYNCED: &str = "usertype_not_synced";
    /// Every audit-level code that makes an audit incomplete.
    pub const INCOMPLETE: &[&str] = &[
        NO_ACCOUNTS_AUDITED,
        CLOUD_PROPERTY_MISSING,
        RULE_ATTRIBUTE_ABSENT,
        RECORDS_REJECTED,
        CHANGE_RECORDS,
        CLOUD_STATE_UNKNOWN,
        USERTYPE_NOT_SYNCED,
    ];
    /// A cloud property only a secondary check needs is missing (a limitation).
    pub const CLOUD_PROPERTY_LIMITED: &str = "cloud_property_limited";
    /// A warning of the rule file's checker (a lint), with its line and column (a limitation).
    pub const RULE_WARNING: &str = "rule_warning";
    /// An `include_ous`/`exclude_ous` entry no account of the export is under (a limitation).
    pub const SCOPE_OU_UNMATCHED: &str = "scope_ou_unmatched";
}

/// The audit's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Everything was read and no finding reached `--fail-on` (exit 0).
    Pass,
    /// A finding reached `--fail-on` (exit 1).
    Fail,
    /// Part of the evidence is missing: see the reasons (exit 2).
    Incomplete,
}

impl Verdict {
    /// `pass`, `fail` or `incomplete`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Incomplete => "incomplete",
        }
    }

    /// The process exit status that goes with it.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Pass => 0,
            Verdict::Fail => 1,
            Verdict::Incomplete => 2,
        }
    }

    /// The verdict of an audit with these reasons and threshold result:
    /// any reason makes it incomplete, whatever the findings.
    pub fn decide(reasons: &[Reason], failed: bool) -> Verdict {
        if !reasons.is_empty() {
            Verdict::Incomplete
        } else if failed {
            Verdict::Fail
        } else {
            Verdict::Pass
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why an audit is incomplete, or what limits it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Reason {
    /// Stable snake_case code: a diagnostic kind (`truncated_input`,
    /// `no_entries`, ...) or an audit-level code (`no_accounts_audited`,
    /// `cloud_property_missing`, `rule_attribute_absent`, ...).
    pub code: String,
    /// The input file it concerns, as the user named it.
    pub file: Option<String>,
    /// The 1-based line in that file, where known.
    pub line: Option<u64>,
    /// The 1-based column in that line, where useful (rule files).
    pub column: Option<u32>,
    /// What is wrong, in a sentence.
    pub detail: String,
    /// What to do next.
    pub next_step: String,
}

impl Reason {
    /// `file:line:column: ` (or less, or nothing) for the human formats.
    pub fn location(&self) -> String {
        match (&self.file, self.line, self.column) {
            (Some(f), Some(l), Some(c)) => format!("{f}:{l}:{c}: "),
            (Some(f), Some(l), None) => format!("{f}:{l}: "),
            (Some(f), None, _) => format!("{f}: "),
            _ => String::new(),
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}[{}] {} Next: {}",
            self.location(),
            self.code,
            self.detail,
            self.next_step
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(code: &str) -> Reason {
        Reason {
            code: code.into(),
            file: Some("a.ldf".into()),
            line: Some(7),
            column: None,
            detail: "cut".into(),
            next_step: "re-export".into(),
        }
    }

    #[test]
    fn any_reason_makes_the_audit_incomplete_even_when_findings_fail() {
        assert_eq!(Verdict::decide(&[], false), Verdict::Pass);
        assert_eq!(Verdict::decide(&[], true), Verdict::Fail);
        assert_eq!(
            Verdict::decide(&[reason("truncated_input")], false),
            Verdict::Incomplete
        );
        assert_eq!(
            Verdict::decide(&[reason("truncated_input")], true),
            Verdict::Incomplete
        );
    }

    #[test]
    fn exit_codes_are_the_documented_ones() {
        assert_eq!(Verdict::Pass.exit_code(), 0);
        assert_eq!(Verdict::Fail.exit_code(), 1);
        assert_eq!(Verdict::Incomplete.exit_code(), 2);
        assert_eq!(
            serde_json::to_string(&Verdict::Incomplete).ok().as_deref(),
            Some("\"incomplete\"")
        );
    }

    #[test]
    fn a_reason_reads_with_its_location() {
        assert_eq!(
            reason("truncated_input").to_string(),
            "a.ldf:7: [truncated_input] cut Next: re-export"
        );
    }
}
