//! Escaping for terminals, HTML text and HTML attributes (JSON embedded in
//! HTML is escaped by `html.rs`, which writes the only such data).

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with each line made [`terminal_safe`]; its own line breaks (LF)
/// are kept. For multi-line text of ours that holds values from inputs.
pub fn terminal_safe_lines(text: &str) -> Cow<'_, str> {
    if !text
        .split('\n')
        .any(|line| line.contains(is_unsafe_on_terminal))
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&terminal_safe(line));
    }
    Cow::Owned(out)
}

/// JSON text safe to show on a terminal and still the same JSON: every
/// character of `is_unsafe_on_terminal` except the line feeds that end JSON
/// Lines is written as a JSON `\uXXXX` escape. Only valid inside strings,
/// where a serializer leaves C1 controls, DEL and bidirectional marks raw.
pub fn json_terminal_safe(json: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| c != '\n' && is_unsafe_on_terminal(c);
    let Some(first) = json.find(unsafe_char) else {
        return Cow::Borrowed(json);
    };
    let mut out = String::with_capacity(json.len() + 16);
    out.push_str(&json[..first]);
    for c in json[first..].chars() {
        if unsafe_char(c) {
            // These are all in the Basic Multilingual Plane: one escape each.
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether `c` must not reach a terminal as it is: C0 and C1 control
/// characters and DEL (an escape sequence can move the cursor, rewrite lines
/// or retitle the window; a line break can forge a line of our own output),
/// and the bidirectional overrides and isolates, which reorder what is shown.
fn is_unsafe_on_terminal(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` safe to print on a terminal: every character of
/// `is_unsafe_on_terminal` is written as its Rust escape (`\u{1b}`, `\n`,
/// `\t`), everything else is unchanged, so one value stays on one line.
/// Borrowed when nothing needed escaping. The one escaping function for text
/// that came from an input and goes to a terminal.
pub fn terminal_safe(s: &str) -> Cow<'_, str> {
    let Some(first) = s.find(is_unsafe_on_terminal) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        if is_unsafe_on_terminal(c) {
            let _ = write!(out, "{}", c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Appends `s` to `out` with `& < > " '` replaced by character references:
/// safe in element content and in quoted attribute values.
pub(crate) fn push_html(out: &mut String, s: &str) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

/// `s` HTML-escaped (see [`push_html`]).
pub(crate) fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    push_html(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_safe_escapes_controls_and_keeps_the_rest() {
        assert_eq!(
            terminal_safe("Müller, plain \\ \"q\""),
            "Müller, plain \\ \"q\""
        );
        assert!(matches!(terminal_safe("plain"), Cow::Borrowed(_)));
        assert_eq!(
            terminal_safe("x\n  outcome: Guest\x1b[2J\r\t\u{7f}\u{9b}31m"),
            "x\\n  outcome: Guest\\u{1b}[2J\\r\\t\\u{7f}\\u{9b}31m"
        );
        assert_eq!(terminal_safe("a\u{202E}b\u{2066}"), "a\\u{202e}b\\u{2066}");
        assert_eq!(terminal_safe(""), "");
        assert_eq!(
            terminal_safe_lines("one \x1b[1m\ntwo\r\n"),
            "one \\u{1b}[1m\ntwo\\r\n"
        );
        assert!(matches!(terminal_safe_lines("a\nb\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_for_a_terminal_stays_the_same_json() {
        let value = serde_json::json!({"upn": "a\u{9b}31m\u{7f}\u{202e}b\n\x1b"});
        let text = format!("{value}\n");
        let safe = json_terminal_safe(&text);
        assert_eq!(safe, "{\"upn\":\"a\\u009b31m\\u007f\\u202eb\\n\\u001b\"}\n");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, value);
        assert!(matches!(
            json_terminal_safe("{\"a\":1}\n"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn html_escapes_the_five() {
        assert_eq!(
            html(r#"<script>alert(1)</script> "q" & 'a'"#),
            "&lt;script&gt;alert(1)&lt;/script&gt; &quot;q&quot; &amp; &#39;a&#39;"
        );
        assert_eq!(html("Müller, plain"), "Müller, plain");
        assert_eq!(html(""), "");
        assert_eq!(html("&amp;"), "&amp;amp;");
    }
}
