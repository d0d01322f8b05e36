//! The parser: tokens to an [`Expr`] tree, by recursive descent for operands
//! and precedence climbing ([`super::prec`]) for operator chains.
//!
//! ```text
//! expr    = operand { op operand }
//! operand = ["-"] number | string | "[" attr "]" | "%" param "%" | "$" var
//!         | name "(" [ expr { "," expr } ] ")" | name | "(" expr ")"
//! ```
//!
//! The parser collects errors instead of stopping at the first one: after a
//! bad argument it skips to the next `,` or `)` and goes on (at most
//! [`MAX_ERRORS`] errors). It never recurses deeper than [`MAX_DEPTH`] and
//! always consumes a token before trying again, so it cannot hang.

use super::ast::{BinOp, Expr, ExprKind};
use super::error::{ErrorKind, Expect, ExprError, Span, MAX_DEPTH, MAX_SOURCE_LEN};
use super::lex::{lex, Tok, Token};
use super::prec;

/// Errors collected before the parser gives up.
pub const MAX_ERRORS: usize = 20;

/// Parses an expression (syntax only: names and types are checked by
/// [`compile`](super::compile)). Errors are sorted by position.
pub fn parse(source: &str) -> Result<Expr, Vec<ExprError>> {
    if source.len() > MAX_SOURCE_LEN {
        return Err(vec![ExprError::new(Span::new(0, 0), ErrorKind::TooLong)]);
    }
    let mut errors = Vec::new();
    let toks = lex(source, &mut errors);
    let mut p = Parser {
        src: source,
        toks,
        pos: 0,
        errors,
        fatal: false,
    };
    let expr = p.expr(0);
    if !p.fatal && p.peek().tok != Tok::Eof {
        let t = p.peek();
        p.expected(Expect::End, t);
    }
    let mut errors = p.errors;
    match expr {
        Some((e, _)) if errors.is_empty() => Ok(e),
        _ => {
            if errors.is_empty() {
                // Unreachable by construction (every `None` records an
                // error), kept so that a bug reports instead of panicking.
                errors.push(ExprError::new(
                    Span::new(0, source.len()),
                    ErrorKind::Expected {
                        expected: Expect::Operand,
                        found: "nothing".into(),
                    },
                ));
            }
            errors.sort_by_key(|e| e.span);
            errors.truncate(MAX_ERRORS);
            Err(errors)
        }
    }
}

struct Parser<'s> {
    src: &'s str,
    toks: Vec<Token>,
    pos: usize,
    errors: Vec<ExprError>,
    /// Set when going on would only produce noise (too deep, too many errors).
    fatal: bool,
}

/// A parsed node and the depth of its tree.
type Node = (Expr, u32);

fn node(kind: ExprKind, span: Span) -> Expr {
    Expr {
        kind,
        span,
        parenthesised: false,
    }
}

impl Parser<'_> {
    fn peek(&self) -> Token {
        // The token list always ends with Eof and `pos` never passes it.
        self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn bump(&mut self) -> Token {
        let t = self.peek();
        if t.tok != Tok::Eof {
            self.pos += 1;
        }
        t
    }

    fn error(&mut self, span: Span, kind: ErrorKind) {
        self.errors.push(ExprError::new(span, kind));
        if self.errors.len() >= MAX_ERRORS {
            self.fatal = true;
        }
    }

    fn expected(&mut self, expected: Expect, found: Token) {
        let found_text = found.describe(self.src);
        self.error(
            found.span,
            ErrorKind::Expected {
                expected,
                found: found_text,
            },
        );
    }

    fn too_deep(&mut self, span: Span) {
        self.error(span, ErrorKind::TooDeep);
        self.fatal = true;
    }

    /// `operand { op operand }`.
    fn expr(&mut self, nest: u32) -> Option<Node> {
        let head = self.operand(nest);
        let mut ok = head.is_some();
        let mut tail = Vec::new();
        while !self.fatal {
            let Tok::Op(op) = self.peek().tok else { break };
            let op_span = self.bump().span;
            match self.operand(nest) {
                Some(rhs) => tail.push((op, op_span, rhs)),
                None => ok = false,
            }
        }
        if !ok || self.fatal {
            return None;
        }
        let head = head?;
        if tail.is_empty() {
            return Some(head);
        }
        prec::climb(head, tail, |(lhs, ld), op, op_span, (rhs, rd)| {
            let depth = 1 + ld.max(rd);
            let span = lhs.span.to(rhs.span);
            if depth > MAX_DEPTH {
                self.too_deep(span);
                return None;
            }
            let kind = ExprKind::Binary {
                op,
                op_span,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            };
            Some((node(kind, span), depth))
        })
    }

    fn operand(&mut self, nest: u32) -> Option<Node> {
        if self.fatal {
            return None;
        }
        let t = self.peek();
        if nest >= MAX_DEPTH {
            self.too_deep(t.span);
            return None;
        }
        match t.tok {
            Tok::Str => {
                self.bump();
                let text = unescape_str(t.inner.text(self.src));
                Some((node(ExprKind::Str(text), t.span), 0))
            }
            Tok::Num(v) => {
                self.bump();
                match i64::try_from(v) {
                    Ok(value) => Some((node(ExprKind::Num { value, hex: false }, t.span), 0)),
                    Err(_) => {
                        self.error(t.span, ErrorKind::NumberTooLarge);
                        None
                    }
                }
            }
            Tok::Hex(v) => {
                self.bump();
                // &H literals are 64-bit two's complement: &HFFFFFFFFFFFFFFFF is -1.
                let kind = ExprKind::Num {
                    value: v as i64,
                    hex: true,
                };
                Some((node(kind, t.span), 0))
            }
            Tok::Op(BinOp::Sub) => self.negative(),
            Tok::Attr | Tok::Param | Tok::Var => {
                self.bump();
                let name = t.inner.text(self.src).to_string();
                let kind = match t.tok {
                    Tok::Attr => ExprKind::Attr(name),
                    Tok::Param => ExprKind::Param(name),
                    _ => ExprKind::Var(name),
                };
                Some((node(kind, t.span), 0))
            }
            Tok::Ident => {
                self.bump();
                let name = t.span.text(self.src);
                if self.peek().tok == Tok::LParen {
                    return self.call(t, nest);
                }
                let kind = match name {
                    "True" => ExprKind::Bool(true),
                    "False" => ExprKind::Bool(false),
                    "Not" | "NOT" | "not" => {
                        self.error(
                            t.span,
                            ErrorKind::WrongOperator {
                                found: "Not",
                                hint: "there is no negation operator; compare with `= False`",
                            },
                        );
                        return None;
                    }
                    _ => ExprKind::Const(name.to_string()),
                };
                Some((node(kind, t.span), 0))
            }
            Tok::LParen => {
                self.bump();
                let inner = self.expr(nest + 1);
                let close = self.peek();
                if close.tok != Tok::RParen {
                    if !self.fatal && inner.is_some() {
                        self.expected(Expect::CloseParen, close);
                    }
                    self.skip_to_close();
                    return None;
                }
                self.bump();
                let (mut e, d) = inner?;
                e.parenthesised = true;
                e.span = t.span.to(close.span);
                Some((e, d))
            }
            Tok::RParen | Tok::Comma | Tok::Eof => {
                self.expected(Expect::Operand, t);
                None
            }
            Tok::Op(_) => {
                self.bump();
                self.expected(Expect::Operand, t);
                None
            }
        }
    }

    /// `-` before a number literal.
    fn negative(&mut self) -> Option<Node> {
        let minus = self.bump();
        let t = self.peek();
        let value = match t.tok {
            Tok::Num(v) if v <= 1 << 63 => (v as i64).wrapping_neg(),
            Tok::Num(_) => {
                self.bump();
                self.error(minus.span.to(t.span), ErrorKind::NumberTooLarge);
                return None;
            }
            Tok::Hex(v) => (v as i64).wrapping_neg(),
            _ => {
                self.error(minus.span, ErrorKind::UnaryMinus);
                return None;
            }
        };
        self.bump();
        let hex = matches!(t.tok, Tok::Hex(_));
        Some((node(ExprKind::Num { value, hex }, minus.span.to(t.span)), 0))
    }

    /// `name(args)`; the name has been consumed and `(` is next.
    fn call(&mut self, name: Token, nest: u32) -> Option<Node> {
        self.bump();
        let mut args = Vec::new();
        let mut ok = true;
        let mut depth = 0;
        let end;
        if self.peek().tok == Tok::RParen {
            end = self.bump().span;
        } else {
            loop {
                if self.fatal {
                    return None;
                }
                match self.expr(nest + 1) {
                    Some((a, d)) => {
                        args.push(a);
                        depth = depth.max(d);
                    }
                    None => ok = false,
                }
                let t = self.peek();
                match t.tok {
                    Tok::Comma => {
                        self.bump();
                    }
                    Tok::RParen => {
                        end = self.bump().span;
                        break;
                    }
                    _ => {
                        // After a failed argument the error is already
                        // recorded; do not pile "expected `,`" on top.
                        if ok && !self.fatal {
                            self.expected(Expect::CommaOrClose, t);
                        }
                        ok = false;
                        // Skip to the `,` or `)` that ends this argument.
                        match self.skip_to_separator() {
                            Some(Tok::Comma) => {}
                            Some(_) => {
                                end = self.toks[self.pos - 1].span;
                                break;
                            }
                            None => return None,
                        }
                    }
                }
            }
        }
        let span = name.span.to(end);
        if !ok {
            return None;
        }
        if depth + 1 > MAX_DEPTH {
            self.too_deep(span);
            return None;
        }
        let kind = ExprKind::Call {
            name: name.span.text(self.src).to_string(),
            name_span: name.span,
            args,
        };
        Some((node(kind, span), depth + 1))
    }

    /// Skips to the next `,` or `)` outside nested parentheses and consumes
    /// it; `None` at the end of input.
    fn skip_to_separator(&mut self) -> Option<Tok> {
        let mut open = 0usize;
        loop {
            let t = self.bump();
            match t.tok {
                Tok::Eof => return None,
                Tok::LParen => open += 1,
                Tok::RParen if open == 0 => return Some(Tok::RParen),
                Tok::RParen => open -= 1,
                Tok::Comma if open == 0 => return Some(Tok::Comma),
                _ => {}
            }
        }
    }

    /// Skips past the `)` that closes the current group, if any.
    fn skip_to_close(&mut self) {
        let mut open = 0usize;
        loop {
            match self.peek().tok {
                Tok::Eof => return,
                Tok::LParen => open += 1,
                Tok::RParen if open == 0 => {
                    self.bump();
                    return;
                }
                Tok::RParen => open -= 1,
                _ => {}
            }
            self.bump();
        }
    }
}

/// The value of a string literal's inside: `""` is one `"` (as in VBA) and
/// `\\` is one `\`; any other backslash is literal. Microsoft's
/// out-of-box rule writes `"\\0ACNF:"` to find the `\0A` escape AD puts in
/// the DN of a replication victim, which only works if `\\` is one
/// backslash (UNCONFIRMED in the documentation; see the module doc).
pub(crate) fn unescape_str(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if chars.peek() == Some(&'"') => {
                chars.next();
                out.push('"');
            }
            '\\' if chars.peek() == Some(&'\\') => {
                chars.next();
                out.push('\\');
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(src: &str) -> Expr {
        match parse(src) {
            Ok(e) => e,
            Err(errs) => panic!("{src}: {}", errs[0].render(src)),
        }
    }

    fn errs(src: &str) -> Vec<String> {
        parse(src)
            .err()
            .unwrap_or_default()
            .iter()
            .map(|e| e.render(src))
            .collect()
    }

    /// The engine's grouping, fully parenthesised.
    fn grouped(src: &str) -> String {
        p(src).grouped().to_string()
    }

    #[test]
    fn grouping() {
        assert_eq!(grouped("1 = 1 || 2 = 3"), "((1 = 1) || (2 = 3))");
        assert_eq!(grouped("2*5+3"), "((2 * 5) + 3)");
        assert_eq!(grouped("2+5*3"), "((2 + 5) * 3)");
        assert_eq!(grouped(r#""a" & "b" = "ab""#), r#"(("a" & "b") = "ab")"#);
        assert_eq!(grouped("a && b || c && d"), "(((a && b) || c) && d)");
        assert_eq!(grouped("1 < 2 = True"), "((1 < 2) = True)");
        assert_eq!(grouped("2*(5+3)"), "(2 * (5 + 3))");
    }

    #[test]
    fn literals() {
        assert_eq!(
            p("-5").kind,
            ExprKind::Num {
                value: -5,
                hex: false
            }
        );
        assert_eq!(
            p("&HFFFFFFFFFFFFFFFF").kind,
            ExprKind::Num {
                value: -1,
                hex: true
            }
        );
        assert_eq!(
            p("-9223372036854775808").kind,
            ExprKind::Num {
                value: i64::MIN,
                hex: false
            }
        );
        assert_eq!(p(r#""a""b""#).kind, ExprKind::Str("a\"b".into()));
        assert_eq!(p("True").kind, ExprKind::Bool(true));
        assert_eq!(p("NULL").kind, ExprKind::Const("NULL".into()));
    }

    #[test]
    fn spans() {
        let src = "IIF(IsPresent([a]), (1), 2)";
        let e = p(src);
        let ExprKind::Call {
            args, name_span, ..
        } = &e.kind
        else {
            panic!()
        };
        assert_eq!(name_span.text(src), "IIF");
        assert_eq!(e.span.text(src), src);
        assert_eq!(args[0].span.text(src), "IsPresent([a])");
        assert_eq!(args[1].span.text(src), "(1)");
        assert!(args[1].parenthesised);
    }

    #[test]
    fn error_rendering() {
        assert_eq!(
            errs(r#"IIF(IsPresent([a]),"x""#),
            ["1:23: expected `,` or `)`, found end of input\n  IIF(IsPresent([a]),\"x\"\n                        ^"]
        );
        assert_eq!(
            errs("Left([cn] 3)"),
            ["1:11: expected `,` or `)`, found `3`\n  Left([cn] 3)\n            ^"]
        );
        assert_eq!(
            errs("IIF(True,\n  “Guest”, \"Member\")"),
            ["2:3: typographic quote: strings must use straight quotes \"...\", not “...”\n    “Guest”, \"Member\")\n    ^^^^^^^"]
        );
    }

    #[test]
    fn errors_after_carriage_returns_render() {
        // Found by fuzzing: an error at the end of a line of `\r`s.
        let src = "IIF(IsPresent(\u{1b}Fr\r\r\r";
        let e = errs(src);
        assert!(e.iter().all(|e| e.contains('^')), "{e:?}");
    }

    #[test]
    fn several_errors_are_collected() {
        let e = errs("F(1 2, G(,), [x y])");
        assert_eq!(e.len(), 4, "{e:#?}");
        assert!(e[0].starts_with("1:5: expected `,` or `)`, found `2`"));
        assert!(e[1].starts_with("1:10: expected an operand (a value, an [attribute], a function call or `(`), found `,`"));
        assert!(e[2].starts_with("1:11: expected an operand"));
        assert!(
            e[3].starts_with("1:16: ` ` cannot appear in an attribute name"),
            "{}",
            e[3]
        );
    }

    #[test]
    fn syntax_errors() {
        assert!(errs("")[0].contains("expected an operand"));
        assert!(errs("(1 = 1")[0].contains("expected `)`"));
        assert!(errs("Trim([a]))")[0].contains("expected the end of the expression"));
        assert!(errs("-[a]")[0].contains("minus sign"));
        assert!(errs("Not IsPresent([a])")[0].contains("no negation"));
        assert!(errs("9223372036854775808")[0].contains("64 bits"));
        assert!(errs("1 + * 2")[0].contains("expected an operand"));
    }

    #[test]
    fn depth_is_bounded() {
        let deep = "Trim(".repeat(300) + &")".repeat(300);
        assert!(errs(&deep)[0].contains("nested more than 256"));
        let parens = "(".repeat(100_000);
        assert!(errs(&parens)[0].contains("nested more than 256"));
        let chain = vec!["1"; 5000].join(" + ");
        assert!(errs(&chain)[0].contains("nested more than 256"));
        let ok = vec!["1"; 200].join(" + ");
        assert!(parse(&ok).is_ok());
    }
}
