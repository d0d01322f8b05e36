//! Scope: which accounts Entra Connect would synchronise at all.
//!
//! Three layers, applied in Connect's order (docs/matching.md, docs/rules.md#scoping-filters):
//! 1. **OU filtering** (`include_ous` / `exclude_ous`): objects outside the
//!    selected OUs never reach the connector space.
//! 2. **Scoping filters**: groups of clauses (`adminDescription NOTSTARTSWITH
//!    User_`); AND inside a group, OR between groups. The out-of-box "In from
//!    AD - User Join" rule contributes `isCriticalSystemObject NOTEQUAL TRUE`
//!    and `adminDescription NOTSTARTSWITH User_`.
//! 3. **Exclusion expressions**: Connect expressions that keep an object out
//!    when they are `True`, chief among them the out-of-box `cloudFiltered`
//!    expression, plus the source-anchor requirement.
//!
//! This module holds the scoping-filter clauses (layer 2) and the OU test;
//! [`super::Classifier`] strings the layers together.

use std::fmt;

use crate::read::EntryRef;

/// A scoping-filter operator, as the Synchronization Rules Editor and
/// `New-ADSyncRule` exports spell it (both spellings where they differ).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeOp {
    /// `EQUAL`.
    Equal,
    /// `NOTEQUAL`.
    NotEqual,
    /// `LESSTHAN` (string compare).
    LessThan,
    /// `LESSTHAN_OR_EQUAL`.
    LessThanOrEqual,
    /// `GREATERTHAN`.
    GreaterThan,
    /// `GREATERTHAN_OR_EQUAL`.
    GreaterThanOrEqual,
    /// `CONTAINS`.
    Contains,
    /// `NOTCONTAINS`.
    NotContains,
    /// `STARTSWITH`.
    StartsWith,
    /// `NOTSTARTSWITH` (Learn's UserType page prints `NOTSTARTWITH`).
    NotStartsWith,
    /// `ENDSWITH`.
    EndsWith,
    /// `NOTENDSWITH`.
    NotEndsWith,
    /// `ISNULL`: the attribute is absent.
    IsNull,
    /// `ISNOTNULL`.
    IsNotNull,
    /// `ISIN`: a value equals one of the `;`-separated values.
    IsIn,
    /// `ISNOTIN`.
    IsNotIn,
    /// `ISBITSET`: the numeric value has the bit(s) set.
    IsBitSet,
    /// `ISNOTBITSET` (exports spell it `ISBITNOTSET`).
    IsNotBitSet,
    /// `ISMEMBEROF`: `memberOf` holds the group DN.
    IsMemberOf,
    /// `ISNOTMEMBEROF`.
    IsNotMemberOf,
}

const OPS: &[(&str, ScopeOp)] = &[
    ("EQUAL", ScopeOp::Equal),
    ("NOTEQUAL", ScopeOp::NotEqual),
    ("LESSTHAN", ScopeOp::LessThan),
    ("LESSTHAN_OR_EQUAL", ScopeOp::LessThanOrEqual),
    ("GREATERTHAN", ScopeOp::GreaterThan),
    ("GREATERTHAN_OR_EQUAL", ScopeOp::GreaterThanOrEqual),
    ("CONTAINS", ScopeOp::Contains),
    ("NOTCONTAINS", ScopeOp::NotContains),
    ("STARTSWITH", ScopeOp::StartsWith),
    ("NOTSTARTSWITH", ScopeOp::NotStartsWith),
    ("NOTSTARTWITH", ScopeOp::NotStartsWith),
    ("ENDSWITH", ScopeOp::EndsWith),
    ("NOTENDSWITH", ScopeOp::NotEndsWith),
    ("ISNULL", ScopeOp::IsNull),
    ("ISNOTNULL", ScopeOp::IsNotNull),
    ("ISIN", ScopeOp::IsIn),
    ("ISNOTIN", ScopeOp::IsNotIn),
    ("ISBITSET", ScopeOp::IsBitSet),
    ("ISNOTBITSET", ScopeOp::IsNotBitSet),
    ("ISBITNOTSET", ScopeOp::IsNotBitSet),
    ("ISMEMBEROF", ScopeOp::IsMemberOf),
    ("ISNOTMEMBEROF", ScopeOp::IsNotMemberOf),
];

impl ScopeOp {
    /// Parses an operator name (case-insensitive, both spellings).
    pub fn parse(name: &str) -> Option<ScopeOp> {
        OPS.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.trim()))
            .map(|&(_, op)| op)
    }

    /// The canonical spelling.
    pub fn name(self) -> &'static str {
        OPS.iter()
            .find(|&&(_, op)| op == self)
            .map_or("?", |&(n, _)| n)
    }

    /// The operator names accepted, for error messages.
    pub fn all_names() -> impl Iterator<Item = &'static str> {
        OPS.iter().map(|&(n, _)| n)
    }

    /// Whether the operator is a negation, which an absent attribute
    /// satisfies (`isCriticalSystemObject NOTEQUAL TRUE` holds for ordinary
    /// users, who lack the attribute: docs/rules.md#scoping-filters).
    fn negated(self) -> bool {
        matches!(
            self,
            ScopeOp::NotEqual
                | ScopeOp::NotContains
                | ScopeOp::NotStartsWith
                | ScopeOp::NotEndsWith
                | ScopeOp::IsNull
                | ScopeOp::IsNotIn
                | ScopeOp::IsNotBitSet
                | ScopeOp::IsNotMemberOf
        )
    }
}

impl fmt::Display for ScopeOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One scoping-filter clause: `attribute OPERATOR value`.
///
/// String operators compare ASCII case-insensitively, as AD's matching rules
/// do for directory strings (Connect's own behaviour is unconfirmed,
/// docs/rules.md#scoping-filters). A multi-valued attribute satisfies a positive operator when
/// any value does, and a negated one when no value satisfies its positive form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clause {
    /// The attribute (looked up case-insensitively).
    pub attribute: String,
    /// The operator.
    pub op: ScopeOp,
    /// The operand (a number for the bit operators, a DN for membership).
    pub value: String,
}

impl Clause {
    /// A clause.
    pub fn new(attribute: &str, op: ScopeOp, value: &str) -> Clause {
        Clause {
            attribute: attribute.to_string(),
            op,
            value: value.to_string(),
        }
    }

    /// Whether `entry` satisfies the clause.
    pub fn holds(&self, entry: &EntryRef<'_>) -> bool {
        use ScopeOp::*;
        let attr = match self.op {
            IsMemberOf | IsNotMemberOf => entry.get("memberOf"),
            _ => entry.get(&self.attribute),
        };
        let values = || {
            attr.into_iter()
                .flat_map(|a| a.values())
                .map(|v| std::str::from_utf8(v.bytes).unwrap_or("").trim())
        };
        let present = values().any(|v| !v.is_empty());
        match self.op {
            IsNull => return !present,
            IsNotNull => return present,
            _ if !present => return self.op.negated(),
            _ => {}
        }
        let want = self.value.as_str();
        let positive = |v: &str| -> bool {
            match self.op {
                Equal | NotEqual => v.eq_ignore_ascii_case(want),
                LessThan => cmp_ci(v, want).is_lt(),
                LessThanOrEqual => cmp_ci(v, want).is_le(),
                GreaterThan => cmp_ci(v, want).is_gt(),
                GreaterThanOrEqual => cmp_ci(v, want).is_ge(),
                Contains | NotContains => contains_ci(v, want),
                StartsWith | NotStartsWith => starts_with_ci(v, want),
                EndsWith | NotEndsWith => ends_with_ci(v, want),
                IsIn | IsNotIn => want.split(';').any(|w| v.eq_ignore_ascii_case(w.trim())),
                IsBitSet | IsNotBitSet => match (parse_int(v), parse_int(want)) {
                    (Some(v), Some(bits)) => v & bits == bits,
                    _ => false,
                },
                IsMemberOf | IsNotMemberOf => v.eq_ignore_ascii_case(want),
                IsNull | IsNotNull => false,
            }
        };
        let any = values().any(positive);
        if self.op.negated() {
            !any
        } else {
            any
        }
    }
}

impl fmt::Display for Clause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.attribute, self.op, self.value)
    }
}

/// A group of clauses that must all hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClauseGroup(pub Vec<Clause>);

impl ClauseGroup {
    /// The first clause `entry` fails, if any.
    pub fn first_failing<'g>(&'g self, entry: &EntryRef<'_>) -> Option<&'g Clause> {
        self.0.iter().find(|c| !c.holds(entry))
    }
}

/// The out-of-box "In from AD - User Join" scope group (docs/rules.md#out-of-box-rules); the
/// UserType inbound rule of Learn's steps uses the second clause too (docs/rules.md#inbound-rule).
pub fn out_of_box_scope_group() -> ClauseGroup {
    ClauseGroup(vec![
        Clause::new("isCriticalSystemObject", ScopeOp::NotEqual, "TRUE"),
        Clause::new("adminDescription", ScopeOp::NotStartsWith, "User_"),
    ])
}

/// The out-of-box `cloudFiltered` expression of "In from AD - User Join"
/// (docs/rules.md#out-of-box-rules, as exported; `True` keeps the object out of Entra ID).
pub const CLOUD_FILTERED_EXPRESSION: &str = r#"IIF(IsPresent([isCriticalSystemObject]) || IsPresent([sAMAccountName]) = False || [sAMAccountName] = "SUPPORT_388945a0" || Left([mailNickname], 14) = "SystemMailbox{" || Left([sAMAccountName], 4) = "AAD_" || (Left([mailNickname], 4) = "CAS_" && (InStr([mailNickname], "}") > 0)) || (Left([sAMAccountName], 4) = "CAS_" && (InStr([sAMAccountName], "}") > 0)) || Left([sAMAccountName], 5) = "MSOL_" || CBool(IIF(IsPresent([msExchRecipientTypeDetails]),BitAnd([msExchRecipientTypeDetails],&H21C07000) > 0,NULL)) || CBool(InStr(DNComponent(CRef([dn]),1),"\\0ACNF:")>0), True, NULL)"#;

/// Whether `dn` is `ou` or below it (RDN boundary, ASCII case-insensitive,
/// spaces after commas ignored on both sides).
pub fn dn_is_under(dn: &str, ou: &str) -> bool {
    crate::model::dn::is_under(dn, ou)
}

fn parse_int(s: &str) -> Option<i64> {
    let s = s.trim();
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("&H")) {
        Some(hex) => i64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

fn cmp_ci(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// ASCII case-insensitive `starts_with`.
pub fn starts_with_ci(hay: &str, needle: &str) -> bool {
    hay.len() >= needle.len()
        && hay.as_bytes()[..needle.len()].eq_ignore_ascii_case(needle.as_bytes())
}

/// ASCII case-insensitive `ends_with`.
pub fn ends_with_ci(hay: &str, needle: &str) -> bool {
    hay.len() >= needle.len()
        && hay.as_bytes()[hay.len() - needle.len()..].eq_ignore_ascii_case(needle.as_bytes())
}

/// ASCII case-insensitive `contains`.
pub fn contains_ci(hay: &str, needle: &str) -> bool {
    needle.is_empty()
        || hay
            .as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::ldif::{self, LdifOptions};
    use crate::read::Batch;

    fn parse(text: &str) -> Batch {
        ldif::parse_chunk(text.as_bytes(), true, &LdifOptions::default())
    }

    fn entry_holds(ldif_text: &str, clause: &Clause) -> bool {
        let batch = parse(ldif_text);
        let entry = batch.entries().next().expect("one entry");
        clause.holds(&entry)
    }

    #[test]
    fn both_spellings_of_operators_parse() {
        assert_eq!(ScopeOp::parse("NOTSTARTWITH"), Some(ScopeOp::NotStartsWith));
        assert_eq!(
            ScopeOp::parse("notstartswith"),
            Some(ScopeOp::NotStartsWith)
        );
        assert_eq!(ScopeOp::parse("ISBITNOTSET"), Some(ScopeOp::IsNotBitSet));
        assert_eq!(ScopeOp::parse("ISNOTBITSET"), Some(ScopeOp::IsNotBitSet));
        assert_eq!(ScopeOp::parse("LIKE"), None);
    }

    #[test]
    fn absent_attribute_satisfies_negated_operators_only() {
        let user = "dn: CN=a,DC=x\nsAMAccountName: a\nuserAccountControl: 514\n";
        let c = |a: &str, op: ScopeOp, v: &str| Clause::new(a, op, v);
        assert!(entry_holds(
            user,
            &c("isCriticalSystemObject", ScopeOp::NotEqual, "TRUE")
        ));
        assert!(entry_holds(
            user,
            &c("adminDescription", ScopeOp::NotStartsWith, "User_")
        ));
        assert!(!entry_holds(
            user,
            &c("adminDescription", ScopeOp::StartsWith, "User_")
        ));
        assert!(entry_holds(user, &c("mailNickname", ScopeOp::IsNull, "")));
        assert!(entry_holds(
            user,
            &c("userAccountControl", ScopeOp::IsBitSet, "2")
        ));
        assert!(!entry_holds(
            user,
            &c("userAccountControl", ScopeOp::IsNotBitSet, "2")
        ));
    }

    #[test]
    fn writeback_and_critical_objects_fail_the_oob_group() {
        let group = out_of_box_scope_group();
        let wb = parse("dn: CN=a,DC=x\nadminDescription: User_8c3f\n");
        let crit = parse("dn: CN=b,DC=x\nisCriticalSystemObject: TRUE\n");
        let plain = parse("dn: CN=c,DC=x\nadminDescription: Group_x\n");
        let first = |b: &Batch| {
            let e = b.entries().next().expect("entry");
            group.first_failing(&e).map(|c| c.attribute.clone())
        };
        assert_eq!(first(&wb).as_deref(), Some("adminDescription"));
        assert_eq!(first(&crit).as_deref(), Some("isCriticalSystemObject"));
        assert_eq!(first(&plain), None);
    }

    #[test]
    fn dn_under_ou_respects_rdn_boundaries() {
        let ou = "OU=Partners,DC=contoso,DC=com";
        assert!(dn_is_under("CN=a,OU=Partners,DC=contoso,DC=com", ou));
        assert!(dn_is_under("cn=a, ou=partners, dc=contoso, dc=com", ou));
        assert!(dn_is_under("OU=Partners,DC=contoso,DC=com", ou));
        assert!(!dn_is_under("CN=a,OU=OldPartners,DC=contoso,DC=com", ou));
        // An escaped comma is part of the RDN value, not a boundary.
        assert!(!dn_is_under("CN=a\\,OU=Partners,DC=contoso,DC=com", ou));
        assert!(dn_is_under("CN=x\\,y,OU=Partners,DC=contoso,DC=com", ou));
        assert!(!dn_is_under("CN=a,DC=contoso,DC=com", ou));
    }

    #[test]
    fn case_insensitive_helpers() {
        assert!(ends_with_ci(
            "a@PARTNERS.contoso.com",
            "@partners.contoso.com"
        ));
        assert!(!ends_with_ci("com", "@partners.contoso.com"));
        assert!(starts_with_ci("MSOL_abc", "msol_"));
        assert!(contains_ci(
            "x@Partners.Fabrikam123.org.evil.com",
            "@partners.fabrikam123.org"
        ));
        assert!(!contains_ci(
            "x@partners.fabrikam123.co",
            "@partners.fabrikam123.org"
        ));
    }
}
