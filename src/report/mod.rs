//! Report writers: findings and summaries on disk and on the terminal.
