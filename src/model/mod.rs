//! The nouns every pipeline stage shares: identifiers and their encodings,
//! and the on-premises account.

pub mod account;
pub mod dn;
pub mod ids;
pub mod time;
