#!/usr/bin/env bash
# The executable of every envoy's HTCondor job (casa-envoy.sub, ingest-envoy.sub, carta-envoy.sub):
#
#   envoy-job.sh BUNDLE [ENVOY ARGUMENTS...]       (the submit file's `arguments`)
#
# BUNDLE is the envoy file as transfer_input_files delivered it into the job's scratch directory (its base
# name, e.g. main.js). README.md in this directory explains the choices; in short:
#   - the job runs in its scratch directory, which is the envoy's processing directory;
#   - every entry of transfer_output_files exists when the job ends, so that a run that failed early (no
#     products, CASA never launched) comes back with its report instead of being held by HTCondor for a
#     missing output file;
#   - the envoy replaces this shell (exec): HTCondor sends kill_sig (SIGTERM) to the job's process only,
#     and that process must be the envoy, which passes it to its external system's whole process group.
set -euo pipefail

log() { printf '%s envoy-job: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }

if [ "$#" -lt 1 ]; then
  log "usage: envoy-job.sh BUNDLE [ENVOY ARGUMENTS...] (see the submit file's arguments)" >&2
  exit 2
fi
bundle=$1
shift

# HTCondor starts the job in its scratch directory and names it in _CONDOR_SCRATCH_DIR; going there
# explicitly keeps the wrapper right when a site's job wrapper (USER_JOB_WRAPPER) changed directory.
cd "${_CONDOR_SCRATCH_DIR:-$PWD}"

if [ ! -f "$bundle" ]; then
  log "$bundle is not in the scratch directory $PWD: it must be in transfer_input_files" >&2
  exit 66
fi

# transfer_output_files as HTCondor will use it: the job ad's TransferOutput (a comma-separated list of
# names). A name that is missing when the job ends puts the job on hold ("failed to send file(s)"), which
# would stall the workflow for an ordinary, reported failure. The directories among them (names without a
# dot: working, products) are made empty, the files (report, output log) empty: the envoy replaces each
# atomically when it writes it. An empty report or log after the job therefore means the envoy wrote none
# (a usage error, or CASA was never launched); the job's output file says why.
if [ -n "${_CONDOR_JOB_AD:-}" ] && [ -r "$_CONDOR_JOB_AD" ]; then
  transfer_output=$(sed -n 's/^TransferOutput[[:space:]]*=[[:space:]]*"\(.*\)"[[:space:]]*$/\1/p' "$_CONDOR_JOB_AD" | head -n 1)
  IFS=',' read -r -a outputs <<<"$transfer_output"
  for output in "${outputs[@]}"; do
    output=$(printf '%s' "$output" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
    output=${output%/}
    # Only plain names in the scratch directory itself; never a path that leaves it.
    case "$output" in '' | */* | . | ..) continue ;; esac
    [ ! -e "$output" ] || continue
    case "$output" in
      *.*) : >"$output" ;;
      *) mkdir "$output" ;;
    esac
  done
fi

node=${ENVOY_NODE:-node}
if ! command -v "$node" >/dev/null 2>&1; then
  log "Node.js ($node) not found on $(hostname): the envoy needs Node.js 20 or newer on the execute node" >&2
  exit 69
fi

log "running $bundle $* in $PWD on $(hostname)"
# `node BUNDLE` rather than ./BUNDLE: a transferred file may arrive without its execute bit, and scratch
# file systems may be mounted noexec.
exec "$node" "./$bundle" "$@"
