//! Helpers every test module uses.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The `usertype-audit` binary of this build.
pub fn bin() -> Command {
    Command::cargo_bin("usertype-audit").expect("the binary is built with the tests")
}

/// A file or folder under `fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}
