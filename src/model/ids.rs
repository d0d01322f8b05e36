//! Identity encodings (placeholder; being written).
