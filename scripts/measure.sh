#!/usr/bin/env bash
# Runs a command and reports its wall time and peak anonymous memory (RssAnon:
# pages of memory-mapped input files do not count), sampled every 10 ms.
# The sampling loop uses only bash builtins: spawning `awk` and `sleep` a
# hundred times a second would take CPU from the command being measured.
# Usage: scripts/measure.sh COMMAND [ARGS...]
set -u
start=$EPOCHREALTIME
"$@" <&0 &
pid=$!
# A pipe nobody writes to: `read -t` on it is a sleep without a process.
exec {tick}<> <(:)
peak=0
while kill -0 "$pid" 2>/dev/null; do
  while read -r key value _; do
    if [[ $key == RssAnon: ]]; then
      if ((value > peak)); then peak=$value; fi
      break
    fi
  done <"/proc/$pid/status" 2>/dev/null
  read -r -t 0.01 -u "$tick" _ || true
done
wait "$pid"
status=$?
end=$EPOCHREALTIME
wall_us=$(( (${end/./} - ${start/./}) ))
printf 'wall %d.%03d s, peak RssAnon %d MiB, exit %d\n' \
  $((wall_us / 1000000)) $(((wall_us / 1000) % 1000)) $((peak / 1024)) "$status" >&2
exit "$status"
