//! usertype-audit: an offline audit of Microsoft Entra Connect UserType sync.
//!
//! The pipeline reads on-premises exports (LDIF, CSV) and cloud exports
//! (Microsoft Graph), classifies each account with the organisation's rules,
//! matches it to its cloud object and reports conflicts. This crate is the
//! library behind the `usertype-audit` command; every stage is usable on its own.
//!
//! * [`read`]: opening inputs (mmap, stdin, gzip, UTF-16) and the format readers.
//! * [`diag`]: diagnostics with file, line and a stable kind.
//! * [`model`]: identifiers (GUID, ImmutableId, SID) and the shared nouns.
//! * [`diff`]: comparing two audits' report folders (new, resolved, changed findings).
//! * [`generate`]: a deterministic synthetic forest for demos, tests and benchmarks.

#![deny(missing_docs)]

pub mod audit;
pub mod classify;
pub mod cli;
pub mod diag;
pub mod diff;
pub mod error;
pub mod findings;
pub mod generate;
pub mod matcher;
pub mod model;
pub mod read;
pub mod report;
