//! The library's error type: what stops a read altogether (as opposed to a
//! [`Diagnostic`], which reports a bad record and goes on).

use std::io;
use std::path::PathBuf;

use crate::diag::Diagnostic;

/// A failure that ends an operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be opened or read.
    #[error("reading {}", path.display())]
    Io {
        /// The file as the user named it.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The file is not in the format expected (or could not be recognised).
    #[error("{0}")]
    Format(String),
    /// `--strict` was given and the input has an error-severity diagnostic.
    #[error("{0} (stopped by --strict; without it the read goes on and the problem is counted)")]
    Strict(Box<Diagnostic>),
    /// The consumer of the entries failed (for example a closed output pipe).
    #[error("writing output")]
    Output(#[source] io::Error),
}

/// Result with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
