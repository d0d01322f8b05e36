//! Reader options: one documented switch per real-world quirk.

use crate::read::entry::Projection;

/// What to do with a plain value that ends in spaces (conformance row 11).
///
/// # Background
/// RFC 2849 note 8 says such values SHOULD be base64-encoded, and parsers
/// disagree on what to do when they are not: some keep the spaces, some strip
/// them, UnboundID rejects the record. AD exports rarely contain them; when they
/// do, the spaces are usually part of the value (`extensionAttribute1: Guest `
/// is a real misconfiguration the audit must see), so the default keeps them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TrailingSpace {
    /// Keep the spaces and warn (default).
    #[default]
    Keep,
    /// Remove the spaces and warn.
    Strip,
    /// Reject the record.
    Reject,
}

/// Options of the LDIF reader. `Default` gives the lenient reader the CLI uses.
#[derive(Clone, Debug)]
pub struct LdifOptions {
    /// Trailing spaces in plain values (row 11).
    pub trailing_space: TrailingSpace,
    /// A record larger than this many bytes is rejected (`record_too_large`)
    /// instead of being held in memory. Default 64 MiB; values above 1 GiB
    /// are treated as 1 GiB.
    pub max_record_size: usize,
    /// Stop at the first error-severity diagnostic.
    pub strict: bool,
    /// Which attributes to keep.
    pub projection: Projection,
    /// Also decode and check the attributes the projection leaves out
    /// (invalid base64, invalid UTF-8, trailing spaces), without keeping them.
    /// `scan` does; the audit reads only what it needs. Default true.
    pub validate_all: bool,
    /// Target size of one parallel work unit, in bytes. Default 4 MiB.
    pub chunk_size: usize,
}

impl Default for LdifOptions {
    fn default() -> Self {
        LdifOptions {
            trailing_space: TrailingSpace::Keep,
            max_record_size: 64 << 20,
            strict: false,
            projection: Projection::All,
            validate_all: true,
            chunk_size: 4 << 20,
        }
    }
}

impl LdifOptions {
    /// The record limit in force (offsets in a batch are 32-bit, so a chunk
    /// must stay well below 4 GiB: at most one chunk target plus one record).
    #[inline]
    pub(crate) fn record_limit(&self) -> usize {
        self.max_record_size.min(1 << 30)
    }

    /// The chunk target in force (see [`LdifOptions::record_limit`]).
    #[inline]
    pub(crate) fn chunk_target(&self) -> usize {
        self.chunk_size.clamp(1, 1 << 28)
    }
}
