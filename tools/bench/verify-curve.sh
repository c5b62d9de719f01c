#!/usr/bin/env bash
# `casa-envoy --verify DIR` against `grep -c -P '\tSEVERE\t'` on the same CASA log, one SEVERE line at its very
# end (the scanner must read everything), for logs of 1 MiB to 4 GiB (tools/bench/gen-casa-log.mjs: INFO, WARN
# and DEBUG lines, continuation lines, messages that mention SEVERE outside the priority field).
# Goals (issue 18): at most 1.2 x grep on 1 GiB, peak RSS at most 100 MB whatever the size, time linear in it.
#
#   tools/bench/verify-curve.sh [runs] [out-dir] [sizes in MiB...]   (default: 3 /tmp/envoys-bench 1 4 16 64 256 1024 4096)
#
# Each size: the log is generated, read once (warm page cache), then `runs` alternating runs of both sides;
# medians. grep's output goes to a file (with >/dev/null GNU grep stops at the first match). Writes
# "$out/verify-curve.tsv" (MiB, grep ms, envoy ms, ratio, envoy peak RSS KiB, grep peak RSS KiB, load
# average) and prints it; tools/bench/plot-curves.sh draws it. Needs GNU time; up to 4 GiB of TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-3}"
out="${2:-/tmp/envoys-bench}"
shift 2 2>/dev/null || shift $#
if [ "$#" -gt 0 ]; then sizes=("$@"); else sizes=(1 4 16 64 256 1024 4096); fi
source tools/bench/lib.sh
bench_tools
mkdir -p "$out"
NX_DAEMON=false npx nx build casa-envoy --output-style=static >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/verify-curve-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp dist/apps/casa-envoy/main.js "$work/casa-envoy.js"
tsv="$out/verify-curve.tsv"
printf 'mib\tgrep_ms\tenvoy_ms\tratio\tenvoy_rss_kib\tgrep_rss_kib\tload\n' >"$tsv"

printf 'MiB\tgrep ms\tenvoy ms\tratio\tenvoy RSS KiB\tgrep RSS KiB\tload\n'
for size in "${sizes[@]}"; do
  dir="$work/run"
  rm -rf "$dir"
  mkdir -p "$dir/working"
  log="$dir/working/casa-20260101-000000.log"
  node tools/bench/gen-casa-log.mjs "$log" "$size" >/dev/null
  printf '2026-01-01 23:59:59\tSEVERE\tapplycal::::casa\tTask applycal raised an exception of class RuntimeError with message: the last line\n' >>"$log"
  cat "$log" >/dev/null
  grep_ms=() envoy_ms=() rss=() grss=()
  for _ in $(seq "$runs"); do
    timed grep_ms grss grep -c -P '\tSEVERE\t' "$log" >"$work/grep.out" || true
    [ "$(cat "$work/grep.out")" = 1 ] || { echo "verify-curve: grep found $(cat "$work/grep.out") SEVERE lines, expected 1" >&2; exit 70; }
    timed envoy_ms rss node "$work/casa-envoy.js" --verify "$dir" --report "$work/report.json" >/dev/null 2>&1 || true
  done
  # The finding is what makes the run a failure: an envoy that missed it would look fast.
  node -e 'const r = require(process.argv[1]); if (!JSON.stringify(r).includes("the last line")) { console.error("verify-curve: the SEVERE line at the end is not in the report"); process.exit(70); }' "$work/report.json"
  g=$(median "${grep_ms[@]}"); e=$(median "${envoy_ms[@]}")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$g" "$e" "$(awk -v e="$e" -v g="$g" 'BEGIN {printf "%.2f", e / g}')" "$(maximum "${rss[@]}")" "$(maximum "${grss[@]}")" "$(load)" | tee -a "$tsv"
  rm -rf "$dir"
done
echo "written: $tsv ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), node $(node --version))"
