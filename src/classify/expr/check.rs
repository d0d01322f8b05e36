//! The checker: resolves names against the function, constant and attribute
//! tables (case-sensitively, as Connect does, with a suggestion when only
//! the case is wrong), checks arities and statically known argument types,
//! substitutes parameters, and lowers the tree to a [`Program`]. It also
//! produces the lints: warnings about expressions that are valid but
//! probably do not mean what their author thinks.

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write};

use super::ast::{BinOp, Expr, ExprKind};
use super::attrs::{self, Lookup, Syntax};
use super::datetime::DateTime;
use super::error::{render_at, ErrorKind, ExprError, Span};
use super::funcs::{self, Imp, Ty, P};
use super::parse::MAX_ERRORS;
use super::prec::{self, Class};
use super::program::{AttrUse, Bin, Call, Node, NodeKind, Program};
use super::suggest::suggest;

/// Options of [`compile`](super::compile).
#[derive(Clone, Debug, Default)]
pub struct CompileOptions {
    /// Values of `%parameters%` (`Domain.FQDN` → `contoso.com`). A parameter
    /// the expression uses without a value is a compile error.
    pub parameters: BTreeMap<String, String>,
    /// The value of `Now()`. `None`: the time of compilation, so that every
    /// record of one run sees the same time.
    pub now: Option<DateTime>,
}

/// A compiled expression and the warnings about it.
#[derive(Debug)]
pub struct Compiled {
    /// The program.
    pub program: Program,
    /// Lints, in source order.
    pub warnings: Vec<Lint>,
}

/// A warning about an expression that compiles but may not do what is meant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lint {
    /// What it is about.
    pub span: Span,
    /// A stable kebab-case code (see [`LINTS`]).
    pub code: &'static str,
    /// What is wrong and what to do.
    pub message: String,
    /// The whole expression rewritten so that it draws no such lint, when
    /// there is one (`contains-not-ends-with`: the suffix compared with
    /// `Right`).
    pub fix: Option<String>,
}

impl Lint {
    /// `line:col: warning[code]: message`, the source line and carets.
    pub fn render(&self, source: &str) -> String {
        render_at(
            source,
            self.span,
            &format!("warning[{}]: {}", self.code, self.message),
        )
    }
}

/// Most lints reported for one expression.
pub const MAX_LINTS: usize = 50;

/// Every lint code with a one-line description.
pub const LINTS: &[(&str, &str)] = &[
    (
        "case-sensitive-search",
        "InStr/InStrRev/Contains compare case-sensitively unless told otherwise",
    ),
    (
        "contains-not-ends-with",
        "InStr(...) compared with 0 tests \"contains\", not \"ends with\" a domain",
    ),
    (
        "left-to-right-arithmetic",
        "arithmetic and & are evaluated strictly left to right, not with * before +",
    ),
    (
        "mixed-comparison-logic",
        "comparisons and &&/|| mixed without parentheses: documentation and engine disagree",
    ),
    (
        "nondeterministic",
        "Now(), Guid() and RandomNum() change from one sync to the next",
    ),
    (
        "resource-limit",
        "a call whose constant arguments already go over the evaluator's limits",
    ),
    (
        "search-never-matches",
        "a lower-cased value searched for upper-case text (or the reverse)",
    ),
    (
        "switch-evaluates-all",
        "Switch evaluates every value, so an Error() among them always fires",
    ),
    (
        "unknown-attribute",
        "an attribute not in the built-in schema table (a schema extension?)",
    ),
];

/// Constants that stand alone.
const CONSTANTS: &[&str] = &[
    "NULL",
    "AuthoritativeNull",
    "IgnoreThisFlow",
    "CRLF",
    "True",
    "False",
];

/// Enum constants: name, the parameter they belong to, value.
const ENUMS: &[(&str, P, i64)] = &[
    ("vbTextCompare", P::Compare, funcs::VB_TEXT_COMPARE),
    ("vbBinaryCompare", P::Compare, funcs::VB_BINARY_COMPARE),
    ("CaseInsensitive", P::Case, funcs::CASE_INSENSITIVE),
    ("CaseSensitive", P::Case, funcs::CASE_SENSITIVE),
    ("UTF8", P::Encoding, funcs::ENC_UTF8),
    ("Unicode", P::Encoding, funcs::ENC_UNICODE),
    ("ASCII", P::Encoding, funcs::ENC_ASCII),
];

fn enum_home(p: P) -> &'static str {
    match p {
        P::Compare => "the compare argument of InStr or InStrRev",
        P::Case => "the case argument of Contains",
        _ => "the encoding argument of ConvertFromBase64",
    }
}

/// Checks a parsed expression and lowers it.
pub(crate) fn check(
    source: &str,
    expr: &Expr,
    opts: &CompileOptions,
) -> Result<Compiled, Vec<ExprError>> {
    let mut c = Checker {
        opts,
        errors: Vec::new(),
        lints: Vec::new(),
        attrs: Vec::new(),
        attr_index: HashMap::new(),
        scopes: Vec::new(),
        vars: 0,
        seeded: false,
    };
    let root = c.lower(expr);
    let mut errors = c.errors;
    match root {
        Some((mut root, _)) if errors.is_empty() => {
            super::fast::fuse(&mut root, &c.attrs);
            let mut warnings = c.lints;
            Linter {
                source,
                out: &mut warnings,
            }
            .walk(expr, false);
            let program = Program {
                source: source.to_string(),
                root,
                attr_names: c.attrs.iter().map(|a| a.name.clone()).collect(),
                attrs: c.attrs,
                vars: c.vars,
                now: opts.now.unwrap_or_else(DateTime::now),
                seeded: c.seeded,
            };
            constant_limits(
                &program,
                &program.root.kind,
                program.root.span,
                &mut warnings,
            );
            warnings.sort_by_key(|l| (l.span, l.code));
            warnings.truncate(MAX_LINTS);
            Ok(Compiled { program, warnings })
        }
        _ => {
            errors.sort_by_key(|e| e.span);
            errors.truncate(MAX_ERRORS);
            Err(errors)
        }
    }
}

/// Whether a node reads nothing from the record or a variable (its value is
/// the same for every account).
fn is_constant(node: &Node) -> bool {
    match &node.kind {
        NodeKind::Attr(_) | NodeKind::Var(_) | NodeKind::Fast(_) => false,
        NodeKind::Call(c) => {
            !matches!(c.f.imp, Imp::ImportedValue) && c.args.iter().all(is_constant)
        }
        NodeKind::Bin(b) => is_constant(&b.lhs) && is_constant(&b.rhs),
        _ => true,
    }
}

/// Lints each largest constant call or operation that fails with a resource
/// limit: it would fail for every account (`Replace(PadLeft("",1048576,"a"),
/// "a",PadLeft("",4096,"a"))`).
fn constant_limits(program: &Program, kind: &NodeKind, span: Span, out: &mut Vec<Lint>) {
    if out.len() >= MAX_LINTS {
        return;
    }
    let constant = match kind {
        NodeKind::Call(c) => {
            !matches!(c.f.imp, Imp::ImportedValue) && c.args.iter().all(is_constant)
        }
        NodeKind::Bin(b) => is_constant(&b.lhs) && is_constant(&b.rhs),
        _ => false,
    };
    if constant {
        if let Err(e @ super::error::EvalError::Limit(..)) = program.eval_constant(kind, span) {
            out.push(Lint {
                span,
                fix: None,
                code: "resource-limit",
                message: format!(
                    "this fails for every account: {e}. Real rules need a tiny fraction of the \
                     limits; shorten the constant arguments"
                ),
            });
        }
        return;
    }
    match kind {
        NodeKind::Call(c) => c
            .args
            .iter()
            .for_each(|a| constant_limits(program, &a.kind, a.span, out)),
        NodeKind::Bin(b) => {
            constant_limits(program, &b.lhs.kind, b.lhs.span, out);
            constant_limits(program, &b.rhs.kind, b.rhs.span, out);
        }
        NodeKind::Fast(f) => constant_limits(program, &f.orig, span, out),
        _ => {}
    }
}

struct Checker<'o> {
    opts: &'o CompileOptions,
    errors: Vec<ExprError>,
    lints: Vec<Lint>,
    attrs: Vec<AttrUse>,
    /// Position of each name in `attrs`.
    attr_index: HashMap<String, usize>,
    /// Bound variables, innermost last: name and slot.
    scopes: Vec<(String, usize)>,
    vars: usize,
    seeded: bool,
}

fn node(kind: NodeKind, span: Span) -> Node {
    Node { kind, span }
}

fn join_types(a: Ty, b: Ty) -> Ty {
    match (a, b) {
        (x, y) if x == y => x,
        (Ty::Null | Ty::Void, y) => y,
        (x, Ty::Null | Ty::Void) => x,
        _ => Ty::Any,
    }
}

impl Checker<'_> {
    fn error(&mut self, span: Span, kind: ErrorKind) {
        self.errors.push(ExprError::new(span, kind));
    }

    /// Whether enough errors are collected: stop making costly suggestions.
    fn saturated(&self) -> bool {
        self.errors.len() >= MAX_ERRORS
    }

    fn lower(&mut self, e: &Expr) -> Option<(Node, Ty)> {
        let span = e.span;
        let leaf = |kind, ty| Some((node(kind, span), ty));
        match &e.kind {
            ExprKind::Str(s) => leaf(NodeKind::Str(s.as_str().into()), Ty::Str),
            ExprKind::Num { value, .. } => leaf(NodeKind::Num(*value), Ty::Num),
            ExprKind::Bool(b) => leaf(NodeKind::Bool(*b), Ty::Bool),
            ExprKind::Attr(name) => {
                let i = self.attr(name, span)?;
                leaf(NodeKind::Attr(i), Ty::Any)
            }
            ExprKind::Param(name) => match self.opts.parameters.get(name) {
                Some(v) => leaf(NodeKind::Str(v.as_str().into()), Ty::Str),
                None => {
                    let given: Vec<&str> =
                        self.opts.parameters.keys().map(String::as_str).collect();
                    self.error(
                        span,
                        ErrorKind::ParameterMissing {
                            name: name.clone(),
                            given: given.join(", "),
                        },
                    );
                    None
                }
            },
            ExprKind::Var(name) => match self.scopes.iter().rev().find(|(n, _)| n == name) {
                Some((_, slot)) => leaf(NodeKind::Var(*slot), Ty::Any),
                None => {
                    self.error(span, ErrorKind::UnboundVariable(name.clone()));
                    None
                }
            },
            ExprKind::Const(name) => self.constant(name, span),
            ExprKind::Call {
                name,
                name_span,
                args,
            } => self.call(e, name, *name_span, args),
            ExprKind::Binary { op, lhs, rhs, .. } => {
                let l = self.lower(lhs);
                let r = self.lower(rhs);
                let ty = match prec::class(*op) {
                    Class::AddSub | Class::MulDiv => Ty::Num,
                    Class::Concat => Ty::Str,
                    Class::Comparison | Class::Logical => Ty::Bool,
                };
                let ((lhs, _), (rhs, _)) = (l?, r?);
                let kind = NodeKind::Bin(Box::new(Bin { op: *op, lhs, rhs }));
                leaf(kind, ty)
            }
        }
    }

    fn constant(&mut self, name: &str, span: Span) -> Option<(Node, Ty)> {
        let kind = match name {
            "NULL" => NodeKind::Null,
            "AuthoritativeNull" => NodeKind::AuthNull,
            "IgnoreThisFlow" => NodeKind::Ignore,
            "CRLF" => NodeKind::Str("\r\n".into()),
            _ => {
                if let Some((n, p, _)) = ENUMS.iter().find(|(n, _, _)| *n == name) {
                    self.error(
                        span,
                        ErrorKind::MisplacedEnum {
                            name: (*n).to_string(),
                            belongs: enum_home(*p),
                        },
                    );
                    return None;
                }
                let names = CONSTANTS.iter().copied().chain(ENUMS.iter().map(|e| e.0));
                let suggestion = match name {
                    "Nothing" | "Null" | "null" | "Empty" => Some("NULL"),
                    _ if self.saturated() => None,
                    _ => suggest(name, names),
                };
                self.error(
                    span,
                    ErrorKind::UnknownConstant {
                        name: name.to_string(),
                        suggestion,
                    },
                );
                return None;
            }
        };
        let ty = if matches!(kind, NodeKind::Str(_)) {
            Ty::Str
        } else {
            Ty::Null
        };
        Some((node(kind, span), ty))
    }

    /// Resolves an attribute name and numbers it.
    fn attr(&mut self, name: &str, span: Span) -> Option<usize> {
        let (syntax, multi) = match attrs::lookup(name) {
            Lookup::Exact(info) => (info.syntax, info.multi),
            Lookup::WrongCase(info, n) => {
                let canonical = match n {
                    Some(n) => format!("{}{n}", info.name),
                    None => info.name.to_string(),
                };
                self.error(
                    span,
                    ErrorKind::AttributeCase {
                        written: name.to_string(),
                        canonical,
                    },
                );
                return None;
            }
            Lookup::Unknown => {
                if !self.attr_index.contains_key(name) && self.lints.len() < MAX_LINTS {
                    let hint = match attrs::suggest(name) {
                        Some(s) => format!("did you mean `{s}`? "),
                        None => String::new(),
                    };
                    self.lints.push(Lint {
                        span,
                        code: "unknown-attribute",
                        message: format!(
                            "`{}` is not in the built-in AD schema table (a schema extension?); its values are read as text. \
                             {hint}Check the spelling: Connect compares attribute names case-sensitively",
                            shorten(name)
                        ),
                        fix: None,
                    });
                }
                (Syntax::Str, false)
            }
        };
        if let Some(&i) = self.attr_index.get(name) {
            return Some(i);
        }
        self.attr_index.insert(name.to_string(), self.attrs.len());
        self.attrs.push(AttrUse {
            name: name.to_string(),
            syntax,
            multi,
            is_dn: name == "dn",
        });
        Some(self.attrs.len() - 1)
    }

    fn call(&mut self, e: &Expr, name: &str, name_span: Span, args: &[Expr]) -> Option<(Node, Ty)> {
        let span = e.span;
        let Some(f) = funcs::find(name) else {
            if funcs::CERTIFICATE_FUNCTIONS.contains(&name) {
                self.error(
                    name_span,
                    ErrorKind::UnsupportedFunction {
                        name: name.to_string(),
                        why: "the Certificate functions are not implemented offline",
                    },
                );
            } else {
                let names = funcs::FUNCTIONS
                    .iter()
                    .map(|f| f.name)
                    .chain(funcs::CERTIFICATE_FUNCTIONS.iter().copied());
                let suggestion = if self.saturated() {
                    None
                } else {
                    suggest(name, names)
                };
                self.error(
                    name_span,
                    ErrorKind::UnknownFunction {
                        name: name.to_string(),
                        suggestion,
                    },
                );
            }
            // Check the arguments anyway, to report their errors too.
            for a in args {
                self.lower(a);
            }
            return None;
        };
        if matches!(f.name, "Guid" | "RandomNum") {
            self.seeded = true;
        }
        let call = |params, args: Vec<Node>| NodeKind::Call(Box::new(Call { f, params, args }));
        match f.imp {
            Imp::ImportedValue => {
                let [arg] = args else {
                    return self.arity(f, args, span);
                };
                let ExprKind::Str(attr) = &arg.kind else {
                    self.error(arg.span, ErrorKind::ImportedValueArg);
                    return None;
                };
                let i = self.attr(attr, arg.span)?;
                return Some((node(NodeKind::Attr(i), span), Ty::Any));
            }
            Imp::Select | Imp::Where | Imp::With => {
                let [var, source, body] = args else {
                    return self.arity(f, args, span);
                };
                let ExprKind::Var(var_name) = &var.kind else {
                    self.error(var.span, ErrorKind::VariableExpected { name: f.name });
                    self.lower(source);
                    self.lower(body);
                    return None;
                };
                let slot = self.vars;
                self.vars += 1;
                let source = self.lower(source);
                self.scopes.push((var_name.clone(), slot));
                let body = self.lower(body);
                self.scopes.pop();
                let ((source, _), (body, body_ty)) = (source?, body?);
                let ty = if matches!(f.imp, Imp::With) {
                    body_ty
                } else {
                    Ty::Mv
                };
                let var = node(NodeKind::Var(slot), var.span);
                return Some((
                    node(call(f.sigs[0].params, vec![var, source, body]), span),
                    ty,
                ));
            }
            Imp::Switch => {
                if args.len() < 2 || args.len() % 2 != 0 {
                    self.error(
                        span,
                        ErrorKind::Arity {
                            name: f.name,
                            expected: "an even number (condition, value pairs) of".to_string(),
                            found: args.len(),
                        },
                    );
                    return None;
                }
                let lowered: Vec<Option<(Node, Ty)>> = args.iter().map(|a| self.lower(a)).collect();
                let nodes = lowered
                    .into_iter()
                    .map(|n| n.map(|(n, _)| n))
                    .collect::<Option<Vec<_>>>()?;
                return Some((node(call(&[], nodes), span), Ty::Any));
            }
            _ => {}
        }
        let Some(sig) = f.sigs.iter().find(|s| s.params.len() == args.len()) else {
            return self.arity(f, args, span);
        };
        let mut nodes = Vec::with_capacity(args.len());
        let mut tys = Vec::with_capacity(args.len());
        let mut ok = true;
        for (i, (a, &p)) in args.iter().zip(sig.params).enumerate() {
            let lowered = if p.is_enum() {
                self.enum_arg(f.name, i + 1, p, a).map(|n| (n, Ty::Num))
            } else {
                self.lower(a).and_then(|(n, ty)| {
                    if ty.fits(p) {
                        Some((n, ty))
                    } else {
                        self.error(
                            a.span,
                            ErrorKind::ArgType {
                                name: f.name,
                                position: i + 1,
                                expected: p.name(),
                                found: ty.name(),
                            },
                        );
                        None
                    }
                })
            };
            match lowered {
                Some((n, ty)) => {
                    nodes.push(n);
                    tys.push(ty);
                }
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        let ty = if matches!(f.imp, Imp::Iif) {
            join_types(tys[1], tys[2])
        } else {
            sig.ret
        };
        Some((node(call(sig.params, nodes), span), ty))
    }

    fn arity(
        &mut self,
        f: &'static funcs::FuncDef,
        args: &[Expr],
        span: Span,
    ) -> Option<(Node, Ty)> {
        let mut counts: Vec<String> = f.sigs.iter().map(|s| s.params.len().to_string()).collect();
        let expected = match counts.len() {
            0 | 1 => counts.pop().unwrap_or_default(),
            _ => {
                let last = counts.pop().unwrap_or_default();
                format!("{} or {last}", counts.join(", "))
            }
        };
        self.error(
            span,
            ErrorKind::Arity {
                name: f.name,
                expected,
                found: args.len(),
            },
        );
        for a in args {
            self.lower(a);
        }
        None
    }

    fn enum_arg(&mut self, fname: &'static str, position: usize, p: P, a: &Expr) -> Option<Node> {
        let accepted = p.name();
        match (&a.kind, p) {
            (ExprKind::Str(s), P::DnOption) if s.eq_ignore_ascii_case("DC") => {
                return Some(node(NodeKind::Str("DC".into()), a.span));
            }
            (ExprKind::Const(name), _) => {
                if let Some((_, _, v)) = ENUMS.iter().find(|(n, q, _)| n == name && *q == p) {
                    return Some(node(NodeKind::Num(*v), a.span));
                }
                let right_kind = ENUMS.iter().filter(|(_, q, _)| *q == p).map(|e| e.0);
                if let Some(s) = suggest(name, right_kind).filter(|s| s.eq_ignore_ascii_case(name))
                {
                    self.error(
                        a.span,
                        ErrorKind::UnknownConstant {
                            name: name.clone(),
                            suggestion: Some(s),
                        },
                    );
                    return None;
                }
            }
            _ => {}
        }
        self.error(
            a.span,
            ErrorKind::EnumExpected {
                name: fname,
                position,
                accepted,
            },
        );
        None
    }
}

/// The lints that look at the shape of the source tree.
struct Linter<'s> {
    source: &'s str,
    out: &'s mut Vec<Lint>,
}

fn is_call<'e>(e: &'e Expr, names: &[&str]) -> Option<&'e [Expr]> {
    match &e.kind {
        ExprKind::Call { name, args, .. } if names.contains(&name.as_str()) => Some(args),
        _ => None,
    }
}

const SEARCHES: &[&str] = &["InStr", "InStrRev", "InstrRev"];

/// At most 200 characters of `value`'s display, `…` if cut; stops
/// formatting there (a huge expression is not printed whole).
fn shorten(value: impl fmt::Display) -> String {
    const MAX: usize = 200;
    struct Capped(String, usize);
    impl Write for Capped {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            for c in s.chars() {
                if self.1 == MAX {
                    self.0.push('…');
                    return Err(fmt::Error);
                }
                self.0.push(c);
                self.1 += 1;
            }
            Ok(())
        }
    }
    let mut out = Capped(String::new(), 0);
    let _ = write!(out, "{value}");
    out.0
}

impl Linter<'_> {
    fn push(&mut self, span: Span, code: &'static str, message: String) {
        self.out.push(Lint {
            span,
            code,
            message,
            fix: None,
        });
    }

    fn walk(&mut self, e: &Expr, in_chain: bool) {
        match &e.kind {
            ExprKind::Binary { op, lhs, rhs, .. } => {
                if e.parenthesised || !in_chain {
                    self.chain(e);
                }
                self.instr_zero(e, *op, lhs, rhs);
                self.walk(lhs, true);
                self.walk(rhs, true);
            }
            ExprKind::Call { name, args, .. } => {
                self.call(e, name, args);
                for a in args {
                    self.walk(a, false);
                }
            }
            _ => {}
        }
    }

    /// The operator classes of the unparenthesised chain rooted at `e`.
    fn classes(e: &Expr, out: &mut Vec<Class>) {
        if let ExprKind::Binary { op, lhs, rhs, .. } = &e.kind {
            out.push(prec::class(*op));
            for side in [lhs, rhs] {
                if !side.parenthesised {
                    Self::classes(side, out);
                }
            }
        }
    }

    fn chain(&mut self, e: &Expr) {
        let mut classes = Vec::new();
        Self::classes(e, &mut classes);
        let has = |c| classes.contains(&c);
        if has(Class::Logical) && has(Class::Comparison) {
            let message = format!(
                "comparisons and `&&`/`||` are mixed without parentheses. Microsoft's documentation says all operators \
                 are evaluated left to right with equal priority, but the engine (as the out-of-box rules show) \
                 evaluates comparisons first, which is what this tool does: {}. Add parentheses so both readings agree",
                shorten(e.grouped())
            );
            self.push(e.span, "mixed-comparison-logic", message);
        }
        let arith = has(Class::AddSub) || has(Class::MulDiv);
        if (has(Class::MulDiv) && has(Class::AddSub)) || (has(Class::Concat) && arith) {
            let message = format!(
                "`&`, `+`, `-`, `*` and `/` have equal priority and are evaluated strictly left to right \
                 (`2+5*3` is 21, not 17), so this is {}. Add parentheses to make the order explicit",
                shorten(e.grouped())
            );
            self.push(e.span, "left-to-right-arithmetic", message);
        }
    }

    /// `InStr(x, "@domain") = 0` and friends.
    fn instr_zero(&mut self, e: &Expr, op: BinOp, lhs: &Expr, rhs: &Expr) {
        if prec::class(op) != Class::Comparison {
            return;
        }
        let zero = |x: &Expr| matches!(x.kind, ExprKind::Num { value: 0, .. });
        let call = if zero(rhs) {
            lhs
        } else if zero(lhs) {
            rhs
        } else {
            return;
        };
        let Some(args) = is_call(call, SEARCHES) else {
            return;
        };
        let Some(ExprKind::Str(needle)) = args.get(1).map(|a| &a.kind) else {
            return;
        };
        if !needle.starts_with('@') {
            return;
        }
        let hay_text = args[0].span.text(self.source);
        let hay = shorten(hay_text);
        let len = needle.chars().count();
        let fix = self.ends_with_fix(e, op, zero(rhs), hay_text, needle, len);
        let needle = shorten(needle);
        let message = format!(
            "this tests whether the value contains `{needle}`, not whether it ends with it: \
             `x{needle}.evil.com` matches too. To test the domain suffix, compare the end: \
             `Right({hay}, {}) = \"{needle}\"`",
            len
        );
        self.out.push(Lint {
            span: e.span,
            code: "contains-not-ends-with",
            message,
            fix,
        });
    }

    /// The whole source with the comparison `e` (`InStr(hay, "@x") = 0` and
    /// the like) replaced by the suffix test it was meant to be; `None` for
    /// comparisons that do not read as "contains" or "does not contain",
    /// and for sources too long to repeat.
    fn ends_with_fix(
        &self,
        e: &Expr,
        op: BinOp,
        zero_on_right: bool,
        hay: &str,
        needle: &str,
        len: usize,
    ) -> Option<String> {
        if self.source.len() > 4096 || needle.contains('"') {
            return None;
        }
        // `InStr(...) op 0` (or `0 op InStr(...)`): = 0 is "does not contain".
        let contains = match (op, zero_on_right) {
            (BinOp::Eq, _) => false,
            (BinOp::Ne, _) | (BinOp::Gt, true) | (BinOp::Lt, false) => true,
            _ => return None,
        };
        let test = if contains { "=" } else { "<>" };
        let range = e.span.range();
        let before = self.source.get(..range.start)?;
        let after = self.source.get(range.end..)?;
        Some(format!(
            "{before}Right({hay}, {len}) {test} \"{needle}\"{after}"
        ))
    }

    fn call(&mut self, e: &Expr, name: &str, args: &[Expr]) {
        match name {
            "Now" | "Guid" | "RandomNum" => {
                let how = if name == "Now" {
                    "offline it is fixed when the rule is compiled"
                } else {
                    "offline it is derived from the object's DN so that reports are reproducible"
                };
                self.push(
                    e.span,
                    "nondeterministic",
                    format!("`{name}()` gives a different value at every synchronization; {how}"),
                );
            }
            "Switch" => {
                for a in args.iter().skip(1).step_by(2) {
                    if is_call(a, &["Error"]).is_some() {
                        self.push(
                            a.span,
                            "switch-evaluates-all",
                            "Switch evaluates every condition and every value before choosing one, so this Error() \
                             fails the object whatever the conditions; use nested IIF instead"
                                .to_string(),
                        );
                    }
                }
            }
            _ => {}
        }
        let (is_search, full) = if SEARCHES.contains(&name) {
            (true, 4)
        } else if name == "Contains" {
            (true, 3)
        } else {
            (false, 0)
        };
        if !is_search || args.len() < 2 || args.len() >= full {
            return;
        }
        let cased = |s: &str| s.chars().any(|c| c.is_lowercase() || c.is_uppercase());
        let needle = match &args[1].kind {
            ExprKind::Str(s) if !cased(s) => return,
            ExprKind::Str(s) if s.len() > 200 => None,
            ExprKind::Str(s) => Some(s.as_str()),
            _ => None,
        };
        let case_fn = is_call(&args[0], &["LCase"])
            .map(|_| "LCase")
            .or_else(|| is_call(&args[0], &["UCase"]).map(|_| "UCase"));
        match (case_fn, needle) {
            (Some(f), Some(n)) => {
                let wrong = if f == "LCase" {
                    n.chars().any(char::is_uppercase)
                } else {
                    n.chars().any(char::is_lowercase)
                };
                if wrong {
                    let which = if f == "LCase" {
                        "upper-case"
                    } else {
                        "lower-case"
                    };
                    self.push(
                        args[1].span,
                        "search-never-matches",
                        format!("the searched value goes through {f}, but `{n}` contains {which} letters: it can never match"),
                    );
                }
            }
            (Some(_), None) => {}
            (None, _) => {
                let option = if name == "Contains" {
                    "CaseInsensitive"
                } else {
                    "vbTextCompare"
                };
                let example = needle.map_or_else(String::new, |n| {
                    let flipped: String = n
                        .chars()
                        .map(|c| {
                            if c.is_lowercase() {
                                c.to_uppercase().next().unwrap_or(c)
                            } else {
                                c.to_lowercase().next().unwrap_or(c)
                            }
                        })
                        .collect();
                    format!(" (`{flipped}` does not match `{n}`)")
                });
                self.push(
                    e.span,
                    "case-sensitive-search",
                    format!(
                        "`{name}` compares case-sensitively here{example}; wrap the searched value in LCase(...) and \
                         write the text in lower case, or pass {option}"
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lint_codes_are_sorted_unique_kebab_case() {
        for w in LINTS.windows(2) {
            assert!(w[0].0 < w[1].0, "{} before {}", w[0].0, w[1].0);
        }
        for (code, doc) in LINTS {
            assert!(
                code.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{code}"
            );
            assert!(!doc.is_empty());
        }
    }
}
