//! Phase timings for profiling: with `USERTYPE_AUDIT_TIMINGS` set, the audit
//! prints to standard error how long it has run at the end of each phase, with
//! the process's CPU time (user and system clock ticks, from `/proc/self/stat`
//! where there is one).

use std::time::Instant;

/// The clock of one audit run.
pub(super) struct PhaseTimer {
    started: Instant,
    enabled: bool,
}

impl PhaseTimer {
    /// Starts the clock; phases are printed when `USERTYPE_AUDIT_TIMINGS` is set.
    pub(super) fn from_env() -> PhaseTimer {
        PhaseTimer {
            started: Instant::now(),
            enabled: std::env::var_os("USERTYPE_AUDIT_TIMINGS").is_some(),
        }
    }

    /// When the run started.
    pub(super) fn started(&self) -> Instant {
        self.started
    }

    /// A phase ended: prints the time so far, when timings were asked for.
    pub(super) fn phase(&self, what: &str) {
        if self.enabled {
            eprintln!(
                "[timings] {what}: {:.3} s (cpu {})",
                self.started.elapsed().as_secs_f64(),
                cpu_ticks().unwrap_or_default()
            );
        }
    }
}

/// The process's user and system CPU time in clock ticks (`u12 s3`), read
/// from `/proc/self/stat` (fields 14 and 15; the command name before them is
/// in parentheses and may hold spaces, hence the split at the last `)`).
fn cpu_ticks() -> Option<String> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    Some(format!("u{} s{}", fields.get(11)?, fields.get(12)?))
}
