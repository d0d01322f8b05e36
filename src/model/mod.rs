//! The nouns every pipeline stage shares, below the readers: identifiers
//! and their encodings, distinguished names and the calendar. (The
//! on-premises account, a view over an entry read, is `read::account`.)

pub mod dn;
pub mod ids;
pub mod time;
