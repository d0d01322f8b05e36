//! `rules check --connect-config`: configuration mistakes that change what
//! UserType Connect exports, each with the rule's name and file:line.
//!
//! * `same-precedence`: two enabled rules with one precedence (Learn: "Do not
//!   pick a value that is used by another synchronization rule");
//! * `custom-precedence`: a custom rule (no `Microsoft.` ImmutableTag)
//!   outside 1–99, the range Learn reserves for custom rules;
//! * `usertype-values`: a UserType flow that can yield something other than
//!   `Member` or `Guest`, the only values Entra ID accepts;
//! * `inbound-without-outbound` / `outbound-without-inbound`: half of the
//!   pair Learn's steps 4 and 5 create;
//! * `bad-expression`: an expression that does not parse or type-check.

use super::model::{Direction, FlowMapping, FlowType, SyncRule};
use super::Diagnostic;
use crate::classify::expr::{self, CompileOptions, Expr, ExprKind};

fn is_user_type(dest: &str) -> bool {
    dest.eq_ignore_ascii_case("userType")
}

/// Every problem of the rules.
pub fn check(rules: &[SyncRule]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let enabled: Vec<&SyncRule> = rules.iter().filter(|r| !r.disabled).collect();
    for (i, a) in enabled.iter().enumerate() {
        if let Some(b) = enabled
            .iter()
            .skip(i + 1)
            .find(|b| b.precedence == a.precedence)
        {
            out.push(Diagnostic::warning(
                b.at.clone(),
                "same-precedence",
                format!(
                    "rule `{}` has precedence {}, as rule `{}` ({}) has: which one wins is not \
                     defined; give each enabled rule its own precedence",
                    b.name, b.precedence, a.name, a.at
                ),
            ));
        }
    }
    for r in rules {
        if !r.is_out_of_box() && !(1..=99).contains(&r.precedence) {
            out.push(Diagnostic::warning(
                r.at.clone(),
                "custom-precedence",
                format!(
                    "custom rule `{}` has precedence {}: custom rules use 1–99 (100 and above \
                     belong to the out-of-box rules, and a custom rule there loses to them)",
                    r.name, r.precedence
                ),
            ));
        }
        for f in &r.flows {
            check_flow(r, f, &mut out);
        }
    }
    let flows_user_type = |r: &&SyncRule, d: Direction| {
        r.direction == d && r.flows.iter().any(|f| is_user_type(&f.destination))
    };
    let inbound: Vec<&SyncRule> = enabled
        .iter()
        .copied()
        .filter(|r| flows_user_type(r, Direction::Inbound))
        .collect();
    let outbound: Vec<&SyncRule> = enabled
        .iter()
        .copied()
        .filter(|r| flows_user_type(r, Direction::Outbound))
        .collect();
    if outbound.is_empty() {
        for r in &inbound {
            out.push(Diagnostic::warning(
                r.at.clone(),
                "inbound-without-outbound",
                format!(
                    "rule `{}` flows userType into the metaverse, but no enabled outbound rule \
                     flows it to Entra ID: nothing is exported (new users are created as Member, \
                     existing values are kept); add the outbound rule of Learn's step 5",
                    r.name
                ),
            ));
        }
    }
    if inbound.is_empty() {
        for r in &outbound {
            out.push(Diagnostic::warning(
                r.at.clone(),
                "outbound-without-inbound",
                format!(
                    "rule `{}` exports userType, but no enabled inbound rule flows it into the \
                     metaverse: it exports no value; add the inbound rule of Learn's step 4",
                    r.name
                ),
            ));
        }
    }
    out
}

fn check_flow(r: &SyncRule, f: &FlowMapping, out: &mut Vec<Diagnostic>) {
    let user_type = is_user_type(&f.destination);
    match f.flow_type {
        FlowType::Expression => {
            let src = f.expression.as_deref().unwrap_or("");
            match expr::compile(src, &CompileOptions::default()) {
                Err(errors) => {
                    let first = errors.first().map(|e| e.render(src)).unwrap_or_default();
                    out.push(Diagnostic::error(
                        f.at.clone(),
                        "bad-expression",
                        format!(
                            "rule `{}`, flow to `{}`: the expression does not compile \
                             ({} error(s)); first: {first}",
                            r.name,
                            f.destination,
                            errors.len()
                        ),
                    ));
                }
                Ok(_) if user_type && r.direction == Direction::Inbound => {
                    if let Ok(tree) = expr::parse(src) {
                        let mut odd = Vec::new();
                        results(&tree, &mut odd);
                        if !odd.is_empty() {
                            out.push(Diagnostic::warning(
                                f.at.clone(),
                                "usertype-values",
                                format!(
                                    "rule `{}`: the UserType expression can yield {}; Entra ID \
                                     accepts only Member and Guest",
                                    r.name,
                                    odd.join(", ")
                                ),
                            ));
                        }
                    }
                }
                Ok(_) => {}
            }
        }
        FlowType::Constant if user_type => {
            let v = f.source.first().map(String::as_str).unwrap_or("");
            if v != "Member" && v != "Guest" {
                out.push(Diagnostic::error(
                    f.at.clone(),
                    "usertype-values",
                    format!(
                        "rule `{}`: the Constant UserType flow sets `{v}`; Entra ID accepts only \
                         Member and Guest",
                        r.name
                    ),
                ));
            }
        }
        FlowType::Direct if user_type && r.direction == Direction::Inbound => {
            let src = f.source.first().map(String::as_str).unwrap_or("");
            out.push(Diagnostic::warning(
                f.at.clone(),
                "usertype-values",
                format!(
                    "rule `{}`: the Direct UserType flow passes `{src}` as it is: any other \
                     value than exactly Member or Guest (`guest`, `Guest `, `External`) fails \
                     to export; the audit reports such accounts as invalid",
                    r.name
                ),
            ));
        }
        _ => {}
    }
}

/// What an expression can yield besides `Member`, `Guest` and the
/// no-value literals: through `IIF` and `Switch` branches, the other
/// string literals, and `a computed value` for anything not a literal.
fn results(e: &Expr, odd: &mut Vec<String>) {
    let mut push = |s: String| {
        if !odd.contains(&s) {
            odd.push(s);
        }
    };
    match &e.kind {
        ExprKind::Str(s) if s == "Member" || s == "Guest" => {}
        ExprKind::Str(s) => push(format!("\"{s}\"")),
        ExprKind::Const(c)
            if matches!(c.as_str(), "NULL" | "AuthoritativeNull" | "IgnoreThisFlow") => {}
        ExprKind::Call { name, args, .. } if name == "IIF" => {
            for a in args.iter().skip(1) {
                results(a, odd);
            }
        }
        ExprKind::Call { name, args, .. } if name == "Switch" => {
            // Switch(cond1, value1, cond2, value2, …): the odd arguments.
            for a in args.iter().skip(1).step_by(2) {
                results(a, odd);
            }
        }
        ExprKind::Call { name, .. } if name == "Error" => {}
        _ => push(format!("a computed value (`{e}`)")),
    }
}
