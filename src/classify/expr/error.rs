//! Spans and compile errors.
//!
//! Every token, AST node, compile error, lint and evaluation error carries a
//! [`Span`]: byte offsets into the expression source. Line and column are
//! computed only when a message is rendered.

use std::fmt;

/// A byte range `start..end` in the expression source.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// Offset of the first byte.
    pub start: u32,
    /// Offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// The span `start..end`. Sources are capped at [`MAX_SOURCE_LEN`] bytes, so
    /// offsets fit in `u32`; larger values saturate.
    pub fn new(start: usize, end: usize) -> Span {
        let clamp = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
        Span {
            start: clamp(start),
            end: clamp(end.max(start)),
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The span as a `usize` range.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The source text of the span (empty if it does not fit `source`).
    pub fn text(self, source: &str) -> &str {
        source.get(self.range()).unwrap_or("")
    }
}

/// Longest expression source accepted, in bytes (real rules are a few KiB).
pub const MAX_SOURCE_LEN: usize = 1 << 20;

/// Deepest nesting of the syntax tree (calls, parentheses and operator
/// chains all count). Evaluation recurses along the tree, so this bounds
/// its stack use.
pub const MAX_DEPTH: u32 = 256;

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_boundary(source, offset);
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

fn floor_boundary(source: &str, offset: usize) -> usize {
    let mut o = offset.min(source.len());
    while !source.is_char_boundary(o) {
        o -= 1;
    }
    o
}

/// Renders `line:col: message`, the source line and carets under the span:
///
/// ```text
/// 1:24: expected `,` or `)`, found end of input
///   IIF(IsPresent([a]),"x"
///                         ^
/// ```
pub(crate) fn render_at(source: &str, span: Span, message: &str) -> String {
    let start = floor_boundary(source, span.start as usize);
    let (line, col) = line_col(source, start);
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[start..]
        .find('\n')
        .map_or(source.len(), |i| start + i);
    let text = source[line_start..line_end].trim_end_matches('\r');
    let mut out = format!("{line}:{col}: {message}\n  {text}\n  ");
    for c in source[line_start..start].chars() {
        out.push(if c == '\t' { '\t' } else { ' ' });
    }
    // The span may start after the shown text (at trailing `\r`s).
    let shown_end = (line_start + text.len()).max(start);
    let end = floor_boundary(source, (span.end as usize).clamp(start, shown_end));
    let width = source[start..end].chars().count().max(1);
    out.push_str(&"^".repeat(width));
    out
}

/// What the parser expected where it found something else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expect {
    /// An operand (literal, attribute, call, parenthesised expression):
    /// `IIF(,1,2)`, `[a] =`, `()`.
    Operand,
    /// The `)` that closes a parenthesised expression: `(1 = 1`.
    CloseParen,
    /// A `,` or `)` after a function argument: `Left([cn] 3)`, `Left([cn], 3`.
    CommaOrClose,
    /// The end of the input after a complete expression: `[cn] [sn]`, `Trim([a]))`.
    End,
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expect::Operand => "an operand (a value, an [attribute], a function call or `(`)",
            Expect::CloseParen => "`)`",
            Expect::CommaOrClose => "`,` or `)`",
            Expect::End => "the end of the expression",
        })
    }
}

/// What is wrong. Each variant names an input that triggers it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    // ---- lexical ----
    /// A string with no closing quote: `"Guest`.
    UnterminatedString,
    /// Typographic quotes: `“Guest”`.
    SmartQuote,
    /// Single quotes: `'Guest'`.
    SingleQuote,
    /// An attribute with no closing bracket: `[userPrincipalName`.
    UnterminatedAttribute,
    /// An empty attribute name: `[]`.
    EmptyAttribute,
    /// A character that cannot be part of an attribute name: `[user name]`.
    AttributeChar(char),
    /// A parameter with no closing percent sign: `%Domain.FQDN`.
    UnterminatedParameter,
    /// An empty parameter name: `%%`.
    EmptyParameter,
    /// A `$` with no variable name: `Select($, [a], 1)`.
    EmptyVariable,
    /// A number outside the 64-bit range: `99999999999999999999`, `&H1FFFFFFFFFFFFFFFF`.
    NumberTooLarge,
    /// A fractional number (`num` is a 64-bit integer): `1.5`.
    Fraction,
    /// An operator from another language: `|`, `!=`, `==`, `!`, `Not`.
    WrongOperator {
        /// What was written.
        found: &'static str,
        /// What to write instead.
        hint: &'static str,
    },
    /// Any other character: `#`, `é`.
    UnexpectedChar(char),
    /// The source is longer than [`MAX_SOURCE_LEN`].
    TooLong,
    // ---- syntax ----
    /// Something else was found where `expected` was needed: `Left([cn] 3)`.
    Expected {
        /// What the parser needed.
        expected: Expect,
        /// What it found (a short description).
        found: String,
    },
    /// A minus sign before something other than a number: `-[a]`.
    UnaryMinus,
    /// Nesting deeper than [`MAX_DEPTH`]: 300 nested `Trim(`.
    TooDeep,
    // ---- names and types (the checker) ----
    /// A function that does not exist: `lcase([cn])` (suggests `LCase`), `Foo(1)`.
    UnknownFunction {
        /// The name as written.
        name: String,
        /// The correctly cased or nearest name, if any.
        suggestion: Option<&'static str>,
    },
    /// A documented function this tool cannot evaluate offline: `CertThumbprint([userCertificate])`.
    UnsupportedFunction {
        /// The function.
        name: String,
        /// Why.
        why: &'static str,
    },
    /// Wrong number of arguments: `Left([cn])`.
    Arity {
        /// The function.
        name: &'static str,
        /// The accepted counts, e.g. `2 or 3`.
        expected: String,
        /// The count written.
        found: usize,
    },
    /// An argument of a statically known wrong type: `BitAnd("x", 1)`.
    ArgType {
        /// The function.
        name: &'static str,
        /// 1-based argument position.
        position: usize,
        /// The parameter type (as in the function reference).
        expected: &'static str,
        /// The argument's type.
        found: &'static str,
    },
    /// A name that is not a constant: `null` (suggests `NULL`), `Nothing`.
    UnknownConstant {
        /// The name as written.
        name: String,
        /// The correctly cased name, if any.
        suggestion: Option<&'static str>,
    },
    /// An enum constant outside the argument it belongs to: `vbTextCompare = 1`.
    MisplacedEnum {
        /// The constant.
        name: String,
        /// Where it may appear.
        belongs: &'static str,
    },
    /// An argument that must be one of a few constants: `InStr([a], "x", 1, 1)`.
    EnumExpected {
        /// The function.
        name: &'static str,
        /// 1-based argument position.
        position: usize,
        /// The accepted constants.
        accepted: &'static str,
    },
    /// An attribute written with the wrong case: `[userprincipalname]`.
    AttributeCase {
        /// As written.
        written: String,
        /// The schema's spelling.
        canonical: String,
    },
    /// A parameter with no value: `%Domain.FQDN%` without a value for it.
    ParameterMissing {
        /// The parameter name.
        name: String,
        /// The parameters that have values, comma-separated (may be empty).
        given: String,
    },
    /// A variable used outside `Select`/`Where`/`With`: `Trim($item)`.
    UnboundVariable(String),
    /// The first argument of `Select`, `Where` or `With` is not a variable: `Select(item, [a], 1)`.
    VariableExpected {
        /// The function.
        name: &'static str,
    },
    /// `ImportedValue` takes the attribute name as a string literal: `ImportedValue([mail])`.
    ImportedValueArg,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ErrorKind::*;
        match self {
            UnterminatedString => f.write_str("string has no closing `\"`"),
            SmartQuote => f.write_str(
                "typographic quote: strings must use straight quotes \"...\", not “...”",
            ),
            SingleQuote => f.write_str("strings use double quotes \"...\", not '...'"),
            UnterminatedAttribute => f.write_str("attribute name has no closing `]`"),
            EmptyAttribute => f.write_str("empty attribute name `[]`"),
            AttributeChar(c) => write!(
                f,
                "`{}` cannot appear in an attribute name (letters, digits, `-`, `_` and `.` only)",
                c.escape_debug()
            ),
            UnterminatedParameter => f.write_str("parameter has no closing `%`"),
            EmptyParameter => f.write_str("empty parameter name `%%`"),
            EmptyVariable => f.write_str("`$` must be followed by a variable name such as `$item`"),
            NumberTooLarge => f.write_str("number does not fit in 64 bits"),
            Fraction => f.write_str("fractional numbers are not supported (`num` is a 64-bit integer)"),
            WrongOperator { found, hint } => write!(f, "`{found}` is not an operator here; {hint}"),
            UnexpectedChar(c) => write!(f, "unexpected character `{}`", c.escape_debug()),
            TooLong => write!(f, "expression longer than {MAX_SOURCE_LEN} bytes"),
            Expected { expected, found } => write!(f, "expected {expected}, found {found}"),
            UnaryMinus => f.write_str("a minus sign can only precede a number (write `0 - x`)"),
            TooDeep => write!(f, "expression nested more than {MAX_DEPTH} levels deep"),
            UnknownFunction { name, suggestion: Some(s) } => {
                write!(f, "unknown function `{name}`; did you mean `{s}`? (function names are case-sensitive)")
            }
            UnknownFunction { name, suggestion: None } => write!(f, "unknown function `{name}`"),
            UnsupportedFunction { name, why } => write!(f, "`{name}` is not supported: {why}"),
            Arity { name, expected, found } => {
                let s = if expected == "1" { "" } else { "s" };
                write!(f, "`{name}` takes {expected} argument{s}, found {found}")
            }
            ArgType { name, position, expected, found } => write!(
                f,
                "argument {position} of `{name}` must be {expected}, found {found}"
            ),
            UnknownConstant { name, suggestion: Some(s) } => {
                write!(f, "unknown name `{name}`; did you mean `{s}`? (constants are case-sensitive)")
            }
            UnknownConstant { name, suggestion: None } => write!(
                f,
                "unknown name `{name}` (attributes are written [{name}], parameters %{name}%, functions {name}(...))"
            ),
            MisplacedEnum { name, belongs } => write!(f, "`{name}` can only be {belongs}"),
            EnumExpected { name, position, accepted } => {
                write!(f, "argument {position} of `{name}` must be {accepted}")
            }
            AttributeCase { written, canonical } => write!(
                f,
                "attribute names are case-sensitive in Entra Connect; did you mean `{canonical}`? (written `{written}`)"
            ),
            ParameterMissing { name, given } => write!(
                f,
                "parameter `%{name}%` has no value; give one in the rule's parameters (values given: {}; \
                 Connect provides Domain.Netbios, Domain.FQDN, Domain.LDAP, Forest.Netbios, Forest.FQDN, \
                 Forest.LDAP and Connector.ID)",
                if given.is_empty() { "none" } else { given }
            ),
            UnboundVariable(name) => write!(
                f,
                "variable `${name}` is not bound here; variables are introduced by Select, Where and With"
            ),
            VariableExpected { name } => write!(
                f,
                "the first argument of `{name}` must be a variable such as `$item`"
            ),
            ImportedValueArg => f.write_str(
                "ImportedValue takes the attribute name in quotes: ImportedValue(\"proxyAddresses\")",
            ),
        }
    }
}

/// A compile error: a syntax or name/type error with the span it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    /// Where.
    pub span: Span,
    /// What.
    pub kind: ErrorKind,
}

impl ExprError {
    pub(crate) fn new(span: Span, kind: ErrorKind) -> ExprError {
        ExprError { span, kind }
    }

    /// Where the error is.
    pub fn span(&self) -> Span {
        self.span
    }

    /// `line:col: message`, the source line and a caret under the error.
    pub fn render(&self, source: &str) -> String {
        render_at(source, self.span, &self.kind.to_string())
    }
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (bytes {}..{})",
            self.kind, self.span.start, self.span.end
        )
    }
}

impl std::error::Error for ExprError {}
/// Why an evaluation produced no value.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EvalError {
    /// `Error("message")` was evaluated: Connect fails the object's
    /// synchronization with this message.
    Raised(String, Span),
    /// A value of the wrong type at run time (e.g. binary where text is needed).
    Type(String, Span),
    /// `Item` with an index outside the values.
    OutOfBounds {
        /// The 1-based index asked for.
        index: i64,
        /// How many values there are.
        count: usize,
        /// The call.
        span: Span,
    },
    /// A malformed argument: not a GUID, not base64, not a date; overflow,
    /// division by zero.
    Invalid(String, Span),
    /// A function this tool does not evaluate offline (`CBin`, `Thumbprint`).
    Unsupported(String, Span),
    /// The evaluation went over a resource limit ([`MAX_STEPS`],
    /// [`MAX_WORK`], [`MAX_TEXT_WORK`], [`MAX_ARENA_BYTES`], [`MAX_ITEMS`]):
    /// no real rule comes near. Every function checks the size of its result
    /// against these limits before it makes it, so a rule or a value that
    /// would need gigabytes fails this way instead of exhausting memory.
    Limit(String, Span),
}

/// Most sub-expression evaluations in one evaluation (loops in `Select`/`Where` count each round).
pub const MAX_STEPS: u64 = 2_000_000;
/// Most list items visited by functions and operators in one evaluation.
pub const MAX_WORK: u64 = 20_000_000;
/// Most bytes of text made in one evaluation.
pub const MAX_ARENA_BYTES: usize = 32 << 20;
/// Most bytes of text read by functions and operators in one evaluation (a
/// loop searching a huge value a million times stops here).
pub const MAX_TEXT_WORK: u64 = 256 << 20;
/// Most list items made in one evaluation.
pub const MAX_ITEMS: usize = 1 << 20;
impl EvalError {
    /// A stable snake_case name of the kind of error: `raised`, `type`,
    /// `out_of_bounds`, `invalid`, `unsupported` or `resource_limit`.
    pub fn code(&self) -> &'static str {
        match self {
            EvalError::Raised(..) => "raised",
            EvalError::Type(..) => "type",
            EvalError::OutOfBounds { .. } => "out_of_bounds",
            EvalError::Invalid(..) => "invalid",
            EvalError::Unsupported(..) => "unsupported",
            EvalError::Limit(..) => "resource_limit",
        }
    }

    /// The span of the call or operator that failed.
    pub fn span(&self) -> Span {
        match self {
            EvalError::Raised(_, s)
            | EvalError::Type(_, s)
            | EvalError::Invalid(_, s)
            | EvalError::Unsupported(_, s)
            | EvalError::Limit(_, s)
            | EvalError::OutOfBounds { span: s, .. } => *s,
        }
    }

    /// `line:col: message`, the source line and carets.
    pub fn render(&self, source: &str) -> String {
        render_at(source, self.span(), &self.to_string())
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::Raised(m, _) => write!(f, "Error(\"{m}\")"),
            EvalError::Type(m, _)
            | EvalError::Invalid(m, _)
            | EvalError::Unsupported(m, _)
            | EvalError::Limit(m, _) => f.write_str(m),
            EvalError::OutOfBounds { index, count, .. } => {
                write!(
                    f,
                    "index {index} is out of bounds: there are {count} values"
                )
            }
        }
    }
}

impl std::error::Error for EvalError {}
