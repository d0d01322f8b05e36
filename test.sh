#!/usr/bin/env bash
# The project's test command (README): unit, integration, property and doc tests,
# plus a compile check of the benchmarks and a headless-Chromium test of report.html.
set -euo pipefail
cd "$(dirname "$0")"
# The browser test of report.html (tests/it/report_browser.rs) needs Chromium:
# installed here when missing (apt-get, as root), and found through $CHROMIUM.
CHROMIUM="$(scripts/ensure-chromium.sh)"
export CHROMIUM
cargo test --all-targets
cargo test --doc
