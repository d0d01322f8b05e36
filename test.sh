#!/usr/bin/env bash
# The project's test command (README): unit, integration, property and doc tests,
# plus a compile check of the benchmarks.
set -euo pipefail
cd "$(dirname "$0")"
cargo test --all-targets
cargo test --doc
