#!/usr/bin/env bash
# Writes every output the refactors of issue 15 must keep byte-identical into
# one folder, so two builds can be compared with `diff -r`:
#   scripts/behaviour-snapshot.sh ./target/debug/usertype-audit /tmp/before
#   (change, rebuild)
#   scripts/behaviour-snapshot.sh ./target/debug/usertype-audit /tmp/after
#   diff -r /tmp/before /tmp/after
# It covers the generator (the example forest's invocation and a 20,000-account
# forest), and the audit reports (--reproducible) of the example forest in every
# input format with both example rule files, and of a 20,000-account forest.
set -euo pipefail
((BASH_VERSINFO[0] >= 4)) || { echo "behaviour-snapshot.sh needs bash 4 or later" >&2; exit 2; }
[[ $# -eq 2 ]] || { echo "usage: $0 BINARY OUT_DIR" >&2; exit 2; }
bin=$(realpath "$1")
[[ ! -e $2 ]] || { echo "$2 exists: choose a new folder" >&2; exit 2; }
mkdir -p "$2"
repo=$(realpath "$(dirname "$0")/..")
# Paths appear in the reports: run from a folder of our own where the inputs
# and the snapshot have the same relative names whatever the folders are.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ln -s "$repo/fixtures" "$work/fixtures"
ln -s "$(realpath "$2")" "$work/out"
cd "$work"
out=out

# Exit status and standard output go into the snapshot too (progress and
# timings are not compared: --quiet).
run() {
  local name=$1
  shift
  local status=0
  "$bin" "$@" >"$out/$name.stdout" 2>"$out/$name.stderr" || status=$?
  echo "$status" >"$out/$name.status"
}

run gen-1000-s7 generate --quiet --users 1000 --seed 7 --out "$out/gen-1000-s7"
run gen-20000-s1 generate --quiet --users 20000 --seed 1 --out "$out/gen-20000-s1"
run gen-20000-s7 generate --quiet --users 20000 --seed 7 --out "$out/gen-20000-s7"

ex=fixtures/example
for onprem in onprem.ldf onprem.csv onprem-ps.csv; do
  for cloud in graph-users.json graph-users-array.json graph-users.csv; do
    for rules in upn-expression extension-attribute; do
      name="audit-example-${onprem//./_}-${cloud//./_}-$rules"
      run "$name" audit --quiet --reproducible --onprem "$ex/$onprem" --cloud "$ex/$cloud" \
        --rules "fixtures/rules/$rules.toml" --out "$out/$name"
    done
  done
done

big=$out/gen-20000-s7
run audit-20000-s7 audit --quiet --reproducible --onprem "$big/onprem.ldf" \
  --cloud "$big/graph-users.json" --rules fixtures/rules/upn-expression.toml \
  --out "$out/audit-20000-s7"
echo "snapshot written to $2" >&2
