//! The proleptic Gregorian calendar and the run's timestamp.
//!
//! Every stage that turns a day count into a date (the cloud reader's
//! `/Date(ms)/` values, the expression language's `DateTime`, the
//! generator's GeneralizedTime, the report's run time) uses these, so the
//! calendar is written once. Day counts are relative to 1970-01-01; the
//! algorithms are Howard Hinnant's "chrono-compatible low-level date
//! algorithms" (<https://howardhinnant.github.io/date_algorithms.html>),
//! exact for every `i64` day count whose year fits `i64`.

/// Seconds per day.
pub const SECONDS_PER_DAY: i64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date (`m` 1..=12,
/// `d` 1..=31; out-of-range fields are not checked, see [`days_in_month`]).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Whether `y` is a Gregorian leap year.
pub fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// Days in month `m` (1..=12) of year `y`; 0 for a month out of range.
pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// A UTC time of day and date, to the second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UtcSeconds {
    /// The year (proleptic Gregorian).
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
}

impl UtcSeconds {
    /// The date and time of a Unix time (seconds since 1970-01-01 UTC,
    /// negative before).
    pub fn from_unix(unix: i64) -> UtcSeconds {
        let days = unix.div_euclid(SECONDS_PER_DAY);
        let secs = unix.rem_euclid(SECONDS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        UtcSeconds {
            year,
            month,
            day,
            hour: (secs / 3600) as u32,
            minute: (secs / 60 % 60) as u32,
            second: (secs % 60) as u32,
        }
    }

    /// RFC 3339 in UTC: `2024-01-15T10:30:00Z`.
    pub fn rfc3339(self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

/// The current Unix time in seconds (0 if the clock is before 1970).
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Now as RFC 3339 UTC, to the second: the run's timestamp in reports.
pub fn now_rfc3339() -> String {
    UtcSeconds::from_unix(now_unix()).rfc3339()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_days() {
        // Dates and day counts checked against `date -u -d @N`.
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(19_737), (2024, 1, 15));
        assert_eq!(days_from_civil(1601, 1, 1), -134_774);
        assert_eq!(days_from_civil(1, 1, 1), -719_162);
        assert_eq!(days_from_civil(9999, 12, 31), 2_932_896);
    }

    #[test]
    fn civil_round_trips_across_four_centuries_and_eras() {
        for z in (-800_000..-650_000).chain(-150_000..150_000) {
            let (y, m, d) = civil_from_days(z);
            assert!((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m));
            assert_eq!(days_from_civil(y, m, d), z, "{y}-{m}-{d}");
        }
    }

    #[test]
    fn leap_years_and_month_lengths() {
        assert!(is_leap(2000) && is_leap(2024) && !is_leap(1900) && !is_leap(2023));
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2100, 2), 28);
        assert_eq!(days_in_month(2023, 4), 30);
        assert_eq!(days_in_month(2023, 13), 0);
        assert_eq!(days_in_month(2023, 0), 0);
    }

    #[test]
    fn unix_seconds_and_rfc3339() {
        assert_eq!(
            UtcSeconds::from_unix(1_705_314_600).rfc3339(),
            "2024-01-15T10:30:00Z"
        );
        assert_eq!(UtcSeconds::from_unix(0).rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(UtcSeconds::from_unix(-1).rfc3339(), "1969-12-31T23:59:59Z");
        let now = now_rfc3339();
        assert_eq!(now.len(), 20, "{now}");
        assert!(now.ends_with('Z') && now.as_bytes()[10] == b'T', "{now}");
    }
}
