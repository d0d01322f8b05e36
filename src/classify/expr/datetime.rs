//! The `dt` type: a UTC date-time in .NET ticks, with the calendar
//! arithmetic, parsing (`CDate`) and formatting (`FormatDateTime`) the
//! Connect functions need. No time zone database: offsets are applied when
//! parsing and everything else is UTC.

use std::fmt::{self, Write};

use crate::model::time::{civil_from_days, days_from_civil, days_in_month};

/// 100-nanosecond ticks per second.
pub const TICKS_PER_SECOND: i64 = 10_000_000;
/// Ticks per day.
pub const TICKS_PER_DAY: i64 = 86_400 * TICKS_PER_SECOND;
/// Ticks from 0001-01-01 to 1601-01-01, the FILETIME epoch.
pub const FILETIME_EPOCH_TICKS: i64 = 504_911_232_000_000_000;
/// Ticks from 0001-01-01 to 1970-01-01, the Unix epoch.
pub const UNIX_EPOCH_TICKS: i64 = 621_355_968_000_000_000;
/// The last tick of 9999-12-31, .NET's `DateTime.MaxValue`.
pub const MAX_TICKS: i64 = 3_155_378_975_999_999_999;

/// A UTC date-time: 100-ns ticks since 0001-01-01 00:00:00 (as .NET's
/// `DateTime`), years 1 to 9999.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    ticks: i64,
}

/// A date-time split into calendar fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    /// 1..=9999
    pub year: i64,
    /// 1..=12
    pub month: u32,
    /// 1..=31
    pub day: u32,
    /// 0..=23
    pub hour: u32,
    /// 0..=59
    pub minute: u32,
    /// 0..=59
    pub second: u32,
    /// Sub-second ticks, 0..10_000_000.
    pub fraction: u32,
    /// 0 = Sunday … 6 = Saturday.
    pub weekday: u32,
}

/// Days from 0001-01-01 to 1970-01-01.
const DAYS_0001_TO_1970: i64 = 719_162;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

impl DateTime {
    /// From ticks; `None` outside years 1..=9999.
    pub fn from_ticks(ticks: i64) -> Option<DateTime> {
        (0..=MAX_TICKS)
            .contains(&ticks)
            .then_some(DateTime { ticks })
    }

    /// The ticks.
    pub fn ticks(self) -> i64 {
        self.ticks
    }

    /// From calendar fields (UTC); `None` if a field is out of range.
    pub fn from_civil(
        year: i64,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
    ) -> Option<DateTime> {
        if !(1..=9999).contains(&year)
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return None;
        }
        let days = days_from_civil(year, month, day) + DAYS_0001_TO_1970;
        let secs = i64::from(hour * 3600 + minute * 60 + second);
        DateTime::from_ticks(days * TICKS_PER_DAY + secs * TICKS_PER_SECOND)
    }

    /// The calendar fields.
    pub fn civil(self) -> Civil {
        let days = self.ticks.div_euclid(TICKS_PER_DAY);
        let rest = self.ticks.rem_euclid(TICKS_PER_DAY);
        let (year, month, day) = civil_from_days(days - DAYS_0001_TO_1970);
        let secs = rest / TICKS_PER_SECOND;
        Civil {
            year,
            month,
            day,
            hour: (secs / 3600) as u32,
            minute: (secs / 60 % 60) as u32,
            second: (secs % 60) as u32,
            fraction: (rest % TICKS_PER_SECOND) as u32,
            weekday: (days - DAYS_0001_TO_1970 + 4).rem_euclid(7) as u32,
        }
    }

    /// From a Windows FILETIME (100 ns since 1601-01-01 UTC), as AD stores
    /// `pwdLastSet`; `None` when out of range (`accountExpires` "never",
    /// `0x7FFFFFFFFFFFFFFF`, is out of range, as in .NET).
    pub fn from_filetime(ft: i64) -> Option<DateTime> {
        if ft < 0 {
            return None;
        }
        DateTime::from_ticks(ft.checked_add(FILETIME_EPOCH_TICKS)?)
    }

    /// As a FILETIME (negative before 1601).
    pub fn filetime(self) -> i64 {
        self.ticks - FILETIME_EPOCH_TICKS
    }

    /// The current time.
    pub fn now() -> DateTime {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let ticks = i64::try_from(since.as_nanos() / 100).unwrap_or(0);
        DateTime::from_ticks(UNIX_EPOCH_TICKS.saturating_add(ticks)).unwrap_or(DateTime {
            ticks: UNIX_EPOCH_TICKS,
        })
    }

    /// Adds `n` units of a VBA `DateAdd` interval (`yyyy q m y d w ww h n s`,
    /// any case). Month arithmetic clamps the day to the month's length
    /// (Jan 31 + 1 month = Feb 28/29). `None` for an unknown interval or
    /// a result outside years 1..=9999.
    pub fn add(self, interval: &str, n: i64) -> Option<DateTime> {
        let months = |k: i64| -> Option<DateTime> {
            let c = self.civil();
            let total = (c.year * 12 + i64::from(c.month) - 1).checked_add(k)?;
            let (y, m) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u32);
            if !(1..=9999).contains(&y) {
                return None;
            }
            let d = c.day.min(days_in_month(y, m));
            let base = DateTime::from_civil(y, m, d, 0, 0, 0)?;
            DateTime::from_ticks(base.ticks + self.ticks.rem_euclid(TICKS_PER_DAY))
        };
        let ticks = |unit: i64| -> Option<DateTime> {
            DateTime::from_ticks(self.ticks.checked_add(n.checked_mul(unit)?)?)
        };
        match interval.to_ascii_lowercase().as_str() {
            "yyyy" => months(n.checked_mul(12)?),
            "q" => months(n.checked_mul(3)?),
            "m" => months(n),
            "y" | "d" | "w" => ticks(TICKS_PER_DAY),
            "ww" => ticks(7 * TICKS_PER_DAY),
            "h" => ticks(3600 * TICKS_PER_SECOND),
            "n" => ticks(60 * TICKS_PER_SECOND),
            "s" => ticks(TICKS_PER_SECOND),
            _ => None,
        }
    }

    /// Parses what `CDate` accepts (a subset of .NET's `DateTime.Parse`,
    /// culture-invariant / en-US):
    ///
    /// * `yyyy-M-d` or `yyyy/M/d` or `M/d/yyyy`, optionally followed by `T`
    ///   or spaces and `H:mm[:ss[.fffffff]]`, an optional `AM`/`PM`, and an
    ///   optional offset: `Z`, `UTC`, `GMT`, `+5`, `-8`, `+05:30`, `-0800`;
    /// * generalized time `yyyyMMddHHmmss[.f…][Z|±hhmm]` (AD's `whenCreated`).
    ///
    /// Without an offset the time is taken as UTC (the server's local time
    /// zone, which .NET would use, is unknown offline).
    pub fn parse(s: &str) -> Option<DateTime> {
        let s = s.trim();
        let b = s.as_bytes();
        if b.len() >= 14 && b[..14].iter().all(u8::is_ascii_digit) {
            return parse_generalized(s);
        }
        let mut p = Cursor { b, i: 0 };
        let first = p.digits(1, 4)?;
        let (year, month, day) = if p.eat(b'-') || (first.1 == 4 && p.eat(b'/')) {
            let sep = b[p.i - 1];
            let m = p.digits(1, 2)?.0;
            if !p.eat(sep) {
                return None;
            }
            (first.0, m as u32, p.digits(1, 2)?.0 as u32)
        } else if p.eat(b'/') {
            let d = p.digits(1, 2)?.0;
            if !p.eat(b'/') {
                return None;
            }
            let y = p.digits(4, 4)?.0;
            (y, first.0 as u32, d as u32)
        } else {
            return None;
        };
        let (mut h, mut mi, mut sec, mut frac) = (0u32, 0u32, 0u32, 0i64);
        let had_sep = p.eat(b'T') | p.spaces();
        if had_sep && p.peek().is_ascii_digit() {
            h = p.digits(1, 2)?.0 as u32;
            if !p.eat(b':') {
                return None;
            }
            mi = p.digits(2, 2)?.0 as u32;
            if p.eat(b':') {
                sec = p.digits(2, 2)?.0 as u32;
                if p.eat(b'.') {
                    frac = p.fraction()?;
                }
            }
            p.spaces();
            if let Some(pm) = p.am_pm() {
                if h == 0 || h > 12 {
                    return None;
                }
                h = h % 12 + if pm { 12 } else { 0 };
                p.spaces();
            }
        }
        let offset = p.offset()?;
        p.spaces();
        if p.i != b.len() {
            return None;
        }
        let local = DateTime::from_civil(year, month, day, h, mi, sec)?;
        DateTime::from_ticks(local.ticks.checked_add(frac)?.checked_sub(offset)?)
    }

    /// Formats with a .NET custom date-time format string (`yyyy-MM-dd`,
    /// `yyyyMMddHHmmss.0Z`, …): `yyyy yy y M MM MMM MMMM d dd ddd dddd H HH
    /// h hh m mm s ss f… F… t tt z zz zzz K`, `'quoted'` and `\x` literals;
    /// any other character is copied. A one-character format is a .NET
    /// standard format (`d`, `D`, `g`, `G`, `s`, `t`, `T`, `u`, `o`), en-US.
    ///
    /// The result is at most [`DateTime::format_len_bound`] bytes; a run of
    /// `y` of any length pads the year with zeros (no formatting width, which
    /// `std::fmt` caps at 65,535).
    pub fn format(self, format: &str, out: &mut String) {
        let format = standard_format(format).unwrap_or(format);
        let c = self.civil();
        // Writing to a String cannot fail.
        let mut w = |args: fmt::Arguments<'_>| {
            let _ = out.write_fmt(args);
        };
        let mut rest = format;
        while let Some(ch) = rest.chars().next() {
            let n = rest.chars().take_while(|&x| x == ch).count();
            let after_run = &rest[n * ch.len_utf8()..];
            match ch {
                'y' => match n {
                    1 => w(format_args!("{}", c.year % 100)),
                    2 => w(format_args!("{:02}", c.year % 100)),
                    _ => {
                        let digits = c.year.to_string();
                        for _ in digits.len()..n {
                            w(format_args!("0"));
                        }
                        w(format_args!("{digits}"));
                    }
                },
                'M' => match n {
                    1 => w(format_args!("{}", c.month)),
                    2 => w(format_args!("{:02}", c.month)),
                    3 => w(format_args!("{}", &month_name(c.month)[..3])),
                    _ => w(format_args!("{}", month_name(c.month))),
                },
                'd' => match n {
                    1 => w(format_args!("{}", c.day)),
                    2 => w(format_args!("{:02}", c.day)),
                    3 => w(format_args!("{}", &day_name(c.weekday)[..3])),
                    _ => w(format_args!("{}", day_name(c.weekday))),
                },
                'H' => two(&mut w, n, c.hour),
                'h' => two(&mut w, n, (c.hour + 11) % 12 + 1),
                'm' => two(&mut w, n, c.minute),
                's' => two(&mut w, n, c.second),
                'f' | 'F' => {
                    let digits = n.min(7);
                    let v = c.fraction / 10u32.pow(7 - digits as u32);
                    let mut text = format!("{v:0digits$}");
                    if ch == 'F' {
                        while text.ends_with('0') {
                            text.pop();
                        }
                    }
                    w(format_args!("{text}"));
                }
                't' => {
                    let pm = c.hour >= 12;
                    let s = match (n, pm) {
                        (1, false) => "A",
                        (1, true) => "P",
                        (_, false) => "AM",
                        (_, true) => "PM",
                    };
                    w(format_args!("{s}"));
                }
                'z' => w(format_args!(
                    "{}",
                    match n {
                        1 => "+0",
                        2 => "+00",
                        _ => "+00:00",
                    }
                )),
                '\'' | '"' => {
                    // Quoted literal: copy up to the matching quote; a run of
                    // quotes is pairs of empty literals.
                    let inner = &rest[1..];
                    let (literal, next) = match inner.find(ch) {
                        Some(end) => (&inner[..end], &inner[end + 1..]),
                        None => (inner, ""),
                    };
                    w(format_args!("{literal}"));
                    rest = next;
                    continue;
                }
                '\\' => {
                    let mut escaped = rest[1..].chars();
                    if let Some(next) = escaped.next() {
                        w(format_args!("{next}"));
                    }
                    rest = escaped.as_str();
                    continue;
                }
                '%' => {
                    rest = &rest[1..];
                    continue;
                }
                // `K` and any other character: copied, once per repeat.
                _ => {
                    let ch = if ch == 'K' { 'Z' } else { ch };
                    for _ in 0..n {
                        w(format_args!("{ch}"));
                    }
                }
            }
            rest = after_run;
        }
    }

    /// The most bytes [`DateTime::format`] writes for `format`: three per
    /// byte of the format (`MMMM` is `September`, `zzz` is `+00:00`) or a
    /// standard format's longest expansion. Lets a caller check a size limit
    /// before formatting a format string that came from data.
    pub fn format_len_bound(format: &str) -> usize {
        match standard_format(format) {
            Some(_) => 64,
            None => format.len().saturating_mul(3),
        }
    }
}

/// The custom format a one-character .NET standard format stands for.
fn standard_format(format: &str) -> Option<&'static str> {
    match format {
        "d" => Some("M/d/yyyy"),
        "D" => Some("dddd, MMMM d, yyyy"),
        "t" => Some("h:mm tt"),
        "T" => Some("h:mm:ss tt"),
        "g" => Some("M/d/yyyy h:mm tt"),
        "G" => Some("M/d/yyyy h:mm:ss tt"),
        "s" => Some("yyyy'-'MM'-'dd'T'HH':'mm':'ss"),
        "u" => Some("yyyy'-'MM'-'dd HH':'mm':'ss'Z'"),
        "o" | "O" => Some("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK"),
        _ => None,
    }
}

/// The English name of month 1..=12 (`?` outside, which `civil` never gives).
fn month_name(month: u32) -> &'static str {
    (month as usize)
        .checked_sub(1)
        .and_then(|i| MONTHS.get(i))
        .copied()
        .unwrap_or("???")
}

/// The English name of weekday 0..=6 (Sunday first).
fn day_name(weekday: u32) -> &'static str {
    DAYS.get(weekday as usize).copied().unwrap_or("???")
}

fn two(w: &mut impl FnMut(fmt::Arguments<'_>), n: usize, v: u32) {
    if n == 1 {
        w(format_args!("{v}"))
    } else {
        w(format_args!("{v:02}"))
    }
}

impl fmt::Display for DateTime {
    /// `yyyy-MM-dd HH:mm:ss`, with `.fffffff` (trailing zeros removed) when
    /// the fraction is not zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.civil();
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        )?;
        if c.fraction != 0 {
            let text = format!("{:07}", c.fraction);
            write!(f, ".{}", text.trim_end_matches('0'))?;
        }
        Ok(())
    }
}

struct Cursor<'s> {
    b: &'s [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> u8 {
        self.b.get(self.i).copied().unwrap_or(0)
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == c;
        if hit {
            self.i += 1;
        }
        hit
    }

    fn spaces(&mut self) -> bool {
        let start = self.i;
        while self.peek() == b' ' || self.peek() == b'\t' {
            self.i += 1;
        }
        self.i > start
    }

    /// `min..=max` digits: (value, count).
    fn digits(&mut self, min: usize, max: usize) -> Option<(i64, usize)> {
        let start = self.i;
        let mut v = 0i64;
        while self.i - start < max && self.peek().is_ascii_digit() {
            v = v * 10 + i64::from(self.peek() - b'0');
            self.i += 1;
        }
        (self.i - start >= min).then_some((v, self.i - start))
    }

    /// Digits after a decimal point, as ticks (extra digits are ignored).
    fn fraction(&mut self) -> Option<i64> {
        let (v, n) = self.digits(1, 7)?;
        while self.peek().is_ascii_digit() {
            self.i += 1;
        }
        Some(v * 10i64.pow(7 - n as u32))
    }

    fn am_pm(&mut self) -> Option<bool> {
        let two = self.b.get(self.i..self.i + 2)?;
        let pm = if two.eq_ignore_ascii_case(b"AM") {
            false
        } else if two.eq_ignore_ascii_case(b"PM") {
            true
        } else {
            return None;
        };
        self.i += 2;
        Some(pm)
    }

    /// An optional UTC offset, in ticks to subtract from local time.
    fn offset(&mut self) -> Option<i64> {
        let rest = &self.b[self.i..];
        for z in [&b"UTC"[..], b"GMT", b"Z"] {
            if rest.len() >= z.len() && rest[..z.len()].eq_ignore_ascii_case(z) {
                self.i += z.len();
                return Some(0);
            }
        }
        let sign = match self.peek() {
            b'+' => 1,
            b'-' => -1,
            _ => return Some(0),
        };
        self.i += 1;
        let (v, n) = self.digits(1, 4)?;
        let (h, m) = if n <= 2 {
            let m = if self.eat(b':') {
                self.digits(2, 2)?.0
            } else {
                0
            };
            (v, m)
        } else if n == 4 {
            (v / 100, v % 100)
        } else {
            return None;
        };
        if h > 14 || m > 59 {
            return None;
        }
        Some(sign * (h * 3600 + m * 60) * TICKS_PER_SECOND)
    }
}

fn parse_generalized(s: &str) -> Option<DateTime> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> i64 {
        b[r].iter().fold(0i64, |a, &d| a * 10 + i64::from(d - b'0'))
    };
    let local = DateTime::from_civil(
        num(0..4),
        num(4..6) as u32,
        num(6..8) as u32,
        num(8..10) as u32,
        num(10..12) as u32,
        num(12..14) as u32,
    )?;
    let mut p = Cursor { b, i: 14 };
    let frac = if p.eat(b'.') || p.eat(b',') {
        p.fraction()?
    } else {
        0
    };
    let offset = p.offset()?;
    if p.i != b.len() {
        return None;
    }
    DateTime::from_ticks(local.ticks.checked_add(frac)?.checked_sub(offset)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime {
        DateTime::from_civil(y, mo, d, h, mi, s).expect("valid date")
    }

    fn fmt(d: DateTime, f: &str) -> String {
        let mut s = String::new();
        d.format(f, &mut s);
        s
    }

    #[test]
    fn epochs() {
        assert_eq!(dt(1601, 1, 1, 0, 0, 0).ticks(), FILETIME_EPOCH_TICKS);
        assert_eq!(dt(1970, 1, 1, 0, 0, 0).ticks(), UNIX_EPOCH_TICKS);
        assert_eq!(
            dt(9999, 12, 31, 23, 59, 59).ticks() + TICKS_PER_SECOND - 1,
            MAX_TICKS
        );
        assert_eq!(dt(1, 1, 1, 0, 0, 0).ticks(), 0);
        // 2000-03-01 is a Wednesday; 2024-02-29 exists, 2023-02-29 does not.
        assert_eq!(dt(2000, 3, 1, 0, 0, 0).civil().weekday, 3);
        assert!(DateTime::from_civil(2024, 2, 29, 0, 0, 0).is_some());
        assert!(DateTime::from_civil(2023, 2, 29, 0, 0, 0).is_none());
    }

    #[test]
    fn civil_round_trips_every_day_of_four_centuries() {
        let start = days_from_civil(1600, 1, 1);
        for z in start..start + 146_097 {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn filetime() {
        // The function reference (docs/rules.md#function-reference): DateFromNum(129699324000000000) is 2012-01-01 23:00:00.
        assert_eq!(
            DateTime::from_filetime(129_699_324_000_000_000),
            Some(dt(2012, 1, 1, 23, 0, 0))
        );
        assert_eq!(DateTime::from_filetime(i64::MAX), None);
        assert_eq!(dt(2012, 1, 1, 23, 0, 0).filetime(), 129_699_324_000_000_000);
    }

    #[test]
    fn parsing() {
        assert_eq!(
            DateTime::parse("2013-01-10 4:00 PM -8"),
            Some(dt(2013, 1, 11, 0, 0, 0))
        );
        assert_eq!(
            DateTime::parse("2013-01-10T16:00:00Z"),
            Some(dt(2013, 1, 10, 16, 0, 0))
        );
        assert_eq!(
            DateTime::parse("2013-01-10 16:00:00 +05:30"),
            Some(dt(2013, 1, 10, 10, 30, 0))
        );
        assert_eq!(
            DateTime::parse("1/10/2013 12:05 AM"),
            Some(dt(2013, 1, 10, 0, 5, 0))
        );
        assert_eq!(DateTime::parse("2013/1/10"), Some(dt(2013, 1, 10, 0, 0, 0)));
        assert_eq!(
            DateTime::parse("20130110160000.0Z"),
            Some(dt(2013, 1, 10, 16, 0, 0))
        );
        assert_eq!(
            DateTime::parse("20130110160000.0-0800"),
            Some(dt(2013, 1, 11, 0, 0, 0))
        );
        assert_eq!(DateTime::parse("2013-02-30"), None);
        assert_eq!(DateTime::parse("yesterday"), None);
        assert_eq!(DateTime::parse("2013-01-10 13:00 PM"), None);
    }

    #[test]
    fn formatting() {
        let d = dt(2012, 1, 1, 23, 0, 5);
        assert_eq!(fmt(d, "yyyyMMddHHmmss.0Z"), "20120101230005.0Z");
        assert_eq!(fmt(d, "yyyy-MM-dd"), "2012-01-01");
        assert_eq!(fmt(d, "M/d/yy h:mm tt"), "1/1/12 11:00 PM");
        assert_eq!(fmt(d, "dddd, MMMM d"), "Sunday, January 1");
        assert_eq!(fmt(d, "'year' yyyy \\y"), "year 2012 y");
        assert_eq!(fmt(d, "s"), "2012-01-01T23:00:05");
        assert_eq!(d.to_string(), "2012-01-01 23:00:05");
    }

    #[test]
    fn adding() {
        let d = dt(2024, 1, 31, 12, 0, 0);
        assert_eq!(d.add("m", 1), Some(dt(2024, 2, 29, 12, 0, 0)));
        assert_eq!(d.add("yyyy", -1), Some(dt(2023, 1, 31, 12, 0, 0)));
        assert_eq!(d.add("q", 1), Some(dt(2024, 4, 30, 12, 0, 0)));
        assert_eq!(d.add("d", 1), Some(dt(2024, 2, 1, 12, 0, 0)));
        assert_eq!(d.add("ww", 1), Some(dt(2024, 2, 7, 12, 0, 0)));
        assert_eq!(d.add("h", 12), Some(dt(2024, 2, 1, 0, 0, 0)));
        assert_eq!(d.add("n", 90), Some(dt(2024, 1, 31, 13, 30, 0)));
        assert_eq!(d.add("s", -1), Some(dt(2024, 1, 31, 11, 59, 59)));
        assert_eq!(d.add("x", 1), None);
        assert_eq!(d.add("yyyy", 9000), None);
    }
}
