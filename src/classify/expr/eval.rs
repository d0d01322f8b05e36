//! The evaluator.
//!
//! * Attribute values are typed by the schema table: `userAccountControl:
//!   512` is the number 512, `isCriticalSystemObject: TRUE` is True,
//!   `objectGUID` is binary, anything else is text.
//! * A multi-valued attribute is a list, even with one value. A function
//!   whose parameter takes a single value is applied to every value of a list
//!   (`Trim([proxyAddresses])`); so are operators (`[proxyAddresses] & ";"`),
//!   and `IIF` with a list condition chooses per value
//!   (`IIF(InStr([proxyAddresses],"SIP:")=1,NULL,[proxyAddresses])` drops
//!   the SIP addresses). Lists are matched position by position; lists of
//!   different lengths in one call are an error. NULL items are kept as
//!   placeholders while evaluating (so positions stay aligned) and dropped
//!   from the result; an empty result is NULL.
//! * `IIF` evaluates only the branch it chooses. `Switch` evaluates every
//!   condition and every value, as documented, so an `Error()` in any of
//!   them fires. `&&` and `||` stop early on a single value.
//! * NULL: comparisons with NULL are False (`<>` is True), NULL = NULL is
//!   True; `CBool(NULL)` and a NULL condition are False; most functions
//!   return NULL for a NULL argument (see the table in [`super::funcs`]).
//! * `Error("…")` is an outcome ([`EvalError::Raised`]), not a panic.

use super::ast::BinOp;
use super::attrs::Syntax;
use super::error::{
    EvalError, Span, MAX_ARENA_BYTES, MAX_ITEMS, MAX_STEPS, MAX_TEXT_WORK, MAX_WORK,
};
use super::funcs::{self, FuncDef, Fx, Imp, Items, MAX_STRICT_ARGS, P};
use super::program::{FastKind, Hay, Node, NodeKind, Program};
use super::record::{Record, Values};
use super::value::{raw, room_items, text, Arena, Scratch, Txt, Value, ValueView, V};

/// Most steps [`Program::trace`] records.
pub const MAX_TRACE_STEPS: usize = 10_000;

/// One sub-expression's value, for `explain` (like Connect's Preview).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceStep {
    /// Where the sub-expression is.
    pub span: Span,
    /// Its source text.
    pub text: String,
    /// How deep it is (the whole expression is 0).
    pub depth: u32,
    /// Its value, or the error message.
    pub value: Result<Value, String>,
}

type R<'a> = Result<V<'a>, EvalError>;

/// Attributes resolved in one pass per evaluation (programs reading more
/// look the rest up one by one).
const RESOLVED: usize = 16;

struct Cx<'a, 'c, Rec: Record + ?Sized> {
    prog: &'a Program,
    rec: &'a Rec,
    /// The record's values of the program's first attributes, once `resolved`.
    found: [Option<Values<'a>>; RESOLVED],
    resolved: bool,
    /// The typed value of the program's first attributes once read, when single
    /// (`Some(None)`: a list, see [`Cx::attr_single`]).
    single: [Option<Option<V<'a>>>; RESOLVED],
    ar: &'c mut Arena,
    seed: u64,
    trace: Option<&'c mut Vec<TraceStep>>,
    depth: u32,
    steps: u64,
    /// Whether fused nodes take their fast path (not when tracing, not in
    /// [`Program::eval_reference`]).
    fast: bool,
}

/// What to apply to each position when lifting over lists.
#[derive(Clone, Copy)]
enum Callee {
    Func(&'static FuncDef, funcs::StrictFn, &'static [P]),
    Op(BinOp),
}

/// FNV-1a of the DN: the seed of `Guid()` and `RandomNum`.
fn dn_hash(dn: &[u8]) -> u64 {
    dn.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Types one value read from a record.
fn typed(syntax: Syntax, b: &[u8]) -> V<'_> {
    let as_text = |b| match std::str::from_utf8(b) {
        Ok(_) => V::Str(Txt::B(b)),
        Err(_) => V::Bin(Txt::B(b)),
    };
    match syntax {
        Syntax::Bin => V::Bin(Txt::B(b)),
        Syntax::Int => match std::str::from_utf8(b).ok().and_then(funcs::parse_num) {
            Some(n) => V::Num(n),
            None => as_text(b),
        },
        Syntax::Bool => match std::str::from_utf8(b).ok().and_then(funcs::parse_bool) {
            Some(v) => V::Bool(v),
            None => as_text(b),
        },
        Syntax::Ref => match std::str::from_utf8(b) {
            Ok(_) => V::Ref(Txt::B(b)),
            Err(_) => V::Bin(Txt::B(b)),
        },
        Syntax::Str | Syntax::Time => as_text(b),
    }
}

impl Program {
    /// Evaluates the expression for one record.
    ///
    /// The result borrows the record, the program and `scratch` (reuse one
    /// `Scratch` per thread: after warming up, evaluating a typical rule
    /// allocates nothing). `Error("…")` gives `Err(EvalError::Raised)`.
    pub fn eval<'a, Rec: Record + ?Sized>(
        &'a self,
        record: &'a Rec,
        scratch: &'a mut Scratch,
    ) -> Result<ValueView<'a>, EvalError> {
        let v = self.run(record, &mut scratch.arena, None, true)?;
        Ok(ValueView {
            v,
            arena: &scratch.arena,
        })
    }

    /// Evaluates to an owned value (allocates; convenient in tests and one-offs).
    pub fn eval_owned<Rec: Record + ?Sized>(&self, record: &Rec) -> Result<Value, EvalError> {
        let mut scratch = Scratch::new();
        self.eval(record, &mut scratch).map(|v| v.to_value())
    }

    /// Evaluates and records every sub-expression's value in evaluation
    /// order (children before their parent; the last step is the whole
    /// expression), as Connect's Preview shows them. Evaluation stops at the
    /// first error, which is recorded on every enclosing step. At most
    /// [`MAX_TRACE_STEPS`] steps are recorded.
    pub fn trace<Rec: Record + ?Sized>(&self, record: &Rec) -> Vec<TraceStep> {
        let mut scratch = Scratch::new();
        let mut steps = Vec::new();
        let _ = self.run(record, &mut scratch.arena, Some(&mut steps), false);
        steps
    }

    /// Evaluates to an owned value, with or without the fused fast paths
    /// (without: every sub-expression as written, the reference the fast
    /// paths are tested against), and says how many steps and how much list
    /// work the evaluation counted (see [`MAX_STEPS`], [`MAX_WORK`]).
    #[doc(hidden)]
    pub fn eval_counted<Rec: Record + ?Sized>(
        &self,
        record: &Rec,
        fast: bool,
    ) -> (Result<Value, EvalError>, u64, u64) {
        let mut scratch = Scratch::new();
        let r = self.run(record, &mut scratch.arena, None, fast);
        let r = r.map(|v| scratch.arena.to_value(v));
        (r, scratch.arena.steps, scratch.arena.work.get())
    }

    /// Evaluates one sub-tree that reads no attribute and no variable (a
    /// constant call) against an empty record: how the checker finds calls
    /// whose constant arguments already go over a limit.
    pub(crate) fn eval_constant(&self, kind: &NodeKind, span: Span) -> Result<(), EvalError> {
        let empty = crate::read::OwnedEntry {
            dn: Vec::new(),
            line: 0,
            byte: 0,
            attrs: Vec::new(),
        };
        let mut scratch = Scratch::new();
        let ar = &mut scratch.arena;
        ar.reset(self.vars, self.attrs.len());
        let mut cx = Cx {
            fast: false,
            prog: self,
            rec: &empty,
            found: [None; RESOLVED],
            single: [None; RESOLVED],
            resolved: false,
            ar,
            seed: 0,
            trace: None,
            depth: 0,
            steps: 0,
        };
        cx.eval_kind(kind, span).map(|_| ())
    }

    fn run<'a, Rec: Record + ?Sized>(
        &'a self,
        rec: &'a Rec,
        ar: &mut Arena,
        trace: Option<&mut Vec<TraceStep>>,
        fast: bool,
    ) -> R<'a> {
        ar.reset(self.vars, self.attrs.len());
        let seed = if self.seeded { dn_hash(rec.dn()) } else { 0 };
        let fast = fast && trace.is_none();
        let mut cx = Cx {
            fast,
            prog: self,
            rec,
            found: [None; RESOLVED],
            single: [None; RESOLVED],
            resolved: false,
            ar,
            seed,
            trace,
            depth: 0,
            steps: 0,
        };
        let v = cx.eval(&self.root);
        cx.ar.steps = cx.steps;
        let v = cx.finish(v?);
        // The whole expression's step shows the final value (NULL items dropped).
        if let Some(last) = cx
            .trace
            .as_deref_mut()
            .and_then(|s| s.last_mut())
            .filter(|l| l.depth == 0)
        {
            last.value = Ok(cx.ar.to_value(v));
        }
        Ok(v)
    }
}

impl<'a, Rec: Record + ?Sized> Cx<'a, '_, Rec> {
    fn eval(&mut self, node: &'a Node) -> R<'a> {
        self.steps += 1;
        if self.steps > MAX_STEPS
            || self.ar.work.get() > MAX_WORK
            || self.ar.text_work > MAX_TEXT_WORK
            || self.ar.bytes.len() > MAX_ARENA_BYTES
            || self.ar.items.len() + self.ar.tmp.len() > MAX_ITEMS
        {
            return Err(EvalError::Limit(
                "the evaluation is too expensive (resource limit reached)".into(),
                node.span,
            ));
        }
        if self.trace.is_none() {
            return self.eval_node(node);
        }
        self.depth += 1;
        let r = self.eval_node(node);
        self.depth -= 1;
        if self
            .trace
            .as_ref()
            .is_some_and(|s| s.len() >= MAX_TRACE_STEPS)
        {
            return r;
        }
        let value = match &r {
            Ok(v) => Ok(self.ar.to_value(*v)),
            Err(e) => Err(e.to_string()),
        };
        if let Some(steps) = self
            .trace
            .as_deref_mut()
            .filter(|s| s.len() < MAX_TRACE_STEPS)
        {
            steps.push(TraceStep {
                span: node.span,
                text: node.span.text(&self.prog.source).to_string(),
                depth: self.depth,
                value,
            });
        }
        r
    }

    /// The final value: NULL placeholders dropped from a list, an empty list is NULL.
    fn finish(&mut self, v: V<'a>) -> V<'a> {
        let V::Mv(s, e) = v else { return v };
        if self.ar.items[s..e].iter().all(|i| !i.is_nullish()) {
            return if s == e { V::Null } else { v };
        }
        let base = self.ar.tmp.len();
        for i in s..e {
            let item = self.ar.items[i];
            if !item.is_nullish() {
                self.ar.tmp.push(item);
            }
        }
        match self.ar.list_from(base) {
            V::Mv(s, e) if s == e => V::Null,
            list => list,
        }
    }

    fn fx(&mut self, span: Span, name: &'static str) -> Fx<'_> {
        Fx {
            ar: &mut *self.ar,
            span,
            name,
            seed: self.seed,
            now: self.prog.now,
        }
    }

    fn eval_node(&mut self, node: &'a Node) -> R<'a> {
        self.eval_kind(&node.kind, node.span)
    }

    fn eval_kind(&mut self, kind: &'a NodeKind, span: Span) -> R<'a> {
        match kind {
            NodeKind::Fast(f) => {
                if self.fast && self.steps + f.max_steps <= MAX_STEPS {
                    let mut work = 0;
                    if let Some((b, steps)) = self.fast_path(&f.kind, &mut work) {
                        self.steps += steps;
                        self.ar.charge(work);
                        return Ok(V::Bool(b));
                    }
                }
                self.eval_kind(&f.orig, span)
            }
            NodeKind::Null => Ok(V::Null),
            NodeKind::AuthNull => Ok(V::AuthNull),
            NodeKind::Ignore => Ok(V::Ignore),
            NodeKind::Bool(b) => Ok(V::Bool(*b)),
            NodeKind::Num(n) => Ok(V::Num(*n)),
            NodeKind::Str(s) => Ok(V::Str(Txt::B(s.as_bytes()))),
            NodeKind::Attr(i) => self.attr(*i, span),
            NodeKind::Var(slot) => Ok(self.ar.vars.get(*slot).copied().unwrap_or(V::Null)),
            NodeKind::Bin(b) => self.binary(b.op, &b.lhs, &b.rhs, span),
            NodeKind::Call(c) => match c.f.imp {
                Imp::Strict(imp) => {
                    let mut vals = [V::Null; MAX_STRICT_ARGS];
                    for (slot, a) in vals.iter_mut().zip(&c.args) {
                        *slot = self.eval(a)?;
                    }
                    let n = c.args.len().min(MAX_STRICT_ARGS);
                    self.apply(Callee::Func(c.f, imp, c.params), &vals[..n], span)
                }
                Imp::Iif => self.iif(&c.args, span),
                Imp::Switch => self.switch(&c.args),
                Imp::Select | Imp::Where => {
                    self.select(&c.args, matches!(c.f.imp, Imp::Where), span)
                }
                Imp::With => {
                    let v = self.eval(&c.args[1])?;
                    self.bind(&c.args[0], v);
                    self.eval(&c.args[2])
                }
                // The checker lowers ImportedValue("x") to an attribute read.
                Imp::ImportedValue => Ok(V::Null),
                Imp::Unsupported(why) => Err(EvalError::Unsupported(why.to_string(), span)),
            },
        }
    }

    /// A fused node's answer and the steps the generic evaluation would
    /// take besides the node itself; `None` when the generic evaluation must
    /// run (see `fast`). Adds the list work the generic evaluation would
    /// charge to `work`.
    fn fast_path(&mut self, k: &FastKind, work: &mut usize) -> Option<(bool, u64)> {
        match k {
            FastKind::CBool(x) => {
                let (b, steps) = self.fast_path(x, work)?;
                Some((b, steps + 1))
            }
            FastKind::Logic { or, lhs, rhs } => {
                let (a, l) = self.fast_path(lhs, work)?;
                if a == *or {
                    return Some((a, 1 + l));
                }
                let (b, r) = self.fast_path(rhs, work)?;
                Some((b, 1 + l + 1 + r))
            }
            FastKind::IsPresent {
                attr,
                negate,
                steps,
            } => {
                let v = self.attr_single(*attr)?;
                let present = match v {
                    V::Null | V::AuthNull | V::Ignore => false,
                    V::Str(t) => !raw(&self.ar.bytes, t).is_empty(),
                    V::Mv(..) => return None,
                    _ => true,
                };
                // `IsPresent` visits its one value.
                *work += usize::from(!v.is_nullish());
                Some((present != *negate, *steps))
            }
            FastKind::EqStr { attr, lit } => match self.attr_single(*attr)? {
                V::Null => Some((false, 2)),
                V::Str(t) | V::Ref(t) => Some((raw(&self.ar.bytes, t) == &lit[..], 2)),
                _ => None,
            },
            FastKind::StartsWith { attr, lit } => match self.attr_single(*attr)? {
                // `Left(NULL, n)` is "", which is not the (non-empty) text.
                V::Null => Some((false, 4)),
                V::Str(t) | V::Ref(t) => Some((raw(&self.ar.bytes, t).starts_with(lit), 4)),
                _ => None,
            },
            FastKind::Contains {
                hay,
                finder,
                found,
                steps,
            } => {
                let (attr, lower) = match *hay {
                    Hay::Attr(a) => (a, false),
                    Hay::Lower(a) => (a, true),
                    Hay::DnComponent(a, k) => {
                        let t = match self.attr_single(a)? {
                            // CRef, DNComponent and InStr pass NULL on; NULL compares False.
                            V::Null => return Some((false, *steps)),
                            V::Str(t) | V::Ref(t) => t,
                            _ => return None,
                        };
                        let s = text(&self.ar.bytes, t);
                        let range = usize::try_from(k)
                            .ok()
                            .filter(|&k| k >= 1)
                            .and_then(|k| crate::model::dn::components(s).nth(k - 1))
                            .map(|(off, rdn)| crate::model::dn::value_range(off, rdn));
                        let Some((lo, hi)) = range else {
                            return Some((false, *steps));
                        };
                        let hit = s
                            .as_bytes()
                            .get(lo..hi)
                            .is_some_and(|part| finder.find(part).is_some());
                        self.ar.charge_text(s.len());
                        return Some((hit == *found, *steps));
                    }
                };
                let t = match self.attr_single(attr)? {
                    V::Null => return Some((false, *steps)),
                    V::Str(t) | V::Ref(t) => t,
                    _ => return None,
                };
                self.ar.charge_text(t.byte_len());
                let b = raw(&self.ar.bytes, t);
                let hit = if !lower || !b.iter().any(u8::is_ascii_uppercase) {
                    if lower && !b.is_ascii() {
                        return None;
                    }
                    finder.find(b).is_some()
                } else {
                    if !b.is_ascii() {
                        return None;
                    }
                    let mut buf = std::mem::take(&mut self.ar.buf);
                    buf.clear();
                    buf.extend(b.iter().map(u8::to_ascii_lowercase));
                    let hit = finder.find(&buf).is_some();
                    self.ar.buf = buf;
                    hit
                };
                Some((hit == *found, *steps))
            }
            FastKind::PresentBitAnd { attr, mask } => {
                let v = self.attr_single(*attr)?;
                let r = match v {
                    // IIF, IsPresent, the attribute and NULL.
                    V::Null => (false, 4),
                    V::Str(t) if raw(&self.ar.bytes, t).is_empty() => (false, 4),
                    // … and `>`, BitAnd, the attribute, the mask and 0.
                    V::Num(n) => ((n & mask) > 0, 8),
                    _ => return None,
                };
                *work += usize::from(!v.is_nullish());
                Some(r)
            }
        }
    }

    /// The value of a program attribute, `None` if it is a list (several
    /// values, or an attribute the schema says is multi-valued).
    fn attr_single(&mut self, i: usize) -> Option<V<'a>> {
        if let Some(v) = self.single.get(i).copied().flatten() {
            return v;
        }
        let v = self.read_single(i);
        if let Some(slot) = self.single.get_mut(i) {
            *slot = Some(v);
        }
        v
    }

    fn read_single(&mut self, i: usize) -> Option<V<'a>> {
        let a = &self.prog.attrs[i];
        let rec = self.rec;
        if a.is_dn {
            return Some(typed(Syntax::Ref, rec.dn()));
        }
        let values = self.values(i);
        let Some(values) = values else {
            // Connect always knows an object's DN; exports may not list it as an attribute.
            return Some(if a.name == "distinguishedName" {
                typed(Syntax::Ref, rec.dn())
            } else {
                V::Null
            });
        };
        match values.len() {
            0 => Some(V::Null),
            1 if !a.multi => Some(values.first().map_or(V::Null, |b| typed(a.syntax, b))),
            _ => None,
        }
    }

    fn values(&mut self, i: usize) -> Option<Values<'a>> {
        let a = &self.prog.attrs[i];
        let rec = self.rec;
        if i < RESOLVED {
            if !self.resolved {
                let n = self.prog.attr_names.len().min(RESOLVED);
                rec.values_of(&self.prog.attr_names[..n], &mut self.found[..n]);
                self.resolved = true;
            }
            self.found[i]
        } else {
            rec.values(&a.name)
        }
    }

    fn attr(&mut self, i: usize, span: Span) -> R<'a> {
        if let Some(v) = self.attr_single(i) {
            return Ok(v);
        }
        let a = &self.prog.attrs[i];
        let Some(values) = self.values(i) else {
            return Ok(V::Null);
        };
        if let Some((s, e)) = self.ar.attr_cache.get(i).copied().flatten() {
            return Ok(V::Mv(s, e));
        }
        self.room_items(values.len(), span)?;
        self.ar.charge(values.len());
        let base = self.ar.tmp.len();
        let syntax = a.syntax;
        let ar = &mut *self.ar;
        values.for_each(|b| ar.tmp_push(typed(syntax, b)));
        let list = self.ar.list_from(base);
        if let (V::Mv(s, e), Some(slot)) = (list, self.ar.attr_cache.get_mut(i)) {
            *slot = Some((s, e));
        }
        Ok(list)
    }

    /// Fails with [`EvalError::Limit`] unless `n` more list items fit in
    /// [`MAX_ITEMS`]: checked before a list is built, not after.
    fn room_items(&self, n: usize, span: Span) -> Result<(), EvalError> {
        room_items(self.ar, n, span)
    }

    fn bind(&mut self, var: &Node, v: V<'_>) {
        if let NodeKind::Var(slot) = var.kind {
            let kept = self.ar.keep(v);
            if let Some(s) = self.ar.vars.get_mut(slot) {
                *s = kept;
            }
        }
    }

    /// Applies a function or operator, position by position over list arguments.
    fn apply(&mut self, callee: Callee, vals: &[V<'a>], span: Span) -> R<'a> {
        let maps = |i: usize| match callee {
            Callee::Func(_, _, params) => params.get(i).is_some_and(|p| p.maps()),
            Callee::Op(_) => true,
        };
        let mut len: Option<usize> = None;
        for (i, v) in vals.iter().enumerate() {
            if let V::Mv(s, e) = v {
                if maps(i) {
                    match len {
                        Some(l) if l != e - s => {
                            return Err(EvalError::Type(
                                format!(
                                    "multi-valued operands of different lengths ({l} and {})",
                                    e - s
                                ),
                                span,
                            ))
                        }
                        _ => len = Some(e - s),
                    }
                }
            }
        }
        let Some(n) = len else {
            return self.call_one(callee, vals, span);
        };
        self.room_items(n, span)?;
        self.ar.charge(n);
        let base = self.ar.tmp.len();
        for k in 0..n {
            let mut args = [V::Null; MAX_STRICT_ARGS];
            for (i, (slot, v)) in args.iter_mut().zip(vals).enumerate() {
                *slot = match v {
                    V::Mv(s, _) if maps(i) => self.ar.items[s + k],
                    v => *v,
                };
            }
            let r = self.call_one(callee, &args[..vals.len()], span)?;
            self.ar.tmp_push(r);
        }
        Ok(self.ar.list_from(base))
    }

    /// Applies to single values (or whole lists for list parameters).
    fn call_one(&mut self, callee: Callee, vals: &[V<'a>], span: Span) -> R<'a> {
        // Functions and operators read their text arguments (at least to
        // check them); counted before the call so that no single call runs
        // far past the limit.
        for v in vals {
            if let V::Str(t) | V::Ref(t) | V::Bin(t) = v {
                self.ar.charge_text(t.byte_len());
            }
        }
        if self.ar.text_work > MAX_TEXT_WORK {
            return Err(EvalError::Limit(
                format!(
                    "the evaluation reads more than {} MiB of text (resource limit)",
                    MAX_TEXT_WORK >> 20
                ),
                span,
            ));
        }
        match callee {
            Callee::Op(op) => {
                let mut fx = self.fx(span, op.symbol());
                funcs::binop(&mut fx, op, vals[0], vals[1])
            }
            Callee::Func(f, imp, params) => {
                let null_stops = match f.nulls {
                    funcs::Nulls::Propagate => vals
                        .iter()
                        .zip(params)
                        .any(|(v, p)| v.is_nullish() && !p.is_enum()),
                    funcs::Nulls::First => vals.iter().skip(1).any(V::is_nullish),
                    funcs::Nulls::All => false,
                };
                if null_stops {
                    return Ok(V::Null);
                }
                let mut fx = self.fx(span, f.name);
                imp(&mut fx, vals)
            }
        }
    }

    #[inline]
    fn truth(&self, v: V<'_>, span: Span) -> Result<bool, EvalError> {
        match v {
            V::Bool(b) => Ok(b),
            v => funcs::truth(self.ar, v, span),
        }
    }

    fn binary(&mut self, op: BinOp, lhs: &'a Node, rhs: &'a Node, span: Span) -> R<'a> {
        let a = self.eval(lhs)?;
        if matches!(op, BinOp::And | BinOp::Or) && !matches!(a, V::Mv(..)) {
            let t = self.truth(a, lhs.span)?;
            if t == (op == BinOp::Or) {
                return Ok(V::Bool(t));
            }
            let b = self.eval(rhs)?;
            if !matches!(b, V::Mv(..)) {
                return Ok(V::Bool(self.truth(b, rhs.span)?));
            }
            return self.apply(Callee::Op(op), &[V::Bool(t), b], span);
        }
        let b = self.eval(rhs)?;
        self.apply(Callee::Op(op), &[a, b], span)
    }

    fn iif(&mut self, args: &'a [Node], span: Span) -> R<'a> {
        let c = self.eval(&args[0])?;
        let V::Mv(s, e) = c else {
            return if self.truth(c, args[0].span)? {
                self.eval(&args[1])
            } else {
                self.eval(&args[2])
            };
        };
        // A list condition chooses per position; evaluate only the branches some position needs.
        let (mut any_true, mut any_false) = (false, false);
        for i in s..e {
            if self.truth(self.ar.items[i], args[0].span)? {
                any_true = true;
            } else {
                any_false = true;
            }
        }
        let t = if any_true {
            self.eval(&args[1])?
        } else {
            V::Null
        };
        let f = if any_false {
            self.eval(&args[2])?
        } else {
            V::Null
        };
        let n = e - s;
        self.room_items(n, span)?;
        for branch in [t, f] {
            if let V::Mv(bs, be) = branch {
                if be - bs != n {
                    return Err(EvalError::Type(
                        format!(
                            "IIF: the condition has {n} values but a branch has {}",
                            be - bs
                        ),
                        span,
                    ));
                }
            }
        }
        let base = self.ar.tmp.len();
        for k in 0..n {
            let pick = if self.truth(self.ar.items[s + k], span)? {
                t
            } else {
                f
            };
            let v = match pick {
                V::Mv(bs, _) => self.ar.items[bs + k],
                v => v,
            };
            self.ar.tmp_push(v);
        }
        Ok(self.ar.list_from(base))
    }

    fn switch(&mut self, args: &'a [Node]) -> R<'a> {
        let mut chosen = None;
        for pair in args.chunks(2) {
            let c = self.eval(&pair[0])?;
            // Every value is evaluated, as documented ("Switch evaluates all expressions").
            let v = self.eval(&pair[1])?;
            if matches!(c, V::Mv(..)) {
                return Err(EvalError::Type(
                    "a Switch condition must be a single value".into(),
                    pair[0].span,
                ));
            }
            if chosen.is_none() && self.truth(c, pair[0].span)? {
                chosen = Some(v);
            }
        }
        Ok(chosen.unwrap_or(V::Null))
    }

    fn select(&mut self, args: &'a [Node], filter: bool, span: Span) -> R<'a> {
        let source = self.eval(&args[1])?;
        let items = Items::of(source);
        let base = self.ar.tmp.len();
        for i in 0..items.slots() {
            let item = items.slot(self.ar, i);
            if item.is_nullish() {
                continue;
            }
            self.bind(&args[0], item);
            let r = self.eval(&args[2])?;
            if filter {
                if self.truth(r, span)? {
                    self.ar.tmp_push(item);
                }
            } else {
                self.ar.tmp_push(r);
            }
        }
        Ok(self.ar.list_from(base))
    }
}
