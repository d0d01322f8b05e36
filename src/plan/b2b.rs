//! B2B conversion readiness: which accounts intended Guest can be turned
//! into B2B collaboration users by inviting the internal user
//! (<https://learn.microsoft.com/entra/external-id/invite-internal-users>),
//! what blocks the others, and the invitations for the ready ones.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::json;

use super::cloud::{audit_lines, batch_lines, SCRIPT_MARK, SCRIPT_PARAMS};
use super::escape::{ps_comment, ps_quote};
use crate::audit::guests::{GuestPair, PlanData};
use crate::findings::{AuditSummary, MatchedBy};

/// The default `inviteRedirectUrl`: the My Apps portal.
pub const DEFAULT_REDIRECT_URL: &str = "https://myapplications.microsoft.com";

/// The largest `--domains` file read (a tenant has at most a few thousand domains).
const DOMAINS_LIMIT: u64 = 64 << 20;

/// The tenant's domains and where they come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantDomains {
    /// Lower-case domain names.
    pub names: BTreeSet<String>,
    /// `domains-file` (a `GET /domains` export) or `inferred-from-upns`.
    pub source: &'static str,
}

impl TenantDomains {
    /// The verified domains of a `GET /domains` export (`{"value":[...]}`,
    /// or the bare array `Get-MgDomain | ConvertTo-Json` writes). A domain
    /// without `isVerified` is taken as verified: blocking too much is safe.
    pub fn from_file(path: &Path) -> Result<TenantDomains, String> {
        use std::io::Read;
        let shown = path.display();
        let file = std::fs::File::open(path).map_err(|e| format!("--domains {shown}: {e}"))?;
        let mut text = String::new();
        file.take(DOMAINS_LIMIT + 1)
            .read_to_string(&mut text)
            .map_err(|e| format!("--domains {shown}: {e} (a GET /domains export is UTF-8 JSON)"))?;
        if text.len() as u64 > DOMAINS_LIMIT {
            return Err(format!(
                "--domains {shown}: larger than {} MiB, which no GET /domains export is; \
                 give the JSON of `GET https://graph.microsoft.com/v1.0/domains`",
                DOMAINS_LIMIT >> 20
            ));
        }
        let value: serde_json::Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
            .map_err(|e| {
                format!(
                    "--domains {shown}:{}:{}: {e}; give the JSON of \
                     `GET https://graph.microsoft.com/v1.0/domains`",
                    e.line(),
                    e.column()
                )
            })?;
        let list = match &value {
            serde_json::Value::Array(a) => a,
            serde_json::Value::Object(o) => match o.get("value") {
                Some(serde_json::Value::Array(a)) => a,
                _ => return Err(format!(
                    "--domains {shown}: no `value` array; give the JSON of \
                     `GET https://graph.microsoft.com/v1.0/domains` ({{\"value\":[{{\"id\":...}}]}})"
                )),
            },
            _ => {
                return Err(format!(
                    "--domains {shown}: not a GET /domains export (expected an object with \
                     `value` or an array of domains)"
                ))
            }
        };
        let mut names = BTreeSet::new();
        for (i, d) in list.iter().enumerate() {
            let Some(id) = d.get("id").and_then(|v| v.as_str()) else {
                return Err(format!(
                    "--domains {shown}: domain #{} has no `id` text; export the domains \
                     again with `id` and `isVerified`",
                    i + 1
                ));
            };
            if d.get("isVerified").and_then(|v| v.as_bool()) != Some(false) {
                names.insert(id.trim().to_ascii_lowercase());
            }
        }
        if names.is_empty() {
            return Err(format!(
                "--domains {shown}: no verified domain in it; every tenant has at least its \
                 onmicrosoft.com domain: export again"
            ));
        }
        Ok(TenantDomains {
            names,
            source: "domains-file",
        })
    }

    /// The UPN suffixes of the tenant's own users.
    pub fn inferred(data: &PlanData) -> TenantDomains {
        TenantDomains {
            names: data.upn_suffixes.clone(),
            source: "inferred-from-upns",
        }
    }

    /// Whether `domain` is one of them or a subdomain of one.
    pub fn holds(&self, domain: &str) -> bool {
        let d = domain.to_ascii_lowercase();
        self.names.contains(&d)
            || self.names.iter().any(|n| {
                d.strip_suffix(n.as_str())
                    .is_some_and(|head| head.ends_with('.'))
            })
    }
}

/// `msExchRecipientTypeDetails` values of mailboxes, on-premises and remote
/// (Exchange Online): B2B users with a mailbox are not supported.
const MAILBOX_TYPES: [i64; 9] = [
    1,
    2,
    4,
    16,
    32,
    2_147_483_648,
    8_589_934_592,
    17_179_869_184,
    34_359_738_368,
];

/// One conversion candidate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate<'a> {
    /// The account and its cloud user.
    pub pair: &'a GuestPair,
    /// The address the invitation goes to: the cloud `mail`, else the account's.
    pub mail: Option<&'a str>,
    /// What blocks the conversion (empty: ready).
    pub blockers: Vec<&'static str>,
}

impl Candidate<'_> {
    /// Whether nothing blocks it.
    pub fn ready(&self) -> bool {
        self.blockers.is_empty()
    }
}

/// Every blocker name, in the order a row lists them.
pub const BLOCKERS: [&str; 8] = [
    "already_b2b",
    "not_joined_by_anchor",
    "on_premises_upn_present",
    "account_disabled",
    "no_mail",
    "mail_invalid",
    "mail_in_tenant_domain",
    "has_mailbox",
];

/// The candidates: every account intended Guest matched to a cloud user.
pub fn assess<'a>(data: &'a PlanData, domains: &TenantDomains) -> Vec<Candidate<'a>> {
    data.guests
        .iter()
        .map(|pair| {
            let mail = pair
                .cloud_mail
                .as_deref()
                .or(pair.onprem_mail.as_deref())
                .map(str::trim)
                .filter(|m| !m.is_empty());
            let mut blockers = Vec::new();
            if pair.b2b {
                blockers.push("already_b2b");
            }
            if pair.matched_by != Some(MatchedBy::ImmutableId) {
                blockers.push("not_joined_by_anchor");
            }
            if pair
                .on_premises_upn
                .as_deref()
                .is_some_and(|u| !u.is_empty())
            {
                blockers.push("on_premises_upn_present");
            }
            if pair.account_enabled.or(pair.onprem_enabled) == Some(false) {
                blockers.push("account_disabled");
            }
            match mail.map(mail_domain) {
                None => blockers.push("no_mail"),
                Some(None) => blockers.push("mail_invalid"),
                Some(Some(domain)) if domains.holds(domain) => {
                    blockers.push("mail_in_tenant_domain")
                }
                Some(Some(_)) => {}
            }
            if pair
                .recipient_type
                .is_some_and(|t| MAILBOX_TYPES.contains(&t))
            {
                blockers.push("has_mailbox");
            }
            Candidate {
                pair,
                mail,
                blockers,
            }
        })
        .collect()
}

/// The domain of an address with one `@`, non-empty parts and no white
/// space or control characters.
fn mail_domain(mail: &str) -> Option<&str> {
    let (local, domain) = mail.split_once('@')?;
    let clean = |s: &str| !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control());
    (clean(local) && clean(domain) && !domain.contains('@') && domain.contains('.'))
        .then_some(domain)
}

/// `b2b-readiness.csv`.
pub fn write_csv(candidates: &[Candidate<'_>], domains: &TenantDomains) -> Vec<u8> {
    use crate::report::csv::push_field;
    let mut out = b"dn,cloud_id,upn,mail,ready,blockers,domains_source\n".to_vec();
    for c in candidates {
        let fields = [
            c.pair.dn.as_str(),
            c.pair.cloud_id.as_str(),
            c.pair.upn.as_deref().unwrap_or(""),
            c.mail.unwrap_or(""),
            if c.ready() { "true" } else { "false" },
            &c.blockers.join(";"),
            domains.source,
        ];
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            push_field(&mut out, f);
        }
        out.push(b'\n');
    }
    out
}

/// How the invitations are sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InviteOptions {
    /// `sendInvitationMessage`.
    pub send_message: bool,
    /// `inviteRedirectUrl`.
    pub redirect_url: String,
}

/// `b2b-invitations.batch.jsonl`: `POST /invitations` for the ready ones.
pub fn write_batch(candidates: &[Candidate<'_>], opts: &InviteOptions) -> String {
    batch_lines(candidates.iter().filter(|c| c.ready()).map(|c| {
        json!({
            "method": "POST",
            "url": "/invitations",
            "headers": { "Content-Type": "application/json" },
            "body": {
                "invitedUserEmailAddress": c.mail.unwrap_or(""),
                "inviteRedirectUrl": opts.redirect_url,
                "sendInvitationMessage": opts.send_message,
                "invitedUser": { "id": c.pair.cloud_id },
            },
        })
    }))
}

/// `b2b-invitations.ps1`.
pub fn write_script(
    candidates: &[Candidate<'_>],
    opts: &InviteOptions,
    summary: &AuditSummary,
) -> String {
    let ready = candidates.iter().filter(|c| c.ready()).count();
    let mut out = String::new();
    let _ = writeln!(out, "{SCRIPT_MARK}: B2B invitations");
    out.push_str("#\n");
    let _ = writeln!(
        out,
        "# What: invites {ready} internal user(s) intended Guest to B2B collaboration\n\
         #   (of {} candidate(s); the others are blocked, see b2b-readiness.csv).\n\
         #   The user keeps its object id, UPN, groups and app assignments; the\n\
         #   invitation does not change userType.\n\
         #   Invitation e-mail: {}.",
        candidates.len(),
        if opts.send_message {
            "sent (--send-invitations)"
        } else {
            "not sent"
        }
    );
    out.push_str(&audit_lines(summary));
    out.push_str(
        "#\n\
         # Review every line before running it. Without -Apply nothing changes: every\n\
         # New-MgInvitation runs with -WhatIf and only says what it would do.\n\
         #   Connect-MgGraph -Scopes 'User.Invite.All','User.ReadWrite.All'\n\
         #   ./b2b-invitations.ps1           # dry run\n\
         #   ./b2b-invitations.ps1 -Apply    # send the invitations\n\
         # An accepted invitation adds external credentials that cannot be removed.\n",
    );
    out.push_str(SCRIPT_PARAMS);
    let send = if opts.send_message { "$true" } else { "$false" };
    for c in candidates.iter().filter(|c| c.ready()) {
        let _ = write!(
            out,
            "\n# {} ({})\nNew-MgInvitation -InvitedUserEmailAddress {} -InviteRedirectUrl {} \
             -SendInvitationMessage:{send} -InvitedUser @{{ Id = {} }} -WhatIf:$WhatIf\n",
            ps_comment(&c.pair.dn),
            ps_comment(&c.pair.source),
            ps_quote(c.mail.unwrap_or("")),
            ps_quote(&opts.redirect_url),
            ps_quote(&c.pair.cloud_id),
        );
    }
    out
}

/// Checks `--redirect-url`: an absolute http(s) URL without spaces.
pub fn check_redirect_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !url.chars().any(|c| c.is_whitespace() || c.is_control()) => {
            Ok(())
        }
        _ => Err(format!(
            "--redirect-url {}: give an absolute https:// URL (default {DEFAULT_REDIRECT_URL})",
            url.escape_debug()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready_pair() -> GuestPair {
        GuestPair {
            dn: "CN=P".into(),
            cloud_id: "c1".into(),
            cloud_mail: Some("p@fabrikam.example".into()),
            matched_by: Some(MatchedBy::ImmutableId),
            account_enabled: Some(true),
            ..GuestPair::default()
        }
    }

    fn domains() -> TenantDomains {
        TenantDomains {
            names: ["contoso.com".to_string()].into(),
            source: "domains-file",
        }
    }

    fn blockers_of(pair: GuestPair) -> Vec<&'static str> {
        let data = PlanData {
            guests: vec![pair],
            ..PlanData::default()
        };
        let c = assess(&data, &domains());
        c[0].blockers.clone()
    }

    #[test]
    fn each_blocker_is_named() {
        assert!(blockers_of(ready_pair()).is_empty());
        type Edit = fn(&mut GuestPair);
        let cases: [(&str, Edit); 8] = [
            ("already_b2b", |p| p.b2b = true),
            ("not_joined_by_anchor", |p| {
                p.matched_by = Some(MatchedBy::Upn)
            }),
            ("on_premises_upn_present", |p| {
                p.on_premises_upn = Some("p@contoso.com".into())
            }),
            ("account_disabled", |p| p.account_enabled = Some(false)),
            ("no_mail", |p| p.cloud_mail = None),
            ("mail_invalid", |p| p.cloud_mail = Some("p at x".into())),
            ("mail_in_tenant_domain", |p| {
                p.cloud_mail = Some("p@Sales.Contoso.com".into())
            }),
            ("has_mailbox", |p| p.recipient_type = Some(1)),
        ];
        for (name, edit) in cases {
            let mut p = ready_pair();
            edit(&mut p);
            assert_eq!(blockers_of(p), [name]);
        }
    }

    #[test]
    fn a_subdomain_is_not_a_lookalike() {
        let d = domains();
        assert!(d.holds("contoso.com") && d.holds("eu.contoso.com"));
        assert!(!d.holds("notcontoso.com"));
    }

    #[test]
    fn redirect_urls_are_checked() {
        assert!(check_redirect_url(DEFAULT_REDIRECT_URL).is_ok());
        assert!(check_redirect_url("javascript:alert(1)").is_err());
        assert!(check_redirect_url("https://a b").is_err());
    }
}
