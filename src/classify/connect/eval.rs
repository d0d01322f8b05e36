//! The simulation: what UserType Connect's rules give one account.
//!
//! Inbound, from the Active Directory connector to the metaverse `person`:
//! the enabled rules for the object's type (`user`, or `inetOrgPerson` when
//! the object is one) in precedence order (lower number first). A rule is
//! in scope when it has no scoping filter or one of its groups holds (AND
//! inside a group, OR between groups). The object is projected only when a
//! `Provision` rule is in scope. For each metaverse attribute, the
//! first in-scope rule whose flow contributes a value wins: `NULL` and
//! `IgnoreThisFlow` let a lower rule contribute, `AuthoritativeNull` stops
//! them, `Error()` fails the object. `cloudFiltered` = True keeps it out of
//! Entra ID.
//!
//! Outbound, from the metaverse to the Entra ID connector: the enabled rules
//! that flow `userType`, in precedence order, scoped on metaverse values
//! (`sourceObjectType EQUAL User`, `cloudMastered NOTEQUAL True`, …). When
//! none is in scope, sync does not manage the object's UserType: Entra ID
//! creates new users as Member and keeps existing values.
//!
//! Only the flows that can change the UserType outcome are evaluated:
//! `userType`, `cloudFiltered`, and what the outbound UserType rules read.

use std::cell::RefCell;

use super::flow::{flow_value, mv_holds, value_intent, Compiled, Got, MvRecord};
use super::model::{Direction, FlowType, LinkType, SyncRule};
use super::policy::{OuPolicy, OuVerdict};
use super::ConnectConfig;
use crate::classify::expr::{self, CompileOptions, Record, Scratch};
use crate::classify::scope::Clause;
use crate::classify::{Classification, Intent};
use crate::read::EntryRef;

#[derive(Debug)]
struct Flow {
    /// Index into [`Simulation::mv`].
    slot: usize,
    compiled: Compiled,
}

#[derive(Debug)]
struct Rule {
    /// Index into the configuration's rules.
    index: usize,
    groups: Vec<Vec<Clause>>,
    provision: bool,
    /// Connector-space attributes of the join conditions: a Provision rule
    /// projects only when one of them is present.
    join_attrs: Vec<String>,
    flows: Vec<Flow>,
}

/// Adds a line to `explain`'s log; formats nothing when there is no log
/// (the per-account path allocates nothing for it).
macro_rules! note {
    ($log:expr, $($arg:tt)*) => {
        if let Some(l) = $log.as_deref_mut() {
            l.push(format!($($arg)*));
        }
    };
}

/// The metaverse attributes named by fixed slots.
const USER_TYPE: usize = 0;
const CLOUD_FILTERED: usize = 1;

/// Special outcomes' names, after the rules' in [`Simulation::names`].
const NAME_OU: usize = 0;
const NAME_NOT_PROJECTED: usize = 1;
const NAME_NOT_MANAGED: usize = 2;
const NAME_NO_INBOUND: usize = 3;
const NAME_WRONG_TYPE: usize = 4;
const NAME_NOT_PROVISIONED: usize = 5;

/// A compiled configuration. Immutable and `Sync`.
#[derive(Debug)]
pub struct Simulation {
    rules: Vec<SyncRule>,
    inbound: Vec<Rule>,
    outbound: Vec<Rule>,
    /// Enabled outbound Provision rules to Entra ID (`person` to `user`):
    /// when there are any, an object none of them scopes is not created there.
    provision_out: Vec<Rule>,
    /// Metaverse attributes the simulation needs (looked up case-insensitively).
    mv: Vec<String>,
    policy: Option<OuPolicy>,
    names: Vec<String>,
}

#[derive(Default)]
struct MvScratch {
    values: Vec<String>,
    set: Vec<bool>,
    winner: Vec<usize>,
    in_scope: Vec<bool>,
}

thread_local! {
    static MV: RefCell<MvScratch> = RefCell::new(MvScratch::default());
}

/// Whether a connector is Entra ID's, from the names and flows of its rules.
fn cloud_connectors(rules: &[SyncRule]) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for r in rules {
        let name = r.name.to_ascii_lowercase();
        let words: Vec<&str> = name.split(|c: char| !c.is_alphanumeric()).collect();
        let cloudy = words.contains(&"aad")
            || name.contains("azure ad")
            || name.contains("entra id")
            || (r.direction == Direction::Outbound
                && r.flows
                    .iter()
                    .any(|f| f.destination.eq_ignore_ascii_case("userType")));
        if cloudy && !r.connector.is_empty() && !out.contains(&r.connector.as_str()) {
            out.push(&r.connector);
        }
    }
    out
}

fn is_user_type(t: &str) -> bool {
    t.eq_ignore_ascii_case("user") || t.eq_ignore_ascii_case("inetOrgPerson")
}

impl Simulation {
    /// Compiles the configuration's enabled rules (each expression once).
    pub fn new(cfg: &ConnectConfig) -> Simulation {
        let cloud = cloud_connectors(&cfg.rules);
        let is_cloud = |c: &str| cloud.contains(&c);
        let mut order: Vec<usize> = (0..cfg.rules.len()).collect();
        order.sort_by_key(|&i| cfg.rules.get(i).map_or(i64::MAX, |r| r.precedence));
        let mut mv: Vec<String> = vec!["userType".into(), "cloudFiltered".into()];
        let mut outbound_ix = Vec::new();
        let mut provision_out = Vec::new();
        for &i in &order {
            let Some(r) = cfg.rules.get(i) else { continue };
            let to_cloud = r.connector.is_empty() || is_cloud(&r.connector);
            if !r.disabled
                && r.direction == Direction::Outbound
                && to_cloud
                && r.link_type == LinkType::Provision
                && r.source_object_type.eq_ignore_ascii_case("person")
                && r.target_object_type.eq_ignore_ascii_case("user")
            {
                for c in r.scope.iter().flatten() {
                    add_slot(&mut mv, &c.attribute);
                }
                provision_out.push(Rule {
                    index: i,
                    groups: clauses(r),
                    provision: true,
                    join_attrs: Vec::new(),
                    flows: Vec::new(),
                });
            }
            if !r.disabled
                && r.direction == Direction::Outbound
                && to_cloud
                && r.source_object_type.eq_ignore_ascii_case("person")
                && r.flows
                    .iter()
                    .any(|f| f.destination.eq_ignore_ascii_case("userType"))
            {
                outbound_ix.push(i);
                for g in &r.scope {
                    for c in g {
                        add_slot(&mut mv, &c.attribute);
                    }
                }
            }
        }
        let opts = CompileOptions::default();
        let compile = |f: &super::model::FlowMapping, mv: &mut Vec<String>| -> Compiled {
            match f.flow_type {
                FlowType::Direct => Compiled::Direct(f.source.first().cloned().unwrap_or_default()),
                FlowType::Constant => Compiled::Constant(f.source.first().cloned()),
                FlowType::Expression => {
                    let src = f.expression.as_deref().unwrap_or("");
                    match expr::compile(src, &opts) {
                        Ok(c) => {
                            for a in c.program.attributes() {
                                add_slot(mv, a);
                            }
                            Compiled::Expression(Box::new(c.program))
                        }
                        Err(errors) => Compiled::Broken(
                            errors.first().map(|e| e.render(src)).unwrap_or_default(),
                        ),
                    }
                }
            }
        };
        // Outbound UserType flows read metaverse attributes: those are needed too.
        let mut outbound = Vec::new();
        for &i in &outbound_ix {
            let Some(r) = cfg.rules.get(i) else { continue };
            let mut flows = Vec::new();
            for f in &r.flows {
                if f.destination.eq_ignore_ascii_case("userType") {
                    let compiled = compile(f, &mut mv);
                    if let Compiled::Direct(a) = &compiled {
                        add_slot(&mut mv, a);
                    }
                    flows.push(Flow {
                        slot: USER_TYPE,
                        compiled,
                    });
                }
            }
            outbound.push(Rule {
                index: i,
                groups: clauses(r),
                provision: r.link_type == LinkType::Provision,
                join_attrs: Vec::new(),
                flows,
            });
        }
        let mut inbound = Vec::new();
        for &i in &order {
            let Some(r) = cfg.rules.get(i) else { continue };
            let from_ad = r.connector.is_empty() || !is_cloud(&r.connector);
            if r.disabled
                || r.direction != Direction::Inbound
                || !from_ad
                || !is_user_type(&r.source_object_type)
                || !r.target_object_type.eq_ignore_ascii_case("person")
            {
                continue;
            }
            let mut flows = Vec::new();
            for f in &r.flows {
                if let Some(slot) = mv
                    .iter()
                    .position(|m| m.eq_ignore_ascii_case(&f.destination))
                {
                    let mut scratch_mv = Vec::new();
                    flows.push(Flow {
                        slot,
                        compiled: compile(f, &mut scratch_mv),
                    });
                }
            }
            inbound.push(Rule {
                index: i,
                groups: clauses(r),
                provision: r.link_type == LinkType::Provision,
                join_attrs: r
                    .joins
                    .iter()
                    .flatten()
                    .map(|j| j.cs_attribute.clone())
                    .collect(),
                flows,
            });
        }
        let names = outcome_names(cfg);
        Simulation {
            rules: cfg.rules.clone(),
            inbound,
            outbound,
            provision_out,
            mv,
            policy: cfg.policy.clone(),
            names,
        }
    }

    /// Names of the rules (`Name (precedence N)`, in configuration order),
    /// then of the special outcomes.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The rules read.
    pub fn rules(&self) -> &[SyncRule] {
        &self.rules
    }

    fn special(&self, which: usize) -> usize {
        self.rules.len() + which
    }

    /// Every attribute the inbound rules read (for projection).
    pub fn attributes(&self) -> Vec<String> {
        let mut out = vec!["objectClass".to_string()];
        for r in &self.inbound {
            for g in &r.groups {
                out.extend(g.iter().map(|c| c.attribute.clone()));
            }
            for f in &r.flows {
                match &f.compiled {
                    Compiled::Direct(a) => out.push(a.clone()),
                    Compiled::Expression(p) => out.extend(p.attributes().map(str::to_string)),
                    _ => {}
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// Classifies one object; rule indexes are offset by `base` (the
    /// position of [`Simulation::names`] in the classifier's name table).
    pub fn classify(
        &self,
        entry: &EntryRef<'_>,
        scratch: &mut Scratch,
        base: u16,
    ) -> Classification {
        self.run(entry, scratch, base, None)
    }

    /// [`Simulation::classify`] with every rule considered written to `log`.
    pub fn explain(&self, entry: &EntryRef<'_>, base: u16) -> (Classification, Vec<String>) {
        let mut log = Vec::new();
        let c = self.run(entry, &mut Scratch::new(), base, Some(&mut log));
        (c, log)
    }

    fn run(
        &self,
        entry: &EntryRef<'_>,
        scratch: &mut Scratch,
        base: u16,
        log: Option<&mut Vec<String>>,
    ) -> Classification {
        MV.with(|cell| match cell.try_borrow_mut() {
            Ok(mut mv) => self.run_with(entry, scratch, &mut mv, log, base),
            Err(_) => self.run_with(entry, scratch, &mut MvScratch::default(), log, base),
        })
    }

    fn label(&self, index: usize) -> &str {
        self.names.get(index).map_or("?", String::as_str)
    }

    fn run_with(
        &self,
        entry: &EntryRef<'_>,
        scratch: &mut Scratch,
        mv: &mut MvScratch,
        mut log: Option<&mut Vec<String>>,
        base: u16,
    ) -> Classification {
        let at = |i: usize| base.saturating_add(u16::try_from(i).unwrap_or(u16::MAX));
        let tracing = log.is_some();
        if let Some(p) = &self.policy {
            let dn = std::str::from_utf8(entry.dn()).unwrap_or("");
            let verdict = p.verdict(dn);
            note!(log, "OU filtering ({}): {}", p.file, verdict_text(verdict));
            if verdict != OuVerdict::In {
                return Classification::new(Intent::OutOfScope, at(self.special(NAME_OU)));
            }
        }
        let inet = entry.get("objectClass").is_some_and(|a| {
            a.values()
                .any(|v| v.bytes.eq_ignore_ascii_case(b"inetOrgPerson"))
        });
        let object_type = if inet { "inetOrgPerson" } else { "user" };
        note!(log, "object type: {object_type}");
        let n = self.mv.len();
        mv.values.resize_with(n, String::new);
        mv.set.clear();
        mv.set.resize(n, false);
        mv.winner.clear();
        mv.winner.resize(n, usize::MAX);
        mv.in_scope.clear();
        let mut any_rule = false;
        let mut projected = false;
        for r in &self.inbound {
            let Some(rule) = self.rules.get(r.index) else {
                mv.in_scope.push(false);
                continue;
            };
            let applies = rule.source_object_type.eq_ignore_ascii_case(object_type);
            let in_scope = applies && groups_hold(&r.groups, |c| c.holds(entry));
            any_rule |= applies;
            projected |= in_scope && r.provision && has_any(entry, &r.join_attrs);
            mv.in_scope.push(in_scope);
            if tracing && applies {
                let why = if in_scope {
                    "in scope".to_string()
                } else {
                    format!("not in scope: {}", failing(&r.groups, |c| c.holds(entry)))
                };
                note!(log, "inbound {}: {why}", rule.label());
            }
        }
        if tracing {
            for rule in self.rules.iter().filter(|r| r.disabled) {
                note!(log, "{} {}: disabled, ignored", dir(rule), rule.label());
            }
        }
        if !any_rule {
            return Classification::new(Intent::OutOfScope, at(self.special(NAME_WRONG_TYPE)));
        }
        if !projected {
            return Classification::new(Intent::OutOfScope, at(self.special(NAME_NOT_PROJECTED)));
        }
        // Inbound flows, slot by slot in precedence order.
        for (ri, r) in self.inbound.iter().enumerate() {
            if !mv.in_scope.get(ri).copied().unwrap_or(false) {
                continue;
            }
            for f in &r.flows {
                let slot = f.slot;
                if mv.set.get(slot).copied().unwrap_or(true)
                    || mv.winner.get(slot).copied() != Some(usize::MAX)
                {
                    continue;
                }
                let label = self.label(r.index);
                let mut out = std::mem::take(&mut mv.values[slot]);
                let got = flow_value(&f.compiled, entry as &dyn Record, scratch, &mut out);
                mv.values[slot] = out;
                let attr = self.mv.get(slot).map_or("?", String::as_str);
                match got {
                    Got::Value => {
                        note!(
                            log,
                            "  {label}: {attr} ← {:?} (wins)",
                            mv.values[slot].as_str()
                        );
                        mv.set[slot] = true;
                        mv.winner[slot] = r.index;
                    }
                    Got::Null(what) => note!(
                        log,
                        "  {label}: {attr} ← {what} (a lower-precedence rule may contribute)"
                    ),
                    Got::AuthoritativeNull => {
                        note!(
                            log,
                            "  {label}: {attr} ← AuthoritativeNull (no lower rule contributes)"
                        );
                        mv.winner[slot] = r.index;
                    }
                    Got::Error(message, code) => {
                        note!(log, "  {label}: {attr} ← error: {message}");
                        return Classification::error(message, code, at(r.index));
                    }
                }
            }
        }
        if mv.set.get(CLOUD_FILTERED).copied().unwrap_or(false)
            && mv
                .values
                .get(CLOUD_FILTERED)
                .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        {
            let w = mv.winner.get(CLOUD_FILTERED).copied().unwrap_or(0);
            note!(
                log,
                "cloudFiltered = True by {}: not exported",
                self.label(w)
            );
            return Classification::new(Intent::OutOfScope, at(w));
        }
        if !self.provision_out.is_empty()
            && !self
                .provision_out
                .iter()
                .any(|r| groups_hold(&r.groups, |c| self.mv_clause(mv, c)))
        {
            note!(log, "no outbound Provision rule to Entra ID is in scope");
            return Classification::new(Intent::OutOfScope, at(self.special(NAME_NOT_PROVISIONED)));
        }
        self.outbound_step(mv, scratch, &mut log, at)
    }

    /// A scoping clause on the metaverse values computed so far.
    fn mv_clause(&self, mv: &MvScratch, c: &Clause) -> bool {
        let slot = self
            .mv
            .iter()
            .position(|m| m.eq_ignore_ascii_case(&c.attribute));
        let value = slot
            .filter(|&s| mv.set.get(s).copied().unwrap_or(false))
            .and_then(|s| mv.values.get(s))
            .map(String::as_str);
        mv_holds(c.op, value, &c.value)
    }

    fn outbound_step(
        &self,
        mv: &mut MvScratch,
        scratch: &mut Scratch,
        log: &mut Option<&mut Vec<String>>,
        at: impl Fn(usize) -> u16,
    ) -> Classification {
        let inbound_winner = mv.winner.get(USER_TYPE).copied().unwrap_or(usize::MAX);
        for r in &self.outbound {
            let label = self.label(r.index);
            let holds = |c: &Clause| self.mv_clause(mv, c);
            if !groups_hold(&r.groups, holds) {
                note!(
                    log,
                    "outbound {label}: not in scope: {}",
                    failing(&r.groups, holds)
                );
                continue;
            }
            note!(log, "outbound {label}: in scope");
            for f in &r.flows {
                let mut out = String::new();
                let (got, decided_by) = match &f.compiled {
                    Compiled::Direct(a) => {
                        let slot = self.mv.iter().position(|m| m.eq_ignore_ascii_case(a));
                        match slot.filter(|&s| mv.set.get(s).copied().unwrap_or(false)) {
                            Some(s) => {
                                out.clone_from(&mv.values[s]);
                                let by = mv.winner.get(s).copied().unwrap_or(r.index);
                                (Got::Value, by)
                            }
                            None => (Got::Null("NULL"), r.index),
                        }
                    }
                    other => {
                        let record = MvRecord {
                            names: &self.mv,
                            set: &mv.set,
                            views: mv.values.iter().map(String::as_str).collect(),
                        };
                        (flow_value(other, &record, scratch, &mut out), r.index)
                    }
                };
                match got {
                    Got::Value => {
                        note!(log, "  {label}: userType ← {out:?} exported");
                        return Classification::new(value_intent(&out), at(decided_by));
                    }
                    Got::Null(what) => {
                        note!(log, "  {label}: userType ← {what}");
                    }
                    Got::AuthoritativeNull => {
                        note!(log, "  {label}: userType ← AuthoritativeNull");
                        return Classification::new(
                            Intent::NoValue("AuthoritativeNull: userType is cleared in Entra ID"),
                            at(r.index),
                        );
                    }
                    Got::Error(message, code) => {
                        return Classification::error(message, code, at(r.index))
                    }
                }
            }
            // In scope but flowed nothing: a lower rule may.
        }
        if self.outbound.is_empty()
            || !self
                .outbound
                .iter()
                .any(|r| groups_hold(&r.groups, |c| self.mv_clause(mv, c)))
        {
            note!(
                log,
                "no outbound rule exports userType: not managed by sync"
            );
            return Classification::new(Intent::NotManaged, at(self.special(NAME_NOT_MANAGED)));
        }
        let why = if inbound_winner == usize::MAX {
            "NULL: no inbound rule contributed userType"
        } else {
            "AuthoritativeNull from an inbound rule"
        };
        let rule = if inbound_winner == usize::MAX {
            self.special(NAME_NO_INBOUND)
        } else {
            inbound_winner
        };
        note!(log, "userType exported empty ({why})");
        Classification::new(Intent::NoValue(why), at(rule))
    }
}

fn verdict_text(v: OuVerdict) -> &'static str {
    match v {
        OuVerdict::In => "selected",
        OuVerdict::NoPartition => "under no partition of the policy: not synchronised",
        OuVerdict::Excluded => "under an excluded container: not synchronised",
        OuVerdict::NotIncluded => "under no included container: not synchronised",
    }
}

fn dir(r: &SyncRule) -> &'static str {
    match r.direction {
        Direction::Inbound => "inbound",
        Direction::Outbound => "outbound",
    }
}

/// The rules' labels, then the special outcomes' names.
fn outcome_names(cfg: &ConnectConfig) -> Vec<String> {
    let mut names: Vec<String> = cfg.rules.iter().map(SyncRule::label).collect();
    let policy_name = cfg
        .policy
        .as_ref()
        .map_or_else(String::new, |p| p.file.clone());
    names.extend([
        format!("connect: OU filtering ({policy_name})"),
        "connect: no Provision rule in scope (not projected to the metaverse)".into(),
        "connect: no outbound rule exports userType (not managed by sync)".into(),
        "connect: no inbound rule contributed userType".into(),
        "connect: no inbound rule for this object type".into(),
        "connect: no outbound Provision rule in scope (not created in Entra ID)".into(),
    ]);
    names
}

/// No attributes listed, or one of them present with a value.
fn has_any(entry: &EntryRef<'_>, attrs: &[String]) -> bool {
    attrs.is_empty()
        || attrs.iter().any(|a| {
            entry
                .get(a)
                .is_some_and(|x| x.values().any(|v| !v.bytes.is_empty()))
        })
}

fn add_slot(mv: &mut Vec<String>, attr: &str) {
    if !mv.iter().any(|m| m.eq_ignore_ascii_case(attr)) {
        mv.push(attr.to_string());
    }
}

fn clauses(r: &SyncRule) -> Vec<Vec<Clause>> {
    r.scope
        .iter()
        .map(|g| {
            g.iter()
                .map(|c| Clause::new(&c.attribute, c.op, &c.value))
                .collect()
        })
        .collect()
}

/// No group, or some group whose clauses all hold.
fn groups_hold(groups: &[Vec<Clause>], holds: impl Fn(&Clause) -> bool) -> bool {
    groups.is_empty() || groups.iter().any(|g| g.iter().all(&holds))
}

/// The first failing clause of each group, for `explain`.
fn failing(groups: &[Vec<Clause>], holds: impl Fn(&Clause) -> bool) -> String {
    let parts: Vec<String> = groups
        .iter()
        .filter_map(|g| g.iter().find(|c| !holds(c)).map(|c| format!("`{c}` fails")))
        .collect();
    parts.join("; ")
}
