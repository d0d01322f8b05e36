//! Dates as the exporters write them, normalised to ISO 8601.
//!
//! * ISO 8601 (`2013-02-16T03:04:54Z`, REST and PowerShell 7): kept as is.
//! * `/Date(1574202819000)/` and `/Date(1574202819000+0000)/` (Windows
//!   PowerShell 5.1 `ConvertTo-Json`; the JSON text is `\/Date(...)\/`): the
//!   milliseconds are UTC, any offset only says how to display them, so the
//!   result is `2019-11-19T22:33:39Z` (with `.fff` when not zero).
//! * Locale dates of the admin-center CSV: `8/19/2021 1:25:31 PM` (12-hour
//!   clock: month first, en-US), `19/08/2021 13:25:31` (24-hour clock with
//!   slashes: day first, en-GB/fr-FR), `19.08.2021 13:25:31` (de-DE); when
//!   that reading is impossible the other order is used. They are
//!   in the downloader's local time zone, which the file does not say, so the
//!   result has no `Z`: `2021-08-19T13:25:31`.

use std::borrow::Cow;

use crate::model::time::{days_in_month, UtcSeconds};

/// Normalises a date; `None` when it is in none of the known formats. ISO
/// 8601 is borrowed (trimmed), the others are rewritten.
pub(crate) fn normalize(raw: &str) -> Option<Cow<'_, str>> {
    let s = raw.trim();
    if let Some(inner) = s
        .strip_prefix("/Date(")
        .or_else(|| s.strip_prefix("\\/Date("))
    {
        let inner = inner
            .strip_suffix(")/")
            .or_else(|| inner.strip_suffix(")\\/"))?;
        return ms_date(inner).map(Cow::Owned);
    }
    if is_iso(s) {
        return Some(Cow::Borrowed(s));
    }
    locale(s).map(Cow::Owned)
}

/// [`normalize`] keeping a borrowed value borrowed.
pub(crate) fn normalize_cow(raw: Cow<'_, str>) -> Option<Cow<'_, str>> {
    match raw {
        Cow::Borrowed(b) => normalize(b),
        Cow::Owned(o) => normalize(&o).map(|d| Cow::Owned(d.into_owned())),
    }
}

fn ms_date(inner: &str) -> Option<String> {
    // Milliseconds, optionally followed by +hhmm / -hhmm (after the digits).
    let body = inner.strip_prefix('-').unwrap_or(inner);
    let digits = body.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 15 {
        return None;
    }
    let offset = &body[digits..];
    if !(offset.is_empty()
        || (offset.len() == 5
            && matches!(offset.as_bytes()[0], b'+' | b'-')
            && offset[1..].bytes().all(|b| b.is_ascii_digit())))
    {
        return None;
    }
    let mut ms: i64 = body[..digits].parse().ok()?;
    if inner.starts_with('-') {
        ms = -ms;
    }
    let frac = ms.rem_euclid(1000);
    let t = UtcSeconds::from_unix(ms.div_euclid(1000));
    let mut out = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    );
    if frac != 0 {
        out.push_str(&format!(".{frac:03}"));
    }
    out.push('Z');
    Some(out)
}

fn is_iso(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && (b.len() == 10 || matches!(b[10], b'T' | b't' | b' '))
        && valid_ymd(num(&b[0..4]), num(&b[5..7]), num(&b[8..10]))
}

fn num(b: &[u8]) -> u32 {
    b.iter().fold(0u32, |n, d| {
        n.saturating_mul(10).saturating_add(u32::from(d - b'0'))
    })
}

fn valid_ymd(y: u32, m: u32, d: u32) -> bool {
    (1..=days_in_month(i64::from(y), m)).contains(&d)
}

fn locale(s: &str) -> Option<String> {
    let mut parts = s.split_whitespace();
    let date = parts.next()?;
    let time = parts.next();
    let ampm = parts.next();
    if parts.next().is_some() {
        return None;
    }
    let sep = if date.contains('/') {
        '/'
    } else if date.contains('.') {
        '.'
    } else {
        return None;
    };
    let fields: Vec<&str> = date.split(sep).collect();
    let [a, b, y] = fields[..] else { return None };
    let small =
        |f: &str, max: usize| (1..=max).contains(&f.len()) && f.bytes().all(|c| c.is_ascii_digit());
    if !small(a, 2) || !small(b, 2) || y.len() != 4 || !small(y, 4) {
        return None;
    }
    let (a, b, y) = (num(a.as_bytes()), num(b.as_bytes()), num(y.as_bytes()));
    let twelve = match ampm.map(str::to_ascii_uppercase).as_deref() {
        None => false,
        Some("AM") | Some("PM") => true,
        Some(_) => return None,
    };
    // 12-hour clock with slashes: en-US, month first; otherwise day first.
    // When that reading is no date, the other one is tried (`8/19/2021`).
    let (m, d) = if twelve && sep == '/' { (a, b) } else { (b, a) };
    let (m, d) = if valid_ymd(y, m, d) {
        (m, d)
    } else if valid_ymd(y, d, m) {
        (d, m)
    } else {
        return None;
    };
    let mut out = format!("{y:04}-{m:02}-{d:02}");
    if let Some(time) = time {
        let t: Vec<&str> = time.split(':').collect();
        if !(2..=3).contains(&t.len()) || !t.iter().all(|f| small(f, 2)) {
            return None;
        }
        let mut h = num(t[0].as_bytes());
        let min = num(t[1].as_bytes());
        let sec = t.get(2).map_or(0, |f| num(f.as_bytes()));
        if min > 59 || sec > 59 {
            return None;
        }
        if twelve {
            if !(1..=12).contains(&h) {
                return None;
            }
            let pm = ampm.is_some_and(|p| p.eq_ignore_ascii_case("PM"));
            h = match (h, pm) {
                (12, false) => 0,
                (12, true) => 12,
                (h, true) => h + 12,
                (h, false) => h,
            };
        } else if h > 23 {
            return None;
        }
        out.push_str(&format!("T{h:02}:{min:02}:{sec:02}"));
    } else if twelve {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn formats() {
        let cases = [
            ("2013-02-16T03:04:54Z", Some("2013-02-16T03:04:54Z")),
            ("/Date(1574202819000)/", Some("2019-11-19T22:33:39Z")),
            ("/Date(1574202819000+0000)/", Some("2019-11-19T22:33:39Z")),
            (
                "/Date(1574202819123-0500)/",
                Some("2019-11-19T22:33:39.123Z"),
            ),
            ("/Date(0)/", Some("1970-01-01T00:00:00Z")),
            ("/Date(-86400000)/", Some("1969-12-31T00:00:00Z")),
            ("8/19/2021 1:25:31 PM", Some("2021-08-19T13:25:31")),
            ("8/19/2021 12:02:10 AM", Some("2021-08-19T00:02:10")),
            ("19/08/2021 13:25:31", Some("2021-08-19T13:25:31")),
            ("19.08.2021 13:25", Some("2021-08-19T13:25:00")),
            ("8/19/2021", Some("2021-08-19")),
            ("2/30/2021 1:00:00 PM", None),
            ("13/13/2021 10:00", None),
            ("yesterday", None),
            ("/Date(abc)/", None),
            ("/Date(99999999999999999999)/", None),
            ("", None),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize(raw).as_deref(), want, "{raw}");
        }
    }
}
