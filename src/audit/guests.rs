//! What a remediation plan needs beyond the findings, kept only when asked
//! for ([`super::AuditOptions::keep_plan_data`]): every account the rules
//! make Guest with the cloud user it matched (B2B readiness reads both
//! sides), and the UPN suffixes of the tenant's own users (the tenant's
//! domains when no `GET /domains` export is given).

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::classify::{Intent, UserType};
use crate::findings::MatchedBy;
use crate::matcher::Hit;
use crate::read::account::Account;
use crate::read::cloud::CloudUser;

/// An intended Guest with a match, as noted on a worker thread.
pub(super) struct Pending {
    file: u16,
    name: Arc<str>,
    line: u64,
    dn: String,
    upn: Option<String>,
    mail: Option<String>,
    recipient_type: Option<i64>,
    enabled: Option<bool>,
    hit: Hit,
}

/// Notes `account` when the rules make it Guest and it matched a cloud user.
pub(super) fn note(
    out: &mut Vec<Pending>,
    intent: &Intent,
    account: &Account<'_>,
    dn: &str,
    (file, name): (u16, &Arc<str>),
    primary: Option<Hit>,
) {
    let (Intent::UserType(UserType::Guest), Some(hit)) = (intent, primary) else {
        return;
    };
    out.push(Pending {
        file,
        name: name.clone(),
        line: account.line(),
        dn: dn.to_string(),
        upn: account.upn.map(str::to_string),
        mail: account.primary_smtp.or(account.mail).map(str::to_string),
        recipient_type: account.ms_exch_recipient_type_details,
        enabled: account.enabled,
        hit,
    });
}

/// One account intended Guest and its matched cloud user.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GuestPair {
    /// The account's DN.
    pub dn: String,
    /// The account's `userPrincipalName`.
    pub upn: Option<String>,
    /// The account's primary SMTP address, else its `mail`.
    pub onprem_mail: Option<String>,
    /// The account's `msExchRecipientTypeDetails`.
    pub recipient_type: Option<i64>,
    /// Whether the account is enabled on-premises.
    pub onprem_enabled: Option<bool>,
    /// `file:line` of the account.
    pub source: String,
    /// The key that joined the two sides.
    pub matched_by: Option<MatchedBy>,
    /// The cloud user's `id`.
    pub cloud_id: String,
    /// The cloud user's `userPrincipalName`.
    pub cloud_upn: Option<String>,
    /// The cloud user's `mail`.
    pub cloud_mail: Option<String>,
    /// The cloud user's `onPremisesUserPrincipalName`.
    pub on_premises_upn: Option<String>,
    /// The cloud user's `accountEnabled`.
    pub account_enabled: Option<bool>,
    /// The cloud user's `userType`.
    pub user_type: Option<String>,
    /// Whether the cloud user carries B2B invitation markers.
    pub b2b: bool,
}

/// The plan's share of an audit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanData {
    /// Accounts intended Guest that matched a cloud user, in input order.
    pub guests: Vec<GuestPair>,
    /// Lower-case UPN suffixes of the cloud users that are not invited
    /// guests: a UPN must be in one of the tenant's verified domains.
    pub upn_suffixes: BTreeSet<String>,
}

impl PlanData {
    /// Resolves the noted accounts against the cloud users.
    pub(super) fn new(mut pending: Vec<Pending>, users: &[CloudUser]) -> PlanData {
        pending.sort_by_key(|p| (p.file, p.line));
        let guests = pending
            .into_iter()
            .filter_map(|p| {
                let u = users.get(p.hit.user as usize)?;
                Some(GuestPair {
                    source: format!("{}:{}", p.name, p.line),
                    dn: p.dn,
                    upn: p.upn,
                    onprem_mail: p.mail,
                    recipient_type: p.recipient_type,
                    onprem_enabled: p.enabled,
                    matched_by: Some(p.hit.by),
                    cloud_id: u.id().to_string(),
                    cloud_upn: u.user_principal_name().map(str::to_string),
                    cloud_mail: u.mail().map(str::to_string),
                    on_premises_upn: u.on_premises_user_principal_name().map(str::to_string),
                    account_enabled: u.account_enabled,
                    user_type: u.user_type.as_ref().map(|t| t.as_str().to_string()),
                    b2b: super::assess::is_b2b(u),
                })
            })
            .collect();
        let upn_suffixes = users
            .iter()
            .filter(|u| !super::assess::is_b2b(u))
            .filter_map(|u| u.user_principal_name()?.rsplit_once('@'))
            .map(|(_, domain)| domain.to_ascii_lowercase())
            .filter(|d| !d.is_empty())
            .collect();
        PlanData {
            guests,
            upn_suffixes,
        }
    }
}
