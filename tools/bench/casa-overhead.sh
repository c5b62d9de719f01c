#!/usr/bin/env bash
# Envoy overhead around the launch for a standard calibration: the whole casa-envoy run minus the CASA
# emulator's own run time (the launch's durationMs in the report). Goal (issue: casa-envoy): at most 150 ms.
# Usage: tools/bench/casa-overhead.sh [runs] [baseline-bundle]
#   With a baseline bundle (another build of casa-envoy, e.g. before a change), the two run alternately, so
#   that the load of a shared machine falls on both alike, and both medians are printed.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-20}"
baseline="${2:-}"
repo=$(pwd)
NX_DAEMON=false npx nx build casa-envoy --output-style=static >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp dist/apps/casa-envoy/main.js "$work/casa-envoy.js"
bundles=(current)
if [ -n "$baseline" ]; then cp "$baseline" "$work/baseline.js"; bundles=(baseline current); fi
sdm=brain_000.58099.67095825232
for i in $(seq 1 "$runs"); do
  for which in "${bundles[@]}"; do
    script="$work/casa-envoy.js"
    [ "$which" = baseline ] && script="$work/baseline.js"
    dir="$work/spool/$which/tmprun$i"
    mkdir -p "$dir/rawdata/$sdm"
    echo '<ASDM/>' >"$dir/rawdata/$sdm/ASDM.xml"
    cp tools/fixtures/examples/metadata.json tools/fixtures/examples/PPR.xml "$dir/"
    start=$(date +%s%N)
    (cd "$dir" && CASA_HOME="$repo/tools/emulators/casa" node "$script" -c metadata.json PPR.xml >/dev/null)
    end=$(date +%s%N)
    node -e '
      const r = require(process.argv[1]);
      const total = (Number(process.argv[2]) - Number(process.argv[3])) / 1e6;
      console.log(JSON.stringify({ bundle: process.argv[4], totalMs: Math.round(total), casaMs: r.launch.durationMs, overheadMs: Math.round(total - r.launch.durationMs) }));
    ' "$dir/casa-envoy-report.json" "$end" "$start" "$which"
  done
done | tee "$work/runs.jsonl"
node -e '
  const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
  for (const bundle of [...new Set(rows.map((r) => r.bundle))]) {
    const o = rows.filter((r) => r.bundle === bundle).map((r) => r.overheadMs).sort((a, b) => a - b);
    const median = o[Math.floor(o.length / 2)];
    console.log(`${bundle}: overhead over ${o.length} runs: median ${median} ms, min ${o[0]} ms, max ${o[o.length - 1]} ms`);
  }
' "$work/runs.jsonl"
