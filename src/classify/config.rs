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
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Deserialize;
use toml::Spanned;

use super::expr::{self, CompileOptions, Program};
use super::scope::{Clause, ClauseGroup, ScopeOp};
use super::simple::SimpleRule;
use super::UserType;

mod condition;

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
    /// Where each of `include_ous`, then each of `exclude_ous`, is written
    /// (1-based line and column; `(0, 0)` when unknown).
    pub ou_positions: Vec<(usize, usize)>,
    /// Which OUs some account was under (see [`Scope::unmatched_ous`]).
    pub ou_hits: OuHits,
}

/// Which configured OUs at least one account was under, recorded while
/// accounts are classified: one flag per OU, set once with a relaxed atomic
/// store after a load (no lock, and no write to a shared cache line once
/// set), so classification on many threads stays as fast as before.
#[derive(Debug, Default)]
pub struct OuHits {
    include: Vec<AtomicBool>,
    exclude: Vec<AtomicBool>,
}

impl OuHits {
    fn new(include: usize, exclude: usize) -> OuHits {
        let flags = |n| (0..n).map(|_| AtomicBool::new(false)).collect();
        OuHits {
            include: flags(include),
            exclude: flags(exclude),
        }
    }

    /// Whether `include_ous[i]` (or `exclude_ous[i]`) has been seen.
    pub fn seen(&self, exclude: bool, i: usize) -> bool {
        let flags = if exclude {
            &self.exclude
        } else {
            &self.include
        };
        flags.get(i).is_some_and(|f| f.load(Ordering::Relaxed))
    }

    /// Records that an account is under `include_ous[i]` (or `exclude_ous[i]`).
    pub fn mark(&self, exclude: bool, i: usize) {
        let flags = if exclude {
            &self.exclude
        } else {
            &self.include
        };
        if let Some(f) = flags.get(i) {
            if !f.load(Ordering::Relaxed) {
                f.store(true, Ordering::Relaxed);
            }
        }
    }

    /// Forgets every account seen (before another run with the same rules).
    pub fn reset(&self) {
        for f in self.include.iter().chain(&self.exclude) {
            f.store(false, Ordering::Relaxed);
        }
    }
}

/// A configured OU that no classified account was under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnmatchedOu {
    /// `include_ous` or `exclude_ous`.
    pub list: &'static str,
    /// The OU as written.
    pub ou: String,
    /// 1-based line in the rule file (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
}

impl Scope {
    /// The configured OUs that no account classified so far was under
    /// (every account of the export, whatever the other OU list decided).
    /// Call it after the run: an `include_ous` entry that matched nothing
    /// audits nothing, and an `exclude_ous` entry that matched nothing is
    /// probably misspelt.
    pub fn unmatched_ous(&self) -> Vec<UnmatchedOu> {
        let lists = [(false, &self.include_ous), (true, &self.exclude_ous)];
        let mut out = Vec::new();
        let mut position = self.ou_positions.iter();
        for (exclude, ous) in lists {
            for (i, ou) in ous.iter().enumerate() {
                let (line, column) = position.next().copied().unwrap_or((0, 0));
                if !self.ou_hits.seen(exclude, i) {
                    out.push(UnmatchedOu {
                        list: if exclude {
                            "exclude_ous"
                        } else {
                            "include_ous"
                        },
                        ou: ou.clone(),
                        line,
                        column,
                    });
                }
            }
        }
        out
    }
}

/// An attribute the rule file reads (not counting Connect's out-of-box
/// scope filters, which read attributes most accounts lack).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeRead {
    /// The name as written.
    pub name: String,
    /// What reads it: `source_attribute`, `expression`, `rule NAME`,
    /// `scope group`, `scope exclusion NAME`.
    pub read_by: String,
    /// 1-based line in the rule file of the first place that reads it.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
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
    /// Every warning about the rule file (expression lints, attribute names
    /// that are not Active Directory attributes, ...), in file order, as
    /// data for reports: what `rules check` prints.
    pub warnings: Vec<ConfigProblem>,
    /// Every attribute the rule and the scope read, once each (compared
    /// ignoring case), in file order; the DN is not listed.
    pub attributes_read: Vec<AttributeRead>,
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
    /// A stable kebab-case code: an expression lint's code (see
    /// [`expr::LINTS`]), `unknown-attribute`, `default-ignored`; for
    /// errors `toml`, `expression` or `rule-file`.
    pub code: &'static str,
    /// What is wrong and what to do; may span lines (an expression excerpt with a caret).
    pub message: String,
    /// A suggested replacement, when there is one: the attribute name
    /// meant, or the whole expression rewritten.
    pub fix: Option<String>,
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
    include_ous: Vec<Spanned<String>>,
    #[serde(default)]
    exclude_ous: Vec<Spanned<String>>,
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
        reads: Vec::new(),
    };
    let raw: RawFile = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let at = e.span().map_or(0, |s| s.start);
            v.push(at..at, true, "toml", e.message().to_string(), None);
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
        warnings: Vec::new(),
        attributes_read: Vec::new(),
    });
    v.finish(rules)
}

struct Validator<'t> {
    text: &'t str,
    problems: Vec<ConfigProblem>,
    parameters: BTreeMap<String, String>,
    reads: Vec<AttributeRead>,
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

    fn push(
        &mut self,
        span: Range<usize>,
        is_error: bool,
        code: &'static str,
        message: String,
        fix: Option<String>,
    ) {
        let (line, column) = self.position(span.start);
        self.problems.push(ConfigProblem {
            line,
            column,
            is_error,
            code,
            message,
            fix,
        });
    }

    fn error(&mut self, span: Range<usize>, message: String) {
        self.push(span, true, "rule-file", message, None);
    }

    /// Where `needle` is first written as a TOML string from the start of
    /// `span` on (the start of `span` if it cannot be found): conditions and
    /// scope clauses have no spans of their own.
    fn find_in(&self, span: &Range<usize>, needle: &str) -> Range<usize> {
        let hay = self.text.get(span.start..).unwrap_or("");
        let at = [format!("\"{needle}\""), format!("'{needle}'")]
            .iter()
            .find_map(|q| hay.find(q.as_str()))
            .map_or(span.start, |i| span.start + i);
        at..at
    }

    /// Records an attribute the rule file reads, and warns when it is not an
    /// Active Directory attribute the tool knows (ignoring case, as LDAP and
    /// the exports do): a misspelt name matches no account, silently.
    fn read_attribute(&mut self, name: &str, span: Range<usize>, read_by: &str, check: bool) {
        let (line, column) = self.position(span.start);
        if !self.reads.iter().any(|r| r.name.eq_ignore_ascii_case(name)) {
            self.reads.push(AttributeRead {
                name: name.to_string(),
                read_by: read_by.to_string(),
                line,
                column,
            });
        }
        if !check || expr::attrs::is_known_ignoring_case(name) {
            return;
        }
        let fix = expr::attrs::suggest(name);
        let hint = match &fix {
            Some(s) => format!("did you mean `{s}`? "),
            None => String::new(),
        };
        let shown: String = name.chars().take(100).collect();
        self.push(
            span,
            false,
            "unknown-attribute",
            format!(
                "{read_by}: `{shown}` is not an Active Directory attribute name the tool knows; \
                 {hint}a misspelt name is absent from every account, so this test never sees a \
                 value (for a schema extension, check the spelling against the export)"
            ),
            fix,
        );
    }

    fn finish(mut self, rules: Option<RuleSet>) -> Loaded {
        self.problems
            .sort_by_key(|p| (p.line, p.column, !p.is_error));
        let failed = self.problems.iter().any(|p| p.is_error);
        let rules = rules.filter(|_| !failed).map(|mut r| {
            r.warnings = self.problems.clone();
            r.attributes_read = std::mem::take(&mut self.reads);
            r
        });
        Loaded {
            rules,
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
                    self.push(span.clone(), false, lint.code, msg, lint.fix.clone());
                }
                for name in compiled.program.attributes() {
                    // The checker already warned about unknown names.
                    self.read_attribute(name, span.clone(), what, false);
                }
                Some(compiled.program)
            }
            Err(errors) => {
                for e in &errors {
                    let msg = format!("{what}: {}", e.render(source));
                    self.push(span.clone(), true, "expression", msg, None);
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
            self.read_attribute(name, attr.span(), "source_attribute", true);
            if ut.default.is_some() {
                self.push(
                    span,
                    false,
                    "default-ignored",
                    "`default` only applies to [[rule]] lists; a Direct flow contributes no \
                     value when the attribute is absent"
                        .into(),
                    None,
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
            let when = self.condition(r.when.get_ref(), r.when.span(), 0, &name);
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

    fn scope(&mut self, raw: &RawScope) -> Scope {
        let mut groups = Vec::new();
        for g in &raw.group {
            let mut clauses = Vec::new();
            for c in &g.get_ref().clauses {
                let at = self.find_in(&g.span(), &c.attribute);
                self.read_attribute(&c.attribute, at, "scope group", true);
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
        let ous = |list: &[Spanned<String>]| -> Vec<String> {
            list.iter().map(|ou| ou.get_ref().clone()).collect()
        };
        let ou_positions = raw
            .include_ous
            .iter()
            .chain(&raw.exclude_ous)
            .map(|ou| self.position(ou.span().start))
            .collect();
        Scope {
            out_of_box: raw.out_of_box.unwrap_or(true),
            include_ous: ous(&raw.include_ous),
            exclude_ous: ous(&raw.exclude_ous),
            groups,
            exclude,
            ou_positions,
            ou_hits: OuHits::new(raw.include_ous.len(), raw.exclude_ous.len()),
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

    fn warnings(text: &str) -> Vec<ConfigProblem> {
        load(text)
            .problems
            .into_iter()
            .filter(|p| !p.is_error)
            .collect()
    }

    #[test]
    fn attribute_names_that_are_not_ad_attributes_are_flagged_with_a_fix() {
        let text = "[[rule]]\nname = \"p\"\nuser_type = \"Guest\"\n\
                    when = { attribute = \"userPrincipalNam\", ends_with = \"@partners.x\" }\n";
        let w = warnings(text);
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].code, "unknown-attribute");
        assert_eq!(w[0].fix.as_deref(), Some("userPrincipalName"));
        // Line 4, at the quoted name (column of its opening quote).
        assert_eq!((w[0].line, w[0].column), (4, 22));
        assert!(
            w[0].message.contains("did you mean `userPrincipalName`?"),
            "{}",
            w[0]
        );
        assert!(w[0].message.contains("rule `p`"), "{}", w[0]);
        // The loaded rules carry the same warnings as data.
        let loaded = load(text);
        assert_eq!(loaded.rules.map(|r| r.warnings), Some(w));
        // Attribute names are case-insensitive in simple rules: no warning.
        let text = text.replace("userPrincipalNam\"", "USERPRINCIPALNAME\"");
        assert!(warnings(&text).is_empty());
        // A Direct flow and a scope clause are checked the same way.
        let w = warnings("[usertype]\nsource_attribute = \"extensionAtribute1\"\n");
        assert_eq!(
            w.first().and_then(|p| p.fix.clone()).as_deref(),
            Some("extensionAttribute1")
        );
        let w = warnings(
            "[usertype]\nsource_attribute = \"extensionAttribute1\"\n[[scope.group]]\n\
             clauses = [{ attribute = \"departement\", operator = \"EQUAL\", value = \"x\" }]\n",
        );
        assert_eq!(
            w.first().and_then(|p| p.fix.clone()).as_deref(),
            Some("department")
        );
        assert_eq!(w.first().map(|p| p.line), Some(4));
    }

    #[test]
    fn expression_lints_are_data_with_their_code_and_fix() {
        let text =
            "[usertype]\nexpression = 'IIF(InStr([mail],\"@x.org\")=0,\"Member\",\"Guest\")'\n";
        let rules = load(text).rules.expect("loads");
        let lint = rules
            .warnings
            .iter()
            .find(|w| w.code == "contains-not-ends-with");
        assert_eq!(
            lint.and_then(|l| l.fix.as_deref()),
            Some(r#"IIF(Right([mail], 6) <> "@x.org","Member","Guest")"#)
        );
        assert_eq!(lint.map(|l| (l.line, l.column)), Some((2, 14)));
    }

    #[test]
    fn attributes_read_lists_every_attribute_once_with_its_place() {
        let text = "[usertype]\ndefault = \"Member\"\n\
                    [[rule]]\nname = \"p\"\nuser_type = \"Guest\"\n\
                    when = { any = [{ attribute = \"company\", equals = \"A\" }, \
                    { expression = 'IsPresent([company]) && [employeeType] = \"x\"' }] }\n\
                    [scope]\n[[scope.exclude]]\nname = \"svc\"\nexpression = 'Left([sAMAccountName], 4) = \"svc_\" && [dn] <> \"\"'\n";
        let rules = load(text).rules.expect("loads");
        let got: Vec<(&str, &str, usize)> = rules
            .attributes_read
            .iter()
            .map(|a| (a.name.as_str(), a.read_by.as_str(), a.line))
            .collect();
        assert_eq!(
            got,
            [
                ("company", "rule `p`", 6),
                ("employeeType", "condition expression", 6),
                ("sAMAccountName", "scope exclusion `svc`", 10),
            ]
        );
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
