//! Tokens of the PowerShell subset that the Synchronization Rules Editor's
//! Export writes (and that hand-written sync-rule scripts use).
//!
//! What is read: bare words (command names, unquoted values), `-Parameter`
//! names (with an optional `:value`), single-quoted strings (`''` is a
//! quote), double-quoted strings (`` ` `` escapes and `""`; `$` is kept
//! literally: the export never interpolates), here-strings `@'…'@` and
//! `@"…"@`, `$variables` (`$true`, `$false` and `$null` are constants),
//! numbers, `@(`, `(`, `)`, `[`, `]`, `,`, `=`, `|`, `;`, `{`, `}` and line
//! ends. A backtick at the end of a line continues the statement; `#` to the
//! end of the line and `<# … #>` are comments (so `#region` is one too).
//! PowerShell's syntax rules are described at
//! <https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_quoting_rules>
//! and `about_Comments`, `about_Parsing`.

use std::fmt;

/// A token and where it starts (1-based line and column, in characters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: Tok,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// Token kinds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    /// A bare word: a command name or an unquoted value.
    Word(String),
    /// `-Name` (the name without the dash); `-Name:` sets `colon`.
    Param {
        /// The name, without the dash.
        name: String,
        /// Written `-Name:` (the value follows the colon).
        colon: bool,
    },
    /// A quoted string or here-string, unescaped.
    Str(String),
    /// `$name` (not `$true`, `$false`, `$null`).
    Var(String),
    /// `$true` or `$false`.
    Bool(bool),
    /// `$null`.
    Null,
    /// A decimal or `0x` number.
    Num(i64),
    /// `@(`.
    ArrayOpen,
    /// One of `( ) [ ] , = | ; { }`.
    Punct(char),
    /// The end of a statement line.
    Newline,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Word(w) => write!(f, "`{w}`"),
            Tok::Param { name, .. } => write!(f, "`-{name}`"),
            Tok::Str(_) => f.write_str("a string"),
            Tok::Var(v) => write!(f, "`${v}`"),
            Tok::Bool(b) => write!(f, "`${b}`"),
            Tok::Null => f.write_str("`$null`"),
            Tok::Num(n) => write!(f, "`{n}`"),
            Tok::ArrayOpen => f.write_str("`@(`"),
            Tok::Punct(c) => write!(f, "`{c}`"),
            Tok::Newline => f.write_str("the end of the line"),
        }
    }
}

/// A lexical error: where, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong and what to do.
    pub message: String,
}

/// Most tokens in one file: a Rules Editor export of every out-of-box rule
/// has about a hundred thousand; beyond this the file is not an export.
pub const MAX_TOKENS: usize = 4_000_000;

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    line: usize,
    line_start: usize,
    /// The last column computed and its byte offset: columns are counted on
    /// from there, so a file of one enormous line lexes in linear time.
    col_at: usize,
    col: usize,
}

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<char> {
        self.src.get(self.pos..).and_then(|s| s.chars().next())
    }

    fn peek2(&self) -> Option<char> {
        let mut it = self.src.get(self.pos..)?.chars();
        it.next();
        it.next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.line_start = self.pos;
        }
        Some(c)
    }

    fn column(&mut self) -> usize {
        if self.col_at < self.line_start || self.col_at > self.pos {
            self.col_at = self.line_start;
            self.col = 1;
        }
        self.col += self
            .src
            .get(self.col_at..self.pos)
            .map_or(0, |s| s.chars().count());
        self.col_at = self.pos;
        self.col
    }

    fn error(&self, line: usize, column: usize, message: String) -> LexError {
        LexError {
            line,
            column,
            message,
        }
    }

    /// A quoted string after its opening quote.
    fn quoted(&mut self, quote: char, line: usize, column: usize) -> Result<String, LexError> {
        let mut out = String::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(self.error(
                    line,
                    column,
                    format!("unterminated string: the {quote} opened here is never closed"),
                ));
            };
            if is_quote(c, quote) {
                // A doubled quote is one quote character.
                if self.peek().is_some_and(|n| is_quote(n, quote)) {
                    self.bump();
                    out.push(quote);
                    continue;
                }
                return Ok(out);
            }
            if quote == '"' && c == '`' {
                match self.bump() {
                    Some(e) => out.push(backtick_escape(e)),
                    None => continue,
                }
                continue;
            }
            out.push(c);
        }
    }

    /// A here-string after `@'` or `@"`: the text between the line after the
    /// opener and a line starting with the closing `'@` / `"@`.
    fn here_string(&mut self, quote: char, line: usize, column: usize) -> Result<String, LexError> {
        while let Some(c) = self.peek() {
            if c == '\n' {
                break;
            }
            if !c.is_whitespace() {
                let column = self.column();
                return Err(self.error(
                    self.line,
                    column,
                    "a here-string's text starts on the line after its opening `@'` or `@\"`"
                        .into(),
                ));
            }
            self.bump();
        }
        self.bump();
        let start = self.pos;
        loop {
            let rest = self.src.get(self.pos..).unwrap_or("");
            if rest.is_empty() {
                return Err(self.error(
                    line,
                    column,
                    format!("unterminated here-string: no line starts with `{quote}@`"),
                ));
            }
            if rest.starts_with(quote) && rest[quote.len_utf8()..].starts_with('@') {
                let text = self.src.get(start..self.pos).unwrap_or("");
                let text = text.strip_suffix('\n').unwrap_or(text);
                let text = text.strip_suffix('\r').unwrap_or(text).to_string();
                self.bump();
                self.bump();
                return Ok(text);
            }
            // To the start of the next line.
            while let Some(c) = self.bump() {
                if c == '\n' {
                    break;
                }
            }
        }
    }
}

fn is_quote(c: char, quote: char) -> bool {
    match quote {
        // PowerShell also accepts typographic quotes as quotes.
        '\'' => matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}'),
        _ => matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{201E}'),
    }
}

fn backtick_escape(c: char) -> char {
    match c {
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        '0' => '\0',
        other => other,
    }
}

fn is_word_char(c: char) -> bool {
    !c.is_whitespace()
        && !matches!(
            c,
            '(' | ')' | ',' | ';' | '|' | '{' | '}' | '"' | '\'' | '=' | '[' | ']' | '`' | '#'
        )
}

/// Splits `src` into tokens; stops at the first lexical error.
pub fn lex(src: &str) -> Result<Vec<Token>, LexError> {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let mut lx = Lexer {
        src,
        pos: 0,
        line: 1,
        line_start: 0,
        col_at: 0,
        col: 1,
    };
    let mut out: Vec<Token> = Vec::new();
    while let Some(c) = lx.peek() {
        let (line, column) = (lx.line, lx.column());
        if out.len() >= MAX_TOKENS {
            return Err(lx.error(
                line,
                column,
                format!("more than {MAX_TOKENS} tokens: this is not a sync-rule export"),
            ));
        }
        let push = |out: &mut Vec<Token>, kind: Tok| out.push(Token { kind, line, column });
        match c {
            '\n' => {
                lx.bump();
                push(&mut out, Tok::Newline);
            }
            c if c.is_whitespace() => {
                lx.bump();
            }
            '`' => lx.continuation(line, column)?,
            '#' => {
                while lx.peek().is_some_and(|c| c != '\n') {
                    lx.bump();
                }
            }
            '<' if lx.peek2() == Some('#') => lx.block_comment(line, column)?,
            '@' if matches!(lx.peek2(), Some('(')) => {
                lx.bump();
                lx.bump();
                push(&mut out, Tok::ArrayOpen);
            }
            '@' if matches!(lx.peek2(), Some('\'' | '"')) => {
                lx.bump();
                let q = if lx.bump() == Some('"') { '"' } else { '\'' };
                let s = lx.here_string(q, line, column)?;
                push(&mut out, Tok::Str(s));
            }
            c if is_quote(c, '\'') || is_quote(c, '"') => {
                lx.bump();
                let q = if is_quote(c, '\'') { '\'' } else { '"' };
                let s = lx.quoted(q, line, column)?;
                push(&mut out, Tok::Str(s));
            }
            '$' => {
                let kind = lx.variable(line, column)?;
                push(&mut out, kind);
            }
            '(' | ')' | '[' | ']' | ',' | '=' | '|' | ';' | '{' | '}' => {
                lx.bump();
                push(&mut out, Tok::Punct(c));
            }
            '-' | '\u{2013}' | '\u{2014}'
                if lx.peek2().is_some_and(|n| n.is_alphabetic() || n == '_') =>
            {
                let kind = lx.parameter();
                push(&mut out, kind);
            }
            _ => {
                let kind = lx.word(c, line, column)?;
                push(&mut out, kind);
            }
        }
    }
    out.push(Token {
        kind: Tok::Newline,
        line: lx.line,
        column: lx.column(),
    });
    Ok(out)
}

/// The token kinds that take more than a character or two, and the skipped
/// parts (continuations, block comments) that can be malformed.
impl Lexer<'_> {
    /// A continuation: the backtick, optional blanks, the line end.
    fn continuation(&mut self, line: usize, column: usize) -> Result<(), LexError> {
        self.bump();
        while self.peek().is_some_and(|c| c != '\n' && c.is_whitespace()) {
            self.bump();
        }
        match self.peek() {
            Some('\n') | None => {
                self.bump();
                Ok(())
            }
            _ => Err(self.error(
                line,
                column,
                "a backtick outside a string must end its line (a line \
                 continuation); remove what follows it"
                    .into(),
            )),
        }
    }

    /// A `<# ... #>` block comment, skipped.
    fn block_comment(&mut self, line: usize, column: usize) -> Result<(), LexError> {
        self.bump();
        self.bump();
        loop {
            match self.bump() {
                Some('#') if self.peek() == Some('>') => {
                    self.bump();
                    return Ok(());
                }
                Some(_) => {}
                None => {
                    return Err(self.error(
                        line,
                        column,
                        "unterminated block comment: `<#` without `#>`".into(),
                    ))
                }
            }
        }
    }

    /// A `$variable`, with its `script:` or `global:` scope dropped;
    /// `$true`, `$false` and `$null` are literals.
    fn variable(&mut self, line: usize, column: usize) -> Result<Tok, LexError> {
        self.bump();
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
        {
            self.bump();
        }
        let name = self.src.get(start..self.pos).unwrap_or("");
        let name = name.strip_prefix("script:").unwrap_or(name);
        let name = name.strip_prefix("global:").unwrap_or(name);
        if name.is_empty() {
            return Err(self.error(line, column, "`$` without a variable name".into()));
        }
        Ok(match name.to_ascii_lowercase().as_str() {
            "true" => Tok::Bool(true),
            "false" => Tok::Bool(false),
            "null" => Tok::Null,
            _ => Tok::Var(name.to_string()),
        })
    }

    /// A `-Parameter` name, with the colon of `-Name:value`.
    fn parameter(&mut self) -> Tok {
        self.bump();
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            self.bump();
        }
        let name = self.src.get(start..self.pos).unwrap_or("").to_string();
        let colon = self.peek() == Some(':');
        if colon {
            self.bump();
        }
        Tok::Param { name, colon }
    }

    /// A bare word or a number; `c`, the character under the cursor, must start one.
    fn word(&mut self, c: char, line: usize, column: usize) -> Result<Tok, LexError> {
        let start = self.pos;
        while self.peek().is_some_and(is_word_char) {
            self.bump();
        }
        if self.pos == start {
            self.bump();
            return Err(self.error(
                line,
                column,
                format!("unexpected character `{}`", c.escape_debug()),
            ));
        }
        let word = self.src.get(start..self.pos).unwrap_or("");
        Ok(match parse_number(word) {
            Some(n) => Tok::Num(n),
            None => Tok::Word(word.to_string()),
        })
    }
}

fn parse_number(word: &str) -> Option<i64> {
    let (neg, digits) = match word.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, word),
    };
    let n = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => i64::from_str_radix(hex, 16).ok()?,
        None if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            digits.parse().ok()?
        }
        None => return None,
    };
    Some(if neg { -n } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        lex(src)
            .expect("lexes")
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    fn word(s: &str) -> Tok {
        Tok::Word(s.into())
    }

    fn param(s: &str) -> Tok {
        Tok::Param {
            name: s.into(),
            colon: false,
        }
    }

    #[test]
    fn continuations_and_comments_vanish() {
        let src = "#region rules\nNew-ADSyncRule `\n  -Name 'x' ` \n  -Disabled # a comment\n<# block\n over lines #>#endregion\n";
        assert_eq!(
            kinds(src),
            vec![
                Tok::Newline,
                word("New-ADSyncRule"),
                param("Name"),
                Tok::Str("x".into()),
                param("Disabled"),
                Tok::Newline,
                Tok::Newline,
                Tok::Newline,
            ]
        );
    }

    #[test]
    fn strings_unescape_as_powershell_does() {
        assert_eq!(kinds("'it''s'")[0], Tok::Str("it's".into()));
        assert_eq!(
            kinds(r#""a""b`tc`"d $x""#)[0],
            Tok::Str("a\"b\tc\"d $x".into())
        );
        // A single-quoted string keeps backticks and doubled double quotes.
        assert_eq!(
            kinds(r#"'IIF([a]="x",`"y`",NULL)'"#)[0],
            Tok::Str(r#"IIF([a]="x",`"y`",NULL)"#.into())
        );
        let here = "@'\nline 1\n'quoted'\n'@\n";
        assert_eq!(kinds(here)[0], Tok::Str("line 1\n'quoted'".into()));
        let here = "@\"\r\nx\r\n\"@";
        assert_eq!(kinds(here)[0], Tok::Str("x".into()));
    }

    #[test]
    fn variables_constants_arrays_and_numbers() {
        assert_eq!(
            kinds("$syncRule[0] $TRUE $false $null @('a','b') -5 0x10 -Flag:$true"),
            vec![
                Tok::Var("syncRule".into()),
                Tok::Punct('['),
                Tok::Num(0),
                Tok::Punct(']'),
                Tok::Bool(true),
                Tok::Bool(false),
                Tok::Null,
                Tok::ArrayOpen,
                Tok::Str("a".into()),
                Tok::Punct(','),
                Tok::Str("b".into()),
                Tok::Punct(')'),
                Tok::Num(-5),
                Tok::Num(16),
                Tok::Param {
                    name: "Flag".into(),
                    colon: true
                },
                Tok::Bool(true),
                Tok::Newline,
            ]
        );
    }

    #[test]
    fn positions_are_line_and_column() {
        let t = lex("a\n  'b'").expect("lexes");
        assert_eq!((t[2].line, t[2].column), (2, 3));
    }

    #[test]
    fn one_enormous_line_lexes_in_linear_time_with_exact_columns() {
        // 300,000 `@(` pairs on one line: counting each token's column from
        // the line start took minutes; counted on, it takes milliseconds.
        let n = 300_000;
        let src = format!("é {}{}\n'x'", "@(".repeat(n), ")".repeat(n));
        let started = std::time::Instant::now();
        let t = lex(&src).expect("lexes");
        assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
        let last_open = t.get(n).expect("the last @(");
        assert_eq!(
            (last_open.kind.clone(), last_open.column),
            (Tok::ArrayOpen, 3 + 2 * (n - 1))
        );
        let last_close = t.get(2 * n).expect("the last )");
        assert_eq!(last_close.column, 3 + 3 * n - 1);
        let x = t.get(2 * n + 2).expect("x");
        assert_eq!(x.kind, Tok::Str("x".into()));
        assert_eq!((x.line, x.column), (2, 1));
    }

    #[test]
    fn unterminated_things_are_errors_with_positions() {
        let e = lex("x\n -Name 'abc").expect_err("unterminated");
        assert_eq!((e.line, e.column), (2, 8));
        assert!(e.message.contains("unterminated string"), "{}", e.message);
        let e = lex("<# never closed").expect_err("comment");
        assert!(e.message.contains("block comment"));
        let e = lex("@'\nno end").expect_err("here");
        assert!(e.message.contains("here-string"));
        let e = lex("a ` b").expect_err("backtick");
        assert!(e.message.contains("backtick"));
        let e = lex("$").expect_err("dollar");
        assert!(e.message.contains("variable name"));
    }

    #[test]
    fn hostile_input_does_not_panic() {
        for src in [
            "\u{feff}",
            "'",
            "\"`",
            "@",
            "@'",
            "-",
            "<#",
            "`",
            "$:",
            "\u{2019}x",
        ] {
            let _ = lex(src);
        }
        let deep = "@(".repeat(100_000);
        assert_eq!(lex(&deep).map(|t| t.len()).ok(), Some(100_001));
    }
}
