# Shared by the benchmark scripts of tools/bench (sourced, not run): the tools they need, and the one loop that
# times a command and takes its peak RSS, so that every curve measures the same way.
#
#   source "$(dirname "$0")/lib.sh"
#   bench_tools                      # GNU time, hyperfine, gnuplot (tools/scripts/system-packages.txt, suite bench)
#   timed MS RSS command...          # appends the wall time (ms) to array MS and the peak RSS (KiB) to array RSS
#   median 3 1 2  ->  2              maximum 3 1 2  ->  3            load  ->  the one-minute load average

# The Debian packages of the `bench` suite, installed as the test suites' are (one list, one mechanism);
# CI never installs them (.ci/run asks for the test suites only).
bench_tools() {
  node tools/scripts/system-packages.mjs bench || exit 69
}

ms() { date +%s%N | cut -c1-13; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
maximum() { printf '%s\n' "$@" | sort -n | tail -n 1; }
load() { cut -d' ' -f1 /proc/loadavg; }

# timed MS RSS command...: runs the command under GNU time; its status is returned, its output is the caller's.
timed() {
  local -n _timed_ms=$1 _timed_rss=$2
  shift 2
  local out start status=0
  out=$(mktemp "${TMPDIR:-/tmp}/bench-time.XXXXXX")
  start=$(ms)
  /usr/bin/time -o "$out" -f '%M' "$@" || status=$?
  _timed_ms+=($(( $(ms) - start )))
  _timed_rss+=($(tail -n 1 "$out"))
  rm -f "$out"
  return "$status"
}
