//! The commands of a sync-rule export: what each one does to the rules
//! being read (`New-ADSyncRule`, `Add-ADSyncAttributeFlowMapping`,
//! `New-Object …ScopeCondition/JoinCondition`, `Add-ADSync…ConditionGroup`,
//! `Add-ADSyncRule`, `Remove-ADSyncRule`, and the ones that change nothing).

use super::super::lex::Token;
use super::super::model::{
    Direction, FlowMapping, FlowType, JoinCondition, LinkType, ScopeCondition, SyncRule,
};
use super::super::Diagnostic;
use super::{fail, push_diag, Arg, Fail, Reader, Val, MAX_RULES, NO_OP_COMMANDS, R};
use crate::classify::scope::ScopeOp;

impl Reader<'_> {
    pub(super) fn command(&mut self, t: &Token, name: &str, args: Vec<Arg>) -> R<Val> {
        let lower = name.to_ascii_lowercase();
        let result = match lower.as_str() {
            "new-adsyncrule" => self.new_rule(t, &args)?,
            "add-adsyncattributeflowmapping" => self.add_flow(t, &args)?,
            "new-object" => self.new_object(t, &args)?,
            "add-adsyncscopeconditiongroup" => self.add_group(t, &args, true)?,
            "add-adsyncjoinconditiongroup" => self.add_group(t, &args, false)?,
            "add-adsyncrule" => {
                let r = self.rule_arg(t, &args)?;
                if let Some(a) = self.state.added.get_mut(r) {
                    *a = true;
                }
                self.replace_same_identifier(r);
                Val::Rule(r)
            }
            "remove-adsyncrule" => {
                let id = self.text(t, &args, "Identifier")?.to_ascii_lowercase();
                if let Some(i) = self.state.by_identifier.remove(&id) {
                    if let Some(a) = self.state.added.get_mut(i) {
                        *a = false;
                    }
                    if let Some(d) = self.state.dropped.get_mut(i) {
                        *d = Some(format!(
                            "Remove-ADSyncRule at {}:{} removes it",
                            self.file, t.line
                        ));
                    }
                }
                Val::Null
            }
            _ if NO_OP_COMMANDS.contains(&lower.as_str()) => {
                Val::Unknown(format!("{name} at line {}", t.line))
            }
            _ => {
                return fail(
                    t,
                    format!(
                        "the command `{name}` is not part of a sync-rule export and is not read; \
                         remove it, or export the rules again from the Synchronization Rules \
                         Editor"
                    ),
                )
            }
        };
        if let Some(a) = args
            .iter()
            .find(|a| matches!(&a.name, Some(n) if n.eq_ignore_ascii_case("OutVariable")))
        {
            let var = match &a.value {
                Val::Str(s) => s.clone(),
                _ => return fail(&a.token, "-OutVariable takes a variable name"),
            };
            self.state
                .vars
                .insert(var.to_ascii_lowercase(), result.clone());
        }
        Ok(result)
    }

    /// `Add-ADSyncRule` with an identifier that an earlier added rule has
    /// replaces that rule, as on the server.
    fn replace_same_identifier(&mut self, r: usize) {
        let Some(id) = self
            .state
            .rules
            .get(r)
            .map(|x| x.identifier.to_ascii_lowercase())
        else {
            return;
        };
        if id.is_empty() {
            return;
        }
        let at = self.state.rules.get(r).map(|x| x.at.to_string());
        if let Some(old) = self.state.by_identifier.insert(id, r) {
            if old != r {
                if let Some(a) = self.state.added.get_mut(old) {
                    *a = false;
                }
                if let Some(d) = self.state.dropped.get_mut(old) {
                    *d = Some(format!(
                        "the rule of the same Identifier at {} replaces it (Add-ADSyncRule \
                         with an existing Identifier replaces that rule, as on the server); \
                         if both should count, give them different identifiers",
                        at.unwrap_or_default()
                    ));
                }
            }
        }
        if let Some(d) = self.state.dropped.get_mut(r) {
            *d = None;
        }
    }

    fn named<'a>(&self, args: &'a [Arg], name: &str) -> Option<&'a Arg> {
        args.iter()
            .rev()
            .find(|a| matches!(&a.name, Some(n) if n.eq_ignore_ascii_case(name)))
    }

    fn concrete<'a>(&self, a: &'a Arg) -> R<&'a Val> {
        match &a.value {
            Val::Unknown(from) => fail(
                &a.token,
                format!(
                    "the value of -{} comes from {from}, which is not known offline; write the \
                     value itself",
                    a.name.as_deref().unwrap_or("?")
                ),
            ),
            v => Ok(v),
        }
    }

    /// A text parameter ("" when absent).
    fn text(&self, _t: &Token, args: &[Arg], name: &str) -> R<String> {
        let Some(a) = self.named(args, name) else {
            return Ok(String::new());
        };
        match self.concrete(a)? {
            Val::Str(s) => Ok(s.clone()),
            Val::Num(n) => Ok(n.to_string()),
            Val::Bool(b) => Ok(if *b { "True" } else { "False" }.to_string()),
            Val::Null => Ok(String::new()),
            Val::List(items) if items.len() == 1 => match items.first() {
                Some(Val::Str(s)) => Ok(s.clone()),
                _ => fail(&a.token, format!("-{name} takes text")),
            },
            _ => fail(&a.token, format!("-{name} takes text")),
        }
    }

    fn flag(&self, args: &[Arg], name: &str) -> R<bool> {
        let Some(a) = self.named(args, name) else {
            return Ok(false);
        };
        match self.concrete(a)? {
            Val::Bool(b) => Ok(*b),
            Val::Str(s) if s.eq_ignore_ascii_case("true") => Ok(true),
            Val::Str(s) if s.eq_ignore_ascii_case("false") => Ok(false),
            Val::Num(n) => Ok(*n != 0),
            _ => fail(&a.token, format!("-{name} takes $true or $false")),
        }
    }

    fn rule_arg(&self, t: &Token, args: &[Arg]) -> R<usize> {
        let Some(a) = self.named(args, "SynchronizationRule") else {
            return fail(
                t,
                "-SynchronizationRule is missing: which rule is this for?",
            );
        };
        match self.concrete(a)? {
            Val::Rule(r) => Ok(*r),
            Val::List(items) => match items.as_slice() {
                [Val::Rule(r)] => Ok(*r),
                _ => fail(
                    &a.token,
                    "-SynchronizationRule is not a rule made by New-ADSyncRule",
                ),
            },
            _ => fail(
                &a.token,
                "-SynchronizationRule is not a rule made by New-ADSyncRule in this file",
            ),
        }
    }

    fn warn_unknown_params(&mut self, t: &Token, args: &[Arg], known: &[&str], cmd: &str) {
        for a in args {
            let name = match &a.name {
                Some(n) => n,
                None => {
                    let at = self.at(&a.token);
                    push_diag(
                        self.diags,
                        Diagnostic::warning(
                            at,
                            "not-read",
                            format!("{cmd}: a value without a parameter name is not read"),
                        ),
                    );
                    continue;
                }
            };
            let lower = name.to_ascii_lowercase();
            if !known.contains(&lower.as_str())
                && !matches!(
                    lower.as_str(),
                    "outvariable" | "whatif" | "confirm" | "verbose"
                )
            {
                let at = self.at(&a.token);
                push_diag(
                    self.diags,
                    Diagnostic::warning(
                        at,
                        "not-read",
                        format!(
                            "{cmd} (line {}): the parameter -{name} is not read by the \
                             simulation",
                            t.line
                        ),
                    ),
                );
            }
        }
    }

    fn new_rule(&mut self, t: &Token, args: &[Arg]) -> R<Val> {
        const KNOWN: &[&str] = &[
            "name",
            "identifier",
            "description",
            "direction",
            "precedence",
            "precedenceafter",
            "precedencebefore",
            "sourceobjecttype",
            "targetobjecttype",
            "connector",
            "linktype",
            "disabled",
            "immutabletag",
            "enablepasswordsync",
            "softdeleteexpiryinterval",
        ];
        self.warn_unknown_params(t, args, KNOWN, "New-ADSyncRule");
        if self.state.rules.len() >= MAX_RULES {
            return fail(t, format!("more than {MAX_RULES} rules"));
        }
        let name = self.text(t, args, "Name")?;
        if name.is_empty() {
            return fail(t, "New-ADSyncRule without -Name");
        }
        let direction_text = self.text(t, args, "Direction")?;
        let direction = match direction_text.to_ascii_lowercase().as_str() {
            "inbound" => Direction::Inbound,
            "outbound" => Direction::Outbound,
            _ => {
                return fail(
                    t,
                    format!(
                        "rule `{name}`: -Direction is `{direction_text}`; it must be Inbound or \
                         Outbound"
                    ),
                )
            }
        };
        let precedence_text = self.text(t, args, "Precedence")?;
        let precedence = match precedence_text.trim().parse::<i64>() {
            Ok(p) => p,
            Err(_) => {
                return fail(
                    t,
                    format!(
                        "rule `{name}`: -Precedence `{precedence_text}` is not a number (custom \
                         rules use 1–99)"
                    ),
                )
            }
        };
        let link_type = match self
            .text(t, args, "LinkType")?
            .to_ascii_lowercase()
            .as_str()
        {
            "provision" => LinkType::Provision,
            "join" | "" => LinkType::Join,
            "stickyjoin" => LinkType::StickyJoin,
            other => {
                return fail(
                    t,
                    format!(
                        "rule `{name}`: -LinkType `{other}` is not Provision, Join or StickyJoin"
                    ),
                )
            }
        };
        let rule = SyncRule {
            identifier: self.text(t, args, "Identifier")?,
            description: self.text(t, args, "Description")?,
            direction,
            precedence,
            precedence_after: self.text(t, args, "PrecedenceAfter")?,
            precedence_before: self.text(t, args, "PrecedenceBefore")?,
            source_object_type: self.text(t, args, "SourceObjectType")?,
            target_object_type: self.text(t, args, "TargetObjectType")?,
            connector: self.text(t, args, "Connector")?,
            link_type,
            disabled: self.flag(args, "Disabled")?,
            immutable_tag: self.text(t, args, "ImmutableTag")?,
            enable_password_sync: self.flag(args, "EnablePasswordSync")?,
            scope: Vec::new(),
            joins: Vec::new(),
            flows: Vec::new(),
            at: self.at(t),
            name,
        };
        self.state.rules.push(rule);
        self.state.added.push(false);
        self.state.dropped.push(None);
        Ok(Val::Rule(self.state.rules.len() - 1))
    }

    fn add_flow(&mut self, t: &Token, args: &[Arg]) -> R<Val> {
        const KNOWN: &[&str] = &[
            "synchronizationrule",
            "source",
            "destination",
            "flowtype",
            "expression",
            "executeonce",
            "valuemergetype",
        ];
        self.warn_unknown_params(t, args, KNOWN, "Add-ADSyncAttributeFlowMapping");
        let r = self.rule_arg(t, args)?;
        let destination = self.text(t, args, "Destination")?;
        if destination.is_empty() {
            return fail(t, "Add-ADSyncAttributeFlowMapping without -Destination");
        }
        let flow_type = match self
            .text(t, args, "FlowType")?
            .to_ascii_lowercase()
            .as_str()
        {
            "direct" => FlowType::Direct,
            "constant" => FlowType::Constant,
            "expression" => FlowType::Expression,
            other => {
                return fail(
                    t,
                    format!(
                        "flow to `{destination}`: -FlowType `{other}` is not Direct, Constant or \
                         Expression"
                    ),
                )
            }
        };
        let source = match self.named(args, "Source") {
            None => Vec::new(),
            Some(a) => strings(self.concrete(a)?).ok_or_else(|| Fail {
                line: a.token.line,
                column: a.token.column,
                message: "-Source takes text, or @('…', …)".into(),
            })?,
        };
        let expression = match self.named(args, "Expression") {
            None => None,
            Some(_) => Some(self.text(t, args, "Expression")?),
        };
        if flow_type == FlowType::Expression && expression.as_deref().unwrap_or("").is_empty() {
            return fail(
                t,
                format!("flow to `{destination}`: an Expression flow without -Expression"),
            );
        }
        let merge = self.text(t, args, "ValueMergeType")?;
        let flow = FlowMapping {
            source,
            destination,
            flow_type,
            expression,
            execute_once: self.flag(args, "ExecuteOnce")?,
            value_merge_type: if merge.is_empty() {
                "Update".into()
            } else {
                merge
            },
            at: self.at(t),
        };
        if let Some(rule) = self.state.rules.get_mut(r) {
            rule.flows.push(flow);
        }
        Ok(Val::Rule(r))
    }

    fn new_object(&mut self, t: &Token, args: &[Arg]) -> R<Val> {
        let mut positional = args.iter().filter(|a| a.name.is_none());
        let type_name = match self.named(args, "TypeName").or_else(|| positional.next()) {
            Some(a) => match self.concrete(a)? {
                Val::Str(s) => s.clone(),
                _ => return fail(&a.token, "New-Object: -TypeName takes a type name"),
            },
            None => return fail(t, "New-Object without -TypeName"),
        };
        let list = match self
            .named(args, "ArgumentList")
            .or_else(|| positional.next())
        {
            Some(a) => match self.concrete(a)? {
                Val::List(items) => items.clone(),
                v => vec![v.clone()],
            },
            None => Vec::new(),
        };
        let short = type_name.rsplit('.').next().unwrap_or("");
        let text_at = |i: usize| -> Option<String> {
            match list.get(i) {
                Some(Val::Str(s)) => Some(s.clone()),
                Some(Val::Num(n)) => Some(n.to_string()),
                Some(Val::Bool(b)) => Some(if *b { "True" } else { "False" }.into()),
                _ => None,
            }
        };
        if short.eq_ignore_ascii_case("ScopeCondition") {
            let (Some(attribute), Some(value), Some(op)) = (text_at(0), text_at(1), text_at(2))
            else {
                return fail(
                    t,
                    "a ScopeCondition takes -ArgumentList 'attribute','value','OPERATOR'",
                );
            };
            let Some(op) = ScopeOp::parse(&op) else {
                let names: Vec<&str> = ScopeOp::all_names().collect();
                return fail(
                    t,
                    format!(
                        "scope condition on `{attribute}`: `{op}` is not a scoping-filter \
                         operator (one of {})",
                        names.join(", ")
                    ),
                );
            };
            return Ok(Val::Scope(ScopeCondition {
                attribute,
                value,
                op,
            }));
        }
        if short.eq_ignore_ascii_case("JoinCondition") {
            let (Some(cs), Some(mv)) = (text_at(0), text_at(1)) else {
                return fail(
                    t,
                    "a JoinCondition takes -ArgumentList 'csAttribute','mvAttribute',$false",
                );
            };
            let case_sensitive = matches!(list.get(2), Some(Val::Bool(true)));
            return Ok(Val::Join(JoinCondition {
                cs_attribute: cs,
                mv_attribute: mv,
                case_sensitive,
            }));
        }
        fail(
            t,
            format!(
                "New-Object `{type_name}`: only ScopeCondition and JoinCondition objects are \
                 read"
            ),
        )
    }

    fn add_group(&mut self, t: &Token, args: &[Arg], scope: bool) -> R<Val> {
        let r = self.rule_arg(t, args)?;
        let param = if scope {
            "ScopeConditions"
        } else {
            "JoinConditions"
        };
        let Some(a) = self.named(args, param) else {
            return fail(t, format!("-{param} is missing"));
        };
        let items = match self.concrete(a)? {
            Val::List(items) => items.clone(),
            v => vec![v.clone()],
        };
        let mut scopes = Vec::new();
        let mut joins = Vec::new();
        for item in items {
            match (item, scope) {
                (Val::Scope(c), true) => scopes.push(c),
                (Val::Join(c), false) => joins.push(c),
                (Val::List(inner), _) if inner.len() == 1 => {
                    match (inner.into_iter().next(), scope) {
                        (Some(Val::Scope(c)), true) => scopes.push(c),
                        (Some(Val::Join(c)), false) => joins.push(c),
                        _ => return fail(&a.token, format!("-{param} holds something else")),
                    }
                }
                _ => return fail(&a.token, format!("-{param} holds something else")),
            }
        }
        if let Some(rule) = self.state.rules.get_mut(r) {
            if scope {
                rule.scope.push(scopes);
            } else {
                rule.joins.push(joins);
            }
        }
        Ok(Val::Rule(r))
    }
}

fn strings(v: &Val) -> Option<Vec<String>> {
    match v {
        Val::Str(s) => Some(vec![s.clone()]),
        Val::Num(n) => Some(vec![n.to_string()]),
        Val::Bool(b) => Some(vec![if *b { "True" } else { "False" }.into()]),
        Val::Null => Some(Vec::new()),
        Val::List(items) => {
            let mut out = Vec::new();
            for i in items {
                out.extend(strings(i)?);
            }
            Some(out)
        }
        _ => None,
    }
}
