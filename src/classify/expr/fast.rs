//! Peephole fusions: a few sub-expression shapes that real rules (the
//! out-of-box `cloudFiltered` expression, Microsoft's UserType sample) are
//! made of, recognised once after checking and evaluated by a direct test
//! instead of a walk over their nodes.
//!
//! A fused node keeps the sub-expression it replaces ([`Fast::orig`]). The
//! fast path only answers when the attribute it reads is absent or holds a
//! single value of a type for which the answer is obviously the one the
//! generic evaluation gives (a single text value, mostly); for anything
//! else (lists, numbers where text is expected, binary, invalid UTF-8,
//! non-ASCII text to lower-case) it declines and the original
//! sub-expression is evaluated as written. The fast path never raises, never
//! touches the arena except to charge the same list work as the generic
//! path, and adds to the step count exactly the number of sub-expressions
//! the generic evaluation would have visited, so resource limits trip at the
//! same point. `trace` always evaluates the original sub-expressions, so
//! `explain` shows every one of them. The shapes:
//!
//! * `IsPresent([a])`, `IsPresent([a]) = False`, `IsPresent([a]) = True`;
//! * `[a] = "text"`;
//! * `Left([a], n) = "text"` where `text` has `n ≥ 1` characters: a starts-with test;
//! * `InStr(h, "text") > 0` and `InStr(h, "text") = 0` with a non-empty
//!   `text` (a precomputed [`memchr::memmem::Finder`]), where `h` is
//!   `[a]`, `LCase([a])` or `DNComponent(CRef([a]), k)`;
//! * `CBool(IIF(IsPresent([a]), BitAnd([a], k) > 0, NULL))`;
//! * any of the above as the argument of `CBool` (which leaves a Boolean as it is);
//! * `x || y` and `x && y` where both `x` and `y` are fused: on Booleans
//!   the generic evaluation stops after `x` when `x` decides, and so does
//!   the fused one; if any operand declines, the whole chain is evaluated
//!   as written.

use memchr::memmem::Finder;

use super::ast::BinOp;
use super::program::{AttrUse, Fast, FastKind, Hay, Node, NodeKind};

fn count(node: &NodeKind) -> u64 {
    1 + match node {
        NodeKind::Call(c) => c.args.iter().map(|a| count(&a.kind)).sum(),
        NodeKind::Bin(b) => count(&b.lhs.kind) + count(&b.rhs.kind),
        NodeKind::Fast(f) => count(&f.orig) - 1,
        _ => 0,
    }
}

struct Lower<'p> {
    attrs: &'p [AttrUse],
}

impl Lower<'_> {
    /// A single-valued attribute read.
    fn attr(&self, n: &NodeKind) -> Option<usize> {
        match n {
            NodeKind::Attr(i) if !self.attrs[*i].multi => Some(*i),
            _ => None,
        }
    }

    fn call<'n>(&self, n: &'n NodeKind, name: &str, arity: usize) -> Option<&'n [Node]> {
        match n {
            NodeKind::Call(c) if c.f.name == name && c.args.len() == arity => Some(&c.args),
            _ => None,
        }
    }

    fn str_lit<'n>(&self, n: &'n NodeKind) -> Option<&'n str> {
        match n {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }

    fn num(&self, n: &NodeKind) -> Option<i64> {
        match n {
            NodeKind::Num(k) => Some(*k),
            _ => None,
        }
    }

    fn eq<'n>(&self, n: &'n NodeKind, op: BinOp) -> Option<(&'n NodeKind, &'n NodeKind)> {
        match n {
            NodeKind::Bin(b) if b.op == op => Some((&b.lhs.kind, &b.rhs.kind)),
            _ => None,
        }
    }

    fn is_present(&self, n: &NodeKind) -> Option<usize> {
        let args = self.call(n, "IsPresent", 1)?;
        self.attr(&args[0].kind)
    }

    fn hay(&self, n: &NodeKind) -> Option<(Hay, u64)> {
        if let Some(a) = self.attr(n) {
            return Some((Hay::Attr(a), 1));
        }
        if let Some(args) = self.call(n, "LCase", 1) {
            return Some((Hay::Lower(self.attr(&args[0].kind)?), 2));
        }
        let args = self.call(n, "DNComponent", 2)?;
        let k = self.num(&args[1].kind)?;
        let cref = self.call(&args[0].kind, "CRef", 1)?;
        Some((Hay::DnComponent(self.attr(&cref[0].kind)?, k), 4))
    }

    /// The shapes that give a Boolean (without a `CBool` around them).
    fn boolean(&self, n: &NodeKind) -> Option<FastKind> {
        if let Some(attr) = self.is_present(n) {
            return Some(FastKind::IsPresent {
                attr,
                negate: false,
                steps: 1,
            });
        }
        if let Some((l, r)) = self.eq(n, BinOp::Eq) {
            if let (Some(attr), NodeKind::Bool(b)) = (self.is_present(l), r) {
                return Some(FastKind::IsPresent {
                    attr,
                    negate: !b,
                    steps: 3,
                });
            }
            if let (Some(attr), Some(lit)) = (self.attr(l), self.str_lit(r)) {
                let lit = lit.as_bytes().into();
                return Some(FastKind::EqStr { attr, lit });
            }
            if let (Some(args), Some(lit)) = (self.call(l, "Left", 2), self.str_lit(r)) {
                let attr = self.attr(&args[0].kind)?;
                let n = self.num(&args[1].kind)?;
                let chars = lit.chars().count();
                if n >= 1 && usize::try_from(n).ok() == Some(chars) {
                    let lit = lit.as_bytes().into();
                    return Some(FastKind::StartsWith { attr, lit });
                }
                return None;
            }
        }
        for (op, found) in [(BinOp::Gt, true), (BinOp::Eq, false)] {
            let Some((l, r)) = self.eq(n, op) else {
                continue;
            };
            if self.num(r) != Some(0) {
                continue;
            }
            let args = self.call(l, "InStr", 2)?;
            let lit = self.str_lit(&args[1].kind).filter(|s| !s.is_empty())?;
            let (hay, hay_steps) = self.hay(&args[0].kind)?;
            return Some(FastKind::Contains {
                hay,
                finder: Box::new(Finder::new(lit.as_bytes()).into_owned()),
                found,
                // `InStr`, the hay, the text and 0.
                steps: 1 + hay_steps + 1 + 1,
            });
        }
        None
    }

    /// `CBool(IIF(IsPresent([a]), BitAnd([a], k) > 0, NULL))` (`n` is the `IIF`).
    fn present_bit_and(&self, n: &NodeKind) -> Option<FastKind> {
        let args = self.call(n, "IIF", 3)?;
        let attr = self.is_present(&args[0].kind)?;
        if !matches!(args[2].kind, NodeKind::Null) {
            return None;
        }
        let (l, r) = self.eq(&args[1].kind, BinOp::Gt)?;
        if self.num(r) != Some(0) {
            return None;
        }
        let bits = self.call(l, "BitAnd", 2)?;
        if self.attr(&bits[0].kind) != Some(attr) {
            return None;
        }
        let mask = self.num(&bits[1].kind)?;
        Some(FastKind::PresentBitAnd { attr, mask })
    }

    /// A fused Boolean sub-expression, if `n` is one.
    fn term(&self, n: &NodeKind) -> Option<FastKind> {
        if let Some(args) = self.call(n, "CBool", 1) {
            if let Some(k) = self.present_bit_and(&args[0].kind) {
                return Some(k);
            }
            return Some(FastKind::CBool(Box::new(self.term(&args[0].kind)?)));
        }
        if let Some(k) = self.boolean(n) {
            return Some(k);
        }
        let or = match n {
            NodeKind::Bin(b) if b.op == BinOp::Or => true,
            NodeKind::Bin(b) if b.op == BinOp::And => false,
            _ => return None,
        };
        let (l, r) = self.eq(n, if or { BinOp::Or } else { BinOp::And })?;
        let lhs = Box::new(self.term(l)?);
        let rhs = Box::new(self.term(r)?);
        Some(FastKind::Logic { or, lhs, rhs })
    }

    fn fuse(&self, node: &mut Node) {
        if let Some(kind) = self.term(&node.kind) {
            let orig = std::mem::replace(&mut node.kind, NodeKind::Null);
            let max_steps = count(&orig) - 1;
            node.kind = NodeKind::Fast(Box::new(Fast {
                kind,
                orig,
                max_steps,
            }));
            return;
        }
        match &mut node.kind {
            NodeKind::Call(c) => c.args.iter_mut().for_each(|a| self.fuse(a)),
            NodeKind::Bin(b) => {
                self.fuse(&mut b.lhs);
                self.fuse(&mut b.rhs);
            }
            _ => {}
        }
    }
}

/// Replaces the recognised shapes in `root` by fused nodes.
pub(crate) fn fuse(root: &mut Node, attrs: &[AttrUse]) {
    Lower { attrs }.fuse(root);
}
