//! The per-account judgement: from a classification and a match to findings.
//!
//! Pure functions of their inputs, so the audit gives the same findings
//! whatever the thread count. What each kind means is in [`Kind`]'s docs and
//! the README; the choices made here:
//! * a match through anything but the ImmutableId onto a cloud user that has
//!   another ImmutableId is `anchor_mismatch` (Connect joins only on the
//!   anchor, so it would provision a new object that then collides); onto a
//!   cloud user without ImmutableId it is `soft_match` (Connect would take it
//!   over, and the UserType would then follow the rule, so no UserType
//!   finding is raised for it: the detail says what would change);
//! * UserType is compared only on a hard match, for a valid intent, and when
//!   the cloud export carries `userType`;
//! * a matched cloud user that is a B2B invitation (`creationType`
//!   `Invitation`, `#EXT#` in its UPN or `externalUserState` set) and is
//!   intended Member is `synced_b2b_guest`, whatever its current UserType
//!   (docs/findings.md#what-administrators-run-into, item 5); intended Guest, it is named in the detail.

use crate::classify::{Intent, UserType};
use crate::findings::{Kind, MatchedBy, Severity, SeverityFacts};
use crate::matcher::{AccountMatch, Hit};
use crate::read::cloud::{CloudUser, UserType as CloudUserType};

/// One finding about an account, before the account's identity is attached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Judgement {
    /// The kind.
    pub kind: Kind,
    /// The severity.
    pub severity: Severity,
    /// The cloud user it concerns, if any.
    pub cloud_user: Option<u32>,
    /// The key that matched, if any.
    pub matched_by: Option<MatchedBy>,
    /// The sentence for the report.
    pub detail: String,
}

/// The cloud side as the judgement sees it.
#[derive(Clone, Copy)]
pub struct CloudSide<'a> {
    /// The cloud users, by position.
    pub users: &'a [CloudUser],
    /// Whether the export carries `onPremisesImmutableId` at all: without it,
    /// a UPN or SMTP match cannot be told from a takeover and is taken as the join.
    pub has_immutable_ids: bool,
}

/// Whether a cloud user carries B2B invitation markers.
pub fn is_b2b(u: &CloudUser) -> bool {
    u.creation_type()
        .is_some_and(|c| c.eq_ignore_ascii_case("Invitation"))
        || u.user_principal_name().is_some_and(has_ext_marker)
        || u.external_user_state().is_some_and(|s| !s.is_empty())
}

/// Whether a UPN carries the `#EXT#` of an invited guest (any case).
fn has_ext_marker(upn: &str) -> bool {
    upn.as_bytes()
        .windows(5)
        .any(|w| w.eq_ignore_ascii_case(b"#EXT#"))
}

fn b2b_note(u: &CloudUser) -> String {
    let ext = u.user_principal_name().is_some_and(has_ext_marker);
    let mut parts = Vec::new();
    if let Some(c) = u.creation_type() {
        parts.push(format!("creationType {c}"));
    }
    if let Some(s) = u.external_user_state() {
        parts.push(format!("externalUserState {s}"));
    }
    if ext {
        parts.push("#EXT# UPN".to_string());
    }
    format!("the cloud user is a B2B invitation ({})", parts.join(", "))
}

fn cloud_type(u: &CloudUser) -> Option<&str> {
    u.user_type.as_ref().map(CloudUserType::as_str)
}

/// Judges one in-scope account. `anchor` is the account's ImmutableId.
pub fn judge(
    intent: &Intent,
    anchor: Option<&str>,
    m: &AccountMatch,
    cloud: CloudSide<'_>,
    out: &mut Vec<Judgement>,
) {
    let users = cloud.users;
    // What the conditional severities depend on (the registry states them).
    let mut facts = SeverityFacts {
        account_enabled: None,
        intended: match intent {
            Intent::UserType(t) => Some(*t),
            _ => None,
        },
    };
    judge_rule_outcome(intent, m, facts, out);
    let Some(Hit { by, user }) = m.primary else {
        out.push(missing_in_cloud(intent, anchor, facts));
        return;
    };
    let Some(u) = users.get(user as usize) else {
        return;
    };
    facts.account_enabled = u.account_enabled;
    judge_key_conflicts(m, users, u, by, facts, out);
    // Without ImmutableIds in the export (admin-center CSV, read with
    // --allow-partial-cloud) a UPN or mail match is the best join there is:
    // compare UserType, and say how weak the join is.
    let weak_join = !cloud.has_immutable_ids && u.on_premises_immutable_id().is_none();
    let joined = Joined {
        u,
        user,
        by,
        weak_join,
        facts,
    };
    if by != MatchedBy::ImmutableId && !weak_join {
        out.push(judge_takeover(intent, anchor, &joined));
        return;
    }
    let Intent::UserType(intended) = intent else {
        return;
    };
    judge_user_type(*intended, &joined, out);
}

/// The cloud user an account is joined to, and what its findings depend on.
struct Joined<'a> {
    u: &'a CloudUser,
    user: u32,
    by: MatchedBy,
    weak_join: bool,
    facts: SeverityFacts,
}

impl Joined<'_> {
    #[inline]
    fn judgement(&self, kind: Kind, detail: String) -> Judgement {
        Judgement {
            kind,
            severity: kind.severity(self.facts),
            cloud_user: Some(self.user),
            matched_by: Some(self.by),
            detail,
        }
    }

    /// The note on a join made by UPN or mail only, or nothing.
    #[inline]
    fn push_weak_join_note(&self, note: &mut String) {
        if self.weak_join {
            note.push_str(&format!(
                "; joined by {} only, as the cloud export has no onPremisesImmutableId",
                self.by
            ));
        }
    }
}

/// `rule_error` and `invalid_user_type`: the rule's own outcome, whatever the match.
#[inline]
fn judge_rule_outcome(
    intent: &Intent,
    m: &AccountMatch,
    facts: SeverityFacts,
    out: &mut Vec<Judgement>,
) {
    match intent {
        Intent::Error(message) => out.push(Judgement {
            kind: Kind::RuleError,
            severity: Kind::RuleError.severity(facts),
            cloud_user: m.primary.map(|h| h.user),
            matched_by: m.primary.map(|h| h.by),
            detail: format!(
                "the rule raised Error(\"{message}\"): Entra Connect would fail to synchronise \
                 this object"
            ),
        }),
        Intent::Invalid(value) => out.push(Judgement {
            kind: Kind::InvalidUserType,
            severity: Kind::InvalidUserType.severity(facts),
            cloud_user: m.primary.map(|h| h.user),
            matched_by: m.primary.map(|h| h.by),
            detail: format!(
                "the rule yields \"{value}\": Entra ID accepts exactly Member or Guest \
                 (case and spaces matter)"
            ),
        }),
        _ => {}
    }
}

/// `missing_in_cloud`: no key of the account reaches a cloud user.
#[inline]
fn missing_in_cloud(intent: &Intent, anchor: Option<&str>, facts: SeverityFacts) -> Judgement {
    Judgement {
        kind: Kind::MissingInCloud,
        severity: Kind::MissingInCloud.severity(facts),
        cloud_user: None,
        matched_by: None,
        detail: match anchor {
            Some(a) => format!(
                "no cloud user has ImmutableId {a}, nor the account's SID, DN, UPN or \
                 primary SMTP address"
            ),
            None => {
                "no cloud user has the account's SID, DN, UPN or primary SMTP address".to_string()
            }
        } + if *intent == Intent::NotManaged {
            "; no outbound rule of the Entra Connect configuration exports its userType, so \
             Entra ID would create it as Member"
        } else {
            ""
        },
    }
}

/// `key_conflict`: another key of the account reaches another cloud user.
#[inline]
fn judge_key_conflicts(
    m: &AccountMatch,
    users: &[CloudUser],
    u: &CloudUser,
    by: MatchedBy,
    facts: SeverityFacts,
    out: &mut Vec<Judgement>,
) {
    for other in &m.disagreements {
        if m.duplicate_immutable_ids.contains(&other.user) {
            continue;
        }
        let Some(o) = users.get(other.user as usize) else {
            continue;
        };
        out.push(Judgement {
            kind: Kind::KeyConflict,
            severity: Kind::KeyConflict.severity(facts),
            cloud_user: Some(other.user),
            matched_by: Some(other.by),
            detail: format!(
                "joined to cloud user {} by {}, but its {} also reaches cloud user {} ({}): \
                 Connect would report a duplicate attribute (AttributeValueMustBeUnique)",
                u.id(),
                by,
                other.by,
                o.id(),
                o.user_principal_name().unwrap_or("no UPN"),
            ),
        });
    }
}

/// `anchor_mismatch` or `soft_match`: a match by a key other than the anchor.
#[inline]
fn judge_takeover(intent: &Intent, anchor: Option<&str>, j: &Joined<'_>) -> Judgement {
    let by = j.by;
    match j.u.on_premises_immutable_id() {
        Some(cloud_id) => j.judgement(
            Kind::AnchorMismatch,
            format!(
                "matched by {by} to a cloud user whose ImmutableId {cloud_id} differs from \
                 the account's {}: Connect joins only on the anchor, so it would provision \
                 a new object that collides with this one, and the account will not sync",
                anchor.unwrap_or("(none)")
            ),
        ),
        None => {
            let intended = match intent {
                Intent::UserType(t) => Some(*t),
                _ => None,
            };
            let change = match (intended, cloud_type(j.u)) {
                (Some(t), Some(c)) if t.as_str() != c => {
                    format!("; its UserType would then change from {c} to {t}")
                }
                _ => String::new(),
            };
            j.judgement(
                Kind::SoftMatch,
                format!(
                    "matched only by {by} to a cloud user without ImmutableId: Entra Connect \
                     would take it over at first sync{change}"
                ),
            )
        }
    }
}

/// The UserType findings of a joined account with a valid intent.
#[inline]
fn judge_user_type(intended: UserType, j: &Joined<'_>, out: &mut Vec<Judgement>) {
    let u = j.u;
    let cloud_user_type = cloud_type(u);
    // No userType for this user (left out of the export, or null), or a
    // value that is neither `Member` nor `Guest` (`member`, `""`): the
    // comparison cannot be made, and saying nothing would read as "OK". An
    // invited guest intended Member is `synced_b2b_guest` whatever its type.
    let known = matches!(cloud_user_type, Some("Member" | "Guest"));
    let invited_member = intended == UserType::Member && is_b2b(u);
    if !known && !invited_member {
        out.push(cloud_state_unknown(intended, cloud_user_type, j));
        return;
    }
    let conflict = matches!(
        (intended, cloud_user_type),
        (UserType::Guest, Some("Member")) | (UserType::Member, Some("Guest"))
    );
    // Read the B2B markers only where they can change a finding.
    if !conflict && intended == UserType::Guest {
        return;
    }
    let b2b = is_b2b(u);
    if b2b && intended == UserType::Member {
        out.push(j.judgement(
            Kind::SyncedB2bGuest,
            format!(
                "intended Member, but {}; a guest invited before the account was synced was \
                 taken over by sync (cloud userType {})",
                b2b_note(u),
                cloud_user_type.unwrap_or("absent")
            ),
        ));
        return;
    }
    if !conflict {
        return;
    }
    judge_conflict(intended, cloud_user_type, b2b, j, out);
}

/// `cloud_state_unknown`: the cloud UserType is absent or neither Member nor Guest.
#[inline]
fn cloud_state_unknown(
    intended: UserType,
    cloud_user_type: Option<&str>,
    j: &Joined<'_>,
) -> Judgement {
    let what = match cloud_user_type {
        None => "the cloud export has no userType for this user".to_string(),
        Some(v) => format!(
            "the cloud userType \"{}\" is neither Member nor Guest",
            crate::diag::preview(v.as_bytes())
        ),
    };
    let mut note = String::new();
    j.push_weak_join_note(&mut note);
    j.judgement(
        Kind::CloudStateUnknown,
        match intended {
            UserType::Guest => format!(
                "intended Guest, but {what}: it may be a Member who can read the whole \
                 directory; re-export with userType{note}"
            ),
            UserType::Member => {
                format!("intended Member, but {what}; re-export with userType{note}")
            }
        },
    )
}

/// `guest_as_member` or `member_as_guest`: the cloud UserType differs from the intent.
#[inline]
fn judge_conflict(
    intended: UserType,
    cloud_user_type: Option<&str>,
    b2b: bool,
    j: &Joined<'_>,
    out: &mut Vec<Judgement>,
) {
    let mut note = if b2b {
        format!("; {}", b2b_note(j.u))
    } else {
        String::new()
    };
    j.push_weak_join_note(&mut note);
    match (intended, cloud_user_type) {
        (UserType::Guest, Some("Member")) => {
            let state = match j.u.account_enabled {
                Some(false) => "disabled",
                Some(true) => "enabled",
                None => "accountEnabled not exported, assumed enabled",
            };
            out.push(j.judgement(
                Kind::GuestAsMember,
                format!(
                    "intended Guest, Member in the cloud ({state}): the partner can read the \
                     whole directory, register applications and invite guests{note}"
                ),
            ));
        }
        (UserType::Member, Some("Guest")) => out.push(j.judgement(
            Kind::MemberAsGuest,
            format!(
                "intended Member, Guest in the cloud: restricted directory access, guest \
                 Conditional Access and MAU billing apply{note}"
            ),
        )),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::cloud::CloudUserData;

    fn cloud_data(user_type: &str, enabled: Option<bool>) -> CloudUserData {
        CloudUserData {
            id: "c1".into(),
            user_principal_name: Some("a@contoso.com".into()),
            user_type: Some(CloudUserType::parse(user_type)),
            account_enabled: enabled,
            on_premises_immutable_id: Some("AAAAAAAAAAAAAAAAAAAAAA==".into()),
            ..CloudUserData::default()
        }
    }

    fn cloud(user_type: &str, enabled: Option<bool>) -> CloudUser {
        cloud_data(user_type, enabled).into()
    }

    fn hard() -> AccountMatch {
        AccountMatch {
            primary: Some(Hit {
                by: MatchedBy::ImmutableId,
                user: 0,
            }),
            ..AccountMatch::default()
        }
    }

    fn kinds(intent: Intent, m: &AccountMatch, users: &[CloudUser]) -> Vec<(Kind, Severity)> {
        let mut out = Vec::new();
        let cloud = CloudSide {
            users,
            has_immutable_ids: true,
        };
        judge(&intent, Some("x"), m, cloud, &mut out);
        out.iter().map(|j| (j.kind, j.severity)).collect()
    }

    #[test]
    fn guest_as_member_is_critical_when_enabled_high_when_disabled() {
        let guest = Intent::UserType(UserType::Guest);
        assert_eq!(
            kinds(guest.clone(), &hard(), &[cloud("Member", Some(true))]),
            vec![(Kind::GuestAsMember, Severity::Critical)]
        );
        assert_eq!(
            kinds(guest.clone(), &hard(), &[cloud("Member", Some(false))]),
            vec![(Kind::GuestAsMember, Severity::High)]
        );
        assert_eq!(kinds(guest, &hard(), &[cloud("Guest", Some(true))]), vec![]);
    }

    #[test]
    fn member_as_guest_and_b2b_takeover() {
        let member = Intent::UserType(UserType::Member);
        assert_eq!(
            kinds(member.clone(), &hard(), &[cloud("Guest", Some(true))]),
            vec![(Kind::MemberAsGuest, Severity::Medium)]
        );
        let mut invited = cloud_data("Guest", Some(true));
        invited.creation_type = Some("Invitation".into());
        assert_eq!(
            kinds(member, &hard(), &[CloudUser::from(invited)]),
            vec![(Kind::SyncedB2bGuest, Severity::Medium)]
        );
    }

    #[test]
    fn soft_matches_split_on_the_cloud_immutable_id() {
        let soft = AccountMatch {
            primary: Some(Hit {
                by: MatchedBy::Upn,
                user: 0,
            }),
            ..AccountMatch::default()
        };
        let guest = Intent::UserType(UserType::Guest);
        assert_eq!(
            kinds(guest.clone(), &soft, &[cloud("Member", Some(true))]),
            vec![(Kind::AnchorMismatch, Severity::High)]
        );
        let mut unsynced = cloud_data("Member", Some(true));
        unsynced.on_premises_immutable_id = None;
        assert_eq!(
            kinds(guest, &soft, &[CloudUser::from(unsynced)]),
            vec![(Kind::SoftMatch, Severity::Medium)]
        );
    }

    #[test]
    fn without_immutable_ids_a_upn_match_is_the_join() {
        let soft = AccountMatch {
            primary: Some(Hit {
                by: MatchedBy::Upn,
                user: 0,
            }),
            ..AccountMatch::default()
        };
        let mut data = cloud_data("Member", Some(true));
        data.on_premises_immutable_id = None;
        let member = CloudUser::from(data);
        let mut out = Vec::new();
        let users = [member];
        let side = CloudSide {
            users: &users,
            has_immutable_ids: false,
        };
        judge(
            &Intent::UserType(UserType::Guest),
            Some("x"),
            &soft,
            side,
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].kind, Kind::GuestAsMember);
        assert!(
            out[0].detail.contains("no onPremisesImmutableId"),
            "{}",
            out[0].detail
        );
    }

    #[test]
    fn an_unknown_cloud_user_type_is_a_finding_not_silence() {
        let mut data = cloud_data("Member", Some(true));
        data.user_type = None;
        let unknown = [CloudUser::from(data.clone())];
        assert_eq!(
            kinds(Intent::UserType(UserType::Guest), &hard(), &unknown),
            vec![(Kind::CloudStateUnknown, Severity::High)]
        );
        assert_eq!(
            kinds(Intent::UserType(UserType::Member), &hard(), &unknown),
            vec![(Kind::CloudStateUnknown, Severity::Low)]
        );
        // An invited guest intended Member stays synced_b2b_guest.
        data.creation_type = Some("Invitation".into());
        assert_eq!(
            kinds(
                Intent::UserType(UserType::Member),
                &hard(),
                &[CloudUser::from(data)]
            ),
            vec![(Kind::SyncedB2bGuest, Severity::Medium)]
        );
        // No intent, nothing to compare: no finding.
        assert_eq!(kinds(Intent::NoValue("null"), &hard(), &unknown), vec![]);
        // A value that is neither Member nor Guest is no answer either.
        for odd in ["member", "", " Member", "External"] {
            assert_eq!(
                kinds(
                    Intent::UserType(UserType::Guest),
                    &hard(),
                    &[cloud(odd, Some(true))]
                ),
                vec![(Kind::CloudStateUnknown, Severity::High)],
                "{odd:?}"
            );
        }
    }

    #[test]
    fn rule_outcomes_and_missing_accounts() {
        assert_eq!(
            kinds(
                Intent::Error("no UPN".into()),
                &AccountMatch::default(),
                &[]
            ),
            vec![
                (Kind::RuleError, Severity::High),
                (Kind::MissingInCloud, Severity::Low)
            ]
        );
        assert_eq!(
            kinds(
                Intent::Invalid("guest".into()),
                &hard(),
                &[cloud("Member", None)]
            ),
            vec![(Kind::InvalidUserType, Severity::High)]
        );
    }
}
