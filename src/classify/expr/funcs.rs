//! The built-in functions: one table row per function (name, category,
//! signatures, implementation, null handling, one-line doc), then the
//! implementations, grouped as in Microsoft's function reference
//! (docs/rules.md#function-reference).
//!
//! Implementations are "strict": they get their arguments already
//! evaluated, one value per parameter. The evaluator maps a function over a
//! multi-valued argument when the parameter is a single-value type (`str`,
//! `num`, `bin`, `ref`, …), so `Trim([proxyAddresses])` trims every value.
//! `IIF`, `Switch`, `Select`, `Where`, `With` and `ImportedValue` are
//! special forms the evaluator (or the checker) handles itself.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt::{self, Write};

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine;

use super::ast::BinOp;
use super::datetime::DateTime;
use super::error::{EvalError, Span};
use super::value::{raw, room_bytes, room_items, text, Arena, Txt, V};
use crate::model::dn;
use crate::model::ids::{Guid, Sid};

/// A parameter type (the types of the function reference).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum P {
    /// `str` (mapped over multi-valued arguments).
    Str,
    /// `num` (mapped).
    Num,
    /// `exp`/`bool`: an expression evaluating to a Boolean (mapped).
    Bool,
    /// `bin` (mapped).
    Bin,
    /// `ref` (mapped).
    Ref,
    /// `dt` (mapped).
    Dt,
    /// `str` or `bin` (mapped).
    StrOrBin,
    /// Any single value (`CStr`, `CNum`) (mapped).
    Scalar,
    /// `var`: any value, a multi-valued one as a whole.
    Var,
    /// `mvstr`/`mvref`/`mvbin`: a multi-valued value as a whole (a single value is a list of one).
    Mv,
    /// `vbTextCompare` / `vbBinaryCompare`.
    Compare,
    /// `CaseInsensitive` / `CaseSensitive`.
    Case,
    /// `UTF8` / `Unicode` / `ASCII`.
    Encoding,
    /// The DNComponentRev option `"DC"`.
    DnOption,
    /// A `$variable` being bound (Select, Where, With).
    Variable,
    /// An expression evaluated once per item (Select, Where, With).
    Each,
}

impl P {
    /// Whether a multi-valued argument is handled by applying the function to each value.
    pub fn maps(self) -> bool {
        matches!(
            self,
            P::Str | P::Num | P::Bool | P::Bin | P::Ref | P::Dt | P::StrOrBin | P::Scalar
        )
    }

    /// Whether the argument must be one of a few constants.
    pub fn is_enum(self) -> bool {
        matches!(self, P::Compare | P::Case | P::Encoding | P::DnOption)
    }

    /// The name used in signatures and messages.
    pub fn name(self) -> &'static str {
        match self {
            P::Str => "str",
            P::Num => "num",
            P::Bool => "exp",
            P::Bin => "bin",
            P::Ref => "ref",
            P::Dt => "dt",
            P::StrOrBin => "str or bin",
            P::Scalar => "num, str, bool, ref or dt",
            P::Var => "var",
            P::Mv => "mvstr",
            P::Compare => "vbTextCompare or vbBinaryCompare",
            P::Case => "CaseInsensitive or CaseSensitive",
            P::Encoding => "UTF8, Unicode or ASCII",
            P::DnOption => "\"DC\"",
            P::Variable => "variable",
            P::Each => "exp",
        }
    }
}

/// A static type: what the checker knows about an expression's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    Str,
    Num,
    Bool,
    Bin,
    Dt,
    Ref,
    Mv,
    /// Unknown until evaluation (attributes, variables, `Item`, `IIF` of mixed types).
    Any,
    /// `NULL` and the flow markers: acceptable anywhere.
    Null,
    /// `Error(...)`: never returns.
    Void,
}

impl Ty {
    pub fn name(self) -> &'static str {
        match self {
            Ty::Str => "str",
            Ty::Num => "num",
            Ty::Bool => "bool",
            Ty::Bin => "bin",
            Ty::Dt => "dt",
            Ty::Ref => "ref",
            Ty::Mv => "multi-valued",
            Ty::Any => "var",
            Ty::Null => "NULL",
            Ty::Void => "void",
        }
    }

    /// Whether a parameter accepts a value of this static type.
    pub fn fits(self, p: P) -> bool {
        if matches!(self, Ty::Any | Ty::Null | Ty::Void) || matches!(p, P::Var | P::Each) {
            return true;
        }
        if self == Ty::Mv {
            return p.maps() || p == P::Mv;
        }
        match p {
            P::Str => matches!(self, Ty::Str | Ty::Ref),
            P::Num => self == Ty::Num,
            P::Bool => matches!(self, Ty::Bool | Ty::Num),
            P::Bin => self == Ty::Bin,
            P::Ref => self == Ty::Ref,
            P::Dt => self == Ty::Dt,
            P::StrOrBin => matches!(self, Ty::Str | Ty::Bin | Ty::Ref),
            P::Scalar => !matches!(self, Ty::Bin),
            P::Mv => matches!(self, Ty::Str | Ty::Ref | Ty::Bin),
            _ => false,
        }
    }
}

/// One overload.
#[derive(Debug)]
pub(crate) struct Sig {
    pub params: &'static [P],
    pub ret: Ty,
}

/// How a function treats `NULL` arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Nulls {
    /// Any `NULL` argument makes the result `NULL` (VBA's Null propagation).
    Propagate,
    /// The implementation handles a `NULL` first argument (e.g. `Left(NULL, 3)` is `""`);
    /// a `NULL` in another argument makes the result `NULL`.
    First,
    /// The implementation handles `NULL` in every argument.
    All,
}

/// A strict implementation.
pub(crate) type StrictFn = for<'a> fn(&mut Fx<'_>, &[V<'a>]) -> Result<V<'a>, EvalError>;

/// How a function is evaluated.
#[derive(Clone, Copy)]
pub(crate) enum Imp {
    Strict(StrictFn),
    Iif,
    Switch,
    Select,
    Where,
    With,
    /// Lowered to an attribute read by the checker.
    ImportedValue,
    /// Accepted by the checker, an evaluation error offline.
    Unsupported(&'static str),
}

/// A function row.
pub(crate) struct FuncDef {
    pub name: &'static str,
    pub category: &'static str,
    pub sigs: &'static [Sig],
    pub imp: Imp,
    pub nulls: Nulls,
    pub doc: &'static str,
}

impl fmt::Debug for FuncDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// The most arguments a strict function takes (`InStr`).
pub(crate) const MAX_STRICT_ARGS: usize = 4;

/// The context a strict implementation runs in.
pub(crate) struct Fx<'s> {
    pub ar: &'s mut Arena,
    pub span: Span,
    pub name: &'static str,
    /// A hash of the record's DN: the seed of `Guid()` and `RandomNum`.
    pub seed: u64,
    pub now: DateTime,
}

type R<'a> = Result<V<'a>, EvalError>;

macro_rules! sig {
    ($ret:ident; $($p:ident),*) => { Sig { params: &[$(P::$p),*], ret: Ty::$ret } };
}

macro_rules! f {
    ($name:literal, $cat:literal, [$($sig:expr),* $(,)?], $imp:expr, $nulls:ident, $doc:literal) => {
        FuncDef { name: $name, category: $cat, sigs: &[$($sig),*], imp: $imp, nulls: Nulls::$nulls, doc: $doc }
    };
}

use Imp::Strict as S;

/// The function table, sorted by name.
pub(crate) const FUNCTIONS: &[FuncDef] = &[
    f!("BitAnd", "Math", [sig!(Num; Num, Num)], S(bit_and), Propagate, "Bitwise AND of two numbers: `BitAnd(&HF, &HF7)` is 7."),
    f!("BitOr", "Math", [sig!(Num; Num, Num)], S(bit_or), Propagate, "Bitwise OR of two numbers."),
    f!("CBin", "Conversion", [sig!(Bin; Var)], Imp::Unsupported("CBin is undocumented (used by Microsoft's device rules) and not evaluated offline"), All, "Undocumented conversion to binary used by out-of-box device rules; not evaluated offline."),
    f!("CBool", "Conversion", [sig!(Bool; Bool)], S(cbool), All, "True if the expression is True or a non-zero number; NULL is False."),
    f!("CDate", "Conversion", [sig!(Dt; Str)], S(cdate), Propagate, "Parses a date-time to UTC: `CDate(\"2013-01-10 4:00 PM -8\")` is 2013-01-11 00:00."),
    f!("CGuid", "Conversion", [sig!(Bin; Str)], S(cguid), Propagate, "The binary form of a GUID string (`{…}` optional)."),
    f!("CNum", "Conversion", [sig!(Num; Scalar)], S(cnum), Propagate, "A number from its decimal text."),
    f!("Contains", "Multi-valued", [sig!(Num; Mv, Str), sig!(Num; Mv, Str, Case)], S(contains), All, "1-based index of the first value containing the text (DNs: equal to it), 0 if none; case-sensitive by default."),
    f!("ConvertFromBase64", "Conversion", [sig!(Str; Str), sig!(Str; Str, Encoding)], S(from_base64), Propagate, "Decodes base64 to text, as UTF-16LE (Unicode, the default), UTF8 or ASCII."),
    f!("ConvertFromUTF8Hex", "Conversion", [sig!(Str; Str)], S(from_utf8_hex), Propagate, "Decodes hex-encoded UTF-8: `48656C6C6F` is `Hello`."),
    f!("ConvertToBase64", "Conversion", [sig!(Str; StrOrBin)], S(to_base64), Propagate, "Base64 of a string's UTF-16LE bytes, or of binary bytes."),
    f!("ConvertToUTF8Hex", "Conversion", [sig!(Str; Str)], S(to_utf8_hex), Propagate, "Upper-case hex of a string's UTF-8 bytes."),
    f!("Count", "Multi-valued", [sig!(Num; Mv)], S(count), All, "Number of values."),
    f!("CRef", "Conversion", [sig!(Ref; Str)], S(cref), Propagate, "A DN reference from its text."),
    f!("CStr", "Conversion", [sig!(Str; Scalar)], S(cstr), Propagate, "The text of a number, Boolean, DN, date or string."),
    f!("DateAdd", "Date/Time", [sig!(Dt; Str, Num, Dt)], S(date_add), Propagate, "Adds n intervals (`yyyy q m y d w ww h n s`) to a date."),
    f!("DateFromNum", "Date/Time", [sig!(Dt; Num)], S(date_from_num), Propagate, "The date of an AD FILETIME: `DateFromNum(129699324000000000)` is 2012-01-01 23:00:00."),
    f!("DNComponent", "Directory", [sig!(Str; Ref, Num)], S(dn_component), Propagate, "The value of the n-th RDN from the left: `DNComponent(CRef(\"cn=Joe,ou=x\"),1)` is `Joe`."),
    f!("DNComponentRev", "Directory", [sig!(Str; Ref, Num), sig!(Str; Ref, Num, DnOption)], S(dn_component_rev), Propagate, "The value of the n-th RDN from the right; with \"DC\", dc= components are skipped."),
    f!("Error", "Program Flow", [sig!(Void; Var)], S(error), All, "Fails the object's synchronization with this message."),
    f!("EscapeDNComponent", "Directory", [sig!(Str; Str)], S(escape_dn_component), Propagate, "Escapes the value of one RDN (`cn=Smith, John` → `cn=Smith\\, John`)."),
    f!("FormatDateTime", "Date/Time", [sig!(Str; Dt, Str)], S(format_date_time), Propagate, "Formats a date with a .NET custom format such as `yyyyMMddHHmmss.0Z`."),
    f!("Guid", "Text", [sig!(Str;)], S(guid), All, "A GUID string; offline it is derived from the object's DN so that reports are reproducible."),
    f!("IIF", "Program Flow", [sig!(Any; Bool, Var, Var)], Imp::Iif, All, "valueIfTrue if the condition is True, else valueIfFalse (only the chosen branch is evaluated)."),
    f!("ImportedValue", "Program Flow", [sig!(Any; Str)], Imp::ImportedValue, All, "The attribute's value as imported (offline: its value in the export); the name is quoted."),
    f!("InStr", "Text", [sig!(Num; Str, Str), sig!(Num; Str, Str, Num), sig!(Num; Str, Str, Num, Compare)], S(instr), Propagate, "1-based position of the text in the string, 0 if absent; case-sensitive unless vbTextCompare."),
    f!("InStrRev", "Text", [sig!(Num; Str, Str), sig!(Num; Str, Str, Num), sig!(Num; Str, Str, Num, Compare)], S(instr_rev), Propagate, "1-based position of the last occurrence, 0 if absent: `InStrRev(\"abbcdbbbef\",\"bb\")` is 7."),
    f!("IsBitSet", "Evaluation", [sig!(Bool; Num, Num)], S(is_bit_set), Propagate, "True if every bit of flag is set in value: `IsBitSet(&HF,4)` is True."),
    f!("IsDate", "Evaluation", [sig!(Bool; Var)], S(is_date), All, "True if the value is a date or text that parses as one."),
    f!("IsEmpty", "Evaluation", [sig!(Bool; Var)], S(is_empty), All, "True if the value is present but an empty string."),
    f!("IsGuid", "Evaluation", [sig!(Bool; Var)], S(is_guid), All, "True if the text is a GUID."),
    f!("IsNull", "Evaluation", [sig!(Bool; Var)], S(is_null), All, "True if there is no value (an absent attribute)."),
    f!("IsNullOrEmpty", "Evaluation", [sig!(Bool; Var)], S(is_null_or_empty), All, "True if absent or an empty string; the inverse of IsPresent."),
    f!("IsNumeric", "Evaluation", [sig!(Bool; Var)], S(is_numeric), All, "True if the value is a number or numeric text."),
    f!("IsPresent", "Evaluation", [sig!(Bool; Var)], S(is_present), All, "True if there is a value and it is not an empty string."),
    f!("IsString", "Evaluation", [sig!(Bool; Var)], S(is_string), All, "True if the value is a string."),
    f!("Item", "Multi-valued", [sig!(Any; Mv, Num)], S(item), First, "The n-th value (1-based); an error if out of bounds."),
    f!("ItemOrNull", "Multi-valued", [sig!(Any; Mv, Num)], S(item_or_null), First, "The n-th value (1-based), NULL if out of bounds."),
    f!("Join", "Multi-valued", [sig!(Str; Mv), sig!(Str; Mv, Str)], S(join), First, "The values joined with the delimiter (a space by default)."),
    f!("LCase", "Text", [sig!(Str; Str)], S(lcase), Propagate, "Lower case."),
    f!("Left", "Text", [sig!(Str; Str, Num)], S(left), First, "The first n characters; n = 0 gives \"\", n < 0 the whole string, NULL gives \"\"."),
    f!("Len", "Text", [sig!(Num; Str)], S(len), Propagate, "Number of characters."),
    f!("LTrim", "Text", [sig!(Str; Str)], S(ltrim), Propagate, "Removes leading white space."),
    f!("Mid", "Text", [sig!(Str; Str, Num), sig!(Str; Str, Num, Num)], S(mid), First, "n characters from a 1-based start: `Mid(\"John Doe\", 3, 5)` is `hn Do`."),
    f!("Now", "Date/Time", [sig!(Dt;)], S(now), All, "The current UTC time (offline: fixed when the rule is compiled)."),
    f!("NumFromDate", "Date/Time", [sig!(Num; Dt)], S(num_from_date), Propagate, "The AD FILETIME of a date."),
    f!("PadLeft", "Text", [sig!(Str; Str, Num, Str)], S(pad_left), First, "Pads on the left with a character to a length; NULL gives \"\"."),
    f!("PadRight", "Text", [sig!(Str; Str, Num, Str)], S(pad_right), First, "Pads on the right with a character to a length; NULL gives \"\"."),
    f!("PCase", "Text", [sig!(Str; Str)], S(pcase), Propagate, "First letter of each space-delimited word upper case, the rest lower case."),
    f!("RandomNum", "Math", [sig!(Num; Num, Num)], S(random_num), Propagate, "A number between start and end; offline it is derived from the object's DN so that reports are reproducible."),
    f!("RemoveDuplicates", "Multi-valued", [sig!(Mv; Mv)], S(remove_duplicates), First, "The values without repeats (first occurrence kept, case-sensitive)."),
    f!("Replace", "Text", [sig!(Str; Str, Str, Str)], S(replace), Propagate, "Replaces every occurrence; `\\n`, `\\r` and `\\t` in the old and new values stand for line feed, carriage return and tab."),
    f!("ReplaceChars", "Text", [sig!(Str; Str, Str)], S(replace_chars), Propagate, "Replaces characters by a pattern `å:a,ä:a,’:` (white space in the pattern ignored)."),
    f!("Right", "Text", [sig!(Str; Str, Num)], S(right), First, "The last n characters; n = 0 gives \"\", n < 0 the whole string, NULL gives \"\"."),
    f!("RTrim", "Text", [sig!(Str; Str)], S(rtrim), Propagate, "Removes trailing white space."),
    f!("Select", "Program Flow", [sig!(Mv; Variable, Var, Each)], Imp::Select, All, "Applies the function to every value: `Select($item,[otherTelephone],Replace($item,\"-\",\"\"))`."),
    f!("Split", "Multi-valued", [sig!(Mv; Str, Str), sig!(Mv; Str, Str, Num)], S(split), Propagate, "Splits text at a single-character delimiter into values (at most limit values)."),
    f!("StringFromGuid", "Conversion", [sig!(Str; Bin)], S(string_from_guid), Propagate, "The string form of a binary GUID (lower case, no braces)."),
    f!("StringFromSid", "Conversion", [sig!(Str; Bin)], S(string_from_sid), Propagate, "The `S-1-5-…` form of a binary SID."),
    f!("Switch", "Program Flow", [], Imp::Switch, All, "The value of the first True condition, NULL if none; every condition and value is evaluated."),
    f!("Thumbprint", "Conversion", [sig!(Str; Var)], Imp::Unsupported("Thumbprint is undocumented (used by Microsoft's device rules) and not evaluated offline"), All, "Undocumented certificate thumbprint used by out-of-box device rules; not evaluated offline."),
    f!("Trim", "Text", [sig!(Str; Str)], S(trim), Propagate, "Removes leading and trailing white space."),
    f!("UCase", "Text", [sig!(Str; Str)], S(ucase), Propagate, "Upper case."),
    f!("Where", "Program Flow", [sig!(Mv; Variable, Var, Each)], Imp::Where, All, "The values for which the condition is True."),
    f!("With", "Program Flow", [sig!(Any; Variable, Var, Each)], Imp::With, All, "Evaluates the sub-expression once, binds it to the variable, then evaluates the expression."),
    f!("Word", "Text", [sig!(Str; Str, Num, Str)], S(word), First, "The n-th word, words being separated by any of the delimiter characters: `Word(\"The quick brown fox\",3,\" \")` is `brown`."),
];

/// Names that are accepted as another spelling (the reference itself writes both).
pub(crate) const ALIASES: &[(&str, &str)] = &[("InstrRev", "InStrRev")];

/// The documented Certificate functions, not implemented offline.
pub(crate) const CERTIFICATE_FUNCTIONS: &[&str] = &[
    "CertExtensionOids",
    "CertFormat",
    "CertFriendlyName",
    "CertHashString",
    "CertIssuer",
    "CertIssuerDN",
    "CertIssuerOid",
    "CertKeyAlgorithm",
    "CertKeyAlgorithmParams",
    "CertNameInfo",
    "CertNotAfter",
    "CertNotBefore",
    "CertPublicKeyOid",
    "CertPublicKeyParametersOid",
    "CertSerialNumber",
    "CertSignatureAlgorithmOid",
    "CertSubject",
    "CertSubjectNameDN",
    "CertSubjectNameOid",
    "CertThumbprint",
    "CertVersion",
    "IsCert",
];

/// Looks a function up by its exact name (or documented alias).
pub(crate) fn find(name: &str) -> Option<&'static FuncDef> {
    let name = ALIASES
        .iter()
        .find(|(a, _)| *a == name)
        .map_or(name, |(_, to)| to);
    FUNCTIONS.iter().find(|f| f.name == name)
}

/// A function as documentation (for `explain` and generated docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionDoc {
    /// The name, as it must be written.
    pub name: &'static str,
    /// The reference's category.
    pub category: &'static str,
    /// One line per overload, e.g. `num InStr(str, str, num)`.
    pub signatures: Vec<String>,
    /// One line.
    pub doc: &'static str,
}

/// Every built-in function, sorted by name.
pub fn functions() -> Vec<FunctionDoc> {
    FUNCTIONS
        .iter()
        .map(|f| FunctionDoc {
            name: f.name,
            category: f.category,
            signatures: if f.name == "Switch" {
                vec!["var Switch(exp, var[, exp, var …])".to_string()]
            } else {
                f.sigs
                    .iter()
                    .map(|s| {
                        let params: Vec<&str> = s.params.iter().map(|p| p.name()).collect();
                        format!("{} {}({})", s.ret.name(), f.name, params.join(", "))
                    })
                    .collect()
            },
            doc: f.doc,
        })
        .collect()
}

// ---------------------------------------------------------------- helpers

impl Fx<'_> {
    fn type_error(&self, position: usize, expected: &str, found: V<'_>) -> EvalError {
        EvalError::Type(
            format!(
                "argument {position} of `{}` must be {expected}, found {}",
                self.name,
                found.type_name()
            ),
            self.span,
        )
    }

    fn invalid(&self, message: impl fmt::Display) -> EvalError {
        EvalError::Invalid(format!("`{}`: {message}", self.name), self.span)
    }

    /// Text of an argument: strings and DNs as they are, numbers and
    /// Booleans converted (attribute values are dynamically typed).
    fn want_str<'a>(&mut self, v: V<'a>, position: usize) -> Result<Txt<'a>, EvalError> {
        match v {
            V::Str(t) | V::Ref(t) => Ok(t),
            V::Null | V::AuthNull | V::Ignore => Ok(Txt::B(b"")),
            V::Num(n) => {
                // At most 20 characters.
                self.room(Some(20))?;
                self.ar.out.clear();
                let _ = write!(self.ar.out, "{n}");
                Ok(self.ar.push_out())
            }
            V::Bool(b) => Ok(Txt::B(if b { b"True" } else { b"False" })),
            V::Dt(d) => {
                // `yyyy-MM-dd HH:mm:ss.fffffff`.
                self.room(Some(27))?;
                self.ar.out.clear();
                let _ = write!(self.ar.out, "{d}");
                Ok(self.ar.push_out())
            }
            V::Bin(_) | V::Mv(..) => Err(self.type_error(position, "str", v)),
        }
    }

    fn want_num(&self, v: V<'_>, position: usize) -> Result<i64, EvalError> {
        match v {
            V::Num(n) => Ok(n),
            V::Str(t) | V::Ref(t) => parse_num(text(&self.ar.bytes, t))
                .ok_or_else(|| self.type_error(position, "num", v)),
            _ => Err(self.type_error(position, "num", v)),
        }
    }

    fn want_bin<'a>(&self, v: V<'a>, position: usize) -> Result<Txt<'a>, EvalError> {
        match v {
            V::Bin(t) => Ok(t),
            _ => Err(self.type_error(position, "bin", v)),
        }
    }

    fn want_dt(&self, v: V<'_>, position: usize) -> Result<DateTime, EvalError> {
        match v {
            V::Dt(d) => Ok(d),
            V::Str(t) => {
                let s = text(&self.ar.bytes, t);
                DateTime::parse(s)
                    .ok_or_else(|| self.invalid(format_args!("cannot read {s:?} as a date")))
            }
            _ => Err(self.type_error(position, "dt", v)),
        }
    }

    /// Fails with [`EvalError::Limit`] unless a result of `len` bytes
    /// (`None`: the size overflowed) fits in the evaluation's text budget.
    /// Called with the exact size, or a bound computed with checked
    /// arithmetic, before the result is made.
    fn room(&self, len: Option<usize>) -> Result<(), EvalError> {
        room_bytes(self.ar, len, self.name, self.span)
    }

    /// Fails with [`EvalError::Limit`] unless `n` more list items fit.
    fn room_items(&self, n: usize) -> Result<(), EvalError> {
        room_items(self.ar, n, self.span)
    }

    fn str_result(&mut self) -> V<'static> {
        V::Str(self.ar.push_out())
    }
}

/// A decimal integer with optional sign and surrounding white space.
pub(crate) fn parse_num(s: &str) -> Option<i64> {
    let s = s.trim();
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.strip_prefix('+').unwrap_or(s).parse().ok()
}

pub(crate) use crate::read::account::parse_bool;

/// A condition's truth: Booleans, non-zero numbers, `"True"`/`"False"`;
/// NULL is False.
pub(crate) fn truth(ar: &Arena, v: V<'_>, span: Span) -> Result<bool, EvalError> {
    match v {
        V::Bool(b) => Ok(b),
        V::Num(n) => Ok(n != 0),
        V::Null | V::AuthNull | V::Ignore => Ok(false),
        V::Str(t) => {
            let s = text(&ar.bytes, t);
            parse_bool(s)
                .or_else(|| parse_num(s).map(|n| n != 0))
                .ok_or_else(|| EvalError::Type(format!("{s:?} is not a Boolean"), span))
        }
        _ => Err(EvalError::Type(
            format!("a {} value is not a Boolean", v.type_name()),
            span,
        )),
    }
}

/// Byte offset of the `n`-th character (the length if there are fewer).
fn char_offset(s: &str, n: usize) -> usize {
    if s.is_ascii() {
        return n.min(s.len());
    }
    s.char_indices().nth(n).map_or(s.len(), |(i, _)| i)
}

fn char_count(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// Simple case folding: one character to one character (the first
/// character of its lower case), so positions in characters are kept.
fn fold(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        c.to_lowercase().next().unwrap_or(c)
    }
}

/// `s` case-folded into `out`.
fn fold_into(s: &str, out: &mut String) {
    out.clear();
    out.extend(s.chars().map(fold));
}

/// Byte offset of the first match of `needle` in `hay` at or after byte `from`.
fn find_from(hay: &str, needle: &str, from: usize) -> Option<usize> {
    let rest = hay.get(from..)?;
    memchr::memmem::find(rest.as_bytes(), needle.as_bytes()).map(|i| from + i)
}

/// 1-based character position of the first match of `needle` at or after
/// character `start` (1-based), 0 if none. With `text_compare`, both are
/// case-folded first (into `hay_buf` and `needle_buf`), which keeps the search linear.
fn position(
    hay: &str,
    needle: &str,
    start: usize,
    text_compare: bool,
    bufs: (&mut String, &mut String),
) -> usize {
    let (hay, needle) = if text_compare {
        fold_into(hay, bufs.0);
        fold_into(needle, bufs.1);
        (bufs.0.as_str(), bufs.1.as_str())
    } else {
        (hay, needle)
    };
    let from = char_offset(hay, start - 1);
    find_from(hay, needle, from).map_or(0, |b| char_count(&hay[..b]) + 1)
}

/// 1-based character position of the last match of `needle` that ends by
/// character `end`, 0 if none (see [`position`]).
fn position_rev(
    hay: &str,
    needle: &str,
    end: usize,
    text_compare: bool,
    bufs: (&mut String, &mut String),
) -> usize {
    let (hay, needle) = if text_compare {
        fold_into(hay, bufs.0);
        fold_into(needle, bufs.1);
        (bufs.0.as_str(), bufs.1.as_str())
    } else {
        (hay, needle)
    };
    let window = &hay[..char_offset(hay, end)];
    memchr::memmem::rfind(window.as_bytes(), needle.as_bytes())
        .map_or(0, |b| char_count(&hay[..b]) + 1)
}

/// The non-null items of a value (a single value is one item).
#[derive(Clone, Copy)]
pub(crate) enum Items<'a> {
    List(usize, usize),
    One(V<'a>),
    Empty,
}

impl<'a> Items<'a> {
    pub fn of(v: V<'a>) -> Items<'a> {
        match v {
            V::Mv(s, e) => Items::List(s, e),
            v if v.is_nullish() => Items::Empty,
            v => Items::One(v),
        }
    }

    /// Calls `f(item)` for each non-null item until it returns `Some`.
    pub fn find_map<T>(self, ar: &Arena, mut f: impl FnMut(V<'a>) -> Option<T>) -> Option<T> {
        ar.charge(self.slots());
        match self {
            Items::List(s, e) => ar.items[s..e]
                .iter()
                .filter(|v| !v.is_nullish())
                .find_map(|v| f(*v)),
            Items::One(v) => f(v),
            Items::Empty => None,
        }
    }

    pub fn count(self, ar: &Arena) -> usize {
        ar.charge(self.slots());
        match self {
            Items::List(s, e) => ar.items[s..e].iter().filter(|v| !v.is_nullish()).count(),
            Items::One(_) => 1,
            Items::Empty => 0,
        }
    }

    /// Number of slots, NULL placeholders included (see [`Items::slot`]).
    pub fn slots(self) -> usize {
        match self {
            Items::List(s, e) => e - s,
            Items::One(_) => 1,
            Items::Empty => 0,
        }
    }

    /// The `i`-th slot (0-based); NULL placeholders of a list are returned as NULL.
    pub fn slot(self, ar: &Arena, i: usize) -> V<'a> {
        match self {
            Items::List(s, _) => ar.items[s + i],
            Items::One(v) => v,
            Items::Empty => V::Null,
        }
    }

    pub fn nth(self, ar: &Arena, n: usize) -> Option<V<'a>> {
        let mut k = 0;
        self.find_map(ar, |v| {
            k += 1;
            (k == n).then_some(v)
        })
    }
}

// ------------------------------------------------------------- conversion

fn cbool<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    truth(fx.ar, a[0], fx.span).map(V::Bool)
}

fn cdate<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    fx.want_dt(a[0], 1).map(V::Dt)
}

fn cguid<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let t = fx.want_str(a[0], 1)?;
    let s = text(&fx.ar.bytes, t);
    let g = Guid::parse(s.trim()).ok_or_else(|| fx.invalid(format_args!("{s:?} is not a GUID")))?;
    Ok(V::Bin(fx.ar.push_bytes(&g.0)))
}

fn cnum<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    match a[0] {
        V::Num(n) => Ok(V::Num(n)),
        V::Bool(_) | V::Dt(_) | V::Bin(_) => Err(fx.type_error(1, "str", a[0])),
        v => {
            let t = fx.want_str(v, 1)?;
            let s = text(&fx.ar.bytes, t);
            parse_num(s)
                .map(V::Num)
                .ok_or_else(|| fx.invalid(format_args!("{s:?} is not a number")))
        }
    }
}

fn cref<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    fx.want_str(a[0], 1).map(V::Ref)
}

fn cstr<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    match a[0] {
        V::Bin(_) => Err(fx.type_error(1, P::Scalar.name(), a[0])),
        v => fx.want_str(v, 1).map(V::Str),
    }
}

const LENIENT_B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Encoding constants (the checker turns `UTF8`, `Unicode`, `ASCII` into these).
pub(crate) const ENC_UNICODE: i64 = 0;
pub(crate) const ENC_UTF8: i64 = 1;
pub(crate) const ENC_ASCII: i64 = 2;
/// Compare constants, as in VBA.
pub(crate) const VB_BINARY_COMPARE: i64 = 0;
pub(crate) const VB_TEXT_COMPARE: i64 = 1;
/// Case constants of `Contains`.
pub(crate) const CASE_SENSITIVE: i64 = 0;
pub(crate) const CASE_INSENSITIVE: i64 = 1;

fn from_base64<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let t = fx.want_str(a[0], 1)?;
    let enc = match a.get(1) {
        Some(V::Num(n)) => *n,
        _ => ENC_UNICODE,
    };
    let s = text(&fx.ar.bytes, t).trim();
    // At most 3 bytes per 4 characters decoded, then at most 3 bytes of
    // UTF-8 per 2 bytes of UTF-16.
    let decoded = (s.len() / 4).checked_mul(3).and_then(|n| n.checked_add(3));
    fx.room(decoded.and_then(|n| n.checked_mul(2)))?;
    fx.ar.buf.clear();
    if LENIENT_B64.decode_vec(s, &mut fx.ar.buf).is_err() {
        return Err(fx.invalid(format_args!("{s:?} is not base64")));
    }
    fx.ar.out.clear();
    match enc {
        ENC_UTF8 => match std::str::from_utf8(&fx.ar.buf) {
            Ok(s) => fx.ar.out.push_str(s),
            Err(_) => return Err(fx.invalid("the decoded bytes are not UTF-8")),
        },
        ENC_ASCII => fx.ar.out.extend(
            fx.ar
                .buf
                .iter()
                .map(|&b| if b < 0x80 { b as char } else { '?' }),
        ),
        _ => {
            if fx.ar.buf.len() % 2 != 0 {
                return Err(fx.invalid("the decoded bytes are not UTF-16 (odd length)"));
            }
            let units = fx
                .ar
                .buf
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]));
            for c in char::decode_utf16(units) {
                match c {
                    Ok(c) => fx.ar.out.push(c),
                    Err(_) => return Err(fx.invalid("the decoded bytes are not UTF-16")),
                }
            }
        }
    }
    Ok(fx.str_result())
}

fn to_base64<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let (t, is_bin) = match a[0] {
        V::Bin(t) => (t, true),
        v => (fx.want_str(v, 1)?, false),
    };
    let input_len = if is_bin {
        Some(t.byte_len())
    } else {
        text(&fx.ar.bytes, t).encode_utf16().count().checked_mul(2)
    };
    fx.room(input_len.and_then(|n| base64::encoded_len(n, true)))?;
    fx.ar.buf.clear();
    match is_bin {
        true => {
            let bytes = raw(&fx.ar.bytes, t);
            fx.ar.buf.extend_from_slice(bytes);
        }
        false => {
            let s = text(&fx.ar.bytes, t);
            for u in s.encode_utf16() {
                fx.ar.buf.extend_from_slice(&u.to_le_bytes());
            }
        }
    }
    fx.ar.out.clear();
    STANDARD.encode_string(&fx.ar.buf, &mut fx.ar.out);
    Ok(fx.str_result())
}

fn from_utf8_hex<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let t = fx.want_str(a[0], 1)?;
    let s = text(&fx.ar.bytes, t).trim();
    fx.room(Some(s.len() / 2))?;
    fx.ar.buf.clear();
    let b = s.as_bytes();
    if b.len() % 2 != 0 {
        return Err(fx.invalid("odd number of hex digits"));
    }
    for pair in b.chunks_exact(2) {
        let hi = (pair[0] as char).to_digit(16);
        let lo = (pair[1] as char).to_digit(16);
        match (hi, lo) {
            (Some(h), Some(l)) => fx.ar.buf.push((h * 16 + l) as u8),
            _ => return Err(fx.invalid(format_args!("{s:?} is not hex"))),
        }
    }
    match std::str::from_utf8(&fx.ar.buf) {
        Ok(decoded) => {
            fx.ar.out.clear();
            fx.ar.out.push_str(decoded);
            Ok(fx.str_result())
        }
        Err(_) => Err(fx.invalid("the decoded bytes are not UTF-8")),
    }
}

fn to_utf8_hex<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let t = fx.want_str(a[0], 1)?;
    fx.room(t.byte_len().checked_mul(2))?;
    fx.ar.out.clear();
    for b in raw(&fx.ar.bytes, t) {
        let _ = write!(fx.ar.out, "{b:02X}");
    }
    Ok(fx.str_result())
}

fn string_from_guid<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let t = fx.want_bin(a[0], 1)?;
    fx.room(Some(36))?;
    let g =
        Guid::from_bytes(raw(&fx.ar.bytes, t)).ok_or_else(|| fx.invalid("a GUID is 16 bytes"))?;
    fx.ar.out.clear();
    let _ = write!(fx.ar.out, "{g}");
    Ok(fx.str_result())
}

fn string_from_sid<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let t = fx.want_bin(a[0], 1)?;
    // Each 4-byte sub-authority is at most 11 characters (`-4294967295`).
    fx.room(t.byte_len().checked_mul(3).and_then(|n| n.checked_add(32)))?;
    let sid =
        Sid::from_bytes(raw(&fx.ar.bytes, t)).ok_or_else(|| fx.invalid("not a binary SID"))?;
    fx.ar.out.clear();
    let _ = write!(fx.ar.out, "{sid}");
    Ok(fx.str_result())
}

// -------------------------------------------------------------- date/time

fn date_add<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let t = fx.want_str(a[0], 1)?;
    let n = fx.want_num(a[1], 2)?;
    let d = fx.want_dt(a[2], 3)?;
    let interval = text(&fx.ar.bytes, t);
    d.add(interval, n).map(V::Dt).ok_or_else(|| {
        fx.invalid(format_args!(
            "interval {interval:?} (yyyy q m y d w ww h n s) or result out of range"
        ))
    })
}

fn date_from_num<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let n = fx.want_num(a[0], 1)?;
    DateTime::from_filetime(n)
        .map(V::Dt)
        .ok_or_else(|| fx.invalid(format_args!("{n} is not a date (FILETIME out of range)")))
}

fn format_date_time<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let d = fx.want_dt(a[0], 1)?;
    let t = fx.want_str(a[1], 2)?;
    // The format may come from the data (`FormatDateTime(d, [description])`).
    fx.room(Some(DateTime::format_len_bound(text(&fx.ar.bytes, t))))?;
    fx.ar.out.clear();
    d.format(text(&fx.ar.bytes, t), &mut fx.ar.out);
    Ok(fx.str_result())
}

fn now<'a>(fx: &mut Fx<'_>, _: &[V<'a>]) -> R<'a> {
    Ok(V::Dt(fx.now))
}

fn num_from_date<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    fx.want_dt(a[0], 1).map(|d| V::Num(d.filetime()))
}

// -------------------------------------------------------------- directory

/// The value of one RDN, given the byte range of the value in the DN, with
/// its DN escapes as written: AD writes a mangled name's line feed as `\0A`
/// (`CN=bob\0ACNF:…` gives `bob\0ACNF:…`), which the out-of-box rule finds
/// with `"\\0ACNF:"` (a string literal holding one backslash).
fn rdn_value<'a>(range: Option<(usize, usize)>, dn: Txt<'a>) -> V<'a> {
    match range {
        Some((start, end)) => V::Str(dn.sub(start, end)),
        None => V::Null,
    }
}

fn dn_component<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let dn = fx.want_str(a[0], 1)?;
    let n = fx.want_num(a[1], 2)?;
    let s = text(&fx.ar.bytes, dn);
    let range = usize::try_from(n)
        .ok()
        .filter(|&k| k >= 1)
        .and_then(|k| dn::components(s).nth(k - 1))
        .map(|(off, rdn)| dn::value_range(off, rdn));
    Ok(rdn_value(range, dn))
}

fn dn_component_rev<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let dn = fx.want_str(a[0], 1)?;
    let n = fx.want_num(a[1], 2)?;
    let skip_dc = a.len() > 2;
    let range = {
        let s = text(&fx.ar.bytes, dn);
        let parts = dn::components(s)
            .filter(|(_, rdn)| !(skip_dc && dn::split_ava(rdn).0.eq_ignore_ascii_case("dc")));
        let count = parts.clone().count();
        usize::try_from(n)
            .ok()
            .filter(|&k| k >= 1)
            .and_then(|k| count.checked_sub(k))
            .and_then(|i| parts.clone().nth(i))
            .map(|(off, rdn)| dn::value_range(off, rdn))
    };
    Ok(rdn_value(range, dn))
}

fn escape_dn_component<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let t = fx.want_str(a[0], 1)?;
    let s = text(&fx.ar.bytes, t);
    let (prefix, value) = match s.find('=') {
        Some(i)
            if s[..i]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && i > 0 =>
        {
            (&s[..=i], &s[i + 1..])
        }
        _ => ("", s),
    };
    // At most `\00` (3 bytes) per byte.
    fx.room(s.len().checked_mul(3))?;
    fx.ar.out.clear();
    fx.ar.out.push_str(prefix);
    dn::escape_value_into(value, &mut fx.ar.out);
    Ok(fx.str_result())
}

// ------------------------------------------------------------- evaluation

fn is_bit_set<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let v = fx.want_num(a[0], 1)?;
    let flag = fx.want_num(a[1], 2)?;
    Ok(V::Bool(flag != 0 && v & flag == flag))
}

/// Applies a test to a value: a list is tested as a whole by `list`.
fn test_str(fx: &Fx<'_>, v: V<'_>, f: impl Fn(&str) -> bool) -> bool {
    match v {
        V::Str(t) => f(text(&fx.ar.bytes, t)),
        _ => false,
    }
}

fn is_date<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    Ok(V::Bool(match a[0] {
        V::Dt(_) => true,
        v => test_str(fx, v, |s| DateTime::parse(s).is_some()),
    }))
}

fn is_empty<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let items = Items::of(a[0]);
    let n = items.count(fx.ar);
    let non_empty = items.find_map(fx.ar, |v| (!test_str(fx, v, str::is_empty)).then_some(()));
    Ok(V::Bool(n > 0 && non_empty.is_none()))
}

fn is_guid<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    Ok(V::Bool(test_str(fx, a[0], |s| {
        Guid::parse(s.trim()).is_some()
    })))
}

fn is_null<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    Ok(V::Bool(Items::of(a[0]).count(fx.ar) == 0))
}

/// Whether a value has at least one item that is not an empty string.
fn present(fx: &Fx<'_>, v: V<'_>) -> bool {
    Items::of(v)
        .find_map(fx.ar, |v| (!test_str(fx, v, str::is_empty)).then_some(()))
        .is_some()
}

fn is_null_or_empty<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    Ok(V::Bool(!present(fx, a[0])))
}

fn is_present<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    Ok(V::Bool(present(fx, a[0])))
}

fn is_numeric<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    Ok(V::Bool(match a[0] {
        V::Num(_) => true,
        v => test_str(fx, v, |s| {
            let s = s.trim();
            let s = s.strip_prefix(['+', '-']).unwrap_or(s);
            let (int, frac) = s.split_once('.').unwrap_or((s, "0"));
            !int.is_empty()
                && !frac.is_empty()
                && int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
        }),
    }))
}

fn is_string<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let items = Items::of(a[0]);
    let non_str = items.find_map(fx.ar, |v| (!matches!(v, V::Str(_))).then_some(()));
    Ok(V::Bool(items.count(fx.ar) > 0 && non_str.is_none()))
}

// ------------------------------------------------------------------- math

fn bit_and<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    Ok(V::Num(fx.want_num(a[0], 1)? & fx.want_num(a[1], 2)?))
}

fn bit_or<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    Ok(V::Num(fx.want_num(a[0], 1)? | fx.want_num(a[1], 2)?))
}

/// SplitMix64: a well-mixed 64-bit value from a seed.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn random_num<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let start = fx.want_num(a[0], 1)?;
    let end = fx.want_num(a[1], 2)?;
    if end < start {
        return Err(fx.invalid(format_args!("end {end} is less than start {start}")));
    }
    let width = (i128::from(end) - i128::from(start) + 1) as u128;
    let r = u128::from(mix(fx.seed
        ^ mix(start as u64)
        ^ mix(end as u64).rotate_left(17)));
    Ok(V::Num((i128::from(start) + (r % width) as i128) as i64))
}

// ---------------------------------------------------------- multi-valued

fn contains<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let needle = match a[1] {
        V::Str(t) | V::Ref(t) => t,
        v if v.is_nullish() => return Ok(V::Num(0)),
        v => fx.want_str(v, 2)?,
    };
    let insensitive = matches!(a.get(2), Some(V::Num(CASE_INSENSITIVE)));
    let items = Items::of(a[0]);
    fx.ar.charge(items.slots());
    if insensitive {
        fold_into(text(&fx.ar.bytes, needle), &mut fx.ar.fold);
    }
    let mut index = 0i64;
    for i in 0..items.slots() {
        let v = items.slot(fx.ar, i);
        if v.is_nullish() {
            continue;
        }
        index += 1;
        let (t, exact) = match v {
            V::Str(t) => (t, false),
            V::Ref(t) => (t, true),
            _ => continue,
        };
        let hay = text(&fx.ar.bytes, t);
        let found = if insensitive {
            fold_into(hay, &mut fx.ar.out);
            let (h, n) = (fx.ar.out.as_str(), fx.ar.fold.as_str());
            if exact {
                h == n
            } else {
                find_from(h, n, 0).is_some()
            }
        } else {
            let n = text(&fx.ar.bytes, needle);
            if exact {
                hay == n
            } else {
                find_from(hay, n, 0).is_some()
            }
        };
        if found {
            return Ok(V::Num(index));
        }
    }
    Ok(V::Num(0))
}

fn count<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    Ok(V::Num(Items::of(a[0]).count(fx.ar) as i64))
}

fn item_at<'a>(fx: &mut Fx<'_>, a: &[V<'a>], or_null: bool) -> R<'a> {
    let n = fx.want_num(a[1], 2)?;
    let items = Items::of(a[0]);
    let hit = usize::try_from(n)
        .ok()
        .filter(|&k| k >= 1)
        .and_then(|k| items.nth(fx.ar, k));
    match hit {
        Some(v) => Ok(v),
        None if or_null => Ok(V::Null),
        None => Err(EvalError::OutOfBounds {
            index: n,
            count: items.count(fx.ar),
            span: fx.span,
        }),
    }
}

fn item<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    item_at(fx, a, false)
}

fn item_or_null<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    item_at(fx, a, true)
}

fn join<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let items = Items::of(a[0]);
    if matches!(items, Items::Empty) {
        return Ok(V::Null);
    }
    let delim = match a.get(1) {
        Some(v) => fx.want_str(*v, 2)?,
        None => Txt::B(b" "),
    };
    // Convert the items to text first (that may write to the arena), then join.
    let base = fx.ar.tmp.len();
    for i in 0..items.slots() {
        let v = items.slot(fx.ar, i);
        if v.is_nullish() {
            continue;
        }
        let t = fx.want_str(v, 1)?;
        let t = fx.ar.own(t);
        fx.ar.tmp.push(V::Str(t));
    }
    let delim_len = delim.byte_len();
    let size = fx.ar.tmp[base..]
        .iter()
        .enumerate()
        .try_fold(0usize, |n, (i, v)| {
            let item = match v {
                V::Str(t) => t.byte_len(),
                _ => 0,
            };
            let sep = if i > 0 { delim_len } else { 0 };
            n.checked_add(item)?.checked_add(sep)
        });
    if let Err(e) = fx.room(size) {
        fx.ar.tmp.truncate(base);
        return Err(e);
    }
    fx.ar.out.clear();
    for (i, v) in fx.ar.tmp[base..].iter().enumerate() {
        if i > 0 {
            fx.ar.out.push_str(text(&fx.ar.bytes, delim));
        }
        if let V::Str(t) = v {
            fx.ar.out.push_str(text(&fx.ar.bytes, *t));
        }
    }
    fx.ar.tmp.truncate(base);
    Ok(fx.str_result())
}

/// Same type and bytes.
fn same_value(ar: &Arena, a: V<'_>, b: V<'_>) -> bool {
    match (a, b) {
        (V::Str(x), V::Str(y)) | (V::Ref(x), V::Ref(y)) | (V::Bin(x), V::Bin(y)) => {
            raw(&ar.bytes, x) == raw(&ar.bytes, y)
        }
        (V::Num(x), V::Num(y)) => x == y,
        (V::Bool(x), V::Bool(y)) => x == y,
        (V::Dt(x), V::Dt(y)) => x == y,
        _ => false,
    }
}

fn remove_duplicates<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let items = Items::of(a[0]);
    if matches!(items, Items::Empty) {
        return Ok(V::Null);
    }
    fx.room_items(items.slots())?;
    let base = fx.ar.tmp.len();
    // Quadratic, but allocation-free; a set pays off only for long lists.
    let mut seen: Option<std::collections::HashSet<(u8, Vec<u8>)>> =
        (items.slots() > 64).then(Default::default);
    for i in 0..items.slots() {
        let v = items.slot(fx.ar, i);
        if v.is_nullish() {
            continue;
        }
        let dup = match &mut seen {
            Some(set) => {
                let key = match v {
                    V::Str(t) => (0, raw(&fx.ar.bytes, t).to_vec()),
                    V::Ref(t) => (1, raw(&fx.ar.bytes, t).to_vec()),
                    V::Bin(t) => (2, raw(&fx.ar.bytes, t).to_vec()),
                    other => (3, fx.ar.to_value(other).to_string().into_bytes()),
                };
                !set.insert(key)
            }
            None => fx.ar.tmp[base..].iter().any(|w| same_value(fx.ar, *w, v)),
        };
        if !dup {
            fx.ar.tmp_push(v);
        }
    }
    Ok(fx.ar.list_from(base))
}

fn split<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let t = fx.want_str(a[0], 1)?;
    let d = fx.want_str(a[1], 2)?;
    let limit = match a.get(2) {
        Some(v) => Some(fx.want_num(*v, 3)?),
        None => None,
    };
    let delim = text(&fx.ar.bytes, d);
    let mut chars = delim.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        return Err(fx.invalid(format_args!(
            "the delimiter must be a single character, found {delim:?}"
        )));
    };
    let limit = match limit {
        Some(l) if l < 0 => return Err(fx.invalid("the limit cannot be negative")),
        Some(l) => usize::try_from(l).unwrap_or(usize::MAX),
        None => usize::MAX,
    };
    // Search the bytes (UTF-8 finds a character's encoding only at a
    // character boundary): `text` would check the whole string's UTF-8 at
    // every piece, quadratic in the number of pieces.
    let mut utf8 = [0u8; 4];
    let delim = c.encode_utf8(&mut utf8).as_bytes();
    let finder = memchr::memmem::Finder::new(delim);
    let pieces = finder
        .find_iter(raw(&fx.ar.bytes, t))
        .count()
        .saturating_add(1);
    fx.room_items(pieces.min(limit))?;
    let base = fx.ar.tmp.len();
    let mut pos = 0;
    let mut parts = 0;
    while parts < limit {
        let (end, next) = {
            let b = raw(&fx.ar.bytes, t);
            match b.get(pos..).and_then(|rest| finder.find(rest)) {
                Some(i) if parts + 1 < limit => (pos + i, Some(pos + i + delim.len())),
                _ => (b.len(), None),
            }
        };
        fx.ar.tmp_push(V::Str(t.sub(pos, end)));
        parts += 1;
        match next {
            Some(n) => pos = n,
            None => break,
        }
    }
    Ok(fx.ar.list_from(base))
}

// ----------------------------------------------------------- program flow

fn error<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let v = match a[0] {
        V::Mv(..) => Items::of(a[0]).nth(fx.ar, 1).unwrap_or(V::Null),
        v => v,
    };
    let t = fx.want_str(v, 1)?;
    Err(EvalError::Raised(
        text(&fx.ar.bytes, t).to_string(),
        fx.span,
    ))
}

// ------------------------------------------------------------------- text

fn guid<'a>(fx: &mut Fx<'_>, _: &[V<'a>]) -> R<'a> {
    fx.room(Some(36))?;
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&mix(fx.seed ^ 0x6775_6964).to_le_bytes());
    b[8..].copy_from_slice(&mix(fx.seed.rotate_left(32) ^ 0x4755_4944).to_le_bytes());
    // Version 4, RFC 4122 variant (in AD byte order: the version nibble is in byte 7).
    b[7] = (b[7] & 0x0F) | 0x40;
    b[8] = (b[8] & 0x3F) | 0x80;
    fx.ar.out.clear();
    let _ = write!(fx.ar.out, "{}", Guid(b));
    Ok(fx.str_result())
}

/// `(string, match, start, text_compare)` of InStr / InStrRev.
fn instr_args<'a>(
    fx: &mut Fx<'_>,
    a: &[V<'a>],
    default_start: i64,
) -> Result<(Txt<'a>, Txt<'a>, i64, bool), EvalError> {
    let s = fx.want_str(a[0], 1)?;
    let m = fx.want_str(a[1], 2)?;
    let start = match a.get(2) {
        Some(v) => fx.want_num(*v, 3)?,
        None => default_start,
    };
    let text_compare = matches!(a.get(3), Some(V::Num(VB_TEXT_COMPARE)));
    Ok((s, m, start, text_compare))
}

fn instr<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let (s, m, start, tc) = instr_args(fx, a, 1)?;
    if start < 1 {
        return Err(fx.invalid(format_args!("start must be 1 or more, found {start}")));
    }
    let (hay, needle) = (text(&fx.ar.bytes, s), text(&fx.ar.bytes, m));
    let start = usize::try_from(start).unwrap_or(usize::MAX);
    if start > char_count(hay) {
        return Ok(V::Num(0));
    }
    if needle.is_empty() {
        return Ok(V::Num(start as i64));
    }
    let pos = position(hay, needle, start, tc, (&mut fx.ar.out, &mut fx.ar.fold));
    Ok(V::Num(pos as i64))
}

fn instr_rev<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let (s, m, start, tc) = instr_args(fx, a, -1)?;
    if start == 0 || start < -1 {
        return Err(fx.invalid(format_args!("start must be -1 or 1 or more, found {start}")));
    }
    let (hay, needle) = (text(&fx.ar.bytes, s), text(&fx.ar.bytes, m));
    let len = char_count(hay);
    let start = if start == -1 {
        len
    } else {
        usize::try_from(start).unwrap_or(usize::MAX)
    };
    if start > len {
        return Ok(V::Num(0));
    }
    if needle.is_empty() {
        return Ok(V::Num(start as i64));
    }
    let pos = position_rev(hay, needle, start, tc, (&mut fx.ar.out, &mut fx.ar.fold));
    Ok(V::Num(pos as i64))
}

fn map_case<'a>(fx: &mut Fx<'_>, a: &[V<'a>], upper: bool) -> R<'a> {
    let t = fx.want_str(a[0], 1)?;
    let s = text(&fx.ar.bytes, t);
    let unchanged = if s.is_ascii() {
        !s.bytes().any(|b| {
            if upper {
                b.is_ascii_lowercase()
            } else {
                b.is_ascii_uppercase()
            }
        })
    } else {
        s.chars().all(|c| {
            let mut m = if upper {
                c.to_uppercase().collect::<Cased>()
            } else {
                c.to_lowercase().collect::<Cased>()
            };
            m.only() == Some(c)
        })
    };
    if unchanged {
        return Ok(V::Str(t));
    }
    // A character's upper or lower case takes at most 3 times its bytes
    // (`ΐ`, 2 bytes, upper-cases to 3 characters of 2 bytes).
    fx.room(case_mapped_len_bound(s))?;
    fx.ar.out.clear();
    if s.is_ascii() {
        fx.ar.out.push_str(s);
        if upper {
            fx.ar.out.make_ascii_uppercase();
        } else {
            fx.ar.out.make_ascii_lowercase();
        }
    } else if upper {
        fx.ar.out.extend(s.chars().flat_map(char::to_uppercase));
    } else {
        fx.ar.out.extend(s.chars().flat_map(char::to_lowercase));
    }
    Ok(fx.str_result())
}

/// The most bytes case-mapping `s` can make: the same for ASCII, at most
/// three times as many otherwise.
fn case_mapped_len_bound(s: &str) -> Option<usize> {
    if s.is_ascii() {
        Some(s.len())
    } else {
        s.len().checked_mul(3)
    }
}

/// The result of case-mapping one character, without allocating.
#[derive(Default)]
struct Cased {
    first: Option<char>,
    more: bool,
}

impl FromIterator<char> for Cased {
    fn from_iter<I: IntoIterator<Item = char>>(iter: I) -> Self {
        let mut it = iter.into_iter();
        Cased {
            first: it.next(),
            more: it.next().is_some(),
        }
    }
}

impl Cased {
    fn only(&mut self) -> Option<char> {
        if self.more {
            None
        } else {
            self.first
        }
    }
}

fn lcase<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    map_case(fx, a, false)
}

fn ucase<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    map_case(fx, a, true)
}

fn pcase<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let t = fx.want_str(a[0], 1)?;
    let s = text(&fx.ar.bytes, t);
    fx.room(case_mapped_len_bound(s))?;
    fx.ar.out.clear();
    let mut word_start = true;
    for c in s.chars() {
        if word_start {
            fx.ar.out.extend(c.to_uppercase());
        } else {
            fx.ar.out.extend(c.to_lowercase());
        }
        word_start = c.is_whitespace();
    }
    Ok(fx.str_result())
}

/// The string argument of a `Nulls::First` text function: NULL reads as "".
fn str_or_empty<'a>(fx: &mut Fx<'_>, v: V<'a>) -> Result<Txt<'a>, EvalError> {
    fx.want_str(v, 1)
}

fn left<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let t = str_or_empty(fx, a[0])?;
    let n = fx.want_num(a[1], 2)?;
    let s = text(&fx.ar.bytes, t);
    Ok(V::Str(match n {
        n if n < 0 => t,
        n => t.sub(0, char_offset(s, usize::try_from(n).unwrap_or(usize::MAX))),
    }))
}

fn right<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let t = str_or_empty(fx, a[0])?;
    let n = fx.want_num(a[1], 2)?;
    let s = text(&fx.ar.bytes, t);
    if n < 0 {
        return Ok(V::Str(t));
    }
    let keep = usize::try_from(n).unwrap_or(usize::MAX);
    let skip = char_count(s).saturating_sub(keep);
    Ok(V::Str(t.sub(char_offset(s, skip), s.len())))
}

fn mid<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let t = str_or_empty(fx, a[0])?;
    let start = fx.want_num(a[1], 2)?;
    let n = match a.get(2) {
        Some(v) => fx.want_num(*v, 3)?,
        None => i64::MAX,
    };
    let s = text(&fx.ar.bytes, t);
    let len = char_count(s) as i64;
    // As documented: NumChars 0 gives "", NumChars < 0 or a start outside
    // the string gives the input unchanged.
    if n == 0 {
        return Ok(V::Str(Txt::B(b"")));
    }
    if n < 0 || start <= 0 || start > len {
        return Ok(V::Str(t));
    }
    let from = char_offset(s, (start - 1) as usize);
    let to = char_offset(s, (start - 1).saturating_add(n).min(len) as usize);
    Ok(V::Str(t.sub(from, to)))
}

fn len<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let t = fx.want_str(a[0], 1)?;
    Ok(V::Num(char_count(text(&fx.ar.bytes, t)) as i64))
}

fn trim_with<'a>(fx: &mut Fx<'_>, a: &[V<'a>], start: bool, end: bool) -> R<'a> {
    let t = fx.want_str(a[0], 1)?;
    let s = text(&fx.ar.bytes, t);
    let lo = if start {
        s.len() - s.trim_start().len()
    } else {
        0
    };
    let hi = if end { s.trim_end().len() } else { s.len() };
    Ok(V::Str(t.sub(lo, hi.max(lo))))
}

fn ltrim<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    trim_with(fx, a, true, false)
}

fn rtrim<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    trim_with(fx, a, false, true)
}

fn trim<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    trim_with(fx, a, true, true)
}

fn pad<'a>(fx: &mut Fx<'_>, a: &[V<'a>], on_left: bool) -> R<'a> {
    if a[0].is_nullish() {
        return Ok(V::Str(Txt::B(b"")));
    }
    let t = fx.want_str(a[0], 1)?;
    let width = fx.want_num(a[1], 2)?;
    let p = fx.want_str(a[2], 3)?;
    let s = text(&fx.ar.bytes, t);
    let Some(c) = text(&fx.ar.bytes, p).chars().next() else {
        return Ok(V::Str(t));
    };
    let have = char_count(s);
    let want = usize::try_from(width).unwrap_or(0);
    if want <= have {
        return Ok(V::Str(t));
    }
    let fill = want - have;
    fx.room(
        fill.checked_mul(c.len_utf8())
            .and_then(|n| n.checked_add(s.len())),
    )?;
    fx.ar.out.clear();
    if !on_left {
        fx.ar.out.push_str(s);
    }
    fx.ar.out.extend(std::iter::repeat(c).take(fill));
    if on_left {
        fx.ar.out.push_str(s);
    }
    Ok(fx.str_result())
}

fn pad_left<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    pad(fx, a, true)
}

fn pad_right<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    pad(fx, a, false)
}

/// `\n`, `\r` and `\t` as the characters they name (Replace's monikers).
fn monikers(s: &str) -> Cow<'_, str> {
    if !s.contains('\\') {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.replace("\\n", "\n")
            .replace("\\r", "\r")
            .replace("\\t", "\t"),
    )
}

fn replace<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let t = fx.want_str(a[0], 1)?;
    let o = fx.want_str(a[1], 2)?;
    let n = fx.want_str(a[2], 3)?;
    let s = text(&fx.ar.bytes, t);
    let old = monikers(text(&fx.ar.bytes, o));
    if old.is_empty() || !s.contains(old.as_ref()) {
        return Ok(V::Str(t));
    }
    let new = monikers(text(&fx.ar.bytes, n));
    let count = s.matches(old.as_ref()).count();
    let size = count
        .checked_mul(old.len())
        .and_then(|removed| s.len().checked_sub(removed))
        .and_then(|kept| count.checked_mul(new.len())?.checked_add(kept));
    fx.room(size)?;
    fx.ar.out.clear();
    let mut last = 0;
    for (i, _) in s.match_indices(old.as_ref()) {
        fx.ar.out.push_str(&s[last..i]);
        fx.ar.out.push_str(&new);
        last = i + old.len();
    }
    fx.ar.out.push_str(&s[last..]);
    Ok(fx.str_result())
}

/// A ReplaceChars pattern `{source}:{target},…` (white space ignored):
/// sorted `(source, target)` pairs; entries whose source is not exactly one
/// character are ignored.
fn replace_pattern(pattern: &str) -> Vec<(char, String)> {
    let mut map: Vec<(char, String)> = Vec::new();
    for entry in pattern.split(',') {
        let Some((src, target)) = entry.split_once(':') else {
            continue;
        };
        let mut src = src.chars().filter(|c| !c.is_whitespace());
        if let (Some(c), None) = (src.next(), src.next()) {
            map.push((c, target.chars().filter(|c| !c.is_whitespace()).collect()));
        }
    }
    // A stable sort keeps repeats in pattern order: the first one wins.
    map.sort_by_key(|(c, _)| *c);
    map.dedup_by_key(|(c, _)| *c);
    map
}

fn replace_chars<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let t = fx.want_str(a[0], 1)?;
    let p = fx.want_str(a[1], 2)?;
    let map = replace_pattern(text(&fx.ar.bytes, p));
    let s = text(&fx.ar.bytes, t);
    let replaced = |c: char| {
        map.binary_search_by_key(&c, |(k, _)| *k)
            .ok()
            .and_then(|i| map.get(i))
    };
    let size = s.chars().try_fold(0usize, |n, c| {
        n.checked_add(replaced(c).map_or(c.len_utf8(), |(_, to)| to.len()))
    });
    fx.room(size)?;
    fx.ar.out.clear();
    for c in s.chars() {
        match replaced(c) {
            Some((_, to)) => fx.ar.out.push_str(to),
            None => fx.ar.out.push(c),
        }
    }
    Ok(fx.str_result())
}

fn word<'a>(fx: &mut Fx<'_>, a: &[V<'a>]) -> R<'a> {
    let t = str_or_empty(fx, a[0])?;
    let n = fx.want_num(a[1], 2)?;
    let d = fx.want_str(a[2], 3)?;
    let s = text(&fx.ar.bytes, t);
    let delims = text(&fx.ar.bytes, d);
    let Some(k) = usize::try_from(n).ok().filter(|&k| k >= 1) else {
        return Ok(V::Str(Txt::B(b"")));
    };
    // A long delimiter list would make `contains` quadratic: sort it once.
    let mut sorted: Vec<char> = Vec::new();
    if delims.len() > 16 {
        fx.room(delims.len().checked_mul(std::mem::size_of::<char>()))?;
        sorted = delims.chars().collect();
        sorted.sort_unstable();
    }
    let is_delim = |c: char| {
        if sorted.is_empty() {
            delims.contains(c)
        } else {
            sorted.binary_search(&c).is_ok()
        }
    };
    let hit = s
        .split(is_delim)
        .filter(|w| !w.is_empty())
        .nth(k - 1)
        .map(|w| {
            w.as_ptr() as usize - s.as_ptr() as usize
                ..w.as_ptr() as usize - s.as_ptr() as usize + w.len()
        });
    Ok(V::Str(match hit {
        Some(r) => t.sub(r.start, r.end),
        None => Txt::B(b""),
    }))
}

// -------------------------------------------------------------- operators

/// Compares two single values: `None` if they are unequal and unordered
/// (NULL against a value, text that is not a number against a number).
/// NULL equals NULL. Strings compare ordinally (binary, case-sensitive).
pub(crate) fn compare(
    ar: &Arena,
    a: V<'_>,
    b: V<'_>,
    span: Span,
) -> Result<Option<Ordering>, EvalError> {
    let b_ = &ar.bytes;
    Ok(match (a, b) {
        (x, y) if x.is_nullish() && y.is_nullish() => Some(Ordering::Equal),
        (x, y) if x.is_nullish() || y.is_nullish() => None,
        (V::Num(x), V::Num(y)) => Some(x.cmp(&y)),
        (V::Num(x), V::Str(t) | V::Ref(t)) => parse_num(text(b_, t)).map(|y| x.cmp(&y)),
        (V::Str(t) | V::Ref(t), V::Num(y)) => parse_num(text(b_, t)).map(|x| x.cmp(&y)),
        (V::Str(x) | V::Ref(x), V::Str(y) | V::Ref(y)) => {
            Some(raw(&ar.bytes, x).cmp(raw(&ar.bytes, y)))
        }
        (V::Bool(x), V::Bool(y)) => Some(x.cmp(&y)),
        (V::Bool(x), V::Str(t)) => parse_bool(text(b_, t)).map(|y| x.cmp(&y)),
        (V::Str(t), V::Bool(y)) => parse_bool(text(b_, t)).map(|x| x.cmp(&y)),
        (V::Bool(x), V::Num(n)) => Some(x.cmp(&(n != 0))),
        (V::Num(n), V::Bool(y)) => Some((n != 0).cmp(&y)),
        (V::Dt(x), V::Dt(y)) => Some(x.cmp(&y)),
        (V::Dt(x), V::Str(t)) => DateTime::parse(text(b_, t)).map(|y| x.cmp(&y)),
        (V::Str(t), V::Dt(y)) => DateTime::parse(text(b_, t)).map(|x| x.cmp(&y)),
        (V::Bin(x), V::Bin(y)) => Some(raw(&ar.bytes, x).cmp(raw(&ar.bytes, y))),
        (x, y) => {
            return Err(EvalError::Type(
                format!(
                    "cannot compare a {} value with a {} value",
                    x.type_name(),
                    y.type_name()
                ),
                span,
            ))
        }
    })
}

/// Applies a non-logical binary operator to two single values.
pub(crate) fn binop<'a>(fx: &mut Fx<'_>, op: BinOp, a: V<'a>, b: V<'a>) -> R<'a> {
    let ord = |fx: &mut Fx<'_>| compare(fx.ar, a, b, fx.span);
    Ok(match op {
        BinOp::Eq => V::Bool(ord(fx)? == Some(Ordering::Equal)),
        BinOp::Ne => V::Bool(ord(fx)? != Some(Ordering::Equal)),
        BinOp::Lt => V::Bool(ord(fx)? == Some(Ordering::Less)),
        BinOp::Le => V::Bool(matches!(ord(fx)?, Some(Ordering::Less | Ordering::Equal))),
        BinOp::Gt => V::Bool(ord(fx)? == Some(Ordering::Greater)),
        BinOp::Ge => V::Bool(matches!(
            ord(fx)?,
            Some(Ordering::Greater | Ordering::Equal)
        )),
        BinOp::Concat => {
            if a.is_nullish() && b.is_nullish() {
                return Ok(V::Null);
            }
            if b.is_nullish() {
                return Ok(V::Str(fx.want_str(a, 1)?));
            }
            if a.is_nullish() {
                return Ok(V::Str(fx.want_str(b, 2)?));
            }
            let x = fx.want_str(a, 1)?;
            let y = fx.want_str(b, 2)?;
            fx.room(x.byte_len().checked_add(y.byte_len()))?;
            fx.ar.out.clear();
            fx.ar.out.push_str(text(&fx.ar.bytes, x));
            fx.ar.out.push_str(text(&fx.ar.bytes, y));
            fx.str_result()
        }
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
            if a.is_nullish() || b.is_nullish() {
                return Ok(V::Null);
            }
            let x = fx.want_num(a, 1)?;
            let y = fx.want_num(b, 2)?;
            let r = match op {
                BinOp::Add => x.checked_add(y),
                BinOp::Sub => x.checked_sub(y),
                BinOp::Mul => x.checked_mul(y),
                _ if y == 0 => return Err(fx.invalid("division by zero")),
                _ => x.checked_div(y),
            };
            V::Num(r.ok_or_else(|| {
                fx.invalid(format_args!("{x} {} {y} overflows 64 bits", op.symbol()))
            })?)
        }
        BinOp::And | BinOp::Or => {
            let x = truth(fx.ar, a, fx.span)?;
            let y = truth(fx.ar, b, fx.span)?;
            V::Bool(if op == BinOp::And { x && y } else { x || y })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_documented() {
        for w in FUNCTIONS.windows(2) {
            assert!(
                w[0].name.to_ascii_lowercase() < w[1].name.to_ascii_lowercase(),
                "{} before {}",
                w[0].name,
                w[1].name
            );
        }
        for f in FUNCTIONS {
            assert!(!f.doc.is_empty() && !f.doc.contains('\n'), "{}", f.name);
            assert!(!f.category.is_empty());
            let switch = matches!(f.imp, Imp::Switch);
            assert_eq!(f.sigs.is_empty(), switch, "{}", f.name);
            for s in f.sigs {
                if matches!(f.imp, Imp::Strict(_)) {
                    assert!(s.params.len() <= MAX_STRICT_ARGS, "{}", f.name);
                }
                // Enum parameters come last, so arity picks the overload.
                let first_enum = s.params.iter().position(|p| p.is_enum());
                assert!(
                    first_enum.map_or(true, |i| i + 1 == s.params.len()),
                    "{}",
                    f.name
                );
            }
            let counts: Vec<usize> = f.sigs.iter().map(|s| s.params.len()).collect();
            let mut dedup = counts.clone();
            dedup.dedup();
            assert_eq!(counts, dedup, "{}: one overload per arity", f.name);
        }
        for (alias, to) in ALIASES {
            assert!(find(alias).is_some_and(|f| f.name == *to));
        }
        for c in CERTIFICATE_FUNCTIONS {
            assert!(find(c).is_none());
        }
    }

    #[test]
    fn numbers_and_booleans_parse() {
        assert_eq!(parse_num(" 512 "), Some(512));
        assert_eq!(parse_num("-8"), Some(-8));
        assert_eq!(parse_num("+8"), Some(8));
        assert_eq!(parse_num("8a"), None);
        assert_eq!(parse_num(""), None);
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("false"), Some(false));
        assert_eq!(parse_bool("yes"), None);
    }
}
