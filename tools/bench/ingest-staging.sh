#!/usr/bin/env bash
# Staging of image products by ingest-envoy --image on one file system against `cp -r` of products/.
# Goal (issue 4): 4 GiB of image products at least 100 x faster than cp -r (hard links: cost per file, not
# per byte), with memory that does not grow with the data.
#
#   tools/bench/ingest-staging.sh [total MiB] [images] [runs]     (default: 4096 40 3)
#
# Each image comes with its four FITS ancillaries and a PNG (6 files per image). The envoy's staging time is
# the `stage-products` step of its run report; `checksum-staged` (the SHA-256 of every linked file for the
# report, each byte read once) and the whole run are shown beside it, with the envoy's peak memory.
set -euo pipefail
cd "$(dirname "$0")/../.."
total_mib="${1:-4096}"
images="${2:-40}"
runs="${3:-3}"
repo=$PWD
command -v /usr/bin/time >/dev/null || { echo "/usr/bin/time is missing: apt-get install -y time" >&2; exit 69; }
NX_DAEMON=false npx nx build ingest-envoy --output-style=static >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/ingest-staging-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

dir="$work/proc"
mkdir -p "$dir/products" "$dir/working/pipeline-20240305T120000/html" "$work/staging"
cat >"$dir/metadata.json" <<JSON
{"calProductLocator":"uid://evla/calibration/bench","projectMetadata":{"telescope":"EVLA"}}
JSON
echo '<html>weblog</html>' >"$dir/working/pipeline-20240305T120000/html/index.html"
echo 'pipescript' >"$dir/products/casa_pipescript.py"
per_image=$((total_mib * 1024 * 1024 / images / 6))
echo "making $images images with 5 ancillaries each, $per_image bytes per file ($total_mib MiB) in $dir/products"
node -e '
const fs = require("fs"); const crypto = require("crypto");
const [dir, images, size] = [process.argv[1], +process.argv[2], +process.argv[3]];
const block = crypto.randomBytes(Math.min(size, 1 << 20));
for (let i = 0; i < images; i++) {
  const stem = `oussid.field${i}.K_band.cont.I.iter1.image.pbcor.tt0`;
  for (const suffix of [".fits", ".rms.fits", ".pb.fits", ".mask.fits", ".alpha.fits", ".png"]) {
    const fd = fs.openSync(`${dir}/${stem}${suffix}`, "w");
    for (let done = 0; done < size; done += block.length) fs.writeSync(fd, block, 0, Math.min(block.length, size - done));
    fs.closeSync(fd);
  }
}' "$dir/products" "$images" "$per_image"
sync

ms() { date +%s%N | cut -c1-13; }
cp_ms=()
stage=()
sums=()
whole=()
rss=()
for i in $(seq "$runs"); do
  rm -rf "$work/cp-copy"; sync
  start=$(ms); cp -r "$dir/products" "$work/cp-copy"; cp_ms+=($(( $(ms) - start )))
  rm -rf "$work/cp-copy" "$work/staging/proc" "$work/ledger.jsonl"; sync
  start=$(ms)
  PATH="$repo/tools/emulators/ingest/bin:$PATH" ENVOY_INGEST_STAGING_ROOT="$work/staging" INGEST_EMULATOR_LEDGER="$work/ledger.jsonl" \
    /usr/bin/time -f '%M' -o "$work/rss" node "$repo/dist/apps/ingest-envoy/main.js" --image "$dir" >/dev/null 2>&1
  whole+=($(( $(ms) - start )))
  rss+=($(tail -1 "$work/rss"))
  read -r s c < <(node -e 'const r=require(process.argv[1]); const d=n=>r.steps.find(s=>s.name===n).durationMs; console.log(d("stage-products"), d("checksum-staged"))' "$dir/ingest-envoy-report.json")
  stage+=("$s"); sums+=("$c")
  echo "run $i: cp -r ${cp_ms[-1]} ms; envoy staging $s ms, checksums $c ms, whole run ${whole[-1]} ms, peak RSS ${rss[-1]} KiB"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
c=$(median "${cp_ms[@]}"); s=$(median "${stage[@]}"); h=$(median "${sums[@]}"); w=$(median "${whole[@]}"); r=$(median "${rss[@]}")
echo "median: cp -r $c ms; envoy staging $s ms (cp -r / staging = $(awk -v c="$c" -v s="$s" 'BEGIN {printf "%.0f", c / (s > 0 ? s : 1)}') x, goal >= 100); checksums of linked files $h ms; whole run $w ms; peak RSS $r KiB"
