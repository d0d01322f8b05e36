//! The checked form of an expression: names resolved, parameters
//! substituted, constants folded into literals, attributes numbered.
//! [`Program`]'s methods (evaluation, trace) are in [`super::eval`].

use memchr::memmem::Finder;

use super::ast::BinOp;
use super::attrs::Syntax;
use super::datetime::DateTime;
use super::error::Span;
use super::funcs::{FuncDef, P};

/// A node of the checked tree.
#[derive(Debug)]
pub(crate) struct Node {
    pub kind: NodeKind,
    pub span: Span,
}

#[derive(Debug)]
pub(crate) enum NodeKind {
    Null,
    AuthNull,
    Ignore,
    Bool(bool),
    /// Numbers, and enum constants (`vbTextCompare` is 1).
    Num(i64),
    /// String literals and substituted `%parameters%`.
    Str(Box<str>),
    /// Index into [`Program::attrs`].
    Attr(usize),
    /// A variable slot.
    Var(usize),
    Call(Box<Call>),
    Bin(Box<Bin>),
    /// A fused sub-expression (see `fast`).
    Fast(Box<Fast>),
}

#[derive(Debug)]
pub(crate) struct Call {
    pub f: &'static FuncDef,
    /// The parameters of the overload chosen by arity (empty for `Switch`).
    pub params: &'static [P],
    pub args: Vec<Node>,
}

#[derive(Debug)]
pub(crate) struct Bin {
    pub op: BinOp,
    pub lhs: Node,
    pub rhs: Node,
}

/// An attribute the program reads.
#[derive(Debug)]
pub(crate) struct AttrUse {
    /// As written (the checker made sure the case is right).
    pub name: String,
    pub syntax: Syntax,
    pub multi: bool,
    /// The `[dn]` pseudo-attribute: the record's DN.
    pub is_dn: bool,
}

/// A compiled expression, ready to evaluate against records. Immutable and
/// `Sync`: share one across threads, with one [`Scratch`](super::Scratch) per thread.
#[derive(Debug)]
pub struct Program {
    pub(crate) source: String,
    pub(crate) root: Node,
    pub(crate) attrs: Vec<AttrUse>,
    /// `attrs`' names, for [`Record::values_of`](super::Record::values_of).
    pub(crate) attr_names: Vec<String>,
    pub(crate) vars: usize,
    pub(crate) now: DateTime,
    /// Whether `Guid()` or `RandomNum` is used (they need the DN's hash).
    pub(crate) seeded: bool,
}

impl Program {
    /// The source text it was compiled from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The attributes it reads, as written, without duplicates, in order of
    /// first use. The DN pseudo-attribute `dn` is not listed (every record
    /// has a DN).
    pub fn attributes(&self) -> impl Iterator<Item = &str> + '_ {
        self.attrs
            .iter()
            .filter(|a| !a.is_dn)
            .map(|a| a.name.as_str())
    }
}

/// A fused sub-expression (made by `fast::fuse`, which recognises the
/// shapes; the types live here, beside the node that holds them).
#[derive(Debug)]
pub(crate) struct Fast {
    pub kind: FastKind,
    /// The sub-expression as checked: evaluated when the fast path declines, and by `trace`.
    pub orig: NodeKind,
    /// Most steps the generic evaluation of `orig` takes besides the node itself.
    pub max_steps: u64,
}

/// What a fused sub-expression computes.
#[derive(Debug)]
pub(crate) enum FastKind {
    /// `IsPresent([a])`, `= False` when `negate`. `steps`: sub-expressions
    /// visited besides the node itself (here and below).
    IsPresent {
        attr: usize,
        negate: bool,
        steps: u64,
    },
    /// `[a] = "text"`.
    EqStr { attr: usize, lit: Box<[u8]> },
    /// `Left([a], n) = "text"`, `n` the character count of `text`.
    StartsWith { attr: usize, lit: Box<[u8]> },
    /// `InStr(hay, "text") > 0` (`found`), or `= 0` (`!found`).
    Contains {
        hay: Hay,
        finder: Box<Finder<'static>>,
        found: bool,
        steps: u64,
    },
    /// `CBool(IIF(IsPresent([a]), BitAnd([a], mask) > 0, NULL))`.
    PresentBitAnd { attr: usize, mask: i64 },
    /// `CBool(x)` of a fused `x` (a Boolean stays as it is).
    CBool(Box<FastKind>),
    /// `x || y` (`or`) or `x && y` of fused operands, which are Booleans:
    /// `y` is evaluated only when `x` does not decide.
    Logic {
        or: bool,
        lhs: Box<FastKind>,
        rhs: Box<FastKind>,
    },
}

/// The text `InStr` searches.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Hay {
    /// `[a]`.
    Attr(usize),
    /// `LCase([a])`.
    Lower(usize),
    /// `DNComponent(CRef([a]), k)`.
    DnComponent(usize, i64),
}
