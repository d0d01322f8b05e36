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
use super::model::{JoinCondition, Location, ScopeCondition, SyncRule};
use super::Diagnostic;

#[path = "commands.rs"]
mod commands;

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
    /// Why an added rule is no longer on the server: replaced by a later
    /// `Add-ADSyncRule` of the same identifier, or removed.
    dropped: Vec<Option<String>>,
    /// The rule last added under each identifier (lower case).
    by_identifier: HashMap<String, usize>,
    vars: HashMap<String, Val>,
}

impl State {
    /// The rules put on the server with `Add-ADSyncRule`, in order, and a
    /// diagnostic for each one made but never added.
    pub fn finish(self, diags: &mut Vec<Diagnostic>) -> Vec<SyncRule> {
        let mut out = Vec::new();
        let mut dropped = self.dropped.into_iter();
        for (rule, added) in self.rules.into_iter().zip(self.added) {
            let why = dropped.next().flatten();
            if added {
                out.push(rule);
            } else if let Some(why) = why {
                push_diag(
                    diags,
                    Diagnostic::warning(
                        rule.at.clone(),
                        "rule-replaced",
                        format!("the rule `{}` is not on the server: {why}", rule.name),
                    ),
                );
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
