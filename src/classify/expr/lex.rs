//! The lexer: source text to tokens with byte spans.
//!
//! * Strings: `"..."`, straight quotes only; `""` inside is one `"` (as in
//!   VBA) and `\\` one `\` (`"\\0ACNF:"` is the 6 characters `\0ACNF:`);
//!   any other backslash is literal (`Replace` reads `\n` itself); a string
//!   may span lines. Typographic quotes `“…”` are an
//!   error (lexed as a string so that parsing goes on).
//! * Numbers: decimal `98052`, hexadecimal `&HFF` (`H` in either case).
//! * `[attribute]` (letters, digits, `-`, `_`, `.`), `%Parameter.Name%`, `$variable`.
//! * Names: functions and constants (`True`, `NULL`, `vbTextCompare`, …).
//! * Operators `& + - * / = <> < <= > >= && ||`, `(`, `)`, `,`.
//! * Whitespace includes line breaks. `//` starts a comment to the end of the
//!   line: Microsoft's documentation shows commented expressions "with
//!   additional comments inserted" for illustration only; whether the engine
//!   accepts them is unconfirmed, so a rule that relies on them may not
//!   import into Connect.
//!
//! The lexer never stops: an error is recorded and lexing resumes after the
//! offending character, so that one run reports several problems.

use super::ast::BinOp;
use super::error::{ErrorKind, ExprError, Span};

/// A token kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    /// A string literal; `inner` is the text between the quotes (still escaped).
    Str,
    /// A decimal literal (magnitude; a leading `-` is a separate token).
    Num(u64),
    /// A `&H` literal.
    Hex(u64),
    /// `[name]`; `inner` is the name.
    Attr,
    /// `%name%`; `inner` is the name.
    Param,
    /// `$name`; `inner` is the name.
    Var,
    /// A name.
    Ident,
    /// A binary operator (`-` is also unary minus before a number).
    Op(BinOp),
    LParen,
    RParen,
    Comma,
    Eof,
}

/// A token: its kind, its whole span and the span of its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub span: Span,
    pub inner: Span,
}

impl Token {
    /// A short description for "found …" in messages.
    pub fn describe(&self, src: &str) -> String {
        match self.tok {
            Tok::Eof => "end of input".to_string(),
            _ => {
                let text = self.span.text(src);
                let short: String = text.chars().take(40).collect();
                let ell = if short.len() < text.len() { "…" } else { "" };
                format!("`{short}{ell}`")
            }
        }
    }
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn is_attr_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')
}

fn is_param_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.')
}

const OPEN_SMART: char = '“';
const CLOSE_SMART: char = '”';

struct Lexer<'s> {
    src: &'s str,
    b: &'s [u8],
    pos: usize,
    out: Vec<Token>,
    errors: &'s mut Vec<ExprError>,
}

/// Lexes the whole source; the last token is always [`Tok::Eof`].
pub(crate) fn lex(src: &str, errors: &mut Vec<ExprError>) -> Vec<Token> {
    let mut lx = Lexer {
        src,
        b: src.as_bytes(),
        pos: 0,
        out: Vec::new(),
        errors,
    };
    lx.run();
    let end = Span::new(src.len(), src.len());
    lx.out.push(Token {
        tok: Tok::Eof,
        span: end,
        inner: end,
    });
    lx.out
}

impl Lexer<'_> {
    fn peek(&self, k: usize) -> u8 {
        self.b.get(self.pos + k).copied().unwrap_or(0)
    }

    fn err(&mut self, start: usize, end: usize, kind: ErrorKind) {
        self.errors
            .push(ExprError::new(Span::new(start, end), kind));
    }

    fn push(&mut self, tok: Tok, start: usize, inner: (usize, usize)) {
        self.out.push(Token {
            tok,
            span: Span::new(start, self.pos),
            inner: Span::new(inner.0, inner.1),
        });
    }

    fn op(&mut self, op: BinOp, len: usize) {
        let start = self.pos;
        self.pos += len;
        self.push(Tok::Op(op), start, (start, self.pos));
    }

    fn run(&mut self) {
        while self.pos < self.b.len() {
            let start = self.pos;
            let c = self.b[self.pos];
            match c {
                b'/' if self.peek(1) == b'/' => {
                    while self.pos < self.b.len() && self.b[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                b'"' => self.string(),
                b'[' => self.delimited(b']', is_attr_char, Tok::Attr),
                b'%' => self.delimited(b'%', is_param_char, Tok::Param),
                b'$' => {
                    self.pos += 1;
                    while is_ident(self.peek(0)) {
                        self.pos += 1;
                    }
                    if self.pos == start + 1 {
                        self.err(start, self.pos, ErrorKind::EmptyVariable);
                    } else {
                        self.push(Tok::Var, start, (start + 1, self.pos));
                    }
                }
                b'0'..=b'9' => self.number(),
                b'&' if matches!(self.peek(1), b'H' | b'h') && self.hex() => {}
                b'&' if self.peek(1) == b'&' => self.op(BinOp::And, 2),
                b'&' => self.op(BinOp::Concat, 1),
                b'|' if self.peek(1) == b'|' => self.op(BinOp::Or, 2),
                b'|' => {
                    self.err(start, start + 1, wrong("|", "write `||` for or"));
                    self.op(BinOp::Or, 1);
                }
                b'+' => self.op(BinOp::Add, 1),
                b'-' => self.op(BinOp::Sub, 1),
                b'*' => self.op(BinOp::Mul, 1),
                b'/' => self.op(BinOp::Div, 1),
                b'=' if self.peek(1) == b'=' => {
                    self.err(start, start + 2, wrong("==", "write `=` to compare"));
                    self.op(BinOp::Eq, 2);
                }
                b'=' => self.op(BinOp::Eq, 1),
                b'<' if self.peek(1) == b'>' => self.op(BinOp::Ne, 2),
                b'<' if self.peek(1) == b'=' => self.op(BinOp::Le, 2),
                b'<' => self.op(BinOp::Lt, 1),
                b'>' if self.peek(1) == b'=' => self.op(BinOp::Ge, 2),
                b'>' => self.op(BinOp::Gt, 1),
                b'!' if self.peek(1) == b'=' => {
                    self.err(start, start + 2, wrong("!=", "write `<>` for not equal"));
                    self.op(BinOp::Ne, 2);
                }
                b'!' => {
                    self.err(
                        start,
                        start + 1,
                        wrong("!", "there is no negation operator; compare with `= False`"),
                    );
                    self.pos += 1;
                }
                b'(' => {
                    self.pos += 1;
                    self.push(Tok::LParen, start, (start, self.pos));
                }
                b')' => {
                    self.pos += 1;
                    self.push(Tok::RParen, start, (start, self.pos));
                }
                b',' => {
                    self.pos += 1;
                    self.push(Tok::Comma, start, (start, self.pos));
                }
                b'\'' => {
                    // Lex 'text' as a string so that parsing goes on.
                    self.pos += 1;
                    while self.pos < self.b.len() && self.b[self.pos] != b'\'' {
                        self.pos += 1;
                    }
                    let inner_end = self.pos;
                    self.pos = (self.pos + 1).min(self.b.len());
                    self.err(start, self.pos, ErrorKind::SingleQuote);
                    self.push(Tok::Str, start, (start + 1, inner_end));
                }
                c if is_ident_start(c) => {
                    while is_ident(self.peek(0)) {
                        self.pos += 1;
                    }
                    self.push(Tok::Ident, start, (start, self.pos));
                }
                c if c.is_ascii_whitespace() => self.pos += 1,
                _ => self.other(),
            }
        }
    }

    /// `"…"` with `""` as an escaped quote.
    fn string(&mut self) {
        let start = self.pos;
        self.pos += 1;
        loop {
            match memchr::memchr(b'"', &self.b[self.pos..]) {
                Some(i) if self.peek(i + 1) == b'"' => self.pos += i + 2,
                Some(i) => {
                    self.pos += i + 1;
                    self.push(Tok::Str, start, (start + 1, self.pos - 1));
                    return;
                }
                None => {
                    self.pos = self.b.len();
                    self.err(start, start + 1, ErrorKind::UnterminatedString);
                    self.push(Tok::Str, start, (start + 1, self.pos));
                    return;
                }
            }
        }
    }

    /// `[name]` or `%name%`.
    fn delimited(&mut self, close: u8, ok: fn(u8) -> bool, tok: Tok) {
        let start = self.pos;
        self.pos += 1;
        while ok(self.peek(0)) {
            self.pos += 1;
        }
        let name_end = self.pos;
        if self.peek(0) == close {
            self.pos += 1;
            if name_end == start + 1 {
                let kind = if tok == Tok::Attr {
                    ErrorKind::EmptyAttribute
                } else {
                    ErrorKind::EmptyParameter
                };
                self.err(start, self.pos, kind);
            } else {
                self.push(tok, start, (start + 1, name_end));
            }
            return;
        }
        // A bad character inside brackets: report it, then skip to the
        // closing bracket on the same line so the rest lexes normally.
        if tok == Tok::Attr && self.pos < self.b.len() && self.b[self.pos] != b'\n' {
            let c = self.src[self.pos..].chars().next().unwrap_or('?');
            let line_end =
                memchr::memchr(b'\n', &self.b[self.pos..]).map_or(self.b.len(), |i| self.pos + i);
            if let Some(i) = memchr::memchr(b']', &self.b[self.pos..line_end]) {
                self.err(
                    self.pos,
                    self.pos + c.len_utf8(),
                    ErrorKind::AttributeChar(c),
                );
                self.pos += i + 1;
                self.push(tok, start, (start + 1, name_end));
                return;
            }
        }
        let kind = if tok == Tok::Attr {
            ErrorKind::UnterminatedAttribute
        } else {
            ErrorKind::UnterminatedParameter
        };
        self.err(start, start + 1, kind);
    }

    fn number(&mut self) {
        let start = self.pos;
        let mut v: Option<u64> = Some(0);
        while self.peek(0).is_ascii_digit() {
            let d = u64::from(self.peek(0) - b'0');
            v = v
                .and_then(|v| v.checked_mul(10))
                .and_then(|v| v.checked_add(d));
            self.pos += 1;
        }
        if self.peek(0) == b'.' && self.peek(1).is_ascii_digit() {
            self.pos += 1;
            while self.peek(0).is_ascii_digit() {
                self.pos += 1;
            }
            self.err(start, self.pos, ErrorKind::Fraction);
        }
        match v {
            Some(v) => self.push(Tok::Num(v), start, (start, self.pos)),
            None => self.err(start, self.pos, ErrorKind::NumberTooLarge),
        }
    }

    /// `&H…` if what follows `&H` is a run of hex digits; otherwise returns
    /// false and `&` is the concatenation operator (`[a]&Hello`).
    fn hex(&mut self) -> bool {
        let start = self.pos;
        let digits_start = start + 2;
        let mut end = digits_start;
        while end < self.b.len() && is_ident(self.b[end]) {
            end += 1;
        }
        let digits = &self.b[digits_start..end];
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_hexdigit) {
            return false;
        }
        self.pos = end;
        let trimmed = digits.iter().skip_while(|&&d| d == b'0').count();
        if trimmed > 16 {
            self.err(start, end, ErrorKind::NumberTooLarge);
            return true;
        }
        let v = digits.iter().fold(0u64, |acc, &d| {
            let x = (d as char).to_digit(16).unwrap_or(0);
            (acc << 4) | u64::from(x)
        });
        self.push(Tok::Hex(v), start, (digits_start, end));
        true
    }

    fn other(&mut self) {
        let start = self.pos;
        let c = self.src[start..].chars().next().unwrap_or('\u{FFFD}');
        self.pos += c.len_utf8().max(1);
        if c == OPEN_SMART || c == CLOSE_SMART {
            // Lex “…” as a string so that the rest of the expression still parses.
            let rest = &self.src[self.pos..];
            let close = rest.find(&[CLOSE_SMART, '"'][..]);
            let inner_start = self.pos;
            let inner_end = close.map_or(self.src.len(), |i| self.pos + i);
            self.pos = close.map_or(self.src.len(), |i| {
                let closing = rest[i..].chars().next().map_or(1, char::len_utf8);
                self.pos + i + closing
            });
            self.err(start, self.pos, ErrorKind::SmartQuote);
            self.push(Tok::Str, start, (inner_start, inner_end));
        } else if c.is_whitespace() {
            // Non-breaking and other Unicode spaces, as pasted from documents.
        } else {
            self.err(start, self.pos, ErrorKind::UnexpectedChar(c));
        }
    }
}

fn wrong(found: &'static str, hint: &'static str) -> ErrorKind {
    ErrorKind::WrongOperator { found, hint }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        let mut errs = Vec::new();
        let toks = lex(src, &mut errs);
        assert!(errs.is_empty(), "{src}: {errs:?}");
        toks.iter().map(|t| t.tok).collect()
    }

    fn inner(src: &str, i: usize) -> String {
        let mut errs = Vec::new();
        lex(src, &mut errs)[i].inner.text(src).to_string()
    }

    fn first_error(src: &str) -> ErrorKind {
        let mut errs = Vec::new();
        lex(src, &mut errs);
        errs.into_iter().next().map(|e| e.kind).expect("an error")
    }

    #[test]
    fn tokens() {
        use Tok::*;
        assert_eq!(kinds("&HF &h21C07000"), [Hex(15), Hex(0x21C0_7000), Eof]);
        assert_eq!(kinds("[a]&Hello"), [Attr, Op(BinOp::Concat), Ident, Eof]);
        assert_eq!(
            kinds("a&&b||c"),
            [Ident, Op(BinOp::And), Ident, Op(BinOp::Or), Ident, Eof]
        );
        assert_eq!(
            kinds("1<>2<=3>=4<5>6=7"),
            [
                Num(1),
                Op(BinOp::Ne),
                Num(2),
                Op(BinOp::Le),
                Num(3),
                Op(BinOp::Ge),
                Num(4),
                Op(BinOp::Lt),
                Num(5),
                Op(BinOp::Gt),
                Num(6),
                Op(BinOp::Eq),
                Num(7),
                Eof
            ]
        );
        assert_eq!(
            kinds("F(1,\n2) // comment ) \n"),
            [Ident, LParen, Num(1), Comma, Num(2), RParen, Eof]
        );
        assert_eq!(
            kinds("%Domain.FQDN% $item [mS-DS-ConsistencyGuid]"),
            [Param, Var, Attr, Eof]
        );
        assert_eq!(kinds("18446744073709551615"), [Num(u64::MAX), Eof]);
        assert_eq!(kinds("&HFFFFFFFFFFFFFFFF"), [Hex(u64::MAX), Eof]);
    }

    #[test]
    fn payloads() {
        assert_eq!(inner(r#""\\0ACNF:""#, 0), r"\\0ACNF:");
        assert_eq!(inner(r#""say ""hi""""#, 0), r#"say ""hi"""#);
        assert_eq!(
            inner("[msDS-cloudExtensionAttribute10]", 0),
            "msDS-cloudExtensionAttribute10"
        );
        assert_eq!(inner("%Domain.FQDN%", 0), "Domain.FQDN");
        assert_eq!(inner("$item", 0), "item");
    }

    #[test]
    fn errors() {
        assert_eq!(first_error("\"abc"), ErrorKind::UnterminatedString);
        assert_eq!(first_error("“Guest”"), ErrorKind::SmartQuote);
        assert_eq!(first_error("'Guest'"), ErrorKind::SingleQuote);
        assert_eq!(first_error("[abc"), ErrorKind::UnterminatedAttribute);
        assert_eq!(first_error("[]"), ErrorKind::EmptyAttribute);
        assert_eq!(first_error("[a b]"), ErrorKind::AttributeChar(' '));
        assert_eq!(first_error("%a"), ErrorKind::UnterminatedParameter);
        assert_eq!(first_error("%%"), ErrorKind::EmptyParameter);
        assert_eq!(first_error("$ "), ErrorKind::EmptyVariable);
        assert_eq!(
            first_error("99999999999999999999"),
            ErrorKind::NumberTooLarge
        );
        assert_eq!(
            first_error("&H1FFFFFFFFFFFFFFFF"),
            ErrorKind::NumberTooLarge
        );
        assert_eq!(first_error("1.5"), ErrorKind::Fraction);
        assert_eq!(first_error("#"), ErrorKind::UnexpectedChar('#'));
        assert!(matches!(
            first_error("a | b"),
            ErrorKind::WrongOperator { found: "|", .. }
        ));
        assert!(matches!(
            first_error("a != b"),
            ErrorKind::WrongOperator { found: "!=", .. }
        ));
        assert!(matches!(
            first_error("a == b"),
            ErrorKind::WrongOperator { found: "==", .. }
        ));
    }

    #[test]
    fn smart_quoted_string_still_lexes_as_a_string() {
        let mut errs = Vec::new();
        let toks = lex("IIF(True, “Guest”, \"Member\")", &mut errs);
        assert_eq!(errs.len(), 1);
        assert_eq!(toks[4].tok, Tok::Str);
        assert_eq!(
            toks[4].inner.text("IIF(True, “Guest”, \"Member\")"),
            "Guest"
        );
    }
}
