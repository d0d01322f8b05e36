//! Classification: what UserType Entra Connect would compute for each account.
//!
//! A [`Classifier`] is built once from a validated rule file
//! ([`config::load`]) and then classifies accounts independently (it is
//! `Sync`; each thread brings its own [`Scratch`]). Scope comes first, in
//! Connect's order ([`scope`]); then the flow: a Direct flow from an
//! attribute, a Connect expression ([`expr`]), or simple rules ([`simple`]).

pub mod config;
pub mod connect;
pub mod expr;
pub mod scope;
pub mod simple;

use std::fmt;

use self::config::{Flow, RuleSet};
use self::expr::{CompileOptions, EvalError, Program, Record, Scratch, ValueView};
use self::scope::{dn_is_under, out_of_box_scope_group, ClauseGroup, CLOUD_FILTERED_EXPRESSION};
use crate::read::account::Account;
use crate::read::EntryRef;

pub use self::expr::Scratch as EvalScratch;

/// A valid UserType.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UserType {
    /// `Member`.
    Member,
    /// `Guest`.
    Guest,
}

impl UserType {
    /// `Member` or `Guest`.
    pub fn as_str(self) -> &'static str {
        match self {
            UserType::Member => "Member",
            UserType::Guest => "Guest",
        }
    }
}

impl fmt::Display for UserType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What Connect would do with an account's UserType.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Intent {
    /// A valid UserType.
    UserType(UserType),
    /// The rule raised `Error()` (or failed to evaluate): the object would
    /// fail to sync. The message as Connect would log it.
    Error(String),
    /// A value other than exactly `Member` or `Guest` (as written).
    Invalid(String),
    /// Nothing to contribute: `NULL`, `IgnoreThisFlow`, `AuthoritativeNull`
    /// or an absent source attribute (which of them).
    NoValue(&'static str),
    /// Kept out of the cloud by the scope.
    OutOfScope,
    /// No outbound rule of the Entra Connect configuration exports
    /// `userType` for the object: Entra ID creates new users as Member and
    /// keeps existing users' values ([`connect`]).
    NotManaged,
}

impl Intent {
    /// The outcome name used in reports: `Member`, `Guest`, `error`,
    /// `invalid`, `no_value`, `out_of_scope`, `not_managed`.
    pub fn outcome(&self) -> &'static str {
        match self {
            Intent::UserType(t) => t.as_str(),
            Intent::Error(_) => "error",
            Intent::Invalid(_) => "invalid",
            Intent::NoValue(_) => "no_value",
            Intent::OutOfScope => "out_of_scope",
            Intent::NotManaged => "not_managed",
        }
    }
}

/// An account's classification and the rule (or scope filter) that decided it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classification {
    /// The outcome.
    pub intent: Intent,
    /// Index into [`Classifier::rule_names`].
    pub rule: u16,
    /// For [`Intent::Error`], what kind of error: `raised` (the rule's own
    /// `Error()`), `resource_limit` (the evaluation, or a `matches` test,
    /// went over a limit: see [`expr::EvalError::Limit`] and
    /// [`simple::MAX_MATCHES_VALUE_LEN`]), or another
    /// [`expr::EvalError::code`]. `None` for other outcomes.
    pub error_code: Option<&'static str>,
}

impl Classification {
    fn new(intent: Intent, rule: u16) -> Classification {
        Classification {
            intent,
            rule,
            error_code: None,
        }
    }

    fn error(message: String, code: &'static str, rule: u16) -> Classification {
        Classification {
            intent: Intent::Error(message),
            rule,
            error_code: Some(code),
        }
    }
}

/// Most `[[rule]]` entries and `[[scope.exclude]]` expressions together in
/// one rule file (real ones have a handful).
pub const MAX_RULES: usize = 60_000;

/// Why a classifier cannot be built from a rule set.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClassifierError {
    /// More `[[rule]]` entries and scope exclusions than a classification can name.
    #[error(
        "the rule file has {flow_rules} [[rule]] entries and {exclusions} scope exclusions; \
         at most {MAX_RULES} in all are supported: merge rules that give the same UserType"
    )]
    TooManyRules {
        /// The `[[rule]]` entries of the flow.
        flow_rules: usize,
        /// The scope's exclusions.
        exclusions: usize,
    },
    /// The built-in out-of-box `cloudFiltered` expression does not compile:
    /// a bug of this tool, reported rather than panicking.
    #[error(
        "the built-in cloudFiltered expression does not compile (a bug: please report it): {0}"
    )]
    BuiltInExpression(String),
    /// More Entra Connect rules than a classification can name.
    #[error("the Entra Connect configuration has {rules} rules; at most {max} are supported")]
    TooManyConnectRules {
        /// The configuration's rules.
        rules: usize,
        /// The most it may have beside the rule file's names.
        max: usize,
    },
}

/// Scope filters with fixed positions in the rule-name table.
const OU_FILTER: u16 = 0;
const OOB_SCOPE_CRITICAL: u16 = 1;
const OOB_SCOPE_WRITEBACK: u16 = 2;
const OOB_CLOUD_FILTERED: u16 = 3;
const OOB_NO_ANCHOR: u16 = 4;
const OOB_LINKED_MAILBOX: u16 = 5;
const SCOPE_GROUPS: u16 = 6;
const FIXED_NAMES: &[&str] = &[
    "scope: OU filter",
    "scope: isCriticalSystemObject NOTEQUAL TRUE",
    "scope: adminDescription NOTSTARTSWITH User_",
    "scope: cloudFiltered",
    "scope: no sourceAnchor",
    "scope: linked mailbox (msExchRecipientTypeDetails = 2)",
    "scope: scoping filter groups",
];

/// Classifies accounts with one rule set.
#[derive(Debug)]
pub struct Classifier {
    rules: RuleSet,
    oob_group: ClauseGroup,
    cloud_filtered: Program,
    names: Vec<String>,
    /// Index of the first exclusion name, then of the first flow name.
    first_exclusion: u16,
    first_flow: u16,
    /// The Entra Connect configuration, when it decides the flow, and the
    /// index of its first name.
    connect: Option<(connect::Simulation, u16)>,
}

impl Classifier {
    /// Builds a classifier. Fails if the rule file has more rules and scope
    /// exclusions than [`MAX_RULES`], or if the built-in out-of-box
    /// expression does not compile (a bug, reported rather than panicking).
    pub fn new(rules: RuleSet) -> Result<Classifier, ClassifierError> {
        let exclusions = rules.scope.exclude.len();
        let flow_rules = match &rules.flow {
            Flow::Rules { rules, .. } => rules.len(),
            _ => 0,
        };
        // Classifications name their rule with a u16.
        if exclusions.saturating_add(flow_rules) > MAX_RULES {
            return Err(ClassifierError::TooManyRules {
                flow_rules,
                exclusions,
            });
        }
        let cloud_filtered = expr::compile(CLOUD_FILTERED_EXPRESSION, &CompileOptions::default())
            .map_err(|e| {
                ClassifierError::BuiltInExpression(
                    e.first()
                        .map(|e| e.render(CLOUD_FILTERED_EXPRESSION))
                        .unwrap_or_default(),
                )
            })?
            .program;
        let mut names: Vec<String> = FIXED_NAMES.iter().map(|s| s.to_string()).collect();
        let first_exclusion = names.len() as u16;
        names.extend(
            rules
                .scope
                .exclude
                .iter()
                .map(|x| format!("scope: {}", x.name)),
        );
        let first_flow = names.len() as u16;
        match &rules.flow {
            Flow::Direct(attr) => names.push(format!("Direct: {attr}")),
            Flow::Expression { .. } => names.push("Expression".to_string()),
            Flow::Rules { rules: list, .. } => {
                names.extend(list.iter().map(|r| r.name.clone()));
                names.push("default".to_string());
            }
        }
        Ok(Classifier {
            rules,
            oob_group: out_of_box_scope_group(),
            cloud_filtered,
            names,
            first_exclusion,
            first_flow,
            connect: None,
        })
    }

    /// Lets an Entra Connect configuration decide the UserType (after the
    /// rule file's `[scope]`, if any). Fails when the names do not fit.
    pub fn with_connect(mut self, sim: connect::Simulation) -> Result<Classifier, ClassifierError> {
        let base = self.names.len();
        if base + sim.names().len() > usize::from(u16::MAX) {
            return Err(ClassifierError::TooManyConnectRules {
                rules: sim.rules().len(),
                max: usize::from(u16::MAX).saturating_sub(base + 8),
            });
        }
        self.names.extend(sim.names().iter().cloned());
        self.connect = Some((sim, base as u16));
        Ok(self)
    }

    /// A classifier that only the Entra Connect configuration drives (no rule file).
    pub fn from_connect(sim: connect::Simulation) -> Result<Classifier, ClassifierError> {
        let rules = RuleSet {
            // No flow of its own: the configuration decides.
            flow: Flow::Rules {
                rules: Vec::new(),
                default: None,
            },
            scope: config::Scope::default(),
            parameters: Default::default(),
            warnings: Vec::new(),
            attributes_read: Vec::new(),
        };
        Classifier::new(rules)?.with_connect(sim)
    }

    /// The Entra Connect simulation, when one decides, and the index of its
    /// first name in [`Classifier::rule_names`].
    pub fn connect(&self) -> Option<(&connect::Simulation, u16)> {
        self.connect.as_ref().map(|(s, b)| (s, *b))
    }

    /// The rule set.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Every warning about the rule file (code, line, column, message and a
    /// suggested fix where there is one), as `rules check` prints them.
    pub fn rule_warnings(&self) -> &[config::ConfigProblem] {
        &self.rules.warnings
    }

    /// Every attribute the rule and its scope read, with where the rule file
    /// reads it first (not Connect's out-of-box filters, nor the DN): an
    /// attribute that no record of the export holds makes the rule see
    /// nothing.
    pub fn attributes_read(&self) -> &[config::AttributeRead] {
        &self.rules.attributes_read
    }

    /// The `include_ous` and `exclude_ous` entries that no account
    /// classified so far was under. Thread-safe and cheap to record: call it
    /// after the run (see [`config::OuHits`]).
    pub fn unmatched_ous(&self) -> Vec<config::UnmatchedOu> {
        self.rules.scope.unmatched_ous()
    }

    /// Names of the rules and scope filters, indexed by [`Classification::rule`].
    pub fn rule_names(&self) -> &[String] {
        &self.names
    }

    /// The name of a classification's rule.
    pub fn rule_name(&self, c: &Classification) -> &str {
        self.names
            .get(usize::from(c.rule))
            .map_or("?", String::as_str)
    }

    /// Every attribute the rules read (for projection), besides what the
    /// account model reads.
    pub fn attributes(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let add_program = |p: &Program, out: &mut Vec<String>| {
            out.extend(p.attributes().map(str::to_string));
        };
        add_program(&self.cloud_filtered, &mut out);
        for x in &self.rules.scope.exclude {
            add_program(&x.program, &mut out);
        }
        for g in &self.rules.scope.groups {
            out.extend(g.0.iter().map(|c| c.attribute.clone()));
        }
        match &self.rules.flow {
            Flow::Direct(a) => out.push(a.clone()),
            Flow::Expression { program, .. } => add_program(program, &mut out),
            Flow::Rules { rules, .. } => {
                for r in rules {
                    condition_attributes(&r.when, &mut out);
                }
            }
        }
        if let Some((sim, _)) = &self.connect {
            out.extend(sim.attributes());
        }
        out.sort();
        out.dedup();
        out
    }

    /// Why the scope keeps `account` out, as a rule index; `None` when in
    /// scope (also when a scope expression cannot be evaluated: [`Classifier::classify`]
    /// reports that as an error).
    pub fn out_of_scope(
        &self,
        account: &Account<'_>,
        has_anchor: bool,
        scratch: &mut Scratch,
    ) -> Option<u16> {
        self.scope_decision(account, has_anchor, scratch)
            .unwrap_or(None)
    }

    /// [`Classifier::out_of_scope`], or the scope step whose expression went
    /// over a resource limit, and the error.
    fn scope_decision(
        &self,
        account: &Account<'_>,
        has_anchor: bool,
        scratch: &mut Scratch,
    ) -> Result<Option<u16>, (u16, EvalError)> {
        let entry = account.entry();
        let scope = &self.rules.scope;
        if !scope.include_ous.is_empty() || !scope.exclude_ous.is_empty() {
            let dn = std::str::from_utf8(entry.dn()).unwrap_or("");
            // Every OU is tested until some account was under it (for
            // `unmatched_ous`); after that, only while the answer is open.
            let hits = &scope.ou_hits;
            let mut included = scope.include_ous.is_empty();
            for (i, ou) in scope.include_ous.iter().enumerate() {
                if !(included && hits.seen(false, i)) && dn_is_under(dn, ou) {
                    included = true;
                    hits.mark(false, i);
                }
            }
            let mut excluded = false;
            for (i, ou) in scope.exclude_ous.iter().enumerate() {
                if !(excluded && hits.seen(true, i)) && dn_is_under(dn, ou) {
                    excluded = true;
                    hits.mark(true, i);
                }
            }
            if !included || excluded {
                return Ok(Some(OU_FILTER));
            }
        }
        if scope.out_of_box {
            if let Some(clause) = self.oob_group.first_failing(&entry) {
                return Ok(Some(if clause.attribute == "isCriticalSystemObject" {
                    OOB_SCOPE_CRITICAL
                } else {
                    OOB_SCOPE_WRITEBACK
                }));
            }
            let filtered = self.cloud_filtered.eval(&entry as &dyn Record, scratch);
            if is_true(filtered, OOB_CLOUD_FILTERED)? {
                return Ok(Some(OOB_CLOUD_FILTERED));
            }
            if account.ms_exch_recipient_type_details == Some(2) {
                return Ok(Some(OOB_LINKED_MAILBOX));
            }
            if !has_anchor {
                return Ok(Some(OOB_NO_ANCHOR));
            }
        }
        if !scope.groups.is_empty()
            && !scope
                .groups
                .iter()
                .any(|g| g.first_failing(&entry).is_none())
        {
            return Ok(Some(SCOPE_GROUPS));
        }
        for (i, x) in scope.exclude.iter().enumerate() {
            let rule = self.first_exclusion + i as u16;
            if is_true(x.program.eval(&entry as &dyn Record, scratch), rule)? {
                return Ok(Some(rule));
            }
        }
        Ok(None)
    }

    /// Every scope step for `account` in order, as (step, passed, why), for
    /// `explain`. Stops after the first step that excludes the account.
    pub fn scope_steps(
        &self,
        account: &Account<'_>,
        has_anchor: bool,
        scratch: &mut Scratch,
    ) -> Vec<(String, bool)> {
        let excluded = self.out_of_scope(account, has_anchor, scratch);
        let scope = &self.rules.scope;
        let mut steps: Vec<u16> = Vec::new();
        if !scope.include_ous.is_empty() || !scope.exclude_ous.is_empty() {
            steps.push(OU_FILTER);
        }
        if scope.out_of_box {
            steps.extend([
                OOB_SCOPE_CRITICAL,
                OOB_SCOPE_WRITEBACK,
                OOB_CLOUD_FILTERED,
                OOB_LINKED_MAILBOX,
                OOB_NO_ANCHOR,
            ]);
        }
        if !scope.groups.is_empty() {
            steps.push(SCOPE_GROUPS);
        }
        steps.extend((0..scope.exclude.len() as u16).map(|i| self.first_exclusion + i));
        let mut out = Vec::new();
        for step in steps {
            let name = self
                .names
                .get(usize::from(step))
                .cloned()
                .unwrap_or_default();
            let failed = excluded == Some(step);
            out.push((name, !failed));
            if failed {
                break;
            }
        }
        out
    }

    /// The compiled out-of-box `cloudFiltered` expression.
    pub fn cloud_filtered(&self) -> &Program {
        &self.cloud_filtered
    }

    /// Classifies one account (`has_anchor`: whether it has a source anchor).
    pub fn classify(
        &self,
        account: &Account<'_>,
        has_anchor: bool,
        scratch: &mut Scratch,
    ) -> Classification {
        match self.scope_decision(account, has_anchor, scratch) {
            Ok(Some(rule)) => Classification::new(Intent::OutOfScope, rule),
            Ok(None) => match &self.connect {
                Some((sim, base)) => sim.classify(&account.entry(), scratch, *base),
                None => self.classify_in_scope(&account.entry(), scratch),
            },
            Err((rule, e)) => {
                Classification::error(format!("evaluation failed: {e}"), e.code(), rule)
            }
        }
    }

    /// Applies the UserType flow alone (no scope).
    pub fn classify_in_scope(&self, entry: &EntryRef<'_>, scratch: &mut Scratch) -> Classification {
        let first = self.first_flow;
        match &self.rules.flow {
            Flow::Direct(attr) => Classification::new(direct_intent(entry, attr), first),
            Flow::Expression { program, .. } => match program.eval(entry as &dyn Record, scratch) {
                Ok(v) => Classification::new(value_intent(&v), first),
                Err(e) => Classification::error(error_message(&e), e.code(), first),
            },
            Flow::Rules { rules, default } => {
                for (i, r) in rules.iter().enumerate() {
                    let rule = first + i as u16;
                    match r.when.test(entry, scratch) {
                        Ok(true) => {
                            return Classification::new(Intent::UserType(r.user_type), rule)
                        }
                        Ok(false) => {}
                        Err(e) => {
                            let message = format!("evaluation failed: rule `{}`: {e}", r.name);
                            return Classification::error(message, e.code, rule);
                        }
                    }
                }
                let intent = match default {
                    Some(t) => Intent::UserType(*t),
                    None => Intent::NoValue("no rule matched and default is none"),
                };
                Classification::new(intent, first + rules.len() as u16)
            }
        }
    }
}

pub(crate) fn condition_attributes(c: &simple::Condition, out: &mut Vec<String>) {
    use simple::Condition::*;
    match c {
        Attribute { name, .. } => out.push(name.clone()),
        UnderOu(_) => {}
        MemberOf(_) => out.push("memberOf".into()),
        UacBitSet(_) => out.push("userAccountControl".into()),
        All(cs) | Any(cs) => cs.iter().for_each(|c| condition_attributes(c, out)),
        Not(c) => condition_attributes(c, out),
        Expression(p) => out.extend(p.attributes().map(str::to_string)),
    }
}

/// A Direct flow passes the raw value: only exactly `Member` or `Guest` is valid.
fn direct_intent(entry: &EntryRef<'_>, attr: &str) -> Intent {
    let Some(a) = entry.get(attr) else {
        return Intent::NoValue("source attribute absent");
    };
    let mut values = a.values();
    let (Some(first), None) = (values.next(), values.next()) else {
        return Intent::Invalid(format!("{} values (UserType is single-valued)", a.len()));
    };
    match first.as_str() {
        Some("Member") => Intent::UserType(UserType::Member),
        Some("Guest") => Intent::UserType(UserType::Guest),
        Some("") => Intent::NoValue("source attribute empty"),
        Some(other) => Intent::Invalid(other.to_string()),
        None => Intent::Invalid("(binary value)".to_string()),
    }
}

/// Whether a scope expression says True; an evaluation error means False
/// (as Connect would not filter on it), except a resource limit: the answer
/// is unknown, and the account is reported with the step that failed.
fn is_true(r: Result<ValueView<'_>, EvalError>, rule: u16) -> Result<bool, (u16, EvalError)> {
    match r {
        Ok(v) => Ok(v.as_bool() == Some(true)),
        Err(e @ EvalError::Limit(..)) => Err((rule, e)),
        Err(_) => Ok(false),
    }
}

fn value_intent(v: &ValueView<'_>) -> Intent {
    match v.as_str() {
        Some("Member") => Intent::UserType(UserType::Member),
        Some("Guest") => Intent::UserType(UserType::Guest),
        Some(other) => Intent::Invalid(other.to_string()),
        None if v.is_null() => Intent::NoValue("NULL"),
        None if v.is_ignore_this_flow() => Intent::NoValue("IgnoreThisFlow"),
        None if v.is_authoritative_null() => Intent::NoValue("AuthoritativeNull"),
        None => Intent::Invalid(format!("{v} (a {}, not a string)", v.type_name())),
    }
}

fn error_message(e: &EvalError) -> String {
    match e {
        EvalError::Raised(message, _) => message.clone(),
        other => format!("evaluation failed: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::config::{Flow, RuleSet, Scope};
    use super::simple::{AttrTest, Condition, SimpleRule};
    use super::*;

    fn rule(i: usize) -> SimpleRule {
        SimpleRule {
            name: format!("r{i}"),
            user_type: UserType::Guest,
            when: Condition::Attribute {
                name: "company".into(),
                test: AttrTest::Equals(format!("c{i}")),
                case_sensitive: false,
            },
        }
    }

    fn rule_set(rules: Vec<SimpleRule>) -> RuleSet {
        RuleSet {
            flow: Flow::Rules {
                rules,
                default: Some(UserType::Member),
            },
            scope: Scope::default(),
            parameters: Default::default(),
            warnings: Vec::new(),
            attributes_read: Vec::new(),
        }
    }

    #[test]
    fn a_matches_test_over_a_long_value_is_a_counted_error() {
        let rules = vec![SimpleRule {
            name: "partners".into(),
            user_type: UserType::Guest,
            when: Condition::Attribute {
                name: "info".into(),
                test: AttrTest::Matches(regex::Regex::new("^partner$").expect("regex")),
                case_sensitive: false,
            },
        }];
        let classifier = Classifier::new(rule_set(rules)).expect("classifier");
        let text = format!("dn: CN=a,DC=x\ninfo: {}\n", "p".repeat(100_000));
        let batch = crate::read::ldif::parse_chunk(
            text.as_bytes(),
            true,
            &crate::read::ldif::LdifOptions::default(),
        );
        let entry = batch.entries().next().expect("entry");
        let c = classifier.classify_in_scope(&entry, &mut Scratch::new());
        assert_eq!(c.error_code, Some("resource_limit"));
        assert!(
            matches!(&c.intent, Intent::Error(m) if m.contains("rule `partners`")),
            "{:?}",
            c.intent
        );
        assert_eq!(classifier.rule_name(&c), "partners");
    }

    #[test]
    fn configured_ous_that_no_account_is_under_are_told_after_the_run() {
        let text = "[usertype]\nsource_attribute = \"extensionAttribute1\"\n[scope]\n\
                    out_of_box = false\n\
                    include_ous = [\"OU=Staff,DC=x\", \"OU=Partners,OU=Staff,DC=x\", \"OU=Gone,DC=x\"]\n\
                    exclude_ous = [\"OU=Old,OU=Staff,DC=x\", \"OU=Nowhere,DC=x\"]\n";
        let rules = config::load(text).rules.expect("loads");
        let classifier = Classifier::new(rules).expect("classifier");
        let ldif = "dn: CN=a,OU=Partners,OU=Staff,DC=x\nobjectClass: user\n\
                    extensionAttribute1: Guest\n\n\
                    dn: CN=b,OU=Old,OU=Staff,DC=x\nobjectClass: user\n\
                    extensionAttribute1: Member\n\n\
                    dn: CN=c,OU=Other,DC=x\nobjectClass: user\nextensionAttribute1: Member\n\n";
        let batch = crate::read::ldif::parse_chunk(
            ldif.as_bytes(),
            true,
            &crate::read::ldif::LdifOptions::default(),
        );
        let entries: Vec<_> = batch.entries().collect();
        assert_eq!(entries.len(), 3);
        // Nothing classified yet: every OU is unmatched.
        assert_eq!(classifier.unmatched_ous().len(), 5);
        // Two threads classify, as rayon workers do.
        let outcomes: Vec<Vec<&'static str>> = std::thread::scope(|s| {
            let workers: Vec<_> = entries
                .chunks(2)
                .map(|chunk| {
                    let classifier = &classifier;
                    s.spawn(move || {
                        let mut scratch = Scratch::new();
                        chunk
                            .iter()
                            .map(|e| {
                                let account = Account::from_entry(*e).expect("account");
                                classifier
                                    .classify(&account, true, &mut scratch)
                                    .intent
                                    .outcome()
                            })
                            .collect()
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("worker"))
                .collect()
        });
        let outcomes: Vec<&str> = outcomes.concat();
        assert_eq!(outcomes, ["Guest", "out_of_scope", "out_of_scope"]);
        let unmatched: Vec<(&str, String, usize)> = classifier
            .unmatched_ous()
            .into_iter()
            .map(|u| (u.list, u.ou, u.line))
            .collect();
        assert_eq!(
            unmatched,
            [
                ("include_ous", "OU=Gone,DC=x".to_string(), 5),
                ("exclude_ous", "OU=Nowhere,DC=x".to_string(), 6),
            ]
        );
    }

    #[test]
    fn more_rules_than_a_classification_can_name_are_refused() {
        // 70,000 rules: the index of the last one does not fit the u16 of a Classification.
        let err = Classifier::new(rule_set((0..70_000).map(rule).collect())).err();
        assert_eq!(
            err,
            Some(ClassifierError::TooManyRules {
                flow_rules: 70_000,
                exclusions: 0
            })
        );
        let message = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("70000 [[rule]] entries"), "{message}");
        let ok = Classifier::new(rule_set((0..MAX_RULES).map(rule).collect()));
        let last = ok.map(|c| c.rule_names().last().cloned());
        assert_eq!(last, Ok(Some("default".to_string())));
    }
}
