#!/usr/bin/env bash
# casa-envoy --verify on large generated CASA logs, against `grep -c -P '\tSEVERE\t'` on the same file.
# Goals (issue: casa-envoy): at most 2 x grep's time on 1 GiB; peak RSS at most 100 MB and flat from 100 MB
# to 1 GiB. Usage: tools/bench/casa-verify.sh [sizes in MiB...]   (default: 100 1024; needs hyperfine, GNU time)
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "$#" -gt 0 ]; then sizes=("$@"); else sizes=(100 1024); fi
command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install -y hyperfine" >&2; exit 69; }
NX_DAEMON=false npx nx build casa-envoy --output-style=static >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp dist/apps/casa-envoy/main.js "$work/casa-envoy.js"
for size in "${sizes[@]}"; do
  dir="$work/run-$size"
  mkdir -p "$dir/working"
  log="$dir/working/casa-20260101-000000.log"
  node tools/bench/gen-casa-log.mjs "$log" "$size" --severe 3 >/dev/null
  echo "## ${size} MiB log, 3 SEVERE lines"
  # grep's output goes to a file: with >/dev/null GNU grep stops at the first match.
  hyperfine --warmup 1 --runs 5 -i --export-markdown "$work/verify-$size.md" \
    "grep -c -P '\\tSEVERE\\t' $log > $work/grep.out" \
    "node $work/casa-envoy.js --verify $dir --report $work/report.json > $work/verify.out"
  cat "$work/verify-$size.md"
  /usr/bin/time -f "peak RSS of casa-envoy --verify on ${size} MiB: %M KiB" \
    node "$work/casa-envoy.js" --verify "$dir" --report "$work/report.json" >/dev/null 2>"$work/time.txt" || true
  tail -n 1 "$work/time.txt"
  rm -f "$log"
done
