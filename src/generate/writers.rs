//! What the on-premises writers share: one pass over the forest in export
//! order ([`drive`]), the interface each format implements
//! ([`ExportWriter`]), and a destination that writes in batches.

use std::io::{self, Write};
use std::path::PathBuf;

use super::ldifde::UserExtras;
use super::{account_in, Ctx, GenerateOptions, GenerateSummary, SyntheticAccount, NON_USER_EVERY};

/// A destination that takes finished records in batches of about
/// [`ldifde::BATCH`] bytes and counts what it wrote (shared by the writers).
pub(crate) struct BatchedOut<W: Write> {
    out: W,
    bytes: u64,
}

impl<W: Write> BatchedOut<W> {
    pub(crate) fn new(out: W) -> Self {
        BatchedOut { out, bytes: 0 }
    }

    /// Writes `buf` out and empties it once it holds at least `min` bytes.
    pub(crate) fn spill(&mut self, buf: &mut Vec<u8>, min: usize) -> io::Result<()> {
        if buf.len() >= min {
            self.out.write_all(buf)?;
            self.bytes += buf.len() as u64;
            buf.clear();
        }
        Ok(())
    }

    /// Writes what is left, flushes, and returns the bytes written in all.
    pub(crate) fn finish(&mut self, buf: &mut Vec<u8>) -> io::Result<u64> {
        self.spill(buf, 0)?;
        self.out.flush()?;
        Ok(self.bytes)
    }
}

/// One output format fed by [`drive`].
pub(crate) trait ExportWriter {
    /// User account `a` (with its format-independent extra values `x`).
    fn user(&mut self, ctx: &Ctx, a: &SyntheticAccount, x: &UserExtras) -> io::Result<()>;
    /// Non-user slot `slot` (a group or a computer).
    fn non_user(&mut self, ctx: &Ctx, slot: u64) -> io::Result<()>;
    /// Write out what is buffered, flush, and return the bytes written in all.
    fn finish(&mut self) -> io::Result<u64>;
}

/// One pass over all objects in export order (user 0, ..., user 49, non-user
/// slot 0, user 50, ...), each handed to every writer. The summary has one
/// `files` entry per writer, with an empty path and the bytes it wrote.
pub(crate) fn drive(
    opts: &GenerateOptions,
    writers: &mut [&mut dyn ExportWriter],
) -> io::Result<GenerateSummary> {
    let ctx = Ctx::new(opts);
    let mut partners = 0u64;
    let mut non_user = 0u64;
    for i in 0..opts.users {
        let a = account_in(&ctx, i);
        let x = UserExtras::new(&ctx, &a);
        partners += a.is_partner as u64;
        for w in writers.iter_mut() {
            w.user(&ctx, &a, &x)?;
        }
        if (i + 1) % NON_USER_EVERY == 0 {
            let slot = (i + 1) / NON_USER_EVERY - 1;
            for w in writers.iter_mut() {
                w.non_user(&ctx, slot)?;
            }
            non_user += 1;
        }
    }
    let mut files = Vec::with_capacity(writers.len());
    for w in writers.iter_mut() {
        files.push((PathBuf::new(), w.finish()?));
    }
    Ok(GenerateSummary {
        files,
        users: opts.users,
        partners,
        non_user_objects: non_user,
    })
}
