//! Escaping for HTML text, HTML attributes and JSON embedded in HTML.

use std::io::{self, Write};

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

/// A writer that makes serialized JSON safe inside an HTML `<script>` element.
///
/// It replaces `<`, `>` and `&` by `\u003c`, `\u003e`, `\u0026`, so the text
/// can hold neither `</script>` nor `<!--`, and the JSON parses to the same
/// value. Those three bytes only occur inside JSON strings (never in its
/// syntax), where the `\u` escape is valid, so byte-wise replacement is exact.
pub(crate) struct JsonInHtml<W: Write>(pub W);

impl<W: Write> Write for JsonInHtml<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut last = 0;
        for (i, b) in buf.iter().enumerate() {
            let rep: &[u8] = match b {
                b'<' => b"\\u003c",
                b'>' => b"\\u003e",
                b'&' => b"\\u0026",
                _ => continue,
            };
            self.0.write_all(&buf[last..i])?;
            self.0.write_all(rep)?;
            last = i + 1;
        }
        self.0.write_all(&buf[last..])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn json_in_html_cannot_close_the_script() {
        let value = serde_json::json!({"dn": "</script><script>alert(1)</script><!-- & >"});
        let mut out = Vec::new();
        serde_json::to_writer(JsonInHtml(&mut out), &value).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            r#"{"dn":"\u003c/script\u003e\u003cscript\u003ealert(1)\u003c/script\u003e\u003c!-- \u0026 \u003e"}"#
        );
        // Still the same JSON value.
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }
}
