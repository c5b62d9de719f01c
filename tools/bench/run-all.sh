#!/usr/bin/env bash
# Every benchmark of docs/BENCHMARKS.md with its default sizes, one after the other (`npm run bench`), each
# result under a heading with the command that produced it, then the machine they ran on. Benchmarks share
# the machine with nothing else: run this on a quiet node, not next to the test suites.
#
#   tools/bench/run-all.sh [benchmark...]     (default: all; names as in tools/bench without .sh)
#
# Needs hyperfine, GNU time and gnuplot (the `bench` suite of tools/scripts/system-packages.txt, installed
# here when missing, as the test suites' packages are) and about 10 GiB of free space in TMPDIR
# for the largest generated inputs. Exits with the first failing benchmark's status after running the rest.
set -uo pipefail
cd "$(dirname "$0")/../.."
all=(cold-start casa-overhead casa-verify ppr-audit restore-bomb ingest-caltables ingest-staging ingest-deep-tree verify-curve ingest-curve overhead-curve)
chosen=("$@")
[ "${#chosen[@]}" -gt 0 ] || chosen=("${all[@]}")
for name in "${chosen[@]}"; do
  [ -f "tools/bench/$name.sh" ] || { echo "run-all: no benchmark tools/bench/$name.sh (choose from: ${all[*]})" >&2; exit 64; }
done
source tools/bench/lib.sh
bench_tools
NX_DAEMON=false npx nx run-many -t build -p casa-envoy ingest-envoy carta-envoy --output-style=static >/dev/null || exit 70
status=0
for name in "${chosen[@]}"; do
  echo "## tools/bench/$name.sh"
  bash "tools/bench/$name.sh" || { rc=$?; echo "run-all: tools/bench/$name.sh failed with status $rc" >&2; [ "$status" -ne 0 ] || status=$rc; }
  echo
done
# The curve benchmarks leave their tables in /tmp/envoys-bench; drawn into docs/bench when gnuplot is there.
if command -v gnuplot >/dev/null && ls /tmp/envoys-bench/*.tsv >/dev/null 2>&1; then bash tools/bench/plot-curves.sh; fi
echo "## machine"
echo "$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), node $(node --version), $(uname -sr)"
exit "$status"
