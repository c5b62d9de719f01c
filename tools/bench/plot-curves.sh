#!/usr/bin/env bash
# Draws the curves of docs/BENCHMARKS.md as PNG files from the tables the curve benchmarks write
# (tools/bench/verify-curve.sh, ingest-curve.sh, overhead-curve.sh), each envoy beside the plain tool.
#
#   tools/bench/plot-curves.sh [in-dir] [out-dir]     (default: /tmp/envoys-bench docs/bench)
#
# Needs gnuplot from Debian (`apt-get install -y gnuplot-nox`). A table that is missing is skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
in="${1:-/tmp/envoys-bench}"
out="${2:-docs/bench}"
command -v gnuplot >/dev/null || { echo "gnuplot is missing: apt-get install -y gnuplot-nox" >&2; exit 69; }
mkdir -p "$out"
common='set terminal pngcairo size 900,560 font "DejaVu Sans,11"; set grid; set key top left; set datafile separator "\t"'

if [ -f "$in/verify-curve.tsv" ]; then
  gnuplot -e "$common" -e "
    set output '$out/verify-curve.png';
    set title 'casa-envoy --verify against grep -c -P (TAB SEVERE TAB), one SEVERE at the end';
    set logscale xy; set xlabel 'CASA log size [MiB]'; set ylabel 'time [ms]';
    set y2label 'peak RSS [MB]'; set y2tics; set logscale y2; set y2range [1:1000];
    plot '$in/verify-curve.tsv' skip 1 using 1:3 with linespoints lw 2 title 'casa-envoy --verify', \
         '' skip 1 using 1:2 with linespoints lw 2 title 'grep', \
         '' skip 1 using 1:(\$5/1024) axes x1y2 with linespoints dt 2 title 'casa-envoy peak RSS [MB]', \
         '' skip 1 using 1:(\$6/1024) axes x1y2 with linespoints dt 2 title 'grep peak RSS [MB]'"
  echo "$out/verify-curve.png"
fi

if [ -f "$in/ingest-curve.tsv" ]; then
  gnuplot -e "$common" -e "
    set output '$out/ingest-files-curve.png';
    set title 'ingest-envoy --calibration, 1 GiB: time and memory against the number of files';
    set logscale x; set xlabel 'files in products/'; set ylabel 'time [ms]'; set yrange [0:*];
    set y2label 'peak RSS [MB]'; set y2tics; set y2range [0:200];
    plot '< grep ^files $in/ingest-curve.tsv' using 2:5 with linespoints lw 2 title 'ingest-envoy (whole run)', \
         '' using 2:4 with linespoints lw 2 title 'GNU tar cf + sync', \
         '' using 2:(\$7/1000) axes x1y2 with linespoints dt 2 title 'ingest-envoy peak RSS [MB]', \
         '' using 2:(\$8/1000) axes x1y2 with linespoints dt 2 title 'GNU tar peak RSS [MB]'"
  gnuplot -e "$common" -e "
    set output '$out/ingest-size-curve.png';
    set title 'ingest-envoy --calibration, 2,000 files: time and memory against the total size';
    set xlabel 'products/ [MiB]'; set ylabel 'time [ms]'; set yrange [0:*]; set xrange [0:*];
    set y2label 'peak RSS [MB]'; set y2tics; set y2range [0:200];
    plot '< grep ^size $in/ingest-curve.tsv' using 3:5 with linespoints lw 2 title 'ingest-envoy (whole run)', \
         '' using 3:4 with linespoints lw 2 title 'GNU tar cf + sync', \
         '' using 3:(\$7/1000) axes x1y2 with linespoints dt 2 title 'ingest-envoy peak RSS [MB]', \
         '' using 3:(\$8/1000) axes x1y2 with linespoints dt 2 title 'GNU tar peak RSS [MB]'"
  echo "$out/ingest-files-curve.png $out/ingest-size-curve.png"
fi

if [ -f "$in/overhead-curve.tsv" ]; then
  gnuplot -e "$common" -e "
    set output '$out/overhead-curve.png';
    set title 'casa-envoy overhead around a standard calibration' offset 0,-1;
    set xlabel 'PPR stages (bottom axis); CASA log lines followed (top axis)'; set ylabel 'time [ms]'; set yrange [0:*]; set xrange [0:*];
    set x2tics; set x2range [0:*];
    plot '$in/overhead-curve.tsv' skip 1 using 1:3 with linespoints lw 2 title 'casa-envoy overhead (median)', \
         '' skip 1 using 1:5 with linespoints lw 2 title 'the CASA emulator itself (median)', \
         '' skip 1 using 2:3 axes x2y1 with points pt 6 ps 1.5 title 'overhead by log lines (top axis)'"
  echo "$out/overhead-curve.png"
fi
