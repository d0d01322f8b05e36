//! `audit --waivers FILE --as-of DATE`: loading the waivers and the date
//! they expire against; the terminal lines about them.

use std::io::Write;
use std::sync::Arc;

use usertype_audit::findings::waiver::{Date, Waivers};
use usertype_audit::findings::WaiverSummary;

/// The waivers file and the date of the run (see `--as-of`). Under
/// `--reproducible` the date must not come from the clock: `--as-of`, else
/// `SOURCE_DATE_EPOCH` (seconds, the reproducible-builds convention).
pub(super) fn load(
    path: Option<&str>,
    as_of: Option<&str>,
    reproducible: bool,
) -> anyhow::Result<(Option<Arc<Waivers>>, Option<Date>)> {
    let date = match as_of {
        Some(text) => Some(Date::parse(text.trim()).ok_or_else(|| {
            anyhow::anyhow!("--as-of {text}: expected a date as YYYY-MM-DD, e.g. 2026-12-07")
        })?),
        None => match std::env::var("SOURCE_DATE_EPOCH") {
            Ok(v) if reproducible => {
                let secs: i64 = v.trim().parse().map_err(|_| {
                    anyhow::anyhow!("SOURCE_DATE_EPOCH={v}: expected seconds since 1970")
                })?;
                Some(Date::from_unix(secs))
            }
            _ => None,
        },
    };
    let Some(path) = path else {
        return Ok((None, date));
    };
    anyhow::ensure!(
        date.is_some() || !reproducible,
        "--reproducible with --waivers needs the date waivers expire against: give --as-of \
         YYYY-MM-DD (or set SOURCE_DATE_EPOCH); the clock would make the reports depend on the day"
    );
    let waivers = Waivers::load(path)?;
    Ok((Some(Arc::new(waivers)), date))
}

/// One line on what the waivers did, and one per expired or stale waiver.
pub(super) fn print_summary(out: &mut impl Write, w: &WaiverSummary) -> std::io::Result<()> {
    let Some(file) = &w.file else {
        return Ok(());
    };
    writeln!(
        out,
        "Waivers ({}, as of {}): {} finding(s) waived; {} waiver(s) expired, {} stale.",
        usertype_audit::report::terminal_safe(file),
        w.as_of.as_deref().unwrap_or("?"),
        w.waived,
        w.expired.len(),
        w.stale.len()
    )?;
    for (what, list) in [
        ("expired", &w.expired),
        ("stale (matches nothing)", &w.stale),
    ] {
        for n in list {
            writeln!(
                out,
                "  {} {what}: {} (owner {}, expires {})",
                usertype_audit::report::terminal_safe(&n.at),
                usertype_audit::report::terminal_safe(&n.selects),
                usertype_audit::report::terminal_safe(&n.owner),
                n.expires
            )?;
        }
    }
    Ok(())
}
