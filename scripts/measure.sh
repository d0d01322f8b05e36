#!/usr/bin/env bash
# Runs a command and reports its wall time and peak anonymous memory (RssAnon:
# pages of memory-mapped input files do not count), sampled every 10 ms.
# The sampling loop uses only bash builtins: spawning `awk` and `sleep` a
# hundred times a second would take CPU from the command being measured.
# Usage: scripts/measure.sh COMMAND [ARGS...]
set -u
((BASH_VERSINFO[0] >= 5)) || { echo "measure.sh needs bash 5 or later" >&2; exit 2; }
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
  done 2>/dev/null <"/proc/$pid/status"
  read -r -t 0.01 -u "$tick" _ || true
done
wait "$pid"
status=$?
end=$EPOCHREALTIME
# EPOCHREALTIME has six decimals after the locale's separator (`.` or `,`).
wall_us=$((10#${end//[!0-9]/} - 10#${start//[!0-9]/}))
printf 'wall %d.%03d s, peak RssAnon %d MiB, exit %d\n' \
  $((wall_us / 1000000)) $(((wall_us / 1000) % 1000)) $((peak / 1024)) "$status" >&2
exit "$status"
