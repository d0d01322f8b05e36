//! The syntax tree, and the printer that turns it back into source.
//!
//! Every node carries the byte [`Span`] of its source text (for a
//! parenthesised expression, the span inside the parentheses). The printer
//! ([`Display`](fmt::Display)) writes source that parses back to the same
//! tree: compare with [`Expr::same`], which ignores the layout (spans and
//! which parentheses were written).

use std::fmt;

use super::error::Span;

/// How tightly an operator binds; a greater level binds tighter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// `&&`, `||`.
    Logical,
    /// `=`, `<>`, `<`, `<=`, `>`, `>=`.
    Comparison,
    /// `&`, `+`, `-`, `*`, `/`.
    Operator,
}

impl BinOp {
    /// How tightly this operator binds.
    pub fn level(self) -> Level {
        match self {
            BinOp::And | BinOp::Or => Level::Logical,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                Level::Comparison
            }
            BinOp::Concat | BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => Level::Operator,
        }
    }
}

/// A binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `&` string concatenation.
    Concat,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/` (integer division; not in the documented operator list)
    Div,
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `&&`
    And,
    /// `||`
    Or,
}

impl BinOp {
    /// Every operator.
    pub const ALL: [BinOp; 13] = [
        BinOp::Concat,
        BinOp::Add,
        BinOp::Sub,
        BinOp::Mul,
        BinOp::Div,
        BinOp::Eq,
        BinOp::Ne,
        BinOp::Lt,
        BinOp::Le,
        BinOp::Gt,
        BinOp::Ge,
        BinOp::And,
        BinOp::Or,
    ];

    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Concat => "&",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Eq => "=",
            BinOp::Ne => "<>",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "&&",
            BinOp::Or => "||",
        }
    }
}

/// An expression node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Its source text (inside the parentheses, if it was parenthesised).
    pub span: Span,
    /// Whether the source wrapped it in parentheses (used by the lints; the
    /// printer adds parentheses where the grouping needs them anyway).
    pub parenthesised: bool,
}

/// The kinds of expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExprKind {
    /// `"text"` (with `""` unescaped to `"`; backslashes are kept as written).
    Str(String),
    /// `98052`, `-1`, `&HFF`.
    Num {
        /// The value (`&H` literals are 64-bit two's complement).
        value: i64,
        /// Written in `&H` hexadecimal (kept for printing).
        hex: bool,
    },
    /// `True` / `False`.
    Bool(bool),
    /// `[attributeName]`.
    Attr(String),
    /// `%Parameter.Name%`.
    Param(String),
    /// `$variable`.
    Var(String),
    /// A bare name: `NULL`, `AuthoritativeNull`, `IgnoreThisFlow`, `CRLF`,
    /// `vbTextCompare`, … (resolved by the checker).
    Const(String),
    /// `Name(arg, …)`.
    Call {
        /// The function name as written.
        name: String,
        /// Where the name is.
        name_span: Span,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// `lhs op rhs`.
    Binary {
        /// The operator.
        op: BinOp,
        /// Where the operator is.
        op_span: Span,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
}

impl Expr {
    /// Whether two trees are the same apart from layout (spans and
    /// parentheses): what printing and parsing again preserves.
    pub fn same(&self, other: &Expr) -> bool {
        use ExprKind::*;
        match (&self.kind, &other.kind) {
            (Str(a), Str(b)) => a == b,
            (Num { value: a, hex: x }, Num { value: b, hex: y }) => a == b && x == y,
            (Bool(a), Bool(b)) => a == b,
            (Attr(a), Attr(b)) | (Param(a), Param(b)) | (Var(a), Var(b)) | (Const(a), Const(b)) => {
                a == b
            }
            (
                Call {
                    name: a, args: x, ..
                },
                Call {
                    name: b, args: y, ..
                },
            ) => a == b && x.len() == y.len() && x.iter().zip(y).all(|(x, y)| x.same(y)),
            (
                Binary {
                    op: a,
                    lhs: l1,
                    rhs: r1,
                    ..
                },
                Binary {
                    op: b,
                    lhs: l2,
                    rhs: r2,
                    ..
                },
            ) => a == b && l1.same(l2) && r1.same(r2),
            _ => false,
        }
    }

    /// The binding level of this node if it is an unparenthesised binary operation.
    fn open_level(&self) -> Option<Level> {
        match &self.kind {
            ExprKind::Binary { op, .. } => Some(op.level()),
            _ => None,
        }
    }

    /// Prints with parentheses around every binary operation: how the
    /// engine groups the expression (used in lint messages).
    pub fn grouped(&self) -> Grouped<'_> {
        Grouped(self)
    }
}

/// Writes `s` as a string literal (`"` doubled).
pub(crate) fn write_str_lit(f: &mut impl fmt::Write, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\"\"")?,
            // Written doubled so that the lexer reads it back as one.
            '\\' => f.write_str("\\\\")?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

fn write_leaf(f: &mut fmt::Formatter<'_>, e: &Expr) -> fmt::Result {
    match &e.kind {
        ExprKind::Str(s) => write_str_lit(f, s),
        ExprKind::Num { value, hex: false } => write!(f, "{value}"),
        // Two's complement, so that every value prints as a literal the lexer reads back.
        ExprKind::Num { value, hex: true } => write!(f, "&H{:X}", *value as u64),
        ExprKind::Bool(true) => f.write_str("True"),
        ExprKind::Bool(false) => f.write_str("False"),
        ExprKind::Attr(a) => write!(f, "[{a}]"),
        ExprKind::Param(p) => write!(f, "%{p}%"),
        ExprKind::Var(v) => write!(f, "${v}"),
        ExprKind::Const(c) => f.write_str(c),
        ExprKind::Call { .. } | ExprKind::Binary { .. } => Ok(()),
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.parenthesised {
            f.write_str("(")?;
        }
        match &self.kind {
            ExprKind::Call { name, args, .. } => {
                write!(f, "{name}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")?;
            }
            ExprKind::Binary { op, lhs, rhs, .. } => {
                let level = op.level();
                // Operators group left to right within a level, so a left
                // operand needs parentheses only if it binds looser, a right
                // operand also if it binds equally.
                let l = !lhs.parenthesised && lhs.open_level().is_some_and(|l| l < level);
                let r = !rhs.parenthesised && rhs.open_level().is_some_and(|r| r <= level);
                write_wrapped(f, lhs, l)?;
                write!(f, " {} ", op.symbol())?;
                write_wrapped(f, rhs, r)?;
            }
            _ => write_leaf(f, self)?,
        }
        if self.parenthesised {
            f.write_str(")")?;
        }
        Ok(())
    }
}

fn write_wrapped(f: &mut fmt::Formatter<'_>, e: &Expr, wrap: bool) -> fmt::Result {
    if wrap {
        write!(f, "({e})")
    } else {
        write!(f, "{e}")
    }
}

/// See [`Expr::grouped`].
pub struct Grouped<'e>(&'e Expr);

impl fmt::Display for Grouped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.kind {
            ExprKind::Binary { op, lhs, rhs, .. } => {
                write!(f, "({} {} {})", lhs.grouped(), op.symbol(), rhs.grouped())
            }
            ExprKind::Call { name, args, .. } => {
                write!(f, "{name}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}", a.grouped())?;
                }
                f.write_str(")")
            }
            _ => write_leaf(f, self.0),
        }
    }
}
