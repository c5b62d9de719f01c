#!/usr/bin/env bash
# ingest-envoy's audit of products/ on deep directory trees, and how soon SIGTERM stops it.
# Goal: the walk is linear in the number of entries and stops at once on a signal.
#
#   tools/bench/ingest-deep-tree.sh [bundle] [depths...]     (default: dist/apps/ingest-envoy/main.js; 500 1000 4000)
#
# products/ holds a chain of nested directories `d/d/d/...` of the given depth with a file at the bottom (a
# depth of 4000 makes paths longer than PATH_MAX: the tree is made with relative paths). Each depth is audited
# by `--calibration DIR --dry-run --report FILE` (the audit, no staging); the time is the audit-inputs step of
# the report and the whole run. Then the same run is started on the deepest tree and sent SIGTERM after
# 300 ms: the time from the signal to the envoy's exit is shown.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
bundle="${1:-}"
shift || true
depths=("$@")
[ "${#depths[@]}" -gt 0 ] || depths=(500 1000 4000)
if [ -z "$bundle" ]; then
  NX_DAEMON=false npx nx build ingest-envoy --output-style=static >/dev/null
  bundle="$repo/dist/apps/ingest-envoy/main.js"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/ingest-deep-bench.XXXXXX")
# rm -rf copes with paths longer than PATH_MAX.
trap 'rm -rf "$work"' EXIT
export PATH="$repo/tools/emulators/ingest/bin:$PATH" ENVOY_INGEST_STAGING_ROOT="$work/staging" INGEST_EMULATOR_LEDGER="$work/ledger.jsonl"

make_dir() {
  local dir="$work/run$1"
  mkdir -p "$dir/products" "$dir/working/pipeline-20240305T120000/html"
  echo '<html/>' >"$dir/working/pipeline-20240305T120000/html/index.html"
  echo '{"fileSetIds":["x.eb1"],"productLocator":"uid://evla/execblock/bench","projectMetadata":{"telescope":"EVLA"}}' >"$dir/metadata.json"
  node -e 'process.chdir(process.argv[1]); for (let i = 0; i < +process.argv[2]; i++) { require("fs").mkdirSync("d"); process.chdir("d"); } require("fs").writeFileSync("table.dat", "x");' "$dir/products" "$1"
  echo "$dir"
}

ms() { date +%s%N | cut -c1-13; }
printf '%6s %7s %12s %10s  %s\n' depth exit "audit [ms]" "run [ms]" "first line of stderr"
for depth in "${depths[@]}"; do
  dir=$(make_dir "$depth")
  start=$(ms)
  status=0
  timeout 120 node "$bundle" --calibration "$dir" --dry-run --report "$work/report.json" >/dev/null 2>"$work/err" || status=$?
  whole=$(( $(ms) - start ))
  audit=$(node -e 'try { const r = require(process.argv[1]); console.log(r.steps.find((s) => s.name === "audit-inputs").durationMs); } catch { console.log("-"); }' "$work/report.json")
  rm -f "$work/report.json"
  printf '%6s %7s %12s %10s  %s\n' "$depth" "$status" "$audit" "$whole" "$(grep -m1 '^ingest-envoy: ' "$work/err" | cut -c1-100 || true)"
done

deepest="${depths[-1]}"
dir="$work/run$deepest"
node "$bundle" --calibration "$dir" --dry-run >/dev/null 2>&1 &
pid=$!
sleep 0.3
sent=$(ms)
kill -TERM "$pid" 2>/dev/null || true
status=0
wait "$pid" || status=$?
echo "SIGTERM 300 ms into the audit of depth $deepest: exit $status, $(( $(ms) - sent )) ms after the signal"
