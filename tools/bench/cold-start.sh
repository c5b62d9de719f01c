#!/usr/bin/env bash
# Cold start of each envoy's bundle (`--help`) against `node -e 0`, side by side with hyperfine, and of the
# single executables (`npx nx run <envoy>:executable`) against the same node binary's `-e 0`.
# Goal (issue: foundation): casa-envoy --help within 1.5 x the time of `node -e 0`.
# Usage: tools/bench/cold-start.sh [runs]   (builds the bundles and executables first; needs hyperfine from Debian)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-100}"
command -v hyperfine >/dev/null || { echo "hyperfine is missing: apt-get install -y hyperfine" >&2; exit 69; }
NX_DAEMON=false npx nx run-many -t build executable -p casa-envoy ingest-envoy carta-envoy --output-style=static >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for envoy in casa-envoy ingest-envoy carta-envoy; do
  cp "dist/apps/$envoy/main.js" "$work/$envoy.js"
  cp "dist/executables/$envoy" "$work/$envoy"
done
cd "$work"
hyperfine -N --warmup 10 --runs "$runs" --export-markdown "$work/cold-start.md" \
  'node -e 0' \
  'node casa-envoy.js --help' \
  'node ingest-envoy.js --help' \
  'node carta-envoy.js --help'
cat "$work/cold-start.md"
hyperfine -N --warmup 10 --runs "$runs" --export-markdown "$work/executables.md" \
  'node -e 0' \
  'node casa-envoy.js --help' \
  './casa-envoy --help' \
  './ingest-envoy --help' \
  './carta-envoy --help'
cat "$work/executables.md"
