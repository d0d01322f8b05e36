//! Escaping for HTML text and HTML attributes (JSON embedded in HTML is
//! escaped by `html.rs`, which writes the only such data).

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
