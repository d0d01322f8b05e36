//! Simple rules: `[[rule]]` entries of a rule file, first match wins.
//!
//! A condition tests attributes, the DN, group membership or
//! `userAccountControl` bits, and combines with `all` / `any` / `not`.
//! Attribute names are looked up case-insensitively (as LDAP does; unlike
//! Connect expressions, where casing matters). String tests are
//! case-insensitive unless `case_sensitive = true`; on a multi-valued
//! attribute a test holds when any value passes it.
//!
//! A `matches` regular expression runs over values of at most
//! [`MAX_MATCHES_VALUE_LEN`] bytes, and over at most
//! [`MAX_MATCHES_TOTAL_LEN`] bytes of one attribute's values for one
//! account: matching is linear in the value but can take seconds per
//! megabyte with a large pattern. When the answer depends on a value past
//! those limits (no earlier value matched), the condition cannot be decided
//! and [`Condition::test`] says so ([`ConditionError`], code
//! `resource_limit`): the account gets a rule error, never a silent
//! match or no-match.

use regex::Regex;

use super::expr::{EvalError, Program, Record, Scratch};
use super::scope::{contains_ci, dn_is_under, ends_with_ci, starts_with_ci};
use crate::read::EntryRef;

/// Longest value, in bytes, a `matches` test runs its regular expression over.
pub const MAX_MATCHES_VALUE_LEN: usize = 64 << 10;
/// Most bytes of one attribute's values a `matches` test reads for one account.
pub const MAX_MATCHES_TOTAL_LEN: usize = 1 << 20;

/// Why a condition cannot be decided for an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionError {
    /// A stable snake_case code: `resource_limit`.
    pub code: &'static str,
    /// What happened and what to do.
    pub message: String,
}

impl std::fmt::Display for ConditionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

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
    /// Whether `entry` satisfies the condition; a condition that cannot be
    /// decided (see [`Condition::test`]) does not hold.
    pub fn holds(&self, entry: &EntryRef<'_>, scratch: &mut Scratch) -> bool {
        self.test(entry, scratch).unwrap_or(false)
    }

    /// Whether `entry` satisfies the condition, or why that cannot be told:
    /// a `matches` test whose answer depends on a value longer than
    /// [`MAX_MATCHES_VALUE_LEN`] (or past [`MAX_MATCHES_TOTAL_LEN`]), or an
    /// expression that reaches one of the evaluator's resource limits.
    /// Other evaluation errors of an expression mean False, as documented.
    pub fn test(
        &self,
        entry: &EntryRef<'_>,
        scratch: &mut Scratch,
    ) -> Result<bool, ConditionError> {
        Ok(match self {
            Condition::Attribute {
                name,
                test,
                case_sensitive,
            } => attribute_holds(entry, name, test, *case_sensitive)?,
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
            Condition::All(cs) => {
                for c in cs {
                    if !c.test(entry, scratch)? {
                        return Ok(false);
                    }
                }
                true
            }
            Condition::Any(cs) => {
                for c in cs {
                    if c.test(entry, scratch)? {
                        return Ok(true);
                    }
                }
                false
            }
            Condition::Not(c) => !c.test(entry, scratch)?,
            Condition::Expression(program) => match program.eval(entry as &dyn Record, scratch) {
                Ok(v) => v.as_bool() == Some(true),
                Err(e @ EvalError::Limit(..)) => {
                    return Err(ConditionError {
                        code: e.code(),
                        message: format!("condition expression: {e}"),
                    })
                }
                Err(_) => false,
            },
        })
    }
}

fn attribute_holds(
    entry: &EntryRef<'_>,
    name: &str,
    test: &AttrTest,
    cs: bool,
) -> Result<bool, ConditionError> {
    let attr = entry.get(name);
    let mut values = attr
        .iter()
        .flat_map(|a| a.values())
        .filter_map(|v| v.as_str());
    let eq = |a: &str, b: &str| if cs { a == b } else { eq_ci(a, b) };
    Ok(match test {
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
        AttrTest::Matches(re) => {
            let mut read = 0usize;
            for v in values {
                read = read.saturating_add(v.len());
                if v.len() > MAX_MATCHES_VALUE_LEN || read > MAX_MATCHES_TOTAL_LEN {
                    return Err(ConditionError {
                        code: "resource_limit",
                        message: format!(
                            "`{name}` has a value of {} bytes ({read} bytes in all); a `matches` \
                             test reads values of at most {MAX_MATCHES_VALUE_LEN} bytes and \
                             {MAX_MATCHES_TOTAL_LEN} bytes in all (resource limit), so the rule \
                             cannot be decided for this account: check the value, or test it \
                             with `starts_with`, `ends_with` or `contains`",
                            v.len()
                        ),
                    });
                }
                if re.is_match(v) {
                    return Ok(true);
                }
            }
            false
        }
    })
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

    fn matches(pattern: &str) -> Condition {
        Condition::Attribute {
            name: "info".into(),
            test: AttrTest::Matches(Regex::new(pattern).expect("regex")),
            case_sensitive: true,
        }
    }

    fn test(ldif_text: &str, c: &Condition) -> Result<bool, ConditionError> {
        let batch = ldif::parse_chunk(ldif_text.as_bytes(), true, &LdifOptions::default());
        let entry = batch.entries().next().expect("one entry");
        c.test(&entry, &mut Scratch::new())
    }

    #[test]
    fn matches_reads_values_up_to_a_documented_length() {
        let c = matches("a[ab]{40}c");
        let at_limit = "b".repeat(MAX_MATCHES_VALUE_LEN);
        let over = "b".repeat(MAX_MATCHES_VALUE_LEN + 1);
        assert_eq!(
            test(&format!("dn: CN=a,DC=x\ninfo: {at_limit}\n"), &c),
            Ok(false)
        );
        let r = test(&format!("dn: CN=a,DC=x\ninfo: {over}\n"), &c);
        let e = r.expect_err("a value over the limit cannot be decided");
        assert_eq!(e.code, "resource_limit");
        assert!(
            e.message.contains("`info` has a value of 65537 bytes"),
            "{e}"
        );
        // `holds` does not say "no match" silently: classification uses `test`.
        // An earlier value that matches decides the test: the long one is not needed.
        let hit = format!("a{}c", "a".repeat(40));
        let r = test(&format!("dn: CN=a,DC=x\ninfo: {hit}\ninfo: {over}\n"), &c);
        assert_eq!(r, Ok(true));
        // Many values under the per-value limit still stop at the total.
        let many: String = (0..20)
            .map(|i| format!("info: {i}{}\n", "b".repeat(60_000)))
            .collect();
        let r = test(&format!("dn: CN=a,DC=x\n{many}"), &c);
        assert_eq!(r.map_err(|e| e.code), Err("resource_limit"));
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
