//! Why a verdict is incomplete (reasons) and what qualifies the findings
//! (limitations): unreadable inputs, rejected and change records, attributes
//! the rules read that no account has, an export with nothing audited, the
//! rule file's warnings and scope OUs that matched nothing.

use crate::classify::Classifier;
use crate::diag::DiagKind;
use crate::findings::{reason_code, InputFile, OnPremTally, Reason};
use crate::read::{Diagnostics, ReadSummary};

use super::RunLog;

/// Adds one on-premises file's counts, diagnostics and reasons to the run.
pub(super) fn onprem_file(
    path: &str,
    format: &str,
    summary: &ReadSummary,
    onprem: &mut OnPremTally,
    log: &mut RunLog,
) {
    let st = &summary.stats;
    onprem.records_read += st.records;
    let mut skip = |why: &str, n: u64| {
        if n > 0 {
            *onprem.skipped_by_reason.entry(why.to_string()).or_default() += n;
            onprem.skipped += n;
        }
    };
    skip("change record", st.change_records);
    skip("ldapsearch referral", st.referrals);
    skip("ldapsearch result trailer", st.trailers);
    skip("rejected record (see diagnostics)", st.rejected);
    log.absorb(&summary.diagnostics);
    unreadable(
        path,
        &summary.diagnostics,
        st.records,
        "records",
        &mut log.reasons,
    );
    if st.rejected > 0 {
        // A record that could not be read may be a partner's: the
        // verdict cannot vouch for it.
        log.reasons.push(Reason {
            code: reason_code::RECORDS_REJECTED.into(),
            file: Some(path.to_string()),
            line: None,
            column: None,
            detail: format!(
                "{} record(s) could not be read and were skipped: they are not audited",
                st.rejected
            ),
            next_step: "see the diagnostics (each names its line); fix or re-export those \
                        records, or run with --strict to stop at the first"
                .into(),
        });
    }
    if st.change_records > 0 {
        log.reasons.push(Reason {
            code: reason_code::CHANGE_RECORDS.into(),
            file: Some(path.to_string()),
            line: None,
            column: None,
            detail: format!(
                "{} change record(s) (changetype modify, delete, modrdn) are not the state of \
                 an account and were skipped: the file is not a plain export",
                st.change_records
            ),
            next_step: "export the accounts as they are (ldifde -f, ldapsearch, csvde), not \
                        a change file"
                .into(),
        });
    }
    log.input_files.push(InputFile {
        role: "onprem",
        path: path.to_string(),
        format: format.to_string(),
        bytes: st.bytes,
        blake3: None,
    });
}

/// Adds a reason for each kind of diagnostic in one input's read that means
/// part of it could not be read (see [`DiagKind::makes_incomplete`]), and one
/// for an input that holds nothing, unless a diagnostic already said so.
pub(super) fn unreadable(
    path: &str,
    d: &Diagnostics,
    records: u64,
    noun: &str,
    reasons: &mut Vec<Reason>,
) {
    for (&kind, &n) in &d.counts {
        if !kind.makes_incomplete() || n == 0 {
            continue;
        }
        let first = d.kept.iter().find(|x| x.kind == kind);
        let mut detail = first.map_or_else(|| kind.name().replace('_', " "), |x| x.message.clone());
        if n > 1 {
            detail.push_str(&format!(" ({n} in this file)"));
        }
        reasons.push(Reason {
            code: kind.name().into(),
            file: Some(path.to_string()),
            line: first.map(|x| x.line),
            column: first.and_then(|x| x.column),
            detail,
            next_step: next_step(kind).into(),
        });
    }
    if records == 0 && d.counts.get(&DiagKind::NoEntries).copied().unwrap_or(0) == 0 {
        reasons.push(Reason {
            code: DiagKind::NoEntries.name().into(),
            file: Some(path.to_string()),
            line: None,
            column: None,
            detail: format!("the file holds no {noun}"),
            next_step: next_step(DiagKind::NoEntries).into(),
        });
    }
}

/// A reason for each attribute the UserType flow reads that no audited
/// account has: every account was evaluated as if it were absent.
pub(super) fn absent_flow_attributes(
    flow_attributes: &[String],
    attrs_seen: u64,
    audited: u64,
    log: &mut RunLog,
) {
    for (i, attr) in flow_attributes.iter().enumerate() {
        if audited > 0 && attrs_seen & (1 << i) == 0 {
            log.reasons.push(Reason {
                code: reason_code::RULE_ATTRIBUTE_ABSENT.into(),
                file: None,
                line: None,
                column: None,
                detail: format!(
                    "no audited account has `{attr}`, which the rules read: every account was \
                     evaluated as if it were absent"
                ),
                next_step: format!(
                    "if the export left it out (Export-Csv takes its columns from the first \
                     object; ldifde -l and ldapsearch export only the attributes named), export \
                     again with `{attr}`; if the rule misspells it, fix the rule \
                     (`usertype-audit rules check`)"
                ),
            });
        }
    }
}

/// A reason when records were read and none was audited.
pub(super) fn nothing_audited(onprem: &OnPremTally, log: &mut RunLog) {
    if onprem.records_read > 0 && onprem.accounts_audited == 0 {
        log.reasons.push(Reason {
            code: reason_code::NO_ACCOUNTS_AUDITED.into(),
            file: None,
            line: None,
            column: None,
            detail: format!(
                "{} record(s) read, none audited ({} out of scope, {} skipped): there is \
                 nothing the verdict could rest on",
                onprem.records_read, onprem.out_of_scope, onprem.skipped
            ),
            next_step: "check the scope (include_ous, exclude_ous, the out-of-box filters) and \
                        that the export holds user objects with objectClass"
                .into(),
        });
    }
}

/// A reason when partners intended Guest have no usable cloud UserType
/// (`cloud_state_unknown` findings of high severity): the verdict cannot
/// vouch for them whatever --fail-on is.
pub(super) fn unknown_guests(count: usize, reasons: &mut Vec<Reason>) {
    if count > 0 {
        reasons.push(Reason {
            code: reason_code::CLOUD_STATE_UNKNOWN.into(),
            file: None,
            line: None,
            column: None,
            detail: format!(
                "{count} account(s) intended Guest have no usable cloud userType \
                 (cloud_state_unknown findings): any of them may be a Member"
            ),
            next_step: format!(
                "export the users again with userType: {}",
                crate::read::cloud::coverage::graph_request()
            ),
        });
    }
}

/// Accounts that sync gives no UserType (the Entra Connect configuration has
/// no outbound rule exporting userType): the audit cannot compare their
/// intent with the cloud, so it cannot vouch that no partner is a Member.
pub(super) fn not_managed(count: u64, rules: &str, reasons: &mut Vec<Reason>) {
    if count > 0 {
        reasons.push(Reason {
            code: reason_code::USERTYPE_NOT_SYNCED.into(),
            file: Some(rules.to_string()),
            line: None,
            column: None,
            detail: format!(
                "{count} account(s) in scope get no UserType from sync: no outbound rule of the \
                 Entra Connect configuration exports userType to Entra ID, so new users are \
                 created as Member and existing cloud values are kept; which of them are \
                 partners cannot be told"
            ),
            next_step: "add the outbound UserType rule (docs/connect.md), export the \
                        configuration again and audit again; or audit with a rule file that \
                        states the intended UserType"
                .into(),
        });
    }
}

/// The rule file's warnings (lints, unknown attribute names) and the scope
/// OUs that no account of the export was under: they qualify every finding,
/// so each is listed with its line and column in the rule file.
pub(super) fn rule_limitations(path: &str, classifier: &Classifier, out: &mut Vec<Reason>) {
    let position = |line: usize, column: usize| {
        (
            (line > 0).then_some(line as u64),
            (column > 0).then(|| u32::try_from(column).unwrap_or(u32::MAX)),
        )
    };
    for w in &classifier.rules().warnings {
        let (line, column) = position(w.line, w.column);
        // The message's first line says it all; the rest is an excerpt with a caret.
        let first = w.message.lines().next().unwrap_or_default();
        out.push(Reason {
            code: reason_code::RULE_WARNING.into(),
            file: Some(path.to_string()),
            line,
            column,
            detail: if first.contains(w.code) {
                first.to_string()
            } else {
                format!("[{}] {first}", w.code)
            },
            next_step: match &w.fix {
                Some(fix) => format!("use instead: {}", fix.trim()),
                None => format!(
                    "`usertype-audit rules check {path}` shows the place; fix the rule, or keep \
                     it if it is what Entra Connect runs (the audit evaluates it as written)"
                ),
            },
        });
    }
    for u in classifier.unmatched_ous() {
        let (line, column) = position(u.line, u.column);
        out.push(Reason {
            code: reason_code::SCOPE_OU_UNMATCHED.into(),
            file: Some(path.to_string()),
            line,
            column,
            detail: format!(
                "no account of the export is under `{}` ({}){}",
                u.ou,
                u.list,
                if u.list == "include_ous" {
                    ": it brings nothing into scope"
                } else {
                    ": it keeps nothing out"
                }
            ),
            next_step: "compare the OU with the DNs of the export (a misspelt or moved OU); Entra \
                        Connect's OU filter is in the AD connector's Containers list"
                .into(),
        });
    }
}

/// What to do about a diagnostic that makes the audit incomplete.
fn next_step(kind: DiagKind) -> &'static str {
    use crate::diag::DiagKind as K;
    match kind {
        K::NoEntries => {
            "check that the export ran against the right base DN or tenant and finished, then \
             export again"
        }
        K::TruncatedInput => {
            "the file was cut short (an interrupted copy or export, a full disk): export it \
             again, or copy the whole file"
        }
        K::TruncatedExport => {
            "the export tool stopped with an error: fix the cause its trailer names and export \
             again"
        }
        K::MissingDnColumn => {
            "export again with the DistinguishedName column (Get-ADUser ... | Select-Object \
             DistinguishedName,... | Export-Csv, or csvde, which always writes DN)"
        }
        K::UnknownShape => {
            "give the file to the right option (--onprem or --cloud), or export again in a \
             supported format (see the README, Getting the exports)"
        }
        K::DuplicateProperty => {
            "export the users again from Microsoft Graph: an object that names a property twice \
             cannot be trusted"
        }
        K::DecompressionLimit => {
            "decompress the file yourself and check what it holds; a genuine export can be \
             given uncompressed"
        }
        K::HeaderTooLarge => "check the file: no export writes a header that long",
        _ => "check that the file can be read whole (permissions, a complete copy) and export it again",
    }
}

/// The attributes the UserType flow itself reads (not the out-of-box scope).
pub(super) fn flow_attributes(classifier: &Classifier) -> Vec<String> {
    use crate::classify::config::Flow;
    let mut v: Vec<String> = match &classifier.rules().flow {
        Flow::Direct(a) => vec![a.clone()],
        Flow::Expression { program, .. } => program.attributes().map(str::to_string).collect(),
        Flow::Rules { rules, .. } => {
            let mut v = Vec::new();
            for r in rules {
                crate::classify::condition_attributes(&r.when, &mut v);
            }
            v
        }
    };
    v.retain(|a| !a.eq_ignore_ascii_case("dn"));
    // Each attribute once (case-insensitively, as AD names are), first spelling kept.
    let mut seen = std::collections::HashSet::new();
    v.retain(|a| seen.insert(a.to_ascii_lowercase()));
    v.truncate(64);
    v
}
