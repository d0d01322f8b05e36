//! `plan/PLAN.md`: the order of operations for this tenant, from the seven
//! steps of "Enable synchronization of UserType"
//! (<https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-sync-change-the-configuration#enable-synchronization-of-usertype>),
//! each with this audit's counts, the plan file it uses, what to check
//! after it and how to roll it back.

use std::fmt::Write as _;

use super::b2b::{Candidate, TenantDomains, BLOCKERS};
use super::cloud::CloudPlan;
use crate::findings::{AuditSummary, Finding, Kind};
use crate::report::markdown::escape_cell;

/// The title line, which also tells a later run the file is its own.
pub const TITLE: &str = "# Remediation plan: UserType sync";

const LEARN_STEPS: &str = "https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-sync-change-the-configuration#enable-synchronization-of-usertype";
const LEARN_INVITE: &str = "https://learn.microsoft.com/entra/external-id/invite-internal-users";

/// What PLAN.md is written from.
pub struct PlanInputs<'a> {
    /// The audit's summary.
    pub summary: &'a AuditSummary,
    /// The audit's findings (sorted).
    pub findings: &'a [Finding],
    /// The cloud corrections.
    pub cloud: &'a CloudPlan,
    /// The B2B candidates.
    pub candidates: &'a [Candidate<'a>],
    /// The tenant's domains.
    pub domains: &'a TenantDomains,
}

/// `PLAN.md`.
pub fn write_plan_md(p: &PlanInputs<'_>) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{TITLE}\n");
    o.push_str(
        "Written by usertype-audit from the audit below. Nothing here has been applied: \
         every file of this plan is for you to review, and applying it is your act, \
         with your own accounts and tools. The tool never connects to a directory.\n\n",
    );
    for f in &p.summary.inputs {
        let _ = writeln!(
            o,
            "- {} {} (blake3 {})",
            f.role,
            code_span(&f.path),
            f.blake3.as_deref().unwrap_or("not hashed")
        );
    }
    let _ = writeln!(o, "- verdict: **{}**\n", p.summary.verdict.name());
    if p.summary.verdict == crate::findings::Verdict::Incomplete {
        o.push_str(
            "**The audit is incomplete** (summary.md lists why): this plan covers only what \
             could be read. Fix the inputs and audit again before applying anything.\n\n",
        );
    }
    numbers(&mut o, p);
    steps_1_to_3(&mut o, p.summary);
    steps_4_and_5(&mut o, p.summary);
    steps_6_and_7(&mut o, p);
    cloud_section(&mut o, p);
    b2b_section(&mut o, p);
    o
}

fn count(s: &AuditSummary, kind: Kind) -> u64 {
    s.by_kind
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(0, |(_, n)| *n)
}

fn numbers(o: &mut String, p: &PlanInputs<'_>) {
    let s = p.summary;
    let i = &s.intent;
    let ready = p.candidates.iter().filter(|c| c.ready()).count();
    let _ = writeln!(
        o,
        "## This tenant in numbers\n\n\
         | | |\n|---|---:|\n\
         | accounts audited | {} |\n\
         | the rules give Member / Guest | {} / {} |\n\
         | the rules raise an error / give an invalid value / give no value | {} / {} / {} |\n\
         | guest_as_member (cloud Member, intended Guest) | {} |\n\
         | member_as_guest (cloud Guest, intended Member) | {} |\n\
         | cloud users whose userType this plan sets | {} |\n\
         | B2B conversion candidates (ready / blocked) | {} / {} |\n",
        s.onprem.accounts_audited,
        i.member,
        i.guest,
        i.error,
        i.invalid,
        i.no_value,
        count(s, Kind::GuestAsMember),
        count(s, Kind::MemberAsGuest),
        p.cloud.changes.len(),
        ready,
        p.candidates.len() - ready,
    );
}

fn steps_1_to_3(o: &mut String, s: &AuditSummary) {
    let source = match s.rules.flow {
        "direct" => code_span(&s.rules.definition),
        "expression" => "the attributes the expression reads".to_string(),
        _ => "the attribute you populate with `usertype-audit populate` (see step 4)".to_string(),
    };
    let _ = writeln!(
        o,
        "## The seven steps\n\n\
         From Microsoft Learn, [Enable synchronization of UserType]({LEARN_STEPS}). Written for \
         one forest without custom rules and without a staging server; adjust them if yours \
         differs.\n\n\
         ### 1. Disable the sync scheduler\n\n\
         - Do: `Set-ADSyncScheduler -SyncCycleEnabled $false`, then check that the Operations \
         tab of the Synchronization Service Manager shows no run in progress.\n\
         - Check after: `Get-ADSyncScheduler` shows `SyncCycleEnabled : False`.\n\
         - Roll back: `Set-ADSyncScheduler -SyncCycleEnabled $true`.\n\n\
         ### 2. Add the source attribute to the AD connector schema\n\n\
         - Do: Connectors, the AD connector, Properties, Select Attributes: tick {source}. \
         If the attribute is missing (Exchange schema added after installation), run \
         Refresh directory schema in the Entra Connect wizard.\n\
         - Check after: a Full Import on the AD connector shows the attribute on a connector \
         space object (Search Connector Space).\n\
         - This audit: {}\n\
         - Roll back: untick it again.\n\n\
         ### 3. Add UserType to the Microsoft Entra connector schema\n\n\
         - Do: the Microsoft Entra connector, Properties, Select Attributes: tick `UserType` \
         (it is not imported by default).\n\
         - Check after: a Full Import on the Entra connector shows `UserType` on the cloud \
         connector space objects.\n\
         - Roll back: untick it again.\n",
        attribute_count(s)
    );
}

/// Step 2's count: for a Direct flow, the accounts without a usable value,
/// which the Learn page requires populated before UserType sync is enabled.
fn attribute_count(s: &AuditSummary) -> String {
    let i = &s.intent;
    match s.rules.flow {
        "direct" => format!(
            "{} of {} account(s) have no value and {} an invalid one; every synced account \
             must hold exactly Member or Guest before step 6 (`usertype-audit populate` \
             writes the change file).",
            i.no_value, s.onprem.accounts_audited, i.invalid
        ),
        _ => format!(
            "{} account(s) in scope are classified from them (rule file {}).",
            s.onprem.accounts_audited,
            code_span(&s.rules.path)
        ),
    }
}

fn steps_4_and_5(o: &mut String, s: &AuditSummary) {
    let transformation = match s.rules.flow {
        "direct" => format!(
            "| Direct | UserType | {} | Unchecked | Update |",
            escape_cell(&s.rules.definition)
        ),
        "expression" => format!(
            "| Expression | UserType | {} | Unchecked | Update |",
            table_code(&s.rules.definition)
        ),
        _ => "| Direct | UserType | *ATTR* (after `usertype-audit populate --attribute ATTR`) \
              | Unchecked | Update |"
            .to_string(),
    };
    // The populate command takes the rule source the audit used.
    let rule_source = match s.rules.flow {
        "connect" => format!("--connect-config {}", code_free(&s.rules.path)),
        _ => format!("--rules {}", code_free(&s.rules.path)),
    };
    let i = &s.intent;
    let _ = writeln!(
        o,
        "### 4. The inbound rule\n\n\
         - Do: Synchronization Rules Editor, direction Inbound, Add new rule:\n\n\
         | Name | Connected System | CS object type | MV object type | Link type | Precedence |\n\
         |---|---|---|---|---|---|\n\
         | In from AD - User UserType | your AD connector | user | person | Join | an unused \
         number from 1 to 99 |\n\n\
         Scoping filter, one group: `adminDescription` NOTSTARTWITH `User_` (the filter of \
         *In from AD - User Common*, which leaves out objects of user writeback).\n\n\
         | Flow type | Target attribute | Source | Apply once | Merge type |\n\
         |---|---|---|---|---|\n{transformation}\n\n\
         - This audit: the rules give {} Member and {} Guest; {} account(s) raise an error \
         (Connect fails to synchronise them) and {} give a value other than Member or Guest. \
         Fix those first (`findings.csv`, kinds rule_error and invalid_user_type).\n\
         - Moving from an expression to an attribute (approach 1): \
         `usertype-audit populate --attribute ATTR --onprem ... {rule_source} --out DIR` writes \
         `changes.ldf` (import with `ldifde -i -f changes.ldf`) and `undo.ldf`. Once imported, \
         a Direct flow from ATTR gives every account the UserType the current rules give it.\n\
         - Check after: `usertype-audit rules check` on a rule file with the same flow; the \
         Preview of step 6.\n\
         - Roll back: disable or delete the rule.\n\n\
         ### 5. The outbound rule\n\n\
         | Name | Connected System | CS object type | MV object type | Link type | Precedence |\n\
         |---|---|---|---|---|---|\n\
         | Out to Microsoft Entra ID - User UserType | your Entra connector | user | person \
         | Join | an unused number from 1 to 99 |\n\n\
         Scoping filter, one group with two clauses: `sourceObjectType` EQUAL `User`, \
         `cloudMastered` NOTEQUAL `True`.\n\n\
         | Flow type | Target attribute | Source | Apply once | Merge type |\n\
         |---|---|---|---|---|\n| Direct | UserType | UserType | Unchecked | Update |\n\n\
         - Check after: the rule is listed for the Entra connector, enabled.\n\
         - Roll back: disable or delete the rule.\n",
        i.member, i.guest, i.error, i.invalid
    );
}

/// `text` inside a one-line code span: backticks and line breaks would end
/// or break it, so they become spaces (a path with either is rare).
fn code_free(text: &str) -> String {
    text.replace(['`', '\n', '\r'], " ")
}

/// `text` as a code span in a table cell: on one line, `|` escaped (GitHub
/// tables split on it even in code), and fenced by more backticks than the
/// longest run inside.
fn table_code(text: &str) -> String {
    code_span(&text.replace('|', "\\|"))
}

/// `text` as a code span: on one line, fenced by more backticks than the
/// longest run inside.
fn code_span(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let one_line = one_line.trim();
    let mut longest = 0;
    let mut run = 0;
    for c in one_line.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if one_line.starts_with('`') || one_line.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{one_line}{pad}{fence}")
}

fn steps_6_and_7(o: &mut String, p: &PlanInputs<'_>) {
    let s = p.summary;
    o.push_str(
        "### 6. A full synchronization cycle\n\n\
         - Do: Full Import on the AD connector (not needed if the attribute was already \
         imported), Full Import on the Entra connector, then Preview the sample accounts \
         below (Search Connector Space, the object, Preview, Full synchronization): the \
         metaverse UserType must be the intended one.\n\n",
    );
    let mut samples = String::new();
    let mut seen: Vec<Kind> = Vec::new();
    // Accounts the rules classified: a Preview shows what they compute.
    for f in p.findings {
        let (Some(dn), Some(_)) = (f.dn.as_deref(), f.intended_user_type.as_deref()) else {
            continue;
        };
        if seen.contains(&f.kind) {
            continue;
        }
        seen.push(f.kind);
        let _ = writeln!(
            samples,
            "| {} | {} | {} | {} |",
            f.kind.name(),
            escape_cell(dn),
            escape_cell(f.intended_user_type.as_deref().unwrap_or("")),
            escape_cell(f.cloud_user_type.as_deref().unwrap_or("")),
        );
    }
    if samples.is_empty() {
        o.push_str("  This audit has no finding about an account: Preview any account.\n\n");
    } else {
        let _ = writeln!(
            o,
            "| finding | account (DN) | intended | cloud now |\n|---|---|---|---|\n{samples}"
        );
    }
    let _ = writeln!(
        o,
        "- Then Full Synchronization on the AD connector and look at Pending Export on the \
         Entra connector before Export: expect about {} userType change(s) ({} to Guest, {} to \
         Member, listed in `cloud-usertype.ps1`), and no deletes you did not plan ({} \
         account(s) out of scope).\n\
         - Check after: export the users from Microsoft Graph again and audit again: no \
         guest_as_member and no member_as_guest should be left.\n\
         - Roll back: disable the two rules, run a full synchronization, and set the cloud \
         values back with `undo/cloud-usertype.batch.jsonl`.\n\n\
         ### 7. Enable the sync scheduler\n\n\
         - Do: `Set-ADSyncScheduler -SyncCycleEnabled $true`.\n\
         - Check after: `Get-ADSyncScheduler` shows `SyncCycleEnabled : True`; the next \
         cycle's export holds no unexpected userType change.\n\
         - Roll back: `Set-ADSyncScheduler -SyncCycleEnabled $false`.\n",
        p.cloud.changes.len(),
        p.cloud.count_to("Guest"),
        p.cloud.count_to("Member"),
        s.onprem.out_of_scope,
    );
}

fn cloud_section(o: &mut String, p: &PlanInputs<'_>) {
    let _ = writeln!(
        o,
        "## Correcting the cloud userType now\n\n\
         Files: `cloud-usertype.ps1` (Microsoft Graph PowerShell; `-WhatIf` unless run with \
         `-Apply`), `cloud-usertype.batch.jsonl` (the same as Graph `POST /$batch` bodies, 20 \
         requests each) and `undo/cloud-usertype.batch.jsonl` (sets every value back). They set \
         {} user(s) to Guest and {} to Member.\n\n\
         Use them while UserType is not synchronised, for Entra Connect older than 1.5.30.0 \
         (which sets UserType only when it creates a user), or for users sync does not manage. \
         While a rule flows UserType, the next cycle writes the rule's value again.\n\n\
         - Check after: audit again with a fresh users export.\n\
         - Roll back: send each line of `undo/cloud-usertype.batch.jsonl` to `POST \
         https://graph.microsoft.com/v1.0/$batch`.\n",
        p.cloud.count_to("Guest"),
        p.cloud.count_to("Member"),
    );
    if !p.cloud.contested.is_empty() {
        o.push_str(
            "Left out, because accounts that match the same cloud user ask for different \
             values (resolve the duplicate first):\n\n",
        );
        for (id, dns) in &p.cloud.contested {
            let dns: Vec<String> = dns.iter().map(|d| escape_cell(d)).collect();
            let _ = writeln!(o, "- `{}`: {}", escape_cell(id), dns.join("; "));
        }
        o.push('\n');
    }
    if !p.cloud.waived.is_empty() {
        o.push_str(
            "Left out, because the finding is waived (the waiver accepts the cloud value; \
             once it expires, the next audit's plan includes the user):\n\n",
        );
        for (id, dn, at) in &p.cloud.waived {
            let _ = writeln!(
                o,
                "- `{}`: {} (waiver {})",
                escape_cell(id),
                escape_cell(dn),
                escape_cell(at)
            );
        }
        o.push('\n');
    }
}

fn b2b_section(o: &mut String, p: &PlanInputs<'_>) {
    let ready = p.candidates.iter().filter(|c| c.ready()).count();
    let domains = match p.domains.source {
        "domains-file" => "from the `--domains` export (its verified domains)",
        _ => {
            "inferred from the UPN suffixes of the tenant's own users (give `--domains` with \
             a `GET /domains` export to use the verified domains themselves)"
        }
    };
    let _ = writeln!(
        o,
        "## Converting local guests to B2B (optional)\n\n\
         Inviting an internal user to B2B collaboration ([Microsoft Learn]({LEARN_INVITE})) \
         keeps its object id, UPN, groups and app assignments, and lets the partner sign in \
         with their own account. It does not change userType: do it after the steps above.\n\n\
         `b2b-readiness.csv` lists the {} account(s) the rules make Guest that matched a cloud \
         user: {ready} ready, {} blocked. `b2b-invitations.ps1` and \
         `b2b-invitations.batch.jsonl` invite the ready ones only. Tenant domains ({} of \
         them): {domains}; the CSV's `domains_source` column says the same.\n\n\
         | blocker | accounts | what to do |\n|---|---:|---|",
        p.candidates.len(),
        p.candidates.len() - ready,
        p.domains.names.len(),
    );
    for b in BLOCKERS {
        let n = p
            .candidates
            .iter()
            .filter(|c| c.blockers.contains(&b))
            .count();
        let _ = writeln!(o, "| {b} | {n} | {} |", blocker_advice(b));
    }
    o.push_str(
        "\n- Check after: the user's Overview shows it as an external user; its \
         `externalUserState` is `PendingAcceptance`, then `Accepted`.\n\
         - Roll back: an accepted invitation cannot be taken back; converting the user back \
         to internal is a separate operation (convert external users to internal users).\n",
    );
}

fn blocker_advice(blocker: &str) -> &'static str {
    match blocker {
        "already_b2b" => "nothing: the user is already a B2B user",
        "not_joined_by_anchor" => {
            "the cloud user matched by a key other than the ImmutableId: fix the join first"
        }
        "on_premises_upn_present" => {
            "Entra Connect's default rule writes onPremisesUserPrincipalName, which blocks \
             the conversion: change that rule so it is not written"
        }
        "account_disabled" => "enable the account, or leave it out",
        "no_mail" => "set the partner's own address in the on-premises `mail`",
        "mail_invalid" => "correct the on-premises `mail`",
        "mail_in_tenant_domain" => {
            "the mail must be the partner's external address, not one in your domains"
        }
        "has_mailbox" => "B2B users with a mailbox are not supported: remove the mailbox first",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_in_a_table_cell_cannot_break_out() {
        assert_eq!(table_code("a|b"), "`a\\|b`");
        assert_eq!(table_code("x ``y`` z"), "```x ``y`` z```");
        assert_eq!(table_code("`a`\nb"), "`` `a` b ``");
        assert_eq!(code_free("a`b\nc"), "a b c");
    }
}
