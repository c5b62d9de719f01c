#!/usr/bin/env bash
# Peak memory of casa-envoy --restore (and of its --dry-run) on compressed calibration tars of any ratio.
# Goal: extraction streams in bounded memory whatever the compression ratio, and a tar whose ratio marks it as a
# compression bomb is refused while it is read, without inflating it in memory first.
#
#   tools/bench/restore-bomb.sh [bundle]       (default: dist/apps/casa-envoy/main.js, built first)
#
# Three tars made by tools/bench/gen-bomb-tar.mjs: `sparse` (a 2.7 MB .tgz holding 1000 MiB, mostly zeros),
# `zeros` (a 0.6 MB .tgz holding 630 MiB of zeros: ratio above 1000, refused) and `random` (100 MiB that do not
# compress). Each is restored in a fresh processing directory with the CASA emulator; peak RSS is GNU time's
# maximum resident set size of the envoy process (the emulator is a separate process).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
bundle="${1:-}"
if [ -z "$bundle" ]; then
  NX_DAEMON=false npx nx build casa-envoy --output-style=static >/dev/null
  bundle="$repo/dist/apps/casa-envoy/main.js"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/restore-bomb-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

node tools/bench/gen-bomb-tar.mjs "$work/sparse.tgz" sparse 1000
node tools/bench/gen-bomb-tar.mjs "$work/zeros.tgz" zeros 630
node tools/bench/gen-bomb-tar.mjs "$work/random.tgz" random 100
sdm=brain_000.58099.67095825232

processing_dir() {
  local dir="$work/spool/$1"
  rm -rf "$work/spool"
  mkdir -p "$dir/rawdata/$sdm"
  echo '<ASDM/>' >"$dir/rawdata/$sdm/ASDM.xml"
  node -e 'const m = require(process.argv[1]); m.workflowName = "restore_cms"; process.stdout.write(JSON.stringify(m));' \
    "$repo/tools/fixtures/examples/metadata.json" >"$dir/metadata.json"
  cp "$repo/tools/fixtures/examples/PPR.xml" "$dir/PPR.xml"
  cp "$work/$1.tgz" "$dir/rawdata/$1.caltables.tgz"
  echo "$dir"
}

printf '%-8s %-9s %10s %6s %9s  %s\n' tar run "tgz bytes" exit "peak RSS" "first line of stderr"
for kind in sparse zeros random; do
  for mode in dry-run restore; do
    dir=$(processing_dir "$kind")
    extra=()
    [ "$mode" = dry-run ] && extra=(--dry-run)
    status=0
    ( cd "$dir" && CASA_HOME="$repo/tools/emulators/casa" /usr/bin/time -f '%M' -o "$work/rss" \
        node "$bundle" -c metadata.json PPR.xml --restore "${extra[@]}" >"$work/out" 2>"$work/err" ) || status=$?
    rss_kib=$(tail -1 "$work/rss")
    printf '%-8s %-9s %10s %6s %6s MB  %s\n' "$kind" "$mode" "$(stat -c %s "$work/$kind.tgz")" "$status" \
      "$((rss_kib / 1024))" "$(grep -m1 '^casa-envoy: ' "$work/err" | cut -c1-110 || true)"
  done
done
