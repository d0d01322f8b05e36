//! Evaluating one flow, and the metaverse side of the simulation: scoping
//! clauses on metaverse values and the metaverse as a record.

use std::fmt::Write as _;

use crate::classify::expr::{EvalError, Program, Record, Scratch, Values};
use crate::classify::scope::ScopeOp;
use crate::classify::Intent;

/// A flow, ready to evaluate.
#[derive(Debug)]
pub(super) enum Compiled {
    Direct(String),
    Constant(Option<String>),
    Expression(Box<Program>),
    /// The expression does not compile (`rules check` says why): the flow
    /// fails the object, as Connect would refuse the rule.
    Broken(String),
}

pub(super) enum Got {
    Value,
    Null(&'static str),
    AuthoritativeNull,
    Error(String, &'static str),
}

/// Evaluates a flow into `out`.
pub(super) fn flow_value(
    c: &Compiled,
    record: &dyn Record,
    scratch: &mut Scratch,
    out: &mut String,
) -> Got {
    out.clear();
    match c {
        Compiled::Direct(a) => match record.values(a).and_then(|v| v.first()) {
            Some(b) if !b.is_empty() => {
                out.push_str(&String::from_utf8_lossy(b));
                Got::Value
            }
            _ => Got::Null("NULL (source attribute absent)"),
        },
        Compiled::Constant(Some(v)) => {
            out.push_str(v);
            Got::Value
        }
        Compiled::Constant(None) => Got::Null("NULL (a Constant flow without a value)"),
        Compiled::Broken(why) => Got::Error(
            format!("the rule's expression does not compile: {why}"),
            "bad_expression",
        ),
        Compiled::Expression(p) => match p.eval(record, scratch) {
            Ok(v) if v.is_null() => Got::Null("NULL"),
            Ok(v) if v.is_ignore_this_flow() => Got::Null("IgnoreThisFlow"),
            Ok(v) if v.is_authoritative_null() => Got::AuthoritativeNull,
            Ok(v) => {
                match (v.as_str(), v.as_bool()) {
                    (Some(s), _) => out.push_str(s),
                    (None, Some(b)) => out.push_str(if b { "True" } else { "False" }),
                    _ => {
                        let _ = write!(out, "{v}");
                    }
                }
                Got::Value
            }
            Err(EvalError::Raised(message, _)) => Got::Error(message, "raised"),
            Err(e) => Got::Error(format!("evaluation failed: {e}"), e.code()),
        },
    }
}

pub(super) fn value_intent(v: &str) -> Intent {
    match v {
        "Member" => Intent::UserType(crate::classify::UserType::Member),
        "Guest" => Intent::UserType(crate::classify::UserType::Guest),
        other => Intent::Invalid(other.to_string()),
    }
}

/// A scoping-filter clause on a metaverse value, with the connector-space
/// semantics of [`Clause::holds`] (absent satisfies the negated operators).
pub(super) fn mv_holds(op: ScopeOp, value: Option<&str>, want: &str) -> bool {
    use crate::classify::scope::{contains_ci, ends_with_ci, starts_with_ci};
    use ScopeOp::*;
    let v = value.map(str::trim).filter(|v| !v.is_empty());
    let negated = matches!(
        op,
        NotEqual
            | NotContains
            | NotStartsWith
            | NotEndsWith
            | IsNotIn
            | IsNotBitSet
            | IsNotMemberOf
    );
    let Some(v) = v else {
        return match op {
            IsNull => true,
            IsNotNull => false,
            _ => negated,
        };
    };
    let cmp = || {
        v.bytes()
            .map(|c| c.to_ascii_lowercase())
            .cmp(want.bytes().map(|c| c.to_ascii_lowercase()))
    };
    let positive = match op {
        IsNull => return false,
        IsNotNull => return true,
        Equal | NotEqual | IsMemberOf | IsNotMemberOf => v.eq_ignore_ascii_case(want),
        LessThan => cmp().is_lt(),
        LessThanOrEqual => cmp().is_le(),
        GreaterThan => cmp().is_gt(),
        GreaterThanOrEqual => cmp().is_ge(),
        Contains | NotContains => contains_ci(v, want),
        StartsWith | NotStartsWith => starts_with_ci(v, want),
        EndsWith | NotEndsWith => ends_with_ci(v, want),
        IsIn | IsNotIn => want.split(';').any(|w| v.eq_ignore_ascii_case(w.trim())),
        IsBitSet | IsNotBitSet => match (v.parse::<i64>(), want.trim().parse::<i64>()) {
            (Ok(v), Ok(bits)) => v & bits == bits,
            _ => false,
        },
    };
    positive != negated
}

/// The metaverse values computed so far, as a record for outbound expressions.
pub(super) struct MvRecord<'a> {
    pub(super) names: &'a [String],
    pub(super) set: &'a [bool],
    pub(super) views: Vec<&'a str>,
}

impl Record for MvRecord<'_> {
    fn values(&self, name: &str) -> Option<Values<'_>> {
        let slot = self
            .names
            .iter()
            .position(|m| m.eq_ignore_ascii_case(name))?;
        if !self.set.get(slot).copied().unwrap_or(false) {
            return None;
        }
        self.views
            .get(slot)
            .map(|v| Values::Strs(std::slice::from_ref(v)))
    }

    fn dn(&self) -> &[u8] {
        b""
    }
}
