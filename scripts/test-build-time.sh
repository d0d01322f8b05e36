#!/usr/bin/env bash
# Measures what `cargo test` costs: the build of every test target from a
# clean target folder (`cargo test --all-targets --no-run`), then the wall
# time of running them (`cargo test --all-targets`, already built), so the
# figures before and after a change to the test layout can be compared.
#   scripts/test-build-time.sh            (target folder /tmp/tbt, wiped first)
#   CARGO_TARGET_DIR=/tmp/x scripts/test-build-time.sh
# The browser test needs Chromium: set CHROMIUM (scripts/ensure-chromium.sh
# installs it). Other builds running on the machine skew the figures: note
# the load average printed with them.
set -euo pipefail
cd "$(dirname "$0")/.."
((BASH_VERSINFO[0] >= 5)) || { echo "test-build-time.sh needs bash 5 or later" >&2; exit 2; }
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/tmp/tbt}
export CARGO_TERM_COLOR=never
case $CARGO_TARGET_DIR in
  /tmp/?*) rm -rf "$CARGO_TARGET_DIR" ;;
  *) echo "CARGO_TARGET_DIR must be a folder under /tmp (it is wiped): $CARGO_TARGET_DIR" >&2; exit 2 ;;
esac

# Runs a command with its output into the file $1; sets `took` to its wall
# time in seconds and `status` to its exit status.
timed() {
  local log=$1
  shift
  local start=$EPOCHREALTIME
  status=0
  "$@" >"$log" 2>&1 || status=$?
  local end=$EPOCHREALTIME
  local us=$((10#${end//[!0-9]/} - 10#${start//[!0-9]/}))
  took=$(printf '%d.%03d' $((us / 1000000)) $(((us / 1000) % 1000)))
}

jobs=${CARGO_BUILD_JOBS:-$(nproc)}
echo "commit $(git rev-parse --short HEAD), $jobs build jobs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
timed "$log" cargo test --all-targets --no-run
if ((status != 0)); then
  cat "$log" >&2
  exit "$status"
fi
binaries=$(grep -ac 'Executable ' "$log" || true)
echo "build of the test targets from a clean folder: $took s ($binaries test and bench executables)"
timed "$log" cargo test --all-targets
passed=$(grep -ao 'test result: [a-zA-Z]*\. [0-9]* passed' "$log" | awk '{s += $4} END {print s + 0}')
echo "test run (built already): $took s, $passed tests passed, exit $status"
((status == 0)) || tail -n 40 "$log" >&2
exit "$status"
