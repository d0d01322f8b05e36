//! Values: the owned [`Value`], and the borrowed representation the
//! evaluator works with so that the common case allocates nothing.
//!
//! During evaluation a value ([`V`]) is either small and inline (number,
//! Boolean, date), or text/bytes that are borrowed from the record or the
//! program ([`Txt::B`]) or live in the per-thread [`Scratch`] arena
//! ([`Txt::A`], a byte range). Multi-valued results are item ranges in the
//! arena. Nothing in a `V` borrows the arena, so the arena can grow while
//! values are alive; [`ValueView`] pairs the final `V` with the arena.

use std::fmt;

use super::datetime::DateTime;
use super::error::{EvalError, Span, MAX_ARENA_BYTES, MAX_ITEMS};

/// An owned value, as Connect's Preview would show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// No value: the flow contributes nothing (the attribute is removed if
    /// no other rule contributes).
    Null,
    /// `AuthoritativeNull`: the attribute is cleared even if a lower
    /// precedence rule contributes.
    AuthoritativeNull,
    /// `IgnoreThisFlow`: as if the flow did not exist (an existing value is kept).
    IgnoreThisFlow,
    /// `bool`.
    Bool(bool),
    /// `num` (64-bit integer).
    Num(i64),
    /// `str`.
    Str(String),
    /// `bin`.
    Bin(Vec<u8>),
    /// `dt` (UTC).
    Dt(DateTime),
    /// `ref`: a DN.
    Ref(String),
    /// A multi-valued result, in order.
    Mv(Vec<Value>),
}

impl Value {
    /// A `str` value.
    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }

    /// The text of a `str` (or `ref`) value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) | Value::Ref(s) => Some(s),
            _ => None,
        }
    }

    /// The type name used in messages (`str`, `num`, …).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::AuthoritativeNull => "AuthoritativeNull",
            Value::IgnoreThisFlow => "IgnoreThisFlow",
            Value::Bool(_) => "bool",
            Value::Num(_) => "num",
            Value::Str(_) => "str",
            Value::Bin(_) => "bin",
            Value::Dt(_) => "dt",
            Value::Ref(_) => "ref",
            Value::Mv(_) => "mv",
        }
    }
}

impl fmt::Display for Value {
    /// Preview style: strings quoted (`"` doubled), `NULL`, `True`, numbers
    /// in decimal, dates `yyyy-MM-dd HH:mm:ss`, binary as `0x` + hex, a DN as
    /// `ref "…"`, multi-valued as `{a; b}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("NULL"),
            Value::AuthoritativeNull => f.write_str("AuthoritativeNull"),
            Value::IgnoreThisFlow => f.write_str("IgnoreThisFlow"),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::Num(n) => write!(f, "{n}"),
            Value::Str(s) => super::ast::write_str_lit(f, s),
            Value::Bin(b) => {
                f.write_str("0x")?;
                b.iter().try_for_each(|x| write!(f, "{x:02X}"))
            }
            Value::Dt(d) => write!(f, "{d}"),
            Value::Ref(s) => {
                f.write_str("ref ")?;
                super::ast::write_str_lit(f, s)
            }
            Value::Mv(items) => {
                f.write_str("{")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("}")
            }
        }
    }
}

/// Text or bytes: borrowed, or a range of the arena.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Txt<'a> {
    B(&'a [u8]),
    A(usize, usize),
}

impl<'a> Txt<'a> {
    /// Its length in bytes.
    pub fn byte_len(self) -> usize {
        match self {
            Txt::B(b) => b.len(),
            Txt::A(s, e) => e.saturating_sub(s),
        }
    }

    /// The bytes `lo..hi` of this text (offsets relative to its start).
    pub fn sub(self, lo: usize, hi: usize) -> Txt<'a> {
        match self {
            Txt::B(b) => Txt::B(b.get(lo..hi).unwrap_or_default()),
            Txt::A(s, _) => Txt::A(s + lo, s + hi),
        }
    }
}

/// A value during evaluation. Strings (`Str`) are valid UTF-8 by
/// construction; `Mv` is a range of [`Arena::items`].
#[derive(Clone, Copy, Debug)]
pub(crate) enum V<'a> {
    Null,
    AuthNull,
    Ignore,
    Bool(bool),
    Num(i64),
    Dt(DateTime),
    Str(Txt<'a>),
    Bin(Txt<'a>),
    Ref(Txt<'a>),
    Mv(usize, usize),
}

impl V<'_> {
    /// Null and the two flow markers: "no value" to every function.
    pub fn is_nullish(&self) -> bool {
        matches!(self, V::Null | V::AuthNull | V::Ignore)
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            V::Null => "null",
            V::AuthNull => "AuthoritativeNull",
            V::Ignore => "IgnoreThisFlow",
            V::Bool(_) => "bool",
            V::Num(_) => "num",
            V::Dt(_) => "dt",
            V::Str(_) => "str",
            V::Bin(_) => "bin",
            V::Ref(_) => "ref",
            V::Mv(..) => "multi-valued",
        }
    }
}

/// The bytes of a text.
pub(crate) fn raw<'x>(bytes: &'x [u8], t: Txt<'x>) -> &'x [u8] {
    match t {
        Txt::B(b) => b,
        Txt::A(s, e) => bytes.get(s..e).unwrap_or_default(),
    }
}

/// The text of a `Str`/`Ref` (valid UTF-8 by construction; a broken
/// invariant shows as an empty string rather than a panic).
pub(crate) fn text<'x>(bytes: &'x [u8], t: Txt<'x>) -> &'x str {
    std::str::from_utf8(raw(bytes, t)).unwrap_or_default()
}

/// Evaluation buffers, reused from one evaluation to the next: after the
/// first few records, evaluating a typical rule allocates nothing. Keep one
/// per thread.
#[derive(Debug, Default)]
pub struct Scratch {
    pub(crate) arena: Arena,
}

impl Scratch {
    /// Empty buffers.
    pub fn new() -> Scratch {
        Scratch::default()
    }
}

/// The arena and work buffers.
#[derive(Debug, Default)]
pub(crate) struct Arena {
    /// Text and bytes of values made during this evaluation.
    pub bytes: Vec<u8>,
    /// Items of multi-valued values.
    pub items: Vec<V<'static>>,
    /// A stack for building lists (see `Arena::list_from`).
    pub tmp: Vec<V<'static>>,
    /// Output buffer for string functions.
    pub out: String,
    /// Byte buffer (UTF-16 and decoded base64).
    pub buf: Vec<u8>,
    /// Variable slots.
    pub vars: Vec<V<'static>>,
    /// Per program attribute: its values copied into `items`, once per evaluation.
    pub attr_cache: Vec<Option<(usize, usize)>>,
    /// Case-folded copy of a search string.
    pub fold: String,
    /// List items visited during this evaluation (bounded, see `error::MAX_WORK`).
    pub work: std::cell::Cell<u64>,
    /// Sub-expressions the last evaluation visited (see `error::MAX_STEPS`).
    pub steps: u64,
    /// Bytes of text read by functions and operators during this evaluation
    /// (bounded, see `error::MAX_TEXT_WORK`).
    pub text_work: u64,
}

impl Arena {
    pub fn reset(&mut self, vars: usize, attrs: usize) {
        self.bytes.clear();
        self.items.clear();
        self.tmp.clear();
        self.vars.clear();
        self.vars.resize(vars, V::Null);
        self.attr_cache.clear();
        self.attr_cache.resize(attrs, None);
        self.work.set(0);
        self.text_work = 0;
    }

    /// Counts `n` bytes of text read.
    pub fn charge_text(&mut self, n: usize) {
        self.text_work = self.text_work.saturating_add(n as u64);
    }

    /// Counts `n` units of list work.
    pub fn charge(&self, n: usize) {
        self.work.set(self.work.get().saturating_add(n as u64));
    }

    pub fn push_bytes(&mut self, b: &[u8]) -> Txt<'static> {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(b);
        Txt::A(start, self.bytes.len())
    }

    /// Appends `out` and returns its range.
    pub fn push_out(&mut self) -> Txt<'static> {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(self.out.as_bytes());
        Txt::A(start, self.bytes.len())
    }

    /// A copy of `t` that does not borrow anything.
    pub fn own(&mut self, t: Txt<'_>) -> Txt<'static> {
        match t {
            Txt::A(s, e) => Txt::A(s, e),
            Txt::B(b) => self.push_bytes(b),
        }
    }

    /// A copy of `v` that does not borrow anything.
    pub fn keep(&mut self, v: V<'_>) -> V<'static> {
        match v {
            V::Null => V::Null,
            V::AuthNull => V::AuthNull,
            V::Ignore => V::Ignore,
            V::Bool(b) => V::Bool(b),
            V::Num(n) => V::Num(n),
            V::Dt(d) => V::Dt(d),
            V::Str(t) => V::Str(self.own(t)),
            V::Bin(t) => V::Bin(self.own(t)),
            V::Ref(t) => V::Ref(self.own(t)),
            V::Mv(s, e) => V::Mv(s, e),
        }
    }

    /// Pushes `v` on the list stack; a multi-valued `v` is flattened.
    pub fn tmp_push(&mut self, v: V<'_>) {
        if let V::Mv(s, e) = v {
            for i in s..e {
                let item = self.items[i];
                self.tmp.push(item);
            }
        } else {
            let kept = self.keep(v);
            self.tmp.push(kept);
        }
    }

    /// Moves the list stack above `base` into `items`: a new list.
    pub fn list_from(&mut self, base: usize) -> V<'static> {
        let start = self.items.len();
        self.items.extend_from_slice(&self.tmp[base..]);
        self.tmp.truncate(base);
        V::Mv(start, self.items.len())
    }

    /// Converts a value to an owned [`Value`]. Null items of a list are
    /// dropped (a value that is Null contributes nothing).
    pub fn to_value(&self, v: V<'_>) -> Value {
        match v {
            V::Null => Value::Null,
            V::AuthNull => Value::AuthoritativeNull,
            V::Ignore => Value::IgnoreThisFlow,
            V::Bool(b) => Value::Bool(b),
            V::Num(n) => Value::Num(n),
            V::Dt(d) => Value::Dt(d),
            V::Str(t) => Value::Str(text(&self.bytes, t).to_string()),
            V::Bin(t) => Value::Bin(raw(&self.bytes, t).to_vec()),
            V::Ref(t) => Value::Ref(text(&self.bytes, t).to_string()),
            V::Mv(s, e) => Value::Mv(
                self.items[s..e]
                    .iter()
                    .filter(|i| !i.is_nullish())
                    .map(|i| self.to_value(*i))
                    .collect(),
            ),
        }
    }
}

/// The result of an evaluation, borrowing the record, the program and the
/// [`Scratch`] it was computed in.
#[derive(Clone, Copy)]
pub struct ValueView<'a> {
    pub(crate) v: V<'a>,
    pub(crate) arena: &'a Arena,
}

impl<'a> ValueView<'a> {
    /// The text of a single `str` (or `ref`) value, without copying.
    pub fn as_str(&self) -> Option<&'a str> {
        match self.v {
            V::Str(t) | V::Ref(t) => Some(text(&self.arena.bytes, t)),
            _ => None,
        }
    }

    /// The value of a `bool`.
    pub fn as_bool(&self) -> Option<bool> {
        match self.v {
            V::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The value of a `num`.
    pub fn as_num(&self) -> Option<i64> {
        match self.v {
            V::Num(n) => Some(n),
            _ => None,
        }
    }

    /// Whether the result is `NULL` (no value; an empty multi-valued result is `NULL` too).
    pub fn is_null(&self) -> bool {
        matches!(self.v, V::Null)
    }

    /// Whether the result is `AuthoritativeNull`.
    pub fn is_authoritative_null(&self) -> bool {
        matches!(self.v, V::AuthNull)
    }

    /// Whether the result is `IgnoreThisFlow`.
    pub fn is_ignore_this_flow(&self) -> bool {
        matches!(self.v, V::Ignore)
    }

    /// The type name (`str`, `num`, `bool`, `bin`, `dt`, `ref`, `multi-valued`, `null`, …).
    pub fn type_name(&self) -> &'static str {
        self.v.type_name()
    }

    /// An owned copy.
    pub fn to_value(&self) -> Value {
        self.arena.to_value(self.v)
    }
}

impl fmt::Display for ValueView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.v {
            V::Str(t) => super::ast::write_str_lit(f, text(&self.arena.bytes, t)),
            V::Null => f.write_str("NULL"),
            _ => write!(f, "{}", self.to_value()),
        }
    }
}

impl fmt::Debug for ValueView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ValueView({self})")
    }
}

/// Fails with [`EvalError::Limit`] unless `n` more list items fit in [`MAX_ITEMS`].
pub(crate) fn room_items(ar: &Arena, n: usize, span: Span) -> Result<(), EvalError> {
    let used = ar.items.len().saturating_add(ar.tmp.len());
    match used.checked_add(n) {
        Some(total) if total <= MAX_ITEMS => Ok(()),
        _ => Err(EvalError::Limit(
            format!("the evaluation would hold more than {MAX_ITEMS} list values (resource limit)"),
            span,
        )),
    }
}

/// Fails with [`EvalError::Limit`] unless `len` more bytes of text (`None`:
/// more than `usize` holds) fit in [`MAX_ARENA_BYTES`]. Every function that
/// makes text calls this with its result's size before making it.
pub(crate) fn room_bytes(
    ar: &Arena,
    len: Option<usize>,
    name: &str,
    span: Span,
) -> Result<(), EvalError> {
    match len.and_then(|n| ar.bytes.len().checked_add(n)) {
        Some(total) if total <= MAX_ARENA_BYTES => Ok(()),
        _ => {
            let size = len.map_or_else(|| "too many".to_string(), |n| n.to_string());
            Err(EvalError::Limit(
                format!(
                    "`{name}` would make {size} bytes of text; an evaluation makes at most {} MiB \
                     (resource limit)",
                    MAX_ARENA_BYTES >> 20
                ),
                span,
            ))
        }
    }
}
