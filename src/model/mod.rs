//! The nouns every pipeline stage shares: identifiers and their encodings.

pub mod ids;
