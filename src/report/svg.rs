//! Inline SVG bar charts, drawn in Rust so `report.html` needs no script or
//! library to show them (and prints them as they are).

use std::fmt::Write as _;

use super::escape::push_html;
use super::thousands;

/// One bar: its label (escaped here), its value and its fill colour (a
/// constant of ours, never input).
pub(crate) struct Bar<'a> {
    pub label: &'a str,
    pub count: u64,
    pub color: &'static str,
}

const GAP: u32 = 8;
const BAR_MAX: f64 = 240.0;
/// Room after the longest bar for its count (`1,000,000`).
const COUNT_ROOM: u32 = 64;
const ROW: u32 = 26;
const BAR_HEIGHT: u32 = 16;
/// Average width of a 12px label character, rounded up for capitals
/// (`OU=...,DC=...`): labels longer than the label column allows are cut.
const CHAR_WIDTH_TENTHS: u32 = 76;

/// A horizontal bar chart drawn at its natural size (12px text at 1:1, so it
/// stays legible; CSS may only shrink it): label column `label_width` wide,
/// bar scaled to the largest count, count printed after the bar. Labels too
/// long for the column are cut with an ellipsis and the full label is the
/// tooltip. Zero counts draw no bar; an all-zero or empty chart divides by
/// nothing.
pub(crate) fn bar_chart(title: &str, bars: &[Bar], label_width: u32) -> String {
    let width = label_width + GAP + BAR_MAX as u32 + COUNT_ROOM;
    let rows = bars.len().max(1) as u32;
    let height = rows * ROW + 8;
    let bar_left = label_width + GAP;
    let label_chars = (label_width * 10 / CHAR_WIDTH_TENTHS).max(4) as usize;
    let max = bars.iter().map(|b| b.count).max().unwrap_or(0);
    let mut s = String::with_capacity(256 + bars.len() * 320);
    let _ = write!(
        s,
        "<svg class=\"chart\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" \
         font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\" font-size=\"12\"><title>"
    );
    push_html(&mut s, title);
    s.push_str("</title>");
    if bars.is_empty() {
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" dominant-baseline=\"middle\" fill=\"#666\">Nothing to show</text>",
            width / 2,
            height / 2
        );
    }
    for (i, bar) in bars.iter().enumerate() {
        let y = 4 + i as u32 * ROW;
        let mid = y + ROW / 2;
        let length = bar_width(bar.count, max);
        let (label, cut) = truncate(bar.label, label_chars);
        let _ = write!(
            s,
            "<g><text x=\"{label_width}\" y=\"{mid}\" text-anchor=\"end\" dominant-baseline=\"middle\" fill=\"#222\">"
        );
        push_html(&mut s, &label);
        if cut {
            s.push_str("<title>");
            // The whole label, as far as any input value is shown whole.
            push_html(&mut s, &super::html::cap(bar.label));
            s.push_str("</title>");
        }
        s.push_str("</text>");
        let _ = write!(
            s,
            "<rect x=\"{bar_left}\" y=\"{}\" width=\"{length:.1}\" height=\"{BAR_HEIGHT}\" rx=\"2\" fill=\"{}\"/>",
            mid - BAR_HEIGHT / 2,
            bar.color
        );
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{mid}\" dominant-baseline=\"middle\" font-weight=\"600\" fill=\"#222\">{}</text></g>",
            f64::from(bar_left) + length + 6.0,
            thousands(bar.count)
        );
    }
    s.push_str("</svg>");
    s
}

/// The bar length for `count` of `max`: 0 for 0, at least 2 units so a small
/// non-zero count stays visible.
fn bar_width(count: u64, max: u64) -> f64 {
    if count == 0 || max == 0 {
        return 0.0;
    }
    (count as f64 / max as f64 * BAR_MAX).clamp(2.0, BAR_MAX)
}

/// `s` cut to `max` characters with a trailing ellipsis, and whether it was cut.
fn truncate(s: &str, max: usize) -> (std::borrow::Cow<'_, str>, bool) {
    match s.char_indices().nth(max) {
        None => (s.into(), false),
        Some(_) => {
            let mut cut: String = s.chars().take(max.saturating_sub(1)).collect();
            cut.push('…');
            (cut.into(), true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, count: u64) -> Bar<'_> {
        Bar {
            label,
            count,
            color: "#123456",
        }
    }

    #[test]
    fn zero_counts_draw_no_bar_and_do_not_divide_by_zero() {
        let svg = bar_chart("t", &[bar("a", 0), bar("b", 0)], 100);
        assert_eq!(svg.matches("width=\"0.0\"").count(), 2, "{svg}");
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        assert_eq!(bar_width(0, 0), 0.0);
        assert_eq!(bar_width(5, 0), 0.0);
    }

    #[test]
    fn bars_scale_to_the_largest_and_small_ones_stay_visible() {
        assert_eq!(bar_width(10, 10), BAR_MAX);
        assert_eq!(bar_width(5, 10), BAR_MAX / 2.0);
        assert_eq!(bar_width(1, 1_000_000), 2.0);
        let svg = bar_chart("t", &[bar("big", 10), bar("half", 5)], 100);
        assert!(svg.contains("width=\"240.0\""), "{svg}");
        assert!(svg.contains("width=\"120.0\""), "{svg}");
        // Label column 100 + gap 8 + bars 240 + count room 64.
        assert!(
            svg.contains("width=\"412\" height=\"60\" viewBox=\"0 0 412 60\""),
            "{svg}"
        );
        assert!(
            svg.contains(">10</text>") && svg.contains(">5</text>"),
            "{svg}"
        );
    }

    #[test]
    fn labels_are_escaped_and_long_ones_cut_with_a_tooltip() {
        let svg = bar_chart("<t>", &[bar("OU=<b>&\"x\"", 1)], 200);
        assert!(svg.contains("<title>&lt;t&gt;</title>"), "{svg}");
        assert!(svg.contains("OU=&lt;b&gt;&amp;&quot;x&quot;"), "{svg}");
        assert!(!svg.contains("<b>"), "{svg}");
        let long = "OU=Partners,OU=External,OU=Accounts,DC=contoso,DC=com";
        // 260 units hold 34 characters: 33 and the ellipsis.
        let svg = bar_chart("t", &[bar(long, 3)], 260);
        assert!(
            svg.contains(">OU=Partners,OU=External,OU=Accoun…<title>"),
            "{svg}"
        );
        assert!(svg.contains(&format!("<title>{long}</title>")), "{svg}");
    }

    #[test]
    fn a_tooltip_holds_at_most_the_capped_label() {
        let huge = format!("OU={},DC=contoso,DC=com", "x".repeat(5000));
        let svg = bar_chart("t", &[bar(&huge, 1)], 260);
        assert!(
            svg.contains(&format!("<title>OU={}…</title>", "x".repeat(1020))),
            "{svg}"
        );
        assert!(!svg.contains(&"x".repeat(1021)));
    }

    #[test]
    fn an_empty_chart_says_so() {
        let svg = bar_chart("t", &[], 100);
        assert!(
            svg.contains("Nothing to show") && svg.ends_with("</svg>"),
            "{svg}"
        );
        assert!(!svg.contains("xmlns"), "no URL in inline SVG: {svg}");
    }
}
