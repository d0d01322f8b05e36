#!/usr/bin/env bash
# Runs a command and reports its wall time and peak anonymous memory (RssAnon:
# pages of memory-mapped input files do not count), sampled every 10 ms.
# Usage: scripts/measure.sh COMMAND [ARGS...]
set -u
start=$(date +%s.%N)
"$@" <&0 &
pid=$!
peak=0
while kill -0 "$pid" 2>/dev/null; do
  anon=$(awk '/^RssAnon:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
  if [ -n "${anon:-}" ] && [ "$anon" -gt "$peak" ]; then peak=$anon; fi
  sleep 0.01
done
wait "$pid"
status=$?
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" -v p="$peak" -v x="$status" 'BEGIN { printf "wall %.3f s, peak RssAnon %d MiB, exit %d\n", e - s, p / 1024, x }' >&2
exit "$status"
