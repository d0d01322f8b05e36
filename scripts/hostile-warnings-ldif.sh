#!/usr/bin/env bash
# Writes an LDIF whose every line draws a warning: RECORDS records of about
# MIB mebibytes each, made of `a: x ` lines (a plain value with a trailing
# space, `trailing_space`). Reading it must take memory independent of the
# number of warnings (issue #14 item 1). Measure, for example:
#   scripts/hostile-warnings-ldif.sh /tmp/warn.ldf 4 16
#   scripts/measure.sh ./target/release/usertype-audit -q scan /tmp/warn.ldf
# Usage: scripts/hostile-warnings-ldif.sh OUT [RECORDS=4] [MIB=16]
set -euo pipefail
out=${1:?usage: $0 OUT [RECORDS] [MIB]}
records=${2:-4}
mib=${3:-16}
# `a: x ` plus its line feed is 6 bytes.
lines=$((mib * 1024 * 1024 / 6))
{
  for ((r = 0; r < records; r++)); do
    printf 'dn: cn=r%d,dc=example,dc=com\n' "$r"
    yes 'a: x ' | head -n "$lines"
    printf '\n'
  done
} >"$out"
ls -l "$out" >&2
