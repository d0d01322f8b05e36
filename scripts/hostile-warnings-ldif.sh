#!/usr/bin/env bash
# Writes an LDIF whose every line draws a warning: RECORDS records of about
# MIB mebibytes each, made of `ATTR: x ` lines (a plain value with a trailing
# space, `trailing_space`). ATTR is `a` by default, which only `scan` reads;
# give `proxyAddresses` to exercise `audit`. Reading it must take memory
# independent of the number of warnings (issue #14 item 1). For example:
#   scripts/hostile-warnings-ldif.sh /tmp/warn.ldf 4 66
#   scripts/measure.sh ./target/release/usertype-audit -q scan /tmp/warn.ldf
# Usage: scripts/hostile-warnings-ldif.sh OUT [RECORDS=4] [MIB=66] [ATTR=a]
set -euo pipefail
out=${1:?usage: $0 OUT [RECORDS] [MIB] [ATTR]}
records=${2:-4}
mib=${3:-66}
attr=${4:-a}
# `ATTR: x ` plus its line feed.
lines=$((mib * 1024 * 1024 / (${#attr} + 5)))
{
  for ((r = 0; r < records; r++)); do
    printf 'dn: cn=r%d,dc=example,dc=com\nobjectClass: user\n' "$r"
    # `yes` ends on SIGPIPE when `head` has enough: not a failure.
    yes "$attr: x " | head -n "$lines" || true
    printf '\n'
  done
} >"$out"
ls -l "$out" >&2
