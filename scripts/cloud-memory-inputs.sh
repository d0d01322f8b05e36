#!/usr/bin/env bash
# Writes the hostile and large cloud exports the streaming readers are
# measured on (issue #14), into DIR (default /tmp/cloud-memory):
#
#   bomb-zeros.json.gz    1 GB of NUL bytes, gzipped (about 1 MB)
#   bomb-spaces.json.gz   `{"value":[` and 1 GB of spaces, gzipped (about 1 MB)
#   pretty.json           a pretty-printed Graph export (`Get-MgUser | ConvertTo-Json`
#                         shape) of USERS users (default 820,000: about 1.5 GB),
#                         written by `usertype-audit generate`
#
# Then measure, for example (`audit` hands a --cloud file to the cloud
# reader as it is; `scan` first detects the format, and refuses the zeros):
#   A="audit --onprem fixtures/example/onprem.ldf --rules fixtures/rules/upn-expression.toml --reproducible --no-hash"
#   scripts/measure.sh BIN -q $A --out /tmp/r1 --cloud DIR/bomb-zeros.json.gz
#   scripts/measure.sh BIN -q $A --out /tmp/r2 --cloud DIR/bomb-spaces.json.gz
#   scripts/measure.sh BIN -q scan DIR/pretty.json            # mapped
#   scripts/measure.sh BIN -q scan - < DIR/pretty.json        # standard input
#   gzip -1 -c DIR/pretty.json > DIR/pretty.json.gz
#   scripts/measure.sh BIN -q scan DIR/pretty.json.gz         # gzip
#
# Usage: scripts/cloud-memory-inputs.sh BIN [DIR] [USERS]
set -euo pipefail
bin=${1:?usage: $0 BIN [DIR] [USERS]}
dir=${2:-/tmp/cloud-memory}
users=${3:-820000}
mkdir -p "$dir"
gb=1000000000
if [[ ! -s $dir/bomb-zeros.json.gz ]]; then
  head -c "$gb" /dev/zero | gzip -9 >"$dir/bomb-zeros.json.gz"
fi
if [[ ! -s $dir/bomb-spaces.json.gz ]]; then
  { printf '{"value":['; head -c "$gb" /dev/zero | tr '\0' ' '; } | gzip -9 >"$dir/bomb-spaces.json.gz"
fi
if [[ ! -s $dir/pretty.json ]]; then
  gen=$(mktemp -d "$dir/generate.XXXXXX")
  "$bin" -q generate --users "$users" --seed 1 --out "$gen"
  mv "$gen/graph-users-array.json" "$dir/pretty.json"
  rm -rf "$gen"
fi
ls -l "$dir"
