//! Simple rules: `[[rule]]` entries of a rule file, first match wins.
//!
//! A condition tests attributes, the DN, group membership or
//! `userAccountControl` bits, and combines with `all` / `any` / `not`.
//! Attribute names are looked up case-insensitively (as LDAP does; unlike
//! Connect expressions, where casing matters). String tests are
//! case-insensitive unless `case_sensitive = true`; on a multi-valued
//! attribute a test holds when any value passes it.

use regex::Regex;

use super::expr::{Program, Record, Scratch};
use super::scope::{contains_ci, dn_is_under, ends_with_ci, starts_with_ci};
use crate::read::EntryRef;

/// What an attribute test checks.
#[derive(Clone, Debug)]
pub enum AttrTest {
    /// A value equals the text.
    Equals(String),
    /// A value equals one of the texts.
    In(Vec<String>),
    /// A value starts with the text.
    StartsWith(String),
    /// A value ends with the text.
    EndsWith(String),
    /// A value contains the text.
    Contains(String),
    /// A value matches the regular expression (unanchored; use `^…$` to anchor).
    Matches(Regex),
    /// The attribute has a non-empty value.
    Present,
    /// The attribute has no non-empty value.
    Absent,
}

/// A condition of a simple rule.
#[derive(Debug)]
pub enum Condition {
    /// An attribute test.
    Attribute {
        /// The attribute name.
        name: String,
        /// The test.
        test: AttrTest,
        /// Compare case-sensitively.
        case_sensitive: bool,
    },
    /// The DN is the OU or below it.
    UnderOu(String),
    /// `memberOf` holds the group DN (direct membership, as exported).
    MemberOf(String),
    /// `userAccountControl` has all these bits set.
    UacBitSet(u32),
    /// All hold (true when empty).
    All(Vec<Condition>),
    /// Any holds (false when empty).
    Any(Vec<Condition>),
    /// The inner condition does not hold.
    Not(Box<Condition>),
    /// A Connect expression that evaluates to `True` (an evaluation error is false).
    Expression(Box<Program>),
}

impl Condition {
    /// Whether `entry` satisfies the condition.
    pub fn holds(&self, entry: &EntryRef<'_>, scratch: &mut Scratch) -> bool {
        match self {
            Condition::Attribute {
                name,
                test,
                case_sensitive,
            } => attribute_holds(entry, name, test, *case_sensitive),
            Condition::UnderOu(ou) => std::str::from_utf8(entry.dn())
                .map(|dn| dn_is_under(dn, ou))
                .unwrap_or(false),
            Condition::MemberOf(group) => entry.get("memberOf").is_some_and(|a| {
                a.values().any(|v| {
                    std::str::from_utf8(v.bytes)
                        .is_ok_and(|dn| dn.trim().eq_ignore_ascii_case(group.trim()))
                })
            }),
            Condition::UacBitSet(bits) => entry
                .get("userAccountControl")
                .and_then(|a| a.first())
                .and_then(|v| v.as_str())
                .and_then(|t| t.trim().parse::<i64>().ok())
                .and_then(uac_bits)
                .is_some_and(|uac| uac & bits == *bits),
            Condition::All(cs) => cs.iter().all(|c| c.holds(entry, scratch)),
            Condition::Any(cs) => cs.iter().any(|c| c.holds(entry, scratch)),
            Condition::Not(c) => !c.holds(entry, scratch),
            Condition::Expression(program) => {
                matches!(
                    program
                        .eval(entry as &dyn Record, scratch)
                        .map(|v| v.as_bool()),
                    Ok(Some(true))
                )
            }
        }
    }
}

fn attribute_holds(entry: &EntryRef<'_>, name: &str, test: &AttrTest, cs: bool) -> bool {
    let attr = entry.get(name);
    let mut values = attr
        .iter()
        .flat_map(|a| a.values())
        .filter_map(|v| v.as_str());
    let eq = |a: &str, b: &str| if cs { a == b } else { eq_ci(a, b) };
    match test {
        AttrTest::Present => values.any(|v| !v.is_empty()),
        AttrTest::Absent => !values.any(|v| !v.is_empty()),
        AttrTest::Equals(want) => values.any(|v| eq(v, want)),
        AttrTest::In(wants) => values.any(|v| wants.iter().any(|w| eq(v, w))),
        AttrTest::StartsWith(p) => values.any(|v| {
            if cs {
                v.starts_with(p.as_str())
            } else if v.is_ascii() && p.is_ascii() {
                starts_with_ci(v, p)
            } else {
                v.to_lowercase().starts_with(&p.to_lowercase())
            }
        }),
        AttrTest::EndsWith(s) => values.any(|v| {
            if cs {
                v.ends_with(s.as_str())
            } else if v.is_ascii() && s.is_ascii() {
                ends_with_ci(v, s)
            } else {
                v.to_lowercase().ends_with(&s.to_lowercase())
            }
        }),
        AttrTest::Contains(s) => values.any(|v| {
            if cs {
                v.contains(s.as_str())
            } else if v.is_ascii() && s.is_ascii() {
                contains_ci(v, s)
            } else {
                v.to_lowercase().contains(&s.to_lowercase())
            }
        }),
        AttrTest::Matches(re) => values.any(|v| re.is_match(v)),
    }
}

/// The 32 bits of a `userAccountControl` value, written unsigned or as a
/// signed 32-bit integer; `None` for a number outside both ranges.
fn uac_bits(v: i64) -> Option<u32> {
    u32::try_from(v)
        .ok()
        .or_else(|| i32::try_from(v).ok().map(|v| v as u32))
}

/// Case-insensitive equality, Unicode-aware without allocating for ASCII.
fn eq_ci(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

/// One `[[rule]]`.
#[derive(Debug)]
pub struct SimpleRule {
    /// Its name, as reported in findings.
    pub name: String,
    /// `Member` or `Guest`.
    pub user_type: super::UserType,
    /// When it applies.
    pub when: Condition,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::ldif::{self, LdifOptions};

    fn holds(ldif_text: &str, c: &Condition) -> bool {
        let batch = ldif::parse_chunk(ldif_text.as_bytes(), true, &LdifOptions::default());
        let entry = batch.entries().next().expect("one entry");
        c.holds(&entry, &mut Scratch::new())
    }

    #[test]
    fn uac_bits_outside_32_bits_are_not_truncated() {
        let disabled = Condition::UacBitSet(2);
        assert!(holds("dn: CN=a,DC=x\nuserAccountControl: 514\n", &disabled));
        // Signed 32-bit form of 0x80000002.
        assert!(holds(
            "dn: CN=a,DC=x\nuserAccountControl: -2147483646\n",
            &disabled
        ));
        // 2^32 + 2 is no 32-bit value: its low bits mean nothing.
        assert!(!holds(
            "dn: CN=a,DC=x\nuserAccountControl: 4294967298\n",
            &disabled
        ));
    }
}
