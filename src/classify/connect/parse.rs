//! Reads the statements of a sync-rule export into [`SyncRule`]s.
//!
//! The Rules Editor's Export writes one rule as a `New-ADSyncRule` with
//! `-OutVariable syncRule`, then `Add-ADSyncAttributeFlowMapping`,
//! `New-Object …ScopeCondition` + `Add-ADSyncScopeConditionGroup`,
//! `New-Object …JoinCondition` + `Add-ADSyncJoinConditionGroup`, each taking
//! `-SynchronizationRule $syncRule[0]`, and finally `Add-ADSyncRule`, which
//! is what puts the rule on the server (the cmdlets are documented at
//! <https://learn.microsoft.com/entra/identity/hybrid/connect/reference-connect-adsync>).
//! Statements are evaluated as PowerShell would for this subset: variables
//! are assigned (`$x = …` or `-OutVariable x`) and read (`$x`, `$x[0]`);
//! commands that change nothing (`Get-ADSyncRule`, `Remove-Variable`,
//! `Out-Null`, …) are read and ignored. Every statement it cannot read is
//! a diagnostic with file:line:column, and reading goes on with the next one.

use std::collections::HashMap;

use super::lex::{Tok, Token};
use super::model::{
    Direction, FlowMapping, FlowType, JoinCondition, LinkType, Location, ScopeCondition, SyncRule,
};
use super::Diagnostic;
use crate::classify::scope::ScopeOp;

/// Most nested `(`/`@(`/`[`/`{` in one statement.
pub const MAX_NESTING: usize = 64;
/// Most rules in one configuration (a classification names its rule with a u16).
pub const MAX_RULES: usize = 20_000;
/// Most diagnostics kept per load.
pub const MAX_DIAGNOSTICS: usize = 1000;

/// Commands that read or tidy up and change no rule.
const NO_OP_COMMANDS: &[&str] = &[
    "get-adsyncrule",
    "remove-variable",
    "out-null",
    "write-host",
    "write-output",
    "write-verbose",
    "write-warning",
    "import-module",
    "get-adsyncconnector",
    "get-adsyncscheduler",
    "set-adsyncscheduler",
    "set-strictmode",
    "start-transcript",
    "stop-transcript",
    "get-date",
];

/// Switch parameters: they take no value unless written `-Name:$value`.
const SWITCHES: &[&str] = &[
    "disabled",
    "enablepasswordsync",
    "executeonce",
    "force",
    "whatif",
    "confirm",
    "passthru",
    "verbose",
];

#[derive(Clone, Debug)]
enum Val {
    Str(String),
    Num(i64),
    Bool(bool),
    Null,
    List(Vec<Val>),
    /// A rule of [`State::rules`].
    Rule(usize),
    Scope(ScopeCondition),
    Join(JoinCondition),
    /// What an ignored command returns, with where it was made.
    Unknown(String),
}

/// A reading problem inside a statement.
struct Fail {
    line: usize,
    column: usize,
    message: String,
}

type R<T> = Result<T, Fail>;

fn fail<T>(t: &Token, message: impl Into<String>) -> R<T> {
    Err(Fail {
        line: t.line,
        column: t.column,
        message: message.into(),
    })
}

struct Arg {
    name: Option<String>,
    value: Val,
    token: Token,
}

/// The rules read so far and the variables in scope (shared by the files of a folder).
#[derive(Default)]
pub struct State {
    rules: Vec<SyncRule>,
    added: Vec<bool>,
    vars: HashMap<String, Val>,
}

impl State {
    /// The rules put on the server with `Add-ADSyncRule`, in order, and a
    /// diagnostic for each one made but never added.
    pub fn finish(self, diags: &mut Vec<Diagnostic>) -> Vec<SyncRule> {
        let mut out = Vec::new();
        for (rule, added) in self.rules.into_iter().zip(self.added) {
            if added {
                out.push(rule);
            } else {
                push_diag(
                    diags,
                    Diagnostic::warning(
                        rule.at.clone(),
                        "rule-not-added",
                        format!(
                            "the rule `{}` is made with New-ADSyncRule but never passed to \
                             Add-ADSyncRule, so it is not on the server; it is left out (add \
                             `Add-ADSyncRule -SynchronizationRule $syncRule[0]` if it should count)",
                            rule.name
                        ),
                    ),
                );
            }
        }
        out
    }
}

pub(super) fn push_diag(diags: &mut Vec<Diagnostic>, d: Diagnostic) {
    if diags.len() < MAX_DIAGNOSTICS {
        diags.push(d);
    }
}

/// Reads the statements of one file's tokens into `state`.
pub fn read_statements(
    file: &str,
    tokens: &[Token],
    state: &mut State,
    diags: &mut Vec<Diagnostic>,
) {
    let mut reader = Reader { file, state, diags };
    for stmt in split_statements(tokens) {
        match stmt {
            Ok([]) => {}
            Ok(toks) => {
                if let Err(f) = reader.statement(toks) {
                    let at = Location {
                        file: file.to_string(),
                        line: f.line,
                        column: f.column,
                    };
                    push_diag(reader.diags, Diagnostic::error(at, "unreadable", f.message));
                }
            }
            Err(f) => {
                let at = Location {
                    file: file.to_string(),
                    line: f.line,
                    column: f.column,
                };
                push_diag(reader.diags, Diagnostic::error(at, "unreadable", f.message));
            }
        }
    }
}

/// Splits at line ends and `;` outside brackets.
fn split_statements(tokens: &[Token]) -> Vec<R<&[Token]>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut depth: Vec<&Token> = Vec::new();
    let mut broken: Option<Fail> = None;
    for (i, t) in tokens.iter().enumerate() {
        match &t.kind {
            Tok::ArrayOpen | Tok::Punct('(' | '[' | '{') => {
                if depth.len() >= MAX_NESTING && broken.is_none() {
                    broken = Some(Fail {
                        line: t.line,
                        column: t.column,
                        message: format!("brackets nested more than {MAX_NESTING} deep"),
                    });
                }
                depth.push(t);
            }
            Tok::Punct(')' | ']' | '}') => {
                let closed = depth.pop().is_some();
                if !closed && broken.is_none() {
                    broken = Some(Fail {
                        line: t.line,
                        column: t.column,
                        message: format!("{} closes nothing", t.kind),
                    });
                }
            }
            Tok::Newline | Tok::Punct(';') if depth.is_empty() => {
                let stmt = tokens.get(start..i).unwrap_or(&[]);
                out.push(match broken.take() {
                    Some(f) => Err(f),
                    None => Ok(stmt),
                });
                start = i + 1;
            }
            _ => {}
        }
    }
    if let Some(open) = depth.first() {
        out.push(Err(Fail {
            line: open.line,
            column: open.column,
            message: format!("{} is never closed", open.kind),
        }));
    } else if let Some(f) = broken {
        out.push(Err(f));
    }
    out
}

struct Reader<'a> {
    file: &'a str,
    state: &'a mut State,
    diags: &'a mut Vec<Diagnostic>,
}

impl Reader<'_> {
    fn at(&self, t: &Token) -> Location {
        Location {
            file: self.file.to_string(),
            line: t.line,
            column: t.column,
        }
    }

    fn statement(&mut self, toks: &[Token]) -> R<()> {
        // `$x = …`
        if let [Token {
            kind: Tok::Var(name),
            ..
        }, Token {
            kind: Tok::Punct('='),
            ..
        }, rest @ ..] = toks
        {
            let v = self.pipeline(rest, toks.get(1))?;
            self.state.vars.insert(name.to_ascii_lowercase(), v);
            return Ok(());
        }
        self.pipeline(toks, toks.first()).map(|_| ())
    }

    /// Evaluates `a | b | …`: the first element's value (the rest can only be
    /// no-op commands such as `Out-Null`).
    fn pipeline(&mut self, toks: &[Token], near: Option<&Token>) -> R<Val> {
        let parts = split_top(toks, '|');
        let mut value = None;
        for (i, part) in parts.iter().enumerate() {
            let Some(first) = part.first() else {
                let t = near.cloned().unwrap_or(Token {
                    kind: Tok::Newline,
                    line: 0,
                    column: 0,
                });
                return fail(&t, "an empty pipeline element");
            };
            if i > 0 {
                match &first.kind {
                    Tok::Word(w) if NO_OP_COMMANDS.contains(&w.to_ascii_lowercase().as_str()) => {
                        continue
                    }
                    _ => {
                        return fail(
                            first,
                            format!(
                                "only a command that changes nothing (such as Out-Null) can \
                                 follow `|` here, not {}",
                                first.kind
                            ),
                        )
                    }
                }
            }
            value = Some(self.element(part)?);
        }
        Ok(value.unwrap_or(Val::Null))
    }

    fn element(&mut self, toks: &[Token]) -> R<Val> {
        let Some(first) = toks.first() else {
            return Ok(Val::Null);
        };
        if let Tok::Word(cmd) = &first.kind {
            if parse_value_word(cmd).is_none() {
                let args = self.args(toks.get(1..).unwrap_or(&[]))?;
                return self.command(first, cmd, args);
            }
        }
        let (v, used) = self.value_list(toks)?;
        match toks.get(used) {
            None => Ok(v),
            Some(t) => fail(t, format!("unexpected {} after a value", t.kind)),
        }
    }

    fn args(&mut self, toks: &[Token]) -> R<Vec<Arg>> {
        let mut out = Vec::new();
        let mut i = 0;
        while let Some(t) = toks.get(i) {
            match &t.kind {
                Tok::Param { name, colon } => {
                    let takes_value =
                        *colon || !SWITCHES.contains(&name.to_ascii_lowercase().as_str());
                    let next_is_value = toks
                        .get(i + 1)
                        .is_some_and(|n| !matches!(n.kind, Tok::Param { .. }));
                    if takes_value && next_is_value {
                        let (v, used) = self.value_list(toks.get(i + 1..).unwrap_or(&[]))?;
                        out.push(Arg {
                            name: Some(name.clone()),
                            value: v,
                            token: t.clone(),
                        });
                        i += 1 + used;
                    } else if *colon {
                        return fail(t, format!("`-{name}:` without a value"));
                    } else {
                        out.push(Arg {
                            name: Some(name.clone()),
                            value: Val::Bool(true),
                            token: t.clone(),
                        });
                        i += 1;
                    }
                }
                _ => {
                    let (v, used) = self.value_list(toks.get(i..).unwrap_or(&[]))?;
                    out.push(Arg {
                        name: None,
                        value: v,
                        token: t.clone(),
                    });
                    i += used.max(1);
                }
            }
        }
        Ok(out)
    }

    /// `v` or `v, v, …` (a list); returns the value and the tokens used.
    fn value_list(&mut self, toks: &[Token]) -> R<(Val, usize)> {
        let (first, mut used) = self.value(toks)?;
        if !matches!(toks.get(used).map(|t| &t.kind), Some(Tok::Punct(','))) {
            return Ok((first, used));
        }
        let mut items = vec![first];
        while matches!(toks.get(used).map(|t| &t.kind), Some(Tok::Punct(','))) {
            let (v, n) = self.value(toks.get(used + 1..).unwrap_or(&[]))?;
            items.push(v);
            used += 1 + n;
        }
        Ok((Val::List(items), used))
    }

    fn value(&mut self, toks: &[Token]) -> R<(Val, usize)> {
        let Some(t) = toks.first() else {
            return Err(Fail {
                line: 0,
                column: 0,
                message: "a value is missing at the end of the statement".into(),
            });
        };
        match &t.kind {
            Tok::Str(s) => Ok((Val::Str(s.clone()), 1)),
            Tok::Num(n) => Ok((Val::Num(*n), 1)),
            Tok::Bool(b) => Ok((Val::Bool(*b), 1)),
            Tok::Null => Ok((Val::Null, 1)),
            Tok::Word(w) => Ok((parse_value_word(w).unwrap_or(Val::Str(w.clone())), 1)),
            Tok::Var(name) => {
                let Some(v) = self.state.vars.get(&name.to_ascii_lowercase()).cloned() else {
                    return fail(
                        t,
                        format!("`${name}` is used before it is set; set it earlier in the file"),
                    );
                };
                // `$x[n]`
                if let [_, Token {
                    kind: Tok::Punct('['),
                    ..
                }, Token {
                    kind: Tok::Num(n), ..
                }, Token {
                    kind: Tok::Punct(']'),
                    ..
                }, ..] = toks
                {
                    let item = match v {
                        Val::List(items) => usize::try_from(*n)
                            .ok()
                            .and_then(|n| items.get(n).cloned())
                            .unwrap_or(Val::Null),
                        // Indexing a single object at 0 gives the object.
                        other if *n == 0 || *n == -1 => other,
                        _ => Val::Null,
                    };
                    return Ok((item, 4));
                }
                if let Some(Token {
                    kind: Tok::Word(w), ..
                }) = toks.get(1)
                {
                    if w.starts_with('.') {
                        return fail(
                            t,
                            format!(
                                "`${name}{w}`: reading a property is not supported; write the \
                                 value itself"
                            ),
                        );
                    }
                }
                Ok((v, 1))
            }
            Tok::ArrayOpen => {
                let end = closing(toks, 0)?;
                let inner = toks.get(1..end).unwrap_or(&[]);
                let mut items = Vec::new();
                for part in split_top_any(inner) {
                    if part.is_empty() {
                        continue;
                    }
                    match self.pipeline(part, Some(t))? {
                        Val::List(more) => items.extend(more),
                        v => items.push(v),
                    }
                }
                Ok((Val::List(items), end + 1))
            }
            Tok::Punct('(') => {
                let end = closing(toks, 0)?;
                let inner = toks.get(1..end).unwrap_or(&[]);
                let inner: Vec<Token> = inner
                    .iter()
                    .filter(|t| t.kind != Tok::Newline)
                    .cloned()
                    .collect();
                let v = self.pipeline(&inner, Some(t))?;
                Ok((v, end + 1))
            }
            Tok::Punct('[') => fail(
                t,
                "type literals and .NET calls (such as [guid]::NewGuid()) cannot be evaluated \
                 offline; write the value itself",
            ),
            Tok::Punct('{') => fail(t, "script blocks cannot be evaluated offline"),
            other => fail(t, format!("expected a value, found {other}")),
        }
    }

    fn command(&mut self, t: &Token, name: &str, args: Vec<Arg>) -> R<Val> {
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
                let id = self.text(t, &args, "Identifier")?;
                for (i, rule) in self.state.rules.iter().enumerate() {
                    if !id.is_empty() && rule.identifier.eq_ignore_ascii_case(&id) {
                        if let Some(a) = self.state.added.get_mut(i) {
                            *a = false;
                        }
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
        let Some(id) = self.state.rules.get(r).map(|x| x.identifier.clone()) else {
            return;
        };
        if id.is_empty() {
            return;
        }
        for i in 0..self.state.rules.len() {
            if i != r
                && self.state.added.get(i) == Some(&true)
                && self.state.rules.get(i).map(|x| x.identifier.as_str()) == Some(id.as_str())
            {
                if let Some(a) = self.state.added.get_mut(i) {
                    *a = false;
                }
            }
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
        let direction = match self
            .text(t, args, "Direction")?
            .to_ascii_lowercase()
            .as_str()
        {
            "inbound" => Direction::Inbound,
            "outbound" => Direction::Outbound,
            other => {
                return fail(
                    t,
                    format!(
                        "rule `{name}`: -Direction is `{other}`; it must be Inbound or Outbound"
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

/// Bare words that are values rather than commands.
fn parse_value_word(w: &str) -> Option<Val> {
    if w.eq_ignore_ascii_case("true") {
        return Some(Val::Bool(true));
    }
    if w.eq_ignore_ascii_case("false") {
        return Some(Val::Bool(false));
    }
    None
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

/// The index of the bracket closing the one at `open`.
fn closing(toks: &[Token], open: usize) -> R<usize> {
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate().skip(open) {
        match t.kind {
            Tok::ArrayOpen | Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Ok(i);
                }
            }
            _ => {}
        }
    }
    match toks.get(open) {
        Some(t) => fail(t, format!("{} is never closed", t.kind)),
        None => Err(Fail {
            line: 0,
            column: 0,
            message: "a bracket is never closed".into(),
        }),
    }
}

/// Splits at `sep` outside brackets.
fn split_top(toks: &[Token], sep: char) -> Vec<&[Token]> {
    split_where(toks, |k| *k == Tok::Punct(sep))
}

/// Splits an `@( … )` body at `,`, `;` and line ends outside brackets.
fn split_top_any(toks: &[Token]) -> Vec<&[Token]> {
    split_where(toks, |k| {
        matches!(k, Tok::Punct(',') | Tok::Punct(';') | Tok::Newline)
    })
}

fn split_where(toks: &[Token], is_sep: impl Fn(&Tok) -> bool) -> Vec<&[Token]> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        match t.kind {
            Tok::ArrayOpen | Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => depth = depth.saturating_sub(1),
            ref k if depth == 0 && is_sep(k) => {
                out.push(toks.get(start..i).unwrap_or(&[]));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(toks.get(start..).unwrap_or(&[]));
    out
}
