#!/usr/bin/env bash
# The body shared by the sbatch scripts in this directory (casa-envoy.sbatch, ingest-envoy.sbatch,
# carta-envoy.sbatch). They source this file and call
#
#   envoy_job ENVOY [ENVOY ARGUMENTS...]
#
# after setting two arrays: ENVOY_STAGE_IN (names in the input directory to copy into the scratch
# directory; a trailing `?` marks an optional one) and ENVOY_STAGE_OUT (names or glob patterns in the
# scratch directory to copy to the results directory at the end, also after a failure or a cancel).
#
# What a job does, in order (README.md in this directory explains each choice):
#   1. make a fresh scratch directory  <scratch root>/envoy-<job id>.XXXXXX  (never reused: a requeued job
#      or a second job on the node cannot see another run's files);
#   2. stage in: the envoy bundle as main.js, plus ENVOY_STAGE_IN from the input directory;
#   3. run `node <scratch>/main.js ARGS` in the scratch directory, as a child the shell waits for;
#   4. stage out ENVOY_STAGE_OUT into the results directory (replacing what an earlier run left there);
#   5. remove the scratch directory (kept when stage-out failed, or with ENVOY_KEEP_SCRATCH=1);
#   6. exit with the envoy's status (CONTRACT 3.3), or the wrapper's own when the envoy never ran.
#
# Signals. Slurm stops a job (scancel, time limit, preemption) by sending SIGTERM to every process of the
# job's steps, the batch shell and the envoy included, then SIGKILL after KillWait. The envoy therefore
# gets SIGTERM from Slurm itself; the shell must NOT pass it on again, because a second signal tells the
# envoy to SIGKILL its external system at once instead of granting the grace period. The shell only notes
# the signal and keeps waiting, so that the envoy can stop its external system, write its report, and the
# results can be staged out before KillWait ends. SIGUSR1 is different: it reaches only the shell (sent by
# `#SBATCH --signal=B:USR1@SECONDS` before the time limit, or `scancel --batch --signal=USR1 JOB`), and the
# shell turns it into SIGTERM for the envoy: a graceful stop while there is still time to stage out.
#
# Environment (all optional):
#   ENVOYS_HOME          the installation: <ENVOYS_HOME>/<envoy>/main.js and deploy/slurm  (/opt/envoys)
#   ENVOY_BUNDLE         the envoy file to run                         (<ENVOYS_HOME>/<envoy>/main.js)
#   ENVOY_INPUT_DIR      where ENVOY_STAGE_IN are taken from           (the directory sbatch ran in)
#   ENVOY_RESULTS_DIR    where ENVOY_STAGE_OUT go                      (ENVOY_INPUT_DIR)
#   ENVOY_SCRATCH_ROOT   where scratch directories are made            ($SLURM_TMPDIR, $TMPDIR, /tmp)
#   ENVOY_KEEP_SCRATCH   1: keep the scratch directory after the job
#   ENVOY_NODE           the Node.js executable                        (node on PATH)
#   ENVOY_GRACE_SECONDS  passed to the envoy; when unset, derived from Slurm's KillWait (see below)
set -euo pipefail

envoy_log() { printf '%s envoy-job[%s]: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${SLURM_JOB_ID:-?}" "$*"; }

# State the signal handlers share with envoy_job (a trap runs in the shell's global scope).
_envoy_pid=''
_envoy_interrupted=0
_envoy_stop_signal=''

# SIGTERM, SIGINT, SIGHUP: Slurm (or `scancel --full`) sent it to every process of the job, the envoy
# included. Only remember it; see the header for why it is not passed on.
_envoy_on_signal() {
  _envoy_interrupted=1
  [ -n "$_envoy_stop_signal" ] || _envoy_stop_signal=$1
  if [ -n "$_envoy_pid" ]; then
    envoy_log "received SIG$1: Slurm signals every process of the job, the envoy included; waiting for it to stop its external system and write its report"
  else
    envoy_log "received SIG$1 before the envoy started: it will not be started"
  fi
}

# SIGUSR1 reaches the shell alone: ask the envoy to stop, as Slurm's SIGTERM would.
_envoy_on_usr1() {
  _envoy_interrupted=1
  [ -n "$_envoy_stop_signal" ] || _envoy_stop_signal=TERM
  if [ -n "$_envoy_pid" ]; then
    envoy_log "received SIGUSR1 (time-limit warning): sending SIGTERM to the envoy (pid $_envoy_pid)"
    kill -TERM "$_envoy_pid" 2>/dev/null || true
  else
    envoy_log "received SIGUSR1 before the envoy started: it will not be started"
  fi
}

# The grace period the envoy allows its external system between SIGTERM and SIGKILL must end well before
# Slurm's own SIGKILL (KillWait after its SIGTERM), or the envoy is killed before it writes its report.
_envoy_grace_seconds() {
  local kill_wait
  kill_wait=$(scontrol show config 2>/dev/null | awk -F= '/^KillWait[[:space:]]*=/ { gsub(/[^0-9]/, "", $2); print $2; exit }' || true)
  kill_wait=${kill_wait:-30}
  # Leave 10 s (or half of a short KillWait) for the report and the stage-out.
  if [ "$kill_wait" -gt 20 ]; then echo $((kill_wait - 10)); else echo $((kill_wait / 2 > 0 ? kill_wait / 2 : 1)); fi
}

# Copies ENVOY_STAGE_OUT from the scratch directory into the results directory. Each item is copied next
# to its destination first and then moved into place, so a result is either this run's whole or absent.
_envoy_stage_out() {
  local scratch=$1 results=$2 pattern path name tmp failed=0 staged=''
  [ "${#ENVOY_STAGE_OUT[@]}" -gt 0 ] || return 0
  if ! mkdir -p "$results" || ! tmp=$(mktemp -d "$results/.envoy-stage-out.${SLURM_JOB_ID}.XXXXXX"); then
    envoy_log "stage-out failed: cannot write to $results" >&2
    return 1
  fi
  shopt -s nullglob
  for pattern in "${ENVOY_STAGE_OUT[@]}"; do
    # The patterns come from the sbatch script, never from input files: word splitting is not a concern,
    # globbing is wanted (e.g. casa-envoy.*.out.log, whose name depends on the mode).
    # shellcheck disable=SC2206
    local matches=("$scratch"/$pattern)
    for path in "${matches[@]}"; do
      # A plain name (no wildcard) stays itself when nothing matches; what the envoy did not write (no
      # products after an audit failure, no output log when CASA never ran) is simply not there to copy.
      [ -e "$path" ] || continue
      name=${path##*/}
      if cp -R -p "$path" "$tmp/$name" && rm -rf "${results:?}/$name" && mv "$tmp/$name" "$results/$name"; then
        staged+="$name "
      else
        envoy_log "stage-out failed for $name" >&2
        failed=1
      fi
    done
  done
  shopt -u nullglob
  rm -rf "$tmp"
  [ "$failed" -eq 0 ] && envoy_log "staged out to $results: ${staged:-nothing (the envoy wrote none of it)}"
  return "$failed"
}

envoy_job() {
  local envoy=$1
  shift
  if [ -z "${SLURM_JOB_ID:-}" ]; then
    envoy_log "not inside a Slurm job (SLURM_JOB_ID is unset): submit it with sbatch" >&2
    return 2
  fi
  local home=${ENVOYS_HOME:-/opt/envoys}
  local input_dir=${ENVOY_INPUT_DIR:-${SLURM_SUBMIT_DIR:-$PWD}}
  local results_dir=${ENVOY_RESULTS_DIR:-$input_dir}
  local bundle=${ENVOY_BUNDLE:-$home/$envoy/main.js}
  local scratch_root=${ENVOY_SCRATCH_ROOT:-${SLURM_TMPDIR:-${TMPDIR:-/tmp}}}
  local node=${ENVOY_NODE:-node}
  local scratch item name optional status=0 stage_out_failed=0

  trap '_envoy_on_signal TERM' TERM
  trap '_envoy_on_signal INT' INT
  trap '_envoy_on_signal HUP' HUP
  trap '_envoy_on_usr1' USR1

  envoy_log "$envoy on $(hostname -s), job $SLURM_JOB_ID; input $input_dir, results $results_dir"

  # 1. A scratch directory of its own (mktemp: mode 700, a name nobody else can have taken).
  if ! mkdir -p "$scratch_root" || ! scratch=$(mktemp -d "$scratch_root/envoy-$SLURM_JOB_ID.XXXXXX"); then
    envoy_log "cannot create a scratch directory under $scratch_root" >&2
    return 73
  fi

  # 2. Stage in. Symbolic links are followed (-L): the job must get the data, not a link into a file
  #    system the envoy would (rightly) refuse to follow out of its processing directory.
  if [ ! -f "$bundle" ]; then
    envoy_log "the envoy bundle $bundle does not exist (set ENVOYS_HOME or ENVOY_BUNDLE)" >&2
    status=66
  elif ! cp "$bundle" "$scratch/main.js"; then
    envoy_log "cannot copy $bundle into $scratch" >&2
    status=73
  fi
  for item in "${ENVOY_STAGE_IN[@]}"; do
    [ "$status" -eq 0 ] || break
    name=${item%\?}
    optional=$([ "$name" != "$item" ] && echo yes || echo no)
    if [ ! -e "$input_dir/$name" ]; then
      [ "$optional" = yes ] && continue
      envoy_log "required input $input_dir/$name does not exist" >&2
      status=66
    elif ! cp -R -L -p "$input_dir/$name" "$scratch/$name"; then
      envoy_log "cannot copy $input_dir/$name into $scratch" >&2
      status=73
    fi
  done

  # 3. Run the envoy: a child the shell waits for, so that the shell is still there to stage out.
  if [ -n "$_envoy_stop_signal" ]; then
    # Stopped before the envoy started (a copy the signal interrupted failed too): the status the envoy
    # itself gives for that signal, 128+N.
    status=$((128 + $(kill -l "$_envoy_stop_signal")))
    envoy_log "stopped by SIG$_envoy_stop_signal before $envoy started"
  elif [ "$status" -eq 0 ]; then
    envoy_log "staged in to $scratch: $(find "$scratch" -mindepth 1 -maxdepth 1 -printf '%f\n' | LC_ALL=C sort | tr '\n' ' ')"
    if ! command -v "$node" >/dev/null 2>&1; then
      envoy_log "Node.js ($node) not found on $(hostname -s): the envoy needs Node.js 20 or newer" >&2
      status=69
    else
      # The envoy runs in scratch, but the directory it must own is the shared one its results go to.
      if [ -z "${ENVOY_LEASE_DIR:-}" ] && [ "${#ENVOY_STAGE_OUT[@]}" -gt 0 ]; then
        ENVOY_LEASE_DIR=$results_dir
        export ENVOY_LEASE_DIR
      fi
      if [ -z "${ENVOY_GRACE_SECONDS:-}" ]; then
        ENVOY_GRACE_SECONDS=$(_envoy_grace_seconds)
        export ENVOY_GRACE_SECONDS
      fi
      cd "$scratch"
      # The bundle runs through `node` by path (not ./main.js): scratch file systems are often mounted
      # noexec, and the absolute path shows in `ps` which job a process belongs to.
      "$node" "$scratch/main.js" "$@" &
      _envoy_pid=$!
      envoy_log "started $envoy (pid $_envoy_pid, grace ${ENVOY_GRACE_SECONDS} s): $*"
      # A USR1 that arrived between the check above and the start still has to reach the envoy.
      [ -z "$_envoy_stop_signal" ] || kill -TERM "$_envoy_pid" 2>/dev/null || true
      # `wait` returns early when a trapped signal arrives; wait again until the envoy itself is done
      # (bash keeps a finished child's status, so a signal right after the envoy ended loses nothing).
      while :; do
        _envoy_interrupted=0
        status=0
        wait "$_envoy_pid" || status=$?
        [ "$_envoy_interrupted" -eq 1 ] || break
      done
      envoy_log "$envoy exited with status $status"
      cd /
    fi
  fi

  # 4. Stage out, whatever happened above -- unless the results directory is not this job's any more: the
  # envoy was refused it or lost it (exit 75: another run, e.g. this job requeued on another node while
  # this node was cut off, owns it now), or another run took its lease after the envoy released it. Its
  # partial output must never replace that run's results.
  if [ "$status" -eq 75 ]; then
    envoy_log "$envoy does not own $results_dir (exit 75): nothing staged out"
  elif [ "${#ENVOY_STAGE_OUT[@]}" -gt 0 ] && [ -e "$results_dir/.envoys-lease.json" ]; then
    envoy_log "$results_dir is owned by another run now ($(tr -d '\n' <"$results_dir/.envoys-lease.json" 2>/dev/null | head -c 300)): nothing staged out" >&2
    status=75
  else
    _envoy_stage_out "$scratch" "$results_dir" || stage_out_failed=1
  fi

  # 5. The scratch directory goes unless its results could not be saved.
  if [ "$stage_out_failed" -eq 1 ]; then
    envoy_log "keeping $scratch on $(hostname -s): its results could not be staged out" >&2
    # The envoy's own failure is the more useful status; a success whose results are lost is not one.
    [ "$status" -ne 0 ] || status=73
  elif [ "${ENVOY_KEEP_SCRATCH:-0}" = 1 ]; then
    envoy_log "keeping $scratch (ENVOY_KEEP_SCRATCH=1)"
  else
    rm -rf "$scratch"
  fi

  # 6. The envoy's status is the job's.
  return "$status"
}
