#!/usr/bin/env bash
# Runs the fuzz targets, each for a given time, starting from the seeds in
# fuzz/seeds/TARGET (and the corpus left by earlier runs in fuzz/corpus/TARGET).
#
#   scripts/fuzz.sh [--time SECONDS] [--build-only] [TARGET ...]
#
# With no TARGET, every target of fuzz/Cargo.toml is run, one after the
# other. Default time: 60 s per target. Installs cargo-fuzz if it is missing.
# Uses the nightly toolchain (cargo fuzz needs it for the address
# sanitizer) when rustup has one; otherwise the installed toolchain with
# RUSTC_BOOTSTRAP=1 and no sanitizer (panics, hangs and excess memory are
# still caught). Prints each target's run count; exits non-zero on the first
# crash, with the reproducer under fuzz/artifacts/TARGET.
#
# Extra libFuzzer options can be given in FUZZ_ARGS, for example
# FUZZ_ARGS='-max_len=65536 -jobs=2'.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds=60
build_only=false
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --time) seconds="$2"; shift 2 ;;
        --time=*) seconds="${1#--time=}"; shift ;;
        --build-only) build_only=true; shift ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
case "$seconds" in
    ''|*[!0-9]*) echo "fuzz.sh: --time takes a whole number of seconds, not '$seconds'" >&2; exit 2 ;;
esac

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz (cargo install cargo-fuzz --locked)" >&2
    cargo install cargo-fuzz --locked
fi

toolchain=()
sanitizer=()
if rustup run nightly rustc --version >/dev/null 2>&1; then
    toolchain=(+nightly)
else
    echo "fuzz.sh: no nightly toolchain: fuzzing with RUSTC_BOOTSTRAP=1 and no sanitizer" >&2
    export RUSTC_BOOTSTRAP=1
    sanitizer=(--sanitizer none)
fi

if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo "${toolchain[@]}" fuzz list)
fi

if $build_only; then
    cargo "${toolchain[@]}" fuzz build "${sanitizer[@]}"
    exit 0
fi

summary=()
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target" "artifacts/$target"
    dirs=("corpus/$target")
    if [ -d "seeds/$target" ]; then
        dirs+=("seeds/$target")
    fi
    log="artifacts/$target/last-run.log"
    echo "fuzz.sh: $target for ${seconds} s (log: fuzz/$log)" >&2
    # shellcheck disable=SC2086 # FUZZ_ARGS holds several options
    if ! cargo "${toolchain[@]}" fuzz run "${sanitizer[@]}" "$target" "${dirs[@]}" -- \
        -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=60 -print_final_stats=1 \
        ${FUZZ_ARGS:-} >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        echo "fuzz.sh: $target FAILED; reproducer in fuzz/artifacts/$target, log in fuzz/$log" >&2
        exit 1
    fi
    runs=$(grep -a -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)
    summary+=("$target: ${runs:-?} runs in ${seconds} s, no crash")
done
printf '%s\n' "${summary[@]}"
