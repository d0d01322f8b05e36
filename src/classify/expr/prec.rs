//! Operator precedence.
//!
//! Three levels, loosest first; within a level, operators group left to right:
//!
//! | level | operators | `a op b op c` |
//! |---|---|---|
//! | [`Level::Logical`] | `&&` `\|\|` | `(a && b) \|\| c` |
//! | [`Level::Comparison`] | `=` `<>` `<` `<=` `>` `>=` | `(a = b) = c` |
//! | [`Level::Operator`] | `&` `+` `-` `*` `/` | `2 + 5 * 3` is `(2 + 5) * 3` = 21 |
//!
//! Microsoft's reference says all operators have the same priority and are
//! evaluated left to right. For arithmetic and `&` we follow it. For
//! comparisons against `&&`/`||` we do not: the out-of-box `cloudFiltered`
//! expression `IsPresent([isCriticalSystemObject]) || IsPresent([sAMAccountName]) = False || …`
//! only means what its documentation says if `=` binds tighter than `||`
//! (strictly left to right it would compute `(IsPresent(…) || IsPresent(…)) = False`).
//! The checker warns about every unparenthesised chain where the two
//! readings could differ (docs/rules.md#operator-precedence).

use super::ast::{BinOp, Level};
use super::error::Span;

/// The level of an operator (the AST states it: printing needs it too).
pub fn level(op: BinOp) -> Level {
    op.level()
}

/// Finer classes, for the lints about chains a reader may group differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Class {
    Logical,
    Comparison,
    AddSub,
    MulDiv,
    Concat,
}

pub(crate) fn class(op: BinOp) -> Class {
    match op {
        BinOp::And | BinOp::Or => Class::Logical,
        BinOp::Add | BinOp::Sub => Class::AddSub,
        BinOp::Mul | BinOp::Div => Class::MulDiv,
        BinOp::Concat => Class::Concat,
        _ => Class::Comparison,
    }
}

/// Groups `head (op operand)*` by level, left to right within a level
/// (shunting-yard: iterative, so a long chain cannot exhaust the stack).
/// `make` builds one node and may refuse (too deep), which stops the build.
pub(crate) fn climb<T>(
    head: T,
    tail: Vec<(BinOp, Span, T)>,
    mut make: impl FnMut(T, BinOp, Span, T) -> Option<T>,
) -> Option<T> {
    let mut operands = vec![head];
    let mut ops: Vec<(BinOp, Span)> = Vec::new();
    let mut reduce = |operands: &mut Vec<T>, ops: &mut Vec<(BinOp, Span)>| -> Option<()> {
        let (op, span) = ops.pop()?;
        let rhs = operands.pop()?;
        let lhs = operands.pop()?;
        operands.push(make(lhs, op, span, rhs)?);
        Some(())
    };
    for (op, span, operand) in tail {
        while ops.last().is_some_and(|(top, _)| level(*top) >= level(op)) {
            reduce(&mut operands, &mut ops)?;
        }
        ops.push((op, span));
        operands.push(operand);
    }
    while !ops.is_empty() {
        reduce(&mut operands, &mut ops)?;
    }
    operands.pop()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Evaluates a chain of numbers with the real grouping.
    fn eval(head: i64, tail: &[(BinOp, i64)]) -> i64 {
        let tail = tail
            .iter()
            .map(|&(op, v)| (op, Span::default(), v))
            .collect();
        climb(head, tail, |a, op, _, b| {
            Some(match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div => a / b,
                BinOp::Eq => i64::from(a == b),
                BinOp::Or => i64::from(a != 0 || b != 0),
                _ => unreachable!("not used by these tests"),
            })
        })
        .unwrap_or(i64::MIN)
    }

    #[test]
    fn arithmetic_is_left_to_right() {
        assert_eq!(eval(2, &[(BinOp::Mul, 5), (BinOp::Add, 3)]), 13);
        assert_eq!(eval(2, &[(BinOp::Add, 5), (BinOp::Mul, 3)]), 21);
        assert_eq!(eval(10, &[(BinOp::Sub, 4), (BinOp::Sub, 3)]), 3);
    }

    #[test]
    fn comparison_binds_tighter_than_or() {
        // 1 = 1 || 2 = 3 → (1 = 1) || (2 = 3) → 1
        assert_eq!(
            eval(1, &[(BinOp::Eq, 1), (BinOp::Or, 2), (BinOp::Eq, 3)]),
            1
        );
        // 2 || 0 = 5 → 2 || (0 = 5) → 1; strictly left to right, (2 || 0) = 5 → 0.
        assert_eq!(eval(2, &[(BinOp::Or, 0), (BinOp::Eq, 5)]), 1);
    }

    #[test]
    fn refusal_stops_the_build() {
        let tail = vec![
            (BinOp::Add, Span::default(), 1),
            (BinOp::Add, Span::default(), 2),
        ];
        assert_eq!(climb(0, tail, |_, _, _, _| None::<i64>), None);
    }
}
