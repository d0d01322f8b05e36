//! The rule file (`rules.toml`): raw TOML in, a validated [`RuleSet`] out,
//! with every problem reported at `rules.toml:line:column`.
//!
//! ```toml
//! [usertype]
//! # exactly one of: source_attribute (Direct flow), expression, [[rule]] entries
//! source_attribute = "extensionAttribute1"
//!
//! [scope]
//! out_of_box = true                                  # Connect's default filters
//! include_ous = ["DC=contoso,DC=com"]                # Connect's OU filtering
//! exclude_ous = ["OU=Disabled,DC=contoso,DC=com"]
//! [[scope.exclude]]                                  # extra exclusions
//! name = "test accounts"
//! expression = 'Left([sAMAccountName], 5) = "test_"'
//!
//! [parameters]
//! "Domain.FQDN" = "contoso.com"
//! ```
//!
//! The README documents every key; `usertype-audit init` writes a commented
//! starter file.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use regex::RegexBuilder;
use serde::Deserialize;
use toml::Spanned;

use super::expr::{self, CompileOptions, Program};
use super::scope::{Clause, ClauseGroup, ScopeOp};
use super::simple::{AttrTest, Condition, SimpleRule};
use super::UserType;

/// How the rule file decides UserType.
#[derive(Debug)]
pub enum Flow {
    /// Direct flow from an attribute (Learn's first variant).
    Direct(String),
    /// An Entra Connect expression (Learn's second variant), with its source.
    Expression {
        /// The compiled expression.
        program: Box<Program>,
        /// The expression as written.
        source: String,
    },
    /// Simple rules, first match wins, then `default`.
    Rules {
        /// The rules in file order.
        rules: Vec<SimpleRule>,
        /// The UserType when no rule matches (`None`: no value).
        default: Option<UserType>,
    },
}

impl Flow {
    /// `direct`, `expression` or `rules`.
    pub fn name(&self) -> &'static str {
        match self {
            Flow::Direct(_) => "direct",
            Flow::Expression { .. } => "expression",
            Flow::Rules { .. } => "rules",
        }
    }
}

/// A named exclusion expression of `[scope]`.
#[derive(Debug)]
pub struct Exclusion {
    /// Its name, as reported.
    pub name: String,
    /// `True` excludes the account.
    pub program: Box<Program>,
}

/// The validated `[scope]`.
#[derive(Debug, Default)]
pub struct Scope {
    /// Apply Connect's out-of-box filters (default true).
    pub out_of_box: bool,
    /// Accounts must be under one of these (empty: the whole export).
    pub include_ous: Vec<String>,
    /// Accounts under one of these are out.
    pub exclude_ous: Vec<String>,
    /// Extra scoping-filter groups: when any are given, an account must
    /// satisfy at least one (AND inside a group, OR between groups).
    pub groups: Vec<ClauseGroup>,
    /// Extra exclusion expressions, in file order.
    pub exclude: Vec<Exclusion>,
}

/// A validated rule file.
#[derive(Debug)]
pub struct RuleSet {
    /// How UserType is decided.
    pub flow: Flow,
    /// Which accounts are in scope.
    pub scope: Scope,
    /// `%parameter%` values.
    pub parameters: BTreeMap<String, String>,
}

/// One problem in a rule file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigProblem {
    /// 1-based line in the rule file.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Error or warning.
    pub is_error: bool,
    /// What is wrong and what to do; may span lines (an expression excerpt with a caret).
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = if self.is_error { "error" } else { "warning" };
        write!(
            f,
            "{}:{}: {level}: {}",
            self.line, self.column, self.message
        )
    }
}

/// The result of loading a rule file: the rules when there is no error, and
/// every problem found (errors and warnings, in file order).
#[derive(Debug)]
pub struct Loaded {
    /// The rules, `None` when any problem is an error.
    pub rules: Option<RuleSet>,
    /// Problems in file order.
    pub problems: Vec<ConfigProblem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    usertype: Option<Spanned<RawUserType>>,
    #[serde(default, rename = "rule")]
    rules: Vec<Spanned<RawRule>>,
    #[serde(default)]
    scope: RawScope,
    #[serde(default)]
    parameters: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUserType {
    source_attribute: Option<Spanned<String>>,
    expression: Option<Spanned<String>>,
    default: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: Spanned<String>,
    user_type: Spanned<String>,
    when: Spanned<toml::Value>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawScope {
    out_of_box: Option<bool>,
    #[serde(default)]
    include_ous: Vec<String>,
    #[serde(default)]
    exclude_ous: Vec<String>,
    #[serde(default)]
    group: Vec<Spanned<RawGroup>>,
    #[serde(default)]
    exclude: Vec<Spanned<RawExclusion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    clauses: Vec<RawClause>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClause {
    attribute: String,
    operator: String,
    #[serde(default)]
    value: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExclusion {
    name: String,
    expression: Spanned<String>,
}

/// Loads and validates a rule file's text.
pub fn load(text: &str) -> Loaded {
    let mut v = Validator {
        text,
        problems: Vec::new(),
        parameters: BTreeMap::new(),
    };
    let raw: RawFile = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let at = e.span().map_or(0, |s| s.start);
            v.error(at..at, e.message().to_string());
            return v.finish(None);
        }
    };
    v.parameters = raw.parameters.clone();
    let flow = v.flow(&raw);
    let scope = v.scope(&raw.scope);
    let rules = flow.map(|flow| RuleSet {
        flow,
        scope,
        parameters: raw.parameters,
    });
    v.finish(rules)
}

struct Validator<'t> {
    text: &'t str,
    problems: Vec<ConfigProblem>,
    parameters: BTreeMap<String, String>,
}

impl Validator<'_> {
    fn position(&self, at: usize) -> (usize, usize) {
        let at = at.min(self.text.len());
        let before = &self.text.as_bytes()[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let column = self
            .text
            .get(line_start..at)
            .map_or(1, |s| s.chars().count() + 1);
        (line, column)
    }

    fn push(&mut self, span: Range<usize>, is_error: bool, message: String) {
        let (line, column) = self.position(span.start);
        self.problems.push(ConfigProblem {
            line,
            column,
            is_error,
            message,
        });
    }

    fn error(&mut self, span: Range<usize>, message: String) {
        self.push(span, true, message);
    }

    fn warning(&mut self, span: Range<usize>, message: String) {
        self.push(span, false, message);
    }

    fn finish(mut self, rules: Option<RuleSet>) -> Loaded {
        self.problems
            .sort_by_key(|p| (p.line, p.column, !p.is_error));
        let failed = self.problems.iter().any(|p| p.is_error);
        Loaded {
            rules: if failed { None } else { rules },
            problems: self.problems,
        }
    }

    /// Compiles an expression written as the TOML string at `span`.
    fn compile(&mut self, source: &str, span: Range<usize>, what: &str) -> Option<Program> {
        let opts = CompileOptions {
            parameters: self.parameters.clone(),
            ..CompileOptions::default()
        };
        match expr::compile(source, &opts) {
            Ok(compiled) => {
                for lint in &compiled.warnings {
                    let msg = format!("{what}: {}", lint.render(source));
                    self.warning(span.clone(), msg);
                }
                Some(compiled.program)
            }
            Err(errors) => {
                for e in &errors {
                    let msg = format!("{what}: {}", e.render(source));
                    self.error(span.clone(), msg);
                }
                None
            }
        }
    }

    fn user_type(&mut self, s: &Spanned<String>, allow_none: bool) -> Option<Option<UserType>> {
        match s.get_ref().as_str() {
            "Member" => Some(Some(UserType::Member)),
            "Guest" => Some(Some(UserType::Guest)),
            "none" if allow_none => Some(None),
            other => {
                let hint = if allow_none {
                    ", `Guest` or `none`"
                } else {
                    " or `Guest`"
                };
                self.error(
                    s.span(),
                    format!(
                        "user type `{other}` is not valid: Entra ID accepts exactly `Member`{hint}"
                    ),
                );
                None
            }
        }
    }

    fn flow(&mut self, raw: &RawFile) -> Option<Flow> {
        let Some(ut) = raw.usertype.as_ref() else {
            if raw.rules.is_empty() {
                self.error(
                    0..0,
                    "no [usertype] table: say how UserType is decided with \
                     `source_attribute = \"extensionAttribute1\"`, `expression = '...'` \
                     or [[rule]] entries (run `usertype-audit init` for a starter file)"
                        .into(),
                );
                return None;
            }
            return self.rules_flow(raw, None);
        };
        let span = ut.span();
        let ut = ut.get_ref();
        let chosen = [
            ut.source_attribute.is_some(),
            ut.expression.is_some(),
            !raw.rules.is_empty(),
        ]
        .iter()
        .filter(|&&b| b)
        .count();
        if chosen != 1 {
            self.error(
                span,
                "[usertype] needs exactly one of `source_attribute`, `expression` or \
                 [[rule]] entries"
                    .into(),
            );
            return None;
        }
        if let Some(attr) = &ut.source_attribute {
            let name = attr.get_ref().trim();
            if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c == '[') {
                self.error(
                    attr.span(),
                    format!("`{name}` is not an attribute name (write it without brackets)"),
                );
                return None;
            }
            if ut.default.is_some() {
                self.warning(
                    span,
                    "`default` only applies to [[rule]] lists; a Direct flow contributes no \
                     value when the attribute is absent"
                        .into(),
                );
            }
            return Some(Flow::Direct(name.to_string()));
        }
        if let Some(e) = &ut.expression {
            let span = e.span();
            let program = self.compile(e.get_ref(), span, "expression")?;
            return Some(Flow::Expression {
                program: Box::new(program),
                source: e.get_ref().clone(),
            });
        }
        self.rules_flow(raw, ut.default.as_ref())
    }

    fn rules_flow(&mut self, raw: &RawFile, default: Option<&Spanned<String>>) -> Option<Flow> {
        let default = match default {
            Some(d) => self.user_type(d, true)?,
            None => Some(UserType::Member),
        };
        let mut rules = Vec::new();
        let mut ok = true;
        let mut names: BTreeMap<String, Range<usize>> = BTreeMap::new();
        for r in &raw.rules {
            let r = r.get_ref();
            let name = r.name.get_ref().clone();
            if let Some(first) = names.get(&name).cloned() {
                let (line, _) = self.position(first.start);
                self.error(
                    r.name.span(),
                    format!("rule name `{name}` is used twice (first at line {line})"),
                );
                ok = false;
            } else {
                names.insert(name.clone(), r.name.span());
            }
            let user_type = self.user_type(&r.user_type, false);
            let when = self.condition(r.when.get_ref(), r.when.span(), 0);
            match (user_type, when) {
                (Some(Some(user_type)), Some(when)) => rules.push(SimpleRule {
                    name,
                    user_type,
                    when,
                }),
                _ => ok = false,
            }
        }
        ok.then_some(Flow::Rules { rules, default })
    }

    fn condition(
        &mut self,
        v: &toml::Value,
        span: Range<usize>,
        depth: usize,
    ) -> Option<Condition> {
        const KEYS: &str = "`attribute` (with `equals`, `in`, `starts_with`, `ends_with`, \
                            `contains`, `matches`, `present` or `absent`), `under_ou`, \
                            `member_of`, `uac_bit_set`, `all`, `any`, `not` or `expression`";
        if depth > 64 {
            self.error(span, "conditions nest deeper than 64 levels".into());
            return None;
        }
        let Some(t) = v.as_table() else {
            self.error(span, format!("a condition is a table with one of {KEYS}"));
            return None;
        };
        // Every key must belong to one form of condition, with one test: a
        // misspelt or extra key would otherwise be ignored without a word.
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
        const SINGLE: [&str; 7] = [
            "all",
            "any",
            "not",
            "under_ou",
            "member_of",
            "uac_bit_set",
            "expression",
        ];
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
                span,
                format!("{what}: a condition is a table with one of {KEYS}"),
            );
            return None;
        }
        let str_of = |k: &str| t.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let list = |this: &mut Self, k: &str| -> Option<Vec<Condition>> {
            let Some(items) = t.get(k).and_then(|v| v.as_array()) else {
                this.error(span.clone(), format!("`{k}` takes an array of conditions"));
                return None;
            };
            let mut out = Vec::new();
            for item in items {
                out.push(this.condition(item, span.clone(), depth + 1)?);
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
                .condition(inner, span, depth + 1)
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
        let Some(name) = str_of("attribute") else {
            self.error(span, format!("a condition needs one of {KEYS}"));
            return None;
        };
        let case_sensitive = t
            .get("case_sensitive")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        let text = |k: &str| str_of(k);
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
        Some(Condition::Attribute {
            name,
            test,
            case_sensitive,
        })
    }

    fn scope(&mut self, raw: &RawScope) -> Scope {
        let mut groups = Vec::new();
        for g in &raw.group {
            let mut clauses = Vec::new();
            for c in &g.get_ref().clauses {
                match ScopeOp::parse(&c.operator) {
                    Some(op) => clauses.push(Clause::new(&c.attribute, op, &c.value)),
                    None => self.error(
                        g.span(),
                        format!(
                            "unknown scoping-filter operator `{}`; use one of {}",
                            c.operator,
                            ScopeOp::all_names().collect::<Vec<_>>().join(", ")
                        ),
                    ),
                }
            }
            groups.push(ClauseGroup(clauses));
        }
        let mut exclude = Vec::new();
        for x in &raw.exclude {
            let x = x.get_ref();
            let what = format!("scope exclusion `{}`", x.name);
            if let Some(program) = self.compile(x.expression.get_ref(), x.expression.span(), &what)
            {
                exclude.push(Exclusion {
                    name: x.name.clone(),
                    program: Box::new(program),
                });
            }
        }
        Scope {
            out_of_box: raw.out_of_box.unwrap_or(true),
            include_ous: raw.include_ous.clone(),
            exclude_ous: raw.exclude_ous.clone(),
            groups,
            exclude,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        load(text)
            .problems
            .into_iter()
            .filter(|p| p.is_error)
            .map(|p| p.to_string())
            .collect()
    }

    #[test]
    fn simple_rules_load() {
        let loaded = load(
            "[usertype]\ndefault = \"Member\"\n[[rule]]\nname = \"p\"\nuser_type = \"Guest\"\n\
             when = { attribute = \"company\", in = [\"A\", \"B\"], case_sensitive = true }\n",
        );
        assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
        assert!(matches!(
            loaded.rules.map(|r| r.flow),
            Some(Flow::Rules { .. })
        ));
    }

    #[test]
    fn misspelt_extra_or_doubled_condition_keys_are_errors() {
        let rule =
            |when: &str| format!("[[rule]]\nname = \"p\"\nuser_type = \"Guest\"\nwhen = {when}\n");
        let e = errors(&rule(
            "{ attribute = \"company\", equals = \"A\", case_sensitve = true }",
        ));
        assert!(
            e[0].contains("unknown or misplaced key `case_sensitve`"),
            "{e:?}"
        );
        let e = errors(&rule(
            "{ attribute = \"company\", equals = \"A\", contains = \"B\" }",
        ));
        assert!(e[0].contains("more than one test"), "{e:?}");
        let e = errors(&rule("{ under_ou = \"OU=x\", member_of = \"CN=g\" }"));
        assert!(
            e[0].contains("more than one test") || e[0].contains("misplaced"),
            "{e:?}"
        );
        let e = errors(&rule("{ attribute = \"company\", in = [\"A\", 1] }"));
        assert!(
            e[0].contains("`in` of `company` takes an array of strings"),
            "{e:?}"
        );
    }
}
