#!/usr/bin/env bash
# Jobs per minute through a Slurm cluster, and the envoy's own share of each job (wall and CPU), for N
# calibrations (docs/BENCHMARKS.md, "Through a Slurm cluster"):
#
#   tools/bench/cluster-throughput.sh 50 200 500
#
# For each N: N standard calibrations with deploy/slurm/casa-envoy.sbatch (the envoy, the CASA emulator's
# `success` scenario), then the same N calibrations as bare jobs that do what a job without an envoy must do
# (a scratch directory, stage-in, the PPR's RootDirectory/RelativePath set, the emulator run with the same
# command line and environment, stage-out). Both submitted at once, all jobs on shared storage. Each job
# measures itself with bash's `time` (wall, user+sys CPU of the job and all its children); throughput is
# N / (last end - first submit). Needs the bundles (npx nx run-many -t build -p casa-envoy) and a running
# cluster (tools/scripts/slurm-cluster.sh start --nodes 3), as root.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
[ "$#" -gt 0 ] || set -- 50 200
for bundle in dist/apps/casa-envoy/main.js; do
  [ -f "$bundle" ] || { echo "cluster-throughput: $bundle missing: npx nx build casa-envoy" >&2; exit 1; }
done
sinfo -h >/dev/null || { echo "cluster-throughput: no Slurm controller answers: tools/scripts/slurm-cluster.sh start --nodes 3" >&2; exit 1; }

work=$(mktemp -d /tmp/envoys-bench-cluster.XXXXXX)
[ "${BENCH_KEEP:-0}" = 1 ] || # BENCH_KEEP=1 keeps the jobs' directories and outputs.
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
# The installation the jobs use, as deploy/slurm/README.md lays it out.
mkdir -p "$work/home/casa-envoy" "$work/home/deploy"
cp dist/apps/casa-envoy/main.js "$work/home/casa-envoy/main.js"
cp -R deploy/slurm "$work/home/deploy/slurm"
casa_home=$root/tools/emulators/casa
sdm=brain_000.58099.67095825232

# The job without an envoy: what the job wrapper and the envoy do, reduced to what CASA needs.
cat >"$work/bare-casa.sh" <<'BARE'
#!/usr/bin/env bash
set -euo pipefail
input=$SLURM_SUBMIT_DIR
scratch=$(mktemp -d "$ENVOY_SCRATCH_ROOT/bare-$SLURM_JOB_ID.XXXXXX")
cp -R -L -p "$input/metadata.json" "$input/PPR.xml" "$input/rawdata" "$scratch/"
mkdir -p "$scratch/working" "$scratch/products"
sed -e "s|<RootDirectory>[^<]*</RootDirectory>|<RootDirectory>${scratch%/*}</RootDirectory>|" \
    -e "s|<RelativePath>[^<]*</RelativePath>|<RelativePath>${scratch##*/}</RelativePath>|" "$input/PPR.xml" >"$scratch/working/PPR.xml"
cd "$scratch/working"
status=0
env -i PATH="$PATH" HOME="$HOME" SCIPIPE_ROOTDIR="${scratch%/*}" CASA_HOME="$CASA_HOME" PPR_FILENAME=PPR.xml LANG=en_US.UTF-8 \
  "$CASA_HOME/bin/casa" --nogui --nologger --log2term --agg -c "$CASA_HOME/pipeline/pipeline/runvlapipeline.py" PPR.xml \
  >"$scratch/casa.out.log" 2>&1 || status=$?
cd /
for item in working products casa.out.log; do cp -R -p "$scratch/$item" "$input/.$item.tmp" && rm -rf "${input:?}/$item" && mv "$input/.$item.tmp" "$input/$item"; done
rm -rf "$scratch"
exit "$status"
BARE
chmod +x "$work/bare-casa.sh"

# One job: bash's `time` around the job body, one line "wall user sys" appended to the kind's timing file.
timed_job() {
  local kind=$1 body=$2
  printf '#!/usr/bin/env bash\nTIMEFORMAT="%%R %%U %%S"\n{ time bash %q ; } 2>>%q\n' "$body" "$work/$kind.times"
}
timed_job envoy "$work/home/deploy/slurm/casa-envoy.sbatch" >"$work/envoy-job.sh"
timed_job bare "$work/bare-casa.sh" >"$work/bare-job.sh"

make_dir() {
  local dir=$1
  mkdir -p "$dir/rawdata/$sdm"
  echo '<ASDM/>' >"$dir/rawdata/$sdm/ASDM.xml"
  cp tools/fixtures/examples/PPR.xml tools/fixtures/examples/metadata.json "$dir/"
}

stats() { # file -> "mean-wall mean-cpu" (cpu = user + sys)
  awk '{ w += $1; c += $2 + $3; n++ } END { if (n) printf "%.2f %.2f %d\n", w / n, c / n, n; else print "0 0 0" }' "$1"
}

printf '| jobs | kind | jobs/min | mean wall per job [s] | mean CPU per job [s] | jobs timed |\n|---:|:---|---:|---:|---:|---:|\n'
for n in "$@"; do
  for kind in envoy bare; do
    rm -f "$work/$kind.times"
    mkdir -p "$work/$kind-$n/scratch"
    ids=()
    began=$(date +%s.%N)
    for i in $(seq 1 "$n"); do
      dir=$work/$kind-$n/p$i
      make_dir "$dir"
      ids+=("$(cd "$dir" && env -i PATH="$(dirname "$(command -v node)"):/usr/sbin:/usr/bin:/sbin:/bin" HOME="$HOME" \
        ENVOYS_HOME="$work/home" CASA_HOME="$casa_home" ENVOY_SCRATCH_ROOT="$work/$kind-$n/scratch" \
        sbatch --parsable --job-name="bench-$kind" --cpus-per-task=1 --mem=256M --output="$work/$kind-$n/%j.out" "$work/$kind-job.sh")")
    done
    # Until every job has left the queue.
    while [ -n "$(squeue -h -n "bench-$kind" -o %i)" ]; do sleep 1; done
    ended=$(date +%s.%N)
    read -r wall cpu timed < <(stats "$work/$kind.times")
    failed=$(for id in "${ids[@]}"; do scontrol show job -o "$id" 2>/dev/null | grep -o 'ExitCode=[0-9]*:[0-9]*' || true; done | grep -vc 'ExitCode=0:0' || true)
    rate=$(awk -v n="$n" -v s="$began" -v e="$ended" 'BEGIN { printf "%.1f", n / ((e - s) / 60) }')
    printf '| %s | %s | %s | %s | %s | %s%s |\n' "$n" "$kind" "$rate" "$wall" "$cpu" "$timed" "$([ "$failed" -eq 0 ] || echo " ($failed failed)")"
    [ "$failed" -eq 0 ] || { echo "failed jobs: see $work/$kind-$n/*.out" >&2; trap - EXIT; }
    [ "$failed" -ne 0 ] || [ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$work/$kind-$n"
  done
done
echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(sinfo -h -o '%D nodes' | head -n 1), load $(cut -d' ' -f1-3 /proc/loadavg), $(node --version), $(date -u +%Y-%m-%d)"
