#!/usr/bin/env bash
# casa-envoy's own cost around a standard calibration (the whole run minus the CASA emulator's run, the
# report's launch.durationMs) as the PPR grows: the VLA example with 8, 16, 32, 64 and 128 stages (more
# hifv_hanning ProcessingCommands before hifv_exportdata), so the envoy audits a longer procedure and follows a
# longer pipeline log (the emulator writes each stage's lines). Goals (issue 18): at most 80 ms median with the
# example's 8 stages, linear or better in stages and log lines.
#
#   tools/bench/overhead-curve.sh [runs] [out-dir] [stages...]     (default: 9 /tmp/envoys-bench 8 16 32 64 128)
#
# Writes "$out/overhead-curve.tsv" (stages, CASA log lines followed, median overhead ms, min ms, median of the
# emulator's own run ms, median envoy wall ms, load average) and prints it; tools/bench/plot-curves.sh draws it.
# The plain tool beside: the emulator's own run (what CASA costs here), not a wrapper.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-9}"
out="${2:-/tmp/envoys-bench}"
shift 2 2>/dev/null || shift $#
if [ "$#" -gt 0 ]; then stages=("$@"); else stages=(8 16 32 64 128); fi
repo=$PWD
source tools/bench/lib.sh
bench_tools
mkdir -p "$out"
NX_DAEMON=false npx nx build casa-envoy --output-style=static >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/overhead-curve-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp dist/apps/casa-envoy/main.js "$work/casa-envoy.js"
tsv="$out/overhead-curve.tsv"
printf 'stages\tlog_lines\toverhead_ms\tmin_ms\tcasa_ms\twall_ms\tload\n' >"$tsv"
sdm=brain_000.58099.67095825232
printf 'stages\tlog lines\toverhead ms (median)\tmin ms\tCASA emulator ms\tenvoy wall ms\tload\n'
for n in "${stages[@]}"; do
  node -e '
const fs = require("fs");
const [source, target, stages] = [process.argv[1], process.argv[2], Number(process.argv[3])];
const ppr = fs.readFileSync(source, "utf8");
const command = ppr.match(/ *<ProcessingCommand>\s*<Command>hifv_hanning<\/Command>[\s\S]*?<\/ProcessingCommand>\n/)[0];
const have = (ppr.match(/<ProcessingCommand>/g) || []).length;
const at = ppr.indexOf("<ProcessingCommand>\n                    <Command>hifv_exportdata");
const cut = ppr.lastIndexOf("\n", at) + 1;
fs.writeFileSync(target, ppr.slice(0, cut) + command.repeat(Math.max(0, stages - have)) + ppr.slice(cut));
' tools/fixtures/examples/PPR.xml "$work/PPR-$n.xml" "$n"
  for i in $(seq "$runs"); do
    dir="$work/spool/s$n-$i"
    mkdir -p "$dir/rawdata/$sdm"
    echo '<ASDM/>' >"$dir/rawdata/$sdm/ASDM.xml"
    cp tools/fixtures/examples/metadata.json "$dir/"
    cp "$work/PPR-$n.xml" "$dir/PPR.xml"
    start=$(date +%s%N)
    (cd "$dir" && CASA_HOME="$repo/tools/emulators/casa" node "$work/casa-envoy.js" -c metadata.json PPR.xml >/dev/null 2>&1) || true
    end=$(date +%s%N)
    node -e '
const fs = require("fs");
const [report, end, start, dir] = [require(process.argv[1]), Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
const total = (end - start) / 1e6;
const logs = fs.readdirSync(`${dir}/working`).filter((name) => /^casa-.*\.log$/.test(name));
const lines = logs.reduce((sum, name) => sum + fs.readFileSync(`${dir}/working/${name}`, "utf8").split("\n").length - 1, 0);
if (!report.launch || report.launch.durationMs === undefined) { console.error(`overhead-curve: no launch in ${process.argv[1]} (exit ${report.exitCode})`); process.exit(70); }
console.log(JSON.stringify({ totalMs: total, casaMs: report.launch.durationMs, overheadMs: total - report.launch.durationMs, lines }));
' "$dir/casa-envoy-report.json" "$end" "$start" "$dir"
    rm -rf "$dir"
  done >"$work/runs-$n.jsonl"
  node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
const median = (values) => { const s = [...values].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const o = rows.map((r) => r.overheadMs);
console.log([process.argv[2], median(rows.map((r) => r.lines)), median(o).toFixed(0), Math.min(...o).toFixed(0), median(rows.map((r) => r.casaMs)).toFixed(0), median(rows.map((r) => r.totalMs)).toFixed(0), process.argv[3]].join("\t"));
' "$work/runs-$n.jsonl" "$n" "$(load)" | tee -a "$tsv"
done
echo "written: $tsv ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), node $(node --version))"
