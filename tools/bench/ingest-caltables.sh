#!/usr/bin/env bash
# The calibration tables tar of ingest-envoy --calibration against GNU `tar cf` on the same files.
# Goals: 1 GiB in 2,000 files in at most 1.3 x the time of GNU tar (issue 4); the whole run (audit, tar,
# checksums, manifest, staging, launch of the ingest emulator) in at most 1.3 x GNU `tar cf` + `sync`, with a
# peak RSS of at most 100 MB (issue 18).
#
#   tools/bench/ingest-caltables.sh [total MiB] [files] [runs]     (default: 1024 2000 5)
#
# Both run warm (the files are read once before timing, so both find them in the page cache), write into
# the same directory and start with no dirty pages (`sync` before each). The envoy's time is the
# `stage-products` step of its run report (the caltables tar plus a small weblog.tgz); its whole run, ingest
# emulator included, is shown too. The envoy writes atomically and durably (fsync before the rename), so GNU
# tar followed by `sync` of its file is shown as well.
set -euo pipefail
cd "$(dirname "$0")/../.."
total_mib="${1:-1024}"
files="${2:-2000}"
runs="${3:-5}"
repo=$PWD
NX_DAEMON=false npx nx build ingest-envoy --output-style=static >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/ingest-caltables-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

dir="$work/proc"
mkdir -p "$dir/products" "$dir/working/pipeline-20240305T120000/html" "$work/staging" "$work/gnu"
cat >"$dir/metadata.json" <<JSON
{"fileSetIds":["19A-001.sb1.eb1.58530.5"],"productLocator":"uid://evla/execblock/bench","projectMetadata":{"telescope":"EVLA"}}
JSON
echo '<html>weblog</html>' >"$dir/working/pipeline-20240305T120000/html/index.html"
per_file=$((total_mib * 1024 * 1024 / files))
echo "making $files files of $per_file bytes ($total_mib MiB) in $dir/products"
node -e '
const fs = require("fs"); const crypto = require("crypto");
const [dir, files, size] = [process.argv[1], +process.argv[2], +process.argv[3]];
const block = crypto.randomBytes(Math.min(size, 1 << 20));
for (let i = 0; i < files; i++) {
  const sub = `${dir}/table${String(i % 20).padStart(2, "0")}.tbl`;
  fs.mkdirSync(sub, { recursive: true });
  const fd = fs.openSync(`${sub}/f${i}.dat`, "w");
  for (let done = 0; done < size; done += block.length) fs.writeSync(fd, block, 0, Math.min(block.length, size - done));
  fs.closeSync(fd);
}' "$dir/products" "$files" "$per_file"
cat "$dir"/products/*/* >/dev/null

ms() { date +%s%N | cut -c1-13; }
gnu=()
gnu_sync=()
envoy=()
whole=()
rss=()
for i in $(seq "$runs"); do
  rm -f "$work/gnu/caltables.tar"; sync
  start=$(ms); (cd "$dir/products" && tar cf "$work/gnu/caltables.tar" --exclude='*weblog*.tgz' .); gnu+=($(( $(ms) - start )))
  rm -f "$work/gnu/caltables.tar"; sync
  start=$(ms); (cd "$dir/products" && tar cf "$work/gnu/caltables.tar" --exclude='*weblog*.tgz' . && sync "$work/gnu/caltables.tar"); gnu_sync+=($(( $(ms) - start )))
  rm -rf "$work/gnu/caltables.tar" "$work/staging/proc" "$work/ledger.jsonl"; sync
  start=$(ms)
  PATH="$repo/tools/emulators/ingest/bin:$PATH" ENVOY_INGEST_STAGING_ROOT="$work/staging" INGEST_EMULATOR_LEDGER="$work/ledger.jsonl" \
    /usr/bin/time -o "$work/time.txt" -f '%M' node "$repo/dist/apps/ingest-envoy/main.js" --calibration "$dir" >/dev/null 2>&1
  whole+=($(( $(ms) - start )))
  rss+=($(tail -n 1 "$work/time.txt"))
  envoy+=($(node -e 'const r=require(process.argv[1]); console.log(r.steps.find(s=>s.name==="stage-products").durationMs)' "$dir/ingest-envoy-report.json"))
  echo "run $i: GNU tar ${gnu[-1]} ms (with sync ${gnu_sync[-1]} ms), envoy caltables+weblog ${envoy[-1]} ms (whole envoy run ${whole[-1]} ms, peak RSS ${rss[-1]} KiB; load average $(cut -d' ' -f1-3 /proc/loadavg))"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
g=$(median "${gnu[@]}"); gs=$(median "${gnu_sync[@]}"); e=$(median "${envoy[@]}"); w=$(median "${whole[@]}")
r=$(printf '%s\n' "${rss[@]}" | sort -n | tail -n 1)
echo "median: GNU tar cf $g ms (+ sync: $gs ms); ingest-envoy tar $e ms; ratio $(awk -v e="$e" -v g="$g" 'BEGIN {printf "%.2f", e / g}') x (goal <= 1.3; $(awk -v e="$e" -v g="$gs" 'BEGIN {printf "%.2f", e / g}') x against tar + sync)"
echo "median: whole envoy run $w ms against GNU tar cf + sync $gs ms: $(awk -v e="$w" -v g="$gs" 'BEGIN {printf "%.2f", e / g}') x (goal <= 1.3); highest peak RSS $r KiB (goal <= 100 MB)"
