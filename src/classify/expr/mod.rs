//! The Entra Connect declarative provisioning expression language: the
//! language of sync-rule transformations such as Microsoft's UserType sample
//!
//! ```text
//! IIF(IsPresent([userPrincipalName]),
//!     IIF(CBool(InStr(LCase([userPrincipalName]),"@partners.fabrikam123.org")=0),"Member","Guest"),
//!     Error("UserPrincipalName is not present to determine UserType"))
//! ```
//!
//! The pipeline is lex → parse → check (→ fuse) → eval, one file each:
//!
//! * `lex.rs`: tokens with byte spans (strings, `&H` numbers, `[attributes]`,
//!   `%parameters%`, `$variables`, names, operators, `//` comments);
//! * `parse.rs` + `prec.rs`: the [`Expr`] tree, several errors per run;
//! * `check.rs`: case-sensitive resolution of functions, constants and
//!   attributes (with "did you mean"), arity and static types, `%parameter%`
//!   values, and [`Lint`]s; produces a [`Program`];
//! * `fast.rs`: peephole fusions of the shapes real rules are made of
//!   (`Left([a], n) = "…"`, `InStr(…, "…") > 0`, `IsPresent`, `||` chains of
//!   them, …) into direct tests, which fall back to the sub-expression as
//!   written whenever their answer is not obviously the same (lists,
//!   non-text values); `trace` never uses them;
//! * `eval.rs` + `funcs.rs` (the function table) + `value.rs`: evaluation
//!   against a [`Record`], allocation-free once a [`Scratch`] is warm.
//!
//! ```
//! use usertype_audit::classify::expr::{compile, CompileOptions, Scratch, Value};
//! use usertype_audit::read::{OwnedAttr, OwnedEntry, Value as Bytes, ValueKind};
//!
//! let rule = r#"IIF(IsPresent([userPrincipalName]),
//!     IIF(CBool(InStr(LCase([userPrincipalName]),"@partners.fabrikam123.org")=0),"Member","Guest"),
//!     Error("UserPrincipalName is not present to determine UserType"))"#;
//! let compiled = compile(rule, &CompileOptions::default()).expect("the sample compiles");
//! // The sample tests "contains", not "ends with": the checker says so.
//! assert!(compiled.warnings.iter().any(|w| w.code == "contains-not-ends-with"));
//!
//! let user = |upn: &str| OwnedEntry {
//!     dn: b"CN=x,OU=Partners,DC=contoso,DC=com".to_vec(),
//!     line: 1,
//!     byte: 0,
//!     attrs: vec![OwnedAttr {
//!         name: "userPrincipalName".into(),
//!         values: vec![Bytes { bytes: upn.as_bytes().to_vec(), kind: ValueKind::Plain }],
//!     }],
//! };
//! let mut scratch = Scratch::new();
//! let program = &compiled.program;
//! let guest = user("x@partners.fabrikam123.org.evil.com");
//! assert_eq!(program.eval(&guest, &mut scratch).unwrap().as_str(), Some("Guest"));
//! assert_eq!(program.eval_owned(&user("bob@contoso.com")), Ok(Value::str("Member")));
//! ```
//!
//! # Grammar
//!
//! ```text
//! expr    = operand { op operand }
//! operand = ["-"] number | "&H" hex | "\"" text "\"" | "[" attribute "]"
//!         | "%" parameter "%" | "$" variable | name "(" [expr {"," expr}] ")"
//!         | name | "(" expr ")"
//! op      = "&" | "+" | "-" | "*" | "/" | "=" | "<>" | "<" | "<=" | ">" | ">=" | "&&" | "||"
//! ```
//!
//! Strings use straight double quotes; `""` inside is a quote and `\\` a
//! backslash (other backslashes are literal). Numbers are 64-bit integers. `True`, `False`, `NULL`,
//! `AuthoritativeNull`, `IgnoreThisFlow`, `CRLF` and the enum names
//! (`vbTextCompare`, `CaseInsensitive`, `UTF8`, …) are the constants. Names
//! of functions, constants and attributes are case-sensitive, as in Connect.
//!
//! # Precedence
//!
//! Comparisons (`= <> < <= > >=`) bind tighter than `&&` and `||`, which
//! have equal priority among themselves. `&`, `+`, `-`, `*` and `/` bind
//! tighter still and are evaluated strictly left to right with equal
//! priority, as Microsoft documents: `2*5+3` is 13 and `2+5*3` is 21. The
//! documentation also says comparisons and logical operators are evaluated
//! left to right, but Microsoft's own out-of-box `cloudFiltered` rule
//! (`IsPresent([isCriticalSystemObject]) || IsPresent([sAMAccountName]) = False || …`)
//! only works if comparisons come first, so that is what we do; every
//! unparenthesised chain where the readings differ gets a lint. Details in
//! the `prec` module.
//!
//! # Semantics chosen where Microsoft's documentation is silent
//!
//! Each is a choice, flagged UNCONFIRMED in docs/rules.md#choices-where-the-documentation-is-silent.
//!
//! * `=` and the other comparisons compare strings ordinally (binary,
//!   case-sensitive), like VBA's default; so does `InStr` without
//!   `vbTextCompare` and `Contains` without `CaseInsensitive`.
//! * NULL: `[absent] = "x"` is False, `[absent] <> "x"` is True, NULL = NULL
//!   is True; `CBool(NULL)` is False; `IsPresent([absent]) = False` is True.
//! * `vbTextCompare` and `CaseInsensitive` fold each character to the first
//!   character of its lower case (so positions stay in characters).
//! * `IIF` evaluates only the branch it chooses (otherwise Microsoft's
//!   sample would always fail on its `Error`); `Switch` evaluates every
//!   condition and every value, as documented, so an `Error()` in any of them
//!   fires; `&&` and `||` stop early on a single value.
//! * Attribute values are typed by the schema table in [`attrs`]
//!   (`userAccountControl: 512` is a number, `TRUE` a Boolean, `objectGUID`
//!   binary); attributes not in the table are text. `[dn]` is the record's
//!   DN; `[distinguishedName]` falls back to it when the export lacks it.
//! * Multi-valued attributes: see [below](#multi-valued).
//! * Lengths and positions (`Len`, `Left`, `Mid`, `InStr`, …) count Unicode
//!   characters; .NET counts UTF-16 units, which differs only for characters
//!   outside the Basic Multilingual Plane.
//! * `/` is integer division (not in the documented operator list).
//! * Dates are UTC. `CDate` text without an offset is taken as UTC.
//!   `Now()` is fixed for a run ([`CompileOptions::now`]); `Guid()` and
//!   `RandomNum` are derived from the DN, so reports are reproducible (they
//!   draw a `nondeterministic` lint).
//! * `DNComponent`/`DNComponentRev` return the RDN value with its DN escapes
//!   as written (`CN=bob\0ACNF:1234` gives `bob\0ACNF:1234`), and `\\` in a
//!   string constant is one backslash: the reading under which the
//!   out-of-box clause `InStr(DNComponent(CRef([dn]),1),"\\0ACNF:")>0`
//!   matches replication victims as documented (UNCONFIRMED: the
//!   documentation does not say how backslashes in strings are read).
//! * `ImportedValue("x")` is the value of `x` in the export. `CBin` and
//!   `Thumbprint` (undocumented) compile but fail at evaluation; the
//!   Certificate functions are rejected by the checker.
//!
//! # Limits
//!
//! Nothing an expression can say makes the library panic, recurse without
//! bound or run away: sources are at most [`MAX_SOURCE_LEN`] bytes and
//! [`MAX_DEPTH`] levels deep; at most [`MAX_ERRORS`] errors and
//! [`MAX_LINTS`] lints are reported; an evaluation stops with
//! [`EvalError::Limit`] (code `resource_limit`) past [`MAX_STEPS`]
//! sub-expressions, [`MAX_WORK`] list items visited, [`MAX_TEXT_WORK`]
//! bytes of text read, [`MAX_ARENA_BYTES`] of text made or [`MAX_ITEMS`]
//! list items (real rules use a tiny fraction of each). Every function that
//! makes text or lists computes the size of its result first, with checked
//! arithmetic, and fails before allocating when it would not fit:
//! `Replace(PadLeft("",1048576,"a"),"a",PadLeft("",4096,"a"))` is an error,
//! not a 4 GiB allocation. A format string from the data
//! (`FormatDateTime(d, [description])`) is formatted in bounded space too.
//!
//! # Multi-valued
//!
//! A multi-valued attribute is a list. A function whose parameter takes a
//! single value (`str`, `num`, `bin`, `ref`, …) is applied to each value;
//! so are operators; `IIF` with a list condition chooses per value, so
//! `IIF(InStr([proxyAddresses],"SIP:")=1,NULL,[proxyAddresses])` removes the
//! SIP addresses. Functions taking `var` or `mvstr` (`IsPresent`, `Count`,
//! `Item`, `Join`, `Contains`, …) see the whole list.

mod ast;
pub mod attrs;
mod check;
mod datetime;
mod error;
mod eval;
mod fast;
mod funcs;
mod lex;
mod parse;
mod prec;
mod program;
mod record;
mod suggest;
mod value;

#[cfg(test)]
mod tests;

pub use self::ast::{BinOp, Expr, ExprKind, Grouped, Level};
pub use self::check::{CompileOptions, Compiled, Lint, LINTS, MAX_LINTS};
pub use self::datetime::{Civil, DateTime};
pub use self::error::{
    line_col, ErrorKind, EvalError, Expect, ExprError, Span, MAX_ARENA_BYTES, MAX_DEPTH, MAX_ITEMS,
    MAX_SOURCE_LEN, MAX_STEPS, MAX_TEXT_WORK, MAX_WORK,
};
pub use self::eval::{TraceStep, MAX_TRACE_STEPS};
pub use self::funcs::{functions, FunctionDoc};
pub use self::parse::{parse, MAX_ERRORS};
pub use self::program::Program;
pub use self::record::{Record, Values};
pub use self::value::{Scratch, Value, ValueView};

/// Parses and checks an expression.
///
/// Errors (syntax, unknown or wrongly cased names, arity, static types,
/// parameters without a value) come sorted by position; render each with
/// [`ExprError::render`].
pub fn compile(source: &str, opts: &CompileOptions) -> Result<Compiled, Vec<ExprError>> {
    let expr = parse(source)?;
    check::check(source, &expr, opts)
}
