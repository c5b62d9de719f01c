#!/usr/bin/env bash
# Peak RSS and time of casa-envoy's PPR audit (a --dry-run: every audit, nothing launched) on PPRs of growing
# size. Goal: memory bounded and flat in PPR size; PPRs over 64 MiB are refused before they are read.
# Usage: tools/bench/ppr-audit.sh [sizes in MiB...]   (default: 0 10 60 100; 0 is the example itself; GNU time)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

if [ "$#" -gt 0 ]; then sizes=("$@"); else sizes=(0 10 60 100); fi
NX_DAEMON=false npx nx build casa-envoy --output-style=static >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp dist/apps/casa-envoy/main.js "$work/casa-envoy.js"
echo "| PPR | exit | wall | peak RSS |"
echo "|---|---|---|---|"
for size in "${sizes[@]}"; do
  dir="$work/run-$size"
  mkdir -p "$dir/rawdata/brain_000.58099.67095825232"
  cp tools/fixtures/examples/metadata.json "$dir/"
  if [ "$size" = 0 ]; then cp tools/fixtures/examples/PPR.xml "$dir/PPR.xml"; else node tools/bench/gen-ppr.mjs "$dir/PPR.xml" "$size" >/dev/null; fi
  bytes=$(stat -c %s "$dir/PPR.xml")
  status=0
  (cd "$dir" && CASA_HOME="$ROOT/tools/emulators/casa" /usr/bin/time -f "%e s|%M" -o "$work/time.txt" \
    node "$work/casa-envoy.js" -c metadata.json PPR.xml --dry-run >"$work/out.txt" 2>&1) || status=$?
  IFS='|' read -r wall rss < <(tail -n 1 "$work/time.txt")
  echo "| $(awk -v b="$bytes" 'BEGIN { printf "%.1f MiB", b / 1048576 }') | $status | $wall | $((rss / 1024)) MiB |"
  rm -rf "$dir"
done
