#!/usr/bin/env bash
# Curves of a whole `ingest-envoy --calibration` run (audit, caltables tar, checksums, manifest, staging, launch
# of the ingest emulator) against GNU `tar cf` + `sync` of the same products/, as the work grows:
#   - by file count: 1 GiB in 200, 500, 2,000, 5,000 and 20,000 files;
#   - by total size: 2,000 files holding 256 MiB, 1, 2 and 4 GiB.
# Goals (issue 18): time linear in the bytes and in the files, at most 1.3 x tar + sync at 1 GiB in 2,000 files;
# peak RSS at most 100 MB whatever the size or the file count.
#
#   tools/bench/ingest-curve.sh [runs] [out-dir]     (default: 3 /tmp/envoys-bench)
#
# Each point: the products are made, read once (warm page cache), then `runs` alternating runs of both sides
# (each after `sync`, with its output removed); medians. Writes "$out/ingest-curve.tsv" (one line per point:
# sweep, files, MiB, tar+sync ms, envoy ms, ratio, envoy peak RSS KiB, GNU tar peak RSS KiB, load average) and
# prints it; tools/bench/plot-curves.sh draws it. Needs GNU time. Generated data stay in TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-3}"
out="${2:-/tmp/envoys-bench}"
repo=$PWD
source tools/bench/lib.sh
bench_tools
mkdir -p "$out"
NX_DAEMON=false npx nx build ingest-envoy --output-style=static >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/ingest-curve-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp dist/apps/ingest-envoy/main.js "$work/ingest-envoy.js"
tsv="$out/ingest-curve.tsv"
printf 'sweep\tfiles\tmib\ttar_sync_ms\tenvoy_ms\tratio\tenvoy_rss_kib\ttar_rss_kib\tload\n' >"$tsv"


point() {
  local sweep=$1 files=$2 mib=$3
  local dir="$work/proc"
  rm -rf "$dir" "$work/staging" "$work/gnu"
  mkdir -p "$dir/products" "$dir/working/pipeline-20240305T120000/html" "$work/staging" "$work/gnu"
  echo '{"fileSetIds":["19A-001.sb1.eb1.58530.5"],"productLocator":"uid://evla/execblock/bench","projectMetadata":{"telescope":"EVLA"}}' >"$dir/metadata.json"
  echo '<html>weblog</html>' >"$dir/working/pipeline-20240305T120000/html/index.html"
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
}' "$dir/products" "$files" $((mib * 1024 * 1024 / files))
  find "$dir/products" -type f -exec cat {} + >/dev/null
  local gnu=() envoy=() rss=() trss=()
  for _ in $(seq "$runs"); do
    rm -f "$work/gnu/caltables.tar"; sync
    timed gnu trss bash -c 'cd "$1" && tar cf "$2" --exclude="*weblog*.tgz" . && sync "$2"' - "$dir/products" "$work/gnu/caltables.tar"
    rm -f "$work/gnu/caltables.tar"; rm -rf "$work/staging/proc" "$work/ledger.jsonl"; sync
    PATH="$repo/tools/emulators/ingest/bin:$PATH" ENVOY_INGEST_STAGING_ROOT="$work/staging" INGEST_EMULATOR_LEDGER="$work/ledger.jsonl" \
      timed envoy rss node "$work/ingest-envoy.js" --calibration "$dir" >/dev/null 2>&1
    rm -rf "$work/staging/proc"
  done
  local g e
  g=$(median "${gnu[@]}"); e=$(median "${envoy[@]}")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$sweep" "$files" "$mib" "$g" "$e" "$(awk -v e="$e" -v g="$g" 'BEGIN {printf "%.2f", e / g}')" "$(maximum "${rss[@]}")" "$(maximum "${trss[@]}")" "$(load)" | tee -a "$tsv"
}

printf 'sweep\tfiles\tMiB\ttar+sync ms\tenvoy ms\tratio\tenvoy RSS KiB\ttar RSS KiB\tload\n'
for files in 200 500 2000 5000 20000; do point files "$files" 1024; done
for mib in 256 1024 2048 4096; do point size 2000 "$mib"; done
echo "written: $tsv ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), node $(node --version))"
