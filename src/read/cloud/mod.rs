//! Cloud exports (placeholder; being written).
