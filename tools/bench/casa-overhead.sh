#!/usr/bin/env bash
# Envoy overhead around the launch for a standard calibration: the whole casa-envoy run minus the CASA
# emulator's own run time (the launch's durationMs in the report). Goal (issue: casa-envoy): at most 150 ms.
# Usage: tools/bench/casa-overhead.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-20}"
repo=$(pwd)
NX_DAEMON=false npx nx build casa-envoy --output-style=static >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp dist/apps/casa-envoy/main.js "$work/casa-envoy.js"
sdm=brain_000.58099.67095825232
for i in $(seq 1 "$runs"); do
  dir="$work/spool/tmprun$i"
  mkdir -p "$dir/rawdata/$sdm"
  echo '<ASDM/>' >"$dir/rawdata/$sdm/ASDM.xml"
  cp tools/fixtures/examples/metadata.json tools/fixtures/examples/PPR.xml "$dir/"
  start=$(date +%s%N)
  (cd "$dir" && CASA_HOME="$repo/tools/emulators/casa" node "$work/casa-envoy.js" -c metadata.json PPR.xml >/dev/null)
  end=$(date +%s%N)
  node -e '
    const r = require(process.argv[1]);
    const total = (Number(process.argv[2]) - Number(process.argv[3])) / 1e6;
    console.log(JSON.stringify({ totalMs: Math.round(total), casaMs: r.launch.durationMs, overheadMs: Math.round(total - r.launch.durationMs) }));
  ' "$dir/casa-envoy-report.json" "$end" "$start"
done | tee "$work/runs.jsonl"
node -e '
  const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
  const o = rows.map((r) => r.overheadMs).sort((a, b) => a - b);
  const median = o[Math.floor(o.length / 2)];
  console.log(`overhead over ${o.length} runs: median ${median} ms, min ${o[0]} ms, max ${o[o.length - 1]} ms`);
' "$work/runs.jsonl"
