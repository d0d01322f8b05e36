//! The `when` conditions of `[[rule]]` lists: every key checked, then the
//! condition built (combinators recursively, to a bounded depth).

use std::ops::Range;

use regex::RegexBuilder;

use super::Validator;
use crate::classify::simple::{AttrTest, Condition};

/// Every form of condition, for the diagnostics.
const KEYS: &str = "`attribute` (with `equals`, `in`, `starts_with`, `ends_with`, \
                    `contains`, `matches`, `present` or `absent`), `under_ou`, \
                    `member_of`, `uac_bit_set`, `all`, `any`, `not` or `expression`";

/// The tests of the `attribute` form.
const TESTS: [&str; 8] = [
    "equals",
    "in",
    "starts_with",
    "ends_with",
    "contains",
    "matches",
    "present",
    "absent",
];

/// The keys that make a condition alone.
const SINGLE: [&str; 7] = [
    "all",
    "any",
    "not",
    "under_ou",
    "member_of",
    "uac_bit_set",
    "expression",
];

impl Validator<'_> {
    pub(super) fn condition(
        &mut self,
        v: &toml::Value,
        span: Range<usize>,
        depth: usize,
        rule: &str,
    ) -> Option<Condition> {
        if depth > 64 {
            self.error(span, "conditions nest deeper than 64 levels".into());
            return None;
        }
        let Some(t) = v.as_table() else {
            self.error(span, format!("a condition is a table with one of {KEYS}"));
            return None;
        };
        self.check_condition_keys(t, &span)?;
        let str_of = |k: &str| t.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let list = |this: &mut Self, k: &str| -> Option<Vec<Condition>> {
            let Some(items) = t.get(k).and_then(|v| v.as_array()) else {
                this.error(span.clone(), format!("`{k}` takes an array of conditions"));
                return None;
            };
            let mut out = Vec::new();
            for item in items {
                out.push(this.condition(item, span.clone(), depth + 1, rule)?);
            }
            Some(out)
        };
        if t.contains_key("all") {
            return list(self, "all").map(Condition::All);
        }
        if t.contains_key("any") {
            return list(self, "any").map(Condition::Any);
        }
        if let Some(inner) = t.get("not") {
            return self
                .condition(inner, span, depth + 1, rule)
                .map(|c| Condition::Not(Box::new(c)));
        }
        if let Some(ou) = str_of("under_ou") {
            return Some(Condition::UnderOu(ou));
        }
        if let Some(group) = str_of("member_of") {
            return Some(Condition::MemberOf(group));
        }
        if let Some(bits) = t.get("uac_bit_set") {
            return match bits.as_integer().and_then(|b| u32::try_from(b).ok()) {
                Some(b) if b != 0 => Some(Condition::UacBitSet(b)),
                _ => {
                    self.error(
                        span,
                        "`uac_bit_set` takes a positive integer such as 2 (disabled)".into(),
                    );
                    None
                }
            };
        }
        if let Some(source) = str_of("expression") {
            return self
                .compile(&source, span, "condition expression")
                .map(|p| Condition::Expression(Box::new(p)));
        }
        self.attribute_condition(t, span, rule)
    }

    /// Every key must belong to one form of condition, with one test: a
    /// misspelt or extra key would otherwise be ignored without a word.
    fn check_condition_keys(&mut self, t: &toml::Table, span: &Range<usize>) -> Option<()> {
        let keys: Vec<&str> = t.keys().map(String::as_str).collect();
        let attribute_form = t.contains_key("attribute");
        let tests = keys.iter().filter(|k| TESTS.contains(k)).count();
        let unknown: Vec<&str> = keys
            .iter()
            .copied()
            .filter(|k| {
                if attribute_form {
                    !TESTS.contains(k) && !matches!(*k, "attribute" | "case_sensitive")
                } else {
                    !SINGLE.contains(k)
                }
            })
            .collect();
        if !unknown.is_empty() || (!attribute_form && keys.len() > 1) || tests > 1 {
            let what = if !unknown.is_empty() {
                format!("unknown or misplaced key `{}`", unknown.join("`, `"))
            } else {
                "more than one test in one condition (combine them with `all` or `any`)".into()
            };
            self.error(
                span.clone(),
                format!("{what}: a condition is a table with one of {KEYS}"),
            );
            return None;
        }
        Some(())
    }

    /// The `attribute` form: the attribute read, and its one test.
    fn attribute_condition(
        &mut self,
        t: &toml::Table,
        span: Range<usize>,
        rule: &str,
    ) -> Option<Condition> {
        let str_of = |k: &str| t.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let Some(name) = str_of("attribute") else {
            self.error(span, format!("a condition needs one of {KEYS}"));
            return None;
        };
        let at = self.find_in(&span, &name);
        self.read_attribute(&name, at, &format!("rule `{rule}`"), true);
        let case_sensitive = t
            .get("case_sensitive")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        let test = self.attribute_test(t, span, &name, case_sensitive)?;
        Some(Condition::Attribute {
            name,
            test,
            case_sensitive,
        })
    }

    /// The test of an `attribute` condition on `name`.
    fn attribute_test(
        &mut self,
        t: &toml::Table,
        span: Range<usize>,
        name: &str,
        case_sensitive: bool,
    ) -> Option<AttrTest> {
        let text = |k: &str| t.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let test = if let Some(s) = text("equals") {
            AttrTest::Equals(s)
        } else if let Some(items) = t.get("in").and_then(|v| v.as_array()) {
            let texts: Vec<String> = items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            if texts.len() != items.len() {
                self.error(span, format!("`in` of `{name}` takes an array of strings"));
                return None;
            }
            AttrTest::In(texts)
        } else if let Some(s) = text("starts_with") {
            AttrTest::StartsWith(s)
        } else if let Some(s) = text("ends_with") {
            AttrTest::EndsWith(s)
        } else if let Some(s) = text("contains") {
            AttrTest::Contains(s)
        } else if let Some(pattern) = text("matches") {
            match RegexBuilder::new(&pattern)
                .case_insensitive(!case_sensitive)
                .size_limit(1 << 20)
                .build()
            {
                Ok(re) => AttrTest::Matches(re),
                Err(e) => {
                    self.error(span, format!("`matches` pattern does not compile: {e}"));
                    return None;
                }
            }
        } else if t.get("present").and_then(|v| v.as_bool()) == Some(true) {
            AttrTest::Present
        } else if t.get("absent").and_then(|v| v.as_bool()) == Some(true) {
            AttrTest::Absent
        } else {
            self.error(
                span,
                format!(
                    "attribute `{name}` needs a test: `equals`, `in`, `starts_with`, \
                     `ends_with`, `contains`, `matches`, `present = true` or `absent = true`"
                ),
            );
            return None;
        };
        Some(test)
    }
}
